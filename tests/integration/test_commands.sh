# test_commands.sh - the command queue: a client's switch request queues a
# command, pending-commands hands it to the primary once (never to a standby),
# an expired lease hands it out again, results move it acked -> running ->
# succeeded, bad transitions are 409, replays are 200, strangers get 404.
. "$(dirname "$0")/harness.sh"
it_env
JSON=(-H 'Content-Type: application/json')

new_client
C1_TOKEN=$CLIENT_TOKEN
P=$(rand_instance_id)
register_agent "$C1_TOKEN" "$(rand_name cmd)" "$P"
[ "$ROLE" = primary ] || fail "first instance should be primary, got $ROLE"
A=$AGENT_ID
A_TOKEN=$AGENT_TOKEN
LOGICAL=$(sql "SELECT logical_agent_id FROM agents WHERE id='$A'")
S=$(rand_instance_id)
register_agent "$C1_TOKEN" "$LOGICAL" "$S"
[ "$ROLE" = standby ] || fail "second instance should be standby, got $ROLE"
S_TOKEN=$AGENT_TOKEN
AGENT_TOKEN=$A_TOKEN

# Client switch request: validation, then 202 with a command row.
csw() { http POST "/api/client/agents/$1/switch" -H "Authorization: Bearer $C1_TOKEN" "${JSON[@]}" -d "$2"; }
csw "$A" '{"target_mode":"spot"}'
expect_error 400 validation_failed target_pool_id
csw "$A" '{"target_pool_id":"nodot","target_mode":"spot"}'
expect_error 400 validation_failed target_pool_id
csw "$A" '{"target_pool_id":"t3.large.us-east-1b","target_mode":"cheap"}'
expect_error 400 validation_failed target_mode
csw "$A" '{"target_pool_id":"t3.large.eu-west-1b","target_mode":"spot"}'
expect_error 400 validation_failed target_pool_id
csw "$(uuidgen 2>/dev/null || echo 00000000-0000-4000-8000-000000000000)" '{"target_pool_id":"t3.large.us-east-1b","target_mode":"spot"}'
expect_error 404 not_found
csw "$A" '{"target_pool_id":"t3.large.us-east-1b","target_mode":"spot"}'
expect_status 202
CMD=$(jq -r .command_id <<<"$BODY")
[ "$(sql "SELECT CONCAT(type,'/',status,'/',JSON_VALUE(payload,'$.target_pool_id'),'/',JSON_VALUE(payload,'$.target_mode')) FROM commands WHERE id='$CMD'")" = "switch/pending/t3.large.us-east-1b/spot" ] \
  || fail "command row: $(sql "SELECT type,status,payload FROM commands WHERE id='$CMD'")"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id='$CMD' AND action='command.queued'")" = 1 ] || fail "no queued audit"
csw "$A" '{"target_pool_id":"t3.large.us-east-1c","target_mode":"spot"}'
expect_error 409 conflict

# Another client's token: 404 on the client route and on the agent routes.
new_client
C2_TOKEN=$CLIENT_TOKEN
http POST "/api/client/agents/$A/switch" -H "Authorization: Bearer $C2_TOKEN" "${JSON[@]}" -d '{"target_pool_id":"t3.large.us-east-1b","target_mode":"spot"}'
expect_error 404 not_found
http GET "/api/agents/$A/pending-commands?instance_id=$P" -H "Authorization: Bearer $C2_TOKEN"
expect_error 404 not_found
http POST "/api/agents/$A/commands/$CMD/result" -H "Authorization: Bearer $C2_TOKEN" "${JSON[@]}" -d '{"status":"running"}'
expect_error 404 not_found
# Another agent (same client) cannot report on this agent's command.
register_agent "$C1_TOKEN" "$(rand_name other)" "$(rand_instance_id)"
B=$AGENT_ID
B_TOKEN=$AGENT_TOKEN
http POST "/api/agents/$B/commands/$CMD/result" -H "Authorization: Bearer $B_TOKEN" "${JSON[@]}" -d '{"status":"running"}'
expect_error 404 not_found
AGENT_TOKEN=$A_TOKEN

# Bad input on pending-commands.
agent_call GET "/api/agents/$A/pending-commands"
expect_error 400 validation_failed instance_id
agent_call GET "/api/agents/$A/pending-commands?instance_id=bogus"
expect_error 400 validation_failed instance_id
agent_call GET "/api/agents/$A/pending-commands?instance_id=$(rand_instance_id)"
expect_error 404 not_found instance_id

# A result before it was handed out is a conflict.
agent_call POST "/api/agents/$A/commands/$CMD/result" -d '{"status":"running"}'
expect_error 409 conflict status
expect_json .error.message "the command is pending; it cannot become running"

# The standby never gets a primary command.
AGENT_TOKEN=$S_TOKEN
agent_call GET "/api/agents/$A/pending-commands?instance_id=$S"
expect_status 200
expect_json '.commands | length' 0
expect_json .role standby
AGENT_TOKEN=$A_TOKEN

