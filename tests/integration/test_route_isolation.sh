# test_route_isolation.sh - one table-driven test over EVERY route of fcgi-app/routes.c
# (issue 7, DESIGN.md section 5): read the table, fill each placeholder with client A's
# ids, then call the route
#   - unauthenticated: 401 for the API, 303 to /login for pages;
#   - as client B (its client token, its agent's token, its user's session with a valid
#     CSRF token): 404 on A's ids; 403 for admin-only routes with B's session (401 or 403
#     with B's token); pages without ids answer B's own view, which never names A's rows.
# A route the test cannot classify fails it, so a new route must be thought about here.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/ui_lib.sh"
it_env
JSON=(-H 'Content-Type: application/json')

new_client; A=$CLIENT_ID; A_TOKEN=$CLIENT_TOKEN
new_client; B=$CLIENT_ID; B_TOKEN=$CLIENT_TOKEN
register_agent "$A_TOKEN" "$(rand_name a)" "$(rand_instance_id)" t3.large eu-west-1a; A1=$AGENT_ID
register_agent "$B_TOKEN" "$(rand_name b)" "$(rand_instance_id)" t3.large eu-west-1a; B1_TOKEN=$AGENT_TOKEN
sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('t3.large.eu-west-1b', 't3.large', 'eu-west-1', 'eu-west-1b')"
http POST "/api/client/agents/$A1/replicas" -H "Authorization: Bearer $A_TOKEN" "${JSON[@]}" -d '{}'
expect_status 202
R=$(jq -r .replica_id <<<"$BODY"); CMD=$(jq -r .command_id <<<"$BODY")
NID=$(cat /proc/sys/kernel/random/uuid)
sql "INSERT INTO notifications (id, client_id, agent_id, type, severity, title) VALUES ('$NID', '$A', '$A1', 't', 'info', 'for A')"
TID=$(sql "SELECT id FROM client_tokens WHERE client_id = '$A' LIMIT 1")
BEMAIL=$(rand_name b)@example.test
ui_user "$BEMAIL" client "$B"
BJAR=$IT_TMP/b.jar
ui_login "$BJAR" "$BEMAIL" "$UI_PASSWORD"; expect_status 303
ui_csrf "$BJAR"; B_CSRF=$CSRF

# Every route: METHOD PATTERN FLAGS (flags without spaces).
mapfile -t ROUTES < <(python3 - "$SRC/fcgi-app/routes.c" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
for m in re.finditer(r'\{\s*HTTP_(\w+),\s*"([^"]+)",\s*(\w+),\s*([^}]+)\}', s):
    print(m.group(1), m.group(2), re.sub(r'\s+', '', m.group(4)))
PY
)
[ "${#ROUTES[@]}" -ge 70 ] || fail "read only ${#ROUTES[@]} routes from routes.c"

