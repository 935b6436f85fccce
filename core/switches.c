/* switches.c - switch reports, instance registration and client switch requests. */
#include "core/switches.h"
#include "core/agents.h"
#include "core/awsnames.h"
#include "core/commands.h"
#include "core/db.h"
#include "core/db_commands.h"
#include "core/db_notify.h"
#include "core/txn.h"
#include "common/arena.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

static const char *switches_role_state(struct arena *a, const char *role, long version)
{
	return arena_printf(a, "{\"role\":\"%s\",\"version\":%ld}", role, version);
}

static enum core_result switches_refuse(struct switch_refusal *why, enum core_result rc, const char *message,
					const char *field)
{
	why->message = message;
	why->field = field;
	return rc;
}

static double switches_price(double reported, const char *stored)
{
	return reported >= 0 ? reported : stored ? strtod(stored, NULL) : -1;
}

static enum core_result switches_report_once(struct db *db, struct arena *a, const struct switch_report *in,
					     const struct actor *who, struct switch_outcome *out)
{
	struct switch_agent ag;
	struct switch_instance old, nw;
	struct command_row cmd;
	struct instance_row primary;
	int rc, live, have_new, won;
	const char *existing;
	char switch_id[UUID_STR_LEN + 1];

	memset(out, 0, sizeof(*out));
	rc = db_switches_agent_lock(db, a, in->agent_id, in->client_id, &ag);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : switches_refuse(&out->why, CORE_NOT_FOUND, "no such agent", NULL);
	if (in->command_id) {
		rc = db_commands_get_lock(db, a, in->agent_id, in->command_id, &cmd);
		if (rc <= 0)
			return rc < 0 ? CORE_ERR
				      : switches_refuse(&out->why, CORE_NOT_FOUND, "no such command of this agent",
							"command_id");
		if (strcmp(cmd.type, "switch"))
			return switches_refuse(&out->why, CORE_CONFLICT,
					       arena_printf(a, "command is a %s command, not a switch", cmd.type),
					       "command_id");
		rc = db_switches_by_command(db, a, in->command_id, &existing);
		if (rc < 0)
			return CORE_ERR;
		if (rc == 1) {
			/* A replay of a report already applied. */
			out->switch_id = existing;
			out->old_role = "zombie";
			return CORE_OK;
		}
		if (!strcmp(cmd.status, "failed") || !strcmp(cmd.status, "expired") || !strcmp(cmd.status, "succeeded"))
			return switches_refuse(&out->why, CORE_CONFLICT,
					       arena_printf(a, "the command is already %s", cmd.status), "command_id");
	}
	rc = db_switches_instance_lock(db, a, in->old_instance_id, &old);
	if (rc < 0)
		return CORE_ERR;
	if (rc == 0 || strcmp(old.agent_id, in->agent_id))
		return switches_refuse(&out->why, CORE_NOT_FOUND, "no such instance of this agent", "old_instance_id");
	rc = db_switches_instance_lock(db, a, in->next.instance_id, &nw);
	if (rc < 0)
		return CORE_ERR;
	have_new = rc == 1;
	if (have_new && strcmp(nw.agent_id, in->agent_id))
		return switches_refuse(&out->why, CORE_CONFLICT, "this instance is registered to another agent",
				       "new_instance_id");
	if (have_new && (!strcmp(nw.role, "zombie") || !strcmp(nw.role, "terminated")))
		return switches_refuse(&out->why, CORE_CONFLICT,
				       arena_printf(a, "the new instance is %s and cannot become the primary", nw.role),
				       "new_instance_id");

	rc = db_instances_primary_lock(db, a, in->agent_id, AGENT_LIVE_S, &primary, &live);
	if (rc < 0)
		return CORE_ERR;
	if (rc == 1 && !strcmp(primary.id, in->next.instance_id)) {
		/* Already applied (a report repeated without a command id). */
		out->old_role = old.role;
		return CORE_OK;
	}
	if (rc == 1 && strcmp(primary.id, in->old_instance_id))
		return switches_refuse(&out->why, CORE_CONFLICT,
				       arena_printf(a, "the old instance is no longer the primary (role %s)", old.role),
				       "old_instance_id");
	/* Demote first, then promote: the unique primary index never sees two. */
	if (!strcmp(old.role, "primary")) {
		if (db_switches_set_role(db, old.id, old.version, "zombie", &won) < 0)
			return CORE_ERR;
		if (!won)
			return switches_refuse(&out->why, CORE_CONFLICT, "the old instance changed meanwhile; retry",
					       "old_instance_id");
		if (clients_audit(db, who, in->client_id, in->agent_id, "instance.role_changed", "instance", old.id,
				  "switched away", switches_role_state(a, "primary", old.version),
				  switches_role_state(a, "zombie", old.version + 1)) < 0)
			return CORE_ERR;
		out->old_role = "zombie";
	} else {
		out->old_role = old.role;
	}
	if (db_pools_ensure(db, in->next.pool_id, in->next.instance_type, in->next.region, in->next.az) < 0)
		return CORE_ERR;
	if (have_new) {
		if (db_switches_instance_place(db, nw.id, nw.version, "primary", &in->next, in->new_spot, in->new_ondemand,
					       &won) < 0)
			return CORE_ERR;
		if (!won)
			return switches_refuse(&out->why, CORE_CONFLICT, "the new instance changed meanwhile; retry",
					       "new_instance_id");
	} else if (db_switches_instance_insert(db, in->agent_id, in->client_id, "primary", &in->next, in->new_spot,
					       in->new_ondemand) < 0) {
		return CORE_ERR; /* a duplicate means a racing writer: the caller retries */
	}
	if (clients_audit(db, who, in->client_id, in->agent_id, "instance.role_changed", "instance",
			  in->next.instance_id, "switched to",
			  have_new ? switches_role_state(a, nw.role, nw.version) : NULL,
			  switches_role_state(a, "primary", have_new ? nw.version + 1 : 1)) < 0)
		return CORE_ERR;
	if (db_switches_agent_switched(db, in->agent_id, ag.version, &in->next, &won) < 0)
		return CORE_ERR;
	if (!won)
		return switches_refuse(&out->why, CORE_CONFLICT, "the agent changed meanwhile; retry", NULL);

	/* savings_impact: the hourly price of what ran before minus what runs now. */
	double old_spot = switches_price(in->old_spot, old.spot_price);
	double old_od = switches_price(in->old_ondemand, old.ondemand_price);
	double old_hourly = !strcmp(old.mode, "ondemand") ? old_od : old_spot;
	double new_od = in->new_ondemand >= 0 ? in->new_ondemand : old_od;
	double new_hourly = !strcmp(in->next.mode, "ondemand") ? new_od : in->new_spot;
	struct switch_new s = {
		.client_id = in->client_id,
		.agent_id = in->agent_id,
		.command_id = in->command_id,
		.event_trigger = in->event_trigger ? in->event_trigger : in->command_id ? "command" : "agent",
		.old_instance_id = old.id,
		.old_mode = old.mode,
		.old_pool_id = old.pool_id,
		.old_spot_price = old_spot,
		.new_instance_id = in->next.instance_id,
		.new_mode = in->next.mode,
		.new_pool_id = in->next.pool_id,
		.new_spot_price = in->new_spot,
		.ondemand_price = new_od,
		.has_savings = old_hourly >= 0 && new_hourly >= 0,
		.savings_impact = old_hourly - new_hourly,
		.ami_id = in->ami_id,
		.initiated_at = in->initiated_at,
		.ami_created_at = in->ami_created_at,
		.instance_launched_at = in->instance_launched_at,
		.instance_ready_at = in->instance_ready_at,
		.completed_at = in->completed_at,
		.downtime_seconds = in->downtime_seconds,
	};
	uuid_v4(switch_id);
	s.id = switch_id;
	if (db_switches_insert(db, &s) < 0)
		return CORE_ERR;
	out->switch_id = arena_strdup(a, switch_id);
	out->created = 1;
	out->has_savings = s.has_savings;
	out->savings_impact = s.savings_impact;

	if (in->command_id) {
		if (db_commands_set_status(db, cmd.id, cmd.version, "succeeded", NULL, NULL, &won) < 0)
			return CORE_ERR;
		if (!won)
			return switches_refuse(&out->why, CORE_CONFLICT, "the command changed meanwhile; retry",
					       "command_id");
		if (clients_audit(db, who, in->client_id, in->agent_id, "command.status", "command", cmd.id,
				  "switch reported",
				  arena_printf(a, "{\"status\":\"%s\",\"version\":%ld}", cmd.status, cmd.version),
				  arena_printf(a, "{\"status\":\"succeeded\",\"version\":%ld}", cmd.version + 1)) < 0)
			return CORE_ERR;
	}
	struct json_object *pre = json_object_new_object(), *post = json_object_new_object();
	json_object_object_add(pre, "instance_id", ag.instance_id ? json_object_new_string(ag.instance_id) : NULL);
	json_object_object_add(pre, "pool_id", ag.pool_id ? json_object_new_string(ag.pool_id) : NULL);
	json_object_object_add(pre, "mode", json_object_new_string(ag.mode));
	json_object_object_add(pre, "version", json_object_new_int64(ag.version));
	json_object_object_add(post, "instance_id", json_object_new_string(in->next.instance_id));
	json_object_object_add(post, "pool_id", json_object_new_string(in->next.pool_id));
	json_object_object_add(post, "mode", json_object_new_string(in->next.mode));
	json_object_object_add(post, "version", json_object_new_int64(ag.version + 1));
	json_object_object_add(post, "switch_id", json_object_new_string(switch_id));
	const char *pre_s = arena_strdup(a, json_object_to_json_string_ext(pre, JSON_C_TO_STRING_PLAIN));
	const char *post_s = arena_strdup(a, json_object_to_json_string_ext(post, JSON_C_TO_STRING_PLAIN));
	json_object_put(pre);
	json_object_put(post);
	if (clients_audit(db, who, in->client_id, in->agent_id, "agent.switched", "agent", in->agent_id, NULL, pre_s,
			  post_s) < 0)
		return CORE_ERR;
	struct notification n = {
		.client_id = in->client_id,
		.agent_id = in->agent_id,
		.type = "switch.completed",
		.severity = "info",
		.title = "Switch completed",
		.message = s.has_savings
				   ? arena_printf(a, "Agent %s moved from %s to %s (%s, %s); hourly price change %+.4f.",
						  ag.logical_agent_id, old.id, in->next.instance_id, in->next.pool_id,
						  in->next.mode, -s.savings_impact)
				   : arena_printf(a, "Agent %s moved from %s to %s (%s, %s).", ag.logical_agent_id,
						  old.id, in->next.instance_id, in->next.pool_id, in->next.mode),
	};
	if (db_notify_add(db, &n) < 0)
		return CORE_ERR;
	return CORE_CREATED;
}

