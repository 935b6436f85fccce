# test_concurrency_primary.sh - 50 concurrent switch-reports and
# register-instance(is_primary) calls for one agent leave exactly one primary,
# no 5xx, and the agent pointing at it.
. "$(dirname "$0")/harness.sh"
it_env

new_client
P=$(rand_instance_id)
register_agent "$CLIENT_TOKEN" "$(rand_name race)" "$P"
A=$AGENT_ID
# Some of the racers find a dead primary, so both branches race.
sql "UPDATE instances SET last_heartbeat_at = UTC_TIMESTAMP(3) - INTERVAL 1 HOUR WHERE id='$P'"
for i in $(seq 1 50); do
  id=$(rand_instance_id)
  if [ $((i % 2)) = 0 ]; then
    printf '{"old_instance_id":"%s","new_instance_id":"%s","new_instance_type":"t3.medium","new_az":"us-east-1b","new_mode":"spot"}' "$P" "$id" >"$IT_TMP/b$i"
    echo "switch-report $IT_TMP/b$i"
  else
    printf '{"instance_id":"%s","instance_type":"t3.medium","region":"us-east-1","az":"us-east-1c","mode":"spot","is_primary":true}' "$id" >"$IT_TMP/b$i"
    echo "register-instance $IT_TMP/b$i"
  fi
done >"$IT_TMP/calls"
export SPOT_URL SPOT_CA_FILE AGENT_TOKEN A
# shellcheck disable=SC2016
xargs -P 25 -L 1 sh -c 'curl -s --max-time 30 --cacert "$SPOT_CA_FILE" -o /dev/null -w "%{http_code}\n" -X POST \
  -H "Authorization: Bearer $AGENT_TOKEN" -H "Content-Type: application/json" -d "@$1" "$SPOT_URL/api/agents/$A/$0"' \
  <"$IT_TMP/calls" >"$IT_TMP/codes"
[ "$(wc -l <"$IT_TMP/codes")" = 50 ] || fail "expected 50 answers"
note "status codes: $(sort "$IT_TMP/codes" | uniq -c | tr '\n' ' ')"
grep -qv '^\(200\|201\|409\)$' "$IT_TMP/codes" && fail "unexpected status: $(sort -u "$IT_TMP/codes" | tr '\n' ' ')"
[ "$(sql "SELECT COUNT(*) FROM instances WHERE agent_id='$A' AND role='primary'")" = 1 ] || fail "not exactly one primary"
[ "$(sql "SELECT COUNT(*) FROM instances i JOIN agents a ON a.instance_id=i.id WHERE a.id='$A' AND i.role='primary'")" = 1 ] \
  || fail "agent does not point at its primary"
[ "$(sql "SELECT role FROM instances WHERE id='$P'")" = zombie ] || fail "old primary not a zombie"
[ "$(sql "SELECT COUNT(*) FROM switches WHERE agent_id='$A'")" -le 1 ] || fail "more than one switch from the same old primary"
# Every instance registered or reported has a row.
[ "$(sql "SELECT COUNT(*) FROM instances WHERE agent_id='$A'")" -ge 26 ] || fail "lost instances"
it_ok
