/* pages.c - rendering, shared helpers, login and logout (see pages.h). */
#include "fcgi-app/pages.h"
#include "fcgi-app/app.h"
#include "fcgi-app/mustache.h"
#include "fcgi-app/session.h"
#include "core/users.h"
#include "common/arena.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *pages_scope(const struct request *req)
{
	return req->who.kind == PRINCIPAL_ADMIN ? NULL : req->who.client_id;
}

const char *pages_cell(const struct db_rows *r, size_t row, size_t col)
{
	return db_rows_cell(r, row, col);
}

void pages_relative_time(int64_t now_s, int64_t then_s, char *buf, size_t size)
{
	int64_t d = now_s - then_s, a = d < 0 ? -d : d, n;
	const char *unit;

	if (a < 45) {
		snprintf(buf, size, "just now");
		return;
	}
	if (a < 3600) {
		n = (a + 30) / 60;
		unit = "minute";
	} else if (a < 86400) {
		n = (a + 1800) / 3600;
		unit = "hour";
	} else {
		n = (a + 43200) / 86400;
		unit = "day";
	}
	if (n < 1)
		n = 1;
	snprintf(buf, size, "%s%lld %s%s%s", d < 0 ? "in " : "", (long long)n, unit, n == 1 ? "" : "s",
		 d < 0 ? "" : " ago");
}

void pages_money(double v, char *buf, size_t size)
{
	char digits[64], out[96];
	long long cents = llround(fabs(v) * 100.0), whole = cents / 100;
	size_t len, o = 0;

	snprintf(digits, sizeof(digits), "%lld", whole);
	len = strlen(digits);
	if (v < 0 && cents)
		out[o++] = '-';
	out[o++] = '$';
	for (size_t i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	snprintf(buf, size, "%s.%02lld", out, cents % 100);
}

void pages_month_days(int64_t now_s, int *mday, int *mdays)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	char buf[32];
	int y = 1970, m = 1, d = 1;
	if (time_format_rfc3339(now_s * 1000, buf, sizeof(buf)) == 0 && sscanf(buf, "%d-%d-%d", &y, &m, &d) != 3)
		y = 1970, m = 1, d = 1;
	if (m < 1 || m > 12)
		m = 1;
	*mday = d < 1 ? 1 : d;
	*mdays = days[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

void pages_add_time(struct json_object *obj, const char *key, const char *iso, const char *epoch, int64_t now_s)
{
	struct json_object *t;
	char rel[64];
	if (!iso || !epoch) {
		json_object_object_add(obj, key, NULL);
		return;
	}
	pages_relative_time(now_s, strtoll(epoch, NULL, 10), rel, sizeof(rel));
	t = json_object_new_object();
	json_object_object_add(t, "iso", json_object_new_string(iso));
	json_object_object_add(t, "relative", json_object_new_string(rel));
	json_object_object_add(obj, key, t);
}

void pages_render(struct app *app, struct request *req, struct response *res, int status, const char *tmpl,
		  const char *title, struct json_object *view)
{
	struct strbuf out = STRBUF_INIT;
	char err[512];

	json_object_object_add(view, "page_title", json_object_new_string(title));
	if (app->sess.active) {
		struct json_object *s = json_object_new_object();
		json_object_object_add(s, "email", json_object_new_string(app->sess.row.email));
		json_object_object_add(s, "role", json_object_new_string(app->sess.row.role));
		json_object_object_add(s, "is_admin", json_object_new_boolean(!strcmp(app->sess.row.role, "admin")));
		json_object_object_add(s, "csrf_token", json_object_new_string(app->sess.row.csrf_token));
		json_object_object_add(view, "session", s);
	}
	response_header(res, "Cache-Control", "no-store");
	if (session_wants_json(req)) {
		response_json_take(res, status, view);
		return;
	}
	if (mustache_render(app->templates, tmpl, view, &out, err, sizeof(err)) < 0) {
		log_err("pages_render: %s: %s", tmpl, err);
		response_error(res, 500, "internal_error", "an internal error occurred; it has been logged", NULL);
	} else {
		response_text(res, status, "text/html; charset=utf-8", out.buf, out.len);
	}
	strbuf_release(&out);
	json_object_put(view);
}

void pages_error(struct app *app, struct request *req, struct response *res, int status, const char *message)
{
	struct json_object *v;
	static const struct {
		int status;
		const char *code, *title;
	} kinds[] = {
		{ 400, "validation_failed", "Check what you entered" },
		{ 403, "forbidden", "You cannot do this" },
		{ 404, "not_found", "Page not found" },
		{ 409, "conflict", "This changed meanwhile" },
		{ 415, "unsupported_media_type", "The form could not be read" },
		{ 500, "internal_error", "Something went wrong" },
	};
	const char *code = "internal_error", *title = "Something went wrong";

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].status == status) {
			code = kinds[i].code;
			title = kinds[i].title;
		}
	if (session_wants_json(req)) {
		response_error(res, status, code, message, NULL);
		return;
	}
	v = json_object_new_object();
	json_object_object_add(v, "status", json_object_new_int(status));
	json_object_object_add(v, "heading", json_object_new_string(title));
	json_object_object_add(v, "message", json_object_new_string(message));
	pages_render(app, req, res, status, "error", title, v);
}

