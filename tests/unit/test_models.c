/*
 * test_models.c - core/models: the held-out judgement of a model (models_judge), pure, on generated
 * price series: no data and too short a window are "too little data" (no verdict), one class only
 * too; a model that reads the signal passes (AUC, replay no dearer than rules-v1 by more than 2 %), the
 * same model with the signal reversed fails on AUC; an interruption in the next hour labels a row even
 * when the price stays low.
 */
#include "core/models.h"
#include "core/backtest.h"
#include "core/decision.h"

#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define NPOOLS 4
#define STEP_MS (5 * 60 * 1000LL)
#define T0 1700000000000LL

static struct backtest_point pts[NPOOLS][4096];
static struct backtest_pool pools[NPOOLS];
static struct backtest_ondemand od[1] = { { .instance_type = "m5.large", .price = 0.10 } };
static int64_t *irq[NPOOLS];
static size_t nirq[NPOOLS];
static const char *const azs[NPOOLS] = { "x-1a", "x-1b", "x-1c", "x-1d" };

/*
 * n five-minute points per pool; every 96 buckets (8 h) a pool climbs above on-demand ($0.10) over 90
 * minutes and stays 30 minutes, each pool at its own phase; flat: no spikes at all.
 */
static void heldout(struct models_heldout *d, size_t n, int flat)
{
	memset(d, 0, sizeof(*d));
	for (size_t p = 0; p < NPOOLS; p++) {
		for (size_t i = 0; i < n; i++) {
			size_t ph = (i + p * 24) % 96;
			pts[p][i].t_ms = T0 + (int64_t)i * STEP_MS;
			pts[p][i].price = flat || ph >= 24 ? 0.03 + 0.0005 * (double)((i * 7) % 5)
					  : ph < 18 ? 0.03 + 0.01 * (double)ph : 0.15;
		}
		pools[p] = (struct backtest_pool){ .pool_id = azs[p], .instance_type = "m5.large", .az = azs[p],
						   .pts = pts[p], .npts = n };
		irq[p] = NULL;
		nirq[p] = 0;
	}
	d->pools = pools;
	d->npools = NPOOLS;
	d->od = od;
	d->nod = 1;
	d->start_ms = T0;
	d->end_ms = T0 + (int64_t)(n ? n - 1 : 0) * STEP_MS;
	d->irq = irq;
	d->nirq = nirq;
}

static void logreg(struct decision_model *m, double sign)
{
	char json[512], err[256];
	snprintf(json, sizeof(json),
		 "{\"schema\":\"spot-model/1\",\"name\":\"t\",\"version\":\"1\",\"engine\":\"logreg\","
		 "\"features\":[\"ondemand_ratio\",\"change_1h\"],\"coefficients\":[%g,%g],\"mean\":[0.4,0],"
		 "\"scale\":[0.2,0.2],\"intercept\":-1}", 3.0 * sign, 2.0 * sign);
	ck_assert_msg(decision_model_parse(json, m, err, sizeof(err)) == 0, "%s", err);
}

static double metric(const struct models_verdict *v, const char *key)
{
	struct json_object *o;
	ck_assert_msg(json_object_object_get_ex(v->metrics, key, &o), "metrics have no %s", key);
	return json_object_get_double(o);
}

START_TEST(test_models_no_data)
{
	struct models_heldout d;
	struct models_verdict v;
	struct decision_model m;
	logreg(&m, 1);
	heldout(&d, 0, 0);
	d.npools = 0;
	ck_assert_int_eq(models_judge(&d, &m, &v), 0);
	ck_assert_int_eq(v.insufficient, 1);
	ck_assert_ptr_nonnull(strstr(v.reason, "too little held-out data"));
	json_object_put(v.metrics);
	/* three hours of prices: shorter than the four the judgement needs */
	heldout(&d, 36, 0);
	ck_assert_int_eq(models_judge(&d, &m, &v), 0);
	ck_assert_int_eq(v.insufficient, 1);
	json_object_put(v.metrics);
}
END_TEST

START_TEST(test_models_one_class)
{
	struct models_heldout d;
	struct models_verdict v;
	struct decision_model m;
	logreg(&m, 1);
	heldout(&d, 2016, 1); /* a week without a single spike: every label is 0 */
	ck_assert_int_eq(models_judge(&d, &m, &v), 0);
	ck_assert_int_eq(v.insufficient, 1);
	ck_assert_ptr_nonnull(strstr(v.reason, "0 positive"));
	json_object_put(v.metrics);
}
END_TEST

START_TEST(test_models_signal)
{
	struct models_heldout d;
	struct models_verdict v;
	struct decision_model m;
	logreg(&m, 1);
	heldout(&d, 2016, 0);
	ck_assert_int_eq(models_judge(&d, &m, &v), 0);
	ck_assert_msg(!v.insufficient && v.pass, "good model refused: %s", v.reason);
	ck_assert(metric(&v, "auc") >= MODELS_MIN_AUC);
	ck_assert(metric(&v, "n") >= MODELS_MIN_HELDOUT);
	ck_assert(metric(&v, "replay_cost") <= metric(&v, "rules_cost") * MODELS_MAX_COST_RATIO + 1e-9);
	json_object_put(v.metrics);

	logreg(&m, -1);
	ck_assert_int_eq(models_judge(&d, &m, &v), 0);
	ck_assert_int_eq(v.insufficient, 0);
	ck_assert_int_eq(v.pass, 0);
	ck_assert(metric(&v, "auc") < MODELS_MIN_AUC);
	ck_assert_ptr_nonnull(strstr(v.reason, "AUC"));
	json_object_put(v.metrics);
}
END_TEST

START_TEST(test_models_interruption_labels)
{
	struct models_heldout d;
	struct models_verdict v;
	struct decision_model m;
	static int64_t times[64];
	double pos_flat, pos_irq;
	logreg(&m, 1);
	heldout(&d, 2016, 1);
	/* pool 0 is interrupted every 2 h in the held-out half: the rows in the hour before count positive */
	for (int k = 0; k < 40; k++)
		times[k] = T0 + (int64_t)(1008 + 24 * k) * STEP_MS;
	irq[0] = times;
	nirq[0] = 40;
	ck_assert_int_eq(models_judge(&d, &m, &v), 0);
	pos_irq = metric(&v, "positives");
	json_object_put(v.metrics);
	nirq[0] = 0;
	ck_assert_int_eq(models_judge(&d, &m, &v), 0);
	pos_flat = v.metrics && json_object_object_get_ex(v.metrics, "positives", NULL) ? metric(&v, "positives") : 0;
	json_object_put(v.metrics);
	ck_assert_double_eq_tol(pos_flat, 0, 1e-9);
	ck_assert(pos_irq >= 40 * 11);
}
END_TEST

static Suite *models_suite(void)
{
	Suite *s = suite_create("models");
	TCase *tc = tcase_create("judge");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_models_no_data);
	tcase_add_test(tc, test_models_one_class);
	tcase_add_test(tc, test_models_signal);
	tcase_add_test(tc, test_models_interruption_labels);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(models_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
