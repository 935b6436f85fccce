/* replicas.c - launching, reporting on and promoting standby replicas. */
#include "core/replicas.h"
#include "core/commands.h"
#include "core/db.h"
#include "core/db_agents.h"
#include "core/db_notify.h"
#include "core/txn.h"
#include "common/arena.h"

#include <string.h>

enum core_result replicas_launch(struct db *db, struct arena *a, const struct replica_agent *ag, const char *type,
				 const char *reason, const struct actor *who, struct replica_launched *out)
{
	const char *target = NULL, *az = NULL, *payload;
	double price;
	enum core_result rc;

	memset(out, 0, sizeof(*out));
	if (db_replicas_target_pool(db, a, ag->instance_type, ag->region, ag->pool_id, &target, &az, &price) < 0)
		return CORE_ERR;
	uuid_v4(out->id);
	out->type = type;
	out->target_pool_id = target;
	/* Values are ids and AWS names validated at registration: no JSON escaping needed. */
	payload = arena_printf(a,
			       "{\"replica_id\":\"%s\",\"target_pool_id\":%s%s%s,\"instance_type\":\"%s\","
			       "\"region\":\"%s\",\"exclude_pool_id\":%s%s%s,\"replica_type\":\"%s\"}",
			       out->id, target ? "\"" : "", target ? target : "null", target ? "\"" : "",
			       ag->instance_type ? ag->instance_type : "", ag->region ? ag->region : "",
			       ag->pool_id ? "\"" : "", ag->pool_id ? ag->pool_id : "null", ag->pool_id ? "\"" : "", type);
	struct command_new c = {
		.client_id = ag->client_id,
		.agent_id = ag->id,
		.type = "launch_replica",
		.payload = payload,
		.reason = reason,
		.priority = COMMAND_PRIORITY_HIGH,
		.ttl_seconds = REPLICAS_COMMAND_TTL_S,
	};
	rc = commands_queue(db, a, &c, who, out->command_id);
	if (rc != CORE_CREATED)
		return CORE_ERR;
	if (db_replicas_insert(db, out->id, ag->id, ag->client_id, out->command_id, type, target, ag->instance_type,
			       az) < 0)
		return db_is_duplicate(db) ? CORE_DUPLICATE : CORE_ERR;
	const char *post = arena_printf(a, "{\"status\":\"launching\",\"type\":\"%s\",\"pool_id\":%s%s%s,\"command_id\":\"%s\"}",
					type, target ? "\"" : "", target ? target : "null", target ? "\"" : "",
					out->command_id);
	if (clients_audit(db, who, ag->client_id, ag->id, "replica.created", "replica", out->id, reason, NULL, post) < 0)
		return CORE_ERR;
	return CORE_CREATED;
}

static enum core_result replicas_create_manual_once(struct db *db, struct arena *a, const char *client_id,
						    const char *agent_id, const struct actor *who,
						    struct replica_launched *out, const char **current)
{
	struct replica_agent ag;
	struct replica_row live;
	int rc = db_replicas_agent_lock(db, a, agent_id, client_id, &ag);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_NOT_FOUND;
	rc = db_replicas_live_lock(db, a, agent_id, &live);
	if (rc < 0)
		return CORE_ERR;
	if (rc == 1 && !strcmp(live.type, "manual")) {
		*current = live.id;
		return CORE_CONFLICT;
	}
	enum core_result r = replicas_launch(db, a, &ag, "manual", "manual", who, out);
	if (r == CORE_DUPLICATE)
		return CORE_CONFLICT;
	if (r != CORE_CREATED)
		return r;
	struct notification n = {
		.client_id = client_id,
		.agent_id = agent_id,
		.type = "replica.launching",
		.severity = "info",
		.title = "Manual replica requested",
		.message = arena_printf(a, "Replica %s is launching%s%s.", out->id, out->target_pool_id ? " in " : "",
					out->target_pool_id ? out->target_pool_id : ""),
	};
	if (db_notify_add(db, &n) < 0)
		return CORE_ERR;
	return CORE_CREATED;
}

struct replicas_create_manual_ctx {
	struct arena *a;
	const char *client_id, *agent_id;
	const struct actor *who;
	struct replica_launched *out;
	const char **current;
};

static enum core_result replicas_create_manual_step(struct db *db, void *ctx)
{
	struct replicas_create_manual_ctx *c = ctx;
	return replicas_create_manual_once(db, c->a, c->client_id, c->agent_id, c->who, c->out, c->current);
}

