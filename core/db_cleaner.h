/*
 * db_cleaner.h - the bounded deletes of the retention cleaner and its log row.
 * Functions return 0 or -1 (db->last_error).
 */
#ifndef SPOT_DB_CLEANER_H
#define SPOT_DB_CLEANER_H

#include "core/cleaner.h"

#include <stdint.h>

struct arena;
struct db;

/* Deletes at most limit of t's oldest rows older than cutoff_ms; *deleted says how many. */
int db_cleaner_batch(struct db *db, struct arena *a, enum cleaner_table t, int64_t cutoff_ms, long limit,
		     long long *deleted);
/* The consolidation watermark (received_at through which staging was consolidated); *found 0 when none. */
int db_cleaner_watermark(struct db *db, struct arena *a, int64_t *ms, int *found);
/* A cleanup_logs row (source 'server') with the rows deleted and details JSON text. */
int db_cleaner_log(struct db *db, long long rows_deleted, const char *details);

#endif
