# test_agent_page.sh - the agent page of issue 7 beyond its settings (test_pages.sh): the
# 7-day chart of its pool and of up to three alternatives (same type, the region's other
# zones), each a labelled series with its figures in the table; the pool's risk in words;
# the replicas with the promote form posting back to the agent page (refusal shown there,
# success redirected there); the switch timeline; the decisions or their empty state;
# 404 across clients.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/ui_lib.sh"
it_env
JSON=(-H 'Content-Type: application/json')
no_inline() { grep -qiP '<script(?![^>]*\ssrc="/static/)|style=| on[a-z]+="' <<<"$BODY" && fail "$1 has inline script, style or an event handler"; return 0; }

new_client; A=$CLIENT_ID; A_TOKEN=$CLIENT_TOKEN
new_client; B=$CLIENT_ID; B_TOKEN=$CLIENT_TOKEN
TYPE=r6g.4xlarge REGION=ap-southeast-2 POOL=r6g.4xlarge.ap-southeast-2a
P1=$(rand_instance_id)
register_agent "$A_TOKEN" "$(rand_name web)" "$P1" $TYPE ${REGION}a; A1=$AGENT_ID
register_agent "$B_TOKEN" "$(rand_name other)" "$(rand_instance_id)" $TYPE ${REGION}a; B1=$AGENT_ID
AEMAIL=$(rand_name a)@example.test BEMAIL=$(rand_name b)@example.test
ui_user "$AEMAIL" client "$A"; ui_user "$BEMAIL" client "$B"
AJAR=$IT_TMP/a.jar BJAR=$IT_TMP/b.jar JAR=$IT_TMP/admin.jar
ui_login "$AJAR" "$AEMAIL" "$UI_PASSWORD"; expect_status 303
ui_login "$BJAR" "$BEMAIL" "$UI_PASSWORD"; expect_status 303
ui_login "$JAR" "$SPOT_ADMIN_EMAIL" "$SPOT_ADMIN_PASSWORD"; expect_status 303

# ---- fixtures: four other zones of the type (three are shown), another type, prices ----
for z in b c d e; do
  sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('$TYPE.$REGION$z', '$TYPE', '$REGION', '$REGION$z')"
