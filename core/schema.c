/* schema.c - live schema against the expected table list. */
#include "core/schema.h"
#include "core/db.h"
#include "core/schema_expected.h"
#include "common/arena.h"

#include <string.h>

static const char *const schema_sql[] = {
	"SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = DATABASE()",
};

static const char *const schema_migrations_columns[] = { "version", "name", "checksum", "applied_at" };
static const struct schema_table schema_migrations_table = { "schema_migrations", schema_migrations_columns, 4 };

static int schema_has(const struct db_rows *rows, const char *table, const char *column)
{
	for (size_t r = 0; r < rows->nrows; r++) {
		const char *t = db_rows_cell(rows, r, 0), *c = db_rows_cell(rows, r, 1);
		if (t && !strcmp(t, table) && (!column || (c && !strcmp(c, column))))
			return 1;
	}
	return 0;
}

static void schema_check_table(const struct schema_table *t, const struct db_rows *rows, struct arena *a,
			       struct schema_report *rep, size_t cap)
{
	rep->tables_expected++;
	rep->columns_expected += t->ncolumns;
	if (!schema_has(rows, t->name, NULL)) {
		if (rep->nmissing < cap)
			rep->missing[rep->nmissing++] = t->name;
		return;
	}
	for (size_t c = 0; c < t->ncolumns; c++)
		if (!schema_has(rows, t->name, t->columns[c]) && rep->nmissing < cap)
			rep->missing[rep->nmissing++] = arena_printf(a, "%s.%s", t->name, t->columns[c]);
}

int schema_check(struct db *db, struct arena *a, struct schema_report *rep)
{
	struct db_rows rows;
	size_t cap = 1;

	memset(rep, 0, sizeof(*rep));
	if (db_query(db, a, schema_sql[0], NULL, 0, &rows) < 0)
		return -1;
	cap += schema_migrations_table.ncolumns;
	for (size_t i = 0; i < schema_expected_count; i++)
		cap += 1 + schema_expected[i].ncolumns;
	rep->missing = arena_calloc(a, cap, sizeof(*rep->missing));
	schema_check_table(&schema_migrations_table, &rows, a, rep, cap);
	for (size_t i = 0; i < schema_expected_count; i++)
		schema_check_table(&schema_expected[i], &rows, a, rep, cap);
	return 0;
}
