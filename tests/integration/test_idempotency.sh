# test_idempotency.sh - X-Request-ID (DESIGN.md section 5): the same key and
# body replays the first answer with Idempotent-Replay: true and does nothing
# again; another body is 409 idempotency_mismatch; keys are per caller and
# kept 24 hours; a malformed key is 400.
. "$(dirname "$0")/harness.sh"
it_env
J=(-H 'Content-Type: application/json')
key=$(rand_name req)
name=$(rand_name idem)
body="{\"name\":\"$name\",\"email\":\"$name@example.test\"}"

http POST /api/admin/clients "${AUTH_ADMIN[@]}" "${J[@]}" -H "X-Request-ID: $key" -d "$body"
expect_status 201
first=$BODY
grep -qi '^idempotent-replay:' "$HEADERS" && fail "first answer marked as a replay"
http POST /api/admin/clients "${AUTH_ADMIN[@]}" "${J[@]}" -H "X-Request-ID: $key" -d "$body"
expect_status 201
expect_header Idempotent-Replay true
[ "$BODY" = "$first" ] || fail "replay differs from the first answer"
[ "$(sql "SELECT COUNT(*) FROM clients WHERE name='$name'")" = 1 ] || fail "the replay created a second client"
http POST /api/admin/clients "${AUTH_ADMIN[@]}" "${J[@]}" -H "X-Request-ID: $key" -d "{\"name\":\"$name-2\",\"email\":\"x$name@example.test\"}"
expect_error 409 idempotency_mismatch X-Request-ID
[ "$(sql "SELECT TIMESTAMPDIFF(HOUR, created_at, expires_at) FROM idempotency_keys WHERE caller='admin' AND idempotency_key='$key'")" = 24 ] \
  || fail "key not kept 24 hours"

# Keys are per caller: the same key from an agent is a new request.
new_client
iid=$(rand_instance_id)
register_agent "$CLIENT_TOKEN" idem-agent "$iid"
agent_call POST "/api/agents/$AGENT_ID/heartbeat" -H "X-Request-ID: $key" -d "{\"instance_id\":\"$iid\",\"status\":\"running\"}"
expect_status 200
grep -qi '^idempotent-replay:' "$HEADERS" && fail "another caller's key replayed"
agent_call POST "/api/agents/$AGENT_ID/heartbeat" -H "X-Request-ID: $key" -d "{\"instance_id\":\"$iid\",\"status\":\"running\"}"
expect_header Idempotent-Replay true

# An answer that is an error (4xx) is replayed too; a 5xx is not kept.
k2=$(rand_name req)
agent_call POST "/api/agents/$AGENT_ID/heartbeat" -H "X-Request-ID: $k2" -d '{"status":"running"}'
expect_error 400 validation_failed instance_id
agent_call POST "/api/agents/$AGENT_ID/heartbeat" -H "X-Request-ID: $k2" -d '{"status":"running"}'
expect_error 400 validation_failed instance_id
expect_header Idempotent-Replay true

# Malformed keys.
http POST /api/admin/clients "${AUTH_ADMIN[@]}" "${J[@]}" -H "X-Request-ID: has space" -d "$body"
expect_error 400 validation_failed X-Request-ID
long=$(head -c 129 /dev/zero | tr '\0' a)
http POST /api/admin/clients "${AUTH_ADMIN[@]}" "${J[@]}" -H "X-Request-ID: $long" -d "$body"
expect_error 400 validation_failed X-Request-ID

# A key whose first request never finished (a worker died) is taken over after a minute.
k3=$(rand_name req)
hb="{\"instance_id\":\"$iid\",\"status\":\"running\"}"
sql "INSERT INTO idempotency_keys (caller, idempotency_key, method, path, body_sha256, created_at, expires_at)
     VALUES ('agent:$AGENT_ID', '$k3', 'POST', '/api/agents/$AGENT_ID/heartbeat', UNHEX(SHA2('$hb',256)),
             UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 1 DAY)"
agent_call POST "/api/agents/$AGENT_ID/heartbeat" -H "X-Request-ID: $k3" -d "$hb"
expect_error 409 conflict X-Request-ID
sql "UPDATE idempotency_keys SET created_at = UTC_TIMESTAMP(3) - INTERVAL 2 MINUTE WHERE idempotency_key='$k3'"
agent_call POST "/api/agents/$AGENT_ID/heartbeat" -H "X-Request-ID: $k3" -d "$hb"
expect_status 200
grep -qi '^idempotent-replay:' "$HEADERS" && fail "a taken-over key replayed"
[ -n "$(sql "SELECT response_status FROM idempotency_keys WHERE idempotency_key='$k3'")" ] || fail "taken-over key not recorded"
it_ok
