/* coordinator.c - the replica coordinator's tick (see coordinator.h). */
#include "core/coordinator.h"
#include "core/clients.h"
#include "core/commands.h"
#include "core/db.h"
#include "core/db_commands.h"
#include "core/db_coordinator.h"
#include "core/db_notices.h"
#include "core/db_notify.h"
#include "core/db_replicas.h"
#include "core/db_risk.h"
#include "core/replicas.h"
#include "core/risk.h"
#include "core/safe_mode.h"
#include "core/txn.h"
#include "common/arena.h"
#include "common/log.h"

#include <json-c/json.h>
#include <string.h>

static const struct actor coordinator_actor = { "job", "replica-coordinator", NULL };

struct coordinator_counts {
	long long replicas_created, promoted, emergency_commands, notices_closed, stuck_failed, terminated;
};

struct coordinator_ctx {
	struct arena *a;
	const char *agent_id;
	int64_t now_ms;
	int safe_mode;
	struct coordinator_counts n; /* this agent's, reset by every attempt */
};

static const char *coordinator_json_str(struct arena *a, const char *s)
{
	return s ? arena_printf(a, "\"%s\"", s) : "null";
}

/* The outcome of a termination notice at its close; NULL keeps it open a while longer. */
static const char *coordinator_termination_outcome(const struct coordinator_event *e, int64_t now_ms,
						   double *failover_s)
{
	const char *act = e->response_action, *cs = e->command_status;
	*failover_s = -1.0;
	if (!act)
		return "unhandled";
	if (!strcmp(act, "promote_replica")) {
		*failover_s = e->promoted_after_s >= 0 ? e->promoted_after_s : 0.0;
		return "promoted";
	}
	if (!strcmp(act, "emergency_launch")) {
		if (cs && !strcmp(cs, "succeeded")) {
			*failover_s = e->command_after_s;
			return "emergency_launched";
		}
		if (!cs || !strcmp(cs, "failed") || !strcmp(cs, "expired"))
			return "emergency_failed";
		/* pending, acked or running: wait for it, but not for ever. */
		return now_ms < e->deadline_ms + (int64_t)COORD_OUTCOME_WAIT_S * 1000 ? NULL : "emergency_unconfirmed";
	}
	return "no_failover";
}

static enum core_result coordinator_close(struct db *db, struct coordinator_ctx *c,
					  const struct coordinator_agent *ca, const struct coordinator_event *e,
					  const char *outcome, double failover_s)
{
	struct arena *a = c->a;
	int rc = db_coordinator_event_close(db, e->id, e->version, c->now_ms, outcome, failover_s);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_CONFLICT;
	const char *post = failover_s >= 0
				   ? arena_printf(a, "{\"resolved\":true,\"outcome\":\"%s\",\"failover_seconds\":%.3f}",
						  outcome, failover_s)
				   : arena_printf(a, "{\"resolved\":true,\"outcome\":\"%s\",\"failover_seconds\":null}",
						  outcome);
	if (clients_audit(db, &coordinator_actor, ca->ag.client_id, ca->ag.id, "interruption.closed",
			  "interruption_event", e->id, e->signal_type, "{\"resolved\":false}", post) < 0)
		return CORE_ERR;
	c->n.notices_closed++;
	return CORE_OK;
}

