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
	size_t tables_expected, columns_expected, triggers_expected;
	/* "table" for a missing table, "table.column" for a missing column, "trigger NAME" for a missing trigger */
	const char **missing;
	size_t nmissing;
};

/* Fills report (strings in arena a). Returns 0, or -1 when the query failed (db->last_error). */
int schema_check(struct db *db, struct arena *a, struct schema_report *report);

/* 1 when the database has every trigger of schema_expected_triggers, 0 when one is missing, -1 on error. */
int schema_triggers_ok(struct db *db, struct arena *a);

#endif
