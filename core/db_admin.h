/*
 * db_admin.h - the admin API's read queries (issue 7): the database's own
 * state, job runs and their lag, data quality of the consolidated prices.
 * Rows in the column order written here, strings in the caller's arena,
 * times as RFC 3339 text. Lags are measured on the database's clock.
 */
#ifndef SPOT_DB_ADMIN_H
#define SPOT_DB_ADMIN_H

#include "core/db.h"

/*
 * One row: server version, latest applied migration, agents, agents online, active clients, SAFE_MODE value,
 * the database's time.
 */
int db_admin_db_info(struct db *db, struct arena *a, struct db_rows *out);
/*
 * The job's latest run and latest success, one row (NULLs when none): status, started_at, finished_at, error,
 * last success finished_at, seconds since it (the lag), runs and failed runs in the last 24 hours.
 */
int db_admin_job_state(struct db *db, struct arena *a, const char *job_name, struct db_rows *out);
/*
 * Job runs, newest first: id, job_name, holder, started_at, finished_at, duration (s), status, stats (JSON
 * text), error. job_name NULL: every job.
 */
int db_admin_job_runs(struct db *db, struct arena *a, const char *job_name, long limit, long offset,
		      struct db_rows *out);
/*
 * Data quality of pricing_consolidated per UTC day over the last days, newest first: date, buckets,
 * interpolated, gap-flagged, interpolated or flagged.
 */
int db_admin_quality(struct db *db, struct arena *a, long days, struct db_rows *out);

#endif
