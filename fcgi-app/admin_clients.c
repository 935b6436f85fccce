/* admin_clients.c - the admin API for tenancy. */
#include "fcgi-app/admin_clients.h"
#include "fcgi-app/app.h"
#include "fcgi-app/validate.h"
#include "core/clients.h"

#include <ctype.h>
#include <json-c/json.h>
#include <string.h>

#define ADMIN_MAX_AGENTS 100000
#define ADMIN_MAX_INSTANCES 1000000

static const char *const admin_plans[] = { "free", "starter", "pro", "business", "enterprise", NULL };

static const struct vfield admin_client_fields[] = {
	{ "name", V_STRING, 1, 1, 255, NULL },
	{ "email", V_STRING, 1, 3, 255, NULL },
	{ "plan", V_STRING, 0, 1, 32, admin_plans },
	{ "max_agents", V_INT, 0, 0, ADMIN_MAX_AGENTS, NULL },
	{ "max_instances", V_INT, 0, 0, ADMIN_MAX_INSTANCES, NULL },
};
enum { F_NAME, F_EMAIL, F_PLAN, F_MAX_AGENTS, F_MAX_INSTANCES };

static const struct vfield admin_patch_fields[] = {
	{ "name", V_STRING, 0, 1, 255, NULL },
	{ "email", V_STRING, 0, 3, 255, NULL },
	{ "plan", V_STRING, 0, 1, 32, admin_plans },
	{ "max_agents", V_INT, 0, 0, ADMIN_MAX_AGENTS, NULL },
	{ "max_instances", V_INT, 0, 0, ADMIN_MAX_INSTANCES, NULL },
	{ "is_active", V_BOOL, 0, 0, 0, NULL },
	{ "version", V_INT, 0, 1, 2147483647, NULL },
};
enum { P_NAME, P_EMAIL, P_PLAN, P_MAX_AGENTS, P_MAX_INSTANCES, P_IS_ACTIVE, P_VERSION, P_COUNT };

static const struct vfield admin_token_fields[] = {
	{ "label", V_STRING, 0, 0, 255, NULL },
	{ "revoke_existing", V_BOOL, 0, 0, 0, NULL },
};

