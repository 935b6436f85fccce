/*
 * txn_probe.c - drives core/txn.c's retry paths against the test stack's real
 * MariaDB (tests/integration/test_txn.sh runs it with the stack's SPOT_DB_*).
 *
 * Two connections in one process: `holder` takes a row lock, and the step run
 * by txn_run on `db` runs into it. The holder lets go only when the step runs
 * again, so the step succeeds exactly when txn_run retried:
 *   lockwait   a lock wait timeout (ER_LOCK_WAIT_TIMEOUT) runs the step again;
 *   duplicate  a duplicate key runs it again with TXN_RETRY_DUPLICATE and not without;
 *   conflict   CORE_CONFLICT runs it again with TXN_RETRY_CONFLICT, at most
 *              TXN_MAX_ATTEMPTS times, and is returned when they run out;
 *   rollback   a step that fails leaves none of its writes behind.
 * Prints one line per case and exits 0 only when every case held.
 */
#include "common/arena.h"
#include "common/config.h"
#include "common/log.h"
#include "core/db.h"
#include "core/txn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct probe {
	struct db *holder;
	struct arena *a;
	int attempts;
	int release_on;     /* the attempt at which the holder lets go (0 never) */
	enum core_result result_until; /* conflict case: returned before release_on */
};

static int probe_exec(struct db *db, struct arena *a, const char *sql)
{
	struct db_rows r;
	return db_query(db, a, sql, NULL, 0, &r);
}

static long probe_count(struct db *db, struct arena *a, const char *sql)
{
	struct db_rows r;
	if (db_query(db, a, sql, NULL, 0, &r) < 0 || !r.nrows)
		return -1;
	return strtol(db_rows_cell(&r, 0, 0) ? db_rows_cell(&r, 0, 0) : "-1", NULL, 10);
}

/* Updates row 1, which the holder has locked until the second attempt. */
static enum core_result probe_step_lockwait(struct db *db, void *ctx)
{
	struct probe *p = ctx;
	p->attempts++;
	if (p->attempts == p->release_on && db_commit(p->holder) < 0)
		return CORE_ERR;
	if (probe_exec(db, p->a, "SET SESSION innodb_lock_wait_timeout = 1") < 0)
		return CORE_ERR;
	if (probe_exec(db, p->a, "UPDATE txn_probe SET n = n + 1 WHERE id = 1") < 0)
		return CORE_ERR;
	return CORE_OK;
}

/* Inserts key 7, which the holder inserted (committed) before; deletes it on the release attempt. */
static enum core_result probe_step_duplicate(struct db *db, void *ctx)
{
	struct probe *p = ctx;
	p->attempts++;
	if (p->attempts == p->release_on &&
	    probe_exec(p->holder, p->a, "DELETE FROM txn_probe WHERE id = 7") < 0)
		return CORE_ERR;
	if (probe_exec(db, p->a, "INSERT INTO txn_probe (id, n) VALUES (7, 0)") < 0)
		return CORE_ERR;
	return CORE_CREATED;
}

/* Writes, then reports a conflict until the release attempt. */
static enum core_result probe_step_conflict(struct db *db, void *ctx)
{
	struct probe *p = ctx;
	p->attempts++;
	if (probe_exec(db, p->a, "UPDATE txn_probe SET n = n + 100 WHERE id = 2") < 0)
		return CORE_ERR;
	return p->attempts == p->release_on ? CORE_OK : p->result_until;
}

static int failures;

static void probe_check(const char *name, int ok, const char *detail)
{
	printf("%s %s%s%s\n", ok ? "ok" : "FAIL", name, detail ? ": " : "", detail ? detail : "");
	if (!ok)
		failures++;
}

