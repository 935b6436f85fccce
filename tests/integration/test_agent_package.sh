# test_agent_package.sh - the agent's packaging (issue 5 part 6), without touching the system:
#   1. cpack builds spot-agent_<version>_<arch>.deb holding the agent alone (binary, unit,
#      example config, install script), with its library dependencies from dpkg-shlibdeps;
#   2. dpkg-deb -x unpacks it to a binary whose --version runs;
#   3. systemd-analyze verify accepts the unit (ExecStart pointed at the unpacked binary),
#      silently, the unit carries the hardening, and systemd-analyze security --offline rates
#      its exposure at most 2.0;
#   4. install.sh into a DESTDIR (its own etc/passwd): user, config 0640, spool 0700 owned by
#      the user, binary, unit; a second run changes nothing; an edited config is kept;
#      --dry-run creates nothing; --packaged (the postinst) on the unpacked .deb works too.
# It needs no stack (found by the integration glob, it shares the fixture only).
. "$(dirname "$0")/harness.sh"
BUILD=${SPOT_BUILD_DIR:?SPOT_BUILD_DIR is set by ctest}
[ -x "$BUILD/spot-agent" ] || fail "no $BUILD/spot-agent"
need() { # COMMAND PACKAGE: installs PACKAGE through scripts/deps.sh when COMMAND is missing
  command -v "$1" >/dev/null 2>&1 && return 0
  say() { note "$*"; }
  die() { fail "$*"; }
  # shellcheck disable=SC1091
  . "$SRC/scripts/deps.sh"
  deps_install "$2"
  command -v "$1" >/dev/null 2>&1 || fail "$1 is missing after installing $2"
}
need systemd-analyze systemd
need dpkg-shlibdeps dpkg-dev
need cpack cmake

# 1. The .deb.
version=$(sed -n 's/^#define AGENT_VERSION "\(.*\)"/\1/p' "$SRC/agent/agent_config.h")
( cd "$BUILD" && cpack -G DEB -B "$IT_TMP/pkg" ) > "$IT_TMP/cpack.log" 2>&1 || fail "cpack: $(tail -5 "$IT_TMP/cpack.log")"
deb=$IT_TMP/pkg/spot-agent_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "no $deb (made: $(ls "$IT_TMP/pkg"))"
[ "$(find "$IT_TMP/pkg" -maxdepth 1 -name '*.deb' | wc -l)" = 1 ] || fail "more than one package: $(ls "$IT_TMP/pkg")"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = spot-agent ] || fail "package name '$(field Package)'"
[ "$(field Version)" = "$version" ] || fail "version '$(field Version)', agent says $version"
for lib in libcurl4 libxml2 libjson-c5 libssl3 libc6; do
  field Depends | tr ',' '\n' | grep -q "^ *$lib " || fail "Depends lacks $lib: $(field Depends)"
done
field Depends | grep -q 'mariadb\|fcgi\|microhttpd\|argon2' && fail "the agent depends on server libraries: $(field Depends)"
mapfile -t files < <(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $NF}' | sort)
expected=(./usr/bin/spot-agent ./usr/lib/systemd/system/spot-agent.service
  ./usr/share/doc/spot-agent/spot-agent.conf.example ./usr/share/spot-agent/install.sh)
[ "${files[*]}" = "${expected[*]}" ] || fail "package contents: ${files[*]}"
dpkg-deb -I "$deb" postinst | grep -q 'install.sh --packaged' || fail "postinst does not run install.sh --packaged"

# 2. Unpacked, the binary runs.
root=$IT_TMP/root
dpkg-deb -x "$deb" "$root"
out=$("$root/usr/bin/spot-agent" --version) || fail "--version of the unpacked binary failed"
[ "$out" = "spot-agent $version" ] || fail "--version printed '$out'"
ldd "$root/usr/bin/spot-agent" | grep -q 'not found' && fail "unresolved libraries: $(ldd "$root/usr/bin/spot-agent")"
ldd "$root/usr/bin/spot-agent" | grep -q 'libmariadb\|libfcgi' && fail "the agent links server libraries"

# 3. The unit.
unit=$root/usr/lib/systemd/system/spot-agent.service
for want in '^Type=simple' '^Restart=always' '^User=spot-agent' '^NoNewPrivileges=yes' '^ProtectSystem=strict' \
  '^ReadWritePaths=/var/lib/spot-agent' '^PrivateTmp=yes' '^ProtectHome=yes' '^CapabilityBoundingSet=$' \
  '^ExecReload=/bin/kill -HUP \$MAINPID' '^Environment=SPOT_SPOOL_DIR=/var/lib/spot-agent/spool' \
  '^ExecStart=/usr/bin/spot-agent --config /etc/spot-agent/spot-agent.conf$'; do
  grep -q -- "$want" "$unit" || fail "the unit lacks /$want/"
