# test_client_api.sh - the client and admin JSON API of DESIGN.md section 5 (issue 7):
# paged lists with filters, downtime analytics and savings per day and month against
# hand-computed fixtures, price history, CSV exports (RFC 4180 quoting, formula
# neutralised), promote and delete of replicas (the promote command queued, roles
# swapped), admin health, jobs with data quality per day, emergencies and the audit log;
# another client's ids answer 404.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/ui_lib.sh"
it_env
JSON=(-H 'Content-Type: application/json')

new_client; A=$CLIENT_ID; A_TOKEN=$CLIENT_TOKEN
new_client; B=$CLIENT_ID; B_TOKEN=$CLIENT_TOKEN
AA=(-H "Authorization: Bearer $A_TOKEN")
BB=(-H "Authorization: Bearer $B_TOKEN")
P1=$(rand_instance_id)
register_agent "$A_TOKEN" "$(rand_name web)" "$P1" t3.large eu-west-1a; A1=$AGENT_ID; A1_TOKEN=$AGENT_TOKEN
register_agent "$A_TOKEN" "$(rand_name db)" "$(rand_instance_id)" m5.large eu-west-1b ondemand; A2=$AGENT_ID
register_agent "$A_TOKEN" "$(rand_name q)" "$(rand_instance_id)" m5.large eu-west-1c; A3=$AGENT_ID
register_agent "$B_TOKEN" "$(rand_name other)" "$(rand_instance_id)" t3.large eu-west-1a; B1=$AGENT_ID

# ---- scope: {cid} must be the caller's ----
for p in agents instances replicas switches savings notifications analytics/downtime 'prices?pool=t3.large.eu-west-1a' switches.csv savings.csv; do
  http GET "/api/client/$A/$p" "${BB[@]}"
  expect_error 404 not_found
  http GET "/api/client/$A/$p"
  expect_error 401 unauthorized
done
http GET "/api/client/not-a-uuid/agents" "${AA[@]}"
expect_error 404 not_found
http GET "/api/client/$A/agents" -H "Authorization: Bearer $SPOT_ADMIN_TOKEN"
[ "$STATUS" = 401 ] || [ "$STATUS" = 403 ] || fail "the admin token on a client list answered $STATUS"

# ---- pagination ----
http GET "/api/client/$A/agents?limit=2" "${AA[@]}"
expect_status 200
expect_json '.agents | length' 2
expect_json .next_offset 2
first2=$(jq -r '[.agents[].id] | join(",")' <<<"$BODY")
http GET "/api/client/$A/agents?limit=2&offset=2" "${AA[@]}"
expect_json '.agents | length' 1
expect_json .next_offset null
last=$(jq -r '.agents[0].id' <<<"$BODY")
[[ ",$first2," != *",$last,"* ]] || fail "pages overlap"
all=$(printf '%s,%s\n' "$first2" "$last" | tr ',' '\n' | sort | tr '\n' ' ')
[ "$all" = "$(printf '%s\n' "$A1" "$A2" "$A3" | sort | tr '\n' ' ')" ] || fail "pages do not cover the agents: $all"
http GET "/api/client/$A/agents?limit=201" "${AA[@]}"
expect_error 400 validation_failed limit
http GET "/api/client/$A/agents?offset=-1" "${AA[@]}"
expect_error 400 validation_failed offset
http GET "/api/client/$A/agents" "${AA[@]}"
expect_json .limit 50
expect_json "[.agents[] | select(.id == \"$A1\")][0].auto_switch_enabled" false

# ---- instances: active / terminated ----
sql "UPDATE instances SET role = 'terminated', terminated_at = UTC_TIMESTAMP(3) WHERE agent_id = '$A3'"
http GET "/api/client/$A/instances" "${AA[@]}"
expect_json '.instances | length' 2
expect_json .status active
http GET "/api/client/$A/instances?status=terminated" "${AA[@]}"
expect_json '.instances | length' 1
expect_json '.instances[0].agent_id' "$A3"
http GET "/api/client/$A/instances?status=all" "${AA[@]}"
expect_json '.instances | length' 3
http GET "/api/client/$A/instances?status=dead" "${AA[@]}"
expect_error 400 validation_failed status

