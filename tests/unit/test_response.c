/*
 * test_response.c - fcgi-app/response: the JSON error shape of DESIGN.md
 * section 5 (parsed back with json-c), CGI serialization, header injection
 * refused, HEAD and 204 without a body, 503 with Retry-After.
 */
#include "fcgi-app/response.h"
#include "common/strbuf.h"

#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Parses body strictly (UTF-8 validated) and returns error.<name>, or NULL when absent. */
static struct json_object *parse_strict(const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, s, (int)len);
	ck_assert_msg(json_tokener_get_error(tok) == json_tokener_success, "not JSON: %s", s);
	ck_assert_uint_eq(json_tokener_get_parse_end(tok), len);
	json_tokener_free(tok);
	return obj;
}

static const char *err_member(struct json_object *root, const char *name)
{
	struct json_object *e, *v;
	ck_assert(json_object_object_get_ex(root, "error", &e));
	ck_assert(json_object_is_type(e, json_type_object));
	if (!json_object_object_get_ex(e, name, &v))
		return NULL;
	ck_assert(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static const struct {
	int status;
	const char *code, *message, *field;
} error_cases[] = {
	{ 400, "validation_failed", "price must be a number", "prices[3].price" },
	{ 401, "unauthorized", "an admin token is required", "Authorization" },
	{ 403, "forbidden", "not yours", NULL },
	{ 404, "not_found", "no such resource", NULL },
	{ 405, "method_not_allowed", "this method is not allowed here", NULL },
	{ 409, "conflict", "version mismatch", "version" },
	{ 409, "idempotency_mismatch", "the same X-Request-ID with another body", "X-Request-ID" },
	{ 413, "payload_too_large", "the request body is larger than 1 MiB", "body" },
	{ 415, "unsupported_media_type", "the body must be application/json", "Content-Type" },
	{ 429, "rate_limited", "slow down", NULL },
	{ 503, "db_unavailable", "the database is unavailable; retry later", NULL },
	/* characters that need escaping */
	{ 400, "validation_failed", "quote \" backslash \\ slash / newline \n tab \t cr \r", "a\"b" },
	{ 400, "validation_failed", "control \x01\x1f and del \x7f", "f\x02" },
	{ 400, "validation_failed", "utf-8 caf\xc3\xa9 \xf0\x9f\x98\x80", "n\xc3\xa9" },
	{ 400, "validation_failed", "", "" },
};

START_TEST(test_error_shape)
{
	struct response res;
	struct json_object *root, *e;

	response_init(&res);
	response_header(&res, "X-Before", "1");
	response_error(&res, error_cases[_i].status, error_cases[_i].code, error_cases[_i].message,
		       error_cases[_i].field);
	ck_assert_int_eq(res.status, error_cases[_i].status);
	ck_assert_str_eq(res.content_type, "application/json");
	ck_assert_str_eq(res.error_code, error_cases[_i].code);
	ck_assert_uint_eq(strlen(res.body.buf), res.body.len);
	root = parse_strict(res.body.buf, res.body.len);
	ck_assert(json_object_is_type(root, json_type_object));
	ck_assert_int_eq(json_object_object_length(root), 1);
	ck_assert_str_eq(err_member(root, "code"), error_cases[_i].code);
	ck_assert_str_eq(err_member(root, "message"), error_cases[_i].message);
	if (error_cases[_i].field)
		ck_assert_str_eq(err_member(root, "field"), error_cases[_i].field);
	else
		ck_assert_ptr_null(err_member(root, "field"));
	json_object_object_get_ex(root, "error", &e);
	ck_assert_int_eq(json_object_object_length(e), error_cases[_i].field ? 3 : 2);
	json_object_put(root);
	/* headers set before the error are kept */
	ck_assert_ptr_nonnull(strstr(res.headers.buf, "X-Before: 1\r\n"));
	response_release(&res);
}
END_TEST

/* A second error replaces the first body entirely. */
START_TEST(test_error_replaces_body)
{
	struct response res;
	struct json_object *root;

	response_init(&res);
	response_text(&res, 200, "text/plain", "hello", 5);
	response_error(&res, 404, "not_found", "first", "x");
	response_error(&res, 500, "internal_error", "second", NULL);
	root = parse_strict(res.body.buf, res.body.len);
	ck_assert_str_eq(err_member(root, "code"), "internal_error");
	ck_assert_str_eq(err_member(root, "message"), "second");
	ck_assert_ptr_null(err_member(root, "field"));
	ck_assert_int_eq(res.status, 500);
	ck_assert_str_eq(res.content_type, "application/json");
	json_object_put(root);
	response_release(&res);
}
END_TEST

START_TEST(test_json_body)
{
	struct response res;
	struct json_object *obj = json_object_new_object(), *back, *v;

	json_object_object_add(obj, "url", json_object_new_string("https://example.com/a/b"));
	json_object_object_add(obj, "n", json_object_new_int(3));
	response_init(&res);
	response_json(&res, 201, obj);
	ck_assert_int_eq(res.status, 201);
	ck_assert_str_eq(res.content_type, "application/json");
	ck_assert_ptr_null(strstr(res.body.buf, "\\/")); /* no slash escaping */
	ck_assert_ptr_null(strchr(res.body.buf, '\n'));
	back = parse_strict(res.body.buf, res.body.len);
	ck_assert(json_object_object_get_ex(back, "url", &v));
	ck_assert_str_eq(json_object_get_string(v), "https://example.com/a/b");
	json_object_put(back);
	/* response_json does not consume obj; response_json_take does */
	response_json_take(&res, 200, obj);
	ck_assert_int_eq(res.status, 200);
	ck_assert_ptr_null(res.error_code);
	response_release(&res);
}
END_TEST

/* ---- headers ---- */

static const struct {
	const char *name, *value;
	int kept;
} header_cases[] = {
	{ "Retry-After", "5", 1 },
	{ "Cache-Control", "no-store", 1 },
	{ "Set-Cookie", "spot_session=abc; HttpOnly; Secure; SameSite=Lax", 1 },
	{ "X-Empty", "", 1 },
	{ "X-A", "a\r\nSet-Cookie: evil=1", 0 },
	{ "X-A", "a\nSet-Cookie: evil=1", 0 },
	{ "X-A", "a\rb", 0 },
	{ "X-A", "\n", 0 },
	{ "X-A\r\nSet-Cookie", "evil=1", 0 },
	{ "X-A\n", "v", 0 },
	{ "X-A: b", "v", 0 },
	{ "X-A:", "v", 0 },
};

START_TEST(test_header)
{
	struct response res;
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;

	response_init(&res);
	response_header(&res, header_cases[_i].name, header_cases[_i].value);
	if (header_cases[_i].kept) {
		strbuf_addf(&want, "%s: %s\r\n", header_cases[_i].name, header_cases[_i].value);
		ck_assert_str_eq(res.headers.buf, want.buf);
	} else {
		ck_assert_uint_eq(res.headers.len, 0);
	}
	response_serialize(&res, NULL, 0, &out);
	ck_assert_ptr_null(strstr(out.buf, "evil"));
	strbuf_release(&out);
	strbuf_release(&want);
	response_release(&res);
}
END_TEST

/* ---- serialization ---- */

static const struct {
	const char *name;
	int status;
	const char *content_type; /* NULL: response_error */
	const char *body;
	const char *trace_id;
	int head_only;
	const char *extra_header; /* "Name: value", or NULL */
	const char *expect;
} serialize_cases[] = {
	{ "json 200", 200, "application/json", "{\"status\":\"ok\"}", "abc123", 0, NULL,
	  "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\nX-Trace-Id: abc123\r\n\r\n"
	  "{\"status\":\"ok\"}" },
	{ "head omits the body, keeps the length", 200, "application/json", "{\"status\":\"ok\"}", "abc123", 1, NULL,
	  "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\nX-Trace-Id: abc123\r\n\r\n" },
	{ "no trace id", 201, "application/json", "{}", NULL, 0, NULL,
	  "Status: 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" },
	{ "text gets a charset", 200, "text/plain", "hi", "t", 0, NULL,
	  "Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\nX-Trace-Id: t\r\n\r\nhi" },
	{ "text/html too", 200, "text/html", "<p>", "t", 0, NULL,
	  "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 3\r\nX-Trace-Id: t\r\n\r\n<p>" },
	{ "text with params kept", 200, "text/plain; version=0.0.4; charset=utf-8", "m 1\n", "t", 0, NULL,
	  "Status: 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: 4\r\n"
	  "X-Trace-Id: t\r\n\r\nm 1\n" },
	{ "204 has no body or type", 204, "application/json", "ignored", "t", 0, NULL,
	  "Status: 204 No Content\r\nX-Trace-Id: t\r\n\r\n" },
	{ "extra header after trace id", 200, "application/json", "{}", "t", 0, "Cache-Control: no-store",
	  "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nX-Trace-Id: t\r\n"
	  "Cache-Control: no-store\r\n\r\n{}" },
	{ "empty body", 200, "application/json", "", "t", 0, NULL,
	  "Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\nX-Trace-Id: t\r\n\r\n" },
	{ "unknown status", 299, "application/json", "{}", NULL, 0, NULL,
	  "Status: 299 Unknown\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}" },
	{ "error 404", 404, NULL, NULL, "t", 0, NULL,
	  "Status: 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 59\r\nX-Trace-Id: t\r\n\r\n"
	  "{\"error\":{\"code\":\"not_found\",\"message\":\"no such resource\"}}" },
	{ "error 405 head", 405, NULL, NULL, "t", 1, "Allow: GET, HEAD",
	  "Status: 405 Method Not Allowed\r\nContent-Type: application/json\r\nContent-Length: 83\r\n"
	  "X-Trace-Id: t\r\nAllow: GET, HEAD\r\n\r\n" },
};

START_TEST(test_serialize)
{
	struct response res;
	struct strbuf out = STRBUF_INIT;

	response_init(&res);
	if (serialize_cases[_i].content_type)
		response_text(&res, serialize_cases[_i].status, serialize_cases[_i].content_type,
			      serialize_cases[_i].body, strlen(serialize_cases[_i].body));
	else if (serialize_cases[_i].status == 404)
		response_error(&res, 404, "not_found", "no such resource", NULL);
	else
		response_error(&res, serialize_cases[_i].status, "method_not_allowed",
			       "this method is not allowed here", NULL);
	if (serialize_cases[_i].extra_header) {
		const char *colon = strchr(serialize_cases[_i].extra_header, ':');
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(colon - serialize_cases[_i].extra_header),
			 serialize_cases[_i].extra_header);
		response_header(&res, name, colon + 2);
	}
	strbuf_addstr(&out, "prefix|"); /* serialize appends */
	response_serialize(&res, serialize_cases[_i].trace_id, serialize_cases[_i].head_only, &out);
	ck_assert_str_eq(out.buf + 7, serialize_cases[_i].expect);
	strbuf_release(&out);
	response_release(&res);
}
END_TEST

/* Content-Length counts bytes, NULs included. */
START_TEST(test_serialize_binary_length)
{
	struct response res;
	struct strbuf out = STRBUF_INIT;
	static const char body[] = "a\0b\xc3\xa9";

	response_init(&res);
	response_text(&res, 200, "application/octet-stream", body, sizeof(body) - 1);
	response_serialize(&res, NULL, 0, &out);
	ck_assert_ptr_nonnull(strstr(out.buf, "Content-Length: 5\r\n"));
	ck_assert_uint_eq(out.len, strlen(out.buf) + 4); /* the NUL and 3 bytes after it */
	ck_assert_int_eq(memcmp(out.buf + out.len - 5, body, 5), 0);
	strbuf_release(&out);
	response_release(&res);
}
END_TEST

static const struct {
	int in, retry_after;
} db_cases[] = {
	{ 1, 1 }, { 5, 5 }, { 120, 120 }, { 0, 1 }, { -3, 1 },
};

START_TEST(test_db_unavailable)
{
	struct response res;
	struct strbuf want = STRBUF_INIT, out = STRBUF_INIT;
	struct json_object *root;

	response_init(&res);
	response_db_unavailable(&res, db_cases[_i].in);
	ck_assert_int_eq(res.status, 503);
	ck_assert_str_eq(res.error_code, "db_unavailable");
	root = parse_strict(res.body.buf, res.body.len);
	ck_assert_str_eq(err_member(root, "code"), "db_unavailable");
	ck_assert_ptr_nonnull(err_member(root, "message"));
	json_object_put(root);
	strbuf_addf(&want, "Retry-After: %d\r\n", db_cases[_i].retry_after);
	ck_assert_str_eq(res.headers.buf, want.buf);
	response_serialize(&res, "t", 0, &out);
	ck_assert_ptr_nonnull(strstr(out.buf, "Status: 503 Service Unavailable\r\n"));
	ck_assert_ptr_nonnull(strstr(out.buf, want.buf));
	strbuf_release(&want);
	strbuf_release(&out);
	response_release(&res);
}
END_TEST

START_TEST(test_reset)
{
	struct response res;

	response_init(&res);
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(res.content_type, "application/json");
	ck_assert_uint_eq(res.body.len, 0);
	response_db_unavailable(&res, 3);
	response_reset(&res);
	ck_assert_int_eq(res.status, 200);
	ck_assert_str_eq(res.content_type, "application/json");
	ck_assert_ptr_null(res.error_code);
	ck_assert_uint_eq(res.headers.len, 0);
	ck_assert_uint_eq(res.body.len, 0);
	ck_assert_str_eq(res.body.buf, "");
	response_release(&res);
	response_release(&res);
}
END_TEST

static const struct {
	int status;
	const char *text;
} status_cases[] = {
	{ 200, "OK" },          { 201, "Created" },           { 204, "No Content" },
	{ 302, "Found" },       { 303, "See Other" },         { 304, "Not Modified" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" },      { 403, "Forbidden" },
	{ 404, "Not Found" },   { 405, "Method Not Allowed" }, { 409, "Conflict" },
	{ 413, "Payload Too Large" }, { 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
	{ 422, "Unprocessable Entity" }, { 429, "Too Many Requests" }, { 500, "Internal Server Error" },
	{ 503, "Service Unavailable" }, { 418, "Unknown" },   { 0, "Unknown" },
};

START_TEST(test_status_text)
{
	ck_assert_str_eq(response_status_text(status_cases[_i].status), status_cases[_i].text);
}
END_TEST

static Suite *response_suite(void)
{
	Suite *s = suite_create("response");
	TCase *tc;

	tc = tcase_create("error");
	tcase_add_loop_test(tc, test_error_shape, 0, NELEM(error_cases));
	tcase_add_test(tc, test_error_replaces_body);
	tcase_add_test(tc, test_json_body);
	tcase_add_loop_test(tc, test_db_unavailable, 0, NELEM(db_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("headers");
	tcase_add_loop_test(tc, test_header, 0, NELEM(header_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("serialize");
	tcase_add_loop_test(tc, test_serialize, 0, NELEM(serialize_cases));
	tcase_add_test(tc, test_serialize_binary_length);
	tcase_add_test(tc, test_reset);
	tcase_add_loop_test(tc, test_status_text, 0, NELEM(status_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(response_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
