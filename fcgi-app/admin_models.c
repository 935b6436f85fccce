/* admin_models.c - the model registry's admin API and /admin/models page (see admin_models.h). */
#include "fcgi-app/admin_models.h"
#include "common/json_util.h"
#include "fcgi-app/app.h"
#include "fcgi-app/pages.h"
#include "fcgi-app/session.h"
#include "core/models.h"
#include "common/arena.h"
#include "common/uuid.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

/* $/h with four decimals, as AWS prints prices. */
static struct json_object *admin_models_rate(struct arena *a, const char *v)
{
	return json_object_new_string(arena_printf(a, "$%.4f per hour", v ? strtod(v, NULL) : 0.0));
}

static const char *admin_models_status_word(const char *status, int builtin_default)
{
	if (builtin_default)
		return "in use by default (no model active)";
	if (!strcmp(status, "uploaded"))
		return "uploaded, not validated";
	if (!strcmp(status, "validated"))
		return "validated, ready to activate";
	if (!strcmp(status, "invalid"))
		return "invalid";
	if (!strcmp(status, "active"))
		return "active";
	return "retired";
}

/*
 * One model (a db_models_list row) as JSON: the API's shape and the page's row. any_active says whether some
 * model is active (rules-v1's row is then not the default in use).
 */
static struct json_object *admin_models_json(struct arena *a, const struct db_rows *r, size_t i, int any_active)
{
	struct json_object *o = json_object_new_object(), *metrics = NULL, *perf = json_object_new_object();
	const char *id = db_rows_cell(r, i, 0), *status = db_rows_cell(r, i, 4), *mtext = db_rows_cell(r, i, 7);
	int builtin = !strcmp(id, DB_MODELS_BUILTIN_ID);
	int is_default = builtin && !any_active;
	double exp_s = strtod(db_rows_cell(r, i, 18), NULL), real_s = strtod(db_rows_cell(r, i, 20), NULL);

	if (mtext)
		metrics = json_tokener_parse(mtext);
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "name", json_util_str(db_rows_cell(r, i, 1)));
	json_object_object_add(o, "version", json_util_str(db_rows_cell(r, i, 2)));
	json_object_object_add(o, "engine", json_util_str(db_rows_cell(r, i, 3)));
	json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "status_word", json_object_new_string(admin_models_status_word(status, is_default)));
	json_object_object_add(o, "builtin", json_object_new_boolean(builtin));
	json_object_object_add(o, "in_use", json_object_new_boolean(is_default || !strcmp(status, "active")));
	json_object_object_add(o, "file_sha256", json_util_str(db_rows_cell(r, i, 5)));
	json_object_object_add(o, "file_size", db_rows_cell(r, i, 6) ? json_object_new_int64(strtoll(db_rows_cell(r, i, 6), NULL, 10)) : NULL);
	json_object_object_add(o, "metrics", metrics);
	json_object_object_add(o, "validation_error", json_util_str(db_rows_cell(r, i, 8)));
	json_object_object_add(o, "previous_model_id", json_util_str(db_rows_cell(r, i, 9)));
	json_object_object_add(o, "uploaded_by", json_util_str(db_rows_cell(r, i, 10)));
	json_object_object_add(o, "created_at", json_util_str(db_rows_cell(r, i, 11)));
	json_object_object_add(o, "validated_at", json_util_str(db_rows_cell(r, i, 12)));
	json_object_object_add(o, "activated_at", json_util_str(db_rows_cell(r, i, 13)));
	json_object_object_add(o, "deactivated_at", json_util_str(db_rows_cell(r, i, 14)));
	json_object_object_add(o, "row_version", json_object_new_int(atoi(db_rows_cell(r, i, 15))));
	json_object_object_add(perf, "days", json_object_new_int(DB_MODELS_PERF_DAYS));
	json_object_object_add(perf, "decisions", json_object_new_int64(strtoll(db_rows_cell(r, i, 16), NULL, 10)));
	json_object_object_add(perf, "executed", json_object_new_int64(strtoll(db_rows_cell(r, i, 17), NULL, 10)));
	json_object_object_add(perf, "expected_savings_per_hour", json_object_new_double(exp_s));
	json_object_object_add(perf, "switches", json_object_new_int64(strtoll(db_rows_cell(r, i, 19), NULL, 10)));
	json_object_object_add(perf, "realized_savings_per_hour", json_object_new_double(real_s));
	json_object_object_add(perf, "expected_text", admin_models_rate(a, db_rows_cell(r, i, 18)));
	json_object_object_add(perf, "realized_text", admin_models_rate(a, db_rows_cell(r, i, 20)));
	json_object_object_add(o, "performance", perf);
	/* The page's figures, as text. */
	{
		struct json_object *v;
		const char *auc = "not measured", *cost = "not measured";
		if (metrics && json_object_object_get_ex(metrics, "auc", &v))
			auc = arena_printf(a, "%.3f", json_object_get_double(v));
		if (metrics && json_object_object_get_ex(metrics, "replay_cost", &v)) {
			struct json_object *rc = NULL;
			json_object_object_get_ex(metrics, "rules_cost", &rc);
			cost = arena_printf(a, "$%.2f (rules-v1 $%.2f)", json_object_get_double(v),
					    rc ? json_object_get_double(rc) : 0.0);
		}
		json_object_object_add(o, "auc_text", json_object_new_string(auc));
		json_object_object_add(o, "replay_text", json_object_new_string(cost));
	}
	json_object_object_add(o, "can_validate", json_object_new_boolean(!builtin && (!strcmp(status, "uploaded") ||
											    !strcmp(status, "invalid"))));
	json_object_object_add(o, "can_activate", json_object_new_boolean(!strcmp(status, "validated")));
	return o;
}

