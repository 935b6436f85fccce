/*
 * schema.h - compares the live database with the tables and columns the
 * migrations create (core/schema_expected.c), for
 * GET /api/health/database-schema.
 */
#ifndef SPOT_SCHEMA_H
#define SPOT_SCHEMA_H

#include <stddef.h>

struct arena;
struct db;

struct schema_report {
	size_t tables_expected, columns_expected;
	const char **missing; /* "table" for a missing table, "table.column" for a missing column */
	size_t nmissing;
};

/* Fills report (strings in arena a). Returns 0, or -1 when the query failed (db->last_error). */
int schema_check(struct db *db, struct arena *a, struct schema_report *report);

#endif
