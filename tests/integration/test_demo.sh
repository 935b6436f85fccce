# test_demo.sh - the demo fleet: `./spot up` without --no-demo, in a stack of its own, brings up a
# demo client whose 5 agents (the real spot-agent, run by spot-sim) come online and report prices;
# auto-switch (issue 8): the two on-demand agents get their switch to spot from spot-decide within
# two decision intervals of the market being known, and their agents carry it out (mode spot,
# a switches row, the decisions logged with their model and reason);
# a second `up` reuses the client and launches nothing more; `./spot down` stops every process of
# that stack, the agents included.
. "$(dirname "$0")/harness.sh"
it_env
chmod 755 "$IT_TMP"   # the stack's users (mariadbd, workers) must reach DIR
D=$IT_TMP/demo
port=$(it_free_port)
# it_env exported the shared stack's settings; the programs of this stack would read them first.
mapfile -t shared < <(sed -n "s/^\(SPOT_[A-Z0-9_]*\)=.*/\1/p" "$IT_DIR/spot.env" | sort -u)
unset "${shared[@]}"
trap '"$SRC/spot" down --dir "$D" >/dev/null 2>&1 || true; rm -rf "$IT_TMP"' EXIT

DECIDE_S=15
# spot-sim's clock runs 10x (an image in 6 s, a boot in 2 s instead of 60 s and 20 s), so the switches end
# within the test's time; the agents and spot-decide run in real time.
out=$(SPOT_DECIDE_INTERVAL=$DECIDE_S SPOT_SIM_SCALE=10 "$SRC/spot" up --dir "$D" --port "$port" --workers 2 2>&1) ||
  fail "up failed: $(tail -n 20 <<<"$out")"
grep -qx "SPOT_SIM_SCALE='10'" "$D/sim.env" || fail "up did not pass SPOT_SIM_SCALE to spot-sim: $(cat "$D/sim.env")"
grep -q "auto-switch is on for the new demo agents" <<<"$out" || fail "up did not turn auto-switch on: $(grep '^spot:' <<<"$out" | tail -n 5)"
val() { sed -n "s/^$1='\(.*\)'\$/\1/p" "$D/spot.env" | tail -n 1; }
cid=$(val SPOT_DEMO_CLIENT_ID) ctok=$(val SPOT_DEMO_CLIENT_TOKEN)
{ [ -n "$cid" ] && [ -n "$ctok" ]; } || fail "spot.env lacks SPOT_DEMO_CLIENT_ID/TOKEN: $(grep "^spot:" <<<"$out" | tail -n 8)"
dsql() { mariadb --socket="$D/run/db/mysqld.sock" -u "$(id -un)" -N -B spot -e "$1"; }
[ "$(dsql "SELECT COUNT(*) FROM clients WHERE id='$cid'")" = 1 ] || fail "no demo client row $cid"

online() { dsql "SELECT COUNT(*) FROM agents WHERE client_id='$cid' AND status='online' AND logical_agent_id LIKE 'demo-%'"; }
priced() { dsql "SELECT COUNT(DISTINCT s.agent_id) FROM spot_price_snapshots s JOIN agents a ON a.id = s.agent_id WHERE a.client_id='$cid'"; }
fleet_live() { [ "$(online)" = 5 ] && [ "$(priced)" = 5 ]; }
t0=$(date +%s)
poll 90 fleet_live || fail "after 90 s: $(online) agents online, $(priced) with prices; agent logs: $(tail -q -n 2 "$D"/run/sim-agents/*.log 2>/dev/null | tr '\n' '|')"
note "5 demo agents online with prices after $(( $(date +%s) - t0 )) s"
# Auto-switch: demo-4 and demo-5 started on demand; spot-decide (every $DECIDE_S s here) issues
# one switch each once the market is known, and their agents move them to spot.
[ "$(dsql "SELECT COUNT(*) FROM agents WHERE client_id='$cid' AND auto_switch_enabled AND current_mode='ondemand'")" = 2 ] ||
  fail "expected 2 on-demand agents with auto-switch: $(dsql "SELECT logical_agent_id, current_mode, auto_switch_enabled FROM agents WHERE client_id='$cid'" | tr '\n' '|')"
first_decision() { dsql "SELECT UNIX_TIMESTAMP(MIN(decided_at)) FROM ml_decisions d JOIN agents a ON a.id = d.agent_id WHERE a.client_id='$cid' AND a.logical_agent_id IN ('demo-4','demo-5')"; }
issued() { dsql "SELECT COUNT(DISTINCT d.agent_id) FROM ml_decisions d JOIN agents a ON a.id = d.agent_id WHERE a.client_id='$cid' AND a.logical_agent_id IN ('demo-4','demo-5') AND d.decision_mode='auto' AND d.executed AND d.target_mode='spot'"; }
both_issued() { [ "$(issued)" = 2 ]; }
poll 120 both_issued || fail "no auto switch for both on-demand agents; decisions: $(dsql "SELECT a.logical_agent_id, d.decision, d.suppressed_reason, d.reason FROM ml_decisions d JOIN agents a ON a.id=d.agent_id WHERE a.client_id='$cid' ORDER BY d.decided_at DESC LIMIT 6" | tr '\n' '|')"
# Within two decision intervals of the first evaluation that could see both (prices reported).
t_first=$(first_decision)
t_cmd=$(dsql "SELECT UNIX_TIMESTAMP(MAX(c.created_at)) FROM commands c JOIN agents a ON a.id = c.agent_id WHERE a.client_id='$cid' AND c.type='switch' AND c.reason='auto'")
[ $(( ${t_cmd%.*} - ${t_first%.*} )) -le $((2 * DECIDE_S + 5)) ] || fail "switch commands came $(( ${t_cmd%.*} - ${t_first%.*} )) s after the first decision (> 2 intervals of $DECIDE_S s)"
[ "$(dsql "SELECT COUNT(*) FROM commands c JOIN agents a ON a.id = c.agent_id WHERE a.client_id='$cid' AND c.type='switch' AND a.logical_agent_id IN ('demo-4','demo-5')")" = 2 ] ||
  fail "not exactly one switch command per on-demand agent"
