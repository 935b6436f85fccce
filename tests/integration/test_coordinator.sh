# test_coordinator.sh - spot-replica-coordinator (issue 6 part 1) against the
# real stack, time driven through --once --now: manual-replica mode keeps one
# live replica (after a promotion and a switch too, in the cheapest other
# pool), a replica made by manual mode is terminated when the agent leaves it
# (one the client asked for stays), stuck replicas are failed and replaced,
# the rebalance and termination backstops, notices closed with their outcome
# and failover time, the hourly cost log; re-runs change nothing; two
# coordinators at once act exactly once under the lease; a database restart
# in the middle of a loop is recorded once the database is back.
. "$(dirname "$0")/harness.sh"
it_env
BIN=${SPOT_BUILD_DIR:?}/spot-replica-coordinator
PIDF=$IT_DIR/run/job-replica-coordinator.pid
LOOPS=()
cleanup() {
  local p
  for p in "${LOOPS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${LOOPS[@]}"; do wait "$p" 2>/dev/null || true; done
  restore_stack
  rm -rf "$IT_TMP"
}
trap cleanup EXIT

# The stack's own loop would take the lease (and act) while we drive time: stop it; restore_stack starts it again.
if [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; then
  lp=$(cat "$PIDF")
  kill -TERM "$lp"
  poll 30 bash -c "! kill -0 $lp 2>/dev/null" || fail "the stack's coordinator loop did not stop"
fi

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
T=$(date -u +%s)
tick() { "$BIN" --config "$IT_DIR/spot.env" --once --now "$(iso "$1")" >>"$IT_TMP/coord.log" 2>&1 || { cat "$IT_TMP/coord.log" >&2; fail "a --once tick failed"; }; }
last_stat() { sql "SELECT JSON_VALUE(stats, '\$.$1') FROM job_runs WHERE job_name='replica-coordinator' ORDER BY started_at DESC, finished_at DESC LIMIT 1"; }
manual_on() { sql "UPDATE agents SET manual_replica_enabled=TRUE, auto_switch_enabled=FALSE, auto_terminate_enabled=FALSE WHERE id='$1'"; }
live() { sql "SELECT COUNT(*) FROM replica_instances WHERE agent_id='$1' AND status IN ('launching','syncing','ready')"; }
live_pool() { sql "SELECT GROUP_CONCAT(pool_id) FROM replica_instances WHERE agent_id='$1' AND status IN ('launching','syncing','ready')"; }
live_id() { sql "SELECT id FROM replica_instances WHERE agent_id='$1' AND status IN ('launching','syncing','ready')"; }
report() { agent_call POST "/api/agents/$1/replicas/$2/status" -d "$3"; expect_status 200 "replica report $3"; }
# pools TYPE REGION AGENT: three zones a, b, c priced 0.050, 0.030, 0.040 (b is the cheapest)
pools() {
  local z p
  for z in a:0.050 b:0.030 c:0.040; do
    p=$1.$2${z%%:*}
    sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('$p', '$1', '$2', '$2${z%%:*}')"
    sql "INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at)
         VALUES (UUID(), '$p', '$3', 'i-0fixture00000000', 'primary', ${z#*:}, UTC_TIMESTAMP(3) - INTERVAL 5 MINUTE)"
  done
}

new_client
C=$CLIENT_ID
CT=$CLIENT_TOKEN
REG=ap-southeast-2

# ---- manual mode: one replica, in the cheapest other pool; never a second ----
MI=$(rand_instance_id)
register_agent "$CT" "$(rand_name coord-m)" "$MI" m5.large ${REG}a
M=$AGENT_ID
M_TOKEN=$AGENT_TOKEN
pools m5.large $REG "$M"
pools c5.large $REG "$M"
manual_on "$M"
tick "$T"
[ "$(live "$M")" = 1 ] || fail "manual mode: no replica made"
[ "$(live_pool "$M")" = "m5.large.${REG}b" ] || fail "replica not in the cheapest other pool: $(live_pool "$M")"
R1=$(live_id "$M")
[ "$(sql "SELECT CONCAT(r.replica_type,'/',c.type,'/',c.reason,'/',c.status) FROM replica_instances r JOIN commands c ON c.id=r.command_id WHERE r.id='$R1'")" = manual/launch_replica/manual_mode/pending ] \
  || fail "replica and command: $(sql "SELECT * FROM replica_instances WHERE id='$R1'")"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id='$R1' AND action='replica.created' AND actor_type='job' AND actor_id='replica-coordinator'")" = 1 ] \
  || fail "replica creation not audited as the job"
[ "$(last_stat replicas_created)" -ge 1 ] || fail "stats: $(last_stat replicas_created) replicas_created"
tick "$T"
[ "$(sql "SELECT COUNT(*) FROM replica_instances WHERE agent_id='$M'")" = 1 ] || fail "a second replica while one is launching"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$M' AND type='launch_replica'")" = 1 ] || fail "a second launch command"
for k in replicas_created promoted emergency_commands notices_closed stuck_failed terminated cost_rows; do
  [ "$(last_stat $k)" = 0 ] || fail "the re-run changed something: $k = $(last_stat $k)"
done

# ---- after a promotion: a new replica for the new primary, in the cheapest pool other than its own ----
AGENT_TOKEN=$M_TOKEN
RI1=$(rand_instance_id)
report "$M" "$R1" "{\"status\":\"syncing\",\"instance_id\":\"$RI1\"}"
report "$M" "$R1" '{"status":"ready"}'
agent_call POST "/api/agents/$M/termination-notice" -d "{\"instance_id\":\"$MI\",\"action_time\":\"$(iso $((T + 120)))\",\"notice_action\":\"terminate\"}"
expect_status 200
expect_json .action promote_replica
tick "$T"
[ "$(live "$M")" = 1 ] || fail "no replica after the promotion"
[ "$(live_pool "$M")" = "m5.large.${REG}c" ] || fail "after promotion the replica should be in ${REG}c (cheapest other than b): $(live_pool "$M")"
R2=$(live_id "$M")

# ---- after a switch: the replica made for the old primary is replaced ----
sql "UPDATE agents SET last_switch_at = UTC_TIMESTAMP(3) WHERE id='$M'"
tick "$T"
[ "$(sql "SELECT status FROM replica_instances WHERE id='$R2'")" = terminated ] || fail "stale replica not terminated"
[ "$(sql "SELECT c.status FROM replica_instances r JOIN commands c ON c.id=r.command_id WHERE r.id='$R2'")" = expired ] \
  || fail "the stale replica's launch command was not withdrawn"
[ "$(live "$M")" = 1 ] || fail "no replica after the switch"
R3=$(live_id "$M")
[ "$R3" != "$R2" ] || fail "same replica after the switch"

# ---- leaving manual mode: the mode's replica is terminated (command + status); a client-requested one stays ----
RI3=$(rand_instance_id)
report "$M" "$R3" "{\"status\":\"syncing\",\"instance_id\":\"$RI3\"}"
sql "UPDATE agents SET manual_replica_enabled=FALSE WHERE id='$M'"
XI=$(rand_instance_id)
register_agent "$CT" "$(rand_name coord-x)" "$XI" m5.large ${REG}a
X=$AGENT_ID
http POST "/api/client/agents/$X/replicas" -H "Authorization: Bearer $CT" -H 'Content-Type: application/json' -d '{}'
expect_status 202
XR=$(jq -r .replica_id <<<"$BODY")
tick "$T"
[ "$(sql "SELECT CONCAT(status,'/',termination_attempted_at IS NOT NULL) FROM replica_instances WHERE id='$R3'")" = terminated/1 ] \
  || fail "replica of an agent that left manual mode: $(sql "SELECT status FROM replica_instances WHERE id='$R3'")"
[ "$(sql "SELECT CONCAT(COUNT(*),'/',MIN(JSON_VALUE(payload,'\$.instance_id')),'/',MIN(reason)) FROM commands WHERE agent_id='$M' AND type='terminate'")" = "1/$RI3/left_manual_mode" ] \
  || fail "terminate command: $(sql "SELECT type, payload, reason FROM commands WHERE agent_id='$M' AND type='terminate'")"
[ "$(live "$M")" = 0 ] || fail "a replica was made for an agent out of manual mode"
[ "$(sql "SELECT status FROM replica_instances WHERE id='$XR'")" = launching ] || fail "the client's own replica was touched"
tick "$T"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$M' AND type='terminate'")" = 1 ] || fail "a second terminate command"

# ---- stuck replicas: failed and replaced ----
SI=$(rand_instance_id)
register_agent "$CT" "$(rand_name coord-s)" "$SI" m5.large ${REG}a
S=$AGENT_ID
S_TOKEN=$AGENT_TOKEN
manual_on "$S"
tick "$T"
SR1=$(live_id "$S")
[ -n "$SR1" ] || fail "no replica for S"
sql "UPDATE replica_instances SET created_at = FROM_UNIXTIME($T - 16 * 60) WHERE id='$SR1'"
tick "$((T + 1))"
[ "$(sql "SELECT CONCAT(status,'/',error) FROM replica_instances WHERE id='$SR1'")" = failed/stuck_launching ] \
  || fail "stuck launching replica: $(sql "SELECT status, error FROM replica_instances WHERE id='$SR1'")"
[ "$(sql "SELECT COUNT(*) FROM notifications WHERE agent_id='$S' AND type='replica.failed'")" = 1 ] || fail "no notification for the stuck replica"
SR2=$(live_id "$S")
[ -n "$SR2" ] && [ "$SR2" != "$SR1" ] || fail "stuck replica not replaced"
AGENT_TOKEN=$S_TOKEN
SRI=$(rand_instance_id)
report "$S" "$SR2" "{\"status\":\"syncing\",\"instance_id\":\"$SRI\",\"progress\":10}"
tick "$((T + 1))"
[ "$(sql "SELECT status FROM replica_instances WHERE id='$SR2'")" = syncing ] || fail "a syncing replica reporting was failed"
sql "UPDATE replica_instances SET updated_at = FROM_UNIXTIME($T - 31 * 60) WHERE id='$SR2'"
tick "$((T + 1))"
[ "$(sql "SELECT CONCAT(status,'/',error) FROM replica_instances WHERE id='$SR2'")" = failed/stuck_syncing ] || fail "stuck syncing replica not failed"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$S' AND type='terminate' AND JSON_VALUE(payload,'\$.instance_id')='$SRI'")" = 1 ] \
  || fail "the stuck replica's instance was not terminated"
[ "$(live "$S")" = 1 ] || fail "stuck syncing replica not replaced"

# ---- auto-switch: a rebalance the API answered 'monitor' gets a replica once the pool's risk is above 0.30 ----
AI=$(rand_instance_id)
register_agent "$CT" "$(rand_name coord-r)" "$AI" c5.large ${REG}a
A=$AGENT_ID
sql "UPDATE agents SET auto_switch_enabled=TRUE WHERE id='$A'"
agent_call POST "/api/agents/$A/rebalance-notice" -d "{\"instance_id\":\"$AI\",\"notice_time\":\"$(iso "$T")\"}"
expect_status 200
expect_json .action monitor
AEV=$(jq -r .event_id <<<"$BODY")
tick "$T"
[ "$(live "$A")" = 0 ] || fail "a replica in a calm pool"
sql "UPDATE spot_pools SET flagged_until = UTC_TIMESTAMP(3) + INTERVAL 20 MINUTE WHERE id='c5.large.${REG}a'"
tick "$T"
[ "$(sql "SELECT CONCAT(replica_type,'/',pool_id) FROM replica_instances WHERE agent_id='$A'")" = "automatic-rebalance/c5.large.${REG}b" ] \
  || fail "no emergency replica: $(sql "SELECT replica_type, pool_id FROM replica_instances WHERE agent_id='$A'")"
[ "$(sql "SELECT CONCAT(response_action,'/',replica_id IS NOT NULL,'/',risk_score >= 0.6) FROM spot_interruption_events WHERE id='$AEV'")" = launch_replica/1/1 ] \
  || fail "event response: $(sql "SELECT response_action, replica_id, risk_score FROM spot_interruption_events WHERE id='$AEV'")"
tick "$T"
[ "$(sql "SELECT COUNT(*) FROM replica_instances WHERE agent_id='$A'")" = 1 ] || fail "a second emergency replica"
sql "UPDATE spot_pools SET flagged_until = NULL WHERE id='c5.large.${REG}a'"

# ---- termination notices the API did not answer: promote the ready replica, else one emergency launch ----
# term_event AGENT INSTANCE: an unanswered termination notice for the instance, deadline T+120.
term_event() {
  local ev
  ev=$(sql "SELECT UUID()")
  sql "INSERT INTO spot_interruption_events (id, client_id, agent_id, instance_id, pool_id, signal_type, notice_time, action_time, notice_action, detected_at)
       VALUES ('$ev', '$C', '$1', '$2', 'c5.large.${REG}a', 'termination-notice', FROM_UNIXTIME($T), FROM_UNIXTIME($T + 120), 'terminate', FROM_UNIXTIME($T))"
  sql "UPDATE agents SET notice_status='termination', notice_deadline=FROM_UNIXTIME($T + 120) WHERE id='$1'"
  echo "$ev"
}
E1I=$(rand_instance_id)
register_agent "$CT" "$(rand_name coord-e1)" "$E1I" c5.large ${REG}a
E1=$AGENT_ID
sql "UPDATE agents SET auto_switch_enabled=TRUE WHERE id='$E1'"
http POST "/api/client/agents/$E1/replicas" -H "Authorization: Bearer $CT" -H 'Content-Type: application/json' -d '{}'
expect_status 202
E1R=$(jq -r .replica_id <<<"$BODY")
E1RI=$(rand_instance_id)
report "$E1" "$E1R" "{\"status\":\"syncing\",\"instance_id\":\"$E1RI\"}"
report "$E1" "$E1R" '{"status":"ready"}'
E2I=$(rand_instance_id)
register_agent "$CT" "$(rand_name coord-e2)" "$E2I" c5.large ${REG}a
E2=$AGENT_ID
sql "UPDATE agents SET auto_switch_enabled=TRUE WHERE id='$E2'"
EV1=$(term_event "$E1" "$E1I")
EV2=$(term_event "$E2" "$E2I")
tick "$T"
[ "$(sql "SELECT CONCAT((SELECT role FROM instances WHERE id='$E1I'),'/',(SELECT role FROM instances WHERE id='$E1RI'),'/',(SELECT status FROM replica_instances WHERE id='$E1R'))")" = zombie/primary/promoted ] \
  || fail "no promotion: $(sql "SELECT id, role FROM instances WHERE agent_id='$E1'")"
[ "$(sql "SELECT CONCAT(response_action,'/',replica_id) FROM spot_interruption_events WHERE id='$EV1'")" = "promote_replica/$E1R" ] || fail "event 1 response"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$E2' AND type='emergency_launch' AND request_id='termination:$EV2'")" = 1 ] \
  || fail "no emergency launch: $(sql "SELECT type, request_id FROM commands WHERE agent_id='$E2'")"
[ "$(sql "SELECT response_action FROM spot_interruption_events WHERE id='$EV2'")" = emergency_launch ] || fail "event 2 response"
tick "$T"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$E2' AND type='emergency_launch'")" = 1 ] || fail "a second emergency launch"
[ "$(sql "SELECT COUNT(*) FROM instances WHERE agent_id='$E1' AND role='primary'")" = 1 ] || fail "not one primary"

# ---- notices past their deadline are closed with their outcome ----
sql "UPDATE commands SET status='succeeded', finished_at = FROM_UNIXTIME($T + 95) WHERE agent_id='$E2' AND type='emergency_launch'"
tick "$((T + 100))"
[ "$(sql "SELECT resolved_at IS NULL FROM spot_interruption_events WHERE id='$EV1'")" = 1 ] || fail "closed before its deadline"
tick "$((T + 200))"
[ "$(sql "SELECT CONCAT(outcome,'/',resolved_at = FROM_UNIXTIME($T + 200),'/',failover_seconds IS NOT NULL) FROM spot_interruption_events WHERE id='$EV1'")" = promoted/1/1 ] \
  || fail "event 1 close: $(sql "SELECT outcome, resolved_at, failover_seconds FROM spot_interruption_events WHERE id='$EV1'")"
[ "$(sql "SELECT CONCAT(outcome,'/',failover_seconds) FROM spot_interruption_events WHERE id='$EV2'")" = emergency_launched/95.000 ] \
  || fail "event 2 close: $(sql "SELECT outcome, failover_seconds FROM spot_interruption_events WHERE id='$EV2'")"
[ "$(sql "SELECT CONCAT(notice_status,'/',notice_deadline IS NULL) FROM agents WHERE id IN ('$E1','$E2') GROUP BY 1")" = none/1 ] \
  || fail "notice status not back to none: $(sql "SELECT id, notice_status FROM agents WHERE id IN ('$E1','$E2')")"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id IN ('$EV1','$EV2') AND action='interruption.closed'")" = 2 ] || fail "closing not audited"
tick "$((T + 200))"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id IN ('$EV1','$EV2') AND action='interruption.closed'")" = 2 ] || fail "closed twice"

