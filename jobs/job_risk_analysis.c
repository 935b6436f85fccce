/*
 * spot-risk-analysis - the hourly pool risk analysis (core/risk_analysis.h),
 * one holder at a time.
 *
 *   spot-risk-analysis [--config FILE] [--once] [--interval SECONDS] [--now RFC3339] [--advisor FILE]
 *
 * --advisor FILE: the Spot Advisor JSON whose interruption-frequency ranges
 * set spot_pools.interruption_bucket before each analysis.
 */
#include "jobs/jobloop.h"
#include "core/risk_analysis.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct risk_analysis_opts risk_analysis_options;

static int risk_analysis_parse_arg(void *opts, int argc, char **argv, int *i)
{
	struct risk_analysis_opts *o = opts;
	if (!strcmp(argv[*i], "--advisor") && *i + 1 < argc) {
		o->advisor_file = argv[++*i];
		if (access(o->advisor_file, R_OK) != 0) {
			fprintf(stderr, "spot-risk-analysis: --advisor: cannot read %s\n", o->advisor_file);
			return -1;
		}
		return 0;
	}
	return 1;
}

static const struct jobloop_job risk_analysis_job = {
	.name = "risk-analysis",
	.default_interval_s = RISK_ANALYSIS_INTERVAL_S,
	.singular = 1,
	.parse_arg = risk_analysis_parse_arg,
	.opts = &risk_analysis_options,
	.usage_extra = "[--advisor FILE]",
	.tick_opts = risk_analysis_tick,
};

int main(int argc, char **argv)
{
	return jobloop_main(argc, argv, &risk_analysis_job);
}
