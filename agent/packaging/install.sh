#!/bin/sh
# install.sh - sets spot-agent up on an instance: the system user, the config file, the spool
# directory, the binary and the systemd unit, then enables and starts the service.
# Idempotent: a second run changes nothing; an existing config is never overwritten.
#
#   install.sh [--destdir DIR] [--prefix /usr] [--config FILE] [--user spot-agent]
#              [--spool-dir /var/lib/spot-agent/spool] [--binary PATH] [--unit PATH]
#              [--packaged] [--no-systemctl] [--dry-run]
#
#   --destdir DIR   install under DIR instead of / (tests, image builds). The user is created
#                   with useradd --root DIR when DIR/etc/passwd exists; systemctl is not run.
#   --prefix P      where the binary goes (P/bin/spot-agent); default /usr
#   --config FILE   the settings to install as /etc/spot-agent/spot-agent.conf when there is
#                   none yet (default: the example; its placeholder token must be replaced)
#   --user NAME     the unprivileged user the service runs as; default spot-agent
#   --spool-dir D   where unsent reports wait; default /var/lib/spot-agent/spool
#   --binary PATH   the spot-agent to install (default: next to this script, ../spot-agent, or
#                   the one already at P/bin/spot-agent)
#   --unit PATH     the unit template (default: spot-agent.service next to this script)
#   --packaged      the .deb's postinst: binary and unit are the package's; only the user,
#                   config and spool are made (and the unit is not written to /etc)
#   --no-systemctl  do not run systemctl daemon-reload/enable/start
#   --dry-run       print what would be done, do nothing
# Exit status: 0 done (or nothing to do), 1 failure, 2 bad usage.
set -eu

DESTDIR="" PREFIX=/usr CONFIG_SRC="" USER_NAME=spot-agent SPOOL=/var/lib/spot-agent/spool
BINARY="" UNIT_SRC="" PACKAGED=0 SYSTEMCTL=1 DRY=0
HERE=$(cd "$(dirname "$0")" && pwd)

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "install.sh: $*" >&2; exit 1; }
while [ $# -gt 0 ]; do
	case $1 in
	--destdir) DESTDIR=${2:?--destdir needs a directory}; shift 2 ;;
	--prefix) PREFIX=${2:?--prefix needs a path}; shift 2 ;;
	--config) CONFIG_SRC=${2:?--config needs a file}; shift 2 ;;
	--user) USER_NAME=${2:?--user needs a name}; shift 2 ;;
	--spool-dir) SPOOL=${2:?--spool-dir needs a path}; shift 2 ;;
	--binary) BINARY=${2:?--binary needs a path}; shift 2 ;;
	--unit) UNIT_SRC=${2:?--unit needs a path}; shift 2 ;;
	--packaged) PACKAGED=1; shift ;;
	--no-systemctl) SYSTEMCTL=0; shift ;;
	--dry-run) DRY=1; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "install.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
