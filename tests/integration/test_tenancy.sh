# test_tenancy.sh - clients and their tokens: created by the admin with a token
# shown once, listed, changed with optimistic locking, disabled (every token
# stops), tokens rotated and revoked; tokens stored only as SHA-256.
. "$(dirname "$0")/harness.sh"
it_env
J=(-H 'Content-Type: application/json')

http POST /api/admin/clients "${J[@]}" -d '{"name":"x","email":"x@example.test"}'
expect_error 401 unauthorized
name=$(rand_name tenancy)
http POST /api/admin/clients "${AUTH_ADMIN[@]}" "${J[@]}" -d "{\"name\":\"$name\",\"email\":\"$name@example.test\",\"plan\":\"pro\",\"max_agents\":3,\"max_instances\":9}"
expect_status 201
expect_json .plan pro
expect_json .max_agents 3
expect_json .is_active true
cid=$(jq -r .id <<<"$BODY")
tok=$(jq -r .client_token <<<"$BODY")
[[ "$tok" =~ ^sc_[0-9a-f]{64}$ ]] || fail "client token shape: $tok"
# Stored as SHA-256 only.
hash=$(printf '%s' "$tok" | sha256sum | cut -d' ' -f1)
[ "$(sql "SELECT HEX(token_hash) FROM client_tokens WHERE client_id='$cid'" | tr 'A-F' 'a-f')" = "$hash" ] || fail "token not stored as its SHA-256"
[ "$(sql "SELECT COUNT(*) FROM client_tokens WHERE client_id='$cid' AND token_prefix='${tok:0:10}'")" = 1 ] || fail "prefix not kept"
sql "SELECT action FROM system_events WHERE subject_id='$cid'" | grep -qx client.created || fail "no audit row"

# The same email again: 409 naming email. Bad input: named fields.
http POST /api/admin/clients "${AUTH_ADMIN[@]}" "${J[@]}" -d "{\"name\":\"again\",\"email\":\"$name@example.test\"}"
expect_error 409 conflict email
http POST /api/admin/clients "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"name":"n","email":"not-an-email"}'
expect_error 400 validation_failed email
http POST /api/admin/clients "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"email":"a@b.example"}'
expect_error 400 validation_failed name
http POST /api/admin/clients "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"name":"n","email":"a@b.example","plan":"platinum"}'
expect_error 400 validation_failed plan
http POST /api/admin/clients "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"name":"n","email":"a@b.example","max_agents":-1}'
expect_error 400 validation_failed max_agents

http GET /api/admin/clients "${AUTH_ADMIN[@]}"
expect_status 200
jq -e --arg id "$cid" '.clients | map(select(.id == $id)) | length == 1' <<<"$BODY" >/dev/null || fail "client not listed"
jq -e '.clients[0] | has("client_token") | not' <<<"$BODY" >/dev/null || fail "listing shows a token"

# PATCH with the current version works; a stale version is 409; nothing else changes.
http PATCH "/api/admin/clients/$cid" "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"max_agents":4,"version":1}'
expect_status 200
expect_json .max_agents 4
expect_json .version 2
http PATCH "/api/admin/clients/$cid" "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"max_agents":7,"version":1}'
expect_error 409 conflict version
[ "$(sql "SELECT max_agents FROM clients WHERE id='$cid'")" = 4 ] || fail "stale PATCH changed the row"
http PATCH "/api/admin/clients/$cid" "${AUTH_ADMIN[@]}" "${J[@]}" -d '{}'
expect_error 400 validation_failed body
http PATCH "/api/admin/clients/00000000-0000-4000-8000-000000000000" "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"plan":"pro"}'
expect_error 404 not_found

# The client token registers an agent; rotation keeps or revokes the old one.
iid=$(rand_instance_id)
register_agent "$tok" tenancy-a "$iid"
[ "$ROLE" = primary ] || fail "first registration is not primary"
# last_used_at: set by the first use of a token, then at most once an hour (not a write per request).
[ "$(sql "SELECT last_used_at IS NOT NULL FROM client_tokens WHERE client_id='$cid' AND kind='client'")" = 1 ] ||
  fail "the client token's use is not recorded"
