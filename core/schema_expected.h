/*
 * schema_expected.h - the tables and columns the migrations create, as a static
 * table the server compares the live schema against (core/schema.c, for
 * GET /api/health/database-schema).
 *
 * schema_expected[] lists every table of sql/migrations/ in migration order, and
 * each table's columns in declaration order (generated columns included). It does
 * not list schema_migrations, which spot-migrate creates itself. All strings and
 * arrays are static and immutable; nothing needs freeing.
 */
#ifndef SPOT_SCHEMA_EXPECTED_H
#define SPOT_SCHEMA_EXPECTED_H

#include <stddef.h>

struct schema_table {
	const char *name;
	const char *const *columns;
	size_t ncolumns;
};

extern const struct schema_table schema_expected[];
extern const size_t schema_expected_count;

/* The triggers the migrations create (the heartbeat memo depends on them: 0017). */
extern const char *const schema_expected_triggers[];
extern const size_t schema_expected_trigger_count;

#endif
