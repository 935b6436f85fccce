# test_replicas.sh - manual replicas from the client API (one live at a time,
# 409 otherwise), the agent's replica status reports (launching -> syncing ->
# ready, any live -> failed, others 409 naming the current status), the
# replica instance registered with role replica, the manual-mode rebalance
# rule, the promotion path of a termination notice, bad input, and 404 for
# other agents' and other clients' replicas.
. "$(dirname "$0")/harness.sh"
it_env
JSON=(-H 'Content-Type: application/json')
at() { date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ; }
make_replica() { http POST "/api/client/agents/$1/replicas" -H "Authorization: Bearer $2" "${JSON[@]}" -d '{}'; }
report() { agent_call POST "/api/agents/$1/replicas/$2/status" -d "$3"; }

new_client
C1=$CLIENT_ID
C1_TOKEN=$CLIENT_TOKEN
new_client
C2_TOKEN=$CLIENT_TOKEN

P=$(rand_instance_id)
register_agent "$C1_TOKEN" "$(rand_name rep)" "$P" t3.large eu-west-1a
A=$AGENT_ID
A_TOKEN=$AGENT_TOKEN
sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('t3.large.eu-west-1b', 't3.large', 'eu-west-1', 'eu-west-1b')"

# ---- the client asks for a manual replica ----
make_replica "$A" "$C2_TOKEN"
expect_error 404 not_found
make_replica "00000000-0000-4000-8000-000000000000" "$C1_TOKEN"
expect_error 404 not_found
make_replica "not-a-uuid" "$C1_TOKEN"
expect_error 404 not_found
make_replica "$A" "$A_TOKEN"
expect_error 403 forbidden
http POST "/api/client/agents/$A/replicas" -H "Authorization: Bearer $C1_TOKEN" "${JSON[@]}" -d '["huge"]'
expect_error 400 validation_failed
http POST "/api/client/agents/$A/replicas" -H "Authorization: Bearer $C1_TOKEN" -H 'Content-Type: text/plain' -d 'x'
expect_error 415 unsupported_media_type
make_replica "$A" "$C1_TOKEN"
expect_status 202
expect_json .type manual
expect_json .status launching
expect_json .target_pool_id t3.large.eu-west-1b
R=$(jq -r .replica_id <<<"$BODY")
CMD=$(jq -r .command_id <<<"$BODY")
[ "$(sql "SELECT CONCAT(replica_type,'/',status,'/',command_id,'/',client_id,'/',pool_id) FROM replica_instances WHERE id='$R' AND agent_id='$A'")" = \
  "manual/launching/$CMD/$C1/t3.large.eu-west-1b" ] || fail "replica row: $(sql "SELECT * FROM replica_instances WHERE id='$R'")"
[ "$(sql "SELECT CONCAT(type,'/',priority,'/',JSON_VALUE(payload,'$.replica_id')) FROM commands WHERE id='$CMD'")" = "launch_replica/50/$R" ] \
  || fail "command: $(sql "SELECT type, priority, payload FROM commands WHERE id='$CMD'")"
make_replica "$A" "$C1_TOKEN"
expect_error 409 conflict
[ "$(sql "SELECT COUNT(*) FROM replica_instances WHERE agent_id='$A'")" = 1 ] || fail "a second live manual replica"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$A' AND type='launch_replica'")" = 1 ] || fail "a second command"

