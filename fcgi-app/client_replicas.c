/* client_replicas.c - promote and delete a replica through the client API (see client_replicas.h). */
#include "fcgi-app/client_replicas.h"
#include "fcgi-app/app.h"
#include "core/replica_actions.h"
#include "common/uuid.h"

#include <json-c/json.h>
#include <string.h>

static void client_replicas_answer(struct app *app, struct request *req, struct response *res, enum core_result rc,
				   const struct replica_action_out *out, const char *status)
{
	struct json_object *o;
	switch (rc) {
	case CORE_OK:
		o = json_object_new_object();
		json_object_object_add(o, "replica_id", json_object_new_string(req->params[0]));
		json_object_object_add(o, "agent_id", json_object_new_string(out->agent_id));
		json_object_object_add(o, "status", json_object_new_string(status));
		json_object_object_add(o, "instance_id", out->instance_id ? json_object_new_string(out->instance_id) : NULL);
		if (out->old_primary_id)
			json_object_object_add(o, "old_instance_id", json_object_new_string(out->old_primary_id));
		json_object_object_add(o, "command_id",
				       out->command_id[0] ? json_object_new_string(out->command_id) : NULL);
		response_json_take(res, 200, o);
		return;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such replica", NULL);
		return;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict", out->message ? out->message : "the replica cannot change now", NULL);
		return;
	default:
		app_db_error(app, res, "client_replicas");
		return;
	}
}

void client_replicas_promote(struct app *app, struct request *req, struct response *res)
{
	struct replica_action_out out;
	struct actor who;
	enum core_result rc;
	if (!uuid_valid(req->params[0]) || req->who.kind != PRINCIPAL_CLIENT) {
		response_error(res, 404, "not_found", "no such replica", NULL);
		return;
	}
	app_actor(req, &who);
	rc = replica_actions_promote(&app->db, req->arena, req->params[0], req->who.client_id, &who, &out);
	client_replicas_answer(app, req, res, rc, &out, "promoted");
}

void client_replicas_delete(struct app *app, struct request *req, struct response *res)
{
	struct replica_action_out out;
	struct actor who;
	enum core_result rc;
	if (!uuid_valid(req->params[0]) || req->who.kind != PRINCIPAL_CLIENT) {
		response_error(res, 404, "not_found", "no such replica", NULL);
		return;
	}
	app_actor(req, &who);
	rc = replica_actions_delete(&app->db, req->arena, req->params[0], req->who.client_id, &who, &out);
	client_replicas_answer(app, req, res, rc, &out, "terminated");
}
