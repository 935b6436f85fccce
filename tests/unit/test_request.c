/*
 * test_request.c - fcgi-app/request: the FastCGI environment parsed into a
 * struct request (method, path decoding and validation, query parameters,
 * cookies, Content-Length cap, trace id), JSON bodies, UTF-8 validation and
 * header lookup. Table-driven: each table row is one loop test.
 */
#include "fcgi-app/request.h"
#include "common/arena.h"
#include "common/strbuf.h"

#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_ENV 16

/* FastCGI parameters are char **; copies keep string literals const. */
static char **make_env(struct arena *a, const char *const *in)
{
	char **env = arena_calloc(a, MAX_ENV + 1, sizeof(*env));
	for (size_t i = 0; i < MAX_ENV && in[i]; i++)
		env[i] = arena_strdup(a, in[i]);
	return env;
}

/* Parses an environment of up to MAX_ENV "NAME=value" strings. */
static int parse_env(struct request *req, struct arena *a, const char *const *in, struct request_error *err)
{
	memset(err, 0, sizeof(*err));
	return request_parse(req, a, make_env(a, in), err);
}

/* Parses method, URI and one more parameter (may be NULL). */
static int parse3(struct request *req, struct arena *a, const char *method, const char *uri, const char *extra,
		  struct request_error *err)
{
	const char *in[4] = { NULL, NULL, NULL, NULL };
	size_t n = 0;
	in[n++] = arena_printf(a, "REQUEST_METHOD=%s", method);
	in[n++] = arena_printf(a, "REQUEST_URI=%s", uri);
	if (extra)
		in[n++] = extra;
	return parse_env(req, a, in, err);
}

static void assert_err(const struct request_error *err, int status, const char *code, const char *field)
{
	ck_assert_int_eq(err->status, status);
	ck_assert_str_eq(err->code, code);
	ck_assert_ptr_nonnull(err->message);
	if (field)
		ck_assert_str_eq(err->field ? err->field : "(null)", field);
}

/* ---- method names ---- */

static const struct {
	const char *name;
	enum http_method m;
} method_cases[] = {
	{ "GET", HTTP_GET },         { "HEAD", HTTP_HEAD },       { "POST", HTTP_POST },
	{ "PUT", HTTP_PUT },         { "PATCH", HTTP_PATCH },     { "DELETE", HTTP_DELETE },
	{ "OPTIONS", HTTP_OPTIONS }, { "get", HTTP_OTHER },       { "BREW", HTTP_OTHER },
	{ "", HTTP_OTHER },          { "GETX", HTTP_OTHER },      { "POS", HTTP_OTHER },
};

START_TEST(test_method_parse)
{
	ck_assert_int_eq(request_method_parse(method_cases[_i].name), method_cases[_i].m);
}
END_TEST

/* ---- paths ---- */

static const struct {
	const char *uri;
	const char *path;   /* expected decoded path; NULL when rejected */
	int status;         /* when rejected */
} path_cases[] = {
	{ "/", "/", 0 },
	{ "/health", "/health", 0 },
	{ "/health?x=1", "/health", 0 },
	{ "/a%20b", "/a b", 0 },
	{ "/a+b", "/a+b", 0 },                       /* '+' is not a space in a path */
	{ "/caf%C3%A9", "/caf\xc3\xa9", 0 },
	{ "/caf%c3%a9", "/caf\xc3\xa9", 0 },
	{ "/caf\xc3\xa9", "/caf\xc3\xa9", 0 },
	{ "/%F0%9F%98%80", "/\xf0\x9f\x98\x80", 0 },
	{ "/a/b/", "/a/b/", 0 },
	{ "/...", "/...", 0 },
	{ "/.hidden/a..b", "/.hidden/a..b", 0 },
	{ "/api/agents/42/config", "/api/agents/42/config", 0 },
	/* invalid UTF-8 after decoding */
	{ "/a%C3%28", NULL, 400 },
	{ "/a%C0%AF", NULL, 400 },                   /* overlong '/' */
	{ "/a%E0%80%AF", NULL, 400 },                /* overlong, 3 bytes */
	{ "/a%ED%A0%80", NULL, 400 },                /* UTF-16 surrogate */
	{ "/a%F4%90%80%80", NULL, 400 },             /* above U+10FFFF */
	{ "/a%FF", NULL, 400 },
	{ "/a%C3", NULL, 400 },                      /* truncated sequence */
	{ "/a\xc3\x28", NULL, 400 },                 /* raw, not encoded */
	/* traversal, encoded or not */
	{ "/static/..%2f..%2fetc/passwd", NULL, 400 },
	{ "/static/..%2F..%2Fetc/passwd", NULL, 400 },
	{ "/static/%2e%2e/spot.env", NULL, 400 },
	{ "/static/%2E%2E/spot.env", NULL, 400 },
	{ "/static/.%2e/spot.env", NULL, 400 },
	{ "/a/./b", NULL, 400 },
	{ "/a/%2e/b", NULL, 400 },
	{ "/a/.", NULL, 400 },
	{ "/a/..", NULL, 400 },
	{ "/..", NULL, 400 },
	{ "/../etc/passwd", NULL, 400 },
	{ "/static/..%5c..%5cspot.env", NULL, 400 }, /* backslash */
	{ "/a\\b", NULL, 400 },
	/* NUL */
	{ "/a%00b", NULL, 400 },
	{ "/a%00", NULL, 400 },
	/* bad percent escapes */
	{ "/a%", NULL, 400 },
	{ "/a%2", NULL, 400 },
	{ "/a%zz", NULL, 400 },
	{ "/a%g0", NULL, 400 },
	{ "/a%0g", NULL, 400 },
	{ "/a%%41", NULL, 400 },
	{ "/a% 1", NULL, 400 },
	/* not an absolute path */
	{ "", NULL, 400 },
	{ "?a=1", NULL, 400 },
	{ "a/b", NULL, 400 },
	{ "*", NULL, 400 },
	{ "http://example.com/a", NULL, 400 },
};

