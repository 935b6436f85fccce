/* agent_commands.c - commands, switch reports, termination and register-instance endpoints. */
#include "fcgi-app/agent_commands.h"
#include "common/json_util.h"
#include "fcgi-app/app.h"
#include "fcgi-app/validate.h"
#include "core/awsnames.h"
#include "core/commands.h"
#include "core/switches.h"
#include "core/termination.h"
#include "common/arena.h"
#include "common/timeutil.h"

#include <ctype.h>
#include <json-c/json.h>
#include <string.h>

#define AGENT_COMMANDS_MAX_PRICE 10000 /* $/hour; far above any EC2 price */

static const char *const agent_commands_modes[] = { "spot", "ondemand", NULL };
static const char *const agent_commands_statuses[] = { "running", "succeeded", "failed", NULL };

static void agent_commands_bad(struct response *res, const char *message, const char *field)
{
	response_error(res, 400, "validation_failed", message, field);
}

/* A machine word: lowercase letters, digits, '_' and '-'. */
static int agent_commands_word(const char *s)
{
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

static int agent_commands_printable(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s) && *s != '\n' && *s != '\t')
			return 0;
	return 1;
}

/* RFC 3339 text -> "YYYY-MM-DD HH:MM:SS.mmm" UTC for a DATETIME(3) column. NULL when it does not parse. */
static const char *agent_commands_datetime(struct arena *a, const char *s)
{
	int64_t ms;
	char buf[32];
	if (time_parse_rfc3339(s, &ms) < 0 || ms < 0 || time_format_rfc3339_ms(ms, buf, sizeof(buf)) < 0)
		return NULL;
	buf[10] = ' ';
	buf[23] = '\0'; /* drop the Z */
	return arena_strdup(a, buf);
}

void agent_commands_pending(struct app *app, struct request *req, struct response *res)
{
	const char *instance_id = request_query(req, "instance_id");
	const char *role = NULL;
	struct command_row *rows = NULL;
	size_t n = 0;
	struct actor who;

	if (!instance_id || !*instance_id)
		return agent_commands_bad(res, "is required (the instance asking)", "instance_id");
	if (!aws_instance_id_valid(instance_id))
		return agent_commands_bad(res, "is not an EC2 instance id (i- and 8 or 17 hex digits)", "instance_id");
	app_actor(req, &who);
	switch (commands_pending(&app->db, req->arena, req->who.client_id, req->params[0], instance_id, &who, &role,
				 &rows, &n)) {
	case CORE_OK:
		break;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "this instance is not registered to this agent", "instance_id");
		return;
	default:
		app_db_error(app, res, "agent_commands_pending");
		return;
	}
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *c = json_object_new_object();
		struct json_object *payload = rows[i].payload ? json_tokener_parse(rows[i].payload) : NULL;
		if (!payload || !json_object_is_type(payload, json_type_object)) {
			json_object_put(payload);
			payload = json_object_new_object();
		}
		json_object_object_add(c, "id", json_object_new_string(rows[i].id));
		json_object_object_add(c, "type", json_object_new_string(rows[i].type));
		json_object_object_add(c, "payload", payload);
		json_object_object_add(c, "instance_id", json_util_str(rows[i].instance_id));
		json_object_object_add(c, "status", json_object_new_string(rows[i].status));
		json_object_object_add(c, "priority", json_object_new_int64(rows[i].priority));
		json_object_object_add(c, "created_at", json_util_str(rows[i].created_at));
		json_object_object_add(c, "expires_at", json_util_str(rows[i].expires_at));
		json_object_array_add(arr, c);
	}
	json_object_object_add(o, "commands", arr);
	json_object_object_add(o, "role", json_object_new_string(role));
	response_json_take(res, 200, o);
	response_header(res, "Cache-Control", "no-store");
}

