# ui_lib.sh - dashboard helpers for test_login.sh, test_pages.sh and test_browser.sh (sourced after harness.sh).
#
#   ui_login JAR EMAIL PASSWORD     the login form then POST /login with its CSRF token; STATUS, BODY, HEADERS
#   ui_csrf JAR                     the session's CSRF token (from the overview's JSON view model) into CSRF
#   ui_get JAR PATH [curl args]     http GET with the cookie jar
#   ui_user EMAIL ROLE [CLIENT_ID]  a login made with spot-user; the password is in UI_PASSWORD
# The login location has its own nginx rate limit (20/min, burst 10 by default): a 429 waits and retries.

UI_PASSWORD=correct-horse-battery-staple

ui_user() {
  local pwf=$IT_TMP/pw
  printf '%s\n' "$UI_PASSWORD" > "$pwf"
  "${SPOT_BUILD_DIR:?}/spot-user" --config "$IT_DIR/spot.env" create --email "$1" --role "$2" \
    ${3:+--client-id "$3"} --password-file "$pwf" >/dev/null || fail "spot-user create $1"
}

# http with rate-limit patience: the login zone refills one request every few seconds.
ui_http_login() {
  local i
  for i in $(seq 1 30); do
    http "$@"
    [ "$STATUS" = 429 ] || return 0
    sleep 3
  done
}

ui_login() {
  local jar=$1 email=$2 password=$3 csrf
  ui_http_login GET /login -c "$jar" -b "$jar"
  expect_status 200 "the login form"
  csrf=$(grep -o 'name="csrf_token" value="[0-9a-f]*"' <<<"$BODY" | sed 's/.*value="//; s/"$//')
  [ ${#csrf} -eq 64 ] || fail "no CSRF token in the login form"
  ui_http_login POST /login -c "$jar" -b "$jar" --data-urlencode "email=$email" \
    --data-urlencode "password=$password" --data-urlencode "csrf_token=$csrf"
}

ui_get() {
  local jar=$1 path=$2
  shift 2
  http GET "$path" -b "$jar" -c "$jar" "$@"
}

ui_csrf() {
  ui_get "$1" / -H 'Accept: application/json'
  expect_status 200 "the overview's view model"
  CSRF=$(jq -r .session.csrf_token <<<"$BODY")
  [ ${#CSRF} -eq 64 ] || fail "no CSRF token in the view model"
}

# The spot_session cookie's value in a jar.
ui_cookie() { awk '$6 == "spot_session" {print $7}' "$1"; }