START_TEST(test_path)
{
	struct arena a;
	struct request req;
	struct request_error err;
	int rc;

	arena_init(&a, 0);
	rc = parse3(&req, &a, "GET", path_cases[_i].uri, NULL, &err);
	if (path_cases[_i].path) {
		ck_assert_msg(rc == 0, "%s: rejected: %s", path_cases[_i].uri, err.message);
		ck_assert_str_eq(req.path, path_cases[_i].path);
		ck_assert_str_eq(req.uri, path_cases[_i].uri);
	} else {
		ck_assert_msg(rc == -1, "%s: accepted as %s", path_cases[_i].uri, req.path);
		assert_err(&err, path_cases[_i].status, "validation_failed", "path");
	}
	arena_release(&a);
}
END_TEST

/* SPOT_MAX_PATH_SEGMENTS segments pass, one more does not; SPOT_MAX_URI bytes pass, one more is 414. */
START_TEST(test_path_limits)
{
	struct arena a;
	struct request req;
	struct request_error err;
	struct strbuf uri = STRBUF_INIT;

	arena_init(&a, 0);
	for (int i = 0; i < SPOT_MAX_PATH_SEGMENTS; i++)
		strbuf_addstr(&uri, "/s");
	ck_assert_int_eq(parse3(&req, &a, "GET", uri.buf, NULL, &err), 0);
	strbuf_addstr(&uri, "/s");
	ck_assert_int_eq(parse3(&req, &a, "GET", uri.buf, NULL, &err), -1);
	assert_err(&err, 400, "validation_failed", "path");

	strbuf_reset(&uri);
	strbuf_addch(&uri, '/');
	while (uri.len < SPOT_MAX_URI)
		strbuf_addch(&uri, 'a');
	ck_assert_int_eq(parse3(&req, &a, "GET", uri.buf, NULL, &err), 0);
	ck_assert_uint_eq(strlen(req.path), SPOT_MAX_URI);
	strbuf_addch(&uri, 'a');
	ck_assert_int_eq(parse3(&req, &a, "GET", uri.buf, NULL, &err), -1);
	assert_err(&err, 414, "validation_failed", "path");
	strbuf_release(&uri);
	arena_release(&a);
}
END_TEST

/* ---- the rest of the environment ---- */

START_TEST(test_env_defaults)
{
	static const char *const no_uri[] = { "REQUEST_METHOD=GET", NULL };
	static const char *const doc_uri[] = { "DOCUMENT_URI=/health", NULL };
	static const char *const other[] = { "REQUEST_METHOD=BREW", "REQUEST_URI=/pot", "REMOTE_ADDR=192.0.2.7",
					     NULL };
	struct arena a;
	struct request req;
	struct request_error err;

	arena_init(&a, 0);
	ck_assert_int_eq(parse_env(&req, &a, no_uri, &err), -1);
	assert_err(&err, 400, "validation_failed", "path");

	ck_assert_int_eq(parse_env(&req, &a, doc_uri, &err), 0);
	ck_assert_int_eq(req.method, HTTP_GET);
	ck_assert_str_eq(req.method_name, "GET");
	ck_assert_str_eq(req.path, "/health");
	ck_assert_str_eq(req.query, "");
	ck_assert_uint_eq(req.nquery, 0);
	ck_assert_uint_eq(req.ncookies, 0);
	ck_assert_str_eq(req.content_type, "");
	ck_assert_uint_eq(req.content_length, 0);
	ck_assert_str_eq(req.body, "");
	ck_assert_uint_eq(req.body_len, 0);
	ck_assert_str_eq(req.remote_addr, "-");
	ck_assert_ptr_null(req.json);

	ck_assert_int_eq(parse_env(&req, &a, other, &err), 0);
	ck_assert_int_eq(req.method, HTTP_OTHER);
	ck_assert_str_eq(req.method_name, "BREW");
	ck_assert_str_eq(req.remote_addr, "192.0.2.7");
	ck_assert_str_eq(request_env(&req, "REMOTE_ADDR"), "192.0.2.7");
	ck_assert_ptr_null(request_env(&req, "REMOTE"));
	ck_assert_ptr_null(request_env(&req, "REMOTE_ADDR_X"));
	arena_release(&a);
}
END_TEST

