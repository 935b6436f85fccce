#!/usr/bin/env bash
# run.sh - the issue-2 benchmark (run by `./spot bench`; never by the tests).
#
#   bash bench/run.sh [--dir DIR] [--port PORT] [--workers N] [--duration S] [--warmup S]
#                     [--rounds R] [--connections C] [--threads T] [--out FILE]
#   bash bench/run.sh heartbeat [options]   the issue-3 benchmark (bench/heartbeat.sh --help)
# (defaults: a private dir under /tmp, a free port, the stack's worker count,
# 10 s runs after 2 s warm-ups, 2 runs each of /bench/min and /health, 32 connections, 2 threads)
#
# Brings up a private stack with `./spot up` (rate limits raised), starts
# build/bench-min-responder under the same spawn-fcgi + multiwatch setup as the
# worker pool (same worker count, users, socket mode) on its own socket, adds
# two locations to that same nginx and reloads it by HUP:
#   /bench/fixed   nginx answers {"status":"ok"} itself     (the nginx ceiling)
#   /bench/min     the minimal libfcgi responder            (the FastCGI ceiling)
#   /health        the real spot-fcgi worker
# then runs wrk against each over TLS with keep-alive and writes req/s, p50,
# p99 and server CPU seconds per 10,000 requests (nginx master and workers, both
# pools' supervisors and workers, mariadbd; from /proc/PID/stat) to
# bench/RESULTS.md with the raw wrk output. Everything it started is stopped on
# exit, also on failure.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SRC
if [ "${1:-}" = heartbeat ]; then shift; exec bash "$SRC/bench/heartbeat.sh" "$@"; fi
# shellcheck source=../scripts/lib.sh
. "$SRC/scripts/lib.sh"
# shellcheck source=../scripts/build.sh
. "$SRC/scripts/build.sh"

BDIR=${SPOT_BENCH_DIR:-${TMPDIR:-/tmp}/spot-bench-$(id -u)}
PORT="" WORKERS="" DURATION=10 WARMUP=2 ROUNDS=2 CONNS=32 THREADS=2 OUT=$SRC/bench/RESULTS.md
ARGS=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --dir) BDIR=${2:?--dir needs a directory}; shift 2 ;;
    --port) PORT=${2:?--port needs a number}; shift 2 ;;
    --workers) WORKERS=${2:?--workers needs a number}; shift 2 ;;
    --duration) DURATION=${2:?--duration needs seconds}; shift 2 ;;
    --warmup) WARMUP=${2:?--warmup needs seconds}; shift 2 ;;
    --rounds) ROUNDS=${2:?--rounds needs a number}; shift 2 ;;
    --connections) CONNS=${2:?--connections needs a number}; shift 2 ;;
    --threads) THREADS=${2:?--threads needs a number}; shift 2 ;;
    --out) OUT=${2:?--out needs a file}; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1 (try --help)" ;;
  esac
done
for v in DURATION WARMUP ROUNDS CONNS THREADS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "${v,,}: expected a whole number, got '${!v}'"
done
[ "$ROUNDS" -ge 1 ] || die "rounds: expected at least 1"

# ---- what we started, stopped on any exit ----
STACK_UP=0
MIN_PIDFILE=$BDIR/run/bench-min.pid
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$MIN_PIDFILE" multiwatch 20 || true
  if [ $STACK_UP -eq 1 ]; then
    "$SRC/spot" down --dir "$BDIR" >>"$BDIR/log/bench.log" 2>&1 || say "warning: ./spot down --dir $BDIR failed"
    # Hundreds of MB per run; the raw wrk output is in the results.
    rm -f "$BDIR/log/nginx-access.log" "$BDIR/log/pool.log"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- tools and build ----
if ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk"
  DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null || die "could not install wrk"
fi
say "building"
spot_build build
[ -x "$SRC/build/bench-min-responder" ] || die "build/bench-min-responder is missing (CMakeLists.txt block)"
CLK_TCK=$(getconf CLK_TCK)

