/*
 * test_decision.c - core/decision: rules-v1's bands, the cooldown, the
 * fallback and return waits (no flapping), compatible types, risk weights
 * through DF_POOL_RISK, the history, the AUC, model file validation and a
 * learned model against a hand-computed fixture. Table-driven.
 */
#include "core/decision.h"
#include "core/risk.h"

#include <check.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define EPS 1e-9
#define MIN_MS (60 * 1000LL)
#define T0 1700000000000LL

static struct decision_pool pool(const char *id, double price, double risk)
{
	struct decision_pool p;
	memset(&p, 0, sizeof(p));
	p.pool_id = id;
	p.instance_type = "m5.large";
	p.az = "us-east-1a";
	p.price = price;
	p.ondemand_price = 1.0;
	p.f[DF_POOL_RISK] = risk;
	p.f[DF_ONDEMAND_RATIO] = price;
	p.f[DF_BUCKET] = -1;
	return p;
}

static void eval(const struct decision_model *m, const struct decision_policy *pol, int mode, int cur,
		 double cur_price, const struct decision_pool *pools, size_t n, const struct decision_history *h,
		 int64_t now, struct decision_out *out)
{
	struct decision_input in = { .current_mode = mode, .current_pool = cur, .current_price = cur_price,
				     .ondemand_price = 1.0, .pools = pools, .npools = n };
	decision_evaluate(m, pol, &in, h, now, out);
}

START_TEST(test_feature_names)
{
	for (int i = 0; i < DF_COUNT; i++) {
		const char *n = decision_feature_name(i);
		ck_assert_ptr_nonnull(n);
		ck_assert_int_eq(decision_feature_index(n), i);
	}
	ck_assert_ptr_null(decision_feature_name(-1));
	ck_assert_ptr_null(decision_feature_name(DF_COUNT));
	ck_assert_int_eq(decision_feature_index("foo"), -1);
	ck_assert_int_eq(decision_feature_index(NULL), -1);
	ck_assert_str_eq(decision_feature_name(DF_POOL_RISK), "pool_risk");
}
END_TEST

START_TEST(test_policy_default)
{
	struct decision_policy p;
	decision_policy_default(&p);
	ck_assert(fabs(p.min_savings - 0.30) < EPS);
	ck_assert_int_eq(p.cooldown_s, 3600);
	ck_assert(fabs(p.max_risk - 0.50) < EPS);
	ck_assert_int_eq(p.ondemand_fallback, 1);
	ck_assert_int_eq(p.fallback_wait_s, 900);
	ck_assert_int_eq(p.return_wait_s, 1800);
	ck_assert(fabs(p.size_factor - 2.0) < EPS);
}
END_TEST

static const struct {
	const char *name;
	struct decision_type cand;
	double factor;
	int want;
} compat_cases[] = {
	{ "same type", { "m5.large", "x86_64", 2, 8, 0.096 }, 2.0, 1 },
	{ "twice the size", { "m5.xlarge", "x86_64", 4, 16, 0.192 }, 2.0, 1 },
	{ "four times is beyond factor 2", { "m5.2xlarge", "x86_64", 8, 32, 0.384 }, 2.0, 0 },
	{ "four times within factor 4", { "m5.2xlarge", "x86_64", 8, 32, 0.384 }, 4.0, 1 },
	{ "other architecture", { "m6g.large", "arm64", 2, 8, 0.077 }, 2.0, 0 },
	{ "less memory", { "c5.large", "x86_64", 2, 4, 0.085 }, 2.0, 0 },
	{ "fewer vCPU", { "t3.small", "x86_64", 1, 8, 0.02 }, 2.0, 0 },
	{ "memory beyond the factor", { "r5.large", "x86_64", 2, 16.1, 0.126 }, 2.0, 0 },
	{ "factor below 1 counts as 1", { "m5.large", "x86_64", 2, 8, 0.096 }, 0.5, 1 },
	{ "factor below 1: bigger refused", { "m5.xlarge", "x86_64", 4, 16, 0.192 }, 0.5, 0 },
};

START_TEST(test_type_compatible)
{
	struct decision_type cur = { "m5.large", "x86_64", 2, 8, 0.096 };
	ck_assert_msg(decision_type_compatible(&cur, &compat_cases[_i].cand, compat_cases[_i].factor) ==
			      compat_cases[_i].want,
		      "%s", compat_cases[_i].name);
}
END_TEST

START_TEST(test_type_compatible_null)
{
	struct decision_type cur = { "m5.large", NULL, 2, 8, 0.096 };
	ck_assert_int_eq(decision_type_compatible(&cur, &cur, 2.0), 0);
	ck_assert_int_eq(decision_type_compatible(NULL, &cur, 2.0), 0);
}
END_TEST

