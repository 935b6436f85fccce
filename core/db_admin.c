/* db_admin.c - the admin API's statements (see db_admin.h). */
#include "core/db_admin.h"

static const char *const db_admin_sql[] = {
	"SELECT VERSION(), (SELECT MAX(version) FROM schema_migrations), (SELECT COUNT(*) FROM agents), "
	"(SELECT COUNT(*) FROM agents WHERE status = 'online'), (SELECT COUNT(*) FROM clients WHERE is_active), "
	"(SELECT value FROM system_config WHERE `key` = 'SAFE_MODE'), " DB_RFC3339("UTC_TIMESTAMP(3)"),

	"SELECT l.status, " DB_RFC3339("l.started_at") ", " DB_RFC3339("l.finished_at") ", l.error, "
	DB_RFC3339("s.finished_at") ", TIMESTAMPDIFF(SECOND, s.finished_at, UTC_TIMESTAMP(3)), "
	"(SELECT COUNT(*) FROM job_runs d WHERE d.job_name = ? AND d.started_at >= UTC_TIMESTAMP(3) - INTERVAL 1 DAY), "
	"(SELECT COUNT(*) FROM job_runs d WHERE d.job_name = ? AND d.started_at >= UTC_TIMESTAMP(3) - INTERVAL 1 DAY "
	"AND d.status = 'failed') "
	"FROM (SELECT 1 AS k) one "
	"LEFT JOIN (SELECT status, started_at, finished_at, error FROM job_runs WHERE job_name = ? "
	"ORDER BY started_at DESC LIMIT 1) l ON TRUE "
	"LEFT JOIN (SELECT finished_at FROM job_runs WHERE job_name = ? AND status = 'succeeded' "
	"ORDER BY started_at DESC LIMIT 1) s ON TRUE",

	"SELECT id, job_name, holder, " DB_RFC3339("started_at") ", " DB_RFC3339("finished_at") ", "
	"TIMESTAMPDIFF(MICROSECOND, started_at, finished_at) / 1000000, status, stats, error FROM job_runs "
	"WHERE (? IS NULL OR job_name = ?) ORDER BY started_at DESC, id LIMIT ? OFFSET ?",

	"SELECT DATE_FORMAT(bucket_start, '%Y-%m-%d') AS d, COUNT(*), SUM(data_quality_flag = 'interpolated'), "
	"SUM(gap_flagged), SUM(data_quality_flag = 'interpolated' OR gap_flagged) FROM pricing_consolidated "
	"WHERE bucket_start >= UTC_DATE() - INTERVAL ? DAY GROUP BY d ORDER BY d DESC",
};
enum { SQL_DB_INFO, SQL_JOB_STATE, SQL_JOB_RUNS, SQL_QUALITY };

int db_admin_db_info(struct db *db, struct arena *a, struct db_rows *out)
{
	return db_query(db, a, db_admin_sql[SQL_DB_INFO], NULL, 0, out);
}

int db_admin_job_state(struct db *db, struct arena *a, const char *job_name, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(job_name), DBP_STR(job_name), DBP_STR(job_name), DBP_STR(job_name) };
	return db_query(db, a, db_admin_sql[SQL_JOB_STATE], p, 4, out);
}

int db_admin_job_runs(struct db *db, struct arena *a, const char *job_name, long limit, long offset,
		      struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(job_name), DBP_STR(job_name), DBP_INT(limit), DBP_INT(offset) };
	return db_query(db, a, db_admin_sql[SQL_JOB_RUNS], p, 4, out);
}

int db_admin_quality(struct db *db, struct arena *a, long days, struct db_rows *out)
{
	struct db_param p[] = { DBP_INT(days) };
	return db_query(db, a, db_admin_sql[SQL_QUALITY], p, 1, out);
}