# ---- switches by time, and the downtime figures (hand-computed) ----
# 20 completed switches in January 2026 with downtimes 1..20 s, 2 failed ones, one completed in December.
vals=""
for i in $(seq 1 20); do
  vals="$vals(UUID(), '$A', '$A1', 'completed', NULL, $i, '2026-01-10 00:00:00' + INTERVAL $i MINUTE),"
done
sql "INSERT INTO switches (id, client_id, agent_id, status, event_trigger, downtime_seconds, initiated_at) VALUES
     $vals
     (UUID(), '$A', '$A1', 'failed', 'a,b \"c\"', NULL, '2026-01-11 00:00:00'),
     (UUID(), '$A', '$A2', 'failed', '=SUM(1)', 999, '2026-01-12 00:00:00'),
     (UUID(), '$A', '$A1', 'completed', 'manual', 500, '2025-12-01 00:00:00'),
     (UUID(), '$B', '$B1', 'completed', 'manual', 7, '2026-01-15 00:00:00')"
http GET "/api/client/$A/analytics/downtime?from=2026-01-01&to=2026-02-01" "${AA[@]}"
expect_status 200 "downtime analytics"
expect_json .switches 22
expect_json .succeeded 20
expect_json .failed 2
expect_json .success_rate 90.9          # 20 / 22
expect_json .downtime_seconds.count 20
expect_json .downtime_seconds.average 10.5  # (1 + ... + 20) / 20
expect_json .downtime_seconds.min 1
expect_json .downtime_seconds.max 20
expect_json .downtime_seconds.p95 19    # nearest rank: the 19th of 20
expect_json .from 2026-01-01T00:00:00.000Z
http GET "/api/client/$A/analytics/downtime?from=2025-11-01T00:00:00Z&to=2026-01-01T00:00:00Z" "${AA[@]}"
expect_json .downtime_seconds.count 1
expect_json .downtime_seconds.p95 500
expect_json .success_rate 100
http GET "/api/client/$A/analytics/downtime?from=2030-01-01&to=2030-02-01" "${AA[@]}"
expect_json .switches 0
expect_json .success_rate null
expect_json .downtime_seconds.average null
http GET "/api/client/$A/analytics/downtime?from=yesterday" "${AA[@]}"
expect_error 400 validation_failed from
http GET "/api/client/$A/analytics/downtime?from=2026-02-01&to=2026-01-01" "${AA[@]}"
expect_error 400 validation_failed to
http GET "/api/client/$B/analytics/downtime?from=2026-01-01&to=2026-02-01" "${BB[@]}"
expect_json .switches 1
http GET "/api/client/$A/switches?from=2026-01-01&to=2026-02-01&limit=200" "${AA[@]}"
expect_json '.switches | length' 22
expect_json '.switches[0].at' 2026-01-12T00:00:00.000Z
http GET "/api/client/$A/switches?to=2026-01-01" "${AA[@]}"
expect_json '.switches | length' 1
expect_json '.switches[0].downtime_seconds' 500

# ---- CSV: header, quoting, formulas neutralised, the window ----
http GET "/api/client/$A/switches.csv?from=2026-01-11&to=2026-01-13" "${AA[@]}"
expect_status 200 "switches.csv"
expect_header Content-Type '^text/csv; charset=utf-8'
expect_header Content-Disposition '^attachment; filename="switches-'
printf '%s' "$BODY" | head -n 1 | grep -q '^id,agent_id,logical_agent_id,status,trigger,' || fail "CSV header: $(head -n 1 <<<"$BODY")"
[ "$(wc -l < "$IT_TMP/body")" = 3 ] || fail "CSV rows: $(wc -l < "$IT_TMP/body") lines"
grep -q $'\r$' <<<"$BODY" || fail "CSV lines do not end in CRLF"
grep -qF ',failed,"a,b ""c""",' <<<"$BODY" || fail "a field with a comma and quotes is not quoted"
grep -qF ",failed,'=SUM(1)," <<<"$BODY" || fail "a formula is not neutralised"
python3 - "$IT_TMP/body" <<'PY' || fail "the CSV does not parse back"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
assert rows[0][4] == 'trigger' and len({len(r) for r in rows}) == 1, rows
assert sorted(r[4] for r in rows[1:]) == ["'=SUM(1)", 'a,b "c"'], rows
PY