# ---- status reports ----
AGENT_TOKEN=$A_TOKEN
report "$A" "$R" '{"status":"ready","instance_id":"i-0123456789abcdef0"}'
expect_error 409 conflict status
printf '%s' "$BODY" | jq -e '.error.message | contains("launching")' >/dev/null || fail "409 does not name the current status"
report "$A" "$R" '{"status":"exploded"}'
expect_error 400 validation_failed status
report "$A" "$R" '{"progress":10}'
expect_error 400 validation_failed status
report "$A" "$R" '{"status":"syncing","progress":101}'
expect_error 400 validation_failed progress
report "$A" "$R" '{"status":"syncing","progress":"half"}'
expect_error 400 validation_failed progress
report "$A" "$R" '{"status":"syncing","instance_id":"i-nothex"}'
expect_error 400 validation_failed instance_id
report "$A" "not-a-uuid" '{"status":"syncing"}'
expect_error 404 not_found
report "$A" "00000000-0000-4000-8000-000000000000" '{"status":"syncing"}'
expect_error 404 not_found
report "$A" "$R" '{"status":"launching","progress":5}'
expect_status 200
expect_json .status launching
expect_json .progress 5
RI=$(rand_instance_id)
report "$A" "$R" "{\"status\":\"syncing\",\"instance_id\":\"$RI\",\"progress\":40}"
expect_status 200
expect_json .status syncing
expect_json .instance_id "$RI"
expect_json .progress 40
[ "$(sql "SELECT CONCAT(role,'/',agent_id,'/',client_id,'/',pool_id,'/',mode) FROM instances WHERE id='$RI'")" = "replica/$A/$C1/t3.large.eu-west-1b/spot" ] \
  || fail "replica instance: $(sql "SELECT * FROM instances WHERE id='$RI'")"
[ "$(sql "SELECT CONCAT(status,'/',instance_id,'/',state_transfer_progress) FROM replica_instances WHERE id='$R'")" = "syncing/$RI/40.00" ] \
  || fail "replica row: $(sql "SELECT * FROM replica_instances WHERE id='$R'")"
report "$A" "$R" "{\"status\":\"syncing\",\"instance_id\":\"$(rand_instance_id)\"}"
expect_error 409 conflict instance_id
report "$A" "$R" '{"status":"syncing","progress":70}'
expect_status 200
expect_json .progress 70
report "$A" "$R" '{"status":"ready"}'
expect_status 200
expect_json .status ready
expect_json .progress 100
[[ "$(jq -r .ready_at <<<"$BODY")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]] || fail "ready_at: $BODY"
[ "$(sql "SELECT ready_at IS NOT NULL FROM replica_instances WHERE id='$R'")" = 1 ] || fail "ready_at not stored"
report "$A" "$R" '{"status":"syncing"}'
expect_error 409 conflict status
printf '%s' "$BODY" | jq -e '.error.message | contains("ready")' >/dev/null || fail "409 does not name ready"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id='$R' AND action='replica.status_changed'")" = 2 ] || fail "status changes not audited"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id='$R' AND action='replica.status_changed' AND JSON_VALUE(pre_state,'$.status')='syncing' AND JSON_VALUE(post_state,'$.status')='ready'")" = 1 ] \
  || fail "audit lacks pre/post state"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE agent_id='$A' AND type='replica.ready'")" = 1 ] || fail "no ready notification"

# ---- other agents and other clients: 404 ----
B_I=$(rand_instance_id)
register_agent "$C1_TOKEN" "$(rand_name repb)" "$B_I" t3.large eu-west-1a
B=$AGENT_ID
B_TOKEN=$AGENT_TOKEN
report "$B" "$R" '{"status":"failed"}'
expect_error 404 not_found
AGENT_TOKEN=$C2_TOKEN
report "$A" "$R" '{"status":"failed"}'
expect_error 404 not_found
AGENT_TOKEN=$B_TOKEN
report "$A" "$R" '{"status":"failed"}'
expect_error 404 not_found
[ "$(sql "SELECT status FROM replica_instances WHERE id='$R'")" = ready ] || fail "a stranger changed the replica"