done
sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('m5.large.${REGION}b', 'm5.large', '$REGION', '${REGION}b')"
sql "DELETE FROM pricing_consolidated WHERE pool_id LIKE '$TYPE.$REGION%'"
# hours 1..30 ago for the current pool, 1..20 for zone b, 1..10 for zone c, none for d.
price_rows() { sql "INSERT INTO pricing_consolidated (id, pool_id, bucket_start, price)
  SELECT UUID(), '$1', FROM_UNIXTIME((FLOOR(UNIX_TIMESTAMP() / 3600) - seq) * 3600), $2 + seq * $3 FROM seq_1_to_$4"; }
price_rows "$POOL" 0.2000 0.0010 30
price_rows "$TYPE.${REGION}b" 0.1500 0.0020 20
price_rows "$TYPE.${REGION}c" 0.3000 0.0005 10
sql "INSERT IGNORE INTO pricing_consolidated (id, pool_id, bucket_start, price)
     SELECT UUID(), 'm5.large.${REGION}b', FROM_UNIXTIME((FLOOR(UNIX_TIMESTAMP() / 3600) - seq) * 3600), 0.09 FROM seq_1_to_5"

# ---- chart: the pool and three alternatives ----
ui_get "$AJAR" "/agents/$A1" -H 'Accept: application/json'
expect_status 200 "agent A1's view model"
expect_json '.chart.series | length' 4
expect_json '[.chart.series[].pool] | join(",")' "$POOL,$TYPE.${REGION}b,$TYPE.${REGION}c,$TYPE.${REGION}d"
expect_json '[.chart.series[].points] | join(",")' 30,20,10,0
expect_json '.chart.series[0].current' true
expect_json '.chart.series[0].min' '$0.2010'
expect_json '.chart.series[0].max' '$0.2300'
expect_json '.chart.series[1].min' '$0.1520'
expect_json '.chart.series[1].max' '$0.1900'
expect_json '.chart.series[2].max' '$0.3050'
expect_json '.chart.series[3].source' 'no prices'
expect_json .chart.points 60
expect_json '.chart.rows | length' 30
expect_json '.chart.rows[-1].cells | length' 4
expect_json '[.chart.rows[-1].cells[].text] | join(",")' '$0.2010,$0.1520,$0.3005,no data'
expect_json '[.chart.rows[0].cells[].text] | join(",")' '$0.2300,no data,no data,no data'
ui_get "$AJAR" "/agents/$A1"
expect_status 200 "agent A1's page"
grep -q "<title id=\"price-chart-title\">Spot price of $POOL and its alternatives over the last 7 days</title>" <<<"$BODY" \
  || fail "chart title"
counts=$(grep -o '<polyline[^>]*points="[^"]*"' <<<"$BODY" | sed 's/.*points="//; s/"$//' | awk '{ printf "%s%d", (NR > 1 ? "," : ""), NF }')
[ "$counts" = 30,20,10 ] || fail "the chart's lines have $counts points, the data 30,20,10"
for s in "$POOL (current) (solid)" "$TYPE.${REGION}b (dashed)" "$TYPE.${REGION}c (dotted)" "$TYPE.${REGION}d (dash-dot)"; do
  grep -qF ">$s</text>" <<<"$BODY" || fail "no legend entry '$s'"
done
grep -qF "<li>$TYPE.${REGION}b: dashed line, 20 hours, from pricing_consolidated</li>" <<<"$BODY" || fail "the series list does not name the line"
grep -qF "<th scope=\"col\" class=\"num\">$TYPE.${REGION}c</th>" <<<"$BODY" || fail "an alternative has no column in the table"
grep -qF '<td class="num">$0.2010</td><td class="num">$0.1520</td><td class="num">$0.3005</td><td class="num">no data</td>' <<<"$BODY" \
  || fail "the newest hour's figures are not in the table"
[ "$(grep -c '<th scope="row"><time datetime=' <<<"$BODY")" = 30 ] || fail "the table does not have one row per hour"
no_inline "the agent page"

# ---- risk: a calm pool is low; flagged after an interruption it is high ----
ui_get "$AJAR" "/agents/$A1" -H 'Accept: application/json'
expect_json .risk.word low
expect_json .risk.score 0.00
ui_get "$AJAR" "/agents/$A1"
grep -q 'id="agent-risk"><span class="status">low risk</span> (score 0.00 of 1; 0 interruptions in 7 days)' <<<"$BODY" \
  || fail "the risk is not given in words"
sql "UPDATE spot_pools SET flagged_until = UTC_TIMESTAMP(3) + INTERVAL 20 MINUTE WHERE id = '$POOL'"
ui_get "$AJAR" "/agents/$A1" -H 'Accept: application/json'
expect_json .risk.word high
expect_json .risk.score 0.60
ui_get "$AJAR" "/agents/$A1"
grep -q 'id="agent-risk"><span class="status status-bad">high risk</span> (score 0.60 of 1; 0 interruptions in 7 days, flagged' <<<"$BODY" \
  || fail "a flagged pool is not high risk"
sql "UPDATE spot_pools SET flagged_until = NULL WHERE id = '$POOL'"

# ---- switch timeline ----
sql "INSERT INTO switches (id, client_id, agent_id, old_mode, old_pool_id, new_mode, new_pool_id, savings_impact, downtime_seconds, initiated_at, created_at)
     VALUES (UUID(), '$A', '$A1', 'ondemand', NULL, 'spot', '$POOL', 0.0585, 12.5, UTC_TIMESTAMP(3) - INTERVAL 2 HOUR, UTC_TIMESTAMP(3) - INTERVAL 2 HOUR),
            (UUID(), '$A', '$A1', 'spot', '$TYPE.${REGION}b', 'spot', '$POOL', 0.0100, NULL, UTC_TIMESTAMP(3) - INTERVAL 1 DAY, UTC_TIMESTAMP(3) - INTERVAL 1 DAY)"
ui_get "$AJAR" "/agents/$A1"
grep -q 'id="agent-switches-title">Switch timeline<' <<<"$BODY" || fail "no switch timeline"
grep -qF "<td>On-demand </td><td>Spot $POOL</td><td class=\"num\">12.5 s</td><td class=\"num\">\$0.0585</td>" <<<"$BODY" \
  || grep -qF "<td class=\"num\">12.5 s</td><td class=\"num\">\$0.0585</td>" <<<"$BODY" || fail "the switch's downtime and saving are not shown"
grep -qF "$TYPE.${REGION}b</td><td>" <<<"$BODY" || fail "the switch's old pool is not shown"
grep -qF '<td class="num">not measured</td>' <<<"$BODY" || fail "a switch without downtime does not say so"
ui_get "$AJAR" "/agents/$A1" -H 'Accept: application/json'
expect_json '.switches | length' 2
expect_json '.switches[0].downtime' '12.5 s'

# ---- decisions: empty state, then the newest five ----
ui_get "$AJAR" "/agents/$A1"
grep -q 'Decisions appear here once the decision engine runs' <<<"$BODY" || fail "no empty state for decisions"
sql "INSERT INTO ml_decisions (id, client_id, agent_id, decision_mode, decision, current_pool_id, target_mode, target_pool_id,
       expected_savings, risk_score, confidence, reason, executed, suppressed_reason, decided_at)
     SELECT UUID(), '$A', '$A1', 'recommendation', IF(seq = 1, 'switch', 'stay'), '$POOL', IF(seq = 1, 'spot', NULL),
       IF(seq = 1, '$TYPE.${REGION}b', NULL), IF(seq = 1, 0.0480, NULL), 0.4200, 0.9000,
       CONCAT('<b>reason ', seq, '</b>'), FALSE, IF(seq = 1, 'recommendation_only', NULL),
       UTC_TIMESTAMP(3) - INTERVAL seq HOUR FROM seq_1_to_7"