# ---- savings per day and per month (hand-computed) ----
sql "INSERT INTO savings_snapshots (id, client_id, snapshot_date, ondemand_cost, actual_cost, replica_cost, savings, switch_count)
     VALUES (UUID(), '$A', '2026-01-01', 10, 4, 0, 6, 1), (UUID(), '$A', '2026-01-02', 20, 5, 1, 15, 2),
            (UUID(), '$A', '2026-02-01', 30, 27, 0, 3, 0), (UUID(), '$B', '2026-01-01', 99, 1, 0, 98, 0)"
http GET "/api/client/$A/savings?from=2026-01-01&to=2026-02-28" "${AA[@]}"
expect_status 200
expect_json '.savings | length' 3
expect_json '.savings[1].date' 2026-01-02
expect_json '.savings[1].saved' 15
expect_json '.savings[1].percent' 75
expect_json .page_total.saved 24
expect_json .page_total.percent 40       # 24 / 60
http GET "/api/client/$A/savings?period=month&from=2026-01-01&to=2026-02-28" "${AA[@]}"
expect_json '[.savings[] | "\(.month)=\(.ondemand_cost)/\(.actual_cost)/\(.saved)/\(.percent)"] | join(" ")' \
  '2026-01=30/9/21/70 2026-02=30/27/3/10'
http GET "/api/client/$A/savings?period=year" "${AA[@]}"
expect_error 400 validation_failed period
http GET "/api/client/$A/savings.csv?period=month&from=2026-01-01&to=2026-02-28" "${AA[@]}"
expect_status 200
want=$'period,ondemand_cost,actual_cost,replica_cost,saved,switches,interruptions\r\n2026-01,30.000000,9.000000,1.000000,21.000000,3,0\r\n2026-02,30.000000,27.000000,0.000000,3.000000,0,0'
[ "$(printf '%s' "$BODY" | sed '$ s/\r$//')" = "$want" ] || fail "savings.csv: $(cat -A "$IT_TMP/body")"

# ---- notifications (unread filter) ----
sql "INSERT INTO notifications (id, client_id, type, severity, title, is_read) VALUES
     (UUID(), '$A', 't', 'info', 'read one', TRUE), (UUID(), '$A', 't', 'info', 'unread one', FALSE)"
http GET "/api/client/$A/notifications?unread=1" "${AA[@]}"
expect_json '[.notifications[].title] | index("read one")' null
expect_json '[.notifications[].title] | index("unread one") != null' true

# ---- prices of a pool ----
POOL=t3.large.eu-west-1a
sql "INSERT IGNORE INTO pricing_consolidated (id, pool_id, bucket_start, price, data_quality_flag)
     SELECT UUID(), '$POOL', FROM_UNIXTIME((FLOOR(UNIX_TIMESTAMP() / 300) - seq) * 300), 0.03, IF(seq % 4 = 0, 'interpolated', 'actual')
     FROM seq_1_to_24"
want=$(sql "SELECT COUNT(*) FROM pricing_consolidated WHERE pool_id = '$POOL' AND bucket_start >= UTC_TIMESTAMP(3) - INTERVAL 1 DAY")
http GET "/api/client/$A/prices?pool=$POOL&days=1" "${AA[@]}"
expect_status 200
expect_json '.prices | length' "$want"
expect_json .bucket_seconds 300
http GET "/api/client/$A/prices?pool=nope.eu-west-1a" "${AA[@]}"
expect_error 404 not_found pool
http GET "/api/client/$A/prices?pool=$POOL&days=31" "${AA[@]}"
expect_error 400 validation_failed days
http GET "/api/client/$A/prices" "${AA[@]}"
expect_error 400 validation_failed pool

