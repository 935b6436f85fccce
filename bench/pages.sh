#!/usr/bin/env bash
# pages.sh - benchmark of the dashboard pages (issue 7): the overview and an agent's page of a
# client with 1,000 agents, 20 pools and 30 days of 5-minute consolidated prices, through nginx
# (TLS) with wrk at 4 connections and a session cookie. Targets: p50 < 25 ms, p99 < 80 ms.
#
#   bash bench/pages.sh [--duration S] [--dir DIR] [--port PORT] [--out FILE] [--keep]
#
# 1. A fresh private stack: `./spot up --dir DIR --port PORT --no-demo`, built in a build of its own
#    (SPOT_BUILD_DIR, RelWithDebInfo as ./spot builds).
# 2. Data in SQL: one client (made through the admin API), 20 pools (5 types x 4 zones of us-east-1),
#    1,000 agents spread over them, each with its primary instance, 30 days x 288 buckets x 20 pools
#    = 172,800 pricing_consolidated rows, 30 days of savings, 3,000 switches over 30 days, 5 agents
#    under a notice. A client user signs in through the login form (curl) for the session cookie.
# 3. wrk -t2 -c4 --latency for S seconds (default 20) on `/` and then on `/agents/<id>`; each run's
#    p50/p99 from wrk's latency distribution.
# 4. The section "## Dashboard pages (issue 7)" of --out (bench/RESULTS.md) is replaced; other sections stay.
# The stack is stopped at the end (./spot down), also on failure; its data is removed unless --keep.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../scripts/lib.sh
. "$SRC/scripts/lib.sh"
# shellcheck source=../scripts/build.sh
. "$SRC/scripts/build.sh"
# shellcheck source=lib.sh
. "$SRC/bench/lib.sh"

DURATION=20 BDIR=${TMPDIR:-/tmp}/spot-bench-pages PORT="" OUT=$SRC/bench/RESULTS.md KEEP=0
export SPOT_BUILD_DIR=${SPOT_BUILD_DIR:-${TMPDIR:-/tmp}/spot-bench-pages-build}
while [ $# -gt 0 ]; do
  case $1 in
    --duration) DURATION=${2:?--duration needs seconds}; shift 2 ;;
    --dir) BDIR=${2:?--dir needs a directory}; shift 2 ;;
    --port) PORT=${2:?--port needs a number}; shift 2 ;;
    --out) OUT=${2:?--out needs a file}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1 (try --help)" ;;
  esac
done
command -v wrk >/dev/null || die "wrk is needed"
[ -n "$PORT" ] || PORT=$(free_port)
BUILD=$SPOT_BUILD_DIR
[ -x "$BUILD/spot-fcgi" ] || spot_build "$BUILD" >/dev/null

bench_stack_up
CURL=(curl -s --max-time 30 --cacert "$SPOT_CA_FILE")

# ---- data ----
T0=$(date +%s.%N)
C=$("${CURL[@]}" -X POST -H "Authorization: Bearer $SPOT_ADMIN_TOKEN" -H 'Content-Type: application/json' \
  -d '{"name":"bench-pages","email":"bench-pages@example.test","max_agents":2000,"max_instances":4000}' \
  "$SPOT_URL/api/admin/clients" | jq -r .id)