done
mkdir -p "$IT_TMP/unit"
sed "s#^ExecStart=/usr/bin/spot-agent #ExecStart=$root/usr/bin/spot-agent #" "$unit" > "$IT_TMP/unit/spot-agent.service"
verify() { SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$1" > "$IT_TMP/verify.out" 2>&1; }
verify "$IT_TMP/unit/spot-agent.service" || fail "systemd-analyze verify: $(cat "$IT_TMP/verify.out")"
[ ! -s "$IT_TMP/verify.out" ] || fail "systemd-analyze verify warned: $(cat "$IT_TMP/verify.out")"
# systemd's own hardening score of the unit (offline): exposure at most 2.0 ("OK").
systemd-analyze security --offline=true --threshold=20 "$IT_TMP/unit/spot-agent.service" > "$IT_TMP/security.out" 2>&1 \
  || fail "systemd-analyze security: $(tail -n 1 "$IT_TMP/security.out")"
note "$(grep -o 'Overall exposure level.*' "$IT_TMP/security.out")"
# ... and the check is real: a bad directive is reported.
sed 's/^Restart=always/Restart=sometimes/' "$IT_TMP/unit/spot-agent.service" > "$IT_TMP/unit/bad.service"
verify "$IT_TMP/unit/bad.service" || true
grep -qi 'bad.service:.*restart' "$IT_TMP/verify.out" || fail "systemd-analyze verify did not notice a bad Restart="

# 4. install.sh into DESTDIRs with their own user database.
new_root() {
  mkdir -p "$1/etc"
  printf 'root:x:0:0:root:/root:/bin/bash\n' > "$1/etc/passwd"
  printf 'root:x:0:\n' > "$1/etc/group"
  printf 'root:*:19000:0:99999:7:::\n' > "$1/etc/shadow"
  printf 'root:*::\n' > "$1/etc/gshadow"
}
tree() { (cd "$1" && find . -path ./etc/.pwd.lock -prune -o -printf '%p %M %U:%G %s\n' | sort && find . -type f ! -name .pwd.lock -exec md5sum {} + | sort); }
install_sh=$root/usr/share/spot-agent/install.sh
D=$IT_TMP/dest
new_root "$D"
"$install_sh" --destdir "$D" --binary "$root/usr/bin/spot-agent" --unit "$unit" > "$IT_TMP/inst1.log" 2>&1 \
  || fail "install.sh: $(cat "$IT_TMP/inst1.log")"
uid=$(awk -F: '$1 == "spot-agent" {print $3}' "$D/etc/passwd")
gid=$(awk -F: '$1 == "spot-agent" {print $4}' "$D/etc/passwd")
[ -n "$uid" ] && [ "$uid" != 0 ] || fail "no spot-agent user in DESTDIR/etc/passwd"
grep -q '^spot-agent:x:[0-9]*:[0-9]*:[^:]*:/var/lib/spot-agent:/usr/sbin/nologin$' "$D/etc/passwd" || fail "user line: $(grep spot-agent "$D/etc/passwd")"
st() { stat -c '%a %u:%g' "$D$1"; }
[ "$(st /etc/spot-agent/spot-agent.conf)" = "640 0:$gid" ] || fail "config is $(st /etc/spot-agent/spot-agent.conf)"
[ "$(st /etc/spot-agent)" = "750 0:$gid" ] || fail "config dir is $(st /etc/spot-agent)"
[ "$(st /var/lib/spot-agent/spool)" = "700 $uid:$gid" ] || fail "spool is $(st /var/lib/spot-agent/spool)"
[ "$(st /var/lib/spot-agent)" = "700 $uid:$gid" ] || fail "state dir is $(st /var/lib/spot-agent)"
cmp -s "$D/usr/bin/spot-agent" "$root/usr/bin/spot-agent" || fail "binary not installed"
[ "$(st /usr/bin/spot-agent)" = "755 0:0" ] || fail "binary is $(st /usr/bin/spot-agent)"
cmp -s "$D/etc/systemd/system/spot-agent.service" "$unit" || fail "unit with the default paths differs from the template"
cmp -s "$D/etc/spot-agent/spot-agent.conf" "$root/usr/share/doc/spot-agent/spot-agent.conf.example" || fail "config is not the example"
tree "$D" > "$IT_TMP/tree1"
"$install_sh" --destdir "$D" --binary "$root/usr/bin/spot-agent" --unit "$unit" > "$IT_TMP/inst2.log" 2>&1 || fail "second install.sh run failed"
grep -q 'nothing to do' "$IT_TMP/inst2.log" || fail "second run was not a no-op: $(cat "$IT_TMP/inst2.log")"
tree "$D" > "$IT_TMP/tree2"
diff "$IT_TMP/tree1" "$IT_TMP/tree2" > /dev/null || fail "second run changed: $(diff "$IT_TMP/tree1" "$IT_TMP/tree2" | head -5)"
# an edited config is kept; a changed spool mode is repaired
printf 'SPOT_URL=https://spot.test\nSPOT_CLIENT_TOKEN=edited\n' > "$D/etc/spot-agent/spot-agent.conf"
chmod 755 "$D/var/lib/spot-agent/spool"
"$install_sh" --destdir "$D" --binary "$root/usr/bin/spot-agent" --unit "$unit" > "$IT_TMP/inst3.log" 2>&1 || fail "third run failed"
grep -q 'SPOT_CLIENT_TOKEN=edited' "$D/etc/spot-agent/spot-agent.conf" || fail "install.sh overwrote an edited config"
[ "$(st /var/lib/spot-agent/spool)" = "700 $uid:$gid" ] || fail "spool mode not repaired: $(st /var/lib/spot-agent/spool)"
# custom prefix, user and spool reach the unit, and it still verifies
C=$IT_TMP/custom
new_root "$C"
"$install_sh" --destdir "$C" --prefix "$root/usr" --user spotagent --spool-dir /srv/spot/spool \
  --binary "$root/usr/bin/spot-agent" --unit "$unit" > "$IT_TMP/inst4.log" 2>&1 || fail "custom install: $(cat "$IT_TMP/inst4.log")"
cu=$C/etc/systemd/system/spot-agent.service
grep -q "^ExecStart=$root/usr/bin/spot-agent --config" "$cu" && grep -q '^User=spotagent$' "$cu" \
  && grep -q '^Environment=SPOT_SPOOL_DIR=/srv/spot/spool$' "$cu" && grep -q '^ReadWritePaths=/srv/spot$' "$cu" \
  && ! grep -q '^StateDirectory' "$cu" || fail "custom unit: $(grep -E '^(ExecStart|User|Environment|ReadWrite|StateDir)' "$cu" | tr '\n' '|')"
verify "$cu" || fail "systemd-analyze verify of the custom unit: $(cat "$IT_TMP/verify.out")"
[ -d "$C/srv/spot/spool" ] || fail "custom spool not made"
# --dry-run makes nothing
E=$IT_TMP/dry
new_root "$E"
tree "$E" > "$IT_TMP/tree3"
"$install_sh" --destdir "$E" --binary "$root/usr/bin/spot-agent" --unit "$unit" --dry-run > "$IT_TMP/dry.log" 2>&1 || fail "dry run failed"
grep -q '^would: useradd' "$IT_TMP/dry.log" && grep -q '^would: install -d -m 0700 .*/var/lib/spot-agent/spool' "$IT_TMP/dry.log" \
  || fail "dry run did not list the changes: $(cat "$IT_TMP/dry.log")"
tree "$E" > "$IT_TMP/tree4"
diff -q "$IT_TMP/tree3" "$IT_TMP/tree4" > /dev/null || fail "--dry-run changed the DESTDIR"
"$install_sh" --prefix relative >/dev/null 2>&1 && fail "a relative --prefix was accepted"
# the postinst's way: the unpacked package, --packaged
P=$IT_TMP/pkgroot
new_root "$P"
dpkg-deb -x "$deb" "$P"
"$P/usr/share/spot-agent/install.sh" --destdir "$P" --packaged > "$IT_TMP/inst5.log" 2>&1 || fail "--packaged: $(cat "$IT_TMP/inst5.log")"
grep -q '^spot-agent:' "$P/etc/passwd" && [ -f "$P/etc/spot-agent/spot-agent.conf" ] && [ -d "$P/var/lib/spot-agent/spool" ] \
  || fail "--packaged did not make user, config and spool"
[ ! -e "$P/etc/systemd/system/spot-agent.service" ] || fail "--packaged wrote a unit over the package's"
it_ok
