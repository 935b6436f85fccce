/* risk_analysis.c - spot-risk-analysis's tick (see risk_analysis.h). */
#include "core/risk_analysis.h"
#include "core/db.h"
#include "core/db_risk_analysis.h"
#include "core/risk.h"
#include "core/txn.h"
#include "common/arena.h"
#include "common/log.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

int risk_analysis_advisor_bucket(struct json_object *advisor, const char *region, const char *instance_type)
{
	struct json_object *sa, *reg, *os, *t, *r;
	int b;

	if (!advisor || !region || !instance_type || !json_object_object_get_ex(advisor, "spot_advisor", &sa) ||
	    !json_object_object_get_ex(sa, region, &reg) ||
	    !json_object_object_get_ex(reg, RISK_ANALYSIS_ADVISOR_OS, &os) ||
	    !json_object_object_get_ex(os, instance_type, &t) || !json_object_object_get_ex(t, "r", &r) ||
	    !json_object_is_type(r, json_type_int))
		return -1;
	b = json_object_get_int(r);
	return b >= 0 && b <= 4 ? b : -1;
}

static int risk_analysis_pair_cmp(const void *x, const void *y)
{
	const struct db_risk_pool *p = *(const struct db_risk_pool *const *)x, *q = *(const struct db_risk_pool *const *)y;
	int c = strcmp(p->region, q->region);
	return c ? c : strcmp(p->instance_type, q->instance_type);
}

/*
 * Sets the advisor's buckets, one UPDATE per (region, type) pair it knows, and
 * the same bucket on the in-memory inputs. 0 or -1.
 */
static int risk_analysis_advisor(struct db *db, struct arena *a, const char *file, struct db_risk_pool *v, size_t n,
				 long long *pairs, long long *updated, const char **error)
{
	struct json_object *adv = json_object_from_file(file);
	struct db_risk_pool **order;
	int bucket = -1;

	if (!adv) {
		*error = arena_printf(a, "advisor file %s: %s", file, json_util_get_last_err());
		return -1;
	}
	order = arena_calloc(a, n ? n : 1, sizeof(*order));
	for (size_t i = 0; i < n; i++)
		order[i] = &v[i];
	qsort(order, n, sizeof(*order), risk_analysis_pair_cmp);
	for (size_t i = 0; i < n; i++) {
		int first = i == 0 || risk_analysis_pair_cmp(&order[i - 1], &order[i]) != 0;
		if (first) {
			long changed;
			bucket = risk_analysis_advisor_bucket(adv, order[i]->region, order[i]->instance_type);
			if (bucket < 0)
				continue;
			(*pairs)++;
			changed = db_risk_analysis_set_bucket(db, order[i]->region, order[i]->instance_type, bucket);
			if (changed < 0) {
				json_object_put(adv);
				return -1;
			}
			*updated += changed;
		}
		if (bucket >= 0)
			order[i]->in.interruption_bucket = bucket;
	}
	json_object_put(adv);
	return 0;
}

struct risk_analysis_write {
	const struct db_risk_pool *v;
	size_t n;
	int64_t hour_ms;
	long long changed;
};

static enum core_result risk_analysis_write_step(struct db *db, void *ctx)
{
	struct risk_analysis_write *w = ctx;
	w->changed = 0;
	for (size_t i = 0; i < w->n; i++) {
		struct risk_breakdown b;
		int rc;
		risk_pool_breakdown(&w->v[i].in, &b);
		rc = db_risk_analysis_upsert(db, &w->v[i], w->hour_ms, &b);
		if (rc < 0)
			return CORE_ERR;
		if (rc == 2)
			w->changed++;
	}
	return CORE_OK;
}

static void risk_analysis_stat(struct json_object *stats, const char *key, long long v)
{
	json_object_object_add(stats, key, json_object_new_int64(v));
}

enum core_result risk_analysis_tick(void *opts, struct db *db, struct arena *a, int64_t now_ms,
				    struct json_object *stats, const char **error)
{
	const struct risk_analysis_opts *o = opts;
	int64_t hour_ms = now_ms - now_ms % 3600000;
	struct db_risk_pool *v;
	long n, before, after;
	long long pairs = 0, updated = 0;
	struct risk_analysis_write w;
	enum core_result rc;

	n = db_risk_analysis_pools(db, a, hour_ms, RISK_ANALYSIS_MAX_POOLS, &v);
	if (n < 0)
		return CORE_ERR;
	if (o && o->advisor_file &&
	    risk_analysis_advisor(db, a, o->advisor_file, v, (size_t)n, &pairs, &updated, error) < 0)
		return CORE_ERR;
	before = db_risk_analysis_hour_rows(db, a, hour_ms);
	if (before < 0)
		return CORE_ERR;
	w = (struct risk_analysis_write){ v, (size_t)n, hour_ms, 0 };
	rc = txn_run(db, "risk_analysis_write", TXN_RETRY_DUPLICATE, risk_analysis_write_step, &w);
	if (rc != CORE_OK)
		return CORE_ERR;
	after = db_risk_analysis_hour_rows(db, a, hour_ms);
	if (after < 0)
		return CORE_ERR;
	risk_analysis_stat(stats, "hour", hour_ms / 1000);
	risk_analysis_stat(stats, "pools", n);
	risk_analysis_stat(stats, "rows_inserted", after - before);
	risk_analysis_stat(stats, "rows_changed", w.changed);
	risk_analysis_stat(stats, "rows_unchanged", n - (after - before) - w.changed);
	risk_analysis_stat(stats, "advisor_pairs", pairs);
	risk_analysis_stat(stats, "advisor_pools_updated", updated);
	if (n >= RISK_ANALYSIS_MAX_POOLS)
		log_info("risk_analysis_tick: %ld pools, the limit; the rest wait for the next hour", n);
	return CORE_OK;
}