static const struct vfield agent_commands_result_fields[] = {
	{ "status", V_STRING, 1, 1, 16, agent_commands_statuses },
	{ "error", V_STRING, 0, 0, COMMAND_MAX_ERROR, NULL },
};
enum { CR_STATUS, CR_ERROR, CR_COUNT };

void agent_commands_result(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct command_report in;
	struct command_row out;
	struct actor who;
	struct json_object *result = NULL;
	int changed;

	if (!uuid_valid(req->params[1])) {
		response_error(res, 404, "not_found", "no such command of this agent", "command_id");
		return;
	}
	if (app_body(req, res, agent_commands_result_fields, CR_COUNT, 1, &v) < 0)
		return;
	if (v.present[CR_ERROR] && !agent_commands_printable(v.s[CR_ERROR]))
		return agent_commands_bad(res, "must be printable text", "error");
	memset(&in, 0, sizeof(in));
	if (json_object_object_get_ex(req->json, "result", &result) && result) {
		if (!json_object_is_type(result, json_type_object))
			return agent_commands_bad(res, "must be an object", "result");
		in.result = json_object_to_json_string_ext(result, JSON_C_TO_STRING_PLAIN);
		if (strlen(in.result) > COMMAND_MAX_RESULT)
			return agent_commands_bad(res, "is too large (at most 16384 bytes of JSON)", "result");
	}
	in.agent_id = req->params[0];
	in.client_id = req->who.client_id;
	in.command_id = req->params[1];
	in.status = v.s[CR_STATUS];
	in.error = v.present[CR_ERROR] ? v.s[CR_ERROR] : NULL;
	app_actor(req, &who);
	switch (commands_result(&app->db, req->arena, &in, &who, &out, &changed)) {
	case CORE_OK:
		break;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such command of this agent", "command_id");
		return;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict",
			       arena_printf(req->arena, "the command is %s; it cannot become %s", out.status, in.status),
			       "status");
		return;
	default:
		app_db_error(app, res, "agent_commands_result");
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(out.id));
	json_object_object_add(o, "type", json_object_new_string(out.type));
	json_object_object_add(o, "status", json_object_new_string(out.status));
	json_object_object_add(o, "version", json_object_new_int64(out.version));
	json_object_object_add(o, "changed", json_object_new_boolean(changed));
	response_json_take(res, 200, o);
}

static const struct vfield agent_commands_switch_fields[] = {
	{ "command_id", V_STRING, 0, 36, 36, NULL },
	{ "old_instance_id", V_STRING, 1, 10, 19, NULL },
	{ "new_instance_id", V_STRING, 1, 10, 19, NULL },
	{ "new_instance_type", V_STRING, 1, 3, 64, NULL },
	{ "new_region", V_STRING, 0, 6, 32, NULL },
	{ "new_az", V_STRING, 1, 7, 32, NULL },
	{ "new_mode", V_STRING, 1, 1, 16, agent_commands_modes },
	{ "new_pool_id", V_STRING, 0, 1, AWS_POOL_ID_MAX, NULL },
	{ "downtime_seconds", V_NUMBER, 0, 0, 86400, NULL },
	{ "ami_id", V_STRING, 0, 5, 32, NULL },
	{ "event_trigger", V_STRING, 0, 1, 32, NULL },
};
enum { S_COMMAND, S_OLD, S_NEW, S_TYPE, S_REGION, S_AZ, S_MODE, S_POOL, S_DOWNTIME, S_AMI, S_TRIGGER, S_COUNT };

static const struct vfield agent_commands_price_fields[] = {
	{ "old_spot", V_NUMBER, 0, 0, AGENT_COMMANDS_MAX_PRICE, NULL },
	{ "new_spot", V_NUMBER, 0, 0, AGENT_COMMANDS_MAX_PRICE, NULL },
	{ "old_ondemand", V_NUMBER, 0, 0, AGENT_COMMANDS_MAX_PRICE, NULL },
	{ "new_ondemand", V_NUMBER, 0, 0, AGENT_COMMANDS_MAX_PRICE, NULL },
};
enum { P_OLD_SPOT, P_NEW_SPOT, P_OLD_OD, P_NEW_OD, P_COUNT };

