/* db_consolidate.c - the statements of the consolidation pipeline (see db_consolidate.h). */
#include "core/db_consolidate.h"
#include "common/arena.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "core/db.h"

#include <stdlib.h>
#include <string.h>

/* Epoch milliseconds of a DATETIME(3) (the session time zone is +00:00), and back. */
#define MS(col) "CAST(ROUND(UNIX_TIMESTAMP(" col ") * 1000) AS SIGNED)"
#define AT "FROM_UNIXTIME(? / 1000)"

#define CONSOLIDATED_TABLE                                                                                  \
	"JSON_TABLE(?, '$[*]' COLUMNS (b BIGINT PATH '$.b' ERROR ON EMPTY, p DECIMAL(12,6) PATH '$.p' ERROR ON EMPTY, " \
	"pp DECIMAL(12,6) PATH '$.pp', rp DECIMAL(12,6) PATH '$.rp', n INT PATH '$.n' ERROR ON EMPTY, "         \
	"f VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PATH '$.f' ERROR ON EMPTY, "              \
	"g TINYINT PATH '$.g' ERROR ON EMPTY, gs INT PATH '$.gs')) AS j"

#define CANONICAL_TABLE                                                                                      \
	"JSON_TABLE(?, '$[*]' COLUMNS (b BIGINT PATH '$.b' ERROR ON EMPTY, p DECIMAL(12,6) PATH '$.p' ERROR ON EMPTY, " \
	"od DECIMAL(12,6) PATH '$.od', odr DECIMAL(12,6) PATH '$.odr', dp DECIMAL(7,3) PATH '$.dp', "            \
	"c5 DECIMAL(9,3) PATH '$.c5', c1 DECIMAL(9,3) PATH '$.c1', c24 DECIMAL(9,3) PATH '$.c24', "               \
	"m24 DECIMAL(12,6) PATH '$.m24', mn24 DECIMAL(12,6) PATH '$.mn24', mx24 DECIMAL(12,6) PATH '$.mx24', "     \
	"v1 DECIMAL(12,6) PATH '$.v1', v24 DECIMAL(12,6) PATH '$.v24', ic INT PATH '$.ic' ERROR ON EMPTY, "       \
	"ss BIGINT PATH '$.ss', h TINYINT PATH '$.h' ERROR ON EMPTY, d TINYINT PATH '$.d' ERROR ON EMPTY, "       \
	"f VARCHAR(16) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PATH '$.f' ERROR ON EMPTY)) AS j"

