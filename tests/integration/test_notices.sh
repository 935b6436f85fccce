# test_notices.sh - rebalance and termination notices, emergency status and
# cleanup reports: the pool risk on both sides of 0.30 (driven by fixtures:
# price snapshots, interruption events, a flagged pool), the cheapest safe
# target pool, the emergency-launch path with its deadline and pool flag,
# repeats that change nothing, bad input naming the field, and 404 across
# clients on every route.
. "$(dirname "$0")/harness.sh"
it_env
JSON=(-H 'Content-Type: application/json')
at() { date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ; }
rebalance() { agent_call POST "/api/agents/$1/rebalance-notice" -d "{\"instance_id\":\"$2\",\"notice_time\":\"${3:-$(at 0)}\"}"; }
terminate() { agent_call POST "/api/agents/$1/termination-notice" -d "{\"instance_id\":\"$2\",\"action_time\":\"$3\",\"notice_action\":\"${4:-terminate}\"}"; }
pool() { sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('$1.$2', '$1', '${2%?}', '$2')"; }
# snapshot POOL AGENT PRICE MINUTES_AGO
snapshot() {
  sql "INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at)
       VALUES (UUID(), '$1', '$2', 'i-0fixture0000000$RANDOM', 'primary', $3, UTC_TIMESTAMP(3) - INTERVAL $4 MINUTE)"
}
# past_interruption POOL CLIENT AGENT: a termination notice another instance got in the pool yesterday.
past_interruption() {
  sql "INSERT INTO spot_interruption_events (id, client_id, agent_id, instance_id, pool_id, signal_type, detected_at)
       VALUES (UUID(), '$2', '$3', '$(rand_instance_id)', '$1', 'termination-notice', UTC_TIMESTAMP(3) - INTERVAL 1 DAY)"
}

new_client
C1=$CLIENT_ID
C1_TOKEN=$CLIENT_TOKEN

# ---- rebalance, calm pool: risk 0 -> monitor ----
I1=$(rand_instance_id)
register_agent "$C1_TOKEN" "$(rand_name calm)" "$I1" c5.large us-west-2a
A1=$AGENT_ID
A1_TOKEN=$AGENT_TOKEN
rebalance "$A1" "$I1"
expect_status 200
expect_json .action monitor
expect_json .risk 0
expect_json .replica_id null
EV=$(jq -r .event_id <<<"$BODY")
[ "$(sql "SELECT CONCAT(signal_type,'/',instance_id,'/',response_action,'/',risk_score,'/',pool_id) FROM spot_interruption_events WHERE id='$EV'")" = \
  "rebalance-recommendation/$I1/monitor/0.0000/c5.large.us-west-2a" ] || fail "event row: $(sql "SELECT * FROM spot_interruption_events WHERE id='$EV'")"
[ "$(sql "SELECT CONCAT(notice_status,'/',notice_received_at IS NOT NULL) FROM agents WHERE id='$A1'")" = rebalance/1 ] \
  || fail "agent notice state: $(sql "SELECT notice_status, notice_received_at FROM agents WHERE id='$A1'")"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE agent_id='$A1' AND action='agent.rebalance_notice' AND JSON_VALUE(pre_state,'$.notice_status')='none' AND JSON_VALUE(post_state,'$.notice_status')='rebalance'")" = 1 ] \
  || fail "no audit row with pre/post state"
[ "$(sql "SELECT COUNT(*) FROM replica_instances WHERE agent_id='$A1'")" = 0 ] || fail "monitor made a replica"

# ---- volatility alone scores exactly 0.30: still monitor (the rule is risk > 0.30) ----
for m in 10 60 120 240; do snapshot c5.large.us-west-2a "$A1" 0.010 "$m"; snapshot c5.large.us-west-2a "$A1" 0.050 "$((m + 5))"; done
rebalance "$A1" "$I1"
expect_status 200
expect_json .action monitor
expect_json .risk 0.3
[ "$(sql "SELECT COUNT(*) FROM spot_interruption_events WHERE instance_id='$I1'")" = 1 ] || fail "a repeat added an event row"

