/*
 * decision.c - one evaluation of the decision engine (contract in
 * decision.h): candidates, the model's bands, the policy's cooldown and
 * waits, the history between evaluations, and the AUC the model validation
 * and spot-train report. The models themselves are in decision_model.c.
 */
#include "core/decision.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const decision_feature_names[DF_COUNT] = {
	[DF_ONDEMAND_RATIO] = "ondemand_ratio",
	[DF_CHANGE_1H] = "change_1h",
	[DF_CHANGE_24H] = "change_24h",
	[DF_VOLATILITY_1H] = "volatility_1h",
	[DF_VOLATILITY_24H] = "volatility_24h",
	[DF_MAX_24H_RATIO] = "max_24h_ratio",
	[DF_INTERRUPTIONS_24H] = "interruptions_24h",
	[DF_BUCKET] = "bucket",
	[DF_HOUR_SIN] = "hour_sin",
	[DF_HOUR_COS] = "hour_cos",
	[DF_POOL_RISK] = "pool_risk",
};

const char *decision_feature_name(int f)
{
	if (f < 0 || f >= DF_COUNT)
		return NULL;
	return decision_feature_names[f];
}

int decision_feature_index(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < DF_COUNT; i++)
		if (strcmp(decision_feature_names[i], name) == 0)
			return i;
	return -1;
}

int decision_type_compatible(const struct decision_type *cur, const struct decision_type *cand, double factor)
{
	if (!cur || !cand || !cur->arch || !cand->arch)
		return 0;
	if (!(factor >= 1.0))
		factor = 1.0;
	if (strcmp(cur->arch, cand->arch) != 0)
		return 0;
	if (cur->vcpu <= 0 || !(cur->memory_gib > 0.0))
		return 0;
	if (cand->vcpu < cur->vcpu || cand->memory_gib < cur->memory_gib)
		return 0;
	if ((double)cand->vcpu > factor * (double)cur->vcpu + 1e-9)
		return 0;
	if (cand->memory_gib > factor * cur->memory_gib + 1e-9)
		return 0;
	return 1;
}

void decision_policy_default(struct decision_policy *p)
{
	p->min_savings = 0.30;
	p->cooldown_s = 3600;
	p->max_risk = 0.50;
	p->ondemand_fallback = 1;
	p->fallback_wait_s = 900;
	p->return_wait_s = 1800;
	p->size_factor = 2.0;
}

/*
 * The savings (fraction of on-demand) a pool with this score needs before it
 * may be a target, or INFINITY when the score rules it out. The seeds' bands
 * (seed 001, "Risk Score Calculation"): below low the client's minimum, low
 * to high at least the high band's savings, above high never.
 */
double decision_needed_savings(const struct decision_model *m, const struct decision_policy *pol, double score)
{
	if (!(score <= pol->max_risk) || !(score <= m->band_high))
		return INFINITY;
	if (score < m->band_low)
		return pol->min_savings;
	return m->band_high_savings > pol->min_savings ? m->band_high_savings : pol->min_savings;
}

/* Whether pool p could be a target at all (priced, not flagged). */
static int decision_pool_usable(const struct decision_pool *p)
{
	return !p->flagged && p->price > 0.0 && isfinite(p->price) && p->ondemand_price > 0.0;
}

static void decision_out_init(struct decision_out *out)
{
	memset(out, 0, sizeof(*out));
	out->action = DA_STAY;
	out->proposed_mode = DM_NONE;
	out->target_mode = DM_NONE;
	out->target_pool = -1;
	out->suppressed = NULL;
}

static const char *decision_pool_label(const struct decision_pool *p)
{
	if (p->pool_id)
		return p->pool_id;
	return p->instance_type ? p->instance_type : "pool";
}

void decision_evaluate(const struct decision_model *m, const struct decision_policy *pol,
		       const struct decision_input *in, const struct decision_history *hist, int64_t now_ms,
		       struct decision_out *out)
{
	double od = in->ondemand_price, cur_price = in->current_price;
	double best_price = INFINITY, best_score = 0.0, cheapest_score = 0.0, cheapest_price = INFINITY;
	int best = -1, cur = -1, on_spot = in->current_mode == DM_SPOT;
	int unsafe = 0;
	double cur_score = 0.0;
	const char *why_unsafe = NULL;

