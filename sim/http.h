/*
 * http.h - one HTTP request as the simulator's handlers see it, and the
 * response they fill. The HTTP server itself (libmicrohttpd) is in server.c.
 */
#ifndef SPOT_SIM_HTTP_H
#define SPOT_SIM_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "common/sigv4.h"
#include "common/strbuf.h"

#define HTTP_MAX_BODY (1024 * 1024)	/* a Query API form body; larger gets 413 */
#define HTTP_MAX_HEADERS SIGV4_MAX_HEADERS

/* Everything borrowed, valid for the call. */
struct http_req {
	const char *method;
	const char *target;		/* raw request-target: path and query, as sent */
	const char *path;		/* percent-decoded path, no query */
	const char *query;		/* raw query after '?', or "" */
	const struct sigv4_header *headers;
	size_t nheaders;
	const char *body;
	size_t body_len;
	int loopback;			/* the peer is 127.0.0.0/8 or ::1 */
	int64_t now_ms;
};

struct http_resp {
	int status;
	const char *content_type;	/* static */
	struct strbuf body;
	char hdr_name[64];		/* one extra header, when set */
	char hdr_value[128];
	char log[256];			/* what the access log line says about the call */
};

/* Value of a header (case-insensitive name), or NULL. */
const char *http_req_header(const struct http_req *req, const char *name);

#endif
