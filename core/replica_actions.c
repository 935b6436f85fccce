/* replica_actions.c - a user's promote and delete of a replica (see replica_actions.h). */
#include "core/replica_actions.h"
#include "core/commands.h"
#include "core/db.h"
#include "core/db_client.h"
#include "core/db_commands.h"
#include "core/db_coordinator.h"
#include "core/db_notify.h"
#include "core/db_replicas.h"
#include "core/replicas.h"
#include "core/txn.h"
#include "common/arena.h"
#include "common/timeutil.h"

#include <string.h>

struct replica_actions_ctx {
	struct arena *a;
	const char *rid, *client_id;
	const struct actor *who;
	struct replica_action_out *out;
};

/* Finds the replica's owner in scope and locks its agent, then the replica. 1, 0 (not found), -1. */
static int replica_actions_lock(struct db *db, struct replica_actions_ctx *c, struct replica_agent *ag,
				struct replica_row *rep)
{
	struct db_rows r;
	int rc;

	if (db_client_replica_owner(db, c->a, c->rid, c->client_id, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	c->out->agent_id = arena_strdup(c->a, db_rows_cell(&r, 0, 0));
	c->out->client_id = arena_strdup(c->a, db_rows_cell(&r, 0, 1));
	rc = db_replicas_agent_lock(db, c->a, c->out->agent_id, c->out->client_id, ag);
	if (rc <= 0)
		return rc;
	return db_replicas_get_lock(db, c->a, c->rid, c->out->agent_id, rep);
}

static enum core_result replica_actions_promote_step(struct db *db, void *ctx)
{
	struct replica_actions_ctx *c = ctx;
	struct replica_action_out *out = c->out;
	struct replica_agent ag;
	struct replica_row rep;
	const char *primary = NULL;
	enum core_result rc;
	int got;

	out->command_id[0] = '\0';
	got = replica_actions_lock(db, c, &ag, &rep);
	if (got <= 0)
		return got < 0 ? CORE_ERR : CORE_NOT_FOUND;
	if (strcmp(rep.status, "ready") || !rep.instance_id) {
		out->message = arena_printf(c->a, "The replica is %s: only a ready replica can be promoted", rep.status);
		return CORE_CONFLICT;
	}
	got = db_client_primary_lock(db, c->a, ag.id, &primary);
	if (got < 0)
		return CORE_ERR;
	if (!got) {
		out->message = "The agent has no primary instance to replace; wait for it to register";
		return CORE_CONFLICT;
	}
	rc = replicas_promote(db, c->a, &ag, primary, &rep, c->who);
	if (rc == CORE_CONFLICT)
		out->message = "The replica or the primary changed meanwhile; reload and try again";
	if (rc != CORE_OK)
		return rc;
	out->instance_id = rep.instance_id;
	out->old_primary_id = primary;
	/* Ids and AWS names validated when they were stored: no JSON escaping needed. */
	struct command_new cmd = {
		.client_id = ag.client_id,
		.agent_id = ag.id,
		.type = "promote",
		.payload = arena_printf(c->a,
					"{\"replica_id\":\"%s\",\"instance_id\":\"%s\",\"old_instance_id\":\"%s\","
					"\"pool_id\":%s%s%s}",
					rep.id, rep.instance_id, primary, rep.pool_id ? "\"" : "",
					rep.pool_id ? rep.pool_id : "null", rep.pool_id ? "\"" : ""),
		.request_id = arena_printf(c->a, "promote:%s", rep.id),
		.reason = "manual",
		.priority = COMMAND_PRIORITY_HIGH,
		.ttl_seconds = REPLICA_ACTIONS_TTL_S,
	};
	rc = commands_queue(db, c->a, &cmd, c->who, out->command_id);
	if (rc != CORE_CREATED && rc != CORE_DUPLICATE)
		return CORE_ERR;
	struct notification n = {
		.client_id = ag.client_id,
		.agent_id = ag.id,
		.type = "replica.promoted",
		.severity = "info",
		.title = "Replica promoted",
		.message = arena_printf(c->a, "Replica %s (%s) is now the primary; %s became a zombie.", rep.id,
					rep.instance_id, primary),
	};
	if (db_notify_add(db, &n) < 0)
		return CORE_ERR;
	return CORE_OK;
}

enum core_result replica_actions_promote(struct db *db, struct arena *a, const char *rid, const char *client_id,
					 const struct actor *who, struct replica_action_out *out)
{
	struct replica_actions_ctx c = { a, rid, client_id, who, out };
	memset(out, 0, sizeof(*out));
	return txn_run(db, "replica_actions_promote", 0, replica_actions_promote_step, &c);
}

static enum core_result replica_actions_delete_step(struct db *db, void *ctx)
{
	struct replica_actions_ctx *c = ctx;
	struct replica_action_out *out = c->out;
	struct replica_agent ag;
	struct replica_row rep;
	struct command_row launch;
	int got, won;

	out->command_id[0] = '\0';
	got = replica_actions_lock(db, c, &ag, &rep);
	if (got <= 0)
		return got < 0 ? CORE_ERR : CORE_NOT_FOUND;
	if (strcmp(rep.status, "launching") && strcmp(rep.status, "syncing") && strcmp(rep.status, "ready")) {
		out->message = arena_printf(c->a, "The replica is %s already", rep.status);
		return CORE_CONFLICT;
	}
	/* Seed 001: manual replica mode keeps exactly one live replica; the coordinator would launch another. */
	if (ag.manual_replica && !strcmp(rep.type, "manual")) {
		out->message = "Turn off manual replica first: that mode keeps one replica running";
		return CORE_CONFLICT;
	}
	out->instance_id = rep.instance_id;
	if (rep.instance_id) {
		struct command_new cmd = {
			.client_id = ag.client_id,
			.agent_id = ag.id,
			.type = "terminate",
			.payload = arena_printf(c->a,
						"{\"replica_id\":\"%s\",\"instance_id\":\"%s\",\"reason\":\"deleted\"}",
						rep.id, rep.instance_id),
			.request_id = arena_printf(c->a, "replica-terminate:%s", rep.id),
			.reason = "deleted",
			.priority = COMMAND_PRIORITY_HIGH,
			.ttl_seconds = REPLICA_ACTIONS_TTL_S,
		};
		enum core_result q = commands_queue(db, c->a, &cmd, c->who, out->command_id);
		if (q != CORE_CREATED && q != CORE_DUPLICATE)
			return CORE_ERR;
	}
	if (rep.command_id) {
		got = db_commands_get_lock(db, c->a, ag.id, rep.command_id, &launch);
		if (got < 0)
			return CORE_ERR;
		if (got == 1 && !strcmp(launch.status, "pending")) {
			if (db_commands_set_status(db, launch.id, launch.version, "expired", NULL, "replica deleted", &won) < 0)
				return CORE_ERR;
			if (won && clients_audit(db, c->who, ag.client_id, ag.id, "command.expired", "command", launch.id,
						 "replica deleted", "{\"status\":\"pending\"}", "{\"status\":\"expired\"}") < 0)
				return CORE_ERR;
		}
	}
	got = db_coordinator_replica_end(db, rep.id, rep.version, "terminated", NULL, time_now_ms());
	if (got < 0)
		return CORE_ERR;
	if (got == 0) {
		out->message = "The replica changed meanwhile; reload and try again";
		return CORE_CONFLICT;
	}
	if (clients_audit(db, c->who, ag.client_id, ag.id, "replica.terminated", "replica", rep.id, "deleted by a user",
			  arena_printf(c->a, "{\"status\":\"%s\",\"version\":%ld}", rep.status, rep.version),
			  arena_printf(c->a, "{\"status\":\"terminated\",\"version\":%ld}", rep.version + 1)) < 0)
		return CORE_ERR;
	return CORE_OK;
}

enum core_result replica_actions_delete(struct db *db, struct arena *a, const char *rid, const char *client_id,
					const struct actor *who, struct replica_action_out *out)
{
	struct replica_actions_ctx c = { a, rid, client_id, who, out };
	memset(out, 0, sizeof(*out));
	return txn_run(db, "replica_actions_delete", 0, replica_actions_delete_step, &c);
}