# ---- one interruption in the pool this week: risk > 0.30 -> launch_replica into the cheapest safe pool ----
past_interruption c5.large.us-west-2a "$C1" "$A1"
pool c5.large us-west-2b
pool c5.large us-west-2c
pool c5.large us-west-2d
snapshot c5.large.us-west-2b "$A1" 0.020 5
snapshot c5.large.us-west-2c "$A1" 0.030 60   # older sample: the latest one below counts
snapshot c5.large.us-west-2c "$A1" 0.015 5
snapshot c5.large.us-west-2d "$A1" 0.001 5    # cheapest, but flagged: not safe
sql "UPDATE spot_pools SET flagged_until = UTC_TIMESTAMP(3) + INTERVAL 20 MINUTE WHERE id='c5.large.us-west-2d'"
rebalance "$A1" "$I1"
expect_status 200
expect_json .action launch_replica
printf '%s' "$BODY" | jq -e '.risk > 0.3 and .risk < 0.6' >/dev/null || fail "risk should be above 0.30: $BODY"
expect_json .target_pool_id c5.large.us-west-2c
R1=$(jq -r .replica_id <<<"$BODY")
CMD1=$(jq -r .command_id <<<"$BODY")
[ "$(sql "SELECT CONCAT(replica_type,'/',status,'/',pool_id,'/',command_id) FROM replica_instances WHERE id='$R1'")" = \
  "automatic-rebalance/launching/c5.large.us-west-2c/$CMD1" ] || fail "replica row: $(sql "SELECT * FROM replica_instances WHERE id='$R1'")"
[ "$(sql "SELECT CONCAT(type,'/',status,'/',priority,'/',JSON_VALUE(payload,'$.target_pool_id'),'/',JSON_VALUE(payload,'$.replica_id')) FROM commands WHERE id='$CMD1'")" = \
  "launch_replica/pending/50/c5.large.us-west-2c/$R1" ] || fail "command row: $(sql "SELECT type,status,priority,payload FROM commands WHERE id='$CMD1'")"
[ "$(sql "SELECT CONCAT(response_action,'/',risk_score > 0.3,'/',replica_id,'/',command_id) FROM spot_interruption_events WHERE id='$EV'")" = \
  "launch_replica/1/$R1/$CMD1" ] || fail "event response not stored"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id='$R1' AND action='replica.created'")" = 1 ] || fail "no replica audit"
# A repeat: the live replica is reused, not doubled.
rebalance "$A1" "$I1"
expect_status 200
expect_json .action launch_replica
expect_json .replica_id "$R1"
[ "$(sql "SELECT COUNT(*) FROM replica_instances WHERE agent_id='$A1'")" = 1 ] || fail "a second replica"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$A1' AND type='launch_replica'")" = 1 ] || fail "a second launch command"
# The same X-Request-ID replays the first answer.
# (One body, built once: the time must not move between the two sends.)
replay_body="{\"instance_id\":\"$I1\",\"notice_time\":\"$(at -30)\"}"
agent_call POST "/api/agents/$A1/rebalance-notice" -H 'X-Request-ID: rb-replay-1' -d "$replay_body"
expect_status 200
first=$BODY
agent_call POST "/api/agents/$A1/rebalance-notice" -H 'X-Request-ID: rb-replay-1' -d "$replay_body"
expect_status 200
expect_header Idempotent-Replay true
[ "$BODY" = "$first" ] || fail "replay differs"

# ---- a flagged pool is floored at 0.60 -> launch_replica ----
I2=$(rand_instance_id)
register_agent "$C1_TOKEN" "$(rand_name flagged)" "$I2" c5.xlarge us-west-2a
A2=$AGENT_ID
sql "UPDATE spot_pools SET flagged_until = UTC_TIMESTAMP(3) + INTERVAL 30 MINUTE WHERE id='c5.xlarge.us-west-2a'"
rebalance "$A2" "$I2"
expect_status 200
expect_json .action launch_replica
expect_json .risk 0.6
expect_json .target_pool_id null
[ "$(sql "SELECT COUNT(*) FROM replica_instances WHERE agent_id='$A2' AND status='launching'")" = 1 ] || fail "no replica for the flagged pool"

# ---- termination notice without a replica: emergency launch, deadline, pool flag ----
I3=$(rand_instance_id)
register_agent "$C1_TOKEN" "$(rand_name emerg)" "$I3" m5.large us-west-2a
A3=$AGENT_ID
A3_TOKEN=$AGENT_TOKEN
DEADLINE=$(at 120)
terminate "$A3" "$I3" "$DEADLINE"
expect_status 200
expect_json .action emergency_launch
expect_json .replica null
CMD3=$(jq -r .command_id <<<"$BODY")
EV3=$(jq -r .event_id <<<"$BODY")
[ "$(sql "SELECT CONCAT(type,'/',status,'/',priority,'/',JSON_VALUE(payload,'$.interrupted_instance_id')) FROM commands WHERE id='$CMD3'")" = \
  "emergency_launch/pending/100/$I3" ] || fail "emergency command: $(sql "SELECT type,status,priority,payload FROM commands WHERE id='$CMD3'")"
deadline_sql=${DEADLINE/T/ }
deadline_sql=${deadline_sql%Z}.000
[ "$(sql "SELECT CONCAT(notice_status,'/',notice_deadline) FROM agents WHERE id='$A3'")" = "termination/$deadline_sql" ] \
  || fail "agent notice: $(sql "SELECT notice_status, notice_deadline FROM agents WHERE id='$A3'")"
