/*
 * db_risk.h - gathers the inputs of the pool risk score (core/risk.h) from
 * spot_pools, spot_interruption_events, instances and spot_price_snapshots.
 */
#ifndef SPOT_DB_RISK_H
#define SPOT_DB_RISK_H

#include "core/risk.h"

struct arena;
struct db;

/*
 * Fills out for pool_id as of now: termination notices in the last
 * RISK_WINDOW_DAYS (distinct instances, any client), the mean age of live
 * instances (primary, replica, standby), the coefficient of variation of the
 * spot price samples of the last RISK_VOLATILITY_HOURS, the flag and the
 * bucket. 1 found, 0 no such pool (out is a calm pool), -1 error.
 */
int db_risk_inputs(struct db *db, struct arena *a, const char *pool_id, struct risk_inputs *out);

#endif
