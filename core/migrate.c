/* migrate.c - apply sql/migrations in order, recorded by checksum. */
#include "core/migrate.h"
#include "core/db.h"
#include "common/arena.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIGRATE_MAX_FILE (16 * 1024 * 1024)
#define MIGRATE_LOCK_WAIT_S 120

static const char *const migrate_sql[] = {
	"CREATE TABLE IF NOT EXISTS schema_migrations ("
	" version INT UNSIGNED NOT NULL PRIMARY KEY,"
	" name VARCHAR(255) NOT NULL,"
	" checksum CHAR(64) NOT NULL,"
	" applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
	"SELECT GET_LOCK('spot_migrate', ?)",
	"SELECT RELEASE_LOCK('spot_migrate')",
	"SELECT version, name, checksum FROM schema_migrations ORDER BY version",
	"INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))",
};
enum { SQL_CREATE, SQL_LOCK, SQL_UNLOCK, SQL_APPLIED, SQL_RECORD };

/* NNNN_name.sql: four or more digits, '_', [a-z0-9_]+, ".sql". */
static int migrate_parse_name(const char *name, unsigned int *version)
{
	const char *p = name;
	unsigned long v = 0;
	size_t digits = 0, len = strlen(name);

	while (isdigit((unsigned char)*p) && digits < 9) {
		v = v * 10 + (unsigned long)(*p++ - '0');
		digits++;
	}
	if (digits < 4 || *p++ != '_' || len < 5 || strcmp(name + len - 4, ".sql"))
		return -1;
	for (; p < name + len - 4; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
			return -1;
	*version = (unsigned int)v;
	return 0;
}

static int migrate_cmp(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;
	return x->version < y->version ? -1 : x->version > y->version;
}

void migration_list_release(struct migration_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		free(l->items[i].name);
		free(l->items[i].path);
	}
	free(l->items);
	l->items = NULL;
	l->nr = 0;
}

int migrate_list(const char *dir, struct migration_list *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t alloc = 0;
	struct strbuf content = STRBUF_INIT;

	out->items = NULL;
	out->nr = 0;
	if (!d)
		return log_err("migrate_list: %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		unsigned int version;
		struct migration *m;
		if (de->d_name[0] == '.' || strlen(de->d_name) < 5 ||
		    strcmp(de->d_name + strlen(de->d_name) - 4, ".sql"))
			continue;
		if (migrate_parse_name(de->d_name, &version) < 0) {
			closedir(d);
			migration_list_release(out);
			return log_err("migrate_list: %s/%s: name must look like NNNN_name.sql", dir, de->d_name);
		}
		if (out->nr == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			out->items = xrealloc(out->items, st_mult(alloc, sizeof(*out->items)));
		}
		m = &out->items[out->nr++];
		m->version = version;
		m->name = xstrdup(de->d_name);
		m->path = NULL;
		struct strbuf path = STRBUF_INIT;
		strbuf_addf(&path, "%s/%s", dir, de->d_name);
		m->path = strbuf_detach(&path, NULL);
		strbuf_reset(&content);
		if (strbuf_read_file(&content, m->path, MIGRATE_MAX_FILE) < 0) {
			closedir(d);
			strbuf_release(&content);
			log_err("migrate_list: %s: %s", m->path, strerror(errno));
			migration_list_release(out);
			return -1;
		}
		digest_sha256_hex(content.buf, content.len, m->checksum);
	}
	closedir(d);
	strbuf_release(&content);
	qsort(out->items, out->nr, sizeof(*out->items), migrate_cmp);
	for (size_t i = 1; i < out->nr; i++) {
		if (out->items[i].version == out->items[i - 1].version) {
			log_err("migrate_list: %s and %s have the same version %04u", out->items[i - 1].name,
				out->items[i].name, out->items[i].version);
			migration_list_release(out);
			return -1;
		}
	}
	return 0;
}