/* ---- Content-Length ---- */

static const struct {
	const char *value;
	int status; /* 0: accepted */
	size_t length;
} length_cases[] = {
	{ "", 0, 0 },
	{ "0", 0, 0 },
	{ "17", 0, 17 },
	{ "1048576", 0, 1048576 },           /* exactly 1 MiB */
	{ "1048577", 413, 0 },               /* one byte over */
	{ "2000000", 413, 0 },
	{ "99999999999999999999999999", 413, 0 },
	{ "-1", 400, 0 },
	{ "+5", 400, 0 },
	{ " 5", 400, 0 },
	{ "5 ", 400, 0 },
	{ "12a", 400, 0 },
	{ "0x10", 400, 0 },
	{ "abc", 400, 0 },
};

START_TEST(test_content_length)
{
	struct arena a;
	struct request req;
	struct request_error err;
	int rc;

	arena_init(&a, 0);
	rc = parse3(&req, &a, "POST", "/api/agents/register",
		    arena_printf(&a, "CONTENT_LENGTH=%s", length_cases[_i].value), &err);
	if (!length_cases[_i].status) {
		ck_assert_msg(rc == 0, "Content-Length '%s' rejected", length_cases[_i].value);
		ck_assert_uint_eq(req.content_length, length_cases[_i].length);
	} else {
		ck_assert_msg(rc == -1, "Content-Length '%s' accepted", length_cases[_i].value);
		if (length_cases[_i].status == 413)
			assert_err(&err, 413, "payload_too_large", "body");
		else
			assert_err(&err, 400, "validation_failed", "Content-Length");
	}
	arena_release(&a);
}
END_TEST

/* ---- query strings ---- */

struct pair {
	const char *k, *v;
};

static const struct {
	const char *query;
	size_t n;
	struct pair p[5];
} query_ok_cases[] = {
	{ "", 0, { { NULL, NULL } } },
	{ "a=1", 1, { { "a", "1" } } },
	{ "a=1&b=two+words&c=%26%3D", 3, { { "a", "1" }, { "b", "two words" }, { "c", "&=" } } },
	{ "flag&e=", 2, { { "flag", "" }, { "e", "" } } },
	{ "&&a=1&", 1, { { "a", "1" } } },
	{ "a=1&a=2", 2, { { "a", "1" }, { "a", "2" } } },
	{ "k%20ey=caf%C3%A9", 1, { { "k ey", "caf\xc3\xa9" } } },
	{ "pool=t3.micro%3Aus-east-1a&days=7", 2, { { "pool", "t3.micro:us-east-1a" }, { "days", "7" } } },
	{ "x=a=b", 1, { { "x", "a=b" } } },
};

START_TEST(test_query_ok)
{
	struct arena a;
	struct request req;
	struct request_error err;
	const char *q = query_ok_cases[_i].query;

	arena_init(&a, 0);
	ck_assert_int_eq(parse3(&req, &a, "GET", arena_printf(&a, "/p?%s", q), NULL, &err), 0);
	ck_assert_str_eq(req.path, "/p");
	ck_assert_str_eq(req.query, q);
	ck_assert_uint_eq(req.nquery, query_ok_cases[_i].n);
	for (size_t i = 0; i < query_ok_cases[_i].n; i++) {
		ck_assert_str_eq(req.query_params[i].key, query_ok_cases[_i].p[i].k);
		ck_assert_str_eq(req.query_params[i].value, query_ok_cases[_i].p[i].v);
		ck_assert_uint_eq(req.query_params[i].vlen, strlen(query_ok_cases[_i].p[i].v));
	}
	if (query_ok_cases[_i].n)
		ck_assert_str_eq(request_query(&req, query_ok_cases[_i].p[0].k), query_ok_cases[_i].p[0].v);
	ck_assert_ptr_null(request_query(&req, "missing"));
	arena_release(&a);
}
END_TEST

static const struct {
	const char *query;
	const char *field;
} query_bad_cases[] = {
	{ "a=%zz", "query" },
	{ "a=%", "query" },
	{ "a=%4", "query" },
	{ "%=1", "query" },
	{ "a=%FF", "query.a" },
	{ "a=%C0%AF", "query.a" },
	{ "a=%ED%A0%80", "query.a" },
	{ "a=x%00y", "query.a" },
	{ "k=1&b=%C3%28", "query.b" },
};

