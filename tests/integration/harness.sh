# harness.sh - what every integration test sources (tests/integration/*.sh).
#
# The stack is brought up once per ctest run by stack_up.sh (a ctest fixture)
# in $SPOT_IT_DIR through `./spot up --dir`, and stopped by stack_down.sh, also
# when tests fail. A test sources this file, then calls it_env and uses:
#   http METHOD PATH [curl args...]   sets STATUS, BODY and HEADERS (a file)
#   expect_status CODE                expect_json JQ_EXPR VALUE
#   expect_header NAME [REGEX]        fail MESSAGE         it_ok
# Helpers that change the stack (stopping mariadbd, killing workers) restore
# it with `./spot up --dir`, which starts only what is missing.
set -euo pipefail

SRC=${SPOT_SOURCE_DIR:?SPOT_SOURCE_DIR is set by ctest}
IT_DIR=${SPOT_IT_DIR:?SPOT_IT_DIR is set by ctest}
IT_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
IT_TMP=$(mktemp -d "/tmp/spot-it-$IT_NAME.XXXXXX")
trap 'rm -rf "$IT_TMP"' EXIT

fail() { printf 'FAIL %s: %s\n' "$IT_NAME" "$*" >&2; [ -n "${BODY:-}" ] && printf '  last body: %.600s\n' "$BODY" >&2; exit 1; }
note() { printf '  %s: %s\n' "$IT_NAME" "$*"; }
it_ok() { printf 'ok %s\n' "$IT_NAME"; }

# A loopback port nothing listens on, below the ephemeral range (scripts/lib.sh free_port).
it_free_port() {
  bash -c '. "$1/scripts/lib.sh"; free_port' _ "$SRC" || fail "no free loopback port"
}

it_env() {
  [ -f "$IT_DIR/spot.env" ] || fail "no stack in $IT_DIR (did the it_stack_up fixture run?)"
  set -a
  # shellcheck disable=SC1091
  . "$IT_DIR/spot.env"
  set +a
  CURL=(curl -s --max-time 20 --cacert "$SPOT_CA_FILE")
  AUTH_ADMIN=(-H "Authorization: Bearer $SPOT_ADMIN_TOKEN")
}

# http METHOD PATH [curl args...]
http() {
  local method=$1 path=$2
  shift 2
  HEADERS=$IT_TMP/headers
  STATUS=$("${CURL[@]}" -X "$method" -D "$HEADERS" -o "$IT_TMP/body" -w '%{http_code}' "$@" "$SPOT_URL$path") || STATUS=000
  BODY=$(cat "$IT_TMP/body" 2>/dev/null || true)
}

expect_status() {
  [ "$STATUS" = "$1" ] || fail "expected HTTP $1, got $STATUS${2:+ ($2)}"
}

# expect_json '.error.code' validation_failed
expect_json() {
  local got
  got=$(printf '%s' "$BODY" | jq -r "$1" 2>/dev/null) || fail "body is not JSON (wanted $1 = $2)"
  [ "$got" = "$2" ] || fail "expected $1 = '$2', got '$got'"
}

# expect_error STATUS CODE [FIELD]: the JSON error shape of DESIGN.md section 5.
expect_error() {
  expect_status "$1"
  expect_json '.error.code' "$2"
  printf '%s' "$BODY" | jq -e '.error.message | type == "string" and length > 0' >/dev/null \
    || fail "error without a message"
  [ $# -lt 3 ] || expect_json '.error.field' "$3"
  grep -qi '^content-type: application/json' "$HEADERS" || fail "error is not application/json"
}

expect_header() {
  local line
  line=$(grep -i "^$1:" "$HEADERS" | tr -d '\r' | head -n 1) || fail "missing header $1"
  [ $# -lt 2 ] || [[ "${line#*: }" =~ $2 ]] || fail "header $1 is '${line#*: }', expected /$2/"
}

# Process helpers: pids recorded by ./spot up.
pool_pid() { cat "$IT_DIR/run/pool.pid"; }
worker_pids() { ps -o pid=,stat= --ppid "$(pool_pid)" 2>/dev/null | awk '$2 !~ /^Z/ {print $1}' | sort -n; }
mariadbd_pid() { cat "$IT_DIR/run/mariadbd.pid"; }

# Root access to the stack's MariaDB, by its socket.
db_root() { mariadb --socket="$SPOT_DB_SOCKET" -u "$(id -un)" "$@"; }

# Brings back anything a test stopped (./spot up starts only what is missing).
restore_stack() { "$SRC/spot" up --dir "$IT_DIR" --no-demo >/dev/null 2>&1 || "$SRC/spot" up --dir "$IT_DIR" --no-demo; }

# poll SECONDS COMMAND...: retries COMMAND every 0.2 s until it succeeds.
poll() {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 5; i++)); do
    "$@" && return 0
    sleep 0.2
  done
  return 1
}

# ---- fleet helpers for the agent protocol tests ----

# rand_instance_id: a fresh EC2-shaped id (i- and 17 hex digits).
rand_instance_id() { printf 'i-%s' "$(openssl rand -hex 9 | cut -c1-17)"; }
rand_name() { printf '%s-%s' "$1" "$(openssl rand -hex 4)"; }

# new_client [MAX_AGENTS]: an admin-created client; sets CLIENT_ID and CLIENT_TOKEN.
new_client() {
  local max=${1:-50} name
  name=$(rand_name it-client)
  http POST /api/admin/clients "${AUTH_ADMIN[@]}" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$name\",\"email\":\"$name@example.test\",\"max_agents\":$max}"
  expect_status 201 "creating a client"
  CLIENT_ID=$(jq -r .id <<<"$BODY")
  CLIENT_TOKEN=$(jq -r .client_token <<<"$BODY")
}

# register_agent CLIENT_TOKEN LOGICAL_ID INSTANCE_ID [TYPE] [AZ] [MODE]: sets AGENT_ID, AGENT_TOKEN, ROLE (and STATUS, BODY).
register_agent() {
  local type=${4:-t3.medium} az=${5:-us-east-1a} mode=${6:-spot}
  http POST /api/agents/register -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    -d "{\"logical_agent_id\":\"$2\",\"hostname\":\"$2\",\"instance_id\":\"$3\",\"instance_type\":\"$type\",\"region\":\"${az%?}\",\"az\":\"$az\",\"mode\":\"$mode\",\"agent_version\":\"it\"}"
  case $STATUS in 200|201) ;; *) fail "register $2/$3 answered $STATUS" ;; esac
  AGENT_ID=$(jq -r .agent_id <<<"$BODY")
  AGENT_TOKEN=$(jq -r .agent_token <<<"$BODY")
  ROLE=$(jq -r .role <<<"$BODY")
}

# agent_call METHOD PATH [curl args]: http with the current AGENT_TOKEN and JSON content type.
agent_call() {
  local m=$1 p=$2
  shift 2
  http "$m" "$p" -H "Authorization: Bearer $AGENT_TOKEN" -H 'Content-Type: application/json' "$@"
}

# heartbeat INSTANCE_ID [STATUS]: with the current AGENT_ID/AGENT_TOKEN.
heartbeat() {
  agent_call POST "/api/agents/$AGENT_ID/heartbeat" -d "{\"instance_id\":\"$1\",\"status\":\"${2:-running}\",\"uptime_seconds\":60}"
}

# sql QUERY: one query on the stack's database, tab-separated, no headers.
sql() { db_root -N -B -e "$1" spot; }
