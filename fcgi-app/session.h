/*
 * session.h - the browser side of dashboard sessions (DESIGN.md section 5):
 * the cookies and the CSRF check. The database side is core/users.h.
 *
 * Cookies: spot_session (HttpOnly; Secure; SameSite=Lax; Path=/) carries the
 * session secret; spot_login_csrf (HttpOnly; Secure; SameSite=Strict;
 * Path=/login) carries the login form's CSRF secret before any session exists
 * (a double-submit token: the form's hidden field must repeat it). Every
 * cookie-authenticated POST carries the session's CSRF token as the form
 * field csrf_token or the header X-CSRF-Token.
 */
#ifndef SPOT_SESSION_H
#define SPOT_SESSION_H

#include <stddef.h>

struct kv;
struct request;
struct strbuf;

#define SESSION_COOKIE "spot_session"
#define SESSION_LOGIN_CSRF_COOKIE "spot_login_csrf"
#define SESSION_CSRF_FIELD "csrf_token"
#define SESSION_CSRF_HEADER "X-CSRF-Token"
#define SESSION_LOGIN_CSRF_MAX_AGE 3600

/*
 * Appends a Set-Cookie value for name=value to out. max_age > 0 sets
 * Max-Age; max_age == 0 deletes the cookie (empty value, Max-Age=0).
 * strict: SameSite=Strict instead of Lax. path: "/" when NULL.
 */
void session_cookie(struct strbuf *out, const char *name, const char *value, long max_age, int strict,
		    const char *path);

/* 1 when value is a well-formed secret (64 lowercase hex digits), else 0. NULL is 0. */
int session_secret_valid(const char *value);

/* 1 when presented equals expected (both well-formed secrets), compared in constant time; else 0. */
int session_csrf_ok(const char *expected, const char *presented);

/* The CSRF token a request presents: the header, else the form field; NULL when neither. */
const char *session_csrf_presented(const char *header, const struct kv *form, size_t nform);

/* 1 when the request's Accept header asks for JSON (the view-model twin of a page). */
int session_wants_json(const struct request *req);

/* 1 for methods that change state (anything but GET, HEAD, OPTIONS). */
int session_method_unsafe(const char *method);

#endif
