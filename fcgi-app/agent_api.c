/* agent_api.c - registration, heartbeat and config endpoints. */
#include "fcgi-app/agent_api.h"
#include "fcgi-app/app.h"
#include "fcgi-app/validate.h"
#include "core/agents.h"
#include "core/awsnames.h"

#include <ctype.h>
#include <json-c/json.h>
#include <string.h>

static const char *const agent_modes[] = { "spot", "ondemand", NULL };

static const struct vfield agent_register_fields[] = {
	{ "logical_agent_id", V_STRING, 1, 1, 255, NULL },
	{ "hostname", V_STRING, 0, 0, 255, NULL },
	{ "instance_id", V_STRING, 1, 10, 19, NULL },
	{ "instance_type", V_STRING, 1, 3, 64, NULL },
	{ "region", V_STRING, 1, 6, 32, NULL },
	{ "az", V_STRING, 1, 7, 32, NULL },
	{ "mode", V_STRING, 1, 1, 16, agent_modes },
	{ "agent_version", V_STRING, 0, 0, 64, NULL },
};
enum { R_LOGICAL, R_HOSTNAME, R_INSTANCE, R_TYPE, R_REGION, R_AZ, R_MODE, R_VERSION, R_COUNT };

static const struct vfield agent_heartbeat_fields[] = {
	{ "instance_id", V_STRING, 1, 10, 19, NULL },
	{ "status", V_STRING, 1, 1, 32, NULL },
	{ "uptime_seconds", V_INT, 0, 0, 100LL * 365 * 86400, NULL },
};
enum { H_INSTANCE, H_STATUS, H_UPTIME, H_COUNT };

/* Printable text without control characters (names shown on dashboards). */
static int agent_api_printable(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return 0;
	return 1;
}

