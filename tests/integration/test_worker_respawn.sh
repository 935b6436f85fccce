# test_worker_respawn.sh - a worker killed with SIGKILL is replaced and the next
# requests succeed; with the whole pool down nginx answers 502 in the JSON shape.
. "$(dirname "$0")/harness.sh"
it_env
trap 'restore_stack; rm -rf "$IT_TMP"' EXIT

mapfile -t before < <(worker_pids)
[ ${#before[@]} -eq "$SPOT_WORKERS" ] || fail "expected $SPOT_WORKERS workers, found ${#before[@]}"
victim=${before[0]}
kill -KILL "$victim"
for i in $(seq 1 30); do
  http GET /health
  expect_status 200 "request $i after the kill"
  http GET /api/health/database-schema
  expect_status 200 "request $i after the kill"
done
replaced() {
  mapfile -t now < <(worker_pids)
  [ ${#now[@]} -eq "$SPOT_WORKERS" ] && ! printf '%s\n' "${now[@]}" | grep -qx "$victim"
}
poll 15 replaced || fail "worker $victim was not replaced (now: $(worker_pids | tr '\n' ' '))"
note "worker $victim replaced; workers now $(worker_pids | tr '\n' ' ')"

# The whole pool down: nginx's own 502, in the JSON shape, on /api/.
kill -TERM "$(pool_pid)"
poll 15 bash -c '! kill -0 '"$(pool_pid)"' 2>/dev/null' || fail "the pool did not stop"
http GET /api/health/database-schema
expect_error 502 upstream_unavailable
expect_header Retry-After
restore_stack
http GET /health
expect_status 200 "after the pool came back"
it_ok