static const char *const db_consolidate_sql[] = {
	"SELECT pool_id, " MS("MIN(observed_at)") ", " MS("MAX(observed_at)") ", COUNT(*) FROM spot_price_snapshots "
	"WHERE received_at > " AT " AND received_at <= " AT " AND pool_id > ? GROUP BY pool_id ORDER BY pool_id LIMIT ?",
	"SELECT id FROM spot_pools WHERE id > ? ORDER BY id LIMIT ?",
	"SELECT " MS("MIN(observed_at)") ", " MS("MAX(observed_at)") ", COUNT(*) FROM spot_price_snapshots "
	"WHERE pool_id = ? AND observed_at >= " AT " AND observed_at < " AT,
	"SELECT value FROM system_config WHERE `key` = '" CONSOLIDATE_WATERMARK_KEY "'",
	"INSERT INTO system_config (`key`, value, description, updated_by, updated_at) VALUES ('" CONSOLIDATE_WATERMARK_KEY
	"', ?, 'received_at of the newest staging price consolidated (spot-consolidate)', 'job:consolidate', "
	"UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE value = VALUES(value), updated_by = VALUES(updated_by), "
	"version = version + 1",
	"SELECT " MS("observed_at") ", price, source_role = 'primary', instance_id FROM spot_price_snapshots "
	"WHERE pool_id = ? AND observed_at >= " AT " AND observed_at < " AT " ORDER BY observed_at, instance_id LIMIT ?",
	"SELECT " MS("observed_at") ", price, source_role = 'primary', instance_id FROM spot_price_snapshots "
	"WHERE pool_id = ? AND observed_at >= " AT " AND observed_at < " AT " AND (observed_at > " AT
	" OR instance_id > ?) ORDER BY observed_at, instance_id LIMIT ?",
	"SELECT " MS("bucket_start") ", price, primary_price, replica_price, sample_count, data_quality_flag, "
	"gap_flagged, gap_seconds FROM pricing_consolidated WHERE pool_id = ? AND bucket_start < " AT
	" AND data_quality_flag <> 'interpolated' ORDER BY bucket_start DESC LIMIT 1",
	"SELECT " MS("bucket_start") ", price, primary_price, replica_price, sample_count, data_quality_flag, "
	"gap_flagged, gap_seconds FROM pricing_consolidated WHERE pool_id = ? AND bucket_start > " AT
	" AND data_quality_flag <> 'interpolated' ORDER BY bucket_start LIMIT 1",
	/* Upsert keyed by (pool_id, bucket_start): the same input writes the same values, so a re-run changes nothing. */
	"INSERT INTO pricing_consolidated (id, pool_id, bucket_start, price, primary_price, replica_price, sample_count, "
	"data_quality_flag, gap_flagged, gap_seconds) SELECT UUID(), ?, FROM_UNIXTIME(j.b / 1000), j.p, j.pp, j.rp, j.n, "
	"j.f, j.g, j.gs FROM " CONSOLIDATED_TABLE " ON DUPLICATE KEY UPDATE price = VALUES(price), "
	"primary_price = VALUES(primary_price), replica_price = VALUES(replica_price), "
	"sample_count = VALUES(sample_count), data_quality_flag = VALUES(data_quality_flag), "
	"gap_flagged = VALUES(gap_flagged), gap_seconds = VALUES(gap_seconds)",
	"SELECT " MS("bucket_start") ", price, data_quality_flag FROM pricing_consolidated WHERE pool_id = ? "
	"AND bucket_start > " AT " AND bucket_start <= " AT " ORDER BY bucket_start LIMIT ?",
	"SELECT it.ondemand_price, p.interruption_bucket FROM spot_pools p LEFT JOIN instance_types it "
	"ON it.instance_type = p.instance_type AND it.region = p.region WHERE p.id = ?",
	/* Interruptions are termination notices, as for the pool risk score (db_risk.c). */
	"(SELECT " MS("detected_at") " AS t FROM spot_interruption_events WHERE pool_id = ? "
	"AND signal_type = 'termination-notice' AND detected_at < " AT " ORDER BY detected_at DESC LIMIT 1) UNION ALL "
	"(SELECT " MS("detected_at") " FROM spot_interruption_events WHERE pool_id = ? "
	"AND signal_type = 'termination-notice' AND detected_at >= " AT " AND detected_at <= " AT
	" ORDER BY detected_at LIMIT ?)",
	"SELECT " MS("received_at") " FROM spot_price_snapshots WHERE received_at > " AT " AND received_at <= " AT
	" ORDER BY received_at LIMIT 1 OFFSET ?",
	"INSERT INTO pricing_canonical (id, pool_id, bucket_start, price, ondemand_price, ondemand_ratio, discount_pct, "
	"price_change_pct, price_change_1h_pct, price_change_24h_pct, price_mean_24h, price_min_24h, price_max_24h, "
	"volatility_1h, volatility_24h, interruption_count_24h, seconds_since_interruption, interruption_bucket, "
	"hour_of_day, day_of_week, data_quality_flag) SELECT UUID(), ?, FROM_UNIXTIME(j.b / 1000), j.p, j.od, j.odr, "
	"j.dp, j.c5, j.c1, j.c24, j.m24, j.mn24, j.mx24, j.v1, j.v24, j.ic, j.ss, ?, j.h, j.d, j.f FROM " CANONICAL_TABLE
	" ON DUPLICATE KEY UPDATE price = VALUES(price), ondemand_price = VALUES(ondemand_price), "
	"ondemand_ratio = VALUES(ondemand_ratio), discount_pct = VALUES(discount_pct), "
	"price_change_pct = VALUES(price_change_pct), price_change_1h_pct = VALUES(price_change_1h_pct), "
	"price_change_24h_pct = VALUES(price_change_24h_pct), price_mean_24h = VALUES(price_mean_24h), "
	"price_min_24h = VALUES(price_min_24h), price_max_24h = VALUES(price_max_24h), "
	"volatility_1h = VALUES(volatility_1h), volatility_24h = VALUES(volatility_24h), "
	"interruption_count_24h = VALUES(interruption_count_24h), "
	"seconds_since_interruption = VALUES(seconds_since_interruption), "
	"interruption_bucket = VALUES(interruption_bucket), hour_of_day = VALUES(hour_of_day), "
	"day_of_week = VALUES(day_of_week), data_quality_flag = VALUES(data_quality_flag)",
};
enum {
	SQL_NEW_POOLS,
	SQL_POOLS_PAGE,
	SQL_POOL_RANGE,
	SQL_WM_GET,
	SQL_WM_SET,
	SQL_SAMPLES_FIRST,
	SQL_SAMPLES_NEXT,
	SQL_ANCHOR_BEFORE,
	SQL_ANCHOR_AFTER,
	SQL_UPSERT,
	SQL_ROWS,
	SQL_POOL_INFO,
	SQL_INTERRUPTIONS,
	SQL_SLICE_END,
	SQL_CANONICAL_UPSERT,
};