[ "$(sql "SELECT CONCAT(flagged_until > UTC_TIMESTAMP(3) + INTERVAL 25 MINUTE, '/', last_interruption_at IS NOT NULL) FROM spot_pools WHERE id='m5.large.us-west-2a'")" = 1/1 ] \
  || fail "pool not flagged: $(sql "SELECT flagged_until, last_interruption_at FROM spot_pools WHERE id='m5.large.us-west-2a'")"
[ "$(sql "SELECT CONCAT(signal_type,'/',notice_action,'/',action_time,'/',response_action,'/',command_id) FROM spot_interruption_events WHERE id='$EV3'")" = \
  "termination-notice/terminate/$deadline_sql/emergency_launch/$CMD3" ] || fail "event: $(sql "SELECT * FROM spot_interruption_events WHERE id='$EV3'")"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE agent_id='$A3' AND type='interruption.termination' AND severity='critical'")" = 1 ] || fail "no notification"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE agent_id='$A3' AND action='agent.termination_notice' AND JSON_VALUE(post_state,'$.notice_status')='termination'")" = 1 ] || fail "no audit"
[ "$(sql "SELECT role FROM instances WHERE id='$I3'")" = primary ] || fail "without a replica the primary stays"
# A repeat: the same answer, nothing new.
terminate "$A3" "$I3" "$DEADLINE"
expect_status 200
expect_json .action emergency_launch
expect_json .command_id "$CMD3"
expect_json .repeat true
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$A3' AND type='emergency_launch'")" = 1 ] || fail "repeat queued a second command"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE agent_id='$A3' AND type='interruption.termination'")" = 1 ] || fail "repeat notified again"

