/*
 * db_jobs.h - job_leases and job_runs (DESIGN.md section 6).
 * Lease times are the database's clock, so hosts with skewed clocks agree.
 */
#ifndef SPOT_DB_JOBS_H
#define SPOT_DB_JOBS_H

#include <stddef.h>

struct arena;
struct db;

/*
 * Takes or renews the lease `name` for holder for ttl_s seconds: *held = 1
 * when holder has it now (it was free, expired, or already holder's).
 * 0 or -1.
 */
int db_jobs_lease(struct db *db, const char *name, const char *holder, long ttl_s, int *held);
/* Gives the lease up early (a clean stop), if holder has it. */
int db_jobs_release(struct db *db, const char *name, const char *holder);

/* A run that started at started_ms (epoch ms, from the process) with status running. */
int db_jobs_run_start(struct db *db, const char *id, const char *job_name, const char *holder, long long started_ms);
/* Finishes a run: status succeeded|failed, stats JSON text (may be NULL), error (may be NULL). */
int db_jobs_run_finish(struct db *db, const char *id, const char *status, long long finished_ms, const char *stats,
		       const char *error);
/* Records a whole run at once (a run that could not be recorded while the database was away). */
int db_jobs_run_record(struct db *db, const char *id, const char *job_name, const char *holder, long long started_ms,
		       long long finished_ms, const char *status, const char *stats, const char *error);

#endif
