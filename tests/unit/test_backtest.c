/*
 * test_backtest.c - core/backtest's accounting against a hand-computed
 * three-pool example, its training rows, its refusals, and
 * core/price_history's parsers (AWS CLI JSON, CSV, on-demand lists).
 */
#include "core/backtest.h"
#include "core/price_history.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define EPS 1e-9
#define H 3600000LL
#define T0 1356998400000LL /* 2013-01-01T00:00:00Z */

/*
 * The example: one type, on-demand $1.00/h, three pools, four hourly steps,
 * a 6-minute overlap (0.1 h) per switch, rules-v1 with the default policy.
 *   A: 0.50, 1.20 from 1:30 to 1:45 (above on-demand), 0.50 again
 *   B: 0.60, 0.20 from 2:00
 *   C: 0.90, 1.50 from 1:00 to 1:30, 0.90 again
 * Hand-computed (see the comments in the test) ...
 */
static const struct backtest_point pa[] = { { T0, 0.50 }, { T0 + 3 * H / 2, 1.20 }, { T0 + 7 * H / 4, 0.50 },
					    { T0 + 4 * H, 0.50 } };
static const struct backtest_point pb[] = { { T0, 0.60 }, { T0 + 2 * H, 0.20 }, { T0 + 4 * H, 0.20 } };
static const struct backtest_point pc[] = { { T0, 0.90 }, { T0 + H, 1.50 }, { T0 + 3 * H / 2, 0.90 },
					    { T0 + 4 * H, 0.90 } };
static const struct backtest_pool pools[] = {
	{ "a", "r-1", "t.small", "r-1a", pa, NELEM(pa) },
	{ "b", "r-1", "t.small", "r-1b", pb, NELEM(pb) },
	{ "c", "r-1", "t.small", "r-1c", pc, NELEM(pc) },
};
static const struct backtest_ondemand od[] = { { "r-1", "t.small", 1.00 }, { NULL, "other", 3.0 } };

static void setup_input(struct backtest_input *in, struct decision_model *m, struct decision_policy *pol)
{
	decision_model_rules_v1(m);
	decision_policy_default(pol);
	memset(in, 0, sizeof(*in));
	in->pools = pools;
	in->npools = NELEM(pools);
	in->ondemand = od;
	in->nondemand = NELEM(od);
	in->model = m;
	in->policy = pol;
	in->overlap_minutes = 6;
	in->step_ms = H;
}

