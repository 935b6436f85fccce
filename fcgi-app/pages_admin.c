/* pages_admin.c - admin pages: users (list and create) and the audit log (see pages.h). */
#include "fcgi-app/pages.h"
#include "common/json_util.h"
#include "fcgi-app/app.h"
#include "fcgi-app/session.h"
#include "core/db_clients.h"
#include "core/db_pages.h"
#include "core/users.h"
#include "common/arena.h"
#include "common/timeutil.h"
#include "common/uuid.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define PAGES_AUDIT_LIMIT 200
#define PAGES_AUDIT_HOURS_MAX (24 * 90)

/* What the create-user form shows again after a refusal. */
struct pages_user_form {
	const char *email, *role, *client_id;
};

static void pages_admin_users_render(struct app *app, struct request *req, struct response *res, int status,
				     const struct pages_user_form *form, struct json_object *errors,
				     struct json_object *by_field)
{
	struct db_rows r;
	struct client_row *clients;
	size_t nclients;
	struct json_object *v, *list, *f;

	if (db_users_list(&app->db, req->arena, &r) < 0 ||
	    db_clients_list(&app->db, req->arena, &clients, &nclients) < 0) {
		json_object_put(errors);
		json_object_put(by_field);
		app_db_error(app, res, "pages_admin_users");
		return;
	}
	v = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < r.nrows; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_util_str(pages_cell(&r, i, 0)));
		json_object_object_add(o, "email", json_util_str(pages_cell(&r, i, 1)));
		json_object_object_add(o, "role", json_util_str(pages_cell(&r, i, 2)));
		json_object_object_add(o, "client_id", json_util_str(pages_cell(&r, i, 3)));
		json_object_object_add(o, "client_name", json_util_str(pages_cell(&r, i, 4)));
		json_object_object_add(o, "active", json_object_new_boolean(!strcmp(pages_cell(&r, i, 5), "1")));
		json_object_object_add(o, "last_login_at", json_util_str(pages_cell(&r, i, 6)));
		json_object_object_add(o, "locked", json_object_new_boolean(!strcmp(pages_cell(&r, i, 7), "1")));
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "users", list);
	list = json_object_new_array();
	for (size_t i = 0; i < nclients; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(clients[i].id));
		json_object_object_add(o, "name", json_object_new_string(clients[i].name));
		json_object_object_add(o, "selected", json_object_new_boolean(form && form->client_id &&
									      !strcmp(form->client_id, clients[i].id)));
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "clients", list);
	f = json_object_new_object();
	json_object_object_add(f, "email", json_object_new_string(form && form->email ? form->email : ""));
	json_object_object_add(f, "role_admin", json_object_new_boolean(form && form->role && !strcmp(form->role, "admin")));
	json_object_object_add(f, "role_client",
			       json_object_new_boolean(!form || !form->role || !strcmp(form->role, "client")));
	json_object_object_add(v, "form", f);
	json_object_object_add(v, "errors", errors ? errors : json_object_new_array());
	json_object_object_add(v, "has_errors", json_object_new_boolean(errors && json_object_array_length(errors)));
	json_object_object_add(v, "error", by_field ? by_field : json_object_new_object());
	json_object_object_add(v, "created", json_object_new_boolean(request_query(req, "created") != NULL));
	json_object_object_add(v, "nav_admin_users", json_object_new_boolean(1));
	json_object_object_add(v, "password_min", json_object_new_int(USERS_PASSWORD_MIN));
	pages_render(app, req, res, status, "admin_users", "Users", v);
}

void pages_admin_users(struct app *app, struct request *req, struct response *res)
{
	pages_admin_users_render(app, req, res, 200, NULL, NULL, NULL);
}

static void pages_admin_error(struct json_object *errors, struct json_object *by_field, const char *field,
			      const char *message)
{
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "field", json_object_new_string(field));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_array_add(errors, e);
	json_object_object_add(by_field, field, json_object_new_string(message));
}

