/* job_snapshots.c - spot-snapshots: the daily client and savings snapshots (core/snapshots.h), with a backfill. */
#include "core/snapshots.h"
#include "jobs/jobloop.h"

static const struct jobloop_job snapshots_job = {
	.name = "snapshots",
	.default_interval_s = 86400,
	.singular = 1,
	.tick = snapshots_tick,
};

int main(int argc, char **argv)
{
	return jobloop_main(argc, argv, &snapshots_job);
}
