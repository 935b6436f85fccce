#!/usr/bin/env bash
# consolidate.sh - benchmark of spot-consolidate (issue 6): N generated staging rows
# (default 10,000,000) consolidated by one `spot-consolidate --once` run; target at least
# 1,000,000 rows per minute, with memory bounded whatever the input size (peak RSS from
# /usr/bin/time -v, compared across input sizes).
#
#   bash bench/consolidate.sh [--rows N] [--pools P] [--dir DIR] [--port PORT] [--out FILE] [--keep]
#
# 1. A fresh private stack: `./spot up --dir DIR --port PORT --no-demo` (its spot-consolidate loop is
#    stopped at once, so only the measured run consolidates), built in a build of its own.
# 2. P pools, N/P samples each, one a minute, generated in SQL (a recursive CTE numbers table,
#    INSERT ... SELECT per 1,000 minutes, all pools): even minutes from a primary, odd minutes from a replica whose price
#    differs by 0.2 % (deduplicated) or, in every 10th 5-minute bucket, by 3 % (averaged); a 20-minute hole every
#    2,000 minutes (interpolated) and a 60-minute hole every 5,000 (gap left open); received_at is a minute
#    after observed_at, as when agents report as they observe.
# 3. One timed `spot-consolidate --once` (wall time, peak RSS); rows per minute = rows read / time.
#    A second, small run (N/10 rows) gives a second RSS point: bounded memory means about the same.
# 4. The section "## Consolidation (issue 6)" of --out (bench/RESULTS.md) is replaced; other sections stay.
# The stack is stopped at the end (./spot down), also on failure; its data is removed unless --keep.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../scripts/lib.sh
. "$SRC/scripts/lib.sh"
# shellcheck source=../scripts/build.sh
. "$SRC/scripts/build.sh"
# shellcheck source=lib.sh
. "$SRC/bench/lib.sh"

ROWS=10000000 POOLS=200 BDIR=${TMPDIR:-/tmp}/spot-bench-cons PORT="" OUT=$SRC/bench/RESULTS.md KEEP=0
export SPOT_BUILD_DIR=${SPOT_BUILD_DIR:-${TMPDIR:-/tmp}/spot-bench-cons-build}
while [ $# -gt 0 ]; do
  case $1 in
    --rows) ROWS=${2:?--rows needs a number}; shift 2 ;;
    --pools) POOLS=${2:?--pools needs a number}; shift 2 ;;
    --dir) BDIR=${2:?--dir needs a directory}; shift 2 ;;
    --port) PORT=${2:?--port needs a number}; shift 2 ;;
    --out) OUT=${2:?--out needs a file}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1 (try --help)" ;;
  esac
done
PER=$((ROWS / POOLS))
[ "$PER" -ge 100 ] && [ $((PER / 10)) -ge "$POOLS" ] || die "--rows / --pools must give at least 100 samples per pool, and a tenth of them at least --pools"
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is needed for the peak RSS"
[ -n "$PORT" ] || PORT=$(free_port)
BUILD=$SPOT_BUILD_DIR

[ -x "$BUILD/spot-consolidate" ] || spot_build "$BUILD" >/dev/null
bench_stack_up consolidate

