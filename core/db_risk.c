/* db_risk.c - the statements behind the pool risk score's inputs. */
#include "core/db_risk.h"
#include "core/db.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const db_risk_sql[] = {
	"SELECT interruption_bucket, COALESCE(flagged_until > UTC_TIMESTAMP(3), 0) FROM spot_pools WHERE id = ?",
	"SELECT COUNT(DISTINCT instance_id) FROM spot_interruption_events WHERE pool_id = ? "
	"AND signal_type = 'termination-notice' AND detected_at > UTC_TIMESTAMP(3) - INTERVAL ? DAY",
	"SELECT COUNT(*), AVG(TIMESTAMPDIFF(SECOND, installed_at, UTC_TIMESTAMP(3))) / 3600 FROM instances "
	"WHERE pool_id = ? AND role IN ('primary', 'replica', 'standby')",
	"SELECT COUNT(*), AVG(price), STDDEV_POP(price) FROM spot_price_snapshots "
	"WHERE pool_id = ? AND observed_at > UTC_TIMESTAMP(3) - INTERVAL ? HOUR",
};
enum { SQL_POOL, SQL_INTERRUPTIONS, SQL_AGE, SQL_PRICES };

static double db_risk_num(const char *s)
{
	return s ? strtod(s, NULL) : 0.0;
}

int db_risk_inputs(struct db *db, struct arena *a, const char *pool_id, struct risk_inputs *out)
{
	struct db_rows r;
	struct db_param p1[] = { DBP_STR(pool_id) };
	struct db_param p2[] = { DBP_STR(pool_id), DBP_INT(RISK_WINDOW_DAYS) };
	struct db_param p3[] = { DBP_STR(pool_id), DBP_INT(RISK_VOLATILITY_HOURS) };

	memset(out, 0, sizeof(*out));
	out->interruption_bucket = -1;
	if (db_query(db, a, db_risk_sql[SQL_POOL], p1, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	if (db_rows_cell(&r, 0, 0))
		out->interruption_bucket = atoi(db_rows_cell(&r, 0, 0));
	out->flagged = atoi(db_rows_cell(&r, 0, 1)) != 0;

	if (db_query(db, a, db_risk_sql[SQL_INTERRUPTIONS], p2, 2, &r) < 0)
		return -1;
	out->interruptions_7d = atoi(db_rows_cell(&r, 0, 0));

	if (db_query(db, a, db_risk_sql[SQL_AGE], p1, 1, &r) < 0)
		return -1;
	out->have_instances = atoi(db_rows_cell(&r, 0, 0)) > 0;
	out->instance_age_hours = db_risk_num(db_rows_cell(&r, 0, 1));

	if (db_query(db, a, db_risk_sql[SQL_PRICES], p3, 2, &r) < 0)
		return -1;
	out->price_samples = atoi(db_rows_cell(&r, 0, 0));
	double mean = db_risk_num(db_rows_cell(&r, 0, 1)), sd = db_risk_num(db_rows_cell(&r, 0, 2));
	out->price_cv = mean > 0.0 && isfinite(sd) ? sd / mean : 0.0;
	return 1;
}
