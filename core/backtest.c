/*
 * backtest.c - the replay of price histories through a decision model
 * (contract, accounting and definitions in backtest.h).
 *
 * Every pool's price is a step function; its integral F (price x hours) and
 * the integral of price^2 are kept at each record, so a cost over any
 * interval and the time-weighted mean and spread over a window are two
 * lookups. Features at time t use the history up to t only; the label and
 * the exposure look one hour ahead.
 */
#include "core/backtest.h"
#include "common/errbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/risk.h"

#define BT_HOUR_MS 3600000.0
#define BT_HOUR_MS_I 3600000LL
#define BT_DAY_MS (24 * BT_HOUR_MS_I)
#define BT_FLAG_MS ((int64_t)RISK_FLAG_MINUTES * 60 * 1000)
#define BT_RISK_WINDOW_MS ((int64_t)RISK_WINDOW_DAYS * BT_DAY_MS)

/* A pool prepared for lookups. */
struct bt_pool {
	const struct backtest_pool *src;
	double od;
	double *cum, *cum2;         /* integral of price / price^2 (x hours) from pts[0] to pts[i] */
	int64_t *cross;             /* times the price rose above on-demand */
	size_t ncross;
	size_t *next_above;         /* first j >= i with price > od, npts when none */
};

/* One simulated instance: a type in a region and its pools. */
struct bt_group {
	const char *region, *type;
	double od;
	size_t *pools;              /* indexes into the prepared pools */
	size_t npools;
	int64_t start, end;         /* the instance's life: its pools' first to last record, within the run */
	size_t nsteps;
};

struct bt {
	const struct backtest_input *in;
	struct bt_pool *p;
	size_t np;
	struct bt_group *g;
	size_t ng, skipped;
	int64_t start, end, step;
	size_t nsteps;
};

static int bt_streq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* The last record at or before t, or -1 before the first. */
static long bt_idx(const struct bt_pool *p, int64_t t)
{
	const struct backtest_point *pts = p->src->pts;
	size_t lo = 0, hi = p->src->npts;
	if (hi == 0 || t < pts[0].t_ms)
		return -1;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (pts[mid].t_ms <= t)
			lo = mid;
		else
			hi = mid;
	}
	return (long)lo;
}

static double bt_price(const struct bt_pool *p, int64_t t)
{
	long i = bt_idx(p, t);
	return i < 0 ? 0.0 : p->src->pts[i].price;
}

/* Integral of price (sq = 0) or price^2 (sq = 1) from the first record to t, in price x hours. */
static double bt_integral(const struct bt_pool *p, int64_t t, int sq)
{
	long i = bt_idx(p, t);
	double pr;
	if (i < 0)
		return 0.0;
	pr = p->src->pts[i].price;
	return (sq ? p->cum2[i] : p->cum[i]) + (sq ? pr * pr : pr) * (double)(t - p->src->pts[i].t_ms) / BT_HOUR_MS;
}

/* Time-weighted mean and coefficient of variation over [t - w, t] (from the first record). */
static void bt_window(const struct bt_pool *p, int64_t t, int64_t w, double *mean, double *cv)
{
	int64_t a = t - w;
	double h, m, m2, var;
	if (p->src->npts == 0 || t < p->src->pts[0].t_ms) {
		*mean = 0;
		*cv = 0;
		return;
	}
	if (a < p->src->pts[0].t_ms)
		a = p->src->pts[0].t_ms;
	if (t <= a) {
		*mean = bt_price(p, t);
		*cv = 0;
		return;
	}
	h = (double)(t - a) / BT_HOUR_MS;
	m = (bt_integral(p, t, 0) - bt_integral(p, a, 0)) / h;
	m2 = (bt_integral(p, t, 1) - bt_integral(p, a, 1)) / h;
	var = m2 - m * m;
	if (!(var > 0))
		var = 0;
	*mean = m;
	*cv = m > 0 ? sqrt(var) / m : 0;
}

/* The highest price in force at any time in [a, b]. */
static double bt_max(const struct bt_pool *p, int64_t a, int64_t b)
{
	long i = bt_idx(p, a);
	double mx = i >= 0 ? p->src->pts[i].price : 0.0;
	for (size_t k = (size_t)(i + 1); k < p->src->npts && p->src->pts[k].t_ms <= b; k++)
		if (p->src->pts[k].price > mx)
			mx = p->src->pts[k].price;
	return mx;
}