/* A status word: lowercase letters, digits, '_' and '-'. */
static int agent_api_word(const char *s)
{
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

static void agent_api_bad(struct response *res, const char *message, const char *field)
{
	response_error(res, 400, "validation_failed", message, field);
}

void agent_api_register(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct registration in;
	struct registered out;
	struct actor who;
	char pool[AWS_POOL_ID_MAX];
	enum core_result rc;

	if (app_body(req, res, agent_register_fields, R_COUNT, 1, &v) < 0)
		return;
	if (!agent_api_printable(v.s[R_LOGICAL]))
		return agent_api_bad(res, "must be printable text", "logical_agent_id");
	if (v.present[R_HOSTNAME] && !agent_api_printable(v.s[R_HOSTNAME]))
		return agent_api_bad(res, "must be printable text", "hostname");
	if (v.present[R_VERSION] && !agent_api_printable(v.s[R_VERSION]))
		return agent_api_bad(res, "must be printable text", "agent_version");
	if (!aws_instance_id_valid(v.s[R_INSTANCE]))
		return agent_api_bad(res, "is not an EC2 instance id (i- and 8 or 17 hex digits)", "instance_id");
	if (!aws_instance_type_valid(v.s[R_TYPE]))
		return agent_api_bad(res, "is not an instance type name like t3.medium", "instance_type");
	if (!aws_region_valid(v.s[R_REGION]))
		return agent_api_bad(res, "is not a region name like us-east-1", "region");
	if (!aws_az_valid(v.s[R_AZ], v.s[R_REGION]))
		return agent_api_bad(res, "is not an availability zone of the region", "az");
	if (aws_pool_id(pool, sizeof(pool), v.s[R_TYPE], v.s[R_AZ]) < 0)
		return agent_api_bad(res, "makes a pool id that is too long", "instance_type");

	memset(&in, 0, sizeof(in));
	in.client_id = req->who.client_id;
	in.logical_agent_id = v.s[R_LOGICAL];
	in.hostname = v.present[R_HOSTNAME] ? v.s[R_HOSTNAME] : NULL;
	in.agent_version = v.present[R_VERSION] ? v.s[R_VERSION] : NULL;
	in.where.instance_id = v.s[R_INSTANCE];
	in.where.instance_type = v.s[R_TYPE];
	in.where.region = v.s[R_REGION];
	in.where.az = v.s[R_AZ];
	in.where.mode = v.s[R_MODE];
	in.where.pool_id = pool;
	app_actor(req, &who);
	rc = agents_register(&app->db, req->arena, &in, &who, &out);
	switch (rc) {
	case CORE_OK:
	case CORE_CREATED:
		break;
	case CORE_FORBIDDEN:
		response_error(res, 403, "forbidden",
			       "this client has reached its plan's max_agents; raise the limit or remove an agent",
			       "logical_agent_id");
		return;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict", "this instance is registered to another agent", "instance_id");
		return;
	case CORE_NOT_FOUND:
		response_error(res, 401, "unauthorized", "the client no longer exists", "Authorization");
		return;
	default:
		app_db_error(app, res, "agent_api_register");
		return;
	}
	struct json_object *config = agents_config_json(&app->db, req->arena, &out.agent);
	if (!config) {
		app_db_error(app, res, "agent_api_register");
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "agent_id", json_object_new_string(out.agent.id));
	json_object_object_add(o, "agent_token", json_object_new_string(out.token.token));
	json_object_object_add(o, "role", json_object_new_string(out.role));
	json_object_object_add(o, "created", json_object_new_boolean(out.created));
	json_object_object_add(o, "config", config);
	response_json_take(res, rc == CORE_CREATED ? 201 : 200, o);
	response_header(res, "Cache-Control", "no-store");
}

void agent_api_heartbeat(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct heartbeat hb;
	struct heartbeat_state st;
	struct actor who;
	enum core_result rc;

	if (app_body(req, res, agent_heartbeat_fields, H_COUNT, 1, &v) < 0)
		return;
	if (!aws_instance_id_valid(v.s[H_INSTANCE]))
		return agent_api_bad(res, "is not an EC2 instance id (i- and 8 or 17 hex digits)", "instance_id");
	if (!agent_api_word(v.s[H_STATUS]))
		return agent_api_bad(res, "must be a status word like running", "status");
	hb.agent_id = req->params[0];
	hb.client_id = req->who.client_id;
	hb.instance_id = v.s[H_INSTANCE];
	hb.status = v.s[H_STATUS];
	hb.uptime_seconds = v.present[H_UPTIME] ? v.i[H_UPTIME] : -1;
	if (req->who.kind == PRINCIPAL_NONE) {
		/* ROUTE_AUTH_INLINE: token, agent and instance checked with the heartbeat itself. */
		const char *missing;
		rc = agents_heartbeat_token(&app->db, &app->hb_memo, req->arena, app_bearer(req), &hb, req->trace_id, &st,
					    &missing);
		if (rc == CORE_FORBIDDEN) {
			response_error(res, 401, "unauthorized", "a valid bearer token is required", "Authorization");
			response_header(res, "WWW-Authenticate", "Bearer");
			return;
		}
		if (rc == CORE_NOT_FOUND && !strcmp(missing, "agent")) {
			response_error(res, 404, "not_found", "no such agent", NULL);
			return;
		}
	} else {
		app_actor(req, &who);
		rc = agents_heartbeat(&app->db, req->arena, &hb, &who, &st);
	}
	if (rc == CORE_NOT_FOUND) {
		response_error(res, 404, "not_found", "this instance is not registered to this agent; register first",
			       "instance_id");
		return;
	}
	if (rc != CORE_OK) {
		app_db_error(app, res, "agent_api_heartbeat");
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "role", json_object_new_string(st.role));
	json_object_object_add(o, "pending_commands", json_object_new_int64(st.pending_commands));
	json_object_object_add(o, "config_version", json_object_new_int64(st.config_version));
	response_json_take(res, 200, o);
}

void agent_api_config(struct app *app, struct request *req, struct response *res)
{
	struct agent_row ag;
	struct json_object *config;
	int rc = db_agents_get(&app->db, req->arena, req->params[0], &ag);
	if (rc == 0) {
		response_error(res, 404, "not_found", "no such agent", NULL);
		return;
	}
	if (rc < 0 || !(config = agents_config_json(&app->db, req->arena, &ag))) {
		app_db_error(app, res, "agent_api_config");
		return;
	}
	response_json_take(res, 200, config);
}
