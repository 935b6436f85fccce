# test_agent_e2e.sh - the real spot-agent, started by the simulator for an instance launched
# through its EC2 API with the AWS CLI: it registers with the server, its instance heartbeats,
# its prices arrive (spot_price_snapshots), and a termination notice triggered through the
# simulator's control API reaches the server (spot_interruption_events) within a few polls.
# The test runs its own spot-sim with SPOT_SIM_AGENT_CMD pointing at the built spot-agent, so it
# does not depend on the stack's default agent command.
. "$(dirname "$0")/harness.sh"
it_env
BUILD=${SPOT_BUILD_DIR:?SPOT_BUILD_DIR is set by ctest}
[ -x "$BUILD/spot-agent" ] || fail "no $BUILD/spot-agent"
[ -x "$BUILD/spot-sim" ] || fail "no $BUILD/spot-sim"
[ -x /usr/bin/aws ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends awscli >/dev/null || fail "cannot install awscli"; }

# A private simulator, on a free loopback port; stopped by its pid at exit.
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
SPOT_SIM_SEED=$(( (RANDOM << 15 | RANDOM) + 2 ))
CONF
# (A seed of its own: other simulators against the same stack draw seed 1's instance ids, which
# the server already knows under another agent.)
# A clean environment: the agents inherit it, and their user data must be what configures them.
env -i PATH="$PATH" HOME="${HOME:-/root}" "$BUILD/spot-sim" --config "$SIM_DIR/sim.env" >"$SIM_DIR/sim.log" 2>&1 &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; rm -rf "$IT_TMP"' EXIT
EC2_URL=http://127.0.0.1:$port/ CTL=http://127.0.0.1:$port/_sim/
ctl() { curl -sf --max-time 10 "$@"; }
poll 20 ctl "${CTL}clock" -o /dev/null || fail "spot-sim did not start: $(tail -5 "$SIM_DIR/sim.log")"
ctl -X POST "${CTL}clock" -d '{"scale":20}' >/dev/null || fail "clock scale"

# A client, and an instance whose user data is the agent's config.
new_client
logical=$(rand_name e2e)
cat > "$IT_TMP/ud" <<UD
SPOT_URL=$SPOT_URL
SPOT_CLIENT_TOKEN=$CLIENT_TOKEN
SPOT_CA_FILE=$SPOT_CA_FILE
SPOT_LOGICAL_ID=$logical
SPOT_HEARTBEAT_SECONDS=3
SPOT_PRICING_SECONDS=5
SPOT_COMMAND_POLL_SECONDS=5
UD
export AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 \
  AWS_PAGER= AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
id=$(/usr/bin/aws --endpoint-url "$EC2_URL" ec2 run-instances --image-id ami-0a1b2c3d4e5f60001 --instance-type t3.medium \
  --count 1 --instance-market-options MarketType=spot --iam-instance-profile Name=e2e-role \
  --user-data "file://$IT_TMP/ud" --query 'Instances[0].InstanceId' --output text) || fail "run-instances"
note "instance $id, logical id $logical"
LOG=$SIM_DIR/agents/$id.log
agent_fail() { fail "$1; agent log: $(tail -n 15 "$LOG" 2>/dev/null | tr '\n' '|')"; }

# 1. Registered, and its instance heartbeats.
registered() { [ "$(sql "SELECT COUNT(*) FROM agents WHERE client_id='$CLIENT_ID' AND logical_agent_id='$logical'")" = 1 ]; }
poll 90 registered || agent_fail "the agent never registered"
agent=$(sql "SELECT id FROM agents WHERE client_id='$CLIENT_ID' AND logical_agent_id='$logical'")
beats() { [ -n "$(sql "SELECT last_heartbeat_at FROM instances WHERE id='$id' AND agent_id='$agent' AND last_heartbeat_at IS NOT NULL")" ]; }
poll 60 beats || agent_fail "no heartbeat from $id"
[ "$(sql "SELECT role FROM instances WHERE id='$id'")" = primary ] || agent_fail "instance is not the primary"

# 2. Prices from the simulator's market arrive from this instance.
priced() { [ "$(sql "SELECT COUNT(*) FROM spot_price_snapshots WHERE agent_id='$agent' AND instance_id='$id'")" -gt 0 ]; }
poll 90 priced || agent_fail "no spot_price_snapshots from $id"
sql "SELECT COUNT(DISTINCT pool_id) FROM spot_price_snapshots WHERE instance_id='$id'" | grep -qv '^0$' || agent_fail "no pools"
grep -q 'agent_register: agent' "$LOG" || agent_fail "no registration line in the agent's log"
grep -q 'creds_ensure: instance profile credentials' "$LOG" || agent_fail "the agent did not use the instance profile"

# 3. A termination notice (120 s lead, 6 s at scale 20) reaches the server within a few polls.
ctl -X POST "${CTL}instances/$id/interrupt" -d '{"action":"terminate","lead_seconds":120}' >/dev/null || fail "interrupt"
noticed() { [ "$(sql "SELECT COUNT(*) FROM spot_interruption_events WHERE instance_id='$id' AND signal_type='termination-notice' AND notice_action='terminate'")" = 1 ]; }
poll 30 noticed || agent_fail "no termination-notice row for $id"
[ "$(sql "SELECT notice_status FROM agents WHERE id='$agent'")" = termination ] || agent_fail "agent notice_status not termination"
grep -q 'termination notice reported' "$LOG" || agent_fail "no log line for the reported notice"

# 4. The simulator terminates the instance and kills the agent; nothing else is left running.
ctl -X POST "${CTL}clock" -d '{"scale":1}' >/dev/null || true
it_ok
