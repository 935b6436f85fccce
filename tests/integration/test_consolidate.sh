#!/usr/bin/env bash
# test_consolidate.sh - spot-consolidate on the real trace (../shared/testdata/spot-prices/real/):
# loaded as staging samples (primary, and replica copies by a fixed rule), consolidated with
# --once, the flagged and interpolated counts compared with golden/consolidate_real.txt (worked out
# by golden/consolidate_real.py, not by the code under test); a re-run changes nothing; the
# watermark makes the next run read only the new row; a --from/--to backfill rebuilds deleted rows.
. "$(dirname "$0")/harness.sh"
it_env

CSV=${SPOT_SHARED_DIR:-/work/shared}/testdata/spot-prices/real/us-east-1_2012-12-31_2013-01-15_linux-unix.csv
GOLDEN=$SRC/tests/integration/golden/consolidate_real.txt
[ -f "$CSV" ] || fail "no real trace at $CSV"
BIN=$SPOT_BUILD_DIR/spot-consolidate
REGION=it-gold-1
NOW=2026-11-24T06:00:00Z

# The loop holds the lease and moves the watermark: stop it, and bring it back at the end.
PIDF=$IT_DIR/run/job-consolidate.pid
if [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; then
  kill -TERM "$(cat "$PIDF")"
  poll 30 bash -c "! kill -0 $(cat "$PIDF") 2>/dev/null" || fail "spot-consolidate loop did not stop"
fi
trap 'rm -rf "$IT_TMP"; restore_stack' EXIT

run_once() { # run_once [args...]: one tick at $NOW; the lease of the previous --once holder is released first
  sql "UPDATE job_leases SET expires_at = '2000-01-01' WHERE name = 'consolidate'"
  "$BIN" --config "$IT_DIR/spot.env" --once --now "$NOW" "$@" >>"$IT_TMP/run.log" 2>&1 || { cat "$IT_TMP/run.log"; fail "spot-consolidate $* failed"; }
}
last_stats() { sql "SELECT stats FROM job_runs WHERE job_name = 'consolidate' ORDER BY started_at DESC LIMIT 1"; }
golden() { awk -v k="$1" '$1 == k { print $2 }' "$GOLDEN"; }
count() { sql "SELECT COUNT(*) FROM pricing_consolidated WHERE pool_id LIKE '%.$REGION%' $1"; }
checksum() {
  sql "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('|', pool_id, bucket_start, price, IFNULL(primary_price,'-'), IFNULL(replica_price,'-'), sample_count, data_quality_flag, gap_flagged, IFNULL(gap_seconds,'-')))), 0) FROM pricing_consolidated WHERE pool_id LIKE '%.$REGION%'"
  sql "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('|', pool_id, bucket_start, price, IFNULL(ondemand_ratio,'-'), IFNULL(price_change_pct,'-'), IFNULL(price_change_1h_pct,'-'), IFNULL(price_change_24h_pct,'-'), IFNULL(volatility_1h,'-'), IFNULL(volatility_24h,'-'), interruption_count_24h, IFNULL(seconds_since_interruption,'-'), data_quality_flag))), 0) FROM pricing_canonical WHERE pool_id LIKE '%.$REGION%'"
}

# ---- fixture: a client and an agent (FK of staging rows), pools, the trace as staging rows ----
sql "DELETE FROM pricing_canonical WHERE pool_id LIKE '%.$REGION%'; DELETE FROM pricing_consolidated WHERE pool_id LIKE '%.$REGION%';
     DELETE FROM spot_price_snapshots WHERE pool_id LIKE '%.$REGION%'; DELETE FROM spot_interruption_events WHERE pool_id LIKE '%.$REGION%';
     DELETE FROM system_config WHERE \`key\` = 'CONSOLIDATE_WATERMARK'"
new_client
register_agent "$CLIENT_TOKEN" "$(rand_name gold)" "$(rand_instance_id)"
# received_at: an hour before NOW, so the run's settle delay has passed.
awk -F, -v agent="$AGENT_ID" -v region="$REGION" '
  NR == 1 { next }
  {
    rn = NR - 1
    az = $2; sub(/us-east-1/, region, az)
    pool = $3 "." az
    ts = $1; sub(/T/, " ", ts); sub(/Z/, "", ts)
    pm = int($5 * 1000000 + 0.5)
    if (!(pool in seen)) { seen[pool] = 1; printf "INSERT INTO spot_pools (id, instance_type, region, az) VALUES (\x27%s\x27, \x27%s\x27, \x27%s\x27, \x27%s\x27);\n", pool, $3, region, az }
    printf "INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at, received_at) VALUES (UUID(), \x27%s\x27, \x27%s\x27, \x27i-gold-primary\x27, \x27primary\x27, %.6f, \x27%s\x27, \x272026-11-24 05:00:00\x27);\n", pool, agent, pm / 1000000, ts
    r = -1
    if (rn % 3 == 0) r = pm
    else if (rn % 7 == 0) r = pm + int(pm * 4 / 1000)
    else if (rn % 11 == 0) r = pm + int(pm * 20 / 1000) + 1
    if (r >= 0) printf "INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at, received_at) VALUES (UUID(), \x27%s\x27, \x27%s\x27, \x27i-gold-replica\x27, \x27replica\x27, %.6f, \x27%s\x27, \x272026-11-24 05:00:00\x27);\n", pool, agent, r / 1000000, ts
  }' "$CSV" > "$IT_TMP/load.sql"
{ echo "START TRANSACTION;"; cat "$IT_TMP/load.sql"; echo "COMMIT;"; } | db_root spot
# An on-demand price for one pool's type and an interruption in it, for the features.
sql "INSERT INTO instance_types (instance_type, region, vcpu, memory_gib, ondemand_price) VALUES ('t1.micro', '$REGION', 1, 0.613, 0.02)
     ON DUPLICATE KEY UPDATE ondemand_price = 0.02"
sql "INSERT INTO instances (id, agent_id, client_id, role) VALUES ('i-gold-intr', '$AGENT_ID', '$CLIENT_ID', 'terminated')"
# (a minute before the pool's 100th sample, so buckets follow within 24 h)
sql "INSERT INTO spot_interruption_events (id, client_id, agent_id, instance_id, pool_id, signal_type, detected_at)
     SELECT UUID(), '$CLIENT_ID', '$AGENT_ID', 'i-gold-intr', pool_id, 'termination-notice', observed_at - INTERVAL 1 MINUTE
     FROM spot_price_snapshots WHERE pool_id = 't1.micro.${REGION}a' ORDER BY observed_at LIMIT 1 OFFSET 100"
loaded=$(sql "SELECT COUNT(*) FROM spot_price_snapshots WHERE pool_id LIKE '%.$REGION%'")
[ "$loaded" = "$(golden staging_rows)" ] || fail "loaded $loaded staging rows, golden says $(golden staging_rows)"

# ---- the first run: counts against the golden file ----
run_once
st=$(last_stats)
note "first run: $st"
[ "$(jq -r .mode <<<"$st")" = incremental ] || fail "first run not incremental: $st"
[ "$(jq -r .rows_read <<<"$st")" -ge "$loaded" ] || fail "rows_read below the rows loaded: $st"
for k in written merged flagged interpolated; do jq -e ".$k >= 0" <<<"$st" >/dev/null || fail "stats without $k: $st"; done
[ "$(count "")" = "$(golden rows)" ] || fail "consolidated rows $(count "") != golden $(golden rows)"
[ "$(count "AND data_quality_flag = 'interpolated'")" = "$(golden interpolated)" ] || fail "interpolated $(count "AND data_quality_flag = 'interpolated'") != golden $(golden interpolated)"
[ "$(count "AND data_quality_flag = 'averaged'")" = "$(golden averaged)" ] || fail "averaged (flagged for review) != golden"
[ "$(count "AND data_quality_flag = 'deduplicated'")" = "$(golden deduplicated)" ] || fail "deduplicated != golden"
[ "$(count "AND data_quality_flag = 'actual'")" = "$(golden actual)" ] || fail "actual != golden"
[ "$(count "AND gap_flagged")" = "$(golden gap_flagged)" ] || fail "gap_flagged $(count "AND gap_flagged") != golden $(golden gap_flagged)"
[ "$(count "AND (gap_flagged OR data_quality_flag = 'averaged')")" = "$(golden flagged)" ] || fail "flagged != golden"
[ "$(sql "SELECT COUNT(*) FROM pricing_canonical WHERE pool_id LIKE '%.$REGION%'")" = "$(golden rows)" ] || fail "canonical rows != consolidated rows"
# A feature spot check: t1.micro in it-gold-1a has an on-demand price and the interruption.
feat=$(sql "SELECT COUNT(*), SUM(ondemand_ratio IS NOT NULL), SUM(seconds_since_interruption IS NOT NULL),
              SUM(interruption_count_24h > 0), SUM(volatility_24h IS NOT NULL)
            FROM pricing_canonical WHERE pool_id = 't1.micro.${REGION}a'")
read -r n_rows n_ratio n_since n_intr n_vol <<<"$feat"
[ "$n_rows" -gt 0 ] && [ "$n_ratio" = "$n_rows" ] || fail "ratio to on-demand missing: $feat"
[ "$n_since" -gt 0 ] && [ "$n_since" -lt "$n_rows" ] || fail "time since interruption should exist only after it: $feat"
[ "$n_intr" -gt 0 ] || fail "no bucket counts the interruption: $feat"
[ "$n_vol" -gt 0 ] || fail "no 24 h volatility: $feat"
# The seed's rule on a pair of this trace: a replica within 0.5 % gives the primary's value.
bad=$(sql "SELECT COUNT(*) FROM pricing_consolidated WHERE pool_id LIKE '%.$REGION%' AND data_quality_flag = 'deduplicated' AND price <> primary_price")
[ "$bad" = 0 ] || fail "$bad deduplicated rows without the primary's value"
before=$(checksum)

# ---- a re-run: nothing new (the watermark), nothing changes ----
run_once
st=$(last_stats)
[ "$(jq -r .rows_new <<<"$st")" = 0 ] || fail "re-run read new rows: $st"
[ "$(checksum)" = "$before" ] || fail "a re-run changed the tables"
wm=$(sql "SELECT value FROM system_config WHERE \`key\` = 'CONSOLIDATE_WATERMARK'")
[ "$wm" = "2026-11-24T05:59:00.000Z" ] || fail "watermark is '$wm', expected NOW minus the settle delay"

# ---- the watermark: one new sample, received after it, is all the next run reads ----
sql "INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at, received_at)
     VALUES (UUID(), 'm1.small.${REGION}a', '$AGENT_ID', 'i-gold-primary', 'primary', 0.5, '2013-01-20 00:02:00', '2026-11-24 05:59:30')"
NOW=2026-11-24T07:00:00Z run_once
st=$(last_stats)
[ "$(jq -r .rows_new <<<"$st")" = 1 ] || fail "expected one new row: $st"
[ "$(jq -r .pools <<<"$st")" = 1 ] || fail "expected one pool: $st"
[ "$(sql "SELECT price FROM pricing_consolidated WHERE pool_id = 'm1.small.${REGION}a' AND bucket_start = '2013-01-20 00:00:00'")" = 0.500000 ] \
  || fail "the new sample was not consolidated"
[ "$(sql "SELECT gap_flagged FROM pricing_consolidated WHERE pool_id = 'm1.small.${REGION}a' AND bucket_start = '2013-01-20 00:00:00'")" = 1 ] \
  || fail "the new sample after days of silence is not gap-flagged"
sql "DELETE FROM pricing_canonical WHERE pool_id = 'm1.small.${REGION}a' AND bucket_start >= '2013-01-20';
     DELETE FROM pricing_consolidated WHERE pool_id = 'm1.small.${REGION}a' AND bucket_start >= '2013-01-20';
     DELETE FROM spot_price_snapshots WHERE pool_id = 'm1.small.${REGION}a' AND observed_at >= '2013-01-20'"
[ "$(checksum)" = "$before" ] || fail "tables differ after removing the extra sample"

# ---- a backfill: rows deleted for a window come back as they were ----
sql "DELETE FROM pricing_canonical WHERE pool_id LIKE '%.$REGION%' AND bucket_start >= '2013-01-03' AND bucket_start < '2013-01-05';
     DELETE FROM pricing_consolidated WHERE pool_id LIKE '%.$REGION%' AND bucket_start >= '2013-01-03' AND bucket_start < '2013-01-05'"
[ "$(checksum)" != "$before" ] || fail "the deletion changed nothing"
run_once --from 2013-01-03T00:00:00Z --to 2013-01-05T00:00:00Z
st=$(last_stats)
note "backfill: $st"
[ "$(jq -r .mode <<<"$st")" = backfill ] || fail "not a backfill: $st"
[ "$(checksum)" = "$before" ] || fail "the backfill did not rebuild the window as it was"
[ "$(sql "SELECT value FROM system_config WHERE \`key\` = 'CONSOLIDATE_WATERMARK'")" = "2026-11-24T06:59:00.000Z" ] || fail "a backfill moved the watermark"
# bad options are refused
if "$BIN" --config "$IT_DIR/spot.env" --once --from yesterday >/dev/null 2>&1; then fail "--from yesterday accepted"; fi

it_ok
