# jobs.sh - the job executables as loops beside the worker pool (sourced by ./spot).
# Every jobs/job_NAME.c builds spot-NAME; each runs under DIR with its pid in
# run/job-NAME.pid and its log in log/job-NAME.log, as the stack's user.

# The job names, from the sources (job_replica_coordinator.c -> replica-coordinator).
jobs_names() {
  local f n
  for f in "$SRC"/jobs/job_*.c; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .c)
    n=${n#job_}
    echo "${n//_/-}"
  done
}

# jobs_args NAME: a job's own arguments, as JOB_ARGS. spot-decide runs every
# SPOT_DECIDE_INTERVAL seconds when that is set (default 300); spot-risk-analysis
# loads the Spot Advisor buckets from SPOT_ADVISOR_FILE, by default the shared copy.
jobs_args() {
  local adv=${SPOT_ADVISOR_FILE:-$SRC/../shared/testdata/spot-advisor/spot-advisor-data.json}
  JOB_ARGS=()
  case $1 in
    decide) [ -n "${SPOT_DECIDE_INTERVAL:-}" ] && JOB_ARGS=(--interval "$SPOT_DECIDE_INTERVAL") ;;
    risk-analysis) [ -r "$adv" ] && JOB_ARGS=(--advisor "$(readlink -f "$adv")") ;;
  esac
  return 0
}

stack_jobs_up() {
  local n pidf ids=() JOB_ARGS=()
  [ "$(id -u)" -eq 0 ] && [ "$RUN_USER" != root ] && ids=(setpriv --reuid="$RUN_USER" --regid="$RUN_GROUP" --init-groups --)
  for n in $(jobs_names); do
    pidf=$DIR/run/job-$n.pid
    [ -x "$BUILD_DIR/spot-$n" ] || { say "warning: $BUILD_DIR/spot-$n is not built; not started"; continue; }
    if pid_alive "$pidf" "spot-$n"; then
      continue
    fi
    touch "$DIR/log/job-$n.log"
    chown "$RUN_USER:$RUN_GROUP" "$DIR/log/job-$n.log" 2>/dev/null || true
    daemon_env
    jobs_args "$n"
    setsid "${DAEMON_ENV[@]}" "${ids[@]}" "$BUILD_DIR/spot-$n" --config "$ENV_FILE" "${JOB_ARGS[@]}" </dev/null >>"$DIR/log/job-$n.log" 2>&1 &
    echo $! > "$pidf"
    say "started spot-$n (pid $!)"
  done
}

stack_jobs_down() {
  local f n
  for f in "$DIR"/run/job-*.pid; do
    [ -e "$f" ] || continue
    n=$(basename "$f" .pid)
    stop_pid "$f" "spot-${n#job-}" 30
  done
}

stack_jobs_status() {
  local n
  for n in $(jobs_names); do
    status_line "$DIR/run/job-$n.pid" "spot-$n" "$n" "log $DIR/log/job-$n.log"
  done
}