static const struct vfield agent_commands_timing_fields[] = {
	{ "initiated_at", V_STRING, 0, 20, 40, NULL },
	{ "ami_created_at", V_STRING, 0, 20, 40, NULL },
	{ "instance_launched_at", V_STRING, 0, 20, 40, NULL },
	{ "instance_ready_at", V_STRING, 0, 20, 40, NULL },
	{ "completed_at", V_STRING, 0, 20, 40, NULL },
};
enum { T_INITIATED, T_AMI, T_LAUNCHED, T_READY, T_COMPLETED, T_COUNT };

/* Validates the optional member name (an object) against fields; field names in errors are "name.field". */
static int agent_commands_sub(struct request *req, struct response *res, const char *name, const struct vfield *fields,
			      size_t n, struct vresult *out)
{
	struct json_object *sub;
	struct request_error err;

	memset(out, 0, sizeof(*out));
	if (!json_object_object_get_ex(req->json, name, &sub) || !sub)
		return 0;
	if (!json_object_is_type(sub, json_type_object)) {
		agent_commands_bad(res, "must be an object", name);
		return -1;
	}
	if (validate_object(sub, fields, n, 0, out, &err) < 0) {
		response_error(res, err.status, err.code, err.message,
			       arena_printf(req->arena, "%s.%s", name, err.field ? err.field : ""));
		return -1;
	}
	return 0;
}

