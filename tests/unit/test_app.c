/*
 * test_app.c - fcgi-app/app: app_init from a struct config and app_handle
 * for requests built from a FastCGI environment, without a database:
 * /health, /metrics, unknown paths (404), wrong methods (405 with Allow),
 * the admin token check (401), and routes that need the database while it
 * is unreachable (503).
 */
#include "fcgi-app/app.h"
#include "fcgi-app/metrics.h"
#include "common/arena.h"
#include "common/config.h"
#include "common/strbuf.h"

#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define ADMIN_TOKEN "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" /* 64 */
/* A socket that does not exist: connecting fails at once, whatever runs on this machine. */
#define NO_DB_SOCKET "/nonexistent-spot-ut-dir/mysqld.sock"

struct fixture {
	struct config cfg;
	struct metrics *metrics;
	struct app app;
	struct arena arena;
	struct response res;
	struct request req;
	struct strbuf out;
};

static void fixture_init(struct fixture *f)
{
	char err[256] = "";

	memset(f, 0, sizeof(*f));
	config_init(&f->cfg);
	f->cfg.use_env = 0; /* hermetic: nothing from the caller's SPOT_* environment */
	config_set(&f->cfg, "SPOT_ADMIN_TOKEN", ADMIN_TOKEN);
	config_set(&f->cfg, "SPOT_DB_SOCKET", NO_DB_SOCKET);
	ck_assert_int_eq(metrics_open(&f->metrics, NULL), 0);
	ck_assert_msg(app_init(&f->app, &f->cfg, f->metrics, err, sizeof(err)) == 0, "app_init: %s", err);
	arena_init(&f->arena, 0);
	response_init(&f->res);
	strbuf_init(&f->out, 0);
}

static void fixture_release(struct fixture *f)
{
	request_release(&f->req);
	strbuf_release(&f->out);
	response_release(&f->res);
	arena_release(&f->arena);
	app_release(&f->app);
	metrics_close(f->metrics);
	config_release(&f->cfg);
}

/* Parses (method, uri) as the FastCGI layer would and hands it to app_handle; returns the route index. */
static int handle_with(struct fixture *f, const char *method, const char *uri, const char *extra)
{
	struct request_error rerr;
	char **env = arena_calloc(&f->arena, 6, sizeof(*env));
	int route = -2;

	env[0] = arena_printf(&f->arena, "REQUEST_METHOD=%s", method);
	env[1] = arena_printf(&f->arena, "REQUEST_URI=%s", uri);
	env[2] = arena_strdup(&f->arena, "TRACE_ID=trace-1");
	env[3] = arena_strdup(&f->arena, "REMOTE_ADDR=127.0.0.1");
	if (extra)
		env[4] = arena_strdup(&f->arena, extra);
	ck_assert_msg(request_parse(&f->req, &f->arena, env, &rerr) == 0, "%s %s: %s", method, uri, rerr.message);
	response_reset(&f->res);
	app_handle(&f->app, &f->req, &f->res, &route);
	strbuf_reset(&f->out);
	response_serialize(&f->res, f->req.trace_id, f->req.method == HTTP_HEAD, &f->out);
	return route;
}

/* The index of the route (method, pattern) in routes_table. */
static int route_of(enum http_method m, const char *pattern)
{
	for (size_t i = 0; i < routes_count; i++)
		if (routes_table[i].method == m && !strcmp(routes_table[i].pattern, pattern))
			return (int)i;
	ck_abort_msg("no route %s", pattern);
	return -1;
}

static int handle(struct fixture *f, const char *method, const char *uri)
{
	return handle_with(f, method, uri, NULL);
}

static const char *error_code_of(const struct response *res)
{
	static char code[64];
	struct json_object *root = json_tokener_parse(res->body.buf), *e, *c;
	ck_assert_ptr_nonnull(root);
	ck_assert(json_object_object_get_ex(root, "error", &e));
	ck_assert(json_object_object_get_ex(e, "code", &c));
	snprintf(code, sizeof(code), "%s", json_object_get_string(c));
	json_object_put(root);
	return code;
}