static long long db_consolidate_ll(const char *s)
{
	return s ? strtoll(s, NULL, 10) : 0;
}

static double db_consolidate_d(const char *s)
{
	return s ? strtod(s, NULL) : 0.0;
}

int db_consolidate_new_pools(struct db *db, struct arena *a, int64_t wm_ms, int64_t upper_ms, const char *after,
			     size_t limit, struct db_consolidate_pool **out, size_t *n)
{
	struct db_param p[] = { DBP_INT(wm_ms), DBP_INT(upper_ms), DBP_STR(after), DBP_INT((long long)limit) };
	struct db_rows r;

	if (db_query(db, a, db_consolidate_sql[SQL_NEW_POOLS], p, 4, &r) < 0)
		return -1;
	*out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
	for (size_t i = 0; i < r.nrows; i++) {
		(*out)[i].pool_id = db_rows_cell(&r, i, 0);
		(*out)[i].min_ms = db_consolidate_ll(db_rows_cell(&r, i, 1));
		(*out)[i].max_ms = db_consolidate_ll(db_rows_cell(&r, i, 2));
		(*out)[i].count = db_consolidate_ll(db_rows_cell(&r, i, 3));
	}
	*n = r.nrows;
	return 0;
}

int db_consolidate_slice_end(struct db *db, struct arena *a, int64_t wm_ms, int64_t upper_ms, long slice,
			     int64_t *end_ms)
{
	struct db_param p[] = { DBP_INT(wm_ms), DBP_INT(upper_ms), DBP_INT(slice - 1) };
	struct db_rows r;

	if (db_query(db, a, db_consolidate_sql[SQL_SLICE_END], p, 3, &r) < 0)
		return -1;
	*end_ms = r.nrows ? db_consolidate_ll(db_rows_cell(&r, 0, 0)) : upper_ms;
	return 0;
}

int db_consolidate_range_pools(struct db *db, struct arena *a, int64_t from_ms, int64_t to_ms, const char *after,
			       size_t limit, struct db_consolidate_pool **out, size_t *n, const char **next_after)
{
	struct db_param p[] = { DBP_STR(after), DBP_INT((long long)limit) };
	struct db_rows r;

	*n = 0;
	*next_after = "";
	if (db_query(db, a, db_consolidate_sql[SQL_POOLS_PAGE], p, 2, &r) < 0)
		return -1;
	*out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
	for (size_t i = 0; i < r.nrows; i++) {
		const char *id = db_rows_cell(&r, i, 0);
		struct db_param q[] = { DBP_STR(id), DBP_INT(from_ms), DBP_INT(to_ms) };
		struct db_rows c;
		if (db_query(db, a, db_consolidate_sql[SQL_POOL_RANGE], q, 3, &c) < 0)
			return -1;
		if (!c.nrows || db_consolidate_ll(db_rows_cell(&c, 0, 2)) == 0)
			continue;
		(*out)[*n].pool_id = id;
		(*out)[*n].min_ms = db_consolidate_ll(db_rows_cell(&c, 0, 0));
		(*out)[*n].max_ms = db_consolidate_ll(db_rows_cell(&c, 0, 1));
		(*out)[*n].count = db_consolidate_ll(db_rows_cell(&c, 0, 2));
		(*n)++;
	}
	if (r.nrows == limit)
		*next_after = db_rows_cell(&r, r.nrows - 1, 0);
	return 0;
}

int db_consolidate_watermark_get(struct db *db, struct arena *a, int64_t *ms, int *found)
{
	struct db_rows r;
	*found = 0;
	*ms = 0;
	if (db_query(db, a, db_consolidate_sql[SQL_WM_GET], NULL, 0, &r) < 0)
		return -1;
	if (r.nrows && time_parse_rfc3339(db_rows_cell(&r, 0, 0), ms) == 0)
		*found = 1;
	return 0;
}

int db_consolidate_watermark_set(struct db *db, int64_t ms)
{
	char buf[40];
	time_format_rfc3339_ms(ms, buf, sizeof(buf));
	struct db_param p[] = { DBP_STR(buf) };
	return db_query(db, NULL, db_consolidate_sql[SQL_WM_SET], p, 1, NULL);
}

