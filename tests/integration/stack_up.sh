# stack_up.sh - ctest fixture: a private stack for the integration tests.
set -euo pipefail
SRC=${SPOT_SOURCE_DIR:?}
DIR=${SPOT_IT_DIR:?}
# A leftover from an interrupted run is stopped first, by its recorded pids.
[ -d "$DIR" ] && "$SRC/spot" down --dir "$DIR" >/dev/null 2>&1 || true
rm -rf "$DIR"
port=$(bash -c '. "$1/scripts/lib.sh"; free_port' _ "$SRC") || { echo "no free port" >&2; exit 1; }
# Rates high enough for the concurrency tests; test_nginx lowers them for its own check.
# spot-decide runs its pass at start and then daily: tests drive it with --once --now, and a
# background pass every 5 min could queue a switch for an auto-switch agent another test made.
SPOT_NGINX_AGENT_RATE=2000 SPOT_NGINX_AGENT_BURST=4000 SPOT_DECIDE_INTERVAL=86400 \
  "$SRC/spot" up --dir "$DIR" --port "$port" --workers 4 --no-demo
