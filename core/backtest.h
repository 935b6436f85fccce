/*
 * backtest.h - replays spot price histories through a decision model (issue 8
 * item 5). Pure: no I/O, no clock. The inputs are plain arrays the caller
 * fills from anywhere (price_history.h parses the AWS JSON and CSV files;
 * the admin validation fills the same structs from pricing_canonical), and
 * the same inputs always give the same result.
 *
 * The replay:
 *   - a simulated fleet of one instance per instance type (and region), on
 *     on-demand from its type's first record (not before start_ms, default
 *     the first timestamp of all series) to its type's last record (not
 *     after end_ms, default the last timestamp), evaluated every step_ms
 *     (default 5 min) from its start; histories of different periods can be
 *     replayed together without an instance living through the gap;
 *   - a pool's price holds from its record until the next record of the same
 *     pool; before its first record the pool has no price (never a target);
 *   - candidates of an instance are the pools of its own type and region
 *     (every AZ);
 *   - per-pool features (DF_* of decision.h) are computed from the history
 *     up to the evaluation time only; interruptions are unknown in price-only
 *     data, so the old markets' reclaim signal stands in for them: a pool's
 *     "interruption" is its price rising above the type's on-demand price
 *     (DF_INTERRUPTIONS_24H counts such crossings, and a crossing in the last
 *     30 minutes flags the pool);
 *   - decision_evaluate() + decision_history_update() decide each step; a
 *     switch bills the old location for overlap_minutes as well (both
 *     instances run while the new one starts).
 *
 * Costs are integrals of the price step functions in USD (price $/h x hours):
 *   ondemand_cost       every instance on on-demand all the time;
 *   model_cost          what the model's decisions cost, overlaps included;
 *   cheapest_spot_cost  every instance always in its type's cheapest priced
 *                       pool, switching free and instant (a floor blind to
 *                       risk; on-demand while no pool has a price);
 *   oracle_cost         a hindsight oracle: the cheapest path over the same
 *                       step grid knowing every future price, obeying the
 *                       model's own rules (a pool is usable at a step only
 *                       when the model's score is within its bands and
 *                       max_risk, it is not flagged and its price is below
 *                       on-demand) and paying the same overlap per switch;
 *   switches            switches the model made (all instances);
 *   cheapest_exposed_hours  the same for the cheapest-pool strategy (the pool
 *                       cheapest at each step's start): what its lower cost risks;
 *   exposed_hours       hours the model's instances spent in a pool whose
 *                       price rose above on-demand within the following hour.
 */
#ifndef SPOT_BACKTEST_H
#define SPOT_BACKTEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/decision.h"

#define BACKTEST_STEP_MS_DEFAULT (5 * 60 * 1000)
#define BACKTEST_OVERLAP_MINUTES_DEFAULT 10.0
#define BACKTEST_MAX_POOLS 4096
#define BACKTEST_MAX_STEPS (2 * 1000 * 1000) /* about 19 years of 5-minute steps */

/* One price change: price in $/h from t_ms until the next point. */
struct backtest_point {
	int64_t t_ms;
	double price;
};

/* One pool's history; points ascending by t_ms (equal times: the later one wins). */
struct backtest_pool {
	const char *pool_id;        /* may be NULL; e.g. "us-east-1a:m1.small" */
	const char *region;         /* may be NULL (one region); a type in two regions is two instances */
	const char *instance_type;
	const char *az;
	const struct backtest_point *pts;
	size_t npts;
};

/* The on-demand price of a type ($/h). Types without one (or <= 0) are skipped. */
struct backtest_ondemand {
	const char *region;         /* NULL: any region */
	const char *instance_type;
	double price;
};

struct backtest_input {
	const struct backtest_pool *pools;
	size_t npools;
	const struct backtest_ondemand *ondemand;
	size_t nondemand;
	const struct decision_model *model;
	const struct decision_policy *policy;
	double overlap_minutes;     /* < 0: BACKTEST_OVERLAP_MINUTES_DEFAULT; 0 allowed */
	int64_t step_ms;            /* <= 0: BACKTEST_STEP_MS_DEFAULT */
	int64_t start_ms, end_ms;   /* 0: the first / last timestamp of all pools */
};

/* One instance type's share of the totals. */
struct backtest_type_result {
	char region[32];
	char instance_type[64];
	double ondemand_price;
	size_t npools;
	double ondemand_cost, model_cost, cheapest_spot_cost, oracle_cost;
	long switches;
	double exposed_hours;
	double cheapest_exposed_hours;
	double spot_hours;          /* hours the model's instance ran on spot */
	double hours;               /* the instance's life: its pools' first to last record */
};

struct backtest_result {
	double ondemand_cost, model_cost, cheapest_spot_cost, oracle_cost;
	long switches;
	double exposed_hours;
	double cheapest_exposed_hours;
	double spot_hours;
	double hours;               /* end - start of the whole run, hours */
	double instance_hours;      /* the sum of the instances' lives */
	int64_t start_ms, end_ms;
	/* skipped types: no on-demand price */
	size_t skipped_types;
	struct backtest_type_result *types; /* ntypes, in order of first appearance in pools */
	size_t ntypes;
	/*
	 * The per-hour cost series of the whole fleet for a chart: hour i covers
	 * [start_ms + i h, start_ms + (i+1) h); a switch's overlap is billed in
	 * the hour of the switch.
	 */
	size_t nhours;
	double *hour_ondemand, *hour_model, *hour_cheapest, *hour_oracle;
};

/*
 * Runs the replay. Returns 0, or -1 with a reason in err (no pools, no type
 * with an on-demand price, unsorted points, too many steps, out of memory);
 * on -1 out holds nothing to release. On 0 release out with
 * backtest_result_release().
 */
int backtest_run(const struct backtest_input *in, struct backtest_result *out, char *err, size_t errlen);

void backtest_result_release(struct backtest_result *r);

/*
 * One row of the training data spot-train learns from: a pool's features at
 * an evaluation time and whether its price rises above on-demand within the
 * following hour (1) or not (0).
 */
struct backtest_row {
	int64_t t_ms;
	size_t pool;                /* index into the input's pools */
	double f[DF_COUNT];
	int label;
};

/*
 * The features of every priced pool of a type with an on-demand price at
 * every step of the grid of backtest_run() (model, policy and overlap are not
 * used and may be NULL). Rows are in time order, pools in input order within
 * a time; only steps with a full hour of future ahead (t + 1 h <= end) are
 * labelled and returned; a type's steps run over its own life as in
 * backtest_run(). *rows is malloc'd (free() it). Returns 0 or -1 with
 * err.
 */
int backtest_dataset(const struct backtest_input *in, struct backtest_row **rows, size_t *nrows, char *err,
		     size_t errlen);

#endif
