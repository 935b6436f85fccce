/*
 * metrics.c - shared counters in a mapped file and their Prometheus rendering
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 */
#include "fcgi-app/metrics.h"
#include "fcgi-app/route.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define METRICS_MAGIC 0x53504f544d455432ULL /* "SPOTMET2" */
#define METRICS_SLOTS 512
#define METRICS_BUCKETS 12

/* Upper bounds of the latency histogram, in microseconds. */
static const int64_t metrics_bucket_us[METRICS_BUCKETS] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
};

struct metrics_slot {
	uint32_t key; /* (route_index + 2) << 10 | status; 0 = free */
	uint32_t pad;
	uint64_t count;
};

struct metrics_shared {
	uint64_t magic;
	uint64_t workers_started;
	uint64_t db_errors;
	uint64_t db_reconnects;
	uint64_t pricing_known[2]; /* reports stored without / with every pool and pair known */
	uint64_t latency_count;
	uint64_t latency_sum_us;
	uint64_t latency_buckets[METRICS_BUCKETS]; /* non-cumulative */
	uint64_t slots_full;
	struct metrics_slot slots[METRICS_SLOTS];
};

struct metrics {
	struct metrics_shared *sh;
};

int metrics_open(struct metrics **out, const char *path)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	size_t size = sizeof(struct metrics_shared);
	void *p;

	if (path && *path) {
		struct stat st;
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			free(m);
			return log_err("metrics_open: %s: %s", path, strerror(errno));
		}
		/* Several workers may race here; growing to the same size is harmless. */
		if (fstat(fd, &st) < 0 || ((size_t)st.st_size != size && ftruncate(fd, (off_t)size) < 0)) {
			close(fd);
			free(m);
			return log_err("metrics_open: %s: %s", path, strerror(errno));
		}
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
	} else {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (p == MAP_FAILED) {
		free(m);
		return log_err("metrics_open: mmap: %s", strerror(errno));
	}
	m->sh = p;
	{
		uint64_t zero = 0;
		/* A fresh file is all zeros; claim it. A file of another layout is reset by `spot up`. */
		__atomic_compare_exchange_n(&m->sh->magic, &zero, METRICS_MAGIC, 0, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&m->sh->magic, __ATOMIC_SEQ_CST) != METRICS_MAGIC)
			log_warn("metrics_open: %s has an unknown layout; counts may be wrong", path);
	}
	*out = m;
	return 0;
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	munmap(m->sh, sizeof(*m->sh));
	free(m);
}

static void metrics_add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

