/* app.c - dispatch: route, method, auth, database, handler. */
#include "fcgi-app/app.h"
#include "fcgi-app/metrics.h"
#include "core/clients.h"
#include "core/idempotency.h"
#include "core/pricing.h"
#include "fcgi-app/validate.h"
#include "fcgi-app/mustache.h"
#include "fcgi-app/pages.h"
#include "fcgi-app/session.h"
#include "core/users.h"
#include "common/config.h"
#include "common/uuid.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/shmcache.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef SPOT_DEFAULT_TEMPLATES
#define SPOT_DEFAULT_TEMPLATES "templates"
#endif

/*
 * The heartbeat memo: shared by every worker through SPOT_HB_MEMO_FILE (./spot
 * up puts it in /dev/shm), else - or when the file cannot be opened - this
 * worker's own. Either is correct; a shared one is warm for every worker.
 */
static int app_memo_open(struct app *app, const struct config *cfg, char *err, size_t errsize)
{
	const char *path = config_get(cfg, "SPOT_HB_MEMO_FILE", NULL);
	const char *n = config_get(cfg, "SPOT_HB_MEMO_SLOTS", NULL);
	unsigned long slots = 65536;
	char *end;

	if (n) {
		slots = strtoul(n, &end, 10);
		if (end == n || *end || slots < SHMCACHE_SLOTS_MIN || slots > SHMCACHE_SLOTS_MAX) {
			snprintf(err, errsize, "SPOT_HB_MEMO_SLOTS: expected a number from %d to %u", SHMCACHE_SLOTS_MIN,
				 SHMCACHE_SLOTS_MAX);
			return -1;
		}
	}
	if (path && *path && shmcache_open(&app->hb_memo.cache, path, slots) == 0)
		return 0;
	if (path && *path)
		log_warn("app_init: SPOT_HB_MEMO_FILE %s unusable; this worker keeps its own heartbeat memo", path);
	if (shmcache_open(&app->hb_memo.cache, NULL, slots) < 0) {
		snprintf(err, errsize, "SPOT_HB_MEMO_SLOTS: cannot map %lu slots", slots);
		return -1;
	}
	return 0;
}

int app_init(struct app *app, const struct config *cfg, struct metrics *metrics, char *err, size_t errsize)
{
	struct db_settings s;
	const char *token;

	memset(app, 0, sizeof(*app));
	app->cfg = cfg;
	app->metrics = metrics;
	app->routes = routes_table;
	app->nroutes = routes_count;
	if (db_settings_from_config(&s, cfg, err, errsize) < 0)
		return -1;
	db_init(&app->db, &s);
	token = config_get(cfg, "SPOT_ADMIN_TOKEN", NULL);
	if (token) {
		if (strlen(token) < 32) {
			snprintf(err, errsize, "SPOT_ADMIN_TOKEN: must be at least 32 characters");
			return -1;
		}
		digest_sha256(token, strlen(token), app->admin_token_hash);
		app->admin_token_set = 1;
	}
	if (app_memo_open(app, cfg, err, errsize) < 0)
		return -1;
	app->pricing_known = pricing_known_new();
	if (!app->pricing_known) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	/* Templates are compiled once per worker; a broken one stops the worker with its file and line. */
	app->templates = mustache_set_new();
	if (mustache_set_load_dir(app->templates, config_get(cfg, "SPOT_TEMPLATES_DIR", SPOT_DEFAULT_TEMPLATES), err,
				  errsize) < 0) {
		mustache_set_free(app->templates);
		app->templates = NULL;
		return -1;
	}
	return 0;
}

void app_release(struct app *app)
{
	mustache_set_free(app->templates);
	app->templates = NULL;
	shmcache_free(app->hb_memo.cache);
	app->hb_memo.cache = NULL;
	pricing_known_free(app->pricing_known);
	app->pricing_known = NULL;
	db_release(&app->db);
}

int app_form(struct app *app, struct request *req, struct request_error *err)
{
	if (app->sess.form_parsed)
		return 0;
	if (strncasecmp(req->content_type, "application/x-www-form-urlencoded", 33)) {
		err->status = 415;
		err->code = "unsupported_media_type";
		err->message = "the body must be application/x-www-form-urlencoded";
		err->field = NULL;
		return -1;
	}
	if (request_parse_urlencoded(req->arena, req->body ? req->body : "", req->body_len, SPOT_MAX_QUERY_PARAMS,
				     &app->sess.form, &app->sess.nform, err) < 0)
		return -1;
	app->sess.form_parsed = 1;
	return 0;
}

