/*
 * prices.h - spot price histories, replayed.
 *
 * A trace is the JSON that `aws ec2 describe-spot-price-history` prints or a
 * CSV with the header timestamp,availability_zone,instance_type,
 * product_description,spot_price. Each row is a price change of one series
 * (AZ, instance type, product); a price holds until the series' next row.
 * A trace is anchored so that the point history_fraction into its span is
 * simulated time 0 (the simulator's start): rows before it are history, rows
 * after it are published as simulated time reaches them (clock.h).
 * Rows are stored in simulated time (vt, ms).
 *
 * Pools without a trace get synthetic prices, calibrated by the Spot Advisor
 * data (../shared/testdata/spot-advisor/): its savings per type set the price
 * level relative to on-demand, its interruption-frequency bucket the
 * volatility and the random interruption rate. A synthetic series is a
 * mean-reverting random walk of the log price with changes at exponential
 * intervals, drawn from its own seeded stream, so it is the same whenever it
 * is generated; rows are generated as simulated time reaches them.
 */
#ifndef SPOT_SIM_PRICES_H
#define SPOT_SIM_PRICES_H

#include <stddef.h>
#include <stdint.h>

#define PRICES_MAX_ROWS 2000000
#define PRICES_MAX_SERIES 100000
#define PRICES_NAME_LEN 64
#define PRICES_PRICE_LEN 24
#define PRICES_MAX_ADVISOR 200000	/* (region, type) entries kept from the Spot Advisor data */
#define PRICES_ADVISOR_MAX_FILE (16 * 1024 * 1024)

struct prices_series {
	char region[PRICES_NAME_LEN];
	char az[PRICES_NAME_LEN];
	char type[PRICES_NAME_LEN];
	char product[PRICES_NAME_LEN];
	size_t first, count;	/* rows[first .. first+count), oldest first */
};

struct prices_row {
	int64_t vt_ms;
	size_t series;
	char price[PRICES_PRICE_LEN];
};

struct prices {
	struct prices_series *series;
	size_t nseries, series_alloc;
	struct prices_row *rows;
	size_t nrows, rows_alloc;
	int dirty;		/* rows not yet sorted into series ranges */
};

/* What a DescribeSpotPriceHistory asks for; NULL lists mean any. Borrowed. */
struct prices_query {
	const char *region;
	const char *const *types;
	size_t ntypes;
	const char *const *products;
	size_t nproducts;
	const char *const *azs;
	size_t nazs;
	int has_start, has_end;
	int64_t start_vt, end_vt;
};

/* What a pool's market looks like. */
struct prices_calib {
	double on_demand;	/* $/hour, Linux */
	int savings;		/* percent below on-demand (Spot Advisor "s") */
	int bucket;		/* interruption-frequency range index 0..4 (Spot Advisor "r") */
	double rate;		/* interruptions per instance-hour, from the bucket */
	int advised;		/* 1 when savings and bucket came from the advisor data */
};

/* The state of one synthetic series. */
struct prices_synth {
	uint64_t rng;
	double mean;		/* $/hour the walk reverts to */
	double logp;		/* the log price now */
	double sigma;		/* log step */
	double cap;		/* spot never exceeds on-demand */
	int64_t mean_gap_ms;	/* mean simulated time between changes */
	int64_t next_vt;	/* the next change */
};

struct prices_advisor_entry {
	unsigned short region;	/* index into regions */
	unsigned short type;	/* index into types */
	unsigned char savings, bucket;
};

struct prices_advisor_type {
	char name[PRICES_NAME_LEN];
	float cores, ram_gb;
};

/* The Spot Advisor data, Linux only, for the regions asked for. */
struct prices_advisor {
	char (*regions)[PRICES_NAME_LEN];
	size_t nregions;
	struct prices_advisor_type *types;
	size_t ntypes;
	struct prices_advisor_entry *entries;
	size_t nentries;
};

void prices_init(struct prices *p);
void prices_release(struct prices *p);
/*
 * Loads a trace file (JSON or CSV, by content) anchored at history_fraction
 * (0..1) of its span. Returns the number of rows loaded, or -1 with a reason in err.
 */
long prices_load_file(struct prices *p, const char *path, double history_fraction, char *err, size_t errsize);
/* Same, from text in memory; origin names it in errors. */
long prices_load_text(struct prices *p, const char *text, size_t len, const char *origin, double history_fraction,
		      char *err, size_t errsize);
/* Adds one price change at vt (a control API price set). Returns 0 or -1 (bad input, limits). */
int prices_add(struct prices *p, const char *az, const char *type, const char *product, const char *price,
	       int64_t vt_ms);
/* Sorts rows into their series after loading or adding (done lazily by the readers too). */
void prices_finish(struct prices *p);
/* The price of a series in force at vt, or NULL when none is known yet. */
const char *prices_current(struct prices *p, const char *az, const char *type, const char *product, int64_t vt_ms);
/*
 * The rows q selects among those published by now_vt, newest first (ties by
 * AZ, type, product): the rows in [start, end] and, per series, the row in
 * force at start (AWS: the effective price as of the start time).
 * *out is malloc'd (caller frees). Returns the count.
 */
size_t prices_query(struct prices *p, const struct prices_query *q, int64_t now_vt, const struct prices_row ***out);
/*
 * Loads the Spot Advisor JSON (spot_advisor[region]["Linux"][type] = {"s", "r"},
 * instance_types[type] = {"cores", "ram_gb"}), keeping the regions listed and
 * us-east-1 (the fallback). Returns the entries kept, or -1 with a reason in err.
 */
long prices_advisor_load(struct prices_advisor *a, const char *path, const char *const *regions, size_t nregions,
			 char *err, size_t errsize);
void prices_advisor_release(struct prices_advisor *a);
/*
 * The market of (region, type): the advisor's savings and bucket (the
 * region's, else us-east-1's, else 70% and bucket 1), the on-demand price
 * (a table of published us-east-1 Linux prices, else estimated from cores and
 * memory, else from the size name; other regions a little dearer).
 */
void prices_calibrate(const struct prices_advisor *a, const char *region, const char *type, struct prices_calib *out);
/* Interruption-frequency bucket label ("<5%" ... ">20%"). */
const char *prices_bucket_label(int bucket);
/* Starts a synthetic series with its stream state rng, from simulated from_vt. */
void prices_synth_init(struct prices_synth *s, const struct prices_calib *c, uint64_t rng, double az_factor,
		       int64_t from_vt);
/* Adds the series' changes up to until_vt as rows of (az, type, "Linux/UNIX"). Returns rows added or -1. */
long prices_synth_extend(struct prices *p, struct prices_synth *s, const char *az, const char *type, int64_t until_vt);
/* The region of an AZ name: "us-east-1a" -> "us-east-1". */
void prices_az_region(const char *az, char *region, size_t size);

#endif
