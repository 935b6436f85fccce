/*
 * db_consolidate.h - the statements of the consolidation pipeline:
 * spot_price_snapshots (read), pricing_consolidated and pricing_canonical
 * (upserts keyed by (pool_id, bucket_start)), the watermark row in
 * system_config, and the pool facts the features need.
 *
 * Times cross this interface as epoch milliseconds (UTC). Everything
 * returned lives in arena a. Functions return 0 or -1 (db->last_error).
 */
#ifndef SPOT_DB_CONSOLIDATE_H
#define SPOT_DB_CONSOLIDATE_H

#include "core/consolidate.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;
struct strbuf;

/* A pool with staging rows to consolidate: their observed_at range and count. */
struct db_consolidate_pool {
	const char *pool_id;
	int64_t min_ms, max_ms;
	long long count;
};

/* Pools (id > after, at most limit, by id) with rows received in (wm_ms, upper_ms]. after may be "". */
int db_consolidate_new_pools(struct db *db, struct arena *a, int64_t wm_ms, int64_t upper_ms, const char *after,
			     size_t limit, struct db_consolidate_pool **out, size_t *n);
/*
 * The end of the next slice of new rows: the received_at (ms) of the slice-th
 * row received in (wm_ms, upper_ms], or upper_ms when fewer follow. A slice
 * ends at a received_at value, so rows sharing it are never split.
 */
int db_consolidate_slice_end(struct db *db, struct arena *a, int64_t wm_ms, int64_t upper_ms, long slice,
			     int64_t *end_ms);
/* Pools (id > after, at most limit) with rows observed in [from_ms, to_ms); n may be less than limit while more follow:
 * *next_after says where to go on ("" when the pools are exhausted). */
int db_consolidate_range_pools(struct db *db, struct arena *a, int64_t from_ms, int64_t to_ms, const char *after,
			       size_t limit, struct db_consolidate_pool **out, size_t *n, const char **next_after);

/* The watermark (received_at of the newest row consolidated); *found 0 when none yet. */
int db_consolidate_watermark_get(struct db *db, struct arena *a, int64_t *ms, int *found);
int db_consolidate_watermark_set(struct db *db, int64_t ms);

/*
 * Staging samples of pool observed in [from_ms, to_ms) after the key
 * (after_ms, after_instance) (after_instance NULL: from the start), in
 * (observed_at, instance_id) order, at most limit. *last_instance is the last
 * row's instance_id (for the next call).
 */
int db_consolidate_samples(struct db *db, struct arena *a, const char *pool, int64_t from_ms, int64_t to_ms,
			   int64_t after_ms, const char *after_instance, size_t limit, struct consolidate_sample **out,
			   size_t *n, const char **last_instance);

/* The nearest real (not interpolated) consolidated row before (before = 1) or after bucket_ms. */
int db_consolidate_anchor(struct db *db, struct arena *a, const char *pool, int64_t bucket_ms, int before,
			  struct consolidate_row *out, int *found);
/* Upserts n consolidated rows (n <= CONSOLIDATE_WRITE_ROWS) of pool; sb is scratch. */
int db_consolidate_upsert(struct db *db, const char *pool, const struct consolidate_row *rows, size_t n,
			  struct strbuf *sb);

/* Consolidated rows of pool with bucket_start in (after_ms, to_ms], by bucket, at most limit. */
int db_consolidate_rows(struct db *db, struct arena *a, const char *pool, int64_t after_ms, int64_t to_ms,
			size_t limit, struct consolidate_row **out, size_t *n);

/* The pool's on-demand price (instance_types) and interruption bucket (-1 unknown). */
int db_consolidate_pool_info(struct db *db, struct arena *a, const char *pool, int *has_ondemand, double *ondemand,
			     int *interruption_bucket);
/* The pool's interruption times in [from_ms, to_ms] plus the last one before from_ms, sorted, at most limit. */
int db_consolidate_interruptions(struct db *db, struct arena *a, const char *pool, int64_t from_ms, int64_t to_ms,
				 size_t limit, int64_t **out, size_t *n);
/* Upserts n canonical rows (n <= CONSOLIDATE_WRITE_ROWS) of pool; sb is scratch. */
int db_consolidate_canonical_upsert(struct db *db, const char *pool, int interruption_bucket,
				    const struct consolidate_features *f, size_t n, struct strbuf *sb);

#endif
