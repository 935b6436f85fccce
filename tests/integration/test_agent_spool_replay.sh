# test_agent_spool_replay.sh - the server stopped for 30 s while the real spot-agent reports
# (issue 5 part 5): with the FastCGI pool down nginx answers 502, the agent spools its pricing
# reports (every 2 s) and a termination notice raised in spot-sim meanwhile; once the pool is
# back, the spool drains and every spooled report arrives exactly once, in order, with its
# original X-Request-ID: one idempotency_keys row per id (answered 2xx), one pricing_reports
# row per pricing id, one termination-notice event for the instance.
. "$(dirname "$0")/harness.sh"
it_env
. "$(dirname "$0")/agent_lib.sh"
trap 'al_cleanup; restore_stack; rm -rf "$IT_TMP"' EXIT
OUTAGE=${SPOT_IT_OUTAGE_SECONDS:-30}

sim_start
sim_launch
new_client
logical=$(rand_name replay)
CONF=$IT_TMP/agent.conf LOG=$IT_TMP/agent.log SPOOL=$IT_TMP/spool/$INSTANCE_ID
cat > "$CONF" <<UD
SPOT_URL=$SPOT_URL
SPOT_CLIENT_TOKEN=$CLIENT_TOKEN
SPOT_CA_FILE=$SPOT_CA_FILE
SPOT_LOGICAL_ID=$logical
SPOT_HEARTBEAT_SECONDS=5
SPOT_PRICING_SECONDS=2
SPOT_SPOOL_DIR=$IT_TMP/spool
UD
agent_fail() { fail "$1; agent log: $(tail -n 20 "$LOG" 2>/dev/null | tr '\n' '|')"; }
agent_start "$CONF" "$LOG"
registered() { [ -n "$(sql "SELECT id FROM agents WHERE client_id='$CLIENT_ID' AND logical_agent_id='$logical'")" ]; }
poll 30 registered || agent_fail "the agent never registered"
agent=$(sql "SELECT id FROM agents WHERE client_id='$CLIENT_ID' AND logical_agent_id='$logical'")
reports() { sql "SELECT COUNT(*) FROM pricing_reports WHERE agent_id='$agent'"; }
priced() { [ "$(reports)" -ge 2 ]; }
poll 30 priced || agent_fail "no pricing reports before the outage"

# The outage: the worker pool stopped by its pid; nginx answers 502.
pool=$(pool_pid)
kill -TERM "$pool"
poll 15 bash -c "! kill -0 $pool 2>/dev/null" || fail "the pool did not stop"
http GET /api/health/database-schema
expect_status 502
t_down=$(date +%s)
# A termination notice while the server is down (long lead: the instance stays up).
sleep 5
curl -sf --max-time 10 -X POST "${CTL}instances/$INSTANCE_ID/interrupt" \
  -d '{"action":"terminate","lead_seconds":3600}' >/dev/null || fail "interrupt"
poll 15 bash -c "grep -q 'termination-notice .* spooled' '$LOG'" || agent_fail "the termination notice was not spooled"
sleep $((OUTAGE - ($(date +%s) - t_down)))
mapfile -t files < <(find "$SPOOL" -name '*.rep' -printf '%f\n' | sort)
[ "${#files[@]}" -ge 8 ] || agent_fail "only ${#files[@]} reports spooled in ${OUTAGE} s"
rids=() paths=()
for f in "${files[@]}"; do
  paths+=("$(sed -n 2p "$SPOOL/$f")")
  rids+=("$(sed -n 3p "$SPOOL/$f")")
done
npricing=$(printf '%s\n' "${paths[@]}" | grep -c '^pricing-report$' || true)
printf '%s\n' "${paths[@]}" | grep -qx 'termination-notice' || agent_fail "no termination-notice in the spool"
ls "$SPOOL"/*.k.rep >/dev/null 2>&1 || agent_fail "the notice is not kept as undroppable"
note "${#files[@]} reports spooled over ${OUTAGE} s ($npricing pricing, 1 notice)"
[ "$(sql "SELECT COUNT(*) FROM spot_interruption_events WHERE instance_id='$INSTANCE_ID'")" = 0 ] \
  || fail "a notice reached the database during the outage"

# The server comes back; the spool drains.
restore_stack
t_up=$(date +%s)
drained() { [ -z "$(find "$SPOOL" -name '*.rep' | head -1)" ]; }
poll 30 drained || agent_fail "the spool did not drain after the server returned ($(find "$SPOOL" -name '*.rep' | wc -l) left)"
note "spool drained $(( $(date +%s) - t_up )) s after the restart"

# Exactly once, in order.
for i in "${!rids[@]}"; do
  r=${rids[$i]}
  got=$(sql "SELECT COUNT(*), MIN(response_status) FROM idempotency_keys WHERE caller='agent:$agent' AND idempotency_key='$r'")
  [ "$(cut -f1 <<<"$got")" = 1 ] || agent_fail "${paths[$i]} $r: $(cut -f1 <<<"$got") idempotency rows"
  [[ $(cut -f2 <<<"$got") =~ ^2[0-9][0-9]$ ]] || agent_fail "${paths[$i]} $r answered $(cut -f2 <<<"$got")"
  if [ "${paths[$i]}" = pricing-report ]; then
    [ "$(sql "SELECT COUNT(*) FROM pricing_reports WHERE agent_id='$agent' AND request_id='$r'")" = 1 ] \
      || agent_fail "pricing report $r is not in pricing_reports exactly once"
  fi
done
[ "$(sql "SELECT COUNT(*) FROM spot_interruption_events WHERE instance_id='$INSTANCE_ID' AND signal_type='termination-notice' AND notice_action='terminate'")" = 1 ] \
  || agent_fail "the spooled termination notice did not arrive exactly once"
mapfile -t replayed < <(grep -o 'agent_tick_spool: replayed [^ ]* [0-9a-f-]*' "$LOG" | awk '{print $4}')
order=$(printf '%s\n' "${replayed[@]}" | grep -Fx -f <(printf '%s\n' "${rids[@]}") || true)
[ "$order" = "$(printf '%s\n' "${rids[@]}")" ] || agent_fail "replayed out of order or not all replayed (${#replayed[@]} replay lines)"
grep -q 'agent_tick_spool: .* refused' "$LOG" && agent_fail "a replayed report was refused"
agent_stop
it_ok
