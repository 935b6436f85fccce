#!/usr/bin/env bash
# agent.sh - spot-agent's benchmarks (issue 5), against a private stack and spot-sim:
#
# 1. Steady state: one real spot-agent with the production intervals (heartbeat and pricing
#    60 s, commands 30 s, interruption watch 2 s) on an instance of a spot-sim at real time
#    (SPOT_SIM_AGENT_CMD=none: the bench starts the agent itself, with SPOT_IMDS_URL on the
#    simulator). After a 60 s warm-up, /proc/PID/status (VmRSS, RssAnon, RssFile) and
#    /proc/PID/stat (utime + stime) are sampled every 10 s for --minutes (default 10).
#    Targets: RssAnon < 4 MB, VmRSS < 16 MB, CPU < 0.1% of one core.
# 2. Failover, --runs times each (default 20), in a spot-sim whose instances run the real agent
#    (clock scale 20, no random interruptions, no rebalance step):
#    a. a primary with an Elastic IP and a ready manual replica gets a termination notice:
#       time from the notice being visible in IMDS (the simulator's notice_shown_time) to the
#       replica promoted (replica_instances.promoted_at) and the Elastic IP associated with it
#       (the simulator's addresses, polled every 50 ms); target < 5 s;
#    b. the same without a replica: time to the new primary (the emergency switch reported, the
#       Elastic IP on the new instance, its agent heartbeating as primary); target < 60 s plus
#       the simulated image and boot times (SPOT_SIM_IMAGE_DELAY + SPOT_SIM_BOOT_DELAY, divided
#       by the clock scale).
#    Each notice is raised after a random 0-2 s pause, at any phase of the agent's 2 s poll.
#
#   bash bench/agent.sh [--minutes N] [--runs N] [--no-steady] [--no-failover] [--dir DIR]
#                       [--out FILE] [--no-results] [--keep]
# The build is $SPOT_BUILD_DIR (else one of its own, made by scripts/build.sh). The section
# between the "spot-agent benchmark" markers of --out (bench/RESULTS.md) is replaced, with the
# raw samples and per-run times; the rest of the file is kept. Everything started is stopped
# by pid (the stack by ./spot down), also on failure.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/scripts/lib.sh"
. "$SRC/scripts/build.sh"

MINUTES=10 RUNS=20 STEADY=1 FAILOVER=1 WARMUP=60 SAMPLE=10 SCALE=20
BDIR=${TMPDIR:-/tmp}/spot-bench-agent OUT=$SRC/bench/RESULTS.md WRITE=1 KEEP=0
export SPOT_BUILD_DIR=${SPOT_BUILD_DIR:-${TMPDIR:-/tmp}/spot-bench-agent-build}
ARGS="$*"
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) MINUTES=${2:?--minutes needs a number}; shift 2 ;;
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    --no-steady) STEADY=0; shift ;;
    --no-failover) FAILOVER=0; shift ;;
    --dir) BDIR=${2:?--dir needs a directory}; shift 2 ;;
    --out) OUT=${2:?--out needs a file}; shift 2 ;;
    --no-results) WRITE=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1 (try --help)" ;;
  esac
done
[[ $MINUTES =~ ^[0-9]+$ && $MINUTES -ge 1 && $MINUTES -le 120 ]] || die "--minutes: 1..120"
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 && $RUNS -le 100 ]] || die "--runs: 1..100"
command -v jq >/dev/null || die "jq is needed"
[ -x /usr/bin/aws ] || die "the AWS CLI (/usr/bin/aws) is needed: scripts/deps.sh installs awscli"
BUILD=$SPOT_BUILD_DIR
[ -x "$BUILD/spot-agent" ] && [ -x "$BUILD/spot-sim" ] && [ -x "$BUILD/spot-fcgi" ] || spot_build "$BUILD" >/dev/null
FAILOVER_NOTE=""
if [ "$FAILOVER" = 1 ] && ! grep -q 'emergency_launch' "$SRC"/agent/exec*.c 2>/dev/null; then
  FAILOVER=0 FAILOVER_NOTE="the agent has no command executors yet (agent/exec*.c): failover not measured"
