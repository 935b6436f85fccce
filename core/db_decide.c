/* db_decide.c - the statements of spot-decide (see db_decide.h). */
#include "core/db_decide.h"
#include "core/db.h"
#include "core/decide.h"
#include "common/arena.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define AT "FROM_UNIXTIME(? / 1000)"
#define MS(col) "ROUND(UNIX_TIMESTAMP(" col ") * 1000)"
#define OPEN "('pending', 'acked', 'running')"

static const char *const db_decide_sql[] = {
	"SELECT id, name, engine, parameters FROM ml_models WHERE status = 'active' ORDER BY activated_at DESC LIMIT 1",

	"SELECT instance_type, region, arch, vcpu, memory_gib, ondemand_price FROM instance_types WHERE is_active",

	"SELECT id, instance_type, region, az, interruption_bucket, COALESCE(flagged_until > " AT ", 0) "
	"FROM spot_pools WHERE is_active LIMIT ?",

	/* The latest sample of each pool (loose index scan on uq_spot_price_snapshots_sample); ties: the dearer. */
	"SELECT s.pool_id, MAX(s.price) FROM spot_price_snapshots s JOIN (SELECT pool_id, MAX(observed_at) m "
	"FROM spot_price_snapshots WHERE observed_at > " AT " - INTERVAL ? HOUR AND observed_at <= " AT " "
	"GROUP BY pool_id) x ON x.pool_id = s.pool_id AND s.observed_at = x.m GROUP BY s.pool_id",

	"SELECT c.pool_id, c.price, c.price_change_1h_pct, c.price_change_24h_pct, c.volatility_1h, c.volatility_24h, "
	"c.price_mean_24h, c.price_max_24h, c.interruption_count_24h FROM pricing_canonical c "
	"JOIN (SELECT pool_id, MAX(bucket_start) m FROM pricing_canonical WHERE bucket_start > " AT " - INTERVAL ? HOUR "
	"AND bucket_start <= " AT " GROUP BY pool_id) x ON x.pool_id = c.pool_id AND c.bucket_start = x.m",

	"SELECT r.pool_id, r.interruption_score, r.age_score, r.volatility_score FROM pool_risk_analysis r "
	"JOIN (SELECT pool_id, MAX(analyzed_at) m FROM pool_risk_analysis WHERE analyzed_at > " AT " - INTERVAL ? HOUR "
	"AND analyzed_at <= " AT " GROUP BY pool_id) x ON x.pool_id = r.pool_id AND r.analyzed_at = x.m",

	/*
	 * A page of agents with everything the engine needs of them. The previous
	 * decision is found per agent by a correlated LIMIT 1 on
	 * idx_ml_decisions_agent_time (a GROUP BY over the page's decisions made
	 * MariaDB rescan them per row: minutes at 10,000 agents). STRAIGHT_JOIN and
	 * the client check as EXISTS keep the plan on agents' primary key in id
	 * order (a join on clients made it scan every primary instance and sort:
	 * 350 ms a page at 10,000 agents, 37 ms this way).
	 */
	"SELECT STRAIGHT_JOIN a.id, a.client_id, i.id, COALESCE(i.instance_type, a.instance_type), COALESCE(i.region, a.region), "
	"COALESCE(i.az, a.az), CASE WHEN i.mode IN ('spot', 'ondemand') THEN i.mode ELSE a.current_mode END, "
	"COALESCE(i.pool_id, a.current_pool_id), a.notice_status, a.auto_switch_enabled, " MS("a.last_switch_at") ", "
	"i.spot_price, i.ondemand_price, p.client_id IS NOT NULL, p.min_savings_pct, p.cooldown_minutes, p.max_risk, "
	"p.ondemand_fallback, p.fallback_wait_minutes, p.return_wait_minutes, p.size_factor, "
	"EXISTS (SELECT 1 FROM commands c WHERE c.agent_id = a.id AND c.type IN ('emergency_launch', 'promote') "
	"AND c.status IN " OPEN "), "
	"EXISTS (SELECT 1 FROM commands c WHERE c.agent_id = a.id AND c.type = 'switch' AND c.status IN " OPEN "), "
	"d.want_mode, " MS("d.want_since") ", " MS("d.last_command_at") " "
	"FROM agents a JOIN instances i ON i.agent_id = a.id AND i.role = 'primary' "
	"LEFT JOIN client_policies p ON p.client_id = a.client_id "
	"LEFT JOIN ml_decisions d ON d.id = (SELECT d2.id FROM ml_decisions d2 WHERE d2.agent_id = a.id "
	"AND d2.decided_at <= " AT " AND d2.decided_at > " AT " - INTERVAL ? DAY "
	"ORDER BY d2.decided_at DESC, d2.id DESC LIMIT 1) "
	"WHERE a.enabled AND EXISTS (SELECT 1 FROM clients cl WHERE cl.id = a.client_id AND cl.is_active) AND a.id > ? AND i.last_heartbeat_at > " AT " - INTERVAL ? SECOND "
	"ORDER BY a.id LIMIT ?",

	"INSERT INTO ml_decisions (id, client_id, agent_id, model_id, instance_id, decision_mode, decision, "
	"current_pool_id, current_mode, current_price, target_pool_id, target_mode, target_price, ondemand_price, "
	"expected_savings, risk_score, reason, inputs, executed, command_id, suppressed_reason, latency_ms, "
	"decided_at, want_mode, want_since, last_command_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	"?, ?, ?, ?, ?, ?, " AT ", ?, " AT ", " AT ")",
};
enum { SQL_MODEL, SQL_TYPES, SQL_POOLS, SQL_PRICES, SQL_CANON, SQL_RISK, SQL_AGENTS, SQL_INSERT };

