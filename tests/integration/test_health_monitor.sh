# test_health_monitor.sh - spot-health-monitor (issue 6 part 3) against the
# real stack, time driven through --once --now: silent agents go offline with
# a notification and an audit row (a heartbeat brings them back), heartbeat
# miss rates per agent and period, unconfirmed zombie terminations, stale
# jobs; re-runs change nothing.
. "$(dirname "$0")/harness.sh"
it_env
BIN=${SPOT_BUILD_DIR:?}/spot-health-monitor
PIDF=$IT_DIR/run/job-health-monitor.pid
trap 'restore_stack; rm -rf "$IT_TMP"' EXIT

# The stack's own loop would write this period's rows first: stop it; restore_stack starts it again.
if [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; then
  lp=$(cat "$PIDF")
  kill -TERM "$lp"
  poll 30 bash -c "! kill -0 $lp 2>/dev/null" || fail "the stack's health monitor loop did not stop"
fi

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
T=$(date -u +%s)
PE=$((T - T % 300))
PS=$((PE - 300))
tick() { "$BIN" --config "$IT_DIR/spot.env" --once --now "$(iso "$1")" >>"$IT_TMP/hm.log" 2>&1 || { cat "$IT_TMP/hm.log" >&2; fail "a --once tick failed"; }; }
last_stat() { sql "SELECT JSON_VALUE(stats, '\$.$1') FROM job_runs WHERE job_name='health-monitor' ORDER BY started_at DESC, finished_at DESC LIMIT 1"; }

new_client
C=$CLIENT_ID
CT=$CLIENT_TOKEN

# ---- silent for 10 minutes: offline, with a notification and an audit row; a heartbeat brings it back ----
OI=$(rand_instance_id)
register_agent "$CT" "$(rand_name hm-off)" "$OI" t3.micro eu-north-1a
O=$AGENT_ID
O_TOKEN=$AGENT_TOKEN
sql "UPDATE agents SET status='online', last_heartbeat_at = FROM_UNIXTIME($T - 660), created_at = FROM_UNIXTIME($T - 3600) WHERE id='$O'"
FI=$(rand_instance_id)
register_agent "$CT" "$(rand_name hm-fresh)" "$FI" t3.micro eu-north-1a
F=$AGENT_ID
sql "UPDATE agents SET status='online', last_heartbeat_at = FROM_UNIXTIME($T - 540) WHERE id='$F'"
tick "$T"
[ "$(sql "SELECT status FROM agents WHERE id='$O'")" = offline ] || fail "silent agent still online"
[ "$(sql "SELECT status FROM agents WHERE id='$F'")" = online ] || fail "an agent silent for 9 minutes went offline"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE agent_id='$O' AND type='agent.offline' AND client_id='$C'")" = 1 ] || fail "no offline notification"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE agent_id='$O' AND action='agent.offline' AND actor_type='job' AND JSON_VALUE(pre_state,'\$.status')='online' AND JSON_VALUE(post_state,'\$.status')='offline'")" = 1 ] \
  || fail "offline transition not audited"
[ "$(last_stat agents_offline)" -ge 1 ] || fail "stats: agents_offline $(last_stat agents_offline)"
tick "$T"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE agent_id='$O' AND type='agent.offline'")" = 1 ] || fail "offline notified twice"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE agent_id='$O' AND action='agent.offline'")" = 1 ] || fail "offline audited twice"
[ "$(last_stat agents_offline)" = 0 ] || fail "re-run took agents offline"
AGENT_TOKEN=$O_TOKEN
AGENT_ID=$O
heartbeat "$OI"
expect_status 200
[ "$(sql "SELECT status FROM agents WHERE id='$O'")" = online ] || fail "the heartbeat did not bring the agent back"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE agent_id='$O' AND type='agent.online'")" = 1 ] || fail "no online notification"
tick "$T"
[ "$(sql "SELECT status FROM agents WHERE id='$O'")" = online ] || fail "a heartbeating agent went offline"

# ---- heartbeat miss rate of the last complete 5-minute period, one row per agent and period ----
# A: silent for the last 3 minutes of the period; B: heartbeating after it; N: created 150 s into it, silent since.
ma() { register_agent "$CT" "$(rand_name "hm-$1")" "$(rand_instance_id)" t3.micro eu-north-1a; echo "$AGENT_ID"; }
A=$(ma a)
B=$(ma b)
N=$(ma n)
sql "UPDATE agents SET status='online', created_at = FROM_UNIXTIME($T - 3600), last_heartbeat_at = FROM_UNIXTIME($PS + 120) WHERE id='$A'"
sql "UPDATE agents SET status='online', created_at = FROM_UNIXTIME($T - 3600), last_heartbeat_at = FROM_UNIXTIME($T) WHERE id='$B'"
sql "UPDATE agents SET status='online', created_at = FROM_UNIXTIME($PS + 150), last_heartbeat_at = FROM_UNIXTIME($PS + 150) WHERE id='$N'"
metrics() { sql "SELECT CONCAT(heartbeats_expected,'/',heartbeats_received,'/',FLOOR(UNIX_TIMESTAMP(period_start)) - $PS,'/',FLOOR(UNIX_TIMESTAMP(period_end)) - $PS) FROM agent_health_metrics WHERE agent_id='$1'"; }
tick "$T"
[ "$(metrics "$A")" = 5/2/0/300 ] || fail "agent A metrics: $(metrics "$A")"
[ "$(metrics "$B")" = 5/5/0/300 ] || fail "agent B metrics: $(metrics "$B")"
[ "$(metrics "$N")" = 2/0/0/300 ] || fail "agent N metrics: $(metrics "$N")"
[ "$(sql "SELECT COUNT(*) FROM agent_health_metrics WHERE agent_id='$A' AND instance_id IS NOT NULL AND client_id='$C'")" = 1 ] || fail "metrics row lacks its instance"
sql "UPDATE agents SET last_heartbeat_at = FROM_UNIXTIME($T) WHERE id='$A'"
tick "$T"
[ "$(metrics "$A")" = 5/2/0/300 ] || fail "a re-run rewrote the period: $(metrics "$A")"
[ "$(sql "SELECT COUNT(*) FROM agent_health_metrics WHERE agent_id IN ('$A','$B','$N')")" = 3 ] || fail "a re-run added rows"
[ "$(last_stat metrics_rows)" = 0 ] || fail "re-run wrote metric rows"