# ---- emergency status ----
agent_call GET "/api/agents/$A3/emergency-status"
expect_status 200
expect_json .notice_status termination
expect_json .notice_deadline "${DEADLINE%Z}.000Z"
expect_json '.events | length' 1
expect_json '.events[0].signal_type' termination-notice
expect_json '.events[0].response_action' emergency_launch
expect_json '.commands | map(select(.id == "'"$CMD3"'")) | .[0].type' emergency_launch
expect_json '.commands[0].priority' 100
expect_json '.replicas | length' 0
AGENT_TOKEN=$A1_TOKEN
agent_call GET "/api/agents/$A1/emergency-status"
expect_status 200
expect_json .notice_status rebalance
expect_json .notice_deadline null
expect_json '.replicas[0].id' "$R1"
expect_json '.replicas[0].status' launching
expect_json '.commands[0].id' "$CMD1"
[[ "$(jq -r '.events[0].detected_at' <<<"$BODY")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]] || fail "detected_at not RFC 3339"

# A flagged pool raises the risk for another client's agent in it.
new_client
C2=$CLIENT_ID
C2_TOKEN=$CLIENT_TOKEN
I4=$(rand_instance_id)
register_agent "$C2_TOKEN" "$(rand_name other)" "$I4" m5.large us-west-2a
A4=$AGENT_ID
A4_TOKEN=$AGENT_TOKEN
rebalance "$A4" "$I4"
expect_status 200
printf '%s' "$BODY" | jq -e '.risk >= 0.6' >/dev/null || fail "flag not seen by another client: $BODY"
expect_json .action launch_replica

# ---- cleanup reports ----
AGENT_TOKEN=$A3_TOKEN
agent_call POST "/api/agents/$A3/cleanup-report" -d '{"amis_deregistered":3,"snapshots_deleted":5,"errors":[]}'
expect_status 201
CL=$(jq -r .id <<<"$BODY")
[ "$(sql "SELECT CONCAT(source,'/',amis_deregistered,'/',snapshots_deleted,'/',client_id) FROM cleanup_logs WHERE id='$CL' AND agent_id='$A3'")" = "agent/3/5/$C1" ] \
  || fail "cleanup row: $(sql "SELECT * FROM cleanup_logs WHERE id='$CL'")"
agent_call POST "/api/agents/$A3/cleanup-report" -d '{"amis_deregistered":["ami-0123456789abcdef0","ami-12345678"],"snapshots_deleted":["snap-0123456789abcdef0"],"errors":["InvalidAMIID.Unavailable: ami-0badbadbadbadbad0"]}'
expect_status 201
expect_json .amis_deregistered 2
expect_json .errors 1
CL=$(jq -r .id <<<"$BODY")
[ "$(sql "SELECT CONCAT(amis_deregistered,'/',snapshots_deleted,'/',JSON_VALUE(details,'$.amis[1]'),'/',JSON_LENGTH(errors)) FROM cleanup_logs WHERE id='$CL'")" = "2/1/ami-12345678/1" ] \
  || fail "cleanup lists: $(sql "SELECT * FROM cleanup_logs WHERE id='$CL'")"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id='$CL' AND action='cleanup.reported'")" = 1 ] || fail "no cleanup audit"
agent_call POST "/api/agents/$A3/cleanup-report" -d '{"amis_deregistered":"three"}'
expect_error 400 validation_failed amis_deregistered
agent_call POST "/api/agents/$A3/cleanup-report" -d '{"amis_deregistered":-1}'
expect_error 400 validation_failed amis_deregistered
agent_call POST "/api/agents/$A3/cleanup-report" -d '{"snapshots_deleted":["snap-0123456789abcdef0","snap-XYZ"]}'
expect_error 400 validation_failed 'snapshots_deleted[1]'
agent_call POST "/api/agents/$A3/cleanup-report" -d '{"errors":["ok",7]}'
expect_error 400 validation_failed 'errors[1]'
agent_call POST "/api/agents/$A3/cleanup-report" -d '{"errors":"boom"}'
expect_error 400 validation_failed errors
agent_call POST "/api/agents/$A3/cleanup-report" -d '{"amis":1}'
expect_error 400 validation_failed amis
big=$(jq -cn '[range(1001)] | map("ami-12345678")')
agent_call POST "/api/agents/$A3/cleanup-report" -d "{\"amis_deregistered\":$big}"
expect_error 400 validation_failed amis_deregistered

# ---- bad input on the notices ----
agent_call POST "/api/agents/$A3/rebalance-notice" -d "{\"notice_time\":\"$(at 0)\"}"
expect_error 400 validation_failed instance_id
agent_call POST "/api/agents/$A3/rebalance-notice" -d "{\"instance_id\":\"i-xyz\",\"notice_time\":\"$(at 0)\"}"
expect_error 400 validation_failed instance_id
agent_call POST "/api/agents/$A3/rebalance-notice" -d "{\"instance_id\":\"$I3\",\"notice_time\":\"yesterday at noon, roughly\"}"
expect_error 400 validation_failed notice_time
agent_call POST "/api/agents/$A3/rebalance-notice" -d "{\"instance_id\":\"$I3\",\"notice_time\":\"$(at -864000)\"}"
expect_error 400 validation_failed notice_time
agent_call POST "/api/agents/$A3/rebalance-notice" -d "{\"instance_id\":\"$I3\",\"notice_time\":12}"
expect_error 400 validation_failed notice_time
agent_call POST "/api/agents/$A3/termination-notice" -d "{\"instance_id\":\"$I3\",\"action_time\":\"$(at 120)\",\"notice_action\":\"explode\"}"
expect_error 400 validation_failed notice_action
agent_call POST "/api/agents/$A3/termination-notice" -d "{\"instance_id\":\"$I3\",\"notice_action\":\"stop\"}"
expect_error 400 validation_failed action_time
agent_call POST "/api/agents/$A3/termination-notice" -d "{\"instance_id\":\"$I3\",\"action_time\":\"$(at 864000)\",\"notice_action\":\"stop\"}"
expect_error 400 validation_failed action_time
agent_call POST "/api/agents/$A3/termination-notice" -d "[1]"
expect_status 400
# Another agent's instance: 404 naming instance_id.
agent_call POST "/api/agents/$A3/termination-notice" -d "{\"instance_id\":\"$I1\",\"action_time\":\"$(at 120)\",\"notice_action\":\"stop\"}"
expect_error 404 not_found instance_id
agent_call POST "/api/agents/$A3/rebalance-notice" -d "{\"instance_id\":\"$(rand_instance_id)\",\"notice_time\":\"$(at 0)\"}"
expect_error 404 not_found instance_id

# ---- another client's agent answers 404 on every route, with either kind of token ----
for tok in "$C2_TOKEN" "$A4_TOKEN"; do
  AGENT_TOKEN=$tok
  agent_call POST "/api/agents/$A3/rebalance-notice" -d "{\"instance_id\":\"$I3\",\"notice_time\":\"$(at 0)\"}"
  expect_error 404 not_found
  agent_call POST "/api/agents/$A3/termination-notice" -d "{\"instance_id\":\"$I3\",\"action_time\":\"$(at 120)\",\"notice_action\":\"stop\"}"
  expect_error 404 not_found
  agent_call GET "/api/agents/$A3/emergency-status"
  expect_error 404 not_found
  agent_call POST "/api/agents/$A3/cleanup-report" -d '{"amis_deregistered":1}'
  expect_error 404 not_found
done
[ "$(sql "SELECT COUNT(*) FROM cleanup_logs WHERE agent_id='$A3'")" = 2 ] || fail "a stranger's report was stored"
# The client's own token may act for its agent.
AGENT_TOKEN=$C1_TOKEN
agent_call GET "/api/agents/$A3/emergency-status"
expect_status 200
it_ok
