/* termination.c - handing zombies out for termination and recording the outcome. */
#include "core/termination.h"
#include "core/db.h"
#include "core/txn.h"
#include "common/arena.h"

#include <json-c/json.h>
#include <string.h>

static enum core_result termination_hand_out_once(struct db *db, struct arena *a, const char *client_id,
						  const char *agent_id, const struct actor *who,
						  struct termination_due *out)
{
	struct zombie_row *due;
	size_t ndue, k = 0;
	int rc, won;

	memset(out, 0, sizeof(*out));
	rc = db_termination_settings(db, a, agent_id, &out->auto_terminate, &out->wait_seconds);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_NOT_FOUND;
	/* terminate_wait_seconds 0 means never terminate (seed 001). */
	if (!out->auto_terminate || out->wait_seconds <= 0)
		return CORE_OK;
	if (db_termination_due(db, a, agent_id, out->wait_seconds, TERMINATION_RETRY_S, TERMINATION_MAX_HANDOUT, &due,
			       &ndue) < 0)
		return CORE_ERR;
	out->rows = arena_calloc(a, ndue ? ndue : 1, sizeof(*out->rows));
	for (size_t i = 0; i < ndue; i++) {
		if (db_termination_attempt(db, due[i].id, due[i].version, &won) < 0)
			return CORE_ERR;
		if (!won)
			continue;
		const char *pre = arena_printf(a, "{\"role\":\"zombie\",\"termination_attempted\":%s,\"version\":%ld}",
					       due[i].termination_attempted_at ? "true" : "false", due[i].version);
		const char *post =
			arena_printf(a, "{\"role\":\"zombie\",\"termination_attempted\":true,\"version\":%ld}", due[i].version + 1);
		if (clients_audit(db, who, client_id, agent_id, "instance.termination_handed_out", "instance", due[i].id,
				  due[i].termination_attempted_at ? "no report for the last attempt; handed out again"
								  : NULL,
				  pre, post) < 0)
			return CORE_ERR;
		out->rows[k++] = due[i];
	}
	out->n = k;
	return CORE_OK;
}

struct termination_hand_out_ctx {
	struct arena *a;
	const char *client_id, *agent_id;
	const struct actor *who;
	struct termination_due *out;
};

static enum core_result termination_hand_out_step(struct db *db, void *ctx)
{
	struct termination_hand_out_ctx *c = ctx;
	return termination_hand_out_once(db, c->a, c->client_id, c->agent_id, c->who, c->out);
}

enum core_result termination_hand_out(struct db *db, struct arena *a, const char *client_id, const char *agent_id,
				      const struct actor *who, struct termination_due *out)
{
	struct termination_hand_out_ctx c = { a, client_id, agent_id, who, out };
	return txn_run(db, "termination_hand_out", 0, termination_hand_out_step, &c);
}

static enum core_result termination_report_once(struct db *db, struct arena *a, const struct termination_report *in,
						const struct actor *who, const char **role)
{
	struct zombie_row z;
	int rc, won;

	rc = db_termination_get_lock(db, a, in->agent_id, in->instance_id, &z);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_NOT_FOUND;
	*role = z.role;
	if (!strcmp(z.role, "terminated"))
		return in->terminated ? CORE_OK : CORE_CONFLICT; /* a repeated confirmation changes nothing */
	if (strcmp(z.role, "zombie"))
		return CORE_CONFLICT; /* only zombies are terminated: never the primary, a standby or a replica */
	if (in->terminated) {
		if (db_termination_confirm(db, z.id, z.version, &won) < 0)
			return CORE_ERR;
	} else if (db_termination_failed(db, z.id, z.version, in->error ? in->error : "termination failed", &won) < 0) {
		return CORE_ERR;
	}
	if (!won)
		return CORE_CONFLICT;
	struct json_object *post = json_object_new_object();
	json_object_object_add(post, "role", json_object_new_string(in->terminated ? "terminated" : "zombie"));
	json_object_object_add(post, "termination_confirmed", json_object_new_boolean(in->terminated));
	if (!in->terminated)
		json_object_object_add(post, "termination_error",
				       json_object_new_string(in->error ? in->error : "termination failed"));
	json_object_object_add(post, "version", json_object_new_int64(z.version + 1));
	const char *post_s = arena_strdup(a, json_object_to_json_string_ext(post, JSON_C_TO_STRING_PLAIN));
	json_object_put(post);
	if (clients_audit(db, who, in->client_id, in->agent_id,
			  in->terminated ? "instance.terminated" : "instance.termination_failed", "instance", z.id, NULL,
			  arena_printf(a, "{\"role\":\"zombie\",\"version\":%ld}", z.version), post_s) < 0)
		return CORE_ERR;
	*role = in->terminated ? "terminated" : "zombie";
	return CORE_OK;
}

struct termination_report_ctx {
	struct arena *a;
	const struct termination_report *in;
	const struct actor *who;
	const char **role;
};

static enum core_result termination_report_step(struct db *db, void *ctx)
{
	struct termination_report_ctx *c = ctx;
	return termination_report_once(db, c->a, c->in, c->who, c->role);
}

enum core_result termination_report(struct db *db, struct arena *a, const struct termination_report *in,
				     const struct actor *who, const char **role)
{
	struct termination_report_ctx c = { a, in, who, role };
	return txn_run(db, "termination_report", 0, termination_report_step, &c);
}