struct switches_report_ctx {
	struct arena *a;
	const struct switch_report *in;
	const struct actor *who;
	struct switch_outcome *out;
};

static enum core_result switches_report_step(struct db *db, void *ctx)
{
	struct switches_report_ctx *c = ctx;
	return switches_report_once(db, c->a, c->in, c->who, c->out);
}

enum core_result switches_report(struct db *db, struct arena *a, const struct switch_report *in,
				 const struct actor *who, struct switch_outcome *out)
{
	struct switches_report_ctx c = { a, in, who, out };
	return txn_run(db, "switches_report", TXN_RETRY_DUPLICATE, switches_report_step, &c);
}

static enum core_result switches_register_once(struct db *db, struct arena *a, const struct instance_registration *in,
					       const struct actor *who, const char **role, struct switch_refusal *why)
{
	struct switch_agent ag;
	struct switch_instance inst;
	struct instance_row primary;
	int rc, live = 0, known, won;
	const char *want;

	rc = db_switches_agent_lock(db, a, in->agent_id, in->client_id, &ag);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : switches_refuse(why, CORE_NOT_FOUND, "no such agent", NULL);
	if (db_pools_ensure(db, in->where.pool_id, in->where.instance_type, in->where.region, in->where.az) < 0)
		return CORE_ERR;
	rc = db_switches_instance_lock(db, a, in->where.instance_id, &inst);
	if (rc < 0)
		return CORE_ERR;
	known = rc == 1;
	if (known && strcmp(inst.agent_id, in->agent_id))
		return switches_refuse(why, CORE_CONFLICT, "this instance is registered to another agent", "instance_id");
	if (known && (!strcmp(inst.role, "zombie") || !strcmp(inst.role, "terminated")))
		return switches_refuse(why, CORE_CONFLICT,
				       arena_printf(a, "this instance is %s and cannot be registered again", inst.role),
				       "instance_id");
	if (known && !strcmp(inst.role, "primary")) {
		want = "primary"; /* registration never demotes */
	} else if (!in->is_primary) {
		want = "replica";
	} else {
		rc = db_instances_primary_lock(db, a, in->agent_id, AGENT_LIVE_S, &primary, &live);
		if (rc < 0)
			return CORE_ERR;
		if (rc == 1 && live) {
			want = known ? inst.role : "standby"; /* a live primary is never demoted here */
		} else {
			if (rc == 1) {
				/* The old primary stopped heartbeating: it becomes a zombie to be terminated. */
				if (db_switches_set_role(db, primary.id, primary.version, "zombie", &won) < 0)
					return CORE_ERR;
				if (!won)
					return switches_refuse(why, CORE_CONFLICT, "the primary changed meanwhile; retry",
							       "is_primary");
				if (clients_audit(db, who, in->client_id, in->agent_id, "instance.role_changed", "instance",
						  primary.id, "no heartbeat; replaced by a registered instance",
						  switches_role_state(a, "primary", primary.version),
						  switches_role_state(a, "zombie", primary.version + 1)) < 0)
					return CORE_ERR;
			}
			want = "primary";
		}
	}
	if (known) {
		if (db_switches_instance_place(db, inst.id, inst.version, want, &in->where, in->spot, in->ondemand, &won) < 0)
			return CORE_ERR;
		if (!won)
			return switches_refuse(why, CORE_CONFLICT, "the instance changed meanwhile; retry", "instance_id");
	} else if (db_switches_instance_insert(db, in->agent_id, in->client_id, want, &in->where, in->spot,
					       in->ondemand) < 0) {
		return CORE_ERR; /* a duplicate (racing primary or same id) is retried by the caller */
	}
	if (!strcmp(want, "primary") && !(known && !strcmp(inst.role, "primary")) &&
	    db_agents_set_current(db, in->agent_id, &in->where) < 0)
		return CORE_ERR;
	const char *post = arena_printf(a, "{\"role\":\"%s\",\"pool_id\":\"%s\",\"mode\":\"%s\",\"is_primary\":%s}", want,
					in->where.pool_id, in->where.mode, in->is_primary ? "true" : "false");
	if (clients_audit(db, who, in->client_id, in->agent_id, "instance.registered", "instance",
			  in->where.instance_id, NULL, known ? switches_role_state(a, inst.role, inst.version) : NULL,
			  post) < 0)
		return CORE_ERR;
	*role = want;
	return known ? CORE_OK : CORE_CREATED;
}

