# test_switch.sh - switch-report: old primary -> zombie, new -> primary, the
# agent's placement, a switches row with savings_impact, the command
# succeeded, a notification and audit rows; replays and conflicts; and
# register-instance's roles.
. "$(dirname "$0")/harness.sh"
it_env
JSON=(-H 'Content-Type: application/json')

new_client
C1_TOKEN=$CLIENT_TOKEN
P=$(rand_instance_id)
register_agent "$C1_TOKEN" "$(rand_name sw)" "$P"
A=$AGENT_ID
sql "UPDATE instances SET spot_price=0.0500, ondemand_price=0.0832 WHERE id='$P'"
v0=$(sql "SELECT version FROM agents WHERE id='$A'")

http POST "/api/client/agents/$A/switch" -H "Authorization: Bearer $C1_TOKEN" "${JSON[@]}" -d '{"target_pool_id":"t3.medium.us-east-1b","target_mode":"spot"}'
expect_status 202
CMD=$(jq -r .command_id <<<"$BODY")
agent_call GET "/api/agents/$A/pending-commands?instance_id=$P"
expect_json '.commands[0].id' "$CMD"

N=$(rand_instance_id)
report() {
  agent_call POST "/api/agents/$A/switch-report" "$@"
}
body() {
  printf '{"command_id":"%s","old_instance_id":"%s","new_instance_id":"%s","new_instance_type":"t3.medium","new_az":"us-east-1b","new_mode":"spot","prices":{"old_spot":0.05,"new_spot":0.03,"new_ondemand":0.0832},"timings":{"initiated_at":"2026-01-02T03:00:00Z","ami_created_at":"2026-01-02T03:01:00Z","instance_launched_at":"2026-01-02T03:02:00Z","instance_ready_at":"2026-01-02T03:03:00.250Z","completed_at":"2026-01-02T03:04:00Z"},"downtime_seconds":4.5,"ami_id":"ami-0123abcd"}' "$1" "$2" "$3"
}
# Bad input, each with its field.
report -d '{"new_instance_id":"'"$N"'"}'
expect_error 400 validation_failed old_instance_id
report -d "$(body "$CMD" "$P" "$N" | jq -c '.prices.new_spot = -1')"
expect_error 400 validation_failed prices.new_spot
report -d "$(body "$CMD" "$P" "$N" | jq -c '.timings.completed_at = "yesterday"')"
expect_error 400 validation_failed timings.completed_at
report -d "$(body "$CMD" "$P" "$N" | jq -c '.new_az = "eu-west-1a"')"
expect_error 400 validation_failed new_az
report -d "$(body "$CMD" "$P" "$P")"
expect_error 400 validation_failed new_instance_id
report -d "$(body "$CMD" "$P" "$N" | jq -c '.new_pool_id = "t3.small.us-east-1b"')"
expect_error 400 validation_failed new_pool_id
report -d "$(body 00000000-0000-4000-8000-000000000000 "$P" "$N")"
expect_error 404 not_found command_id
report -d "$(body "$CMD" "$(rand_instance_id)" "$N")"
expect_error 404 not_found old_instance_id
# Another client: 404.
new_client
http POST "/api/agents/$A/switch-report" -H "Authorization: Bearer $CLIENT_TOKEN" "${JSON[@]}" -d "$(body "$CMD" "$P" "$N")"
expect_error 404 not_found
http POST "/api/agents/$A/register-instance" -H "Authorization: Bearer $CLIENT_TOKEN" "${JSON[@]}" -d '{"instance_id":"'"$N"'","instance_type":"t3.medium","region":"us-east-1","az":"us-east-1b","mode":"spot"}'
expect_error 404 not_found

# The switch.
report -H 'X-Request-ID: it-switch-1' -d "$(body "$CMD" "$P" "$N")"
expect_status 201
expect_json .old_role zombie
expect_json .role primary
expect_json .pool_id t3.medium.us-east-1b
SW=$(jq -r .switch_id <<<"$BODY")
[ "$(jq -r '.savings_impact * 10000 | round' <<<"$BODY")" = 200 ] || fail "savings_impact $(jq .savings_impact <<<"$BODY")"
[ "$(sql "SELECT CONCAT(role,'/',role_changed_at > UTC_TIMESTAMP(3) - INTERVAL 1 HOUR) FROM instances WHERE id='$P'")" = zombie/1 ] || fail "old not zombie"
[ "$(sql "SELECT CONCAT(role,'/',pool_id,'/',mode,'/',spot_price=0.03) FROM instances WHERE id='$N'")" = "primary/t3.medium.us-east-1b/spot/1" ] || fail "new: $(sql "SELECT role,pool_id,mode,spot_price FROM instances WHERE id='$N'")"
[ "$(sql "SELECT CONCAT(instance_id,'/',current_pool_id,'/',az,'/',current_mode,'/',version-$v0,'/',last_switch_at IS NOT NULL) FROM agents WHERE id='$A'")" = "$N/t3.medium.us-east-1b/us-east-1b/spot/1/1" ] \
  || fail "agent: $(sql "SELECT instance_id,current_pool_id,version,last_switch_at FROM agents WHERE id='$A'")"
