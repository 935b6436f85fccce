# test_bad_input.sh - bad input through nginx gets the documented 4xx in the
# JSON shape, never a crash or a hung worker (no worker dies during the test).
. "$(dirname "$0")/harness.sh"
it_env
mapfile -t workers_before < <(worker_pids)
JSON=(-H 'Content-Type: application/json')
SAFE=/api/admin/safe-mode

http POST $SAFE "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary '{"enabled": tru'
expect_error 400 validation_failed body
http POST $SAFE "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary '{"enabled": true} {"x":1}'
expect_error 400 validation_failed body
http POST $SAFE "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary '[true]'
expect_error 400 validation_failed body
http POST $SAFE "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary ''
expect_error 400 validation_failed body

# 10,000 levels of nesting.
head -c 10000 /dev/zero | tr '\0' '[' > "$IT_TMP/deep"
http POST $SAFE "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary @"$IT_TMP/deep"
expect_error 400 validation_failed body
printf '{"a":' > "$IT_TMP/deep2"; for _ in $(seq 1 5000); do printf '{"a":'; done >> "$IT_TMP/deep2"
http POST $SAFE "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary @"$IT_TMP/deep2"
expect_error 400 validation_failed body

# A body over the 1 MiB cap: nginx answers 413 in the JSON shape.
head -c $((1024 * 1024 + 10)) /dev/zero | tr '\0' ' ' > "$IT_TMP/big"
http POST $SAFE "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary @"$IT_TMP/big"
expect_error 413 payload_too_large

# Wrong or missing Content-Type.
http POST $SAFE "${AUTH_ADMIN[@]}" -H 'Content-Type: text/plain' --data-binary '{"enabled":true}'
expect_error 415 unsupported_media_type Content-Type
http POST $SAFE "${AUTH_ADMIN[@]}" -H 'Content-Type: application/x-www-form-urlencoded' --data-binary 'enabled=true'
expect_error 415 unsupported_media_type
http POST $SAFE "${AUTH_ADMIN[@]}" -H 'Content-Type: application/json; charset=utf-8' --data-binary '{"enabled":false}'
expect_status 200 "charset parameter is fine"

# Invalid UTF-8, in the body and in the path.
printf '{"enabled":true,"reason":"\xc3\x28"}' > "$IT_TMP/bad-utf8"
http POST $SAFE "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary @"$IT_TMP/bad-utf8"
expect_error 400 validation_failed body
printf '{"enabled":true,"reason":"\xed\xa0\x80"}' > "$IT_TMP/surrogate"
http POST $SAFE "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary @"$IT_TMP/surrogate"
expect_error 400 validation_failed body
http GET '/api/agents%C3%28'
expect_error 400 validation_failed path
http GET '/api/%C0%AFagents'     # an overlong '/': nginx or the worker refuses it
expect_error 400 validation_failed

# Validation names the field; nothing half-written (state unchanged).
http POST $SAFE "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary '{"enabled":"yes"}'
expect_error 400 validation_failed enabled
http POST $SAFE "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary '{"enabled":true,"colour":"red"}'
expect_error 400 validation_failed colour
long=$(head -c 501 /dev/zero | tr '\0' x)
http POST $SAFE "${AUTH_ADMIN[@]}" "${JSON[@]}" --data-binary "{\"enabled\":true,\"reason\":\"$long\"}"
expect_error 400 validation_failed reason
http GET $SAFE "${AUTH_ADMIN[@]}"
expect_json .enabled false

# Unknown route, method not allowed, no credentials.
http GET /api/no/such/thing
expect_error 404 not_found
http DELETE /health
expect_error 405 method_not_allowed
expect_header Allow 'GET'
http POST $SAFE "${JSON[@]}" --data-binary '{"enabled":true}'
expect_error 401 unauthorized
http POST $SAFE -H "Authorization: Bearer ${SPOT_ADMIN_TOKEN}x" "${JSON[@]}" --data-binary '{"enabled":true}'
expect_error 401 unauthorized

# Traversal under /static: never a file from outside static/.
for p in '/static/../spot.env' '/static/..%2f..%2fspot.env' '/static/%2e%2e/%2e%2e/spot.env' \
         '/static/..%2fnginx%2fnginx.conf.in' '/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd' '/static/..\..\spot.env'; do
  http GET "$p" --path-as-is
  case $STATUS in 400|404) ;; *) fail "$p answered $STATUS" ;; esac
  [[ "$BODY" != *SPOT_* && "$BODY" != *root:* && "$BODY" != *fastcgi* ]] || fail "$p leaked a file"
done
http GET '/api/../health' --path-as-is
case $STATUS in 200|400|404) ;; *) fail "/api/../health answered $STATUS" ;; esac

# A 64 KB header: 400 in the JSON shape over HTTP/1.1; over HTTP/2 nginx
# refuses the stream (a protocol error, no status); the server keeps serving.
big=$(head -c 65536 /dev/zero | tr '\0' a)
http GET /api/health/database-schema --http1.1 -H "X-Big: $big"
expect_error 400 validation_failed
set +e
"${CURL[@]}" -o /dev/null -H "X-Big: $big" "$SPOT_URL/health"
rc=$?
set -e
[ $rc -ne 0 ] || fail "HTTP/2 with a 64 KB header was answered normally"

# NUL in the path and a bad percent escape (nginx refuses both itself).
http GET '/api/health%00/database-schema'
expect_error 400 validation_failed
http GET '/api/%zz'
case $STATUS in 400) ;; *) fail "bad escape answered $STATUS" ;; esac

# Nothing crashed: the same workers still answer.
mapfile -t workers_after < <(worker_pids)
[ "${workers_before[*]}" = "${workers_after[*]}" ] || fail "a worker died (${workers_before[*]} -> ${workers_after[*]})"
http GET /health
expect_status 200
it_ok
