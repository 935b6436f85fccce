# agent_lib.sh - sourced after harness.sh by the tests that run spot-agent themselves
# (test_agent_signals, test_agent_spool_replay): a private spot-sim that starts no agent
# processes (SPOT_SIM_AGENT_CMD=none), an instance launched in it with the AWS CLI, and the
# real spot-agent started by the test with SPOT_IMDS_URL pointing at that instance's IMDS,
# so the test owns the agent's pid, config file and signals.
#   sim_start                 sets SIM_PORT, EC2_URL, CTL and the AWS_* of the simulator's key
#   sim_launch                one spot t3.medium with an instance profile; sets INSTANCE_ID
#   agent_start CONF LOG      starts spot-agent in a clean environment (only the IMDS/EC2
#                             endpoints and region come from it: the file is the config); AGENT_PID
#   agent_stop                SIGTERM, then SIGKILL after 5 s
#   exited PID                true once PID (a child of the test) is gone or a zombie
# Everything started here is stopped by pid at exit.
BUILD=${SPOT_BUILD_DIR:?SPOT_BUILD_DIR is set by ctest}
[ -x "$BUILD/spot-agent" ] || fail "no $BUILD/spot-agent"
[ -x "$BUILD/spot-sim" ] || fail "no $BUILD/spot-sim"
[ -x /usr/bin/aws ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends awscli >/dev/null || fail "cannot install awscli"; }

SIM_PID="" AGENT_PID="" AL_PIDS=()
al_cleanup() {
  local p
  for p in $AGENT_PID "${AL_PIDS[@]}" $SIM_PID; do
    [ -n "$p" ] || continue
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}
trap 'al_cleanup; rm -rf "$IT_TMP"' EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

sim_start() {
  SIM_PORT=$(free_port)
  mkdir -p "$IT_TMP/sim"
  local key secret
  key=AKIA$(openssl rand -hex 8 | tr 'a-f' 'A-F') secret=$(openssl rand -hex 20)
  cat > "$IT_TMP/sim/sim.env" <<CONF
SPOT_SIM_LISTEN=127.0.0.1:$SIM_PORT
SPOT_SIM_REGION=us-east-1
SPOT_SIM_ACCESS_KEY_ID=$key
SPOT_SIM_SECRET_ACCESS_KEY=$secret
SPOT_SIM_AGENT_DIR=$IT_TMP/sim/agents
SPOT_SIM_AGENT_CMD=none
SPOT_SIM_BOOT_DELAY=0
SPOT_SIM_INTERRUPTION_FACTOR=0
SPOT_SIM_REBALANCE=0
# Its own instance ids: the stack's database outlives this simulator (the default seed repeats them).
SPOT_SIM_SEED=$(( (RANDOM << 15 | RANDOM) + 1 ))
CONF
  env -i PATH="$PATH" HOME="${HOME:-/root}" "$BUILD/spot-sim" --config "$IT_TMP/sim/sim.env" >"$IT_TMP/sim/sim.log" 2>&1 &
  SIM_PID=$!
  EC2_URL=http://127.0.0.1:$SIM_PORT/ CTL=http://127.0.0.1:$SIM_PORT/_sim/
  poll 20 curl -sf --max-time 5 "${CTL}clock" -o /dev/null || fail "spot-sim did not start: $(tail -5 "$IT_TMP/sim/sim.log")"
  export AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 \
    AWS_PAGER= AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
}

sim_launch() {
  INSTANCE_ID=$(/usr/bin/aws --endpoint-url "$EC2_URL" ec2 run-instances --image-id ami-0a1b2c3d4e5f60001 \
    --instance-type t3.medium --count 1 --instance-market-options MarketType=spot \
    --iam-instance-profile Name=agent-it-role --query 'Instances[0].InstanceId' --output text) || fail "run-instances"
  [[ $INSTANCE_ID =~ ^i-[0-9a-f]+$ ]] || fail "run-instances gave '$INSTANCE_ID'"
}

agent_start() {
  env -i PATH="$PATH" SPOT_IMDS_URL="http://127.0.0.1:$SIM_PORT/imds/$INSTANCE_ID" SPOT_EC2_URL="$EC2_URL" \
    AWS_REGION=us-east-1 "$BUILD/spot-agent" --config "$1" >>"$2" 2>&1 &
  AGENT_PID=$!
}

exited() { ! [ -e "/proc/$1/stat" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

agent_stop() {
  [ -n "$AGENT_PID" ] || return 0
  kill -TERM "$AGENT_PID" 2>/dev/null || true
  poll 5 exited "$AGENT_PID" || kill -KILL "$AGENT_PID" 2>/dev/null || true
  wait "$AGENT_PID" 2>/dev/null || true
  AGENT_PID=""
}
