/* commands.c - queueing commands, handing them out, and their results. */
#include "core/commands.h"
#include "core/db.h"
#include "core/db_agents.h"
#include "core/db_notify.h"
#include "core/txn.h"
#include "common/arena.h"

#include <json-c/json.h>
#include <string.h>

enum core_result commands_queue(struct db *db, struct arena *a, const struct command_new *c, const struct actor *who,
				char id[UUID_STR_LEN + 1])
{
	char rid[UUID_STR_LEN + 1];
	const char *request_id = c->request_id;
	const char *existing;

	uuid_v4(id);
	if (!request_id) {
		uuid_v4(rid);
		request_id = rid;
	}
	if (db_commands_insert(db, id, c->client_id, c->agent_id, c->instance_id, c->type, c->payload ? c->payload : "{}",
			       c->priority, request_id, c->reason, who->id,
			       c->ttl_seconds > 0 ? c->ttl_seconds : COMMAND_DEFAULT_TTL_S) < 0) {
		if (!db_is_duplicate(db))
			return CORE_ERR;
		if (db_commands_by_request(db, a, request_id, &existing) != 1)
			return CORE_ERR;
		snprintf(id, UUID_STR_LEN + 1, "%s", existing);
		return CORE_DUPLICATE;
	}
	const char *post = arena_printf(a, "{\"type\":\"%s\",\"status\":\"pending\",\"priority\":%d}", c->type, c->priority);
	if (clients_audit(db, who, c->client_id, c->agent_id, "command.queued", "command", id, c->reason, NULL, post) < 0)
		return CORE_ERR;
	return CORE_CREATED;
}

static const char *commands_state(struct arena *a, const char *status, long version)
{
	return arena_printf(a, "{\"status\":\"%s\",\"version\":%ld}", status, version);
}

static enum core_result commands_pending_once(struct db *db, struct arena *a, const char *client_id,
					      const char *agent_id, const char *instance_id, const struct actor *who,
					      const char **role, struct command_row **rows, size_t *n)
{
	struct instance_row inst;
	struct command_row *due, *cand, *out;
	size_t ndue, ncand, k = 0;
	int rc, won;

	*n = 0;
	rc = db_instances_get_lock(db, a, instance_id, &inst);
	if (rc < 0)
		return CORE_ERR;
	if (rc == 0 || strcmp(inst.agent_id, agent_id))
		return CORE_NOT_FOUND;
	*role = inst.role;
	/* Expired commands are closed with an event, never handed out. */
	if (db_commands_due_expiry(db, a, agent_id, COMMAND_MAX_HANDOUT, &due, &ndue) < 0)
		return CORE_ERR;
	for (size_t i = 0; i < ndue; i++) {
		if (db_commands_set_status(db, due[i].id, due[i].version, "expired", NULL, NULL, &won) < 0)
			return CORE_ERR;
		if (won && clients_audit(db, who, client_id, agent_id, "command.expired", "command", due[i].id, due[i].type,
					 commands_state(a, due[i].status, due[i].version),
					 commands_state(a, "expired", due[i].version + 1)) < 0)
			return CORE_ERR;
	}
	/* A terminated instance gets nothing; only the primary gets commands addressed to "the primary". */
	if (!strcmp(inst.role, "terminated"))
		return CORE_OK;
	if (db_commands_candidates(db, a, agent_id, instance_id, !strcmp(inst.role, "primary"), COMMAND_LEASE_S,
				   COMMAND_MAX_HANDOUT, &cand, &ncand) < 0)
		return CORE_ERR;
	out = arena_calloc(a, ncand ? ncand : 1, sizeof(*out));
	for (size_t i = 0; i < ncand; i++) {
		if (db_commands_ack(db, cand[i].id, cand[i].version, COMMAND_LEASE_S, &won) < 0)
			return CORE_ERR;
		if (!won)
			continue; /* another poll took it first */
		const char *post = arena_printf(a, "{\"status\":\"acked\",\"version\":%ld,\"instance_id\":\"%s\"}",
						cand[i].version + 1, instance_id);
		if (clients_audit(db, who, client_id, agent_id,
				  strcmp(cand[i].status, "acked") ? "command.acked" : "command.reacked", "command",
				  cand[i].id, cand[i].type, commands_state(a, cand[i].status, cand[i].version), post) < 0)
			return CORE_ERR;
		out[k] = cand[i];
		out[k].status = "acked";
		out[k].version = cand[i].version + 1;
		k++;
	}
	*rows = out;
	*n = k;
	return CORE_OK;
}

