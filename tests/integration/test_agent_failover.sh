# test_agent_failover.sh - failover by the real spot-agent in spot-sim (issue 5 item 4):
# 1. manual replicas: the primary's agent images itself and launches each (launch_replica), the
#    replica's own agent reports syncing then ready; a deleted replica's instance is terminated by the
#    primary (terminate); a replica the client promotes takes the Elastic IP (promote); then a
#    termination notice on the primary is answered promote_replica and the dying primary moves its
#    Elastic IP to the replica at once;
# 2. without a replica, the termination notice is answered emergency_launch: the dying primary
#    launches a new instance, moves the Elastic IP and reports the switch; the new instance's agent
#    is the primary under the same logical id.
. "$(dirname "$0")/harness.sh"
it_env
. "$(dirname "$0")/agent_sim_lib.sh"
sim_start 20
new_client

# A primary with an Elastic IP; sets PRIMARY, ALLOC, AGENT for logical id $1.
primary_with_eip() {
  local logical=$1
  user_data "$IT_TMP/ud-$logical" "$logical"
  PRIMARY=$(launch t3.medium us-east-1a "$IT_TMP/ud-$logical" --key-name e2e-key) || fail "run-instances"
  ALLOC=$(ec2 allocate-address --domain vpc --query AllocationId --output text) || fail "allocate-address"
  poll 30 eval '[ "$(sim_state "$PRIMARY")" = running ]' || fail "$PRIMARY never ran"
  ec2 associate-address --allocation-id "$ALLOC" --instance-id "$PRIMARY" >/dev/null || fail "associate-address"
  poll 60 eval '[ -n "$(agent_of "$logical")" ]' || fail "the agent never registered: $(agent_log "$PRIMARY")"
  AGENT=$(agent_of "$logical")
  poll 30 eval '[ "$(role_of "$PRIMARY")" = primary ]' || fail "$PRIMARY is not the primary"
  # No automatic termination of zombies here: the test looks at them.
  sql "UPDATE agents SET auto_terminate_enabled=FALSE WHERE id='$AGENT'"
}

# make_replica PRIMARY: a manual replica launched by PRIMARY's agent and reported ready by its own agent;
# sets RID and REPLICA.
make_replica() {
  local from=$1 rcid
  http POST "/api/client/agents/$AGENT/replicas" -H "Authorization: Bearer $CLIENT_TOKEN" -H 'Content-Type: application/json' -d '{}'
  expect_status 202 "manual replica"
  RID=$(jq -r .replica_id <<<"$BODY") rcid=$(jq -r .command_id <<<"$BODY")
  poll 60 eval '[ "$(sql "SELECT status FROM replica_instances WHERE id='"'$RID'"'")" = ready ]' \
    || fail "replica $RID is $(sql "SELECT status FROM replica_instances WHERE id='$RID'"): $(agent_log "$from" 25)"
  REPLICA=$(sql "SELECT instance_id FROM replica_instances WHERE id='$RID'")
  [ "$(role_of "$REPLICA")" = replica ] || fail "$REPLICA is $(role_of "$REPLICA"), not a replica"
  poll 20 eval '[ "$(sql "SELECT status FROM commands WHERE id='"'$rcid'"'")" = succeeded ]' || fail "launch_replica not succeeded"
  [ "$(ec2 describe-instances --instance-ids "$REPLICA" --query 'Reservations[0].Instances[0].Tags[?Key==`spot-optimizer:replica-id`].Value' --output text)" = "$RID" ] \
    || fail "the replica is not tagged with its id"
  grep -q "replica $RID reported ready" "$SIM_DIR/agents/$REPLICA.log" || fail "the replica's agent did not report: $(agent_log "$REPLICA")"
  note "replica $RID on $REPLICA ready"
}

# ---- 1. replicas: deleted (terminate), promoted by the client (promote), promoted on a termination notice ----
logical=$(rand_name fo)
primary_with_eip "$logical"
first=$PRIMARY
note "primary $first of $logical"

# 1a. A deleted replica: the primary's agent terminates its instance (terminate command).
make_replica "$first"
http DELETE "/api/client/replicas/$RID" -H "Authorization: Bearer $CLIENT_TOKEN"
case $STATUS in 200|202|204) ;; *) fail "delete replica answered $STATUS" ;; esac
poll 30 eval '[ "$(sql "SELECT status FROM commands WHERE agent_id='"'$AGENT'"' AND type='"'terminate'"'")" = succeeded ]' \
  || fail "terminate: $(sql "SELECT status, error FROM commands WHERE agent_id='$AGENT' AND type='terminate'"): $(agent_log "$first")"
poll 20 eval '[ "$(sim_state "$REPLICA")" = terminated ]' || fail "the deleted replica $REPLICA is $(sim_state "$REPLICA")"
[ "$(sim_state "$first")" = running ] || fail "the primary did not survive the terminate command"

