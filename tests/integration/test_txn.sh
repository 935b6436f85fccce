#!/usr/bin/env bash
# test_txn.sh - core/txn.c retries a step after a lock wait timeout, after a
# duplicate key or a conflict only when asked to, gives up after
# TXN_MAX_ATTEMPTS, and leaves nothing of a failed attempt behind: the probe
# (tests/integration/txn_probe.c) runs each case against the stack's MariaDB.
. "$(dirname "$0")/harness.sh"
it_env

probe=${SPOT_BUILD_DIR:?}/spot-test-txn
[ -x "$probe" ] || fail "no $probe (built with the integration tests)"
out=$("$probe" 2>&1) || { printf '%s\n' "$out" >&2; fail "txn probe failed"; }
printf '%s\n' "$out" | sed 's/^/  /'
for c in lockwait duplicate-not-retried duplicate-retried conflict-retried conflict-exhausted conflict-not-retried; do
  grep -q "^ok $c:" <<<"$out" || fail "case $c did not hold"
done
[ "$(sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='spot' AND table_name='txn_probe'")" = 0 ] ||
  fail "the probe left its table behind"
it_ok