/* Crossings above on-demand in (a, b]. */
static size_t bt_crossings(const struct bt_pool *p, int64_t a, int64_t b)
{
	size_t lo = 0, hi = 0, n = p->ncross;
	/* first index with cross > a, first with cross > b */
	size_t l = 0, r = n;
	while (l < r) {
		size_t m = l + (r - l) / 2;
		if (p->cross[m] <= a)
			l = m + 1;
		else
			r = m;
	}
	lo = l;
	l = lo;
	r = n;
	while (l < r) {
		size_t m = l + (r - l) / 2;
		if (p->cross[m] <= b)
			l = m + 1;
		else
			r = m;
	}
	hi = l;
	return hi - lo;
}

/* Whether the price is above on-demand at t or rises above it within (t, t + horizon]. */
static int bt_above_within(const struct bt_pool *p, int64_t t, int64_t horizon)
{
	long i = bt_idx(p, t);
	size_t j;
	if (i >= 0 && p->src->pts[i].price > p->od)
		return 1;
	if ((size_t)(i + 1) >= p->src->npts)
		return 0;
	j = p->next_above[i + 1];
	return j < p->src->npts && p->src->pts[j].t_ms <= t + horizon;
}

/* The DF_* features of p at t (history up to t only); 0, or -1 when p has no price at t. */
static int bt_features(const struct bt_pool *p, int64_t t, double f[DF_COUNT], int *flagged)
{
	double price = bt_price(p, t), prev, mean, cv1, cv24, hour;
	struct risk_inputs ri;

	for (int k = 0; k < DF_COUNT; k++)
		f[k] = 0.0;
	*flagged = 0;
	if (!(price > 0) && bt_idx(p, t) < 0)
		return -1;
	f[DF_ONDEMAND_RATIO] = price / p->od;
	prev = bt_price(p, t - BT_HOUR_MS_I);
	f[DF_CHANGE_1H] = prev > 0 ? price / prev - 1.0 : 0.0;
	prev = bt_price(p, t - BT_DAY_MS);
	f[DF_CHANGE_24H] = prev > 0 ? price / prev - 1.0 : 0.0;
	bt_window(p, t, BT_HOUR_MS_I, &mean, &cv1);
	bt_window(p, t, BT_DAY_MS, &mean, &cv24);
	f[DF_VOLATILITY_1H] = cv1;
	f[DF_VOLATILITY_24H] = cv24;
	f[DF_MAX_24H_RATIO] = bt_max(p, t - BT_DAY_MS, t) / p->od;
	f[DF_INTERRUPTIONS_24H] = (double)bt_crossings(p, t - BT_DAY_MS, t);
	f[DF_BUCKET] = -1;
	hour = fmod((double)t / BT_HOUR_MS, 24.0);
	if (hour < 0)
		hour += 24.0;
	f[DF_HOUR_SIN] = sin(2.0 * M_PI * hour / 24.0);
	f[DF_HOUR_COS] = cos(2.0 * M_PI * hour / 24.0);
	/* the reclaim proxy: above on-demand in the last 30 minutes flags the pool, as an interruption would */
	*flagged = bt_max(p, t - BT_FLAG_MS, t) > p->od;
	memset(&ri, 0, sizeof(ri));
	ri.interruptions_7d = (int)bt_crossings(p, t - BT_RISK_WINDOW_MS, t);
	ri.have_instances = 0;
	ri.price_cv = cv24;
	ri.price_samples = t > p->src->pts[0].t_ms ? 2 : 1;
	ri.flagged = *flagged;
	ri.interruption_bucket = -1;
	f[DF_POOL_RISK] = risk_pool_score(&ri);
	return 0;
}

static void bt_pool_free(struct bt_pool *p)
{
	free(p->cum);
	free(p->cum2);
	free(p->cross);
	free(p->next_above);
}

static void bt_free(struct bt *b)
{
	for (size_t i = 0; i < b->np; i++)
		bt_pool_free(&b->p[i]);
	free(b->p);
	for (size_t i = 0; i < b->ng; i++)
		free(b->g[i].pools);
	free(b->g);
	memset(b, 0, sizeof(*b));
}