# ---- replicas: promote and delete ----
sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('t3.large.eu-west-1b', 't3.large', 'eu-west-1', 'eu-west-1b')"
http POST "/api/client/agents/$A1/replicas" "${AA[@]}" "${JSON[@]}" -d '{}'
expect_status 202 "a manual replica"
R=$(jq -r .replica_id <<<"$BODY")
RI=$(rand_instance_id)
AGENT_TOKEN=$A1_TOKEN
http POST "/api/client/replicas/$R/promote" "${AA[@]}"
expect_error 409 conflict
printf '%s' "$BODY" | jq -e '.error.message | contains("launching")' >/dev/null || fail "the 409 does not say the replica is launching"
agent_call POST "/api/agents/$A1/replicas/$R/status" -d "{\"status\":\"syncing\",\"instance_id\":\"$RI\"}"
expect_status 200
agent_call POST "/api/agents/$A1/replicas/$R/status" -d '{"status":"ready"}'
expect_status 200
http GET "/api/client/$A/replicas?status=live" "${AA[@]}"
expect_json '.replicas | length' 1
expect_json '.replicas[0].status' ready
http GET "/api/client/$B/replicas" "${BB[@]}"
expect_json '.replicas | length' 0
http POST "/api/client/replicas/$R/promote" "${BB[@]}"
expect_error 404 not_found
http DELETE "/api/client/replicas/$R" "${BB[@]}"
expect_error 404 not_found
http POST "/api/client/replicas/$R/promote"
expect_error 401 unauthorized
http POST "/api/client/replicas/$R/promote" "${AA[@]}"
expect_status 200 "promoting a ready replica"
expect_json .status promoted
expect_json .instance_id "$RI"
expect_json .old_instance_id "$P1"
CMD=$(jq -r .command_id <<<"$BODY")
[ "$(sql "SELECT CONCAT(type, '/', status, '/', JSON_VALUE(payload, '$.replica_id'), '/', JSON_VALUE(payload, '$.instance_id')) FROM commands WHERE id = '$CMD'")" = "promote/pending/$R/$RI" ] \
  || fail "no pending promote command: $(sql "SELECT type, status, payload FROM commands WHERE id = '$CMD'")"
[ "$(sql "SELECT GROUP_CONCAT(CONCAT(id, '=', role) ORDER BY role) FROM instances WHERE id IN ('$P1', '$RI')")" = "$RI=primary,$P1=zombie" ] \
  || fail "roles after the promotion: $(sql "SELECT id, role FROM instances WHERE agent_id = '$A1'")"
[ "$(sql "SELECT CONCAT(status, '/', promoted_at IS NOT NULL) FROM replica_instances WHERE id = '$R'")" = promoted/1 ] || fail "replica row"
[ "$(sql "SELECT instance_id FROM agents WHERE id = '$A1'")" = "$RI" ] || fail "the agent's current instance did not move"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id = '$R' AND action = 'replica.promoted' AND actor_type = 'client'")" = 1 ] \
  || fail "the promotion is not audited with its actor"
http POST "/api/client/replicas/$R/promote" "${AA[@]}"
expect_error 409 conflict
http DELETE "/api/client/replicas/$R" "${AA[@]}"
expect_error 409 conflict
# Delete: a second replica with an instance gets a terminate command; manual replica mode refuses.
http POST "/api/client/agents/$A1/replicas" "${AA[@]}" "${JSON[@]}" -d '{}'
expect_status 202
R2=$(jq -r .replica_id <<<"$BODY"); RI2=$(rand_instance_id)
agent_call POST "/api/agents/$A1/replicas/$R2/status" -d "{\"status\":\"syncing\",\"instance_id\":\"$RI2\"}"
expect_status 200
V=$(sql "SELECT version FROM agents WHERE id = '$A1'")
http POST "/api/client/agents/$A1/config" "${AA[@]}" "${JSON[@]}" -d "{\"version\":$V,\"manual_replica_enabled\":true,\"auto_terminate_enabled\":false}"
expect_status 200
http DELETE "/api/client/replicas/$R2" "${AA[@]}"
expect_error 409 conflict
expect_json .error.message 'Turn off manual replica first: that mode keeps one replica running'
http POST "/api/client/agents/$A1/config" "${AA[@]}" "${JSON[@]}" -d "{\"version\":$((V + 1)),\"manual_replica_enabled\":false}"
expect_status 200
http DELETE "/api/client/replicas/$R2" "${AA[@]}"
expect_status 200 "deleting a replica"
expect_json .status terminated
CMD=$(jq -r .command_id <<<"$BODY")
[ "$(sql "SELECT CONCAT(type, '/', JSON_VALUE(payload, '$.instance_id')) FROM commands WHERE id = '$CMD'")" = "terminate/$RI2" ] || fail "no terminate command"
[ "$(sql "SELECT status FROM replica_instances WHERE id = '$R2'")" = terminated ] || fail "replica not terminated"
http GET "/api/client/$A/replicas?status=ended" "${AA[@]}"
expect_json '.replicas | length' 2

