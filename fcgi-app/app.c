/* app.c - dispatch: route, method, auth, database, handler. */
#include "fcgi-app/app.h"
#include "fcgi-app/metrics.h"
#include "common/config.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/strbuf.h"

#include <string.h>
#include <strings.h>

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
	return 0;
}

void app_release(struct app *app)
{
	db_release(&app->db);
}

/* The bearer token of the Authorization header, or NULL. */
static const char *app_bearer(const struct request *req)
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

void app_handle(struct app *app, struct request *req, struct response *res, int *route_index)
{
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
	if ((r->flags & ROUTE_AUTH_ADMIN) && !app_is_admin(app, req)) {
		response_error(res, 401, "unauthorized", "an admin token is required", "Authorization");
		response_header(res, "WWW-Authenticate", "Bearer");
		goto out;
	}
	if (r->flags & ROUTE_NEEDS_DB) {
		int retry_after;
		if (db_ensure(&app->db, &retry_after) < 0) {
			response_db_unavailable(res, retry_after);
			goto out;
		}
	}
	r->handler(app, req, res);
out:
	strbuf_release(&allow);
	metrics_add_db(app->metrics, app->db.errors - app->db_errors_seen, app->db.reconnects - app->db_reconnects_seen);
	app->db_errors_seen = app->db.errors;
	app->db_reconnects_seen = app->db.reconnects;
}