static double bt_ondemand(const struct backtest_input *in, const char *region, const char *type)
{
	double any = 0.0;
	for (size_t i = 0; i < in->nondemand; i++) {
		const struct backtest_ondemand *o = &in->ondemand[i];
		if (!bt_streq(o->instance_type, type) || !(o->price > 0) || !isfinite(o->price))
			continue;
		if (region && o->region && strcmp(o->region, region) == 0)
			return o->price;
		if (!o->region || !region)
			any = o->price;
	}
	return any;
}

static int bt_prepare_pool(struct bt_pool *p, const struct backtest_pool *src, double od)
{
	size_t n = src->npts;
	p->src = src;
	p->od = od;
	p->cum = calloc(n, sizeof(double));
	p->cum2 = calloc(n, sizeof(double));
	p->cross = calloc(n, sizeof(int64_t));
	p->next_above = calloc(n, sizeof(size_t));
	if (!p->cum || !p->cum2 || !p->cross || !p->next_above)
		return -1;
	for (size_t i = 1; i < n; i++) {
		double h = (double)(src->pts[i].t_ms - src->pts[i - 1].t_ms) / BT_HOUR_MS, pr = src->pts[i - 1].price;
		p->cum[i] = p->cum[i - 1] + pr * h;
		p->cum2[i] = p->cum2[i - 1] + pr * pr * h;
	}
	for (size_t i = 0; i < n; i++)
		if (src->pts[i].price > od && (i == 0 || src->pts[i - 1].price <= od))
			p->cross[p->ncross++] = src->pts[i].t_ms;
	for (size_t i = n; i-- > 0;)
		p->next_above[i] = src->pts[i].price > od ? i : (i + 1 < n ? p->next_above[i + 1] : n);
	return 0;
}

static int bt_prepare(struct bt *b, const struct backtest_input *in, char *err, size_t errlen)
{
	int64_t first = INT64_MAX, last = INT64_MIN;

	memset(b, 0, sizeof(*b));
	b->in = in;
	if (!in->pools || in->npools == 0)
		return errbuf_fail(err, errlen, "prices: no pool");
	if (in->npools > BACKTEST_MAX_POOLS)
		return errbuf_fail(err, errlen, "prices: more than %d pools", BACKTEST_MAX_POOLS);
	b->p = calloc(in->npools, sizeof(*b->p));
	b->g = calloc(in->npools, sizeof(*b->g));
	if (!b->p || !b->g)
		return errbuf_fail(err, errlen, "out of memory");
	for (size_t i = 0; i < in->npools; i++) {
		const struct backtest_pool *src = &in->pools[i];
		struct bt_group *g = NULL;
		double od;

		if (!src->instance_type || src->npts == 0)
			continue;
		for (size_t k = 0; k < src->npts; k++) {
			if (!isfinite(src->pts[k].price) || src->pts[k].price < 0)
				return errbuf_fail(err, errlen, "pools[%zu].pts[%zu]: price is not a finite price", i, k);
			if (k > 0 && src->pts[k].t_ms <= src->pts[k - 1].t_ms)
				return errbuf_fail(err, errlen, "pools[%zu].pts[%zu]: times must ascend", i, k);
		}
		for (size_t k = 0; k < b->ng; k++)
			if (bt_streq(b->g[k].type, src->instance_type) && bt_streq(b->g[k].region, src->region))
				g = &b->g[k];
		if (!g) {
			g = &b->g[b->ng++];
			g->region = src->region;
			g->type = src->instance_type;
			g->od = bt_ondemand(in, src->region, src->instance_type);
			g->pools = calloc(in->npools, sizeof(size_t));
			if (!g->pools)
				return errbuf_fail(err, errlen, "out of memory");
		}
		od = g->od;
		if (!(od > 0))
			continue;
		if (bt_prepare_pool(&b->p[b->np], src, od) < 0) {
			b->np++;
			return errbuf_fail(err, errlen, "out of memory");
		}
		g->pools[g->npools++] = b->np++;
		if (src->pts[0].t_ms < first)
			first = src->pts[0].t_ms;
		if (src->pts[src->npts - 1].t_ms > last)
			last = src->pts[src->npts - 1].t_ms;
	}
	for (size_t k = 0; k < b->ng; k++)
		if (b->g[k].npools == 0)
			b->skipped++;
	if (b->np == 0)
		return errbuf_fail(err, errlen, "ondemand: no instance type of the prices has an on-demand price");
	b->start = in->start_ms > 0 ? in->start_ms : first;
	b->end = in->end_ms > 0 ? in->end_ms : last;
	b->step = in->step_ms > 0 ? in->step_ms : BACKTEST_STEP_MS_DEFAULT;
	if (b->end <= b->start)
		return errbuf_fail(err, errlen, "prices: the histories span no time (end must be after start)");
	if ((b->end - b->start) / b->step >= BACKTEST_MAX_STEPS)
		return errbuf_fail(err, errlen, "prices: more than %d steps of %lld ms", BACKTEST_MAX_STEPS,
			       (long long)b->step);
	b->nsteps = (size_t)((b->end - b->start + b->step - 1) / b->step);
	for (size_t k = 0; k < b->ng; k++) {
		struct bt_group *g = &b->g[k];
		int64_t gf = INT64_MAX, gl = INT64_MIN;
		for (size_t i = 0; i < g->npools; i++) {
			const struct backtest_pool *src = b->p[g->pools[i]].src;
			if (src->pts[0].t_ms < gf)
				gf = src->pts[0].t_ms;
			if (src->pts[src->npts - 1].t_ms > gl)
				gl = src->pts[src->npts - 1].t_ms;
		}
		g->start = gf > b->start ? gf : b->start;
		g->end = gl < b->end ? gl : b->end;
		/* a type whose records all fall outside the run, or at one instant, is not simulated */
		if (g->npools && g->end <= g->start) {
			g->npools = 0;
			b->skipped++;
		}
		g->nsteps = g->npools ? (size_t)((g->end - g->start + b->step - 1) / b->step) : 0;
	}
	return 0;
}

