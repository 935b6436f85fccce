# test_agent_signals.sh - spot-agent's SIGHUP and SIGTERM against the real stack and spot-sim.
# The agent (run by the test, config in a file it rewrites) registers and reports prices; then:
#   1. SIGHUP with a bad file: one log line saying why, the old config keeps working;
#   2. SIGHUP with SPOT_PRICING_SECONDS 60 -> 2: reports come every 2 s;
#   3. SIGHUP with a token the server refuses: it registers again with it and is refused; SIGHUP
#      with the right token: registered again;
#   4. SIGHUP with SPOT_URL on a closed port: reports are spooled;
#   5. SIGHUP with SPOT_URL on a listener that accepts and never answers: once a request hangs
#      there, SIGTERM ends the agent within 2 s (exit 0), the spool still on disk;
#   6. restarted with the good config, every spooled report arrives exactly once;
#   7. SIGTERM while a switch command waits for its image (60 s in the simulator) still ends the
#      agent within 2 s, and the switch's step file stays for the next start.
. "$(dirname "$0")/harness.sh"
it_env
. "$(dirname "$0")/agent_lib.sh"

sim_start
sim_launch
new_client
logical=$(rand_name sig)
CONF=$IT_TMP/agent.conf LOG=$IT_TMP/agent.log SPOOL=$IT_TMP/spool/$INSTANCE_ID
write_conf() { # URL TOKEN PRICING_SECONDS
  cat > "$CONF.new" <<UD
SPOT_URL=$1
SPOT_CLIENT_TOKEN=$2
SPOT_CA_FILE=$SPOT_CA_FILE
SPOT_LOGICAL_ID=$logical
SPOT_HEARTBEAT_SECONDS=60
SPOT_PRICING_SECONDS=$3
SPOT_COMMAND_POLL_SECONDS=2
SPOT_SPOOL_DIR=$IT_TMP/spool
UD
  mv "$CONF.new" "$CONF"
}
agent_fail() { fail "$1; agent log: $(tail -n 20 "$LOG" 2>/dev/null | tr '\n' '|')"; }
# term_agent WHAT: SIGTERM to the agent, which must exit with status 0 within 2 s (the unit's
# stop deadline has ample room over that); WHAT names the moment in the messages.
term_agent() {
  local t0 t1 rc=0 ms
  t0=$(date +%s%N)
  kill -TERM "$AGENT_PID"
  poll 5 exited "$AGENT_PID" || agent_fail "still running 5 s after SIGTERM $1"
  t1=$(date +%s%N)
  wait "$AGENT_PID" || rc=$?
  AGENT_PID=""
  ms=$(( (t1 - t0) / 1000000 ))
  note "exited ${ms} ms after SIGTERM $1 (status $rc)"
  [ "$ms" -lt 2000 ] || agent_fail "SIGTERM $1 took ${ms} ms (limit 2000)"
  [ "$rc" = 0 ] || agent_fail "exit status $rc after SIGTERM $1"
}
hup() { kill -HUP "$AGENT_PID"; }
lines() { grep -c -- "$1" "$LOG" || true; }
alive() { ! exited "$AGENT_PID"; }

write_conf "$SPOT_URL" "$CLIENT_TOKEN" 60
agent_start "$CONF" "$LOG"
registered() { [ -n "$(sql "SELECT id FROM agents WHERE client_id='$CLIENT_ID' AND logical_agent_id='$logical'")" ]; }
poll 30 registered || agent_fail "the agent never registered"
agent=$(sql "SELECT id FROM agents WHERE client_id='$CLIENT_ID' AND logical_agent_id='$logical'")
reports() { sql "SELECT COUNT(*) FROM pricing_reports WHERE agent_id='$agent'"; }
at_least() { [ "$(reports)" -ge "$1" ]; }
poll 30 at_least 1 || agent_fail "no pricing report"

# 1. A bad file keeps the running config, with one line saying why.
write_conf "ftp://127.0.0.1/" "$CLIENT_TOKEN" 2
hup
poll 10 bash -c "grep -q 'reload of .* failed' '$LOG'" || agent_fail "no log line for the bad reload"
[ "$(lines 'reload of .* failed, keeping the running config: config: SPOT_URL is not')" = 1 ] \
  || agent_fail "expected one line naming SPOT_URL for the bad reload"
alive || agent_fail "the agent died on a bad reload"
before=$(reports)
sleep 4
[ "$(reports)" = "$before" ] || agent_fail "the 2 s interval of the rejected file took effect"

# 2. Intervals: pricing every 2 s instead of 60 s.
write_conf "$SPOT_URL" "$CLIENT_TOKEN" 2
hup
poll 10 bash -c "grep -q 'reloaded .*: intervals changed' '$LOG'" || agent_fail "no reload line for the intervals"
poll 15 at_least $((before + 3)) || agent_fail "pricing did not speed up to 2 s (reports $(reports), before $before)"

