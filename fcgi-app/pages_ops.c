/* pages_ops.c - replicas and the admin's operations pages (see pages_ops.h). */
#include "fcgi-app/pages_ops.h"
#include "common/json_util.h"
#include "fcgi-app/admin_ops.h"
#include "fcgi-app/app.h"
#include "fcgi-app/pages.h"
#include "fcgi-app/session.h"
#include "core/clients.h"
#include "core/db_client.h"
#include "core/replica_actions.h"
#include "common/arena.h"
#include "common/timeutil.h"
#include "common/uuid.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* Errors for the summary and the field: errors[] {field, message} and error{field: message}. */
static void pages_ops_error(struct json_object *v, const char *field, const char *message)
{
	struct json_object *errors, *by, *e = json_object_new_object();
	if (!json_object_object_get_ex(v, "errors", &errors)) {
		errors = json_object_new_array();
		json_object_object_add(v, "errors", errors);
	}
	if (!json_object_object_get_ex(v, "error", &by)) {
		by = json_object_new_object();
		json_object_object_add(v, "error", by);
	}
	json_object_object_add(e, "field", json_object_new_string(field));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_array_add(errors, e);
	json_object_object_add(by, field, json_object_new_string(message));
	json_object_object_add(v, "has_errors", json_object_new_boolean(1));
}

/* ---- replicas ---- */

static void pages_ops_replicas_render(struct app *app, struct request *req, struct response *res, int status,
				      const char *refused_id, const char *message)
{
	static const char *const filters[] = { "live", "ended", "all" };
	const char *which = request_query(req, "status");
	struct db_rows r;
	struct json_object *v, *list, *opts;
	int64_t now = time_now_ms() / 1000;
	size_t k;

	if (!which || !*which)
		which = "all";
	for (k = 0; k < 3 && strcmp(which, filters[k]); k++)
		;
	if (k == 3) {
		pages_error(app, req, res, 400, "status must be live, ended or all");
		return;
	}
	if (db_client_replicas(&app->db, req->arena, pages_scope(req), which, PAGES_OPS_REPLICAS_MAX, 0, &r) < 0) {
		app_db_error(app, res, "pages_ops_replicas");
		return;
	}
	v = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < r.nrows; i++) {
		struct json_object *o = json_object_new_object();
		const char *id = db_rows_cell(&r, i, 0), *st = db_rows_cell(&r, i, 6);
		char pct[16];
		snprintf(pct, sizeof(pct), "%.0f%%", strtod(db_rows_cell(&r, i, 10), NULL));
		json_object_object_add(o, "id", json_util_str(id));
		json_object_object_add(o, "agent_id", json_util_str(db_rows_cell(&r, i, 1)));
		json_object_object_add(o, "agent_name", json_util_str(db_rows_cell(&r, i, 2)));
		json_object_object_add(o, "client_name", json_util_str(db_rows_cell(&r, i, 17)));
		json_object_object_add(o, "instance_id", json_util_str(db_rows_cell(&r, i, 4)));
		json_object_object_add(o, "type", json_util_str(db_rows_cell(&r, i, 5)));
		json_object_object_add(o, "status", json_util_str(st));
		json_object_object_add(o, "pool", json_util_str(db_rows_cell(&r, i, 7)));
		json_object_object_add(o, "progress", json_object_new_string(pct));
		json_object_object_add(o, "error_text", json_util_str(db_rows_cell(&r, i, 11)));
		pages_add_time(o, "created", db_rows_cell(&r, i, 12), db_rows_cell(&r, i, 13), now);
		json_object_object_add(o, "can_promote",
				       json_object_new_boolean(!strcmp(st, "ready") && db_rows_cell(&r, i, 4)));
		json_object_object_add(o, "ready", json_object_new_boolean(!strcmp(st, "ready")));
		if (refused_id && !strcmp(refused_id, id))
			json_object_object_add(o, "refusal", json_object_new_string(message));
		json_object_array_add(list, o);
	}
	opts = json_object_new_array();
	for (k = 0; k < 3; k++) {
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "value", json_object_new_string(filters[k]));
		json_object_object_add(e, "selected", json_object_new_boolean(!strcmp(filters[k], which)));
		json_object_array_add(opts, e);
	}
	json_object_object_add(v, "status", json_object_new_string(which));
	json_object_object_add(v, "status_options", opts);
	json_object_object_add(v, "replicas", list);
	json_object_object_add(v, "count", json_object_new_int((int)r.nrows));
	json_object_object_add(v, "has_replicas", json_object_new_boolean(r.nrows > 0));
	json_object_object_add(v, "show_client", json_object_new_boolean(req->who.kind == PRINCIPAL_ADMIN));
	json_object_object_add(v, "promoted", json_object_new_boolean(request_query(req, "promoted") != NULL));
	json_object_object_add(v, "nav_replicas", json_object_new_boolean(1));
	json_object_object_add(v, "errors", json_object_new_array());
	json_object_object_add(v, "error", json_object_new_object());
	if (refused_id)
		pages_ops_error(v, arena_printf(req->arena, "promote-%s", refused_id), message);
	pages_render(app, req, res, status, "replicas", refused_id ? "Replica not promoted" : "Replicas", v);
}