enum core_result replicas_create_manual(struct db *db, struct arena *a, const char *client_id, const char *agent_id,
					const struct actor *who, struct replica_launched *out, const char **current)
{
	struct replicas_create_manual_ctx c = { a, client_id, agent_id, who, out, current };
	*current = NULL;
	return txn_run(db, "replicas_create_manual", 0, replicas_create_manual_step, &c);
}

/* The allowed moves of the status machine in replicas.h. */
static int replicas_transition_ok(const char *from, const char *to)
{
	int live = !strcmp(from, "launching") || !strcmp(from, "syncing") || !strcmp(from, "ready");
	if (!strcmp(from, to))
		return live || !strcmp(to, "failed"); /* a repeat: progress update, or an idempotent failure */
	if (!strcmp(to, "failed"))
		return live;
	return (!strcmp(from, "launching") && !strcmp(to, "syncing")) ||
	       (!strcmp(from, "syncing") && !strcmp(to, "ready"));
}

static enum core_result replicas_report_once(struct db *db, struct arena *a, const struct replica_report *in,
					     const struct actor *who, struct replica_row *out,
					     enum replica_report_problem *problem)
{
	struct replica_row cur;
	struct replica_instance inst;
	const char *link = NULL;
	int rc;

	*problem = REPLICA_REPORT_OK;
	rc = db_replicas_get_lock(db, a, in->replica_id, in->agent_id, &cur);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_NOT_FOUND;
	*out = cur;
	if (strcmp(cur.client_id, in->client_id))
		return CORE_NOT_FOUND;
	if (!replicas_transition_ok(cur.status, in->status)) {
		*problem = REPLICA_REPORT_TRANSITION;
		return CORE_CONFLICT;
	}
	if (!strcmp(cur.status, "failed"))
		return CORE_OK; /* a repeated failure report changes nothing */
	if (in->instance_id) {
		if (cur.instance_id && strcmp(cur.instance_id, in->instance_id)) {
			*problem = REPLICA_REPORT_INSTANCE;
			return CORE_CONFLICT;
		}
		if (!cur.instance_id) {
			rc = db_replicas_instance_get_lock(db, a, in->instance_id, &inst);
			if (rc < 0)
				return CORE_ERR;
			if (rc == 1 && (strcmp(inst.agent_id, in->agent_id) || strcmp(inst.role, "replica"))) {
				*problem = REPLICA_REPORT_INSTANCE;
				return CORE_CONFLICT;
			}
			if (rc == 0) {
				if (cur.pool_id && cur.instance_type && cur.az &&
				    db_pools_ensure(db, cur.pool_id, cur.instance_type, cur.region, cur.az) < 0)
					return CORE_ERR;
				if (db_replicas_instance_insert(db, in->instance_id, in->agent_id, in->client_id,
								cur.instance_type, cur.region, cur.az, cur.pool_id) < 0)
					return CORE_ERR;
				const char *post = arena_printf(a, "{\"role\":\"replica\",\"replica_id\":\"%s\"}", cur.id);
				if (clients_audit(db, who, in->client_id, in->agent_id, "instance.registered", "instance",
						  in->instance_id, "replica instance launched", NULL, post) < 0)
					return CORE_ERR;
			}
			link = in->instance_id;
		}
	}
	if (!strcmp(in->status, "ready") && !cur.instance_id && !link) {
		*problem = REPLICA_REPORT_NEED_INSTANCE;
		return CORE_INVALID;
	}
	double progress = in->progress;
	if (!strcmp(in->status, "ready"))
		progress = 100.0;
	rc = db_replicas_update(db, cur.id, cur.version, in->status, link, progress, in->error);
	if (rc < 0) {
		if (db_is_duplicate(db)) { /* the instance is another replica's */
			*problem = REPLICA_REPORT_INSTANCE;
			return CORE_CONFLICT;
		}
		return CORE_ERR;
	}
	if (rc == 0) {
		*problem = REPLICA_REPORT_TRANSITION;
		return CORE_CONFLICT;
	}
	const char *pre = arena_printf(a, "{\"status\":\"%s\",\"progress\":%.2f,\"version\":%ld}", cur.status,
				       cur.progress, cur.version);
	if (db_replicas_get_lock(db, a, cur.id, in->agent_id, out) != 1)
		return CORE_ERR;
	const char *post = arena_printf(a, "{\"status\":\"%s\",\"progress\":%.2f,\"instance_id\":%s%s%s,\"version\":%ld}",
					out->status, out->progress, out->instance_id ? "\"" : "",
					out->instance_id ? out->instance_id : "null", out->instance_id ? "\"" : "",
					out->version);
	if (clients_audit(db, who, in->client_id, in->agent_id,
			  strcmp(cur.status, in->status) ? "replica.status_changed" : "replica.progress", "replica",
			  cur.id, in->error, pre, post) < 0)
		return CORE_ERR;
	if (strcmp(cur.status, in->status) && (!strcmp(in->status, "ready") || !strcmp(in->status, "failed"))) {
		int ready = !strcmp(in->status, "ready");
		struct notification n = {
			.client_id = in->client_id,
			.agent_id = in->agent_id,
			.type = ready ? "replica.ready" : "replica.failed",
			.severity = ready ? "info" : "warning",
			.title = ready ? "Replica ready" : "Replica failed",
			.message = arena_printf(a, "Replica %s (%s) is %s.", cur.id,
						out->instance_id ? out->instance_id : "no instance", in->status),
		};
		if (db_notify_add(db, &n) < 0)
			return CORE_ERR;
	}
	return CORE_OK;
}

