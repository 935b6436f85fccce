/* server.c - calls to the server's agent API. */
#include "agent/server.h"
#include "common/log.h"

#include <stdio.h>
#include <string.h>

void server_init(struct server *s, const char *base, const char *client_token, const char *ca_file,
		 volatile int *stop)
{
	memset(s, 0, sizeof(*s));
	httpc_init(&s->http, ca_file, SERVER_TIMEOUT_MS, SERVER_MAX_BODY, stop);
	s->base = base;
	s->client_token = client_token;
}

void server_release(struct server *s)
{
	httpc_release(&s->http);
}

struct json_object *server_json(const struct httpc_response *res)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (!res->body.len || res->body.len > SERVER_MAX_BODY)
		return NULL;
	tok = json_tokener_new_ex(SERVER_MAX_JSON_DEPTH);
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, res->body.buf, (int)res->body.len);
	if (o && (json_tokener_get_error(tok) != json_tokener_success || !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* 404 means "unknown agent" only when the server says so (not an unknown command). */
static int server_no_such_agent(const struct httpc_response *res)
{
	return strstr(res->body.buf, "no such agent") != NULL;
}

enum server_result server_call(struct server *s, const char *method, const char *path, const char *body,
			       const char *request_id, int use_client_token, struct httpc_response *res)
{
	char url[2048], auth[600], rid[128];
	struct httpc_request req = { .method = method, .url = url };
	enum httpc_status st;
	size_t h = 0;

	if (snprintf(url, sizeof(url), "%s%s", s->base, path) >= (int)sizeof(url))
		return SERVER_REJECTED;
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", use_client_token ? s->client_token : s->agent_token);
	req.headers[h++] = auth;
	req.headers[h++] = "Accept: application/json";
	if (body) {
		req.headers[h++] = "Content-Type: application/json";
		req.body = body;
		req.body_len = strlen(body);
	}
	if (request_id) {
		snprintf(rid, sizeof(rid), "X-Request-ID: %s", request_id);
		req.headers[h++] = rid;
	}
	st = httpc_perform(&s->http, &req, res);
	if (st == HTTPC_STOPPED)
		return SERVER_STOPPED;
	if (st != HTTPC_OK) {
		log_warn("server_call: %s %s: %s", method, path, res->error);
		return SERVER_UNAVAILABLE;
	}
	if (res->code >= 200 && res->code < 300)
		return SERVER_OK;
	if (res->code >= 500 || res->code == 429 || res->code == 408) {
		log_warn("server_call: %s %s answered %ld", method, path, res->code);
		return SERVER_UNAVAILABLE;
	}
	if (res->code == 401 || (res->code == 404 && server_no_such_agent(res)))
		return SERVER_UNKNOWN_AGENT;
	log_warn("server_call: %s %s answered %ld: %.300s", method, path, res->code, res->body.buf);
	return SERVER_REJECTED;
}

const char *server_result_name(enum server_result r)
{
	switch (r) {
	case SERVER_OK:
		return "ok";
	case SERVER_REJECTED:
		return "rejected";
	case SERVER_UNKNOWN_AGENT:
		return "unknown agent";
	case SERVER_UNAVAILABLE:
		return "unavailable";
	case SERVER_STOPPED:
		return "stopped";
	}
	return "?";
}
