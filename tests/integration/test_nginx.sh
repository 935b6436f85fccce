# test_nginx.sh - the front: TLS 1.2+ with HTTP/2, static files with cache
# headers, security headers, rate limits answering 429 in the JSON shape,
# /metrics only from loopback.
. "$(dirname "$0")/harness.sh"
it_env

ver=$("${CURL[@]}" -o /dev/null -w '%{http_version}' "$SPOT_URL/health")
[ "$ver" = 2 ] || fail "HTTP/2 not negotiated (got $ver)"
set +e
"${CURL[@]}" -o /dev/null --tlsv1.1 --tls-max 1.1 "$SPOT_URL/health"
rc=$?
set -e
[ $rc -ne 0 ] || fail "TLS 1.1 was accepted"
"${CURL[@]}" -o /dev/null --tlsv1.2 --tls-max 1.2 "$SPOT_URL/health" || fail "TLS 1.2 refused"
# The certificate is for 127.0.0.1 and localhost.
"${CURL[@]}" -o /dev/null --resolve "localhost:$SPOT_PORT:127.0.0.1" "https://localhost:$SPOT_PORT/health" \
  || fail "certificate not valid for localhost"

http GET /health
expect_status 200
expect_header Strict-Transport-Security 'max-age='
expect_header X-Content-Type-Options nosniff
expect_header Content-Security-Policy "frame-ancestors 'none'"
expect_header X-Frame-Options DENY
expect_header X-Trace-Id '^[0-9a-f]{32}$'
[ "$(grep -ci '^x-trace-id:' "$HEADERS")" = 1 ] || fail "X-Trace-Id appears more than once"

http GET /static/app.css
expect_status 200
expect_header Content-Type 'text/css'
expect_header Cache-Control 'max-age=[0-9]+'
expect_header ETag
http GET /static/no-such-file.css
expect_status 404

# Rate limits: lower them for this check (./spot up re-renders nginx and
# reloads it), then put the fixture's back. One keep-alive connection, 120
# requests back to back.
rates=(SPOT_NGINX_AGENT_RATE="$SPOT_NGINX_AGENT_RATE" SPOT_NGINX_AGENT_BURST="$SPOT_NGINX_AGENT_BURST")
trap 'env "${rates[@]}" "$SRC/spot" up --dir "$IT_DIR" --no-demo >/dev/null 2>&1; rm -rf "$IT_TMP"' EXIT
SPOT_NGINX_AGENT_RATE=20 SPOT_NGINX_AGENT_BURST=20 "$SRC/spot" up --dir "$IT_DIR" --no-demo >/dev/null 2>&1 \
  || fail "could not lower the rate limits"
# The reload takes effect when the new nginx workers run: retry the burst a few times.
limited=0
for _ in $(seq 1 15); do
  urls=()
  for _ in $(seq 1 120); do urls+=(-o /dev/null "$SPOT_URL/api/agents/x/heartbeat"); done
  "${CURL[@]}" --http1.1 -w '%{http_code}\n' "${urls[@]}" > "$IT_TMP/codes" || true
  limited=$(grep -c '^429$' "$IT_TMP/codes" || true)
  [ "$limited" -ge 1 ] && break
  sleep 1
done
[ "$limited" -ge 1 ] || fail "no 429 after 120 rapid requests ($(sort "$IT_TMP/codes" | uniq -c | tr '\n' ' '))"
# The JSON shape and Retry-After of nginx's own 429, from one more keep-alive burst.
: > "$IT_TMP/shape"
for _ in $(seq 1 10); do
  "${CURL[@]}" --http1.1 -o "$IT_TMP/b_#1" -w '%{http_code} %header{retry-after} %header{content-type}\n' \
    "$SPOT_URL/api/agents/x/heartbeat?n=[1-120]" > "$IT_TMP/shape" || true
  grep -q '^429 ' "$IT_TMP/shape" && break
  sleep 1
done
n=$(grep -n '^429 ' "$IT_TMP/shape" | head -n 1 | cut -d: -f1)
[ -n "$n" ] || fail "no 429 in the second burst"
read -r code retry ctype < <(sed -n "${n}p" "$IT_TMP/shape")
[[ "$retry" =~ ^[0-9]+$ ]] || fail "429 without Retry-After"
[[ "$ctype" == application/json* ]] || fail "429 is $ctype, not JSON"
BODY=$(cat "$IT_TMP/b_$n")
expect_json .error.code rate_limited
# /login has its own, stricter zone (20 a minute, burst 10).
urls=()
for _ in $(seq 1 40); do urls+=(-o /dev/null "$SPOT_URL/login"); done
"${CURL[@]}" --http1.1 -w '%{http_code}\n' "${urls[@]}" > "$IT_TMP/codes" || true
grep -q '^429$' "$IT_TMP/codes" || fail "no 429 from the /login zone ($(sort "$IT_TMP/codes" | uniq -c | tr '\n' ' '))"
env "${rates[@]}" "$SRC/spot" up --dir "$IT_DIR" --no-demo >/dev/null 2>&1 || fail "could not restore the rate limits"
grep -q "rate=${SPOT_NGINX_AGENT_RATE}r/s" "$IT_DIR/nginx/nginx.conf" || fail "rate limits not restored"
sleep 1

# /metrics from loopback works (we are on loopback); the location allows nothing else.
http GET /metrics
expect_status 200
grep -A3 'location = /metrics' "$IT_DIR/nginx/nginx.conf" | grep -q 'deny all' || fail "/metrics is not restricted"
it_ok
