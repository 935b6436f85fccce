/*
 * migrate.h - tracked schema migrations (DESIGN.md section 4).
 *
 * A migration is a file NNNN_name.sql in one directory. Files are applied in
 * version order; each applied file is recorded in
 * schema_migrations(version, name, checksum, applied_at) with the SHA-256 of
 * its bytes. An applied file whose bytes changed is refused, naming the file,
 * before anything new is applied. Concurrent migrators serialize on a named
 * database lock.
 */
#ifndef SPOT_MIGRATE_H
#define SPOT_MIGRATE_H

#include <stddef.h>

struct db;

struct migration {
	unsigned int version;
	char *name;     /* file name without directory, e.g. "0001_core.sql" */
	char *path;
	char checksum[65];
};

struct migration_list {
	struct migration *items;
	size_t nr;
};

/* Lists and checksums dir's migration files in version order. 0 or -1 (logged). */
int migrate_list(const char *dir, struct migration_list *out);
void migration_list_release(struct migration_list *l);

struct migrate_result {
	size_t applied;   /* files applied by this run */
	size_t skipped;   /* files already applied with the same checksum */
};

/*
 * Applies what is missing. The connection must allow multi-statements.
 * Returns 0, or -1 after logging why (a refused changed file, a failed statement).
 */
int migrate_run(struct db *db, const char *dir, struct migrate_result *res);

#endif
