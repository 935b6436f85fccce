/*
 * jobloop.h - the thin main every job executable shares (DESIGN.md section 6).
 *
 *   spot-<job> [--config FILE] [--once] [--interval SECONDS] [--now RFC3339] [job options]
 *
 * A job is a core tick(db, arena, now_ms, stats) that does one bounded pass
 * and adds its counts to stats (a JSON object). The loop, per tick: take the
 * lease when the job is singular (skip the tick when another holder has it),
 * record a job_runs row (running), tick, record its outcome and stats, log
 * one line. --now fixes the tick's clock (tests drive time that way). When the
 * database is away the tick fails; the failed run is kept in memory and
 * recorded once the database is back, and the loop goes on. SIGTERM stops it
 * cleanly between ticks (a tick in progress finishes).
 *
 * Exit codes: 0 done (or stopped), 1 a --once tick failed, 2 bad usage or configuration.
 */
#ifndef SPOT_JOBLOOP_H
#define SPOT_JOBLOOP_H

#include "core/result.h"

#include <stdint.h>

struct arena;
struct db;
struct json_object;

struct jobloop_job {
	const char *name;          /* job_runs.job_name and lease name, e.g. "replica-coordinator" */
	long default_interval_s;
	int singular;              /* takes the lease `name` for each tick */
	/* One pass. Returns CORE_OK, or CORE_ERR with db->last_error (or *error) saying why. */
	enum core_result (*tick)(struct db *db, struct arena *a, int64_t now_ms, struct json_object *stats,
				 const char **error);
	/*
	 * Optional: a job's own options. parse_arg sees every argument the loop
	 * does not know (argv[*i]); it returns 0 when it took it (advancing *i past
	 * any value it consumed), 1 when it does not know it (usage error), -1 when
	 * the value is bad (it printed why). opts is the job's option struct,
	 * passed to parse_arg and to tick_opts. usage_extra is appended to the
	 * usage line, e.g. "[--from RFC3339 --to RFC3339]".
	 */
	int (*parse_arg)(void *opts, int argc, char **argv, int *i);
	void *opts;
	const char *usage_extra;
	/* Used instead of tick when set: the same pass, with the job's options. */
	enum core_result (*tick_opts)(void *opts, struct db *db, struct arena *a, int64_t now_ms,
				      struct json_object *stats, const char **error);
};

/* Runs the job's command line; returns the process exit code. */
int jobloop_main(int argc, char **argv, const struct jobloop_job *job);

#endif