void agent_commands_switch_report(struct app *app, struct request *req, struct response *res)
{
	struct vresult v, pv, tv;
	struct switch_report in;
	struct switch_outcome out;
	struct agent_row ag;
	struct actor who;
	char pool[AWS_POOL_ID_MAX];
	const char **times[T_COUNT];
	enum core_result rc;

	if (app_body(req, res, agent_commands_switch_fields, S_COUNT, 1, &v) < 0)
		return;
	json_object_object_foreach(req->json, key, val) {
		size_t i;
		(void)val;
		for (i = 0; i < S_COUNT && strcmp(agent_commands_switch_fields[i].name, key); i++)
			;
		if (i == S_COUNT && strcmp(key, "prices") && strcmp(key, "timings"))
			return agent_commands_bad(res, "is not a known field", key);
	}
	if (agent_commands_sub(req, res, "prices", agent_commands_price_fields, P_COUNT, &pv) < 0 ||
	    agent_commands_sub(req, res, "timings", agent_commands_timing_fields, T_COUNT, &tv) < 0)
		return;
	if (v.present[S_COMMAND] && !uuid_valid(v.s[S_COMMAND]))
		return agent_commands_bad(res, "is not a command id (a UUID)", "command_id");
	if (!aws_instance_id_valid(v.s[S_OLD]))
		return agent_commands_bad(res, "is not an EC2 instance id (i- and 8 or 17 hex digits)", "old_instance_id");
	if (!aws_instance_id_valid(v.s[S_NEW]))
		return agent_commands_bad(res, "is not an EC2 instance id (i- and 8 or 17 hex digits)", "new_instance_id");
	if (!strcmp(v.s[S_OLD], v.s[S_NEW]))
		return agent_commands_bad(res, "must differ from old_instance_id", "new_instance_id");
	if (!aws_instance_type_valid(v.s[S_TYPE]))
		return agent_commands_bad(res, "is not an instance type name like t3.medium", "new_instance_type");
	if (v.present[S_REGION] && !aws_region_valid(v.s[S_REGION]))
		return agent_commands_bad(res, "is not a region name like us-east-1", "new_region");
	if (v.present[S_AMI] && (strncmp(v.s[S_AMI], "ami-", 4) || !agent_commands_word(v.s[S_AMI])))
		return agent_commands_bad(res, "is not an AMI id (ami-...)", "ami_id");
	if (v.present[S_TRIGGER] && !agent_commands_word(v.s[S_TRIGGER]))
		return agent_commands_bad(res, "must be a word like manual or ml", "event_trigger");

	memset(&in, 0, sizeof(in));
	in.next.region = v.present[S_REGION] ? v.s[S_REGION] : NULL;
	if (!in.next.region) {
		/* The new instance runs in the agent's region unless the report says otherwise. */
		int got = db_agents_get(&app->db, req->arena, req->params[0], &ag);
		if (got < 0) {
			app_db_error(app, res, "agent_commands_switch_report");
			return;
		}
		if (got == 0 || !ag.region)
			return agent_commands_bad(res, "is required (the agent has no region yet)", "new_region");
		in.next.region = ag.region;
	}
	if (!aws_az_valid(v.s[S_AZ], in.next.region))
		return agent_commands_bad(res, "is not an availability zone of the region", "new_az");
	if (aws_pool_id(pool, sizeof(pool), v.s[S_TYPE], v.s[S_AZ]) < 0)
		return agent_commands_bad(res, "makes a pool id that is too long", "new_instance_type");
	if (v.present[S_POOL] && strcmp(v.s[S_POOL], pool))
		return agent_commands_bad(res, "must be <new_instance_type>.<new_az>", "new_pool_id");

	in.client_id = req->who.client_id;
	in.agent_id = req->params[0];
	in.command_id = v.present[S_COMMAND] ? v.s[S_COMMAND] : NULL;
	in.old_instance_id = v.s[S_OLD];
	in.next.instance_id = v.s[S_NEW];
	in.next.instance_type = v.s[S_TYPE];
	in.next.az = v.s[S_AZ];
	in.next.mode = v.s[S_MODE];
	in.next.pool_id = pool;
	in.old_spot = pv.present[P_OLD_SPOT] ? pv.d[P_OLD_SPOT] : -1;
	in.new_spot = pv.present[P_NEW_SPOT] ? pv.d[P_NEW_SPOT] : -1;
	in.old_ondemand = pv.present[P_OLD_OD] ? pv.d[P_OLD_OD] : -1;
	in.new_ondemand = pv.present[P_NEW_OD] ? pv.d[P_NEW_OD] : -1;
	in.ami_id = v.present[S_AMI] ? v.s[S_AMI] : NULL;
	in.event_trigger = v.present[S_TRIGGER] ? v.s[S_TRIGGER] : NULL;
	in.downtime_seconds = v.present[S_DOWNTIME] ? v.d[S_DOWNTIME] : -1;
	times[T_INITIATED] = &in.initiated_at;
	times[T_AMI] = &in.ami_created_at;
	times[T_LAUNCHED] = &in.instance_launched_at;
	times[T_READY] = &in.instance_ready_at;
	times[T_COMPLETED] = &in.completed_at;
	for (size_t i = 0; i < T_COUNT; i++) {
		if (!tv.present[i])
			continue;
		*times[i] = agent_commands_datetime(req->arena, tv.s[i]);
		if (!*times[i])
			return agent_commands_bad(res, "is not an RFC 3339 date-time like 2026-01-02T03:04:05Z",
						  arena_printf(req->arena, "timings.%s", agent_commands_timing_fields[i].name));
	}
	app_actor(req, &who);
	rc = switches_report(&app->db, req->arena, &in, &who, &out);
	switch (rc) {
	case CORE_OK:
	case CORE_CREATED:
		break;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", out.why.message, out.why.field);
		return;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict", out.why.message, out.why.field);
		return;
	default:
		app_db_error(app, res, "agent_commands_switch_report");
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "switch_id", json_util_str(out.switch_id));
	json_object_object_add(o, "created", json_object_new_boolean(out.created));
	json_object_object_add(o, "old_instance_id", json_object_new_string(in.old_instance_id));
	json_object_object_add(o, "old_role", json_util_str(out.old_role));
	json_object_object_add(o, "new_instance_id", json_object_new_string(in.next.instance_id));
	json_object_object_add(o, "role", json_object_new_string("primary"));
	json_object_object_add(o, "pool_id", json_object_new_string(pool));
	json_object_object_add(o, "savings_impact",
			       out.has_savings ? json_object_new_double(out.savings_impact) : NULL);
	response_json_take(res, rc == CORE_CREATED ? 201 : 200, o);
}

