# test_up_twice.sh - `./spot up` twice is harmless (nothing restarted, same
# token; down then up keeps what the first up was given); a second stack with another DIR and PORT runs side by side; `status`
# reports both; `down` of the second stops exactly its processes.
. "$(dirname "$0")/harness.sh"
it_env
pids_of() { for f in "$1"/run/*.pid; do cat "$f"; done | sort | tr '\n' ' '; }

before=$(pids_of "$IT_DIR")
token=$SPOT_ADMIN_TOKEN
out=$("$SRC/spot" up --dir "$IT_DIR" --no-demo 2>&1) || fail "second up failed: $out"
[ "$(pids_of "$IT_DIR")" = "$before" ] || fail "second up restarted something ($before -> $(pids_of "$IT_DIR"))"
it_env
[ "$SPOT_ADMIN_TOKEN" = "$token" ] || fail "second up changed the admin token"
[[ "$out" == *"$SPOT_ADMIN_TOKEN"* && "$out" == *"$SPOT_URL"* ]] || fail "up does not print the URL and token"
http GET /health
expect_status 200
# What the fixture's up was given is kept by later ups (restore_stack runs a bare up):
# spot-decide, stopped and started again by a bare up, keeps the fixture's daily interval.
grep -q "^SPOT_DECIDE_INTERVAL='86400'\$" "$IT_DIR/spot.env" || fail "spot.env lacks the fixture's SPOT_DECIDE_INTERVAL"
"$SRC/spot" down --dir "$IT_DIR" >/dev/null 2>&1 || fail "down failed"
restore_stack
it_env
tr '\0' ' ' < "/proc/$(cat "$IT_DIR/run/job-decide.pid")/cmdline" | grep -q -- '--interval 86400' \
  || fail "spot-decide restarted without the kept interval: $(tr '\0' ' ' < "/proc/$(cat "$IT_DIR/run/job-decide.pid")/cmdline")"
http GET /health
expect_status 200
before=$(pids_of "$IT_DIR")

chmod 755 "$IT_TMP"   # the stack's users (mariadbd, workers) must reach DIR
other=$IT_TMP/second
port2=$(it_free_port)
trap '"$SRC/spot" down --dir "$other" >/dev/null 2>&1 || true; rm -rf "$IT_TMP"' EXIT
out=$("$SRC/spot" up --dir "$other" --port "$port2" --workers 2 --no-demo 2>&1) || fail "second stack failed: $out"
for f in SPOT_URL SPOT_ADMIN_TOKEN SPOT_DB_HOST SPOT_DB_PORT SPOT_DB_SOCKET SPOT_DB_NAME SPOT_DB_USER SPOT_DB_PASSWORD SPOT_CA_FILE; do
  grep -q "^$f='.*'\$" "$other/spot.env" || fail "spot.env lacks $f"
done
url2=$(sed -n "s/^SPOT_URL='\(.*\)'/\1/p" "$other/spot.env")
ca2=$(sed -n "s/^SPOT_CA_FILE='\(.*\)'/\1/p" "$other/spot.env")
[ "$url2" = "https://127.0.0.1:$port2" ] || fail "second stack URL is $url2"
curl -sf --cacert "$ca2" "$url2/api/health/database-schema" >/dev/null || fail "second stack schema health"
http GET /health
expect_status 200 "first stack while the second runs"
[ "$(sed -n "s/^SPOT_DB_PORT='\(.*\)'/\1/p" "$other/spot.env")" != "$SPOT_DB_PORT" ] || fail "both stacks share a DB port"
"$SRC/spot" status --dir "$other" > "$IT_TMP/status" || fail "status of the second stack: $(cat "$IT_TMP/status")"
grep -q '^health .*ok' "$IT_TMP/status" || fail "status does not report health: $(cat "$IT_TMP/status")"
grep -q "127.0.0.1:$port2" "$IT_TMP/status" || fail "status does not show the port"

mine=$(pids_of "$other")
"$SRC/spot" down --dir "$other" >/dev/null 2>&1
for p in $mine; do
  [ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat")" != Z ] && fail "pid $p of the second stack still runs"
done
set +e
"$SRC/spot" status --dir "$other" > "$IT_TMP/status"
rc=$?
set -e
[ $rc -ne 0 ] || fail "status of a stopped stack exits 0"
[ "$(pids_of "$IT_DIR")" = "$before" ] || fail "down of the second stack touched the first"
http GET /health
expect_status 200 "first stack after the second went down"
it_ok