#define SCHEMA "/api/health/database-schema"
#define SAFE "/api/admin/safe-mode"
#define AUTH "HTTP_AUTHORIZATION="
#define CT_JSON "Content-Type: application/json\r\n"

static const struct {
	const char *method, *uri;
	const char *extra;      /* one more FastCGI parameter, or NULL */
	int status;
	const char *route;      /* the pattern of the route expected to match, NULL when none */
	const char *code;       /* error code, NULL for success */
	const char *header;     /* a header line the output must carry, or NULL */
	const char *body;       /* exact body of a success, or NULL */
} handle_cases[] = {
	{ "GET", "/health", NULL, 200, "/health", NULL, "Cache-Control: no-store\r\n", "{\"status\":\"ok\"}" },
	{ "GET", "/health?verbose=1", NULL, 200, "/health", NULL, CT_JSON, "{\"status\":\"ok\"}" },
	{ "HEAD", "/health", NULL, 200, "/health", NULL, "Content-Length: 15\r\n", NULL },
	{ "POST", "/health", NULL, 405, NULL, "method_not_allowed", "Allow: GET, HEAD\r\n", NULL },
	{ "DELETE", "/health", NULL, 405, NULL, "method_not_allowed", "Allow: GET, HEAD\r\n", NULL },
	{ "OPTIONS", "/health", NULL, 405, NULL, "method_not_allowed", "Allow: GET, HEAD\r\n", NULL },
	{ "BREW", "/health", NULL, 405, NULL, "method_not_allowed", "Allow: GET, HEAD\r\n", NULL },
	{ "GET", "/healthz", NULL, 404, NULL, "not_found", CT_JSON, NULL },
	/* the overview page: no session cookie goes to the login form, without the database */
	{ "GET", "/", NULL, 303, "/", NULL, "Location: /login\r\n", NULL },
	{ "POST", "/nope", NULL, 404, NULL, "not_found", NULL, NULL },
	/* agent routes look the token up in the database before anything else */
	{ "GET", "/api/agents/1/config", NULL, 503, "/api/agents/{id}/config", "db_unavailable", "Retry-After: ", NULL },
	{ "GET", "/api/agents", NULL, 404, NULL, "not_found", NULL, NULL },
	{ "GET", "/metrics", NULL, 200, "/metrics", NULL, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n",
	  NULL },
	{ "POST", "/metrics", NULL, 405, NULL, "method_not_allowed", "Allow: GET, HEAD\r\n", NULL },
	{ "PUT", SCHEMA, NULL, 405, NULL, "method_not_allowed", "Allow: GET, HEAD\r\n", NULL },
	/* needs the database, which is unreachable */
	{ "GET", SCHEMA, NULL, 503, SCHEMA, "db_unavailable", "Retry-After: ", NULL },
	/* admin routes: the token is checked before the database */
	{ "GET", SAFE, NULL, 401, SAFE, "unauthorized", "WWW-Authenticate: Bearer\r\n", NULL },
	{ "POST", SAFE, NULL, 401, SAFE, "unauthorized", "WWW-Authenticate: Bearer\r\n", NULL },
	{ "GET", SAFE, AUTH "Bearer wrong", 401, SAFE, "unauthorized", NULL, NULL },
	{ "GET", SAFE, AUTH "Bearer " ADMIN_TOKEN "x", 401, SAFE, "unauthorized", NULL, NULL },
	{ "GET", SAFE, AUTH "Bearer 0123456789abcdef0123456789abcdef", 401, SAFE, "unauthorized", NULL, NULL },
	{ "GET", SAFE, AUTH "Basic " ADMIN_TOKEN, 401, SAFE, "unauthorized", NULL, NULL },
	{ "GET", SAFE, AUTH "Bearer ", 401, SAFE, "unauthorized", NULL, NULL },
	{ "GET", SAFE, AUTH ADMIN_TOKEN, 401, SAFE, "unauthorized", NULL, NULL },
	{ "GET", SAFE, "HTTP_X_AUTHORIZATION=Bearer " ADMIN_TOKEN, 401, SAFE, "unauthorized", NULL, NULL },
	{ "GET", SAFE, AUTH "Bearer " ADMIN_TOKEN, 503, SAFE, "db_unavailable", "Retry-After: ", NULL },
	{ "GET", SAFE, AUTH "bearer  " ADMIN_TOKEN, 503, SAFE, "db_unavailable", NULL, NULL },
	{ "HEAD", SAFE, AUTH "Bearer " ADMIN_TOKEN, 503, SAFE, "db_unavailable", NULL, NULL },
	{ "POST", SAFE, AUTH "Bearer " ADMIN_TOKEN, 503, SAFE, "db_unavailable", NULL, NULL },
	{ "DELETE", SAFE, AUTH "Bearer " ADMIN_TOKEN, 405, NULL, "method_not_allowed", "Allow: GET, HEAD, POST\r\n",
	  NULL },
};

