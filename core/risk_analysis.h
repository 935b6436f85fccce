/*
 * risk_analysis.h - spot-risk-analysis's tick (DESIGN.md section 6, issue 8
 * item 2): every hour, for every active pool, the pool risk score of risk.h
 * with its components, written to pool_risk_analysis for the hour.
 *
 * The row of an hour H (analyzed_at = H, the start of now's hour) describes
 * the pool as of H: interruptions over the RISK_WINDOW_DAYS before H, the age
 * of our instances at H, the price samples of the RISK_VOLATILITY_HOURS
 * before H, the flag at H, the bucket. Every input is taken as of H, never as
 * of the wall clock, so running the hour again writes the same values (the
 * upsert on (pool_id, analyzed_at) changes nothing unless data about the past
 * arrived meanwhile). Inputs come in four grouped queries for all pools
 * (core/db_risk_analysis.h), not per pool.
 *
 * With an advisor file (the Spot Advisor JSON, ../shared/testdata/spot-advisor/:
 * spot_advisor[region]["Linux"][type]["r"] is the interruption-frequency range
 * 0 '<5%' .. 4 '>20%'), the tick first sets spot_pools.interruption_bucket of
 * every active pool the file knows (only where it differs); pools it does not
 * know keep theirs. ./spot up passes the shared copy (scripts/jobs.sh).
 *
 * Stats: hour, pools, rows_inserted, rows_changed, rows_unchanged,
 * advisor_pairs (region/type pairs the file knows), advisor_pools_updated.
 */
#ifndef SPOT_RISK_ANALYSIS_H
#define SPOT_RISK_ANALYSIS_H

#include "core/result.h"

#include <stdint.h>

#define RISK_ANALYSIS_INTERVAL_S 3600
#define RISK_ANALYSIS_MAX_POOLS 200000 /* pools analysed per tick */
#define RISK_ANALYSIS_ADVISOR_OS "Linux"

struct arena;
struct db;
struct json_object;

struct risk_analysis_opts {
	const char *advisor_file; /* NULL: leave the buckets alone */
};

/*
 * The bucket the advisor data (parsed JSON) gives (region, type) for Linux:
 * 0..4, or -1 when unknown or malformed.
 */
int risk_analysis_advisor_bucket(struct json_object *advisor, const char *region, const char *instance_type);

/* One pass at now_ms with opts (a struct risk_analysis_opts *; NULL for none). */
enum core_result risk_analysis_tick(void *opts, struct db *db, struct arena *a, int64_t now_ms,
				    struct json_object *stats, const char **error);

#endif
