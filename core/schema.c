/* schema.c - live schema against the expected table list. */
#include "core/schema.h"
#include "core/db.h"
#include "core/schema_expected.h"
#include "common/arena.h"

#include <string.h>

static const char *const schema_sql[] = {
	"SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = DATABASE()",
	"SELECT trigger_name FROM information_schema.triggers WHERE trigger_schema = DATABASE()",
};

static const char *const schema_migrations_columns[] = { "version", "name", "checksum", "applied_at" };
static const struct schema_table schema_migrations_table = { "schema_migrations", schema_migrations_columns, 4 };

/* Whether rows (name[, column]) hold table (and column, when not NULL; then rows have two columns). */
static int schema_has(const struct db_rows *rows, const char *table, const char *column)
{
	for (size_t r = 0; r < rows->nrows; r++) {
		const char *t = db_rows_cell(rows, r, 0), *c = column ? db_rows_cell(rows, r, 1) : NULL;
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

/* Appends the expected triggers absent from the live schema to rep->missing (up to cap). */
static int schema_check_triggers(struct db *db, struct arena *a, struct schema_report *rep, size_t cap)
{
	struct db_rows rows;
	if (db_query(db, a, schema_sql[1], NULL, 0, &rows) < 0)
		return -1;
	rep->triggers_expected = schema_expected_trigger_count;
	for (size_t t = 0; t < schema_expected_trigger_count; t++)
		if (!schema_has(&rows, schema_expected_triggers[t], NULL) && rep->nmissing < cap)
			rep->missing[rep->nmissing++] = arena_printf(a, "trigger %s", schema_expected_triggers[t]);
	return 0;
}

int schema_triggers_ok(struct db *db, struct arena *a)
{
	struct schema_report rep;
	memset(&rep, 0, sizeof(rep));
	rep.missing = arena_calloc(a, schema_expected_trigger_count, sizeof(*rep.missing));
	if (schema_check_triggers(db, a, &rep, schema_expected_trigger_count) < 0)
		return -1;
	return rep.nmissing == 0;
}

int schema_check(struct db *db, struct arena *a, struct schema_report *rep)
{
	struct db_rows rows;
	size_t cap = 1;

	memset(rep, 0, sizeof(*rep));
	if (db_query(db, a, schema_sql[0], NULL, 0, &rows) < 0)
		return -1;
	cap += schema_migrations_table.ncolumns + schema_expected_trigger_count;
	for (size_t i = 0; i < schema_expected_count; i++)
		cap += 1 + schema_expected[i].ncolumns;
	rep->missing = arena_calloc(a, cap, sizeof(*rep->missing));
	schema_check_table(&schema_migrations_table, &rows, a, rep, cap);
	for (size_t i = 0; i < schema_expected_count; i++)
		schema_check_table(&schema_expected[i], &rows, a, rep, cap);
	return schema_check_triggers(db, a, rep, cap);
}
