/*
 * consolidate.h - staging prices -> 5-minute grid -> canonical features
 * (DESIGN.md section 6; seed 001 "Smart Emergency Fallback: data quality";
 * seed 004 "three-tier pricing pipeline").
 *
 * Rules (pure functions below, unit-tested with the seed's worked examples):
 *  - a sample falls in the bucket floor(observed_at / 5 min);
 *  - in a bucket, each source class (primary; everything else is "replica")
 *    gives the price at its latest sample time (price histories are step
 *    functions, so the latest point is the price in force at the bucket's
 *    end); several different prices at that same time give their mean;
 *    exact duplicates (same time, same price, same class) count once;
 *  - both classes present: |P - R| <= 0.5 % of P -> P ('deduplicated'),
 *    otherwise (P + R) / 2 flagged for review ('averaged'); one class -> its
 *    value ('actual');
 *  - between two consecutive real buckets a gap of more than 10 min flags the
 *    later bucket (gap_flagged, gap_seconds); a gap of up to 30 min is filled
 *    linearly on the grid ('interpolated'): 0.050 at T=0 and 0.060 at T=1200 s
 *    give 0.0525, 0.055, 0.0575; longer gaps stay open.
 *
 * The tick (consolidate_tick) reads staging rows received since the
 * watermark (or, for a backfill, observed in [from, to)), in slices of about
 * CONSOLIDATE_SLICE_ROWS by received_at (so no query scans an unbounded
 * backlog), pool by pool, in batches of CONSOLIDATE_BATCH_ROWS, streams them
 * through the rules, upserts pricing_consolidated and then pricing_canonical
 * keyed by (pool_id, bucket_start), and moves the watermark to the end of a
 * slice only when every pool of it succeeded, so a re-run of a window
 * changes nothing and a failed run resumes at its last finished slice. Memory is bounded by the batch sizes
 * and the 24-hour feature window, whatever the input size.
 */
#ifndef SPOT_CONSOLIDATE_H
#define SPOT_CONSOLIDATE_H

#include "core/result.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;
struct json_object;

#define CONSOLIDATE_BUCKET_MS (5 * 60 * 1000LL)
#define CONSOLIDATE_MERGE_TOLERANCE 0.005        /* 0.5 % of the primary's price */
#define CONSOLIDATE_GAP_FLAG_MS (10 * 60 * 1000LL)  /* gaps longer than this are flagged */
#define CONSOLIDATE_FILL_MAX_MS (30 * 60 * 1000LL)  /* gaps up to this are interpolated */
#define CONSOLIDATE_MAX_FILL ((int)(CONSOLIDATE_FILL_MAX_MS / CONSOLIDATE_BUCKET_MS) - 1)
#define CONSOLIDATE_MAX_DISTINCT 8               /* distinct prices kept per class and time */
#define CONSOLIDATE_BATCH_ROWS 5000              /* staging / consolidated rows read per query */
#define CONSOLIDATE_WRITE_ROWS 500               /* rows per upsert statement */
#define CONSOLIDATE_POOL_PAGE 200                /* pools listed per query */
#define CONSOLIDATE_SLICE_ROWS 500000            /* new staging rows (by received_at) per watermark step */
#define CONSOLIDATE_SETTLE_MS (60 * 1000LL)      /* rows younger than this wait for the next run */
#define CONSOLIDATE_FEATURE_WINDOW_MS (24 * 3600 * 1000LL)
#define CONSOLIDATE_MAX_INTERRUPTIONS 10000      /* interruption times read per pool window */
#define CONSOLIDATE_WATERMARK_KEY "CONSOLIDATE_WATERMARK"

enum consolidate_flag {
	CONSOLIDATE_ACTUAL,
	CONSOLIDATE_DEDUPLICATED,
	CONSOLIDATE_AVERAGED,
	CONSOLIDATE_INTERPOLATED,
};

struct consolidate_sample {
	int64_t observed_ms;
	double price;
	int primary; /* source_role 'primary'; replica, zombie and unknown are the other class */
};

/* One consolidated bucket. */
struct consolidate_row {
	int64_t bucket_ms;
	double price;
	double primary_price, replica_price; /* valid when has_primary / has_replica */
	int has_primary, has_replica;
	int sample_count;                    /* samples after exact duplicates were removed */
	enum consolidate_flag flag;
	int gap_flagged;
	int64_t gap_ms;                      /* gap before this bucket when gap_flagged, else 0 */
};

struct consolidate_stats {
	long long rows_read, rows_new, pools, slices, duplicates, merged, flagged_review, flagged_gap, flagged, interpolated,
		written, canonical_written;
};

