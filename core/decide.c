/* decide.c - spot-decide's tick (see decide.h). */
#include "core/decide.h"
#include "core/db.h"
#include "core/db_decide.h"
#include "core/decision.h"
#include "core/policy.h"
#include "core/risk.h"
#include "core/safe_mode.h"
#include "core/switches.h"
#include "core/txn.h"
#include "common/arena.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/uuid.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DECIDE_CACHE_SLOTS 4096 /* distinct (region, type, size factor) candidate lists per tick */

static const struct actor decide_actor = { "system", DECIDE_ACTOR, NULL };

/* The candidate pools of one (region, type, size factor): indexes into the tick's pools, cheapest first. */
struct decide_cands {
	char *key;
	size_t *idx;
	size_t n;
};

struct decide_counts {
	long long agents, auto_agents, recommendations, switch_decisions, commands, command_errors, skipped;
	long long sup_cooldown, sup_fallback_wait, sup_return_wait, sup_emergency, sup_safe_mode, sup_pending,
		sup_refused;
	long long eval_us_sum, eval_us_max;
};

struct decide_ctx {
	struct db *db;
	struct arena *a;
	int64_t now_ms;
	int safe_mode;
	struct decision_model model;
	const char *model_id;            /* NULL: rules-v1 built in */
	struct db_decide_type *types;    /* sorted by (region, type) */
	size_t ntypes;
	struct db_decide_pool *raw;      /* sorted by pool id */
	struct decision_pool *dp;        /* raw[i]'s engine view */
	size_t npools;
	size_t *by_region;               /* pool indexes sorted by (region, type) */
	struct decide_cands *cache;      /* DECIDE_CACHE_SLOTS, open addressing */
	struct decide_counts n;
};

static int64_t decide_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- catalog and pools ---- */

static int decide_type_cmp(const void *x, const void *y)
{
	const struct db_decide_type *p = x, *q = y;
	int c = strcmp(p->region, q->region);
	return c ? c : strcmp(p->instance_type, q->instance_type);
}

static const struct db_decide_type *decide_type_find(const struct decide_ctx *c, const char *region, const char *type)
{
	struct db_decide_type key = { .region = region, .instance_type = type };
	if (!region || !type)
		return NULL;
	return bsearch(&key, c->types, c->ntypes, sizeof(key), decide_type_cmp);
}

static int decide_pool_cmp(const void *x, const void *y)
{
	return strcmp(((const struct db_decide_pool *)x)->pool_id, ((const struct db_decide_pool *)y)->pool_id);
}

static long decide_pool_find(const struct decide_ctx *c, const char *pool_id)
{
	struct db_decide_pool key = { .pool_id = pool_id }, *p;
	if (!pool_id)
		return -1;
	p = bsearch(&key, c->raw, c->npools, sizeof(key), decide_pool_cmp);
	return p ? p - c->raw : -1;
}

/* qsort_r is not C17: the region order compares through this file-scope pointer, set only while sorting. */
static const struct db_decide_pool *decide_sort_pools;

static int decide_region_cmp(const void *x, const void *y)
{
	const struct db_decide_pool *p = &decide_sort_pools[*(const size_t *)x], *q = &decide_sort_pools[*(const size_t *)y];
	int c = strcmp(p->region, q->region);
	return c ? c : strcmp(p->instance_type, q->instance_type);
}

/*
 * The pool's risk now: the latest analysis's components weighted as risk.h
 * does, with the flag of now (the analysis may predate it or outlive it);
 * without an analysis, risk.h over what the canonical row and the pool know.
 */
static double decide_pool_risk(const struct db_decide_pool *p)
{
	if (p->has_risk) {
		double s = RISK_W_INTERRUPTIONS * p->r_interruption + RISK_W_AGE * p->r_age +
			   RISK_W_VOLATILITY * p->r_volatility;
		if (p->flagged && s < RISK_FLAGGED_FLOOR)
			s = RISK_FLAGGED_FLOOR;
		return s < 0 ? 0 : s > 1 ? 1 : s;
	}
	struct risk_inputs in = { 0 };
	in.interruption_bucket = p->bucket;
	in.flagged = p->flagged;
	if (p->has_canonical) {
		in.interruptions_7d = p->c_interruptions_24h;
		if (p->c_mean_24h > 0) {
			in.price_cv = p->c_vol_24h / p->c_mean_24h;
			in.price_samples = 2;
		}
	}
	return risk_pool_score(&in);
}

