# test_concurrency_notices.sh - 50 concurrent termination notices for one
# agent (xargs -P): with a ready replica exactly one promotion happens, and
# without one exactly one emergency launch is queued; every answer is 200
# with the same outcome, never a 5xx, and the agent has exactly one primary.
. "$(dirname "$0")/harness.sh"
it_env
JSON=(-H 'Content-Type: application/json')
N=50
at() { date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ; }

# storm AGENT INSTANCE TOKEN: N concurrent notices; statuses in $IT_TMP/storm/s.*, bodies in b.*.
storm() {
  rm -rf "$IT_TMP/storm"
  mkdir -p "$IT_TMP/storm"
  printf '{"instance_id":"%s","action_time":"%s","notice_action":"terminate"}' "$2" "$(at 120)" >"$IT_TMP/storm/body"
  export STORM_URL="$SPOT_URL/api/agents/$1/termination-notice" STORM_TOKEN=$3 STORM_DIR=$IT_TMP/storm SPOT_CA_FILE
  seq 1 "$N" | xargs -P "$N" -I{} sh -c 'curl -s --max-time 60 --cacert "$SPOT_CA_FILE" -X POST \
      -H "Authorization: Bearer $STORM_TOKEN" -H "Content-Type: application/json" --data-binary @"$STORM_DIR/body" \
      -o "$STORM_DIR/b.{}" -w "%{http_code}\\n" "$STORM_URL" >"$STORM_DIR/s.{}" || echo 000 >"$STORM_DIR/s.{}"'
  local codes
  codes=$(cat "$IT_TMP/storm"/s.* | sort | uniq -c | tr -s ' ' | tr '\n' ';')
  note "$N notices: $codes"
  [ "$(cat "$IT_TMP/storm"/s.* | grep -c '^200$')" = "$N" ] || { BODY=$(cat "$IT_TMP/storm"/b.* | grep -v '"action"' | head -c 600); fail "not all 200: $codes"; }
}
# outcome JQ: the distinct values of JQ over all answers, one line.
outcome() { cat "$IT_TMP/storm"/b.* | jq -r "$1" | sort -u | tr '\n' ' '; }

new_client

# ---- with a ready replica: one promotion ----
P=$(rand_instance_id)
register_agent "$CLIENT_TOKEN" "$(rand_name storm)" "$P" r5.large ap-south-1a
A=$AGENT_ID
A_TOKEN=$AGENT_TOKEN
http POST "/api/client/agents/$A/replicas" -H "Authorization: Bearer $CLIENT_TOKEN" "${JSON[@]}" -d '{}'
expect_status 202
R=$(jq -r .replica_id <<<"$BODY")
RI=$(rand_instance_id)
agent_call POST "/api/agents/$A/replicas/$R/status" -d "{\"status\":\"syncing\",\"instance_id\":\"$RI\"}"
expect_status 200
agent_call POST "/api/agents/$A/replicas/$R/status" -d '{"status":"ready"}'
expect_status 200
storm "$A" "$P" "$A_TOKEN"
[ "$(outcome .action)" = "promote_replica " ] || fail "outcomes: $(outcome .action)"
[ "$(outcome .replica.id)" = "$R " ] || fail "replicas: $(outcome .replica.id)"
[ "$(outcome .replica.instance_id)" = "$RI " ] || fail "replica instances: $(outcome .replica.instance_id)"
[ "$(cat "$IT_TMP/storm"/b.* | jq -r .repeat | grep -c false)" = 1 ] || fail "not exactly one first answer"
[ "$(sql "SELECT COUNT(*) FROM instances WHERE agent_id='$A' AND role='primary'")" = 1 ] || fail "not exactly one primary"
[ "$(sql "SELECT id FROM instances WHERE agent_id='$A' AND role='primary'")" = "$RI" ] || fail "the replica is not the primary"
[ "$(sql "SELECT role FROM instances WHERE id='$P'")" = zombie ] || fail "old primary not a zombie"
[ "$(sql "SELECT status FROM replica_instances WHERE id='$R'")" = promoted ] || fail "replica not promoted"
[ "$(sql "SELECT COUNT(*) FROM spot_interruption_events WHERE instance_id='$P' AND signal_type='termination-notice'")" = 1 ] || fail "not one event row"
[ "$(sql "SELECT COUNT(*) FROM system_events WHERE agent_id='$A' AND action='replica.promoted'")" = 1 ] || fail "promoted more than once"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$A' AND type='emergency_launch'")" = 0 ] || fail "an emergency launch besides the promotion"
[ "$(sql "SELECT instance_id FROM agents WHERE id='$A'")" = "$RI" ] || fail "agent does not point at the new primary"

# ---- without a replica: one emergency launch ----
Q=$(rand_instance_id)
register_agent "$CLIENT_TOKEN" "$(rand_name storm)" "$Q" r5.xlarge ap-south-1a
B=$AGENT_ID
storm "$B" "$Q" "$AGENT_TOKEN"
[ "$(outcome .action)" = "emergency_launch " ] || fail "outcomes: $(outcome .action)"
CMD=$(outcome .command_id)
[ "$(wc -w <<<"$CMD")" = 1 ] || fail "different command ids: $CMD"
[ "$(sql "SELECT COUNT(*) FROM commands WHERE agent_id='$B' AND type='emergency_launch'")" = 1 ] || fail "not exactly one emergency command"
[ "$(sql "SELECT CONCAT(id,' ') FROM commands WHERE agent_id='$B' AND type='emergency_launch'")" = "$CMD" ] || fail "command id differs"
[ "$(sql "SELECT COUNT(*) FROM instances WHERE agent_id='$B' AND role='primary'")" = 1 ] || fail "not exactly one primary"
[ "$(sql "SELECT notice_status FROM agents WHERE id='$B'")" = termination ] || fail "notice status"
it_ok
