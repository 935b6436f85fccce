# test_agent_register.sh - registration (DESIGN.md section 4): 201 creates, 200
# finds by (client, logical id); a live primary is never demoted (a replica or
# a second instance with the primary's logical id registers as standby); a dead
# primary is replaced and becomes a zombie; known instances keep their role;
# plan max_agents gives 403; heartbeats are per instance; config.
. "$(dirname "$0")/harness.sh"
it_env
J=(-H 'Content-Type: application/json')
new_client 2
ct=$CLIENT_TOKEN

i1=$(rand_instance_id) i2=$(rand_instance_id) i3=$(rand_instance_id)
register_agent "$ct" web "$i1"
expect_status 201
[ "$ROLE" = primary ] || fail "first instance is $ROLE"
expect_json .created true
jq -e '.config | has("auto_switch_enabled") and has("manual_replica_enabled") and has("auto_terminate_enabled")
  and has("terminate_wait_seconds") and has("heartbeat_interval_seconds") and has("pricing_interval_seconds")
  and has("command_poll_seconds") and has("interruption_poll_seconds") and (.compatible_types|type=="array")
  and has("config_version")' <<<"$BODY" >/dev/null || fail "config incomplete: $BODY"
expect_json .config.auto_switch_enabled false
[[ "$AGENT_TOKEN" =~ ^sa_[0-9a-f]{64}$ ]] || fail "agent token shape"
agent=$AGENT_ID tok1=$AGENT_TOKEN
[ "$(sql "SELECT status, instance_id, current_pool_id FROM agents WHERE id='$agent'")" = "online	$i1	t3.medium.us-east-1a" ] \
  || fail "agent row: $(sql "SELECT status, instance_id, current_pool_id FROM agents WHERE id='$agent'")"
[ "$(sql "SELECT COUNT(*) FROM spot_pools WHERE id='t3.medium.us-east-1a'")" = 1 ] || fail "pool not created"

# Same logical id, same instance: found (200), same agent, still primary, new token works, old token revoked.
register_agent "$ct" web "$i1"
expect_status 200
[ "$AGENT_ID" = "$agent" ] && [ "$ROLE" = primary ] || fail "re-registration: $AGENT_ID $ROLE"
tok1b=$AGENT_TOKEN
AGENT_TOKEN=$tok1; heartbeat "$i1"; expect_error 401 unauthorized
AGENT_TOKEN=$tok1b; heartbeat "$i1"; expect_status 200; expect_json .role primary

# A second instance with the same logical id while the primary is live: standby, primary untouched.
register_agent "$ct" web "$i2" t3.large us-east-1b
[ "$ROLE" = standby ] || fail "second instance became $ROLE while the primary is live"
tok2=$AGENT_TOKEN
[ "$(sql "SELECT role FROM instances WHERE id='$i1'")" = primary ] || fail "live primary demoted"
[ "$(sql "SELECT instance_id FROM agents WHERE id='$agent'")" = "$i1" ] || fail "agent's current instance moved"
AGENT_TOKEN=$tok2; heartbeat "$i2"; expect_status 200; expect_json .role standby

# A known replica registers as replica (its role is kept).
sql "UPDATE instances SET role='replica' WHERE id='$i2'"
register_agent "$ct" web "$i2" t3.large us-east-1b
[ "$ROLE" = replica ] || fail "known replica registered as $ROLE"
[ "$(sql "SELECT role FROM instances WHERE id='$i1'")" = primary ] || fail "replica registration demoted the primary"

# The primary stops heartbeating (3 minutes ago): a new instance takes over, the old one becomes a zombie.
sql "UPDATE instances SET last_heartbeat_at = UTC_TIMESTAMP(3) - INTERVAL 3 MINUTE WHERE id='$i1'"
register_agent "$ct" web "$i3" t3.medium us-east-1c ondemand
tok3=$AGENT_TOKEN
[ "$ROLE" = primary ] || fail "new instance is $ROLE although the primary is dead"
[ "$(sql "SELECT role FROM instances WHERE id='$i1'")" = zombie ] || fail "dead primary not a zombie"
[ "$(sql "SELECT instance_id, current_mode FROM agents WHERE id='$agent'")" = "$i3	ondemand" ] || fail "agent not moved to $i3"
[ "$(sql "SELECT COUNT(*) FROM instances WHERE agent_id='$agent' AND role='primary'")" = 1 ] || fail "not exactly one primary"
AGENT_TOKEN=$tok1b; heartbeat "$i1"; expect_status 200; expect_json .role zombie