[ ${#C} = 36 ] || die "could not create the client"
dbq "
INSERT IGNORE INTO spot_pools (id, instance_type, region, az)
  SELECT CONCAT(t.t, '.us-east-1', z.z), t.t, 'us-east-1', CONCAT('us-east-1', z.z)
  FROM (SELECT 't3.medium' t UNION ALL SELECT 't3.large' UNION ALL SELECT 'm5.large' UNION ALL SELECT 'm5.xlarge'
        UNION ALL SELECT 'c5.large') t
  CROSS JOIN (SELECT 'a' z UNION ALL SELECT 'b' UNION ALL SELECT 'c' UNION ALL SELECT 'd') z;
CREATE TEMPORARY TABLE bench_pools AS
  SELECT id, instance_type, az, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM spot_pools WHERE region = 'us-east-1';
INSERT INTO agents (id, client_id, logical_agent_id, hostname, agent_version, instance_id, instance_type, region, az,
                    current_mode, current_pool_id, status, reported_status, last_heartbeat_at)
  SELECT UUID(), '$C', CONCAT('bench-', LPAD(s.seq, 4, '0')), CONCAT('host-', s.seq), 'bench',
         CONCAT('i-', LPAD(HEX(s.seq), 17, '0')), p.instance_type, 'us-east-1', p.az,
         IF(s.seq % 10 = 0, 'ondemand', 'spot'), p.id, IF(s.seq % 50 = 0, 'offline', 'online'), 'running',
         UTC_TIMESTAMP(3) - INTERVAL (s.seq % 30) SECOND
  FROM seq_1_to_1000 s JOIN bench_pools p ON p.k = s.seq % 20;
INSERT INTO instances (id, agent_id, client_id, role, instance_type, region, az, mode, pool_id, spot_price,
                       ondemand_price, last_heartbeat_at)
  SELECT instance_id, id, client_id, 'primary', instance_type, region, az, current_mode, current_pool_id, 0.031,
         0.0832, last_heartbeat_at FROM agents WHERE client_id = '$C';
UPDATE agents SET notice_status = 'rebalance', notice_deadline = UTC_TIMESTAMP(3) + INTERVAL 30 MINUTE
  WHERE client_id = '$C' AND logical_agent_id IN ('bench-0007', 'bench-0107', 'bench-0207', 'bench-0307', 'bench-0407');
INSERT INTO pricing_consolidated (id, pool_id, bucket_start, price, sample_count, data_quality_flag)
  SELECT UUID(), p.id, FROM_UNIXTIME((FLOOR(UNIX_TIMESTAMP() / 300) - s.seq) * 300),
         0.030 + 0.004 * SIN(s.seq / 50 + p.k) + 0.0001 * p.k, 2, IF(s.seq % 97 = 0, 'interpolated', 'actual')
  FROM bench_pools p JOIN seq_0_to_8639 s;
INSERT INTO savings_snapshots (id, client_id, snapshot_date, ondemand_cost, actual_cost, savings, savings_pct)
  SELECT UUID(), '$C', UTC_DATE() - INTERVAL s.seq DAY, 1996.80, 748.80, 1248.00, 62.5 FROM seq_0_to_29 s;
INSERT INTO switches (id, client_id, agent_id, status, old_mode, old_pool_id, new_mode, new_pool_id, savings_impact,
                      downtime_seconds, initiated_at)
  SELECT UUID(), a.client_id, a.id, 'completed', 'spot', a.current_pool_id, 'spot', a.current_pool_id, 0.004,
         5 + s.seq % 40, UTC_TIMESTAMP(3) - INTERVAL (s.seq * 14) MINUTE
  FROM seq_1_to_3000 s JOIN agents a ON a.client_id = '$C' AND a.logical_agent_id = CONCAT('bench-', LPAD(1 + s.seq % 1000, 4, '0'));
ANALYZE TABLE agents, instances, pricing_consolidated, switches, savings_snapshots;" >/dev/null
GEN=$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
COUNTS=$(dbq "SELECT (SELECT COUNT(*) FROM agents WHERE client_id = '$C'), (SELECT COUNT(*) FROM spot_pools WHERE region = 'us-east-1'),
                     (SELECT COUNT(*) FROM pricing_consolidated), (SELECT COUNT(*) FROM switches WHERE client_id = '$C')")
read -r N_AGENTS N_POOLS N_PRICES N_SWITCHES <<<"$COUNTS"
AID=$(dbq "SELECT id FROM agents WHERE client_id = '$C' AND logical_agent_id = 'bench-0001'")
say "bench: data in ${GEN}s: $N_AGENTS agents, $N_POOLS pools, $N_PRICES consolidated prices, $N_SWITCHES switches"

# ---- a session ----
PW=$BDIR/pw
printf 'bench-password-%s\n' "$(rand_hex 8)" >"$PW"
"$BUILD/spot-user" --config "$BDIR/spot.env" create --email bench-user@example.test --role client --client-id "$C" \
  --password-file "$PW" >/dev/null
JAR=$BDIR/jar
FORM=$("${CURL[@]}" -c "$JAR" -b "$JAR" "$SPOT_URL/login")
CSRF=$(grep -o 'name="csrf_token" value="[0-9a-f]*"' <<<"$FORM" | sed 's/.*value="//; s/"$//')
STATUS=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -c "$JAR" -b "$JAR" --data-urlencode 'email=bench-user@example.test' \
  --data-urlencode "password=$(cat "$PW")" --data-urlencode "csrf_token=$CSRF" "$SPOT_URL/login")
[ "$STATUS" = 303 ] || die "login answered $STATUS"
COOKIE=$(awk '$6 == "spot_session" { print $7 }' "$JAR")
[ -n "$COOKIE" ] || die "no session cookie"

# ---- runs ----
run() { # run NAME PATH: warm-up, a check of the answer, then wrk
  local name=$1 path=$2 code
  code=$("${CURL[@]}" -o "$BDIR/log/$name.html" -w '%{http_code}' -H "Cookie: spot_session=$COOKIE" "$SPOT_URL$path")
  [ "$code" = 200 ] || die "$path answered $code"
  SIZE_[$name]=$(wc -c <"$BDIR/log/$name.html")
  wrk -t2 -c4 -d"${DURATION}s" --latency -H "Cookie: spot_session=$COOKIE" "$SPOT_URL$path" >"$BDIR/log/wrk-$name.txt" 2>&1
  cat "$BDIR/log/wrk-$name.txt" >&2
}
ms() { # ms FILE PERCENTILE: wrk's latency distribution line in milliseconds
  awk -v p="$2%" '$1 == p { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; printf "%.2f", v }' "$1"
}
declare -A SIZE_
run overview /
run agent "/agents/$AID"
grep -q 'Spot price of' "$BDIR/log/agent.html" || die "the agent page has no chart"
P50_O=$(ms "$BDIR/log/wrk-overview.txt" 50) P99_O=$(ms "$BDIR/log/wrk-overview.txt" 99)
P50_A=$(ms "$BDIR/log/wrk-agent.txt" 50) P99_A=$(ms "$BDIR/log/wrk-agent.txt" 99)
RPS_O=$(awk '/^Requests\/sec/ { print $2 }' "$BDIR/log/wrk-overview.txt")
RPS_A=$(awk '/^Requests\/sec/ { print $2 }' "$BDIR/log/wrk-agent.txt")
NON2XX=$(cat "$BDIR/log/wrk-overview.txt" "$BDIR/log/wrk-agent.txt" | awk '/Non-2xx/ { s += $NF } END { print s + 0 }')
met() { awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN { print (a < 25 && c < 25 && b < 80 && d < 80) ? "met" : "not met" }'; }
VERDICT=$(met "$P50_O" "$P99_O" "$P50_A" "$P99_A")
WORKERS=$(awk -F= '/^SPOT_WORKERS=/ { gsub(/\047/, "", $2); print $2 }' "$BDIR/spot.env")

# ---- the section ----
SECTION=$(mktemp)
{
  echo "## Dashboard pages (issue 7)"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- Machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); $(mariadbd --version 2>/dev/null | awk '{ print $3 }' || true); commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "- Command: \`bash bench/pages.sh --duration $DURATION\`; stack \`./spot up --dir $BDIR --port $PORT --no-demo\`${WORKERS:+ ($WORKERS workers)}; the stack's jobs keep running"
  echo "- Data (SQL, ${GEN} s): one client with $N_AGENTS agents (each with a primary instance; 2 % offline, 10 % on-demand, 5 under a notice), $N_POOLS pools, $N_PRICES rows of pricing_consolidated (30 days × 288 five-minute buckets × 20 pools), 30 days of savings, $N_SWITCHES switches over 30 days"
  echo "- Load: \`wrk -t2 -c4 -d${DURATION}s --latency\` through nginx over TLS with a client user's \`spot_session\` cookie (each request checks the session in the database and renders the template); pages of ${SIZE_[overview]} and ${SIZE_[agent]} bytes"
  echo
  echo "| page | requests/s | p50 | p99 | target |"
  echo "|---|---:|---:|---:|---|"
  echo "| \`/\` (overview) | $RPS_O | $P50_O ms | $P99_O ms | p50 < 25 ms, p99 < 80 ms |"
  echo "| \`/agents/{id}\` (agent, 7-day chart of 168 hourly points, 10 switches, pool list) | $RPS_A | $P50_A ms | $P99_A ms | p50 < 25 ms, p99 < 80 ms |"
  echo
  echo "**Targets: $VERDICT.** Non-2xx answers during the runs: $NON2XX."
  echo
  echo "### Raw wrk output"
  echo
  echo '```'
  cat "$BDIR/log/wrk-overview.txt"
  echo
  cat "$BDIR/log/wrk-agent.txt"
  echo '```'
  echo
} >"$SECTION"
if [ -f "$OUT" ] && grep -q '^## Dashboard pages (issue 7)' "$OUT"; then
  awk -v f="$SECTION" '
    $0 == "## Dashboard pages (issue 7)" { while ((getline l < f) > 0) print l; skip = 1; next }
    skip && /^## / { skip = 0 }
    !skip { print }' "$OUT" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
else
  { [ -f "$OUT" ] && cat "$OUT" && echo; cat "$SECTION"; } >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
fi
rm -f "$SECTION"
say "bench: overview p50 $P50_O ms p99 $P99_O ms; agent p50 $P50_A ms p99 $P99_A ms: $VERDICT"
