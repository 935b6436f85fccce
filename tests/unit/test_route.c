/*
 * test_route.c - fcgi-app/route: pattern matching with {params}, and the
 * route table lookup (404 vs 405 with Allow, HEAD matching GET).
 */
#include "fcgi-app/route.h"
#include "common/arena.h"
#include "common/strbuf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void handler_dummy(struct app *app, struct request *req, struct response *res)
{
	(void)app;
	(void)req;
	(void)res;
}

static const struct route table[] = {
	/* 0 */ { HTTP_GET, "/health", handler_dummy, ROUTE_AUTH_NONE },
	/* 1 */ { HTTP_POST, "/api/agents/register", handler_dummy, ROUTE_AUTH_NONE },
	/* 2 */ { HTTP_GET, "/api/agents/{id}/config", handler_dummy, ROUTE_NEEDS_DB },
	/* 3 */ { HTTP_POST, "/api/agents/{id}/heartbeat", handler_dummy, ROUTE_NEEDS_DB },
	/* 4 */ { HTTP_POST, "/api/agents/{id}/commands/{cid}/result", handler_dummy, ROUTE_NEEDS_DB },
	/* 5 */ { HTTP_GET, "/items", handler_dummy, ROUTE_AUTH_NONE },
	/* 6 */ { HTTP_POST, "/items", handler_dummy, ROUTE_AUTH_NONE },
	/* 7 */ { HTTP_DELETE, "/api/client/replicas/{rid}", handler_dummy, ROUTE_AUTH_NONE },
	/* 8 */ { HTTP_POST, "/api/client/replicas/{rid}/promote", handler_dummy, ROUTE_AUTH_NONE },
	/* 9 */ { HTTP_GET, "/x/special", handler_dummy, ROUTE_AUTH_NONE },
	/* 10 */ { HTTP_GET, "/x/{name}", handler_dummy, ROUTE_AUTH_NONE },
	/* 11 */ { HTTP_PATCH, "/api/admin/clients/{id}", handler_dummy, ROUTE_AUTH_ADMIN },
	/* 12 */ { HTTP_GET, "/", handler_dummy, ROUTE_AUTH_NONE },
};