ui_get "$AJAR" "/agents/$A1" -H 'Accept: application/json'
expect_json '.decisions | length' 5
expect_json '.decisions[0].decision' switch
expect_json '.decisions[0].target' "$TYPE.${REGION}b"
expect_json '.decisions[0].savings' '$0.0480'
expect_json '.decisions[0].risk_text' '0.42 (medium)'
expect_json '.decisions[0].confidence' '90%'
expect_json '.decisions[1].target' 'stay where it is'
ui_get "$AJAR" "/agents/$A1"
grep -q 'decision engine runs' <<<"$BODY" && fail "the empty state shows with decisions"
grep -qF '&lt;b&gt;reason 1&lt;/b&gt;' <<<"$BODY" || fail "the decision's reason is not escaped"
grep -q 'reason 6' <<<"$BODY" && fail "more than five decisions shown"
grep -qF '<td>no: recommendation_only</td>' <<<"$BODY" || fail "a suppressed decision does not say why"
ui_get "$BJAR" "/agents/$B1" -H 'Accept: application/json'
expect_json '.decisions | length' 0

# ---- replicas: empty state, launching (refused from the agent page), ready, promoted ----
ui_get "$AJAR" "/agents/$A1"
grep -q 'No replicas. Turn on manual replica' <<<"$BODY" || fail "no empty state for replicas"
http POST "/api/client/agents/$A1/replicas" -H "Authorization: Bearer $A_TOKEN" "${JSON[@]}" -d '{}'
expect_status 202
R=$(jq -r .replica_id <<<"$BODY")
ui_get "$AJAR" "/agents/$A1"
grep -q 'id="agent-replicas"' <<<"$BODY" || fail "the replica is not listed"
grep -q "action=\"/replicas/$R/promote\"" <<<"$BODY" && fail "a launching replica has a promote button"
grep -q 'promote when ready' <<<"$BODY" || fail "the launching replica does not say when it can be promoted"
ui_csrf "$AJAR"; A_CSRF=$CSRF
ui_csrf "$BJAR"; B_CSRF=$CSRF
ui_get "$AJAR" "/replicas/$R/promote" -X POST --data-urlencode "csrf_token=$A_CSRF" -d return_to=agent
expect_status 409 "promoting a launching replica from the agent page"
grep -q "<h1>Agent " <<<"$BODY" || fail "the refusal is not shown on the agent page"
grep -q "<a href=\"#promote-$R\">The replica is launching: only a ready replica can be promoted</a>" <<<"$BODY" \
  || fail "the refusal is not in the error summary"