/* Adds price over [a, b) to the hourly series h (from start), returns the cost. */
static double bt_bill(double *h, size_t nh, int64_t start, int64_t a, int64_t b, double price)
{
	double total = 0;
	while (a < b) {
		int64_t hour = (a - start) / BT_HOUR_MS_I;
		int64_t hend = start + (hour + 1) * BT_HOUR_MS_I;
		int64_t e = hend < b ? hend : b;
		double c = price * (double)(e - a) / BT_HOUR_MS;
		if (h && hour >= 0 && (size_t)hour < nh)
			h[hour] += c;
		total += c;
		a = e;
	}
	return total;
}

/* Adds the cost of pool p over [a, b) (price changes inside included). */
static double bt_bill_pool(const struct bt_pool *p, double *h, size_t nh, int64_t start, int64_t a, int64_t b)
{
	long i = bt_idx(p, a);
	double total = 0;
	while (a < b) {
		size_t nx = (size_t)(i + 1);
		int64_t e = nx < p->src->npts && p->src->pts[nx].t_ms < b ? p->src->pts[nx].t_ms : b;
		double pr = i >= 0 ? p->src->pts[i].price : p->od;
		total += bt_bill(h, nh, start, a, e, pr);
		a = e;
		i++;
	}
	return total;
}

/* Adds a one-off amount to the hour of t. */
static double bt_bill_at(double *h, size_t nh, int64_t start, int64_t t, double amount)
{
	int64_t hour = (t - start) / BT_HOUR_MS_I;
	if (h && hour >= 0 && (size_t)hour < nh)
		h[hour] += amount;
	return amount;
}

