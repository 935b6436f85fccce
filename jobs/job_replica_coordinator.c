/*
 * spot-replica-coordinator - keeps standby replicas and interruption notices in
 * order (core/coordinator.h), every 10 s by default, one holder at a time.
 *
 *   spot-replica-coordinator [--config FILE] [--once] [--interval SECONDS] [--now RFC3339]
 */
#include "jobs/jobloop.h"
#include "core/coordinator.h"

static const struct jobloop_job replica_coordinator_job = {
	.name = "replica-coordinator",
	.default_interval_s = COORD_INTERVAL_S,
	.singular = 1,
	.tick = coordinator_tick,
};

int main(int argc, char **argv)
{
	return jobloop_main(argc, argv, &replica_coordinator_job);
}
