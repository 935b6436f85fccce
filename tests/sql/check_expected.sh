#!/bin/sh
# check_expected.sh - compares a live database with core/schema_expected.c.
#
#   tests/sql/check_expected.sh 'mariadb --socket=/tmp/x/sock -uroot' DBNAME
#
# The first argument is the client command line (word-split), the second the
# database. Every table and column in schema_expected.c must exist in
# information_schema.columns and vice versa (schema_migrations excepted); tables
# must appear in schema_expected[] in the order of their arrays and of the
# CREATE TABLE statements in sql/migrations/. Prints the
# differences and exits 1 on any, 0 when they match, 2 on usage or query errors.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 'MARIADB-COMMAND' DATABASE" >&2
	exit 2
fi
client=$1
db=$2
src=$(dirname "$0")/../../core/schema_expected.c
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Expected "table.column" lines, from the <table>_columns arrays (one quoted name
# per line between "static const char *const <table>_columns[] = {" and "};").
awk '
	/^static const char \*const [a-z0-9_]+_columns\[\] = \{/ {
		t = $5; sub(/_columns\[\]$/, "", t); inarr = 1; next
	}
	inarr && /^};/ { inarr = 0; next }
	inarr {
		line = $0
		while (match(line, /"[^"]*"/)) {
			print t "." substr(line, RSTART + 1, RLENGTH - 2)
			line = substr(line, RSTART + RLENGTH)
		}
	}
' "$src" | sort > "$tmp/expected"

# The table entries of schema_expected[] must name the same arrays and tables.
awk -F'"' '/^\t\{ "[a-z0-9_]+", [a-z0-9_]+_columns, SCHEMA_EXPECTED_NCOLUMNS\([a-z0-9_]+_columns\) \},$/ {
	split($3, p, /[ ,()]+/); if (p[2] != $2 "_columns" || p[4] != $2 "_columns") print "bad entry: " $2; else print $2
}' "$src" > "$tmp/entries"
awk '/^static const char \*const [a-z0-9_]+_columns\[\] = \{/ { t = $5; sub(/_columns\[\]$/, "", t); print t }' \
	"$src" > "$tmp/arrays"

# Live "table.column" lines.
if ! $client -N -B -e "SELECT CONCAT(table_name, '.', column_name) FROM information_schema.columns
		WHERE table_schema = '$db' AND table_name <> 'schema_migrations'" "$db" > "$tmp/live.raw"; then
	echo "check_expected: query failed" >&2
	exit 2
fi
sort "$tmp/live.raw" > "$tmp/live"

# And the migrations must create the tables in that order.
cat "$(dirname "$0")"/../../sql/migrations/[0-9]*.sql |
	sed -n 's/^CREATE TABLE \([a-z0-9_]*\).*/\1/p' > "$tmp/migrations"

rc=0
if ! cmp -s "$tmp/entries" "$tmp/migrations"; then
	echo "schema_expected[] order differs from the CREATE TABLE order of sql/migrations:"
	diff "$tmp/migrations" "$tmp/entries" || true
	rc=1
fi
if ! cmp -s "$tmp/entries" "$tmp/arrays"; then
	echo "schema_expected[] entries differ from the arrays (order or names):"
	diff "$tmp/arrays" "$tmp/entries" || true
	rc=1
fi
missing=$(comm -23 "$tmp/expected" "$tmp/live")
extra=$(comm -13 "$tmp/expected" "$tmp/live")
if [ -n "$missing" ]; then
	echo "in schema_expected.c but not in the database:"
	echo "$missing" | sed 's/^/  /'
	rc=1
fi
if [ -n "$extra" ]; then
	echo "in the database but not in schema_expected.c:"
	echo "$extra" | sed 's/^/  /'
	rc=1
fi
if [ $rc -eq 0 ]; then
	echo "ok: $(wc -l < "$tmp/entries") tables, $(wc -l < "$tmp/expected") columns match"
fi
exit $rc
