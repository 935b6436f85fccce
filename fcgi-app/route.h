/*
 * route.h - the route table: {method, pattern, handler, flags}
 * (STYLE.md "Tables over cleverness"). Patterns are absolute paths whose
 * segments are literal or a {name} placeholder that matches exactly one
 * non-empty segment; captured values are stored in order in req->params.
 * HEAD matches GET routes.
 */
#ifndef SPOT_ROUTE_H
#define SPOT_ROUTE_H

#include "fcgi-app/request.h"

#include <stddef.h>

struct app;
struct response;
struct strbuf;

typedef void (*route_handler_fn)(struct app *app, struct request *req, struct response *res);

enum route_flags {
	ROUTE_AUTH_NONE = 0,
	ROUTE_AUTH_ADMIN = 1 << 0,    /* admin token (or, later, an admin session) */
	ROUTE_AUTH_CLIENT = 1 << 1,   /* a client token */
	ROUTE_AUTH_AGENT = 1 << 2,    /* the agent token of {id}, or its client's token; 404 for anyone else */
	ROUTE_NEEDS_DB = 1 << 4,      /* 503 db_unavailable before the handler when the DB is down */
	ROUTE_IDEMPOTENT = 1 << 5,    /* X-Request-ID replay (DESIGN.md section 5) */
	/*
	 * With ROUTE_AUTH_AGENT: when the request has no X-Request-ID, the handler
	 * checks the token itself, in the same database round trip as its work
	 * (req->who.kind stays PRINCIPAL_NONE). The heartbeat uses it.
	 */
	ROUTE_AUTH_INLINE = 1 << 6,
	/*
	 * A dashboard session (the spot_session cookie) of any role; the handler
	 * scopes by role and client. ROUTE_AUTH_ADMIN and ROUTE_AUTH_CLIENT routes
	 * also accept a session (an admin's, a client user's) when the request
	 * carries no bearer token. Cookie-authenticated POSTs need the CSRF token.
	 */
	ROUTE_AUTH_SESSION = 1 << 7,
	/* An HTML page: no session redirects to /login, errors render as pages (JSON with Accept: application/json). */
	ROUTE_PAGE = 1 << 8,
	/*
	 * A poll every agent makes every few seconds (heartbeat, pending-commands):
	 * the worker logs it only when it fails (status >= 400) or is slow
	 * (ROUTE_QUIET_SLOW_US). At fleet scale the rest is noise - 10,000 agents
	 * make ~800 such requests a second - and nginx's access log keeps every
	 * request with its trace id.
	 */
	ROUTE_QUIET = 1 << 9,
};
#define ROUTE_QUIET_SLOW_US 500000


struct route {
	enum http_method method;
	const char *pattern;
	route_handler_fn handler;
	unsigned int flags;
};

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_METHOD_NOT_ALLOWED };

/*
 * Finds the route for (method, path). On ROUTE_FOUND stores its index and the
 * captured params (copied into the request's arena). On
 * ROUTE_METHOD_NOT_ALLOWED, allow receives the comma-separated methods the
 * path accepts.
 */
enum route_result route_match(const struct route *table, size_t n, struct request *req, size_t *index,
			      struct strbuf *allow);

/* True when path matches pattern; params (may be NULL) receive the captures. */
int route_pattern_match(const char *pattern, const char *path, struct arena *a, const char **params,
			size_t *nparams);

#endif
