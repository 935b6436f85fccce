/*
 * server.h - the Spot Optimizer server's agent API (DESIGN.md section 5) over
 * one kept-alive libcurl handle: TLS checked against SPOT_CA_FILE, bearer
 * token (the client token to register, then the agent token), JSON bodies.
 * Answers are parsed with a depth and size bound.
 */
#ifndef SPOT_AGENT_SERVER_H
#define SPOT_AGENT_SERVER_H

#include <json-c/json.h>

#include "agent/httpc.h"

#define SERVER_MAX_BODY (1024 * 1024)
#define SERVER_TIMEOUT_MS 15000
#define SERVER_MAX_JSON_DEPTH 16

enum server_result {
	SERVER_OK,		/* 2xx */
	SERVER_REJECTED,	/* another 4xx: the report is wrong, do not resend it */
	SERVER_UNKNOWN_AGENT,	/* 401, or 404 "no such agent": register again */
	SERVER_UNAVAILABLE,	/* unreachable, 5xx or 429: spool and retry later */
	SERVER_STOPPED		/* SIGTERM while waiting */
};

struct server {
	struct httpc http;
	const char *base;		/* borrowed, no trailing '/' */
	const char *client_token;	/* borrowed */
	char agent_id[64];
	char agent_token[512];
};

void server_init(struct server *s, const char *base, const char *client_token, const char *ca_file,
		 volatile int *stop);
void server_release(struct server *s);
/*
 * One call: path is absolute ("/api/agents/register"); body NULL for a GET;
 * request_id NULL for none. The agent token is used unless use_client_token.
 * res gets the answer. Returns a server_result.
 */
enum server_result server_call(struct server *s, const char *method, const char *path, const char *body,
			       const char *request_id, int use_client_token, struct httpc_response *res);
/* The answer's JSON object (caller puts), or NULL when it is not one. */
struct json_object *server_json(const struct httpc_response *res);
/* A static name, for logs. */
const char *server_result_name(enum server_result r);

#endif