moved() { [ "$(dsql "SELECT COUNT(*) FROM agents WHERE client_id='$cid' AND logical_agent_id IN ('demo-4','demo-5') AND current_mode='spot'")" = 2 ]; }
poll 240 moved || fail "the on-demand agents did not reach spot: $(dsql "SELECT a.logical_agent_id, c.status, c.error FROM commands c JOIN agents a ON a.id=c.agent_id WHERE a.client_id='$cid' AND c.type='switch'" | tr '\n' '|'); agent logs: $(tail -q -n 3 "$D"/run/sim-agents/*.log 2>/dev/null | tr '\n' '|')"
[ "$(dsql "SELECT COUNT(*) FROM switches s JOIN agents a ON a.id = s.agent_id WHERE a.client_id='$cid' AND s.status='completed' AND s.old_mode='ondemand' AND s.new_mode='spot'")" = 2 ] ||
  fail "no completed on-demand -> spot switches rows: $(dsql "SELECT status, old_mode, new_mode FROM switches s WHERE client_id='$cid'" | tr '\n' '|')"
[ "$(dsql "SELECT COUNT(*) FROM ml_decisions d JOIN agents a ON a.id=d.agent_id WHERE a.client_id='$cid' AND d.executed AND (d.reason IS NULL OR d.reason = '' OR d.inputs IS NULL)")" = 0 ] ||
  fail "an executed decision without its reason or inputs"
note "auto-switch: both on-demand agents on spot $(( $(date +%s) - ${t_first%.*} )) s after the first decision"

"$SRC/spot" status --dir "$D" > "$IT_TMP/status" || true
grep -q '^demo .*5/5' "$IT_TMP/status" || fail "status does not show the fleet: $(cat "$IT_TMP/status")"

# A second up: same client, nothing more launched (the switched agents' old instances are zombies
# still running until their terminate wait ends: 5 logical ids, the same instances as before).
simport=$(sed -n "s/^SPOT_SIM_PORT='\(.*\)'\$/\1/p" "$D/sim.env")
instances() { curl -sf --max-time 10 "http://127.0.0.1:$simport/_sim/instances"; }
live_ids() { instances | jq -r '[.[] | select(.state == "pending" or .state == "running") | .id] | sort | join(",")'; }
before=$(live_ids) || fail "sim instances"
out=$("$SRC/spot" up --dir "$D" 2>&1) || fail "second up failed: $(tail -n 20 <<<"$out")"
{ [ "$(val SPOT_DEMO_CLIENT_ID)" = "$cid" ] && [ "$(val SPOT_DEMO_CLIENT_TOKEN)" = "$ctok" ]; } || fail "second up changed the demo client"
[ "$(dsql "SELECT COUNT(*) FROM clients WHERE email='demo@spot.local'")" = 1 ] || fail "second up made another demo client"
after=$(live_ids) || fail "sim instances"
[ "$after" = "$before" ] || fail "the second up changed the instances: $before -> $after"
[ "$(dsql "SELECT COUNT(DISTINCT logical_agent_id) FROM agents WHERE client_id='$cid'")" = 5 ] || fail "more than 5 logical agents"

# down stops the stack's processes, their children and the agents.
pids=()
for f in "$D"/run/*.pid; do
  [ -s "$f" ] || continue
  pid=$(cat "$f")
  pids+=("$pid")
  mapfile -t kids < <(ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' ' || true)
  pids+=("${kids[@]}")
done
mapfile -t agents < <(instances | jq -r '.[] | .agent_pid // empty')
[ "${#agents[@]}" -ge 5 ] || fail "spot-sim lists ${#agents[@]} agent pids"
for p in "${agents[@]}"; do
  { [ -d "/proc/$p" ] && tr '\0' ' ' < "/proc/$p/cmdline" | grep -q spot-agent; } || fail "agent pid $p is not a running spot-agent"
done
pids+=("${agents[@]}")
"$SRC/spot" down --dir "$D" >/dev/null 2>&1 || fail "down failed"
left=()
for p in "${pids[@]}"; do
  if [ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; then
    left+=("$p:$(tr '\0' ' ' < "/proc/$p/cmdline")")
  fi
done
[ ${#left[@]} -eq 0 ] || fail "still running after down: ${left[*]}"
note "down stopped ${#pids[@]} processes, ${#agents[@]} agents among them"
it_ok