/* Every model; *active receives the active row's index or -1. NULL on a database error. */
static struct json_object *admin_models_all(struct app *app, struct request *req, const char *id, int *active)
{
	struct db_rows r;
	struct json_object *list;
	*active = -1;
	if (db_models_ensure_builtin(&app->db, req->arena) < 0 || db_models_list(&app->db, req->arena, id, &r) < 0)
		return NULL;
	if (!id) {
		for (size_t i = 0; i < r.nrows; i++)
			if (!strcmp(db_rows_cell(&r, i, 4), "active"))
				*active = (int)i;
	} else {
		/* one model: is any active? (the list of one cannot say) */
		struct db_rows all;
		if (db_models_list(&app->db, req->arena, NULL, &all) < 0)
			return NULL;
		for (size_t i = 0; i < all.nrows; i++)
			if (!strcmp(db_rows_cell(&all, i, 4), "active"))
				*active = 0;
	}
	list = json_object_new_array();
	for (size_t i = 0; i < r.nrows; i++)
		json_object_array_add(list, admin_models_json(req->arena, &r, i, *active >= 0));
	return list;
}

/* The model id now as JSON (one element of admin_models_all), or NULL with the error written. */
static struct json_object *admin_models_one(struct app *app, struct request *req, struct response *res, const char *id)
{
	int active;
	struct json_object *list = admin_models_all(app, req, id, &active), *o;
	if (!list) {
		app_db_error(app, res, "admin_models");
		return NULL;
	}
	if (json_object_array_length(list) != 1) {
		json_object_put(list);
		response_error(res, 404, "not_found", "no such model", NULL);
		return NULL;
	}
	o = json_object_get(json_object_array_get_idx(list, 0));
	json_object_put(list);
	return o;
}

/* ---- API ---- */

void admin_models_upload(struct app *app, struct request *req, struct response *res)
{
	struct models_outcome out;
	struct actor who;
	struct json_object *o;

	if (strncmp(req->content_type, "application/json", 16)) {
		response_error(res, 415, "unsupported_media_type", "the model file is sent as application/json", NULL);
		return;
	}
	if (req->body_len > MODELS_MAX_FILE) {
		response_error(res, 413, "payload_too_large",
			       arena_printf(req->arena, "a model file has at most %d bytes", MODELS_MAX_FILE), NULL);
		return;
	}
	app_actor(req, &who);
	switch (models_upload(&app->db, req->arena, req->body ? req->body : "", req->body_len, &who, &out)) {
	case CORE_CREATED:
		if ((o = admin_models_one(app, req, res, out.id)))
			response_json_take(res, 201, o);
		return;
	case CORE_INVALID:
		response_error(res, 400, "validation_failed", out.message, out.field);
		return;
	case CORE_DUPLICATE:
		response_error(res, 409, "conflict", out.message, out.field);
		return;
	default:
		app_db_error(app, res, "admin_models_upload");
	}
}

void admin_models_list(struct app *app, struct request *req, struct response *res)
{
	int active;
	struct json_object *list = admin_models_all(app, req, NULL, &active), *o;
	if (!list) {
		app_db_error(app, res, "admin_models_list");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "active_model_id",
			       active >= 0 ? json_object_get(json_object_object_get(
						     json_object_array_get_idx(list, (size_t)active), "id"))
					   : NULL);
	json_object_object_add(o, "default_model", json_object_new_string("rules-v1"));
	json_object_object_add(o, "models", list);
	response_json_take(res, 200, o);
}

