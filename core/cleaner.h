/*
 * cleaner.h - weekly retention (seed 001 "Data Cleaner"; DESIGN.md section 6):
 * staging prices 7 days, pricing reports 30 days, terminated instances
 * ("terminated zombies") 30 days after termination, expired sessions and
 * idempotency keys, job runs 90 days; the decision log (issue 8): decisions that
 * issued a command 90 days, the others ("stay" and recommendations, one per agent
 * every 5 minutes) 14 days; hourly pool risk rows 90 days.
 *
 * Each table is cut in batches of CLEANER_BATCH_ROWS oldest rows (DELETE ...
 * ORDER BY ... LIMIT, each its own short autocommit statement), so no lock on a
 * hot table is held for long; at most CLEANER_MAX_BATCHES batches per table and
 * tick keep a tick bounded (the next tick goes on). Staging prices newer than
 * the consolidation watermark are kept whatever their age, so nothing is lost
 * when consolidation is behind. Stats per table; a cleanup_logs row (source
 * 'server') and an audit row per run that deleted something.
 */
#ifndef SPOT_CLEANER_H
#define SPOT_CLEANER_H

#include "core/result.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;
struct json_object;

#define CLEANER_BATCH_ROWS 5000
#define CLEANER_MAX_BATCHES 200
#define CLEANER_DAY_MS (86400 * 1000LL)

/* The retention rules, in the order they run. */
enum cleaner_table {
	CLEANER_STAGING_PRICES,
	CLEANER_PRICING_REPORTS,
	CLEANER_TERMINATED_INSTANCES,
	CLEANER_SESSIONS,
	CLEANER_IDEMPOTENCY_KEYS,
	CLEANER_JOB_RUNS,
	CLEANER_DECISIONS,
	CLEANER_DECISIONS_EXECUTED,
	CLEANER_POOL_RISK,
	CLEANER_NTABLES,
};

struct cleaner_rule {
	const char *name;  /* the stats key: the table's name (with what part of it) */
	int keep_days;     /* 0: rows whose expires_at has passed */
};

extern const struct cleaner_rule cleaner_rules[CLEANER_NTABLES];

/* The cut-off (epoch ms) of rule t at now: rows older than it go. */
int64_t cleaner_cutoff(enum cleaner_table t, int64_t now_ms);

/* The job's tick (jobs/job_cleaner.c). */
enum core_result cleaner_tick(struct db *db, struct arena *a, int64_t now_ms, struct json_object *stats,
			      const char **error);

#endif
