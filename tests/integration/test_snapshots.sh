#!/usr/bin/env bash
# test_snapshots.sh - spot-snapshots with time fixed by --once --now and fixture rows placed in
# time with SQL: the first run backfills every day since the first client (at most 90), the
# savings of a client per day (on-demand baseline, actual cost, replica cost, hours, interruptions),
# a re-run writes nothing new and changes nothing, a missing day is filled, the next day is added.
. "$(dirname "$0")/harness.sh"
it_env
BIN=$SPOT_BUILD_DIR/spot-snapshots

PIDF=$IT_DIR/run/job-snapshots.pid
if [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; then
  kill -TERM "$(cat "$PIDF")"
  poll 30 bash -c "! kill -0 $(cat "$PIDF") 2>/dev/null" || fail "spot-snapshots loop did not stop"
fi
trap 'rm -rf "$IT_TMP"; restore_stack' EXIT

run_at() { # run_at NOW: one tick; prints its stats
  sql "UPDATE job_leases SET expires_at = '2000-01-01' WHERE name = 'snapshots'"
  "$BIN" --config "$IT_DIR/spot.env" --once --now "$1" >>"$IT_TMP/run.log" 2>&1 || { cat "$IT_TMP/run.log"; fail "spot-snapshots --now $1 failed"; }
  sql "SELECT stats FROM job_runs WHERE job_name = 'snapshots' ORDER BY started_at DESC LIMIT 1"
}
sav() { sql "SELECT ondemand_cost, actual_cost, replica_cost, savings, IFNULL(savings_pct, '-'), instance_hours, spot_hours, ondemand_hours, interruption_count FROM savings_snapshots WHERE client_id = '$CLIENT_ID' AND snapshot_date = '$1'"; }
checksum() { sql "SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', snapshot_date, total_clients, active_clients, new_clients, total_agents, online_agents, total_instances))) FROM clients_daily_snapshot; SELECT COUNT(*), SUM(CRC32(CONCAT_WS('|', client_id, snapshot_date, ondemand_cost, actual_cost, replica_cost, savings, IFNULL(savings_pct,'-'), instance_hours))) FROM savings_snapshots"; }

sql "DELETE FROM clients_daily_snapshot; DELETE FROM savings_snapshots"
# Clients other tests made stay after our days (they were created today, after 2026-11-23).
sql "UPDATE clients SET created_at = GREATEST(created_at, '2026-11-23 12:00:00')"
TAG=$(openssl rand -hex 4)
new_client
register_agent "$CLIENT_TOKEN" "$(rand_name snap)" "$(rand_instance_id)" t3.medium us-east-1a spot
I1=$(sql "SELECT id FROM instances WHERE agent_id = '$AGENT_ID' AND role = 'primary'")
sql "UPDATE clients SET created_at = '2026-11-20 08:00:00' WHERE id = '$CLIENT_ID';
     UPDATE agents SET created_at = '2026-11-20 09:00:00', last_heartbeat_at = '2026-11-22 23:00:00' WHERE id = '$AGENT_ID';
     UPDATE instances SET installed_at = '2026-11-21 12:00:00', mode = 'spot', spot_price = 0.02, ondemand_price = 0.05 WHERE id = '$I1';
     INSERT INTO instances (id, agent_id, client_id, role, instance_type, region, az, mode, spot_price, ondemand_price, installed_at, terminated_at)
       VALUES ('i-snap-od-$TAG', '$AGENT_ID', '$CLIENT_ID', 'terminated', 't3.medium', 'us-east-1', 'us-east-1a', 'ondemand', NULL, 0.10, '2026-11-22 00:00:00', '2026-11-22 06:00:00'),
              ('i-snap-rp-$TAG', '$AGENT_ID', '$CLIENT_ID', 'replica', 't3.medium', 'us-east-1', 'us-east-1b', 'spot', 0.01, 0.05, '2026-11-22 12:00:00', NULL);
     INSERT INTO spot_interruption_events (id, client_id, agent_id, instance_id, pool_id, signal_type, detected_at)
       VALUES (UUID(), '$CLIENT_ID', '$AGENT_ID', 'i-snap-od-$TAG', 't3.medium.us-east-1a', 'termination-notice', '2026-11-22 05:00:00')"

# ---- first run: backfill from the first client's day to yesterday ----
st=$(run_at 2026-11-23T00:30:00Z)
note "first run: $st"
[ "$(jq -c .days <<<"$st")" = '["2026-11-20","2026-11-21","2026-11-22"]' ] || fail "backfilled days: $st"
[ "$(sql "SELECT COUNT(*) FROM clients_daily_snapshot")" = 3 ] || fail "expected 3 daily rows"
read -r tc nc ta oa ti <<<"$(sql "SELECT total_clients, new_clients, total_agents, online_agents, total_instances FROM clients_daily_snapshot WHERE snapshot_date = '2026-11-22'")"
[ "$tc" -ge 1 ] && [ "$ta" -ge 1 ] && [ "$oa" -ge 1 ] && [ "$ti" -ge 3 ] || fail "2026-11-22 counts: $tc $nc $ta $oa $ti"
[ "$(sql "SELECT new_clients >= 1 FROM clients_daily_snapshot WHERE snapshot_date = '2026-11-20'")" = 1 ] || fail "new client not counted on its day"
[ "$(sav 2026-11-20)" = "$(printf '0.000000\t0.000000\t0.000000\t0.000000\t-\t0.000\t0.000\t0.000\t0')" ] || fail "2026-11-20: $(sav 2026-11-20)"
# 12 h of spot at 0.02 against 0.05 on demand
[ "$(sav 2026-11-21)" = "$(printf '0.600000\t0.240000\t0.000000\t0.360000\t60.000\t12.000\t12.000\t0.000\t0')" ] || fail "2026-11-21: $(sav 2026-11-21)"
# 24 h spot (1.20 / 0.48) + 6 h on demand at 0.10 (0.60 / 0.60) + a replica 12 h at 0.01 (actual and replica cost 0.12)
[ "$(sav 2026-11-22)" = "$(printf '1.800000\t1.200000\t0.120000\t0.600000\t33.333\t30.000\t24.000\t6.000\t1')" ] || fail "2026-11-22: $(sav 2026-11-22)"
before=$(checksum)

# ---- a re-run: nothing missing, nothing changes ----
st=$(run_at 2026-11-23T00:30:00Z)
[ "$(jq -c .days <<<"$st")" = '[]' ] || fail "re-run wrote days: $st"
[ "$(checksum)" = "$before" ] || fail "re-run changed the snapshots"

# ---- a missing day is filled, with the same values ----
sql "DELETE FROM clients_daily_snapshot WHERE snapshot_date = '2026-11-21'; DELETE FROM savings_snapshots WHERE snapshot_date = '2026-11-21'"
st=$(run_at 2026-11-23T00:30:00Z)
[ "$(jq -c .days <<<"$st")" = '["2026-11-21"]' ] || fail "missing day not filled: $st"
[ "$(checksum)" = "$before" ] || fail "the refilled day differs"

# ---- the next day ----
st=$(run_at 2026-11-24T00:30:00Z)
[ "$(jq -c .days <<<"$st")" = '["2026-11-23"]' ] || fail "next day: $st"
[ "$(sav 2026-11-23 | cut -f1,2)" = "$(printf '1.200000\t0.720000')" ] || fail "2026-11-23: $(sav 2026-11-23)"

# ---- the backfill is bounded: a client from long ago gives 90 days, not more ----
sql "UPDATE clients SET created_at = '2025-01-01 00:00:00' WHERE id = '$CLIENT_ID'; DELETE FROM clients_daily_snapshot; DELETE FROM savings_snapshots"
st=$(run_at 2026-11-24T00:30:00Z)
[ "$(jq '.days | length' <<<"$st")" = 90 ] || fail "backfill of $(jq '.days | length' <<<"$st") days"
[ "$(sql "SELECT MIN(snapshot_date), MAX(snapshot_date) FROM clients_daily_snapshot")" = "$(printf '2026-08-26\t2026-11-23')" ] || fail "backfill range"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE action = 'snapshot.daily' AND subject_id = '2026-11-22'")" -ge 1 ] || fail "no audit row"

it_ok
