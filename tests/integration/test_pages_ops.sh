# test_pages_ops.sh - the replicas page (promote form with CSRF, the refusal beside the
# button, 404 across clients), and the admin pages for clients (create with the token
# shown once, disable, rotate the token), health and jobs; empty states; no inline code.
. "$(dirname "$0")/harness.sh"
. "$(dirname "$0")/ui_lib.sh"
it_env
JSON=(-H 'Content-Type: application/json')
no_inline() { grep -qiP '<script(?![^>]*\ssrc="/static/)|style=| on[a-z]+="' <<<"$BODY" && fail "$1 has inline script, style or an event handler"; return 0; }

new_client; A=$CLIENT_ID; A_TOKEN=$CLIENT_TOKEN
new_client; B=$CLIENT_ID; B_TOKEN=$CLIENT_TOKEN
P1=$(rand_instance_id)
register_agent "$A_TOKEN" "$(rand_name web)" "$P1" t3.large eu-west-1a; A1=$AGENT_ID
sql "INSERT IGNORE INTO spot_pools (id, instance_type, region, az) VALUES ('t3.large.eu-west-1b', 't3.large', 'eu-west-1', 'eu-west-1b')"
AEMAIL=$(rand_name a)@example.test BEMAIL=$(rand_name b)@example.test
ui_user "$AEMAIL" client "$A"; ui_user "$BEMAIL" client "$B"
AJAR=$IT_TMP/a.jar BJAR=$IT_TMP/b.jar JAR=$IT_TMP/admin.jar
ui_login "$AJAR" "$AEMAIL" "$UI_PASSWORD"; expect_status 303
ui_login "$BJAR" "$BEMAIL" "$UI_PASSWORD"; expect_status 303
ui_login "$JAR" "$SPOT_ADMIN_EMAIL" "$SPOT_ADMIN_PASSWORD"; expect_status 303

# ---- replicas: empty state, then a launching and a ready one ----
ui_get "$AJAR" /replicas
expect_status 200
grep -q 'No replicas here' <<<"$BODY" || fail "no empty state"
grep -q 'turn on manual replica' <<<"$BODY" || fail "the empty state does not say what to do"
http POST "/api/client/agents/$A1/replicas" -H "Authorization: Bearer $A_TOKEN" "${JSON[@]}" -d '{}'
expect_status 202
R=$(jq -r .replica_id <<<"$BODY")
ui_get "$AJAR" /replicas
grep -q "action=\"/replicas/$R/promote\"" <<<"$BODY" && fail "a launching replica has a promote button"
grep -q 'promote when ready' <<<"$BODY" || fail "the launching replica does not say when it can be promoted"
RI=$(rand_instance_id)
sql "INSERT INTO instances (id, agent_id, client_id, role, instance_type, region, az, mode, pool_id)
     VALUES ('$RI', '$A1', '$A', 'replica', 't3.large', 'eu-west-1', 'eu-west-1b', 'spot', 't3.large.eu-west-1b')"
sql "UPDATE replica_instances SET status = 'ready', instance_id = '$RI', state_transfer_progress = 100, version = version + 1 WHERE id = '$R'"
ui_get "$AJAR" /replicas
grep -q "<form method=\"post\" action=\"/replicas/$R/promote\"" <<<"$BODY" || fail "no promote form"
grep -q 'name="csrf_token" value="[0-9a-f]\{64\}"' <<<"$BODY" || fail "the promote form has no CSRF token"
grep -q '>Promote to primary</button>' <<<"$BODY" || fail "the button does not say what it does"
grep -q 'aria-current="page">Replicas' <<<"$BODY" || fail "the nav does not mark replicas"
no_inline replicas
ui_get "$BJAR" /replicas -H 'Accept: application/json'
expect_json '.replicas | length' 0
ui_get "$JAR" /replicas -H 'Accept: application/json'
expect_json "[.replicas[].id] | index(\"$R\") != null" true
ui_csrf "$AJAR"; A_CSRF=$CSRF
ui_csrf "$BJAR"; B_CSRF=$CSRF
ui_get "$AJAR" "/replicas/$R/promote" -X POST
expect_status 403 "promote without the CSRF token"
ui_get "$BJAR" "/replicas/$R/promote" -X POST --data-urlencode "csrf_token=$B_CSRF"
expect_status 404 "client B promoting client A's replica"
ui_get "$AJAR" "/replicas/$R/promote" -X POST --data-urlencode "csrf_token=$A_CSRF"
expect_status 303 "promoting"
expect_header Location '^/replicas\?promoted=1$'
[ "$(sql "SELECT role FROM instances WHERE id = '$RI'")" = primary ] || fail "the replica's instance is not the primary"
[ "$(sql "SELECT role FROM instances WHERE id = '$P1'")" = zombie ] || fail "the old primary is not a zombie"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id = '$A1' AND type = 'promote' AND status = 'pending'")" = 1 ] || fail "no promote command"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE subject_id = '$R' AND action = 'replica.promoted' AND actor_type = 'user'")" = 1 ] || fail "not audited as the user"
ui_get "$AJAR" '/replicas?promoted=1'
grep -q 'Replica promoted' <<<"$BODY" || fail "no confirmation"
# A refusal shows in the summary and beside the button (GOV.UK pattern).
ui_get "$AJAR" "/replicas/$R/promote" -X POST --data-urlencode "csrf_token=$A_CSRF"
expect_status 409 "promoting twice"
grep -q "<a href=\"#promote-$R\">The replica is promoted: only a ready replica can be promoted</a>" <<<"$BODY" || fail "no error summary"
grep -q "id=\"promote-$R\" class=\"error-message\"" <<<"$BODY" || fail "no message beside the replica"
ui_get "$AJAR" '/replicas?status=bogus'
expect_status 400