/* Per-class running state inside one bucket. */
struct consolidate_class {
	int64_t t;                                 /* latest sample time seen (valid when n > 0) */
	double prices[CONSOLIDATE_MAX_DISTINCT];   /* distinct prices at t */
	int n, overflow;
	double overflow_sum;
};

/* One bucket being filled by samples in observed_at order. */
struct consolidate_acc {
	int64_t bucket_ms;
	int used, samples, duplicates;
	struct consolidate_class cls[2]; /* [0] replica, [1] primary */
};

/* Start of the grid bucket holding ms (floor, also for times before 1970). */
int64_t consolidate_bucket(int64_t ms);
const char *consolidate_flag_name(enum consolidate_flag f);
/* Parses a data_quality_flag; -1 when unknown. */
int consolidate_flag_parse(const char *s);

/* The merge rule: primary p and replica r -> price, *flag deduplicated or averaged. */
double consolidate_merge(double p, double r, enum consolidate_flag *flag);

void consolidate_acc_start(struct consolidate_acc *acc, int64_t bucket_ms);
/* Adds a sample of acc's bucket (samples arrive in observed_at order); 1 when it was an exact duplicate. */
int consolidate_acc_add(struct consolidate_acc *acc, const struct consolidate_sample *s);
/* The bucket's row (acc->used must be set). */
void consolidate_acc_row(const struct consolidate_acc *acc, struct consolidate_row *out);

/*
 * The gap rule between the real buckets prev and next (prev before next):
 * sets next's gap_flagged / gap_ms, and writes into fill (room for
 * CONSOLIDATE_MAX_FILL rows) the interpolated buckets strictly between them
 * when the gap is at most 30 min. Returns the number of fill rows.
 */
size_t consolidate_gap(const struct consolidate_row *prev, struct consolidate_row *next, struct consolidate_row *fill);

/*
 * The whole rule set over an array of samples sorted by observed_ms: the
 * consolidated rows in bucket order (real and interpolated) into out (cap
 * rows; the count needed is returned even when larger than cap). prev, when
 * not NULL, is the real bucket before the samples (gap and fill from it).
 * stats, when not NULL, gets duplicates, merged, flagged and interpolated.
 */
size_t consolidate_series(const struct consolidate_sample *s, size_t n, const struct consolidate_row *prev,
			  struct consolidate_row *out, size_t cap, struct consolidate_stats *stats);

/* Sliding feature window over a pool's consolidated rows (at most 24 h + 1 bucket). */
#define CONSOLIDATE_WINDOW_ROWS ((size_t)(CONSOLIDATE_FEATURE_WINDOW_MS / CONSOLIDATE_BUCKET_MS) + 1)

struct consolidate_features {
	int64_t bucket_ms;
	double price;
	int has_ondemand;
	double ondemand_price, ondemand_ratio, discount_pct;
	int has_change_5m, has_change_1h, has_change_24h;
	double change_5m_pct, change_1h_pct, change_24h_pct;
	double mean_24h, min_24h, max_24h;
	int has_vol_1h, has_vol_24h;
	double vol_1h, vol_24h;
	int interruptions_24h;
	int has_since_interruption;
	long long seconds_since_interruption;
	int hour_of_day, day_of_week; /* day_of_week: 0 = Sunday */
	enum consolidate_flag flag;
};

struct consolidate_window {
	int64_t bucket[CONSOLIDATE_WINDOW_ROWS];
	double price[CONSOLIDATE_WINDOW_ROWS];
	size_t head, n; /* ring: oldest at head */
};

void consolidate_window_init(struct consolidate_window *w);
/*
 * Pushes a row (bucket order) and computes its features from the rows of
 * the last 24 h; interruptions are the pool's interruption times (sorted,
 * any range around the row). has_ondemand / ondemand: the pool's on-demand price.
 */
void consolidate_window_push(struct consolidate_window *w, const struct consolidate_row *row, int has_ondemand,
			     double ondemand, const int64_t *interruptions, size_t ninterruptions,
			     struct consolidate_features *out);

/* What one run does: an incremental run (from_ms == to_ms == 0) or a backfill of observed_at in [from, to). */
struct consolidate_opts {
	int64_t from_ms, to_ms;
};

/* The job's tick (jobs/job_consolidate.c); stats go into the run's JSON. */
enum core_result consolidate_tick(struct db *db, struct arena *a, int64_t now_ms, const struct consolidate_opts *o,
				  struct json_object *stats, const char **error);

#endif