int db_consolidate_samples(struct db *db, struct arena *a, const char *pool, int64_t from_ms, int64_t to_ms,
			   int64_t after_ms, const char *after_instance, size_t limit, struct consolidate_sample **out,
			   size_t *n, const char **last_instance)
{
	struct db_rows r;
	int rc;

	if (after_instance) {
		struct db_param p[] = { DBP_STR(pool), DBP_INT(after_ms), DBP_INT(to_ms), DBP_INT(after_ms),
					DBP_STR(after_instance), DBP_INT((long long)limit) };
		(void)from_ms;
		rc = db_query(db, a, db_consolidate_sql[SQL_SAMPLES_NEXT], p, 6, &r);
	} else {
		struct db_param p[] = { DBP_STR(pool), DBP_INT(from_ms), DBP_INT(to_ms), DBP_INT((long long)limit) };
		rc = db_query(db, a, db_consolidate_sql[SQL_SAMPLES_FIRST], p, 4, &r);
	}
	if (rc < 0)
		return -1;
	*out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
	for (size_t i = 0; i < r.nrows; i++) {
		(*out)[i].observed_ms = db_consolidate_ll(db_rows_cell(&r, i, 0));
		(*out)[i].price = db_consolidate_d(db_rows_cell(&r, i, 1));
		(*out)[i].primary = db_consolidate_ll(db_rows_cell(&r, i, 2)) != 0;
	}
	*n = r.nrows;
	*last_instance = r.nrows ? db_rows_cell(&r, r.nrows - 1, 3) : "";
	return 0;
}

int db_consolidate_anchor(struct db *db, struct arena *a, const char *pool, int64_t bucket_ms, int before,
			  struct consolidate_row *out, int *found)
{
	struct db_param p[] = { DBP_STR(pool), DBP_INT(bucket_ms) };
	struct db_rows r;
	int flag;

