/*
 * httpc.h - the agent's one HTTP client, over libcurl (easy handles kept per
 * peer so connections are reused: keep-alive to the server, to EC2, to IMDS).
 *
 * Every call is bounded: the response body is refused beyond max_body bytes
 * (HTTPC_TOO_LARGE), the whole transfer beyond timeout_ms, and a stop flag
 * (SIGTERM) aborts a transfer in flight within about 100 ms.
 */
#ifndef SPOT_AGENT_HTTPC_H
#define SPOT_AGENT_HTTPC_H

#include <stddef.h>

#include "common/strbuf.h"

#define HTTPC_MAX_HEADERS 12

enum httpc_status {
	HTTPC_OK = 0,		/* an HTTP answer arrived (any status code) */
	HTTPC_UNREACHABLE,	/* connect, DNS, TLS or timeout failure */
	HTTPC_TOO_LARGE,	/* the answer was over max_body */
	HTTPC_STOPPED		/* the stop flag was raised */
};

struct httpc {
	void *curl;			/* CURL *, reused for keep-alive */
	const char *ca_file;		/* borrowed; NULL: the system store */
	long timeout_ms;
	long connect_timeout_ms;
	size_t max_body;
	volatile int *stop;		/* borrowed; may be NULL */
	int no_proxy;			/* 1: never through a proxy (IMDS is link-local) */
};

/* One request; everything borrowed. body may be NULL (no body). */
struct httpc_request {
	const char *method;
	const char *url;
	const char *headers[HTTPC_MAX_HEADERS];	/* "Name: value", NULL-terminated */
	const char *body;
	size_t body_len;
};

struct httpc_response {
	long code;			/* HTTP status, 0 when none */
	struct strbuf body;
	long retry_after_s;		/* Retry-After in seconds, -1 when absent */
	char error[256];		/* libcurl's reason when not HTTPC_OK */
};

/* Global libcurl set-up, once per process; 0 or -1. */
int httpc_global_init(void);
void httpc_global_cleanup(void);

void httpc_init(struct httpc *h, const char *ca_file, long timeout_ms, size_t max_body, volatile int *stop);
void httpc_release(struct httpc *h);
void httpc_response_init(struct httpc_response *r);
void httpc_response_release(struct httpc_response *r);

/* Performs req; res is reset first. Returns an httpc_status. */
enum httpc_status httpc_perform(struct httpc *h, const struct httpc_request *req, struct httpc_response *res);

/*
 * Jittered exponential backoff: a delay in [base/2, base] where
 * base = min(cap_ms, first_ms << attempt) (AWS "Exponential Backoff And
 * Jitter", equal jitter). attempt counts from 0.
 */
long httpc_backoff_ms(unsigned attempt, long first_ms, long cap_ms);

#endif