static void decide_features(const struct decide_ctx *c, const struct db_decide_pool *p, double od, double f[DF_COUNT])
{
	time_t t = (time_t)(c->now_ms / 1000);
	double hour = (double)((t % 86400 + 86400) % 86400) / 3600.0;

	for (int k = 0; k < DF_COUNT; k++)
		f[k] = 0.0;
	f[DF_ONDEMAND_RATIO] = od > 0 && p->price > 0 ? p->price / od : 0.0;
	if (p->has_canonical) {
		f[DF_CHANGE_1H] = p->c_change_1h_pct / 100.0;
		f[DF_CHANGE_24H] = p->c_change_24h_pct / 100.0;
		f[DF_VOLATILITY_1H] = p->c_price > 0 ? p->c_vol_1h / p->c_price : 0.0;
		f[DF_VOLATILITY_24H] = p->c_mean_24h > 0 ? p->c_vol_24h / p->c_mean_24h : 0.0;
		f[DF_MAX_24H_RATIO] = od > 0 && p->c_max_24h > 0 ? p->c_max_24h / od : f[DF_ONDEMAND_RATIO];
		f[DF_INTERRUPTIONS_24H] = p->c_interruptions_24h;
	} else {
		f[DF_MAX_24H_RATIO] = f[DF_ONDEMAND_RATIO];
	}
	f[DF_BUCKET] = p->bucket;
	f[DF_HOUR_SIN] = sin(2.0 * M_PI * hour / 24.0);
	f[DF_HOUR_COS] = cos(2.0 * M_PI * hour / 24.0);
	f[DF_POOL_RISK] = decide_pool_risk(p);
}

/* Reads the catalog and the pools and prepares each pool's engine view. 0 or -1. */
static int decide_load(struct decide_ctx *c)
{
	long nt = db_decide_types(c->db, c->a, &c->types), np;
	if (nt < 0)
		return -1;
	c->ntypes = (size_t)nt;
	qsort(c->types, c->ntypes, sizeof(*c->types), decide_type_cmp);
	np = db_decide_pools(c->db, c->a, c->now_ms, DECIDE_MAX_POOLS, &c->raw);
	if (np < 0)
		return -1;
	c->npools = (size_t)np;
	c->dp = arena_calloc(c->a, c->npools ? c->npools : 1, sizeof(*c->dp));
	c->by_region = arena_calloc(c->a, c->npools ? c->npools : 1, sizeof(*c->by_region));
	for (size_t i = 0; i < c->npools; i++) {
		const struct db_decide_pool *p = &c->raw[i];
		const struct db_decide_type *t = decide_type_find(c, p->region, p->instance_type);
		struct decision_pool *d = &c->dp[i];
		d->pool_id = p->pool_id;
		d->instance_type = p->instance_type;
		d->az = p->az;
		d->price = p->price;
		d->ondemand_price = t ? t->ondemand_price : -1.0;
		d->flagged = p->flagged;
		decide_features(c, p, d->ondemand_price, d->f);
		c->by_region[i] = i;
	}
	decide_sort_pools = c->raw;
	qsort(c->by_region, c->npools, sizeof(*c->by_region), decide_region_cmp);
	decide_sort_pools = NULL;
	c->cache = arena_calloc(c->a, DECIDE_CACHE_SLOTS, sizeof(*c->cache));
	return 0;
}

/* ---- candidates ---- */

static const struct decide_ctx *decide_sort_ctx;