void admin_models_get(struct app *app, struct request *req, struct response *res)
{
	struct json_object *o;
	struct db_rows p;
	if (!uuid_valid(req->params[0])) {
		response_error(res, 404, "not_found", "no such model", NULL);
		return;
	}
	if (!(o = admin_models_one(app, req, res, req->params[0])))
		return;
	if (db_models_lock(&app->db, req->arena, req->params[0], &p) < 0) {
		json_object_put(o);
		app_db_error(app, res, "admin_models_get");
		return;
	}
	json_object_object_add(o, "parameters", p.nrows && db_rows_cell(&p, 0, 5) ? json_tokener_parse(db_rows_cell(&p, 0, 5)) : NULL);
	response_json_take(res, 200, o);
}

/* The answer of validate/activate/rollback: the model now, or the refusal. */
static void admin_models_answer(struct app *app, struct request *req, struct response *res, enum core_result rc,
				const struct models_outcome *out, const char *what)
{
	struct json_object *o;
	switch (rc) {
	case CORE_OK:
		if (!strcmp(out->status, "invalid")) {
			/* The verdict is stored; the answer says why, naming the file field or the check. */
			const char *field = out->field[0] ? out->field : strstr(out->message, "AUC") ? "auc" : "replay_cost";
			response_error(res, 422, "validation_failed", out->message, field);
			return;
		}
		if ((o = admin_models_one(app, req, res, out->id)))
			response_json_take(res, 200, o);
		return;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such model", NULL);
		return;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict", out->message[0] ? out->message : "the model changed meanwhile; retry",
			       NULL);
		return;
	default:
		app_db_error(app, res, what);
	}
}

/* An action on the model {id} of the path: validate or activate. */
static void admin_models_act(struct app *app, struct request *req, struct response *res,
			     enum core_result (*act)(struct db *, struct arena *, const char *, const struct actor *,
						     struct models_outcome *),
			     const char *what)
{
	struct models_outcome out;
	struct actor who;
	if (!uuid_valid(req->params[0])) {
		response_error(res, 404, "not_found", "no such model", NULL);
		return;
	}
	app_actor(req, &who);
	admin_models_answer(app, req, res, act(&app->db, req->arena, req->params[0], &who, &out), &out, what);
}

void admin_models_validate(struct app *app, struct request *req, struct response *res)
{
	admin_models_act(app, req, res, models_validate, "admin_models_validate");
}

void admin_models_activate(struct app *app, struct request *req, struct response *res)
{
	admin_models_act(app, req, res, models_activate, "admin_models_activate");
}

void admin_models_rollback(struct app *app, struct request *req, struct response *res)
{
	struct models_outcome out;
	struct actor who;
	app_actor(req, &who);
	admin_models_answer(app, req, res, models_rollback(&app->db, req->arena, &who, &out), &out,
			    "admin_models_rollback");
}

/* ---- page ---- */

static void admin_models_error(struct json_object *v, const char *field, const char *message)
{
	struct json_object *errors, *by, *e = json_object_new_object();
	json_object_object_get_ex(v, "errors", &errors);
	json_object_object_get_ex(v, "error", &by);
	json_object_object_add(e, "field", json_object_new_string(field));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_array_add(errors, e);
	json_object_object_add(by, field, json_object_new_string(message));
	json_object_object_add(v, "has_errors", json_object_new_boolean(1));
}

/*
 * The page. file: what the upload form held (kept on a refusal); refused_id/message: a refusal shown in the
 * summary and beside the model's row (refused_id "" for the upload field, "rollback" for the roll back form).
 */