# ---- admin: clients ----
ui_get "$AJAR" /admin/clients
expect_status 403 "a client user on the clients page"
ui_csrf "$JAR"; ADMIN_CSRF=$CSRF
ui_get "$JAR" /admin/clients
expect_status 200
grep -q '>Add client</button>' <<<"$BODY" || fail "no create form"
no_inline "the clients page"
ui_get "$JAR" /admin/clients -X POST --data-urlencode "csrf_token=$ADMIN_CSRF" --data-urlencode 'name=Kept <co>' -d 'email=nope&max_agents=many'
expect_status 400 "an incomplete client"
for f in email max_agents; do grep -q "<a href=\"#$f\">" <<<"$BODY" || fail "the summary does not link to #$f"; done
grep -q 'value="Kept &lt;co&gt;"' <<<"$BODY" || fail "the typed name is not kept"
CNAME=$(rand_name corp)
ui_get "$JAR" /admin/clients -X POST --data-urlencode "csrf_token=$ADMIN_CSRF" --data-urlencode "name=$CNAME" \
  --data-urlencode "email=$CNAME@example.test" -d 'max_agents=3'
expect_status 201 "a new client"
TOKEN=$(grep -o '<code id="new-token">[^<]*</code>' <<<"$BODY" | sed 's/<[^>]*>//g')
[ ${#TOKEN} -ge 32 ] || fail "the new token is not shown"
grep -qi '^cache-control: no-store' "$HEADERS" || fail "the token page may be cached"
C=$(sql "SELECT id FROM clients WHERE name = '$CNAME'")
register_agent "$TOKEN" "$(rand_name n)" "$(rand_instance_id)"
ui_get "$JAR" /admin/clients
grep -qF "$TOKEN" <<<"$BODY" && fail "the token is shown again"
grep -q ">$CNAME<" <<<"$BODY" || fail "the new client is not listed"
# Rotate: the old token stops working, the new one works.
ui_get "$JAR" "/admin/clients/$C/token" -X POST --data-urlencode "csrf_token=$ADMIN_CSRF"
expect_status 200 "rotating the token"
NEWTOKEN=$(grep -o '<code id="new-token">[^<]*</code>' <<<"$BODY" | sed 's/<[^>]*>//g')
[ ${#NEWTOKEN} -ge 32 ] && [ "$NEWTOKEN" != "$TOKEN" ] || fail "no new token"
http GET "/api/client/$C/agents" -H "Authorization: Bearer $TOKEN"
expect_error 401 unauthorized
http GET "/api/client/$C/agents" -H "Authorization: Bearer $NEWTOKEN"
expect_status 200 "the rotated token"
# Disable, then enable.
V=$(sql "SELECT version FROM clients WHERE id = '$C'")
ui_get "$JAR" "/admin/clients/$C/status" -X POST --data-urlencode "csrf_token=$ADMIN_CSRF" -d "active=0&version=$V"
expect_status 303 "disabling"
[ "$(sql "SELECT is_active FROM clients WHERE id = '$C'")" = 0 ] || fail "not disabled"
ui_get "$JAR" "/admin/clients/$C/status" -X POST --data-urlencode "csrf_token=$ADMIN_CSRF" -d "active=1&version=$V"
expect_status 409 "a stale version"
ui_get "$JAR" "/admin/clients/$C/status" -X POST -d "active=1&version=$((V + 1))"
expect_status 403 "no CSRF token"
ui_get "$AJAR" "/admin/clients/$C/status" -X POST --data-urlencode "csrf_token=$A_CSRF" -d "active=1&version=$((V + 1))"
expect_status 403 "a client user"
ui_get "$JAR" /admin/clients
grep -q 'status-bad">disabled<' <<<"$BODY" || fail "disabled is not shown in words"

# ---- admin: health and jobs ----
ui_get "$JAR" /admin/health
expect_status 200 "the health page"
grep -q 'id="health-status"' <<<"$BODY" || fail "no status"
grep -q '<td>health-monitor</td>' <<<"$BODY" || fail "jobs are not listed"
no_inline "the health page"
ui_get "$JAR" /admin/health -H 'Accept: application/json'
expect_json .database.status up
ui_get "$AJAR" /admin/health
expect_status 403
ui_get "$JAR" /admin/jobs
expect_status 200 "the jobs page"
grep -q 'Data quality of consolidated prices' <<<"$BODY" || fail "no data quality section"
no_inline "the jobs page"
ui_get "$JAR" '/admin/jobs?limit=nine'
expect_status 400
ui_get "$AJAR" /admin/jobs -H 'Accept: application/json'
expect_error 403 forbidden
it_ok
