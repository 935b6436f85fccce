# agent_sim_lib.sh - sourced by the agent executor tests (test_agent_switch.sh, test_agent_failover.sh)
# after harness.sh and it_env: a private spot-sim whose instances run the built spot-agent, with delays
# scaled short, plus helpers. Not a test itself (tests are test_*.sh).
#
#   sim_start [SCALE]            starts it; sets EC2_URL, CTL, SIM_DIR, SIM_PID; exports AWS_* for the CLI
#   user_data FILE LOGICAL       writes the agent config an instance gets as user data
#   launch TYPE AZ UD [extra]    run-instances (spot) -> prints the instance id
#   ec2 ARGS...                  the AWS CLI against the simulator
#   sim_state ID                 the instance's state in the simulator
#   agent_log ID                 the tail of the instance's agent log, one line
BUILD=${SPOT_BUILD_DIR:?SPOT_BUILD_DIR is set by ctest}
[ -x "$BUILD/spot-agent" ] || fail "no $BUILD/spot-agent"
[ -x "$BUILD/spot-sim" ] || fail "no $BUILD/spot-sim"
[ -x /usr/bin/aws ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends awscli >/dev/null || fail "cannot install awscli"; }

sim_start() {
  # A seed of its own: instance ids differ from every other simulator run against the same stack.
  local scale=${1:-20} port= p key secret
  port=$(it_free_port)
  SIM_DIR=$IT_TMP/sim
  mkdir -p "$SIM_DIR/agents"
  key=AKIA$(openssl rand -hex 8 | tr 'a-f' 'A-F') secret=$(openssl rand -hex 20)
  cat > "$SIM_DIR/sim.env" <<CONF
SPOT_SIM_LISTEN=127.0.0.1:$port
SPOT_SIM_REGION=us-east-1
SPOT_SIM_ACCESS_KEY_ID=$key
SPOT_SIM_SECRET_ACCESS_KEY=$secret
SPOT_SIM_AGENT_DIR=$SIM_DIR/agents
SPOT_SIM_AGENT_CMD=$BUILD/spot-agent
SPOT_SIM_INTERRUPTION_FACTOR=0
SPOT_SIM_SCALE=$scale
SPOT_SIM_SEED=$(( (RANDOM << 15 | RANDOM) + 2 ))
CONF
  # A clean environment: the agents inherit it, and their user data must be what configures them.
  env -i PATH="$PATH" HOME="${HOME:-/root}" "$BUILD/spot-sim" --config "$SIM_DIR/sim.env" >"$SIM_DIR/sim.log" 2>&1 &
  SIM_PID=$!
  trap 'kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; rm -rf "$IT_TMP"' EXIT
  EC2_URL=http://127.0.0.1:$port/ CTL=http://127.0.0.1:$port/_sim/
  poll 20 ctl "${CTL}clock" -o /dev/null || fail "spot-sim did not start: $(tail -5 "$SIM_DIR/sim.log")"
  export AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 \
    AWS_PAGER= AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
}

ctl() { curl -sf --max-time 10 "$@"; }
ec2() { /usr/bin/aws --endpoint-url "$EC2_URL" ec2 "$@"; }

user_data() {
  cat > "$1" <<UD
SPOT_URL=$SPOT_URL
SPOT_CLIENT_TOKEN=$CLIENT_TOKEN
SPOT_CA_FILE=$SPOT_CA_FILE
SPOT_LOGICAL_ID=$2
SPOT_HEARTBEAT_SECONDS=2
SPOT_PRICING_SECONDS=30
SPOT_COMMAND_POLL_SECONDS=2
SPOT_INTERRUPTION_POLL_SECONDS=1
SPOT_TERMINATION_SECONDS=2
UD
}

# launch TYPE AZ UD_FILE [extra run-instances args...]
launch() {
  local type=$1 az=$2 ud=$3
  shift 3
  ec2 run-instances --image-id ami-0a1b2c3d4e5f60001 --instance-type "$type" --count 1 \
    --placement "AvailabilityZone=$az" --instance-market-options MarketType=spot \
    --iam-instance-profile Name=e2e-role --user-data "file://$ud" "$@" \
    --query 'Instances[0].InstanceId' --output text
}

sim_state() {
  ec2 describe-instances --instance-ids "$1" --query 'Reservations[0].Instances[0].State.Name' --output text 2>/dev/null
}

agent_log() { tail -n "${2:-15}" "$SIM_DIR/agents/$1.log" 2>/dev/null | tr '\n' '|'; }

# The agent id of a logical id, once registered.
agent_of() { sql "SELECT id FROM agents WHERE client_id='$CLIENT_ID' AND logical_agent_id='$1'"; }
role_of() { sql "SELECT role FROM instances WHERE id='$1'"; }
eip_owner() { ec2 describe-addresses --allocation-ids "$1" --query 'Addresses[0].InstanceId' --output text; }
