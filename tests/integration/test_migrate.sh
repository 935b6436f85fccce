# test_migrate.sh - spot-migrate: twice is a no-op; a changed applied file is
# refused by name; a new file is applied; an unreachable database fails after
# bounded waiting.
. "$(dirname "$0")/harness.sh"
it_env
MIGRATE=$SPOT_BUILD_DIR/spot-migrate

count() { db_root -N -e "SELECT COUNT(*), MAX(applied_at) FROM schema_migrations" "$1"; }
before=$(count spot)
out=$("$MIGRATE" --config "$IT_DIR/spot.env" 2>&1) || fail "second migrate failed: $out"
[[ "$out" == *"0 applied"* ]] || fail "second migrate applied something: $out"
[ "$(count spot)" = "$before" ] || fail "schema_migrations changed on a no-op run"

# A scratch database and a copy of the migrations we can tamper with.
db=spot_it_tamper
db_root -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db; GRANT ALL ON $db.* TO 'spot'@'localhost'; GRANT ALL ON $db.* TO 'spot'@'127.0.0.1'"
trap 'db_root -e "DROP DATABASE IF EXISTS '"$db"'" || true; rm -rf "$IT_TMP"' EXIT
cp -r "$SRC/sql/migrations" "$IT_TMP/m"
n=$(ls "$IT_TMP/m"/*.sql | wc -l)
out=$(SPOT_DB_NAME=$db "$MIGRATE" --config "$IT_DIR/spot.env" --dir "$IT_TMP/m" 2>&1) || fail "fresh migrate failed: $out"
[[ "$out" == *"$n applied, 0 already applied"* ]] || fail "fresh migrate: $out"
[ "$(db_root -N -e "SELECT COUNT(*) FROM schema_migrations" $db)" = "$n" ] || fail "not every file recorded"
db_root -N -e "SELECT checksum FROM schema_migrations WHERE version = 1" $db | grep -qx "$(sha256sum "$IT_TMP/m/0001_"*.sql | cut -d' ' -f1)" \
  || fail "recorded checksum is not the SHA-256 of the file"

# A new file is applied; the old ones are skipped.
echo "CREATE TABLE it_extra (id INT PRIMARY KEY);" > "$IT_TMP/m/9001_it_extra.sql"
out=$(SPOT_DB_NAME=$db "$MIGRATE" --config "$IT_DIR/spot.env" --dir "$IT_TMP/m" 2>&1) || fail "migrate with a new file failed: $out"
[[ "$out" == *"1 applied, $n already applied"* ]] || fail "new file: $out"

# Tamper with an applied file: refused, naming it, and nothing else applied.
second=$(ls "$IT_TMP/m" | sort | sed -n 2p)
echo "-- edited after it was applied" >> "$IT_TMP/m/$second"
echo "CREATE TABLE it_never (id INT PRIMARY KEY);" > "$IT_TMP/m/9002_it_never.sql"
set +e
out=$(SPOT_DB_NAME=$db "$MIGRATE" --config "$IT_DIR/spot.env" --dir "$IT_TMP/m" 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] || fail "tampered migration: exit $rc, want 1 ($out)"
[[ "$out" == *"$second"*"changed"* ]] || fail "refusal does not name $second: $out"
[ -z "$(db_root -N -e "SHOW TABLES LIKE 'it_never'" $db)" ] || fail "a later migration ran after the refusal"

# No database: bounded wait, then a distinct exit code.
set +e
out=$(SPOT_DB_SOCKET="$IT_TMP/no-such.sock" "$MIGRATE" --config "$IT_DIR/spot.env" --wait 1 2>&1)
rc=$?
set -e
[ $rc -eq 3 ] || fail "unreachable database: exit $rc, want 3 ($out)"
[[ "$out" == *"not ready"* ]] || fail "unreachable database: no clear message: $out"
it_ok
