/*
 * response.h - a response being built: status, content type, extra headers
 * and body. Serialized once, in CGI form (RFC 3875 section 6), when the
 * handler returns. Header values are checked: CR or LF in a value aborts the
 * header (no response splitting).
 */
#ifndef SPOT_RESPONSE_H
#define SPOT_RESPONSE_H

#include "common/strbuf.h"

struct json_object;

struct response {
	int status;
	const char *content_type; /* static string or arena string */
	struct strbuf headers;    /* "Name: value\r\n" lines */
	struct strbuf body;
	const char *error_code;   /* set by response_error, for the request log */
};

void response_init(struct response *res);
void response_reset(struct response *res);
void response_release(struct response *res);

void response_header(struct response *res, const char *name, const char *value);
/* Serializes obj (not consumed) as the body with status. */
void response_json(struct response *res, int status, struct json_object *obj);
/* Takes ownership of obj. */
void response_json_take(struct response *res, int status, struct json_object *obj);
void response_text(struct response *res, int status, const char *content_type, const char *text, size_t len);
/* {"error":{"code":..,"message":..,"field":..}}; field may be NULL. */
void response_error(struct response *res, int status, const char *code, const char *message, const char *field);
/* 503 db_unavailable with Retry-After. */
void response_db_unavailable(struct response *res, int retry_after_s);

const char *response_status_text(int status);
/* The CGI header block and body; without the body for HEAD requests. */
void response_serialize(const struct response *res, const char *trace_id, int head_only, struct strbuf *out);

#endif