# ---- data ----
gen() { # gen PER: a fresh set of P pools with PER samples each; prints the seconds it took
  local per=$1 t0 t1
  t0=$(date +%s.%N)
  dbq "DELETE FROM system_config WHERE \`key\` = 'CONSOLIDATE_WATERMARK'; UPDATE job_leases SET expires_at = '2000-01-01' WHERE name = 'consolidate';
       SET FOREIGN_KEY_CHECKS = 0; TRUNCATE pricing_canonical; TRUNCATE pricing_consolidated; TRUNCATE spot_price_snapshots; SET FOREIGN_KEY_CHECKS = 1;
       DROP TABLE IF EXISTS bench_nums;
       CREATE TABLE bench_nums (k INT NOT NULL PRIMARY KEY) ENGINE=InnoDB;
       SET SESSION max_recursive_iterations = $((per + 10));
       INSERT INTO bench_nums WITH RECURSIVE s (k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k + 1 < $per) SELECT k FROM s;"
  # In time order (chunks of 1,000 minutes across all pools): the received_at index then grows at its end.
  local c
  for ((c = 0; c < per; c += 1000)); do
    # price: a slow saw between 0.040 and 0.060 per pool; replicas on odd minutes
    dbq "INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at, received_at, request_id)
         SELECT UUID(), CONCAT('bench', p.k, '.bench-1a'), '$AGENT', IF(n.k % 2 = 0, 'i-bench-primary', 'i-bench-replica'), IF(n.k % 2 = 0, 'primary', 'replica'),
                ROUND((0.040 + ((n.k DIV 60 + p.k) % 21) * 0.001) * IF(n.k % 2 = 0, 1, IF((n.k DIV 5) % 10 = 3, 1.03, 1.002)), 6),
                TIMESTAMP('2026-01-01 00:00:00') + INTERVAL n.k MINUTE, TIMESTAMP('2026-01-01 00:00:00') + INTERVAL n.k + 1 MINUTE, NULL
         FROM bench_nums n JOIN bench_nums p ON p.k < $POOLS
         WHERE n.k >= $c AND n.k < $((c + 1000)) AND NOT (n.k % 2000 BETWEEN 1000 AND 1019) AND NOT (n.k % 5000 BETWEEN 2500 AND 2559)"
  done
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}

run() { # run TAG: one timed --once run; sets WALL, RSS, STATS
  local tag=$1
  /usr/bin/time -v "$BUILD/spot-consolidate" --config "$BDIR/spot.env" --once --now 2026-11-24T06:00:00Z \
    >"$BDIR/log/run-$tag.log" 2>"$BDIR/log/time-$tag.txt" || { tail -n 30 "$BDIR/log/time-$tag.txt" >&2; die "spot-consolidate failed"; }
  WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.1f", s }' "$BDIR/log/time-$tag.txt")
  RSS=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$BDIR/log/time-$tag.txt")
  USR=$(awk -F': ' '/User time/ { print $2 }' "$BDIR/log/time-$tag.txt")
  SYS=$(awk -F': ' '/System time/ { print $2 }' "$BDIR/log/time-$tag.txt")
  STATS=$(dbq "SELECT stats FROM job_runs WHERE job_name = 'consolidate' ORDER BY started_at DESC LIMIT 1")
}

dbq "INSERT INTO clients (id, name) VALUES ('00000000-0000-4000-8000-0000000bench', 'bench-consolidate');
     INSERT INTO agents (id, client_id, logical_agent_id) VALUES ('00000000-0000-4000-8000-00000000benc', '00000000-0000-4000-8000-0000000bench', 'bench');"
AGENT=00000000-0000-4000-8000-00000000benc
for ((i = 0; i < POOLS; i++)); do echo "INSERT INTO spot_pools (id, instance_type, region, az) VALUES ('bench$i.bench-1a', 'bench$i', 'bench-1', 'bench-1a');"; done \
  | mariadb --socket="$SPOT_DB_SOCKET" -u "$(id -un)" spot

