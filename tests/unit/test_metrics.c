/*
 * test_metrics.c - fcgi-app/metrics: counters shared through a mapped file
 * by several processes (fork), private counters, and the Prometheus text
 * rendering (exposition format 0.0.4).
 */
#include "fcgi-app/metrics.h"
#include "fcgi-app/route.h"
#include "common/strbuf.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void handler_dummy(struct app *app, struct request *req, struct response *res)
{
	(void)app;
	(void)req;
	(void)res;
}

static const struct route routes[] = {
	{ HTTP_GET, "/health", handler_dummy, ROUTE_AUTH_NONE },
	{ HTTP_GET, "/metrics", handler_dummy, ROUTE_AUTH_NONE },
	{ HTTP_POST, "/api/agents/{id}/heartbeat", handler_dummy, ROUTE_NEEDS_DB },
	{ HTTP_DELETE, "/api/client/replicas/{rid}", handler_dummy, ROUTE_NEEDS_DB },
};

/* A fresh temporary path (the file itself removed); the caller frees it. */
static char *temp_path(void)
{
	const char *dir = getenv("TMPDIR");
	struct strbuf path = STRBUF_INIT;
	int fd;

	strbuf_addf(&path, "%s/spot-ut-metrics-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path.buf);
	ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
	close(fd);
	unlink(path.buf);
	return strbuf_detach(&path, NULL);
}

/* The value on the line that starts with prefix (followed by a space), or -1 when absent. */
static long long metric_value(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, prefix, n) && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
	}
	return -1;
}

static long long requests(const struct metrics *m, const char *method, const char *route, int status)
{
	struct strbuf out = STRBUF_INIT, prefix = STRBUF_INIT;
	long long v;
	metrics_render(m, routes, NELEM(routes), &out);
	strbuf_addf(&prefix, "spot_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"}", method, route,
		    status);
	v = metric_value(out.buf, prefix.buf);
	strbuf_release(&out);
	strbuf_release(&prefix);
	return v;
}

/* The whole rendering of an empty set of counters. */
static const char empty_render[] =
	"# HELP spot_http_requests_total Requests answered by the worker pool, by route and status.\n"
	"# TYPE spot_http_requests_total counter\n"
	"# HELP spot_http_request_duration_seconds Time from request start to response written.\n"
	"# TYPE spot_http_request_duration_seconds histogram\n"
	"spot_http_request_duration_seconds_bucket{le=\"0.0005\"} 0\n"
	"spot_http_request_duration_seconds_bucket{le=\"0.001\"} 0\n"
	"spot_http_request_duration_seconds_bucket{le=\"0.0025\"} 0\n"
	"spot_http_request_duration_seconds_bucket{le=\"0.005\"} 0\n"
	"spot_http_request_duration_seconds_bucket{le=\"0.01\"} 0\n"
	"spot_http_request_duration_seconds_bucket{le=\"0.025\"} 0\n"
	"spot_http_request_duration_seconds_bucket{le=\"0.05\"} 0\n"
	"spot_http_request_duration_seconds_bucket{le=\"0.1\"} 0\n"
	"spot_http_request_duration_seconds_bucket{le=\"0.25\"} 0\n"
	"spot_http_request_duration_seconds_bucket{le=\"0.5\"} 0\n"
	"spot_http_request_duration_seconds_bucket{le=\"1\"} 0\n"
	"spot_http_request_duration_seconds_bucket{le=\"2.5\"} 0\n"
	"spot_http_request_duration_seconds_bucket{le=\"+Inf\"} 0\n"
	"spot_http_request_duration_seconds_sum 0.000000\n"
	"spot_http_request_duration_seconds_count 0\n"
	"# HELP spot_db_errors_total Database statements or connection attempts that failed.\n"
	"# TYPE spot_db_errors_total counter\n"
	"spot_db_errors_total 0\n"
	"# HELP spot_db_reconnects_total Database connections re-established after a loss.\n"
	"# TYPE spot_db_reconnects_total counter\n"
	"spot_db_reconnects_total 0\n"
	"# HELP spot_workers_started_total Worker processes started since the pool's metrics file was made.\n"
	"# TYPE spot_workers_started_total counter\n"
	"spot_workers_started_total 0\n"
	"# HELP spot_metrics_slots_full_total Requests not counted by route because the table was full.\n"
	"# TYPE spot_metrics_slots_full_total counter\n"
	"spot_metrics_slots_full_total 0\n"
	"# HELP spot_pricing_reports_total Pricing reports stored, by whether the worker knew every pool and catalog "
	"pair (known: no JSON check) or read them (checked).\n"
	"# TYPE spot_pricing_reports_total counter\n"
	"spot_pricing_reports_total{pools=\"checked\"} 0\n"
	"spot_pricing_reports_total{pools=\"known\"} 0\n";

