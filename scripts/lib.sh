# lib.sh - small helpers shared by the launcher's scripts (sourced).

say() { printf 'spot: %s\n' "$*" >&2; }
die() { printf 'spot: error: %s\n' "$*" >&2; exit 1; }

# pid_alive PIDFILE NAME: true when the pid in PIDFILE runs a command whose
# name contains NAME (guards against a recycled pid). Zombies do not count.
pid_alive() {
  local f=$1 name=$2 pid state
  [ -s "$f" ] || return 1
  pid=$(cat "$f" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/stat" ] || return 1
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
  [ "$state" = Z ] && return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name"
}

# children_of PID: the live (non-zombie) child pids of PID.
children_of() {
  { ps -o pid=,stat= --ppid "$1" 2>/dev/null || true; } | awk '$2 !~ /^Z/ {print $1}'
}

# stop_pid PIDFILE NAME TIMEOUT: SIGTERM, wait, then SIGKILL; also waits for
# the children the process had when asked to stop.
stop_pid() {
  local f=$1 name=$2 timeout=${3:-20} pid kids i
  pid_alive "$f" "$name" || { rm -f "$f"; return 0; }
  pid=$(cat "$f")
  kids=$(children_of "$pid" | tr '\n' ' ')
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    pid_alive "$f" "$name" || break
    sleep 0.1
  done
  if pid_alive "$f" "$name"; then
    say "$name (pid $pid) did not stop in ${timeout}s; killing"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  for k in $kids; do
    for ((i = 0; i < 50; i++)); do
      [ -d "/proc/$k" ] && [ "$(awk '{print $3}' "/proc/$k/stat" 2>/dev/null)" != Z ] || break
      sleep 0.1
    done
    [ -d "/proc/$k" ] && [ "$(awk '{print $3}' "/proc/$k/stat" 2>/dev/null)" != Z ] && kill -KILL "$k" 2>/dev/null
  done
  rm -f "$f"
}

# port_in_use PORT: something listens on 127.0.0.1:PORT.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port: a loopback port nothing listens on, from a random start.
free_port() {
  # Below the kernel's ephemeral range: a port in it can be the local end of any outgoing
  # connection (curl, wrk, clients of the stack), and a server that binds it later fails
  # with "address in use" (mariadbd then never becomes ready).
  local p i low span
  low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  span=$((low - 20000))
  [ "$span" -ge 1000 ] || span=1000
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % span))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "no free loopback port found"
}

# rand_hex BYTES
rand_hex() { openssl rand -hex "$1"; }

# env_get FILE KEY: the value of KEY='value' in FILE (single-quoted as we write them).
env_get() {
  [ -f "$1" ] || return 0
  sed -n "s/^$2='\\(.*\\)'\$/\\1/p" "$1" | tail -n 1 | sed "s/'\\\\''/'/g"
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND every 0.1 s.
wait_for() {
  local what=$1 secs=$2 i
  shift 2
  for ((i = 0; i < secs * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# daemon_env: an `env` command line that clears every SPOT_* and AWS_* variable
# of the caller. Daemons read their settings from DIR/spot.env (--config), and
# the environment wins over that file: a shell with another stack's spot.env
# exported must not leak into this stack's processes.
daemon_env() {
  local v
  DAEMON_ENV=(env)
  for v in $(compgen -e); do
    case $v in SPOT_*|AWS_*) DAEMON_ENV+=(-u "$v") ;; esac
  done
}
