/*
 * spot-health-monitor - offline agents, heartbeat miss rates, unconfirmed
 * zombies and stale jobs (core/health_monitor.h), every 5 minutes by default,
 * one holder at a time.
 *
 *   spot-health-monitor [--config FILE] [--once] [--interval SECONDS] [--now RFC3339]
 */
#include "jobs/jobloop.h"
#include "core/health_monitor.h"

static const struct jobloop_job health_monitor_job = {
	.name = "health-monitor",
	.default_interval_s = HEALTH_INTERVAL_S,
	.singular = 1,
	.tick = health_monitor_tick,
};

int main(int argc, char **argv)
{
	return jobloop_main(argc, argv, &health_monitor_job);
}
