/*
 * db_risk_analysis.h - the batched statements of spot-risk-analysis
 * (core/risk_analysis.h): the inputs of the pool risk score (core/risk.h) for
 * every active pool at once, in four grouped queries whatever the number of
 * pools (db_risk.h gathers the same inputs for one pool), the hourly upsert of
 * pool_risk_analysis, and the Spot Advisor buckets of spot_pools.
 */
#ifndef SPOT_DB_RISK_ANALYSIS_H
#define SPOT_DB_RISK_ANALYSIS_H

#include "core/risk.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

struct db_risk_pool {
	const char *pool_id, *region, *instance_type; /* in the arena */
	struct risk_inputs in;
};

/*
 * Every active pool (at most max) with its risk inputs as of at_ms: termination
 * notices over the RISK_WINDOW_DAYS before at_ms (distinct instances, any
 * client), the mean age at at_ms of our live instances installed by then,
 * price samples observed in the RISK_VOLATILITY_HOURS before at_ms, the flag
 * (flagged_until after at_ms) and the bucket. *out is in the arena, sorted by
 * pool id (strcmp). Returns the count, or -1 on error.
 */
long db_risk_analysis_pools(struct db *db, struct arena *a, int64_t at_ms, size_t max, struct db_risk_pool **out);

/*
 * Upserts the row of (pool, hour): 2 when an existing row changed, 1 inserted
 * or unchanged (the connection counts found rows), -1 error.
 */
int db_risk_analysis_upsert(struct db *db, const struct db_risk_pool *p, int64_t hour_ms,
			    const struct risk_breakdown *b);

/* The rows of the hour, or -1. */
long db_risk_analysis_hour_rows(struct db *db, struct arena *a, int64_t hour_ms);

/* Sets the bucket of the active pools of (region, type) where it differs: the pools changed, or -1. */
long db_risk_analysis_set_bucket(struct db *db, const char *region, const char *instance_type, int bucket);

#endif
