# test_decide.sh - spot-decide (issue 8 item 4) against the real stack, time
# driven through --once --now: an on-demand agent in auto-switch mode in a calm
# cheap market gets exactly one switch command to spot, through the API's
# command path, in the cheapest pool that is not flagged by another client's
# interruption; running the tick again issues no second one (cooldown, then the
# open command); an agent without auto-switch gets a 'recommendation' row and
# no command; safe mode stops commands (logged as safe_mode); an open
# emergency keeps the engine quiet; a spot agent whose only pool is flagged
# falls back to on-demand only after the fallback wait, the proposal carried
# across ticks in want_mode/want_since; every decision carries its inputs,
# scores and latency.
. "$(dirname "$0")/harness.sh"
it_env
BIN=${SPOT_DECIDE_BIN:-${SPOT_BUILD_DIR:?}/spot-decide}  # SPOT_DECIDE_BIN: e.g. a sanitizer build
PIDF=$IT_DIR/run/job-decide.pid
JSON=(-H 'Content-Type: application/json')
cleanup() {
  http POST /api/admin/safe-mode "${AUTH_ADMIN[@]}" "${JSON[@]}" -d '{"enabled":false,"reason":"test_decide cleanup"}' || true
  restore_stack
  rm -rf "$IT_TMP"
}
trap cleanup EXIT

