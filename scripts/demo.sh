# demo.sh - the demo fleet behind `./spot up` (sourced by ./spot; left out with --no-demo).
#
#   stack_demo_up      after the stack and spot-sim are up (spot-sim then runs the real spot-agent
#                      as its instance program, see sim.sh): a demo client, made once through the
#                      admin API and kept in DIR/demo.env (appended to DIR/spot.env as
#                      SPOT_DEMO_CLIENT_ID and SPOT_DEMO_CLIENT_TOKEN), and DEMO_FLEET_SIZE spot
#                      instances launched with the AWS CLI through spot-sim's EC2 API, one per
#                      logical id demo-1..demo-N that has no pending or running instance; each
#                      one's user data is its agent's config.
#                      demo-1..3 run on spot, demo-4 and demo-5 on demand; every agent launched
#                      by this up gets auto-switch turned on once it has registered (waiting at
#                      most DEMO_REGISTER_WAIT s), so spot-decide moves the on-demand ones to spot
#                      by itself. An agent an operator changed later is left alone by later ups.
#   stack_demo_status  one status line
# `./spot down` needs nothing here: stopping spot-sim kills its agent processes.

DEMO_FLEET_SIZE=5
DEMO_SPOT_COUNT=3          # demo-1..3 on spot, the rest on demand
DEMO_REGISTER_WAIT=60      # seconds up waits for new demo agents to register (auto-switch)
DEMO_EMAIL=demo@spot.local

# demo_api METHOD PATH TOKEN [BODY]: prints the body, then the status code on its own last line.
demo_api() {
  local args=(-s --max-time 20 --cacert "$DIR/tls/cert.pem" -X "$1" -H "Authorization: Bearer $3" -w '\n%{http_code}')
  [ -z "${4:-}" ] || args+=(-H 'Content-Type: application/json' --data-binary "$4")
  curl "${args[@]}" "https://127.0.0.1:$PORT$2" || printf '\n000'
}

# demo_json KEY: the string KEY of the JSON object on stdin (python3 comes with awscli).
demo_json() {
  python3 -c 'import json, sys; v = json.load(sys.stdin).get(sys.argv[1]); print(v if isinstance(v, str) else "")' "$1" 2>/dev/null
}