/* rules-v1 from on-demand, one candidate: od = 1.00, so savings = 1 - price. */
static const struct {
	const char *name;
	double risk, price;
	int switched;
} band_cases[] = {
	{ "low risk, 31% saves enough", 0.10, 0.69, 1 },
	{ "low risk, exactly 30%", 0.10, 0.70, 1 },
	{ "low risk, 29% is too little", 0.10, 0.71, 0 },
	{ "risk 0.19 is still low", 0.19, 0.65, 1 },
	{ "risk 0.20 is medium: 35% is not enough", 0.20, 0.65, 0 },
	{ "medium risk, 40% is not enough", 0.30, 0.60, 0 },
	{ "medium risk, 51% is enough", 0.30, 0.49, 1 },
	{ "medium risk at 0.50, 50% is enough", 0.50, 0.50, 1 },
	{ "high risk 0.51 never, even at 90%", 0.51, 0.10, 0 },
	{ "high risk 0.9 never", 0.90, 0.01, 0 },
	{ "no price is never a target", 0.0, 0.0, 0 },
	{ "spot above on-demand", 0.0, 1.2, 0 },
};

START_TEST(test_rules_bands)
{
	struct decision_model m;
	struct decision_policy pol;
	struct decision_history h = { 0, DM_NONE, 0 };
	struct decision_out out;
	struct decision_pool p = pool("a", band_cases[_i].price, band_cases[_i].risk);

	decision_model_rules_v1(&m);
	decision_policy_default(&pol);
	eval(&m, &pol, DM_ONDEMAND, -1, 1.0, &p, 1, &h, T0, &out);
	ck_assert_msg((out.action == DA_SWITCH) == band_cases[_i].switched, "%s: action %d (%s)", band_cases[_i].name,
		      out.action, out.reason);
	if (band_cases[_i].switched) {
		ck_assert_int_eq(out.target_mode, DM_SPOT);
		ck_assert_int_eq(out.target_pool, 0);
		ck_assert(fabs(out.expected_savings - (1.0 - band_cases[_i].price)) < EPS);
		ck_assert(fabs(out.score - band_cases[_i].risk) < EPS);
	} else {
		ck_assert_int_eq(out.proposed_mode, DM_NONE);
		ck_assert_int_eq(out.target_pool, -1);
	}
	ck_assert_msg(out.reason[0] != '\0', "%s: empty reason", band_cases[_i].name);
}
END_TEST

START_TEST(test_cheapest_acceptable_pool)
{
	struct decision_model m;
	struct decision_policy pol;
	struct decision_history h = { 0, DM_NONE, 0 };
	struct decision_out out;
	struct decision_pool p[4] = { pool("risky-cheap", 0.20, 0.80), pool("medium-40", 0.60, 0.30),
				      pool("low-35", 0.65, 0.05), pool("low-40", 0.60, 0.10) };
	p[1].flagged = 0;
	decision_model_rules_v1(&m);
	decision_policy_default(&pol);
	eval(&m, &pol, DM_ONDEMAND, -1, 1.0, p, 4, &h, T0, &out);
	ck_assert_int_eq(out.action, DA_SWITCH);
	ck_assert_str_eq(p[out.target_pool].pool_id, "low-40");

	/* a flagged pool is never a target, however cheap and calm its features */
	p[3].flagged = 1;
	eval(&m, &pol, DM_ONDEMAND, -1, 1.0, p, 4, &h, T0, &out);
	ck_assert_str_eq(p[out.target_pool].pool_id, "low-35");
}
END_TEST

START_TEST(test_cooldown)
{
	struct decision_model m;
	struct decision_policy pol;
	struct decision_out out;
	struct decision_pool p[2] = { pool("cur", 0.60, 0.10), pool("cheap", 0.20, 0.05) };
	struct decision_history h = { T0 - 30 * MIN_MS, DM_NONE, 0 };

	decision_model_rules_v1(&m);
	decision_policy_default(&pol);
	eval(&m, &pol, DM_SPOT, 0, 0.60, p, 2, &h, T0, &out);
	ck_assert_int_eq(out.proposed_mode, DM_SPOT);
	ck_assert_int_eq(out.action, DA_STAY);
	ck_assert_str_eq(out.suppressed, "cooldown");
	ck_assert_ptr_nonnull(strstr(out.reason, "cooldown"));

	h.last_switch_ms = T0 - 59 * MIN_MS;
	eval(&m, &pol, DM_SPOT, 0, 0.60, p, 2, &h, T0, &out);
	ck_assert_str_eq(out.suppressed, "cooldown");

	h.last_switch_ms = T0 - 60 * MIN_MS;
	eval(&m, &pol, DM_SPOT, 0, 0.60, p, 2, &h, T0, &out);
	ck_assert_int_eq(out.action, DA_SWITCH);
	ck_assert_int_eq(out.target_pool, 1);
	ck_assert_ptr_null(out.suppressed);
	ck_assert(fabs(out.expected_savings - 0.40) < EPS);

	/* a fallback to on-demand waits for the cooldown too */
	p[0].flagged = 1;
	p[1].price = 0;
	h.last_switch_ms = T0 - 10 * MIN_MS;
	eval(&m, &pol, DM_SPOT, 0, 0.60, p, 2, &h, T0, &out);
	ck_assert_int_eq(out.proposed_mode, DM_ONDEMAND);
	ck_assert_str_eq(out.suppressed, "cooldown");
}
END_TEST