static int bt_time_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* Always in the cheapest priced pool, switching free and instant. */
static double bt_cheapest(const struct bt *b, const struct bt_group *g, double *h, size_t nh)
{
	size_t n = 1, k = 0;
	int64_t *ev;
	double total = 0;

	for (size_t i = 0; i < g->npools; i++)
		n += b->p[g->pools[i]].src->npts;
	ev = malloc(n * sizeof(*ev));
	if (!ev)
		return NAN;
	ev[k++] = g->start;
	for (size_t i = 0; i < g->npools; i++) {
		const struct backtest_pool *s = b->p[g->pools[i]].src;
		for (size_t j = 0; j < s->npts; j++)
			if (s->pts[j].t_ms > g->start && s->pts[j].t_ms < g->end)
				ev[k++] = s->pts[j].t_ms;
	}
	qsort(ev, k, sizeof(*ev), bt_time_cmp);
	for (size_t i = 0; i < k; i++) {
		int64_t a = ev[i], e = i + 1 < k ? ev[i + 1] : g->end;
		double best = INFINITY;
		if (e <= a)
			continue;
		for (size_t j = 0; j < g->npools; j++) {
			const struct bt_pool *p = &b->p[g->pools[j]];
			if (bt_idx(p, a) >= 0 && bt_price(p, a) < best)
				best = bt_price(p, a);
		}
		total += bt_bill(h, nh, b->start, a, e, best < INFINITY ? best : g->od);
	}
	free(ev);
	return total;
}

/* The state of one group at one step, shared by the model and the oracle. */
struct bt_step {
	struct decision_pool *dp;
	double *cost;      /* per state: 0 on-demand, 1 + i pool i; the step's cost, INFINITY when not allowed */
	double *swcost;    /* per state: what leaving it at this step costs (the overlap) */
};

static int bt_group_run(const struct bt *b, const struct bt_group *g, struct backtest_type_result *tr,
			struct backtest_result *out)
{
	const struct backtest_input *in = b->in;
	size_t np = g->npools, ns = np + 1, nh = out->nhours;
	struct decision_pool *dp = calloc(np, sizeof(*dp));
	double *V = calloc(ns, sizeof(double)), *NV = calloc(ns, sizeof(double));
	double *cost = calloc(ns, sizeof(double)), *sw = calloc(ns, sizeof(double));
	uint16_t *parent = NULL;
	size_t *path = NULL;
	struct decision_history hist = { 0, DM_NONE, 0 };
	double overlap_h = in->overlap_minutes < 0 ? BACKTEST_OVERLAP_MINUTES_DEFAULT / 60.0 : in->overlap_minutes / 60.0;
	int mode = DM_ONDEMAND, cur = -1, rc = -1;

	if (ns > UINT16_MAX || g->nsteps > SIZE_MAX / ns / sizeof(uint16_t))
		goto out;
	parent = malloc(g->nsteps * ns * sizeof(uint16_t));
	path = malloc(g->nsteps * sizeof(size_t));
	if (!dp || !V || !NV || !cost || !sw || !parent || !path)
		goto out;
	for (size_t s = 1; s < ns; s++)
		V[s] = INFINITY;