struct switches_register_ctx {
	struct arena *a;
	const struct instance_registration *in;
	const struct actor *who;
	const char **role;
	struct switch_refusal *why;
};

static enum core_result switches_register_step(struct db *db, void *ctx)
{
	struct switches_register_ctx *c = ctx;
	return switches_register_once(db, c->a, c->in, c->who, c->role, c->why);
}

enum core_result switches_register_instance(struct db *db, struct arena *a, const struct instance_registration *in,
					    const struct actor *who, const char **role, struct switch_refusal *why)
{
	struct switches_register_ctx c = { a, in, who, role, why };
	memset(why, 0, sizeof(*why));
	return txn_run(db, "switches_register_instance", TXN_RETRY_DUPLICATE, switches_register_step, &c);
}

static enum core_result switches_request_once(struct db *db, struct arena *a, const struct switch_request *in,
					      const struct actor *who, char command_id[UUID_STR_LEN + 1],
					      struct switch_refusal *why)
{
	struct switch_agent ag;
	struct command_new c;
	long open;
	int rc;

	rc = db_switches_agent_lock(db, a, in->agent_id, in->client_id, &ag);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : switches_refuse(why, CORE_NOT_FOUND, "no such agent", NULL);
	if (ag.region && !aws_az_valid(in->target_az, ag.region))
		return switches_refuse(why, CORE_INVALID,
				       arena_printf(a, "the zone is not in the agent's region %s", ag.region),
				       "target_pool_id");
	if (ag.pool_id && !strcmp(ag.pool_id, in->target_pool_id) && !strcmp(ag.mode, in->target_mode))
		return switches_refuse(why, CORE_CONFLICT, "the agent already runs in this pool and mode",
				       "target_pool_id");
	open = db_commands_count_open(db, a, in->agent_id, "switch");
	if (open < 0)
		return CORE_ERR;
	if (open > 0)
		return switches_refuse(why, CORE_CONFLICT, "a switch command for this agent is already open", NULL);
	struct json_object *p = json_object_new_object();
	json_object_object_add(p, "target_pool_id", json_object_new_string(in->target_pool_id));
	json_object_object_add(p, "target_mode", json_object_new_string(in->target_mode));
	json_object_object_add(p, "target_instance_type", json_object_new_string(in->target_type));
	json_object_object_add(p, "target_az", json_object_new_string(in->target_az));
	if (ag.region)
		json_object_object_add(p, "target_region", json_object_new_string(ag.region));
	const char *payload = arena_strdup(a, json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
	json_object_put(p);
	memset(&c, 0, sizeof(c));
	c.client_id = ag.client_id;
	c.agent_id = ag.id;
	c.type = "switch";
	c.payload = payload;
	c.reason = in->reason ? in->reason : "manual";
	c.priority = COMMAND_PRIORITY_HIGH;
	rc = commands_queue(db, a, &c, who, command_id);
	return rc == CORE_DUPLICATE ? CORE_OK : (enum core_result)rc;
}

struct switches_request_ctx {
	struct arena *a;
	const struct switch_request *in;
	const struct actor *who;
	char *command_id; /* UUID_STR_LEN + 1 bytes */
	struct switch_refusal *why;
};

static enum core_result switches_request_step(struct db *db, void *ctx)
{
	struct switches_request_ctx *c = ctx;
	return switches_request_once(db, c->a, c->in, c->who, c->command_id, c->why);
}

enum core_result switches_request(struct db *db, struct arena *a, const struct switch_request *in,
				  const struct actor *who, char command_id[UUID_STR_LEN + 1], struct switch_refusal *why)
{
	struct switches_request_ctx c = { a, in, who, command_id, why };
	memset(why, 0, sizeof(*why));
	return txn_run(db, "switches_request", TXN_RETRY_DUPLICATE, switches_request_step, &c);
}