START_TEST(test_spot_to_spot_needs_min_savings)
{
	struct decision_model m;
	struct decision_policy pol;
	struct decision_history h = { 0, DM_NONE, 0 };
	struct decision_out out;
	struct decision_pool p[2] = { pool("cur", 0.50, 0.10), pool("other", 0.30, 0.05) };

	decision_model_rules_v1(&m);
	decision_policy_default(&pol);
	/* 0.30 is 70% below on-demand, but only 20% of on-demand below the current pool */
	eval(&m, &pol, DM_SPOT, 0, 0.50, p, 2, &h, T0, &out);
	ck_assert_int_eq(out.action, DA_STAY);
	ck_assert_int_eq(out.proposed_mode, DM_NONE);
	ck_assert(fabs(out.score - 0.10) < EPS);

	p[1].price = 0.15;
	eval(&m, &pol, DM_SPOT, 0, 0.50, p, 2, &h, T0, &out);
	ck_assert_int_eq(out.action, DA_SWITCH);
	ck_assert_int_eq(out.target_pool, 1);

	/* an unsafe current pool moves to any acceptable pool, without min_savings against it */
	p[1].price = 0.45;
	p[0].f[DF_POOL_RISK] = 0.70;
	eval(&m, &pol, DM_SPOT, 0, 0.50, p, 2, &h, T0, &out);
	ck_assert_int_eq(out.action, DA_SWITCH);
	ck_assert_int_eq(out.target_pool, 1);
	ck_assert_ptr_nonnull(strstr(out.reason, "high-risk"));
}
END_TEST

/* Runs an evaluation and folds it into the history, as the job does. */
static void step(const struct decision_model *m, const struct decision_policy *pol, int *mode, int *cur,
		 double *price, struct decision_pool *p, size_t n, struct decision_history *h, int64_t now,
		 struct decision_out *out)
{
	eval(m, pol, *mode, *cur, *price, p, n, h, now, out);
	decision_history_update(h, out, now);
	if (out->action == DA_SWITCH) {
		*mode = out->target_mode;
		*cur = out->target_pool;
		*price = out->target_mode == DM_SPOT ? p[out->target_pool].price : 1.0;
	}
}

START_TEST(test_fallback_wait)
{
	struct decision_model m;
	struct decision_policy pol;
	struct decision_out out;
	struct decision_pool p[1] = { pool("cur", 0.40, 0.70) };
	struct decision_history h = { T0 - 5 * 3600 * 1000LL, DM_NONE, 0 };
	int mode = DM_SPOT, cur = 0;
	double price = 0.40;

	decision_model_rules_v1(&m);
	decision_policy_default(&pol);
	step(&m, &pol, &mode, &cur, &price, p, 1, &h, T0, &out);
	ck_assert_int_eq(out.proposed_mode, DM_ONDEMAND);
	ck_assert_str_eq(out.suppressed, "fallback_wait");
	ck_assert_int_eq(h.want_mode, DM_ONDEMAND);
	ck_assert_int_eq(h.want_since_ms, T0);
	step(&m, &pol, &mode, &cur, &price, p, 1, &h, T0 + 10 * MIN_MS, &out);
	ck_assert_str_eq(out.suppressed, "fallback_wait");
	ck_assert_int_eq(h.want_since_ms, T0);
	step(&m, &pol, &mode, &cur, &price, p, 1, &h, T0 + 15 * MIN_MS, &out);
	ck_assert_int_eq(out.action, DA_SWITCH);
	ck_assert_int_eq(out.target_mode, DM_ONDEMAND);
	ck_assert(out.expected_savings < 0);
	ck_assert_int_eq(mode, DM_ONDEMAND);
	ck_assert_int_eq(h.last_switch_ms, T0 + 15 * MIN_MS);
	ck_assert_int_eq(h.want_mode, DM_NONE);

	/* fallback off: stays, says why */
	pol.ondemand_fallback = 0;
	eval(&m, &pol, DM_SPOT, 0, 0.40, p, 1, &h, T0 + 20 * MIN_MS, &out);
	ck_assert_int_eq(out.proposed_mode, DM_NONE);
	ck_assert_ptr_nonnull(strstr(out.reason, "fallback is off"));
}
END_TEST