case $PREFIX in /*) ;; *) echo "install.sh: --prefix must be absolute" >&2; exit 2 ;; esac
case $SPOOL in /*) ;; *) echo "install.sh: --spool-dir must be absolute" >&2; exit 2 ;; esac
echo "$USER_NAME" | grep -Eq '^[a-z_][a-z0-9_-]{0,31}$' || { echo "install.sh: --user: not a user name" >&2; exit 2; }
if [ -n "$DESTDIR" ]; then
	DESTDIR=$(cd "$DESTDIR" 2>/dev/null && pwd) || die "--destdir $DESTDIR does not exist"
	SYSTEMCTL=0
fi

CONF_DIR=/etc/spot-agent CONF=/etc/spot-agent/spot-agent.conf UNIT=/etc/systemd/system/spot-agent.service
BIN=$PREFIX/bin/spot-agent
STATE_DIR=$(dirname "$SPOOL")
CHANGED=0

# run CMD...: does it (or prints it with --dry-run); counts a change.
run() {
	CHANGED=$((CHANGED + 1))
	if [ "$DRY" = 1 ]; then
		echo "would: $*"
	else
		echo "+ $*"
		"$@"
	fi
}

# ---- the user ----
user_line() { grep "^$USER_NAME:" "$DESTDIR/etc/passwd" 2>/dev/null || true; }
if [ -z "$(user_line)" ]; then
	if [ -n "$DESTDIR" ] && [ ! -f "$DESTDIR/etc/passwd" ]; then
		echo "install.sh: no $DESTDIR/etc/passwd: user $USER_NAME not created"
	else
		command -v useradd >/dev/null 2>&1 || die "useradd is missing (package passwd)"
		set -- --system --user-group --no-create-home --home-dir "$STATE_DIR" --shell /usr/sbin/nologin \
			--comment "Spot Optimizer agent"
		[ -z "$DESTDIR" ] || set -- --root "$DESTDIR" "$@"
		run useradd "$@" "$USER_NAME"
	fi
fi
# uid:gid from the (DESTDIR's) passwd file, for chown without the host's name service.
OWNER=""
if [ "$DRY" = 0 ] && [ -n "$(user_line)" ]; then
	OWNER=$(user_line | awk -F: '{print $3 ":" $4}')
fi
GROUP_ID=${OWNER#*:}

# ---- directories ----
# ensure_dir PATH MODE [OWNER]
ensure_dir() {
	d=$DESTDIR$1
	if [ ! -d "$d" ]; then
		run install -d -m "$2" "$d"
	elif [ "$(stat -c %a "$d")" != "$(echo "$2" | sed 's/^0//')" ]; then
		run chmod "$2" "$d"
	fi
	if [ -n "${3:-}" ] && [ "$DRY" = 0 ] && [ "$(stat -c %u:%g "$d")" != "$3" ]; then
		run chown "$3" "$d"
	fi
}
ensure_dir "$CONF_DIR" 0750 "${OWNER:+0:$GROUP_ID}"
ensure_dir "$STATE_DIR" 0700 "$OWNER"
ensure_dir "$SPOOL" 0700 "$OWNER"

# ---- the config: never overwritten ----
if [ ! -e "$DESTDIR$CONF" ]; then
	src=$CONFIG_SRC
	# next to this script (source tree), then where the package puts it
	for c in "$HERE/spot-agent.conf.example" "$HERE/../doc/spot-agent/spot-agent.conf.example" \
		"$DESTDIR/usr/share/doc/spot-agent/spot-agent.conf.example"; do
		[ -n "$src" ] || [ ! -f "$c" ] || src=$c
	done
	[ -n "$src" ] && [ -f "$src" ] || die "no config to install (--config FILE)"
	run install -m 0640 "$src" "$DESTDIR$CONF"
	[ -z "$OWNER" ] || [ "$DRY" = 1 ] || run chown "0:$GROUP_ID" "$DESTDIR$CONF"
fi

# install_file SRC DST MODE: copies when missing or different.
install_file() {
	if [ ! -f "$2" ] || ! cmp -s "$1" "$2"; then
		run install -D -m "$3" "$1" "$2"
	fi
}

if [ "$PACKAGED" = 0 ]; then
	# ---- the binary ----
	if [ -z "$BINARY" ]; then
		for b in "$HERE/spot-agent" "$HERE/../spot-agent"; do
			[ -n "$BINARY" ] || [ ! -x "$b" ] || BINARY=$b
		done
	fi
	if [ -n "$BINARY" ]; then
		[ -x "$BINARY" ] || die "--binary $BINARY is not executable"
		"$BINARY" --version >/dev/null 2>&1 || die "$BINARY --version failed"
		install_file "$BINARY" "$DESTDIR$BIN" 0755
	elif [ ! -x "$DESTDIR$BIN" ]; then
		die "no spot-agent binary (--binary PATH)"
	fi

	# ---- the unit, with this install's paths and user ----
	[ -n "$UNIT_SRC" ] || UNIT_SRC=$HERE/spot-agent.service
	[ -f "$UNIT_SRC" ] || die "no unit template $UNIT_SRC (--unit PATH)"
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	sed -e "s#^ExecStart=/usr/bin/spot-agent #ExecStart=$BIN #" \
		-e "s#^User=.*#User=$USER_NAME#" -e "s#^Group=.*#Group=$USER_NAME#" \
		-e "s#^Environment=SPOT_SPOOL_DIR=.*#Environment=SPOT_SPOOL_DIR=$SPOOL#" \
		-e "s#^ReadWritePaths=.*#ReadWritePaths=$STATE_DIR#" \
		-e "s#^StateDirectory=.*#StateDirectory=$(echo "$STATE_DIR" | sed 's#^/var/lib/##')#" \
		"$UNIT_SRC" > "$tmp"
	case $STATE_DIR in /var/lib/*) ;; *) sed -i -e '/^StateDirectory/d' "$tmp" ;; esac
	install_file "$tmp" "$DESTDIR$UNIT" 0644
fi

# ---- systemd ----
if [ "$SYSTEMCTL" = 1 ] && [ -d /run/systemd/system ]; then
	run systemctl daemon-reload
	systemctl is-enabled --quiet spot-agent.service 2>/dev/null || run systemctl enable spot-agent.service
	if grep -q '^SPOT_CLIENT_TOKEN=replace-with' "$CONF" 2>/dev/null; then
		echo "install.sh: edit $CONF (SPOT_URL, SPOT_CLIENT_TOKEN), then: systemctl start spot-agent"
	else
		systemctl is-active --quiet spot-agent.service 2>/dev/null || run systemctl start spot-agent.service
	fi
elif [ "$SYSTEMCTL" = 1 ]; then
	echo "install.sh: systemd is not running here; enable spot-agent.service yourself"
fi

if [ "$CHANGED" = 0 ]; then
	echo "install.sh: nothing to do (already installed)"
elif [ "$DRY" = 1 ]; then
	echo "install.sh: dry run, $CHANGED change(s) not made"
else
	echo "install.sh: $CHANGED change(s) made"
fi
