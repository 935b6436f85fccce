/* test_sim_units.c - spot-sim's form parser, XML writer and escaping, clock, and price replay. */
#include "sim/clock.h"
#include "sim/form.h"
#include "sim/prices.h"
#include "sim/xmlw.h"
#include "common/strbuf.h"

#include <check.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

/* ---- form ---- */

static const struct {
	const char *in;
	int ok;
	const char *key, *value;
} form_cases[] = {
	{ "Action=RunInstances&Version=2016-11-15", 1, "Action", "RunInstances" },
	{ "A=a+b%20c", 1, "A", "a b c" },
	{ "A=%41%62", 1, "A", "Ab" },
	{ "A=&B=2", 1, "A", "" },
	{ "A", 1, "A", "" },
	{ "&&A=1&&", 1, "A", "1" },
	{ "A=1&A=2", 1, "A", "1" },
	{ "A=%zz", 0, NULL, NULL },
	{ "A=%4", 0, NULL, NULL },
	{ "A=%00", 0, NULL, NULL },
	{ "=x", 0, NULL, NULL },
};

START_TEST(test_form_table)
{
	struct form f;
	char err[128];
	int rc;

	form_init(&f);
	rc = form_parse(&f, form_cases[_i].in, strlen(form_cases[_i].in), err, sizeof(err));
	ck_assert_int_eq(rc == 0, form_cases[_i].ok);
	if (form_cases[_i].ok)
		ck_assert_str_eq(form_get(&f, form_cases[_i].key), form_cases[_i].value);
	form_release(&f);
}
END_TEST

START_TEST(test_form_lists_and_filters)
{
	const char *in = "InstanceId.2=i-b&InstanceId.1=i-a&InstanceId.x=no&InstanceId.10=i-c&"
			 "Filter.2.Name=tag:Env&Filter.2.Value.1=prod&Filter.1.Name=instance-state-name&"
			 "Filter.1.Value.2=pending&Filter.1.Value.1=running";
	struct form f;
	struct form_filter *fl;
	const char **v;
	char err[128];
	int n;

	form_init(&f);
	ck_assert_int_eq(form_parse(&f, in, strlen(in), err, sizeof(err)), 0);
	n = form_list(&f, "InstanceId", &v);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(v[0], "i-a");
	ck_assert_str_eq(v[1], "i-b");
	ck_assert_str_eq(v[2], "i-c");
	free(v);
	n = form_filters(&f, &fl);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(fl[0].name, "instance-state-name");
	ck_assert_int_eq((int)fl[0].nvalues, 2);
	ck_assert_str_eq(fl[0].values[0], "running");
	ck_assert_str_eq(fl[1].name, "tag:Env");
	form_filters_free(fl, n);
	form_release(&f);
}
END_TEST

START_TEST(test_form_limits)
{
	struct strbuf sb = STRBUF_INIT;
	struct form f;
	char err[128];

	for (int i = 0; i <= FORM_MAX_PARAMS; i++)
		strbuf_addf(&sb, "K%d=v&", i);
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, sb.buf, sb.len, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "parameters"));
	form_release(&f);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "K=");
	for (int i = 0; i <= FORM_MAX_VALUE_LEN; i++)
		strbuf_addch(&sb, 'x');
	form_init(&f);
	ck_assert_int_eq(form_parse(&f, sb.buf, sb.len, err, sizeof(err)), -1);
	form_release(&f);
	strbuf_release(&sb);
}
END_TEST

/* ---- xmlw ---- */

static const struct {
	const char *in, *out;
} esc_cases[] = {
	{ "plain", "plain" },
	{ "a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&apos;" },
	{ "line\r\nnext\ttab", "line&#13;\nnext\ttab" },
	{ "bell\x07", "bell\xef\xbf\xbd" },
	{ "caf\xc3\xa9", "caf\xc3\xa9" },
	{ "bad\xc3", "bad\xef\xbf\xbd" },
	{ "over\xc0\xaf", "over\xef\xbf\xbd\xef\xbf\xbd" },
	{ "sur\xed\xa0\x80", "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80" },
};

