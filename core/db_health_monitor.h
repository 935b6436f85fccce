/*
 * db_health_monitor.h - the health monitor's statements (core/health_monitor.h):
 * silent agents, heartbeat metrics, unconfirmed zombie terminations and job runs.
 * now_ms and the other times are the tick's clock (ms since the epoch, UTC).
 * Strings live in the caller's arena. 0 / -1 unless said otherwise.
 */
#ifndef SPOT_DB_HEALTH_MONITOR_H
#define SPOT_DB_HEALTH_MONITOR_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

struct health_agent {
	const char *id, *client_id, *instance_id, *last_heartbeat_at; /* RFC 3339 */
};
/* Online agents whose last heartbeat is before cutoff_ms, oldest first, at most max. */
int db_health_monitor_silent(struct db *db, struct arena *a, int64_t cutoff_ms, size_t max, struct health_agent **rows,
			     size_t *n);
/* online -> offline if the agent is still online and silent since before cutoff_ms. 1 changed, 0 not, -1. */
int db_health_monitor_set_offline(struct db *db, const char *agent_id, int64_t cutoff_ms);

/*
 * agent_health_metrics for the period [start_ms, end_ms) of every enabled
 * agent created before end_ms and heard from since recent_ms, that has no row
 * for the period yet (at most max): heartbeats expected = whole heartbeat
 * intervals the agent existed in the period; received = expected minus the
 * whole intervals it was silent in the period before end_ms (the server keeps
 * only the last heartbeat time, so a silence before a later heartbeat inside
 * the same period is not seen). Plus the primary's uptime and status and the
 * agent's pending commands. *added = rows inserted.
 */
int db_health_monitor_metrics(struct db *db, int64_t start_ms, int64_t end_ms, long heartbeat_s, int64_t recent_ms,
			      size_t max, long long *added);

struct health_zombie {
	const char *id, *agent_id, *client_id, *attempted_at, *role_changed_at; /* RFC 3339 */
};
/*
 * Zombies whose termination was handed out but not confirmed: attempted
 * before now - timeout_s, or zombies for longer than the agent's
 * terminate_wait_seconds + timeout_s (the hand-out retries re-stamp the
 * attempt); without a notification under dedupe_prefix + id yet. At most max.
 */
int db_health_monitor_zombies(struct db *db, struct arena *a, int64_t now_ms, long timeout_s, const char *dedupe_prefix,
			      size_t max, struct health_zombie **rows, size_t *n);

/* *ran = job_name has any run recorded; *fresh = it has a succeeded run started at or after since_ms. */
int db_health_monitor_job_state(struct db *db, struct arena *a, const char *job_name, int64_t since_ms, int *ran,
				int *fresh);

#endif