void pages_ops_replicas(struct app *app, struct request *req, struct response *res)
{
	pages_ops_replicas_render(app, req, res, 200, NULL, NULL);
}

void pages_ops_replica_promote(struct app *app, struct request *req, struct response *res)
{
	struct replica_action_out out;
	struct actor who;
	const char *id = req->params[0];
	/* The agent page's promote form sends return_to=agent: answer there, not on /replicas. */
	const char *back = app_form_get(app, "return_to");
	int to_agent = back && !strcmp(back, "agent");

	if (!uuid_valid(id)) {
		pages_error(app, req, res, 404, "There is no such replica.");
		return;
	}
	app_actor(req, &who);
	switch (replica_actions_promote(&app->db, req->arena, id, pages_scope(req), &who, &out)) {
	case CORE_OK:
		if (session_wants_json(req)) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "replica_id", json_object_new_string(id));
			json_object_object_add(o, "status", json_object_new_string("promoted"));
			json_object_object_add(o, "instance_id", json_util_str(out.instance_id));
			json_object_object_add(o, "old_instance_id", json_util_str(out.old_primary_id));
			json_object_object_add(o, "command_id", json_object_new_string(out.command_id));
			response_json_take(res, 200, o);
			return;
		}
		response_text(res, 303, "text/plain", "Promoted\n", 9);
		if (to_agent && out.agent_id && uuid_valid(out.agent_id))
			response_header(res, "Location", arena_printf(req->arena, "/agents/%s?promoted=1", out.agent_id));
		else
			response_header(res, "Location", "/replicas?promoted=1");
		return;
	case CORE_NOT_FOUND:
		pages_error(app, req, res, 404, "There is no such replica.");
		return;
	case CORE_CONFLICT:
		if (session_wants_json(req)) {
			response_error(res, 409, "conflict", out.message, NULL);
			return;
		}
		if (to_agent && out.agent_id && uuid_valid(out.agent_id))
			pages_agent_promote_refused(app, req, res, out.agent_id, id, out.message);
		else
			pages_ops_replicas_render(app, req, res, 409, id, out.message);
		return;
	default:
		app_db_error(app, res, "pages_ops_replica_promote");
		return;
	}
}

/* ---- admin: clients ---- */

struct pages_ops_client_form {
	const char *name, *email, *max_agents;
};

/* The clients page; token (may be NULL) is a new client token, shown this once. */
static void pages_ops_clients_render(struct app *app, struct request *req, struct response *res, int status,
				     const struct pages_ops_client_form *form, struct json_object *errors_view,
				     const char *token, const char *token_client)
{
	struct client_row *rows;
	size_t n;
	struct json_object *v = errors_view ? errors_view : json_object_new_object(), *list, *f;

	if (db_clients_list(&app->db, req->arena, &rows, &n) < 0) {
		json_object_put(v);
		app_db_error(app, res, "pages_ops_clients");
		return;
	}
	list = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(rows[i].id));
		json_object_object_add(o, "name", json_object_new_string(rows[i].name));
		json_object_object_add(o, "email", json_object_new_string(rows[i].email));
		json_object_object_add(o, "plan", json_util_str(rows[i].plan));
		json_object_object_add(o, "agents", json_object_new_int64(rows[i].agents));
		json_object_object_add(o, "max_agents", json_object_new_int64(rows[i].max_agents));
		json_object_object_add(o, "active", json_object_new_boolean(rows[i].is_active));
		json_object_object_add(o, "version", json_object_new_int64(rows[i].version));
		json_object_object_add(o, "created_at", json_util_str(rows[i].created_at));
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "clients", list);
	json_object_object_add(v, "has_clients", json_object_new_boolean(n > 0));
	f = json_object_new_object();
	json_object_object_add(f, "name", json_object_new_string(form && form->name ? form->name : ""));
	json_object_object_add(f, "email", json_object_new_string(form && form->email ? form->email : ""));
	json_object_object_add(f, "max_agents", json_object_new_string(form && form->max_agents ? form->max_agents : "5"));
	json_object_object_add(v, "form", f);
	if (!json_object_object_get_ex(v, "errors", NULL)) {
		json_object_object_add(v, "errors", json_object_new_array());
		json_object_object_add(v, "error", json_object_new_object());
	}
	if (token) {
		struct json_object *t = json_object_new_object();
		json_object_object_add(t, "value", json_object_new_string(token));
		json_object_object_add(t, "client", json_object_new_string(token_client));
		json_object_object_add(v, "new_token", t);
	}
	json_object_object_add(v, "updated", json_object_new_boolean(request_query(req, "updated") != NULL));
	json_object_object_add(v, "nav_admin_clients", json_object_new_boolean(1));
	pages_render(app, req, res, status, "admin_clients", "Clients", v);
}