void agent_commands_to_terminate(struct app *app, struct request *req, struct response *res)
{
	struct termination_due due;
	struct actor who;

	app_actor(req, &who);
	switch (termination_hand_out(&app->db, req->arena, req->who.client_id, req->params[0], &who, &due)) {
	case CORE_OK:
		break;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such agent", NULL);
		return;
	default:
		app_db_error(app, res, "agent_commands_to_terminate");
		return;
	}
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	for (size_t i = 0; i < due.n; i++) {
		const struct zombie_row *z = &due.rows[i];
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "instance_id", json_object_new_string(z->id));
		json_object_object_add(e, "instance_type", json_util_str(z->instance_type));
		json_object_object_add(e, "region", json_util_str(z->region));
		json_object_object_add(e, "az", json_util_str(z->az));
		json_object_object_add(e, "pool_id", json_util_str(z->pool_id));
		json_object_object_add(e, "mode", json_util_str(z->mode));
		json_object_object_add(e, "zombie_since", json_util_str(z->role_changed_at));
		json_object_object_add(e, "last_error", json_util_str(z->termination_error));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "instances", arr);
	json_object_object_add(o, "auto_terminate_enabled", json_object_new_boolean(due.auto_terminate));
	json_object_object_add(o, "terminate_wait_seconds", json_object_new_int64(due.wait_seconds));
	response_json_take(res, 200, o);
	response_header(res, "Cache-Control", "no-store");
}

static const struct vfield agent_commands_term_fields[] = {
	{ "instance_id", V_STRING, 1, 10, 19, NULL },
	{ "terminated", V_BOOL, 1, 0, 0, NULL },
	{ "error", V_STRING, 0, 0, TERMINATION_MAX_ERROR, NULL },
};
enum { TR_INSTANCE, TR_TERMINATED, TR_ERROR, TR_COUNT };

void agent_commands_termination_report(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct termination_report in;
	struct actor who;
	const char *role = NULL;

	if (app_body(req, res, agent_commands_term_fields, TR_COUNT, 0, &v) < 0)
		return;
	if (!aws_instance_id_valid(v.s[TR_INSTANCE]))
		return agent_commands_bad(res, "is not an EC2 instance id (i- and 8 or 17 hex digits)", "instance_id");
	if (v.present[TR_ERROR] && !agent_commands_printable(v.s[TR_ERROR]))
		return agent_commands_bad(res, "must be printable text", "error");
	in.client_id = req->who.client_id;
	in.agent_id = req->params[0];
	in.instance_id = v.s[TR_INSTANCE];
	in.terminated = v.b[TR_TERMINATED];
	in.error = v.present[TR_ERROR] && *v.s[TR_ERROR] ? v.s[TR_ERROR] : NULL;
	app_actor(req, &who);
	switch (termination_report(&app->db, req->arena, &in, &who, &role)) {
	case CORE_OK:
		break;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "this instance is not registered to this agent", "instance_id");
		return;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict",
			       arena_printf(req->arena, "the instance is %s, not a zombie awaiting termination",
					    role ? role : "changed"),
			       "instance_id");
		return;
	default:
		app_db_error(app, res, "agent_commands_termination_report");
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "instance_id", json_object_new_string(in.instance_id));
	json_object_object_add(o, "role", json_object_new_string(role));
	json_object_object_add(o, "termination_confirmed", json_object_new_boolean(!strcmp(role, "terminated")));
	response_json_take(res, 200, o);
}

