/*
 * job_consolidate.c - spot-consolidate: staging prices -> 5-minute grid ->
 * canonical features (core/consolidate.h), every hour by default.
 *
 *   spot-consolidate [loop options] [--from RFC3339 --to RFC3339]
 *
 * Without --from/--to a run reads the staging rows received since the
 * watermark; with them it recomputes every pool's rows observed in [from, to)
 * (a backfill; the watermark is left alone). Use --once for a backfill.
 */
#include "common/timeutil.h"
#include "core/consolidate.h"
#include "jobs/jobloop.h"

#include <stdio.h>
#include <string.h>

static int consolidate_job_parse_arg(void *opts, int argc, char **argv, int *i)
{
	struct consolidate_opts *o = opts;
	int64_t *dst;

	if (!strcmp(argv[*i], "--from"))
		dst = &o->from_ms;
	else if (!strcmp(argv[*i], "--to"))
		dst = &o->to_ms;
	else
		return 1;
	if (*i + 1 >= argc || time_parse_rfc3339(argv[*i + 1], dst) < 0) {
		fprintf(stderr, "spot-consolidate: %s: expected an RFC 3339 time like 2026-11-24T06:00:00Z\n", argv[*i]);
		return -1;
	}
	(*i)++;
	return 0;
}

static enum core_result consolidate_job_tick(void *opts, struct db *db, struct arena *a, int64_t now_ms,
					     struct json_object *stats, const char **error)
{
	return consolidate_tick(db, a, now_ms, opts, stats, error);
}

int main(int argc, char **argv)
{
	struct consolidate_opts opts = { 0, 0 };
	struct jobloop_job job = {
		.name = "consolidate",
		.default_interval_s = 3600,
		.singular = 1,
		.parse_arg = consolidate_job_parse_arg,
		.opts = &opts,
		.usage_extra = "[--from RFC3339 --to RFC3339]",
		.tick_opts = consolidate_job_tick,
	};
	int rc = jobloop_main(argc, argv, &job);
	return rc;
}
