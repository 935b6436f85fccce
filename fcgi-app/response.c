/* response.c - building and serializing responses. */
#include "fcgi-app/response.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

void response_init(struct response *res)
{
	res->status = 200;
	res->content_type = "application/json";
	res->error_code = NULL;
	strbuf_init(&res->headers, 0);
	strbuf_init(&res->body, 0);
}

void response_reset(struct response *res)
{
	res->status = 200;
	res->content_type = "application/json";
	res->error_code = NULL;
	strbuf_reset(&res->headers);
	strbuf_reset(&res->body);
}

void response_release(struct response *res)
{
	strbuf_release(&res->headers);
	strbuf_release(&res->body);
}

void response_header(struct response *res, const char *name, const char *value)
{
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
		return;
	strbuf_addf(&res->headers, "%s: %s\r\n", name, value);
}

void response_json(struct response *res, int status, struct json_object *obj)
{
	size_t len;
	const char *s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
							  &len);
	res->status = status;
	res->content_type = "application/json";
	strbuf_reset(&res->body);
	strbuf_add(&res->body, s, len);
}

void response_json_take(struct response *res, int status, struct json_object *obj)
{
	response_json(res, status, obj);
	json_object_put(obj);
}

void response_text(struct response *res, int status, const char *content_type, const char *text, size_t len)
{
	res->status = status;
	res->content_type = content_type;
	strbuf_reset(&res->body);
	strbuf_add(&res->body, text, len);
}

void response_error(struct response *res, int status, const char *code, const char *message, const char *field)
{
	res->status = status;
	res->content_type = "application/json";
	res->error_code = code;
	strbuf_reset(&res->body);
	strbuf_addstr(&res->body, "{\"error\":{\"code\":");
	strbuf_add_json_string(&res->body, code);
	strbuf_addstr(&res->body, ",\"message\":");
	strbuf_add_json_string(&res->body, message);
	if (field) {
		strbuf_addstr(&res->body, ",\"field\":");
		strbuf_add_json_string(&res->body, field);
	}
	strbuf_addstr(&res->body, "}}");
}

void response_db_unavailable(struct response *res, int retry_after_s)
{
	char buf[16];
	response_error(res, 503, "db_unavailable", "the database is unavailable; retry later", NULL);
	snprintf(buf, sizeof(buf), "%d", retry_after_s > 0 ? retry_after_s : 1);
	response_header(res, "Retry-After", buf);
}

const char *response_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

void response_serialize(const struct response *res, const char *trace_id, int head_only, struct strbuf *out)
{
	strbuf_addf(out, "Status: %d %s\r\n", res->status, response_status_text(res->status));
	if (res->status != 204) {
		if (!strncmp(res->content_type, "text/", 5) && !strchr(res->content_type, ';'))
			strbuf_addf(out, "Content-Type: %s; charset=utf-8\r\n", res->content_type);
		else
			strbuf_addf(out, "Content-Type: %s\r\n", res->content_type);
		strbuf_addf(out, "Content-Length: %zu\r\n", res->body.len);
	}
	if (trace_id)
		strbuf_addf(out, "X-Trace-Id: %s\r\n", trace_id);
	strbuf_add(out, res->headers.buf, res->headers.len);
	strbuf_addstr(out, "\r\n");
	if (!head_only && res->status != 204)
		strbuf_add(out, res->body.buf, res->body.len);
}