START_TEST(test_no_flapping)
{
	struct decision_model m;
	struct decision_policy pol;
	struct decision_out out;
	struct decision_pool p[1] = { pool("cur", 0.40, 0.10) };
	struct decision_history h = { T0 - 5 * 3600 * 1000LL, DM_NONE, 0 };
	int mode = DM_SPOT, cur = 0, switches = 0;
	double price = 0.40;

	decision_model_rules_v1(&m);
	decision_policy_default(&pol);
	/* the risk spikes every other evaluation for two hours: the proposal never stands 15 minutes */
	for (int i = 0; i < 24; i++) {
		p[0].f[DF_POOL_RISK] = i % 2 ? 0.10 : 0.80;
		step(&m, &pol, &mode, &cur, &price, p, 1, &h, T0 + i * 5 * MIN_MS, &out);
		switches += out.action == DA_SWITCH;
		if (i % 2 == 0)
			ck_assert_str_eq(out.suppressed, "fallback_wait");
		else
			ck_assert_int_eq(h.want_mode, DM_NONE);
	}
	ck_assert_int_eq(switches, 0);
	ck_assert_int_eq(mode, DM_SPOT);
}
END_TEST

START_TEST(test_return_wait)
{
	struct decision_model m;
	struct decision_policy pol;
	struct decision_out out;
	struct decision_pool p[1] = { pool("calm", 0.30, 0.05) };
	struct decision_history h = { T0 - 2 * 3600 * 1000LL, DM_NONE, 0 };
	int mode = DM_ONDEMAND, cur = -1;
	double price = 1.0;

	decision_model_rules_v1(&m);
	decision_policy_default(&pol);
	/* after a fallback, the calm market must hold for 30 minutes before returning to spot */
	for (int i = 0; i < 6; i++) {
		step(&m, &pol, &mode, &cur, &price, p, 1, &h, T0 + i * 5 * MIN_MS, &out);
		ck_assert_int_eq(out.proposed_mode, DM_SPOT);
		ck_assert_str_eq(out.suppressed, "return_wait");
	}
	step(&m, &pol, &mode, &cur, &price, p, 1, &h, T0 + 30 * MIN_MS, &out);
	ck_assert_int_eq(out.action, DA_SWITCH);
	ck_assert_int_eq(mode, DM_SPOT);

	/* an instance that never switched is not returning: it moves at once */
	struct decision_history fresh = { 0, DM_NONE, 0 };
	eval(&m, &pol, DM_ONDEMAND, -1, 1.0, p, 1, &fresh, T0, &out);
	ck_assert_int_eq(out.action, DA_SWITCH);

	/* a break in the proposal restarts the clock */
	struct decision_history hb = { T0 - 2 * 3600 * 1000LL, DM_SPOT, T0 - 25 * MIN_MS };
	mode = DM_ONDEMAND;
	cur = -1;
	price = 1.0;
	p[0].f[DF_POOL_RISK] = 0.9;
	step(&m, &pol, &mode, &cur, &price, p, 1, &hb, T0, &out);
	ck_assert_int_eq(hb.want_mode, DM_NONE);
	p[0].f[DF_POOL_RISK] = 0.05;
	step(&m, &pol, &mode, &cur, &price, p, 1, &hb, T0 + 10 * MIN_MS, &out);
	ck_assert_str_eq(out.suppressed, "return_wait");
	ck_assert_int_eq(hb.want_since_ms, T0 + 10 * MIN_MS);
}
END_TEST

/* Risk weights reach the decision through DF_POOL_RISK: risk.h's score is rules-v1's score. */
static const struct {
	const char *name;
	struct risk_inputs in;
	int switched; /* at 35% savings from on-demand */
} weight_cases[] = {
	{ "calm pool", { 0, 0, 0, 0, 0, 0, -1 }, 1 },
	{ "half volatility: 0.15 low", { 0, 0, 0, 0.05, 30, 0, -1 }, 1 },
	{ "full volatility: 0.30 medium", { 0, 0, 0, 0.5, 30, 0, -1 }, 0 },
	{ "one interruption, young: 0.14 low", { 1, 0, 1, 0, 0, 0, -1 }, 1 },
	{ "five interruptions, young: 0.70 high", { 5, 0, 1, 0, 0, 0, -1 }, 0 },
	{ "flagged: 0.60 high", { 0, 0, 0, 0, 0, 1, -1 }, 0 },
	{ "bucket 4: 0.46 medium", { 0, 0, 0, 0, 0, 0, 4 }, 0 },
};

START_TEST(test_risk_weights)
{
	struct decision_model m;
	struct decision_policy pol;
	struct decision_history h = { 0, DM_NONE, 0 };
	struct decision_out out;
	double r = risk_pool_score(&weight_cases[_i].in);
	struct decision_pool p = pool("a", 0.65, r);

	decision_model_rules_v1(&m);
	decision_policy_default(&pol);
	ck_assert(fabs(decision_model_score(&m, &p) - r) < EPS);
	eval(&m, &pol, DM_ONDEMAND, -1, 1.0, &p, 1, &h, T0, &out);
	ck_assert_msg((out.action == DA_SWITCH) == weight_cases[_i].switched, "%s: risk %.3f, action %d",
		      weight_cases[_i].name, r, out.action);
}
END_TEST

