# test_heartbeat_memo.sh - the workers remember heartbeat answers (core/agents.c,
# migration 0017), and a remembered answer never outlives a change: each change
# below is made while the memo is in use (its hit counter on /metrics rises),
# and the very next heartbeat must show it. Changes come through the API and
# straight through SQL (as the jobs and an operator make them).
. "$(dirname "$0")/harness.sh"
it_env
J=(-H 'Content-Type: application/json')

memo_hits() {
  "${CURL[@]}" "$SPOT_URL/metrics" | awk '/^spot_heartbeat_memo_total\{event="hit"\}/ {print $2}'
}
# warm INSTANCE: heartbeats until one is answered from the memo (the counter moves), 20 tries at most.
warm() {
  local before i
  for ((i = 0; i < 20; i++)); do
    before=$(memo_hits)
    heartbeat "$1"
    expect_status 200 "warming the memo"
    [ "$(memo_hits)" -gt "$before" ] && return 0
  done
  fail "no heartbeat of $1 was answered from the memo"
}

new_client
ct=$CLIENT_TOKEN cid=$CLIENT_ID
iid=$(rand_instance_id)
register_agent "$ct" memo "$iid"
expect_status 201
agent=$AGENT_ID tok=$AGENT_TOKEN
[ -n "$(memo_hits)" ] || fail "/metrics has no spot_heartbeat_memo_total"
memo_file=$SPOT_HB_MEMO_FILE
[ -n "$memo_file" ] && [ -f "$memo_file" ] || fail "SPOT_HB_MEMO_FILE ($memo_file) does not exist"
[ "$(stat -c %a "$memo_file")" = 600 ] || fail "$memo_file is mode $(stat -c %a "$memo_file"), not 600"

# 1. The memo is used, and it answers what the database says.
warm "$iid"
expect_json .role primary
expect_json .pending_commands 0
expect_json .config_version 1
# A heartbeat answered from the memo still writes the instance row.
before=$(sql "SELECT last_heartbeat_at FROM instances WHERE id='$iid'") hits=$(memo_hits)
sleep 0.05
agent_call POST "/api/agents/$agent/heartbeat" -d "{\"instance_id\":\"$iid\",\"status\":\"degraded\",\"uptime_seconds\":4242}"
expect_status 200
[ "$(memo_hits)" -gt "$hits" ] || fail "that heartbeat was not answered from the memo"
[ "$(sql "SELECT last_heartbeat_at FROM instances WHERE id='$iid'")" != "$before" ] \
  || fail "a heartbeat answered from the memo did not write last_heartbeat_at"
[ "$(sql "SELECT CONCAT(uptime_seconds, ' ', reported_status) FROM instances WHERE id='$iid'")" = "4242 degraded" ] \
  || fail "uptime and status not written on the memo path"

# 2. A command queued through the API, then one inserted by SQL (as a job does).
warm "$iid"
http POST "/api/client/agents/$agent/switch" -H "Authorization: Bearer $ct" "${J[@]}" \
  -d '{"target_pool_id":"t3.medium.us-east-1b","target_mode":"spot"}'
expect_status 202
cmd1=$(jq -r .command_id <<<"$BODY")
heartbeat "$iid"
expect_json .pending_commands 1
warm "$iid"
sql "INSERT INTO commands (id, client_id, agent_id, type, request_id, expires_at)
     VALUES (UUID(), '$cid', '$agent', 'cleanup', UUID(), UTC_TIMESTAMP(3) + INTERVAL 1 HOUR)"
heartbeat "$iid"
expect_json .pending_commands 2

# 3. Handing commands out lowers the count; a result finishing one too.
warm "$iid"
agent_call GET "/api/agents/$agent/pending-commands?instance_id=$iid"
expect_status 200
expect_json '.commands | length' 2
heartbeat "$iid"
expect_json .pending_commands 0
warm "$iid"
agent_call POST "/api/agents/$agent/commands/$cmd1/result" -d '{"status":"failed","error":"test"}'
expect_status 200
heartbeat "$iid"
expect_json .pending_commands 0

# 4. Time alone: an acked command's lease runs out with no write at all. Its
#    ack is moved back so the lease ends in about 4 s; the memo must not hide it.
sql "UPDATE commands SET acked_at = UTC_TIMESTAMP(3) - INTERVAL 56 SECOND WHERE agent_id = '$agent' AND status = 'acked'"
warm "$iid"
expect_json .pending_commands 0
sleep 5
heartbeat "$iid"
expect_json .pending_commands 1

# 5. The agent's config through the API, then by SQL.
warm "$iid"
v=$(sql "SELECT version FROM agents WHERE id='$agent'")
http POST "/api/client/agents/$agent/config" -H "Authorization: Bearer $ct" "${J[@]}" \
  -d "{\"version\":$v,\"terminate_wait_seconds\":120}"
expect_status 200
heartbeat "$iid"
expect_json .config_version 2
warm "$iid"
sql "UPDATE agents SET config_version = 7 WHERE id = '$agent'"
heartbeat "$iid"
expect_json .config_version 7

