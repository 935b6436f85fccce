#!/usr/bin/env bash
# test_cleaner.sh - spot-cleaner with time fixed by --once --now and fixture rows placed around
# each retention limit with SQL: staging prices 7 days (in batches: 12,000 rows; and never past the
# consolidation watermark), pricing reports 30 days, terminated instances 30 days, expired sessions
# and idempotency keys, job runs 90 days, decisions 14 days (90 when they issued a command), pool
# risk rows 90 days; stats per table; a re-run deletes nothing of ours.
. "$(dirname "$0")/harness.sh"
it_env
BIN=$SPOT_BUILD_DIR/spot-cleaner

PIDF=$IT_DIR/run/job-cleaner.pid
if [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; then
  kill -TERM "$(cat "$PIDF")"
  poll 30 bash -c "! kill -0 $(cat "$PIDF") 2>/dev/null" || fail "spot-cleaner loop did not stop"
fi
WM_SAVED=$(sql "SELECT value FROM system_config WHERE \`key\` = 'CONSOLIDATE_WATERMARK'")
restore_wm() {
  if [ -n "$WM_SAVED" ]; then sql "UPDATE system_config SET value = '$WM_SAVED' WHERE \`key\` = 'CONSOLIDATE_WATERMARK'"; fi
}
trap 'restore_wm; rm -rf "$IT_TMP"; restore_stack' EXIT

NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
N="'${NOW/T/ }'" ; N=${N/Z/}   # the SQL literal of NOW
ago() { echo "$N - INTERVAL $1"; }
run() { # run: one tick at NOW; prints its stats
  sql "UPDATE job_leases SET expires_at = '2000-01-01' WHERE name = 'cleaner'"
  "$BIN" --config "$IT_DIR/spot.env" --once --now "$NOW" >>"$IT_TMP/run.log" 2>&1 || { cat "$IT_TMP/run.log"; fail "spot-cleaner failed"; }
  sql "SELECT stats FROM job_runs WHERE job_name = 'cleaner' ORDER BY started_at DESC LIMIT 1"
}
set_wm() { sql "INSERT INTO system_config (\`key\`, value) VALUES ('CONSOLIDATE_WATERMARK', DATE_FORMAT($1, '%Y-%m-%dT%H:%i:%s.000Z')) ON DUPLICATE KEY UPDATE value = VALUES(value)"; }

new_client
register_agent "$CLIENT_TOKEN" "$(rand_name clean)" "$(rand_instance_id)"
POOL=t3.medium.us-east-1a
TAG=$(openssl rand -hex 4)
# staging: 12,000 rows 8 days old (old), 2 rows 6 days old (young)
sql "SET SESSION max_recursive_iterations = 20000;
     INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at, received_at)
     WITH RECURSIVE s (k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k + 1 < 12000)
     SELECT UUID(), '$POOL', '$AGENT_ID', CONCAT('i-old-$TAG-', k), 'primary', 0.01, $(ago '8 DAY') + INTERVAL k SECOND, $(ago '8 DAY') FROM s;
     INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at, received_at) VALUES
       (UUID(), '$POOL', '$AGENT_ID', 'i-young-$TAG-1', 'primary', 0.01, $(ago '6 DAY'), $(ago '6 DAY')),
       (UUID(), '$POOL', '$AGENT_ID', 'i-young-$TAG-2', 'primary', 0.01, $(ago '6 DAY') + INTERVAL 1 SECOND, $(ago '6 DAY'))"
staging() { sql "SELECT SUM(instance_id LIKE 'i-old-$TAG-%'), SUM(instance_id LIKE 'i-young-$TAG-%') FROM spot_price_snapshots WHERE agent_id = '$AGENT_ID'"; }
[ "$(staging)" = "$(printf '12000\t2')" ] || fail "staging fixture: $(staging)"
# pricing reports 31 and 29 days old
sql "INSERT INTO pricing_reports (id, client_id, agent_id, request_id, received_at) VALUES
       (UUID(), '$CLIENT_ID', '$AGENT_ID', 'old-$TAG', $(ago '31 DAY')), (UUID(), '$CLIENT_ID', '$AGENT_ID', 'young-$TAG', $(ago '29 DAY'))"
# instances: terminated 31 and 29 days ago; a zombie from 40 days ago stays (not terminated)
sql "INSERT INTO instances (id, agent_id, client_id, role, installed_at, terminated_at) VALUES
       ('i-t31-$TAG', '$AGENT_ID', '$CLIENT_ID', 'terminated', $(ago '60 DAY'), $(ago '31 DAY')),
       ('i-t29-$TAG', '$AGENT_ID', '$CLIENT_ID', 'terminated', $(ago '60 DAY'), $(ago '29 DAY')),
       ('i-z40-$TAG', '$AGENT_ID', '$CLIENT_ID', 'zombie', $(ago '40 DAY'), NULL)"
# sessions and idempotency keys: expired a minute ago, expiring in a day
sql "INSERT INTO users (id, email, password_hash, role, client_id) VALUES ('u-clean-$TAG', 'clean-$TAG@example.test', 'x', 'client', '$CLIENT_ID');
     INSERT INTO sessions (id, user_id, csrf_token, expires_at) VALUES
       (UNHEX(SHA2('old-$TAG', 256)), 'u-clean-$TAG', REPEAT('a', 64), $(ago '1 MINUTE')),
       (UNHEX(SHA2('young-$TAG', 256)), 'u-clean-$TAG', REPEAT('a', 64), $N + INTERVAL 1 DAY);
     INSERT INTO idempotency_keys (caller, idempotency_key, method, path, body_sha256, expires_at) VALUES
       ('it-clean', 'old-$TAG', 'POST', '/x', UNHEX(SHA2('', 256)), $(ago '1 MINUTE')),
       ('it-clean', 'young-$TAG', 'POST', '/x', UNHEX(SHA2('', 256)), $N + INTERVAL 1 DAY)"