/* A termination notice of the primary that the API did not answer: promote, else emergency launch. */
static enum core_result coordinator_termination_act(struct db *db, struct coordinator_ctx *c,
						    struct coordinator_agent *ca, const struct coordinator_event *e)
{
	struct arena *a = c->a;
	struct replica_row rep;
	const char *action, *replica_id = NULL, *command_id = NULL;
	int rc = db_replicas_ready_lock(db, a, ca->ag.id, &rep);
	if (rc < 0)
		return CORE_ERR;
	if (rc == 1) {
		enum core_result r = replicas_promote(db, a, &ca->ag, e->instance_id, &rep, &coordinator_actor);
		if (r != CORE_OK)
			return r;
		action = "promote_replica";
		replica_id = rep.id;
		c->n.promoted++;
	} else {
		long open = db_commands_count_open(db, a, ca->ag.id, "emergency_launch");
		if (open < 0)
			return CORE_ERR;
		action = "emergency_launch";
		if (open == 0) {
			const char *target = NULL, *az = NULL;
			double price;
			char cid[UUID_STR_LEN + 1];
			if (db_replicas_target_pool(db, a, ca->ag.instance_type, ca->ag.region, e->pool_id, &target, &az,
						    &price) < 0)
				return CORE_ERR;
			struct command_new cmd = {
				.client_id = ca->ag.client_id,
				.agent_id = ca->ag.id,
				.type = "emergency_launch",
				.payload = arena_printf(a,
							"{\"target_pool_id\":%s,\"target_mode\":\"spot\",\"instance_type\":%s,"
							"\"region\":%s,\"interrupted_instance_id\":\"%s\",\"event_id\":\"%s\"}",
							coordinator_json_str(a, target),
							coordinator_json_str(a, ca->ag.instance_type),
							coordinator_json_str(a, ca->ag.region), e->instance_id, e->id),
				.request_id = arena_printf(a, "termination:%s", e->id), /* the API's key: never two */
				.reason = "termination",
				.priority = COMMAND_PRIORITY_EMERGENCY,
				.ttl_seconds = 900,
			};
			enum core_result r = commands_queue(db, a, &cmd, &coordinator_actor, cid);
			if (r != CORE_CREATED && r != CORE_DUPLICATE)
				return CORE_ERR;
			command_id = arena_strdup(a, cid);
			if (r == CORE_CREATED)
				c->n.emergency_commands++;
		}
	}
	rc = db_coordinator_event_respond(db, e->id, e->version, -1.0, action, replica_id, command_id);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_CONFLICT;
	const char *post = arena_printf(a, "{\"response_action\":\"%s\",\"replica_id\":%s,\"command_id\":%s}", action,
					coordinator_json_str(a, replica_id), coordinator_json_str(a, command_id));
	if (clients_audit(db, &coordinator_actor, ca->ag.client_id, ca->ag.id, "interruption.responded",
			  "interruption_event", e->id, "termination notice the API had not answered",
			  "{\"response_action\":null}", post) < 0)
		return CORE_ERR;
	struct notification nt = {
		.client_id = ca->ag.client_id,
		.agent_id = ca->ag.id,
		.type = "interruption.termination",
		.severity = "critical",
		.title = arena_printf(a, "Spot termination notice for %s", e->instance_id),
		.message = replica_id ? arena_printf(a, "Replica %s was promoted to primary.", replica_id)
				      : "No ready replica: emergency launch queued.",
		.dedupe_key = arena_printf(a, "coordinator-termination:%s", e->id),
	};
	if (db_notify_add(db, &nt) < 0)
		return CORE_ERR;
	/* The promotion moved the agent's placement: read it again for the steps after this one. */
	if (replica_id && db_coordinator_agent_lock(db, a, ca->ag.id, ca) != 1)
		return CORE_ERR;
	return CORE_OK;
}

/* A rebalance notice of an auto-switch primary: a replica once the pool's risk is above the threshold. */
static enum core_result coordinator_rebalance_act(struct db *db, struct coordinator_ctx *c,
						  const struct coordinator_agent *ca, const struct coordinator_event *e)
{
	struct arena *a = c->a;
	struct risk_inputs ri;
	struct replica_row live;
	int rc = db_replicas_live_lock(db, a, ca->ag.id, &live);
	if (rc != 0)
		return rc < 0 ? CORE_ERR : CORE_OK; /* one is live already */
	memset(&ri, 0, sizeof(ri));
	ri.interruption_bucket = -1;
	if (e->pool_id && db_risk_inputs(db, a, e->pool_id, &ri) < 0)
		return CORE_ERR;
	double risk = risk_pool_score(&ri);
	if (risk <= RISK_REBALANCE_THRESHOLD)
		return CORE_OK;
	struct replica_launched l;
	enum core_result r = replicas_launch(db, a, &ca->ag, "automatic-rebalance", "rebalance", &coordinator_actor, &l);
	if (r != CORE_CREATED)
		return r == CORE_DUPLICATE ? CORE_CONFLICT : CORE_ERR;
	c->n.replicas_created++;
	rc = db_coordinator_event_respond(db, e->id, e->version, risk, "launch_replica", l.id, l.command_id);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_CONFLICT;
	const char *pre = arena_printf(a, "{\"response_action\":%s}", coordinator_json_str(a, e->response_action));
	const char *post = arena_printf(a, "{\"response_action\":\"launch_replica\",\"risk\":%.4f,\"replica_id\":\"%s\"}",
					risk, l.id);
	if (clients_audit(db, &coordinator_actor, ca->ag.client_id, ca->ag.id, "interruption.responded",
			  "interruption_event", e->id, "pool risk rose above the rebalance threshold", pre, post) < 0)
		return CORE_ERR;
	struct notification nt = {
		.client_id = ca->ag.client_id,
		.agent_id = ca->ag.id,
		.type = "interruption.rebalance",
		.severity = "warning",
		.title = arena_printf(a, "Rebalance recommendation for %s", e->instance_id),
		.message = arena_printf(a, "Pool %s risk %.2f: launching an emergency replica.",
					e->pool_id ? e->pool_id : "unknown", risk),
		.dedupe_key = arena_printf(a, "rebalance:%s:launch_replica", e->id),
	};
	return db_notify_add(db, &nt) < 0 ? CORE_ERR : CORE_OK;
}