# ./spot up runs spot-decide; stop that loop (it holds the lease) while we drive time.
[ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null || fail "./spot up did not start spot-decide"
lp=$(cat "$PIDF")
kill -TERM "$lp"
poll 30 bash -c "! kill -0 $lp 2>/dev/null" || fail "the stack's decide loop did not stop"

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
T=$(date -u +%s)
tick() { "$BIN" --config "$IT_DIR/spot.env" --once --now "$(iso "$1")" >>"$IT_TMP/decide.log" 2>&1 || { cat "$IT_TMP/decide.log" >&2; fail "a --once tick failed"; }; }
last_stat() { sql "SELECT JSON_VALUE(stats, '\$.$1') FROM job_runs WHERE job_name='decide' ORDER BY started_at DESC, finished_at DESC LIMIT 1"; }
# last AGENT COLUMNS: the agent's latest decision row
last() { sql "SELECT $2 FROM ml_decisions WHERE agent_id='$1' ORDER BY decided_at DESC, id DESC LIMIT 1"; }
ncmd() { sql "SELECT COUNT(*) FROM commands WHERE agent_id='$1' AND type='switch'"; }
auto_on() { sql "UPDATE agents SET auto_switch_enabled=TRUE WHERE id='$1'"; }

REG=ap-northeast-1
TYPE=m5.large
OD=$(sql "SELECT ondemand_price FROM instance_types WHERE instance_type='$TYPE' AND region='$REG'")
[ -n "$OD" ] || fail "no catalog price for $TYPE in $REG"

new_client
C1=$CLIENT_ID
CT1=$CLIENT_TOKEN
register_agent "$CT1" "$(rand_name dec-auto)" "$(rand_instance_id)" $TYPE ${REG}a ondemand
A=$AGENT_ID
auto_on "$A"
register_agent "$CT1" "$(rand_name dec-rec)" "$(rand_instance_id)" $TYPE ${REG}a ondemand
R=$AGENT_ID

# Another client's spot agent in zone c: its interruption flags pool c for everyone.
new_client
XI=$(rand_instance_id)
register_agent "$CLIENT_TOKEN" "$(rand_name dec-other)" "$XI" $TYPE ${REG}c spot
X=$AGENT_ID

# A calm, cheap market: a 0.040, c 0.030 (the cheapest), d 0.035; all far below on-demand.
for z in a:0.040 c:0.030 d:0.035; do
  p=$TYPE.$REG${z%%:*}
  sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('$p', '$TYPE', '$REG', '$REG${z%%:*}')"
  sql "UPDATE spot_pools SET flagged_until = NULL, interruption_bucket = 0 WHERE id = '$p'"
  sql "INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at)
       VALUES (UUID(), '$p', '$X', '$XI', 'primary', ${z#*:}, FROM_UNIXTIME($T - 300))"
done
agent_call POST "/api/agents/$X/termination-notice" -d "{\"instance_id\":\"$XI\",\"action_time\":\"$(iso $((T + 120)))\",\"notice_action\":\"terminate\"}"
expect_status 200
[ "$(sql "SELECT flagged_until > FROM_UNIXTIME($T) FROM spot_pools WHERE id='$TYPE.${REG}c'")" = 1 ] || fail "the interruption did not flag pool c"

# ---- one switch command to spot, in pool d (c is flagged), through the API's command path ----
tick "$T"
[ "$(ncmd "$A")" = 1 ] || fail "expected one switch command for the auto agent, got $(ncmd "$A")"
row=$(last "$A" "CONCAT_WS('/', decision_mode, decision, current_mode, target_mode, target_pool_id, executed, COALESCE(suppressed_reason, '-'), command_id IS NOT NULL)")
[ "$row" = "auto/switch/ondemand/spot/$TYPE.${REG}d/1/-/1" ] || fail "auto agent's decision: $row"
cmd=$(sql "SELECT CONCAT_WS('/', status, JSON_VALUE(payload, '\$.target_pool_id'), JSON_VALUE(payload, '\$.target_mode'), created_by, reason) FROM commands WHERE agent_id='$A' AND type='switch'")
[ "$cmd" = "pending/$TYPE.${REG}d/spot/spot-decide/auto" ] || fail "switch command: $cmd"
[ "$(last "$A" command_id)" = "$(sql "SELECT id FROM commands WHERE agent_id='$A' AND type='switch'")" ] || fail "the decision does not name its command"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE agent_id='$A' AND actor_type='system' AND actor_id='spot-decide'")" -ge 1 ] \
  || fail "the command is not audited as the system actor spot-decide"
# Expected savings: on-demand minus the target's price, $/h.
[ "$(sql "SELECT ABS(expected_savings - ($OD - 0.035)) < 0.000001 AND ABS(target_price - 0.035) < 0.000001 AND ABS(current_price - $OD) < 0.000001 FROM ml_decisions WHERE agent_id='$A' ORDER BY decided_at DESC LIMIT 1")" = 1 ] \
  || fail "prices and savings: $(last "$A" "CONCAT_WS('/', current_price, target_price, expected_savings)")"
# The inputs: every candidate with its score, pool c flagged, and the latency measured.
inp=$(last "$A" inputs)
[ "$(jq -r '[.pools[] | select(.pool_id == "'$TYPE.${REG}c'")][0].flagged' <<<"$inp")" = true ] || fail "inputs lack flagged pool c: $inp"
[ "$(jq '[.pools[] | select(.score != null and .price != null)] | length' <<<"$inp")" -ge 3 ] || fail "inputs lack scored pools: $inp"
[ "$(jq -r '.model' <<<"$inp")" != null ] && [ "$(jq '.eval_us >= 0' <<<"$inp")" = true ] || fail "inputs lack model or eval_us: $inp"
[ "$(last "$A" "latency_ms IS NOT NULL AND reason LIKE '%$TYPE.${REG}d%'")" = 1 ] || fail "latency or reason: $(last "$A" reason)"
[ "$(last_stat commands)" -ge 1 ] && [ "$(last_stat agents)" -ge 3 ] || fail "stats: $(sql "SELECT stats FROM job_runs WHERE job_name='decide' ORDER BY started_at DESC LIMIT 1")"

# ---- the agent without auto-switch: a recommendation, no command ----
row=$(last "$R" "CONCAT_WS('/', decision_mode, decision, target_pool_id, executed, command_id IS NULL)")
[ "$row" = "recommendation/switch/$TYPE.${REG}d/0/1" ] || fail "recommendation row: $row"
[ "$(ncmd "$R")" = 0 ] || fail "a command for an agent without auto-switch"

# ---- the tick again a minute later: no second command (cooldown since the command) ----
tick $((T + 60))
[ "$(ncmd "$A")" = 1 ] || fail "a second switch command on the re-run"
[ "$(last "$A" "CONCAT_WS('/', decision, executed, suppressed_reason)")" = stay/0/cooldown ] \
  || fail "re-run decision: $(last "$A" "CONCAT_WS('/', decision, executed, suppressed_reason, reason)")"
# ---- safe mode: the decision is logged, no command ----
register_agent "$CT1" "$(rand_name dec-safe)" "$(rand_instance_id)" $TYPE ${REG}a ondemand
S=$AGENT_ID
auto_on "$S"
http POST /api/admin/safe-mode "${AUTH_ADMIN[@]}" "${JSON[@]}" -d '{"enabled":true,"reason":"test_decide"}'
expect_status 200
tick $((T + 120))
[ "$(last "$S" "CONCAT_WS('/', decision_mode, decision, executed, suppressed_reason, command_id IS NULL)")" = auto/switch/0/safe_mode/1 ] \
  || fail "safe mode decision: $(last "$S" "CONCAT_WS('/', decision, executed, suppressed_reason)")"
[ "$(ncmd "$S")" = 0 ] || fail "a command in safe mode"
[ "$(last_stat safe_mode)/$(last_stat commands)" = 1/0 ] || fail "safe-mode stats: $(last_stat safe_mode)/$(last_stat commands)"
http POST /api/admin/safe-mode "${AUTH_ADMIN[@]}" "${JSON[@]}" -d '{"enabled":false,"reason":"test_decide"}'
expect_status 200

# ---- an open emergency keeps it quiet; once over, the switch goes out ----
sql "UPDATE agents SET notice_status='termination' WHERE id='$S'"
tick $((T + 180))
[ "$(last "$S" "CONCAT_WS('/', decision, executed, suppressed_reason)")" = switch/0/emergency ] \
  || fail "emergency decision: $(last "$S" "CONCAT_WS('/', decision, executed, suppressed_reason)")"
[ "$(ncmd "$S")" = 0 ] || fail "a command during an emergency"
sql "UPDATE agents SET notice_status='none' WHERE id='$S'"
tick $((T + 240))
[ "$(ncmd "$S")" = 1 ] && [ "$(last "$S" executed)" = 1 ] || fail "no switch once the emergency was over"

# ---- the flag over and d dearer: the next agent goes to c ----
sql "UPDATE spot_pools SET flagged_until = NULL WHERE id='$TYPE.${REG}c'"
register_agent "$CT1" "$(rand_name dec-c)" "$(rand_instance_id)" $TYPE ${REG}a ondemand
K=$AGENT_ID
auto_on "$K"
tick $((T + 300))
[ "$(last "$K" "CONCAT_WS('/', decision, target_pool_id, executed)")" = "switch/$TYPE.${REG}c/1" ] \
  || fail "without the flag the cheapest pool c: $(last "$K" "CONCAT_WS('/', decision, target_pool_id, executed, reason)")"
# ---- fallback: a spot agent whose only pool is flagged returns to on-demand once the proposal has
# ---- stood for the fallback wait (15 min by default), carried across ticks in want_mode/want_since ----
new_client
CT3=$CLIENT_TOKEN
http PUT "/api/client/$CLIENT_ID/policy" -H "Authorization: Bearer $CT3" "${JSON[@]}" -d '{"size_factor":1}'
expect_status 200
FT=c5.large
register_agent "$CT3" "$(rand_name dec-fb)" "$(rand_instance_id)" $FT ${REG}a spot
F=$AGENT_ID
auto_on "$F"
sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('$FT.${REG}a', '$FT', '$REG', '${REG}a')"
sql "INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at)
     VALUES (UUID(), '$FT.${REG}a', '$X', '$XI', 'primary', 0.030, FROM_UNIXTIME($T - 300))"
sql "UPDATE spot_pools SET flagged_until = FROM_UNIXTIME($T + 3600) WHERE id = '$FT.${REG}a'"
sql "UPDATE instances SET last_heartbeat_at = FROM_UNIXTIME($T + 1400) WHERE agent_id = '$F' AND role = 'primary'"
tick $((T + 400))
[ "$(last "$F" "CONCAT_WS('/', decision, target_mode, suppressed_reason, want_mode, UNIX_TIMESTAMP(want_since))")" = "stay/ondemand/fallback_wait/ondemand/$((T + 400)).000" ] \
  || fail "fallback proposed: $(last "$F" "CONCAT_WS('/', decision, target_mode, suppressed_reason, want_mode, UNIX_TIMESTAMP(want_since), reason)")"
tick $((T + 1000))
[ "$(last "$F" "CONCAT_WS('/', decision, suppressed_reason, UNIX_TIMESTAMP(want_since))")" = "stay/fallback_wait/$((T + 400)).000" ] \
  || fail "10 min into the wait: $(last "$F" "CONCAT_WS('/', decision, suppressed_reason, UNIX_TIMESTAMP(want_since))")"
[ "$(ncmd "$F")" = 0 ] || fail "a fallback before the wait was over"
tick $((T + 1360))
[ "$(last "$F" "CONCAT_WS('/', decision, target_mode, executed, COALESCE(want_mode, '-'))")" = switch/ondemand/1/- ] \
  || fail "fallback after the wait: $(last "$F" "CONCAT_WS('/', decision, target_mode, executed, suppressed_reason, reason)")"
[ "$(sql "SELECT CONCAT_WS('/', JSON_VALUE(payload, '\$.target_mode'), JSON_VALUE(payload, '\$.target_pool_id')) FROM commands WHERE agent_id='$F' AND type='switch'")" = "ondemand/$FT.${REG}a" ] \
  || fail "fallback command payload"

# ---- two hours later (past the cooldown), the command still open: no second one either ----
sql "UPDATE instances SET last_heartbeat_at = FROM_UNIXTIME($T + 7200) WHERE agent_id IN ('$A', '$R') AND role = 'primary'"
sql "INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at)
     VALUES (UUID(), '$TYPE.${REG}d', '$X', '$XI', 'primary', 0.035, FROM_UNIXTIME($T + 7000))"
tick $((T + 7200))
[ "$(ncmd "$A")" = 1 ] || fail "a second switch command while the first is open"
[ "$(last "$A" "CONCAT_WS('/', decision, executed, suppressed_reason)")" = switch/0/pending_command ] \
  || fail "decision with a command open: $(last "$A" "CONCAT_WS('/', decision, executed, suppressed_reason, reason)")"

it_ok
