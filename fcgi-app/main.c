/*
 * spot-fcgi - the single-threaded FastCGI worker (DESIGN.md section 2).
 *
 *   spot-fcgi [--config FILE]
 *
 * Started by spawn-fcgi (the listening socket is fd 0) under a supervisor
 * that respawns it; one database connection per worker. Each request gets an
 * arena released when the request ends, and one log line:
 *   ... info: request trace=<id> method=GET path=/health route=/health status=200 us=123 bytes=15
 * Exit codes: 0 on SIGTERM, 2 on a bad configuration.
 */
#include "common/arena.h"
#include "common/config.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "fcgi-app/app.h"
#include "fcgi-app/metrics.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t main_stop;
static volatile sig_atomic_t main_in_request;

/* SIGTERM, SIGINT, SIGUSR1. Idle in accept(): leave now. Inside a request: finish it, then leave. */
static void main_on_term(int sig)
{
	(void)sig;
	if (!main_in_request)
		_exit(0);
	main_stop = 1;
}

/* Reads exactly req->content_length bytes of body; 0, or -1 when the client sent fewer. */
static int main_read_body(FCGX_Request *fr, struct request *req)
{
	char *buf = arena_alloc(req->arena, req->content_length + 1);
	size_t got = 0;
	while (got < req->content_length) {
		int n = FCGX_GetStr(buf + got, (int)(req->content_length - got), fr->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	req->body = buf;
	req->body_len = got;
	return got == req->content_length ? 0 : -1;
}

/*
 * 1 when nginx's whole request has been read: its stdin stream is at its end
 * (the empty FCGI_STDIN record consumed). Then nothing of nginx's can still be
 * in the socket: the connection may be kept for nginx's next request, or
 * closed at once. libfcgi otherwise shuts down the send side and polls and
 * reads until nginx closes (its guard against a TCP reset discarding the
 * response), three system calls and a wait per request on a unix socket where
 * that cannot happen. Input left unread would be read as the next request, so
 * such a connection is closed instead.
 */
static int main_input_done(FCGX_Request *fr)
{
	char c;
	return FCGX_GetStr(&c, 1, fr->in) == 0 && FCGX_HasSeenEOF(fr->in) == EOF;
}

/*
 * The connections this worker serves. nginx keeps connections to the pool
 * open between requests (upstream keepalive, fastcgi_keep_conn), and any
 * worker may hold several: it waits on all of them and on the pool's socket
 * at once (epoll; EPOLLEXCLUSIVE wakes one waiting worker per new
 * connection), so a connection idle in nginx's cache never pins a worker.
 */
#define MAIN_CONNS_MAX 32 /* kept connections per worker; more are closed after their request */
#define MAIN_FD_MAX 1024

struct main_conns {
	int ep;
	int nkept;
	unsigned char kept[MAIN_FD_MAX];
};

static int main_conns_init(struct main_conns *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = 0 };
	int fl = fcntl(0, F_GETFL);
	memset(c, 0, sizeof(*c));
	c->ep = epoll_create1(EPOLL_CLOEXEC);
	if (c->ep < 0 || fl < 0 || fcntl(0, F_SETFL, fl | O_NONBLOCK) < 0 || epoll_ctl(c->ep, EPOLL_CTL_ADD, 0, &ev) < 0)
		return log_err("main: epoll on the pool socket: %s", strerror(errno));
	return 0;
}

/* fd was closed (by libfcgi or here): epoll forgot it with the close. */
static void main_conns_gone(struct main_conns *c, int fd)
{
	if (fd >= 0 && fd < MAIN_FD_MAX && c->kept[fd]) {
		c->kept[fd] = 0;
		c->nkept--;
	}
}

/* After a request on fd: libfcgi left fr->ipcFd open (kept for nginx's next request) or closed it. */
static void main_conns_after(struct main_conns *c, FCGX_Request *fr, int fd)
{
	int open_fd = fr->ipcFd;
	fr->ipcFd = -1;
	if (open_fd != fd)
		main_conns_gone(c, fd);
	if (open_fd < 0 || (open_fd < MAIN_FD_MAX && c->kept[open_fd]))
		return;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = open_fd };
	if (open_fd >= MAIN_FD_MAX || epoll_ctl(c->ep, EPOLL_CTL_ADD, open_fd, &ev) < 0) {
		close(open_fd);
		return;
	}
	c->kept[open_fd] = 1;
	c->nkept++;
}

/*
 * The next connection with a request to read, accepted or kept; -1 when
 * there is none yet (woken for a connection another worker took, or one nginx
 * closed).
 */
static int main_conns_ready(struct main_conns *c, const struct epoll_event *ev)
{
	int fd = ev->data.fd;
	char b;
	if (fd == 0)
		return accept4(0, NULL, NULL, SOCK_CLOEXEC);
	ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0)
		return fd;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	close(fd); /* nginx closed it (or it failed) */
	main_conns_gone(c, fd);
	return -1;
}