START_TEST(test_xmlw_escape)
{
	struct strbuf sb = STRBUF_INIT;
	xmlw_escape(&sb, esc_cases[_i].in, strlen(esc_cases[_i].in));
	ck_assert_str_eq(sb.buf, esc_cases[_i].out);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_xmlw_document_parses)
{
	struct strbuf sb = STRBUF_INIT;
	struct xmlw w;
	xmlDocPtr doc;
	xmlNodePtr root;

	xmlw_begin(&w, &sb, "DescribeInstancesResponse", EC2_XMLNS);
	xmlw_text(&w, "requestId", "r-1");
	xmlw_open(&w, "reservationSet");
	xmlw_open(&w, "item");
	xmlw_text(&w, "value", "<&>\"'\x01\xff");
	xmlw_text(&w, "empty", NULL);
	xmlw_end(&w);
	doc = xmlReadMemory(sb.buf, (int)sb.len, "t.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	ck_assert_ptr_nonnull(doc);
	root = xmlDocGetRootElement(doc);
	ck_assert_str_eq((const char *)root->name, "DescribeInstancesResponse");
	ck_assert_str_eq((const char *)root->ns->href, EC2_XMLNS);
	{
		xmlChar *all = xmlNodeGetContent(root);
		ck_assert_ptr_nonnull(strstr((const char *)all, "<&>\"'"));
		xmlFree(all);
	}
	xmlFreeDoc(doc);
	strbuf_release(&sb);
}
END_TEST

/* ---- clock ---- */

START_TEST(test_clock_segments)
{
	struct clock c;

	clock_init(&c, 1000000, 10);
	ck_assert_int_eq(clock_vt(&c, 1000000), 0);
	ck_assert_int_eq(clock_vt(&c, 1001000), 10000);
	ck_assert_int_eq(clock_vt(&c, 999000), -10000);
	ck_assert_int_eq(clock_set_scale(&c, 1002000, 1), 0);
	ck_assert_int_eq(clock_vt(&c, 1003000), 21000);
	ck_assert_int_eq(clock_wall(&c, 21000), 1003000);
	ck_assert_int_eq(clock_wall(&c, 10000), 1001000);
	ck_assert_int_eq(clock_set_scale(&c, 1004000, 0), -1);
}
END_TEST

/* ---- prices ---- */

static const char prices_csv[] =
	"timestamp,availability_zone,instance_type,product_description,spot_price\n"
	"2013-01-01T00:00:00Z,us-east-1a,m1.small,Linux/UNIX,0.010000\n"
	"2013-01-01T01:00:00Z,us-east-1b,m1.small,Linux/UNIX,0.020000\n"
	"2013-01-01T02:00:00Z,us-east-1a,m1.small,Linux/UNIX,0.030000\n"
	"2013-01-01T03:00:00Z,us-east-1a,c1.medium,Linux/UNIX,0.040000\n"
	"2013-01-01T04:00:00Z,us-east-1a,m1.small,Linux/UNIX,0.050000\n";

#define H (3600 * 1000LL)

START_TEST(test_prices_replay)
{
	struct prices p;
	const struct prices_row **rows;
	struct prices_query q;
	const char *types[] = { "m1.small" }, *azs[] = { "us-east-1a" };
	char err[256];
	size_t n;

	prices_init(&p);
	/* Anchored at half the span: 02:00 is simulated time 0. */
	ck_assert_int_eq(prices_load_text(&p, prices_csv, strlen(prices_csv), "t", 0.5, err, sizeof(err)), 5);
	/* A price holds until the next change. */
	ck_assert_ptr_null(prices_current(&p, "us-east-1a", "m1.small", "Linux/UNIX", -2 * H - 1));
	ck_assert_str_eq(prices_current(&p, "us-east-1a", "m1.small", "Linux/UNIX", -1 * H), "0.010000");
	ck_assert_str_eq(prices_current(&p, "us-east-1a", "m1.small", "Linux/UNIX", 0), "0.030000");
	ck_assert_str_eq(prices_current(&p, "us-east-1a", "m1.small", "Linux/UNIX", 2 * H - 1), "0.030000");
	ck_assert_str_eq(prices_current(&p, "us-east-1a", "m1.small", "Linux/UNIX", 2 * H), "0.050000");

	/* At simulated time 0 only the past is published, newest first. */
	memset(&q, 0, sizeof(q));
	q.region = "us-east-1";
	n = prices_query(&p, &q, 0, &rows);
	ck_assert_int_eq((int)n, 3);
	ck_assert_str_eq(rows[0]->price, "0.030000");
	ck_assert_str_eq(rows[1]->price, "0.020000");
	ck_assert_str_eq(rows[2]->price, "0.010000");
	free(rows);
	/* A window includes the price in force at its start. */
	q.types = types;
	q.ntypes = 1;
	q.azs = azs;
	q.nazs = 1;
	q.has_start = 1;
	q.start_vt = -H;
	n = prices_query(&p, &q, 3 * H, &rows);
	ck_assert_int_eq((int)n, 3);
	ck_assert_str_eq(rows[0]->price, "0.050000");
	ck_assert_str_eq(rows[2]->price, "0.010000");
	free(rows);
	/* Another region sees nothing. */
	q.region = "us-west-2";
	n = prices_query(&p, &q, 3 * H, &rows);
	ck_assert_int_eq((int)n, 0);
	free(rows);
	/* A set price becomes the current one. */
	ck_assert_int_eq(prices_add(&p, "us-east-1a", "m1.small", "Linux/UNIX", "0.070000", H), 0);
	ck_assert_str_eq(prices_current(&p, "us-east-1a", "m1.small", "Linux/UNIX", H), "0.070000");
	ck_assert_int_eq(prices_add(&p, "us-east-1a", "m1.small", "Linux/UNIX", "1e5", H), -1);
	prices_release(&p);
}
END_TEST

START_TEST(test_prices_bad_input)
{
	static const char *const bad[] = {
		"nope\n",
		"timestamp,availability_zone,instance_type,product_description,spot_price\nx,y\n",
		"timestamp,availability_zone,instance_type,product_description,spot_price\n"
		"2013-13-01T00:00:00Z,us-east-1a,m1.small,Linux/UNIX,0.01\n",
		"{\"SpotPriceHistory\": [{\"Timestamp\": \"2013-01-01T00:00:00Z\"}]}",
		"{\"SpotPriceHistory\": 3}",
		"{",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct prices p;
		char err[256];
		prices_init(&p);
		ck_assert_int_eq(prices_load_text(&p, bad[i], strlen(bad[i]), "t", 0.5, err, sizeof(err)), -1);
		prices_release(&p);
	}
}
END_TEST

START_TEST(test_prices_shared_trace)
{
	const char *dir = getenv("SPOT_SHARED_DIR");
	struct strbuf path = STRBUF_INIT;
	struct prices p;
	char err[256];

	if (!dir)
		return;
	strbuf_addf(&path, "%s/testdata/spot-prices/us-west-2_2013-03_spot-price-history.json", dir);
	prices_init(&p);
	ck_assert_int_eq(prices_load_file(&p, path.buf, 1.0, err, sizeof(err)), 721);
	/* The trace's newest row (2013-03-20T13:35:55Z, us-west-2b m1.small Linux/UNIX 0.010000) is in force at the end. */
	ck_assert_str_eq(prices_current(&p, "us-west-2b", "m1.small", "Linux/UNIX", 0), "0.010000");
	prices_release(&p);
	strbuf_release(&path);
}
END_TEST

static Suite *sim_suite(void)
{
	Suite *s = suite_create("sim");
	TCase *tc = tcase_create("units");

	tcase_add_loop_test(tc, test_form_table, 0, (int)(sizeof(form_cases) / sizeof(form_cases[0])));
	tcase_add_test(tc, test_form_lists_and_filters);
	tcase_add_test(tc, test_form_limits);
	tcase_add_loop_test(tc, test_xmlw_escape, 0, (int)(sizeof(esc_cases) / sizeof(esc_cases[0])));
	tcase_add_test(tc, test_xmlw_document_parses);
	tcase_add_test(tc, test_clock_segments);
	tcase_add_test(tc, test_prices_replay);
	tcase_add_test(tc, test_prices_bad_input);
	tcase_add_test(tc, test_prices_shared_trace);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sim_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