static double db_decide_num(const char *s)
{
	double d = s ? strtod(s, NULL) : 0.0;
	return isfinite(d) ? d : 0.0;
}

static int64_t db_decide_ms(const char *s)
{
	return s ? strtoll(s, NULL, 10) : 0;
}

int db_decide_model(struct db *db, struct arena *a, struct db_decide_model *out)
{
	struct db_rows r;
	memset(out, 0, sizeof(*out));
	if (db_query(db, a, db_decide_sql[SQL_MODEL], NULL, 0, &r) < 0)
		return -1;
	if (r.nrows) {
		out->id = db_rows_cell(&r, 0, 0);
		out->name = db_rows_cell(&r, 0, 1);
		out->engine = db_rows_cell(&r, 0, 2);
		out->parameters = db_rows_cell(&r, 0, 3);
	}
	return 0;
}

long db_decide_types(struct db *db, struct arena *a, struct db_decide_type **out)
{
	struct db_rows r;
	struct db_decide_type *v;
	if (db_query(db, a, db_decide_sql[SQL_TYPES], NULL, 0, &r) < 0)
		return -1;
	v = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(*v));
	for (size_t i = 0; i < r.nrows; i++) {
		v[i].instance_type = db_rows_cell(&r, i, 0);
		v[i].region = db_rows_cell(&r, i, 1);
		v[i].arch = db_rows_cell(&r, i, 2);
		v[i].vcpu = atoi(db_rows_cell(&r, i, 3));
		v[i].memory_gib = db_decide_num(db_rows_cell(&r, i, 4));
		v[i].ondemand_price = db_rows_cell(&r, i, 5) ? db_decide_num(db_rows_cell(&r, i, 5)) : -1.0;
	}
	*out = v;
	return (long)r.nrows;
}

static int db_decide_pool_cmp(const void *x, const void *y)
{
	return strcmp(((const struct db_decide_pool *)x)->pool_id, ((const struct db_decide_pool *)y)->pool_id);
}

static struct db_decide_pool *db_decide_pool_find(struct db_decide_pool *v, size_t n, const char *id)
{
	struct db_decide_pool key = { .pool_id = id };
	return id ? bsearch(&key, v, n, sizeof(*v), db_decide_pool_cmp) : NULL;
}