void pages_favicon(struct app *app, struct request *req, struct response *res)
{
	(void)app;
	(void)req;
	response_text(res, 302, "text/plain", "See /static/favicon.svg\n", 24);
	response_header(res, "Location", "/static/favicon.svg");
	response_header(res, "Cache-Control", "public, max-age=86400");
}

/* ---- login and logout ---- */

/* One field error: the summary links to #id, the field shows the message. */
static void pages_add_error(struct json_object *errors, struct json_object *by_field, const char *field,
			    const char *message)
{
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "field", json_object_new_string(field));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_array_add(errors, e);
	json_object_object_add(by_field, field, json_object_new_string(message));
}

/* The login form's view and its pre-session CSRF cookie (kept when the browser has a good one). */
static void pages_login_render(struct app *app, struct request *req, struct response *res, int status,
			       const char *email, struct json_object *errors, struct json_object *by_field)
{
	const char *csrf = request_cookie(req, SESSION_LOGIN_CSRF_COOKIE);
	char fresh[USERS_SECRET_HEX + 1];
	struct json_object *v = json_object_new_object();

	if (!session_secret_valid(csrf)) {
		struct strbuf c = STRBUF_INIT;
		users_secret_new(fresh);
		csrf = arena_strdup(req->arena, fresh);
		session_cookie(&c, SESSION_LOGIN_CSRF_COOKIE, csrf, SESSION_LOGIN_CSRF_MAX_AGE, 1, "/login");
		response_header(res, "Set-Cookie", c.buf);
		strbuf_release(&c);
	}
	json_object_object_add(v, "login_csrf_token", json_object_new_string(csrf));
	json_object_object_add(v, "email", json_object_new_string(email ? email : ""));
	json_object_object_add(v, "errors", errors ? errors : json_object_new_array());
	json_object_object_add(v, "has_errors",
			       json_object_new_boolean(errors && json_object_array_length(errors) > 0));
	json_object_object_add(v, "error", by_field ? by_field : json_object_new_object());
	pages_render(app, req, res, status, "login", "Sign in", v);
}

void pages_login_form(struct app *app, struct request *req, struct response *res)
{
	pages_login_render(app, req, res, 200, NULL, NULL, NULL);
}