static enum core_result coordinator_events(struct db *db, struct coordinator_ctx *c, struct coordinator_agent *ca)
{
	struct coordinator_event *ev;
	size_t n;
	long long closed0 = c->n.notices_closed;
	enum core_result rc;

	if (db_coordinator_events_lock(db, c->a, ca->ag.id, COORD_REBALANCE_OPEN_S, COORD_MAX_EVENTS, &ev, &n) < 0)
		return CORE_ERR;
	for (size_t i = 0; i < n; i++) {
		const struct coordinator_event *e = &ev[i];
		const char *role = e->instance_role;
		int is_primary = role && !strcmp(role, "primary");
		rc = CORE_OK;
		if (!strcmp(e->signal_type, NOTICE_SIGNAL_TERMINATION)) {
			if (c->now_ms >= e->deadline_ms + (int64_t)COORD_NOTICE_GRACE_S * 1000) {
				double fo;
				const char *outcome = coordinator_termination_outcome(e, c->now_ms, &fo);
				if (outcome)
					rc = coordinator_close(db, c, ca, e, outcome, fo);
			} else if (!e->response_action && is_primary && !c->safe_mode) {
				rc = coordinator_termination_act(db, c, ca, e);
			}
		} else {
			int gone = !role || !strcmp(role, "zombie") || !strcmp(role, "terminated");
			if (c->now_ms >= e->deadline_ms || gone) {
				const char *act = e->response_action;
				rc = coordinator_close(db, c, ca, e,
						       !act ? "unhandled"
						       : !strcmp(act, "launch_replica") ? "replica_launched"
											: "monitored",
						       -1.0);
			} else if (is_primary && ca->auto_switch && !ca->ag.manual_replica && !c->safe_mode &&
				   (!e->response_action || !strcmp(e->response_action, "monitor"))) {
				rc = coordinator_rebalance_act(db, c, ca, e);
			}
		}
		if (rc != CORE_OK)
			return rc;
	}
	if (c->n.notices_closed > closed0) {
		const char *status;
		int changed;
		if (db_coordinator_notice_refresh(db, c->a, ca->ag.id, &status, &changed) < 0)
			return CORE_ERR;
		if (changed && clients_audit(db, &coordinator_actor, ca->ag.client_id, ca->ag.id, "agent.notice_status",
					     "agent", ca->ag.id, "interruption notices closed",
					     arena_printf(c->a, "{\"notice_status\":\"%s\"}", ca->ag.notice_status),
					     arena_printf(c->a, "{\"notice_status\":\"%s\"}", status)) < 0)
			return CORE_ERR;
	}
	return CORE_OK;
}

