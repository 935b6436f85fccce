/*
 * spot-decide - the decision engine's job (core/decide.h): every agent
 * evaluated every 5 minutes by default, one holder at a time; auto-switch
 * agents get their switch commands, the others a logged recommendation.
 *
 *   spot-decide [--config FILE] [--once] [--interval SECONDS] [--now RFC3339]
 */
#include "jobs/jobloop.h"
#include "core/decide.h"

static const struct jobloop_job decide_job = {
	.name = "decide",
	.default_interval_s = DECIDE_INTERVAL_S,
	.singular = 1,
	.tick = decide_tick,
};

int main(int argc, char **argv)
{
	return jobloop_main(argc, argv, &decide_job);
}
