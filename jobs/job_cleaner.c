/* job_cleaner.c - spot-cleaner: weekly retention in bounded batches (core/cleaner.h). */
#include "core/cleaner.h"
#include "jobs/jobloop.h"

static const struct jobloop_job cleaner_job = {
	.name = "cleaner",
	.default_interval_s = 7 * 86400,
	.singular = 1,
	.tick = cleaner_tick,
};

int main(int argc, char **argv)
{
	return jobloop_main(argc, argv, &cleaner_job);
}
