/*
 * request.h - one HTTP request as the FastCGI worker sees it, parsed once at
 * the edge into typed fields (STYLE.md "Untrusted input").
 *
 * All strings point into the request's arena and live until the arena is
 * reset at the end of the request. The parsed JSON body (request_json) is
 * owned by the request and released by request_release.
 */
#ifndef SPOT_REQUEST_H
#define SPOT_REQUEST_H

#include "common/spot_limits.h"
#include "core/auth.h"

#include <stddef.h>

struct arena;
struct json_object;

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE, HTTP_OPTIONS, HTTP_OTHER };

struct kv {
	const char *key;
	const char *value;
	size_t vlen;
};

/* A rejected request: the HTTP status, the error code of DESIGN.md section 5, and what was wrong. */
struct request_error {
	int status;
	const char *code;
	const char *message;
	const char *field; /* may be NULL */
};

struct request {
	struct arena *arena;
	char **env;               /* FastCGI parameters, NAME=value */
	enum http_method method;
	const char *method_name;
	const char *uri;          /* REQUEST_URI as received */
	const char *path;         /* percent-decoded, validated UTF-8, no dot segments */
	const char *query;        /* raw query string, "" when none */
	struct kv *query_params;
	size_t nquery;
	struct kv *cookies;
	size_t ncookies;
	const char *content_type; /* "" when none */
	size_t content_length;
	const char *body;         /* NUL-terminated copy, body_len bytes */
	size_t body_len;
	const char *trace_id;     /* nginx's $request_id, or one we made */
	const char *remote_addr;
	const char *params[SPOT_MAX_ROUTE_PARAMS]; /* {params} of the matched route */
	size_t nparams;
	struct json_object *json; /* set by request_json */
	struct principal who;     /* the authenticated caller, set by app_handle */
};

/* Maps a method name to enum http_method (HTTP_OTHER when unknown). */
enum http_method request_method_parse(const char *name);

/*
 * Parses the FastCGI environment into req: method, URI, path, query, cookies,
 * content type and length, trace id. The body is read separately. Returns 0,
 * or -1 with err describing a 4xx.
 */
int request_parse(struct request *req, struct arena *a, char **env, struct request_error *err);

/* The value of a FastCGI parameter, or NULL. */
const char *request_env(const struct request *req, const char *name);
/* A request header by its HTTP name ("X-Request-ID"), or NULL. */
const char *request_header(const struct request *req, const char *name);
const char *request_query(const struct request *req, const char *key);
const char *request_cookie(const struct request *req, const char *name);

/*
 * Parses application/x-www-form-urlencoded text (a query string or a form
 * body) into at most max pairs in arena a. Returns 0, or -1 with err set.
 */
int request_parse_urlencoded(struct arena *a, const char *s, size_t len, size_t max, struct kv **out, size_t *n,
			     struct request_error *err);

/*
 * Requires a JSON object body: 415 unless Content-Type is application/json,
 * 400 for an empty, malformed, too deep, non-object or invalid UTF-8 body.
 * On success req->json holds the object. Returns 0 or -1 with err set.
 */
int request_json(struct request *req, struct request_error *err);

/* True when s[0..len) is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates). */
int request_utf8_valid(const char *s, size_t len);

void request_release(struct request *req);

#endif