grep -q "<p id=\"promote-$R\" class=\"error-message\">" <<<"$BODY" || fail "the refusal is not beside the replica"
no_inline "the agent page with a refusal"
RI=$(rand_instance_id)
sql "INSERT INTO instances (id, agent_id, client_id, role, instance_type, region, az, mode, pool_id)
     VALUES ('$RI', '$A1', '$A', 'replica', '$TYPE', '$REGION', '${REGION}b', 'spot', '$TYPE.${REGION}b')"
sql "UPDATE replica_instances SET status = 'ready', instance_id = '$RI', state_transfer_progress = 100, version = version + 1 WHERE id = '$R'"
ui_get "$AJAR" "/agents/$A1"
grep -q "<form method=\"post\" action=\"/replicas/$R/promote\" class=\"inline\">" <<<"$BODY" || fail "no promote form on the agent page"
form=$(sed -n "/action=\"\/replicas\/$R\/promote\"/,/<\/form>/p" <<<"$BODY")
grep -q 'name="csrf_token" value="[0-9a-f]\{64\}"' <<<"$form" || fail "the promote form has no CSRF token"
grep -q 'name="return_to" value="agent"' <<<"$form" || fail "the promote form does not come back to the agent page"
grep -q "id=\"promote-$R\">Promote to primary</button>" <<<"$form" || fail "the button does not say what it does"
ui_get "$AJAR" "/agents/$A1" -H 'Accept: application/json'
expect_json '.replicas[0].status' ready
expect_json '.replicas[0].can_promote' true
# Across clients: B cannot see the page nor promote A's replica, from either page.
ui_get "$BJAR" "/agents/$A1"
expect_status 404 "client B opening client A's agent"
ui_get "$BJAR" "/replicas/$R/promote" -X POST --data-urlencode "csrf_token=$B_CSRF" -d return_to=agent
expect_status 404 "client B promoting client A's replica from the agent page"
ui_get "$AJAR" "/replicas/$R/promote" -X POST -d return_to=agent
expect_status 403 "promote without the CSRF token"
[ "$(sql "SELECT role FROM instances WHERE id = '$RI'")" = replica ] || fail "a refused promote changed the roles"
ui_get "$AJAR" "/replicas/$R/promote" -X POST --data-urlencode "csrf_token=$A_CSRF" -d return_to=agent
expect_status 303 "promoting from the agent page"
expect_header Location "^/agents/$A1\\?promoted=1$"
[ "$(sql "SELECT role FROM instances WHERE id = '$RI'")" = primary ] || fail "the replica's instance is not the primary"
[ "$(sql "SELECT role FROM instances WHERE id = '$P1'")" = zombie ] || fail "the old primary is not a zombie"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id = '$A1' AND type = 'promote'")" = 1 ] || fail "no promote command"
ui_get "$AJAR" "/agents/$A1?promoted=1"
expect_status 200
grep -q 'Replica promoted.' <<<"$BODY" || fail "no confirmation on the agent page"
grep -q "action=\"/replicas/$R/promote\"" <<<"$BODY" && fail "a promoted replica still has a button"
ui_get "$JAR" "/agents/$A1" -H 'Accept: application/json'
expect_status 200 "the admin opening client A's agent"
expect_json '.replicas[0].id' "$R"
ui_get "$AJAR" "/agents/$B1" -H 'Accept: application/json'
expect_error 404 not_found
it_ok