# Client A's id for each placeholder, by where it stands.
fill() {
  local p=$1
  case $p in
    /api/agents/*/commands/*) p=${p/\{cid\}/$CMD} ;;
    /api/client/*) p=${p/\{cid\}/$A} ;;
  esac
  case $p in
    /notifications/*) p=${p/\{id\}/$NID} ;;
    /replicas/*) p=${p/\{id\}/$R} ;;
    /admin/clients/*|/api/admin/clients/*) p=${p/\{id\}/$A} ;;
  esac
  p=${p//\{aid\}/$A1}; p=${p//\{id\}/$A1}; p=${p//\{rid\}/$R}; p=${p//\{tid\}/$TID}
  p=${p//\{type\}/t3.large}; p=${p//\{region\}/eu-west-1}
  printf '%s' "$p"
}

call() { # call METHOD PATH [curl args]: a body that would be valid in shape for JSON or form routes
  local m=$1 p=$2
  shift 2
  case $m in
    GET) http GET "$p" "$@" ;;
    *) http "$m" "$p" "$@" ;;
  esac
}

checked=0
for line in "${ROUTES[@]}"; do
  read -r M PAT FLAGS <<<"$line"
  P=$(fill "$PAT")
  [[ $P != *'{'* ]] || fail "no id for a placeholder of $M $PAT"
  case $FLAGS in
    *ROUTE_AUTH_SESSION*) kind=page ;;
    *ROUTE_AUTH_ADMIN*) kind=admin ;;
    *ROUTE_AUTH_AGENT*) kind=agent ;;
    *ROUTE_AUTH_CLIENT*) kind=client ;;
    *) case "$M $PAT" in
         "GET /health"|"GET /metrics"|"GET /api/health/database-schema"|"GET /favicon.ico"|"GET /login"|"POST /login") continue ;;
         *) fail "cannot classify $M $PAT ($FLAGS): add it to this test" ;;
       esac ;;
  esac
  checked=$((checked + 1))
  body=()
  case $M in POST|PUT|PATCH) body=("${JSON[@]}" -d '{}') ;; esac
  # The heartbeat checks its token in the same round trip as its work, after reading the body.
  [ "$PAT" != '/api/agents/{id}/heartbeat' ] || body=("${JSON[@]}" -d '{"instance_id":"i-0123456789abcdef0","status":"running","uptime_seconds":1}')

  # ---- unauthenticated ----
  if [ $kind = page ]; then
    call "$M" "$P" ${body[@]+"${body[@]}"}
    [ "$STATUS" = 303 ] || fail "unauthenticated $M $PAT: $STATUS, expected 303 to /login"
    expect_header Location '^/login$'
  else
    call "$M" "$P" ${body[@]+"${body[@]}"}
    [ "$STATUS" = 401 ] || fail "unauthenticated $M $PAT: $STATUS, expected 401"
  fi

  # ---- as client B ----
  case $kind in
    admin)
      call "$M" "$P" -H "Authorization: Bearer $B_TOKEN" ${body[@]+"${body[@]}"}
      [ "$STATUS" = 401 ] || [ "$STATUS" = 403 ] || fail "client B's token on admin $M $PAT: $STATUS"
      call "$M" "$P" -b "$BJAR" -H "X-CSRF-Token: $B_CSRF" ${body[@]+"${body[@]}"}
      [ "$STATUS" = 403 ] || fail "client B's session on admin $M $PAT: $STATUS, expected 403" ;;
    agent)
      call "$M" "$P" -H "Authorization: Bearer $B_TOKEN" ${body[@]+"${body[@]}"}
      [ "$STATUS" = 404 ] || fail "client B's token on A's agent, $M $PAT: $STATUS, expected 404"
      call "$M" "$P" -H "Authorization: Bearer $B1_TOKEN" ${body[@]+"${body[@]}"}
      [ "$STATUS" = 404 ] || fail "client B's agent token on A's agent, $M $PAT: $STATUS, expected 404" ;;
    client)
      if [ "$PAT" = /api/agents/register ]; then
        continue # no ids: registering under one's own client is the point of the route
      fi
      call "$M" "$P" -H "Authorization: Bearer $B_TOKEN" ${body[@]+"${body[@]}"}
      [ "$STATUS" = 404 ] || fail "client B's token on A's ids, $M $PAT: $STATUS, expected 404"
      call "$M" "$P" -b "$BJAR" -H "X-CSRF-Token: $B_CSRF" ${body[@]+"${body[@]}"}
      [ "$STATUS" = 404 ] || fail "client B's session on A's ids, $M $PAT: $STATUS, expected 404" ;;
    page)
      form=()
      # A form valid in shape for every page POST, so only the ownership check can refuse it.
      case $M in POST) form=(--data-urlencode "csrf_token=$B_CSRF" -d "version=1&terminate_wait_seconds=0&target=ondemand&active=1") ;; esac
      if [[ $FLAGS == *ROUTE_AUTH_ADMIN* ]]; then
        call "$M" "$P" -b "$BJAR" ${form[@]+"${form[@]}"}
        [ "$STATUS" = 403 ] || fail "client B's session on admin page $M $PAT: $STATUS, expected 403"
      elif [[ $PAT == *'{'* ]]; then
        call "$M" "$P" -b "$BJAR" ${form[@]+"${form[@]}"}
        [ "$STATUS" = 404 ] || fail "client B's session on A's ids, $M $PAT: $STATUS, expected 404"
        call "$M" "$P" -b "$BJAR" -H 'Accept: application/json' ${form[@]+"${form[@]}"}
        expect_error 404 not_found
      elif [ "$M" = GET ]; then
        call GET "$P" -b "$BJAR" -H 'Accept: application/json'
        [ "$STATUS" = 200 ] || fail "client B's own $PAT: $STATUS"
        for id in "$A" "$A1" "$R" "$NID"; do
          grep -qF "$id" <<<"$BODY" && fail "client B's $PAT names client A's row $id"
        done
      fi ;;
  esac
done
note "$checked routes checked"
# Nothing of A's changed on the way.
[ "$(sql "SELECT status FROM replica_instances WHERE id = '$R'")" = launching ] || fail "A's replica changed"
[ "$(sql "SELECT is_read FROM notifications WHERE id = '$NID'")" = 0 ] || fail "A's notification changed"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id = '$A1'")" = 1 ] || fail "a command was queued for A's agent"
[ "$(sql "SELECT is_active FROM clients WHERE id = '$A'")" = 1 ] || fail "A was disabled"
it_ok
