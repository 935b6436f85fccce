/* client_api.c - client endpoints: manual switch requests. */
#include "fcgi-app/client_api.h"
#include "fcgi-app/app.h"
#include "fcgi-app/validate.h"
#include "core/awsnames.h"
#include "core/switches.h"
#include "common/arena.h"

#include <json-c/json.h>
#include <string.h>

static const char *const client_api_modes[] = { "spot", "ondemand", NULL };

static const struct vfield client_api_switch_fields[] = {
	{ "target_pool_id", V_STRING, 1, 5, AWS_POOL_ID_MAX, NULL },
	{ "target_mode", V_STRING, 1, 1, 16, client_api_modes },
};
enum { CS_POOL, CS_MODE, CS_COUNT };

void client_api_switch(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct switch_request in;
	struct switch_refusal why;
	struct actor who;
	char command_id[UUID_STR_LEN + 1];
	const char *dot;

	struct agent_row ag;
	int got;

	/* Another client's agent is 404 before anything about the body is said. */
	got = uuid_valid(req->params[0]) ? db_agents_get(&app->db, req->arena, req->params[0], &ag) : 0;
	if (got < 0) {
		app_db_error(app, res, "client_api_switch");
		return;
	}
	if (got == 0 || strcmp(ag.client_id, req->who.client_id)) {
		response_error(res, 404, "not_found", "no such agent", NULL);
		return;
	}
	if (app_body(req, res, client_api_switch_fields, CS_COUNT, 0, &v) < 0)
		return;
	/* A pool id is "<instance type>.<az>"; the type has a dot of its own, the zone none. */
	dot = strrchr(v.s[CS_POOL], '.');
	if (!dot || dot == v.s[CS_POOL] || !dot[1])
		goto bad_pool;
	memset(&in, 0, sizeof(in));
	in.target_type = arena_strndup(req->arena, v.s[CS_POOL], (size_t)(dot - v.s[CS_POOL]));
	in.target_az = dot + 1;
	if (!aws_instance_type_valid(in.target_type) || strlen(in.target_az) > 32)
		goto bad_pool;
	in.client_id = req->who.client_id;
	in.agent_id = req->params[0];
	in.target_pool_id = v.s[CS_POOL];
	in.target_mode = v.s[CS_MODE];
	app_actor(req, &who);
	switch (switches_request(&app->db, req->arena, &in, &who, command_id, &why)) {
	case CORE_OK:
	case CORE_CREATED:
		break;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such agent", NULL);
		return;
	case CORE_INVALID:
		response_error(res, 400, "validation_failed", why.message, why.field);
		return;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict", why.message, why.field);
		return;
	default:
		app_db_error(app, res, "client_api_switch");
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "command_id", json_object_new_string(command_id));
	json_object_object_add(o, "status", json_object_new_string("pending"));
	json_object_object_add(o, "type", json_object_new_string("switch"));
	response_json_take(res, 202, o);
	return;
bad_pool:
	response_error(res, 400, "validation_failed", "is not a pool id like t3.medium.us-east-1a", "target_pool_id");
}