void pages_admin_user_create(struct app *app, struct request *req, struct response *res)
{
	struct request_error ferr;
	struct pages_user_form form;
	struct json_object *errors, *by_field;
	const char *password;
	char lower[USERS_EMAIL_MAX + 1];
	struct client_row client;
	enum core_result rc;

	if (app_form(app, req, &ferr) < 0) {
		pages_error(app, req, res, ferr.status, ferr.message);
		return;
	}
	form.email = app_form_get(app, "email");
	form.role = app_form_get(app, "role");
	form.client_id = app_form_get(app, "client_id");
	password = app_form_get(app, "password");
	errors = json_object_new_array();
	by_field = json_object_new_object();
	if (!form.email || !*form.email)
		pages_admin_error(errors, by_field, "email", "Enter the user's email address");
	else if (strlen(form.email) > USERS_EMAIL_MAX || !strchr(form.email, '@'))
		pages_admin_error(errors, by_field, "email",
				  "Enter an email address in the correct format, like name@example.com");
	if (!form.role || (strcmp(form.role, "admin") && strcmp(form.role, "client"))) {
		pages_admin_error(errors, by_field, "role-client", "Choose whether the user is an admin or a client user");
	} else if (!strcmp(form.role, "client")) {
		int found = 0;
		if (form.client_id && uuid_valid(form.client_id)) {
			found = db_clients_get(&app->db, req->arena, form.client_id, 0, &client);
			if (found < 0) {
				json_object_put(errors);
				json_object_put(by_field);
				app_db_error(app, res, "pages_admin_user_create");
				return;
			}
		}
		if (!found)
			pages_admin_error(errors, by_field, "client_id", "Choose the client this user belongs to");
	}
	if (!password || strlen(password) < USERS_PASSWORD_MIN || strlen(password) > USERS_PASSWORD_MAX)
		pages_admin_error(errors, by_field, "password", "Enter a password of at least 12 characters");
	if (!json_object_array_length(errors)) {
		for (size_t i = 0; i <= strlen(form.email); i++)
			lower[i] = (char)tolower((unsigned char)form.email[i]);
		rc = users_create(&app->db, req->arena, lower, form.role,
				  !strcmp(form.role, "client") ? form.client_id : NULL, password);
		if (rc == CORE_CREATED) {
			json_object_put(errors);
			json_object_put(by_field);
			if (session_wants_json(req)) {
				struct json_object *v = json_object_new_object();
				json_object_object_add(v, "email", json_object_new_string(lower));
				json_object_object_add(v, "role", json_object_new_string(form.role));
				response_json_take(res, 201, v);
				return;
			}
			response_text(res, 303, "text/plain", "Created\n", 8);
			response_header(res, "Location", "/admin/users?created=1");
			return;
		}
		if (rc == CORE_ERR) {
			json_object_put(errors);
			json_object_put(by_field);
			app_db_error(app, res, "pages_admin_user_create");
			return;
		}
		pages_admin_error(errors, by_field, "email",
				  rc == CORE_DUPLICATE ? "A user with this email address exists already"
						       : "This user cannot be created; check every field");
	}
	if (session_wants_json(req)) {
		struct json_object *first = json_object_array_get_idx(errors, 0), *m, *fld;
		json_object_object_get_ex(first, "message", &m);
		json_object_object_get_ex(first, "field", &fld);
		response_error(res, 400, "validation_failed", json_object_get_string(m), json_object_get_string(fld));
		json_object_put(errors);
		json_object_put(by_field);
		return;
	}
	pages_admin_users_render(app, req, res, 400, &form, errors, by_field);
}

void pages_admin_audit(struct app *app, struct request *req, struct response *res)
{
	struct db_pages_audit_filter f = { 0 };
	const char *hours = request_query(req, "hours");
	struct db_rows r;
	struct json_object *v, *list, *flt;
	int64_t now = time_now_ms() / 1000;
	char *end;

	f.client_id = request_query(req, "client");
	f.agent_id = request_query(req, "agent");
	f.actor = request_query(req, "actor");
	if (f.client_id && !*f.client_id)
		f.client_id = NULL;
	if (f.agent_id && !*f.agent_id)
		f.agent_id = NULL;
	if (f.actor && !*f.actor)
		f.actor = NULL;
	f.hours = 24;
	f.limit = PAGES_AUDIT_LIMIT;
	if (hours && *hours) {
		f.hours = strtol(hours, &end, 10);
		if (*end || f.hours < 1 || f.hours > PAGES_AUDIT_HOURS_MAX) {
			pages_error(app, req, res, 400, "hours must be a whole number from 1 to 2160");
			return;
		}
	}
	if ((f.client_id && !uuid_valid(f.client_id)) || (f.agent_id && !uuid_valid(f.agent_id)) ||
	    (f.actor && strlen(f.actor) > 80)) {
		pages_error(app, req, res, 400, "client and agent must be ids; actor at most 80 characters");
		return;
	}
	if (db_pages_audit(&app->db, req->arena, &f, &r) < 0) {
		app_db_error(app, res, "pages_admin_audit");
		return;
	}
	v = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < r.nrows; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_util_str(pages_cell(&r, i, 0)));
		json_object_object_add(o, "client_id", json_util_str(pages_cell(&r, i, 1)));
		json_object_object_add(o, "client_name", json_util_str(pages_cell(&r, i, 2)));
		json_object_object_add(o, "agent_id", json_util_str(pages_cell(&r, i, 3)));
		json_object_object_add(o, "agent_name", json_util_str(pages_cell(&r, i, 4)));
		json_object_object_add(o, "actor_type", json_util_str(pages_cell(&r, i, 5)));
		json_object_object_add(o, "actor_id", json_util_str(pages_cell(&r, i, 6)));
		json_object_object_add(o, "action", json_util_str(pages_cell(&r, i, 7)));
		json_object_object_add(o, "severity", json_util_str(pages_cell(&r, i, 8)));
		json_object_object_add(o, "subject_type", json_util_str(pages_cell(&r, i, 9)));
		json_object_object_add(o, "subject_id", json_util_str(pages_cell(&r, i, 10)));
		json_object_object_add(o, "message", json_util_str(pages_cell(&r, i, 11)));
		json_object_object_add(o, "trace_id", json_util_str(pages_cell(&r, i, 12)));
		pages_add_time(o, "at", pages_cell(&r, i, 13), pages_cell(&r, i, 14), now);
		json_object_array_add(list, o);
	}
	flt = json_object_new_object();
	json_object_object_add(flt, "client", json_object_new_string(f.client_id ? f.client_id : ""));
	json_object_object_add(flt, "agent", json_object_new_string(f.agent_id ? f.agent_id : ""));
	json_object_object_add(flt, "actor", json_object_new_string(f.actor ? f.actor : ""));
	json_object_object_add(flt, "hours", json_object_new_int64(f.hours));
	json_object_object_add(v, "filter", flt);
	json_object_object_add(v, "count", json_object_new_int((int)r.nrows));
	json_object_object_add(v, "has_events", json_object_new_boolean(r.nrows > 0));
	json_object_object_add(v, "events", list);
	json_object_object_add(v, "nav_admin_audit", json_object_new_boolean(1));
	pages_render(app, req, res, 200, "admin_audit", "Audit log", v);
}
