/*
 * test_risk.c - core/risk: the pool risk score of DESIGN.md section 6.
 * Table-driven: bounds, each component alone, the bucket blend, the flagged
 * floor, and monotonicity in every input.
 */
#include "core/risk.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define EPS 1e-9

/* A calm pool: nothing known, nothing happened. */
static struct risk_inputs calm(void)
{
	struct risk_inputs in = { .interruptions_7d = 0, .instance_age_hours = 0, .have_instances = 0, .price_cv = 0,
				  .price_samples = 0, .flagged = 0, .interruption_bucket = -1 };
	return in;
}

static const struct {
	const char *name;
	struct risk_inputs in;
	double score;
} cases[] = {
	{ "calm pool", { 0, 0, 0, 0, 0, 0, -1 }, 0.0 },
	{ "five interruptions saturate I, young instances add A", { 5, 0, 1, 0, 0, 0, -1 }, 0.40 + 0.30 },
	{ "ten interruptions are no worse than five", { 10, 0, 1, 0, 0, 0, -1 }, 0.70 },
	{ "old instances in a hot pool: I only", { 5, 500, 1, 0, 0, 0, -1 }, 0.40 },
	{ "half-week-old instances: half the youth", { 5, 84, 1, 0, 0, 0, -1 }, 0.40 + 0.15 },
	{ "one interruption, young", { 1, 0, 1, 0, 0, 0, -1 }, 0.4 * 0.2 + 0.3 * 0.2 },
	{ "no instances of ours: a new one would be young", { 1, 0, 0, 0, 0, 0, -1 }, 0.4 * 0.2 + 0.3 * 0.2 },
	{ "young instances in a calm pool: no age risk", { 0, 0, 1, 0, 0, 0, -1 }, 0.0 },
	{ "volatility alone saturates at 10 % cv", { 0, 0, 0, 0.10, 30, 0, -1 }, 0.30 },
	{ "volatility above saturation", { 0, 0, 0, 0.50, 30, 0, -1 }, 0.30 },
	{ "half volatility", { 0, 0, 0, 0.05, 30, 0, -1 }, 0.15 },
	{ "one sample is no volatility", { 0, 0, 0, 0.5, 1, 0, -1 }, 0.0 },
	{ "flagged calm pool is floored", { 0, 0, 0, 0, 0, 1, -1 }, RISK_FLAGGED_FLOOR },
	{ "flag does not lower a higher score", { 5, 0, 1, 0.2, 10, 1, -1 }, 1.0 },
	{ "bucket 4 alone", { 0, 0, 0, 0, 0, 0, 4 }, 0.4 * 0.4 + 0.3 * 1.0 },
	{ "bucket 0 known, calm", { 0, 0, 0, 0, 0, 0, 0 }, 0.0 },
	{ "bucket 2 blended with one interruption", { 1, 0, 1, 0, 0, 0, 2 }, 0.4 * (0.6 * 0.2 + 0.4 * 0.5) + 0.3 * 0.5 },
	{ "everything at worst", { 50, 0, 1, 1.0, 100, 1, 4 }, 1.0 },
	{ "out-of-range bucket is unknown", { 0, 0, 0, 0, 0, 0, 9 }, 0.0 },
	{ "negative inputs are no evidence", { -3, -10, 1, -0.5, 10, 0, -1 }, 0.0 },
	{ "NaN cv is no evidence", { 0, 0, 0, NAN, 10, 0, -1 }, 0.0 },
	{ "NaN age counts as young", { 5, NAN, 1, 0, 0, 0, -1 }, 0.70 },
};

START_TEST(test_risk_table)
{
	double got = risk_pool_score(&cases[_i].in);
	ck_assert_msg(fabs(got - cases[_i].score) < EPS, "%s: got %.6f, want %.6f", cases[_i].name, got,
		      cases[_i].score);
	ck_assert_msg(got >= 0.0 && got <= 1.0, "%s: %.6f out of [0,1]", cases[_i].name, got);
}
END_TEST

START_TEST(test_risk_breakdown_components)
{
	struct risk_inputs in = calm();
	struct risk_breakdown b;
	in.interruptions_7d = 5;
	in.have_instances = 1;
	in.instance_age_hours = 0;
	in.price_cv = 0.05;
	in.price_samples = 3;
	risk_pool_breakdown(&in, &b);
	ck_assert(fabs(b.interruption - 1.0) < EPS);
	ck_assert(fabs(b.age - 1.0) < EPS);
	ck_assert(fabs(b.volatility - 0.5) < EPS);
	ck_assert(fabs(b.score - (0.4 + 0.3 + 0.15)) < EPS);
	ck_assert(fabs(b.score - risk_pool_score(&in)) < EPS);
}
END_TEST

/* Raising any risk input never lowers the score; ageing never raises it. */
START_TEST(test_risk_monotonic)
{
	for (int n = 0; n <= 8; n++)
		for (int bucket = -1; bucket <= 4; bucket++)
			for (int age = 0; age <= 400; age += 50)
				for (int cv = 0; cv <= 15; cv += 3)
					for (int flag = 0; flag <= 1; flag++) {
						struct risk_inputs in = { n, age, 1, cv / 100.0, 10, flag, bucket };
						double s = risk_pool_score(&in), t;
						struct risk_inputs up;

						ck_assert(s >= 0.0 && s <= 1.0);
						up = in;
						up.interruptions_7d++;
						ck_assert((t = risk_pool_score(&up)) >= s - EPS);
						up = in;
						up.interruption_bucket = bucket < 4 ? bucket + 1 : 4;
						if (bucket >= 0)
							ck_assert((t = risk_pool_score(&up)) >= s - EPS);
						up = in;
						up.price_cv += 0.01;
						ck_assert((t = risk_pool_score(&up)) >= s - EPS);
						up = in;
						up.flagged = 1;
						ck_assert((t = risk_pool_score(&up)) >= s - EPS);
						ck_assert(t >= RISK_FLAGGED_FLOOR - EPS);
						up = in;
						up.instance_age_hours += 24;
						ck_assert((t = risk_pool_score(&up)) <= s + EPS);
					}
}
END_TEST

/* The rebalance threshold sits between a calm and a hot pool, and the flag is above it. */
START_TEST(test_risk_threshold)
{
	struct risk_inputs in = calm();
	ck_assert(risk_pool_score(&in) <= RISK_REBALANCE_THRESHOLD);
	in.flagged = 1;
	ck_assert(risk_pool_score(&in) > RISK_REBALANCE_THRESHOLD);
	in = calm();
	in.price_cv = 1.0;
	in.price_samples = 10;
	ck_assert(risk_pool_score(&in) <= RISK_REBALANCE_THRESHOLD + EPS);
	in.interruptions_7d = 1;
	ck_assert(risk_pool_score(&in) > RISK_REBALANCE_THRESHOLD);
}
END_TEST

static Suite *risk_suite(void)
{
	Suite *s = suite_create("risk");
	TCase *tc = tcase_create("score");
	tcase_add_loop_test(tc, test_risk_table, 0, (int)NELEM(cases));
	tcase_add_test(tc, test_risk_breakdown_components);
	tcase_add_test(tc, test_risk_monotonic);
	tcase_add_test(tc, test_risk_threshold);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(risk_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