START_TEST(test_render_empty)
{
	struct metrics *m = NULL;
	struct strbuf out = STRBUF_INIT;

	ck_assert_int_eq(metrics_open(&m, NULL), 0);
	ck_assert_ptr_nonnull(m);
	metrics_render(m, routes, NELEM(routes), &out);
	ck_assert_str_eq(out.buf, empty_render);
	metrics_close(m);
	strbuf_release(&out);
}
END_TEST

/* Every line is a comment or `name{labels} value`, and each metric family has HELP and TYPE. */
START_TEST(test_render_format)
{
	struct metrics *m = NULL;
	struct strbuf out = STRBUF_INIT;
	char *save = NULL, *line;

	ck_assert_int_eq(metrics_open(&m, ""), 0); /* "" is private memory, like NULL */
	metrics_record(m, 0, 200, 100);
	metrics_record(m, -1, 404, 100);
	metrics_record(m, 2, 503, 100);
	metrics_render(m, routes, NELEM(routes), &out);
	ck_assert_int_eq(out.buf[out.len - 1], '\n');
	for (line = strtok_r(out.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *sp;
		if (line[0] == '#') {
			ck_assert_msg(!strncmp(line, "# HELP spot_", 12) || !strncmp(line, "# TYPE spot_", 12), "%s",
				      line);
			continue;
		}
		ck_assert_msg(!strncmp(line, "spot_", 5), "%s", line);
		sp = strrchr(line, ' ');
		ck_assert_ptr_nonnull(sp);
		ck_assert_msg(strspn(sp + 1, "0123456789.") == strlen(sp + 1) && sp[1], "bad value: %s", line);
		if (strchr(line, '{'))
			ck_assert_msg(sp[-1] == '}', "%s", line);
	}
	metrics_close(m);
	strbuf_release(&out);
}
END_TEST

START_TEST(test_record_by_route)
{
	struct metrics *m = NULL;

	ck_assert_int_eq(metrics_open(&m, NULL), 0);
	for (int i = 0; i < 3; i++)
		metrics_record(m, 0, 200, 10);
	metrics_record(m, 0, 503, 10);
	metrics_record(m, 1, 200, 10);
	metrics_record(m, 2, 201, 10);
	metrics_record(m, 2, 201, 10);
	metrics_record(m, 3, 405, 10);
	metrics_record(m, -1, 404, 10);
	metrics_record(m, -1, 404, 10);
	metrics_record(m, -1, 400, 10);
	metrics_record(m, 99, 200, 10); /* not in the table given to render */
	ck_assert_int_eq(requests(m, "GET", "/health", 200), 3);
	ck_assert_int_eq(requests(m, "GET", "/health", 503), 1);
	ck_assert_int_eq(requests(m, "GET", "/metrics", 200), 1);
	ck_assert_int_eq(requests(m, "POST", "/api/agents/{id}/heartbeat", 201), 2);
	ck_assert_int_eq(requests(m, "DELETE", "/api/client/replicas/{rid}", 405), 1);
	ck_assert_int_eq(requests(m, "", "unmatched", 404), 2);
	ck_assert_int_eq(requests(m, "", "unmatched", 400), 1);
	ck_assert_int_eq(requests(m, "", "unmatched", 200), 1);
	ck_assert_int_eq(requests(m, "GET", "/health", 404), -1);
	metrics_close(m);
}
END_TEST

/* Histogram buckets are upper bounds (le) and cumulative. */
static const struct {
	int64_t us;
	int bucket; /* first bucket counting it; 12 = only +Inf */
} latency_cases[] = {
	{ -5, 0 },     { 0, 0 },         { 500, 0 },        { 501, 1 },        { 1000, 1 },
	{ 2500, 2 },   { 2501, 3 },      { 10000, 4 },      { 25000, 5 },      { 50000, 6 },
	{ 100000, 7 }, { 250000, 8 },    { 500000, 9 },     { 1000000, 10 },   { 2500000, 11 },
	{ 2500001, 12 }, { 60000000, 12 },
};

static const char *const bucket_le[] = { "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
					 "0.05",   "0.1",   "0.25",   "0.5",   "1",    "2.5" };

START_TEST(test_latency_buckets)
{
	struct metrics *m = NULL;
	struct strbuf out = STRBUF_INIT, prefix = STRBUF_INIT, want = STRBUF_INIT;
	int64_t us = latency_cases[_i].us;

	ck_assert_int_eq(metrics_open(&m, NULL), 0);
	metrics_record(m, 0, 200, us);
	metrics_render(m, routes, NELEM(routes), &out);
	for (int b = 0; b < 12; b++) {
		strbuf_reset(&prefix);
		strbuf_addf(&prefix, "spot_http_request_duration_seconds_bucket{le=\"%s\"}", bucket_le[b]);
		ck_assert_int_eq(metric_value(out.buf, prefix.buf), b >= latency_cases[_i].bucket ? 1 : 0);
	}
	ck_assert_int_eq(metric_value(out.buf, "spot_http_request_duration_seconds_bucket{le=\"+Inf\"}"), 1);
	ck_assert_int_eq(metric_value(out.buf, "spot_http_request_duration_seconds_count"), 1);
	strbuf_addf(&want, "spot_http_request_duration_seconds_sum %.6f\n", (double)(us < 0 ? 0 : us) / 1e6);
	ck_assert_msg(strstr(out.buf, want.buf), "missing %s", want.buf);
	metrics_close(m);
	strbuf_release(&out);
	strbuf_release(&prefix);
	strbuf_release(&want);
}
END_TEST

START_TEST(test_counters_and_null)
{
	struct metrics *m = NULL;
	struct strbuf out = STRBUF_INIT;

	/* without metrics every call is a no-op */
	metrics_record(NULL, 0, 200, 1);
	metrics_add_db(NULL, 1, 1);
	metrics_worker_started(NULL);
	metrics_close(NULL);

	ck_assert_int_eq(metrics_open(&m, NULL), 0);
	metrics_add_db(m, 3, 0);
	metrics_add_db(m, 0, 2);
	metrics_add_db(m, 0, 0);
	metrics_worker_started(m);
	metrics_worker_started(m);
	metrics_record(m, 0, 200, 1500000);
	metrics_record(m, 0, 200, 250);
	metrics_render(m, routes, NELEM(routes), &out);
	ck_assert_int_eq(metric_value(out.buf, "spot_db_errors_total"), 3);
	ck_assert_int_eq(metric_value(out.buf, "spot_db_reconnects_total"), 2);
	ck_assert_int_eq(metric_value(out.buf, "spot_workers_started_total"), 2);
	ck_assert_int_eq(metric_value(out.buf, "spot_metrics_slots_full_total"), 0);
	ck_assert_ptr_nonnull(strstr(out.buf, "\nspot_http_request_duration_seconds_sum 1.500250\n"));
	metrics_close(m);
	strbuf_release(&out);
}
END_TEST

/* More distinct (route, status) keys than slots: the rest is counted as slots_full. */
START_TEST(test_slots_full)
{
	struct metrics *m = NULL;
	struct strbuf out = STRBUF_INIT;
	long long total = 0;
	int keys = 0;

	ck_assert_int_eq(metrics_open(&m, NULL), 0);
	for (int r = -1; r < 2 && keys < 600; r++)
		for (int status = 100; status < 1000 && keys < 600; status++, keys++)
			metrics_record(m, r, status, 1);
	metrics_render(m, routes, NELEM(routes), &out);
	for (const char *p = out.buf; (p = strstr(p, "\nspot_http_requests_total{")); p++)
		total += strtoll(strchr(p, '}') + 2, NULL, 10);
	ck_assert_int_eq(total + metric_value(out.buf, "spot_metrics_slots_full_total"), 600);
	ck_assert_int_gt(metric_value(out.buf, "spot_metrics_slots_full_total"), 0);
	ck_assert_int_eq(metric_value(out.buf, "spot_http_request_duration_seconds_count"), 600);
	metrics_close(m);
	strbuf_release(&out);
}
END_TEST

/* ---- the shared file ---- */

START_TEST(test_file_persists_and_shares)
{
	char *path = temp_path();
	struct metrics *a = NULL, *b = NULL;
	struct stat st;

	ck_assert_int_eq(metrics_open(&a, path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_gt(st.st_size, 0);
	ck_assert_int_eq(st.st_mode & 077, 0); /* not readable by others */
	metrics_record(a, 0, 200, 1);
	ck_assert_int_eq(metrics_open(&b, path), 0);
	metrics_record(b, 0, 200, 1);
	ck_assert_int_eq(requests(a, "GET", "/health", 200), 2);
	ck_assert_int_eq(requests(b, "GET", "/health", 200), 2);
	metrics_close(a);
	metrics_close(b);
	ck_assert_int_eq(metrics_open(&a, path), 0); /* reopened: counts kept */
	ck_assert_int_eq(requests(a, "GET", "/health", 200), 2);
	metrics_close(a);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(test_open_fails)
{
	struct metrics *m = NULL;
	ck_assert_int_eq(metrics_open(&m, "/nonexistent-dir-spot-ut/metrics"), -1);
	ck_assert_ptr_null(m);
}
END_TEST

#define CHILD_N 20000
#define PARENT_M 15000

/*
 * Two processes record at once: the child opens the file itself (a worker
 * started by the pool) or uses the mapping inherited across fork; either way
 * the totals are N + M.
 */
START_TEST(test_fork)
{
	char *path = temp_path();
	struct metrics *m = NULL;
	struct strbuf out = STRBUF_INIT;
	int go[2], status;
	pid_t pid;
	const int reopen = _i;

	ck_assert_int_eq(metrics_open(&m, path), 0);
	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct metrics *cm = m;
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		if (reopen && metrics_open(&cm, path) < 0)
			_exit(2);
		metrics_worker_started(cm);
		for (int i = 0; i < CHILD_N; i++) {
			metrics_record(cm, 0, 200, 100);
			metrics_record(cm, -1, 404, 3000);
		}
		metrics_add_db(cm, 1, 0);
		_exit(0);
	}
	close(go[0]);
	ck_assert_int_eq(write(go[1], "g", 1), 1); /* start together */
	close(go[1]);
	metrics_worker_started(m);
	for (int i = 0; i < PARENT_M; i++) {
		metrics_record(m, 0, 200, 100);
		metrics_record(m, 2, 201, 100);
	}
	metrics_add_db(m, 2, 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);

	ck_assert_int_eq(requests(m, "GET", "/health", 200), CHILD_N + PARENT_M);
	ck_assert_int_eq(requests(m, "", "unmatched", 404), CHILD_N);
	ck_assert_int_eq(requests(m, "POST", "/api/agents/{id}/heartbeat", 201), PARENT_M);
	metrics_render(m, routes, NELEM(routes), &out);
	ck_assert_int_eq(metric_value(out.buf, "spot_http_request_duration_seconds_count"),
			 2 * CHILD_N + 2 * PARENT_M);
	ck_assert_int_eq(metric_value(out.buf, "spot_http_request_duration_seconds_bucket{le=\"0.0005\"}"),
			 CHILD_N + 2 * PARENT_M);
	ck_assert_int_eq(metric_value(out.buf, "spot_http_request_duration_seconds_bucket{le=\"0.005\"}"),
			 2 * CHILD_N + 2 * PARENT_M);
	ck_assert_int_eq(metric_value(out.buf, "spot_workers_started_total"), 2);
	ck_assert_int_eq(metric_value(out.buf, "spot_db_errors_total"), 3);
	ck_assert_int_eq(metric_value(out.buf, "spot_db_reconnects_total"), 1);
	metrics_close(m);
	strbuf_release(&out);
	unlink(path);
	free(path);
}
END_TEST

/* Private counters (no file) are not shared with a forked child. */
START_TEST(test_private_not_shared)
{
	struct metrics *m = NULL;
	int status;
	pid_t pid;

	ck_assert_int_eq(metrics_open(&m, NULL), 0);
	metrics_record(m, 0, 200, 1);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (int i = 0; i < 10; i++)
			metrics_record(m, 0, 200, 1);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(requests(m, "GET", "/health", 200), 1);
	metrics_close(m);
}
END_TEST

static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc;

	tc = tcase_create("render");
	tcase_add_test(tc, test_render_empty);
	tcase_add_test(tc, test_render_format);
	tcase_add_test(tc, test_record_by_route);
	tcase_add_loop_test(tc, test_latency_buckets, 0, NELEM(latency_cases));
	tcase_add_test(tc, test_counters_and_null);
	tcase_add_test(tc, test_slots_full);
	suite_add_tcase(s, tc);

	tc = tcase_create("shared");
	tcase_add_test(tc, test_file_persists_and_shares);
	tcase_add_test(tc, test_open_fails);
	tcase_add_loop_test(tc, test_fork, 0, 2);
	tcase_add_test(tc, test_private_not_shared);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(metrics_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