START_TEST(test_handle)
{
	struct fixture f;
	int route;

	fixture_init(&f);
	route = handle_with(&f, handle_cases[_i].method, handle_cases[_i].uri, handle_cases[_i].extra);
	ck_assert_int_eq(f.res.status, handle_cases[_i].status);
	if (handle_cases[_i].route) {
		ck_assert_int_ge(route, 0);
		ck_assert_uint_lt((size_t)route, routes_count);
		ck_assert_str_eq(routes_table[route].pattern, handle_cases[_i].route);
	} else {
		ck_assert_int_eq(route, -1);
	}
	ck_assert_ptr_nonnull(strstr(f.out.buf, "X-Trace-Id: trace-1\r\n"));
	if (handle_cases[_i].header)
		ck_assert_msg(strstr(f.out.buf, handle_cases[_i].header), "no '%s' in:\n%s", handle_cases[_i].header,
			      f.out.buf);
	if (handle_cases[_i].code) {
		ck_assert_str_eq(f.res.content_type, "application/json");
		ck_assert_str_eq(f.res.error_code, handle_cases[_i].code);
		ck_assert_str_eq(error_code_of(&f.res), handle_cases[_i].code);
	} else {
		ck_assert_ptr_null(f.res.error_code);
	}
	if (handle_cases[_i].body)
		ck_assert_str_eq(f.res.body.buf, handle_cases[_i].body);
	if (!strcmp(handle_cases[_i].method, "HEAD")) /* headers only */
		ck_assert_str_eq(f.out.buf + f.out.len - 4, "\r\n\r\n");
	if (handle_cases[_i].status != 405)
		ck_assert_ptr_null(strstr(f.out.buf, "Allow:"));
	fixture_release(&f);
}
END_TEST