	decision_out_init(out);
	if (on_spot && in->current_pool >= 0 && (size_t)in->current_pool < in->npools)
		cur = in->current_pool;
	if (!(od > 0.0) || !isfinite(od)) {
		snprintf(out->reason, sizeof(out->reason), "Stay: the on-demand price of the current type is unknown.");
		return;
	}

	/* The cheapest pool the model's bands accept against on-demand. */
	for (size_t i = 0; i < in->npools; i++) {
		const struct decision_pool *p = &in->pools[i];
		double s, need, sav;

		if ((int)i == cur || !decision_pool_usable(p))
			continue;
		s = decision_model_score(m, p);
		if (p->price < cheapest_price) {
			cheapest_price = p->price;
			cheapest_score = s;
		}
		need = decision_needed_savings(m, pol, s);
		sav = (od - p->price) / od;
		if (!(sav >= need - 1e-12))
			continue;
		if (best < 0 || p->price < best_price || (p->price == best_price && s < best_score)) {
			best = (int)i;
			best_price = p->price;
			best_score = s;
		}
	}

	if (cur >= 0) {
		const struct decision_pool *cp = &in->pools[cur];
		cur_score = decision_model_score(m, cp);
		out->score = cur_score;
		if (cp->flagged)
			why_unsafe = "flagged by an interruption";
		else if (!(cur_score <= m->band_high) || !(cur_score <= pol->max_risk))
			why_unsafe = "scored above the high-risk band";
		else if (cur_price >= od)
			why_unsafe = "priced at or above on-demand";
		unsafe = why_unsafe != NULL;
	} else if (on_spot) {
		/* On spot in a pool we were not given: judge by price only. */
		if (cur_price >= od) {
			unsafe = 1;
			why_unsafe = "priced at or above on-demand";
		}
	} else {
		out->score = best >= 0 ? best_score : cheapest_score;
	}

	if (on_spot) {
		double gain = best >= 0 ? (cur_price - best_price) / od : 0.0;
		if (best >= 0 && (unsafe || gain >= pol->min_savings - 1e-12)) {
			out->proposed_mode = DM_SPOT;
			out->target_mode = DM_SPOT;
			out->target_pool = best;
			out->target_price = best_price;
			out->score = best_score;
			if (unsafe)
				snprintf(out->reason, sizeof(out->reason),
					 "Move to %s at $%.4f/h (risk %.2f): the current pool is %s.",
					 decision_pool_label(&in->pools[best]), best_price, best_score, why_unsafe);
			else
				snprintf(out->reason, sizeof(out->reason),
					 "Move to %s at $%.4f/h (risk %.2f): %.0f%% of on-demand cheaper than the current pool.",
					 decision_pool_label(&in->pools[best]), best_price, best_score, gain * 100.0);
		} else if (unsafe && pol->ondemand_fallback) {
			out->proposed_mode = DM_ONDEMAND;
			out->target_mode = DM_ONDEMAND;
			out->target_price = od;
			snprintf(out->reason, sizeof(out->reason),
				 "Return to on-demand at $%.4f/h: the current pool is %s and no safe pool saves enough.", od,
				 why_unsafe);
		} else if (unsafe) {
			snprintf(out->reason, sizeof(out->reason),
				 "Stay: the current pool is %s, but on-demand fallback is off and no safe pool saves enough.",
				 why_unsafe);
		} else {
			snprintf(out->reason, sizeof(out->reason),
				 "Stay on spot at $%.4f/h (risk %.2f): no safe pool saves %.0f%% of on-demand more.", cur_price,
				 cur_score, pol->min_savings * 100.0);
		}
	} else {
		if (best >= 0) {
			out->proposed_mode = DM_SPOT;
			out->target_mode = DM_SPOT;
			out->target_pool = best;
			out->target_price = best_price;
			out->score = best_score;
			snprintf(out->reason, sizeof(out->reason),
				 "Move to spot %s at $%.4f/h (risk %.2f): %.0f%% below on-demand.",
				 decision_pool_label(&in->pools[best]), best_price, best_score,
				 (od - best_price) / od * 100.0);
		} else if (cheapest_price < INFINITY) {
			snprintf(out->reason, sizeof(out->reason),
				 "Stay on on-demand: the cheapest pool ($%.4f/h, risk %.2f) is too risky or saves too little.",
				 cheapest_price, cheapest_score);
		} else {
			snprintf(out->reason, sizeof(out->reason), "Stay on on-demand: no candidate pool has a price.");
		}
	}