START_TEST(test_query_bad)
{
	struct arena a;
	struct request req;
	struct request_error err;

	arena_init(&a, 0);
	ck_assert_int_eq(
		parse3(&req, &a, "GET", arena_printf(&a, "/p?%s", query_bad_cases[_i].query), NULL, &err), -1);
	assert_err(&err, 400, "validation_failed", query_bad_cases[_i].field);
	arena_release(&a);
}
END_TEST

/*
 * The error's field is echoed in the JSON error body (DESIGN.md section 5:
 * UTF-8 out), so it must itself be valid UTF-8 whatever the key was.
 */
static const char *const query_bad_key_cases[] = { "%FF=1", "%C3%28=1", "%ED%A0%80=1", "%C0%AF" };

START_TEST(test_query_bad_key_field_is_utf8)
{
	struct arena a;
	struct request req;
	struct request_error err;

	arena_init(&a, 0);
	ck_assert_int_eq(
		parse3(&req, &a, "GET", arena_printf(&a, "/p?%s", query_bad_key_cases[_i]), NULL, &err), -1);
	ck_assert_int_eq(err.status, 400);
	ck_assert_str_eq(err.code, "validation_failed");
	ck_assert_ptr_nonnull(err.field);
	ck_assert_msg(request_utf8_valid(err.field, strlen(err.field)),
		      "query %s: error field is not valid UTF-8", query_bad_key_cases[_i]);
	arena_release(&a);
}
END_TEST

START_TEST(test_query_limit)
{
	struct arena a;
	struct request req;
	struct request_error err;
	struct strbuf q = STRBUF_INIT;

	arena_init(&a, 0);
	for (int i = 0; i < SPOT_MAX_QUERY_PARAMS; i++)
		strbuf_addf(&q, "%sp%d=%d", i ? "&" : "", i, i);
	ck_assert_int_eq(parse3(&req, &a, "GET", arena_printf(&a, "/p?%s", q.buf), NULL, &err), 0);
	ck_assert_uint_eq(req.nquery, SPOT_MAX_QUERY_PARAMS);
	ck_assert_str_eq(request_query(&req, "p63"), "63");
	strbuf_addstr(&q, "&one=more");
	ck_assert_int_eq(parse3(&req, &a, "GET", arena_printf(&a, "/p?%s", q.buf), NULL, &err), -1);
	assert_err(&err, 400, "validation_failed", "query");
	strbuf_release(&q);
	arena_release(&a);
}
END_TEST

