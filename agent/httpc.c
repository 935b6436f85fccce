/* httpc.c - bounded libcurl calls with keep-alive, a stop flag and jittered backoff. */
#include "agent/httpc.h"
#include "common/digest.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct httpc_sink {
	struct httpc_response *res;
	size_t max;
	int too_large;
};

int httpc_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void httpc_global_cleanup(void)
{
	curl_global_cleanup();
}

void httpc_init(struct httpc *h, const char *ca_file, long timeout_ms, size_t max_body, volatile int *stop)
{
	memset(h, 0, sizeof(*h));
	h->ca_file = ca_file && *ca_file ? ca_file : NULL;
	h->timeout_ms = timeout_ms;
	h->connect_timeout_ms = timeout_ms < 5000 ? timeout_ms : 5000;
	h->max_body = max_body;
	h->stop = stop;
}

void httpc_release(struct httpc *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
}

void httpc_response_init(struct httpc_response *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->body, 0);
	r->retry_after_s = -1;
}

void httpc_response_release(struct httpc_response *r)
{
	strbuf_release(&r->body);
}

static size_t httpc_write(char *p, size_t size, size_t n, void *arg)
{
	struct httpc_sink *s = arg;
	size_t len = size * n;

	if (s->res->body.len + len > s->max) {
		s->too_large = 1;
		return 0;
	}
	strbuf_add(&s->res->body, p, len);
	return len;
}

static size_t httpc_header(char *p, size_t size, size_t n, void *arg)
{
	struct httpc_sink *s = arg;
	size_t len = size * n;

	if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
		char buf[32];
		size_t k = len - 12 < sizeof(buf) - 1 ? len - 12 : sizeof(buf) - 1;
		char *end;
		long v;
		memcpy(buf, p + 12, k);
		buf[k] = 0;
		v = strtol(buf, &end, 10);
		if (end != buf && v >= 0 && v <= 3600)
			s->res->retry_after_s = v;
	}
	return len;
}

static int httpc_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct httpc *h = arg;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return h->stop && *h->stop ? 1 : 0;
}

enum httpc_status httpc_perform(struct httpc *h, const struct httpc_request *req, struct httpc_response *res)
{
	struct curl_slist *hl = NULL;
	struct httpc_sink sink;
	CURLcode cc;
	CURL *c;

	strbuf_reset(&res->body);
	res->code = 0;
	res->retry_after_s = -1;
	res->error[0] = 0;
	if (h->stop && *h->stop)
		return HTTPC_STOPPED;
	if (!h->curl && !(h->curl = curl_easy_init())) {
		strbuf_reset(&res->body);
		memcpy(res->error, "curl_easy_init failed", 22);
		return HTTPC_UNREACHABLE;
	}
	c = h->curl;
	curl_easy_reset(c);
	sink.res = res;
	sink.max = h->max_body;
	sink.too_large = 0;
	for (size_t i = 0; i < HTTPC_MAX_HEADERS && req->headers[i]; i++)
		hl = curl_slist_append(hl, req->headers[i]);
	/* libcurl adds "Expect: 100-continue" to larger POSTs; no peer of ours needs it. */
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, httpc_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, httpc_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, httpc_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, h);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	if (h->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
	if (h->no_proxy)
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	if (strcmp(req->method, "GET") && strcmp(req->method, "POST"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	else if (!strcmp(req->method, "POST") && !req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	cc = curl_easy_perform(c);
	curl_slist_free_all(hl);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->code);
		return HTTPC_OK;
	}
	strbuf_reset(&res->body);
	{
		const char *m = curl_easy_strerror(cc);
		size_t k = strlen(m) < sizeof(res->error) - 1 ? strlen(m) : sizeof(res->error) - 1;
		memcpy(res->error, m, k);
		res->error[k] = 0;
	}
	if (sink.too_large)
		return HTTPC_TOO_LARGE;
	if (cc == CURLE_ABORTED_BY_CALLBACK)
		return HTTPC_STOPPED;
	/* A broken kept-alive connection: start afresh next time. */
	httpc_release(h);
	return HTTPC_UNREACHABLE;
}

long httpc_backoff_ms(unsigned attempt, long first_ms, long cap_ms)
{
	long base = first_ms;
	unsigned char r[4];
	unsigned long rnd;

	for (unsigned i = 0; i < attempt && base < cap_ms; i++)
		base *= 2;
	if (base > cap_ms)
		base = cap_ms;
	if (digest_random(r, sizeof(r)) < 0)
		return base;
	rnd = (unsigned long)r[0] << 24 | (unsigned long)r[1] << 16 | (unsigned long)r[2] << 8 | r[3];
	return base / 2 + (long)(rnd % (unsigned long)(base / 2 + 1));
}