static void admin_models_render(struct app *app, struct request *req, struct response *res, int status,
				const char *file, const char *refused_id, const char *message)
{
	int active;
	struct json_object *list = admin_models_all(app, req, NULL, &active), *v, *form;
	const char *done = request_query(req, "done");

	if (!list) {
		app_db_error(app, res, "admin_models_page");
		return;
	}
	v = json_object_new_object();
	json_object_object_add(v, "errors", json_object_new_array());
	json_object_object_add(v, "error", json_object_new_object());
	for (size_t i = 0; refused_id && *refused_id && i < json_object_array_length(list); i++) {
		struct json_object *m = json_object_array_get_idx(list, i);
		if (!strcmp(json_object_get_string(json_object_object_get(m, "id")), refused_id))
			json_object_object_add(m, "refusal", json_object_new_string(message));
	}
	if (refused_id)
		admin_models_error(v, *refused_id ? arena_printf(req->arena, "model-%s", refused_id) : "model_file",
				   message);
	json_object_object_add(v, "models", list);
	json_object_object_add(v, "active_model_id",
			       active >= 0 ? json_object_get(json_object_object_get(
						     json_object_array_get_idx(list, (size_t)active), "id"))
					   : NULL);
	json_object_object_add(v, "any_active", json_object_new_boolean(active >= 0));
	json_object_object_add(v, "can_rollback", json_object_new_boolean(
		active >= 0 && json_object_object_get(json_object_array_get_idx(list, (size_t)active),
						      "previous_model_id") != NULL));
	json_object_object_add(v, "rollback_refusal", refused_id && !strcmp(refused_id, "rollback")
								 ? json_object_new_string(message) : NULL);
	form = json_object_new_object();
	json_object_object_add(form, "model_file", json_object_new_string(file ? file : ""));
	json_object_object_add(v, "form", form);
	json_object_object_add(v, "max_file_kib", json_object_new_int(MODELS_MAX_FILE / 1024));
	json_object_object_add(v, "perf_days", json_object_new_int(DB_MODELS_PERF_DAYS));
	json_object_object_add(v, "done", done && *done ? json_object_new_string(done) : NULL);
	json_object_object_add(v, "nav_admin_models", json_object_new_boolean(1));
	pages_render(app, req, res, status, "admin_models", refused_id ? "Models: there is a problem" : "Models", v);
}

void admin_models_page(struct app *app, struct request *req, struct response *res)
{
	admin_models_render(app, req, res, 200, NULL, NULL, NULL);
}

static void admin_models_redirect(struct request *req, struct response *res, const char *done)
{
	response_text(res, 303, "text/plain", "See /admin/models\n", 18);
	response_header(res, "Location", arena_printf(req->arena, "/admin/models?done=%s", done));
}

void admin_models_page_upload(struct app *app, struct request *req, struct response *res)
{
	struct request_error ferr;
	struct models_outcome out;
	struct actor who;
	const char *file;
	enum core_result rc;

	if (app_form(app, req, &ferr) < 0) {
		pages_error(app, req, res, ferr.status, ferr.message);
		return;
	}
	file = app_form_get(app, "model_file");
	if (!file || !*file) {
		admin_models_render(app, req, res, 400, "", "", "Paste the model file (JSON) to upload it");
		return;
	}
	app_actor(req, &who);
	rc = models_upload(&app->db, req->arena, file, strlen(file), &who, &out);
	if (rc == CORE_CREATED) {
		if (session_wants_json(req)) {
			struct json_object *o = admin_models_one(app, req, res, out.id);
			if (o)
				response_json_take(res, 201, o);
			return;
		}
		admin_models_redirect(req, res, "uploaded");
		return;
	}
	if (rc == CORE_INVALID || rc == CORE_DUPLICATE) {
		const char *msg = out.field[0] && strcmp(out.field, "file")
					  ? arena_printf(req->arena, "%s (field %s)", out.message, out.field)
					  : out.message;
		admin_models_render(app, req, res, rc == CORE_INVALID ? 400 : 409, file, "", msg);
		return;
	}
	app_db_error(app, res, "admin_models_page_upload");
}

/* validate / activate / roll back from the page: 303 back with done=..., or the page with the refusal. */
static void admin_models_page_act(struct app *app, struct request *req, struct response *res, const char *id,
				  enum core_result rc, const struct models_outcome *out, const char *done)
{
	const char *where = id ? id : "rollback";
	if (session_wants_json(req)) {
		admin_models_answer(app, req, res, rc, out, "admin_models_page");
		return;
	}
	switch (rc) {
	case CORE_OK:
		if (!strcmp(out->status, "invalid")) {
			admin_models_render(app, req, res, 422, NULL, where,
					    arena_printf(req->arena, "Not valid: %s", out->message));
			return;
		}
		admin_models_redirect(req, res, done);
		return;
	case CORE_NOT_FOUND:
		pages_error(app, req, res, 404, "There is no such model.");
		return;
	case CORE_CONFLICT:
		admin_models_render(app, req, res, 409, NULL, where, out->message[0] ? out->message : "Changed meanwhile; retry");
		return;
	default:
		app_db_error(app, res, "admin_models_page");
	}
}

void admin_models_page_validate(struct app *app, struct request *req, struct response *res)
{
	struct models_outcome out;
	struct actor who;
	if (!uuid_valid(req->params[0])) {
		pages_error(app, req, res, 404, "There is no such model.");
		return;
	}
	app_actor(req, &who);
	admin_models_page_act(app, req, res, req->params[0],
			      models_validate(&app->db, req->arena, req->params[0], &who, &out), &out, "validated");
}

