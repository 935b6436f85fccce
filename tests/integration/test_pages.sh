# test_pages.sh - dashboard pages with real data (issue 7): the overview's numbers, the agents
# list, an agent's page with its price chart, the config form (exclusivity 409 naming the
# toggle, version check, validation keeping input), HTML and the JSON view model of each
# page, and client isolation: another client's agent answers 404, an admin sees all.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/ui_lib.sh"
it_env

# ---- two clients, their agents and users ----
new_client; A=$CLIENT_ID; A_TOKEN=$CLIENT_TOKEN
new_client; B=$CLIENT_ID; B_TOKEN=$CLIENT_TOKEN
AZ=us-east-1a TYPE=c5.xlarge POOL=c5.xlarge.us-east-1a
register_agent "$A_TOKEN" "$(rand_name web)" "$(rand_instance_id)" $TYPE $AZ spot; A1=$AGENT_ID
register_agent "$A_TOKEN" "$(rand_name db)" "$(rand_instance_id)" m5.large us-east-1b ondemand; A2=$AGENT_ID
register_agent "$B_TOKEN" "$(rand_name other)" "$(rand_instance_id)" $TYPE $AZ spot; B1=$AGENT_ID
AEMAIL=$(rand_name a)@example.test BEMAIL=$(rand_name b)@example.test
ui_user "$AEMAIL" client "$A"
ui_user "$BEMAIL" client "$B"
AJAR=$IT_TMP/a.jar BJAR=$IT_TMP/b.jar JAR=$IT_TMP/admin.jar
ui_login "$AJAR" "$AEMAIL" "$UI_PASSWORD"; expect_status 303 "client A's login"
ui_login "$BJAR" "$BEMAIL" "$UI_PASSWORD"; expect_status 303 "client B's login"
ui_login "$JAR" "$SPOT_ADMIN_EMAIL" "$SPOT_ADMIN_PASSWORD"; expect_status 303 "the admin's login"

# ---- seeded history: savings (this month and last), prices, a switch, an emergency ----
sql "INSERT INTO savings_snapshots (id, client_id, snapshot_date, ondemand_cost, actual_cost, savings, savings_pct)
     VALUES (UUID(), '$A', UTC_DATE(), 20.00, 7.66, 12.34, 61.7),
            (UUID(), '$A', DATE_FORMAT(UTC_DATE(), '%Y-%m-01') - INTERVAL 1 DAY, 5000, 1000, 4000, 80)"
sql "INSERT IGNORE INTO pricing_consolidated (id, pool_id, bucket_start, price)
     SELECT UUID(), '$POOL', FROM_UNIXTIME((FLOOR(UNIX_TIMESTAMP() / 3600) - seq) * 3600), 0.0600 + seq * 0.0005
     FROM seq_1_to_30"
sql "INSERT INTO switches (id, client_id, agent_id, old_mode, new_mode, new_pool_id, savings_impact, downtime_seconds, initiated_at)
     VALUES (UUID(), '$A', '$A1', 'ondemand', 'spot', '$POOL', 0.0585, 12.5, UTC_TIMESTAMP(3) - INTERVAL 2 HOUR)"
sql "UPDATE agents SET notice_status = 'termination', notice_deadline = UTC_TIMESTAMP(3) + INTERVAL 2 MINUTE WHERE id = '$A2'"

no_inline() { grep -qiP '<script(?![^>]*\ssrc="/static/)|style=| on[a-z]+="' <<<"$BODY" && fail "$1 has inline script, style or an event handler"; return 0; }

