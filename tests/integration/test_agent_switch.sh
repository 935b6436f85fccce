# test_agent_switch.sh - a switch command executed by the real spot-agent in spot-sim (issue 5 item 4):
# the client asks for another pool; the agent images its instance (NoReboot), launches the copy in the
# target pool with the same key, security groups, profile, tags and user data, moves the Elastic IP,
# and reports; the switches row has every timing, the new instance's agent is the primary under the
# same logical id, and the old instance becomes a zombie that the new primary terminates after
# terminate_wait_seconds. Exactly one image and one new instance exist.
. "$(dirname "$0")/harness.sh"
it_env
. "$(dirname "$0")/agent_sim_lib.sh"
sim_start 20

new_client
logical=$(rand_name sw)
user_data "$IT_TMP/ud" "$logical"
old=$(launch t3.medium us-east-1a "$IT_TMP/ud" --key-name e2e-key --security-group-ids sg-0123456789abcdef0 \
  --tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=web-1},{Key=team,Value=blue}]') || fail "run-instances"
note "old instance $old, logical id $logical"
alloc=$(ec2 allocate-address --domain vpc --query AllocationId --output text) || fail "allocate-address"
poll 30 eval '[ "$(sim_state "$old")" = running ]' || fail "$old never ran"
ec2 associate-address --allocation-id "$alloc" --instance-id "$old" >/dev/null || fail "associate-address"

poll 60 eval '[ -n "$(agent_of "$logical")" ]' || fail "the agent never registered: $(agent_log "$old")"
agent=$(agent_of "$logical")
poll 30 eval '[ "$(role_of "$old")" = primary ]' || fail "$old is not the primary"
sql "UPDATE agents SET auto_terminate_enabled=TRUE, manual_replica_enabled=FALSE, terminate_wait_seconds=3 WHERE id='$agent'"

# The switch, as the client asks for it.
http POST "/api/client/agents/$agent/switch" -H "Authorization: Bearer $CLIENT_TOKEN" -H 'Content-Type: application/json' \
  -d '{"target_pool_id":"m5.large.us-east-1b","target_mode":"spot"}'
expect_status 202 "switch request"
cid=$(jq -r .command_id <<<"$BODY")
t0=$(date +%s)

# The command runs, and a switches row arrives with every timing.
poll 20 eval '[ "$(sql "SELECT status FROM commands WHERE id='"'$cid'"'")" != pending ]' || fail "command never handed out"
poll 60 eval '[ -n "$(sql "SELECT id FROM switches WHERE command_id='"'$cid'"'")" ]' || fail "no switches row: $(agent_log "$old" 25)"
note "switched in $(( $(date +%s) - t0 )) s"
read -r new pool mode ami t_init t_ami t_launch t_ready down < <(sql "SELECT new_instance_id, new_pool_id, new_mode, ami_id,
  initiated_at IS NOT NULL, ami_created_at IS NOT NULL, instance_launched_at IS NOT NULL, instance_ready_at IS NOT NULL,
  downtime_seconds IS NOT NULL FROM switches WHERE command_id='$cid'")
[ "$pool" = m5.large.us-east-1b ] && [ "$mode" = spot ] || fail "switch to $pool/$mode"
[ "$t_init$t_ami$t_launch$t_ready$down" = 11111 ] || fail "a timing is missing ($t_init$t_ami$t_launch$t_ready$down)"
sql "SELECT initiated_at <= ami_created_at AND ami_created_at <= instance_launched_at AND instance_launched_at <= instance_ready_at
  FROM switches WHERE command_id='$cid'" | grep -qx 1 || fail "timings out of order"
poll 20 eval '[ "$(sql "SELECT status FROM commands WHERE id='"'$cid'"'")" = succeeded ]' || fail "command not succeeded"

# The copy: the target pool, the same key, groups, profile, tags and user data (same logical agent).
desc=$(ec2 describe-instances --instance-ids "$new" --output json) || fail "describe $new"
jq -e --arg az us-east-1b '.Reservations[0].Instances[0] | .InstanceType == "m5.large" and .Placement.AvailabilityZone == $az
  and .KeyName == "e2e-key" and ([.SecurityGroups[].GroupId] == ["sg-0123456789abcdef0"])
  and (.IamInstanceProfile.Arn | endswith("/e2e-role")) and .InstanceLifecycle == "spot"
  and ([.Tags[] | select(.Key == "Name" or .Key == "team") | .Value] | sort == ["blue", "web-1"])' <<<"$desc" >/dev/null \
  || fail "the new instance is not a copy: $(jq -c '.Reservations[0].Instances[0] | {InstanceType, Placement, KeyName, SecurityGroups, IamInstanceProfile, Tags}' <<<"$desc")"
[ "$(ec2 describe-images --owners self --query "length(Images[?starts_with(Name, 'spot-agent-$logical-')])" --output text)" = 1 ] \
  || fail "not exactly one image"
[ "$(ec2 describe-images --owners self --query "Images[?Name=='spot-agent-$logical-$cid'].ImageId" --output text)" = "$ami" ] \
  || fail "the image is not named after the command"
[ "$(ec2 describe-instances --filters Name=image-id,Values="$ami" --query 'length(Reservations[].Instances[])' --output text)" = 1 ] \
  || fail "not exactly one instance from the image"

# The Elastic IP follows; the new instance's agent is the primary of the same agent; the old one a zombie.
[ "$(eip_owner "$alloc")" = "$new" ] || fail "the Elastic IP is on $(eip_owner "$alloc"), not $new"
poll 30 eval '[ "$(sql "SELECT COUNT(*) FROM instances WHERE id='"'$new'"' AND agent_id='"'$agent'"' AND role='"'primary'"' AND last_heartbeat_at IS NOT NULL")" = 1 ]' \
  || fail "$new does not heartbeat as the primary: $(agent_log "$new")"
[ "$(sql "SELECT instance_id FROM agents WHERE id='$agent'")" = "$new" ] || fail "the agent's instance is not $new"
grep -q "role standby -> primary\|as primary" "$SIM_DIR/agents/$new.log" || fail "the new agent never became primary"
# The zombie is terminated by the new primary after terminate_wait_seconds (3 s), and its agent dies with it.
poll 40 eval '[ "$(sim_state "$old")" = terminated ]' || fail "$old not terminated (role $(role_of "$old")): $(agent_log "$new")"
poll 20 eval '[ "$(role_of "$old")" = terminated ]' || fail "$old is $(role_of "$old") in the database"
grep -q "role primary -> zombie" "$SIM_DIR/agents/$old.log" || fail "the old agent never learnt it is a zombie"
grep -q "zombie $old terminated" "$SIM_DIR/agents/$new.log" || fail "the new primary did not terminate $old"
[ ! -e "$SIM_DIR/agents/spool/$old/exec-job.json" ] || fail "the job state file is left behind"
[ "$(ec2 describe-instances --filters Name=instance-state-name,Values=pending,running --query 'length(Reservations[].Instances[])' --output text)" = 1 ] \
  || fail "more than one instance runs"
it_ok