void pages_login(struct app *app, struct request *req, struct response *res)
{
	struct request_error ferr;
	struct json_object *errors = json_object_new_array(), *by_field = json_object_new_object();
	const char *email, *password, *csrf;
	char lower[USERS_EMAIL_MAX + 1];
	struct users_login in;
	struct users_session s;
	enum users_login_result r;
	int db_retry;

	if (app_form(app, req, &ferr) < 0) {
		json_object_put(errors);
		json_object_put(by_field);
		pages_error(app, req, res, ferr.status, ferr.message);
		return;
	}
	email = app_form_get(app, "email");
	password = app_form_get(app, "password");
	csrf = app_form_get(app, SESSION_CSRF_FIELD);
	if (!session_csrf_ok(request_cookie(req, SESSION_LOGIN_CSRF_COOKIE), csrf)) {
		pages_add_error(errors, by_field, "email",
				"Your sign-in form expired or was not sent by this site. Sign in again.");
		pages_login_render(app, req, res, 403, email, errors, by_field);
		return;
	}
	while (email && isspace((unsigned char)*email))
		email++;
	if (!email || !*email)
		pages_add_error(errors, by_field, "email", "Enter your email address");
	else if (strlen(email) > USERS_EMAIL_MAX || !strchr(email, '@'))
		pages_add_error(errors, by_field, "email",
				"Enter an email address in the correct format, like name@example.com");
	if (!password || !*password)
		pages_add_error(errors, by_field, "password", "Enter your password");
	else if (strlen(password) > USERS_PASSWORD_MAX)
		pages_add_error(errors, by_field, "password", "Enter your password (at most 1024 characters)");
	if (json_object_array_length(errors)) {
		pages_login_render(app, req, res, 400, email, errors, by_field);
		return;
	}
	if (db_ensure(&app->db, &db_retry) < 0) {
		json_object_put(errors);
		json_object_put(by_field);
		response_db_unavailable(res, db_retry);
		return;
	}
	for (size_t i = 0; i <= strlen(email); i++)
		lower[i] = (char)tolower((unsigned char)email[i]);
	in.email = lower;
	in.password = password;
	in.remote_addr = req->remote_addr;
	in.user_agent = request_header(req, "User-Agent");
	r = users_login(&app->db, req->arena, &in, &s);
	switch (r) {
	case USERS_LOGIN_OK: {
		struct strbuf c = STRBUF_INIT;
		struct json_object *v;
		session_cookie(&c, SESSION_COOKIE, s.token, USERS_SESSION_MAX_S, 0, NULL);
		response_header(res, "Set-Cookie", c.buf);
		strbuf_reset(&c);
		session_cookie(&c, SESSION_LOGIN_CSRF_COOKIE, "", 0, 1, "/login");
		response_header(res, "Set-Cookie", c.buf);
		strbuf_release(&c);
		json_object_put(errors);
		json_object_put(by_field);
		response_header(res, "Cache-Control", "no-store");
		if (session_wants_json(req)) {
			v = json_object_new_object();
			json_object_object_add(v, "email", json_object_new_string(s.who.email));
			json_object_object_add(v, "role", json_object_new_string(s.who.role));
			json_object_object_add(v, "client_id",
					       s.who.client_id ? json_object_new_string(s.who.client_id) : NULL);
			json_object_object_add(v, "csrf_token", json_object_new_string(s.csrf));
			response_json_take(res, 200, v);
			return;
		}
		response_text(res, 303, "text/plain", "See /\n", 6);
		response_header(res, "Location", "/");
		return;
	}
	case USERS_LOGIN_BAD:
		pages_add_error(errors, by_field, "password", "The email address or password is not right");
		pages_login_render(app, req, res, 401, email, errors, by_field);
		return;
	case USERS_LOGIN_LOCKED:
		pages_add_error(errors, by_field, "password",
				"Too many failed sign-in attempts: this account is locked for 15 minutes");
		pages_login_render(app, req, res, 403, email, errors, by_field);
		return;
	default:
		json_object_put(errors);
		json_object_put(by_field);
		app_db_error(app, res, "pages_login");
		return;
	}
}

void pages_logout(struct app *app, struct request *req, struct response *res)
{
	struct strbuf c = STRBUF_INIT;
	if (users_logout(&app->db, app->sess.token) < 0) {
		app_db_error(app, res, "pages_logout");
		return;
	}
	app->sess.active = 0;
	session_cookie(&c, SESSION_COOKIE, "", 0, 0, NULL);
	response_header(res, "Set-Cookie", c.buf);
	strbuf_release(&c);
	response_header(res, "Cache-Control", "no-store");
	if (session_wants_json(req)) {
		struct json_object *v = json_object_new_object();
		json_object_object_add(v, "logged_out", json_object_new_boolean(1));
		response_json_take(res, 200, v);
		return;
	}
	response_text(res, 303, "text/plain", "See /login\n", 11);
	response_header(res, "Location", "/login");
}
