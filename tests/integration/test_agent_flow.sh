# test_agent_flow.sh - an agent's life, written against DESIGN.md section 5
# only: register, heartbeat, report prices, take a switch command and finish
# it, report the switch from the new instance, terminate the zombie, then live
# through a rebalance recommendation and a termination notice.
. "$(dirname "$0")/harness.sh"
it_env
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
new_client
ct=$CLIENT_TOKEN
old=$(rand_instance_id) new=$(rand_instance_id)

# 1. Register and heartbeat.
register_agent "$ct" flow "$old" t3.medium us-east-1a spot
expect_status 201
[ "$ROLE" = primary ] || fail "registered as $ROLE"
agent=$AGENT_ID tok_old=$AGENT_TOKEN
heartbeat "$old"
expect_status 200
expect_json .role primary
expect_json .pending_commands 0

# 2. Report prices.
agent_call POST "/api/agents/$agent/pricing-report" -d "{\"instance_id\":\"$old\",\"role\":\"primary\",\"ondemand_price\":0.0416,
  \"prices\":[{\"instance_type\":\"t3.medium\",\"az\":\"us-east-1a\",\"price\":0.0152,\"observed_at\":\"$(now)\"},
              {\"instance_type\":\"t3.medium\",\"az\":\"us-east-1b\",\"price\":0.0131,\"observed_at\":\"$(now)\"},
              {\"instance_type\":\"t3.large\",\"az\":\"us-east-1b\",\"price\":0.0262,\"observed_at\":\"$(now)\"}]}"
expect_status 200
expect_json .accepted 3

# 3. The operator asks for a switch to the cheaper pool; the agent sees and takes it.
http POST "/api/client/agents/$agent/switch" -H "Authorization: Bearer $ct" -H 'Content-Type: application/json' \
  -d '{"target_pool_id":"t3.medium.us-east-1b","target_mode":"spot"}'
expect_status 202
cmd=$(jq -r .command_id <<<"$BODY")
heartbeat "$old"
expect_json .pending_commands 1
agent_call GET "/api/agents/$agent/pending-commands?instance_id=$old"
expect_status 200
expect_json '.commands | length' 1
expect_json '.commands[0].id' "$cmd"
expect_json '.commands[0].type' switch
expect_json '.commands[0].payload.target_pool_id' t3.medium.us-east-1b
agent_call POST "/api/agents/$agent/commands/$cmd/result" -d '{"status":"running"}'
expect_status 200

# 4. The new instance boots and registers (standby while the old one is live), then reports the switch.
register_agent "$ct" flow "$new" t3.medium us-east-1b spot
[ "$ROLE" = standby ] || fail "new instance registered as $ROLE before the switch"
tok_new=$AGENT_TOKEN
agent_call POST "/api/agents/$agent/switch-report" -d "{\"command_id\":\"$cmd\",\"old_instance_id\":\"$old\",
  \"new_instance_id\":\"$new\",\"new_instance_type\":\"t3.medium\",\"new_az\":\"us-east-1b\",\"new_mode\":\"spot\",
  \"downtime_seconds\":4.5,\"prices\":{\"old_spot\":0.0152,\"new_spot\":0.0131,\"old_ondemand\":0.0416,\"new_ondemand\":0.0416},
  \"timings\":{\"initiated_at\":\"$(now)\",\"completed_at\":\"$(now)\"}}"
expect_status 201
heartbeat "$new"
expect_json .role primary
AGENT_TOKEN=$tok_old heartbeat "$old"
expect_json .role zombie
[ "$(sql "SELECT status FROM commands WHERE id='$cmd'")" = succeeded ] || fail "switch command not succeeded"
[ "$(sql "SELECT current_pool_id FROM agents WHERE id='$agent'")" = t3.medium.us-east-1b ] || fail "agent not in the new pool"
[ "$(sql "SELECT COUNT(*) FROM switches WHERE agent_id='$agent'")" = 1 ] || fail "no switches row"

# 5. The zombie's wait passes; the termination loop terminates it.
sql "UPDATE instances SET role_changed_at = UTC_TIMESTAMP(3) - INTERVAL 1 HOUR WHERE id='$old'"
AGENT_TOKEN=$tok_new
agent_call GET "/api/agents/$agent/instances-to-terminate"
expect_status 200
jq -e --arg i "$old" '.instances | map(.instance_id // .id) | index($i) != null' <<<"$BODY" >/dev/null \
  || fail "zombie not handed out: $BODY"
agent_call POST "/api/agents/$agent/termination-report" -d "{\"instance_id\":\"$old\",\"terminated\":true}"
expect_status 200
[ "$(sql "SELECT role, termination_confirmed FROM instances WHERE id='$old'")" = "terminated	1" ] || fail "zombie not terminated"

# 6. A rebalance recommendation, then a termination notice with no ready replica: emergency launch.
agent_call POST "/api/agents/$agent/rebalance-notice" -d "{\"instance_id\":\"$new\",\"notice_time\":\"$(now)\"}"
expect_status 200
action=$(jq -r .action <<<"$BODY")
[[ "$action" == monitor || "$action" == launch_replica ]] || fail "rebalance action $action"
jq -e '.risk | type == "number" and . >= 0 and . <= 1' <<<"$BODY" >/dev/null || fail "no risk in [0,1]: $BODY"
deadline=$(date -u -d '+2 minutes' +%Y-%m-%dT%H:%M:%SZ)
agent_call POST "/api/agents/$agent/termination-notice" -d "{\"instance_id\":\"$new\",\"action_time\":\"$deadline\",\"notice_action\":\"terminate\"}"
expect_status 200
expect_json .action emergency_launch
agent_call GET "/api/agents/$agent/emergency-status"
expect_status 200
[ "$(sql "SELECT notice_status FROM agents WHERE id='$agent'")" = termination ] || fail "notice_status not termination"
agent_call GET "/api/agents/$agent/pending-commands?instance_id=$new"
expect_json '.commands[0].type' emergency_launch
it_ok