# The primary gets it once.
agent_call GET "/api/agents/$A/pending-commands?instance_id=$P"
expect_status 200
expect_json '.commands | length' 1
expect_json '.commands[0].id' "$CMD"
expect_json '.commands[0].type' switch
expect_json '.commands[0].payload.target_pool_id' t3.large.us-east-1b
expect_json '.commands[0].priority' 50
[[ "$(jq -r '.commands[0].created_at' <<<"$BODY")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]] || fail "created_at not RFC 3339"
[[ "$(jq -r '.commands[0].expires_at' <<<"$BODY")" =~ Z$ ]] || fail "expires_at not RFC 3339"
[ "$(sql "SELECT CONCAT(status,'/',acked_at IS NOT NULL,'/',version) FROM commands WHERE id='$CMD'")" = "acked/1/2" ] || fail "not acked"
agent_call GET "/api/agents/$A/pending-commands?instance_id=$P"
expect_status 200
expect_json '.commands | length' 0

# While it is acked within its lease, the heartbeat counts nothing to fetch.
AGENT_ID=$A
heartbeat "$P"
expect_status 200
expect_json .pending_commands 0
# Lease: an acked command not started within 60 s is handed out again, and the
# heartbeat says so (the first taker died).
sql "UPDATE commands SET acked_at = UTC_TIMESTAMP(3) - INTERVAL 5 MINUTE WHERE id='$CMD'"
heartbeat "$P"
expect_status 200
expect_json .pending_commands 1
agent_call GET "/api/agents/$A/pending-commands?instance_id=$P"
expect_json '.commands | length' 1
expect_json '.commands[0].id' "$CMD"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id='$CMD' AND action='command.reacked'")" = 1 ] || fail "no re-ack audit"
agent_call GET "/api/agents/$A/pending-commands?instance_id=$P"
expect_json '.commands | length' 0

# Priority order and expiry.
sql "INSERT INTO commands (id, client_id, agent_id, type, payload, status, priority, request_id, expires_at)
     SELECT UUID(), client_id, id, 'cleanup', '{}', 'pending', 0, CONCAT('it-low-',UUID()), UTC_TIMESTAMP(3) + INTERVAL 10 MINUTE FROM agents WHERE id='$A';
     INSERT INTO commands (id, client_id, agent_id, type, payload, status, priority, request_id, expires_at)
     SELECT UUID(), client_id, id, 'launch_replica', '{}', 'pending', 100, CONCAT('it-high-',UUID()), UTC_TIMESTAMP(3) + INTERVAL 10 MINUTE FROM agents WHERE id='$A';
     INSERT INTO commands (id, client_id, agent_id, type, payload, status, priority, request_id, expires_at)
     SELECT UUID(), client_id, id, 'terminate', '{}', 'pending', 0, CONCAT('it-old-',UUID()), UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE FROM agents WHERE id='$A';"
agent_call GET "/api/agents/$A/pending-commands?instance_id=$P"
expect_json '.commands | length' 2
expect_json '.commands[0].type' launch_replica
expect_json '.commands[1].type' cleanup
[ "$(sql "SELECT status FROM commands WHERE agent_id='$A' AND type='terminate'")" = expired ] || fail "not expired"
[ "$(sql "SELECT COUNT(*) FROM system_events e JOIN commands c ON c.id=e.subject_id WHERE c.agent_id='$A' AND c.type='terminate' AND e.action='command.expired'")" = 1 ] || fail "no expiry audit"

# Results: validation, transitions, replays.
R="/api/agents/$A/commands/$CMD/result"
agent_call POST "$R" -d '{"status":"done"}'
expect_error 400 validation_failed status
agent_call POST "$R" -d '{"status":"succeeded","result":[1]}'
expect_error 400 validation_failed result
agent_call POST "$R" -d "{\"status\":\"succeeded\",\"result\":{\"x\":\"$(head -c 20000 /dev/zero | tr '\0' a)\"}}"
expect_error 400 validation_failed result
agent_call POST "$R" -d '{"status":"failed","error":7}'
expect_error 400 validation_failed error
agent_call POST "/api/agents/$A/commands/00000000-0000-4000-8000-000000000000/result" -d '{"status":"running"}'
expect_error 404 not_found
agent_call POST "$R" -d '{"status":"running"}'
expect_status 200
expect_json .status running
[ "$(sql "SELECT CONCAT(status,'/',started_at IS NOT NULL) FROM commands WHERE id='$CMD'")" = "running/1" ] || fail "not running"
agent_call POST "$R" -H 'X-Request-ID: it-cmd-result-1' -d '{"status":"succeeded","result":{"new_instance_id":"i-0123456789abcdef0"}}'
expect_status 200
expect_json .status succeeded
expect_json .changed true
agent_call POST "$R" -H 'X-Request-ID: it-cmd-result-1' -d '{"status":"succeeded","result":{"new_instance_id":"i-0123456789abcdef0"}}'
expect_status 200
expect_header Idempotent-Replay true
agent_call POST "$R" -d '{"status":"succeeded"}'
expect_status 200
expect_json .changed false
agent_call POST "$R" -d '{"status":"failed","error":"late"}'
expect_error 409 conflict status
expect_json .error.message "the command is succeeded; it cannot become failed"
agent_call POST "$R" -d '{"status":"running"}'
expect_error 409 conflict status
[ "$(sql "SELECT CONCAT(status,'/',finished_at IS NOT NULL,'/',JSON_VALUE(result,'$.new_instance_id')) FROM commands WHERE id='$CMD'")" = "succeeded/1/i-0123456789abcdef0" ] || fail "result not stored"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id='$CMD' AND action='command.status'")" = 2 ] || fail "expected 2 status audits"

# A failed switch makes a notification.
csw "$A" '{"target_pool_id":"t3.large.us-east-1c","target_mode":"ondemand"}'
expect_status 202
CMD2=$(jq -r .command_id <<<"$BODY")
agent_call GET "/api/agents/$A/pending-commands?instance_id=$P"
expect_json '.commands[0].id' "$CMD2"
agent_call POST "/api/agents/$A/commands/$CMD2/result" -d '{"status":"failed","error":"capacity not available"}'
expect_status 200
expect_json .status failed
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE agent_id='$A' AND type='switch.failed' AND message='capacity not available'")" = 1 ] || fail "no switch.failed notification"
[ "$(sql "SELECT error FROM commands WHERE id='$CMD2'")" = "capacity not available" ] || fail "error not stored"
it_ok
