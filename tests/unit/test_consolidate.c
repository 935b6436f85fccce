/*
 * test_consolidate.c - core/consolidate: the grid, the primary/replica merge,
 * exact duplicates, gap flags and interpolation (with seed 001's worked
 * examples), and the canonical features.
 */
#include "core/consolidate.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define EPS 1e-9
#define MIN_MS (60 * 1000LL)
#define T0 1356998400000LL /* 2013-01-01T00:00:00Z, a Tuesday */

START_TEST(test_bucket)
{
	static const struct {
		int64_t ms, bucket;
	} cases[] = {
		{ 0, 0 },
		{ 1, 0 },
		{ 299999, 0 },
		{ 300000, 300000 },
		{ T0 + 4 * MIN_MS + 59999, T0 },
		{ T0 + 5 * MIN_MS, T0 + 5 * MIN_MS },
		{ -1, -300000 },
	};
	for (size_t i = 0; i < NELEM(cases); i++)
		ck_assert_msg(consolidate_bucket(cases[i].ms) == cases[i].bucket, "case %zu", i);
}
END_TEST

START_TEST(test_merge)
{
	static const struct {
		double p, r, want;
		enum consolidate_flag flag;
	} cases[] = {
		/* Seed 001: primary $0.0456 vs replica $0.0458 at the same time -> the primary's value. */
		{ 0.0456, 0.0458, 0.0456, CONSOLIDATE_DEDUPLICATED },
		{ 0.0458, 0.0456, 0.0458, CONSOLIDATE_DEDUPLICATED },
		{ 0.1, 0.1, 0.1, CONSOLIDATE_DEDUPLICATED },
		/* exactly 0.5 % is within */
		{ 0.1, 0.1005, 0.1, CONSOLIDATE_DEDUPLICATED },
		{ 0.1, 0.099500, 0.1, CONSOLIDATE_DEDUPLICATED },
		/* just beyond: the mean, flagged for review */
		{ 0.1, 0.100501, 0.1002505, CONSOLIDATE_AVERAGED },
		{ 0.0456, 0.0470, 0.0463, CONSOLIDATE_AVERAGED },
		{ 0.0, 0.0, 0.0, CONSOLIDATE_DEDUPLICATED },
		{ 0.0, 0.001, 0.0005, CONSOLIDATE_AVERAGED },
	};
	for (size_t i = 0; i < NELEM(cases); i++) {
		enum consolidate_flag f;
		double got = consolidate_merge(cases[i].p, cases[i].r, &f);
		ck_assert_msg(fabs(got - cases[i].want) < EPS, "case %zu: %.7f", i, got);
		ck_assert_msg(f == cases[i].flag, "case %zu: flag %d", i, (int)f);
	}
}
END_TEST

/* Seed 001 "Gap Filling": T=0 $0.050, T=1200 $0.060 -> 0.0525, 0.055, 0.0575 interpolated. */
START_TEST(test_seed_gap_example)
{
	struct consolidate_sample s[] = { { T0, 0.050, 1 }, { T0 + 1200 * 1000LL, 0.060, 1 } };
	struct consolidate_row out[16];
	struct consolidate_stats st = { 0 };
	size_t n = consolidate_series(s, NELEM(s), NULL, out, NELEM(out), &st);
	static const double want[] = { 0.050, 0.0525, 0.055, 0.0575, 0.060 };

	ck_assert_uint_eq(n, 5);
	for (size_t i = 0; i < n; i++) {
		ck_assert(out[i].bucket_ms == T0 + (int64_t)i * CONSOLIDATE_BUCKET_MS);
		ck_assert_msg(fabs(out[i].price - want[i]) < EPS, "row %zu: %.6f", i, out[i].price);
	}
	ck_assert_int_eq(out[0].flag, CONSOLIDATE_ACTUAL);
	ck_assert_int_eq(out[1].flag, CONSOLIDATE_INTERPOLATED);
	ck_assert_int_eq(out[3].flag, CONSOLIDATE_INTERPOLATED);
	ck_assert_int_eq(out[4].flag, CONSOLIDATE_ACTUAL);
	/* 20 minutes is more than 10: the bucket after the gap is flagged */
	ck_assert_int_eq(out[4].gap_flagged, 1);
	ck_assert(out[4].gap_ms == 1200 * 1000LL);
	ck_assert_int_eq(out[0].gap_flagged, 0);
	ck_assert_int_eq(st.interpolated, 3);
	ck_assert_int_eq(st.flagged_gap, 1);
	ck_assert_int_eq(st.flagged, 1);
}
END_TEST

