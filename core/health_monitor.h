/*
 * health_monitor.h - the health monitor's tick (DESIGN.md section 6, seed 001
 * "Health Monitor"; issue 6 part 3). spot-health-monitor runs it every
 * HEALTH_INTERVAL_S under the lease "health-monitor". One pass:
 *
 *  1. online agents without a heartbeat for HEALTH_OFFLINE_AFTER_S go offline
 *     (a conditional update, so a heartbeat that raced in wins), each with an
 *     agent.offline audit row and notification; the next heartbeat brings the
 *     agent back (the API does that, core/agents.c);
 *  2. the heartbeat miss rate of the last complete period of HEALTH_PERIOD_S
 *     (aligned to the epoch) into agent_health_metrics, one row per agent and
 *     period, never rewritten (see db_health_monitor_metrics for how received
 *     heartbeats are counted from the last heartbeat time);
 *  3. zombies whose termination was handed out but not confirmed within
 *     HEALTH_ZOMBIE_CONFIRM_S raise one zombie.unconfirmed notification each
 *     (dedupe key "zombie_unconfirmed:<instance>") with an audit row;
 *  4. every job of health_monitor_jobs[] that has run at all but has no
 *     successful run started within HEALTH_STALE_INTERVALS of its intervals
 *     raises an admin notification, once per job per day (dedupe key
 *     "job_stale:<job>:<YYYY-MM-DD>").
 *
 * Stats: agents_offline, metrics_rows, zombies_notified, jobs_stale.
 */
#ifndef SPOT_HEALTH_MONITOR_H
#define SPOT_HEALTH_MONITOR_H

#include "core/result.h"

#include <stddef.h>
#include <stdint.h>

#define HEALTH_INTERVAL_S 300
#define HEALTH_OFFLINE_AFTER_S 600     /* silent this long: offline (seed 001: 10 minutes) */
#define HEALTH_MAX_OFFLINE 500         /* agents taken offline per tick */
#define HEALTH_PERIOD_S 300            /* agent_health_metrics period */
#define HEALTH_METRICS_RECENT_S 86400  /* agents silent longer than this get no more metric rows */
#define HEALTH_MAX_METRICS 20000       /* metric rows per tick */
#define HEALTH_ZOMBIE_CONFIRM_S 900    /* a handed-out termination unconfirmed this long is reported */
#define HEALTH_MAX_ZOMBIES 200         /* zombie notifications per tick */
#define HEALTH_STALE_INTERVALS 3       /* a job is stale after this many of its intervals without success */

struct arena;
struct db;
struct json_object;

/* The jobs the monitor watches and their default intervals (jobs/job_*.c). */
struct health_job {
	const char *name;
	long interval_s;
};
extern const struct health_job health_monitor_jobs[];
extern const size_t health_monitor_njobs;

/* One pass at now_ms; adds its counts to stats. CORE_OK, or CORE_ERR (db->last_error says why). */
enum core_result health_monitor_tick(struct db *db, struct arena *a, int64_t now_ms, struct json_object *stats,
				     const char **error);

#endif
