#!/usr/bin/env bash
# heartbeat.sh - the issue-3 benchmark: heartbeats and pricing reports through nginx + TLS.
#
#   bash bench/heartbeat.sh [--dir DIR] [--port PORT] [--agents N] [--duration S] [--warmup S]
#                           [--connections C] [--threads T] [--db-threads N] [--no-profile] [--out FILE]
#                           [--pricing-only] [--workers N]
# (also `bash bench/run.sh heartbeat [options]`; defaults: /tmp/spot-bench-hb, a free port,
# 10,000 agents, 15 s runs after 8 s warm-ups, 32 connections, 1 wrk thread, 4 DB threads.
# The warm-up: a fresh fleet's first heartbeat per agent touches its token and the next one is
# remembered; 8 s carries wrk and the ceiling client past both, so each measures the steady
# state rather than the fleet's first minute. One wrk thread: wrk shares the 2 cores with the
# server, and one thread spends ~20 % less CPU per request than two without being the limit.
# --pricing-only: steps 1, 2 and the pricing run alone, rewriting only the pricing section;
# --workers: spot-fcgi workers, passed to ./spot up, whose default is used otherwise)
#
# 1. A fresh private stack: `./spot up --dir DIR --port PORT` with the nginx rate limits
#    raised (DIR is wiped first; it must be a stack directory or empty).
# 2. One client through POST /api/admin/clients and N agents through POST
#    /api/agents/register (bench/hb_register.py; keep-alive TLS, 8 connections); the
#    triples (agent_id, instance_id, agent token, its SHA-256) go to DIR/bench/agents.txt.
# 3. The Flask peer (bench/flask_peer/app.py) under gunicorn, 2 sync workers, on a unix
#    socket, added to the same nginx as `location /flask/api/agents/` (reload by HUP).
# 4. Runs, each with CPU seconds of every server process from /proc/PID/stat before and
#    after (nginx master+workers, the pool's multiwatch+workers, mariadbd, gunicorn
#    master+workers) and the database's own counters (SHOW GLOBAL STATUS):
#      ceiling-hb      build/bench-db-ceiling --mode heartbeat: the worker's heartbeat statements
#                      in its order, its memo kept per agent: while a remembered answer holds,
#                      one UPDATE checked by role and hb_gen; else the SELECT that checks the
#                      token and reads the answer, then the UPDATE instances by primary key (the
#                      agent row when stale), prepared, 4 connections
#      heartbeat       wrk -s bench/heartbeat.lua through nginx to spot-fcgi
#      flask           the same through nginx to the Flask peer
#      ceiling-update  build/bench-db-ceiling --mode update: the plain UPDATE instances ... WHERE id = ?
#                      AND agent_id = ? alone (the heartbeat's write without the SELECT)
#      pricing         wrk -s bench/pricing.lua: pricing reports of 20 prices (when the route exists)
#    then (unless --no-profile) one more short heartbeat run under `perf record` (mariadbd
#    and the workers) and `strace -c` (one worker), for where the CPU goes.
# 5. Writes the "Heartbeat (issue 3)" and "Pricing reports (issue 3)" sections of
#    bench/RESULTS.md (everything before and after them is kept) and stops everything it started.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SRC
# shellcheck source=../scripts/lib.sh
. "$SRC/scripts/lib.sh"
# shellcheck source=../scripts/build.sh
. "$SRC/scripts/build.sh"

BDIR=${TMPDIR:-/tmp}/spot-bench-hb PORT="" AGENTS=10000 DURATION=15 WARMUP=8 CONNS=32 THREADS=1
DB_THREADS=4 PROFILE=1 OUT=$SRC/bench/RESULTS.md PRICING_ONLY=0 UP_WORKERS=()
# A build of its own (./spot up runs from SPOT_BUILD_DIR), so that a build of build/
# by someone else at the same time cannot swap binaries under the benchmark.
export SPOT_BUILD_DIR=${SPOT_BUILD_DIR:-${TMPDIR:-/tmp}/spot-bench-hb-build}
BUILD=$SPOT_BUILD_DIR
ARGS=("$@")
while [ $# -gt 0 ]; do
  case $1 in
    --dir) BDIR=${2:?--dir needs a directory}; shift 2 ;;
    --port) PORT=${2:?--port needs a number}; shift 2 ;;
    --agents) AGENTS=${2:?--agents needs a number}; shift 2 ;;
    --duration) DURATION=${2:?--duration needs seconds}; shift 2 ;;
    --warmup) WARMUP=${2:?--warmup needs seconds}; shift 2 ;;
    --connections) CONNS=${2:?--connections needs a number}; shift 2 ;;
    --threads) THREADS=${2:?--threads needs a number}; shift 2 ;;
    --db-threads) DB_THREADS=${2:?--db-threads needs a number}; shift 2 ;;
    --no-profile) PROFILE=0; shift ;;
    --pricing-only) PRICING_ONLY=1 PROFILE=0; shift ;;
    --out) OUT=${2:?--out needs a file}; shift 2 ;;
    --workers) UP_WORKERS=(--workers "${2:?--workers needs a number}"); shift 2 ;;
    -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1 (try --help)" ;;
  esac
done
for v in AGENTS DURATION WARMUP CONNS THREADS DB_THREADS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "${v,,}: expected a whole number, got '${!v}'"
done
[ "$AGENTS" -ge "$THREADS" ] || die "--agents must be at least --threads"