# 3. Token: a refused token is used at once (it registers again and is refused); the right one works again.
regs=$(lines 'agent_register: agent ')
write_conf "$SPOT_URL" "not-a-client-token-$(openssl rand -hex 8)" 2
hup
poll 15 bash -c "grep -q 'agent_register: the server refused the client token' '$LOG'" \
  || agent_fail "a new client token did not make the agent register with it"
alive || agent_fail "the agent died on a refused token after a reload"
write_conf "$SPOT_URL" "$CLIENT_TOKEN" 2
hup
poll 15 bash -c "[ \$(grep -c 'agent_register: agent ' '$LOG') -gt $regs ]" || agent_fail "no registration with the right token again"
n=$(reports)
poll 15 at_least $((n + 1)) || agent_fail "no pricing report after the token came back"
[ "$(sql "SELECT COUNT(*) FROM agents WHERE client_id='$CLIENT_ID' AND logical_agent_id='$logical'")" = 1 ] \
  || agent_fail "registering again made a second agent"

# 4. Server URL: a closed port; reports are spooled.
closed=$(free_port)
write_conf "https://127.0.0.1:$closed" "$CLIENT_TOKEN" 2
hup
spooled() { [ "$(find "$SPOOL" -name '*.rep' | wc -l)" -ge "$1" ]; }
poll 20 spooled 3 || agent_fail "no reports spooled with the server on a closed port"
grep -q "server_call: .*127.0.0.1:$closed\|spooled (server unavailable)" "$LOG" || agent_fail "no log line for the unreachable server"

# 5. A server that accepts and never answers: SIGTERM while a request hangs there.
hole=$(free_port)
/usr/bin/python3 - "$hole" "$IT_TMP/hole.accepted" <<'PY' &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16)
held = []
while True:
    c, _ = s.accept(); held.append(c)
    open(sys.argv[2], "a").write("accepted\n")
PY
AL_PIDS+=($!)
poll 10 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$hole) 2>/dev/null" || fail "the black-hole listener did not start"
rm -f "$IT_TMP/hole.accepted"
write_conf "http://127.0.0.1:$hole" "$CLIENT_TOKEN" 2
hup
poll 15 test -s "$IT_TMP/hole.accepted" || agent_fail "the agent never called the new server URL"
sleep 0.5   # the request is now waiting for an answer that never comes (15 s timeout)
n_before=$(find "$SPOOL" -name '*.rep' | wc -l)
term_agent "with a request in flight"
grep -q 'main: stopping on signal' "$LOG" || agent_fail "no stopping line"
grep -q "main: [0-9]* reports ([0-9]* bytes) wait in $SPOOL for the next start" "$LOG" || agent_fail "no line for the spooled reports at exit"
n_after=$(find "$SPOOL" -name '*.rep' | wc -l)
[ "$n_after" -ge "$n_before" ] || agent_fail "spool shrank on SIGTERM ($n_before -> $n_after)"
mapfile -t rids < <(for f in "$SPOOL"/*.rep; do sed -n 3p "$f"; done)
note "${#rids[@]} reports spooled"

# 6. Restarted with the good config: every spooled report arrives, exactly once.
write_conf "$SPOT_URL" "$CLIENT_TOKEN" 2
agent_start "$CONF" "$LOG"
drained() { [ "$(find "$SPOOL" -name '*.rep' | wc -l)" = 0 ]; }
poll 30 drained || agent_fail "the spool did not drain after the restart"
for r in "${rids[@]}"; do
  [ "$(sql "SELECT COUNT(*) FROM pricing_reports WHERE agent_id='$agent' AND request_id='$r'")" = 1 ] \
    || agent_fail "spooled report $r did not arrive exactly once"
done

# 7. SIGTERM in the middle of a command.
http POST "/api/client/agents/$agent/switch" -H "Authorization: Bearer $CLIENT_TOKEN" -H 'Content-Type: application/json' \
  -d '{"target_pool_id":"m5.large.us-east-1b","target_mode":"spot"}'
expect_status 202 "switch request"
cid=$(jq -r .command_id <<<"$BODY")
poll 30 test -f "$SPOOL/exec-job.json" || agent_fail "the switch $cid never started"
poll 15 bash -c "grep -q 'ImageId\\|image' '$SPOOL/exec-job.json'" || agent_fail "no image step in $(cat "$SPOOL/exec-job.json")"
sleep 1
term_agent "during switch $cid"
[ -f "$SPOOL/exec-job.json" ] || agent_fail "the switch's step file is gone"
it_ok