# ---- hourly replica cost: one row per replica and complete hour, idempotent ----
H=$((T - T % 3600))
KI=$(rand_instance_id)
register_agent "$CT" "$(rand_name coord-k)" "$KI" c5.large ${REG}a
K=$AGENT_ID
http POST "/api/client/agents/$K/replicas" -H "Authorization: Bearer $CT" -H 'Content-Type: application/json' -d '{}'
expect_status 202
KR=$(jq -r .replica_id <<<"$BODY")
report "$K" "$KR" "{\"status\":\"syncing\",\"instance_id\":\"$(rand_instance_id)\"}"
report "$K" "$KR" '{"status":"ready"}'
sql "UPDATE replica_instances SET created_at = FROM_UNIXTIME($H - 5400), spot_price = 0.036 WHERE id='$KR'"
tick "$T"
[ "$(sql "SELECT GROUP_CONCAT(CONCAT(FLOOR(UNIX_TIMESTAMP(period_start)) - $H, ':', cost) ORDER BY period_start) FROM replica_cost_log WHERE replica_id='$KR'")" = "-7200:0.018000,-3600:0.036000" ] \
  || fail "cost rows: $(sql "SELECT period_start, period_end, hourly_price, cost FROM replica_cost_log WHERE replica_id='$KR'")"
