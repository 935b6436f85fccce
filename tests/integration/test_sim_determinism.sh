# test_sim_determinism.sh - a seeded scenario replays identically: two fresh spot-sims with the same
# seed, settings and scripted calls give the same ids, synthetic prices and interruptions (random by
# the pools' rates and on a schedule, each a rebalance recommendation, then a notice, then the stop or
# termination; times relative to the launch or the start). On-demand instances are never interrupted.
# The sims are this test's own (agent command "none"), not the stack's.
. "$(dirname "$0")/harness.sh"
it_env
[ -x /usr/bin/aws ] || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends awscli >/dev/null || fail "cannot install awscli"; }
SIM_BIN=$(readlink "/proc/$(cat "$IT_DIR/run/sim.pid")/exe" 2>/dev/null || true)
[ -x "$SIM_BIN" ] || SIM_BIN=$PWD/spot-sim
[ -x "$SIM_BIN" ] || fail "no spot-sim binary"
export AWS_ACCESS_KEY_ID=AKIADETERMINISM00001 AWS_SECRET_ACCESS_KEY=determinism-secret-0000000000000000000000
export AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 AWS_PAGER= AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
SIM_PID=""
stop_sim() { [ -z "$SIM_PID" ] || { kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null || true; SIM_PID=""; }; }
trap 'stop_sim; rm -rf "$IT_TMP"' EXIT
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run_once N: the scenario against a fresh sim; writes $IT_TMP/N.{events,instances,prices}.
run_once() {
  local n=$1 port url ctl started vt
  port=$(free_port)
  url=http://127.0.0.1:$port/ ctl=http://127.0.0.1:$port/_sim/
  SPOT_SIM_LISTEN=127.0.0.1:$port SPOT_SIM_SEED=4242 SPOT_SIM_SCALE=1 SPOT_SIM_AGENT_CMD=none \
    SPOT_SIM_AGENT_DIR=$IT_TMP/agents-$n SPOT_SIM_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID \
    SPOT_SIM_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY SPOT_SIM_TYPES=m5.large,c5.large \
    SPOT_SIM_BOOT_DELAY=20 SPOT_SIM_NOTICE_LEAD=120 SPOT_SIM_REBALANCE_LEAD=60 SPOT_SIM_TERMINATE_DELAY=10 \
    SPOT_SIM_INTERRUPTION_FACTOR=4000 SPOT_SIM_INTERRUPTIONS=1800:us-east-1b:c5.large:all \
    "$SIM_BIN" > "$IT_TMP/sim-$n.log" 2>&1 &
  SIM_PID=$!
  poll 20 curl -sf --max-time 2 "${ctl}clock" -o /dev/null || fail "run $n: spot-sim did not start"
  # Nearly stop the clock while the calls are made, so they land at (nearly) the same simulated time.
  curl -sf -X POST "${ctl}clock" -d '{"scale":0.001}' >/dev/null || fail "scale"
  started=$(curl -sf "${ctl}clock" | jq -r .started)
  local EC2=(/usr/bin/aws --endpoint-url "$url" ec2)
  "${EC2[@]}" run-instances --image-id ami-0a1b2c3d4e5f60001 --instance-type m5.large --count 3 \
    --placement AvailabilityZone=us-east-1a --instance-market-options MarketType=spot --output json > "$IT_TMP/$n.run1" || fail "run-instances 1"
  "${EC2[@]}" run-instances --image-id ami-0a1b2c3d4e5f60001 --instance-type c5.large --count 3 \
    --placement AvailabilityZone=us-east-1b \
    --instance-market-options 'MarketType=spot,SpotOptions={SpotInstanceType=persistent,InstanceInterruptionBehavior=stop}' \
    --output json > "$IT_TMP/$n.run2" || fail "run-instances 2"
  "${EC2[@]}" run-instances --image-id ami-0a1b2c3d4e5f60001 --instance-type m5.large --count 1 \
    --placement AvailabilityZone=us-east-1a --output json > "$IT_TMP/$n.run3" || fail "run-instances 3"
  # Synthetic history (no trace for these types): every row up to the start, without its timestamp.
  "${EC2[@]}" describe-spot-price-history --instance-types m5.large c5.large --end-time "$started" \
    --query 'SpotPriceHistory[].[AvailabilityZone,InstanceType,ProductDescription,SpotPrice]' --output text > "$IT_TMP/$n.prices" \
    || fail "describe-spot-price-history"
  # Four simulated hours at 20 simulated minutes a second.
  curl -sf -X POST "${ctl}clock" -d '{"scale":1200}' >/dev/null || fail "scale"
  past() { vt=$(curl -sf "${ctl}clock" | jq -r .vt_ms); [ "$vt" -ge 14400000 ]; }
  poll 60 past || fail "run $n: the clock did not reach 4 h"
  curl -sf -X POST "${ctl}clock" -d '{"scale":0.001}' >/dev/null
  # Sorted: two instances' deadlines may fall on the same tick in either order.
  curl -sf "${ctl}events" | jq -r '.[].text' | grep -v '^clock scale' | sort > "$IT_TMP/$n.events"
  "${EC2[@]}" describe-instances --query 'Reservations[].Instances[].[InstanceId,InstanceLifecycle,State.Name,StateReason.Code]' \
    --output text | sort > "$IT_TMP/$n.instances"
  stop_sim
}