void metrics_record(struct metrics *m, int route_index, int status, int64_t duration_us)
{
	uint32_t key = ((uint32_t)(route_index + 2) << 10) | ((uint32_t)status & 0x3ff);
	size_t h = (size_t)(key * 2654435761u) % METRICS_SLOTS;
	size_t b;

	if (!m)
		return;
	for (size_t i = 0; i < METRICS_SLOTS; i++) {
		struct metrics_slot *s = &m->sh->slots[(h + i) % METRICS_SLOTS];
		uint32_t cur = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);
		if (cur == 0) {
			uint32_t expect = 0;
			if (__atomic_compare_exchange_n(&s->key, &expect, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				cur = key;
			else
				cur = expect;
		}
		if (cur == key) {
			metrics_add(&s->count, 1);
			goto latency;
		}
	}
	metrics_add(&m->sh->slots_full, 1);
latency:
	if (duration_us < 0)
		duration_us = 0;
	for (b = 0; b < METRICS_BUCKETS && duration_us > metrics_bucket_us[b]; b++)
		;
	if (b < METRICS_BUCKETS)
		metrics_add(&m->sh->latency_buckets[b], 1);
	metrics_add(&m->sh->latency_count, 1);
	metrics_add(&m->sh->latency_sum_us, (uint64_t)duration_us);
}

void metrics_add_db(struct metrics *m, uint64_t errors, uint64_t reconnects)
{
	if (!m)
		return;
	if (errors)
		metrics_add(&m->sh->db_errors, errors);
	if (reconnects)
		metrics_add(&m->sh->db_reconnects, reconnects);
}

void metrics_add_pricing(struct metrics *m, int known)
{
	if (m)
		metrics_add(&m->sh->pricing_known[known ? 1 : 0], 1);
}

void metrics_worker_started(struct metrics *m)
{
	if (m)
		metrics_add(&m->sh->workers_started, 1);
}

static const char *metrics_method(enum http_method m)
{
	static const char *const names[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER" };
	return names[m];
}

void metrics_render(const struct metrics *m, const struct route *routes, size_t nroutes, struct strbuf *out)
{
	const struct metrics_shared *sh = m->sh;
	uint64_t cum = 0;

	strbuf_addstr(out, "# HELP spot_http_requests_total Requests answered by the worker pool, by route and status.\n"
			   "# TYPE spot_http_requests_total counter\n");
	for (size_t i = 0; i < METRICS_SLOTS; i++) {
		uint32_t key = __atomic_load_n(&sh->slots[i].key, __ATOMIC_ACQUIRE);
		uint64_t count = __atomic_load_n(&sh->slots[i].count, __ATOMIC_RELAXED);
		int route = (int)(key >> 10) - 2;
		if (!key)
			continue;
		if (route >= 0 && (size_t)route < nroutes)
			strbuf_addf(out, "spot_http_requests_total{method=\"%s\",route=\"%s\",status=\"%u\"} %llu\n",
				    metrics_method(routes[route].method), routes[route].pattern, key & 0x3ff,
				    (unsigned long long)count);
		else
			strbuf_addf(out, "spot_http_requests_total{method=\"\",route=\"unmatched\",status=\"%u\"} %llu\n",
				    key & 0x3ff, (unsigned long long)count);
	}
	strbuf_addstr(out, "# HELP spot_http_request_duration_seconds Time from request start to response written.\n"
			   "# TYPE spot_http_request_duration_seconds histogram\n");
	for (size_t b = 0; b < METRICS_BUCKETS; b++) {
		cum += __atomic_load_n(&sh->latency_buckets[b], __ATOMIC_RELAXED);
		strbuf_addf(out, "spot_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			    (double)metrics_bucket_us[b] / 1e6, (unsigned long long)cum);
	}
	strbuf_addf(out, "spot_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
		    (unsigned long long)__atomic_load_n(&sh->latency_count, __ATOMIC_RELAXED));
	strbuf_addf(out, "spot_http_request_duration_seconds_sum %.6f\n",
		    (double)__atomic_load_n(&sh->latency_sum_us, __ATOMIC_RELAXED) / 1e6);
	strbuf_addf(out, "spot_http_request_duration_seconds_count %llu\n",
		    (unsigned long long)__atomic_load_n(&sh->latency_count, __ATOMIC_RELAXED));
	strbuf_addf(out,
		    "# HELP spot_db_errors_total Database statements or connection attempts that failed.\n"
		    "# TYPE spot_db_errors_total counter\nspot_db_errors_total %llu\n"
		    "# HELP spot_db_reconnects_total Database connections re-established after a loss.\n"
		    "# TYPE spot_db_reconnects_total counter\nspot_db_reconnects_total %llu\n"
		    "# HELP spot_workers_started_total Worker processes started since the pool's metrics file was made.\n"
		    "# TYPE spot_workers_started_total counter\nspot_workers_started_total %llu\n"
		    "# HELP spot_metrics_slots_full_total Requests not counted by route because the table was full.\n"
		    "# TYPE spot_metrics_slots_full_total counter\nspot_metrics_slots_full_total %llu\n"
		    "# HELP spot_pricing_reports_total Pricing reports stored, by whether the worker knew every pool and "
		    "catalog pair (known: no JSON check) or read them (checked).\n"
		    "# TYPE spot_pricing_reports_total counter\n"
		    "spot_pricing_reports_total{pools=\"checked\"} %llu\nspot_pricing_reports_total{pools=\"known\"} %llu\n",
		    (unsigned long long)__atomic_load_n(&sh->db_errors, __ATOMIC_RELAXED),
		    (unsigned long long)__atomic_load_n(&sh->db_reconnects, __ATOMIC_RELAXED),
		    (unsigned long long)__atomic_load_n(&sh->workers_started, __ATOMIC_RELAXED),
		    (unsigned long long)__atomic_load_n(&sh->slots_full, __ATOMIC_RELAXED),
		    (unsigned long long)__atomic_load_n(&sh->pricing_known[0], __ATOMIC_RELAXED),
		    (unsigned long long)__atomic_load_n(&sh->pricing_known[1], __ATOMIC_RELAXED));
}
