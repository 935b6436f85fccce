# deps.sh - installs what is missing, from Debian's packages only (sourced by ./spot).
# Idempotent and non-interactive. Never starts system services.

# Packages needed to build and run the server.
SPOT_PKGS_RUN=(gcc make cmake pkg-config libc6-dev
  libfcgi-dev spawn-fcgi multiwatch
  mariadb-server-core mariadb-client-core libmariadb-dev
  libjson-c-dev libssl-dev openssl libcurl4-openssl-dev libmicrohttpd-dev libxml2-dev libargon2-dev
  check curl ca-certificates procps passwd awscli)
# Extra packages for the test suite.
SPOT_PKGS_TEST=(jq chromium nodejs
  systemd dpkg-dev python3-botocore)  # systemd-analyze verify, dpkg-shlibdeps for cpack, SigV4 vs botocore
# Extra packages for benchmarks.
SPOT_PKGS_BENCH=(wrk)

deps_missing() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  # Any nginx with ssl and http2 will do; nginx-light is the smallest that has both.
  if ! command -v nginx >/dev/null 2>&1 && [ -z "${SPOT_DEPS_NO_NGINX:-}" ]; then
    missing+=(nginx-light)
  fi
  printf '%s\n' "${missing[@]}"
}

deps_install() {
  local missing
  mapfile -t missing < <(deps_missing "$@" | sed '/^$/d')
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "missing packages (${missing[*]}) and not root; install them or run as root"
    sudo=(sudo)
  fi
  # Keep package scripts from starting system services (nginx on :80) while we install.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    made_policy=1
  fi
  local rc=0
  # A machine with empty package lists needs an update first; try without one, quietly.
  if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -q >/dev/null || true
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
  fi
  [ $made_policy -eq 1 ] && "${sudo[@]}" rm -f "$policy"
  [ $rc -eq 0 ] || die "apt-get install failed for: ${missing[*]}"
}
