# test_login.sh - dashboard logins (issue 7): the login form, a bad password, the lockout,
# sessions (cookie attributes, stored hashed, idle and absolute expiry), logout, CSRF refusal,
# and which roles the session opens the admin and client APIs to.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/ui_lib.sh"
it_env

JAR=$IT_TMP/admin.jar
# ---- no session ----
http GET /
expect_status 303 "the overview without a session"
expect_header Location '^/login$'
http GET / -H 'Accept: application/json'
expect_error 401 unauthorized

# ---- the form ----
ui_http_login GET /login -c "$JAR" -b "$JAR"
expect_status 200
expect_header Content-Type '^text/html; charset=utf-8'
expect_header Set-Cookie '^spot_login_csrf=[0-9a-f]{64}; Path=/login; Max-Age=3600; HttpOnly; Secure; SameSite=Strict$'
grep -q '<label class="label" for="email">Email address</label>' <<<"$BODY" || fail "the email field has no label"
grep -q '<html lang="en">' <<<"$BODY" || fail "no lang"
grep -q '<title>Sign in — Spot Optimizer</title>' <<<"$BODY" || fail "title"
grep -qiP '<script(?![^>]*\ssrc="/static/)|style=| on[a-z]+="' <<<"$BODY" && fail "inline script, style or event handler in the login page"
grep -q '<script src="/static/app.js" defer></script>' <<<"$BODY" || fail "the one script is not loaded from /static"

# ---- CSRF on the login form ----
ui_http_login POST /login -c "$JAR" -b "$JAR" --data-urlencode "email=$SPOT_ADMIN_EMAIL" \
  --data-urlencode "password=$SPOT_ADMIN_PASSWORD" --data-urlencode "csrf_token=$(printf '0%.0s' $(seq 64))"
expect_status 403 "a login with the wrong CSRF token"
ui_http_login POST /login --data-urlencode "email=$SPOT_ADMIN_EMAIL" --data-urlencode "password=$SPOT_ADMIN_PASSWORD"
expect_status 403 "a login without the CSRF cookie"
grep -q 'spot_session=' "$HEADERS" && fail "a session without CSRF"

# ---- validation: error summary linking to the fields, input kept ----
ui_login "$JAR" 'typed<"value>' ''
expect_status 400 "an empty password and a malformed email"
grep -q 'class="error-summary"' <<<"$BODY" || fail "no error summary"
grep -q '<a href="#email">Enter an email address in the correct format' <<<"$BODY" || fail "summary does not link to #email"
grep -q '<a href="#password">Enter your password</a>' <<<"$BODY" || fail "summary does not link to #password"
grep -q 'id="email-error"' <<<"$BODY" || fail "no message beside the email field"
grep -q 'value="typed&lt;&quot;value&gt;"' <<<"$BODY" || fail "the typed email is not kept (escaped)"

# ---- bad password ----
ui_login "$JAR" "$SPOT_ADMIN_EMAIL" wrong-password-1
expect_status 401 "a wrong password"
grep -q 'The email address or password is not right' <<<"$BODY" || fail "no message for a wrong password"
grep -q "value=\"$SPOT_ADMIN_EMAIL\"" <<<"$BODY" || fail "the email is not kept"
ui_login "$JAR" "nobody-$(openssl rand -hex 4)@example.test" wrong-password-1
expect_status 401 "an unknown email answers like a wrong password"
[ "$(sql "SELECT failed_login_count FROM users WHERE email = '$SPOT_ADMIN_EMAIL'")" = 1 ] || fail "failure not counted"