static void main_serve(struct app *app, FCGX_Request *fr, struct arena *arena, struct response *res,
		       struct strbuf *out, int may_keep)
{
	struct request req;
	struct request_error rerr;
	int64_t us;
	struct timespec ts0, ts1;
	int route = -1;

	clock_gettime(CLOCK_MONOTONIC, &ts0);
	response_reset(res);
	strbuf_reset(out);
	if (request_parse(&req, arena, fr->envp, &rerr) < 0) {
		response_error(res, rerr.status, rerr.code, rerr.message, rerr.field);
	} else if (main_read_body(fr, &req) < 0) {
		response_error(res, 400, "validation_failed", "the body is shorter than Content-Length", "body");
	} else {
		app_handle(app, &req, res, &route);
	}
	response_serialize(res, req.trace_id, req.method == HTTP_HEAD, out);
	FCGX_PutStr(out->buf, (int)out->len, fr->out);
	if (!main_input_done(fr)) {
		fr->keepConnection = 0; /* unread input: closed with libfcgi's drain */
	} else if (!fr->keepConnection || !may_keep) {
		fr->keepConnection = 0;
		FCGX_Detach(fr); /* a detached request is closed without libfcgi's drain */
	}
	FCGX_Finish_r(fr);
	clock_gettime(CLOCK_MONOTONIC, &ts1);
	us = (int64_t)(ts1.tv_sec - ts0.tv_sec) * 1000000 + (ts1.tv_nsec - ts0.tv_nsec) / 1000;
	metrics_record(app->metrics, route, res->status, us);
	if (route >= 0 && (app->routes[route].flags & ROUTE_QUIET) && res->status < 400 && us < ROUTE_QUIET_SLOW_US) {
		request_release(&req);
		return;
	}
	log_info("request trace=%s method=%s path=%s route=%s status=%d us=%lld bytes=%zu%s%s",
		 req.trace_id ? req.trace_id : "-", req.method_name ? req.method_name : "-",
		 req.path ? req.path : "-", route >= 0 ? app->routes[route].pattern : "-", res->status,
		 (long long)us, res->body.len, res->error_code ? " error=" : "",
		 res->error_code ? res->error_code : "");
	request_release(&req);
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct app app;
	struct metrics *metrics = NULL;
	struct arena arena;
	struct response res;
	struct strbuf out = STRBUF_INIT;
	FCGX_Request fr;
	static struct main_conns conns;
	const char *config_file = NULL;
	char err[512];
	struct sigaction sa;

	log_init("spot-fcgi");
	config_init(&cfg);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config_file = argv[++i];
		} else if (!strcmp(argv[i], "--version")) {
			printf("spot-fcgi 0.1.0\n");
			return 0;
		} else {
			fprintf(stderr, "usage: spot-fcgi [--config FILE]\n");
			return 2;
		}
	}
	if (config_file && config_load_file(&cfg, config_file, err, sizeof(err)) < 0) {
		log_err("main: %s", err);
		return 2;
	}
	if (metrics_open(&metrics, config_get(&cfg, "SPOT_METRICS_FILE", NULL)) < 0)
		return 2;
	if (app_init(&app, &cfg, metrics, err, sizeof(err)) < 0) {
		log_err("main: %s", err);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* multiwatch's graceful stop (its default --signal); installed before FCGX_Init, so libfcgi keeps it */
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (FCGX_Init() != 0) {
		log_err("main: FCGX_Init failed");
		return 2;
	}
	FCGX_InitRequest(&fr, 0, 0);
	arena_init(&arena, 64 * 1024);
	response_init(&res);
	metrics_worker_started(metrics);
	log_info("worker started");
	if (main_conns_init(&conns) < 0)
		return 2;
	while (!main_stop) {
		struct epoll_event evs[16];
		int n = epoll_wait(conns.ep, evs, 16, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("main: epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n && !main_stop; i++) {
			int fd = main_conns_ready(&conns, &evs[i]);
			if (fd < 0)
				continue;
			main_in_request = 1;
			fr.ipcFd = fd;
			fr.keepConnection = 1; /* so FCGX_Accept_r's opening FCGX_Finish_r leaves fd open */
			if (FCGX_Accept_r(&fr) >= 0)
				main_serve(&app, &fr, &arena, &res, &out,
					   conns.nkept < MAIN_CONNS_MAX || (fd < MAIN_FD_MAX && conns.kept[fd]));
			main_conns_after(&conns, &fr, fd);
			arena_reset(&arena);
			main_in_request = 0;
		}
	}
	log_info("worker stopping");
	response_release(&res);
	strbuf_release(&out);
	arena_release(&arena);
	app_release(&app);
	metrics_close(metrics);
	config_release(&cfg);
	return 0;
}