atok_sql="SELECT IFNULL(last_used_at,'never') FROM client_tokens WHERE agent_id='$AGENT_ID' AND kind='agent'"
[ "$(sql "$atok_sql")" = never ] || fail "an unused agent token has last_used_at"
heartbeat "$iid"
expect_status 200
first_use=$(sql "$atok_sql")
[ "$first_use" != never ] || fail "the heartbeat did not record the agent token's use"
sleep 0.05
heartbeat "$iid"
[ "$(sql "$atok_sql")" = "$first_use" ] || fail "last_used_at written on every request"
sql "UPDATE client_tokens SET last_used_at = UTC_TIMESTAMP(3) - INTERVAL 2 HOUR WHERE agent_id='$AGENT_ID' AND kind='agent'"
agent_call GET "/api/agents/$AGENT_ID/config"
expect_status 200
[ "$(sql "SELECT last_used_at > UTC_TIMESTAMP(3) - INTERVAL 1 MINUTE FROM client_tokens WHERE agent_id='$AGENT_ID' AND kind='agent'")" = 1 ] ||
  fail "an hour-old last_used_at is not refreshed"
http POST "/api/admin/clients/$cid/tokens" "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"label":"second"}'
expect_status 201
tok2=$(jq -r .client_token <<<"$BODY")
register_agent "$tok" tenancy-a "$iid"
register_agent "$tok2" tenancy-a "$iid"
http POST "/api/admin/clients/$cid/tokens" "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"label":"rotated","revoke_existing":true}'
expect_status 201
tok3=$(jq -r .client_token <<<"$BODY")
for old in "$tok" "$tok2"; do
  http POST /api/agents/register -H "Authorization: Bearer $old" "${J[@]}" -d '{}'
  expect_error 401 unauthorized
done
register_agent "$tok3" tenancy-a "$iid"
agent_token=$AGENT_TOKEN agent_id=$AGENT_ID

# Revoking one token by id.
tid=$(sql "SELECT id FROM client_tokens WHERE client_id='$cid' AND kind='client' AND revoked_at IS NULL")
http DELETE "/api/admin/clients/$cid/tokens/$tid" "${AUTH_ADMIN[@]}"
expect_status 200
http DELETE "/api/admin/clients/$cid/tokens/$tid" "${AUTH_ADMIN[@]}"
expect_error 404 not_found
http POST /api/agents/register -H "Authorization: Bearer $tok3" "${J[@]}" -d '{}'
expect_error 401 unauthorized
http GET "/api/admin/clients/$cid/tokens" "${AUTH_ADMIN[@]}"
expect_status 200
jq -e '.tokens | length >= 4 and all(has("prefix")) and all(has("token_hash") | not)' <<<"$BODY" >/dev/null || fail "token listing: $BODY"

# Disabling the client stops every token, agent tokens included; enabling brings them back.
AGENT_TOKEN=$agent_token AGENT_ID=$agent_id
heartbeat "$iid"
expect_status 200
http PATCH "/api/admin/clients/$cid" "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"is_active":false}'
expect_status 200
expect_json .is_active false
heartbeat "$iid"
expect_error 401 unauthorized
sql "SELECT action FROM system_events WHERE subject_id='$cid'" | grep -qx client.disabled || fail "no client.disabled audit row"
http PATCH "/api/admin/clients/$cid" "${AUTH_ADMIN[@]}" "${J[@]}" -d '{"is_active":true}'
heartbeat "$iid"
expect_status 200

# A token of the wrong shape, an agent token where the client token is needed.
http GET "/api/agents/$agent_id/config" -H "Authorization: Bearer sa_nothex"
expect_error 401 unauthorized
http POST /api/agents/register -H "Authorization: Bearer $agent_token" "${J[@]}" -d '{}'
expect_error 403 forbidden
it_ok
