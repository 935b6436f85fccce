/* db_risk_analysis.c - the statements of spot-risk-analysis (see db_risk_analysis.h). */
#include "core/db_risk_analysis.h"
#include "core/db.h"
#include "common/arena.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define AT "FROM_UNIXTIME(? / 1000)"

static const char *const db_risk_analysis_sql[] = {
	"SELECT id, region, instance_type, interruption_bucket, COALESCE(flagged_until > " AT ", 0) "
	"FROM spot_pools WHERE is_active LIMIT ?",
	"SELECT pool_id, COUNT(DISTINCT instance_id) FROM spot_interruption_events "
	"WHERE signal_type = 'termination-notice' AND pool_id IS NOT NULL "
	"AND detected_at > " AT " - INTERVAL ? DAY AND detected_at <= " AT " GROUP BY pool_id",
	"SELECT pool_id, COUNT(*), AVG(TIMESTAMPDIFF(SECOND, installed_at, " AT ")) / 3600 FROM instances "
	"WHERE role IN ('primary', 'replica', 'standby') AND pool_id IS NOT NULL AND installed_at <= " AT " "
	"GROUP BY pool_id",
	"SELECT pool_id, COUNT(*), AVG(price), STDDEV_POP(price) FROM spot_price_snapshots "
	"WHERE observed_at > " AT " - INTERVAL ? HOUR AND observed_at <= " AT " GROUP BY pool_id",
	"INSERT INTO pool_risk_analysis (id, pool_id, analyzed_at, risk_score, interruption_score, age_score, "
	"volatility_score, interruption_count, window_hours, avg_instance_age_hours, price_volatility, "
	"interruption_bucket, flagged) VALUES (UUID(), ?, " AT ", ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	"ON DUPLICATE KEY UPDATE risk_score = VALUES(risk_score), interruption_score = VALUES(interruption_score), "
	"age_score = VALUES(age_score), volatility_score = VALUES(volatility_score), "
	"interruption_count = VALUES(interruption_count), window_hours = VALUES(window_hours), "
	"avg_instance_age_hours = VALUES(avg_instance_age_hours), price_volatility = VALUES(price_volatility), "
	"interruption_bucket = VALUES(interruption_bucket), flagged = VALUES(flagged)",
	"UPDATE spot_pools SET interruption_bucket = ?, version = version + 1 WHERE region = ? AND instance_type = ? "
	"AND is_active AND NOT (interruption_bucket <=> ?)",
	"SELECT COUNT(*) FROM pool_risk_analysis WHERE analyzed_at = " AT,
};
enum { SQL_POOLS, SQL_INTERRUPTIONS, SQL_AGE, SQL_PRICES, SQL_UPSERT, SQL_BUCKET, SQL_HOUR_ROWS };

static int db_risk_analysis_cmp(const void *x, const void *y)
{
	return strcmp(((const struct db_risk_pool *)x)->pool_id, ((const struct db_risk_pool *)y)->pool_id);
}

static struct db_risk_pool *db_risk_analysis_find(struct db_risk_pool *v, size_t n, const char *id)
{
	struct db_risk_pool key = { .pool_id = id };
	return id ? bsearch(&key, v, n, sizeof(*v), db_risk_analysis_cmp) : NULL;
}

static double db_risk_analysis_num(const char *s)
{
	double d = s ? strtod(s, NULL) : 0.0;
	return isfinite(d) ? d : 0.0;
}