/* Gap lengths between two real buckets: what is flagged and what is filled. */
START_TEST(test_gap_table)
{
	static const struct {
		int minutes;
		int flagged;
		size_t filled;
	} cases[] = {
		{ 5, 0, 0 },   /* adjacent buckets: no gap */
		{ 10, 0, 1 },  /* one missing bucket: filled, not more than 10 min */
		{ 15, 1, 2 },  /* over 10 min: flagged, filled */
		{ 30, 1, 5 },  /* up to 30 min: filled */
		{ 35, 1, 0 },  /* longer: flagged, left open */
		{ 240, 1, 0 },
	};
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct consolidate_row prev = { .bucket_ms = T0, .price = 1.0 };
		struct consolidate_row next = { .bucket_ms = T0 + cases[i].minutes * MIN_MS, .price = 2.0 };
		struct consolidate_row fill[CONSOLIDATE_MAX_FILL + 1];
		size_t k = consolidate_gap(&prev, &next, fill);
		ck_assert_msg(k == cases[i].filled, "%d min: filled %zu", cases[i].minutes, k);
		ck_assert_msg(next.gap_flagged == cases[i].flagged, "%d min: flagged %d", cases[i].minutes,
			      next.gap_flagged);
		for (size_t j = 0; j < k; j++) {
			double want = 1.0 + (double)(j + 1) * 5.0 / cases[i].minutes;
			ck_assert(fabs(fill[j].price - want) < EPS);
			ck_assert_int_eq(fill[j].flag, CONSOLIDATE_INTERPOLATED);
		}
	}
}
END_TEST

/* Primary and replica in one bucket, exact duplicates, and the latest point of each class. */
START_TEST(test_bucket_merge_and_duplicates)
{
	struct consolidate_sample s[] = {
		{ T0 + 1000, 0.0456, 1 },       /* primary */
		{ T0 + 1000, 0.0456, 1 },       /* exact duplicate (another primary of the same pool) */
		{ T0 + 1000, 0.0458, 0 },       /* replica within 0.5 % */
		{ T0 + 300000, 0.0400, 1 },     /* next bucket: primary */
		{ T0 + 300000, 0.0500, 0 },     /* replica 25 % off: mean, flagged */
		{ T0 + 600000, 0.0300, 0 },     /* third bucket: an older replica point... */
		{ T0 + 660000, 0.0310, 0 },     /* ...and the latest: this one counts */
	};
	struct consolidate_row out[8];
	struct consolidate_stats st = { 0 };
	size_t n = consolidate_series(s, NELEM(s), NULL, out, NELEM(out), &st);

	ck_assert_uint_eq(n, 3);
	ck_assert(fabs(out[0].price - 0.0456) < EPS);
	ck_assert_int_eq(out[0].flag, CONSOLIDATE_DEDUPLICATED);
	ck_assert_int_eq(out[0].sample_count, 2);
	ck_assert(fabs(out[1].price - 0.045) < EPS);
	ck_assert_int_eq(out[1].flag, CONSOLIDATE_AVERAGED);
	ck_assert(fabs(out[2].price - 0.031) < EPS);
	ck_assert_int_eq(out[2].flag, CONSOLIDATE_ACTUAL);
	ck_assert_int_eq(out[2].has_primary, 0);
	ck_assert_int_eq(st.duplicates, 1);
	ck_assert_int_eq(st.merged, 2);
	ck_assert_int_eq(st.flagged_review, 1);
	ck_assert_int_eq(st.flagged, 1);
	ck_assert_int_eq(st.interpolated, 0);
}
END_TEST

/* Two different prices from primaries at the same latest time: their mean. */
START_TEST(test_same_time_different_prices)
{
	struct consolidate_sample s[] = { { T0, 0.10, 1 }, { T0, 0.12, 1 } };
	struct consolidate_row out[2];
	size_t n = consolidate_series(s, NELEM(s), NULL, out, NELEM(out), NULL);
	ck_assert_uint_eq(n, 1);
	ck_assert(fabs(out[0].price - 0.11) < EPS);
	ck_assert_int_eq(out[0].sample_count, 2);
}
END_TEST

/* An incremental run starts from the real bucket before its window (the anchor). */
START_TEST(test_anchor)
{
	struct consolidate_row prev = { .bucket_ms = T0, .price = 0.050 };
	struct consolidate_sample s[] = { { T0 + 1200 * 1000LL + 5000, 0.060, 0 } };
	struct consolidate_row out[8];
	size_t n = consolidate_series(s, NELEM(s), &prev, out, NELEM(out), NULL);
	ck_assert_uint_eq(n, 4);
	ck_assert(fabs(out[0].price - 0.0525) < EPS && out[0].bucket_ms == T0 + CONSOLIDATE_BUCKET_MS);
	ck_assert(fabs(out[2].price - 0.0575) < EPS);
	ck_assert_int_eq(out[3].gap_flagged, 1);
	/* too long a gap from the anchor: nothing filled, flagged */
	s[0].observed_ms = T0 + 36 * MIN_MS;
	n = consolidate_series(s, NELEM(s), &prev, out, NELEM(out), NULL);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(out[0].gap_flagged, 1);
	ck_assert(out[0].gap_ms == 35 * MIN_MS);
}
END_TEST