static int decide_price_cmp(const void *x, const void *y)
{
	const struct decision_pool *p = &decide_sort_ctx->dp[*(const size_t *)x], *q = &decide_sort_ctx->dp[*(const size_t *)y];
	if (p->price != q->price)
		return p->price < q->price ? -1 : 1;
	return strcmp(p->pool_id, q->pool_id);
}

/* The first index of by_region whose pool is in region (or npools). */
static size_t decide_region_start(const struct decide_ctx *c, const char *region)
{
	size_t lo = 0, hi = c->npools;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(c->raw[c->by_region[mid]].region, region) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void decide_cands_build(const struct decide_ctx *c, const char *region, const char *type, double factor,
			       struct decide_cands *out)
{
	const struct db_decide_type *cur = decide_type_find(c, region, type);
	struct decision_type ct = { 0 }, pt;
	size_t n = 0;

	out->idx = arena_calloc(c->a, c->npools ? c->npools : 1, sizeof(*out->idx));
	if (cur)
		ct = (struct decision_type){ cur->instance_type, cur->arch, cur->vcpu, cur->memory_gib, cur->ondemand_price };
	for (size_t k = decide_region_start(c, region); k < c->npools; k++) {
		size_t i = c->by_region[k];
		const struct db_decide_pool *p = &c->raw[i];
		const struct db_decide_type *t;
		if (strcmp(p->region, region) != 0)
			break;
		if (!(c->dp[i].price > 0) || !(c->dp[i].ondemand_price > 0))
			continue;
		if (strcmp(p->instance_type, type) != 0) {
			if (!cur || !(t = decide_type_find(c, p->region, p->instance_type)))
				continue;
			pt = (struct decision_type){ t->instance_type, t->arch, t->vcpu, t->memory_gib, t->ondemand_price };
			if (!decision_type_compatible(&ct, &pt, factor))
				continue;
		}
		out->idx[n++] = i;
	}
	decide_sort_ctx = c;
	qsort(out->idx, n, sizeof(*out->idx), decide_price_cmp);
	decide_sort_ctx = NULL;
	out->n = n < DECIDE_MAX_CANDIDATES ? n : DECIDE_MAX_CANDIDATES;
}

static uint64_t decide_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The candidates of (region, type, factor), built once per tick and kept in the cache. */
static const struct decide_cands *decide_cands_get(struct decide_ctx *c, const char *region, const char *type,
						   double factor)
{
	char key[160];
	size_t slot;
	snprintf(key, sizeof(key), "%s|%s|%.2f", region, type, factor);
	slot = (size_t)(decide_hash(key) % DECIDE_CACHE_SLOTS);
	for (size_t probe = 0; probe < DECIDE_CACHE_SLOTS; probe++) {
		struct decide_cands *e = &c->cache[(slot + probe) % DECIDE_CACHE_SLOTS];
		if (!e->key) {
			e->key = arena_strdup(c->a, key);
			decide_cands_build(c, region, type, factor, e);
			return e;
		}
		if (!strcmp(e->key, key))
			return e;
	}
	/* A full cache (more distinct lists than slots): build this one uncached. */
	struct decide_cands *e = arena_calloc(c->a, 1, sizeof(*e));
	e->key = arena_strdup(c->a, key);
	decide_cands_build(c, region, type, factor, e);
	return e;
}

/* ---- one agent ---- */

static int decide_mode_of(const char *s)
{
	if (!s)
		return DM_NONE;
	return !strcmp(s, "spot") ? DM_SPOT : !strcmp(s, "ondemand") ? DM_ONDEMAND : DM_NONE;
}

static const char *decide_mode_name(int m)
{
	return m == DM_SPOT ? "spot" : m == DM_ONDEMAND ? "ondemand" : NULL;
}

static void decide_json_num(struct strbuf *sb, const char *key, double v, int comma)
{
	if (isfinite(v))
		strbuf_addf(sb, "%s\"%s\":%.6g", comma ? "," : "", key, v);
	else
		strbuf_addf(sb, "%s\"%s\":null", comma ? "," : "", key);
}

/* The inputs column: what the engine saw and how it scored each pool. */
static const char *decide_inputs_json(struct decide_ctx *c, struct arena *pa, const struct db_decide_agent *g,
				      const struct decision_policy *pol, const struct decision_input *in,
				      const struct decision_history *h, int64_t eval_us, struct strbuf *sb)
{
	strbuf_reset(sb);
	strbuf_addstr(sb, "{\"model\":");
	strbuf_add_json_string(sb, c->model.name);
	strbuf_addstr(sb, ",\"model_version\":");
	strbuf_add_json_string(sb, c->model.version);
	strbuf_addf(sb, ",\"current_mode\":\"%s\"", decide_mode_name(in->current_mode));
	decide_json_num(sb, "current_price", in->current_price, 1);
	decide_json_num(sb, "ondemand_price", in->ondemand_price, 1);
	strbuf_addstr(sb, ",\"instance_type\":");
	strbuf_add_json_string(sb, g->instance_type ? g->instance_type : "");
	strbuf_addf(sb, ",\"policy\":{\"min_savings\":%.4f,\"cooldown_s\":%ld,\"max_risk\":%.4f,\"ondemand_fallback\":%s,"
			"\"fallback_wait_s\":%ld,\"return_wait_s\":%ld,\"size_factor\":%.2f}",
		    pol->min_savings, pol->cooldown_s, pol->max_risk, pol->ondemand_fallback ? "true" : "false",
		    pol->fallback_wait_s, pol->return_wait_s, pol->size_factor);
	strbuf_addf(sb, ",\"history\":{\"last_switch_ms\":%lld,\"want_mode\":", (long long)h->last_switch_ms);
	if (decide_mode_name(h->want_mode))
		strbuf_addf(sb, "\"%s\"", decide_mode_name(h->want_mode));
	else
		strbuf_addstr(sb, "null");
	strbuf_addf(sb, ",\"want_since_ms\":%lld}", (long long)h->want_since_ms);
	strbuf_addstr(sb, ",\"pools\":[");
	for (size_t i = 0; i < in->npools; i++) {
		const struct decision_pool *p = &in->pools[i];
		strbuf_addstr(sb, i ? ",{\"pool_id\":" : "{\"pool_id\":");
		strbuf_add_json_string(sb, p->pool_id ? p->pool_id : "");
		strbuf_addstr(sb, ",\"instance_type\":");
		strbuf_add_json_string(sb, p->instance_type ? p->instance_type : "");
		decide_json_num(sb, "price", p->price, 1);
		decide_json_num(sb, "ondemand_price", p->ondemand_price, 1);
		decide_json_num(sb, "score", decision_model_score(&c->model, p), 1);
		decide_json_num(sb, "pool_risk", p->f[DF_POOL_RISK], 1);
		strbuf_addf(sb, ",\"flagged\":%s,\"current\":%s}", p->flagged ? "true" : "false",
			    (int)i == in->current_pool ? "true" : "false");
	}
	strbuf_addf(sb, "],\"eval_us\":%lld}", (long long)eval_us);
	return arena_strdup(pa, sb->buf);
}

/* Issues the switch; fills command_id or the suppressed reason. */
static void decide_issue(struct decide_ctx *c, struct arena *pa, const struct db_decide_agent *g,
			 const struct decision_input *in, const struct decision_out *out, struct db_decide_row *row)
{
	struct switch_request rq;
	struct switch_refusal why;
	char cid[UUID_STR_LEN + 1];
	const struct decision_pool *t = out->target_pool >= 0 ? &in->pools[out->target_pool] : NULL;
	enum core_result rc;

	memset(&rq, 0, sizeof(rq));
	rq.client_id = g->client_id;
	rq.agent_id = g->id;
	rq.target_mode = decide_mode_name(out->target_mode);
	rq.reason = "auto";
	if (t) {
		rq.target_pool_id = t->pool_id;
		rq.target_type = t->instance_type;
		rq.target_az = t->az;
	} else if (!g->az) {
		row->suppressed_reason = "refused";
		row->reason = arena_printf(pa, "%s Not issued: the agent's zone is unknown.", row->reason);
		c->n.sup_refused++;
		return;
	} else {
		/* On-demand: the current type in the current zone (the manual API's pool id for a mode change). */
		rq.target_type = g->instance_type;
		rq.target_az = g->az;
		rq.target_pool_id = arena_printf(pa, "%s.%s", g->instance_type, g->az);
	}
	rc = switches_request(c->db, pa, &rq, &decide_actor, cid, &why);
	if (rc == CORE_CREATED || rc == CORE_OK) {
		row->command_id = arena_strdup(pa, cid);
		row->executed = 1;
		row->last_command_ms = c->now_ms;
		c->n.commands++;
		return;
	}
	if (rc == CORE_CONFLICT && why.message && strstr(why.message, "already open")) {
		row->suppressed_reason = "pending_command";
		c->n.sup_pending++;
		return;
	}
	if (rc == CORE_ERR) {
		c->n.command_errors++;
		log_warn("decide: switch for agent %s failed: %s", g->id, c->db->last_error);
	}
	row->suppressed_reason = "refused";
	row->reason = arena_printf(pa, "%s Not issued: %s.", row->reason,
				   why.message ? why.message : "the switch could not be queued");
	c->n.sup_refused++;
}

/* Evaluates one agent into row (strings in pa); issues its command when due. 0, or 1 when skipped. */
static int decide_agent(struct decide_ctx *c, struct arena *pa, const struct db_decide_agent *g,
			struct decision_pool *buf, struct strbuf *sb, struct db_decide_row *row)
{
	int64_t t0 = decide_mono_us(), eval_us;
	int mode = decide_mode_of(g->mode);
	const struct db_decide_type *ty;
	struct decision_policy pol;
	struct decision_input in;
	struct decision_history h;
	struct decision_out out;
	const struct decide_cands *cands;
	double od;
	size_t np = 0;
	char id[UUID_STR_LEN + 1];

	if (mode == DM_NONE || !g->region || !g->instance_type)
		return 1;
	ty = decide_type_find(c, g->region, g->instance_type);
	od = ty && ty->ondemand_price > 0 ? ty->ondemand_price : g->inst_ondemand;
	policy_to_decision(&g->policy, &pol);

	memset(&in, 0, sizeof(in));
	in.current_mode = mode;
	in.current_pool = -1;
	in.ondemand_price = od;
	in.current_price = od;
	if (mode == DM_SPOT) {
		long pi = decide_pool_find(c, g->pool_id);
		if (pi >= 0) {
			buf[0] = c->dp[pi];
		} else {
			memset(&buf[0], 0, sizeof(buf[0]));
			buf[0].pool_id = g->pool_id;
			buf[0].instance_type = g->instance_type;
			buf[0].az = g->az;
			buf[0].ondemand_price = od;
			buf[0].f[DF_BUCKET] = -1;
		}
		if (!(buf[0].price > 0))
			buf[0].price = g->inst_spot;
		in.current_pool = 0;
		in.current_price = buf[0].price > 0 ? buf[0].price : 0.0;
		np = 1;
	}
	cands = decide_cands_get(c, g->region, g->instance_type, pol.size_factor);
	for (size_t k = 0; k < cands->n; k++) {
		const struct decision_pool *p = &c->dp[cands->idx[k]];
		if (mode == DM_SPOT && g->pool_id && !strcmp(p->pool_id, g->pool_id))
			continue;
		buf[np++] = *p;
	}
	in.pools = buf;
	in.npools = np;

	memset(&h, 0, sizeof(h));
	h.last_switch_ms = g->last_switch_ms > g->last_command_ms ? g->last_switch_ms : g->last_command_ms;
	h.want_mode = decide_mode_of(g->want_mode);
	h.want_since_ms = h.want_mode != DM_NONE ? g->want_since_ms : 0;
	decision_evaluate(&c->model, &pol, &in, &h, c->now_ms, &out);
	eval_us = decide_mono_us() - t0;

	memset(row, 0, sizeof(*row));
	uuid_v7_at(id, c->now_ms);
	row->id = arena_strdup(pa, id);
	row->client_id = g->client_id;
	row->agent_id = g->id;
	row->model_id = c->model_id;
	row->instance_id = g->instance_id;
	row->decision_mode = g->auto_switch ? "auto" : "recommendation";
	row->decision = out.action == DA_SWITCH ? "switch" : "stay";
	row->current_pool_id = mode == DM_SPOT ? g->pool_id : NULL;
	row->current_mode = decide_mode_name(mode);
	row->current_price = in.current_price;
	row->ondemand_price = od;
	row->target_mode = decide_mode_name(out.target_mode);
	row->target_pool_id = out.target_pool >= 0 ? buf[out.target_pool].pool_id : NULL;
	row->target_price = out.target_price;
	row->has_savings = out.proposed_mode != DM_NONE;
	row->expected_savings = out.expected_savings;
	row->risk_score = out.score < 0 ? 0 : out.score > 1 ? 1 : out.score;
	row->reason = arena_strdup(pa, out.reason);
	row->suppressed_reason = out.suppressed;
	row->decided_ms = c->now_ms;
	row->last_command_ms = g->last_command_ms;

	c->n.agents++;
	if (g->auto_switch)
		c->n.auto_agents++;
	else
		c->n.recommendations++;
	if (out.suppressed)
		*(!strcmp(out.suppressed, "cooldown")	     ? &c->n.sup_cooldown
		  : !strcmp(out.suppressed, "fallback_wait") ? &c->n.sup_fallback_wait
							     : &c->n.sup_return_wait) += 1;
	if (out.action == DA_SWITCH) {
		c->n.switch_decisions++;
		if (!g->auto_switch) {
			/* a recommendation: logged only */
		} else if ((g->notice_status && strcmp(g->notice_status, "none")) || g->emergency_command) {
			row->suppressed_reason = "emergency";
			c->n.sup_emergency++;
		} else if (c->safe_mode) {
			row->suppressed_reason = "safe_mode";
			c->n.sup_safe_mode++;
		} else if (g->switch_open) {
			row->suppressed_reason = "pending_command";
			c->n.sup_pending++;
		} else {
			decide_issue(c, pa, g, &in, &out, row);
		}
	}

	/* The history after this decision: a switch only when a command went out. */
	struct decision_out eff = out;
	if (!row->executed)
		eff.action = DA_STAY;
	decision_history_update(&h, &eff, c->now_ms);
	row->want_mode = decide_mode_name(h.want_mode);
	row->want_since_ms = h.want_mode != DM_NONE ? h.want_since_ms : 0;

	eval_us = eval_us < 0 ? 0 : eval_us;
	c->n.eval_us_sum += eval_us;
	if (eval_us > c->n.eval_us_max)
		c->n.eval_us_max = eval_us;
	row->latency_ms = (long)((eval_us + 500) / 1000);
	row->inputs = decide_inputs_json(c, pa, g, &pol, &in, &h, eval_us, sb);
	return 0;
}

/* ---- the tick ---- */

struct decide_write {
	const struct db_decide_row *rows;
	size_t n;
};

static enum core_result decide_write_step(struct db *db, void *ctx)
{
	const struct decide_write *w = ctx;
	for (size_t i = 0; i < w->n; i++)
		if (db_decide_insert(db, &w->rows[i]) < 0)
			return CORE_ERR;
	return CORE_OK;
}

/* The active model; rules-v1 when none is active or its file does not parse. */
static void decide_model(struct decide_ctx *c, const struct db_decide_model *m)
{
	char err[256];
	decision_model_rules_v1(&c->model);
	c->model_id = NULL;
	if (!m->id)
		return;
	if (m->parameters && decision_model_parse(m->parameters, &c->model, err, sizeof(err)) == 0) {
		c->model_id = m->id;
		return;
	}
	if (!m->parameters && m->engine && !strcmp(m->engine, "rules")) {
		c->model_id = m->id;
		return;
	}
	log_warn("decide: the active model %s (%s) does not load (%s); using rules-v1", m->id, m->name ? m->name : "?",
		 m->parameters ? err : "no parameters");
	decision_model_rules_v1(&c->model);
}

static void decide_stat(struct json_object *stats, const char *key, long long v)
{
	json_object_object_add(stats, key, json_object_new_int64(v));
}

enum core_result decide_tick(struct db *db, struct arena *a, int64_t now_ms, struct json_object *stats,
			     const char **error)
{
	struct decide_ctx c;
	struct safe_mode sm;
	struct db_decide_model m;
	struct strbuf sb;
	struct arena pa;
	struct decision_pool *buf;
	struct db_decide_row *rows;
	char after[UUID_STR_LEN + 1] = "";
	enum core_result result = CORE_OK;

	memset(&c, 0, sizeof(c));
	c.db = db;
	c.a = a;
	c.now_ms = now_ms;
	if (safe_mode_get(db, a, &sm) < 0 || db_decide_model(db, a, &m) < 0 || decide_load(&c) < 0)
		return CORE_ERR;
	c.safe_mode = sm.enabled;
	decide_model(&c, &m);

	buf = arena_calloc(a, DECIDE_MAX_CANDIDATES + 1, sizeof(*buf));
	rows = arena_calloc(a, DECIDE_PAGE_AGENTS, sizeof(*rows));
	strbuf_init(&sb, 4096);
	arena_init(&pa, 256 * 1024);
	while (c.n.agents + c.n.skipped < DECIDE_MAX_AGENTS) {
		struct db_decide_agent *ag;
		size_t nrows = 0;
		long n;

		arena_reset(&pa);
		n = db_decide_agents(db, &pa, after, now_ms, DECIDE_LIVE_S, DECIDE_PAGE_AGENTS, &ag);
		if (n < 0) {
			result = CORE_ERR;
			break;
		}
		if (n == 0)
			break;
		for (long i = 0; i < n; i++) {
			if (decide_agent(&c, &pa, &ag[i], buf, &sb, &rows[nrows]) == 0)
				nrows++;
			else
				c.n.skipped++;
		}
		snprintf(after, sizeof(after), "%s", ag[n - 1].id);
		struct decide_write w = { rows, nrows };
		if (nrows && txn_run(db, "decide_write", 0, decide_write_step, &w) != CORE_OK) {
			result = CORE_ERR;
			break;
		}
		if ((size_t)n < DECIDE_PAGE_AGENTS)
			break;
	}
	arena_release(&pa);
	strbuf_release(&sb);

	decide_stat(stats, "agents", c.n.agents);
	decide_stat(stats, "auto", c.n.auto_agents);
	decide_stat(stats, "recommendations", c.n.recommendations);
	decide_stat(stats, "switch_decisions", c.n.switch_decisions);
	decide_stat(stats, "commands", c.n.commands);
	decide_stat(stats, "command_errors", c.n.command_errors);
	decide_stat(stats, "skipped", c.n.skipped);
	decide_stat(stats, "suppressed_cooldown", c.n.sup_cooldown);
	decide_stat(stats, "suppressed_fallback_wait", c.n.sup_fallback_wait);
	decide_stat(stats, "suppressed_return_wait", c.n.sup_return_wait);
	decide_stat(stats, "suppressed_emergency", c.n.sup_emergency);
	decide_stat(stats, "suppressed_safe_mode", c.n.sup_safe_mode);
	decide_stat(stats, "suppressed_pending_command", c.n.sup_pending);
	decide_stat(stats, "suppressed_refused", c.n.sup_refused);
	decide_stat(stats, "pools", (long long)c.npools);
	decide_stat(stats, "safe_mode", c.safe_mode);
	decide_stat(stats, "eval_us_max", c.n.eval_us_max);
	decide_stat(stats, "eval_us_mean", c.n.agents ? c.n.eval_us_sum / c.n.agents : 0);
	json_object_object_add(stats, "model", json_object_new_string(c.model.name));
	if (result != CORE_OK && !*error)
		*error = db->last_error[0] ? db->last_error : "decide tick failed";
	return result;
}
