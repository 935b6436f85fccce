/*
 * app.h - the worker's context and request dispatch.
 *
 * One struct app per worker process: settings, the database connection, the
 * shared metrics, the route table. app_handle takes a parsed request through
 * routing, authentication and the database check to its handler; it never
 * fails: every outcome is a response.
 */
#ifndef SPOT_APP_H
#define SPOT_APP_H

#include "core/agents.h"
#include "core/db.h"
#include "fcgi-app/request.h"
#include "fcgi-app/response.h"
#include "fcgi-app/route.h"

#include "core/db_users.h"

struct config;
struct metrics;
struct mustache_set;
struct pricing_known;
struct kv;

/*
 * The dashboard session of the current request (app_handle fills it when a
 * route accepted the spot_session cookie; strings live in the request arena).
 * form holds the parsed application/x-www-form-urlencoded body of a POST,
 * when there is one.
 */
struct app_session {
	int active;
	const char *token;        /* the cookie value */
	struct session_row row;   /* user_id, email, role, client_id, csrf_token */
	struct kv *form;
	size_t nform;
	int form_parsed;          /* the body was a form (form may still be empty) */
};

struct app {
	const struct config *cfg;
	struct db db;
	struct metrics *metrics;
	struct agents_memo_ctx hb_memo; /* remembered heartbeat answers, shared through SPOT_HB_MEMO_FILE (core/agents.c) */
	struct pricing_known *pricing_known; /* pools and catalog pairs this worker saw exist (core/pricing.h) */
	const struct route *routes;
	size_t nroutes;
	unsigned char admin_token_hash[32];
	int admin_token_set;
	uint64_t db_errors_seen, db_reconnects_seen; /* already added to metrics */
	struct mustache_set *templates; /* compiled at start from SPOT_TEMPLATES_DIR */
	struct app_session sess;        /* per request; reset by app_handle */
};

/* Reads settings from cfg (kept by pointer). Returns 0, or -1 with err set. */
int app_init(struct app *app, const struct config *cfg, struct metrics *metrics, char *err, size_t errsize);
void app_release(struct app *app);

/*
 * Answers req into res; *route_index receives the matched route or -1.
 * The database is connected lazily, for routes that need it.
 */
void app_handle(struct app *app, struct request *req, struct response *res, int *route_index);

/* Maps a failed db call to 503 (connection lost) or 500 (anything else). */
void app_db_error(struct app *app, struct response *res, const char *what);

/* The bearer token of the Authorization header, or NULL. */
const char *app_bearer(const struct request *req);

struct actor;
/* Who is acting, for the audit log: the request's principal and trace id. */
void app_actor(const struct request *req, struct actor *out);
/* Parses the JSON body and validates it against fields; on failure writes the 4xx and returns -1. */
struct vfield;
struct vresult;
int app_body(struct request *req, struct response *res, const struct vfield *fields, size_t n, int allow_unknown,
	     struct vresult *out);

/*
 * The request's form body (application/x-www-form-urlencoded), parsed once
 * into app->sess.form. Returns 0 (also for an empty body), or -1 with err
 * set when the body is not a well-formed form.
 */
int app_form(struct app *app, struct request *req, struct request_error *err);
/* The value of a form field, or NULL. */
const char *app_form_get(const struct app *app, const char *name);

/* The route table (routes.c). */
extern const struct route routes_table[];
extern const size_t routes_count;

#endif