# ---- overview ----
ui_get "$AJAR" / -H 'Accept: application/json'
expect_status 200 "the overview's view model"
grep -qi '^content-type: application/json' "$HEADERS" || fail "the view model is not JSON"
expect_json .savings.saved '$12.34'
expect_json .savings.percent '61.7%'
expect_json .savings.days 1
expect_json .fleet.spot 1
expect_json .fleet.ondemand 1
expect_json .fleet.total 2
expect_json '.emergencies | length' 1
expect_json '.emergencies[0].agent_id' "$A2"
expect_json '.emergencies[0].deadline.relative' 'in 2 minutes'
expect_json '.switches | length' 1
expect_json '.switches[0].savings_per_hour' '$0.0585'
mday=$(date -u +%-d) mdays=$(date -u -d "$(date -u +%Y-%m-01) +1 month -1 day" +%-d)
expect_json .savings.projected "\$$(awk -v d="$mday" -v n="$mdays" 'BEGIN { printf "%.2f", 12.34 / d * n }')"
ui_get "$AJAR" /
expect_status 200 "the overview"
grep -q '<title>Overview — Spot Optimizer</title>' <<<"$BODY" || fail "overview title"
grep -q 'id="savings-month">$12.34<' <<<"$BODY" || fail "the overview does not show \$12.34"
grep -q 'Active emergencies' <<<"$BODY" || fail "no emergency on the overview"
grep -q 'aria-current="page">Overview' <<<"$BODY" || fail "the nav does not mark the overview"
no_inline overview
# Empty states say what to do: client B has no savings, no switches.
ui_get "$BJAR" / -H 'Accept: application/json'
expect_json .savings null
ui_get "$BJAR" /
grep -q 'id="savings-month">None yet<' <<<"$BODY" || fail "no empty state for savings"
grep -q 'No switches yet' <<<"$BODY" || fail "no empty state for switches"

# ---- agents list ----
ui_get "$AJAR" /agents -H 'Accept: application/json'
expect_status 200
expect_json '.agents | length' 2
expect_json "[.agents[].id] | index(\"$B1\")" null
ui_get "$AJAR" /agents
grep -q "href=\"/agents/$A1\"" <<<"$BODY" || fail "agent A1 not listed"
grep -q "$B1" <<<"$BODY" && fail "client A sees client B's agent"
grep -q 'class="status status-ok">online<' <<<"$BODY" || fail "no status word"
grep -qE '<time datetime="[0-9T:.-]+Z" title="[0-9T:.-]+Z">(just now|[0-9]+ minutes? ago)</time>' <<<"$BODY" \
  || fail "no relative heartbeat time with the absolute time on hover"
no_inline agents
ui_get "$JAR" /agents -H 'Accept: application/json'
expect_json "[.agents[].id] | index(\"$B1\") != null" true
expect_json "[.agents[].id] | index(\"$A1\") != null" true

# ---- switches, savings per day, emergencies ----
ui_get "$AJAR" /switches -H 'Accept: application/json'
expect_status 200 "the switches' view model"
expect_json .count 1
expect_json '.switches[0].agent_id' "$A1"
expect_json '[.day_options[] | select(.selected) | .value] | join(",")' 30
ui_get "$AJAR" '/switches?days=7'
expect_status 200
grep -q '<option value="7" selected>7 days</option>' <<<"$BODY" || fail "the period is not kept in the filter"
grep -q "href=\"/agents/$A1\"" <<<"$BODY" || fail "the switch is not listed"
no_inline switches
ui_get "$AJAR" '/switches?days=soon'
expect_status 400 "a period that is not a number"
ui_get "$BJAR" /switches -H 'Accept: application/json'
expect_json .count 0
want_days=$(sql "SELECT COUNT(*) FROM savings_snapshots WHERE client_id = '$A' AND snapshot_date > UTC_DATE() - INTERVAL 30 DAY")
want_total=$(sql "SELECT CONCAT('\$', FORMAT(SUM(savings), 2)) FROM savings_snapshots WHERE client_id = '$A' AND snapshot_date > UTC_DATE() - INTERVAL 30 DAY")
ui_get "$AJAR" /savings -H 'Accept: application/json'
expect_status 200 "the savings' view model"
expect_json '.days | length' "$want_days"
expect_json .chart.points "$want_days"
expect_json .total "$want_total"
expect_json '.days[-1].saved' '$12.34'
ui_get "$AJAR" /savings
grep -q '<title id="savings-chart-title">Saved per day over the last 30 days</title>' <<<"$BODY" || fail "no savings chart"
grep -q '<td class="num">\$12.34</td>' <<<"$BODY" || fail "the day's savings are not in the table"
no_inline savings
ui_get "$BJAR" /savings
grep -q 'No savings recorded yet' <<<"$BODY" || fail "no empty state for savings"
sql "INSERT INTO spot_interruption_events (id, client_id, agent_id, instance_id, pool_id, signal_type, response_action, outcome, failover_seconds)
     SELECT UUID(), client_id, id, instance_id, current_pool_id, 'rebalance-recommendation', 'launch_replica', 'succeeded', 41.5 FROM agents WHERE id = '$A2'"