# ---- client session: the same API with the cookie ----
EMAIL=$(rand_name u)@example.test
ui_user "$EMAIL" client "$A"
JAR=$IT_TMP/a.jar
ui_login "$JAR" "$EMAIL" "$UI_PASSWORD"; expect_status 303
ui_get "$JAR" "/api/client/$A/agents?limit=1"
expect_status 200 "the client API with a session"
expect_json '.agents | length' 1
ui_get "$JAR" "/api/client/$B/agents"
expect_error 404 not_found

# ---- admin API ----
AD=(-H "Authorization: Bearer $SPOT_ADMIN_TOKEN")
http GET /api/admin/health "${AD[@]}"
expect_status 200 "admin health"
expect_json .database.status up
printf '%s' "$BODY" | jq -e '.workers.requests_total > 0 and (.jobs | length) >= 5 and (.jobs[0] | has("lag_seconds"))' >/dev/null \
  || fail "health lacks workers or jobs"
# Every watched job is one ./spot up runs (each ran once at start): a name that matches no job would
# show as stale forever while the real job went unwatched.
never=$(jq -r '[.jobs[] | select(.last_run == null) | .name] | join(" ")' <<<"$BODY")
[ -z "$never" ] || fail "watched jobs that never ran (no such job?): $never"
for f in "$SRC"/jobs/job_*.c; do
  j=$(basename "$f" .c); j=${j#job_}; j=${j//_/-}
  jq -e --arg j "$j" '.jobs | map(.name) | index($j) != null' <<<"$BODY" >/dev/null || fail "job $j is not watched by the health monitor"
done
http GET /api/admin/health "${AA[@]}"
expect_error 401 unauthorized
http GET /api/admin/health
expect_error 401 unauthorized
ui_get "$JAR" /api/admin/health
expect_error 403 forbidden
# Data quality per day: 24 buckets yesterday-ish, 6 interpolated; a fixture day far back in the window.
QPOOL=t3.large.eu-west-1b
sql "INSERT IGNORE INTO pricing_consolidated (id, pool_id, bucket_start, price, data_quality_flag, gap_flagged)
     SELECT UUID(), '$QPOOL', UTC_DATE() - INTERVAL 10 DAY + INTERVAL seq * 5 MINUTE, 0.03,
            IF(seq <= 3, 'interpolated', 'actual'), seq BETWEEN 3 AND 4
     FROM seq_0_to_19"
day=$(date -u -d '10 days ago' +%F)
want=$(sql "SELECT CONCAT(COUNT(*), '/', SUM(data_quality_flag = 'interpolated' OR gap_flagged)) FROM pricing_consolidated WHERE DATE(bucket_start) = '$day'")
http GET '/api/admin/jobs?days=14&limit=5' "${AD[@]}"
expect_status 200 "admin jobs"
expect_json "[.quality[] | select(.date == \"$day\") | \"\(.buckets)/\(.interpolated_or_flagged)\"][0]" "$want"
[ "$want" = 20/5 ] && expect_json "[.quality[] | select(.date == \"$day\") | .percent][0]" 25
printf '%s' "$BODY" | jq -e '(.runs | length) <= 5 and (.jobs | length) >= 5' >/dev/null || fail "jobs view"
http GET '/api/admin/jobs?limit=0' "${AD[@]}"
expect_error 400 validation_failed limit
sql "UPDATE agents SET notice_status = 'rebalance', notice_deadline = NULL WHERE id = '$B1'"
http GET /api/admin/emergencies "${AD[@]}"
expect_status 200
expect_json "[.active[].agent_id] | index(\"$B1\") != null" true
http GET "/api/admin/audit?client=$A&actor=client&hours=1" "${AD[@]}"
expect_status 200
expect_json '[.events[].action] | index("replica.promoted") != null' true
expect_json "[.events[].client_id] | unique == [\"$A\"]" true
http GET '/api/admin/audit?client=nope' "${AD[@]}"
expect_error 400 validation_failed client
it_ok