run_once 1
run_once 2
for f in events instances prices; do
  diff -u "$IT_TMP/1.$f" "$IT_TMP/2.$f" > "$IT_TMP/diff.$f" || { cat "$IT_TMP/diff.$f" >&2; fail "the two seeded runs differ in $f"; }
done
note "$(wc -l < "$IT_TMP/1.events") events, $(wc -l < "$IT_TMP/1.prices") price rows identical in both runs"

# What the scenario must contain.
[ "$(wc -l < "$IT_TMP/1.prices")" -ge 40 ] || fail "too little synthetic history"
grep -q 'interruption (random' "$IT_TMP/1.events" || fail "no random interruption"
grep -q 'interruption (schedule 1)' "$IT_TMP/1.events" || fail "no scheduled interruption"
grep -q 'rebalance at .*notice at .*terminate at ' "$IT_TMP/1.events" || fail "no rebalance, notice, terminate sequence"
grep -q 'rebalance at .*notice at .*stop at ' "$IT_TMP/1.events" || fail "no stop by InstanceInterruptionBehavior"
# Each interruption: the notice SPOT_SIM_REBALANCE_LEAD (60 s) after the recommendation, the action 120 s after it.
grep 'interruption (' "$IT_TMP/1.events" | sed -E 's/.*rebalance at [a-z]+\+([0-9.]+)s, notice at \+([0-9.]+)s, [a-z]+ at \+([0-9.]+)s/\1 \2 \3/' \
  | awk '{ if (($2 - $1) < 59.99 || ($2 - $1) > 60.01 || ($3 - $2) < 119.99 || ($3 - $2) > 120.01) { print; bad = 1 } } END { exit bad }' \
  || fail "leads are not 60 s and 120 s"
od=$(jq -r '.Instances[0].InstanceId' "$IT_TMP/1.run3")
grep -q "^$od: interruption" "$IT_TMP/1.events" && fail "the on-demand instance $od was interrupted"
grep -q "^$od[[:space:]]None[[:space:]]running" "$IT_TMP/1.instances" || fail "the on-demand instance is not running: $(cat "$IT_TMP/1.instances")"
[ "$(grep -c '[[:space:]]spot[[:space:]]running' "$IT_TMP/1.instances" || true)" = 0 ] || fail "a spot instance outlived 4 h at this rate"
grep -q '[[:space:]]spot[[:space:]]stopped[[:space:]]Server.SpotInstanceTermination' "$IT_TMP/1.instances" || fail "no stopped spot instance"
grep -q '[[:space:]]spot[[:space:]]terminated[[:space:]]Server.SpotInstanceTermination' "$IT_TMP/1.instances" || fail "no terminated spot instance"
it_ok