long db_risk_analysis_pools(struct db *db, struct arena *a, int64_t at_ms, size_t max, struct db_risk_pool **out)
{
	struct db_rows r;
	struct db_param p0[] = { DBP_INT(at_ms), DBP_INT((long long)max) };
	struct db_param p1[] = { DBP_INT(at_ms), DBP_INT(RISK_WINDOW_DAYS), DBP_INT(at_ms) };
	struct db_param p2[] = { DBP_INT(at_ms), DBP_INT(at_ms) };
	struct db_param p3[] = { DBP_INT(at_ms), DBP_INT(RISK_VOLATILITY_HOURS), DBP_INT(at_ms) };
	struct db_risk_pool *v;
	size_t n;

	*out = NULL;
	if (db_query(db, a, db_risk_analysis_sql[SQL_POOLS], p0, 2, &r) < 0)
		return -1;
	n = r.nrows;
	v = arena_calloc(a, n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i].pool_id = db_rows_cell(&r, i, 0);
		v[i].region = db_rows_cell(&r, i, 1);
		v[i].instance_type = db_rows_cell(&r, i, 2);
		v[i].in.interruption_bucket = db_rows_cell(&r, i, 3) ? atoi(db_rows_cell(&r, i, 3)) : -1;
		v[i].in.flagged = atoi(db_rows_cell(&r, i, 4)) != 0;
	}
	qsort(v, n, sizeof(*v), db_risk_analysis_cmp);

	if (db_query(db, a, db_risk_analysis_sql[SQL_INTERRUPTIONS], p1, 3, &r) < 0)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		struct db_risk_pool *p = db_risk_analysis_find(v, n, db_rows_cell(&r, i, 0));
		if (p)
			p->in.interruptions_7d = atoi(db_rows_cell(&r, i, 1));
	}
	if (db_query(db, a, db_risk_analysis_sql[SQL_AGE], p2, 2, &r) < 0)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		struct db_risk_pool *p = db_risk_analysis_find(v, n, db_rows_cell(&r, i, 0));
		if (p) {
			p->in.have_instances = atoi(db_rows_cell(&r, i, 1)) > 0;
			p->in.instance_age_hours = db_risk_analysis_num(db_rows_cell(&r, i, 2));
		}
	}
	if (db_query(db, a, db_risk_analysis_sql[SQL_PRICES], p3, 3, &r) < 0)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		struct db_risk_pool *p = db_risk_analysis_find(v, n, db_rows_cell(&r, i, 0));
		if (p) {
			double mean = db_risk_analysis_num(db_rows_cell(&r, i, 2));
			double sd = db_risk_analysis_num(db_rows_cell(&r, i, 3));
			p->in.price_samples = atoi(db_rows_cell(&r, i, 1));
			p->in.price_cv = mean > 0.0 ? sd / mean : 0.0;
		}
	}
	*out = v;
	return (long)n;
}

int db_risk_analysis_upsert(struct db *db, const struct db_risk_pool *p, int64_t hour_ms,
			    const struct risk_breakdown *b)
{
	struct db_rows r;
	struct db_param prm[] = {
		DBP_STR(p->pool_id),
		DBP_INT(hour_ms),
		DBP_DOUBLE(b->score),
		DBP_DOUBLE(b->interruption),
		DBP_DOUBLE(b->age),
		DBP_DOUBLE(b->volatility),
		DBP_INT(p->in.interruptions_7d),
		DBP_INT(RISK_VOLATILITY_HOURS),
		p->in.have_instances ? DBP_DOUBLE(p->in.instance_age_hours) : DBP_NULL,
		p->in.price_samples >= 2 ? DBP_DOUBLE(p->in.price_cv) : DBP_NULL,
		p->in.interruption_bucket >= 0 ? DBP_INT(p->in.interruption_bucket) : DBP_NULL,
		DBP_INT(p->in.flagged ? 1 : 0),
	};
	if (db_query(db, NULL, db_risk_analysis_sql[SQL_UPSERT], prm, sizeof(prm) / sizeof(prm[0]), &r) < 0)
		return -1;
	return (int)r.affected;
}

long db_risk_analysis_set_bucket(struct db *db, const char *region, const char *instance_type, int bucket)
{
	struct db_rows r;
	struct db_param p[] = { DBP_INT(bucket), DBP_STR(region), DBP_STR(instance_type), DBP_INT(bucket) };
	if (db_query(db, NULL, db_risk_analysis_sql[SQL_BUCKET], p, 4, &r) < 0)
		return -1;
	return (long)r.affected;
}

long db_risk_analysis_hour_rows(struct db *db, struct arena *a, int64_t hour_ms)
{
	struct db_rows r;
	struct db_param p[] = { DBP_INT(hour_ms) };
	if (db_query(db, a, db_risk_analysis_sql[SQL_HOUR_ROWS], p, 1, &r) < 0)
		return -1;
	return strtol(db_rows_cell(&r, 0, 0), NULL, 10);
}