[ "$(sql "SELECT CONCAT_WS('/',command_id,old_instance_id,old_pool_id,old_spot_price=0.05,new_instance_id,new_pool_id,new_spot_price=0.03,ondemand_price=0.0832,savings_impact=0.02,downtime_seconds=4.5,ami_id,initiated_at,instance_ready_at) FROM switches WHERE id='$SW'")" \
  = "$CMD/$P/t3.medium.us-east-1a/1/$N/t3.medium.us-east-1b/1/1/1/1/ami-0123abcd/2026-01-02 03:00:00.000/2026-01-02 03:03:00.250" ] \
  || fail "switch row: $(sql "SELECT * FROM switches WHERE id='$SW'")"
[ "$(sql "SELECT status FROM commands WHERE id='$CMD'")" = succeeded ] || fail "command not succeeded"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE agent_id='$A' AND type='switch.completed'")" = 1 ] || fail "no notification"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE agent_id='$A' AND action IN ('instance.role_changed','agent.switched') AND pre_state IS NOT NULL AND post_state IS NOT NULL")" = 2 ] || fail "audit rows"
[ "$(sql "SELECT JSON_VALUE(post_state,'$.role') FROM system_events WHERE subject_id='$P' AND action='instance.role_changed'")" = zombie ] || fail "audit post"
# Replays: X-Request-ID, and the same command again.
report -H 'X-Request-ID: it-switch-1' -d "$(body "$CMD" "$P" "$N")"
expect_status 201
expect_header Idempotent-Replay true
report -d "$(body "$CMD" "$P" "$N")"
expect_status 200
expect_json .switch_id "$SW"
expect_json .created false
[ "$(sql "SELECT COUNT(*) FROM switches WHERE agent_id='$A'")" = 1 ] || fail "replay made a second switch"
# A stale report (old is no longer the primary) is a conflict.
report -d "$(body "" "$P" "$(rand_instance_id)" | jq -c 'del(.command_id)')"
expect_error 409 conflict old_instance_id
# The heartbeat answers each instance's role.
heartbeat "$P"
expect_json .role zombie
heartbeat "$N"
expect_json .role primary

# register-instance: validation, replica, standby behind a live primary, another agent's instance.
ri() { agent_call POST "/api/agents/$A/register-instance" -d "$1"; }
ri '{"instance_id":"x","instance_type":"t3.medium","region":"us-east-1","az":"us-east-1b","mode":"spot"}'
expect_error 400 validation_failed instance_id
ri '{"instance_id":"'"$(rand_instance_id)"'","instance_type":"t3.medium","region":"us-east-1","az":"us-east-1b","mode":"spot","is_primary":"yes"}'
expect_error 400 validation_failed is_primary
ri '{"instance_id":"'"$(rand_instance_id)"'","instance_type":"t3.medium","region":"us-east-1","az":"us-east-1b","mode":"spot","pool_id":"t3.medium.us-east-1c"}'
expect_error 400 validation_failed pool_id
R=$(rand_instance_id)
ri '{"instance_id":"'"$R"'","instance_type":"t3.medium","region":"us-east-1","az":"us-east-1c","mode":"spot","pool_id":"t3.medium.us-east-1c","is_primary":false,"spot_price":0.031,"ondemand_price":0.0832}'
expect_status 201
expect_json .role replica
[ "$(sql "SELECT CONCAT(role,'/',spot_price=0.031) FROM instances WHERE id='$R'")" = replica/1 ] || fail "replica row"
X=$(rand_instance_id)
ri '{"instance_id":"'"$X"'","instance_type":"t3.medium","region":"us-east-1","az":"us-east-1c","mode":"spot","is_primary":true}'
expect_status 201
expect_json .role standby
[ "$(sql "SELECT instance_id FROM agents WHERE id='$A'")" = "$N" ] || fail "live primary was replaced"
ri '{"instance_id":"'"$P"'","instance_type":"t3.medium","region":"us-east-1","az":"us-east-1a","mode":"spot","is_primary":true}'
expect_error 409 conflict instance_id
# With the primary dead, is_primary takes over and the old one becomes a zombie.
sql "UPDATE instances SET last_heartbeat_at = UTC_TIMESTAMP(3) - INTERVAL 1 HOUR WHERE id='$N'"
ri '{"instance_id":"'"$X"'","instance_type":"t3.medium","region":"us-east-1","az":"us-east-1c","mode":"spot","is_primary":true}'
expect_status 200
expect_json .role primary
[ "$(sql "SELECT role FROM instances WHERE id='$N'")" = zombie ] || fail "dead primary not zombie"
[ "$(sql "SELECT instance_id FROM agents WHERE id='$A'")" = "$X" ] || fail "agent not pointed at new primary"
[ "$(sql "SELECT COUNT(*) FROM instances WHERE agent_id='$A' AND role='primary'")" = 1 ] || fail "not one primary"
# Another agent of the same client cannot claim this instance.
register_agent "$C1_TOKEN" "$(rand_name sw2)" "$(rand_instance_id)"
agent_call POST "/api/agents/$AGENT_ID/register-instance" -d '{"instance_id":"'"$X"'","instance_type":"t3.medium","region":"us-east-1","az":"us-east-1c","mode":"spot"}'
expect_error 409 conflict instance_id
it_ok