# Heartbeat effects: per instance; an offline agent comes back online with an event and a notification.
AGENT_TOKEN=$tok3
sql "UPDATE agents SET status='offline' WHERE id='$agent'"
heartbeat "$i3" running
expect_status 200
expect_json .role primary
expect_json .pending_commands 0
expect_json .config_version 1
[ "$(sql "SELECT status, reported_status FROM agents WHERE id='$agent'")" = "online	running" ] || fail "agent not back online"
[ "$(sql "SELECT uptime_seconds FROM instances WHERE id='$i3'")" = 60 ] || fail "uptime not stored"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE agent_id='$agent' AND type='agent.online'")" = 1 ] || fail "no online notification"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE agent_id='$agent' AND action='agent.online'")" = 1 ] || fail "no online event"
heartbeat "$i3" running
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE agent_id='$agent' AND type='agent.online'")" = 1 ] || fail "online notified twice"
heartbeat "$(rand_instance_id)"
expect_error 404 not_found instance_id
agent_call POST "/api/agents/$agent/heartbeat" -d "{\"instance_id\":\"$i3\"}"
expect_error 400 validation_failed status
agent_call POST "/api/agents/$agent/heartbeat" -d "{\"instance_id\":\"$i3\",\"status\":\"running\",\"uptime_seconds\":-5}"
expect_error 400 validation_failed uptime_seconds

agent_call GET "/api/agents/$agent/config"
expect_status 200
expect_json .heartbeat_interval_seconds 60

# The instance belongs to another agent: 409.
http POST /api/agents/register -H "Authorization: Bearer $ct" "${J[@]}" \
  -d "{\"logical_agent_id\":\"other\",\"instance_id\":\"$i3\",\"instance_type\":\"t3.medium\",\"region\":\"us-east-1\",\"az\":\"us-east-1a\",\"mode\":\"spot\"}"
expect_error 409 conflict instance_id
# Plan limit: max_agents is 2 and 'other' failed, so one more fits, then 403.
register_agent "$ct" second "$(rand_instance_id)"
http POST /api/agents/register -H "Authorization: Bearer $ct" "${J[@]}" \
  -d "{\"logical_agent_id\":\"third\",\"instance_id\":\"$(rand_instance_id)\",\"instance_type\":\"t3.medium\",\"region\":\"us-east-1\",\"az\":\"us-east-1a\",\"mode\":\"spot\"}"
expect_error 403 forbidden logical_agent_id
[[ "$(jq -r .error.message <<<"$BODY")" == *max_agents* ]] || fail "403 message does not explain the limit"

# Bad input names the field and writes nothing.
before=$(sql "SELECT COUNT(*) FROM agents WHERE client_id='$CLIENT_ID'")
reg() { http POST /api/agents/register -H "Authorization: Bearer $ct" "${J[@]}" -d "$1"; }
base='"logical_agent_id":"bad","instance_type":"t3.medium","region":"us-east-1","az":"us-east-1a","mode":"spot"'
reg "{$base,\"instance_id\":\"i-123\"}";            expect_error 400 validation_failed instance_id
reg "{$base,\"instance_id\":\"i-0123456789abcdefg\"}"; expect_error 400 validation_failed instance_id
reg "{\"logical_agent_id\":\"bad\",\"instance_id\":\"$(rand_instance_id)\",\"instance_type\":\"t3\",\"region\":\"us-east-1\",\"az\":\"us-east-1a\",\"mode\":\"spot\"}"
expect_error 400 validation_failed instance_type
reg "{\"logical_agent_id\":\"bad\",\"instance_id\":\"$(rand_instance_id)\",\"instance_type\":\"t3.medium\",\"region\":\"us-east-1\",\"az\":\"eu-west-1a\",\"mode\":\"spot\"}"
expect_error 400 validation_failed az
reg "{\"logical_agent_id\":\"bad\",\"instance_id\":\"$(rand_instance_id)\",\"instance_type\":\"t3.medium\",\"region\":\"us-east-1\",\"az\":\"us-east-1a\",\"mode\":\"reserved\"}"
expect_error 400 validation_failed mode
reg "{\"instance_id\":\"$(rand_instance_id)\",\"instance_type\":\"t3.medium\",\"region\":\"us-east-1\",\"az\":\"us-east-1a\",\"mode\":\"spot\"}"
expect_error 400 validation_failed logical_agent_id
[ "$(sql "SELECT COUNT(*) FROM agents WHERE client_id='$CLIENT_ID'")" = "$before" ] || fail "bad input created an agent"
it_ok