static const struct {
	enum http_method method;
	const char *path;
	enum route_result result;
	size_t index;        /* ROUTE_FOUND */
	size_t nparams;      /* ROUTE_FOUND */
	const char *params[2];
	const char *allow;   /* ROUTE_METHOD_NOT_ALLOWED */
} match_cases[] = {
	{ HTTP_GET, "/health", ROUTE_FOUND, 0, 0, { NULL }, NULL },
	{ HTTP_HEAD, "/health", ROUTE_FOUND, 0, 0, { NULL }, NULL },
	{ HTTP_POST, "/health", ROUTE_METHOD_NOT_ALLOWED, 0, 0, { NULL }, "GET, HEAD" },
	{ HTTP_PUT, "/health", ROUTE_METHOD_NOT_ALLOWED, 0, 0, { NULL }, "GET, HEAD" },
	{ HTTP_OPTIONS, "/health", ROUTE_METHOD_NOT_ALLOWED, 0, 0, { NULL }, "GET, HEAD" },
	{ HTTP_OTHER, "/health", ROUTE_METHOD_NOT_ALLOWED, 0, 0, { NULL }, "GET, HEAD" },
	{ HTTP_GET, "/healthz", ROUTE_NOT_FOUND, 0, 0, { NULL }, NULL },
	{ HTTP_GET, "/health/", ROUTE_NOT_FOUND, 0, 0, { NULL }, NULL },
	{ HTTP_GET, "/Health", ROUTE_NOT_FOUND, 0, 0, { NULL }, NULL },
	{ HTTP_GET, "/heal", ROUTE_NOT_FOUND, 0, 0, { NULL }, NULL },
	{ HTTP_POST, "/nope", ROUTE_NOT_FOUND, 0, 0, { NULL }, NULL },
	{ HTTP_GET, "/", ROUTE_FOUND, 12, 0, { NULL }, NULL },
	{ HTTP_POST, "/api/agents/register", ROUTE_FOUND, 1, 0, { NULL }, NULL },
	{ HTTP_GET, "/api/agents/register", ROUTE_METHOD_NOT_ALLOWED, 0, 0, { NULL }, "POST" },
	{ HTTP_HEAD, "/api/agents/register", ROUTE_METHOD_NOT_ALLOWED, 0, 0, { NULL }, "POST" },
	{ HTTP_GET, "/api/agents/42/config", ROUTE_FOUND, 2, 1, { "42" }, NULL },
	{ HTTP_HEAD, "/api/agents/42/config", ROUTE_FOUND, 2, 1, { "42" }, NULL },
	{ HTTP_GET, "/api/agents/caf\xc3\xa9 x/config", ROUTE_FOUND, 2, 1, { "caf\xc3\xa9 x" }, NULL },
	{ HTTP_POST, "/api/agents/42/config", ROUTE_METHOD_NOT_ALLOWED, 0, 0, { NULL }, "GET, HEAD" },
	{ HTTP_GET, "/api/agents//config", ROUTE_NOT_FOUND, 0, 0, { NULL }, NULL },
	{ HTTP_GET, "/api/agents/42/config/extra", ROUTE_NOT_FOUND, 0, 0, { NULL }, NULL },
	{ HTTP_GET, "/api/agents/4/2/config", ROUTE_NOT_FOUND, 0, 0, { NULL }, NULL },
	{ HTTP_GET, "/api/agents/42", ROUTE_NOT_FOUND, 0, 0, { NULL }, NULL },
	{ HTTP_POST, "/api/agents/a-1/heartbeat", ROUTE_FOUND, 3, 1, { "a-1" }, NULL },
	{ HTTP_POST, "/api/agents/7/commands/99/result", ROUTE_FOUND, 4, 2, { "7", "99" }, NULL },
	{ HTTP_GET, "/api/agents/7/commands/99/result", ROUTE_METHOD_NOT_ALLOWED, 0, 0, { NULL }, "POST" },
	{ HTTP_POST, "/api/agents/7/commands//result", ROUTE_NOT_FOUND, 0, 0, { NULL }, NULL },
	{ HTTP_GET, "/items", ROUTE_FOUND, 5, 0, { NULL }, NULL },
	{ HTTP_POST, "/items", ROUTE_FOUND, 6, 0, { NULL }, NULL },
	{ HTTP_HEAD, "/items", ROUTE_FOUND, 5, 0, { NULL }, NULL },
	{ HTTP_DELETE, "/items", ROUTE_METHOD_NOT_ALLOWED, 0, 0, { NULL }, "GET, HEAD, POST" },
	{ HTTP_PATCH, "/items", ROUTE_METHOD_NOT_ALLOWED, 0, 0, { NULL }, "GET, HEAD, POST" },
	{ HTTP_DELETE, "/api/client/replicas/r9", ROUTE_FOUND, 7, 1, { "r9" }, NULL },
	{ HTTP_PUT, "/api/client/replicas/r9", ROUTE_METHOD_NOT_ALLOWED, 0, 0, { NULL }, "DELETE" },
	{ HTTP_POST, "/api/client/replicas/r9/promote", ROUTE_FOUND, 8, 1, { "r9" }, NULL },
	{ HTTP_GET, "/x/special", ROUTE_FOUND, 9, 0, { NULL }, NULL },   /* table order: literal first */
	{ HTTP_GET, "/x/other", ROUTE_FOUND, 10, 1, { "other" }, NULL },
	{ HTTP_PATCH, "/api/admin/clients/5", ROUTE_FOUND, 11, 1, { "5" }, NULL },
	{ HTTP_GET, "/api/admin/clients/5", ROUTE_METHOD_NOT_ALLOWED, 0, 0, { NULL }, "PATCH" },
};

START_TEST(test_route_match)
{
	struct arena a;
	struct request req;
	struct strbuf allow = STRBUF_INIT;
	size_t index = (size_t)-1;
	enum route_result r;

	arena_init(&a, 0);
	memset(&req, 0, sizeof(req));
	req.arena = &a;
	req.method = match_cases[_i].method;
	req.path = match_cases[_i].path;
	r = route_match(table, NELEM(table), &req, &index, &allow);
	ck_assert_msg(r == match_cases[_i].result, "%s: result %d, expected %d", match_cases[_i].path, (int)r,
		      (int)match_cases[_i].result);
	switch (r) {
	case ROUTE_FOUND:
		ck_assert_uint_eq(index, match_cases[_i].index);
		ck_assert_uint_eq(req.nparams, match_cases[_i].nparams);
		for (size_t i = 0; i < match_cases[_i].nparams; i++)
			ck_assert_str_eq(req.params[i], match_cases[_i].params[i]);
		break;
	case ROUTE_METHOD_NOT_ALLOWED:
		ck_assert_str_eq(allow.buf, match_cases[_i].allow);
		ck_assert_uint_eq(req.nparams, 0);
		break;
	case ROUTE_NOT_FOUND:
		ck_assert_uint_eq(allow.len, 0);
		ck_assert_uint_eq(req.nparams, 0);
		break;
	}
	/* allow may be NULL */
	index = (size_t)-1;
	ck_assert_int_eq(route_match(table, NELEM(table), &req, &index, NULL), match_cases[_i].result);
	strbuf_release(&allow);
	arena_release(&a);
}
END_TEST