long db_decide_pools(struct db *db, struct arena *a, int64_t now_ms, size_t max, struct db_decide_pool **out)
{
	struct db_rows r;
	struct db_param p0[] = { DBP_INT(now_ms), DBP_INT((long long)max) };
	struct db_param pp[] = { DBP_INT(now_ms), DBP_INT(DECIDE_PRICE_MAX_AGE_H), DBP_INT(now_ms) };
	struct db_param pr[] = { DBP_INT(now_ms), DBP_INT(DECIDE_RISK_MAX_AGE_H), DBP_INT(now_ms) };
	struct db_decide_pool *v;
	size_t n;

	*out = NULL;
	if (db_query(db, a, db_decide_sql[SQL_POOLS], p0, 2, &r) < 0)
		return -1;
	n = r.nrows;
	v = arena_calloc(a, n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i].pool_id = db_rows_cell(&r, i, 0);
		v[i].instance_type = db_rows_cell(&r, i, 1);
		v[i].region = db_rows_cell(&r, i, 2);
		v[i].az = db_rows_cell(&r, i, 3);
		v[i].bucket = db_rows_cell(&r, i, 4) ? atoi(db_rows_cell(&r, i, 4)) : -1;
		v[i].flagged = atoi(db_rows_cell(&r, i, 5)) != 0;
		v[i].price = -1.0;
	}
	qsort(v, n, sizeof(*v), db_decide_pool_cmp);

	if (db_query(db, a, db_decide_sql[SQL_CANON], pp, 3, &r) < 0)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		struct db_decide_pool *p = db_decide_pool_find(v, n, db_rows_cell(&r, i, 0));
		if (!p)
			continue;
		p->has_canonical = 1;
		p->c_price = db_decide_num(db_rows_cell(&r, i, 1));
		p->c_change_1h_pct = db_decide_num(db_rows_cell(&r, i, 2));
		p->c_change_24h_pct = db_decide_num(db_rows_cell(&r, i, 3));
		p->c_vol_1h = db_decide_num(db_rows_cell(&r, i, 4));
		p->c_vol_24h = db_decide_num(db_rows_cell(&r, i, 5));
		p->c_mean_24h = db_decide_num(db_rows_cell(&r, i, 6));
		p->c_max_24h = db_decide_num(db_rows_cell(&r, i, 7));
		p->c_interruptions_24h = atoi(db_rows_cell(&r, i, 8));
		if (p->c_price > 0)
			p->price = p->c_price;
	}
	/* A raw sample is fresher than the canonical grid: it wins. */
	if (db_query(db, a, db_decide_sql[SQL_PRICES], pp, 3, &r) < 0)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		struct db_decide_pool *p = db_decide_pool_find(v, n, db_rows_cell(&r, i, 0));
		double price = db_decide_num(db_rows_cell(&r, i, 1));
		if (p && price > 0)
			p->price = price;
	}
	if (db_query(db, a, db_decide_sql[SQL_RISK], pr, 3, &r) < 0)
		return -1;
	for (size_t i = 0; i < r.nrows; i++) {
		struct db_decide_pool *p = db_decide_pool_find(v, n, db_rows_cell(&r, i, 0));
		if (!p)
			continue;
		p->has_risk = 1;
		p->r_interruption = db_decide_num(db_rows_cell(&r, i, 1));
		p->r_age = db_decide_num(db_rows_cell(&r, i, 2));
		p->r_volatility = db_decide_num(db_rows_cell(&r, i, 3));
	}
	*out = v;
	return (long)n;
}

long db_decide_agents(struct db *db, struct arena *a, const char *after_id, int64_t now_ms, long live_s, size_t limit,
		      struct db_decide_agent **out)
{
	struct db_rows r;
	struct db_param p[] = { DBP_INT(now_ms),   DBP_INT(now_ms), DBP_INT(DECIDE_HISTORY_DAYS), DBP_STR(after_id),
				DBP_INT(now_ms),   DBP_INT(live_s), DBP_INT((long long)limit) };
	struct db_decide_agent *v;
	size_t n;