# ---- zombies handed out for termination but never confirmed: one notification each ----
ZA=$(ma z)
zombie() {
  sql "INSERT INTO instances (id, agent_id, client_id, role, instance_type, region, az, mode, role_changed_at, termination_attempted_at, termination_confirmed)
       VALUES ('$1', '$ZA', '$C', 'zombie', 't3.micro', 'eu-north-1', 'eu-north-1a', 'spot', FROM_UNIXTIME($T - $2), FROM_UNIXTIME($T - $3), $4)"
}
Z1=$(rand_instance_id); zombie "$Z1" 3600 960 FALSE   # attempted 16 minutes ago
Z2=$(rand_instance_id); zombie "$Z2" 360 300 FALSE    # attempted 5 minutes ago, a zombie for 6: not yet
Z3=$(rand_instance_id); zombie "$Z3" 3600 960 TRUE    # confirmed
Z4=$(rand_instance_id); zombie "$Z4" 7200 120 FALSE   # re-attempted 2 minutes ago, but a zombie for 2 hours
tick "$T"
nz() { sql "SELECT COUNT(*) FROM notifications WHERE dedupe_key='zombie_unconfirmed:$1' AND type='zombie.unconfirmed' AND agent_id='$ZA'"; }
[ "$(nz "$Z1")" = 1 ] || fail "no notification for an unconfirmed zombie"
[ "$(nz "$Z2")" = 0 ] || fail "a zombie within its timeout was reported"
[ "$(nz "$Z3")" = 0 ] || fail "a confirmed zombie was reported"
[ "$(nz "$Z4")" = 1 ] || fail "a zombie re-attempted for hours was not reported"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id IN ('$Z1','$Z4') AND action='zombie.unconfirmed'")" = 2 ] || fail "zombie notifications not audited"
tick "$T"
[ "$(($(nz "$Z1") + $(nz "$Z4")))" = 2 ] || fail "zombies notified twice"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id IN ('$Z1','$Z4') AND action='zombie.unconfirmed'")" = 2 ] || fail "zombies audited twice"

# ---- a job without a successful run in three of its intervals: one admin notification per day ----
# Days ahead, so no real run of the stack's loops can have made these day keys: a succeeded coordinator
# run just before T2 is fresh at T2; a day later (T3) nothing has succeeded for 3 intervals.
T2=$((T + 2 * 86400))
T3=$((T + 3 * 86400))
DAY2=$(date -u -d "@$T2" +%F)
DAY3=$(date -u -d "@$T3" +%F)
FAKE=$(sql "SELECT UUID()")
trap 'sql "DELETE FROM job_runs WHERE id='"'$FAKE'"'" || true; restore_stack; rm -rf "$IT_TMP"' EXIT
sql "INSERT INTO job_runs (id, job_name, holder, started_at, finished_at, status, stats)
     VALUES ('$FAKE', 'replica-coordinator', 'it-health-monitor', FROM_UNIXTIME($T2 - 5), FROM_UNIXTIME($T2 - 4), 'succeeded', '{}')"
tick "$T2"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE dedupe_key='job_stale:replica-coordinator:$DAY2'")" = 0 ] || fail "a healthy job was reported stale"
tick "$T3"
[ "$(sql "SELECT CONCAT(COUNT(*),'/',COALESCE(MAX(client_id),'admin'),'/',MAX(type)) FROM notifications WHERE dedupe_key='job_stale:replica-coordinator:$DAY3'")" = 1/admin/job.stale ] \
  || fail "no admin notification for a stale job"
[ "$(last_stat jobs_stale)" -ge 1 ] || fail "stats: jobs_stale $(last_stat jobs_stale)"
if [ "$(sql "SELECT COUNT(*) FROM job_runs WHERE job_name='risk-analysis'")" = 0 ]; then
  [ "$(sql "SELECT COUNT(*) FROM notifications WHERE dedupe_key LIKE 'job_stale:risk-analysis:%'")" = 0 ] || fail "a job that never ran here was reported"
fi
tick "$T3"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE dedupe_key='job_stale:replica-coordinator:$DAY3'")" = 1 ] || fail "stale job notified twice the same day"
sql "DELETE FROM job_runs WHERE id='$FAKE'"
it_ok