struct replicas_report_ctx {
	struct arena *a;
	const struct replica_report *in;
	const struct actor *who;
	struct replica_row *out;
	enum replica_report_problem *problem;
};

static enum core_result replicas_report_step(struct db *db, void *ctx)
{
	struct replicas_report_ctx *c = ctx;
	return replicas_report_once(db, c->a, c->in, c->who, c->out, c->problem);
}

enum core_result replicas_report(struct db *db, struct arena *a, const struct replica_report *in,
				 const struct actor *who, struct replica_row *out, enum replica_report_problem *problem)
{
	struct replicas_report_ctx c = { a, in, who, out, problem };
	/* A duplicate here is a racing report that registered the same instance first: look again. */
	return txn_run(db, "replicas_report", TXN_RETRY_DUPLICATE, replicas_report_step, &c);
}

enum core_result replicas_promote(struct db *db, struct arena *a, const struct replica_agent *ag,
				  const char *old_primary_id, const struct replica_row *rep, const struct actor *who)
{
	struct replica_instance inst;
	int rc;

	/* Zombie first: the unique index on the primary must never see two. */
	rc = db_replicas_instance_role(db, old_primary_id, "primary", "zombie");
	if (rc < 0)
		return CORE_ERR;
	if (rc == 0)
		return CORE_CONFLICT;
	if (clients_audit(db, who, ag->client_id, ag->id, "instance.role_changed", "instance", old_primary_id,
			  "termination notice; replaced by its replica", "{\"role\":\"primary\"}",
			  "{\"role\":\"zombie\"}") < 0)
		return CORE_ERR;
	rc = db_replicas_instance_get_lock(db, a, rep->instance_id, &inst);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_CONFLICT;
	rc = db_replicas_instance_role(db, rep->instance_id, "replica", "primary");
	if (rc < 0)
		return CORE_ERR;
	if (rc == 0)
		return CORE_CONFLICT;
	if (clients_audit(db, who, ag->client_id, ag->id, "instance.role_changed", "instance", rep->instance_id,
			  "replica promoted", "{\"role\":\"replica\"}", "{\"role\":\"primary\"}") < 0)
		return CORE_ERR;
	rc = db_replicas_update(db, rep->id, rep->version, "promoted", NULL, -1, NULL);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_CONFLICT;
	const char *post = arena_printf(a, "{\"status\":\"promoted\",\"instance_id\":\"%s\",\"replaces\":\"%s\"}",
					rep->instance_id, old_primary_id);
	if (clients_audit(db, who, ag->client_id, ag->id, "replica.promoted", "replica", rep->id, NULL,
			  "{\"status\":\"ready\"}", post) < 0)
		return CORE_ERR;
	struct placement pl = {
		.instance_id = inst.id,
		.instance_type = inst.instance_type,
		.region = inst.region,
		.az = inst.az,
		.mode = inst.mode && strcmp(inst.mode, "unknown") ? inst.mode : "spot",
		.pool_id = inst.pool_id,
	};
	if (db_agents_set_current(db, ag->id, &pl) < 0)
		return CORE_ERR;
	return CORE_OK;
}