fi

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  "$SRC/spot" down --dir "$BDIR" >/dev/null 2>&1 || true
  [ "$KEEP" = 1 ] || rm -rf "$BDIR"
}
trap cleanup EXIT
rm -rf "$BDIR"
mkdir -p "$BDIR/log"
PORT=$(free_port)
say "bench: stack in $BDIR on port $PORT"
"$SRC/spot" up --dir "$BDIR" --port "$PORT" --no-demo >>"$BDIR/log/bench.log" 2>&1 \
  || { tail -n 20 "$BDIR/log/bench.log" >&2; die "./spot up failed"; }
set -a
. "$BDIR/spot.env"
set +a
dbq() { mariadb --socket="$SPOT_DB_SOCKET" -u "$(id -un)" -N -B spot -e "$1"; }
CURL=(curl -s --max-time 30 --cacert "$SPOT_CA_FILE")
# wait_for SECONDS CMD...: every 0.1 s until CMD succeeds.
wait_for() {
  local i n=$(($1 * 10))
  shift
  for ((i = 0; i < n; i++)); do "$@" && return 0; sleep 0.1; done
  return 1
}
now_ms() { date +%s%3N; }
iso_ms() { date -d "$1" +%s%3N; }

# A client for the bench's agents.
name=bench-agent-$(openssl rand -hex 3)
CLIENT=$("${CURL[@]}" -X POST "$SPOT_URL/api/admin/clients" -H "Authorization: Bearer $SPOT_ADMIN_TOKEN" \
  -H 'Content-Type: application/json' -d "{\"name\":\"$name\",\"email\":\"$name@example.test\",\"max_agents\":500}")
CLIENT_ID=$(jq -r .id <<<"$CLIENT") CLIENT_TOKEN=$(jq -r .client_token <<<"$CLIENT")
[[ $CLIENT_ID =~ ^[0-9a-f-]{36}$ ]] || die "creating a client: $CLIENT"

# sim_up NAME AGENT_CMD SCALE: a spot-sim in BDIR/NAME; sets SIM_URL, SIM_KEY, SIM_SECRET.
sim_up() {
  local d=$BDIR/$1 port
  port=$(free_port)
  mkdir -p "$d/agents"
  SIM_KEY=AKIA$(openssl rand -hex 8 | tr 'a-f' 'A-F') SIM_SECRET=$(openssl rand -hex 20)
  cat > "$d/sim.env" <<CONF
SPOT_SIM_LISTEN=127.0.0.1:$port
SPOT_SIM_REGION=us-east-1
SPOT_SIM_ACCESS_KEY_ID=$SIM_KEY
SPOT_SIM_SECRET_ACCESS_KEY=$SIM_SECRET
SPOT_SIM_AGENT_DIR=$d/agents
SPOT_SIM_AGENT_CMD=$2
SPOT_SIM_SCALE=$3
SPOT_SIM_INTERRUPTION_FACTOR=0
SPOT_SIM_REBALANCE=0
SPOT_SIM_CAPACITY=500
# Instance ids differ between the bench's simulators (one stack database for both).
SPOT_SIM_SEED=$(( (RANDOM << 15 | RANDOM) + 1 ))
CONF
  env -i PATH="$PATH" HOME="${HOME:-/root}" "$BUILD/spot-sim" --config "$d/sim.env" >"$d/sim.log" 2>&1 &
  PIDS+=($!)
  SIM_URL=http://127.0.0.1:$port
  wait_for 20 curl -sf --max-time 5 "$SIM_URL/_sim/clock" -o /dev/null || die "spot-sim $1 did not start: $(tail -3 "$d/sim.log")"
}
# ec2 ARGS...: the AWS CLI against the current simulator.
ec2() {
  AWS_ACCESS_KEY_ID=$SIM_KEY AWS_SECRET_ACCESS_KEY=$SIM_SECRET AWS_DEFAULT_REGION=us-east-1 AWS_MAX_ATTEMPTS=1 \
    AWS_PAGER= AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    /usr/bin/aws --endpoint-url "$SIM_URL/" ec2 "$@"
}
# launch UD_FILE [args]: a spot t3.medium with an instance profile; prints its id.
launch() {
  local ud=$1
  shift
  ec2 run-instances --image-id ami-0a1b2c3d4e5f60001 --instance-type t3.medium --count 1 \
    --placement AvailabilityZone=us-east-1a --instance-market-options MarketType=spot \
    --iam-instance-profile Name=bench-role --user-data "file://$ud" "$@" \
    --query 'Instances[0].InstanceId' --output text
}
agent_of() { dbq "SELECT id FROM agents WHERE client_id='$CLIENT_ID' AND logical_agent_id='$1'"; }