START_TEST(test_route_empty_table)
{
	struct request req;
	size_t index = 0;
	memset(&req, 0, sizeof(req));
	req.method = HTTP_GET;
	req.path = "/health";
	ck_assert_int_eq(route_match(table, 0, &req, &index, NULL), ROUTE_NOT_FOUND);
}
END_TEST

/* Captured params are copies: they outlive the path they came from. */
START_TEST(test_route_params_copied)
{
	struct arena a;
	struct request req;
	char path[] = "/api/agents/abc/config";
	size_t index;

	arena_init(&a, 0);
	memset(&req, 0, sizeof(req));
	req.arena = &a;
	req.method = HTTP_GET;
	req.path = path;
	ck_assert_int_eq(route_match(table, NELEM(table), &req, &index, NULL), ROUTE_FOUND);
	memset(path, 'z', sizeof(path) - 1);
	ck_assert_str_eq(req.params[0], "abc");
	arena_release(&a);
}
END_TEST

static const struct {
	const char *pattern, *path;
	int match;
	size_t nparams;
	const char *params[SPOT_MAX_ROUTE_PARAMS];
} pattern_cases[] = {
	{ "/", "/", 1, 0, { NULL } },
	{ "/a", "/a", 1, 0, { NULL } },
	{ "/a", "/a/", 0, 0, { NULL } },
	{ "/a/", "/a", 0, 0, { NULL } },
	{ "/a", "/ab", 0, 0, { NULL } },
	{ "/ab", "/a", 0, 0, { NULL } },
	{ "/a", "", 0, 0, { NULL } },
	{ "/{x}", "/", 0, 0, { NULL } },
	{ "/{x}", "/v", 1, 1, { "v" } },
	{ "/{x}", "/v/", 0, 0, { NULL } },
	{ "/{x}", "/v/w", 0, 0, { NULL } },
	{ "/{x}/", "/v/", 1, 1, { "v" } },
	{ "/a/{x}/b/{y}", "/a/1/b/2", 1, 2, { "1", "2" } },
	{ "/a/{x}/b/{y}", "/a/1/c/2", 0, 0, { NULL } },
	{ "/a/{x}/b/{y}", "/a/1/b", 0, 0, { NULL } },
	{ "/a/{x}/b/{y}", "/a/1/b/", 0, 0, { NULL } },
	{ "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", "/1/2/3/4/5/6/7/8", 1, 8, { "1", "2", "3", "4", "5", "6", "7", "8" } },
	{ "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", "/1/2/3/4/5/6/7/8/9", 0, 0, { NULL } }, /* over the limit */
	{ "/a/{x", "/a/v", 0, 0, { NULL } },                                             /* unclosed */
	{ "/{x}", "/%2e%2e", 1, 1, { "%2e%2e" } },                                       /* no decoding here */
};

START_TEST(test_pattern_match)
{
	struct arena a;
	const char *params[SPOT_MAX_ROUTE_PARAMS] = { NULL };
	size_t n = 12345;
	int m;

	arena_init(&a, 0);
	m = route_pattern_match(pattern_cases[_i].pattern, pattern_cases[_i].path, &a, params, &n);
	ck_assert_msg(!!m == pattern_cases[_i].match, "%s vs %s: %d", pattern_cases[_i].pattern,
		      pattern_cases[_i].path, m);
	if (m) {
		ck_assert_uint_eq(n, pattern_cases[_i].nparams);
		for (size_t i = 0; i < n; i++)
			ck_assert_str_eq(params[i], pattern_cases[_i].params[i]);
	} else {
		ck_assert_uint_eq(n, 12345); /* untouched on a mismatch */
	}
	/* Without an arena or outputs it still answers the same. */
	ck_assert_int_eq(!!route_pattern_match(pattern_cases[_i].pattern, pattern_cases[_i].path, NULL, NULL, NULL),
			 pattern_cases[_i].match);
	arena_release(&a);
}
END_TEST

static Suite *route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc;

	tc = tcase_create("match");
	tcase_add_loop_test(tc, test_route_match, 0, NELEM(match_cases));
	tcase_add_test(tc, test_route_empty_table);
	tcase_add_test(tc, test_route_params_copied);
	suite_add_tcase(s, tc);

	tc = tcase_create("pattern");
	tcase_add_loop_test(tc, test_pattern_match, 0, NELEM(pattern_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(route_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
