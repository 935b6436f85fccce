/* route.c - matching a path against the route table's patterns. */
#include "fcgi-app/route.h"
#include "common/arena.h"
#include "common/strbuf.h"

#include <string.h>

int route_pattern_match(const char *pattern, const char *path, struct arena *a, const char **params,
			size_t *nparams)
{
	const char *p = pattern, *s = path;
	size_t n = 0;

	while (*p && *s) {
		if (*p == '{') {
			const char *close = strchr(p, '}');
			const char *seg_end = strchr(s, '/');
			size_t seglen = seg_end ? (size_t)(seg_end - s) : strlen(s);
			if (!close || !seglen || n == SPOT_MAX_ROUTE_PARAMS)
				return 0;
			if (params)
				params[n] = a ? arena_strndup(a, s, seglen) : NULL;
			n++;
			p = close + 1;
			s += seglen;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*p || *s)
		return 0;
	if (nparams)
		*nparams = n;
	return 1;
}

static const char *route_method_name(enum http_method m)
{
	static const char *const names[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "" };
	return names[m];
}

enum route_result route_match(const struct route *table, size_t n, struct request *req, size_t *index,
			      struct strbuf *allow)
{
	int path_known = 0;
	enum http_method m = req->method == HTTP_HEAD ? HTTP_GET : req->method;

	for (size_t i = 0; i < n; i++) {
		if (!route_pattern_match(table[i].pattern, req->path, NULL, NULL, NULL))
			continue;
		if (table[i].method == m) {
			route_pattern_match(table[i].pattern, req->path, req->arena, req->params, &req->nparams);
			*index = i;
			return ROUTE_FOUND;
		}
		if (allow) {
			if (allow->len)
				strbuf_addstr(allow, ", ");
			strbuf_addstr(allow, route_method_name(table[i].method));
			if (table[i].method == HTTP_GET)
				strbuf_addstr(allow, ", HEAD");
		}
		path_known = 1;
	}
	return path_known ? ROUTE_METHOD_NOT_ALLOWED : ROUTE_NOT_FOUND;
}
