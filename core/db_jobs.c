/* db_jobs.c - job lease and job run statements. */
#include "core/db_jobs.h"
#include "core/db.h"

static const char *const db_jobs_sql[] = {
	/* acquired_at is set before holder: MySQL assigns left to right, so it still sees the old holder. */
	"UPDATE job_leases SET acquired_at = IF(holder <=> ?, acquired_at, UTC_TIMESTAMP(3)), holder = ?, "
	"expires_at = UTC_TIMESTAMP(3) + INTERVAL ? SECOND "
	"WHERE name = ? AND (expires_at < UTC_TIMESTAMP(3) OR holder = ?)",
	"INSERT INTO job_leases (name, holder, expires_at, acquired_at) "
	"VALUES (?, ?, UTC_TIMESTAMP(3) + INTERVAL ? SECOND, UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE name = name",
	"UPDATE job_leases SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE name = ? AND holder = ?",
	"INSERT INTO job_runs (id, job_name, holder, started_at, status) "
	"VALUES (?, ?, ?, FROM_UNIXTIME(? / 1000), 'running')",
	"UPDATE job_runs SET status = ?, finished_at = FROM_UNIXTIME(? / 1000), stats = ?, error = ? WHERE id = ?",
	"INSERT INTO job_runs (id, job_name, holder, started_at, finished_at, status, stats, error) "
	"VALUES (?, ?, ?, FROM_UNIXTIME(? / 1000), FROM_UNIXTIME(? / 1000), ?, ?, ?)",
};
enum { SQL_LEASE_UPDATE, SQL_LEASE_INSERT, SQL_LEASE_RELEASE, SQL_RUN_START, SQL_RUN_FINISH, SQL_RUN_RECORD };

int db_jobs_lease(struct db *db, const char *name, const char *holder, long ttl_s, int *held)
{
	struct db_rows r;
	const char *update_sql = db_jobs_sql[SQL_LEASE_UPDATE];
	struct db_param up[] = { DBP_STR(holder), DBP_STR(holder), DBP_INT(ttl_s), DBP_STR(name), DBP_STR(holder) };
	*held = 0;
	if (db_query(db, NULL, update_sql, up, 5, &r) < 0)
		return -1;
	if (r.affected) {
		*held = 1;
		return 0;
	}
	/* No row yet, or another holder's live lease: only a missing row can be taken by inserting. */
	struct db_param ins[] = { DBP_STR(name), DBP_STR(holder), DBP_INT(ttl_s) };
	if (db_query(db, NULL, db_jobs_sql[SQL_LEASE_INSERT], ins, 3, &r) < 0)
		return -1;
	/* Whether we inserted it or it was there, the conditional update decides. */
	if (db_query(db, NULL, update_sql, up, 5, &r) < 0)
		return -1;
	*held = r.affected > 0;
	return 0;
}

int db_jobs_release(struct db *db, const char *name, const char *holder)
{
	struct db_param p[] = { DBP_STR(name), DBP_STR(holder) };
	return db_query(db, NULL, db_jobs_sql[SQL_LEASE_RELEASE], p, 2, NULL);
}

int db_jobs_run_start(struct db *db, const char *id, const char *job_name, const char *holder, long long started_ms)
{
	struct db_param p[] = { DBP_STR(id), DBP_STR(job_name), DBP_STR(holder), DBP_INT(started_ms) };
	return db_query(db, NULL, db_jobs_sql[SQL_RUN_START], p, 4, NULL);
}

int db_jobs_run_finish(struct db *db, const char *id, const char *status, long long finished_ms, const char *stats,
		       const char *error)
{
	struct db_param p[] = { DBP_STR(status), DBP_INT(finished_ms), DBP_STR(stats), DBP_STR(error), DBP_STR(id) };
	return db_query(db, NULL, db_jobs_sql[SQL_RUN_FINISH], p, 5, NULL);
}

int db_jobs_run_record(struct db *db, const char *id, const char *job_name, const char *holder, long long started_ms,
		       long long finished_ms, const char *status, const char *stats, const char *error)
{
	struct db_param p[] = { DBP_STR(id),	     DBP_STR(job_name), DBP_STR(holder), DBP_INT(started_ms),
				DBP_INT(finished_ms), DBP_STR(status),   DBP_STR(stats),  DBP_STR(error) };
	return db_query(db, NULL, db_jobs_sql[SQL_RUN_RECORD], p, 8, NULL);
}