void admin_models_page_activate(struct app *app, struct request *req, struct response *res)
{
	struct models_outcome out;
	struct actor who;
	if (!uuid_valid(req->params[0])) {
		pages_error(app, req, res, 404, "There is no such model.");
		return;
	}
	app_actor(req, &who);
	admin_models_page_act(app, req, res, req->params[0],
			      models_activate(&app->db, req->arena, req->params[0], &who, &out), &out, "activated");
}

void admin_models_page_rollback(struct app *app, struct request *req, struct response *res)
{
	struct models_outcome out;
	struct actor who;
	app_actor(req, &who);
	admin_models_page_act(app, req, res, NULL, models_rollback(&app->db, req->arena, &who, &out), &out,
			      "rolled_back");
}

/* GET /admin/models/{id}: one model, its figures and metrics, its file and its audit rows. */
void admin_models_page_detail(struct app *app, struct request *req, struct response *res)
{
	const char *id = req->params[0];
	struct json_object *list, *m, *v, *metrics, *mlist, *events;
	struct db_rows p, ev;
	const char *title;
	int active;

	if (!uuid_valid(id)) {
		pages_error(app, req, res, 404, "There is no such model.");
		return;
	}
	if (!(list = admin_models_all(app, req, id, &active))) {
		app_db_error(app, res, "admin_models_page_detail");
		return;
	}
	if (json_object_array_length(list) != 1) {
		json_object_put(list);
		pages_error(app, req, res, 404, "There is no such model.");
		return;
	}
	if (db_models_lock(&app->db, req->arena, id, &p) < 0 || db_models_events(&app->db, req->arena, id, &ev) < 0) {
		json_object_put(list);
		app_db_error(app, res, "admin_models_page_detail");
		return;
	}
	m = json_object_get(json_object_array_get_idx(list, 0));
	json_object_put(list);
	v = json_object_new_object();
	/* The metrics as key/value rows, in the order validation wrote them. */
	mlist = json_object_new_array();
	metrics = json_object_object_get(m, "metrics");
	if (metrics && json_object_is_type(metrics, json_type_object)) {
		json_object_object_foreach(metrics, key, val)
		{
			struct json_object *row = json_object_new_object();
			json_object_object_add(row, "key", json_object_new_string(key));
			json_object_object_add(row, "value", json_object_new_string(
				val ? json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
				    : "null"));
			json_object_array_add(mlist, row);
		}
	}
	json_object_object_add(v, "metric_rows", mlist);
	json_object_object_add(v, "has_metrics", json_object_new_boolean(json_object_array_length(mlist) > 0));
	{
		/* The stored file, pretty-printed (the upload's bytes are what file_sha256 covers). */
		struct json_object *file = p.nrows && db_rows_cell(&p, 0, 5) ? json_tokener_parse(db_rows_cell(&p, 0, 5)) : NULL;
		json_object_object_add(v, "file_text", file ? json_object_new_string(json_object_to_json_string_ext(
								     file, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
									   JSON_C_TO_STRING_NOSLASHESCAPE))
							: NULL);
		json_object_put(file);
	}
	events = json_object_new_array();
	for (size_t i = 0; i < ev.nrows; i++) {
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "at", json_util_str(db_rows_cell(&ev, i, 0)));
		json_object_object_add(e, "action", json_util_str(db_rows_cell(&ev, i, 1)));
		json_object_object_add(e, "actor", json_object_new_string(arena_printf(
			req->arena, "%s %s", db_rows_cell(&ev, i, 2),
			db_rows_cell(&ev, i, 3) ? db_rows_cell(&ev, i, 3) : "")));
		json_object_object_add(e, "message", json_util_str(db_rows_cell(&ev, i, 4)));
		json_object_array_add(events, e);
	}
	json_object_object_add(v, "events", events);
	json_object_object_add(v, "has_events", json_object_new_boolean(ev.nrows > 0));
	json_object_object_add(v, "perf_days", json_object_new_int(DB_MODELS_PERF_DAYS));
	json_object_object_add(v, "nav_admin_models", json_object_new_boolean(1));
	title = arena_printf(req->arena, "Model %s %s", json_object_get_string(json_object_object_get(m, "name")),
			     json_object_get_string(json_object_object_get(m, "version")));
	json_object_object_add(v, "model", m);
	pages_render(app, req, res, 200, "admin_model", title, v);
}
