# stack.sh - `./spot up`, `down` and `status`: a private stack under DIR (sourced by ./spot).
#
# DIR layout:
#   spot.env          settings (KEY='value'), also read by every executable through --config
#   mysql/            MariaDB data directory       mysql.cnf     its configuration
#   run/              our pid files, nginx's temp paths
#   run/db/           mariadbd's socket              run/pool/     the FastCGI socket and metrics file
#   tls/              self-signed certificate for 127.0.0.1 and localhost
#   nginx/nginx.conf  rendered from nginx/nginx.conf.in
#   log/              mariadb.log, pool.log (workers), nginx-error.log, nginx-access.log

SPOT_RUN_USER_NAME=spotopt

stack_parse_args() {
  DIR=$SRC/var PORT= NO_DEMO=0 WORKERS=
  while [ $# -gt 0 ]; do
    case $1 in
      --dir) DIR=${2:?--dir needs a directory}; shift 2 ;;
      --port) PORT=${2:?--port needs a number}; shift 2 ;;
      --workers) WORKERS=${2:?--workers needs a number}; shift 2 ;;
      --no-demo) NO_DEMO=1; shift ;;
      *) die "unknown option: $1" ;;
    esac
  done
  if [ -n "$PORT" ] && ! [[ "$PORT" =~ ^[0-9]+$ && "$PORT" -ge 1 && "$PORT" -le 65535 ]]; then
    die "--port: expected a TCP port number, got '$PORT'"
  fi
  if [ -n "$WORKERS" ] && ! [[ "$WORKERS" =~ ^[0-9]+$ && "$WORKERS" -ge 1 && "$WORKERS" -le 64 ]]; then
    die "--workers: expected 1 to 64, got '$WORKERS'"
  fi
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)
  ENV_FILE=$DIR/spot.env
}

# The unprivileged user the workers and mariadbd run as, when we are root and
# that user can reach the build; otherwise whoever runs us.
stack_choose_users() {
  RUN_USER=$(id -un) RUN_GROUP=$(id -gn) NGINX_USER_LINE="# not root: nginx workers run as $(id -un)"
  SOCK_GROUP=$(id -gn)
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id -u "$SPOT_RUN_USER_NAME" >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      "$SPOT_RUN_USER_NAME" || die "could not create the user $SPOT_RUN_USER_NAME"
  fi
  if runuser -u "$SPOT_RUN_USER_NAME" -- test -x "$BUILD_DIR/spot-fcgi" -a -x "$DIR" 2>/dev/null; then
    RUN_USER=$SPOT_RUN_USER_NAME RUN_GROUP=$SPOT_RUN_USER_NAME
  else
    say "warning: $SPOT_RUN_USER_NAME cannot reach $BUILD_DIR or $DIR; mariadbd and the workers run as root"
  fi
  if runuser -u www-data -- test -r "$SRC/nginx/fastcgi_spot.conf" 2>/dev/null; then
    NGINX_USER_LINE="user www-data www-data;" SOCK_GROUP=www-data
  else
    NGINX_USER_LINE="user root root;" SOCK_GROUP=root
    say "warning: www-data cannot read $SRC; nginx workers run as root"
  fi
}