# demo_client: sets DEMO_ID and DEMO_TOKEN: the saved ones while the token still works, else a
# new client (or, when the demo email exists already, a new token for that client).
demo_client() {
  local conf=$DIR/demo.env out code body
  DEMO_ID=$(env_get "$conf" SPOT_DEMO_CLIENT_ID)
  DEMO_TOKEN=$(env_get "$conf" SPOT_DEMO_CLIENT_TOKEN)
  if [ -n "$DEMO_ID" ] && [ -n "$DEMO_TOKEN" ]; then
    code=$(demo_api GET "/api/client/$DEMO_ID/agents" "$DEMO_TOKEN" | tail -n 1)
    [ "$code" = 200 ] && return 0
    say "the saved demo client token is refused ($code); making a new one"
  fi
  out=$(demo_api POST /api/admin/clients "$ADMIN_TOKEN" \
    "{\"name\":\"Demo fleet\",\"email\":\"$DEMO_EMAIL\",\"max_agents\":20}")
  code=$(tail -n 1 <<<"$out") body=$(sed '$d' <<<"$out")
  if [ "$code" = 409 ]; then
    out=$(demo_api GET /api/admin/clients "$ADMIN_TOKEN")
    DEMO_ID=$(sed '$d' <<<"$out" | python3 -c 'import json, sys
print(next((c["id"] for c in json.load(sys.stdin)["clients"] if c.get("email") == sys.argv[1]), ""))' "$DEMO_EMAIL" 2>/dev/null)
    [ -n "$DEMO_ID" ] || { say "warning: cannot find the demo client"; return 1; }
    out=$(demo_api POST "/api/admin/clients/$DEMO_ID/tokens" "$ADMIN_TOKEN" '{}')
    code=$(tail -n 1 <<<"$out") body=$(sed '$d' <<<"$out")
  fi
  [ "$code" = 201 ] || { say "warning: the admin API did not make the demo client ($code): $body"; return 1; }
  code=$(demo_json id <<<"$body")
  [ -z "$code" ] || DEMO_ID=$code   # a new client's id; a new token's answer has none
  DEMO_TOKEN=$(demo_json client_token <<<"$body")
  if [ -z "$DEMO_ID" ] || [ -z "$DEMO_TOKEN" ]; then
    say "warning: unexpected answer for the demo client: $body"
    return 1
  fi
  ( umask 077
    { echo "# Written by ./spot up: the demo fleet's client."
      echo "SPOT_DEMO_CLIENT_ID='$DEMO_ID'"
      echo "SPOT_DEMO_CLIENT_TOKEN='$DEMO_TOKEN'"
    } > "$conf.tmp" && mv -f "$conf.tmp" "$conf" )
  say "created the demo client $DEMO_ID"
}

# demo_aws ARGS...: the AWS CLI against spot-sim, with its keys and nothing from ~/.aws.
demo_aws() {
  AWS_ACCESS_KEY_ID=$(env_get "$DIR/sim.env" SPOT_SIM_ACCESS_KEY_ID) \
  AWS_SECRET_ACCESS_KEY=$(env_get "$DIR/sim.env" SPOT_SIM_SECRET_ACCESS_KEY) \
  AWS_SESSION_TOKEN='' AWS_DEFAULT_REGION=$(env_get "$DIR/sim.env" SPOT_SIM_REGION) AWS_MAX_ATTEMPTS=2 AWS_PAGER='' \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    /usr/bin/aws --endpoint-url "http://127.0.0.1:$(env_get "$DIR/sim.env" SPOT_SIM_PORT)/" ec2 "$@"
}

# demo_running: the logical ids (tag spot-demo) of the pending and running demo instances.
demo_running() {
  demo_aws describe-instances --filters Name=tag-key,Values=spot-demo \
    Name=instance-state-name,Values=pending,running \
    --query "Reservations[].Instances[].Tags[?Key=='spot-demo'].Value[]" --output text
}

stack_demo_up() {
  if [ ! -x "$BUILD_DIR/spot-agent" ] || ! pid_alive "$DIR/run/sim.pid" spot-sim; then
    say "warning: no spot-agent or spot-sim; the demo fleet is not started"
    return 0
  fi
  [ -x /usr/bin/aws ] || { say "warning: /usr/bin/aws is missing; the demo fleet is not started"; return 0; }
  demo_client || { say "warning: the demo fleet is not started"; return 0; }
  { echo "SPOT_DEMO_CLIENT_ID='$DEMO_ID'"; echo "SPOT_DEMO_CLIENT_TOKEN='$DEMO_TOKEN'"; } >> "$ENV_FILE"
  local running i n=0 ud=$DIR/run/demo-user-data market launched=()
  running=" $(demo_running | tr -s '\t\n' '  ') " || { say "warning: spot-sim's EC2 API does not answer; no demo fleet"; return 0; }
  for ((i = 1; i <= DEMO_FLEET_SIZE; i++)); do
    [[ "$running" == *" demo-$i "* ]] && continue
    ( umask 077
      { echo "SPOT_URL=https://127.0.0.1:$PORT"
        echo "SPOT_CLIENT_TOKEN=$DEMO_TOKEN"
        echo "SPOT_CA_FILE=$DIR/tls/cert.pem"
        echo "SPOT_LOGICAL_ID=demo-$i"
      } > "$ud" )
    market=()
    [ "$i" -gt "$DEMO_SPOT_COUNT" ] || market=(--instance-market-options MarketType=spot)
    if demo_aws run-instances --image-id ami-0a1b2c3d4e5f60001 --instance-type t3.medium --count 1 \
        "${market[@]}" --iam-instance-profile Name=spot-demo \
        --tag-specifications "ResourceType=instance,Tags=[{Key=spot-demo,Value=demo-$i}]" \
        --user-data "file://$ud" --query 'Instances[0].InstanceId' --output text >>"$DIR/log/demo.log" 2>&1; then
      n=$((n + 1))
      launched+=("demo-$i")
    else
      say "warning: run-instances for demo-$i failed; see $DIR/log/demo.log"
    fi
  done
  rm -f "$ud"
  if [ $n -gt 0 ]; then
    say "launched $n demo instance(s) in spot-sim; their agents report to client $DEMO_ID within a minute"
    demo_autoswitch "${launched[@]}"
  else
    say "the demo fleet already runs ($DEMO_FLEET_SIZE instances, client $DEMO_ID)"
  fi
}

# demo_autoswitch LOGICAL_ID...: turns auto-switch on for these demo agents once they have
# registered (through the client API, as an operator would), waiting at most DEMO_REGISTER_WAIT s.
demo_autoswitch() {
  local want=" $* " left=$# deadline=$((SECONDS + DEMO_REGISTER_WAIT)) out code rows id lid ver on
  while [ "$left" -gt 0 ] && [ $SECONDS -lt $deadline ]; do
    sleep 2
    out=$(demo_api GET "/api/client/$DEMO_ID/agents?limit=100" "$DEMO_TOKEN")
    [ "$(tail -n 1 <<<"$out")" = 200 ] || continue
    rows=$(sed '$d' <<<"$out" | python3 -c 'import json, sys
for a in json.load(sys.stdin)["agents"]:
    print(a["id"], a["logical_agent_id"], a["version"], int(bool(a["auto_switch_enabled"])))' 2>/dev/null) || continue
    while read -r id lid ver on; do
      [ -n "$id" ] && [[ "$want" == *" $lid "* ]] || continue
      if [ "$on" = 0 ]; then
        code=$(demo_api POST "/api/client/agents/$id/config" "$DEMO_TOKEN" \
          "{\"version\":$ver,\"auto_switch_enabled\":true}" | tail -n 1)
        [ "$code" = 200 ] || continue
      fi
      want=${want/ $lid / }
      left=$((left - 1))
    done <<<"$rows"
  done
  if [ "$left" -gt 0 ]; then
    say "warning: auto-switch not turned on for$want(not registered within ${DEMO_REGISTER_WAIT} s)"
  else
    say "auto-switch is on for the new demo agents: spot-decide moves demo-$((DEMO_SPOT_COUNT + 1))..demo-$DEMO_FLEET_SIZE from on-demand to spot"
  fi
}

stack_demo_status() {
  local id n
  id=$(env_get "$DIR/demo.env" SPOT_DEMO_CLIENT_ID)
  [ -n "$id" ] || return 0
  # Logical ids, not instances: a switched agent's old instance runs on as a zombie for a while.
  if pid_alive "$DIR/run/sim.pid" spot-sim && [ -x /usr/bin/aws ] &&
    n=$(demo_running 2>/dev/null | tr -s '\t ' '\n\n' | sed '/^$/d' | sort -u | wc -l); then
    printf '%-10s %-8s %s\n' demo "$n/$DEMO_FLEET_SIZE" "instances running for client $id"
  else
    printf '%-10s stopped\n' demo
  fi
}
