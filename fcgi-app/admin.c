/* admin.c - admin API: safe mode. */
#include "fcgi-app/admin.h"
#include "fcgi-app/app.h"
#include "fcgi-app/validate.h"
#include "core/safe_mode.h"

#include <json-c/json.h>

static void admin_safe_mode_answer(struct response *res, const struct safe_mode *sm)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "enabled", json_object_new_boolean(sm->enabled));
	json_object_object_add(o, "updated_by", sm->updated_by ? json_object_new_string(sm->updated_by) : NULL);
	json_object_object_add(o, "updated_at", sm->updated_at ? json_object_new_string(sm->updated_at) : NULL);
	json_object_object_add(o, "version", json_object_new_int64(sm->version));
	response_json_take(res, 200, o);
}

void admin_safe_mode_get(struct app *app, struct request *req, struct response *res)
{
	struct safe_mode sm;
	if (safe_mode_get(&app->db, req->arena, &sm) < 0) {
		app_db_error(app, res, "admin_safe_mode_get");
		return;
	}
	admin_safe_mode_answer(res, &sm);
}

static const struct vfield admin_safe_mode_fields[] = {
	{ "enabled", V_BOOL, 1, 0, 0, NULL },
	{ "reason", V_STRING, 0, 0, 500, NULL },
};

void admin_safe_mode_set(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct safe_mode sm;

	if (app_body(req, res, admin_safe_mode_fields, 2, 0, &v) < 0)
		return;
	if (safe_mode_set(&app->db, req->arena, v.b[0], "admin", "admin-token", v.s[1], req->trace_id, &sm) < 0) {
		app_db_error(app, res, "admin_safe_mode_set");
		return;
	}
	admin_safe_mode_answer(res, &sm);
}