static int migrate_apply_one(struct db *db, const struct migration *m)
{
	struct strbuf sql = STRBUF_INIT;
	struct db_param p[3];
	int ret = -1;

	if (strbuf_read_file(&sql, m->path, MIGRATE_MAX_FILE) < 0) {
		log_err("migrate_apply_one: %s: %s", m->path, strerror(errno));
		goto out;
	}
	{
		/* The bytes applied must be the bytes checksummed. */
		char sum[65];
		digest_sha256_hex(sql.buf, sql.len, sum);
		if (strcmp(sum, m->checksum)) {
			log_err("migrate_apply_one: %s changed while migrating", m->name);
			goto out;
		}
	}
	log_info("migrate: applying %s", m->name);
	/*
	 * DDL commits implicitly in MySQL and MariaDB, so a file is not atomic: a
	 * failure leaves the statements before it applied and the file unrecorded.
	 * The error names the file so an operator can repair and re-run.
	 */
	if (db_exec_script(db, sql.buf, sql.len) < 0) {
		log_err("migrate_apply_one: %s failed: %u: %s", m->name, db->last_errno, db->last_error);
		goto out;
	}
	p[0] = DBP_INT(m->version);
	p[1] = DBP_STR(m->name);
	p[2] = DBP_STR(m->checksum);
	if (db_query(db, NULL, migrate_sql[SQL_RECORD], p, 3, NULL) < 0) {
		log_err("migrate_apply_one: recording %s: %s", m->name, db->last_error);
		goto out;
	}
	ret = 0;
out:
	strbuf_release(&sql);
	return ret;
}

int migrate_run(struct db *db, const char *dir, struct migrate_result *res)
{
	struct migration_list list;
	struct arena a;
	struct db_rows applied, lock;
	struct db_param wait = DBP_INT(MIGRATE_LOCK_WAIT_S);
	int ret = -1, locked = 0;

	memset(res, 0, sizeof(*res));
	arena_init(&a, 0);
	if (migrate_list(dir, &list) < 0) {
		arena_release(&a);
		return -1;
	}
	if (db_query(db, &a, migrate_sql[SQL_LOCK], &wait, 1, &lock) < 0 || lock.nrows != 1 ||
	    !db_rows_cell(&lock, 0, 0) || strcmp(db_rows_cell(&lock, 0, 0), "1")) {
		log_err("migrate_run: could not take the migration lock: %s", db->last_error);
		goto out;
	}
	locked = 1;
	if (db_query(db, NULL, migrate_sql[SQL_CREATE], NULL, 0, NULL) < 0 ||
	    db_query(db, &a, migrate_sql[SQL_APPLIED], NULL, 0, &applied) < 0) {
		log_err("migrate_run: reading schema_migrations: %s", db->last_error);
		goto out;
	}
	/* Refuse before applying anything: every applied file must be unchanged and present. */
	for (size_t r = 0; r < applied.nrows; r++) {
		unsigned long v = strtoul(db_rows_cell(&applied, r, 0), NULL, 10);
		const char *name = db_rows_cell(&applied, r, 1), *sum = db_rows_cell(&applied, r, 2);
		const struct migration *m = NULL;
		for (size_t i = 0; i < list.nr; i++)
			if (list.items[i].version == v)
				m = &list.items[i];
		if (!m) {
			log_err("migrate_run: applied migration %s is missing from %s", name, dir);
			goto out;
		}
		if (strcmp(m->checksum, sum) || strcmp(m->name, name)) {
			log_err("migrate_run: refusing: applied migration %s was changed (checksum %s, applied %s); "
				"add a new migration instead of editing an applied one",
				m->name, m->checksum, sum);
			goto out;
		}
	}
	for (size_t i = 0; i < list.nr; i++) {
		int done = 0;
		for (size_t r = 0; r < applied.nrows && !done; r++)
			done = strtoul(db_rows_cell(&applied, r, 0), NULL, 10) == list.items[i].version;
		if (done) {
			res->skipped++;
			continue;
		}
		if (migrate_apply_one(db, &list.items[i]) < 0)
			goto out;
		res->applied++;
	}
	ret = 0;
out:
	if (locked)
		(void)db_query(db, &a, migrate_sql[SQL_UNLOCK], NULL, 0, &lock);
	migration_list_release(&list);
	arena_release(&a);
	return ret;
}