	*found = 0;
	memset(out, 0, sizeof(*out));
	if (db_query(db, a, db_consolidate_sql[before ? SQL_ANCHOR_BEFORE : SQL_ANCHOR_AFTER], p, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->bucket_ms = db_consolidate_ll(db_rows_cell(&r, 0, 0));
	out->price = db_consolidate_d(db_rows_cell(&r, 0, 1));
	out->has_primary = db_rows_cell(&r, 0, 2) != NULL;
	out->primary_price = db_consolidate_d(db_rows_cell(&r, 0, 2));
	out->has_replica = db_rows_cell(&r, 0, 3) != NULL;
	out->replica_price = db_consolidate_d(db_rows_cell(&r, 0, 3));
	out->sample_count = (int)db_consolidate_ll(db_rows_cell(&r, 0, 4));
	flag = consolidate_flag_parse(db_rows_cell(&r, 0, 5));
	out->flag = flag < 0 ? CONSOLIDATE_ACTUAL : (enum consolidate_flag)flag;
	out->gap_flagged = db_consolidate_ll(db_rows_cell(&r, 0, 6)) != 0;
	out->gap_ms = db_consolidate_ll(db_rows_cell(&r, 0, 7)) * 1000;
	*found = 1;
	return 0;
}

int db_consolidate_upsert(struct db *db, const char *pool, const struct consolidate_row *rows, size_t n,
			  struct strbuf *sb)
{
	strbuf_reset(sb);
	strbuf_addch(sb, '[');
	for (size_t i = 0; i < n; i++) {
		const struct consolidate_row *x = &rows[i];
		strbuf_addf(sb, "%s{\"b\":%lld,\"p\":%.6f,\"n\":%d,\"f\":\"%s\",\"g\":%d", i ? "," : "",
			    (long long)x->bucket_ms, x->price, x->sample_count, consolidate_flag_name(x->flag),
			    x->gap_flagged);
		if (x->has_primary)
			strbuf_addf(sb, ",\"pp\":%.6f", x->primary_price);
		if (x->has_replica)
			strbuf_addf(sb, ",\"rp\":%.6f", x->replica_price);
		if (x->gap_flagged)
			strbuf_addf(sb, ",\"gs\":%lld", (long long)(x->gap_ms / 1000));
		strbuf_addch(sb, '}');
	}
	strbuf_addch(sb, ']');
	struct db_param p[] = { DBP_STR(pool), DBP_STRN(sb->buf, sb->len) };
	return db_query(db, NULL, db_consolidate_sql[SQL_UPSERT], p, 2, NULL);
}

int db_consolidate_rows(struct db *db, struct arena *a, const char *pool, int64_t after_ms, int64_t to_ms,
			size_t limit, struct consolidate_row **out, size_t *n)
{
	struct db_param p[] = { DBP_STR(pool), DBP_INT(after_ms), DBP_INT(to_ms), DBP_INT((long long)limit) };
	struct db_rows r;

	if (db_query(db, a, db_consolidate_sql[SQL_ROWS], p, 4, &r) < 0)
		return -1;
	*out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
	for (size_t i = 0; i < r.nrows; i++) {
		int flag = consolidate_flag_parse(db_rows_cell(&r, i, 2));
		(*out)[i].bucket_ms = db_consolidate_ll(db_rows_cell(&r, i, 0));
		(*out)[i].price = db_consolidate_d(db_rows_cell(&r, i, 1));
		(*out)[i].flag = flag < 0 ? CONSOLIDATE_ACTUAL : (enum consolidate_flag)flag;
	}
	*n = r.nrows;
	return 0;
}

int db_consolidate_pool_info(struct db *db, struct arena *a, const char *pool, int *has_ondemand, double *ondemand,
			     int *interruption_bucket)
{
	struct db_param p[] = { DBP_STR(pool) };
	struct db_rows r;

	*has_ondemand = 0;
	*ondemand = 0;
	*interruption_bucket = -1;
	if (db_query(db, a, db_consolidate_sql[SQL_POOL_INFO], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	if (db_rows_cell(&r, 0, 0)) {
		*has_ondemand = 1;
		*ondemand = db_consolidate_d(db_rows_cell(&r, 0, 0));
	}
	if (db_rows_cell(&r, 0, 1))
		*interruption_bucket = (int)db_consolidate_ll(db_rows_cell(&r, 0, 1));
	return 0;
}

static int db_consolidate_cmp_ms(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

int db_consolidate_interruptions(struct db *db, struct arena *a, const char *pool, int64_t from_ms, int64_t to_ms,
				 size_t limit, int64_t **out, size_t *n)
{
	struct db_param p[] = { DBP_STR(pool), DBP_INT(from_ms), DBP_STR(pool), DBP_INT(from_ms), DBP_INT(to_ms),
				DBP_INT((long long)limit) };
	struct db_rows r;

	if (db_query(db, a, db_consolidate_sql[SQL_INTERRUPTIONS], p, 6, &r) < 0)
		return -1;
	*out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
	for (size_t i = 0; i < r.nrows; i++)
		(*out)[i] = db_consolidate_ll(db_rows_cell(&r, i, 0));
	qsort(*out, r.nrows, sizeof(**out), db_consolidate_cmp_ms);
	*n = r.nrows;
	return 0;
}

int db_consolidate_canonical_upsert(struct db *db, const char *pool, int interruption_bucket,
				    const struct consolidate_features *f, size_t n, struct strbuf *sb)
{
	strbuf_reset(sb);
	strbuf_addch(sb, '[');
	for (size_t i = 0; i < n; i++) {
		const struct consolidate_features *x = &f[i];
		strbuf_addf(sb, "%s{\"b\":%lld,\"p\":%.6f,\"m24\":%.6f,\"mn24\":%.6f,\"mx24\":%.6f,\"ic\":%d,\"h\":%d,"
			    "\"d\":%d,\"f\":\"%s\"",
			    i ? "," : "", (long long)x->bucket_ms, x->price, x->mean_24h, x->min_24h, x->max_24h,
			    x->interruptions_24h, x->hour_of_day, x->day_of_week, consolidate_flag_name(x->flag));
		if (x->has_ondemand)
			strbuf_addf(sb, ",\"od\":%.6f,\"odr\":%.6f,\"dp\":%.3f", x->ondemand_price, x->ondemand_ratio,
				    x->discount_pct);
		if (x->has_change_5m)
			strbuf_addf(sb, ",\"c5\":%.3f", x->change_5m_pct);
		if (x->has_change_1h)
			strbuf_addf(sb, ",\"c1\":%.3f", x->change_1h_pct);
		if (x->has_change_24h)
			strbuf_addf(sb, ",\"c24\":%.3f", x->change_24h_pct);
		if (x->has_vol_1h)
			strbuf_addf(sb, ",\"v1\":%.6f", x->vol_1h);
		if (x->has_vol_24h)
			strbuf_addf(sb, ",\"v24\":%.6f", x->vol_24h);
		if (x->has_since_interruption)
			strbuf_addf(sb, ",\"ss\":%lld", x->seconds_since_interruption);
		strbuf_addch(sb, '}');
	}
	strbuf_addch(sb, ']');
	struct db_param p[] = { DBP_STR(pool), interruption_bucket < 0 ? DBP_NULL : DBP_INT(interruption_bucket),
				DBP_STRN(sb->buf, sb->len) };
	return db_query(db, NULL, db_consolidate_sql[SQL_CANONICAL_UPSERT], p, 3, NULL);
}