struct commands_pending_ctx {
	struct arena *a;
	const char *client_id, *agent_id, *instance_id;
	const struct actor *who;
	const char **role;
	struct command_row **rows;
	size_t *n;
};

static enum core_result commands_pending_step(struct db *db, void *ctx)
{
	struct commands_pending_ctx *c = ctx;
	return commands_pending_once(db, c->a, c->client_id, c->agent_id, c->instance_id, c->who, c->role, c->rows,
				     c->n);
}

enum core_result commands_pending(struct db *db, struct arena *a, const char *client_id, const char *agent_id,
				  const char *instance_id, const struct actor *who, const char **role,
				  struct command_row **rows, size_t *n)
{
	struct commands_pending_ctx c = { a, client_id, agent_id, instance_id, who, role, rows, n };
	return txn_run(db, "commands_pending", 0, commands_pending_step, &c);
}

/* Allowed report transitions: acked -> running|succeeded|failed, running -> succeeded|failed. */
static int commands_transition_ok(const char *from, const char *to)
{
	if (!strcmp(from, "acked"))
		return 1;
	if (!strcmp(from, "running"))
		return strcmp(to, "running") != 0;
	return 0;
}

static enum core_result commands_result_once(struct db *db, struct arena *a, const struct command_report *in,
					     const struct actor *who, struct command_row *out, int *changed)
{
	struct command_row c;
	int rc, won;

	*changed = 0;
	rc = db_commands_get_lock(db, a, in->agent_id, in->command_id, &c);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_NOT_FOUND;
	*out = c;
	if (!strcmp(c.status, in->status) && strcmp(c.status, "acked") && strcmp(c.status, "pending") &&
	    strcmp(c.status, "expired"))
		return CORE_OK; /* a repeat of the current status: nothing to change */
	if (!commands_transition_ok(c.status, in->status))
		return CORE_CONFLICT;
	if (db_commands_set_status(db, c.id, c.version, in->status, in->result, in->error, &won) < 0)
		return CORE_ERR;
	if (!won)
		return CORE_CONFLICT; /* cannot happen under the row lock; kept as the version backstop */
	struct json_object *post = json_object_new_object();
	json_object_object_add(post, "status", json_object_new_string(in->status));
	json_object_object_add(post, "version", json_object_new_int64(c.version + 1));
	if (in->error)
		json_object_object_add(post, "error", json_object_new_string(in->error));
	const char *post_s = arena_strdup(a, json_object_to_json_string_ext(post, JSON_C_TO_STRING_PLAIN));
	json_object_put(post);
	if (clients_audit(db, who, in->client_id, in->agent_id, "command.status", "command", c.id, c.type,
			  commands_state(a, c.status, c.version), post_s) < 0)
		return CORE_ERR;
	if (!strcmp(in->status, "failed") && !strcmp(c.type, "switch")) {
		struct notification nt = {
			.client_id = in->client_id,
			.agent_id = in->agent_id,
			.type = "switch.failed",
			.severity = "error",
			.title = "Switch failed",
			.message = in->error ? in->error : "The agent reported the switch command as failed.",
		};
		if (db_notify_add(db, &nt) < 0)
			return CORE_ERR;
	}
	out->status = in->status;
	out->version = c.version + 1;
	*changed = 1;
	return CORE_OK;
}

struct commands_result_ctx {
	struct arena *a;
	const struct command_report *in;
	const struct actor *who;
	struct command_row *out;
	int *changed;
};

static enum core_result commands_result_step(struct db *db, void *ctx)
{
	struct commands_result_ctx *c = ctx;
	return commands_result_once(db, c->a, c->in, c->who, c->out, c->changed);
}

enum core_result commands_result(struct db *db, struct arena *a, const struct command_report *in,
				 const struct actor *who, struct command_row *out, int *changed)
{
	struct commands_result_ctx c = { a, in, who, out, changed };
	return txn_run(db, "commands_result", 0, commands_result_step, &c);
}