# ---- termination notice with a ready replica: promotion ----
AGENT_TOKEN=$A_TOKEN
agent_call POST "/api/agents/$A/termination-notice" -d "{\"instance_id\":\"$P\",\"action_time\":\"$(at 120)\",\"notice_action\":\"stop\"}"
expect_status 200
expect_json .action promote_replica
expect_json .replica.id "$R"
expect_json .replica.instance_id "$RI"
expect_json .replica.pool_id t3.large.eu-west-1b
[ "$(sql "SELECT role FROM instances WHERE id='$P'")" = zombie ] || fail "old primary is not a zombie"
[ "$(sql "SELECT role FROM instances WHERE id='$RI'")" = primary ] || fail "replica instance is not primary"
[ "$(sql "SELECT COUNT(*) FROM instances WHERE agent_id='$A' AND role='primary'")" = 1 ] || fail "not exactly one primary"
[ "$(sql "SELECT CONCAT(status,'/',promoted_at IS NOT NULL) FROM replica_instances WHERE id='$R'")" = promoted/1 ] || fail "replica not promoted"
[ "$(sql "SELECT CONCAT(instance_id,'/',current_pool_id,'/',az,'/',notice_status) FROM agents WHERE id='$A'")" = "$RI/t3.large.eu-west-1b/eu-west-1b/termination" ] \
  || fail "agent placement: $(sql "SELECT instance_id, current_pool_id, az, notice_status FROM agents WHERE id='$A'")"
[ "$(sql "SELECT GROUP_CONCAT(subject_id ORDER BY created_at, JSON_VALUE(post_state,'$.role')='primary') FROM system_events WHERE agent_id='$A' AND action='instance.role_changed'")" = "$P,$RI" ] \
  || fail "role changes not audited zombie first"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$A' AND type='emergency_launch'")" = 0 ] || fail "promotion also queued an emergency launch"
# With the manual replica promoted, the client may ask for a new one.
make_replica "$A" "$C1_TOKEN"
expect_status 202
R2=$(jq -r .replica_id <<<"$BODY")
report "$A" "$R2" '{"status":"failed","error":"InsufficientInstanceCapacity"}'
expect_status 200
expect_json .status failed
[ "$(sql "SELECT CONCAT(status,'/',error) FROM replica_instances WHERE id='$R2'")" = "failed/InsufficientInstanceCapacity" ] || fail "failure not stored"
report "$A" "$R2" '{"status":"failed"}'
expect_status 200
report "$A" "$R2" '{"status":"syncing"}'
expect_error 409 conflict status
printf '%s' "$BODY" | jq -e '.error.message | contains("failed")' >/dev/null || fail "409 does not name failed"

# ---- manual-replica mode without a ready replica: a calm rebalance still launches one ----
M_I=$(rand_instance_id)
register_agent "$C1_TOKEN" "$(rand_name manual)" "$M_I" t3.xlarge eu-west-1a
M=$AGENT_ID
sql "UPDATE agents SET manual_replica_enabled = TRUE, auto_switch_enabled = FALSE, auto_terminate_enabled = FALSE WHERE id='$M'"
agent_call POST "/api/agents/$M/rebalance-notice" -d "{\"instance_id\":\"$M_I\",\"notice_time\":\"$(at 0)\"}"
expect_status 200
expect_json .action launch_replica
expect_json .risk 0
MR=$(jq -r .replica_id <<<"$BODY")
[ "$(sql "SELECT CONCAT(replica_type,'/',status) FROM replica_instances WHERE id='$MR'")" = manual/launching ] || fail "manual-mode replica row"
agent_call POST "/api/agents/$M/rebalance-notice" -d "{\"instance_id\":\"$M_I\",\"notice_time\":\"$(at 0)\"}"
expect_status 200
expect_json .replica_id "$MR"
# Ready replica in manual mode, calm pool: monitor.
report "$M" "$MR" "{\"status\":\"syncing\",\"instance_id\":\"$(rand_instance_id)\"}"
expect_status 200
report "$M" "$MR" '{"status":"ready"}'
expect_status 200
agent_call POST "/api/agents/$M/rebalance-notice" -d "{\"instance_id\":\"$M_I\",\"notice_time\":\"$(at 0)\"}"
expect_status 200
expect_json .action monitor
[ "$(sql "SELECT COUNT(*) FROM replica_instances WHERE agent_id='$M'")" = 1 ] || fail "manual mode made a second replica"
it_ok
