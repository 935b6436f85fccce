# test_concurrency_heartbeat.sh - 200 agents register at once and then send
# 200 concurrent heartbeats: every one succeeds, every agent has exactly one
# primary, and every heartbeat is recorded.
. "$(dirname "$0")/harness.sh"
it_env
new_client 250
N=200
export SPOT_URL SPOT_CA_FILE CLIENT_TOKEN
register_one() {
  local n=$1 iid out
  # n in the high digits keeps the ids of one run distinct; the random part, those of different runs.
  iid=$(printf 'i-%05x%012x' "$n" "$((RANDOM * 32768 + RANDOM))")
  out=$(curl -s --max-time 30 --cacert "$SPOT_CA_FILE" -H "Authorization: Bearer $CLIENT_TOKEN" \
    -H 'Content-Type: application/json' -w '\t%{http_code}' \
    -d "{\"logical_agent_id\":\"conc-$n\",\"instance_id\":\"$iid\",\"instance_type\":\"m5.large\",\"region\":\"us-west-2\",\"az\":\"us-west-2b\",\"mode\":\"spot\"}" \
    "$SPOT_URL/api/agents/register")
  # One write per line, so parallel runs do not interleave.
  printf '%s\t%s\n' "$iid" "$out"
}
export -f register_one
seq 1 $N | xargs -P 16 -I{} bash -c 'register_one {}' > "$IT_TMP/reg"
[ "$(awk -F'\t' '$3 == 201' "$IT_TMP/reg" | wc -l)" = $N ] \
  || fail "not every registration answered 201: $(cut -f3 "$IT_TMP/reg" | sort | uniq -c | tr '\n' ' ')"
[ "$(sql "SELECT COUNT(*) FROM agents WHERE client_id='$CLIENT_ID'")" = $N ] || fail "agents missing"
[ "$(sql "SELECT COUNT(*) FROM instances WHERE client_id='$CLIENT_ID' AND role='primary'")" = $N ] || fail "not one primary each"

# iid <TAB> json <TAB> code  ->  agent_id token iid
while IFS=$'\t' read -r iid json _; do
  printf '%s %s %s\n' "$(jq -r .agent_id <<<"$json")" "$(jq -r .agent_token <<<"$json")" "$iid"
done < "$IT_TMP/reg" > "$IT_TMP/agents"
sql "UPDATE instances SET last_heartbeat_at = UTC_TIMESTAMP(3) - INTERVAL 1 HOUR WHERE client_id='$CLIENT_ID'"
beat() {
  curl -s --max-time 30 --cacert "$SPOT_CA_FILE" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' \
    -o /dev/null -w '%{http_code}\n' -d "{\"instance_id\":\"$3\",\"status\":\"running\",\"uptime_seconds\":5}" \
    "$SPOT_URL/api/agents/$1/heartbeat"
}
export -f beat
xargs -P 32 -L 1 bash -c 'beat "$@"' _ < "$IT_TMP/agents" > "$IT_TMP/codes"
[ "$(grep -c '^200$' "$IT_TMP/codes")" = $N ] || fail "heartbeats: $(sort "$IT_TMP/codes" | uniq -c | tr '\n' ' ')"
fresh=$(sql "SELECT COUNT(*) FROM instances WHERE client_id='$CLIENT_ID' AND last_heartbeat_at > UTC_TIMESTAMP(3) - INTERVAL 10 MINUTE AND uptime_seconds = 5")
[ "$fresh" = $N ] || fail "only $fresh of $N heartbeats recorded"
it_ok