# 6. The health monitor's offline mark: the next heartbeat brings the agent back, with its event.
warm "$iid"
sql "UPDATE agents SET status = 'offline' WHERE id = '$agent'"
heartbeat "$iid"
expect_status 200
[ "$(sql "SELECT status FROM agents WHERE id='$agent'")" = online ] || fail "the agent stayed offline"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE agent_id='$agent' AND action='agent.online'")" = 1 ] \
  || fail "no agent.online event"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE agent_id='$agent' AND type='agent.online'")" = 1 ] \
  || fail "no agent.online notification"

# 7. The instance's role, changed by SQL.
warm "$iid"
sql "UPDATE instances SET role = 'zombie' WHERE id = '$iid'"
heartbeat "$iid"
expect_json .role zombie
sql "UPDATE instances SET role = 'primary' WHERE id = '$iid'"
heartbeat "$iid"
expect_json .role primary

# 8. Tokens: the client token works and is remembered separately; revoking the
#    agent token stops it at once, and disabling the client stops the client token.
AGENT_TOKEN=$ct warm "$iid"
AGENT_TOKEN=$tok warm "$iid"
tid=$(sql "SELECT id FROM client_tokens WHERE agent_id='$agent' AND kind='agent' AND revoked_at IS NULL")
http DELETE "/api/admin/clients/$cid/tokens/$tid" "${AUTH_ADMIN[@]}"
expect_status 200
AGENT_TOKEN=$tok heartbeat "$iid"
expect_error 401 unauthorized
AGENT_TOKEN=$ct warm "$iid"
http PATCH "/api/admin/clients/$cid" "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"is_active":false}'
expect_status 200
AGENT_TOKEN=$ct heartbeat "$iid"
expect_error 401 unauthorized
http PATCH "/api/admin/clients/$cid" "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"is_active":true}'
expect_status 200
AGENT_TOKEN=$ct warm "$iid"
# An operator revoking by hand, in SQL.
sql "UPDATE client_tokens SET revoked_at = UTC_TIMESTAMP(3) WHERE client_id = '$cid' AND kind = 'client'"
AGENT_TOKEN=$ct heartbeat "$iid"
expect_error 401 unauthorized

# 9. A token that expires while remembered stops at its expiry, with no write.
new_client
iid2=$(rand_instance_id)
register_agent "$CLIENT_TOKEN" memo-exp "$iid2"
sql "UPDATE client_tokens SET expires_at = UTC_TIMESTAMP(3) + INTERVAL 5 SECOND WHERE agent_id = '$AGENT_ID' AND kind = 'agent'"
warm "$iid2"
sleep 5
heartbeat "$iid2"
expect_error 401 unauthorized

# 10. The instance row gone: the memo's write matches nothing, and the full path answers 404.
new_client
iid3=$(rand_instance_id)
register_agent "$CLIENT_TOKEN" memo-gone "$iid3"
warm "$iid3"
sql "DELETE FROM instances WHERE id = '$iid3'"
heartbeat "$iid3"
expect_error 404 not_found instance_id

# 11. A database without 0017's triggers: the workers (which read the trigger list at every
#     connect) answer every heartbeat by the full path, so a change no trigger marks still shows.
TRG_INSERT="CREATE TRIGGER trg_commands_hb_insert AFTER INSERT ON commands FOR EACH ROW
  UPDATE instances SET hb_gen = hb_gen + 1 WHERE agent_id = NEW.agent_id"
restart_pool() {
  kill -TERM "$(pool_pid)"
  poll 15 bash -c '! kill -0 '"$(pool_pid)"' 2>/dev/null' || fail "the pool did not stop"
  restore_stack
  it_env
}
trap 'sql "$TRG_INSERT" 2>/dev/null; restart_pool >/dev/null 2>&1 || restore_stack; rm -rf "$IT_TMP"' EXIT
sql "DROP TRIGGER trg_commands_hb_insert"
restart_pool
new_client
iid4=$(rand_instance_id)
register_agent "$CLIENT_TOKEN" memo-notrg "$iid4"
hits=$(memo_hits)
for _ in 1 2 3 4 5 6; do heartbeat "$iid4"; expect_status 200; done
[ "$(memo_hits)" = "$hits" ] || fail "the memo was used without the triggers ($hits -> $(memo_hits) hits)"
grep -q "lacks migration 0017's triggers" "$IT_DIR/log/pool.log" || fail "the workers did not log the missing triggers"
sql "INSERT INTO commands (id, client_id, agent_id, type, request_id, expires_at)
     VALUES (UUID(), '$CLIENT_ID', '$AGENT_ID', 'cleanup', UUID(), UTC_TIMESTAMP(3) + INTERVAL 1 HOUR)"
heartbeat "$iid4"
expect_json .pending_commands 1
sql "$TRG_INSERT"
restart_pool
warm "$iid4"
trap 'rm -rf "$IT_TMP"' EXIT
it_ok