START_TEST(test_three_pools)
{
	struct backtest_input in;
	struct decision_model m;
	struct decision_policy pol;
	struct backtest_result r;
	char err[256];
	/* per hour: model, oracle, cheapest */
	const double model_h[4] = { 0.6, 0.675, 0.25, 0.2 }, oracle_h[4] = { 0.6, 0.65, 0.2, 0.2 },
		     cheap_h[4] = { 0.5, 0.525, 0.2, 0.2 };

	setup_input(&in, &m, &pol);
	ck_assert_msg(backtest_run(&in, &r, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(r.start_ms, T0);
	ck_assert_int_eq(r.end_ms, T0 + 4 * H);
	ck_assert(fabs(r.hours - 4.0) < EPS);
	/* always on-demand: 4 h x $1 */
	ck_assert(fabs(r.ondemand_cost - 4.0) < EPS);
	/*
	 * the model: 0:00 OD -> A (never switched: no return wait), overlap 0.1 x $1; A 0.50;
	 * 1:00 stays in A (no pool 30 % cheaper; C is above on-demand); A costs
	 * 0.5 x 0.5 + 1.2 x 0.25 + 0.5 x 0.25 = 0.675 and rises above on-demand within the hour: 1 exposed hour;
	 * 2:00 A is flagged (above on-demand 30 minutes ago), B at 0.20 -> B, overlap 0.1 x 0.50; B 0.20 + 0.20.
	 */
	ck_assert_msg(fabs(r.model_cost - 1.725) < EPS, "model %.6f", r.model_cost);
	ck_assert_int_eq(r.switches, 2);
	ck_assert(fabs(r.exposed_hours - 1.0) < EPS);
	ck_assert(fabs(r.spot_hours - 4.0) < EPS);
	/* the cheapest pool at each step's start: A, A (rises above on-demand at 1:30: exposed), B, B */
	ck_assert(fabs(r.cheapest_exposed_hours - 1.0) < EPS);
	/* cheapest pool, free switching: 0.5 + 0.25 + 0.6 x 0.25 + 0.5 x 0.25 + 0.2 x 2 */
	ck_assert_msg(fabs(r.cheapest_spot_cost - 1.425) < EPS, "cheapest %.6f", r.cheapest_spot_cost);
	/*
	 * the oracle (bands as rules-v1; C never saves 30 %, A is flagged at 2:00): OD -> A at 0:00 (0.1 + 0.5),
	 * A -> B at 1:00 (0.05 + 0.6), B 0.2 + 0.2 = 1.65; staying in B from 0:00 would cost 1.7
	 */
	ck_assert_msg(fabs(r.oracle_cost - 1.65) < EPS, "oracle %.6f", r.oracle_cost);
	ck_assert_int_eq(r.nhours, 4);
	for (int i = 0; i < 4; i++) {
		ck_assert(fabs(r.hour_ondemand[i] - 1.0) < EPS);
		ck_assert_msg(fabs(r.hour_model[i] - model_h[i]) < EPS, "hour %d model %.6f", i, r.hour_model[i]);
		ck_assert_msg(fabs(r.hour_oracle[i] - oracle_h[i]) < EPS, "hour %d oracle %.6f", i, r.hour_oracle[i]);
		ck_assert_msg(fabs(r.hour_cheapest[i] - cheap_h[i]) < EPS, "hour %d cheapest %.6f", i,
			      r.hour_cheapest[i]);
	}
	ck_assert_int_eq(r.ntypes, 1);
	ck_assert_str_eq(r.types[0].instance_type, "t.small");
	ck_assert_str_eq(r.types[0].region, "r-1");
	ck_assert_int_eq(r.types[0].npools, 3);
	ck_assert_int_eq(r.skipped_types, 0);
	backtest_result_release(&r);
}
END_TEST

START_TEST(test_deterministic_and_overlap)
{
	struct backtest_input in;
	struct decision_model m;
	struct decision_policy pol;
	struct backtest_result a, b;
	char err[256];

	setup_input(&in, &m, &pol);
	ck_assert(backtest_run(&in, &a, err, sizeof(err)) == 0);
	ck_assert(backtest_run(&in, &b, err, sizeof(err)) == 0);
	ck_assert(a.model_cost == b.model_cost && a.oracle_cost == b.oracle_cost && a.switches == b.switches);
	backtest_result_release(&b);
	/* no overlap: the same moves without the 0.1 + 0.05 */
	in.overlap_minutes = 0;
	ck_assert(backtest_run(&in, &b, err, sizeof(err)) == 0);
	ck_assert(fabs(b.model_cost - (a.model_cost - 0.15)) < EPS);
	ck_assert(b.oracle_cost <= a.oracle_cost);
	backtest_result_release(&a);
	backtest_result_release(&b);
}
END_TEST

START_TEST(test_dataset)
{
	struct backtest_input in;
	struct decision_model m;
	struct decision_policy pol;
	struct backtest_row *rows;
	size_t n;
	char err[256];
	int found = 0;

	setup_input(&in, &m, &pol);
	ck_assert_msg(backtest_dataset(&in, &rows, &n, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(n, 12); /* 3 pools x 4 steps with an hour ahead */
	for (size_t i = 0; i < n; i++) {
		const struct backtest_row *r = &rows[i];
		int want = -1;
		if (i > 0)
			ck_assert(rows[i - 1].t_ms <= r->t_ms);
		if (r->pool == 0 && r->t_ms == T0)
			want = 0; /* A rises at 1:30, beyond the hour */
		if (r->pool == 0 && r->t_ms == T0 + H)
			want = 1;
		if (r->pool == 2 && r->t_ms == T0)
			want = 1; /* C rises at 1:00, the hour's end counts */
		if (r->pool == 2 && r->t_ms == T0 + H)
			want = 1; /* above on-demand now */
		if (r->pool == 1)
			want = 0;
		if (want >= 0) {
			found++;
			ck_assert_msg(r->label == want, "pool %zu at +%lld h: label %d", r->pool,
				      (long long)((r->t_ms - T0) / H), r->label);
		}
		if (r->pool == 1 && r->t_ms == T0 + 3 * H) {
			ck_assert(fabs(r->f[DF_ONDEMAND_RATIO] - 0.2) < EPS);
			ck_assert(fabs(r->f[DF_CHANGE_1H] - 0.0) < EPS);
			ck_assert(fabs(r->f[DF_CHANGE_24H] - 0.0) < EPS); /* no price 24 h ago */
			ck_assert(fabs(r->f[DF_MAX_24H_RATIO] - 0.6) < EPS);
			ck_assert(fabs(r->f[DF_POOL_RISK] - 0.30) < EPS); /* cv 0.40 saturates volatility */
			ck_assert(fabs(r->f[DF_HOUR_SIN] - sin(2 * M_PI * 3 / 24.0)) < EPS);
		}
		if (r->pool == 0 && r->t_ms == T0 + 2 * H) {
			ck_assert(fabs(r->f[DF_INTERRUPTIONS_24H] - 1.0) < EPS);
			ck_assert(fabs(r->f[DF_MAX_24H_RATIO] - 1.2) < EPS);
			ck_assert(r->f[DF_POOL_RISK] >= 0.60 - EPS); /* flagged */
		}
	}
	ck_assert_int_eq(found, 8);
	free(rows);
}
END_TEST

START_TEST(test_refusals)
{
	struct backtest_input in;
	struct decision_model m;
	struct decision_policy pol;
	struct backtest_result r;
	char err[256];
	static const struct backtest_point bad[] = { { T0 + H, 0.5 }, { T0, 0.4 } };
	struct backtest_pool p = { "x", NULL, "t.small", "r-1a", bad, 2 };

	setup_input(&in, &m, &pol);
	in.nondemand = 0;
	ck_assert_int_eq(backtest_run(&in, &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "on-demand"));
	setup_input(&in, &m, &pol);
	in.pools = &p;
	in.npools = 1;
	ck_assert_int_eq(backtest_run(&in, &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "pts[1]: times must ascend"));
	in.npools = 0;
	ck_assert_int_eq(backtest_run(&in, &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no pool"));
}
END_TEST

static const char csv[] = "timestamp,availability_zone,instance_type,product_description,spot_price\r\n"
			  "2013-01-01T00:00:00Z,us-east-1a,m1.small,Linux/UNIX,0.010000\r\n"
			  "2013-01-01T01:00:00Z,us-east-1a,m1.small,Windows,0.050000\r\n"
			  "2013-01-01T00:30:00Z,us-east-1b,m1.small,Linux/UNIX,0.012\r\n"
			  "2013-01-01T02:00:00Z,us-east-1a,m1.small,Linux/UNIX,0.020000\r\n";

static const char json[] = "{\"SpotPriceHistory\": [\n"
			   " {\"Timestamp\": \"2013-03-20T13:35:55.000Z\", \"ProductDescription\": \"Linux/UNIX\",\n"
			   "  \"InstanceType\": \"m1.small\", \"SpotPrice\": \"0.010000\", \"AvailabilityZone\": \"us-west-2b\"},\n"
			   " {\"Timestamp\": \"2013-03-20T13:30:15.000Z\", \"ProductDescription\": \"Linux/UNIX\",\n"
			   "  \"InstanceType\": \"m1.small\", \"SpotPrice\": \"0.020000\", \"AvailabilityZone\": \"us-west-2b\"},\n"
			   " {\"Timestamp\": \"2013-03-20T13:00:00.000Z\", \"ProductDescription\": \"SUSE Linux\",\n"
			   "  \"InstanceType\": \"m1.small\", \"SpotPrice\": 0.5, \"AvailabilityZone\": \"us-west-2b\"}]}";

START_TEST(test_price_history_parse)
{
	struct price_history h;
	struct backtest_pool p[8];
	char err[256];
	size_t n;

	price_history_init(&h);
	ck_assert_msg(price_history_add_text(&h, csv, strlen(csv), NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(price_history_add_text(&h, json, strlen(json), "Linux/UNIX", err, sizeof(err)) == 0, "%s", err);
	price_history_finish(&h);
	ck_assert_int_eq(h.records, 5);
	ck_assert_int_eq(h.skipped_product, 2);
	n = price_history_pools(&h, p, NELEM(p));
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(p[0].az, "us-east-1a");
	ck_assert_str_eq(p[0].region, "us-east-1");
	ck_assert_str_eq(p[0].pool_id, "us-east-1a:m1.small");
	ck_assert_int_eq(p[0].npts, 2);
	ck_assert(fabs(p[0].pts[1].price - 0.02) < EPS);
	ck_assert_str_eq(p[2].region, "us-west-2");
	/* newest first in the AWS output, ascending after finish */
	ck_assert_int_eq(p[2].npts, 2);
	ck_assert(p[2].pts[0].t_ms < p[2].pts[1].t_ms);
	ck_assert(fabs(p[2].pts[0].price - 0.02) < EPS);
	price_history_release(&h);

	/* another product */
	price_history_init(&h);
	ck_assert(price_history_add_text(&h, json, strlen(json), "SUSE Linux", err, sizeof(err)) == 0);
	ck_assert_int_eq(h.records, 1);
	price_history_release(&h);
}
END_TEST

static const struct {
	const char *name;
	const char *text;
	const char *err;
} bad_files[] = {
	{ "wrong header", "time,az,type,product,price\n", "line 1: header" },
	{ "empty", "\n\n", "no header" },
	{ "bad price", "timestamp,availability_zone,instance_type,product_description,spot_price\n"
		       "2013-01-01T00:00:00Z,us-east-1a,m1.small,Linux/UNIX,cheap\n",
	  "line 2: spot_price: 'cheap' is not a price" },
	{ "negative price", "timestamp,availability_zone,instance_type,product_description,spot_price\n"
			    "2013-01-01T00:00:00Z,us-east-1a,m1.small,Linux/UNIX,-1\n",
	  "line 2: spot_price" },
	{ "bad time", "timestamp,availability_zone,instance_type,product_description,spot_price\n"
		      "yesterday,us-east-1a,m1.small,Linux/UNIX,0.1\n",
	  "line 2: timestamp" },
	{ "short line", "timestamp,availability_zone,instance_type,product_description,spot_price\n"
			"2013-01-01T00:00:00Z,us-east-1a,m1.small\n",
	  "line 2: has fewer than 5 fields" },
	{ "json without the array", "{\"Foo\": []}", "SpotPriceHistory: required array missing" },
	{ "json record without price",
	  "{\"SpotPriceHistory\": [{\"Timestamp\": \"2013-03-20T13:35:55Z\", \"ProductDescription\": \"Linux/UNIX\","
	  " \"InstanceType\": \"m1.small\", \"AvailabilityZone\": \"us-west-2b\"}]}",
	  "SpotPriceHistory[0]: SpotPrice: required" },
	{ "broken json", "{\"SpotPriceHistory\": [", "not valid JSON" },
};

START_TEST(test_price_history_refused)
{
	struct price_history h;
	char err[256] = "";
	price_history_init(&h);
	/* a good file first: a refused file adds nothing */
	ck_assert(price_history_add_text(&h, csv, strlen(csv), NULL, err, sizeof(err)) == 0);
	ck_assert_int_eq(price_history_add_text(&h, bad_files[_i].text, strlen(bad_files[_i].text), NULL, err,
						sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, bad_files[_i].err) != NULL, "%s: got '%s'", bad_files[_i].name, err);
	ck_assert_int_eq(h.records, 3);
	ck_assert_int_eq(h.nseries, 2);
	price_history_release(&h);
}
END_TEST

START_TEST(test_ondemand_parse)
{
	struct price_history_ondemand_list l;
	struct backtest_ondemand v[8];
	char err[256];
	const char *a = "region,instance_type,price\nus-east-1,m1.small,0.06\n";
	const char *cat = "# comment\ninstance_type,region,vcpu,memory_gib,arch,ondemand_price\n"
			  "m1.small,us-west-2,1,1.7,x86_64,0.044\n";
	const char *bad = "region,instance_type,price\nus-east-1,m1.small,free\n";

	price_history_ondemand_init(&l);
	ck_assert_msg(price_history_ondemand_parse(&l, a, strlen(a), err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(price_history_ondemand_parse(&l, cat, strlen(cat), err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(price_history_ondemand_views(&l, v, NELEM(v)), 2);
	ck_assert_str_eq(v[0].region, "us-east-1");
	ck_assert(fabs(v[0].price - 0.06) < EPS);
	ck_assert_str_eq(v[1].region, "us-west-2");
	ck_assert_str_eq(v[1].instance_type, "m1.small");
	ck_assert(fabs(v[1].price - 0.044) < EPS);
	ck_assert_int_eq(price_history_ondemand_parse(&l, bad, strlen(bad), err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "line 2: price"));
	ck_assert_int_eq(l.n, 2);
	price_history_ondemand_release(&l);
}
END_TEST

/*
 * Mutated CSV and JSON histories (a deterministic generator): each is refused
 * with a message or parses into ascending, finite series that replay. Under
 * ASan this is a small fuzz run of the parsers and the replay.
 */
START_TEST(test_price_history_mutations)
{
	const char *src[2] = { csv, json };
	uint64_t st = 0x2545F4914F6CDD1DULL;
	int accepted = 0, refused = 0;
	for (int it = 0; it < 2000; it++) {
		const char *orig = src[it % 2];
		size_t n = strlen(orig), len = n;
		char *buf = malloc(2 * n + 1), err[256] = "";
		struct price_history h;
		ck_assert_ptr_nonnull(buf);
		memcpy(buf, orig, n + 1);
		for (int k = 0; k < 1 + it % 3; k++) {
			size_t pos;
			st ^= st << 13;
			st ^= st >> 7;
			st ^= st << 17;
			pos = (size_t)(st % len);
			switch ((st >> 32) % 3) {
			case 0: buf[pos] = (char)(",\n\"{}[]:0123456789.-TZ "[(st >> 40) % 24]); break;
			case 1: memmove(buf + pos, buf + pos + 1, len - pos); len--; break;
			default:
				if (len < 2 * n) {
					memmove(buf + pos + 1, buf + pos, len - pos + 1);
					len++;
				}
			}
		}
		price_history_init(&h);
		if (price_history_add_text(&h, buf, len, NULL, err, sizeof(err)) == 0) {
			struct backtest_pool p[16];
			struct backtest_ondemand o = { NULL, "m1.small", 0.044 };
			struct decision_model m;
			struct decision_policy pol;
			struct backtest_input in;
			struct backtest_result r;
			size_t np;
			accepted++;
			price_history_finish(&h);
			np = price_history_pools(&h, p, 16);
			for (size_t i = 0; i < np; i++)
				for (size_t k = 0; k < p[i].npts; k++) {
					ck_assert(isfinite(p[i].pts[k].price) && p[i].pts[k].price >= 0);
					ck_assert(k == 0 || p[i].pts[k].t_ms > p[i].pts[k - 1].t_ms);
				}
			decision_model_rules_v1(&m);
			decision_policy_default(&pol);
			memset(&in, 0, sizeof(in));
			in.pools = p;
			in.npools = np;
			in.ondemand = &o;
			in.nondemand = 1;
			in.model = &m;
			in.policy = &pol;
			in.overlap_minutes = -1;
			if (np && backtest_run(&in, &r, err, sizeof(err)) == 0) {
				ck_assert(isfinite(r.model_cost) && isfinite(r.oracle_cost) && r.model_cost >= 0);
				backtest_result_release(&r);
			}
		} else {
			refused++;
			ck_assert_msg(err[0] != '\0', "refused without a message");
		}
		price_history_release(&h);
		free(buf);
	}
	ck_assert(accepted > 0 && refused > 0);
}
END_TEST

/* The shipped traces parse: their product, regions and record counts (SOURCE.txt). */
START_TEST(test_real_traces)
{
	const char *dir = getenv("SPOT_SHARED_DIR");
	static const struct {
		const char *file;
		size_t records, series;
	} tr[] = {
		{ "testdata/spot-prices/real/us-east-1_2012-12-31_2013-01-15_linux-unix.csv", 2305, 37 },
		{ "testdata/spot-prices/us-west-2_2013-03_spot-price-history.json", 0, 0 },
	};
	ck_assert_ptr_nonnull(dir);
	for (size_t i = 0; i < NELEM(tr); i++) {
		char path[1024], err[256];
		FILE *f;
		char *buf;
		long len;
		struct price_history h;

		snprintf(path, sizeof(path), "%s/%s", dir, tr[i].file);
		f = fopen(path, "rb");
		ck_assert_msg(f != NULL, "%s", path);
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc((size_t)len + 1);
		ck_assert_int_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		price_history_init(&h);
		ck_assert_msg(price_history_add_text(&h, buf, (size_t)len, NULL, err, sizeof(err)) == 0, "%s", err);
		price_history_finish(&h);
		if (tr[i].records) {
			ck_assert_int_eq(h.records, tr[i].records);
			ck_assert_int_eq(h.nseries, tr[i].series);
			ck_assert_int_eq(h.skipped_product, 0);
		} else {
			ck_assert(h.records > 0 && h.skipped_product > 0);
		}
		price_history_release(&h);
		free(buf);
	}
}
END_TEST

static Suite *backtest_suite(void)
{
	Suite *s = suite_create("backtest");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_three_pools);
	tcase_add_test(tc, test_deterministic_and_overlap);
	tcase_add_test(tc, test_dataset);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_price_history_parse);
	tcase_add_loop_test(tc, test_price_history_refused, 0, NELEM(bad_files));
	tcase_add_test(tc, test_ondemand_parse);
	tcase_add_test(tc, test_real_traces);
	tcase_add_test(tc, test_price_history_mutations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(backtest_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