START_TEST(test_history_update)
{
	struct decision_history h = { 0, DM_NONE, 0 };
	struct decision_out out;
	memset(&out, 0, sizeof(out));
	out.proposed_mode = DM_SPOT;
	decision_history_update(&h, &out, T0);
	ck_assert_int_eq(h.want_mode, DM_SPOT);
	ck_assert_int_eq(h.want_since_ms, T0);
	decision_history_update(&h, &out, T0 + 1000);
	ck_assert_int_eq(h.want_since_ms, T0);
	out.proposed_mode = DM_ONDEMAND;
	decision_history_update(&h, &out, T0 + 2000);
	ck_assert_int_eq(h.want_mode, DM_ONDEMAND);
	ck_assert_int_eq(h.want_since_ms, T0 + 2000);
	out.proposed_mode = DM_NONE;
	decision_history_update(&h, &out, T0 + 3000);
	ck_assert_int_eq(h.want_mode, DM_NONE);
	ck_assert_int_eq(h.want_since_ms, 0);
	ck_assert_int_eq(h.last_switch_ms, 0);
	out.proposed_mode = DM_SPOT;
	out.action = DA_SWITCH;
	decision_history_update(&h, &out, T0 + 4000);
	ck_assert_int_eq(h.last_switch_ms, T0 + 4000);
	ck_assert_int_eq(h.want_mode, DM_NONE);
}
END_TEST

START_TEST(test_unknown_ondemand)
{
	struct decision_model m;
	struct decision_policy pol;
	struct decision_history h = { 0, DM_NONE, 0 };
	struct decision_out out;
	struct decision_pool p = pool("a", 0.1, 0.0);
	struct decision_input in = { DM_ONDEMAND, -1, 0.0, 0.0, &p, 1 };
	decision_model_rules_v1(&m);
	decision_policy_default(&pol);
	decision_evaluate(&m, &pol, &in, &h, T0, &out);
	ck_assert_int_eq(out.action, DA_STAY);
	ck_assert_ptr_nonnull(strstr(out.reason, "unknown"));
}
END_TEST

START_TEST(test_auc)
{
	double s1[] = { 0.1, 0.2, 0.8, 0.9 };
	int l1[] = { 0, 0, 1, 1 };
	int l2[] = { 1, 1, 0, 0 };
	double s3[] = { 0.5, 0.5, 0.5, 0.5 };
	/* hand count: positives 0.35, 0.8; negatives 0.1, 0.4, 0.7: pairs won 1 + 3 = 4 of 6 */
	double s4[] = { 0.1, 0.35, 0.4, 0.7, 0.8 };
	int l4[] = { 0, 1, 0, 0, 1 };
	/* a tie between a positive and a negative counts half: (1 + 0.5) / 2 */
	double s5[] = { 0.2, 0.5, 0.5 };
	int l5[] = { 0, 0, 1 };
	int none[] = { 0, 0, 0, 0 };

	ck_assert(fabs(decision_auc(s1, l1, 4) - 1.0) < EPS);
	ck_assert(fabs(decision_auc(s1, l2, 4) - 0.0) < EPS);
	ck_assert(fabs(decision_auc(s3, l1, 4) - 0.5) < EPS);
	ck_assert(fabs(decision_auc(s4, l4, 5) - 4.0 / 6.0) < EPS);
	ck_assert(fabs(decision_auc(s5, l5, 3) - 0.75) < EPS);
	ck_assert(decision_auc(s1, none, 4) == -1.0);
	ck_assert(decision_auc(s1, l1, 0) == -1.0);
}
END_TEST

/*
 * The learned-model fixture: two features, standardised.
 * z = -1 + 2 (ratio - 0.5) / 0.25 + 1 (change_1h - 0.0) / 0.1
 */
static const char fixture[] = "{\"schema\":\"spot-model/1\",\"name\":\"fixture\",\"version\":\"7\",\"engine\":\"logreg\","
			      "\"features\":[\"ondemand_ratio\",\"change_1h\"],\"coefficients\":[2,1],"
			      "\"intercept\":-1,\"mean\":[0.5,0.0],\"scale\":[0.25,0.1],"
			      "\"bands\":{\"low\":0.3,\"high\":0.6,\"high_savings\":0.5},\"label\":\"spike_1h\","
			      "\"trained_on\":{\"rows\":10},\"metrics\":{\"auc\":0.71,\"n_train\":8,\"n_test\":2}}";

