/* health_monitor.c - offline agents, heartbeat metrics, unconfirmed zombies, stale jobs (see health_monitor.h). */
#include "core/health_monitor.h"
#include "core/agents.h"
#include "core/clients.h"
#include "core/db.h"
#include "core/db_health_monitor.h"
#include "core/db_notify.h"
#include "core/txn.h"
#include "common/arena.h"
#include "common/timeutil.h"

#include <json-c/json.h>
#include <string.h>

static const struct actor health_monitor_actor = { "job", "health-monitor", NULL };

const struct health_job health_monitor_jobs[] = {
	{ "replica-coordinator", 10 }, { "consolidate", 3600 },	 { "health-monitor", HEALTH_INTERVAL_S },
	{ "snapshots", 86400 },	       { "cleaner", 7 * 86400 }, { "decide", 300 },
	{ "risk-analysis", 3600 },
};
const size_t health_monitor_njobs = sizeof(health_monitor_jobs) / sizeof(health_monitor_jobs[0]);

#define HEALTH_ZOMBIE_DEDUPE "zombie_unconfirmed:"

struct health_offline_ctx {
	struct arena *a;
	int64_t cutoff_ms;
	long long changed;
};

/* One transaction for the batch: each transition is a conditional update with its audit row and notification. */
static enum core_result health_monitor_offline_step(struct db *db, void *ctx)
{
	struct health_offline_ctx *c = ctx;
	struct health_agent *rows;
	size_t n;

	c->changed = 0;
	if (db_health_monitor_silent(db, c->a, c->cutoff_ms, HEALTH_MAX_OFFLINE, &rows, &n) < 0)
		return CORE_ERR;
	for (size_t i = 0; i < n; i++) {
		const struct health_agent *g = &rows[i];
		int rc = db_health_monitor_set_offline(db, g->id, c->cutoff_ms);
		if (rc < 0)
			return CORE_ERR;
		if (rc == 0)
			continue; /* a heartbeat came in meanwhile */
		const char *post = arena_printf(c->a, "{\"status\":\"offline\",\"last_heartbeat_at\":\"%s\"}",
						g->last_heartbeat_at);
		if (clients_audit(db, &health_monitor_actor, g->client_id, g->id, "agent.offline", "agent", g->id,
				  "no heartbeat for 10 minutes", "{\"status\":\"online\"}", post) < 0)
			return CORE_ERR;
		struct notification nt = {
			.client_id = g->client_id,
			.agent_id = g->id,
			.type = "agent.offline",
			.severity = "warning",
			.title = "Agent offline",
			.message = arena_printf(c->a, "No heartbeat from instance %s since %s.",
						g->instance_id ? g->instance_id : "(none)", g->last_heartbeat_at),
			/* One per silence: the same last heartbeat never notifies twice. */
			.dedupe_key = arena_printf(c->a, "agent_offline:%s:%s", g->id, g->last_heartbeat_at),
		};
		if (db_notify_add(db, &nt) < 0)
			return CORE_ERR;
		c->changed++;
	}
	return CORE_OK;
}

struct health_zombie_ctx {
	struct arena *a;
	int64_t now_ms;
	long long notified;
};

static enum core_result health_monitor_zombie_step(struct db *db, void *ctx)
{
	struct health_zombie_ctx *c = ctx;
	struct health_zombie *rows;
	size_t n;