int main(void)
{
	struct config cfg;
	struct db_settings s;
	struct db db, holder;
	struct arena a;
	struct probe p;
	char err[256], line[160];
	enum core_result rc;

	log_init("txn-probe");
	config_init(&cfg);
	if (db_settings_from_config(&s, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "txn-probe: %s\n", err);
		return 2;
	}
	db_init(&db, &s);
	db_init(&holder, &s);
	arena_init(&a, 0);
	if (db_connect(&db) < 0 || db_connect(&holder) < 0) {
		fprintf(stderr, "txn-probe: connect: %s\n", db.last_error);
		return 2;
	}
	if (probe_exec(&db, &a, "DROP TABLE IF EXISTS txn_probe") < 0 ||
	    probe_exec(&db, &a, "CREATE TABLE txn_probe (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB") < 0 ||
	    probe_exec(&db, &a, "INSERT INTO txn_probe VALUES (1, 0), (2, 0)") < 0) {
		fprintf(stderr, "txn-probe: setup: %s\n", db.last_error);
		return 2;
	}

	/* A lock wait timeout: retried, and the second attempt wins. */
	memset(&p, 0, sizeof(p));
	p.holder = &holder, p.a = &a, p.release_on = 2;
	if (db_begin(&holder) < 0 || probe_exec(&holder, &a, "SELECT n FROM txn_probe WHERE id = 1 FOR UPDATE") < 0)
		return 2;
	rc = txn_run(&db, "txn-probe lockwait", 0, probe_step_lockwait, &p);
	snprintf(line, sizeof(line), "result %d after %d attempts, n=%ld", (int)rc, p.attempts,
		 probe_count(&db, &a, "SELECT n FROM txn_probe WHERE id = 1"));
	probe_check("lockwait", rc == CORE_OK && p.attempts == 2 &&
			probe_count(&db, &a, "SELECT n FROM txn_probe WHERE id = 1") == 1, line);

	/* A duplicate key: not retried without the flag ... */
	if (probe_exec(&holder, &a, "INSERT INTO txn_probe VALUES (7, 0)") < 0)
		return 2;
	memset(&p, 0, sizeof(p));
	p.holder = &holder, p.a = &a, p.release_on = 2;
	rc = txn_run(&db, "txn-probe duplicate", 0, probe_step_duplicate, &p);
	snprintf(line, sizeof(line), "result %d after %d attempts", (int)rc, p.attempts);
	probe_check("duplicate-not-retried", rc == CORE_ERR && p.attempts == 1 && db_is_duplicate(&db), line);
	/* ... and retried with it. */
	memset(&p, 0, sizeof(p));
	p.holder = &holder, p.a = &a, p.release_on = 2;
	rc = txn_run(&db, "txn-probe duplicate", TXN_RETRY_DUPLICATE, probe_step_duplicate, &p);
	snprintf(line, sizeof(line), "result %d after %d attempts", (int)rc, p.attempts);
	probe_check("duplicate-retried", rc == CORE_CREATED && p.attempts == 2 &&
			probe_count(&db, &a, "SELECT COUNT(*) FROM txn_probe WHERE id = 7") == 1, line);

	/* A conflict: retried with the flag, and its writes of failed attempts rolled back. */
	memset(&p, 0, sizeof(p));
	p.holder = &holder, p.a = &a, p.release_on = 3, p.result_until = CORE_CONFLICT;
	rc = txn_run(&db, "txn-probe conflict", TXN_RETRY_CONFLICT, probe_step_conflict, &p);
	snprintf(line, sizeof(line), "result %d after %d attempts, n=%ld", (int)rc, p.attempts,
		 probe_count(&db, &a, "SELECT n FROM txn_probe WHERE id = 2"));
	probe_check("conflict-retried", rc == CORE_OK && p.attempts == 3 &&
			probe_count(&db, &a, "SELECT n FROM txn_probe WHERE id = 2") == 100, line);
	/* Attempts run out: the conflict comes back after TXN_MAX_ATTEMPTS, nothing written. */
	memset(&p, 0, sizeof(p));
	p.holder = &holder, p.a = &a, p.release_on = 0, p.result_until = CORE_CONFLICT;
	rc = txn_run(&db, "txn-probe conflict", TXN_RETRY_CONFLICT, probe_step_conflict, &p);
	snprintf(line, sizeof(line), "result %d after %d attempts, n=%ld", (int)rc, p.attempts,
		 probe_count(&db, &a, "SELECT n FROM txn_probe WHERE id = 2"));
	probe_check("conflict-exhausted", rc == CORE_CONFLICT && p.attempts == TXN_MAX_ATTEMPTS &&
			probe_count(&db, &a, "SELECT n FROM txn_probe WHERE id = 2") == 100, line);
	/* Without the flag a conflict is returned at once and rolled back. */
	memset(&p, 0, sizeof(p));
	p.holder = &holder, p.a = &a, p.release_on = 0, p.result_until = CORE_CONFLICT;
	rc = txn_run(&db, "txn-probe conflict", 0, probe_step_conflict, &p);
	snprintf(line, sizeof(line), "result %d after %d attempts", (int)rc, p.attempts);
	probe_check("conflict-not-retried", rc == CORE_CONFLICT && p.attempts == 1 &&
			probe_count(&db, &a, "SELECT n FROM txn_probe WHERE id = 2") == 100, line);

	probe_exec(&db, &a, "DROP TABLE IF EXISTS txn_probe");
	arena_release(&a);
	db_release(&holder);
	db_release(&db);
	config_release(&cfg);
	return failures ? 1 : 0;
}