# ---------------- 1. steady state ----------------
STEADY_ROWS="" STEADY_SUMMARY=""
if [ "$STEADY" = 1 ]; then
  sim_up steady none 1
  ud=$BDIR/steady/agent.conf
  steady_id=$(launch /dev/null) || die "run-instances (steady)"
  logical=bench-steady-$(openssl rand -hex 3)
  cat > "$ud" <<UD
SPOT_URL=$SPOT_URL
SPOT_CLIENT_TOKEN=$CLIENT_TOKEN
SPOT_CA_FILE=$SPOT_CA_FILE
SPOT_LOGICAL_ID=$logical
SPOT_SPOOL_DIR=$BDIR/steady/spool
UD
  env -i PATH="$PATH" SPOT_IMDS_URL="$SIM_URL/imds/$steady_id" SPOT_EC2_URL="$SIM_URL/" AWS_REGION=us-east-1 \
    "$BUILD/spot-agent" --config "$ud" >"$BDIR/log/agent-steady.log" 2>&1 &
  APID=$!
  PIDS+=("$APID")
  wait_for 60 eval '[ -n "$(agent_of "$logical")" ]' \
    || die "the steady-state agent never registered: $(tail -5 "$BDIR/log/agent-steady.log")"
  steady_agent=$(agent_of "$logical")
  say "bench: steady state: agent pid $APID on $steady_id; ${WARMUP} s warm-up, then ${MINUTES} min"
  sleep "$WARMUP"
  HZ=$(getconf CLK_TCK)
  status() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$APID/status"; }
  ticks() { awk '{print $14 + $15}' "/proc/$APID/stat"; }
  samples=$BDIR/steady/samples.tsv
  printf 't_s\tVmRSS_kB\tRssAnon_kB\tRssFile_kB\tcpu_ticks\n' > "$samples"
  t0=$(now_ms) c0=$(ticks) p0=$(dbq "SELECT COUNT(*) FROM pricing_reports WHERE agent_id='$steady_agent'")
  end=$((t0 + MINUTES * 60000))
  while :; do
    [ -r "/proc/$APID/status" ] || die "the agent exited during the run: $(tail -5 "$BDIR/log/agent-steady.log")"
    t=$(now_ms)
    printf '%d\t%s\t%s\t%s\t%s\n' $(((t - t0) / 1000)) "$(status VmRSS)" "$(status RssAnon)" "$(status RssFile)" "$(ticks)" >> "$samples"
    [ "$t" -lt "$end" ] || break
    left=$(((end - t) / 1000))
    sleep $((left < SAMPLE ? (left > 0 ? left : 1) : SAMPLE))
  done
  t1=$(now_ms) c1=$(ticks) p1=$(dbq "SELECT COUNT(*) FROM pricing_reports WHERE agent_id='$steady_agent'")
  hwm=$(status VmHWM)
  # SIGTERM: the agent's exit time, for the record.
  ts=$(now_ms)
  kill -TERM "$APID"
  wait "$APID" 2>/dev/null || true
  term_ms=$(($(now_ms) - ts))
  cpu_pct=$(awk -v c="$((c1 - c0))" -v hz="$HZ" -v ms="$((t1 - t0))" 'BEGIN { printf "%.4f", c / hz / (ms / 1000) * 100 }')
  anon_max=$(awk -F'\t' 'NR > 1 && $3 > m {m = $3} END {print m + 0}' "$samples")
  anon_med=$(awk -F'\t' 'NR > 1 {print $3}' "$samples" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
  rss_max=$(awk -F'\t' 'NR > 1 && $2 > m {m = $2} END {print m + 0}' "$samples")
  rss_med=$(awk -F'\t' 'NR > 1 {print $2}' "$samples" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
  verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v < t) ? "met" : "not met" }'; }
  STEADY_SUMMARY=$(cat <<EOF
| Measure (over $MINUTES min after a ${WARMUP} s warm-up) | Value | Target | |
|---|---|---|---|
| Private memory (RssAnon), max / median | $(awk -v k="$anon_max" 'BEGIN {printf "%.2f", k / 1024}') MB / $(awk -v k="$anon_med" 'BEGIN {printf "%.2f", k / 1024}') MB | < 4 MB | $(verdict "$anon_max" 4096) |
| Total RSS (VmRSS), max / median (peak VmHWM $(awk -v k="$hwm" 'BEGIN {printf "%.2f", k / 1024}') MB) | $(awk -v k="$rss_max" 'BEGIN {printf "%.2f", k / 1024}') MB / $(awk -v k="$rss_med" 'BEGIN {printf "%.2f", k / 1024}') MB | < 16 MB | $(verdict "$rss_max" 16384) |
| CPU (utime + stime over wall time) | ${cpu_pct}% of one core ($((c1 - c0)) ticks at $HZ Hz in $(((t1 - t0) / 1000)) s) | < 0.1% | $(verdict "$cpu_pct" 0.1) |
EOF
)
  STEADY_ROWS="pricing reports in the window: $((p1 - p0)); SIGTERM to exit: ${term_ms} ms"
  say "bench: steady state: RssAnon max ${anon_max} kB, VmRSS max ${rss_max} kB, CPU ${cpu_pct}%"