# ---- the stack ----
mkdir -p "$BDIR/log" "$BDIR/run"
BDIR=$(cd "$BDIR" && pwd)
MIN_PIDFILE=$BDIR/run/bench-min.pid
# Leftovers of an interrupted earlier bench in this private directory.
stop_pid "$MIN_PIDFILE" multiwatch 20
if [ -f "$BDIR/spot.env" ]; then "$SRC/spot" down --dir "$BDIR" >>"$BDIR/log/bench.log" 2>&1 || true; fi
# The logs of earlier benches here: ~160 bytes per request in pool.log alone.
rm -f "$BDIR"/log/*.log
rm -rf "$BDIR/log/bench-wrk"
[ -n "$PORT" ] || PORT=$(free_port)
say "starting a private stack in $BDIR on port $PORT (log: $BDIR/log/bench.log)"
STACK_UP=1
up_args=(--dir "$BDIR" --port "$PORT")
[ -z "$WORKERS" ] || up_args+=(--workers "$WORKERS")
SPOT_NGINX_AGENT_RATE=1000000 SPOT_NGINX_AGENT_BURST=100000 \
SPOT_NGINX_LOGIN_RATE=1000000 SPOT_NGINX_LOGIN_BURST=100000 \
  "$SRC/spot" up "${up_args[@]}" >>"$BDIR/log/bench.log" 2>&1 \
  || { tail -n 20 "$BDIR/log/bench.log" >&2; die "./spot up failed"; }

NGINX_PID=$(cat "$BDIR/run/nginx.master.pid")
POOL_PID=$(cat "$BDIR/run/pool.pid")
DB_PID=$(cat "$BDIR/run/mariadbd.pid")
WORKERS=$(env_get "$BDIR/spot.env" SPOT_WORKERS)
NGINX_WORKERS=${SPOT_NGINX_WORKERS:-2}
CACERT=$BDIR/tls/cert.pem
BASE=https://127.0.0.1:$PORT

# ---- the minimal responder, set up exactly as the pool is ----
POOL_SOCK=$BDIR/run/pool/fcgi.sock
MIN_DIR=$BDIR/run/bench
MIN_SOCK=$MIN_DIR/min.sock
pool_worker=$(children_of "$POOL_PID" | head -n 1)
[ -n "$pool_worker" ] || die "the worker pool has no workers"
read -r W_USER W_GROUP < <(ps -o user=,group= -p "$pool_worker")
read -r S_USER S_GROUP S_MODE < <(stat -c '%U %G %a' "$POOL_SOCK")
mkdir -p "$MIN_DIR"
chown "$W_USER:$W_GROUP" "$MIN_DIR" 2>/dev/null || true
chmod "$(stat -c %a "$BDIR/run/pool")" "$MIN_DIR"
rm -f "$MIN_SOCK"
ids=()
[ "$(id -u)" -eq 0 ] && ids=(-u "$W_USER" -g "$W_GROUP" -U "$S_USER" -G "$S_GROUP")
MIN_CMD=(spawn-fcgi -n -s "$MIN_SOCK" -M "0$S_MODE" "${ids[@]}" --
  /usr/bin/multiwatch -f "$WORKERS" -- "$SRC/build/bench-min-responder")
setsid "${MIN_CMD[@]}" </dev/null >>"$BDIR/log/bench-min.log" 2>&1 &
echo $! > "$MIN_PIDFILE"
MIN_PID=$!
wait_for "the minimal responder's socket" 20 test -S "$MIN_SOCK" || die "the minimal responder did not start; see $BDIR/log/bench-min.log"
say "minimal responder: $WORKERS workers as $W_USER:$W_GROUP, socket $S_USER:$S_GROUP $S_MODE (pid $MIN_PID)"

# ---- the same nginx serves /bench/fixed and /bench/min ----
CONF=$BDIR/nginx/nginx.conf
MIN_PARAMS=$BDIR/nginx/fastcgi_bench_min.conf
sed "s|^fastcgi_pass spot_pool;|fastcgi_pass unix:$MIN_SOCK;|" "$SRC/nginx/fastcgi_spot.conf" > "$MIN_PARAMS"
grep -q "^fastcgi_pass unix:$MIN_SOCK;" "$MIN_PARAMS" || die "nginx/fastcgi_spot.conf has no 'fastcgi_pass spot_pool;' line to replace"
awk -v params="$MIN_PARAMS" '
  !done && /^[ \t]*location \/ \{/ {
    print "        # bench/run.sh: the FastCGI and nginx ceilings."
    print "        location = /bench/min {"
    print "            include " params ";"
    print "        }"
    print "        location = /bench/fixed {"
    print "            default_type application/json;"
    print "            return 200 '\''{\"status\":\"ok\"}'\'';"
    print "        }"
    print ""
    done = 1
  }
  { print }
  END { if (!done) exit 1 }' "$CONF" > "$CONF.bench" || die "no 'location / {' in $CONF"
nginx -t -q -p "$BDIR/nginx" -e "$BDIR/log/nginx-error.log" -c "$CONF.bench" 2>>"$BDIR/log/bench.log" \
  || die "the bench nginx config is invalid; see $BDIR/log/bench.log"
mv -f "$CONF.bench" "$CONF"
kill -HUP "$NGINX_PID"
probe() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 --cacert "$CACERT" "$BASE$1")" = 200 ]; }
wait_for "/bench/fixed" 20 probe /bench/fixed || die "nginx did not pick up /bench/fixed"
wait_for "/bench/min" 20 probe /bench/min || die "/bench/min does not answer 200; see $BDIR/log/"
probe /health || die "/health does not answer 200"
# Old nginx workers leave after the HUP; measure only the new ones.
nginx_settled() { [ "$(children_of "$NGINX_PID" | wc -l)" -le "$NGINX_WORKERS" ]; }
wait_for "nginx workers" 20 nginx_settled || say "warning: old nginx workers still run"

# ---- measuring ----
# nginx_pids, fcgi_pids, db_pids: the stack's server processes by part, supervisors included.
nginx_pids() { echo "$NGINX_PID"; children_of "$NGINX_PID"; }
fcgi_pids() { echo "$POOL_PID"; children_of "$POOL_PID"; echo "$MIN_PID"; children_of "$MIN_PID"; }
db_pids() { echo "$DB_PID"; }
# cpu_ticks PID...: utime + stime summed (fields 14 and 15 of /proc/PID/stat;
# counted after the ") " that ends the command name, which may hold spaces).
cpu_ticks() {
  local p sum=0 f a
  for p in "$@"; do
    f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    read -ra a <<< "${f##*) }"
    sum=$((sum + a[11] + a[12]))
  done
  echo "$sum"
}

RAW=$BDIR/log/bench-wrk
rm -rf "$RAW"
mkdir -p "$RAW"
# Per run (key "path#n"): command, wrk's figures, CPU per 10k requests (total, and
# "nginx | FastCGI | mariadbd"). Per path: sums over its runs.
declare -A R_CMD R_RPS R_P50 R_P99 R_CPU R_REQ R_ERR R_SPLIT A_REQ A_SECS A_ERR A_TICKS
# per10k TICKS REQUESTS: CPU seconds per 10,000 requests.
per10k() { awk -v t="$1" -v hz="$CLK_TCK" -v n="$2" 'BEGIN {printf "%.3f", t / hz * 10000 / n}'; }
run_target() {
  local t=$1 key=$2 path=$3 part n_pids f_pids d_pids out=$RAW/${2/\#/-}.txt secs
  local -A before after
  local cmd=(wrk "-t$THREADS" "-c$CONNS" "-d${DURATION}s" --latency "$BASE$path")
  say "$key: warm-up ${WARMUP}s, then ${DURATION}s"
  [ "$WARMUP" -eq 0 ] || wrk "-t$THREADS" "-c$CONNS" "-d${WARMUP}s" "$BASE$path" >/dev/null
  mapfile -t n_pids < <(nginx_pids)
  mapfile -t f_pids < <(fcgi_pids)
  mapfile -t d_pids < <(db_pids)
  before=([nginx]=$(cpu_ticks "${n_pids[@]}") [fcgi]=$(cpu_ticks "${f_pids[@]}") [db]=$(cpu_ticks "${d_pids[@]}"))
  "${cmd[@]}" > "$out"
  after=([nginx]=$(cpu_ticks "${n_pids[@]}") [fcgi]=$(cpu_ticks "${f_pids[@]}") [db]=$(cpu_ticks "${d_pids[@]}"))
  R_CMD[$key]=${cmd[*]}
  R_REQ[$key]=$(awk '/ requests in /{print $1; exit}' "$out")
  secs=$(awk '/ requests in /{d = $4; sub(/,$/, "", d); m = d ~ /m$/ ? 60 : 1; sub(/[a-z]+$/, "", d); print d * m; exit}' "$out")
  R_RPS[$key]=$(awk '/^Requests\/sec:/{print $2}' "$out")
  R_P50[$key]=$(awk '$1 == "50%" {print $2; exit}' "$out")
  R_P99[$key]=$(awk '$1 == "99%" {print $2; exit}' "$out")
  R_ERR[$key]=$(awk '/Non-2xx or 3xx responses:/{n += $NF} /Socket errors:/{gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out")
  if [ -z "${R_REQ[$key]}" ] || [ "${R_REQ[$key]}" -eq 0 ]; then die "$key: wrk reported no requests; see $out"; fi
  R_CPU[$key]=$(per10k $((after[nginx] + after[fcgi] + after[db] - before[nginx] - before[fcgi] - before[db])) "${R_REQ[$key]}")
  R_SPLIT[$key]=""
  for part in nginx fcgi db; do
    R_SPLIT[$key]+="${R_SPLIT[$key]:+ | }$(per10k $((after[$part] - before[$part])) "${R_REQ[$key]}")"
    A_TICKS[$t.$part]=$(( ${A_TICKS[$t.$part]:-0} + after[$part] - before[$part] ))
  done
  A_REQ[$t]=$(( ${A_REQ[$t]:-0} + R_REQ[$key] ))
  A_ERR[$t]=$(( ${A_ERR[$t]:-0} + R_ERR[$key] ))
  A_SECS[$t]=$(awk -v a="${A_SECS[$t]:-0}" -v b="$secs" 'BEGIN {print a + b}')
  say "$key: ${R_RPS[$key]} req/s, p50 ${R_P50[$key]}, p99 ${R_P99[$key]}, ${R_CPU[$key]} CPU s/10k req, ${R_ERR[$key]} errors"
}

TARGETS=(fixed min health)
declare -A T_PATH=([fixed]=/bench/fixed [min]=/bench/min [health]=/health)
declare -A T_LABEL=(
  [fixed]="nginx fixed response (\`return 200\`, /bench/fixed)"
  [min]="nginx → minimal libfcgi responder (/bench/min)"
  [health]="nginx → spot-fcgi \`GET /health\`"
)
# The two FastCGI paths alternate (min, health, health, min, ...) so that drift
# from anything else on the machine falls on both alike.
RUNS=(fixed#1)
for ((i = 1; i <= ROUNDS; i++)); do
  if ((i % 2)); then RUNS+=("min#$i" "health#$i"); else RUNS+=("health#$i" "min#$i"); fi
done
for key in "${RUNS[@]}"; do run_target "${key%\#*}" "$key" "${T_PATH[${key%\#*}]}"; done
declare -A S_RPS S_CPU S_SPLIT
for t in "${TARGETS[@]}"; do
  S_RPS[$t]=$(awk -v n="${A_REQ[$t]}" -v s="${A_SECS[$t]}" 'BEGIN {printf "%.0f", n / s}')
  S_CPU[$t]=$(per10k $((A_TICKS[$t.nginx] + A_TICKS[$t.fcgi] + A_TICKS[$t.db])) "${A_REQ[$t]}")
  S_SPLIT[$t]="$(per10k "${A_TICKS[$t.nginx]}" "${A_REQ[$t]}") | $(per10k "${A_TICKS[$t.fcgi]}" "${A_REQ[$t]}") | $(per10k "${A_TICKS[$t.db]}" "${A_REQ[$t]}")"
done

# ---- RESULTS.md ----
PCT=$(awk -v a="${S_RPS[health]}" -v b="${S_RPS[min]}" 'BEGIN {printf "%.0f", 100 * a / b}')
if [ "$PCT" -ge 80 ]; then VERDICT=met; else VERDICT="not met"; fi
cpu_model=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
commit=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)
{
  echo "# Benchmark results"
  echo
  echo "Written by \`bench/run.sh\` (\`./spot bench\`); rerun it to refresh. Compare rows within one run:"
  echo "run-to-run spread on this kind of VM is 15–25% (see /work/shared/NOTES.md), and other work on"
  echo "the machine during a run lands on whichever path is being measured."
  echo
  echo "## Issue 2: \`GET /health\` against the FastCGI and nginx ceilings"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- Machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}; kernel $(uname -r); $(nginx -v 2>&1); $(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}'); commit $commit"
  echo "- Command: \`./spot bench${ARGS[*]:+ ${ARGS[*]}}\` (= \`bash bench/run.sh${ARGS[*]:+ ${ARGS[*]}}\`)"
  echo "- Stack: \`./spot up --dir $BDIR --port $PORT\` with SPOT_NGINX_{AGENT,LOGIN}_{RATE,BURST} raised;" \
       "$NGINX_WORKERS nginx workers; TLS over loopback (wrk: HTTP/1.1, keep-alive); $WORKERS FastCGI workers per pool"
  echo "- Minimal responder (\`bench/min_responder.c\`), same setup as the pool: \`${MIN_CMD[*]}\`"
  echo "- Same nginx, reloaded by HUP with two extra locations: \`/bench/min\` includes \`fastcgi_spot.conf\`" \
       "with \`fastcgi_pass unix:$MIN_SOCK\`; \`/bench/fixed\` is \`return 200 '{\"status\":\"ok\"}'\`"
  echo "- wrk: before each run a ${WARMUP}s warm-up, then \`wrk -t$THREADS -c$CONNS -d${DURATION}s --latency URL\`;" \
       "runs in this order: ${RUNS[*]} (wrk shares the same $(nproc) cores)"
  echo "- Server CPU: utime+stime from /proc/PID/stat (CLK_TCK $CLK_TCK) of the nginx master and workers," \
       "both pools' multiwatch and workers, and mariadbd, before and after each run, per 10,000 requests"
  echo
  echo "### Per path (all runs of a path together)"
  echo
  echo "| path | req/s | p50 (per run) | p99 (per run) | server CPU s per 10k req | of which nginx | FastCGI | mariadbd | requests | errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for t in "${TARGETS[@]}"; do
    p50="" p99=""
    for key in "${RUNS[@]}"; do
      [ "${key%\#*}" = "$t" ] || continue
      p50+="${p50:+ / }${R_P50[$key]}" p99+="${p99:+ / }${R_P99[$key]}"
    done
    echo "| ${T_LABEL[$t]} | ${S_RPS[$t]} | $p50 | $p99 | ${S_CPU[$t]} | ${S_SPLIT[$t]} | ${A_REQ[$t]} | ${A_ERR[$t]} |"
  done
  echo
  echo "**/health through the real worker ≥ 80% of the minimal responder: ${PCT}% — $VERDICT**"
  echo
  echo "### Per run"
  echo
  echo "| run | req/s | p50 | p99 | server CPU s per 10k req | of which nginx | FastCGI | mariadbd | requests | errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for key in "${RUNS[@]}"; do
    echo "| $key | ${R_RPS[$key]} | ${R_P50[$key]} | ${R_P99[$key]} | ${R_CPU[$key]} | ${R_SPLIT[$key]} | ${R_REQ[$key]} | ${R_ERR[$key]} |"
  done
  echo
  echo "### Raw wrk output"
  for key in "${RUNS[@]}"; do
    echo
    echo "$key, ${T_LABEL[${key%\#*}]}: \`${R_CMD[$key]}\`"
    echo
    echo '```'
    cat "$RAW/${key/\#/-}.txt"
    echo '```'
  done
  # Every other section (other benchmarks, notes written by hand) stays as it is.
  if [ -f "$OUT" ] && grep -q '^## ' "$OUT"; then
    echo
    awk '/^## / { p = ($0 !~ /^## Issue 2: /) } p' "$OUT"
  fi
} > "$OUT.tmp"
mv -f "$OUT.tmp" "$OUT"
say "/health is ${PCT}% of the minimal responder ($VERDICT); wrote $OUT"
