# test_decide_policy.sh - the decision policy (issue 8 item 1) through the
# client API (GET/PUT /api/client/{cid}/policy) and the admin API
# (GET/PUT /api/admin/clients/{id}/policy): defaults, validation (400 naming the
# field, nothing written), versions, audit, another client's id 404; and its
# effect on spot-decide: a minimum saving above what the market offers stops
# the switch, lowering it lets the switch go out.
. "$(dirname "$0")/harness.sh"
it_env
BIN=${SPOT_DECIDE_BIN:-${SPOT_BUILD_DIR:?}/spot-decide}  # SPOT_DECIDE_BIN: e.g. a sanitizer build
PIDF=$IT_DIR/run/job-decide.pid
JSON=(-H 'Content-Type: application/json')
cleanup() { restore_stack; rm -rf "$IT_TMP"; }
trap cleanup EXIT

new_client
C=$CLIENT_ID
CT=$CLIENT_TOKEN
AUTH=(-H "Authorization: Bearer $CT")
put() { http PUT "/api/client/$C/policy" "${AUTH[@]}" "${JSON[@]}" -d "$1"; }

# ---- defaults ----
http GET "/api/client/$C/policy"
expect_error 401 unauthorized
http GET "/api/client/$C/policy" "${AUTH[@]}"
expect_status 200
[ "$(jq -c '[.min_savings_pct, .cooldown_minutes, .max_risk, .ondemand_fallback, .fallback_wait_minutes, .return_wait_minutes, .size_factor, .is_default, .version]' <<<"$BODY")" \
  = '[30,60,0.5,true,15,30,2,true,0]' ] || fail "defaults: $BODY"

# ---- validation: 400 naming the field, nothing written ----
bad() { put "$1"; expect_error 400 validation_failed "$2"; }
bad '{"min_savings_pct":150}' min_savings_pct
bad '{"min_savings_pct":-1}' min_savings_pct
bad '{"min_savings_pct":"30"}' min_savings_pct
bad '{"cooldown_minutes":-5}' cooldown_minutes
bad '{"cooldown_minutes":1.5}' cooldown_minutes
bad '{"cooldown_minutes":999999}' cooldown_minutes
bad '{"max_risk":1.5}' max_risk
bad '{"ondemand_fallback":"yes"}' ondemand_fallback
bad '{"fallback_wait_minutes":-1}' fallback_wait_minutes
bad '{"return_wait_minutes":"30"}' return_wait_minutes
bad '{"size_factor":0.5}' size_factor
bad '{"size_factor":100}' size_factor
bad '{"min_savings_pct":40,"max_risk":2}' max_risk
bad '{"min_saving_pct":40}' min_saving_pct
bad '{}' body
put '[1]'
[ "$STATUS" = 400 ] || fail "a JSON array answered $STATUS"
http GET "/api/client/$C/policy" "${AUTH[@]}"
expect_json .is_default true
expect_json .min_savings_pct 30
[ "$(sql "SELECT COUNT(*) FROM client_policies WHERE client_id='$C'")" = 0 ] || fail "a refused PUT wrote a row"

# ---- a change: only the given fields, version, audit ----
put '{"min_savings_pct":90,"ondemand_fallback":false}'
expect_status 200
[ "$(jq -c '[.min_savings_pct, .cooldown_minutes, .ondemand_fallback, .is_default, .version]' <<<"$BODY")" = '[90,60,false,false,1]' ] \
  || fail "after the change: $BODY"
http GET "/api/client/$C/policy" "${AUTH[@]}"
expect_json .min_savings_pct 90
expect_json .version 1
[ "$(sql "SELECT CONCAT(JSON_VALUE(pre_state, '\$.min_savings_pct') + 0, '>', JSON_VALUE(post_state, '\$.min_savings_pct') + 0, '/', actor_type) FROM system_events WHERE client_id='$C' AND action='policy.updated' ORDER BY created_at DESC LIMIT 1")" = "30>90/client" ] \
  || fail "audit row"
put '{"cooldown_minutes":10,"version":0}'
expect_error 409 conflict version
put '{"cooldown_minutes":10,"version":1}'
expect_status 200
expect_json .version 2