static const struct {
	const char *name;
	double ratio, change;
	double score;
} fixture_cases[] = {
	{ "z = 2", 0.75, 0.1, 0.880797077977882 },
	{ "z = 0", 0.50, 0.1, 0.5 },
	{ "z = -1", 0.50, 0.0, 0.268941421369995 },
	{ "z = -5", 0.25, -0.2, 0.006692850924285 },
	{ "z = 29 saturates", 1.0, 2.6, 1.0 / (1.0 + exp(-29.0)) },
};

START_TEST(test_logreg_fixture)
{
	struct decision_model m;
	char err[256];
	struct decision_pool p = pool("a", fixture_cases[_i].ratio, 0.0);

	ck_assert_msg(decision_model_parse(fixture, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(m.name, "fixture");
	ck_assert_str_eq(m.version, "7");
	ck_assert_int_eq(m.engine, DE_LOGREG);
	ck_assert_int_eq(m.nfeat, 2);
	ck_assert_int_eq(m.feat[1], DF_CHANGE_1H);
	ck_assert(fabs(m.band_low - 0.3) < EPS && fabs(m.band_high - 0.6) < EPS);
	p.f[DF_CHANGE_1H] = fixture_cases[_i].change;
	ck_assert_msg(fabs(decision_model_score(&m, &p) - fixture_cases[_i].score) < 1e-12, "%s: %.15f",
		      fixture_cases[_i].name, decision_model_score(&m, &p));
	/* a non-finite feature counts as its mean */
	p.f[DF_CHANGE_1H] = NAN;
	p.f[DF_ONDEMAND_RATIO] = 0.5;
	ck_assert(fabs(decision_model_score(&m, &p) - 0.268941421369995) < 1e-12);
}
END_TEST

START_TEST(test_logreg_disagrees_with_rules)
{
	struct decision_model rules, lr;
	struct decision_policy pol;
	struct decision_history h = { 0, DM_NONE, 0 };
	struct decision_out a, b;
	char err[256];
	/* calm by risk.h (0.05), 35% below on-demand, but its price jumped 30% in the last hour */
	struct decision_pool p = pool("a", 0.65, 0.05);
	p.f[DF_CHANGE_1H] = 0.30;

	decision_model_rules_v1(&rules);
	ck_assert_msg(decision_model_parse(fixture, &lr, err, sizeof(err)) == 0, "%s", err);
	decision_policy_default(&pol);
	eval(&rules, &pol, DM_ONDEMAND, -1, 1.0, &p, 1, &h, T0, &a);
	eval(&lr, &pol, DM_ONDEMAND, -1, 1.0, &p, 1, &h, T0, &b);
	ck_assert_int_eq(a.action, DA_SWITCH);
	ck_assert_int_eq(b.action, DA_STAY);
	/* z = -1 + 2 * 0.6 + 3 = 3.2 */
	ck_assert(fabs(b.score - 1.0 / (1.0 + exp(-3.2))) < 1e-12);
	/* the other way round: no price movement, the learned model calls it safe; rules sees risk 0.35 */
	p.f[DF_CHANGE_1H] = -0.2;
	p.f[DF_POOL_RISK] = 0.35;
	eval(&rules, &pol, DM_ONDEMAND, -1, 1.0, &p, 1, &h, T0, &a);
	eval(&lr, &pol, DM_ONDEMAND, -1, 1.0, &p, 1, &h, T0, &b);
	ck_assert_int_eq(a.action, DA_STAY);
	ck_assert_int_eq(b.action, DA_SWITCH);
}
END_TEST

START_TEST(test_rules_file)
{
	struct decision_model m;
	char err[256];
	const char *txt = "{\"schema\":\"spot-model/1\",\"name\":\"rules-strict\",\"version\":\"2\",\"engine\":\"rules\","
			  "\"bands\":{\"low\":0.1,\"high\":0.3,\"high_savings\":0.6}}\n";
	ck_assert_msg(decision_model_parse(txt, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(m.engine, DE_RULES);
	ck_assert_str_eq(m.name, "rules-strict");
	ck_assert(fabs(m.band_high_savings - 0.6) < EPS);
}
END_TEST

#define HEAD "{\"schema\":\"spot-model/1\",\"name\":\"x\",\"version\":\"1\",\"engine\":\"logreg\","
static const struct {
	const char *name;
	const char *text;
	const char *err; /* substring of the message */
} bad_cases[] = {
	{ "not JSON", "{\"schema\":", "not valid JSON" },
	{ "trailing text", HEAD "\"features\":[\"bucket\"],\"coefficients\":[1],\"intercept\":0,\"mean\":[0],\"scale\":[1]} x",
	  "not valid JSON" },
	{ "not an object", "[1,2]", "must be a JSON object" },
	{ "no schema", "{\"name\":\"x\"}", "schema: required" },
	{ "bad schema", "{\"schema\":\"spot-model/2\",\"name\":\"x\"}", "schema: 'spot-model/2' is not supported" },
	{ "no name", "{\"schema\":\"spot-model/1\",\"version\":\"1\"}", "name: required" },
	{ "empty version", "{\"schema\":\"spot-model/1\",\"name\":\"x\",\"version\":\"\"}", "version: must be" },
	{ "bad engine", "{\"schema\":\"spot-model/1\",\"name\":\"x\",\"version\":\"1\",\"engine\":\"xgboost\"}",
	  "engine: 'xgboost' is unknown" },
	{ "no features", HEAD "\"coefficients\":[1]}", "features: required" },
	{ "empty features", HEAD "\"features\":[]}", "features: must name 1 to" },
	{ "unknown feature", HEAD "\"features\":[\"bucket\",\"change_1h\",\"foo\"]}", "features[2]: unknown feature 'foo'" },
	{ "feature not a string", HEAD "\"features\":[3]}", "features[0]: not a string" },
	{ "repeated feature", HEAD "\"features\":[\"bucket\",\"bucket\"]}", "features[1]: 'bucket' named twice" },
	{ "NaN coefficient", HEAD "\"features\":[\"bucket\"],\"coefficients\":[NaN],\"intercept\":0,\"mean\":[0],\"scale\":[1]}",
	  "coefficients[0]: not a finite number" },
	{ "Infinity coefficient",
	  HEAD "\"features\":[\"bucket\",\"hour_sin\"],\"coefficients\":[1,-Infinity],\"intercept\":0,\"mean\":[0,0],\"scale\":[1,1]}",
	  "coefficients[1]: not a finite number" },
	{ "string coefficient", HEAD "\"features\":[\"bucket\"],\"coefficients\":[\"1\"],\"intercept\":0,\"mean\":[0],\"scale\":[1]}",
	  "coefficients[0]: not a finite number" },
	{ "too few coefficients",
	  HEAD "\"features\":[\"bucket\",\"hour_sin\"],\"coefficients\":[1],\"intercept\":0,\"mean\":[0,0],\"scale\":[1,1]}",
	  "coefficients: has 1 entries, features has 2" },
	{ "mean length", HEAD "\"features\":[\"bucket\"],\"coefficients\":[1],\"intercept\":0,\"mean\":[0,1],\"scale\":[1]}",
	  "mean: has 2 entries, features has 1" },
	{ "zero scale", HEAD "\"features\":[\"bucket\"],\"coefficients\":[1],\"intercept\":0,\"mean\":[0],\"scale\":[0]}",
	  "scale[0]: must be greater than 0" },
	{ "negative scale", HEAD "\"features\":[\"bucket\"],\"coefficients\":[1],\"intercept\":0,\"mean\":[0],\"scale\":[-2]}",
	  "scale[0]: must be greater than 0" },
	{ "no intercept", HEAD "\"features\":[\"bucket\"],\"coefficients\":[1],\"mean\":[0],\"scale\":[1]}",
	  "intercept: required" },
	{ "NaN intercept", HEAD "\"features\":[\"bucket\"],\"coefficients\":[1],\"intercept\":NaN,\"mean\":[0],\"scale\":[1]}",
	  "intercept: not a finite number" },
	{ "band out of range",
	  HEAD "\"features\":[\"bucket\"],\"coefficients\":[1],\"intercept\":0,\"mean\":[0],\"scale\":[1],\"bands\":{\"high\":1.5}}",
	  "bands.high: must be between 0 and 1" },
	{ "bands crossed",
	  HEAD "\"features\":[\"bucket\"],\"coefficients\":[1],\"intercept\":0,\"mean\":[0],\"scale\":[1],\"bands\":{\"low\":0.6}}",
	  "bands.low: must not exceed bands.high" },
	{ "metrics not an object",
	  HEAD "\"features\":[\"bucket\"],\"coefficients\":[1],\"intercept\":0,\"mean\":[0],\"scale\":[1],\"metrics\":3}",
	  "metrics: must be an object" },
};

START_TEST(test_model_refused)
{
	struct decision_model m;
	char err[256] = "";
	decision_model_rules_v1(&m);
	ck_assert_int_eq(decision_model_parse(bad_cases[_i].text, &m, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad_cases[_i].err) != NULL, "%s: got '%s', want '%s'", bad_cases[_i].name, err,
		      bad_cases[_i].err);
	/* nothing half-written */
	ck_assert_str_eq(m.name, "rules-v1");
	ck_assert_int_eq(m.engine, DE_RULES);
}
END_TEST

START_TEST(test_model_too_large)
{
	struct decision_model m;
	char err[256];
	size_t n = 300 * 1024;
	char *big = malloc(n + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	big[n] = '\0';
	ck_assert_int_eq(decision_model_parse(big, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "larger than"));
	free(big);
	ck_assert_int_eq(decision_model_parse(NULL, &m, err, sizeof(err)), -1);
}
END_TEST

/*
 * Mutations of the fixture (a deterministic generator: bytes replaced,
 * deleted, duplicated): every result is either refused with a message or a
 * model whose numbers are all usable. Under ASan this is a small fuzz run.
 */
START_TEST(test_model_mutations)
{
	uint64_t st = 88172645463325252ULL;
	size_t n = strlen(fixture);
	char *buf = malloc(2 * n + 1);
	int accepted = 0, refused = 0;
	ck_assert_ptr_nonnull(buf);
	for (int it = 0; it < 3000; it++) {
		struct decision_model m;
		char err[256] = "";
		size_t len = n;
		memcpy(buf, fixture, n + 1);
		for (int k = 0; k < 1 + it % 4; k++) {
			size_t pos;
			st ^= st << 13;
			st ^= st >> 7;
			st ^= st << 17;
			pos = (size_t)(st % len);
			switch ((st >> 32) % 3) {
			case 0: buf[pos] = (char)(" {}[],:\"0123456789.-eENaI"[(st >> 40) % 26]); break;
			case 1: memmove(buf + pos, buf + pos + 1, len - pos); len--; break;
			default:
				if (len < 2 * n) {
					memmove(buf + pos + 1, buf + pos, len - pos + 1);
					len++;
				}
			}
		}
		buf[len] = '\0';
		if (decision_model_parse(buf, &m, err, sizeof(err)) == 0) {
			accepted++;
			ck_assert(m.engine == DE_LOGREG || m.engine == DE_RULES);
			ck_assert(m.nfeat >= 0 && m.nfeat <= DF_COUNT);
			for (int j = 0; j < m.nfeat; j++) {
				ck_assert(m.feat[j] >= 0 && m.feat[j] < DF_COUNT);
				ck_assert(isfinite(m.coef[j]) && isfinite(m.mean[j]) && m.scale[j] > 0);
			}
			ck_assert(isfinite(m.intercept) && m.band_low <= m.band_high);
		} else {
			refused++;
			ck_assert_msg(err[0] != '\0', "refused without a message: %s", buf);
		}
	}
	ck_assert(accepted > 0 && refused > 0);
	free(buf);
}
END_TEST

/* The shipped learned model loads, and its file says held-out AUC >= 0.6 (issue 8). */
START_TEST(test_shipped_model)
{
	const char *src = getenv("SPOT_SOURCE_DIR");
	char path[1024], err[256], *buf;
	struct decision_model m;
	json_object *root, *metrics, *auc;
	FILE *f;
	long len;

	ck_assert_ptr_nonnull(src);
	snprintf(path, sizeof(path), "%s/sql/models/logreg-v1.json", src);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)len + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	ck_assert_msg(decision_model_parse(buf, &m, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(m.name, "logreg-v1");
	ck_assert_int_eq(m.engine, DE_LOGREG);
	ck_assert(m.nfeat >= 2);
	root = json_tokener_parse(buf);
	ck_assert(json_object_object_get_ex(root, "metrics", &metrics));
	ck_assert(json_object_object_get_ex(metrics, "auc", &auc));
	ck_assert_msg(json_object_get_double(auc) >= 0.6, "auc %.4f", json_object_get_double(auc));
	json_object_put(root);
	free(buf);
}
END_TEST

static Suite *decision_suite(void)
{
	Suite *s = suite_create("decision");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_feature_names);
	tcase_add_test(tc, test_policy_default);
	tcase_add_loop_test(tc, test_type_compatible, 0, NELEM(compat_cases));
	tcase_add_test(tc, test_type_compatible_null);
	tcase_add_loop_test(tc, test_rules_bands, 0, NELEM(band_cases));
	tcase_add_test(tc, test_cheapest_acceptable_pool);
	tcase_add_test(tc, test_cooldown);
	tcase_add_test(tc, test_spot_to_spot_needs_min_savings);
	tcase_add_test(tc, test_fallback_wait);
	tcase_add_test(tc, test_no_flapping);
	tcase_add_test(tc, test_return_wait);
	tcase_add_loop_test(tc, test_risk_weights, 0, NELEM(weight_cases));
	tcase_add_test(tc, test_history_update);
	tcase_add_test(tc, test_unknown_ondemand);
	tcase_add_test(tc, test_auc);
	tcase_add_loop_test(tc, test_logreg_fixture, 0, NELEM(fixture_cases));
	tcase_add_test(tc, test_logreg_disagrees_with_rules);
	tcase_add_test(tc, test_rules_file);
	tcase_add_loop_test(tc, test_model_refused, 0, NELEM(bad_cases));
	tcase_add_test(tc, test_model_too_large);
	tcase_add_test(tc, test_shipped_model);
	tcase_add_test(tc, test_model_mutations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(decision_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