static const struct vfield agent_commands_reg_fields[] = {
	{ "instance_id", V_STRING, 1, 10, 19, NULL },
	{ "instance_type", V_STRING, 1, 3, 64, NULL },
	{ "region", V_STRING, 1, 6, 32, NULL },
	{ "az", V_STRING, 1, 7, 32, NULL },
	{ "mode", V_STRING, 1, 1, 16, agent_commands_modes },
	{ "pool_id", V_STRING, 0, 1, AWS_POOL_ID_MAX, NULL },
	{ "is_primary", V_BOOL, 0, 0, 0, NULL },
	{ "spot_price", V_NUMBER, 0, 0, AGENT_COMMANDS_MAX_PRICE, NULL },
	{ "ondemand_price", V_NUMBER, 0, 0, AGENT_COMMANDS_MAX_PRICE, NULL },
};
enum { RI_INSTANCE, RI_TYPE, RI_REGION, RI_AZ, RI_MODE, RI_POOL, RI_PRIMARY, RI_SPOT, RI_OD, RI_COUNT };

void agent_commands_register_instance(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct instance_registration in;
	struct switch_refusal why;
	struct actor who;
	char pool[AWS_POOL_ID_MAX];
	const char *role = NULL;
	enum core_result rc;

	if (app_body(req, res, agent_commands_reg_fields, RI_COUNT, 0, &v) < 0)
		return;
	if (!aws_instance_id_valid(v.s[RI_INSTANCE]))
		return agent_commands_bad(res, "is not an EC2 instance id (i- and 8 or 17 hex digits)", "instance_id");
	if (!aws_instance_type_valid(v.s[RI_TYPE]))
		return agent_commands_bad(res, "is not an instance type name like t3.medium", "instance_type");
	if (!aws_region_valid(v.s[RI_REGION]))
		return agent_commands_bad(res, "is not a region name like us-east-1", "region");
	if (!aws_az_valid(v.s[RI_AZ], v.s[RI_REGION]))
		return agent_commands_bad(res, "is not an availability zone of the region", "az");
	if (aws_pool_id(pool, sizeof(pool), v.s[RI_TYPE], v.s[RI_AZ]) < 0)
		return agent_commands_bad(res, "makes a pool id that is too long", "instance_type");
	if (v.present[RI_POOL] && strcmp(v.s[RI_POOL], pool))
		return agent_commands_bad(res, "must be <instance_type>.<az>", "pool_id");
	memset(&in, 0, sizeof(in));
	in.client_id = req->who.client_id;
	in.agent_id = req->params[0];
	in.where.instance_id = v.s[RI_INSTANCE];
	in.where.instance_type = v.s[RI_TYPE];
	in.where.region = v.s[RI_REGION];
	in.where.az = v.s[RI_AZ];
	in.where.mode = v.s[RI_MODE];
	in.where.pool_id = pool;
	in.is_primary = v.present[RI_PRIMARY] && v.b[RI_PRIMARY];
	in.spot = v.present[RI_SPOT] ? v.d[RI_SPOT] : -1;
	in.ondemand = v.present[RI_OD] ? v.d[RI_OD] : -1;
	app_actor(req, &who);
	rc = switches_register_instance(&app->db, req->arena, &in, &who, &role, &why);
	switch (rc) {
	case CORE_OK:
	case CORE_CREATED:
		break;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", why.message, why.field);
		return;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict", why.message, why.field);
		return;
	default:
		app_db_error(app, res, "agent_commands_register_instance");
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "instance_id", json_object_new_string(in.where.instance_id));
	json_object_object_add(o, "role", json_object_new_string(role));
	json_object_object_add(o, "pool_id", json_object_new_string(pool));
	json_object_object_add(o, "created", json_object_new_boolean(rc == CORE_CREATED));
	response_json_take(res, rc == CORE_CREATED ? 201 : 200, o);
}
