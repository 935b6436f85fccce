# test_models.sh - the decision model registry (issue 8 item 3) through the admin API and the
# /admin/models page: upload (sha256 and size kept; bad JSON, missing name, duplicate name+version
# refused), validate (a file naming an unknown feature refused with the field named; a model whose
# held-out AUC is poor refused; a good one validated on generated canonical prices with a clear signal:
# each pool's price climbs above on-demand every 8 hours), activate (only validated; the active one
# retired in the same transaction, previous_model_id kept), roll back (twice, to rules-v1's row, then
# refused), the audit rows, per-model performance (decisions, executed, expected vs realized savings
# from the switches rows), client tokens and client sessions refused; the page's forms with CSRF and the
# error beside the field; the agent page's decisions section (model, what auto-switch would have done).
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/ui_lib.sh"
. "$(dirname "$0")/models_lib.sh"
it_env
JSON=(-H 'Content-Type: application/json')
BUILTIN=00000000-0000-4000-8000-000000000001
TAG=$(openssl rand -hex 3)
# Leave the registry as found (nothing active: the decision job then uses rules-v1) and no held-out fixture
# behind for the next validation.
cleanup_models() { sql "UPDATE ml_models SET status = 'retired' WHERE status = 'active';
                        UPDATE ml_models SET status = 'validated' WHERE id = '$BUILTIN';
                        DELETE FROM pricing_canonical WHERE pool_id LIKE 'm5.large.sa-east-1%'" >/dev/null 2>&1 || true; }
trap cleanup_models EXIT
cleanup_models

upload() { http POST /api/admin/models "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary "$1"; }
audit_count() { sql "SELECT COUNT(*) FROM system_events WHERE action = '$1' AND subject_id = '$2'"; }

new_client; A=$CLIENT_ID; A_TOKEN=$CLIENT_TOKEN

# ---- who may call ----
GOOD=$(model "it-good-$TAG" 1 '["ondemand_ratio","change_1h"]' '[3.0,2.0]' '[0.4,0.0]' '[0.2,0.2]' -1.0)
http POST /api/admin/models -H "Authorization: Bearer $A_TOKEN" "${JSON[@]}" --data-binary "$GOOD"
[ "$STATUS" = 401 ] || [ "$STATUS" = 403 ] || fail "a client token uploaded a model: $STATUS"
http GET /api/admin/models -H "Authorization: Bearer $A_TOKEN"
[ "$STATUS" = 401 ] || [ "$STATUS" = 403 ] || fail "a client token listed the models: $STATUS"
http POST /api/admin/models/rollback -H "Authorization: Bearer $A_TOKEN"
[ "$STATUS" = 401 ] || [ "$STATUS" = 403 ] || fail "a client token rolled back: $STATUS"
[ "$(sql "SELECT COUNT(*) FROM ml_models WHERE name = 'it-good-$TAG'")" = 0 ] || fail "a refused upload left a row"

# ---- upload: refusals ----
upload '{"name": "x", '
expect_error 400 validation_failed file
upload '["not", "an", "object"]'
expect_error 400 validation_failed file
upload '{"schema":"spot-model/1","version":"1","engine":"logreg"}'
expect_error 400 validation_failed name
http POST /api/admin/models "${AUTH_ADMIN[@]}" -H 'Content-Type: text/plain' --data-binary "$GOOD"
expect_error 415 unsupported_media_type

# ---- a file naming an unknown feature: stored, then refused by validation naming the field ----
upload "$(model "it-schema-$TAG" 1 '["ondemand_ratio","bogus_feature"]' '[1.0,1.0]' '[0,0]' '[1,1]' 0)"
expect_status 201 "upload of a file with an unknown feature"
expect_json .status uploaded
SCHEMA_ID=$(jq -r .id <<<"$BODY")
http POST "/api/admin/models/$SCHEMA_ID/validate" "${AUTH_ADMIN[@]}"
expect_error 422 validation_failed 'features[1]'
grep -q bogus_feature <<<"$BODY" || fail "the refusal does not name the unknown feature"
[ "$(sql "SELECT status FROM ml_models WHERE id = '$SCHEMA_ID'")" = invalid ] || fail "the refused model is not invalid"
sql "SELECT validation_error FROM ml_models WHERE id = '$SCHEMA_ID'" | grep -q 'features\[1\]' \
  || fail "validation_error does not name the field"
[ "$(audit_count model.invalid "$SCHEMA_ID")" = 1 ] || fail "no audit row for the refusal"
http POST "/api/admin/models/$SCHEMA_ID/activate" "${AUTH_ADMIN[@]}"
expect_error 409 conflict

# ---- held-out data (models_lib.sh) ----
REGION=sa-east-1 TYPE=m5.large
models_fixture "$REGION" "$TYPE"

# ---- a good model: uploaded with its digest, duplicate refused, not activatable before validation ----
upload "$GOOD"
expect_status 201 "upload of a good model"
GOOD_ID=$(jq -r .id <<<"$BODY")
expect_json .status uploaded
expect_json .file_sha256 "$(printf '%s' "$GOOD" | sha256sum | cut -d' ' -f1)"
expect_json .file_size "${#GOOD}"
[ "$(audit_count model.uploaded "$GOOD_ID")" = 1 ] || fail "no audit row for the upload"
upload "$GOOD"
expect_error 409 conflict version
http POST "/api/admin/models/$GOOD_ID/activate" "${AUTH_ADMIN[@]}"
expect_error 409 conflict
http GET "/api/admin/models/$GOOD_ID" "${AUTH_ADMIN[@]}"
expect_status 200
expect_json '.parameters.features[1]' change_1h

# ---- validate: the good model passes, a model with the signal reversed does not ----
http POST "/api/admin/models/$GOOD_ID/validate" "${AUTH_ADMIN[@]}"
expect_status 200 "validation of the good model"
expect_json .status validated
jq -e '.metrics.auc >= 0.6 and .metrics.n >= 200 and .metrics.positives > 0 and (.metrics.replay_cost | type) == "number"
       and .metrics.replay_cost <= .metrics.rules_cost * 1.02' <<<"$BODY" >/dev/null || fail "metrics of the good model"
note "good model: $(jq -c '.metrics | {auc, n, positives, replay_cost, rules_cost, switches, rules_switches}' <<<"$BODY")"
[ "$(audit_count model.validated "$GOOD_ID")" = 1 ] || fail "no audit row for the validation"
upload "$(model "it-reversed-$TAG" 1 '["ondemand_ratio","change_1h"]' '[-3.0,-2.0]' '[0.4,0.0]' '[0.2,0.2]' -1.0)"
expect_status 201
REV_ID=$(jq -r .id <<<"$BODY")
http POST "/api/admin/models/$REV_ID/validate" "${AUTH_ADMIN[@]}"
expect_error 422 validation_failed auc
grep -q 'AUC' <<<"$BODY" || fail "the refusal does not say AUC"
[ "$(sql "SELECT status FROM ml_models WHERE id = '$REV_ID'")" = invalid ] || fail "the reversed model is not invalid"
sql "SELECT JSON_VALUE(metrics, '$.auc') < 0.6 FROM ml_models WHERE id = '$REV_ID'" | grep -qx 1 || fail "its AUC is not kept"

# ---- activate twice, roll back twice, then nothing left to roll back to ----
http POST "/api/admin/models/$GOOD_ID/activate" "${AUTH_ADMIN[@]}"
expect_status 200 "activation"
expect_json .status active
expect_json .previous_model_id "$BUILTIN"
[ "$(sql "SELECT COUNT(*) FROM ml_models WHERE status = 'active'")" = 1 ] || fail "not exactly one active model"
[ "$(audit_count model.activated "$GOOD_ID")" = 1 ] || fail "no audit row for the activation"
GOOD2=$(model "it-good-$TAG" 2 '["ondemand_ratio","change_1h"]' '[3.5,2.0]' '[0.4,0.0]' '[0.2,0.2]' -1.0)
upload "$GOOD2"; expect_status 201; GOOD2_ID=$(jq -r .id <<<"$BODY")
http POST "/api/admin/models/$GOOD2_ID/validate" "${AUTH_ADMIN[@]}"; expect_status 200
http POST "/api/admin/models/$GOOD2_ID/activate" "${AUTH_ADMIN[@]}"; expect_status 200
expect_json .previous_model_id "$GOOD_ID"
[ "$(sql "SELECT CONCAT(status, ',', deactivated_at IS NOT NULL) FROM ml_models WHERE id = '$GOOD_ID'")" = "retired,1" ] \
  || fail "the previous model was not retired"
http GET /api/admin/models "${AUTH_ADMIN[@]}"
expect_json .active_model_id "$GOOD2_ID"
http POST "/api/admin/models/$GOOD_ID/validate" "${AUTH_ADMIN[@]}"
expect_error 409 conflict
http POST /api/admin/models/rollback "${AUTH_ADMIN[@]}"
expect_status 200 "roll back"
expect_json .id "$GOOD_ID"
expect_json .status active
[ "$(sql "SELECT status FROM ml_models WHERE id = '$GOOD2_ID'")" = retired ] || fail "the rolled-back model is not retired"
[ "$(audit_count model.rolled_back "$GOOD2_ID")" = 1 ] || fail "no audit row for the roll back of the model it retired"
sql "SELECT post_state FROM system_events WHERE action = 'model.rolled_back' AND subject_id = '$GOOD2_ID'" | grep -q "$GOOD_ID" \
  || fail "the audit row does not name the model now active"
http POST /api/admin/models/rollback "${AUTH_ADMIN[@]}"
expect_status 200 "roll back to rules-v1"
expect_json .id "$BUILTIN"
expect_json .engine rules
http POST /api/admin/models/rollback "${AUTH_ADMIN[@]}"
expect_error 409 conflict
[ "$(sql "SELECT COUNT(*) FROM ml_models WHERE status = 'active'")" = 1 ] || fail "a refused roll back changed the active model"

# ---- two activations at once: the one active slot holds, each answer is 200 or 409 ----
RACE=()
for v in 1 2; do
  upload "$(model "it-race-$TAG" "$v" '["ondemand_ratio","change_1h"]' "[3.$v,2.0]" '[0.4,0.0]' '[0.2,0.2]' -1.0)"
  expect_status 201; RACE+=("$(jq -r .id <<<"$BODY")")
  http POST "/api/admin/models/${RACE[-1]}/validate" "${AUTH_ADMIN[@]}"; expect_status 200
done
for id in "${RACE[@]}"; do
  "${CURL[@]}" -o /dev/null -w '%{http_code}\n' -X POST "${AUTH_ADMIN[@]}" "$SPOT_URL/api/admin/models/$id/activate" \
    >"$IT_TMP/race-$id" &
done
wait
for id in "${RACE[@]}"; do
  grep -qxE '200|409' "$IT_TMP/race-$id" || fail "a racing activation answered $(cat "$IT_TMP/race-$id")"
done
[ "$(sql "SELECT COUNT(*) FROM ml_models WHERE status = 'active'")" = 1 ] || fail "two racing activations left $(sql "SELECT COUNT(*) FROM ml_models WHERE status = 'active'") active"
[ "$(sql "SELECT COUNT(*) FROM ml_models WHERE status = 'active' AND name = 'it-race-$TAG'")" = 1 ] || fail "neither racing model is active"

# ---- performance: decisions made and executed, expected against realized savings ----
register_agent "$A_TOKEN" "$(rand_name models)" "$(rand_instance_id)" "$TYPE" "${REGION}a" ondemand
for n in 1 2; do
  C=$(cat /proc/sys/kernel/random/uuid)
  sql "INSERT INTO commands (id, client_id, agent_id, type, status, request_id, expires_at)
       VALUES ('$C', '$A', '$AGENT_ID', 'switch', 'succeeded', 'it-models-$C', UTC_TIMESTAMP(3) + INTERVAL 1 HOUR);
       INSERT INTO ml_decisions (id, client_id, agent_id, model_id, decision_mode, decision, target_mode, target_pool_id,
         expected_savings, executed, command_id, reason)
       VALUES (UUID(), '$A', '$AGENT_ID', '$GOOD_ID', 'auto', 'switch', 'spot', '$TYPE.${REGION}b', 0.0600, TRUE, '$C', 'calm pool');
       INSERT INTO switches (id, client_id, agent_id, command_id, status, old_mode, new_mode, new_pool_id, ondemand_price,
         new_spot_price, savings_impact)
       VALUES (UUID(), '$A', '$AGENT_ID', '$C', 'completed', 'ondemand', 'spot', '$TYPE.${REGION}b', 0.1000, 0.0450,
         IF($n = 1, 0.0550, NULL))"
done
sql "INSERT INTO ml_decisions (id, client_id, agent_id, model_id, decision_mode, decision, reason, decided_at)
     VALUES (UUID(), '$A', '$AGENT_ID', '$GOOD_ID', 'recommendation', 'stay', 'nothing better', UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE)"
http GET "/api/admin/models/$GOOD_ID" "${AUTH_ADMIN[@]}"
expect_status 200
expect_json .performance.decisions 3
expect_json .performance.executed 2
expect_json .performance.switches 2
expect_json '.performance.expected_savings_per_hour' 0.12
expect_json '.performance.realized_savings_per_hour' 0.11
expect_json .performance.expected_text '$0.1200 per hour'

# ---- the page: an admin's session, forms with CSRF, the error beside the field ----
new_client; B=$CLIENT_ID
BEMAIL=$(rand_name models-b)@example.test
ui_user "$BEMAIL" client "$B"
JAR=$IT_TMP/admin.jar BJAR=$IT_TMP/b.jar
ui_login "$JAR" "$SPOT_ADMIN_EMAIL" "$SPOT_ADMIN_PASSWORD"; expect_status 303
ui_login "$BJAR" "$BEMAIL" "$UI_PASSWORD"; expect_status 303
ui_get "$BJAR" /admin/models
expect_status 403 "a client user on /admin/models"
ui_get "$JAR" /admin/models
expect_status 200
grep -q "<h1>Decision models</h1>" <<<"$BODY" || fail "no heading"
grep -q "it-good-$TAG 2" <<<"$BODY" || fail "the page does not list the model"
grep -q 'aria-current="page">Models<' <<<"$BODY" || fail "no nav link"
grep -qF "action=\"/admin/models/$REV_ID/validate\"" <<<"$BODY" || fail "no validate form for the invalid model"
grep -qiP '<script(?![^>]*\ssrc="/static/)|style=| on[a-z]+="' <<<"$BODY" && fail "inline script, style or event handler"
ui_get "$JAR" "/admin/models/$GOOD_ID"
expect_status 200 "a model's page"
grep -qF "<h1>Model it-good-$TAG 1</h1>" <<<"$BODY" || fail "the model page has no heading"
grep -qF '<th scope="row">auc</th>' <<<"$BODY" || fail "the model page does not list its metrics"
grep -qF '&quot;change_1h&quot;' <<<"$BODY" || fail "the model page does not show its file"
grep -q '<td>model.activated</td>' <<<"$BODY" || fail "the model page does not show its history"
grep -qF "<a href=\"/admin/models/$BUILTIN\">" <<<"$BODY" || fail "the model page does not link its previous model"
ui_get "$JAR" /admin/models/00000000-0000-4000-8000-0000000000ff
expect_status 404 "an absent model's page"
ui_get "$BJAR" "/admin/models/$GOOD_ID"
expect_status 403 "a client user on a model's page"
ui_get "$JAR" /admin/models -H 'Accept: application/json'
expect_json '.models | map(select(.id == "'"$GOOD_ID"'")) | .[0].performance.executed' 2
ui_csrf "$JAR"
ui_get "$JAR" /admin/models -X POST --data-urlencode 'model_file={"name": oops'
expect_status 403 "a form without the CSRF token"
ui_get "$JAR" /admin/models -X POST --data-urlencode "csrf_token=$CSRF" --data-urlencode 'model_file={"name": oops'
expect_status 400 "a broken file from the form"
grep -q 'id="model_file-error"' <<<"$BODY" || fail "the error is not beside the field"
grep -qF '{&quot;name&quot;: oops</textarea>' <<<"$BODY" || fail "the form lost what was typed"
PAGE_MODEL=$(model "it-page-$TAG" 1 '["ondemand_ratio"]' '[3.0]' '[0.4]' '[0.2]' -1.0)
ui_get "$JAR" /admin/models -X POST --data-urlencode "csrf_token=$CSRF" --data-urlencode "model_file=$PAGE_MODEL"
expect_status 303 "an upload from the form"
expect_header Location '^/admin/models\?done=uploaded$'
PAGE_ID=$(sql "SELECT id FROM ml_models WHERE name = 'it-page-$TAG'")
[ -n "$PAGE_ID" ] || fail "the form's upload has no row"
ui_get "$JAR" "/admin/models/$PAGE_ID/validate" -X POST --data-urlencode "csrf_token=$CSRF"
expect_status 303 "validation from the page"
ui_get "$JAR" "/admin/models/$SCHEMA_ID/activate" -X POST --data-urlencode "csrf_token=$CSRF"
expect_status 409 "activating an invalid model from the page"
grep -q "id=\"model-$SCHEMA_ID-error\"" <<<"$BODY" || fail "the refusal is not beside the model"
ui_get "$JAR" "/admin/models/$PAGE_ID/activate" -X POST --data-urlencode "csrf_token=$CSRF"
expect_status 303 "activation from the page"
[ "$(sql "SELECT status FROM ml_models WHERE id = '$PAGE_ID'")" = active ] || fail "the page's activation did not stick"
sql "SELECT actor_type FROM system_events WHERE action = 'model.activated' AND subject_id = '$PAGE_ID'" | grep -qx user \
  || fail "the page's activation is not audited as the user"
ui_get "$JAR" /admin/models/rollback -X POST --data-urlencode "csrf_token=$CSRF"
expect_status 303 "roll back from the page"

# ---- the agent page: decisions with the model, and what auto-switch would have done ----
AEMAIL=$(rand_name models-a)@example.test
ui_user "$AEMAIL" client "$A"
AJAR=$IT_TMP/a.jar
ui_login "$AJAR" "$AEMAIL" "$UI_PASSWORD"; expect_status 303
sql "INSERT INTO ml_decisions (id, client_id, agent_id, model_id, decision_mode, decision, target_mode, target_pool_id,
       expected_savings, reason, suppressed_reason, decided_at)
     VALUES (UUID(), '$A', '$AGENT_ID', '$GOOD_ID', 'recommendation', 'switch', 'spot', '$TYPE.${REGION}c', 0.0550,
       'a calm pool 55% cheaper', 'recommendation_only', UTC_TIMESTAMP(3))"
ui_get "$AJAR" "/agents/$AGENT_ID"
expect_status 200
grep -q 'id="decisions-would"' <<<"$BODY" || fail "no 'what auto-switch would do' for an agent without auto-switch"
grep -qF "Auto-switch would now move it to $TYPE.${REGION}c, saving \$0.0550 per hour (about \$40.15 a month)" <<<"$BODY" \
  || fail "the recommendation's saving is not shown"
grep -qF "<td>it-good-$TAG 1</td>" <<<"$BODY" || fail "the decision's model is not shown"
ui_get "$AJAR" "/agents/$AGENT_ID" -H 'Accept: application/json'
expect_json .decisions[0].model "it-good-$TAG 1"
expect_json .would.would_switch true
it_ok
