/* agent_config.c - agent config changes (see agent_config.h). */
#include "core/agent_config.h"
#include "core/db.h"
#include "core/txn.h"
#include "common/arena.h"

#include <stddef.h>

const char *agent_config_exclusive(const struct agent_config *before, const struct agent_config *want)
{
	if (!want->manual_replica || (!want->auto_switch && !want->auto_terminate))
		return NULL;
	/* Manual replica was on: the user is turning an automatic toggle on. */
	if (before->manual_replica)
		return want->auto_switch && want->auto_terminate
			       ? "Turn off manual replica first: it excludes auto-switch and auto-terminate"
		       : want->auto_switch ? "Turn off manual replica first: it excludes auto-switch"
					   : "Turn off manual replica first: it excludes auto-terminate";
	return want->auto_switch && want->auto_terminate
		       ? "Turn off auto-switch and auto-terminate first: manual replica excludes them"
	       : want->auto_switch ? "Turn off auto-switch first: manual replica excludes it"
				   : "Turn off auto-terminate first: manual replica excludes it";
}

struct agent_config_step {
	struct arena *a;
	const char *agent_id, *client_id;
	const struct agent_config *want;
	long expected_version;
	const struct actor *who;
	struct agent_config *out;
	const char **message;
};

static const char *agent_config_json(struct arena *a, const struct agent_config *c)
{
	return arena_printf(a,
			    "{\"auto_switch_enabled\":%s,\"auto_terminate_enabled\":%s,\"manual_replica_enabled\":%s,"
			    "\"terminate_wait_seconds\":%ld,\"config_version\":%ld,\"version\":%ld}",
			    c->auto_switch ? "true" : "false", c->auto_terminate ? "true" : "false",
			    c->manual_replica ? "true" : "false", c->terminate_wait_seconds, c->config_version, c->version);
}

static enum core_result agent_config_step_run(struct db *db, void *ctx)
{
	struct agent_config_step *s = ctx;
	struct agent_config before, after;
	const char *why;
	int rc, updated;

	rc = db_agent_config_get_lock(db, s->a, s->agent_id, s->client_id, &before);
	if (rc < 0)
		return CORE_ERR;
	if (rc == 0)
		return CORE_NOT_FOUND;
	if (before.version != s->expected_version) {
		*s->message = arena_printf(s->a,
					   "This agent's settings were changed by someone else (version %ld, you had "
					   "%ld). Review them and submit again.",
					   before.version, s->expected_version);
		*s->out = before;
		return CORE_CONFLICT;
	}
	why = agent_config_exclusive(&before, s->want);
	if (why) {
		*s->message = why;
		*s->out = before;
		return CORE_INVALID;
	}
	after = *s->want;
	after.client_id = before.client_id;
	after.version = before.version + 1;
	after.config_version = before.config_version + 1;
	if (db_agent_config_update(db, s->agent_id, &after, before.version, &updated) < 0)
		return CORE_ERR;
	if (!updated)
		return CORE_CONFLICT;
	if (clients_audit(db, s->who, before.client_id, s->agent_id, "agent.config_changed", "agent", s->agent_id,
			  NULL, agent_config_json(s->a, &before), agent_config_json(s->a, &after)) < 0)
		return CORE_ERR;
	*s->out = after;
	return CORE_OK;
}

enum core_result agent_config_update(struct db *db, struct arena *a, const char *agent_id, const char *client_id,
				     const struct agent_config *want, long expected_version, const struct actor *who,
				     struct agent_config *out, const char **message)
{
	struct agent_config_step s = { a, agent_id, client_id, want, expected_version, who, out, message };
	*message = NULL;
	return txn_run(db, "agent_config_update", 0, agent_config_step_run, &s);
}
