# stack_down.sh - ctest fixture cleanup: `./spot down`, then proof that nothing of ours still runs.
set -euo pipefail
SRC=${SPOT_SOURCE_DIR:?}
DIR=${SPOT_IT_DIR:?}
pids=()
# Every recorded pid and its children (nginx workers, FastCGI workers).
for f in "$DIR"/run/*.pid; do
  [ -s "$f" ] || continue
  pid=$(cat "$f")
  pids+=("$pid")
  mapfile -t kids < <(ps -o pid= --ppid "$pid" 2>/dev/null | tr -d ' ' || true)
  pids+=("${kids[@]}")
done
"$SRC/spot" down --dir "$DIR"
left=()
for p in "${pids[@]}"; do
  if [ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; then
    left+=("$p:$(tr '\0' ' ' < "/proc/$p/cmdline")")
  fi
done
if [ ${#left[@]} -gt 0 ]; then
  echo "FAIL: still running after ./spot down: ${left[*]}" >&2
  exit 1
fi
echo "ok: ./spot down stopped ${#pids[@]} processes (nginx, the pool and its workers, mariadbd)"
