# test_safe_mode.sh - the admin safe-mode switch: admin token required, the
# change is stored and audited with before and after state in one transaction.
. "$(dirname "$0")/harness.sh"
it_env
JSON=(-H 'Content-Type: application/json')

http GET /api/admin/safe-mode
expect_error 401 unauthorized
expect_header WWW-Authenticate Bearer
http GET /api/admin/safe-mode "${AUTH_ADMIN[@]}"
expect_status 200
v0=$(printf '%s' "$BODY" | jq .version)
events0=$(db_root -N -e "SELECT COUNT(*) FROM system_events WHERE action LIKE 'safe_mode.%'" spot)

http POST /api/admin/safe-mode "${AUTH_ADMIN[@]}" "${JSON[@]}" -d '{"enabled":true,"reason":"integration test"}'
expect_status 200
expect_json .enabled true
expect_json .updated_by admin-token
[ "$(printf '%s' "$BODY" | jq .version)" -gt "$v0" ] || fail "version did not increase"
[[ "$(printf '%s' "$BODY" | jq -r .updated_at)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$ ]] || fail "updated_at is not RFC 3339"
[ "$(db_root -N -e "SELECT value FROM system_config WHERE \`key\`='SAFE_MODE'" spot)" = true ] || fail "not stored"
row=$(db_root -N -e "SELECT action, actor_type, message, JSON_EXTRACT(pre_state,'$.enabled'), JSON_EXTRACT(post_state,'$.enabled'), trace_id FROM system_events WHERE action LIKE 'safe_mode.%' ORDER BY created_at DESC LIMIT 1" spot)
[[ "$row" == "safe_mode.enabled"$'\t'"admin"$'\t'"integration test"$'\t'"false"$'\t'"true"$'\t'* ]] || fail "audit row: $row"
trace=$(grep -i '^x-trace-id:' "$HEADERS" | tr -d '\r' | cut -d' ' -f2)
[[ "$row" == *"$trace" ]] || fail "audit row lacks the request's trace id $trace: $row"

http POST /api/admin/safe-mode "${AUTH_ADMIN[@]}" "${JSON[@]}" -d '{"enabled":false}'
expect_status 200
expect_json .enabled false
events1=$(db_root -N -e "SELECT COUNT(*) FROM system_events WHERE action LIKE 'safe_mode.%'" spot)
[ $((events1 - events0)) -eq 2 ] || fail "expected 2 audit rows, got $((events1 - events0))"
it_ok
