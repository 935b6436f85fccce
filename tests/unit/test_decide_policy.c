/*
 * test_decide_policy.c - core/policy (a client's decision policy and its
 * conversion to the engine's struct) and core/risk_analysis's Spot Advisor
 * lookup. Table-driven where there is a table.
 */
#include "core/decision.h"
#include "core/policy.h"
#include "core/risk_analysis.h"

#include <check.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define EPS 1e-9

START_TEST(test_policy_default_is_the_engines)
{
	struct policy p;
	struct decision_policy d, e;
	policy_default(&p);
	decision_policy_default(&e);
	ck_assert_int_eq(p.version, 0);
	ck_assert(fabs(p.min_savings_pct - 30.0) < EPS);
	ck_assert_int_eq(p.cooldown_minutes, 60);
	ck_assert_int_eq(p.fallback_wait_minutes, 15);
	ck_assert_int_eq(p.return_wait_minutes, 30);
	policy_to_decision(&p, &d);
	ck_assert(fabs(d.min_savings - e.min_savings) < EPS);
	ck_assert_int_eq(d.cooldown_s, e.cooldown_s);
	ck_assert(fabs(d.max_risk - e.max_risk) < EPS);
	ck_assert_int_eq(d.ondemand_fallback, e.ondemand_fallback);
	ck_assert_int_eq(d.fallback_wait_s, e.fallback_wait_s);
	ck_assert_int_eq(d.return_wait_s, e.return_wait_s);
	ck_assert(fabs(d.size_factor - e.size_factor) < EPS);
}
END_TEST

static const struct {
	struct policy in;
	double min_savings, max_risk, size_factor;
	long cooldown_s, fallback_s, return_s;
	int fallback;
} conv[] = {
	{ { 90, 5, 0.4, 0, 1, 2, 1.5, 3, NULL, NULL }, 0.90, 0.4, 1.5, 300, 60, 120, 0 },
	{ { 0, 0, 0, 1, 0, 0, 1, 1, NULL, NULL }, 0.0, 0.0, 1.0, 0, 0, 0, 1 },
	{ { 100, 10080, 1, 1, 10080, 10080, 16, 9, NULL, NULL }, 1.0, 1.0, 16.0, 604800, 604800, 604800, 1 },
	/* a factor below 1 (never stored: the API and the CHECK refuse it) still means "the same size" */
	{ { 30, 60, 0.5, 1, 15, 30, 0.5, 1, NULL, NULL }, 0.30, 0.5, 1.0, 3600, 900, 1800, 1 },
};

START_TEST(test_policy_conversion)
{
	struct decision_policy d;
	policy_to_decision(&conv[_i].in, &d);
	ck_assert(fabs(d.min_savings - conv[_i].min_savings) < EPS);
	ck_assert(fabs(d.max_risk - conv[_i].max_risk) < EPS);
	ck_assert(fabs(d.size_factor - conv[_i].size_factor) < EPS);
	ck_assert_int_eq(d.cooldown_s, conv[_i].cooldown_s);
	ck_assert_int_eq(d.fallback_wait_s, conv[_i].fallback_s);
	ck_assert_int_eq(d.return_wait_s, conv[_i].return_s);
	ck_assert_int_eq(d.ondemand_fallback, conv[_i].fallback);
}
END_TEST

START_TEST(test_policy_json_fields)
{
	struct policy p;
	struct json_object *o, *v;
	policy_default(&p);
	p.min_savings_pct = 33.333333;
	o = policy_json(&p);
	for (int f = 0; f < PF_COUNT; f++)
		ck_assert_msg(json_object_object_get_ex(o, policy_field_name(f), &v), "missing %s", policy_field_name(f));
	ck_assert(json_object_object_get_ex(o, "min_savings_pct", &v));
	ck_assert(fabs(json_object_get_double(v) - 33.33) < EPS); /* rounded as DECIMAL(5,2) stores it */
	ck_assert(json_object_object_get_ex(o, "is_default", &v) && json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(o, "updated_by", &v) && v == NULL);
	ck_assert_ptr_null(policy_field_name(PF_COUNT));
	ck_assert_ptr_null(policy_field_name(-1));
	json_object_put(o);
}
END_TEST

static const char advisor_text[] =
	"{\"ranges\":[],\"spot_advisor\":{"
	"\"eu-west-3\":{\"Linux\":{\"r5.large\":{\"s\":64,\"r\":0},\"c5.xlarge\":{\"s\":61,\"r\":2},"
	"\"bad.r\":{\"s\":1,\"r\":\"2\"},\"big.r\":{\"s\":1,\"r\":7},\"no.r\":{\"s\":1}},"
	"\"Windows\":{\"m5.large\":{\"s\":50,\"r\":4}}},"
	"\"us-east-1\":{\"Linux\":{\"r5.large\":{\"s\":70,\"r\":4}}}}}";

static const struct {
	const char *region, *type;
	int bucket;
} adv[] = {
	{ "eu-west-3", "r5.large", 0 },
	{ "eu-west-3", "c5.xlarge", 2 },
	{ "us-east-1", "r5.large", 4 },
	{ "eu-west-3", "m5.large", -1 },   /* Windows only */
	{ "eu-west-3", "bad.r", -1 },      /* r not a number */
	{ "eu-west-3", "big.r", -1 },      /* r out of 0..4 */
	{ "eu-west-3", "no.r", -1 },
	{ "ap-south-9", "r5.large", -1 },  /* unknown region */
	{ NULL, "r5.large", -1 },
};

START_TEST(test_advisor_bucket)
{
	struct json_object *o = json_tokener_parse(advisor_text);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(risk_analysis_advisor_bucket(o, adv[_i].region, adv[_i].type), adv[_i].bucket);
	json_object_put(o);
}
END_TEST

START_TEST(test_advisor_malformed)
{
	struct json_object *o = json_tokener_parse("{\"spot_advisor\":[1,2]}");
	ck_assert_int_eq(risk_analysis_advisor_bucket(o, "eu-west-3", "r5.large"), -1);
	ck_assert_int_eq(risk_analysis_advisor_bucket(NULL, "eu-west-3", "r5.large"), -1);
	json_object_put(o);
}
END_TEST

static Suite *decide_policy_suite(void)
{
	Suite *s = suite_create("decide_policy");
	TCase *tc = tcase_create("policy");
	tcase_add_test(tc, test_policy_default_is_the_engines);
	tcase_add_loop_test(tc, test_policy_conversion, 0, (int)NELEM(conv));
	tcase_add_test(tc, test_policy_json_fields);
	tcase_add_loop_test(tc, test_advisor_bucket, 0, (int)NELEM(adv));
	tcase_add_test(tc, test_advisor_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(decide_policy_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