stack_write_env() {
  local tmp=$ENV_FILE.tmp
  umask 077
  {
    echo "# Written by ./spot up; read by every spot executable through --config."
    echo "SPOT_URL='https://127.0.0.1:$PORT'"
    echo "SPOT_ADMIN_TOKEN='$ADMIN_TOKEN'"
    echo "SPOT_ADMIN_EMAIL='$ADMIN_EMAIL'"
    echo "SPOT_ADMIN_PASSWORD='$ADMIN_PASSWORD'"
    echo "SPOT_DB_HOST='127.0.0.1'"
    echo "SPOT_DB_PORT='$DB_PORT'"
    echo "SPOT_DB_SOCKET='$DIR/run/db/mysqld.sock'"
    echo "SPOT_DB_NAME='spot'"
    echo "SPOT_DB_USER='spot'"
    echo "SPOT_DB_PASSWORD='$DB_PASSWORD'"
    echo "SPOT_CA_FILE='$DIR/tls/cert.pem'"
    echo "SPOT_DIR='$DIR'"
    echo "SPOT_PORT='$PORT'"
    echo "SPOT_WORKERS='$WORKERS'"
    echo "SPOT_METRICS_FILE='$DIR/run/pool/metrics'"
    echo "SPOT_HB_MEMO_FILE='$(stack_memo_file)'"
    echo "SPOT_NGINX_AGENT_RATE='$SPOT_NGINX_AGENT_RATE'"
    [ -z "${SPOT_DECIDE_INTERVAL:-}" ] || echo "SPOT_DECIDE_INTERVAL='$SPOT_DECIDE_INTERVAL'"
    echo "SPOT_NGINX_AGENT_BURST='$SPOT_NGINX_AGENT_BURST'"
    echo "SPOT_NGINX_LOGIN_RATE='$SPOT_NGINX_LOGIN_RATE'"
    echo "SPOT_NGINX_LOGIN_BURST='$SPOT_NGINX_LOGIN_BURST'"
  } > "$tmp"
  umask 022
  chgrp "$RUN_GROUP" "$tmp" 2>/dev/null || true
  chmod 640 "$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

stack_mariadb() {
  local db=$DIR/run/db sockarg
  mkdir -p "$DIR/mysql" "$db" "$DIR/log"
  touch "$DIR/log/mariadb.log"
  chown "$RUN_USER:$RUN_GROUP" "$db" "$DIR/mysql" "$DIR/log/mariadb.log" 2>/dev/null || true
  cat > "$DIR/mysql.cnf" <<CNF
# Written by ./spot up.
[mariadbd]
datadir=$DIR/mysql
socket=$db/mysqld.sock
pid-file=$db/mysqld.pid
port=$DB_PORT
bind-address=127.0.0.1
skip-name-resolve
log-error=$DIR/log/mariadb.log
# Durable: every commit reaches the disk (NOTES.md: fsync is cheap here).
innodb_flush_log_at_trx_commit=1
innodb_buffer_pool_size=256M
max_connections=300
character-set-server=utf8mb4
collation-server=utf8mb4_unicode_ci
default-time-zone='+00:00'
CNF
  if [ ! -d "$DIR/mysql/mysql" ]; then
    say "creating the MariaDB data directory in $DIR/mysql"
    mariadb-install-db --defaults-file="$DIR/mysql.cnf" --user="$RUN_USER" --datadir="$DIR/mysql" \
      --auth-root-authentication-method=socket --auth-root-socket-user="$(id -un)" --skip-test-db --force > "$DIR/log/mariadb-install.log" 2>&1 \
      || die "mariadb-install-db failed; see $DIR/log/mariadb-install.log"
  fi
  if pid_alive "$DIR/run/mariadbd.pid" mariadbd; then
    say "mariadbd already runs (pid $(cat "$DIR/run/mariadbd.pid"))"
  else
    port_in_use "$DB_PORT" && die "database port $DB_PORT is taken by another program"
    setsid mariadbd --defaults-file="$DIR/mysql.cnf" --user="$RUN_USER" </dev/null >>"$DIR/log/mariadb.log" 2>&1 &
    echo $! > "$DIR/run/mariadbd.pid"
    say "started mariadbd (pid $!) on 127.0.0.1:$DB_PORT"
  fi
  sockarg=(--socket="$db/mysqld.sock" -u "$(id -un)")
  wait_for mariadb 120 mariadb "${sockarg[@]}" -e "SELECT 1" \
    || die "mariadbd did not become ready; see $DIR/log/mariadb.log"
  # The application's database and user, by socket and by TCP (name resolution is off).
  mariadb "${sockarg[@]}" <<SQL || die "could not create the database and its user"
CREATE DATABASE IF NOT EXISTS spot CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'spot'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER IF NOT EXISTS 'spot'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER 'spot'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER 'spot'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON spot.* TO 'spot'@'localhost';
GRANT ALL PRIVILEGES ON spot.* TO 'spot'@'127.0.0.1';
SQL
}

stack_tls() {
  mkdir -p "$DIR/tls"
  [ -s "$DIR/tls/cert.pem" ] && [ -s "$DIR/tls/key.pem" ] && return 0
  say "creating a self-signed certificate for 127.0.0.1 and localhost"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
    -subj "/CN=localhost/O=Spot Optimizer local" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$DIR/tls/key.pem" -out "$DIR/tls/cert.pem" >/dev/null 2>&1 \
    || die "openssl could not create the certificate"
  chmod 600 "$DIR/tls/key.pem"
}

# The workers' shared heartbeat memo (core/agents.c, common/shmcache.c): in
# memory (/dev/shm), so its pages are never written back to disk; one per stack.
stack_memo_file() {
  echo "/dev/shm/spot-hbmemo-$(printf '%s' "$DIR" | sha256sum | cut -c1-16)"
}

stack_pool() {
  local pool=$DIR/run/pool
  mkdir -p "$pool"
  chown "$RUN_USER:$RUN_GROUP" "$pool" 2>/dev/null || true
  chmod 755 "$pool"
  if pid_alive "$DIR/run/pool.pid" multiwatch; then
    say "worker pool already runs (pid $(cat "$DIR/run/pool.pid"))"
    return 0
  fi
  rm -f "$pool/fcgi.sock" "$pool/metrics"
  # Created here so that the workers, whatever user they run as, share one file.
  install -m 600 -o "$RUN_USER" -g "$RUN_GROUP" /dev/null "$pool/metrics" 2>/dev/null || : > "$pool/metrics"
  local memo; memo=$(stack_memo_file)
  rm -f "$memo"
  install -m 600 -o "$RUN_USER" -g "$RUN_GROUP" /dev/null "$memo" 2>/dev/null || : > "$memo"
  local ids=()
  [ "$(id -u)" -eq 0 ] && ids=(-u "$RUN_USER" -g "$RUN_GROUP" -U "$RUN_USER" -G "$SOCK_GROUP")
  # spawn-fcgi binds the socket and execs multiwatch (-n: no fork, so $! is the
  # supervisor), which forks WORKERS workers and respawns any that die.
  daemon_env
  setsid "${DAEMON_ENV[@]}" spawn-fcgi -n -s "$pool/fcgi.sock" -M 0660 "${ids[@]}" -- \
    /usr/bin/multiwatch -f "$WORKERS" -- "$BUILD_DIR/spot-fcgi" --config "$ENV_FILE" \
    </dev/null >>"$DIR/log/pool.log" 2>&1 &
  echo $! > "$DIR/run/pool.pid"
  wait_for "the FastCGI socket" 20 test -S "$pool/fcgi.sock" || die "the worker pool did not start; see $DIR/log/pool.log"
  say "started the worker pool: $WORKERS workers under multiwatch (pid $(cat "$DIR/run/pool.pid"))"
}

stack_render_nginx() {
  local out=$1
  sed -e "s|@USER_LINE@|$NGINX_USER_LINE|" \
      -e "s|@NGINX_WORKERS@|${SPOT_NGINX_WORKERS:-2}|" \
      -e "s|@RUN@|$DIR/run|g" -e "s|@LOG@|$DIR/log|g" -e "s|@TLS@|$DIR/tls|g" \
      -e "s|@SRC@|$SRC|g" -e "s|@PORT@|$PORT|g" -e "s|@SOCKET@|$DIR/run/pool/fcgi.sock|g" \
      -e "s|@BODY_MAX@|1m|g" \
      -e "s|@AGENT_RATE@|$SPOT_NGINX_AGENT_RATE|g" -e "s|@AGENT_BURST@|$SPOT_NGINX_AGENT_BURST|g" \
      -e "s|@LOGIN_RATE@|$SPOT_NGINX_LOGIN_RATE|g" -e "s|@LOGIN_BURST@|$SPOT_NGINX_LOGIN_BURST|g" \
      "$SRC/nginx/nginx.conf.in" > "$out"
}

stack_nginx() {
  mkdir -p "$DIR/nginx"
  stack_render_nginx "$DIR/nginx/nginx.conf.new"
  nginx -t -q -p "$DIR/nginx" -e "$DIR/log/nginx-error.log" -c "$DIR/nginx/nginx.conf.new" 2>>"$DIR/log/nginx-error.log" \
    || die "the rendered nginx config is invalid; see $DIR/log/nginx-error.log"
  mv -f "$DIR/nginx/nginx.conf.new" "$DIR/nginx/nginx.conf"
  if pid_alive "$DIR/run/nginx.master.pid" nginx; then
    kill -HUP "$(cat "$DIR/run/nginx.master.pid")"
    say "nginx already runs (pid $(cat "$DIR/run/nginx.master.pid")); configuration reloaded"
    return 0
  fi
  port_in_use "$PORT" && die "port $PORT is taken by another program; choose one with --port"
  setsid nginx -p "$DIR/nginx" -e "$DIR/log/nginx-error.log" -c "$DIR/nginx/nginx.conf" \
    </dev/null >>"$DIR/log/nginx-error.log" 2>&1 &
  echo $! > "$DIR/run/nginx.master.pid"
  say "started nginx (pid $!) on https://127.0.0.1:$PORT"
}

# The first admin login (dashboard), idempotent: spot-user leaves an existing login alone.
# The password goes through a private file, never the command line.
stack_admin_login() {
  local pw=$DIR/run/admin-password.tmp
  ( umask 077; printf '%s\n' "$ADMIN_PASSWORD" > "$pw" )
  daemon_env
  if ! "${DAEMON_ENV[@]}" "$BUILD_DIR/spot-user" --config "$ENV_FILE" create --email "$ADMIN_EMAIL" --role admin \
      --password-file "$pw" >>"$DIR/log/migrate.log" 2>&1; then
    rm -f "$pw"
    die "could not create the admin login; see $DIR/log/migrate.log"
  fi
  rm -f "$pw"
}

stack_health() {
  curl -sf --max-time 3 --cacert "$DIR/tls/cert.pem" "https://127.0.0.1:$PORT/health" >/dev/null
}

spot_up() {
  stack_parse_args "$@"
  deps_install "${SPOT_PKGS_RUN[@]}"
  spot_build "$BUILD_DIR"
  mkdir -p "$DIR/run" "$DIR/log"
  stack_choose_users
  # Keep what a previous `up` in DIR chose: ports, passwords, tokens.
  local old_port
  old_port=$(env_get "$ENV_FILE" SPOT_PORT)
  if [ -z "$PORT" ]; then PORT=${old_port:-8443}; fi
  if [ -n "$old_port" ] && [ "$old_port" != "$PORT" ] && pid_alive "$DIR/run/nginx.master.pid" nginx; then
    die "$DIR already runs on port $old_port; run ./spot down --dir $DIR first to change the port"
  fi
  # Rate limits: the environment, else what the last up in DIR used, else the defaults.
  local k d
  for k in AGENT_RATE:100 AGENT_BURST:200 LOGIN_RATE:20 LOGIN_BURST:10; do
    d=${k#*:} k=SPOT_NGINX_${k%%:*}
    [ -n "${!k:-}" ] || printf -v "$k" '%s' "$(env_get "$ENV_FILE" "$k")"
    [ -n "${!k:-}" ] || printf -v "$k" '%s' "$d"
    [[ "${!k}" =~ ^[0-9]+$ ]] || die "$k must be a whole number"
  done
  # spot-decide's interval: the environment, else what the last up in DIR used (unset: the job's default).
  SPOT_DECIDE_INTERVAL=${SPOT_DECIDE_INTERVAL:-$(env_get "$ENV_FILE" SPOT_DECIDE_INTERVAL)}
  [ -z "$SPOT_DECIDE_INTERVAL" ] || [[ "$SPOT_DECIDE_INTERVAL" =~ ^[1-9][0-9]*$ ]] \
    || die "SPOT_DECIDE_INTERVAL must be a whole number of seconds, got '$SPOT_DECIDE_INTERVAL'"
  WORKERS=${WORKERS:-$(env_get "$ENV_FILE" SPOT_WORKERS)}
  # Six single-threaded workers per core: each spends most of a request waiting on
  # MariaDB, so fewer leave the cores idle (bench/RESULTS.md, heartbeat).
  WORKERS=${WORKERS:-$(( $(nproc) * 6 > 64 ? 64 : $(nproc) * 6 ))}
  DB_PORT=$(env_get "$ENV_FILE" SPOT_DB_PORT)
  [ -n "$DB_PORT" ] || DB_PORT=$(free_port)
  DB_PASSWORD=$(env_get "$ENV_FILE" SPOT_DB_PASSWORD)
  [ -n "$DB_PASSWORD" ] || DB_PASSWORD=$(rand_hex 24)
  ADMIN_TOKEN=$(env_get "$ENV_FILE" SPOT_ADMIN_TOKEN)
  local new_token=0
  [ -n "$ADMIN_TOKEN" ] || { ADMIN_TOKEN=$(rand_hex 32); new_token=1; }
  ADMIN_EMAIL=$(env_get "$ENV_FILE" SPOT_ADMIN_EMAIL)
  ADMIN_EMAIL=${ADMIN_EMAIL:-admin@spot.local}
  ADMIN_PASSWORD=$(env_get "$ENV_FILE" SPOT_ADMIN_PASSWORD)
  [ -n "$ADMIN_PASSWORD" ] || ADMIN_PASSWORD=$(rand_hex 12)
  stack_write_env
  stack_mariadb
  daemon_env
  "${DAEMON_ENV[@]}" "$BUILD_DIR/spot-migrate" --config "$ENV_FILE" --wait 60 2>>"$DIR/log/migrate.log" \
    || { tail -n 5 "$DIR/log/migrate.log" >&2; die "migrations failed; see $DIR/log/migrate.log"; }
  stack_admin_login
  stack_tls
  stack_pool
  stack_jobs_up
  stack_nginx
  wait_for "/health" 30 stack_health || die "https://127.0.0.1:$PORT/health does not answer; see $DIR/log/"
  stack_sim_up
  [ "$NO_DEMO" = 1 ] || stack_demo_up
  [ $new_token -eq 1 ] && say "created an admin token (first start)"
  cat <<MSG

Spot Optimizer is up.
  URL:          https://127.0.0.1:$PORT
  Admin token:  $ADMIN_TOKEN
  Admin login:  $ADMIN_EMAIL  password $ADMIN_PASSWORD   (https://127.0.0.1:$PORT/login)
  Settings:     $ENV_FILE   (set -a; . $ENV_FILE; set +a)
  CA file:      $DIR/tls/cert.pem   (curl --cacert $DIR/tls/cert.pem https://127.0.0.1:$PORT/health)
  Logs:         $DIR/log/
  Stop:         ./spot down --dir $DIR
MSG
}

spot_down() {
  stack_parse_args "$@"
  stack_sim_down
  stop_pid "$DIR/run/nginx.master.pid" nginx 20
  stack_jobs_down
  stop_pid "$DIR/run/pool.pid" multiwatch 20
  rm -f "$(stack_memo_file)"
  stop_pid "$DIR/run/mariadbd.pid" mariadbd 120
  say "stopped everything ./spot up started in $DIR (data kept)"
}

spot_status() {
  stack_parse_args "$@"
  local port db_port rc=0
  port=$(env_get "$ENV_FILE" SPOT_PORT)
  db_port=$(env_get "$ENV_FILE" SPOT_DB_PORT)
  PORT=$port
  status_line() {
    if pid_alive "$1" "$2"; then
      printf '%-10s running  pid %-8s %s\n' "$3" "$(cat "$1")" "$4"
    else
      printf '%-10s stopped\n' "$3"; rc=1
    fi
  }
  [ -f "$ENV_FILE" ] || { echo "nothing set up in $DIR"; return 1; }
  status_line "$DIR/run/mariadbd.pid" mariadbd mariadb "127.0.0.1:$db_port, socket $DIR/run/db/mysqld.sock"
  local workers=""
  if pid_alive "$DIR/run/pool.pid" multiwatch; then
    workers="$(children_of "$(cat "$DIR/run/pool.pid")" | wc -l) workers, socket $DIR/run/pool/fcgi.sock"
  fi
  status_line "$DIR/run/pool.pid" multiwatch pool "$workers"
  status_line "$DIR/run/nginx.master.pid" nginx nginx "https://127.0.0.1:$port"
  stack_jobs_status
  stack_sim_status
  stack_demo_status
  if [ -n "$port" ] && stack_health; then
    echo "health     ok       https://127.0.0.1:$port/health answers 200"
  else
    echo "health     failing  https://127.0.0.1:$port/health does not answer 200"; rc=1
  fi
  return $rc
}