fi

# ---------------- 2. failover ----------------
REP_MS=() EMG_SWITCH_MS=() EMG_EIP_MS=() EMG_HB_MS=() FAIL_LINES=() RUN_LINES=()
if [ "$FAILOVER" = 1 ]; then
  sim_up failover "$BUILD/spot-agent" "$SCALE"
  FO_DIR=$BDIR/failover
  image_delay=60 boot_delay=20   # spot-sim's defaults (simulated seconds)
  sim_allowance_ms=$(((image_delay + boot_delay) * 1000 / SCALE))
  user_data() {
    cat > "$1" <<UD
SPOT_URL=$SPOT_URL
SPOT_CLIENT_TOKEN=$CLIENT_TOKEN
SPOT_CA_FILE=$SPOT_CA_FILE
SPOT_LOGICAL_ID=$2
SPOT_HEARTBEAT_SECONDS=2
SPOT_PRICING_SECONDS=60
SPOT_COMMAND_POLL_SECONDS=2
SPOT_TERMINATION_SECONDS=60
UD
  }
  eip_owner() { curl -sf --max-time 5 "$SIM_URL/_sim/addresses" | jq -r --arg a "$1" '.[] | select(.allocation_id == $a) | .instance_id // ""'; }
  notice_ms() { iso_ms "$(curl -sf --max-time 5 "$SIM_URL/_sim/instances" | jq -r --arg i "$1" '.[] | select(.id == $i) | .notice_shown_time')"; }
  # eip_moved ALLOC FROM SECONDS: polls the simulator's addresses every 50 ms until ALLOC is on
  # another instance than FROM; sets EIP_TO and EIP_MS (when it was first seen there).
  eip_moved() {
    local o end=$(($(now_ms) + $3 * 1000))
    while [ "$(now_ms)" -lt "$end" ]; do
      o=$(eip_owner "$1")
      if [ -n "$o" ] && [ "$o" != "$2" ]; then EIP_TO=$o EIP_MS=$(now_ms); return 0; fi
      sleep 0.05
    done
    return 1
  }
  # A random 0-2 s pause, so the notice lands at any phase of the agent's 2 s interruption poll.
  jitter() { sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.3f", (r % 2000) / 1000 }')"; }
  # When the dying agent saw the notice (its log line's time), in ms; 0 when not found.
  detected_ms() {
    local t
    t=$(grep -m 1 'agent_tick_interruption: spot interruption notice' "$FO_DIR/agents/$1.log" 2>/dev/null | cut -d' ' -f1)
    [ -n "$t" ] && iso_ms "$t" || echo 0
  }
  running() { [ "$(ec2 describe-instances --instance-ids "$1" --query 'Reservations[0].Instances[0].State.Name' --output text 2>/dev/null)" = running ]; }
  # primary LOGICAL: a registered primary with an Elastic IP; sets PRIMARY, ALLOC, AGENT.
  # primary LOGICAL: sets PRIMARY_ERR when it fails.
  primary() {
    local lg=$1
    PRIMARY_ERR=""
    user_data "$FO_DIR/ud-$lg" "$lg"
    PRIMARY=$(launch "$FO_DIR/ud-$lg" --key-name bench-key) || { PRIMARY_ERR="run-instances failed"; return 1; }
    ALLOC=$(ec2 allocate-address --domain vpc --query AllocationId --output text) || { PRIMARY_ERR="allocate-address failed"; return 1; }
    wait_for 30 running "$PRIMARY" || { PRIMARY_ERR="$PRIMARY not running in 30 s"; return 1; }
    ec2 associate-address --allocation-id "$ALLOC" --instance-id "$PRIMARY" >/dev/null || { PRIMARY_ERR="associate-address failed"; return 1; }
    wait_for 60 eval '[ -n "$(agent_of "$lg")" ]' \
      || { PRIMARY_ERR="$PRIMARY's agent did not register: $(tail -n 3 "$FO_DIR/agents/$PRIMARY.log" 2>/dev/null | tr '\n' '|')"; return 1; }
    AGENT=$(agent_of "$lg")
    wait_for 30 eval '[ "$(dbq "SELECT role FROM instances WHERE id='"'$PRIMARY'"'")" = primary ]' \
      || { PRIMARY_ERR="$PRIMARY is $(dbq "SELECT role FROM instances WHERE id='$PRIMARY'"), not primary"; return 1; }
    dbq "UPDATE agents SET auto_terminate_enabled=FALSE WHERE id='$AGENT'"
  }
  # a. with a ready replica
  for i in $(seq 1 "$RUNS"); do
    logical=bench-fo-$i-$(openssl rand -hex 2)
    primary "$logical" || { FAIL_LINES+=("replica run $i: $PRIMARY_ERR"); continue; }
    body=$("${CURL[@]}" -X POST "$SPOT_URL/api/client/agents/$AGENT/replicas" -H "Authorization: Bearer $CLIENT_TOKEN" \
      -H 'Content-Type: application/json' -d '{}')
    rid=$(jq -r '.replica_id // empty' <<<"$body")
    [ -n "$rid" ] || { FAIL_LINES+=("replica run $i: manual replica refused: $body"); continue; }
    wait_for 90 eval '[ "$(dbq "SELECT status FROM replica_instances WHERE id='"'$rid'"'")" = ready ]' \
      || { FAIL_LINES+=("replica run $i: replica $rid never ready ($(dbq "SELECT status FROM replica_instances WHERE id='$rid'"))"); continue; }
    replica=$(dbq "SELECT instance_id FROM replica_instances WHERE id='$rid'")
    jitter
    curl -sf --max-time 10 -X POST "$SIM_URL/_sim/instances/$PRIMARY/interrupt" -d '{"action":"terminate","lead_seconds":120}' >/dev/null
    if ! eip_moved "$ALLOC" "$PRIMARY" 30 || [ "$EIP_TO" != "$replica" ] \
      || ! wait_for 10 eval '[ "$(dbq "SELECT status FROM replica_instances WHERE id='"'$rid'"'")" = promoted ]'; then
      FAIL_LINES+=("replica run $i: no failover to $replica in 30 s (address on $(eip_owner "$ALLOC"), replica $(dbq "SELECT status FROM replica_instances WHERE id='$rid'"))")
      continue
    fi
    te=$EIP_MS
    tn=$(notice_ms "$PRIMARY")
    tp=$(dbq "SELECT ROUND(UNIX_TIMESTAMP(promoted_at) * 1000) FROM replica_instances WHERE id='$rid'")
    done_ms=$((te > tp ? te : tp))
    REP_MS+=($((done_ms - tn)))
    td=$(detected_ms "$PRIMARY")
    RUN_LINES+=("replica $i: notice $PRIMARY -> seen by its agent +$((td - tn)) ms, promoted +$((tp - tn)) ms, Elastic IP on $replica +$((te - tn)) ms")
    say "bench: failover with a replica, run $i: $((done_ms - tn)) ms"
    ec2 terminate-instances --instance-ids "$replica" "$PRIMARY" >/dev/null 2>&1 || true
  done
  # b. without a replica
  for i in $(seq 1 "$RUNS"); do
    logical=bench-em-$i-$(openssl rand -hex 2)
    primary "$logical" || { FAIL_LINES+=("emergency run $i: $PRIMARY_ERR"); continue; }
    old=$PRIMARY
    jitter
    curl -sf --max-time 10 -X POST "$SIM_URL/_sim/instances/$old/interrupt" -d '{"action":"terminate","lead_seconds":1800}' >/dev/null
    eip_moved "$ALLOC" "$old" 180 || { FAIL_LINES+=("emergency run $i: the Elastic IP did not move in 180 s"); continue; }
    te=$EIP_MS
    sw() { [ -n "$(dbq "SELECT new_instance_id FROM switches WHERE agent_id='$AGENT' AND event_trigger='emergency'")" ]; }
    wait_for 180 sw || { FAIL_LINES+=("emergency run $i: no emergency switch in 180 s"); continue; }
    new=$(dbq "SELECT new_instance_id FROM switches WHERE agent_id='$AGENT' AND event_trigger='emergency'")
    hb() { [ "$(dbq "SELECT COUNT(*) FROM instances WHERE id='$new' AND role='primary' AND last_heartbeat_at IS NOT NULL")" = 1 ]; }
    wait_for 60 hb || { FAIL_LINES+=("emergency run $i: $new never heartbeat as primary"); continue; }
    thb=$(now_ms)
    tn=$(notice_ms "$old")
    ts=$(dbq "SELECT ROUND(UNIX_TIMESTAMP(created_at) * 1000) FROM switches WHERE agent_id='$AGENT' AND event_trigger='emergency'")
    [ "$EIP_TO" = "$new" ] || FAIL_LINES+=("emergency run $i: the Elastic IP went to $EIP_TO, the switch names $new")
    EMG_SWITCH_MS+=($((ts - tn)))
    EMG_EIP_MS+=($((te - tn)))
    EMG_HB_MS+=($((thb - tn)))
    td=$(detected_ms "$old")
    RUN_LINES+=("emergency $i: notice $old -> seen by its agent +$((td - tn)) ms, Elastic IP on $new +$((te - tn)) ms, switch reported +$((ts - tn)) ms, new primary heartbeating (seen) +$((thb - tn)) ms")
    say "bench: failover without a replica, run $i: switch +$((ts - tn)) ms"
    ec2 terminate-instances --instance-ids "$new" "$old" >/dev/null 2>&1 || true
  done
