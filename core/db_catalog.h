/*
 * db_catalog.h - data access for the instance catalog (instance_types).
 * Strings of a catalog_row live in the caller's arena; decimals stay in their
 * SQL text form so they round-trip exactly.
 */
#ifndef SPOT_DB_CATALOG_H
#define SPOT_DB_CATALOG_H

#include <stddef.h>

struct arena;
struct db;
struct json_object;

struct catalog_row {
	const char *instance_type, *region, *family, *arch;
	const char *memory_gib, *ondemand_price; /* decimal text; ondemand_price may be NULL */
	const char *created_at, *updated_at;     /* RFC 3339 */
	long vcpu, version;
	int is_active;
};

/* What is written: a new row or new values for one. */
struct catalog_values {
	const char *instance_type, *region, *family, *arch;
	long vcpu;
	double memory_gib;
	double ondemand_price;
	int has_price; /* 0: ondemand_price is NULL (unknown) */
	int is_active;
};

/* Rows matching the filters (NULL = any), ordered by region and type, at most max. 0 or -1. */
int db_catalog_list(struct db *db, struct arena *a, const char *region, const char *type, long max,
		    struct catalog_row **out, size_t *n);
/* 1 found, 0 absent, -1 error; lock takes a row lock (inside a transaction). */
int db_catalog_get(struct db *db, struct arena *a, const char *type, const char *region, int lock,
		   struct catalog_row *out);
/* Inserts v (version 1). -1 with db_is_duplicate() when it exists. */
int db_catalog_insert(struct db *db, const struct catalog_values *v);
/* Inserts v only when (type, region) is absent: *inserted = 1 or 0. Never changes an existing row. */
int db_catalog_insert_missing(struct db *db, const struct catalog_values *v, int *inserted);
/* Updates the row at version: *updated = 0 when the version moved on. Bumps version. */
int db_catalog_update(struct db *db, const struct catalog_values *v, long version, int *updated);

/* The row as the admin API shows it (a new json object). */
struct json_object *db_catalog_json(const struct catalog_row *r);

#endif