# 1b. The client promotes a ready replica: the replica's agent, now the primary, takes the Elastic IP (promote).
make_replica "$first"
second=$REPLICA
[ "$(eip_owner "$ALLOC")" = "$first" ] || fail "the Elastic IP left the primary before any promotion"
http POST "/api/client/replicas/$RID/promote" -H "Authorization: Bearer $CLIENT_TOKEN" -H 'Content-Type: application/json' -d '{}'
expect_status 200 "promote"
pcid=$(jq -r .command_id <<<"$BODY")
poll 30 eval '[ "$(eip_owner "$ALLOC")" = "$second" ]' || fail "the Elastic IP did not come to $second: $(agent_log "$second" 20)"
poll 20 eval '[ "$(sql "SELECT status FROM commands WHERE id='"'$pcid'"'")" = succeeded ]' || fail "promote command not succeeded"
[ "$(role_of "$second")" = primary ] && [ "$(role_of "$first")" = zombie ] || fail "roles $(role_of "$second")/$(role_of "$first")"
grep -q "exec_promote: this instance is the primary now; Elastic IP $ALLOC" "$SIM_DIR/agents/$second.log" || fail "no promote line"

# 1c. A replica of the new primary; a termination notice on the primary: the dying primary moves the
# Elastic IP to the promoted replica at once (120 s lead, 6 s at scale 20).
make_replica "$second"
replica=$REPLICA rid=$RID
ctl -X POST "${CTL}instances/$second/interrupt" -d '{"action":"terminate","lead_seconds":120}' >/dev/null || fail "interrupt"
t0=$(date +%s%N)
poll 15 eval '[ "$(eip_owner "$ALLOC")" = "$replica" ]' || fail "the Elastic IP did not move to $replica: $(agent_log "$second" 20)"
note "notice -> Elastic IP on the replica in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
[ "$(role_of "$replica")" = primary ] || fail "$replica is $(role_of "$replica") after the failover"
[ "$(role_of "$second")" = zombie ] || fail "$second is $(role_of "$second") after the failover"
[ "$(sql "SELECT status FROM replica_instances WHERE id='$rid'")" = promoted ] || fail "replica not promoted"
grep -q "exec_failover: Elastic IP $ALLOC moved to the promoted replica $replica" "$SIM_DIR/agents/$second.log" \
  || fail "the dying primary did not move the address: $(agent_log "$second")"
poll 20 eval 'grep -q "role replica -> primary" "$SIM_DIR/agents/$replica.log"' || fail "the replica's agent did not take over"

# ---- 2. no replica: an emergency launch under the same logical id ----
logical2=$(rand_name em)
primary_with_eip "$logical2"
old=$PRIMARY
note "primary $old of $logical2"
ctl -X POST "${CTL}instances/$old/interrupt" -d '{"action":"terminate","lead_seconds":400}' >/dev/null || fail "interrupt"
t0=$(date +%s)
emerg() { [ -n "$(sql "SELECT id FROM switches WHERE agent_id='$AGENT' AND event_trigger='emergency'")" ]; }
poll 40 emerg || fail "no emergency switch: $(agent_log "$old" 25)"
note "notice -> new primary reported in $(( $(date +%s) - t0 )) s"
new=$(sql "SELECT new_instance_id FROM switches WHERE agent_id='$AGENT' AND event_trigger='emergency'")
[ "$new" != "$old" ] || fail "no new instance"
[ "$(sql "SELECT instance_id FROM agents WHERE id='$AGENT'")" = "$new" ] || fail "the agent's instance is not $new"
[ "$(role_of "$new")" = primary ] && [ "$(role_of "$old")" = zombie ] || fail "roles $(role_of "$new")/$(role_of "$old")"
[ "$(eip_owner "$ALLOC")" = "$new" ] || fail "the Elastic IP is on $(eip_owner "$ALLOC"), not $new"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$AGENT' AND type='emergency_launch' AND status='succeeded'")" = 1 ] \
  || fail "the emergency_launch command did not succeed: $(sql "SELECT status, error FROM commands WHERE agent_id='$AGENT' AND type='emergency_launch'")"
[ "$(ec2 describe-instances --instance-ids "$new" --query 'Reservations[0].Instances[0].[KeyName,Placement.AvailabilityZone]' --output text)" != "" ] \
  || fail "describe $new"
# Its agent registers under the same logical id and heartbeats as the primary.
poll 30 eval '[ "$(sql "SELECT COUNT(*) FROM instances WHERE id='"'$new'"' AND agent_id='"'$AGENT'"' AND last_heartbeat_at IS NOT NULL")" = 1 ]' \
  || fail "$new does not heartbeat: $(agent_log "$new")"
[ "$(sql "SELECT COUNT(*) FROM agents WHERE client_id='$CLIENT_ID' AND logical_agent_id='$logical2'")" = 1 ] || fail "a second agent"
it_ok