/* /metrics shows what the pool recorded, and the failed database connection. */
START_TEST(test_metrics_route)
{
	struct fixture f;

	fixture_init(&f);
	metrics_record(f.metrics, route_of(HTTP_GET, "/health"), 200, 100);
	metrics_record(f.metrics, route_of(HTTP_GET, "/health"), 200, 100);
	metrics_record(f.metrics, -1, 404, 100);
	ck_assert_int_eq(handle(&f, "GET", SCHEMA), route_of(HTTP_GET, SCHEMA));
	ck_assert_int_eq(f.res.status, 503);
	ck_assert_int_eq(handle(&f, "GET", "/metrics"), route_of(HTTP_GET, "/metrics"));
	ck_assert_int_eq(f.res.status, 200);
	ck_assert_ptr_nonnull(
		strstr(f.res.body.buf, "\nspot_http_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 2\n"));
	ck_assert_ptr_nonnull(
		strstr(f.res.body.buf, "\nspot_http_requests_total{method=\"\",route=\"unmatched\",status=\"404\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(f.res.body.buf, "\nspot_db_errors_total 1\n"));
	ck_assert_ptr_nonnull(strstr(f.out.buf, "Cache-Control: no-store\r\n"));
	fixture_release(&f);
}
END_TEST

/* Many requests through one app and one arena, reset between them as the worker does. */
START_TEST(test_handle_many)
{
	struct fixture f;

	fixture_init(&f);
	for (int i = 0; i < 500; i++) {
		ck_assert_int_eq(handle(&f, i % 2 ? "GET" : "POST", "/health"), i % 2 ? route_of(HTTP_GET, "/health") : -1);
		ck_assert_int_eq(f.res.status, i % 2 ? 200 : 405);
		request_release(&f.req);
		arena_reset(&f.arena);
	}
	fixture_release(&f);
}
END_TEST

static const struct {
	const char *key, *value; /* one setting added to the defaults (NULL: none) */
	int rc;
	int admin_set;
	const char *err;
} init_cases[] = {
	{ NULL, NULL, 0, 0, NULL },
	{ "SPOT_ADMIN_TOKEN", ADMIN_TOKEN, 0, 1, NULL },
	{ "SPOT_ADMIN_TOKEN", "0123456789abcdef0123456789abcdef", 0, 1, NULL }, /* 32: the minimum */
	{ "SPOT_ADMIN_TOKEN", "0123456789abcdef0123456789abcde", -1, 0,
	  "SPOT_ADMIN_TOKEN: must be at least 32 characters" },
	{ "SPOT_ADMIN_TOKEN", "", 0, 0, NULL }, /* empty is unset */
	{ "SPOT_DB_PORT", "0", -1, 0, "SPOT_DB_PORT: expected an integer in [1, 65535], got '0'" },
	{ "SPOT_DB_PORT", "3306x", -1, 0, "SPOT_DB_PORT: expected an integer in [1, 65535], got '3306x'" },
	{ "SPOT_DB_PORT", "3307", 0, 0, NULL },
};

START_TEST(test_init)
{
	struct config cfg;
	struct app app;
	char err[256] = "";
	int rc;

	config_init(&cfg);
	cfg.use_env = 0;
	if (init_cases[_i].key)
		config_set(&cfg, init_cases[_i].key, init_cases[_i].value);
	rc = app_init(&app, &cfg, NULL, err, sizeof(err));
	ck_assert_int_eq(rc, init_cases[_i].rc);
	if (rc == 0) {
		ck_assert_int_eq(app.admin_token_set, init_cases[_i].admin_set);
		ck_assert_ptr_eq(app.cfg, &cfg);
		ck_assert_ptr_eq(app.routes, routes_table);
		ck_assert_uint_eq(app.nroutes, routes_count);
		app_release(&app);
	} else {
		ck_assert_str_eq(err, init_cases[_i].err);
	}
	config_release(&cfg);
}
END_TEST

/* The table itself: unique (method, pattern) pairs, absolute patterns, a handler each. */
START_TEST(test_routes_table)
{
	ck_assert_uint_gt(routes_count, 0);
	for (size_t i = 0; i < routes_count; i++) {
		ck_assert_ptr_nonnull(routes_table[i].handler);
		ck_assert_int_eq(routes_table[i].pattern[0], '/');
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(routes_table[i].method != routes_table[j].method ||
					      strcmp(routes_table[i].pattern, routes_table[j].pattern),
				      "duplicate route %s", routes_table[i].pattern);
	}
}
END_TEST

static Suite *app_suite(void)
{
	Suite *s = suite_create("app");
	TCase *tc;

	tc = tcase_create("handle");
	tcase_add_loop_test(tc, test_handle, 0, NELEM(handle_cases));
	tcase_add_test(tc, test_metrics_route);
	tcase_add_test(tc, test_handle_many);
	suite_add_tcase(s, tc);

	tc = tcase_create("init");
	tcase_add_loop_test(tc, test_init, 0, NELEM(init_cases));
	tcase_add_test(tc, test_routes_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(app_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