/* The cap: the count needed is returned, only cap rows are written. */
START_TEST(test_series_cap)
{
	struct consolidate_sample s[] = { { T0, 1.0, 1 }, { T0 + 30 * MIN_MS, 2.0, 1 } };
	struct consolidate_row out[2];
	ck_assert_uint_eq(consolidate_series(s, NELEM(s), NULL, out, NELEM(out), NULL), 7);
}
END_TEST

START_TEST(test_flag_names)
{
	for (int f = CONSOLIDATE_ACTUAL; f <= CONSOLIDATE_INTERPOLATED; f++)
		ck_assert_int_eq(consolidate_flag_parse(consolidate_flag_name((enum consolidate_flag)f)), f);
	ck_assert_int_eq(consolidate_flag_parse("bogus"), -1);
	ck_assert_int_eq(consolidate_flag_parse(NULL), -1);
}
END_TEST

/* Features over a steady 5-minute series: changes, volatility, ratio, time fields, interruptions. */
START_TEST(test_features)
{
	struct consolidate_window w;
	struct consolidate_features f;
	int64_t intr[] = { T0 - 3600 * 1000LL, T0 + 25 * 3600 * 1000LL };

	consolidate_window_init(&w);
	/* 24 h + 2 buckets of rows: price 1.0, the last one 2.0 */
	for (int i = 0; i <= 289; i++) {
		struct consolidate_row r = { .bucket_ms = T0 + i * CONSOLIDATE_BUCKET_MS, .price = i < 289 ? 1.0 : 2.0 };
		consolidate_window_push(&w, &r, 1, 4.0, intr, NELEM(intr), &f);
		if (i == 0) {
			ck_assert_int_eq(f.has_change_5m, 0);
			ck_assert_int_eq(f.has_vol_1h, 0);
			ck_assert_int_eq(f.hour_of_day, 0);
			ck_assert_int_eq(f.day_of_week, 2); /* Tuesday */
			ck_assert_int_eq(f.has_since_interruption, 1);
			ck_assert(f.seconds_since_interruption == 3600);
			ck_assert_int_eq(f.interruptions_24h, 1);
		}
		if (i == 12) {
			ck_assert_int_eq(f.has_change_1h, 1);
			ck_assert(fabs(f.change_1h_pct) < EPS);
			ck_assert_int_eq(f.has_vol_1h, 1);
			ck_assert(fabs(f.vol_1h) < EPS);
		}
	}
	/* the last row: 2.0 after a day of 1.0 */
	ck_assert_int_eq(f.has_change_5m, 1);
	ck_assert(fabs(f.change_5m_pct - 100.0) < EPS);
	ck_assert_int_eq(f.has_change_1h, 1);
	ck_assert(fabs(f.change_1h_pct - 100.0) < EPS);
	ck_assert_int_eq(f.has_change_24h, 1);
	ck_assert(fabs(f.change_24h_pct - 100.0) < EPS);
	ck_assert(fabs(f.max_24h - 2.0) < EPS && fabs(f.min_24h - 1.0) < EPS);
	/* (t - 1 h, t] holds 12 rows: 11 of 1.0 and the last of 2.0 */
	{
		double m = (11 * 1.0 + 2.0) / 12.0, v = (11 * 1.0 + 4.0) / 12.0 - m * m;
		ck_assert(fabs(f.vol_1h - sqrt(v)) < 1e-9);
	}
	ck_assert(fabs(f.ondemand_ratio - 0.5) < EPS);
	ck_assert(fabs(f.discount_pct - 50.0) < EPS);
	ck_assert_int_eq(f.hour_of_day, 0);
	ck_assert_int_eq(f.day_of_week, 3); /* Wednesday, a day and 5 min later */
	/* the interruption 25 h after T0 is in the future of this row: the last is 25 h 5 min ago, none in 24 h */
	ck_assert(f.seconds_since_interruption == (289 * 300 + 3600));
	ck_assert_int_eq(f.interruptions_24h, 0);
}
END_TEST

static Suite *consolidate_suite(void)
{
	Suite *s = suite_create("consolidate");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_bucket);
	tcase_add_test(tc, test_merge);
	tcase_add_test(tc, test_seed_gap_example);
	tcase_add_test(tc, test_gap_table);
	tcase_add_test(tc, test_bucket_merge_and_duplicates);
	tcase_add_test(tc, test_same_time_different_prices);
	tcase_add_test(tc, test_anchor);
	tcase_add_test(tc, test_series_cap);
	tcase_add_test(tc, test_flag_names);
	tcase_add_test(tc, test_features);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(consolidate_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