/* request_parse_urlencoded as used for form bodies. */
START_TEST(test_urlencoded_direct)
{
	static const char form[] = "email=a%40example.com&password=p+w%2B&csrf_token=abc";
	struct arena a;
	struct kv *kv = NULL;
	size_t n = 0;
	struct request_error err;

	arena_init(&a, 0);
	ck_assert_int_eq(request_parse_urlencoded(&a, form, strlen(form), 8, &kv, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(kv[0].key, "email");
	ck_assert_str_eq(kv[0].value, "a@example.com");
	ck_assert_str_eq(kv[1].value, "p w+");
	ck_assert_uint_eq(kv[1].vlen, 4);
	ck_assert_str_eq(kv[2].value, "abc");
	/* only len bytes are read */
	ck_assert_int_eq(request_parse_urlencoded(&a, form, 5, 8, &kv, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(kv[0].key, "email");
	ck_assert_str_eq(kv[0].value, "");
	/* max */
	ck_assert_int_eq(request_parse_urlencoded(&a, form, strlen(form), 2, &kv, &n, &err), -1);
	ck_assert_int_eq(err.status, 400);
	ck_assert_int_eq(request_parse_urlencoded(&a, "", 0, 1, &kv, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	arena_release(&a);
}
END_TEST

/* ---- cookies ---- */

static const struct {
	const char *header;
	size_t n;
	struct pair p[4];
} cookie_cases[] = {
	{ "a=1; b=2", 2, { { "a", "1" }, { "b", "2" } } },
	{ "a=1;b=2", 2, { { "a", "1" }, { "b", "2" } } },
	{ "   a=1 ;   b=2   ", 2, { { "a", "1" }, { "b", "2" } } },
	{ "spot_session=\"abc def\"; x=\"\"", 2, { { "spot_session", "abc def" }, { "x", "" } } },
	{ "q=\"", 1, { { "q", "\"" } } },
	{ "q=\"half", 1, { { "q", "\"half" } } },
	{ "junk; c=3; =nokey; d=; ;", 2, { { "c", "3" }, { "d", "" } } },
	{ "tok=a=b==", 1, { { "tok", "a=b==" } } },
	{ "", 0, { { NULL, NULL } } },
	{ ";;;", 0, { { NULL, NULL } } },
};

START_TEST(test_cookies)
{
	struct arena a;
	struct request req;
	struct request_error err;

	arena_init(&a, 0);
	ck_assert_int_eq(parse3(&req, &a, "GET", "/",
				arena_printf(&a, "HTTP_COOKIE=%s", cookie_cases[_i].header), &err), 0);
	ck_assert_uint_eq(req.ncookies, cookie_cases[_i].n);
	for (size_t i = 0; i < cookie_cases[_i].n; i++) {
		ck_assert_str_eq(req.cookies[i].key, cookie_cases[_i].p[i].k);
		ck_assert_str_eq(req.cookies[i].value, cookie_cases[_i].p[i].v);
		ck_assert_uint_eq(req.cookies[i].vlen, strlen(cookie_cases[_i].p[i].v));
		ck_assert_str_eq(request_cookie(&req, cookie_cases[_i].p[i].k), cookie_cases[_i].p[i].v);
	}
	ck_assert_ptr_null(request_cookie(&req, "absent"));
	arena_release(&a);
}
END_TEST

START_TEST(test_cookie_limit)
{
	struct arena a;
	struct request req;
	struct request_error err;
	struct strbuf h = STRBUF_INIT;

	arena_init(&a, 0);
	strbuf_addstr(&h, "HTTP_COOKIE=");
	for (int i = 0; i < SPOT_MAX_COOKIES + 8; i++)
		strbuf_addf(&h, "c%d=%d; ", i, i);
	ck_assert_int_eq(parse3(&req, &a, "GET", "/", h.buf, &err), 0);
	ck_assert_uint_eq(req.ncookies, SPOT_MAX_COOKIES);
	ck_assert_str_eq(request_cookie(&req, "c0"), "0");
	ck_assert_str_eq(request_cookie(&req, "c31"), "31");
	ck_assert_ptr_null(request_cookie(&req, "c32"));
	strbuf_release(&h);
	arena_release(&a);
}
END_TEST

/* ---- trace id ---- */

static int is_hex32(const char *s)
{
	if (strlen(s) != 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static const struct {
	const char *value; /* NULL: no TRACE_ID at all */
	int kept;
} trace_cases[] = {
	{ "0123456789abcdef0123456789abcdef", 1 },
	{ "abc-DEF_123", 1 },
	{ "x", 1 },
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1 },  /* 64 */
	{ "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0 }, /* 65 */
	{ "", 0 },
	{ NULL, 0 },
	{ "a b", 0 },
	{ "abc\r\nSet-Cookie: x=1", 0 },
	{ "abc.def", 0 },
	{ "abc/def", 0 },
	{ "caf\xc3\xa9", 0 },
	{ "a;b", 0 },
};

START_TEST(test_trace_id)
{
	struct arena a;
	struct request req;
	struct request_error err;
	const char *v = trace_cases[_i].value;

	arena_init(&a, 0);
	ck_assert_int_eq(parse3(&req, &a, "GET", "/", v ? arena_printf(&a, "TRACE_ID=%s", v) : NULL, &err), 0);
	ck_assert_ptr_nonnull(req.trace_id);
	if (trace_cases[_i].kept) {
		ck_assert_str_eq(req.trace_id, v);
	} else {
		ck_assert_msg(is_hex32(req.trace_id), "TRACE_ID '%s' gave trace id '%s'", v ? v : "(none)",
			      req.trace_id);
		if (v)
			ck_assert_str_ne(req.trace_id, v);
	}
	/* A trace id survives even when the request is rejected. */
	ck_assert_int_eq(parse3(&req, &a, "GET", "/a%00", v ? arena_printf(&a, "TRACE_ID=%s", v) : NULL, &err),
			 -1);
	ck_assert_ptr_nonnull(req.trace_id);
	arena_release(&a);
}
END_TEST

START_TEST(test_trace_id_generated_differ)
{
	struct arena a;
	struct request r1, r2;
	struct request_error err;

	arena_init(&a, 0);
	ck_assert_int_eq(parse3(&r1, &a, "GET", "/", NULL, &err), 0);
	ck_assert_int_eq(parse3(&r2, &a, "GET", "/", NULL, &err), 0);
	ck_assert(is_hex32(r1.trace_id));
	ck_assert(is_hex32(r2.trace_id));
	ck_assert_str_ne(r1.trace_id, r2.trace_id);
	arena_release(&a);
}
END_TEST

/* ---- headers ---- */

START_TEST(test_header)
{
	static const char *const in[] = {
		"REQUEST_METHOD=POST",
		"REQUEST_URI=/x",
		"HTTP_X_REQUEST_ID=key-1",
		"HTTP_AUTHORIZATION=Bearer t",
		"CONTENT_TYPE=application/json",
		"CONTENT_LENGTH=2",
		"HTTP_X_CSRF_TOKEN=c",
		"HTTP_ACCEPT=application/json",
		NULL,
	};
	static const struct {
		const char *name, *value;
	} cases[] = {
		{ "X-Request-ID", "key-1" },        { "x-request-id", "key-1" },
		{ "Authorization", "Bearer t" },    { "Content-Type", "application/json" },
		{ "content-type", "application/json" }, { "Content-Length", "2" },
		{ "X-CSRF-Token", "c" },            { "Accept", "application/json" },
		{ "X-Missing", NULL },              { "Request-Id", NULL },
		{ "", NULL },
	};
	struct arena a;
	struct request req;
	struct request_error err;
	char longname[200];

	arena_init(&a, 0);
	ck_assert_int_eq(parse_env(&req, &a, in, &err), 0);
	for (size_t i = 0; i < NELEM(cases); i++) {
		const char *got = request_header(&req, cases[i].name);
		if (cases[i].value)
			ck_assert_msg(got && !strcmp(got, cases[i].value), "%s: got %s", cases[i].name,
				      got ? got : "(null)");
		else
			ck_assert_msg(!got, "%s: got %s", cases[i].name, got);
	}
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_ptr_null(request_header(&req, longname));
	arena_release(&a);
}
END_TEST

/* ---- UTF-8 ---- */

static const struct {
	const char *s;
	size_t len; /* 0: strlen */
	int valid;
} utf8_cases[] = {
	{ "", 0, 1 },
	{ "plain ascii", 0, 1 },
	{ "a\0b", 3, 1 },                    /* NUL is ASCII; callers check for it separately */
	{ "\xc3\xa9", 0, 1 },                /* U+00E9 */
	{ "\xc2\x80", 0, 1 },                /* U+0080, smallest 2-byte */
	{ "\xdf\xbf", 0, 1 },                /* U+07FF */
	{ "\xe0\xa0\x80", 0, 1 },            /* U+0800 */
	{ "\xe2\x82\xac", 0, 1 },            /* U+20AC */
	{ "\xed\x9f\xbf", 0, 1 },            /* U+D7FF */
	{ "\xee\x80\x80", 0, 1 },            /* U+E000 */
	{ "\xef\xbf\xbf", 0, 1 },            /* U+FFFF */
	{ "\xf0\x90\x80\x80", 0, 1 },        /* U+10000 */
	{ "\xf0\x9f\x98\x80", 0, 1 },        /* U+1F600 */
	{ "\xf4\x8f\xbf\xbf", 0, 1 },        /* U+10FFFF */
	{ "\xc3\x28", 0, 0 },                /* bad continuation */
	{ "\xc0\xaf", 0, 0 },                /* overlong '/' */
	{ "\xc1\xbf", 0, 0 },                /* overlong */
	{ "\xe0\x80\xaf", 0, 0 },            /* overlong '/' */
	{ "\xe0\x9f\xbf", 0, 0 },            /* overlong U+07FF */
	{ "\xf0\x80\x80\xaf", 0, 0 },        /* overlong '/' */
	{ "\xf0\x8f\xbf\xbf", 0, 0 },        /* overlong U+FFFF */
	{ "\xed\xa0\x80", 0, 0 },            /* U+D800 */
	{ "\xed\xbf\xbf", 0, 0 },            /* U+DFFF */
	{ "\xed\xa0\xbd\xed\xb8\x80", 0, 0 },/* CESU-8 surrogate pair */
	{ "\xf4\x90\x80\x80", 0, 0 },        /* U+110000 */
	{ "\xf5\x80\x80\x80", 0, 0 },
	{ "\xf8\x88\x80\x80\x80", 0, 0 },    /* 5-byte form */
	{ "\xfe", 0, 0 },
	{ "\xff", 0, 0 },
	{ "\x80", 0, 0 },                    /* lone continuation */
	{ "a\xbf", 0, 0 },
	{ "\xe2\x82", 0, 0 },                /* truncated */
	{ "\xf0\x9f\x98", 0, 0 },
	{ "\xc3", 0, 0 },
	{ "\xe2\x82\xac", 2, 0 },            /* truncated by len */
	{ "\xc3\xa9\xc3", 0, 0 },
};

START_TEST(test_utf8)
{
	const char *s = utf8_cases[_i].s;
	size_t len = utf8_cases[_i].len ? utf8_cases[_i].len : strlen(s);
	ck_assert_msg(request_utf8_valid(s, len) == utf8_cases[_i].valid, "case %d: expected %s", _i,
		      utf8_cases[_i].valid ? "valid" : "invalid");
}
END_TEST

/* ---- JSON bodies ---- */

static const struct {
	const char *name;
	const char *content_type; /* NULL: no CONTENT_TYPE */
	const char *body;
	size_t len;               /* 0: strlen(body) */
	int status;               /* 0: accepted */
} json_cases[] = {
	{ "object", "application/json", "{\"a\":1}", 0, 0 },
	{ "charset", "application/json; charset=utf-8", "{\"a\":1}", 0, 0 },
	{ "upper case type", "APPLICATION/JSON", "{\"a\":1}", 0, 0 },
	{ "space before params", "application/json ; charset=utf-8", "{\"a\":1}", 0, 0 },
	{ "whitespace around", "application/json", " \n{\"a\":1}\r\n\t ", 0, 0 },
	{ "utf-8 text", "application/json", "{\"a\":1,\"n\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}", 0, 0 },
	{ "text/plain", "text/plain", "{\"a\":1}", 0, 415 },
	{ "jsonp", "application/jsonp", "{\"a\":1}", 0, 415 },
	{ "json-patch", "application/json-patch+json", "{\"a\":1}", 0, 415 },
	{ "missing type", NULL, "{\"a\":1}", 0, 415 },
	{ "empty type", "", "{\"a\":1}", 0, 415 },
	{ "form", "application/x-www-form-urlencoded", "a=1", 0, 415 },
	{ "empty body", "application/json", "", 0, 400 },
	{ "only whitespace", "application/json", "   ", 0, 400 },
	{ "top-level array", "application/json", "[{\"a\":1}]", 0, 400 },
	{ "top-level string", "application/json", "\"a\"", 0, 400 },
	{ "top-level number", "application/json", "123", 0, 400 },
	{ "top-level null", "application/json", "null", 0, 400 },
	{ "top-level true", "application/json", "true", 0, 400 },
	{ "trailing garbage", "application/json", "{\"a\":1} x", 0, 400 },
	{ "two objects", "application/json", "{}{}", 0, 400 },
	{ "trailing comma after", "application/json", "{},", 0, 400 },
	{ "trailing NUL", "application/json", "{\"a\":1}\0", 8, 400 },
	{ "truncated key", "application/json", "{\"a", 0, 400 },
	{ "truncated value", "application/json", "{\"a\":", 0, 400 },
	{ "truncated string", "application/json", "{\"a\":\"b", 0, 400 },
	{ "truncated object", "application/json", "{\"a\":1", 0, 400 },
	{ "open brace", "application/json", "{", 0, 400 },
	{ "single-quoted key", "application/json", "{'a':1}", 0, 400 },
	{ "single-quoted value", "application/json", "{\"a\":'b'}", 0, 400 },
	{ "NaN", "application/json", "{\"a\":NaN}", 0, 400 },
	{ "Infinity", "application/json", "{\"a\":Infinity}", 0, 400 },
	{ "-Infinity", "application/json", "{\"a\":-Infinity}", 0, 400 },
	{ "leading zero", "application/json", "{\"a\":01}", 0, 400 },
	{ "upper-case TRUE", "application/json", "{\"a\":TRUE}", 0, 400 },
	{ "trailing comma", "application/json", "{\"a\":1,}", 0, 400 },
	{ "bare word", "application/json", "{\"a\":nope}", 0, 400 },
	{ "invalid utf-8 C3 28", "application/json", "{\"a\":\"\xc3\x28\"}", 0, 400 },
	{ "overlong C0 AF", "application/json", "{\"a\":\"\xc0\xaf\"}", 0, 400 },
	{ "surrogate ED A0 80", "application/json", "{\"a\":\"\xed\xa0\x80\"}", 0, 400 },
	{ "invalid utf-8 in key", "application/json", "{\"\xff\":1}", 0, 400 },
	{ "NUL inside string", "application/json", "{\"a\":\"x\0y\"}", 11, 400 },
};

START_TEST(test_json)
{
	struct arena a;
	struct request req;
	struct request_error err;
	const char *ct = json_cases[_i].content_type;
	size_t len = json_cases[_i].len ? json_cases[_i].len : strlen(json_cases[_i].body);
	char *body;
	int rc;

	arena_init(&a, 0);
	ck_assert_int_eq(parse3(&req, &a, "POST", "/x", ct ? arena_printf(&a, "CONTENT_TYPE=%s", ct) : NULL, &err),
			 0);
	body = arena_alloc(&a, len + 1);
	memcpy(body, json_cases[_i].body, len);
	body[len] = '\0';
	req.body = body;
	req.body_len = len;
	req.content_length = len;
	memset(&err, 0, sizeof(err));
	rc = request_json(&req, &err);
	if (!json_cases[_i].status) {
		struct json_object *v;
		ck_assert_msg(rc == 0, "%s: rejected: %s", json_cases[_i].name, err.message);
		ck_assert_ptr_nonnull(req.json);
		ck_assert(json_object_is_type(req.json, json_type_object));
		ck_assert(json_object_object_get_ex(req.json, "a", &v));
		ck_assert_int_eq(json_object_get_int(v), 1);
	} else {
		ck_assert_msg(rc == -1, "%s: accepted", json_cases[_i].name);
		ck_assert_ptr_null(req.json);
		if (json_cases[_i].status == 415)
			assert_err(&err, 415, "unsupported_media_type", "Content-Type");
		else
			assert_err(&err, 400, "validation_failed", "body");
	}
	request_release(&req);
	ck_assert_ptr_null(req.json);
	request_release(&req); /* twice is harmless */
	arena_release(&a);
}
END_TEST

/* A body of `depth` nested objects: {"a":{"a":...{}...}} */
static char *nested_json(struct arena *a, size_t depth, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char *out;
	for (size_t i = 1; i < depth; i++)
		strbuf_addstr(&sb, "{\"a\":");
	strbuf_addstr(&sb, "{}");
	for (size_t i = 1; i < depth; i++)
		strbuf_addch(&sb, '}');
	out = arena_strndup(a, sb.buf, sb.len);
	*len = sb.len;
	strbuf_release(&sb);
	return out;
}

/* Arrays inside an object: {"a":[[[...]]]}, depth levels in all. */
static char *nested_array_json(struct arena *a, size_t depth, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	char *out;
	strbuf_addstr(&sb, "{\"a\":");
	for (size_t i = 1; i < depth; i++)
		strbuf_addch(&sb, '[');
	for (size_t i = 1; i < depth; i++)
		strbuf_addch(&sb, ']');
	strbuf_addch(&sb, '}');
	out = arena_strndup(a, sb.buf, sb.len);
	*len = sb.len;
	strbuf_release(&sb);
	return out;
}

static const struct {
	int arrays;
	size_t depth;
	int ok;
} depth_cases[] = {
	{ 0, 1, 1 },      { 0, 16, 1 },     { 0, SPOT_MAX_JSON_DEPTH, 1 },     { 0, SPOT_MAX_JSON_DEPTH + 1, 0 },
	{ 0, 10000, 0 },  { 1, 16, 1 },     { 1, SPOT_MAX_JSON_DEPTH, 1 },     { 1, SPOT_MAX_JSON_DEPTH + 1, 0 },
	{ 1, 10000, 0 },
};

START_TEST(test_json_depth)
{
	struct arena a;
	struct request req;
	struct request_error err;
	size_t len;

	arena_init(&a, 0);
	ck_assert_int_eq(parse3(&req, &a, "POST", "/x", "CONTENT_TYPE=application/json", &err), 0);
	req.body = depth_cases[_i].arrays ? nested_array_json(&a, depth_cases[_i].depth, &len)
					  : nested_json(&a, depth_cases[_i].depth, &len);
	req.body_len = len;
	memset(&err, 0, sizeof(err));
	if (depth_cases[_i].ok) {
		ck_assert_msg(request_json(&req, &err) == 0, "depth %zu rejected: %s", depth_cases[_i].depth,
			      err.message);
		ck_assert_ptr_nonnull(req.json);
	} else {
		ck_assert_msg(request_json(&req, &err) == -1, "depth %zu accepted", depth_cases[_i].depth);
		assert_err(&err, 400, "validation_failed", "body");
		ck_assert_ptr_null(req.json);
	}
	request_release(&req);
	arena_release(&a);
}
END_TEST

static Suite *request_suite(void)
{
	Suite *s = suite_create("request");
	TCase *tc;

	tc = tcase_create("method");
	tcase_add_loop_test(tc, test_method_parse, 0, NELEM(method_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("path");
	tcase_add_loop_test(tc, test_path, 0, NELEM(path_cases));
	tcase_add_test(tc, test_path_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("env");
	tcase_add_test(tc, test_env_defaults);
	tcase_add_loop_test(tc, test_content_length, 0, NELEM(length_cases));
	tcase_add_test(tc, test_header);
	suite_add_tcase(s, tc);

	tc = tcase_create("query");
	tcase_add_loop_test(tc, test_query_ok, 0, NELEM(query_ok_cases));
	tcase_add_loop_test(tc, test_query_bad, 0, NELEM(query_bad_cases));
	tcase_add_loop_test(tc, test_query_bad_key_field_is_utf8, 0, NELEM(query_bad_key_cases));
	tcase_add_test(tc, test_query_limit);
	tcase_add_test(tc, test_urlencoded_direct);
	suite_add_tcase(s, tc);

	tc = tcase_create("cookies");
	tcase_add_loop_test(tc, test_cookies, 0, NELEM(cookie_cases));
	tcase_add_test(tc, test_cookie_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("trace_id");
	tcase_add_loop_test(tc, test_trace_id, 0, NELEM(trace_cases));
	tcase_add_test(tc, test_trace_id_generated_differ);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_loop_test(tc, test_utf8, 0, NELEM(utf8_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_loop_test(tc, test_json, 0, NELEM(json_cases));
	tcase_add_loop_test(tc, test_json_depth, 0, NELEM(depth_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(request_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
