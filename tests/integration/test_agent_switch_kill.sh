# test_agent_switch_kill.sh - a switch survives SIGKILL of the agent at each of its steps (issue 5 item 4):
# for every step (image, image_wait, run, run_wait, eip, report) the primary's agent is run with
# SPOT_AGENT_TEST_STOP_AFTER=<step> (it stops itself once the step's EC2 call or report has succeeded,
# before the outcome is saved), SIGKILLed there, and restarted; the switch then completes with exactly
# one image named after the command and exactly one instance launched with its ClientToken, the Elastic
# IP on it, and a single switches row. Each switch starts from the previous one's new primary.
# Then a cleanup command removes the four older images and their snapshots and reports them.
. "$(dirname "$0")/harness.sh"
it_env
. "$(dirname "$0")/agent_sim_lib.sh"
sim_start 20
port=${EC2_URL#http://127.0.0.1:}
port=${port%/}
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done; kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; rm -rf "$IT_TMP"' EXIT

# start_agent ID [STOP_STEP]: the agent of instance ID, as spot-sim runs it, started by this test.
start_agent() {
  env -i PATH="$PATH" HOME="${HOME:-/root}" SPOT_IMDS_URL="http://127.0.0.1:$port/imds/$1" SPOT_EC2_URL="$EC2_URL" \
    AWS_REGION=us-east-1 SPOT_SIM_INSTANCE_ID="$1" ${2:+SPOT_AGENT_TEST_STOP_AFTER=$2} \
    "$BUILD/spot-agent" --config "$SIM_DIR/agents/$1.conf" >>"$SIM_DIR/agents/$1.log" 2>&1 &
  AGENT_PID=$!
  PIDS+=("$AGENT_PID")
}
stopped() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ]; }
sim_agent_pid() { ctl "${CTL}instances" | jq -r --arg id "$1" '.[] | select(.id == $id) | .agent_pid // empty'; }

new_client
logical=$(rand_name kill)
user_data "$IT_TMP/ud" "$logical"
cur=$(launch t3.medium us-east-1a "$IT_TMP/ud" --key-name e2e-key) || fail "run-instances"
alloc=$(ec2 allocate-address --domain vpc --query AllocationId --output text) || fail "allocate-address"
poll 30 eval '[ "$(sim_state "$cur")" = running ]' || fail "$cur never ran"
ec2 associate-address --allocation-id "$alloc" --instance-id "$cur" >/dev/null || fail "associate-address"
poll 60 eval '[ -n "$(agent_of "$logical")" ]' || fail "the agent never registered: $(agent_log "$cur")"
agent=$(agent_of "$logical")
sql "UPDATE agents SET auto_terminate_enabled=FALSE WHERE id='$agent'"

