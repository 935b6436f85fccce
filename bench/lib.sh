# shellcheck shell=bash
# lib.sh - what the job and page benchmarks share (sourced after scripts/lib.sh): a
# private stack of their own in $BDIR on $PORT, stopped on exit, and dbq.
#
#   bench_stack_up [JOB]
# starts `./spot up --dir $BDIR --port $PORT --no-demo` (its output in $BDIR/log/bench.log),
# stops it again on exit and then removes $BDIR unless KEEP=1. With JOB (e.g. decide), the
# stack's own loop of spot-JOB is stopped, so that the benchmark drives that job's ticks
# alone. Then spot.env is loaded into the environment.
#   dbq SQL
# one query on the stack's database as the invoking user, tab-separated, no headers.

bench_stack_cleanup() {
  "$SRC/spot" down --dir "$BDIR" >/dev/null 2>&1 || true
  [ "${KEEP:-0}" = 1 ] || rm -rf "$BDIR"
}

bench_stop_job() {
  local pidf=$BDIR/run/job-$1.pid
  [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null || return 0
  kill -TERM "$(cat "$pidf")"
  for _ in $(seq 1 100); do kill -0 "$(cat "$pidf")" 2>/dev/null || break; sleep 0.2; done
  ! kill -0 "$(cat "$pidf")" 2>/dev/null || die "the stack's $1 loop did not stop"
}

bench_stack_up() {
  mkdir -p "$BDIR/log"
  trap bench_stack_cleanup EXIT
  say "bench: stack in $BDIR on port $PORT"
  "$SRC/spot" up --dir "$BDIR" --port "$PORT" --no-demo >>"$BDIR/log/bench.log" 2>&1 \
    || { tail -n 20 "$BDIR/log/bench.log" >&2; die "./spot up failed"; }
  [ -z "${1:-}" ] || bench_stop_job "$1"
  set -a
  # shellcheck disable=SC1091
  . "$BDIR/spot.env"
  set +a
}

dbq() { mariadb --socket="$SPOT_DB_SOCKET" -u "$(id -un)" -N -B spot -e "$1"; }