# ---- login ok ----
ui_login "$JAR" "$SPOT_ADMIN_EMAIL" "$SPOT_ADMIN_PASSWORD"
expect_status 303 "the admin's login"
expect_header Location '^/$'
expect_header Set-Cookie '^spot_session=[0-9a-f]{64}; Path=/; Max-Age=43200; HttpOnly; Secure; SameSite=Lax$'
[ "$(sql "SELECT failed_login_count FROM users WHERE email = '$SPOT_ADMIN_EMAIL'")" = 0 ] || fail "count not reset"
COOKIE=$(ui_cookie "$JAR")
[ ${#COOKIE} -eq 64 ] || fail "no session cookie in the jar"
# Stored hashed: the table has SHA-256(cookie), never the cookie.
[ "$(sql "SELECT COUNT(*) FROM sessions WHERE id = UNHEX(SHA2('$COOKIE', 256))")" = 1 ] || fail "session not stored by its hash"
[ "$(sql "SELECT COUNT(*) FROM sessions WHERE HEX(id) = UPPER('$COOKIE') OR csrf_token = '$COOKIE'")" = 0 ] \
  || fail "the cookie itself is in the database"
ui_get "$JAR" /
expect_status 200 "the overview with a session"
grep -q "$SPOT_ADMIN_EMAIL (admin)" <<<"$BODY" || fail "the header does not name the user"
ui_csrf "$JAR"

# ---- the session on admin and client APIs ----
ui_get "$JAR" /api/admin/clients
expect_status 200 "the admin API with an admin session"
new_client
ui_get "$JAR" "/api/client/agents/$(cat /proc/sys/kernel/random/uuid)/config" -X POST \
  -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" -d '{"version":1}'
expect_error 403 forbidden
CJAR=$IT_TMP/client.jar
CEMAIL=$(rand_name user)@example.test
ui_user "$CEMAIL" client "$CLIENT_ID"
ui_login "$CJAR" "$CEMAIL" "$UI_PASSWORD"
expect_status 303 "a client user's login"
ui_get "$CJAR" /api/admin/clients
expect_error 403 forbidden
# A bearer token wins over a cookie: a bad token is 401 even with a good session.
ui_get "$JAR" /api/admin/clients -H 'Authorization: Bearer nope'
expect_error 401 unauthorized

# ---- CSRF on cookie-authenticated POSTs ----
ui_get "$JAR" /logout -X POST -d ''
expect_status 403 "logout without the CSRF token"
ui_get "$JAR" /logout -X POST -H 'Content-Type: application/x-www-form-urlencoded' -d "csrf_token=$(printf 'a%.0s' $(seq 64))"
expect_status 403 "logout with another CSRF token"
ui_get "$JAR" /logout -X POST -H 'Accept: application/json' -H "X-CSRF-Token: $(printf 'b%.0s' $(seq 64))"
expect_error 403 forbidden csrf_token
ui_get "$JAR" /
expect_status 200 "refused POSTs left the session alone"

# ---- idle and absolute expiry ----
sql "UPDATE sessions SET last_seen_at = UTC_TIMESTAMP(3) - INTERVAL 31 MINUTE WHERE id = UNHEX(SHA2('$COOKIE', 256))"
ui_get "$JAR" /
expect_status 303 "an idle session"
expect_header Location '^/login$'
expect_header Set-Cookie '^spot_session=; Path=/; Max-Age=0'
ui_login "$JAR" "$SPOT_ADMIN_EMAIL" "$SPOT_ADMIN_PASSWORD"
expect_status 303
COOKIE=$(ui_cookie "$JAR")
sql "UPDATE sessions SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = UNHEX(SHA2('$COOKIE', 256))"
ui_get "$JAR" / -H 'Accept: application/json'
expect_error 401 unauthorized

# ---- logout ----
ui_login "$JAR" "$SPOT_ADMIN_EMAIL" "$SPOT_ADMIN_PASSWORD"
COOKIE=$(ui_cookie "$JAR")
ui_csrf "$JAR"
ui_get "$JAR" /logout -X POST --data-urlencode "csrf_token=$CSRF"
expect_status 303 "logout"
expect_header Location '^/login$'
[ "$(sql "SELECT COUNT(*) FROM sessions WHERE id = UNHEX(SHA2('$COOKIE', 256))")" = 0 ] || fail "logout left the session"
http GET / -H "Cookie: spot_session=$COOKIE"
expect_status 303 "the old cookie after logout"

# ---- lockout: 5 failures lock for 15 minutes, even the right password ----
LEMAIL=$(rand_name locked)@example.test
ui_user "$LEMAIL" client "$CLIENT_ID"
LJAR=$IT_TMP/locked.jar
for i in 1 2 3 4; do
  ui_login "$LJAR" "$LEMAIL" "wrong-$i"
  expect_status 401 "failure $i"
done
ui_login "$LJAR" "$LEMAIL" wrong-5
expect_status 403 "the fifth failure"
grep -q 'locked for 15 minutes' <<<"$BODY" || fail "the lockout is not explained"
left=$(sql "SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(3), locked_until) FROM users WHERE email = '$LEMAIL'")
[ "$left" -gt 800 ] && [ "$left" -le 900 ] || fail "locked for $left s, expected 15 minutes"
ui_login "$LJAR" "$LEMAIL" "$UI_PASSWORD"
expect_status 403 "the right password while locked"
grep -q 'spot_session=[0-9a-f]' "$HEADERS" && fail "a session while locked"
sql "UPDATE users SET locked_until = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE email = '$LEMAIL'"
ui_login "$LJAR" "$LEMAIL" "$UI_PASSWORD"
expect_status 303 "the right password once the lock ended"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE action = 'user.locked' AND actor_id = (SELECT id FROM users WHERE email = '$LEMAIL')")" = 1 ] \
  || fail "the lock is not in the audit log"

# ---- spot-user is idempotent; ./spot up's admin exists once ----
ui_user "$LEMAIL" client "$CLIENT_ID"
[ "$(sql "SELECT COUNT(*) FROM users WHERE email = '$SPOT_ADMIN_EMAIL' AND role = 'admin' AND password_hash LIKE '\$argon2id\$%'")" = 1 ] \
  || fail "the first admin is missing or not argon2id"
it_ok
