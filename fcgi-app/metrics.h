/*
 * metrics.h - request statistics shared by every worker of a pool.
 *
 * The counters live in a file mapped MAP_SHARED by all workers (path from
 * SPOT_METRICS_FILE), updated with atomic adds, so /metrics answered by any
 * worker shows the totals of all of them. Without a file the counters are
 * private to the process. They are statistics only: nothing depends on them.
 */
#ifndef SPOT_METRICS_H
#define SPOT_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct route;
struct strbuf;

struct metrics;

/* Maps path (created when missing), or private memory when path is NULL. 0 or -1. */
int metrics_open(struct metrics **m, const char *path);
void metrics_close(struct metrics *m);

/* route_index is an index into the route table, or -1 for a request no route matched. */
void metrics_record(struct metrics *m, int route_index, int status, int64_t duration_us);
void metrics_add_db(struct metrics *m, uint64_t errors, uint64_t reconnects);
void metrics_worker_started(struct metrics *m);
/* A stored pricing report; known: its pools and catalog pairs were all known (core/pricing.h). */
void metrics_add_pricing(struct metrics *m, int known);

/* Prometheus text exposition format 0.0.4. */
void metrics_render(const struct metrics *m, const struct route *routes, size_t nroutes, struct strbuf *out);

#endif