/* The replica's instance is terminated by the agent's primary; a launch not yet handed out is withdrawn. */
static enum core_result coordinator_terminate(struct db *db, struct coordinator_ctx *c,
					      const struct coordinator_agent *ca, const struct replica_row *r,
					      const char *status, const char *why)
{
	struct arena *a = c->a;
	struct command_row launch;
	char cid[UUID_STR_LEN + 1];
	int won, rc;

	if (r->instance_id && !c->safe_mode) {
		struct command_new cmd = {
			.client_id = ca->ag.client_id,
			.agent_id = ca->ag.id,
			.type = "terminate",
			.payload = arena_printf(a, "{\"replica_id\":\"%s\",\"instance_id\":\"%s\",\"reason\":\"%s\"}",
						r->id, r->instance_id, why),
			.request_id = arena_printf(a, "replica-terminate:%s", r->id),
			.reason = why,
			.priority = COMMAND_PRIORITY_HIGH,
			.ttl_seconds = COORD_TERMINATE_TTL_S,
		};
		enum core_result q = commands_queue(db, a, &cmd, &coordinator_actor, cid);
		if (q != CORE_CREATED && q != CORE_DUPLICATE)
			return CORE_ERR;
	}
	if (r->command_id) {
		rc = db_commands_get_lock(db, a, ca->ag.id, r->command_id, &launch);
		if (rc < 0)
			return CORE_ERR;
		if (rc == 1 && !strcmp(launch.status, "pending")) {
			if (db_commands_set_status(db, launch.id, launch.version, "expired", NULL, why, &won) < 0)
				return CORE_ERR;
			if (won && clients_audit(db, &coordinator_actor, ca->ag.client_id, ca->ag.id, "command.expired",
						 "command", launch.id, why, "{\"status\":\"pending\"}",
						 "{\"status\":\"expired\"}") < 0)
				return CORE_ERR;
		}
	}
	rc = db_coordinator_replica_end(db, r->id, r->version, status, !strcmp(status, "failed") ? why : NULL, c->now_ms);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_CONFLICT;
	const char *pre = arena_printf(a, "{\"status\":\"%s\",\"version\":%ld}", r->status, r->version);
	const char *post = arena_printf(a, "{\"status\":\"%s\",\"version\":%ld,\"reason\":\"%s\"}", status,
					r->version + 1, why);
	if (clients_audit(db, &coordinator_actor, ca->ag.client_id, ca->ag.id,
			  !strcmp(status, "failed") ? "replica.failed" : "replica.terminated", "replica", r->id, why, pre,
			  post) < 0)
		return CORE_ERR;
	if (!strcmp(status, "failed")) {
		struct notification nt = {
			.client_id = ca->ag.client_id,
			.agent_id = ca->ag.id,
			.type = "replica.failed",
			.severity = "warning",
			.title = "Replica failed",
			.message = arena_printf(a, "Replica %s was %s for too long and was given up (%s).", r->id,
						r->status, why),
			.dedupe_key = arena_printf(a, "replica-stuck:%s", r->id),
		};
		if (db_notify_add(db, &nt) < 0)
			return CORE_ERR;
	}
	return CORE_OK;
}

static enum core_result coordinator_replicas(struct db *db, struct coordinator_ctx *c,
					     const struct coordinator_agent *ca)
{
	struct coordinator_replica *reps;
	size_t n, live = 0;
	enum core_result rc;

	if (db_coordinator_replicas_lock(db, c->a, ca->ag.id, c->now_ms - (int64_t)COORD_LAUNCHING_TIMEOUT_S * 1000,
					 c->now_ms - (int64_t)COORD_SYNCING_TIMEOUT_S * 1000, COORD_MAX_REPLICAS, &reps,
					 &n) < 0)
		return CORE_ERR;
	for (size_t i = 0; i < n; i++) {
		const struct coordinator_replica *r = &reps[i];
		if (r->stuck) {
			rc = coordinator_terminate(db, c, ca, &r->r, "failed",
						   !strcmp(r->r.status, "launching") ? "stuck_launching" : "stuck_syncing");
			if (rc != CORE_OK)
				return rc;
			c->n.stuck_failed++;
			continue;
		}
		const char *why = NULL;
		if (r->mode_owned && !ca->ag.manual_replica)
			why = "left_manual_mode";
		else if (ca->ag.manual_replica && !strcmp(r->r.type, "manual") && ca->last_switch_ms &&
			 r->created_ms < ca->last_switch_ms)
			why = "primary_switched";
		if (why && !c->safe_mode) {
			if ((rc = coordinator_terminate(db, c, ca, &r->r, "terminated", why)) != CORE_OK)
				return rc;
			c->n.terminated++;
			continue;
		}
		live++;
	}
	if (!ca->ag.manual_replica || !ca->enabled || !ca->ag.instance_id || live || c->safe_mode)
		return CORE_OK;
	/* Manual mode: exactly one live replica, for the current primary, in the cheapest other pool. */
	struct replica_launched l;
	rc = replicas_launch(db, c->a, &ca->ag, "manual", "manual_mode", &coordinator_actor, &l);
	if (rc != CORE_CREATED)
		return rc == CORE_DUPLICATE ? CORE_CONFLICT : CORE_ERR;
	c->n.replicas_created++;
	struct notification nt = {
		.client_id = ca->ag.client_id,
		.agent_id = ca->ag.id,
		.type = "replica.launching",
		.severity = "info",
		.title = "Standby replica launching",
		.message = arena_printf(c->a, "Manual-replica mode: replica %s is launching%s%s.", l.id,
					l.target_pool_id ? " in " : "", l.target_pool_id ? l.target_pool_id : ""),
	};
	return db_notify_add(db, &nt) < 0 ? CORE_ERR : CORE_OK;
}

