# test_browser_models.sh - /admin/models and the agent page's decisions in headless Chromium (Debian's
# package, playwright-core from npm as test_browser.sh installs it): an admin uploads a broken file (error
# beside the field, text kept, also with JavaScript off), uploads, validates, activates and rolls back a
# model with the page's buttons, and reads an agent's decisions (model, what auto-switch would have done).
# Checked in the database too. Screenshots: $SPOT_BUILD_DIR/browser-screenshots/models*.png.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/ui_lib.sh"
. "$(dirname "$0")/models_lib.sh"
it_env
BUILTIN=00000000-0000-4000-8000-000000000001
# Leave the registry as found (nothing active: the decision job then uses rules-v1) and no held-out fixture
# behind for the next validation.
cleanup_models() { sql "UPDATE ml_models SET status = 'retired' WHERE status = 'active';
                        UPDATE ml_models SET status = 'validated' WHERE id = '$BUILTIN';
                        DELETE FROM pricing_canonical WHERE pool_id LIKE 'm5.large.sa-east-1%'" >/dev/null 2>&1 || true; }
trap cleanup_models EXIT
cleanup_models

command -v node >/dev/null || fail "node is missing (scripts/deps.sh installs nodejs with the test packages)"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing (scripts/deps.sh installs chromium with the test packages)"
NODE_DIR=$SPOT_BUILD_DIR/browser-node
if [ ! -f "$NODE_DIR/node_modules/playwright-core/package.json" ]; then
  mkdir -p "$NODE_DIR"
  cp "$SRC/tests/browser/package.json" "$NODE_DIR/"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error \
    >"$IT_TMP/npm.log" 2>&1 || { cat "$IT_TMP/npm.log" >&2; fail "npm install playwright-core"; }
fi

REGION=sa-east-1 TYPE=m5.large
models_fixture "$REGION" "$TYPE"
TAG=$(openssl rand -hex 3)
NAME=it-browser-$TAG
FILE=$(model "$NAME" 1 '["ondemand_ratio","change_1h"]' '[3.0,2.0]' '[0.4,0.0]' '[0.2,0.2]' -1.0)

# An on-demand agent without auto-switch, and a recommendation of the built-in rules-v1.
new_client
register_agent "$CLIENT_TOKEN" "$(rand_name browser-models)" "$(rand_instance_id)" "$TYPE" "${REGION}a" ondemand
sql "INSERT INTO ml_decisions (id, client_id, agent_id, model_id, decision_mode, decision, target_mode, target_pool_id,
       expected_savings, reason, decided_at)
     VALUES (UUID(), '$CLIENT_ID', '$AGENT_ID', NULL, 'recommendation', 'switch', 'spot', '$TYPE.${REGION}b', 0.0650,
       'calm pool, 65% cheaper than on-demand', UTC_TIMESTAMP(3))"

OUT=$SPOT_BUILD_DIR/browser-screenshots
mkdir -p "$OUT"
SPOT_URL=$SPOT_URL LOGIN_EMAIL=$SPOT_ADMIN_EMAIL LOGIN_PASSWORD=$SPOT_ADMIN_PASSWORD MODEL_FILE=$FILE \
  MODEL_LABEL="$NAME 1" AGENT_ID=$AGENT_ID EXPECT_TARGET=$TYPE.${REGION}b EXPECT_MODEL=rules-v1 OUT_DIR=$OUT \
  PLAYWRIGHT_CORE=$NODE_DIR/node_modules/playwright-core \
  node "$SRC/tests/browser/models.mjs" || fail "the browser run failed (screenshots in $OUT)"
ID=$(sql "SELECT id FROM ml_models WHERE name = '$NAME'")
[ "$(sql "SELECT CONCAT(status, ',', previous_model_id, ',', JSON_VALUE(metrics, '$.auc') >= 0.6) FROM ml_models WHERE id = '$ID'")" \
  = "retired,$BUILTIN,1" ] || fail "the model's row after the browser run: $(sql "SELECT status, previous_model_id FROM ml_models WHERE id = '$ID'")"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id = '$ID' AND actor_type = 'user'
          AND action IN ('model.uploaded', 'model.validated', 'model.activated')")" = 3 ] || fail "the page's actions are not audited"
[ "$(sql "SELECT status FROM ml_models WHERE id = '$BUILTIN'")" = active ] || fail "the roll back did not return to rules-v1"
note "screenshots: $(cd "$OUT" && ls models*.png agent-decisions.png | tr '\n' ' ')"
it_ok