/* A plausible address: local@domain.tld, no spaces or control characters. */
static int admin_email_ok(const char *e)
{
	const char *at = strchr(e, '@');
	if (!at || at == e || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.' || e[strlen(e) - 1] == '.')
		return 0;
	for (const char *p = e; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return 0;
	return 1;
}

static void admin_core_error(struct app *app, struct response *res, enum core_result rc, const char *what)
{
	switch (rc) {
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such client", NULL);
		break;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict", "the client was changed meanwhile; reload and retry", "version");
		break;
	case CORE_DUPLICATE:
		response_error(res, 409, "conflict", "a client with this email already exists", "email");
		break;
	default:
		app_db_error(app, res, what);
	}
}

void admin_clients_create(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct client_new in;
	struct client_row c;
	struct new_token tok;
	struct actor who;
	enum core_result rc;

	if (app_body(req, res, admin_client_fields, 5, 0, &v) < 0)
		return;
	if (!admin_email_ok(v.s[F_EMAIL])) {
		response_error(res, 400, "validation_failed", "is not an email address", "email");
		return;
	}
	in.name = v.s[F_NAME];
	in.email = v.s[F_EMAIL];
	in.plan = v.present[F_PLAN] ? v.s[F_PLAN] : "free";
	in.max_agents = v.present[F_MAX_AGENTS] ? (long)v.i[F_MAX_AGENTS] : 5;
	in.max_instances = v.present[F_MAX_INSTANCES] ? (long)v.i[F_MAX_INSTANCES] : 10;
	app_actor(req, &who);
	rc = clients_create(&app->db, req->arena, &in, &who, &c, &tok);
	if (rc != CORE_CREATED) {
		admin_core_error(app, res, rc, "admin_clients_create");
		return;
	}
	struct json_object *o = db_clients_json(&c);
	json_object_object_add(o, "client_token", json_object_new_string(tok.token));
	json_object_object_add(o, "token_id", json_object_new_string(tok.id));
	response_json_take(res, 201, o);
	response_header(res, "Cache-Control", "no-store");
}

void admin_clients_list(struct app *app, struct request *req, struct response *res)
{
	struct client_row *rows;
	size_t n;
	if (db_clients_list(&app->db, req->arena, &rows, &n) < 0) {
		app_db_error(app, res, "admin_clients_list");
		return;
	}
	struct json_object *arr = json_object_new_array(), *o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, db_clients_json(&rows[i]));
	json_object_object_add(o, "clients", arr);
	response_json_take(res, 200, o);
}

/* Loads {id}; writes 404 when absent or not a UUID. Returns 1 found, 0 answered. */
static int admin_client_param(struct app *app, struct request *req, struct response *res, struct client_row *c)
{
	int rc;
	if (!uuid_valid(req->params[0])) {
		response_error(res, 404, "not_found", "no such client", NULL);
		return 0;
	}
	rc = db_clients_get(&app->db, req->arena, req->params[0], 0, c);
	if (rc < 0)
		app_db_error(app, res, "admin_client_param");
	else if (rc == 0)
		response_error(res, 404, "not_found", "no such client", NULL);
	return rc == 1;
}

void admin_clients_get(struct app *app, struct request *req, struct response *res)
{
	struct client_row c;
	if (admin_client_param(app, req, res, &c))
		response_json_take(res, 200, db_clients_json(&c));
}

void admin_clients_patch(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct client_patch p;
	struct client_row c;
	struct actor who;
	enum core_result rc;
	int any = 0;

	if (!uuid_valid(req->params[0])) {
		response_error(res, 404, "not_found", "no such client", NULL);
		return;
	}
	if (app_body(req, res, admin_patch_fields, P_COUNT, 0, &v) < 0)
		return;
	for (int i = 0; i < P_VERSION; i++)
		any |= v.present[i];
	if (!any) {
		response_error(res, 400, "validation_failed", "give at least one field to change", "body");
		return;
	}
	if (v.present[P_EMAIL] && !admin_email_ok(v.s[P_EMAIL])) {
		response_error(res, 400, "validation_failed", "is not an email address", "email");
		return;
	}
	memset(&p, 0, sizeof(p));
	p.set_name = v.present[P_NAME];
	p.name = v.s[P_NAME];
	p.set_email = v.present[P_EMAIL];
	p.email = v.s[P_EMAIL];
	p.set_plan = v.present[P_PLAN];
	p.plan = v.s[P_PLAN];
	p.set_max_agents = v.present[P_MAX_AGENTS];
	p.max_agents = (long)v.i[P_MAX_AGENTS];
	p.set_max_instances = v.present[P_MAX_INSTANCES];
	p.max_instances = (long)v.i[P_MAX_INSTANCES];
	p.set_is_active = v.present[P_IS_ACTIVE];
	p.is_active = v.b[P_IS_ACTIVE];
	p.set_version = v.present[P_VERSION];
	p.version = (long)v.i[P_VERSION];
	app_actor(req, &who);
	rc = clients_update(&app->db, req->arena, req->params[0], &p, &who, &c);
	if (rc != CORE_OK) {
		admin_core_error(app, res, rc, "admin_clients_patch");
		return;
	}
	response_json_take(res, 200, db_clients_json(&c));
}

void admin_clients_tokens(struct app *app, struct request *req, struct response *res)
{
	struct client_row c;
	struct token_row *t;
	size_t n;
	if (!admin_client_param(app, req, res, &c))
		return;
	if (db_tokens_list(&app->db, req->arena, c.id, &t, &n) < 0) {
		app_db_error(app, res, "admin_clients_tokens");
		return;
	}
	struct json_object *arr = json_object_new_array(), *o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, db_tokens_json(&t[i]));
	json_object_object_add(o, "tokens", arr);
	response_json_take(res, 200, o);
}

void admin_clients_token_create(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct new_token tok;
	struct actor who;
	enum core_result rc;

	if (!uuid_valid(req->params[0])) {
		response_error(res, 404, "not_found", "no such client", NULL);
		return;
	}
	if (req->body_len) {
		if (app_body(req, res, admin_token_fields, 2, 0, &v) < 0)
			return;
	} else {
		memset(&v, 0, sizeof(v));
	}
	app_actor(req, &who);
	rc = clients_token_create(&app->db, req->arena, req->params[0], v.present[0] ? v.s[0] : NULL,
				  v.present[1] && v.b[1], &who, &tok);
	if (rc != CORE_CREATED) {
		admin_core_error(app, res, rc, "admin_clients_token_create");
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "token_id", json_object_new_string(tok.id));
	json_object_object_add(o, "client_token", json_object_new_string(tok.token));
	json_object_object_add(o, "revoked_others", json_object_new_boolean(v.present[1] && v.b[1]));
	response_json_take(res, 201, o);
	response_header(res, "Cache-Control", "no-store");
}

void admin_clients_token_revoke(struct app *app, struct request *req, struct response *res)
{
	struct actor who;
	enum core_result rc;
	if (!uuid_valid(req->params[0]) || !uuid_valid(req->params[1])) {
		response_error(res, 404, "not_found", "no such token", NULL);
		return;
	}
	app_actor(req, &who);
	rc = clients_token_revoke(&app->db, req->arena, req->params[0], req->params[1], &who);
	if (rc == CORE_NOT_FOUND) {
		response_error(res, 404, "not_found", "no such live token of this client", NULL);
		return;
	}
	if (rc != CORE_OK) {
		app_db_error(app, res, "admin_clients_token_revoke");
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(req->params[1]));
	json_object_object_add(o, "revoked", json_object_new_boolean(1));
	response_json_take(res, 200, o);
}
