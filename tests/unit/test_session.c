/*
 * test_session.c - fcgi-app/session: cookie attributes, the CSRF check
 * (well-formed secrets only, exact match), where a request presents its
 * token, which methods need one; and pages' relative times and money.
 */
#include "fcgi-app/session.h"
#include "fcgi-app/pages.h"
#include "fcgi-app/request.h"
#include "common/strbuf.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define A64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define B64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdee"

START_TEST(test_session_cookie_attributes)
{
	struct strbuf sb = STRBUF_INIT;
	session_cookie(&sb, SESSION_COOKIE, A64, 43200, 0, NULL);
	ck_assert_str_eq(sb.buf, "spot_session=" A64 "; Path=/; Max-Age=43200; HttpOnly; Secure; SameSite=Lax");
	strbuf_reset(&sb);
	session_cookie(&sb, SESSION_COOKIE, A64, 0, 0, NULL);
	ck_assert_str_eq(sb.buf, "spot_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax");
	strbuf_reset(&sb);
	session_cookie(&sb, SESSION_LOGIN_CSRF_COOKIE, A64, 3600, 1, "/login");
	ck_assert_str_eq(sb.buf, "spot_login_csrf=" A64 "; Path=/login; Max-Age=3600; HttpOnly; Secure; SameSite=Strict");
	strbuf_release(&sb);
}
END_TEST

static const struct {
	const char *expected, *presented;
	int ok;
} csrf_cases[] = {
	{ A64, A64, 1 },
	{ A64, B64, 0 },
	{ A64, NULL, 0 },
	{ NULL, A64, 0 },
	{ NULL, NULL, 0 },
	{ A64, "", 0 },
	{ "", "", 0 },                              /* empty equals empty, but is no token */
	{ A64, A64 "0", 0 },                        /* longer */
	{ A64 "0", A64 "0", 0 },                    /* not a secret at all */
	{ "0123", "0123", 0 },                      /* short */
	{ "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	  "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", 0 }, /* uppercase is not ours */
};

START_TEST(test_session_csrf)
{
	ck_assert_int_eq(session_csrf_ok(csrf_cases[_i].expected, csrf_cases[_i].presented), csrf_cases[_i].ok);
}
END_TEST

START_TEST(test_session_presented)
{
	struct kv form[] = { { "email", "a@b", 3 }, { "csrf_token", "form-token", 10 } };
	ck_assert_str_eq(session_csrf_presented("hdr", form, 2), "hdr");
	ck_assert_str_eq(session_csrf_presented(NULL, form, 2), "form-token");
	ck_assert_str_eq(session_csrf_presented("", form, 2), "form-token");
	ck_assert_ptr_null(session_csrf_presented(NULL, form, 1));
	ck_assert_ptr_null(session_csrf_presented(NULL, NULL, 0));
}
END_TEST

START_TEST(test_session_methods)
{
	ck_assert(!session_method_unsafe("GET"));
	ck_assert(!session_method_unsafe("HEAD"));
	ck_assert(!session_method_unsafe("OPTIONS"));
	ck_assert(session_method_unsafe("POST"));
	ck_assert(session_method_unsafe("PUT"));
	ck_assert(session_method_unsafe("PATCH"));
	ck_assert(session_method_unsafe("DELETE"));
	ck_assert(session_secret_valid(A64));
	ck_assert(!session_secret_valid(NULL));
}
END_TEST

static const struct {
	long long delta;
	const char *text;
} rel_cases[] = {
	{ 0, "just now" },         { 44, "just now" },       { 60, "1 minute ago" },  { 150, "3 minutes ago" },
	{ 3599, "60 minutes ago" }, { 3600, "1 hour ago" },   { 7200, "2 hours ago" }, { 86400, "1 day ago" },
	{ 3 * 86400, "3 days ago" }, { -300, "in 5 minutes" }, { -7200, "in 2 hours" },
};

START_TEST(test_pages_relative)
{
	char buf[64];
	pages_relative_time(1000000, 1000000 - rel_cases[_i].delta, buf, sizeof(buf));
	ck_assert_str_eq(buf, rel_cases[_i].text);
}
END_TEST

static const struct {
	double v;
	const char *text;
} money_cases[] = {
	{ 0, "$0.00" }, { 0.004, "$0.00" }, { 0.005, "$0.01" }, { 12.345, "$12.35" }, { 999.99, "$999.99" },
	{ 1000, "$1,000.00" }, { 1234567.891, "$1,234,567.89" }, { -0.5, "-$0.50" }, { -1234.5, "-$1,234.50" },
};

START_TEST(test_pages_money)
{
	char buf[64];
	pages_money(money_cases[_i].v, buf, sizeof(buf));
	ck_assert_str_eq(buf, money_cases[_i].text);
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");
	tcase_add_test(tc, test_session_cookie_attributes);
	tcase_add_loop_test(tc, test_session_csrf, 0, NELEM(csrf_cases));
	tcase_add_test(tc, test_session_presented);
	tcase_add_test(tc, test_session_methods);
	tcase_add_loop_test(tc, test_pages_relative, 0, NELEM(rel_cases));
	tcase_add_loop_test(tc, test_pages_money, 0, NELEM(money_cases));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(session_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
