/* db_cleaner.c - the statements of the retention cleaner (see db_cleaner.h). */
#include "core/db_cleaner.h"
#include "common/arena.h"
#include "common/timeutil.h"
#include "core/consolidate.h"
#include "core/db.h"

#define AT "FROM_UNIXTIME(? / 1000)"

/* One per enum cleaner_table, each deleting the oldest rows first (an index leads with the column). */
static const char *const db_cleaner_delete_sql[CLEANER_NTABLES] = {
	"DELETE FROM spot_price_snapshots WHERE received_at < " AT " ORDER BY received_at LIMIT ?",
	"DELETE FROM pricing_reports WHERE received_at < " AT " ORDER BY received_at LIMIT ?",
	/* Replicas pointing at them keep their rows: replica_instances.instance_id is ON DELETE SET NULL. */
	"DELETE FROM instances WHERE role = 'terminated' AND terminated_at < " AT " ORDER BY terminated_at LIMIT ?",
	"DELETE FROM sessions WHERE expires_at < " AT " ORDER BY expires_at LIMIT ?",
	"DELETE FROM idempotency_keys WHERE expires_at < " AT " ORDER BY expires_at LIMIT ?",
	"DELETE FROM job_runs WHERE started_at < " AT " ORDER BY started_at LIMIT ?",
	"DELETE FROM ml_decisions WHERE decided_at < " AT " AND NOT executed ORDER BY decided_at LIMIT ?",
	"DELETE FROM ml_decisions WHERE decided_at < " AT " AND executed ORDER BY decided_at LIMIT ?",
	"DELETE FROM pool_risk_analysis WHERE analyzed_at < " AT " ORDER BY analyzed_at LIMIT ?",
};

static const char *const db_cleaner_sql[] = {
	"SELECT value FROM system_config WHERE `key` = '" CONSOLIDATE_WATERMARK_KEY "'",
	"INSERT INTO cleanup_logs (id, source, rows_deleted, details, created_at) "
	"VALUES (UUID(), 'server', ?, ?, UTC_TIMESTAMP(3))",
};
enum { SQL_WATERMARK, SQL_LOG };

int db_cleaner_batch(struct db *db, struct arena *a, enum cleaner_table t, int64_t cutoff_ms, long limit,
		     long long *deleted)
{
	struct db_param p[] = { DBP_INT(cutoff_ms), DBP_INT(limit) };
	struct db_rows r;

	*deleted = 0;
	if (db_query(db, a, db_cleaner_delete_sql[t], p, 2, &r) < 0)
		return -1;
	*deleted = (long long)r.affected;
	return 0;
}

int db_cleaner_watermark(struct db *db, struct arena *a, int64_t *ms, int *found)
{
	struct db_rows r;
	*found = 0;
	if (db_query(db, a, db_cleaner_sql[SQL_WATERMARK], NULL, 0, &r) < 0)
		return -1;
	if (r.nrows && time_parse_rfc3339(db_rows_cell(&r, 0, 0), ms) == 0)
		*found = 1;
	return 0;
}

int db_cleaner_log(struct db *db, long long rows_deleted, const char *details)
{
	struct db_param p[] = { DBP_INT(rows_deleted), DBP_STR(details) };
	return db_query(db, NULL, db_cleaner_sql[SQL_LOG], p, 2, NULL);
}