pools=(m5.large.us-east-1b t3.medium.us-east-1c m5.large.us-east-1a t3.medium.us-east-1b m5.large.us-east-1c t3.medium.us-east-1a)
modes=(spot spot spot ondemand spot spot)   # one switch to on-demand, and one back
i=0
for step in image image_wait run run_wait eip report; do
  poll 30 eval '[ "$(role_of "$cur")" = primary ] && [ -n "$(sim_agent_pid "$cur")" ]' || fail "$cur is not the primary with an agent"
  # The primary's agent, restarted by the test with the stop point.
  sp=$(sim_agent_pid "$cur")
  [ -z "$sp" ] || kill -KILL "$sp"
  start_agent "$cur" "$step"
  victim=$AGENT_PID
  poll 20 eval 'grep -q "agent_register: agent" <(tail -n 5 "$SIM_DIR/agents/$cur.log")' || fail "restarted agent did not register"
  http POST "/api/client/agents/$agent/switch" -H "Authorization: Bearer $CLIENT_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"target_pool_id\":\"${pools[$i]}\",\"target_mode\":\"${modes[$i]}\"}"
  expect_status 202 "switch request $step"
  cid=$(jq -r .command_id <<<"$BODY")
  poll 40 stopped "$victim" || fail "the agent never stopped after $step: $(agent_log "$cur")"
  kill -KILL "$victim"
  wait "$victim" 2>/dev/null || true
  [ -f "$SIM_DIR/agents/spool/$cur/exec-job.json" ] || fail "no state file after killing at $step"
  start_agent "$cur"
  poll 60 eval '[ -n "$(sql "SELECT id FROM switches WHERE command_id='"'$cid'"'")" ]' || fail "killed at $step: no switch: $(agent_log "$cur" 20)"
  poll 20 eval '[ ! -f "$SIM_DIR/agents/spool/$cur/exec-job.json" ]' || fail "killed at $step: the job never ended"
  new=$(sql "SELECT new_instance_id FROM switches WHERE command_id='$cid'")
  [ "$(sql "SELECT COUNT(*) FROM switches WHERE agent_id='$agent' AND new_instance_id='$new'")" = 1 ] || fail "killed at $step: two rows"
  [ "$(ec2 describe-images --owners self --query "length(Images[?Name=='spot-agent-$logical-$cid'])" --output text)" = 1 ] \
    || fail "killed at $step: not exactly one image"
  [ "$(ec2 describe-instances --filters Name=client-token,Values="spot-$cid" --query 'length(Reservations[].Instances[])' --output text)" = 1 ] \
    || fail "killed at $step: not exactly one instance"
  [ "$(sql "SELECT status FROM commands WHERE id='$cid'")" = succeeded ] || fail "killed at $step: command $(sql "SELECT status FROM commands WHERE id='$cid'")"
  [ "$(eip_owner "$alloc")" = "$new" ] || fail "killed at $step: the Elastic IP is on $(eip_owner "$alloc")"
  grep -q "stopping after $step" "$SIM_DIR/agents/$cur.log" || fail "the stop point $step was not reached"
  lc=$(ec2 describe-instances --instance-ids "$new" --query 'Reservations[0].Instances[0].InstanceLifecycle' --output text)
  [ "$lc" = "$([ "${modes[$i]}" = spot ] && echo spot || echo None)" ] || fail "killed at $step: $new has lifecycle $lc, wanted ${modes[$i]}"
  [ "$(sql "SELECT new_mode FROM switches WHERE command_id='$cid'")" = "${modes[$i]}" ] || fail "killed at $step: switch mode"
  note "killed after $step: switch $cur -> $new complete"
  kill -KILL "$AGENT_PID" 2>/dev/null || true   # the old primary's agent (a zombie now)
  wait "$AGENT_PID" 2>/dev/null || true
  cur=$new
  i=$((i + 1))
done
[ "$(ec2 describe-images --owners self --query "length(Images[?starts_with(Name, 'spot-agent-$logical-')])" --output text)" = 6 ] \
  || fail "not six images for six switches"

# cleanup (a command queued directly: no API issues it yet): retention 0 days, keep the newest 2.
snaps=$(ec2 describe-images --owners self --query "Images[?starts_with(Name, 'spot-agent-$logical-')].BlockDeviceMappings[].Ebs.SnapshotId" --output text | wc -w)
[ "$snaps" = 6 ] || fail "expected 6 snapshots behind the images, found $snaps"
cl=$(cat /proc/sys/kernel/random/uuid)
sql "INSERT INTO commands (id, client_id, agent_id, type, payload, request_id, reason, expires_at)
  VALUES ('$cl', '$CLIENT_ID', '$agent', 'cleanup', '{\"retention_days\":0,\"keep\":2}', 'cleanup:$cl', 'test', NOW(3) + INTERVAL 10 MINUTE)"
poll 30 eval '[ "$(sql "SELECT status FROM commands WHERE id='"'$cl'"'")" = succeeded ]' \
  || fail "cleanup is $(sql "SELECT CONCAT(status, ' ', COALESCE(error, '')) FROM commands WHERE id='$cl'"): $(agent_log "$cur")"
[ "$(ec2 describe-images --owners self --query "length(Images[?starts_with(Name, 'spot-agent-$logical-')])" --output text)" = 2 ] \
  || fail "cleanup did not leave the newest two images"
ec2 describe-images --owners self --query "Images[?starts_with(Name, 'spot-agent-$logical-')].ImageId" --output text | grep -qw \
  "$(ec2 describe-instances --instance-ids "$cur" --query 'Reservations[0].Instances[0].ImageId' --output text)" \
  || fail "cleanup removed the image the primary runs from"
[ "$(sql "SELECT CONCAT(amis_deregistered, '/', snapshots_deleted, '/', JSON_LENGTH(COALESCE(errors, '[]'))) FROM cleanup_logs WHERE agent_id='$agent'")" = 4/4/0 ] \
  || fail "cleanup_logs: $(sql "SELECT amis_deregistered, snapshots_deleted, errors FROM cleanup_logs WHERE agent_id='$agent'")"
[ "$(ec2 describe-snapshots --owner-ids self --query 'length(Snapshots)' --output text)" = 2 ] || fail "snapshots left: $(ec2 describe-snapshots --owner-ids self --query 'length(Snapshots)' --output text)"
it_ok