ui_get "$AJAR" /emergencies -H 'Accept: application/json'
expect_status 200 "the emergencies' view model"
expect_json '.active | length' 1
expect_json '.events | length' 1
expect_json '.events[0].failover' '41.5 s'
ui_get "$AJAR" /emergencies
grep -q '<time data-countdown datetime="[^"]*Z" title="[^"]*">in 2 minutes</time>' <<<"$BODY" || fail "no countdown"
no_inline emergencies
ui_get "$BJAR" /emergencies -H 'Accept: application/json'
expect_json '(.active | length) + (.events | length)' 0

# ---- agent page: chart against the data ----
want=$(sql "SELECT COUNT(DISTINCT FLOOR(UNIX_TIMESTAMP(bucket_start) / 3600)) FROM pricing_consolidated
            WHERE pool_id = '$POOL' AND bucket_start >= UTC_TIMESTAMP(3) - INTERVAL 7 DAY")
ui_get "$AJAR" "/agents/$A1" -H 'Accept: application/json'
expect_status 200 "agent A1's view model"
expect_json .agent.pool "$POOL"
expect_json '.chart.series[0].points' "$want"
expect_json '.chart.series[0].current' true
expect_json .chart.source pricing_consolidated
VERSION=$(jq -r .form.version <<<"$BODY")
ui_get "$AJAR" "/agents/$A1"
expect_status 200 "agent A1's page"
grep -qE "<title id=\"price-chart-title\">Spot price of $POOL( and its alternatives)? over the last 7 days</title>" <<<"$BODY" || fail "chart title"
grep -q '>Price (USD per hour)</text>' <<<"$BODY" || fail "y axis label"
grep -q '>Time (UTC)</text>' <<<"$BODY" || fail "x axis label"
pts=$(grep -o '<polyline[^>]*points="[^"]*"' <<<"$BODY" | head -n 1 | sed 's/.*points="//; s/"$//' | wc -w)
[ "$pts" = "$want" ] || fail "the chart has $pts points, the data $want"
[ "$(grep -c '<td class="num">\$0\.0[0-9]*</td>' <<<"$BODY")" -ge "$want" ] || fail "the chart's figures are not in a table"
grep -q 'name="csrf_token" value="[0-9a-f]\{64\}"' <<<"$BODY" || fail "the config form has no CSRF token"
no_inline "the agent page"

# ---- isolation: another client's ids answer 404; the admin sees them ----
ui_get "$AJAR" "/agents/$B1"
expect_status 404 "client A opening client B's agent"
ui_get "$AJAR" "/agents/$B1" -H 'Accept: application/json'
expect_error 404 not_found
ui_get "$AJAR" /agents/not-a-uuid
expect_status 404
ui_get "$BJAR" "/agents/$A1"
expect_status 404 "client B opening client A's agent"
ui_csrf "$BJAR"; B_CSRF=$CSRF
ui_get "$BJAR" "/agents/$A1/config" -X POST --data-urlencode "csrf_token=$B_CSRF" -d "version=$VERSION&terminate_wait_seconds=0"
expect_status 404 "client B changing client A's agent"
http POST "/api/client/agents/$A1/config" -H "Authorization: Bearer $B_TOKEN" -H 'Content-Type: application/json' -d "{\"version\":$VERSION}"
expect_error 404 not_found
ui_get "$JAR" "/agents/$B1"
expect_status 200 "the admin opening client B's agent"

# ---- the config form ----
ui_csrf "$AJAR"
post_config() { ui_get "$AJAR" "/agents/$A1/config" -X POST --data-urlencode "csrf_token=$CSRF" "$@"; }
post_config -d "version=$VERSION&auto_switch_enabled=1&manual_replica_enabled=1&terminate_wait_seconds=300"
expect_status 409 "manual replica with auto-switch"
grep -q '<a href="#auto_switch">Turn off auto-switch first: manual replica excludes it</a>' <<<"$BODY" \
  || fail "the 409 does not say which toggle to turn off"
grep -q 'id="auto_switch-error"' <<<"$BODY" || fail "no message beside the toggle"
grep -q 'id="manual_replica" name="manual_replica_enabled" value="1" checked' <<<"$BODY" || fail "the typed toggles are not kept"
post_config -d "version=$VERSION&auto_switch_enabled=1&auto_terminate_enabled=1&manual_replica_enabled=1&terminate_wait_seconds=300" \
  -H 'Accept: application/json'
expect_error 409 conflict
expect_json .error.message 'Turn off auto-switch and auto-terminate first: manual replica excludes them'
post_config -d "version=$VERSION&terminate_wait_seconds=soon"
expect_status 400 "a wait that is not a number"
grep -q '<a href="#terminate_wait_seconds">' <<<"$BODY" || fail "the summary does not link to the wait field"
grep -q 'name="terminate_wait_seconds" type="text" inputmode="numeric" value="soon"' <<<"$BODY" || fail "the typed wait is not kept"
post_config -d "version=$VERSION&manual_replica_enabled=1&terminate_wait_seconds=120"
expect_status 303 "manual replica alone"
expect_header Location "^/agents/$A1\\?saved=1$"
[ "$(sql "SELECT CONCAT_WS(',', manual_replica_enabled, auto_switch_enabled, auto_terminate_enabled, terminate_wait_seconds) FROM agents WHERE id = '$A1'")" = "1,0,0,120" ] \
  || fail "the config was not stored"
post_config -d "version=$VERSION&terminate_wait_seconds=60"
expect_status 409 "a stale version"
grep -q 'changed by someone else' <<<"$BODY" || fail "the version conflict is not explained"
ui_get "$AJAR" "/agents/$A1/config" -X POST -d "version=$VERSION&terminate_wait_seconds=60"
expect_status 403 "the config form without its CSRF token"

# ---- the client API: client token and session ----
NEWV=$(sql "SELECT version FROM agents WHERE id = '$A1'")
http POST "/api/client/agents/$A1/config" -H "Authorization: Bearer $A_TOKEN" -H 'Content-Type: application/json' \
  -d "{\"version\":$NEWV,\"auto_switch_enabled\":true}"
expect_error 409 conflict manual_replica_enabled
expect_json .error.message 'Turn off manual replica first: it excludes auto-switch'
ui_get "$AJAR" "/api/client/agents/$A1/config" -X POST -H 'Content-Type: application/json' \
  -d "{\"version\":$NEWV,\"auto_switch_enabled\":true,\"manual_replica_enabled\":false}"
expect_error 403 forbidden csrf_token
ui_get "$AJAR" "/api/client/agents/$A1/config" -X POST -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" \
  -d "{\"version\":$NEWV,\"auto_switch_enabled\":true,\"manual_replica_enabled\":false}"
expect_status 200 "the client API with a session and X-CSRF-Token"
expect_json .auto_switch_enabled true
expect_json .manual_replica_enabled false
expect_json .version $((NEWV + 1))
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE agent_id = '$A1' AND action = 'agent.config_changed' AND actor_type = 'user'")" = 2 ] \
  || fail "config changes by users are not in the audit log"

# ---- instances ----
ui_get "$AJAR" /instances -H 'Accept: application/json'
expect_status 200 "the instances' view model"
expect_json .count 2
expect_json "[.instances[].agent_id] | sort == ([\"$A1\", \"$A2\"] | sort)" true
ui_get "$AJAR" '/instances?status=terminated' -H 'Accept: application/json'
expect_json .count 0
ui_get "$AJAR" '/instances?status=everything'
expect_status 400 "an unknown instance filter"
ui_get "$AJAR" /instances
grep -q '<option value="active" selected>active</option>' <<<"$BODY" || fail "the instance filter is not shown"
no_inline instances

# ---- notifications: escaped, read state, isolation ----
NID=$(cat /proc/sys/kernel/random/uuid)
ui_get "$AJAR" /notifications -H 'Accept: application/json'
U0=$(jq -r .unread <<<"$BODY")
sql "INSERT INTO notifications (id, client_id, agent_id, type, severity, title, message)
     VALUES ('$NID', '$A', '$A1', 'agent_offline', 'warning', 'Agent <b>offline</b>', 'It stopped \"heartbeating\"')"
ui_get "$AJAR" /notifications -H 'Accept: application/json'
expect_json .unread $((U0 + 1))
expect_json ".notifications[] | select(.id == \"$NID\") | .title" 'Agent <b>offline</b>'
ui_get "$AJAR" /notifications
grep -q 'Agent &lt;b&gt;offline&lt;/b&gt;' <<<"$BODY" || fail "a notification title is not escaped"
no_inline notifications
ui_get "$BJAR" /notifications -H 'Accept: application/json'
expect_json "[.notifications[].id] | index(\"$NID\")" null
ui_get "$BJAR" "/notifications/$NID/read" -X POST --data-urlencode "csrf_token=$B_CSRF"
expect_status 404 "client B marking client A's notification"
ui_get "$AJAR" "/notifications/$NID/read" -X POST --data-urlencode "csrf_token=$CSRF"
expect_status 303 "marking a notification read"
ui_get "$AJAR" /notifications -H 'Accept: application/json'
expect_json .unread "$U0"

# ---- admin pages: users (the form) and the audit log ----
ui_get "$AJAR" /admin/users
expect_status 403 "a client user on the admin users page"
ui_get "$AJAR" /admin/audit -H 'Accept: application/json'
expect_error 403 forbidden
ui_get "$JAR" /admin/users
expect_status 200 "the admin users page"
grep -q ">$AEMAIL<" <<<"$BODY" || fail "users are not listed"
no_inline "the users page"
ui_csrf "$JAR"; ADMIN_CSRF=$CSRF
ui_get "$JAR" /admin/users -X POST --data-urlencode "csrf_token=$ADMIN_CSRF" --data-urlencode 'email=kept<typed>' -d 'role=client&password=short'
expect_status 400 "an incomplete new user"
for f in email client_id password; do
  grep -q "<a href=\"#$f\">" <<<"$BODY" || fail "the summary does not link to #$f"
done
grep -q 'value="kept&lt;typed&gt;"' <<<"$BODY" || fail "the typed email is not kept"
NEWEMAIL=$(rand_name new)@example.test
ui_get "$JAR" /admin/users -X POST --data-urlencode "csrf_token=$ADMIN_CSRF" --data-urlencode "email=$NEWEMAIL" \
  --data-urlencode "client_id=$B" -d "role=client&password=$UI_PASSWORD"
expect_status 303 "a new client user"
[ "$(sql "SELECT CONCAT(role, ',', client_id, ',', LEFT(password_hash, 10)) FROM users WHERE email = '$NEWEMAIL'")" = "client,$B,\$argon2id\$" ] \
  || fail "the new user is not stored as asked"
ui_get "$JAR" /admin/users -X POST --data-urlencode "csrf_token=$ADMIN_CSRF" --data-urlencode "email=$NEWEMAIL" \
  --data-urlencode "client_id=$B" -d "role=client&password=$UI_PASSWORD" -H 'Accept: application/json'
expect_error 400 validation_failed email
ui_get "$JAR" "/admin/audit?client=$A&actor=user" -H 'Accept: application/json'
expect_status 200 "the audit log"
expect_json '[.events[].action] | index("agent.config_changed") != null' true
expect_json "[.events[].client_id] | unique | . == [\"$A\"]" true
ui_get "$JAR" '/admin/audit?hours=never'
expect_status 400 "a bad audit period"
ui_get "$JAR" /admin/audit
no_inline "the audit log"

# ---- manual switch from the agent page ----
ui_csrf "$AJAR"
ui_get "$AJAR" "/agents/$A1"
grep -q '<option value="ondemand">On-demand, same type and zone' <<<"$BODY" || fail "no switch form"
ui_get "$AJAR" "/agents/$A1/switch" -X POST --data-urlencode "csrf_token=$CSRF" -d 'target=nowhere'
expect_status 400 "a switch to no pool"
grep -q '<a href="#target">Choose where to switch this agent to</a>' <<<"$BODY" || fail "the switch refusal is not in the summary"
ui_get "$BJAR" "/agents/$A1/switch" -X POST --data-urlencode "csrf_token=$B_CSRF" -d 'target=ondemand'
expect_status 404 "client B switching client A's agent"
ui_get "$AJAR" "/agents/$A1/switch" -X POST --data-urlencode "csrf_token=$CSRF" -d 'target=ondemand'
expect_status 303 "a switch to on-demand"
expect_header Location "^/agents/$A1\\?switch=requested$"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id = '$A1' AND type = 'switch' AND status = 'pending'
          AND JSON_VALUE(payload, '$.target_mode') = 'ondemand'")" = 1 ] || fail "no pending switch command"
ui_get "$AJAR" "/agents/$A1/switch" -X POST --data-urlencode "csrf_token=$CSRF" -d 'target=ondemand'
expect_status 409 "a second switch while one is open"
it_ok