	for (size_t k = 0; k < g->nsteps; k++) {
		int64_t t = g->start + (int64_t)k * b->step;
		int64_t t2 = t + b->step < g->end ? t + b->step : g->end;
		struct decision_input din;
		struct decision_out dout;

		for (size_t i = 0; i < np; i++) {
			const struct bt_pool *p = &b->p[g->pools[i]];
			struct decision_pool *d = &dp[i];
			memset(d, 0, sizeof(*d));
			d->pool_id = p->src->pool_id;
			d->instance_type = p->src->instance_type;
			d->az = p->src->az;
			d->ondemand_price = g->od;
			if (bt_features(p, t, d->f, &d->flagged) == 0)
				d->price = bt_price(p, t);
		}
		/* the model */
		din.current_mode = mode;
		din.current_pool = cur;
		din.current_price = mode == DM_SPOT ? dp[cur].price : g->od;
		din.ondemand_price = g->od;
		din.pools = dp;
		din.npools = np;
		decision_evaluate(in->model, in->policy, &din, &hist, t, &dout);
		decision_history_update(&hist, &dout, t);
		if (dout.action == DA_SWITCH) {
			double c = bt_bill_at(out->hour_model, nh, b->start, t, din.current_price * overlap_h);
			tr->model_cost += c;
			tr->switches++;
			mode = dout.target_mode;
			cur = mode == DM_SPOT ? dout.target_pool : -1;
		}
		/* the cheapest pool's exposure at this step */
		{
			int cheapest = -1;
			for (size_t i = 0; i < np; i++)
				if (dp[i].price > 0 && (cheapest < 0 || dp[i].price < dp[cheapest].price))
					cheapest = (int)i;
			if (cheapest >= 0 && bt_above_within(&b->p[g->pools[cheapest]], t, BT_HOUR_MS_I))
				tr->cheapest_exposed_hours += (double)(t2 - t) / BT_HOUR_MS;
		}
		if (mode == DM_SPOT) {
			const struct bt_pool *p = &b->p[g->pools[cur]];
			double hrs = (double)(t2 - t) / BT_HOUR_MS;
			tr->model_cost += bt_bill_pool(p, out->hour_model, nh, b->start, t, t2);
			tr->spot_hours += hrs;
			if (bt_above_within(p, t, BT_HOUR_MS_I))
				tr->exposed_hours += hrs;
		} else {
			tr->model_cost += bt_bill(out->hour_model, nh, b->start, t, t2, g->od);
		}

		/* the oracle's step: V[s] = cheapest cost of being in s through this step */
		cost[0] = g->od * (double)(t2 - t) / BT_HOUR_MS;
		sw[0] = g->od * overlap_h;
		for (size_t i = 0; i < np; i++) {
			const struct bt_pool *p = &b->p[g->pools[i]];
			const struct decision_pool *d = &dp[i];
			double score = d->price > 0 ? decision_model_score(in->model, d) : 1.0;
			double need = decision_needed_savings(in->model, in->policy, score);
			int allowed = d->price > 0 && !d->flagged && d->price < g->od &&
				      (g->od - d->price) / g->od >= need - 1e-12;
			cost[i + 1] = allowed ? bt_bill_pool(p, NULL, 0, b->start, t, t2) : INFINITY;
			sw[i + 1] = d->price * overlap_h;
		}
		for (size_t s = 0; s < ns; s++) {
			double best = V[s];
			size_t from = s;
			for (size_t q = 0; q < ns; q++)
				if (q != s && V[q] + sw[q] < best) {
					best = V[q] + sw[q];
					from = q;
				}
			NV[s] = best + cost[s];
			parent[k * ns + s] = (uint16_t)from;
		}
		memcpy(V, NV, ns * sizeof(double));
	}
	/* the oracle's path, billed hour by hour */
	{
		size_t s = 0;
		for (size_t q = 1; q < ns; q++)
			if (V[q] < V[s])
				s = q;
		for (size_t k = g->nsteps; k-- > 0;) {
			path[k] = s;
			s = parent[k * ns + s];
		}
		s = 0; /* the state before the first step: on-demand */
		for (size_t k = 0; k < g->nsteps; k++) {
			int64_t t = g->start + (int64_t)k * b->step;
			int64_t t2 = t + b->step < g->end ? t + b->step : g->end;
			if (path[k] != s) {
				double leave = s == 0 ? g->od : bt_price(&b->p[g->pools[s - 1]], t);
				tr->oracle_cost += bt_bill_at(out->hour_oracle, nh, b->start, t, leave * overlap_h);
			}
			s = path[k];
			if (s == 0)
				tr->oracle_cost += bt_bill(out->hour_oracle, nh, b->start, t, t2, g->od);
			else
				tr->oracle_cost +=
					bt_bill_pool(&b->p[g->pools[s - 1]], out->hour_oracle, nh, b->start, t, t2);
		}
	}
	tr->ondemand_cost = bt_bill(out->hour_ondemand, nh, b->start, g->start, g->end, g->od);
	tr->hours = (double)(g->end - g->start) / BT_HOUR_MS;
	tr->cheapest_spot_cost = bt_cheapest(b, g, out->hour_cheapest, nh);
	rc = isnan(tr->cheapest_spot_cost) ? -1 : 0;
out:
	free(dp);
	free(V);
	free(NV);
	free(cost);
	free(sw);
	free(parent);
	free(path);
	return rc;
}

void backtest_result_release(struct backtest_result *r)
{
	free(r->types);
	free(r->hour_ondemand);
	free(r->hour_model);
	free(r->hour_cheapest);
	free(r->hour_oracle);
	memset(r, 0, sizeof(*r));
}