fi

# median / worst of the arguments, in seconds with 2 decimals ("-" when none)
stats() {
  [ $# -gt 0 ] || { echo "- | -"; return; }
  printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.2f s | %.2f s", m / 1000, v[NR] / 1000 }'
}
worst() { printf '%s\n' "$@" | sort -n | tail -1; }

section=$BDIR/section.md
{
  echo "<!-- spot-agent benchmark (bench/agent.sh; replaced by each run) -->"
  echo "## spot-agent: memory, CPU and failover times (issue 5)"
  echo
  echo "\`bash bench/agent.sh${ARGS:+ $ARGS}\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores shared with the other work on this machine; build $(basename "$BUILD") (agent $(sed -n 's/^#define AGENT_VERSION "\(.*\)"/\1/p' "$SRC/agent/agent_config.h"), commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo -)); a private stack (\`./spot up --dir DIR --no-demo\`)."
  echo
  if [ "$STEADY" = 1 ]; then
    echo "### Steady state: one agent at the production intervals against spot-sim at real time"
    echo
    echo "$STEADY_SUMMARY"
    echo
    echo "Also: $STEADY_ROWS. Samples every ${SAMPLE} s from /proc/PID/status and /proc/PID/stat:"
    echo
    echo '```'
    column -t -s $'\t' "$samples" 2>/dev/null || cat "$samples"
    echo '```'
    echo
  fi
  if [ "$FAILOVER" = 1 ]; then
    echo "### Failover in spot-sim (clock scale $SCALE, real agents as the instances' programs), $RUNS runs each"
    echo
    echo "| From the termination notice (IMDS) to | Runs | Median | Worst | Target | |"
    echo "|---|---|---|---|---|---|"
    echo "| replica promoted and Elastic IP moved to it (50 ms poll) | ${#REP_MS[@]} | $(stats "${REP_MS[@]}") | < 5 s | $( [ ${#REP_MS[@]} -eq "$RUNS" ] && [ "$(worst "${REP_MS[@]}")" -lt 5000 ] && echo met || echo "not met") |"
    echo "| no replica: emergency switch reported (new primary) | ${#EMG_SWITCH_MS[@]} | $(stats "${EMG_SWITCH_MS[@]}") | < 60 s + $(awk -v m="$sim_allowance_ms" 'BEGIN {printf "%.1f", m / 1000}') s simulated image and boot | $( [ ${#EMG_SWITCH_MS[@]} -eq "$RUNS" ] && [ "$(worst "${EMG_SWITCH_MS[@]}")" -lt $((60000 + sim_allowance_ms)) ] && echo met || echo "not met") |"
    echo "| no replica: Elastic IP on the new instance (50 ms poll) | ${#EMG_EIP_MS[@]} | $(stats "${EMG_EIP_MS[@]}") | | |"
    echo "| no replica: new primary's agent heartbeating (seen by a 0.1 s poll) | ${#EMG_HB_MS[@]} | $(stats "${EMG_HB_MS[@]}") | | |"
    echo
    echo "The notice time is the simulator's notice_shown_time (when IMDS starts showing spot/instance-action); each notice is raised after a random 0-2 s pause, so it lands at any phase of the agents' 2 s interruption poll (the default; the detection delay is in the per-run lines). Heartbeat and command poll every 2 s (user data). Simulated delays: image ${image_delay} s and boot ${boot_delay} s, i.e. $(awk -v m="$sim_allowance_ms" 'BEGIN {printf "%.1f", m / 1000}') s at scale $SCALE."
    if [ ${#FAIL_LINES[@]} -gt 0 ]; then
      echo
      echo "Runs that failed:"
      printf -- '- %s\n' "${FAIL_LINES[@]}"
    fi
    echo
    echo '```'
    printf '%s\n' "${RUN_LINES[@]}"
    echo '```'
  elif [ -n "$FAILOVER_NOTE" ]; then
    echo "### Failover: not measured"
    echo
    echo "$FAILOVER_NOTE."
  fi
  echo "<!-- end spot-agent benchmark -->"
} > "$section"
cat "$section"
if [ "$WRITE" = 1 ]; then
  if grep -q '^<!-- spot-agent benchmark' "$OUT" 2>/dev/null; then
    awk -v f="$section" '/^<!-- spot-agent benchmark/ { while ((getline l < f) > 0) print l; skip = 1; next }
      /^<!-- end spot-agent benchmark -->/ { skip = 0; next } !skip' "$OUT" > "$BDIR/out.md"
    cat "$BDIR/out.md" > "$OUT"
  else
    { echo; cat "$section"; } >> "$OUT"
  fi
  say "bench: wrote $OUT"
fi
