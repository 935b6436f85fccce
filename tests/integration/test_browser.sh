# test_browser.sh - the dashboard in headless Chromium (Debian's package) driven by playwright-core
# from npm, installed into the build directory (never a browser download): login, overview numbers,
# an agent page and its chart, a config toggle and its refusal, the same with JavaScript off, no
# console errors, promoting a replica. Screenshots: $SPOT_BUILD_DIR/browser-screenshots/.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/ui_lib.sh"
it_env

command -v node >/dev/null || fail "node is missing (scripts/deps.sh installs nodejs with the test packages)"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is missing (scripts/deps.sh installs chromium with the test packages)"
NODE_DIR=$SPOT_BUILD_DIR/browser-node
if [ ! -f "$NODE_DIR/node_modules/playwright-core/package.json" ]; then
  mkdir -p "$NODE_DIR"
  cp "$SRC/tests/browser/package.json" "$NODE_DIR/"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error \
    >"$IT_TMP/npm.log" 2>&1 || { cat "$IT_TMP/npm.log" >&2; fail "npm install playwright-core"; }
fi

# ---- a client with one spot agent, savings and prices ----
new_client
register_agent "$CLIENT_TOKEN" "$(rand_name browser)" "$(rand_instance_id)" r5.large us-east-1c spot
POOL=r5.large.us-east-1c
EMAIL=$(rand_name browser)@example.test
ui_user "$EMAIL" client "$CLIENT_ID"
sql "INSERT INTO savings_snapshots (id, client_id, snapshot_date, ondemand_cost, actual_cost, savings)
     VALUES (UUID(), '$CLIENT_ID', UTC_DATE(), 1500.00, 265.50, 1234.50)"
sql "INSERT IGNORE INTO pricing_consolidated (id, pool_id, bucket_start, price)
     SELECT UUID(), '$POOL', FROM_UNIXTIME((FLOOR(UNIX_TIMESTAMP() / 3600) - seq) * 3600), 0.0300 + (seq % 5) * 0.0010
     FROM seq_1_to_48"
# An alternative zone priced too, so the chart draws more than the agent's own line.
sql "INSERT INTO spot_pools (id, instance_type, region, az) VALUES ('r5.large.us-east-1a', 'r5.large', 'us-east-1', 'us-east-1a')
       ON DUPLICATE KEY UPDATE id = id;
     INSERT IGNORE INTO pricing_consolidated (id, pool_id, bucket_start, price)
     SELECT UUID(), 'r5.large.us-east-1a', FROM_UNIXTIME((FLOOR(UNIX_TIMESTAMP() / 3600) - seq) * 3600), 0.0400
     FROM seq_1_to_6"
sql "UPDATE agents SET notice_status = 'rebalance', notice_deadline = UTC_TIMESTAMP(3) + INTERVAL 10 MINUTE WHERE id = '$AGENT_ID'"
# A ready replica to promote from the replicas page.
RI=$(rand_instance_id) RID=$(cat /proc/sys/kernel/random/uuid)
sql "INSERT INTO instances (id, agent_id, client_id, role, instance_type, region, az, mode)
     VALUES ('$RI', '$AGENT_ID', '$CLIENT_ID', 'replica', 'r5.large', 'us-east-1', 'us-east-1d', 'spot')"
sql "INSERT INTO replica_instances (id, agent_id, client_id, instance_id, replica_type, status, instance_type, az,
     state_transfer_progress, ready_at) VALUES ('$RID', '$AGENT_ID', '$CLIENT_ID', '$RI', 'manual', 'ready', 'r5.large',
     'us-east-1d', 100, UTC_TIMESTAMP(3))"
# The chart has the price at each hour start of the last 7 days (db_pages_pools_hourly).
POINTS=$(sql "SELECT COUNT(*) FROM pricing_consolidated WHERE pool_id = '$POOL' AND MOD(UNIX_TIMESTAMP(bucket_start), 3600) = 0
              AND bucket_start >= FROM_UNIXTIME(FLOOR(UNIX_TIMESTAMP() / 3600) * 3600 - 7 * 86400)")

OUT=$SPOT_BUILD_DIR/browser-screenshots
mkdir -p "$OUT"
SPOT_URL=$SPOT_URL LOGIN_EMAIL=$EMAIL LOGIN_PASSWORD=$UI_PASSWORD AGENT_ID=$AGENT_ID REPLICA_ID=$RID \
  EXPECT_SAVINGS='$1,234.50' EXPECT_SPOT=1 EXPECT_ONLINE=1 EXPECT_POOL=$POOL EXPECT_POINTS=$POINTS OUT_DIR=$OUT \
  PLAYWRIGHT_CORE=$NODE_DIR/node_modules/playwright-core \
  node "$SRC/tests/browser/dashboard.mjs" || fail "the browser run failed (screenshots in $OUT)"
[ "$(sql "SELECT role FROM instances WHERE id = '$RI'")" = primary ] || fail "the replica promoted in the browser is not the primary"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id = '$AGENT_ID' AND type = 'promote'")" = 1 ] || fail "no promote command"
note "screenshots: $(cd "$OUT" && ls ./*.png | tr '\n' ' ')"
it_ok