# ---- another client: 404 both ways; the admin API sees and changes it ----
new_client
OTHER=$CLIENT_ID
http GET "/api/client/$OTHER/policy" "${AUTH[@]}"
expect_error 404 not_found
http PUT "/api/client/$OTHER/policy" "${AUTH[@]}" "${JSON[@]}" -d '{"min_savings_pct":10}'
expect_error 404 not_found
[ "$(sql "SELECT COUNT(*) FROM client_policies WHERE client_id='$OTHER'")" = 0 ] || fail "another client's policy was written"
http GET "/api/admin/clients/$C/policy" "${AUTH[@]}"
[ "$STATUS" = 401 ] || [ "$STATUS" = 403 ] || fail "a client token on the admin API answered $STATUS"
http GET "/api/admin/clients/$C/policy" "${AUTH_ADMIN[@]}"
expect_status 200
expect_json .cooldown_minutes 10
http PUT "/api/admin/clients/$C/policy" "${AUTH_ADMIN[@]}" "${JSON[@]}" -d '{"max_risk":"high"}'
expect_error 400 validation_failed max_risk
http PUT "/api/admin/clients/$C/policy" "${AUTH_ADMIN[@]}" "${JSON[@]}" -d '{"max_risk":0.4,"size_factor":1.5}'
expect_status 200
expect_json .updated_by admin-token
http GET "/api/client/$C/policy" "${AUTH[@]}"
[ "$(jq -c '[.max_risk, .size_factor, .min_savings_pct]' <<<"$BODY")" = '[0.4,1.5,90]' ] || fail "the admin's change is not the client's: $BODY"
http GET "/api/admin/clients/00000000-0000-4000-8000-000000000000/policy" "${AUTH_ADMIN[@]}"
expect_error 404 not_found

# ---- effect on spot-decide: 90 % minimum savings stops a 50 % saving; 30 % lets it go ----
if [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; then
  lp=$(cat "$PIDF")
  kill -TERM "$lp"
  poll 30 bash -c "! kill -0 $lp 2>/dev/null" || fail "the stack's decide loop did not stop"
fi
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
T=$(date -u +%s)
tick() { "$BIN" --config "$IT_DIR/spot.env" --once --now "$(iso "$1")" >>"$IT_TMP/decide.log" 2>&1 || { cat "$IT_TMP/decide.log" >&2; fail "a --once tick failed"; }; }
last() { sql "SELECT $2 FROM ml_decisions WHERE agent_id='$1' ORDER BY decided_at DESC, id DESC LIMIT 1"; }
REG=ap-southeast-1
TYPE=m5.large
OD=$(sql "SELECT ondemand_price FROM instance_types WHERE instance_type='$TYPE' AND region='$REG'")
I=$(rand_instance_id)
register_agent "$CT" "$(rand_name pol)" "$I" $TYPE ${REG}a ondemand
A=$AGENT_ID
sql "UPDATE agents SET auto_switch_enabled=TRUE WHERE id='$A'"
# The last price change 20 hours ago: a price holds until the next change (DESIGN.md section 4).
for z in a b; do
  p=$TYPE.$REG$z
  sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('$p', '$TYPE', '$REG', '$REG$z')"
  sql "UPDATE spot_pools SET flagged_until = NULL, interruption_bucket = 0 WHERE id = '$p'"
  sql "INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at)
       VALUES (UUID(), '$p', '$A', '$I', 'primary', ROUND($OD * 0.5, 6), FROM_UNIXTIME($T - 72000))"
done
tick "$T"
[ "$(last "$A" "CONCAT_WS('/', decision_mode, decision, executed, command_id IS NULL)")" = auto/stay/0/1 ] \
  || fail "with 90 % minimum savings: $(last "$A" "CONCAT_WS('/', decision, executed, reason)")"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$A'")" = 0 ] || fail "a command despite the 90 % minimum"
[ "$(last "$A" "JSON_VALUE(inputs, '\$.policy.min_savings')")" = 0.9000 ] || fail "the decision did not use the client's policy: $(last "$A" inputs)"
put '{"min_savings_pct":30}'
expect_status 200
tick $((T + 60))
[ "$(last "$A" "CONCAT_WS('/', decision, target_mode, executed)")" = switch/spot/1 ] \
  || fail "with 30 % minimum savings: $(last "$A" "CONCAT_WS('/', decision, executed, suppressed_reason, reason)")"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$A' AND type='switch'")" = 1 ] || fail "no switch command after lowering the minimum"
it_ok