# The small run first (a second RSS point), then the full one.
SMALL_PER=$((PER / 10))
say "bench: generating $((SMALL_PER * POOLS)) rows (small run)"
GEN_SMALL=$(gen "$SMALL_PER")
N_SMALL=$(dbq "SELECT COUNT(*) FROM spot_price_snapshots")
run small
WALL_SMALL=$WALL RSS_SMALL=$RSS STATS_SMALL=$STATS
say "bench: small: $N_SMALL rows in ${WALL_SMALL}s, peak RSS ${RSS_SMALL} KiB"
say "bench: generating $((PER * POOLS)) rows"
GEN=$(gen "$PER")
N=$(dbq "SELECT COUNT(*) FROM spot_price_snapshots")
say "bench: $N rows generated in ${GEN}s; consolidating"
run full
say "bench: $N rows in ${WALL}s, peak RSS ${RSS} KiB: $STATS"
READ=$(jq -r .rows_read <<<"$STATS")
PERMIN=$(awk -v r="$READ" -v s="$WALL" 'BEGIN { printf "%d", r / s * 60 }')
MET=$([ "$PERMIN" -ge 1000000 ] && echo "met" || echo "not met")
CONS=$(dbq "SELECT COUNT(*), SUM(data_quality_flag = 'interpolated'), SUM(data_quality_flag = 'averaged'), SUM(data_quality_flag = 'deduplicated'), SUM(gap_flagged) FROM pricing_consolidated")
CANON=$(dbq "SELECT COUNT(*) FROM pricing_canonical")
read -r C_ALL C_INT C_AVG C_DED C_GAP <<<"$CONS"

# ---- the section ----
SECTION=$(mktemp)
{
  echo "## Consolidation (issue 6)"
  echo
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "- Machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); $(mariadbd --version 2>/dev/null | awk '{ print $3 }' || true); commit $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "- Command: \`bash bench/consolidate.sh --rows $ROWS --pools $POOLS\`; stack \`./spot up --dir $BDIR --port $PORT --no-demo\` (its consolidate loop stopped), \`innodb_buffer_pool_size=256M\`, \`innodb_flush_log_at_trx_commit=1\`"
  echo "- Input: $POOLS pools × $PER minutes (one sample a minute: primary on even, replica on odd minutes; replica 0.2 % off, in every 10th bucket 3 % off; a 20-min hole every 2,000 min and a 60-min hole every 5,000; received a minute after observed), generated in SQL in ${GEN} s"
  echo "- Run: one \`spot-consolidate --once\` under \`/usr/bin/time -v\` (incremental: watermark cleared, all rows new, taken in slices of 500,000 by received_at); batches of 5,000 staging rows read per query, upserts of 500 rows per statement (JSON_TABLE)"
  echo
  echo "| run | staging rows | wall s | rows/min | user s | sys s | peak RSS (job) | consolidated rows written | canonical rows written |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  echo "| small | $N_SMALL | $WALL_SMALL | $(awk -v r="$(jq -r .rows_read <<<"$STATS_SMALL")" -v s="$WALL_SMALL" 'BEGIN { printf "%d", r / s * 60 }') | - | - | $((RSS_SMALL / 1024)) MiB | $(jq -r .written <<<"$STATS_SMALL") | $(jq -r .canonical_written <<<"$STATS_SMALL") |"
  echo "| full | $N | $WALL | $PERMIN | $USR | $SYS | $((RSS / 1024)) MiB | $(jq -r .written <<<"$STATS") | $(jq -r .canonical_written <<<"$STATS") |"
  echo
  echo "**≥ 1,000,000 staging rows per minute: $PERMIN — $MET.** Peak RSS $((RSS_SMALL / 1024)) MiB for $N_SMALL rows and $((RSS / 1024)) MiB for $N rows: memory does not grow with the input (it is bounded by the batch sizes and the 24-hour feature window)."
  echo
  echo "- Result tables: pricing_consolidated $C_ALL rows ($C_DED deduplicated, $C_AVG averaged, $C_INT interpolated, $C_GAP gap-flagged); pricing_canonical $CANON rows"
  echo "- job_runs stats of the full run: \`$STATS\`"
  echo
} >"$SECTION"
if [ -f "$OUT" ] && grep -q '^## Consolidation (issue 6)' "$OUT"; then
  awk -v f="$SECTION" '
    /^## Consolidation \(issue 6\)/ { while ((getline l < f) > 0) print l; skip = 1; next }
    skip && /^## / { skip = 0 }
    !skip { print }' "$OUT" >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
else
  { [ -f "$OUT" ] && cat "$OUT" && echo; cat "$SECTION"; } >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
fi
rm -f "$SECTION"
say "bench: wrote the consolidation section of $OUT"
