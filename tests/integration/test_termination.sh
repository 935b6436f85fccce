# test_termination.sh - zombies are handed out for termination only when
# auto-terminate is on, the wait is not 0 and has passed; once per attempt,
# again after 10 minutes without a report; termination-report confirms or
# records the error for a retry; strangers get 404.
. "$(dirname "$0")/harness.sh"
it_env
JSON=(-H 'Content-Type: application/json')

new_client
C1_TOKEN=$CLIENT_TOKEN
P=$(rand_instance_id)
register_agent "$C1_TOKEN" "$(rand_name term)" "$P"
A=$AGENT_ID
N=$(rand_instance_id)
agent_call POST "/api/agents/$A/switch-report" -d '{"old_instance_id":"'"$P"'","new_instance_id":"'"$N"'","new_instance_type":"t3.medium","new_az":"us-east-1b","new_mode":"spot"}'
expect_status 201
sql "UPDATE agents SET auto_terminate_enabled=TRUE, terminate_wait_seconds=300 WHERE id='$A'"
T="/api/agents/$A/instances-to-terminate"

# Not yet due.
agent_call GET "$T"
expect_status 200
expect_json '.instances | length' 0
expect_json .auto_terminate_enabled true
expect_json .terminate_wait_seconds 300
# Due after the wait.
sql "UPDATE instances SET role_changed_at = UTC_TIMESTAMP(3) - INTERVAL 301 SECOND WHERE id='$P'"
agent_call GET "$T"
expect_json '.instances | length' 1
expect_json '.instances[0].instance_id' "$P"
expect_json '.instances[0].pool_id' t3.medium.us-east-1a
[[ "$(jq -r '.instances[0].zombie_since' <<<"$BODY")" =~ Z$ ]] || fail "zombie_since not RFC 3339"
[ "$(sql "SELECT termination_attempted_at IS NOT NULL FROM instances WHERE id='$P'")" = 1 ] || fail "attempt not stamped"
# Handed out once per attempt.
agent_call GET "$T"
expect_json '.instances | length' 0
# No report within 10 minutes: handed out again.
sql "UPDATE instances SET termination_attempted_at = UTC_TIMESTAMP(3) - INTERVAL 11 MINUTE WHERE id='$P'"
agent_call GET "$T"
expect_json '.instances | length' 1
# Auto-terminate off, or a wait of 0: nothing, even when due.
sql "UPDATE instances SET termination_attempted_at = NULL WHERE id='$P'; UPDATE agents SET auto_terminate_enabled=FALSE WHERE id='$A'"
agent_call GET "$T"
expect_json '.instances | length' 0
expect_json .auto_terminate_enabled false
sql "UPDATE agents SET auto_terminate_enabled=TRUE, terminate_wait_seconds=0 WHERE id='$A'"
agent_call GET "$T"
expect_json '.instances | length' 0
expect_json .terminate_wait_seconds 0
sql "UPDATE agents SET terminate_wait_seconds=300 WHERE id='$A'"

# termination-report: validation, strangers, not-a-zombie.
TR="/api/agents/$A/termination-report"
agent_call POST "$TR" -d '{"instance_id":"'"$P"'"}'
expect_error 400 validation_failed terminated
agent_call POST "$TR" -d '{"instance_id":"nope","terminated":true}'
expect_error 400 validation_failed instance_id
agent_call POST "$TR" -d '{"instance_id":"'"$P"'","terminated":"yes"}'
expect_error 400 validation_failed terminated
agent_call POST "$TR" -d '{"instance_id":"'"$(rand_instance_id)"'","terminated":true}'
expect_error 404 not_found instance_id
agent_call POST "$TR" -d '{"instance_id":"'"$N"'","terminated":true}'
expect_error 409 conflict instance_id
[ "$(sql "SELECT role FROM instances WHERE id='$N'")" = primary ] || fail "primary touched"
new_client
http POST "$TR" -H "Authorization: Bearer $CLIENT_TOKEN" "${JSON[@]}" -d '{"instance_id":"'"$P"'","terminated":true}'
expect_error 404 not_found
http GET "$T" -H "Authorization: Bearer $CLIENT_TOKEN"
expect_error 404 not_found

# A failed attempt: error kept, attempt cleared, handed out again.
agent_call GET "$T"
expect_json '.instances | length' 1
agent_call POST "$TR" -d '{"instance_id":"'"$P"'","terminated":false,"error":"UnauthorizedOperation"}'
expect_status 200
expect_json .role zombie
[ "$(sql "SELECT CONCAT(termination_error,'/',termination_attempted_at IS NULL,'/',termination_confirmed) FROM instances WHERE id='$P'")" = "UnauthorizedOperation/1/0" ] || fail "failure not recorded"
agent_call GET "$T"
expect_json '.instances | length' 1
expect_json '.instances[0].last_error' UnauthorizedOperation
# Confirmed.
agent_call POST "$TR" -H 'X-Request-ID: it-term-1' -d '{"instance_id":"'"$P"'","terminated":true}'
expect_status 200
expect_json .role terminated
expect_json .termination_confirmed true
[ "$(sql "SELECT CONCAT(role,'/',termination_confirmed,'/',terminated_at IS NOT NULL,'/',termination_error IS NULL) FROM instances WHERE id='$P'")" = "terminated/1/1/1" ] || fail "not terminated"
[ "$(sql "SELECT old_terminated_at IS NOT NULL FROM switches WHERE old_instance_id='$P'")" = 1 ] || fail "switch not noted"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id='$P' AND action IN ('instance.terminated','instance.termination_failed','instance.termination_handed_out')")" -ge 4 ] || fail "audit rows"
agent_call POST "$TR" -H 'X-Request-ID: it-term-1' -d '{"instance_id":"'"$P"'","terminated":true}'
expect_header Idempotent-Replay true
agent_call POST "$TR" -d '{"instance_id":"'"$P"'","terminated":true}'
expect_status 200
agent_call POST "$TR" -d '{"instance_id":"'"$P"'","terminated":false,"error":"x"}'
expect_error 409 conflict instance_id
agent_call GET "$T"
expect_json '.instances | length' 0
it_ok