	c->notified = 0;
	if (db_health_monitor_zombies(db, c->a, c->now_ms, HEALTH_ZOMBIE_CONFIRM_S, HEALTH_ZOMBIE_DEDUPE,
				      HEALTH_MAX_ZOMBIES, &rows, &n) < 0)
		return CORE_ERR;
	for (size_t i = 0; i < n; i++) {
		const struct health_zombie *z = &rows[i];
		const char *post = arena_printf(c->a, "{\"role\":\"zombie\",\"termination_attempted_at\":\"%s\","
						      "\"termination_confirmed\":false}", z->attempted_at);
		if (clients_audit(db, &health_monitor_actor, z->client_id, z->agent_id, "zombie.unconfirmed", "instance",
				  z->id, "termination handed out but not confirmed", NULL, post) < 0)
			return CORE_ERR;
		struct notification nt = {
			.client_id = z->client_id,
			.agent_id = z->agent_id,
			.type = "zombie.unconfirmed",
			.severity = "warning",
			.title = arena_printf(c->a, "Zombie %s not terminated", z->id),
			.message = arena_printf(c->a,
						"Instance %s (a zombie since %s) was handed out for termination at %s, "
						"and its agent has not confirmed it. Check the instance in EC2.",
						z->id, z->role_changed_at, z->attempted_at),
			.dedupe_key = arena_printf(c->a, HEALTH_ZOMBIE_DEDUPE "%s", z->id),
		};
		if (db_notify_add(db, &nt) < 0)
			return CORE_ERR;
		c->notified++;
	}
	return CORE_OK;
}

/* Jobs without a successful run in HEALTH_STALE_INTERVALS intervals: one admin notification per job per day. */
static int health_monitor_jobs_check(struct db *db, struct arena *a, int64_t now_ms, long long *stale)
{
	char day[32];
	*stale = 0;
	if (time_format_rfc3339(now_ms, day, sizeof(day)) < 0)
		return -1;
	day[10] = '\0';
	for (size_t i = 0; i < health_monitor_njobs; i++) {
		const struct health_job *j = &health_monitor_jobs[i];
		int ran, fresh;
		int64_t since = now_ms - (int64_t)HEALTH_STALE_INTERVALS * j->interval_s * 1000;
		if (db_health_monitor_job_state(db, a, j->name, since, &ran, &fresh) < 0)
			return -1;
		if (!ran || fresh)
			continue; /* never deployed here, or healthy */
		struct notification nt = {
			.client_id = NULL,
			.type = "job.stale",
			.severity = "error",
			.title = arena_printf(a, "Job %s is not running", j->name),
			.message = arena_printf(a,
						"spot-%s has had no successful run in %d of its %ld-second intervals. "
						"See /admin/jobs and its log.",
						j->name, HEALTH_STALE_INTERVALS, j->interval_s),
			.dedupe_key = arena_printf(a, "job_stale:%s:%s", j->name, day),
		};
		if (db_notify_add(db, &nt) < 0)
			return -1;
		(*stale)++;
	}
	return 0;
}

enum core_result health_monitor_tick(struct db *db, struct arena *a, int64_t now_ms, struct json_object *stats,
				     const char **error)
{
	struct health_offline_ctx off = { .a = a, .cutoff_ms = now_ms - (int64_t)HEALTH_OFFLINE_AFTER_S * 1000 };
	struct health_zombie_ctx zc = { .a = a, .now_ms = now_ms };
	int64_t period_ms = (int64_t)HEALTH_PERIOD_S * 1000, end = now_ms - now_ms % period_ms;
	long long metrics = 0, stale = 0;
	enum core_result rc;

	(void)error;
	rc = txn_run(db, "health_monitor_offline", 0, health_monitor_offline_step, &off);
	if (rc != CORE_OK)
		return CORE_ERR;
	if (db_health_monitor_metrics(db, end - period_ms, end, AGENT_HEARTBEAT_S,
				      now_ms - (int64_t)HEALTH_METRICS_RECENT_S * 1000, HEALTH_MAX_METRICS, &metrics) < 0)
		return CORE_ERR;
	rc = txn_run(db, "health_monitor_zombies", 0, health_monitor_zombie_step, &zc);
	if (rc != CORE_OK)
		return CORE_ERR;
	if (health_monitor_jobs_check(db, a, now_ms, &stale) < 0)
		return CORE_ERR;
	json_object_object_add(stats, "agents_offline", json_object_new_int64(off.changed));
	json_object_object_add(stats, "metrics_rows", json_object_new_int64(metrics));
	json_object_object_add(stats, "zombies_notified", json_object_new_int64(zc.notified));
	json_object_object_add(stats, "jobs_stale", json_object_new_int64(stale));
	return CORE_OK;
}
