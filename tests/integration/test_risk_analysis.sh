# test_risk_analysis.sh - spot-risk-analysis (issue 8 item 2) against the real
# stack, time driven through --once --now: ./spot up starts it with the Spot
# Advisor file; the advisor's interruption-frequency ranges become the pools'
# buckets; one pool_risk_analysis row per active pool for the hour, with the
# interruption, age and volatility components of core/risk.h; a pool with an
# interruption scores higher; running the hour again (at the same time or later
# in the hour) changes no row; the next hour gets its own rows.
. "$(dirname "$0")/harness.sh"
it_env
BIN=${SPOT_RISK_ANALYSIS_BIN:-${SPOT_BUILD_DIR:?}/spot-risk-analysis}  # e.g. a sanitizer build
PIDF=$IT_DIR/run/job-risk-analysis.pid
ADV=$SRC/../shared/testdata/spot-advisor/spot-advisor-data.json
cleanup() { restore_stack; rm -rf "$IT_TMP"; }
trap cleanup EXIT

# ./spot up runs it with the advisor file; stop that loop (it holds the lease) while we drive time.
[ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null || fail "./spot up did not start spot-risk-analysis"
tr '\0' ' ' <"/proc/$(cat "$PIDF")/cmdline" | grep -q -- "--advisor .*spot-advisor-data.json" \
  || fail "spot-risk-analysis runs without --advisor: $(tr '\0' ' ' <"/proc/$(cat "$PIDF")/cmdline")"
lp=$(cat "$PIDF")
kill -TERM "$lp"
poll 30 bash -c "! kill -0 $lp 2>/dev/null" || fail "the stack's risk-analysis loop did not stop"

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
T=$(date -u +%s)
H=$((T - T % 3600))
tick() { "$BIN" --config "$IT_DIR/spot.env" --once --now "$(iso "$1")" "${@:2}" >>"$IT_TMP/ra.log" 2>&1 || { cat "$IT_TMP/ra.log" >&2; fail "a --once tick failed"; }; }
last_stat() { sql "SELECT JSON_VALUE(stats, '\$.$1') FROM job_runs WHERE job_name='risk-analysis' ORDER BY started_at DESC, finished_at DESC LIMIT 1"; }
hour_rows() { sql "SELECT pool_id, risk_score, interruption_score, age_score, volatility_score, interruption_count, avg_instance_age_hours, price_volatility, interruption_bucket, flagged FROM pool_risk_analysis WHERE pool_id LIKE '%.$REG%' AND analyzed_at = FROM_UNIXTIME($1) ORDER BY pool_id"; }

new_client
REG=eu-west-3
TYPE=r5.large     # advisor: eu-west-3 Linux r5.large r=0, c5.xlarge r=2
want_r5=$(jq -r ".spot_advisor[\"$REG\"].Linux[\"$TYPE\"].r" "$ADV")
want_c5=$(jq -r ".spot_advisor[\"$REG\"].Linux[\"c5.xlarge\"].r" "$ADV")
I1=$(rand_instance_id)
register_agent "$CLIENT_TOKEN" "$(rand_name ra)" "$I1" $TYPE ${REG}a
A=$AGENT_ID
for p in $TYPE.${REG}a $TYPE.${REG}b $TYPE.${REG}c c5.xlarge.${REG}a; do
  t=${p%.${REG}?}; z=${p##*.}
  sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('$p', '$t', '$REG', '$z')"
done
# Prices in the 24 h before the hour: a and c steady, b jumping about.
for k in 1 2 3 4 5 6; do
  at="FROM_UNIXTIME($H - $k * 3000)"
  sql "INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at) VALUES
       (UUID(), '$TYPE.${REG}a', '$A', '$I1', 'primary', 0.040, $at),
       (UUID(), '$TYPE.${REG}b', '$A', '$I1', 'primary', 0.030 + 0.010 * ($k % 2), $at),
       (UUID(), '$TYPE.${REG}c', '$A', '$I1', 'primary', 0.050, $at)"
done
# Two instances interrupted in pool b in the last week (another client's would count the same).
for k in 1 2; do
  sql "INSERT INTO spot_interruption_events (id, client_id, agent_id, instance_id, pool_id, signal_type, detected_at, resolved_at)
       VALUES (UUID(), '$CLIENT_ID', '$A', '$(rand_instance_id)', '$TYPE.${REG}b', 'termination-notice', FROM_UNIXTIME($H - $k * 86400), FROM_UNIXTIME($H - $k * 86400 + 300))"
done
sql "UPDATE spot_pools SET interruption_bucket = NULL WHERE region = '$REG'"

tick "$T" --advisor "$ADV"
[ "$(sql "SELECT interruption_bucket FROM spot_pools WHERE id='$TYPE.${REG}b'")" = "$want_r5" ] || fail "bucket of $TYPE not set from the advisor"
[ "$(sql "SELECT interruption_bucket FROM spot_pools WHERE id='c5.xlarge.${REG}a'")" = "$want_c5" ] || fail "bucket of c5.xlarge not set from the advisor"
[ "$(last_stat advisor_pools_updated)" -ge 4 ] || fail "advisor_pools_updated $(last_stat advisor_pools_updated)"
rows=$(hour_rows "$H")
[ "$(wc -l <<<"$rows")" = 4 ] || fail "expected 4 rows for the hour, got: $rows"
[ "$(sql "SELECT COUNT(*) FROM pool_risk_analysis a JOIN spot_pools p ON p.id = a.pool_id WHERE p.is_active AND a.analyzed_at = FROM_UNIXTIME($H)")" \
  = "$(sql "SELECT COUNT(*) FROM spot_pools WHERE is_active")" ] || fail "not every active pool has a row for the hour"
b=$(sql "SELECT CONCAT(interruption_count, '/', interruption_bucket, '/', volatility_score > 0, '/', interruption_score > 0) FROM pool_risk_analysis WHERE pool_id='$TYPE.${REG}b' AND analyzed_at = FROM_UNIXTIME($H)")
[ "$b" = "2/$want_r5/1/1" ] || fail "pool b: count/bucket/volatile/interruption = $b"
[ "$(sql "SELECT CONCAT(interruption_count, '/', volatility_score, '/', price_volatility) FROM pool_risk_analysis WHERE pool_id='$TYPE.${REG}a' AND analyzed_at = FROM_UNIXTIME($H)")" = "0/0.0000/0.000000" ] \
  || fail "pool a should be calm: $rows"
[ "$(sql "SELECT (SELECT risk_score FROM pool_risk_analysis WHERE pool_id='$TYPE.${REG}b' AND analyzed_at = FROM_UNIXTIME($H)) >
              (SELECT risk_score FROM pool_risk_analysis WHERE pool_id='$TYPE.${REG}a' AND analyzed_at = FROM_UNIXTIME($H))")" = 1 ] \
  || fail "the interrupted, volatile pool does not score higher: $rows"
# The agent's instance registered just now: installed after the hour started, so no age yet at H.
[ "$(sql "SELECT COALESCE(avg_instance_age_hours, 'null') FROM pool_risk_analysis WHERE pool_id='$TYPE.${REG}a' AND analyzed_at = FROM_UNIXTIME($H)")" = null ] \
  || [ "$(sql "SELECT installed_at <= FROM_UNIXTIME($H) FROM instances WHERE id='$I1'")" = 1 ] || fail "an instance installed after the hour counted"
[ "$(last_stat rows_inserted)" -ge 4 ] || fail "stats rows_inserted $(last_stat rows_inserted)"
sum1=$(sql "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', pool_id, risk_score, interruption_score, age_score, volatility_score, interruption_count, avg_instance_age_hours, price_volatility, interruption_bucket, flagged))) FROM pool_risk_analysis WHERE analyzed_at = FROM_UNIXTIME($H)")

# ---- the same hour again, at the same time and 20 minutes later: nothing changes ----
for t in "$T" "$((H + 1200))"; do
  tick "$t" --advisor "$ADV"
  [ "$(last_stat rows_inserted)/$(last_stat rows_changed)/$(last_stat advisor_pools_updated)" = 0/0/0 ] \
    || fail "re-running the hour changed something: $(sql "SELECT stats FROM job_runs WHERE job_name='risk-analysis' ORDER BY started_at DESC LIMIT 1")"
  [ "$(sql "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', pool_id, risk_score, interruption_score, age_score, volatility_score, interruption_count, avg_instance_age_hours, price_volatility, interruption_bucket, flagged))) FROM pool_risk_analysis WHERE analyzed_at = FROM_UNIXTIME($H)")" = "$sum1" ] \
    || fail "the hour's rows changed on a re-run"
done

# ---- a flag raises the score of the next hour's row; the previous hour's row stays ----
sql "UPDATE spot_pools SET flagged_until = FROM_UNIXTIME($H + 3600 + 600) WHERE id='$TYPE.${REG}a'"
tick "$((H + 3600 + 60))"
[ "$(sql "SELECT CONCAT(flagged, '/', risk_score >= 0.6) FROM pool_risk_analysis WHERE pool_id='$TYPE.${REG}a' AND analyzed_at = FROM_UNIXTIME($H + 3600)")" = 1/1 ] \
  || fail "the flagged pool's next-hour row: $(hour_rows $((H + 3600)))"
[ "$(sql "SELECT flagged FROM pool_risk_analysis WHERE pool_id='$TYPE.${REG}a' AND analyzed_at = FROM_UNIXTIME($H)")" = 0 ] || fail "the previous hour's row changed"
[ "$(sql "SELECT COUNT(*) FROM job_runs WHERE job_name='risk-analysis' AND status='succeeded' AND started_at > FROM_UNIXTIME($T - 60)")" -ge 4 ] \
  || fail "job_runs not recorded"
it_ok