static enum core_result coordinator_agent_step(struct db *db, void *ctx)
{
	struct coordinator_ctx *c = ctx;
	struct coordinator_agent ca;
	enum core_result rc;

	memset(&c->n, 0, sizeof(c->n));
	int found = db_coordinator_agent_lock(db, c->a, c->agent_id, &ca);
	if (found <= 0)
		return found < 0 ? CORE_ERR : CORE_OK; /* deleted meanwhile */
	if ((rc = coordinator_events(db, c, &ca)) != CORE_OK)
		return rc;
	return coordinator_replicas(db, c, &ca);
}

static void coordinator_stat(struct json_object *stats, const char *key, long long v)
{
	json_object_object_add(stats, key, json_object_new_int64(v));
}

enum core_result coordinator_tick(struct db *db, struct arena *a, int64_t now_ms, struct json_object *stats,
				  const char **error)
{
	struct coordinator_counts total;
	struct safe_mode sm;
	const char **ids;
	size_t n;
	long long cost_rows = 0, errors = 0;

	memset(&total, 0, sizeof(total));
	if (safe_mode_get(db, a, &sm) < 0)
		return CORE_ERR;
	if (db_coordinator_candidates(db, a, now_ms - (int64_t)COORD_LAUNCHING_TIMEOUT_S * 1000,
				      now_ms - (int64_t)COORD_SYNCING_TIMEOUT_S * 1000, COORD_MAX_AGENTS, &ids, &n) < 0)
		return CORE_ERR;
	for (size_t i = 0; i < n; i++) {
		struct coordinator_ctx c = { .a = a, .agent_id = ids[i], .now_ms = now_ms, .safe_mode = sm.enabled };
		enum core_result rc = txn_run(db, "coordinator_agent", TXN_RETRY_DUPLICATE | TXN_RETRY_CONFLICT,
					      coordinator_agent_step, &c);
		if (rc == CORE_ERR && db_conn_lost(db)) {
			*error = "database connection lost";
			return CORE_ERR;
		}
		if (rc != CORE_OK && rc != CORE_CREATED) {
			/* One agent's trouble does not stop the others; it is looked at again next tick. */
			log_warn("coordinator: agent %s: %s", ids[i], rc == CORE_ERR ? db->last_error : "conflict persisted");
			errors++;
			continue;
		}
		total.replicas_created += c.n.replicas_created;
		total.promoted += c.n.promoted;
		total.emergency_commands += c.n.emergency_commands;
		total.notices_closed += c.n.notices_closed;
		total.stuck_failed += c.n.stuck_failed;
		total.terminated += c.n.terminated;
	}
	if (db_coordinator_cost_log(db, now_ms, COORD_COST_HOURS, COORD_COST_MAX_ROWS, &cost_rows) < 0)
		return CORE_ERR;
	coordinator_stat(stats, "agents_scanned", (long long)n);
	coordinator_stat(stats, "replicas_created", total.replicas_created);
	coordinator_stat(stats, "promoted", total.promoted);
	coordinator_stat(stats, "emergency_commands", total.emergency_commands);
	coordinator_stat(stats, "notices_closed", total.notices_closed);
	coordinator_stat(stats, "stuck_failed", total.stuck_failed);
	coordinator_stat(stats, "terminated", total.terminated);
	coordinator_stat(stats, "cost_rows", cost_rows);
	coordinator_stat(stats, "agent_errors", errors);
	json_object_object_add(stats, "safe_mode", json_object_new_boolean(sm.enabled));
	return CORE_OK;
}