void pages_ops_clients(struct app *app, struct request *req, struct response *res)
{
	pages_ops_clients_render(app, req, res, 200, NULL, NULL, NULL, NULL);
}

static int pages_ops_email_ok(const char *e)
{
	const char *at = e ? strchr(e, '@') : NULL;
	if (!at || at == e || strchr(at + 1, '@') || !strchr(at + 1, '.') || strlen(e) > 255)
		return 0;
	for (const char *p = e; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return 0;
	return 1;
}

void pages_ops_client_create(struct app *app, struct request *req, struct response *res)
{
	struct request_error ferr;
	struct pages_ops_client_form form;
	struct json_object *v = json_object_new_object();
	struct client_new in;
	struct client_row c;
	struct new_token tok;
	struct actor who;
	char *end = NULL;
	long max = 0;
	enum core_result rc;

	if (app_form(app, req, &ferr) < 0) {
		json_object_put(v);
		pages_error(app, req, res, ferr.status, ferr.message);
		return;
	}
	form.name = app_form_get(app, "name");
	form.email = app_form_get(app, "email");
	form.max_agents = app_form_get(app, "max_agents");
	if (!form.name || !*form.name || strlen(form.name) > 255)
		pages_ops_error(v, "name", "Enter the client's name (at most 255 characters)");
	if (!pages_ops_email_ok(form.email))
		pages_ops_error(v, "email", "Enter an email address in the correct format, like name@example.com");
	if (form.max_agents && *form.max_agents)
		max = strtol(form.max_agents, &end, 10);
	if (!form.max_agents || !*form.max_agents || *end || max < 0 || max > 100000)
		pages_ops_error(v, "max_agents", "Enter the most agents this client may run, a whole number from 0 to 100000");
	if (!json_object_object_get_ex(v, "has_errors", NULL)) {
		in.name = form.name;
		in.email = form.email;
		in.plan = "free";
		in.max_agents = max;
		in.max_instances = max * 2 > 10 ? max * 2 : 10;
		app_actor(req, &who);
		rc = clients_create(&app->db, req->arena, &in, &who, &c, &tok);
		if (rc == CORE_CREATED) {
			json_object_put(v);
			response_header(res, "Cache-Control", "no-store");
			if (session_wants_json(req)) {
				struct json_object *o = db_clients_json(&c);
				json_object_object_add(o, "client_token", json_object_new_string(tok.token));
				response_json_take(res, 201, o);
				return;
			}
			/* The token is shown once, on this answer; it is stored only as its hash. */
			pages_ops_clients_render(app, req, res, 201, NULL, NULL, tok.token, c.name);
			return;
		}
		if (rc != CORE_DUPLICATE) {
			json_object_put(v);
			app_db_error(app, res, "pages_ops_client_create");
			return;
		}
		pages_ops_error(v, "email", "A client with this email address exists already");
	}
	if (session_wants_json(req)) {
		struct json_object *e = json_object_array_get_idx(json_object_object_get(v, "errors"), 0);
		response_error(res, 400, "validation_failed", json_object_get_string(json_object_object_get(e, "message")),
			       json_object_get_string(json_object_object_get(e, "field")));
		json_object_put(v);
		return;
	}
	pages_ops_clients_render(app, req, res, 400, &form, v, NULL, NULL);
}

void pages_ops_client_status(struct app *app, struct request *req, struct response *res)
{
	struct request_error ferr;
	struct client_patch p;
	struct client_row c;
	struct actor who;
	const char *active, *version;
	char *end = NULL;
	enum core_result rc;

	if (app_form(app, req, &ferr) < 0) {
		pages_error(app, req, res, ferr.status, ferr.message);
		return;
	}
	if (!uuid_valid(req->params[0])) {
		pages_error(app, req, res, 404, "There is no such client.");
		return;
	}
	active = app_form_get(app, "active");
	version = app_form_get(app, "version");
	memset(&p, 0, sizeof(p));
	if (!active || (strcmp(active, "0") && strcmp(active, "1")) || !version || !*version ||
	    (p.version = strtol(version, &end, 10)) < 1 || *end) {
		pages_error(app, req, res, 400, "The form is incomplete; reload the page and try again.");
		return;
	}
	p.set_is_active = 1;
	p.is_active = !strcmp(active, "1");
	p.set_version = 1;
	app_actor(req, &who);
	rc = clients_update(&app->db, req->arena, req->params[0], &p, &who, &c);
	switch (rc) {
	case CORE_OK:
		if (session_wants_json(req)) {
			response_json_take(res, 200, db_clients_json(&c));
			return;
		}
		response_text(res, 303, "text/plain", "Updated\n", 8);
		response_header(res, "Location", "/admin/clients?updated=1");
		return;
	case CORE_NOT_FOUND:
		pages_error(app, req, res, 404, "There is no such client.");
		return;
	case CORE_CONFLICT:
		pages_error(app, req, res, 409, "This client was changed meanwhile; reload the page and try again.");
		return;
	default:
		app_db_error(app, res, "pages_ops_client_status");
		return;
	}
}

void pages_ops_client_token(struct app *app, struct request *req, struct response *res)
{
	struct new_token tok;
	struct actor who;
	struct client_row c;
	int got;

	if (!uuid_valid(req->params[0])) {
		pages_error(app, req, res, 404, "There is no such client.");
		return;
	}
	got = db_clients_get(&app->db, req->arena, req->params[0], 0, &c);
	if (got < 0) {
		app_db_error(app, res, "pages_ops_client_token");
		return;
	}
	if (!got) {
		pages_error(app, req, res, 404, "There is no such client.");
		return;
	}
	app_actor(req, &who);
	if (clients_token_create(&app->db, req->arena, c.id, "rotated from the dashboard", 1, &who, &tok) != CORE_CREATED) {
		app_db_error(app, res, "pages_ops_client_token");
		return;
	}
	response_header(res, "Cache-Control", "no-store");
	if (session_wants_json(req)) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "token_id", json_object_new_string(tok.id));
		json_object_object_add(o, "client_token", json_object_new_string(tok.token));
		json_object_object_add(o, "revoked_others", json_object_new_boolean(1));
		response_json_take(res, 201, o);
		return;
	}
	pages_ops_clients_render(app, req, res, 200, NULL, NULL, tok.token, c.name);
}

/* ---- admin: health and jobs ---- */

void pages_ops_health(struct app *app, struct request *req, struct response *res)
{
	struct json_object *v = admin_ops_health_view(app, req, res), *s;
	const char *st = json_object_object_get_ex(v, "status", &s) ? json_object_get_string(s) : "down";
	json_object_object_add(v, "is_ok", json_object_new_boolean(!strcmp(st, "ok")));
	json_object_object_add(v, "is_down", json_object_new_boolean(!strcmp(st, "down")));
	json_object_object_add(v, "nav_admin_health", json_object_new_boolean(1));
	pages_render(app, req, res, 200, "admin_health", "System health", v);
}

void pages_ops_jobs(struct app *app, struct request *req, struct response *res)
{
	struct json_object *v = admin_ops_jobs_view(app, req, res);
	if (!v) {
		/* admin_ops_jobs_view wrote a JSON error; a person gets the page's form of it. */
		if (!session_wants_json(req) && res->status == 400) {
			response_reset(res);
			pages_error(app, req, res, 400, "limit, offset and days must be whole numbers in range");
		}
		return;
	}
	json_object_object_add(v, "nav_admin_jobs", json_object_new_boolean(1));
	pages_render(app, req, res, 200, "admin_jobs", "Jobs", v);
}
