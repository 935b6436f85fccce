/* session.c - session and CSRF cookies (see session.h). */
#include "fcgi-app/session.h"
#include "fcgi-app/request.h"
#include "common/digest.h"
#include "common/strbuf.h"

#include <string.h>
#include <strings.h>

void session_cookie(struct strbuf *out, const char *name, const char *value, long max_age, int strict,
		    const char *path)
{
	strbuf_addf(out, "%s=%s; Path=%s; Max-Age=%ld; HttpOnly; Secure; SameSite=%s", name,
		    max_age > 0 ? value : "", path ? path : "/", max_age > 0 ? max_age : 0L, strict ? "Strict" : "Lax");
}

int session_secret_valid(const char *value)
{
	size_t i;
	if (!value)
		return 0;
	for (i = 0; value[i]; i++)
		if (!((value[i] >= '0' && value[i] <= '9') || (value[i] >= 'a' && value[i] <= 'f')))
			return 0;
	return i == 64;
}

int session_csrf_ok(const char *expected, const char *presented)
{
	if (!session_secret_valid(expected) || !session_secret_valid(presented))
		return 0;
	return digest_equal(expected, presented, 64);
}

const char *session_csrf_presented(const char *header, const struct kv *form, size_t nform)
{
	if (header && *header)
		return header;
	for (size_t i = 0; i < nform; i++)
		if (!strcmp(form[i].key, SESSION_CSRF_FIELD))
			return form[i].value;
	return NULL;
}

int session_wants_json(const struct request *req)
{
	const char *accept = request_header(req, "Accept");
	return accept && strstr(accept, "application/json") != NULL;
}

int session_method_unsafe(const char *method)
{
	return method && strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "OPTIONS");
}