int backtest_run(const struct backtest_input *in, struct backtest_result *out, char *err, size_t errlen)
{
	struct bt b;
	size_t nt = 0;

	memset(out, 0, sizeof(*out));
	if (!in->model || !in->policy)
		return errbuf_fail(err, errlen, "model: required");
	if (bt_prepare(&b, in, err, errlen) < 0) {
		bt_free(&b);
		return -1;
	}
	out->start_ms = b.start;
	out->end_ms = b.end;
	out->hours = (double)(b.end - b.start) / BT_HOUR_MS;
	out->skipped_types = b.skipped;
	out->nhours = (size_t)((b.end - b.start + BT_HOUR_MS_I - 1) / BT_HOUR_MS_I);
	out->types = calloc(b.ng, sizeof(*out->types));
	out->hour_ondemand = calloc(out->nhours, sizeof(double));
	out->hour_model = calloc(out->nhours, sizeof(double));
	out->hour_cheapest = calloc(out->nhours, sizeof(double));
	out->hour_oracle = calloc(out->nhours, sizeof(double));
	if (!out->types || !out->hour_ondemand || !out->hour_model || !out->hour_cheapest || !out->hour_oracle) {
		bt_free(&b);
		backtest_result_release(out);
		return errbuf_fail(err, errlen, "out of memory");
	}
	for (size_t i = 0; i < b.ng; i++) {
		const struct bt_group *g = &b.g[i];
		struct backtest_type_result *tr;
		if (g->npools == 0)
			continue;
		tr = &out->types[nt++];
		snprintf(tr->region, sizeof(tr->region), "%s", g->region ? g->region : "");
		snprintf(tr->instance_type, sizeof(tr->instance_type), "%s", g->type);
		tr->ondemand_price = g->od;
		tr->npools = g->npools;
		if (bt_group_run(&b, g, tr, out) < 0) {
			bt_free(&b);
			backtest_result_release(out);
			return errbuf_fail(err, errlen, "out of memory (or too many pools of one type)");
		}
		out->ondemand_cost += tr->ondemand_cost;
		out->model_cost += tr->model_cost;
		out->cheapest_spot_cost += tr->cheapest_spot_cost;
		out->oracle_cost += tr->oracle_cost;
		out->switches += tr->switches;
		out->exposed_hours += tr->exposed_hours;
		out->cheapest_exposed_hours += tr->cheapest_exposed_hours;
		out->spot_hours += tr->spot_hours;
		out->instance_hours += tr->hours;
	}
	out->ntypes = nt;
	bt_free(&b);
	return 0;
}

static int bt_row_cmp(const void *a, const void *b)
{
	const struct backtest_row *x = a, *y = b;
	if (x->t_ms != y->t_ms)
		return (x->t_ms > y->t_ms) - (x->t_ms < y->t_ms);
	return (x->pool > y->pool) - (x->pool < y->pool);
}

int backtest_dataset(const struct backtest_input *in, struct backtest_row **rows, size_t *nrows, char *err,
		     size_t errlen)
{
	struct bt b;
	size_t n = 0, cap = 0;
	struct backtest_row *r = NULL;

	*rows = NULL;
	*nrows = 0;
	if (bt_prepare(&b, in, err, errlen) < 0) {
		bt_free(&b);
		return -1;
	}
	for (size_t gi = 0; gi < b.ng; gi++) {
		const struct bt_group *g = &b.g[gi];
		for (size_t k = 0; k < g->nsteps; k++) {
			int64_t t = g->start + (int64_t)k * b.step;
			if (t + BT_HOUR_MS_I > g->end)
				break;
			for (size_t i = 0; i < g->npools; i++) {
				const struct bt_pool *p = &b.p[g->pools[i]];
				struct backtest_row row;
				int flagged;
				if (bt_features(p, t, row.f, &flagged) < 0)
					continue;
				row.t_ms = t;
				row.pool = (size_t)(p->src - in->pools);
				row.label = bt_above_within(p, t, BT_HOUR_MS_I);
				if (n == cap) {
					size_t nc = cap ? cap * 2 : 1024;
					void *q = nc < SIZE_MAX / sizeof(*r) ? realloc(r, nc * sizeof(*r)) : NULL;
					if (!q) {
						free(r);
						bt_free(&b);
						return errbuf_fail(err, errlen, "out of memory");
					}
					r = q;
					cap = nc;
				}
				r[n++] = row;
			}
		}
	}
	if (n > 1)
		qsort(r, n, sizeof(*r), bt_row_cmp);
	bt_free(&b);
	*rows = r;
	*nrows = n;
	return 0;
}
