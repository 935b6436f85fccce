# test_schema_health.sh - /api/health/database-schema: 200 when whole, 500
# naming a dropped column, a missing table and a missing trigger; 200 again once
# repaired.
. "$(dirname "$0")/harness.sh"
it_env

http GET /api/health/database-schema
expect_status 200
expect_json .status ok
[ "$(printf '%s' "$BODY" | jq .tables)" -ge 31 ] || fail "fewer tables than expected"

# Every table the migrations made is in the expected list, and no more (both ways).
live=$(db_root -N -e "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema='spot'" )
[ "$live" = "$(printf '%s' "$BODY" | jq .columns)" ] \
  || fail "live schema has $live columns, the expected list $(printf '%s' "$BODY" | jq .columns): core/schema_expected.c is out of date"

live=$(db_root -N -e "SELECT COUNT(*) FROM information_schema.triggers WHERE trigger_schema='spot'")
[ "$live" = "$(printf '%s' "$BODY" | jq .triggers)" ] \
  || fail "live schema has $live triggers, the expected list $(printf '%s' "$BODY" | jq .triggers): core/schema_expected.c is out of date"

ddl=$(db_root -N -B --raw -e "SHOW CREATE TABLE cleanup_logs" spot | cut -f2-)
trg_ddl=$(db_root -N -B --raw -e "SELECT CONCAT('CREATE TRIGGER trg_clients_hb_update ', action_timing, ' ', event_manipulation,
  ' ON clients FOR EACH ROW ', action_statement) FROM information_schema.triggers
  WHERE trigger_schema='spot' AND trigger_name='trg_clients_hb_update'")
[ -n "$trg_ddl" ] || fail "no trigger trg_clients_hb_update to drop"
restore() {
  db_root spot -e "SET FOREIGN_KEY_CHECKS=0; DROP TABLE IF EXISTS cleanup_logs; $ddl; SET FOREIGN_KEY_CHECKS=1" || true
  db_root spot -e "RENAME TABLE it_moved_agent_health_metrics TO agent_health_metrics" 2>/dev/null || true
  [ -n "$(db_root -N -e "SELECT 1 FROM information_schema.triggers WHERE trigger_schema='spot' AND trigger_name='trg_clients_hb_update'")" ] \
    || db_root spot --delimiter=";;;" -e "$trg_ddl" || true
}
trap 'restore; rm -rf "$IT_TMP"' EXIT
col=$(db_root -N -e "SELECT column_name FROM information_schema.columns WHERE table_schema='spot' AND table_name='cleanup_logs' AND column_key='' ORDER BY ordinal_position DESC LIMIT 1")
db_root spot -e "ALTER TABLE cleanup_logs DROP COLUMN $col"
db_root spot -e "RENAME TABLE agent_health_metrics TO it_moved_agent_health_metrics"
db_root spot -e "DROP TRIGGER trg_clients_hb_update"
http GET /api/health/database-schema
expect_error 500 schema_incomplete
printf '%s' "$BODY" | jq -e --arg c "cleanup_logs.$col" '.error.missing | index($c) != null' >/dev/null \
  || fail "500 does not name cleanup_logs.$col"
printf '%s' "$BODY" | jq -e '.error.missing | index("agent_health_metrics") != null' >/dev/null \
  || fail "500 does not name the missing table agent_health_metrics"
[[ "$(printf '%s' "$BODY" | jq -r .error.message)" == *"cleanup_logs.$col"* ]] || fail "message does not name the column"
printf '%s' "$BODY" | jq -e '.error.missing | index("trigger trg_clients_hb_update") != null' >/dev/null \
  || fail "500 does not name the missing trigger trg_clients_hb_update"

restore
http GET /api/health/database-schema
expect_status 200 "after repair"
it_ok