	*out = NULL;
	if (db_query(db, a, db_decide_sql[SQL_AGENTS], p, sizeof(p) / sizeof(p[0]), &r) < 0)
		return -1;
	n = r.nrows;
	v = arena_calloc(a, n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		struct db_decide_agent *g = &v[i];
		g->id = db_rows_cell(&r, i, 0);
		g->client_id = db_rows_cell(&r, i, 1);
		g->instance_id = db_rows_cell(&r, i, 2);
		g->instance_type = db_rows_cell(&r, i, 3);
		g->region = db_rows_cell(&r, i, 4);
		g->az = db_rows_cell(&r, i, 5);
		g->mode = db_rows_cell(&r, i, 6);
		g->pool_id = db_rows_cell(&r, i, 7);
		g->notice_status = db_rows_cell(&r, i, 8);
		g->auto_switch = atoi(db_rows_cell(&r, i, 9)) != 0;
		g->last_switch_ms = db_decide_ms(db_rows_cell(&r, i, 10));
		g->inst_spot = db_rows_cell(&r, i, 11) ? db_decide_num(db_rows_cell(&r, i, 11)) : -1.0;
		g->inst_ondemand = db_rows_cell(&r, i, 12) ? db_decide_num(db_rows_cell(&r, i, 12)) : -1.0;
		policy_default(&g->policy);
		if (atoi(db_rows_cell(&r, i, 13))) {
			g->policy.min_savings_pct = db_decide_num(db_rows_cell(&r, i, 14));
			g->policy.cooldown_minutes = strtol(db_rows_cell(&r, i, 15), NULL, 10);
			g->policy.max_risk = db_decide_num(db_rows_cell(&r, i, 16));
			g->policy.ondemand_fallback = atoi(db_rows_cell(&r, i, 17)) != 0;
			g->policy.fallback_wait_minutes = strtol(db_rows_cell(&r, i, 18), NULL, 10);
			g->policy.return_wait_minutes = strtol(db_rows_cell(&r, i, 19), NULL, 10);
			g->policy.size_factor = db_decide_num(db_rows_cell(&r, i, 20));
			g->policy.version = 1;
		}
		g->emergency_command = atoi(db_rows_cell(&r, i, 21)) != 0;
		g->switch_open = atoi(db_rows_cell(&r, i, 22)) != 0;
		g->want_mode = db_rows_cell(&r, i, 23);
		g->want_since_ms = db_decide_ms(db_rows_cell(&r, i, 24));
		g->last_command_ms = db_decide_ms(db_rows_cell(&r, i, 25));
	}
	*out = v;
	return (long)n;
}

int db_decide_insert(struct db *db, const struct db_decide_row *d)
{
	int has_target = d->target_mode != NULL;
	struct db_param p[] = {
		DBP_STR(d->id),
		DBP_STR(d->client_id),
		DBP_STR(d->agent_id),
		DBP_STR(d->model_id),
		DBP_STR(d->instance_id),
		DBP_STR(d->decision_mode),
		DBP_STR(d->decision),
		DBP_STR(d->current_pool_id),
		DBP_STR(d->current_mode),
		d->current_price > 0 ? DBP_DOUBLE(d->current_price) : DBP_NULL,
		DBP_STR(d->target_pool_id),
		DBP_STR(d->target_mode),
		has_target ? DBP_DOUBLE(d->target_price) : DBP_NULL,
		d->ondemand_price > 0 ? DBP_DOUBLE(d->ondemand_price) : DBP_NULL,
		d->has_savings ? DBP_DOUBLE(d->expected_savings) : DBP_NULL,
		DBP_DOUBLE(d->risk_score),
		DBP_STR(d->reason),
		DBP_STR(d->inputs),
		DBP_INT(d->executed ? 1 : 0),
		DBP_STR(d->command_id),
		DBP_STR(d->suppressed_reason),
		DBP_INT(d->latency_ms),
		DBP_INT(d->decided_ms),
		DBP_STR(d->want_mode),
		d->want_since_ms > 0 ? DBP_INT(d->want_since_ms) : DBP_NULL,
		d->last_command_ms > 0 ? DBP_INT(d->last_command_ms) : DBP_NULL,
	};
	return db_query(db, NULL, db_decide_sql[SQL_INSERT], p, sizeof(p) / sizeof(p[0]), NULL);
}
