# sim.sh - spot-sim, the local EC2 + IMDS + spot market, under DIR (sourced by ./spot).
#
#   stack_sim_up       start it (by pid, like the other services) unless it runs; append its
#                      settings to DIR/spot.env: SPOT_SIM_EC2_URL, SPOT_SIM_CONTROL_URL,
#                      SPOT_SIM_REGION, SPOT_SIM_ACCESS_KEY_ID, SPOT_SIM_SECRET_ACCESS_KEY
#   stack_sim_down     stop it (SIGTERM: it kills and reaps its agent processes)
#   stack_sim_status   one status line
# DIR/sim.env keeps its port and keys across ups (spot.env is rewritten by each up);
# DIR/log/sim.log is its log, DIR/run/sim-agents/ the agents' config files and logs.
# Its instance program (SPOT_SIM_AGENT_CMD): the real spot-agent whenever it is built (with or
# without --no-demo), else spot-sim's stand-in; a running spot-sim with the other program is
# restarted. An instance whose user data is no agent config sees its agent exit at once (code 78).

stack_sim_up() {
  [ -x "$BUILD_DIR/spot-sim" ] || { say "warning: $BUILD_DIR/spot-sim is missing; the simulator is not started"; return 0; }
  local conf=$DIR/sim.env port key secret region agent_cmd old_cmd seed scale
  port=$(env_get "$conf" SPOT_SIM_PORT)
  old_cmd=$(env_get "$conf" SPOT_SIM_AGENT_CMD)
  agent_cmd=$old_cmd
  if [ -x "$BUILD_DIR/spot-agent" ]; then agent_cmd=$BUILD_DIR/spot-agent; fi
  if [ "$agent_cmd" != "$old_cmd" ] && pid_alive "$DIR/run/sim.pid" spot-sim; then
    say "restarting spot-sim: its instances now run ${agent_cmd:-the stand-in agent}"
    stop_pid "$DIR/run/sim.pid" spot-sim 20
  fi
  key=$(env_get "$conf" SPOT_SIM_ACCESS_KEY_ID)
  secret=$(env_get "$conf" SPOT_SIM_SECRET_ACCESS_KEY)
  region=$(env_get "$conf" SPOT_SIM_REGION)
  # A seed of its own per DIR (kept across ups): instance ids then differ from other simulators' (seed 1).
  seed=$(env_get "$conf" SPOT_SIM_SEED)
  [ -n "$seed" ] || seed=$(( (RANDOM << 15 | RANDOM) + 2 ))
  scale=${SPOT_SIM_SCALE:-$(env_get "$conf" SPOT_SIM_SCALE)}
  if [ -z "$port" ] || { ! pid_alive "$DIR/run/sim.pid" spot-sim && port_in_use "$port"; }; then port=$(free_port); fi
  [ -n "$key" ] || key=AKIA$(openssl rand -hex 8 | tr 'a-f' 'A-F')
  [ -n "$secret" ] || secret=$(rand_hex 20)
  region=${SPOT_SIM_REGION:-${region:-us-east-1}}
  mkdir -p "$DIR/run/sim-agents" "$DIR/log"
  (
    umask 077
    {
      echo "# Written by ./spot up: spot-sim's settings (spot-sim --config)."
      echo "SPOT_SIM_PORT='$port'"
      echo "SPOT_SIM_LISTEN='127.0.0.1:$port'"
      echo "SPOT_SIM_REGION='$region'"
      echo "SPOT_SIM_ACCESS_KEY_ID='$key'"
      echo "SPOT_SIM_SECRET_ACCESS_KEY='$secret'"
      echo "SPOT_SIM_AGENT_DIR='$DIR/run/sim-agents'"
      echo "SPOT_SIM_SEED='$seed'"
      # A faster simulated clock (images, boots, notices), e.g. SPOT_SIM_SCALE=10 ./spot up; kept by later ups.
      [ -z "$scale" ] || echo "SPOT_SIM_SCALE='$scale'"
      [ -z "$agent_cmd" ] || echo "SPOT_SIM_AGENT_CMD='$agent_cmd'"
    } > "$conf.tmp" && mv -f "$conf.tmp" "$conf"
  )
  {
    echo "SPOT_SIM_EC2_URL='http://127.0.0.1:$port/'"
    echo "SPOT_SIM_CONTROL_URL='http://127.0.0.1:$port/_sim/'"
    echo "SPOT_SIM_REGION='$region'"
    echo "SPOT_SIM_ACCESS_KEY_ID='$key'"
    echo "SPOT_SIM_SECRET_ACCESS_KEY='$secret'"
  } >> "$ENV_FILE"
  if pid_alive "$DIR/run/sim.pid" spot-sim; then
    say "spot-sim already runs (pid $(cat "$DIR/run/sim.pid"))"
    return 0
  fi
  # The agents inherit spot-sim's environment, and SPOT_*/AWS_* there would override their user data.
  setsid env -u SPOT_URL -u SPOT_CLIENT_TOKEN -u SPOT_TOKEN -u SPOT_LOGICAL_ID -u SPOT_CA_FILE -u SPOT_SPOOL_DIR \
    -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_DEFAULT_REGION \
    "$BUILD_DIR/spot-sim" --config "$conf" </dev/null >>"$DIR/log/sim.log" 2>&1 &
  echo $! > "$DIR/run/sim.pid"
  wait_for "spot-sim" 20 curl -sf --max-time 2 "http://127.0.0.1:$port/_sim/clock" \
    || die "spot-sim did not start; see $DIR/log/sim.log"
  say "started spot-sim (pid $(cat "$DIR/run/sim.pid")) on http://127.0.0.1:$port/"
}

stack_sim_down() {
  stop_pid "$DIR/run/sim.pid" spot-sim 20
}

stack_sim_status() {
  local port
  port=$(env_get "$DIR/sim.env" SPOT_SIM_PORT)
  if pid_alive "$DIR/run/sim.pid" spot-sim; then
    printf '%-10s running  pid %-8s %s\n' spot-sim "$(cat "$DIR/run/sim.pid")" "http://127.0.0.1:$port/"
  else
    printf '%-10s stopped\n' spot-sim
  fi
}