# job runs 91 and 89 days old
sql "INSERT INTO job_runs (id, job_name, holder, started_at, status) VALUES
       (UUID(), 'it-clean-$TAG', 'old', $(ago '91 DAY'), 'succeeded'), (UUID(), 'it-clean-$TAG', 'young', $(ago '89 DAY'), 'succeeded')"
# decisions: a 'stay' 15 and 13 days old, an executed one 91 and 89 days old; pool risk 91 and 89 days
sql "INSERT INTO ml_decisions (id, client_id, agent_id, decision_mode, decision, reason, executed, decided_at) VALUES
       (UUID(), '$CLIENT_ID', '$AGENT_ID', 'recommendation', 'stay', 'old-$TAG', FALSE, $(ago '15 DAY')),
       (UUID(), '$CLIENT_ID', '$AGENT_ID', 'recommendation', 'stay', 'young-$TAG', FALSE, $(ago '13 DAY')),
       (UUID(), '$CLIENT_ID', '$AGENT_ID', 'auto', 'switch', 'xold-$TAG', TRUE, $(ago '91 DAY')),
       (UUID(), '$CLIENT_ID', '$AGENT_ID', 'auto', 'switch', 'xyoung-$TAG', TRUE, $(ago '89 DAY'));
     INSERT INTO spot_pools (id, instance_type, region, az) VALUES ('t3.medium.us-east-1a', 't3.medium', 'us-east-1', 'us-east-1a')
       ON DUPLICATE KEY UPDATE id = id;
     INSERT INTO pool_risk_analysis (id, pool_id, analyzed_at, risk_score) VALUES
       (UUID(), '$POOL', DATE_FORMAT($(ago '91 DAY'), '%Y-%m-%d %H:07:00'), 0.1),
       (UUID(), '$POOL', DATE_FORMAT($(ago '89 DAY'), '%Y-%m-%d %H:07:00'), 0.1)"
decisions() {
  sql "SELECT (SELECT GROUP_CONCAT(reason ORDER BY reason) FROM ml_decisions WHERE agent_id = '$AGENT_ID'),
              (SELECT COUNT(*) FROM pool_risk_analysis WHERE pool_id = '$POOL' AND MINUTE(analyzed_at) = 7
                 AND analyzed_at BETWEEN $(ago '92 DAY') AND $(ago '88 DAY'))"
}
mine() {
  sql "SELECT (SELECT GROUP_CONCAT(request_id ORDER BY request_id) FROM pricing_reports WHERE agent_id = '$AGENT_ID'),
              (SELECT GROUP_CONCAT(id ORDER BY id) FROM instances WHERE id LIKE '%-$TAG'),
              (SELECT COUNT(*) FROM sessions WHERE user_id = 'u-clean-$TAG'),
              (SELECT GROUP_CONCAT(idempotency_key) FROM idempotency_keys WHERE caller = 'it-clean'),
              (SELECT GROUP_CONCAT(holder) FROM job_runs WHERE job_name = 'it-clean-$TAG')"
}

# ---- consolidation behind (watermark 10 days ago): old staging rows stay, the rest goes ----
set_wm "$(ago '10 DAY')"
st=$(run)
note "watermark 10 days ago: $st"
[ "$(staging)" = "$(printf '12000\t2')" ] || fail "staging rows after the watermark were deleted: $(staging)"
[ "$(mine)" = "$(printf 'young-%s\ti-t29-%s,i-z40-%s\t1\tyoung-%s\tyoung' "$TAG" "$TAG" "$TAG" "$TAG")" ] || fail "retention: $(mine)"
for t in pricing_reports instances sessions idempotency_keys job_runs ml_decisions ml_decisions_executed pool_risk_analysis; do
  [ "$(jq ".deleted.$t" <<<"$st")" -ge 1 ] || fail "stats for $t: $st"
done
[ "$(decisions)" = "$(printf 'xyoung-%s,young-%s\t1' "$TAG" "$TAG")" ] || fail "decision log retention: $(decisions)"

# ---- consolidation up to date: the 8-day-old rows go, in batches; the 6-day-old stay ----
set_wm "$N - INTERVAL 1 HOUR"
st=$(run)
note "watermark an hour ago: $st"
[ "$(staging)" = "$(printf 'NULL\t2')" ] || [ "$(staging)" = "$(printf '0\t2')" ] || fail "staging after the run: $(staging)"
[ "$(jq .deleted.spot_price_snapshots <<<"$st")" -ge 12000 ] || fail "staging stats: $st"
[ "$(sql "SELECT COUNT(*) FROM cleanup_logs WHERE source = 'server' AND rows_deleted >= 12000")" -ge 1 ] || fail "no cleanup_logs row"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE action = 'retention.cleanup'")" -ge 2 ] || fail "no audit rows"

# ---- a re-run deletes nothing of ours ----
st=$(run)
[ "$(staging)" = "$(printf 'NULL\t2')" ] || [ "$(staging)" = "$(printf '0\t2')" ] || fail "re-run: staging $(staging)"
[ "$(mine)" = "$(printf 'young-%s\ti-t29-%s,i-z40-%s\t1\tyoung-%s\tyoung' "$TAG" "$TAG" "$TAG" "$TAG")" ] || fail "re-run: $(mine)"
[ "$(decisions)" = "$(printf 'xyoung-%s,young-%s\t1' "$TAG" "$TAG")" ] || fail "re-run: decision log $(decisions)"

it_ok
