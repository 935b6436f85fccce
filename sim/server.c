/* server.c - libmicrohttpd glue: raw request-target, bounded bodies, dispatch, one log line per call. */
#include "sim/server.h"
#include "sim/control.h"
#include "sim/ec2_api.h"
#include "sim/http.h"
#include "sim/imds.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Per-connection request state, created by the URI log callback (the only place MHD shows the raw target). */
struct server_req {
	struct strbuf target;
	struct strbuf body;
	int too_big;
	int started;		/* MHD calls once with the headers before any body */
};

struct server_headers {
	struct sigv4_header h[HTTP_MAX_HEADERS];
	size_t n;
	int overflow;
};

const char *http_req_header(const struct http_req *req, const char *name)
{
	for (size_t i = 0; i < req->nheaders; i++)
		if (!strcasecmp(req->headers[i].name, name))
			return req->headers[i].value;
	return NULL;
}

static void *server_uri_log(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct server_req *r = xcalloc(1, sizeof(*r));
	(void)cls;
	(void)con;
	strbuf_init(&r->target, 0);
	strbuf_init(&r->body, 0);
	if (strlen(uri) > SIGV4_MAX_TARGET_LEN)
		r->too_big = 1;
	else
		strbuf_addstr(&r->target, uri);
	return r;
}

static void server_completed(void *cls, struct MHD_Connection *con, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct server_req *r = *con_cls;
	(void)cls;
	(void)con;
	(void)toe;
	if (!r)
		return;
	strbuf_release(&r->target);
	strbuf_release(&r->body);
	free(r);
	*con_cls = NULL;
}

static enum MHD_Result server_header_it(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct server_headers *hs = cls;
	(void)kind;
	if (hs->n >= HTTP_MAX_HEADERS) {
		hs->overflow = 1;
		return MHD_NO;
	}
	hs->h[hs->n].name = key;
	hs->h[hs->n].value = value ? value : "";
	hs->n++;
	return MHD_YES;
}

static int server_loopback(struct MHD_Connection *con)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	return 0;
}

static enum MHD_Result server_send(struct MHD_Connection *con, struct http_resp *resp)
{
	struct MHD_Response *mr = MHD_create_response_from_buffer(resp->body.len, resp->body.buf, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!mr)
		return MHD_NO;
	MHD_add_response_header(mr, "Content-Type", resp->content_type ? resp->content_type : "text/plain");
	MHD_add_response_header(mr, "Server", "spot-sim");
	if (resp->hdr_name[0])
		MHD_add_response_header(mr, resp->hdr_name, resp->hdr_value);
	rc = MHD_queue_response(con, (unsigned)resp->status, mr);
	MHD_destroy_response(mr);
	return rc;
}

static enum MHD_Result server_access(void *cls, struct MHD_Connection *con, const char *url, const char *method,
				     const char *version, const char *upload_data, size_t *upload_data_size,
				     void **con_cls)
{
	struct sim *sim = cls;
	struct server_req *r = *con_cls;
	struct server_headers hs;
	struct http_req req;
	struct http_resp resp;
	const char *q;
	int64_t t0 = time_mono_ms();
	enum MHD_Result rc;

	(void)version;
	if (!r)
		return MHD_NO;
	if (!r->started) {
		r->started = 1;
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (r->body.len + *upload_data_size > HTTP_MAX_BODY)
			r->too_big = 1;
		else
			strbuf_add(&r->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	memset(&resp, 0, sizeof(resp));
	strbuf_init(&resp.body, 0);
	resp.status = 500;
	memset(&hs, 0, sizeof(hs));
	MHD_get_connection_values(con, MHD_HEADER_KIND, server_header_it, &hs);
	if (r->too_big || hs.overflow) {
		resp.status = 413;
		resp.content_type = "text/xml;charset=UTF-8";
		strbuf_addstr(&resp.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>"
					  "RequestEntityTooLarge</Code><Message>The request is too large</Message></Error>"
					  "</Errors><RequestID>00000000-0000-4000-a000-000000000000</RequestID></Response>\n");
		snprintf(resp.log, sizeof(resp.log), "too large");
		goto send;
	}
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.target = r->target.buf;
	req.path = url;
	q = strchr(r->target.buf, '?');
	req.query = q ? q + 1 : "";
	req.headers = hs.h;
	req.nheaders = hs.n;
	req.body = r->body.buf;
	req.body_len = r->body.len;
	req.loopback = server_loopback(con);
	req.now_ms = time_now_ms();

	pthread_mutex_lock(&sim->lock);
	if (!strncmp(url, IMDS_PREFIX, strlen(IMDS_PREFIX)))
		imds_handle(sim, &req, &resp);
	else if (!strncmp(url, CONTROL_PREFIX, strlen(CONTROL_PREFIX)))
		control_handle(sim, &req, &resp);
	else
		ec2_api_handle(sim, &req, &resp);
	pthread_mutex_unlock(&sim->lock);
send:
	log_info("%s %.120s %d %s %lldms", method, url, resp.status, resp.log, (long long)(time_mono_ms() - t0));
	rc = server_send(con, &resp);
	strbuf_release(&resp.body);
	return rc;
}

struct MHD_Daemon *server_start(struct sim *sim, const char *addr, int port)
{
	struct sockaddr_in sa;
	struct MHD_Daemon *d;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		log_err("server_start: bad listen address %s", addr);
		return NULL;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY | MHD_USE_ERROR_LOG,
			     (uint16_t)port, NULL, NULL, server_access, sim,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_URI_LOG_CALLBACK, server_uri_log, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, server_completed, NULL,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
			     MHD_OPTION_END);
	if (!d)
		log_err("server_start: cannot listen on %s:%d", addr, port);
	return d;
}

void server_stop(struct MHD_Daemon *d)
{
	if (d)
		MHD_stop_daemon(d);
}