	if (out->proposed_mode == DM_NONE)
		return;
	out->expected_savings = cur_price - out->target_price;

	/* The policy: cooldown first, then the waits that keep a fleet from flapping. */
	if (hist && hist->last_switch_ms > 0 && now_ms - hist->last_switch_ms < (int64_t)pol->cooldown_s * 1000) {
		out->suppressed = "cooldown";
	} else {
		int64_t stood = 0, need_ms = 0;
		if (hist && hist->want_mode == out->proposed_mode && hist->want_since_ms > 0 &&
		    now_ms >= hist->want_since_ms)
			stood = now_ms - hist->want_since_ms;
		if (on_spot && out->proposed_mode == DM_ONDEMAND)
			need_ms = (int64_t)pol->fallback_wait_s * 1000;
		else if (!on_spot && out->proposed_mode == DM_SPOT && hist && hist->last_switch_ms > 0)
			need_ms = (int64_t)pol->return_wait_s * 1000;
		if (stood < need_ms)
			out->suppressed = on_spot ? "fallback_wait" : "return_wait";
	}
	if (out->suppressed) {
		size_t len = strlen(out->reason);
		const char *note = strcmp(out->suppressed, "cooldown") == 0 ? " Held: inside the cooldown since the last switch."
				   : strcmp(out->suppressed, "fallback_wait") == 0
					   ? " Held: waiting for the fallback wait to pass."
					   : " Held: waiting for the return wait to pass.";
		if (len < sizeof(out->reason))
			snprintf(out->reason + len, sizeof(out->reason) - len, "%s", note);
		return;
	}
	out->action = DA_SWITCH;
}

void decision_history_update(struct decision_history *h, const struct decision_out *out, int64_t now_ms)
{
	if (out->action == DA_SWITCH) {
		h->last_switch_ms = now_ms;
		h->want_mode = DM_NONE;
		h->want_since_ms = 0;
		return;
	}
	if (out->proposed_mode != h->want_mode || (out->proposed_mode != DM_NONE && h->want_since_ms <= 0)) {
		h->want_mode = out->proposed_mode;
		h->want_since_ms = out->proposed_mode == DM_NONE ? 0 : now_ms;
	}
}

struct decision_auc_item {
	double score;
	int label;
};

static int decision_auc_cmp(const void *a, const void *b)
{
	const struct decision_auc_item *x = a, *y = b;
	if (x->score < y->score)
		return -1;
	if (x->score > y->score)
		return 1;
	return 0;
}

/*
 * Mann-Whitney: AUC = (sum of the positives' ranks - P (P + 1) / 2) / (P N),
 * with tied scores sharing their mean rank (so a tie counts half).
 */
double decision_auc(const double *scores, const int *labels, size_t n)
{
	struct decision_auc_item *it;
	double pos = 0, neg = 0, rank_sum = 0;
	size_t i = 0;

	if (n == 0 || n > SIZE_MAX / sizeof(*it))
		return -1.0;
	it = malloc(n * sizeof(*it));
	if (!it)
		return -1.0;
	for (size_t k = 0; k < n; k++) {
		it[k].score = isfinite(scores[k]) ? scores[k] : 0.0;
		it[k].label = labels[k] ? 1 : 0;
		if (it[k].label)
			pos++;
		else
			neg++;
	}
	if (pos == 0 || neg == 0) {
		free(it);
		return -1.0;
	}
	qsort(it, n, sizeof(*it), decision_auc_cmp);
	while (i < n) {
		size_t j = i;
		double npos = 0, mean_rank;
		while (j < n && it[j].score == it[i].score) {
			npos += it[j].label;
			j++;
		}
		mean_rank = ((double)(i + 1) + (double)j) / 2.0;
		rank_sum += npos * mean_rank;
		i = j;
	}
	free(it);
	return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg);
}