# ---- what we started, stopped on any exit ----
STACK_UP=0 FLASK_PID=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$FLASK_PID" ]; then stop_pid "$BDIR/run/bench-flask.pid" gunicorn 20 || true; fi
  if [ $STACK_UP -eq 1 ]; then
    "$SRC/spot" down --dir "$BDIR" >>"$BDIR/log/bench.log" 2>&1 || say "warning: ./spot down --dir $BDIR failed"
    rm -f "$BDIR/log/nginx-access.log" "$BDIR/log/pool.log" "$BDIR"/bench/perf-*.data
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- tools and build ----
T_START=$(date +%s)
pkgs=()
command -v wrk >/dev/null 2>&1 || pkgs+=(wrk)
[ -x /usr/bin/gunicorn ] || pkgs+=(gunicorn)
/usr/bin/python3 -c 'import flask' 2>/dev/null || pkgs+=(python3-flask)
/usr/bin/python3 -c 'import MySQLdb' 2>/dev/null || pkgs+=(python3-mysqldb)
if [ ${#pkgs[@]} -gt 0 ]; then
  say "installing ${pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${pkgs[@]}" >/dev/null || die "could not install ${pkgs[*]}"
fi
say "building in $BUILD"
spot_build "$BUILD"
[ -x "$BUILD/bench-db-ceiling" ] || die "$BUILD/bench-db-ceiling is missing (CMakeLists.txt block)"
CLK_TCK=$(getconf CLK_TCK)

# ---- a fresh stack ----
mkdir -p "$BDIR"
BDIR=$(cd "$BDIR" && pwd)
if [ -f "$BDIR/spot.env" ]; then
  stop_pid "$BDIR/run/bench-flask.pid" gunicorn 20 || true
  "$SRC/spot" down --dir "$BDIR" >/dev/null 2>&1 || true
  rm -rf "${BDIR:?}"/*
elif [ -n "$(ls -A "$BDIR")" ]; then
  die "$BDIR is neither empty nor a stack directory; choose another --dir"
fi
mkdir -p "$BDIR/log" "$BDIR/run" "$BDIR/bench"
[ -n "$PORT" ] || PORT=$(free_port)
say "starting a private stack in $BDIR on port $PORT (log: $BDIR/log/bench.log)"
STACK_UP=1
SPOT_NGINX_AGENT_RATE=1000000 SPOT_NGINX_AGENT_BURST=100000 \
SPOT_NGINX_LOGIN_RATE=1000000 SPOT_NGINX_LOGIN_BURST=100000 \
  "$SRC/spot" up --dir "$BDIR" --port "$PORT" --no-demo "${UP_WORKERS[@]}" >>"$BDIR/log/bench.log" 2>&1 \
  || { tail -n 20 "$BDIR/log/bench.log" >&2; die "./spot up failed"; }
set -a
# shellcheck disable=SC1091
. "$BDIR/spot.env"
set +a
NGINX_PID=$(cat "$BDIR/run/nginx.master.pid")
POOL_PID=$(cat "$BDIR/run/pool.pid")
DB_PID=$(cat "$BDIR/run/mariadbd.pid")
NGINX_WORKERS=${SPOT_NGINX_WORKERS:-2}
CACERT=$BDIR/tls/cert.pem
BASE=https://127.0.0.1:$PORT
sql() { mariadb --socket="$SPOT_DB_SOCKET" -u "$(id -un)" -N -B -e "$1" spot; }

# ---- the fleet ----
AGENTS_FILE=$BDIR/bench/agents.txt
say "registering $AGENTS agents through the API"
REG_LINE=$(/usr/bin/python3 "$SRC/bench/hb_register.py" --url "$BASE" --cafile "$CACERT" \
  --admin-token "$SPOT_ADMIN_TOKEN" --agents "$AGENTS" --parallel 8 --out "$AGENTS_FILE") \
  || die "registration failed"
say "$REG_LINE"
[ "$(wc -l < "$AGENTS_FILE")" -eq "$AGENTS" ] || die "$AGENTS_FILE does not have $AGENTS lines"
FLEET=$(sql "SELECT CONCAT((SELECT COUNT(*) FROM agents), ' agents, ', (SELECT COUNT(*) FROM instances WHERE role = 'primary'), ' primary instances, ', (SELECT COUNT(*) FROM client_tokens WHERE kind = 'agent' AND revoked_at IS NULL), ' live agent tokens')")
say "database: $FLEET"

# (--pricing-only: no Flask peer, no heartbeat runs)
if [ "$PRICING_ONLY" -eq 0 ]; then
# ---- the Flask peer on a unix socket, behind the same nginx ----
FLASK_DIR=$BDIR/run/bench
FLASK_SOCK=$FLASK_DIR/flask.sock
mkdir -p "$FLASK_DIR"
pool_worker=$(children_of "$POOL_PID" | head -n 1)
[ -n "$pool_worker" ] || die "the worker pool has no workers"
read -r W_USER W_GROUP < <(ps -o user=,group= -p "$pool_worker")
read -r S_USER S_GROUP S_MODE < <(stat -c '%U %G %a' "$BDIR/run/pool/fcgi.sock")
chmod 755 "$FLASK_DIR"
rm -f "$FLASK_SOCK"
g_ids=()
# As the pool: the workers' user, and a socket nginx's group may use (gunicorn chowns it).
[ "$(id -u)" -eq 0 ] && g_ids=(--user "$W_USER" --group "$S_GROUP" --umask 0o007)
FLASK_CMD=(/usr/bin/python3 /usr/bin/gunicorn --workers 2 --worker-class sync --bind "unix:$FLASK_SOCK"
  "${g_ids[@]}" --chdir "$SRC/bench/flask_peer" --log-level warning app:app)
SPOT_DB_SOCKET=$SPOT_DB_SOCKET SPOT_DB_USER=$SPOT_DB_USER SPOT_DB_PASSWORD=$SPOT_DB_PASSWORD SPOT_DB_NAME=$SPOT_DB_NAME \
  setsid "${FLASK_CMD[@]}" </dev/null >>"$BDIR/log/bench-flask.log" 2>&1 &
FLASK_PID=$!
echo "$FLASK_PID" > "$BDIR/run/bench-flask.pid"
wait_for "the Flask peer's socket" 30 test -S "$FLASK_SOCK" || die "gunicorn did not start; see $BDIR/log/bench-flask.log"
say "Flask peer: gunicorn pid $FLASK_PID, 2 sync workers${g_ids:+ as $W_USER:$S_GROUP}, socket $FLASK_SOCK"

CONF=$BDIR/nginx/nginx.conf
awk -v sock="$FLASK_SOCK" -v burst="$SPOT_NGINX_AGENT_BURST" '
  !done && /^[ \t]*location \/ \{/ {
    print "        # bench/heartbeat.sh: the Flask peer of the agent API, same TLS and limits."
    print "        location /flask/api/agents/ {"
    print "            limit_req zone=agents burst=" burst " nodelay;"
    print "            proxy_pass http://unix:" sock ":/api/agents/;"
    print "            proxy_set_header Host $host;"
    print "            proxy_set_header X-Forwarded-Proto https;"
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

# One heartbeat on each path, answers compared.
read -r A_ID A_INST A_TOK _ < "$AGENTS_FILE"
hb_once() {
  curl -s --max-time 5 --cacert "$CACERT" -w ' %{http_code}' -X POST \
    -H "Authorization: Bearer $A_TOK" -H 'Content-Type: application/json' \
    -d "{\"instance_id\":\"$A_INST\",\"status\":\"running\",\"uptime_seconds\":1}" "$BASE$1/api/agents/$A_ID/heartbeat" | tr -d '\n'
}
flask_ready() { local a; a=$(hb_once /flask); [ "${a##* }" = 200 ]; }
wait_for "/flask/ on nginx" 20 flask_ready || die "the Flask peer does not answer 200 through nginx: $(hb_once /flask)"
C_ANS=$(hb_once "") F_ANS=$(hb_once /flask)
say "spot-fcgi answers: $C_ANS"
say "Flask answers:     $F_ANS"
[ "${C_ANS##* }" = 200 ] || die "spot-fcgi's heartbeat does not answer 200"
nginx_settled() { [ "$(children_of "$NGINX_PID" | wc -l)" -le "$NGINX_WORKERS" ]; }
wait_for "nginx workers" 20 nginx_settled || say "warning: old nginx workers still run"
fi # PRICING_ONLY

# ---- measuring ----
nginx_pids() { echo "$NGINX_PID"; children_of "$NGINX_PID"; }
fcgi_pids() { echo "$POOL_PID"; children_of "$POOL_PID"; }
db_pids() { echo "$DB_PID"; }
flask_pids() { echo "$FLASK_PID"; children_of "$FLASK_PID"; }
PARTS=(nginx fcgi db flask)
cpu_ticks() {
  local p sum=0 f a
  for p in "$@"; do
    f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    read -ra a <<< "${f##*) }"
    sum=$((sum + a[11] + a[12]))
  done
  echo "$sum"
}
declare -A PIDS
snap_pids() { local part; for part in "${PARTS[@]}"; do PIDS[$part]=$("${part}_pids" | tr '\n' ' '); done; }
# shellcheck disable=SC2086
ticks_now() { local part; for part in "${PARTS[@]}"; do printf '%s=%s ' "$part" "$(cpu_ticks ${PIDS[$part]})"; done; }
DB_VARS="'Handler_update','Handler_read_key','Handler_write','Com_call_procedure','Com_stmt_execute','Questions','Innodb_os_log_fsyncs','Innodb_data_fsyncs','Innodb_rows_updated','Innodb_rows_inserted'"
db_status() { sql "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME IN ($DB_VARS)" | tr '\t' '=' | tr '\n' ' '; }
per10k() { awk -v t="$1" -v hz="$CLK_TCK" -v n="$2" 'BEGIN {if (n > 0) printf "%.3f", t / hz * 10000 / n; else print "-"}'; }

RAW=$BDIR/bench/raw
mkdir -p "$RAW"
# child_secs: user+sys seconds of the finished children of this shell (the load generator: wrk or the ceiling client).
# (`times` must run in this shell, not in a $(...) subshell, to see them.)
child_secs() { times > "$RAW/.times"; tail -n 1 "$RAW/.times" | awk '{n = 0; for (i = 1; i <= 2; i++) {split($i, t, /m|s/); n += t[1] * 60 + t[2]}; printf "%.2f", n}'; }
declare -A R_CLIENT
declare -A R_CMD R_RPS R_P50 R_P99 R_REQ R_ERR R_SECS R_CPU R_SPLIT R_DB R_NOTE R_TICKS
RUNS=()

# measure KEY COMMAND...: runs COMMAND (output to RAW/KEY.txt) between two CPU and status snapshots.
measure() {
  local key=$1 out=$RAW/$1.txt part b a bs as
  shift
  snap_pids
  local -A before after
  for part in "${PARTS[@]}"; do before[$part]=0; done
  bs=$(db_status)
  for kv in $(ticks_now); do before[${kv%%=*}]=${kv#*=}; done
  local c0 c1
  child_secs > "$RAW/.c0"
  "$@" > "$out" 2>&1 || { cat "$out" >&2; die "$key: $1 failed"; }
  child_secs > "$RAW/.c1"
  c0=$(cat "$RAW/.c0") c1=$(cat "$RAW/.c1")
  for kv in $(ticks_now); do after[${kv%%=*}]=${kv#*=}; done
  R_CLIENT[$key]=$(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.2f", b - a}')
  as=$(db_status)
  R_TICKS[$key]=""
  for part in "${PARTS[@]}"; do R_TICKS[$key]+="$part=$((after[$part] - before[$part])) "; done
  R_DB[$key]=$(awk -v b="$bs" -v a="$as" 'BEGIN {
      n = split(b, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, "="); B[kv[1]] = kv[2] }
      n = split(a, x, " "); for (i = 1; i <= n; i++) { split(x[i], kv, "="); if (kv[1] in B) printf "%s=%d ", kv[1], kv[2] - B[kv[1]] } }')
  RUNS+=("$key")
}
# split KEY REQUESTS: fills R_CPU (server total) and R_SPLIT (nginx | workers | mariadbd | gunicorn).
split_cpu() {
  local key=$1 n=$2 total=0 kv t
  R_SPLIT[$key]=""
  for kv in ${R_TICKS[$key]}; do
    t=${kv#*=}
    total=$((total + t))
    R_SPLIT[$key]+="${R_SPLIT[$key]:+ | }$(per10k "$t" "$n")"
  done
  R_CPU[$key]=$(per10k "$total" "$n")
}
wrk_run() {
  local key=$1 script=$2 prefix=$3 out=$RAW/$1.txt
  local cmd=(wrk "-t$THREADS" "-c$CONNS" "-d${DURATION}s" --latency -s "$SRC/bench/$script" "$BASE" -- "$AGENTS_FILE" "$THREADS" "$prefix")
  say "$key: warm-up ${WARMUP}s, then ${DURATION}s"
  [ "$WARMUP" -eq 0 ] || "${cmd[@]/-d${DURATION}s/-d${WARMUP}s}" >/dev/null
  local t0 m0 m1
  t0=$(sql "SELECT UTC_TIMESTAMP(3)")
  m0=$(memo_counts)
  measure "$key" "${cmd[@]}"
  m1=$(memo_counts)
  R_MEMO[$key]=$(awk -v a="$m0" -v b="$m1" 'BEGIN {split(a, x, " "); split(b, y, " ");
    printf "%d answered from the memo, %d not (%d of them re-read and remembered)", y[1] - x[1], y[2] - x[2], y[3] - x[3]}')
  R_CMD[$key]="wrk -t$THREADS -c$CONNS -d${DURATION}s --latency -s bench/$script $BASE -- $AGENTS_FILE $THREADS $prefix"
  R_REQ[$key]=$(awk '/ requests in /{print $1; exit}' "$out")
  R_SECS[$key]=$(awk '/ requests in /{d = $4; sub(/,$/, "", d); m = d ~ /m$/ ? 60 : 1; sub(/[a-z]+$/, "", d); print d * m; exit}' "$out")
  R_RPS[$key]=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$out")
  R_P50[$key]=$(awk '$1 == "50%" {print $2; exit}' "$out")
  R_P99[$key]=$(awk '$1 == "99%" {print $2; exit}' "$out")
  R_ERR[$key]=$(awk '/Non-2xx or 3xx responses:/{n += $NF} /Socket errors:/{gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out")
  [ -n "${R_REQ[$key]}" ] && [ "${R_REQ[$key]}" -gt 0 ] || die "$key: wrk reported no requests; see $out"
  split_cpu "$key" "${R_REQ[$key]}"
  R_T0[$key]=$t0
  say "$key: ${R_RPS[$key]} req/s, p50 ${R_P50[$key]}, p99 ${R_P99[$key]}, ${R_CPU[$key]} CPU s/10k req (${R_SPLIT[$key]}), ${R_ERR[$key]} errors"
}
declare -A R_T0 R_MEMO
# memo_counts: "hits misses stores" of the workers' heartbeat memo (GET /metrics).
memo_counts() {
  curl -s --max-time 5 --cacert "$CACERT" "$BASE/metrics" | awk '
    /^spot_heartbeat_memo_total\{event="hit"\}/ {h = $2} /^spot_heartbeat_memo_total\{event="miss"\}/ {m = $2}
    /^spot_heartbeat_memo_total\{event="store"\}/ {s = $2} END {print h + 0, m + 0, s + 0}'
}
ceiling_run() {
  local key=$1 mode=$2 out=$RAW/$1.txt
  local cmd=("$BUILD/bench-db-ceiling" --socket "$SPOT_DB_SOCKET" --user "$SPOT_DB_USER" --password "$SPOT_DB_PASSWORD"
    --database "$SPOT_DB_NAME" --agents "$AGENTS_FILE" --threads "$DB_THREADS" --seconds "$DURATION" --warmup "$WARMUP" --mode "$mode")
  say "$key: warm-up ${WARMUP}s, then ${DURATION}s"
  measure "$key" "${cmd[@]}"
  R_CMD[$key]="$BUILD/bench-db-ceiling --socket $SPOT_DB_SOCKET --user $SPOT_DB_USER --password ... --database $SPOT_DB_NAME --agents $AGENTS_FILE --threads $DB_THREADS --seconds $DURATION --warmup $WARMUP --mode $mode"
  R_REQ[$key]=$(sed -n 's/.* calls=\([0-9]*\) .*/\1/p' "$out")
  R_SECS[$key]=$(sed -n 's/.* seconds=\([0-9.]*\) .*/\1/p' "$out")
  R_RPS[$key]=$(sed -n 's/.* calls_per_s=\([0-9]*\) .*/\1/p' "$out")
  R_P50[$key]=$(sed -n 's/.* p50_ms=\([0-9.]*\) .*/\1ms/p' "$out")
  R_P99[$key]=$(sed -n 's/.* p99_ms=\([0-9.]*\) .*/\1ms/p' "$out")
  R_ERR[$key]=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' "$out")
  split_cpu "$key" "${R_REQ[$key]}"
  say "$key: ${R_RPS[$key]} calls/s, p50 ${R_P50[$key]}, p99 ${R_P99[$key]}, ${R_CPU[$key]} CPU s/10k (${R_SPLIT[$key]}), ${R_ERR[$key]} errors"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$PRICING_ONLY" -eq 0 ]; then
  ceiling_run ceiling-hb heartbeat
  wrk_run heartbeat heartbeat.lua ""
  HB_FRESH=$(sql "SELECT COUNT(*) FROM instances WHERE last_heartbeat_at >= '${R_T0[heartbeat]}'")
  wrk_run flask heartbeat.lua /flask
  FL_FRESH=$(sql "SELECT COUNT(*) FROM instances WHERE last_heartbeat_at >= '${R_T0[flask]}'")
  ceiling_run ceiling-update update
  CEIL_AGENT_WRITES=$(sed -n 's/.* agent_writes=\([0-9]*\).*/\1/p' "$RAW/ceiling-hb.txt")
  CEIL_MEMO_WRITES=$(sed -n 's/.* memo_writes=\([0-9]*\).*/\1/p' "$RAW/ceiling-hb.txt")
fi

# ---- pricing reports (when the route exists) ----
read -r A_ID A_INST A_TOK _ < "$AGENTS_FILE"
PR_PROBE=$(curl -s --max-time 5 --cacert "$CACERT" -w ' %{http_code}' -X POST \
  -H "Authorization: Bearer $A_TOK" -H 'Content-Type: application/json' \
  -d "{\"instance_id\":\"$A_INST\",\"role\":\"primary\",\"prices\":[{\"instance_type\":\"m5.large\",\"az\":\"us-east-1a\",\"price\":0.0345,\"observed_at\":\"$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)\"}]}" \
  "$BASE/api/agents/$A_ID/pricing-report" | tr -d '\n')
PRICING=0
if [ "${PR_PROBE##* }" = 200 ]; then
  PRICING=1
  say "pricing-report answers: $PR_PROBE"
  snap_before=$(sql "SELECT COUNT(*) FROM spot_price_snapshots")
  reports_before=$(sql "SELECT COUNT(*) FROM pricing_reports")
  WARMUP_SAVED=$WARMUP
  WARMUP=0 # every pricing request must write new rows; a warm-up would only add rows outside the count
  wrk_run pricing pricing.lua ""
  WARMUP=$WARMUP_SAVED
  snap_after=$(sql "SELECT COUNT(*) FROM spot_price_snapshots")
  reports_after=$(sql "SELECT COUNT(*) FROM pricing_reports")
  PR_ROWS=$((snap_after - snap_before)) PR_REPORTS=$((reports_after - reports_before))
  PR_RATE=$(awk -v n="$PR_ROWS" -v s="${R_SECS[pricing]}" 'BEGIN {printf "%.0f", n / s}')
  PR_CPU_ROW=$(per10k "$(awk -v t="${R_TICKS[pricing]}" 'BEGIN {n = split(t, x, " "); for (i = 1; i <= n; i++) {split(x[i], kv, "="); s += kv[2]}; print s}')" "$PR_ROWS")
  say "pricing: $PR_ROWS prices stored in ${R_SECS[pricing]}s = $PR_RATE prices/s ($PR_REPORTS reports)"
else
  say "pricing-report is not there yet (probe answered: $PR_PROBE); skipping the pricing run"
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- where the CPU goes (one more heartbeat run, profiled; not in the tables) ----
PROF_OUT=$RAW/profile.txt
# top_syms DATA SORTKEY N: the N biggest entries of a perf profile (self time, no call graphs).
top_syms() { { perf report -i "$1" --stdio --no-children -g none --sort "$2" 2>/dev/null || true; } | awk -v n="$3" '/^ +[0-9]/ && k++ < n'; }
: > "$PROF_OUT"
if [ "$PROFILE" -eq 1 ] && command -v perf >/dev/null 2>&1; then
  say "profiling: perf record on mariadbd and the workers, strace -c on one worker, during an 8 s heartbeat run"
  mapfile -t wk < <(children_of "$POOL_PID")
  perf record -q -F 499 -g -o "$BDIR/bench/perf-db.data" -p "$DB_PID" -- sleep 8 >/dev/null 2>&1 &
  p1=$!
  perf record -q -F 499 -g -o "$BDIR/bench/perf-fcgi.data" -p "$(IFS=,; echo "${wk[*]}")" -- sleep 8 >/dev/null 2>&1 &
  p2=$!
  timeout 9 strace -c -f -p "${wk[0]}" -o "$RAW/strace-worker.txt" >/dev/null 2>&1 &
  p3=$!
  wrk "-t$THREADS" "-c$CONNS" -d8s --latency -s "$SRC/bench/heartbeat.lua" "$BASE" -- "$AGENTS_FILE" "$THREADS" "" > "$RAW/profile-wrk.txt" 2>&1 || true
  wait "$p1" "$p2" || true
  wait "$p3" || true
  {
    echo "## wrk during profiling (perf at 499 Hz on mariadbd and the workers; strace on one worker)"
    grep -E 'Requests/sec|99%' "$RAW/profile-wrk.txt" || true
    echo
    echo "## mariadbd: top symbols (self; mariadbd has no symbol table here, so its own code shows as [.] addresses)"
    top_syms "$BDIR/bench/perf-db.data" symbol 25
    echo
    echo "## mariadbd: by shared object"
    top_syms "$BDIR/bench/perf-db.data" dso 8
    echo
    echo "## spot-fcgi workers: top symbols (self)"
    top_syms "$BDIR/bench/perf-fcgi.data" symbol 25
    echo
    echo "## spot-fcgi workers: by shared object"
    top_syms "$BDIR/bench/perf-fcgi.data" dso 10
    echo
    echo "## strace -c -f of one spot-fcgi worker"
    cat "$RAW/strace-worker.txt" 2>/dev/null
  } >> "$PROF_OUT"
  rm -f "$BDIR"/bench/perf-*.data
fi

# ---- verdicts ----
pct() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.0f", 100 * a / b; else print 0}'; }
ms() { awk -v v="$1" 'BEGIN {x = v + 0; if (v ~ /us$/) x /= 1000; else if (v ~ /ms$/) x += 0; else if (v ~ /s$/) x *= 1000; printf "%.2f", x}'; }
verdict() { if [ "$1" -eq 1 ]; then echo met; else echo "not met"; fi; }
HB_PCT=0 V1="not run" V2="not run" V3="not run" ERR_NOTE=""
if [ "$PRICING_ONLY" -eq 0 ]; then
  HB_PCT=$(pct "${R_RPS[heartbeat]}" "${R_RPS[ceiling-hb]}")
  HB_PCT_U=$(pct "${R_RPS[heartbeat]}" "${R_RPS[ceiling-update]}")
  HB_P99=$(ms "${R_P99[heartbeat]}")
  CPU_PCT=$(pct "${R_CPU[heartbeat]}" "${R_CPU[flask]}")
  V1=$(verdict "$([ "$HB_PCT" -ge 70 ] && echo 1 || echo 0)")
  V1U=$(verdict "$([ "$HB_PCT_U" -ge 70 ] && echo 1 || echo 0)")
  V2=$(verdict "$(awk -v p="$HB_P99" 'BEGIN {print (p < 15) ? 1 : 0}')")
  V3=$(verdict "$([ "$CPU_PCT" -le 40 ] && echo 1 || echo 0)")
  ERR_NOTE=""
  [ "${R_ERR[heartbeat]}" -eq 0 ] && [ "${R_ERR[flask]}" -eq 0 ] || ERR_NOTE=" — ERRORS (must be 0)"
fi
V4="not run"
if [ "$PRICING" -eq 1 ]; then V4=$(verdict "$([ "$PR_RATE" -ge 20000 ] && echo 1 || echo 0)"); fi

# ---- RESULTS.md: everything before our sections is kept ----
cpu_model=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo)
commit=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$SRC" status --porcelain --untracked-files=no -- core fcgi-app common sql 2>/dev/null | wc -l)
[ "$dirty" -eq 0 ] || commit+=" (+ $dirty uncommitted files in core/fcgi-app/common/sql)"
[ -f "$OUT" ] || printf '# Benchmark results\n\n' > "$OUT"
T_TOTAL=$(( $(date +%s) - T_START ))
row() { # row KEY LABEL
  local k=$1
  echo "| $2 | ${R_RPS[$k]} | ${R_P50[$k]} | ${R_P99[$k]} | ${R_ERR[$k]} | ${R_CPU[$k]} | ${R_SPLIT[$k]} | $(awk -v s="${R_CLIENT[$k]}" -v n="${R_REQ[$k]}" 'BEGIN {printf "%.3f", s * 10000 / n}') | ${R_REQ[$k]} |"
}
dbrow() { # dbrow KEY: database counters per request
  awk -v s="${R_DB[$1]}" -v n="${R_REQ[$1]}" 'BEGIN {
    m = split(s, x, " "); out = ""
    for (i = 1; i <= m; i++) { split(x[i], kv, "="); v[toupper(kv[1])] = kv[2] }
    printf "%.2f | %.2f | %.2f | %.2f | %.3f", v["HANDLER_READ_KEY"] / n, v["HANDLER_UPDATE"] / n, v["HANDLER_WRITE"] / n, v["QUESTIONS"] / n, v["INNODB_DATA_FSYNCS"] / n }'
}
hb_section() {
  echo "## Heartbeat (issue 3)"
  echo
  echo "Written by \`bench/heartbeat.sh\` (\`bash bench/run.sh heartbeat\`); rerun it to refresh."
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); whole run ${T_TOTAL}s; load average before/after: $LOAD_BEFORE / $LOAD_AFTER (the machine is shared)"
  echo "- Machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}; kernel $(uname -r); $(nginx -v 2>&1); $(wrk -v 2>&1 | head -n 1 | awk '{print $1, $2}'); $(mariadbd --version 2>/dev/null | awk '{print $1, $2, $3}'); commit $commit"
  echo "- Command: \`bash bench/heartbeat.sh${ARGS[*]:+ ${ARGS[*]}}\`"
  echo "- Stack: \`./spot up --dir $BDIR --port $PORT --no-demo${UP_WORKERS[*]:+ ${UP_WORKERS[*]}}\` (fresh) with SPOT_NGINX_{AGENT,LOGIN}_{RATE,BURST} raised; $NGINX_WORKERS nginx workers; TLS over loopback (wrk: HTTP/1.1 keep-alive); $SPOT_WORKERS spot-fcgi workers; \`innodb_flush_log_at_trx_commit=1\`"
  echo "- Fleet: one client through \`POST /api/admin/clients\`, then $REG_LINE (\`bench/hb_register.py\`, all through the API, nothing inserted by SQL). Database: $FLEET"
  echo "- Heartbeat: \`bench/heartbeat.lua\` rotates over all $AGENTS (agent_id, instance_id, token): \`POST /api/agents/{id}/heartbeat\`, \`Authorization: Bearer\`, \`{\"instance_id\",\"status\":\"running\",\"uptime_seconds\"}\`, no X-Request-ID (core/agents.c agents_heartbeat_token, core/db_agents.c). The workers remember each answer in a cache they share (/dev/shm, common/shmcache.c) under (token hash, agent, instance), with the instance's hb_gen read along with it; while the answer is due to hold (it never outlives a command's lease or expiry, the token's expiry or hourly touch, or the agent row's 300 s liveness write), a heartbeat is ONE prepared statement, \`UPDATE instances FORCE INDEX (PRIMARY) SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = ?, uptime_seconds = ? WHERE id = ? AND agent_id = ? AND role = ? AND hb_gen = ?\` (SQL_HB_INSTANCE_GEN). Triggers (migration 0017) raise hb_gen with every change the answer depends on, so one matched row proves the answer still holds; no match, or no memo, takes the full path: the non-locking \`SELECT i.role, a.status, a.config_version, a.client_id, <agent row stale>, <pending commands>, <token touch due>, i.hb_gen, <ms the answer holds> FROM client_tokens t JOIN clients k ... JOIN instances i ... JOIN agents a ... WHERE t.token_hash = ? ...\` (SQL_HB_FAST_STATE), then \`UPDATE instances ... WHERE id = ? AND agent_id = ?\` (SQL_HB_INSTANCE), plus the agent row's UPDATE when it is older than 300 s or offline. In the measured run: ${R_MEMO[heartbeat]} (\`spot_heartbeat_memo_total\` on /metrics, counted over the measured run only; a miss is a heartbeat whose answer was not remembered yet or had run out). Instances heartbeated during the run: $HB_FRESH of $AGENTS (spot-fcgi), $FL_FRESH of $AGENTS (Flask)"
  echo "- Database ceiling: \`bench/db_ceiling.c\` (\`bench-db-ceiling\`): $DB_THREADS threads, a connection each (unix socket), \`--mode heartbeat\`: the same statements as the worker in the same order, as prepared statements over the same agents, with the worker's memo kept per agent in the client: the memo's UPDATE checked by role and hb_gen while it holds ($CEIL_MEMO_WRITES heartbeats in the run), else the SELECT that checks the token and reads the answer (a row required), the UPDATE by primary key (one matched row required, CLIENT_FOUND_ROWS as the workers), and the agent row's UPDATE when that SELECT says stale/offline (the same rule; $CEIL_AGENT_WRITES such writes in the run); second row (\`--mode update\`), the issue's literal \"same UPDATE\": the heartbeat's write \`UPDATE instances FORCE INDEX (PRIMARY) SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = ?, uptime_seconds = ? WHERE id = ? AND agent_id = ?\` alone, every time, no SELECT"
  echo "- Flask peer: \`bench/flask_peer/app.py\`: \`${FLASK_CMD[*]}\` (Debian python3-flask, gunicorn, python3-mysqldb), a persistent MySQLdb connection per worker, the full path's statements on every heartbeat (the token-checking answer SELECT without the memo's two columns, the UPDATE by primary key; the agent row when stale): the straightforward implementation, no memo; nginx \`location /flask/api/agents/\` → \`proxy_pass http://unix:$FLASK_SOCK:/api/agents/\`"
  echo "- Runs, in this order: ${RUNS[*]}; the ceiling client counts after its own ${WARMUP}s warm-up, as wrk runs do; wrk runs: ${WARMUP}s warm-up, then \`wrk -t$THREADS -c$CONNS -d${DURATION}s --latency\`; wrk and the ceiling client share the same $(nproc) cores with the server"
  echo "- Server CPU: utime+stime from /proc/PID/stat (CLK_TCK $CLK_TCK) before and after each run: nginx master+workers | spot-fcgi multiwatch+workers | mariadbd | gunicorn master+workers, per 10,000 requests (calls for the ceiling rows; the ceiling client's own CPU is not server CPU)"
  echo
  echo "| path | req/s | p50 | p99 | errors | server CPU s per 10k req | of which nginx | spot-fcgi | mariadbd | gunicorn | load generator CPU s per 10k (wrk or the ceiling client; not server) | requests |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  row ceiling-hb "database ceiling: the heartbeat's prepared statements as the worker sends them (the memo's UPDATE; SELECT + UPDATE when it does not hold), $DB_THREADS connections"
  row ceiling-update "database reference: one prepared plain \`UPDATE instances ... WHERE id = ? AND agent_id = ?\`, $DB_THREADS connections"
  row heartbeat "nginx+TLS → spot-fcgi heartbeat ($SPOT_WORKERS workers)"
  row flask "nginx+TLS → Flask + gunicorn heartbeat (2 sync workers)"
  echo
  echo "Database work per request (SHOW GLOBAL STATUS deltas / requests):"
  echo
  echo "| run | Handler_read_key | Handler_update | Handler_write | Questions | InnoDB fsyncs |"
  echo "|---|---:|---:|---:|---:|---:|"
  for k in ceiling-hb ceiling-update heartbeat flask; do echo "| $k | $(dbrow "$k") |"; done
  echo
  echo "Targets (same run):"
  echo
  echo "- heartbeat req/s ≥ 70% of the database ceiling (the same statements): ${R_RPS[heartbeat]} / ${R_RPS[ceiling-hb]} = **${HB_PCT}% — $V1**"
  echo "- heartbeat req/s ≥ 70% of the plain single UPDATE (the issue's literal \"same UPDATE\"): ${R_RPS[heartbeat]} / ${R_RPS[ceiling-update]} = **${HB_PCT_U}% — $V1U**"
  echo "- heartbeat p99 < 15 ms: **${R_P99[heartbeat]} — $V2**"
  echo "- server CPU per 10k heartbeats ≤ 40% of the Flask peer's: ${R_CPU[heartbeat]} s / ${R_CPU[flask]} s = **${CPU_PCT}% — $V3**"
  echo "- errors: spot-fcgi ${R_ERR[heartbeat]}, Flask ${R_ERR[flask]} (non-2xx and socket errors)$ERR_NOTE"
  echo
  db_only=$(awk -v s="${R_SPLIT[heartbeat]}" 'BEGIN {split(s, x, " [|] "); print x[3]}')
  echo "Reading the results (computed from this run's rows):"
  echo
  echo "- mariadbd alone spends $db_only s per 10k C heartbeats = $(pct "$db_only" "${R_CPU[flask]}")% of the Flask peer's whole server CPU (${R_CPU[flask]} s)$(if [ "$(pct "$db_only" "${R_CPU[flask]}")" -ge 40 ]; then echo ": with this much database work per heartbeat the 40% CPU target cannot be met whatever nginx and the workers cost"; else echo ", which leaves only $((40 - $(pct "$db_only" "${R_CPU[flask]}"))) points of the 40% for nginx and the workers"; fi). The same statements cost mariadbd $(awk -v s="${R_SPLIT[ceiling-hb]}" 'BEGIN {split(s, x, " [|] "); print x[3]}') s per 10k heartbeats in the ceiling run vs $(awk -v s="${R_SPLIT[ceiling-update]}" 'BEGIN {split(s, x, " [|] "); print x[3]}') s for the plain UPDATE alone (see the counters per request above)."
  echo "- Cores busy: the C heartbeat run used $(awk -v t="${R_CPU[heartbeat]}" -v c="${R_CLIENT[heartbeat]}" -v n="${R_REQ[heartbeat]}" -v r="${R_RPS[heartbeat]}" 'BEGIN {printf "%.2f", (t + c * 10000 / n) * r / 10000}') of $(nproc) (server + wrk), the ceiling run $(awk -v t="${R_CPU[ceiling-hb]}" -v c="${R_CLIENT[ceiling-hb]}" -v n="${R_REQ[ceiling-hb]}" -v r="${R_RPS[ceiling-hb]}" 'BEGIN {printf "%.2f", (t + c * 10000 / n) * r / 10000}') (mariadbd + its client). In the heartbeat run nginx + workers + wrk take $(awk -v s="${R_SPLIT[heartbeat]}" -v c="${R_CLIENT[heartbeat]}" -v n="${R_REQ[heartbeat]}" 'BEGIN {split(s, x, " [|] "); printf "%.3f", x[1] + x[2] + c * 10000 / n}') s per 10k requests of the same cores mariadbd needs."
  echo "- Latency follows throughput (Little's law): $CONNS connections / ${R_RPS[heartbeat]} req/s = $(awk -v c="$CONNS" -v r="${R_RPS[heartbeat]}" 'BEGIN {printf "%.1f", 1000 * c / r}') ms mean time in system; p99 < 15 ms at $CONNS connections needs roughly $(awk -v c="$CONNS" 'BEGIN {printf "%.0f", c / 0.0075}')+ req/s (mean ≈ half the p99); this run's database ceiling (the same statements) is ${R_RPS[ceiling-hb]} heartbeats/s."
  echo
  echo "One heartbeat on each path before the runs (body, status): spot-fcgi \`$C_ANS\`; Flask \`$F_ANS\`"
  echo
  echo "### Raw output"
  for k in ceiling-hb heartbeat flask ceiling-update; do
    echo
    echo "$k: \`${R_CMD[$k]}\`"
    echo
    echo '```'
    cat "$RAW/$k.txt"
    echo '```'
  done
  if [ -s "$PROF_OUT" ]; then
    echo
    echo "### Where the CPU goes (an extra 8 s heartbeat run under perf/strace; slower because profiled)"
    echo
    echo '```'
    cat "$PROF_OUT"
    echo '```'
  fi
}
pricing_section() {
  echo "## Pricing reports (issue 3)"
  echo
  if [ "$PRICING" -eq 1 ]; then
    if [ "$PRICING_ONLY" -eq 1 ]; then
      echo "- A pricing-only run (\`bash bench/heartbeat.sh${ARGS[*]:+ ${ARGS[*]}}\`): $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $commit, load average before/after: $LOAD_BEFORE / $LOAD_AFTER; a fresh stack as in the heartbeat section, $REG_LINE; no heartbeat runs before it"
    fi
    echo "- $([ "$PRICING_ONLY" -eq 1 ] && echo "Stack and fleet as above" || echo "Same stack and fleet, after the heartbeat runs"); \`bench/pricing.lua\`: \`POST /api/agents/{id}/pricing-report\` with \`{instance_id, role:\"primary\", prices:[20 × {instance_type, az, price, observed_at}]}\` (5 types × 4 AZs of us-east-1), observed_at distinct per report of an agent so every price is a new row; no warm-up"
    echo "- Prices stored = rows added to spot_price_snapshots during the run ($PR_ROWS, in $PR_REPORTS pricing_reports rows) / wrk's duration (${R_SECS[pricing]} s); server CPU per 10k prices stored: $PR_CPU_ROW s"
    echo
    echo "| path | req/s | p50 | p99 | errors | server CPU s per 10k req | of which nginx | spot-fcgi | mariadbd | gunicorn | load generator CPU s per 10k (wrk or the ceiling client; not server) | requests |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    row pricing "nginx+TLS → spot-fcgi pricing-report, 20 prices"
    echo
    echo "Database work per report: $(dbrow pricing) (Handler_read_key | Handler_update | Handler_write | Questions | InnoDB fsyncs)"
    echo
    echo "- at least 20,000 prices/s stored: **$PR_RATE prices/s — $V4**"
    echo
    echo "pricing: \`${R_CMD[pricing]}\`"
    echo
    echo '```'
    cat "$RAW/pricing.txt"
    echo '```'
  else
    echo "- Not run: \`POST /api/agents/{id}/pricing-report\` is not on this build yet (probe answered \`$PR_PROBE\`)."
    echo "  \`bench/pricing.lua\` is ready (DESIGN.md section 5 fields); \`bash bench/heartbeat.sh\` runs it as soon as the route answers 200."
    echo "- Target: at least 20,000 prices/s stored — **not run**"
  fi
}
# trim_tail: drops trailing blank lines.
trim_tail() { sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }
# after_ours: the sections others wrote after ours (the first "## " heading outside a code
# block after the pricing heading, to the end), kept as they are.
after_ours() {
  awk '/^```/ {f = !f} !f && /^## Pricing reports \(issue 3\)/ {p = 1; next} p && !f && /^## / {p = 2} p == 2 {print}' "$OUT"
}
AFTER=$(after_ours)
if [ "$PRICING_ONLY" -eq 1 ]; then
  { awk '/^## Pricing reports \(issue 3\)/ {exit} {print}' "$OUT" | trim_tail; echo; pricing_section; } > "$OUT.tmp"
else
  { awk '/^## Heartbeat \(issue 3\)/ {exit} {print}' "$OUT" | trim_tail; echo; hb_section; echo; pricing_section; } > "$OUT.tmp"
fi
if [ -n "$AFTER" ]; then printf '\n%s\n' "$AFTER" >> "$OUT.tmp"; fi
mv -f "$OUT.tmp" "$OUT"
if [ "$PRICING_ONLY" -eq 1 ]; then
  say "pricing: $V4; wrote $OUT (${T_TOTAL}s)"
else
  say "heartbeat ${HB_PCT}% of the ceiling ($V1), ${HB_PCT_U}% of the plain UPDATE ($V1U), p99 ${R_P99[heartbeat]} ($V2), CPU ${CPU_PCT}% of Flask ($V3), pricing: $V4; wrote $OUT (${T_TOTAL}s)"
fi
