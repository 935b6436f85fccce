# test_db_outage.sh - with mariadbd stopped the API answers 503 db_unavailable
# with Retry-After and liveness stays up; once it is back, requests succeed
# again without restarting the workers.
. "$(dirname "$0")/harness.sh"
it_env
trap 'restore_stack; rm -rf "$IT_TMP"' EXIT

http GET /api/health/database-schema
expect_status 200 "before the outage"
mapfile -t workers_before < <(worker_pids)

pid=$(mariadbd_pid)
kill -TERM "$pid"
poll 60 bash -c '! [ -d /proc/'"$pid"' ] || [ "$(awk "{print \$3}" /proc/'"$pid"'/stat)" = Z ]' || fail "mariadbd did not stop"

for i in $(seq 1 8); do
  http GET /api/health/database-schema
  expect_error 503 db_unavailable
  expect_header Retry-After '^[0-9]+$'
done
http GET /health
expect_status 200 "liveness does not need the database"
http POST /api/admin/safe-mode "${AUTH_ADMIN[@]}" -H 'Content-Type: application/json' -d '{"enabled":false}'
expect_error 503 db_unavailable

restore_stack   # starts mariadbd again; the pool keeps running
back() { http GET /api/health/database-schema; [ "$STATUS" = 200 ]; }
poll 30 back || fail "requests did not succeed again after the database returned (last $STATUS)"
mapfile -t workers_after < <(worker_pids)
[ "${workers_before[*]}" = "${workers_after[*]}" ] || fail "workers were restarted (${workers_before[*]} -> ${workers_after[*]})"
http GET /metrics
reconnects=$(printf '%s\n' "$BODY" | awk '$1 == "spot_db_reconnects_total" {print $2}')
[ "${reconnects:-0}" -ge 1 ] || fail "no reconnect counted in /metrics"
it_ok