const char *app_form_get(const struct app *app, const char *name)
{
	for (size_t i = 0; i < app->sess.nform; i++)
		if (!strcmp(app->sess.form[i].key, name))
			return app->sess.form[i].value;
	return NULL;
}

const char *app_bearer(const struct request *req)
{
	const char *h = request_header(req, "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7))
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return *h ? h : NULL;
}

/* Compares hashes, so the comparison takes the same time whatever the token's length. */
static int app_is_admin(const struct app *app, const struct request *req)
{
	const char *tok = app_bearer(req);
	unsigned char h[32];
	if (!tok || !app->admin_token_set)
		return 0;
	digest_sha256(tok, strlen(tok), h);
	return digest_equal(h, app->admin_token_hash, sizeof(h));
}

static const char *const app_sql[] = {
	"SELECT 1 FROM agents WHERE id = ? AND client_id = ?",
};

/*
 * Authenticates the caller for the route's auth kind. Returns 0, or -1 with
 * the error response written (401 no or bad token, 403 wrong kind of token,
 * 404 another client's agent, 503 database).
 */
static int app_authenticate(struct app *app, const struct route *r, struct request *req, struct response *res)
{
	const char *tok;
	int rc;

	tok = app_bearer(req);
	if (!tok)
		goto unauthorized;
	rc = auth_lookup(&app->db, req->arena, tok, &req->who);
	if (rc < 0) {
		app_db_error(app, res, "app_authenticate");
		return -1;
	}
	if (rc == 0)
		goto unauthorized;
	if ((r->flags & ROUTE_AUTH_CLIENT) && req->who.kind != PRINCIPAL_CLIENT) {
		response_error(res, 403, "forbidden", "this call needs the client token, not an agent token",
			       "Authorization");
		return -1;
	}
	if (r->flags & ROUTE_AUTH_AGENT) {
		const char *agent = req->nparams ? req->params[0] : "";
		if (!uuid_valid(agent))
			goto not_found;
		if (req->who.kind == PRINCIPAL_AGENT) {
			if (strcmp(agent, req->who.agent_id))
				goto not_found;
		} else {
			struct db_rows rows;
			struct db_param p[] = { DBP_STR(agent), DBP_STR(req->who.client_id) };
			if (db_query(&app->db, req->arena, app_sql[0], p, 2, &rows) < 0) {
				app_db_error(app, res, "app_authenticate");
				return -1;
			}
			if (!rows.nrows)
				goto not_found;
		}
	}
	return 0;
unauthorized:
	response_error(res, 401, "unauthorized", "a valid bearer token is required", "Authorization");
	response_header(res, "WWW-Authenticate", "Bearer");
	return -1;
not_found:
	response_error(res, 404, "not_found", "no such agent", NULL);
	return -1;
}

/*
 * Runs the handler under X-Request-ID replay when the route asks for it and
 * the request carries one.
 */
static void app_run_idempotent(struct app *app, const struct route *r, struct request *req, struct response *res)
{
	const char *key = request_header(req, "X-Request-ID");
	struct idem_replay replay;
	int state;

	if (!(r->flags & ROUTE_IDEMPOTENT) || !key) {
		r->handler(app, req, res);
		return;
	}
	if (!idempotency_key_valid(key)) {
		response_error(res, 400, "validation_failed", "X-Request-ID must be 1-128 characters of [A-Za-z0-9._:-]",
			       "X-Request-ID");
		return;
	}
	state = idempotency_begin(&app->db, req->arena, req->who.caller, key, req->method_name, req->path, req->body,
				  req->body_len, &replay);
	switch (state) {
	case IDEM_NEW:
		r->handler(app, req, res);
		if (idempotency_finish(&app->db, req->who.caller, key, res->status, res->body.buf, res->body.len) < 0)
			log_err("app_run_idempotent: recording request id %s: %s", key, app->db.last_error);
		return;
	case IDEM_REPLAY:
		response_text(res, replay.status, "application/json", replay.body, strlen(replay.body));
		response_header(res, "Idempotent-Replay", "true");
		return;
	case IDEM_MISMATCH:
		response_error(res, 409, "idempotency_mismatch",
			       "this X-Request-ID was used with another request body", "X-Request-ID");
		return;
	case IDEM_IN_PROGRESS:
		response_error(res, 409, "conflict", "a request with this X-Request-ID is still being processed; retry",
			       "X-Request-ID");
		response_header(res, "Retry-After", "1");
		return;
	default:
		app_db_error(app, res, "app_run_idempotent");
		return;
	}
}

void app_actor(const struct request *req, struct actor *out)
{
	static const char *const types[] = { "system", "admin", "client", "agent" };
	out->type = types[req->who.kind];
	out->id = req->who.kind == PRINCIPAL_AGENT	 ? req->who.agent_id
		  : req->who.kind == PRINCIPAL_CLIENT ? req->who.client_id
						      : "admin-token";
	/* A dashboard session acts as its user ("user:<id>", app_session_auth). */
	if (!strncmp(req->who.caller, "user:", 5)) {
		out->type = "user";
		out->id = req->who.caller + 5;
	}
	out->trace_id = req->trace_id;
}

int app_body(struct request *req, struct response *res, const struct vfield *fields, size_t n, int allow_unknown,
	     struct vresult *out)
{
	struct request_error err;
	if (request_json(req, &err) < 0 || validate_object(req->json, fields, n, allow_unknown, out, &err) < 0) {
		response_error(res, err.status, err.code, err.message, err.field);
		return -1;
	}
	return 0;
}

void app_db_error(struct app *app, struct response *res, const char *what)
{
	if (db_conn_lost(&app->db)) {
		int retry = 1;
		response_db_unavailable(res, retry);
		return;
	}
	log_err("%s: database error %u: %s", what, app->db.last_errno, app->db.last_error);
	response_error(res, 500, "internal_error", "an internal error occurred; it has been logged", NULL);
}

/* No usable session: pages go to the login form, everything else gets 401. */
static void app_no_session(const struct route *r, struct request *req, struct response *res, int clear_cookie)
{
	if (clear_cookie) {
		struct strbuf c = STRBUF_INIT;
		session_cookie(&c, SESSION_COOKIE, "", 0, 0, NULL);
		response_header(res, "Set-Cookie", c.buf);
		strbuf_release(&c);
	}
	if ((r->flags & ROUTE_PAGE) && !session_wants_json(req)) {
		response_text(res, 303, "text/plain", "See /login\n", 11);
		response_header(res, "Location", "/login");
		response_header(res, "Cache-Control", "no-store");
		return;
	}
	response_error(res, 401, "unauthorized", "log in first: this needs a dashboard session", NULL);
}

static void app_refuse(struct app *app, const struct route *r, struct request *req, struct response *res, int status,
		       const char *code, const char *message, const char *field)
{
	if ((r->flags & ROUTE_PAGE) && !session_wants_json(req))
		pages_error(app, req, res, status, message);
	else
		response_error(res, status, code, message, field);
}

/*
 * Authenticates a request by its spot_session cookie (DESIGN.md section 5):
 * a live session, the role the route needs (admin routes: an admin; client
 * routes: a client user), and the CSRF token on every state-changing method.
 * Returns 0 with req->who and app->sess set, or -1 with the response written.
 */
static int app_session_auth(struct app *app, const struct route *r, struct request *req, struct response *res)
{
	const char *cookie = request_cookie(req, SESSION_COOKIE);
	struct session_row row;
	int rc;

	if (!cookie) {
		app_no_session(r, req, res, 0);
		return -1;
	}
	rc = users_session_get(&app->db, req->arena, cookie, &row);
	if (rc < 0) {
		app_db_error(app, res, "app_session_auth");
		return -1;
	}
	if (rc == 0) {
		app_no_session(r, req, res, 1);
		return -1;
	}
	app->sess.active = 1;
	app->sess.token = cookie;
	app->sess.row = row;
	if ((r->flags & ROUTE_AUTH_ADMIN) && strcmp(row.role, "admin")) {
		app_refuse(app, r, req, res, 403, "forbidden", "this needs an admin login", NULL);
		return -1;
	}
	if ((r->flags & ROUTE_AUTH_CLIENT) && strcmp(row.role, "client")) {
		app_refuse(app, r, req, res, 403, "forbidden", "this needs a client user's login or the client token",
			   NULL);
		return -1;
	}
	if (!strcmp(row.role, "admin")) {
		req->who.kind = PRINCIPAL_ADMIN;
	} else {
		req->who.kind = PRINCIPAL_CLIENT;
		snprintf(req->who.client_id, sizeof(req->who.client_id), "%s", row.client_id ? row.client_id : "");
	}
	snprintf(req->who.caller, sizeof(req->who.caller), "user:%s", row.user_id);
	if (session_method_unsafe(req->method_name)) {
		struct request_error ferr;
		const char *header = request_header(req, SESSION_CSRF_HEADER);
		if (!header && !strncasecmp(req->content_type, "application/x-www-form-urlencoded", 33) &&
		    app_form(app, req, &ferr) < 0) {
			app_refuse(app, r, req, res, ferr.status, ferr.code, ferr.message, ferr.field);
			return -1;
		}
		if (!session_csrf_ok(row.csrf_token, session_csrf_presented(header, app->sess.form, app->sess.nform))) {
			app_refuse(app, r, req, res, 403, "forbidden",
				   "the CSRF token is missing or wrong; reload the page and try again", SESSION_CSRF_FIELD);
			return -1;
		}
	}
	return 0;
}

void app_handle(struct app *app, struct request *req, struct response *res, int *route_index)
{
	int use_session;

	struct strbuf allow = STRBUF_INIT;
	size_t idx;
	const struct route *r;

	*route_index = -1;
	switch (route_match(app->routes, app->nroutes, req, &idx, &allow)) {
	case ROUTE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such resource", NULL);
		goto out;
	case ROUTE_METHOD_NOT_ALLOWED:
		response_error(res, 405, "method_not_allowed", "this method is not allowed here", NULL);
		response_header(res, "Allow", allow.buf);
		goto out;
	case ROUTE_FOUND:
		break;
	}
	*route_index = (int)idx;
	r = &app->routes[idx];
	memset(&app->sess, 0, sizeof(app->sess));
	/* Session routes, and admin and client routes called with the cookie instead of a bearer token. */
	use_session = (r->flags & ROUTE_AUTH_SESSION) ||
		      ((r->flags & (ROUTE_AUTH_ADMIN | ROUTE_AUTH_CLIENT)) && !request_header(req, "Authorization") &&
		       request_cookie(req, SESSION_COOKIE));
	if (use_session) {
		int retry_after;
		if (!request_cookie(req, SESSION_COOKIE)) {
			app_no_session(r, req, res, 0);
			goto out;
		}
		if (db_ensure(&app->db, &retry_after) < 0) {
			response_db_unavailable(res, retry_after);
			goto out;
		}
		if (app_session_auth(app, r, req, res) < 0)
			goto out;
		app_run_idempotent(app, r, req, res);
		goto out;
	}
	/* The admin token needs no database; tokens of clients and agents do. */
	if (r->flags & ROUTE_AUTH_ADMIN) {
		if (!app_is_admin(app, req)) {
			response_error(res, 401, "unauthorized", "an admin token is required", "Authorization");
			response_header(res, "WWW-Authenticate", "Bearer");
			goto out;
		}
		req->who.kind = PRINCIPAL_ADMIN;
		snprintf(req->who.caller, sizeof(req->who.caller), "admin");
	}
	if (r->flags & (ROUTE_NEEDS_DB | ROUTE_AUTH_CLIENT | ROUTE_AUTH_AGENT)) {
		int retry_after;
		if (db_ensure(&app->db, &retry_after) < 0) {
			response_db_unavailable(res, retry_after);
			goto out;
		}
	}
	if ((r->flags & ROUTE_AUTH_INLINE) && !request_header(req, "X-Request-ID")) {
		if (!app_bearer(req)) {
			response_error(res, 401, "unauthorized", "a valid bearer token is required", "Authorization");
			response_header(res, "WWW-Authenticate", "Bearer");
			goto out;
		}
		r->handler(app, req, res);
		goto out;
	}
	if ((r->flags & (ROUTE_AUTH_CLIENT | ROUTE_AUTH_AGENT)) && app_authenticate(app, r, req, res) < 0)
		goto out;
	app_run_idempotent(app, r, req, res);
out:
	strbuf_release(&allow);
	metrics_add_db(app->metrics, app->db.errors - app->db_errors_seen, app->db.reconnects - app->db_reconnects_seen);
	app->db_errors_seen = app->db.errors;
	app->db_reconnects_seen = app->db.reconnects;
}