tick "$T"
[ "$(sql "SELECT COUNT(*) FROM replica_cost_log WHERE replica_id='$KR'")" = 2 ] || fail "cost logged twice"
[ "$(last_stat cost_rows)" = 0 ] || fail "re-run wrote cost rows"

# ---- two coordinators at once: the lease lets one act at a time; every agent gets exactly one replica ----
pools t3.small $REG "$M"
two_agents() {
  local i id
  for i in 1 2 3 4 5; do
    register_agent "$CT" "$(rand_name "coord-two$1")" "$(rand_instance_id)" t3.small ${REG}a
    manual_on "$AGENT_ID"
    echo "$AGENT_ID"
  done
}
all_have() { local a; for a in "$@"; do [ "$(live "$a")" = 1 ] || return 1; done; }
START=$(sql "SELECT UTC_TIMESTAMP(3)")
"$BIN" --config "$IT_DIR/spot.env" --interval 1 >>"$IT_TMP/loop1.log" 2>&1 &
L1=$!
"$BIN" --config "$IT_DIR/spot.env" --interval 1 >>"$IT_TMP/loop2.log" 2>&1 &
L2=$!
LOOPS=("$L1" "$L2")
mapfile -t TWO1 < <(two_agents 1)
poll 60 all_have "${TWO1[@]}" || fail "two loops: the first agents did not all get a replica"
# Stop whichever holds the lease (a clean stop gives it up); the other must take over.
lease_mine() { sql "SELECT holder FROM job_leases WHERE name='replica-coordinator' AND expires_at > UTC_TIMESTAMP(3)" | grep -Eq ":($L1|$L2)\$"; }
poll 20 lease_mine || fail "neither loop holds the lease"
HOLDER=$(sql "SELECT holder FROM job_leases WHERE name='replica-coordinator'")
FIRST=${HOLDER##*:}
kill -TERM "$FIRST"
wait "$FIRST" 2>/dev/null || true
mapfile -t TWO2 < <(two_agents 2)
poll 60 all_have "${TWO2[@]}" || fail "two loops: the second agents did not get a replica after the lease moved"
sleep 3   # a few more ticks: nothing more may happen
for p in "$L1" "$L2"; do kill -TERM "$p" 2>/dev/null || true; done
for p in "$L1" "$L2"; do wait "$p" 2>/dev/null || true; done
LOOPS=()
for a in "${TWO1[@]}" "${TWO2[@]}"; do
  [ "$(sql "SELECT COUNT(*) FROM replica_instances WHERE agent_id='$a'")" = 1 ] || fail "agent $a: not exactly one replica"
  [ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$a' AND type='launch_replica'")" = 1 ] || fail "agent $a: not exactly one command"
done
HOLDERS="holder LIKE '%:$L1' OR holder LIKE '%:$L2'"
[ "$(sql "SELECT COUNT(DISTINCT holder) FROM job_runs WHERE job_name='replica-coordinator' AND started_at >= '$START' AND status='succeeded' AND ($HOLDERS)")" = 2 ] \
  || fail "job_runs does not show both holders: $(sql "SELECT holder, COUNT(*) FROM job_runs WHERE job_name='replica-coordinator' AND started_at >= '$START' GROUP BY holder")"
[ "$(sql "SELECT COUNT(*) FROM job_runs x JOIN job_runs y ON x.job_name = y.job_name AND x.holder < y.holder
          AND x.started_at < y.finished_at AND y.started_at < x.finished_at
          WHERE x.job_name='replica-coordinator' AND x.started_at >= '$START' AND y.started_at >= '$START'
          AND x.status='succeeded' AND y.status='succeeded'")" = 0 ] || fail "runs of two holders overlapped"

# ---- a database restart in the middle of a loop: the failed tick is recorded once it is back, and the loop goes on ----
"$BIN" --config "$IT_DIR/spot.env" --interval 1 >>"$IT_TMP/loop3.log" 2>&1 &
L3=$!
LOOPS=("$L3")
ran_ok() { [ "$(sql "SELECT COUNT(*) FROM job_runs WHERE job_name='replica-coordinator' AND holder LIKE '%:$L3' AND status='succeeded'")" -ge "$1" ]; }
poll 30 ran_ok 1 || fail "the loop never ran"
dbpid=$(mariadbd_pid)
kill -TERM "$dbpid"
poll 60 bash -c '! [ -d /proc/'"$dbpid"' ] || [ "$(awk "{print \$3}" /proc/'"$dbpid"'/stat)" = Z ]' || fail "mariadbd did not stop"
poll 30 grep -q 'failed in' "$IT_TMP/loop3.log" || fail "no failed tick while the database was away"
kill -0 "$L3" || fail "the loop died with the database"
restore_stack
failed_recorded() { [ "$(sql "SELECT COUNT(*) FROM job_runs WHERE job_name='replica-coordinator' AND holder LIKE '%:$L3' AND status='failed'")" -ge 1 ]; }
poll 60 failed_recorded || fail "the failed tick was not recorded after the database came back"
# It goes on: new ticks after the failure (ok, or skipped if the restarted stack loop took the lease meanwhile).
N3=$(grep -cE ': ok in|skipped' "$IT_TMP/loop3.log" || true)
went_on() { [ "$(grep -cE ': ok in|skipped' "$IT_TMP/loop3.log" || true)" -gt "$N3" ]; }
poll 60 went_on || fail "the loop did not go on after the database came back"
kill -0 "$L3" || fail "the loop is gone"
kill -TERM "$L3"
wait "$L3" 2>/dev/null || true
LOOPS=()
it_ok
