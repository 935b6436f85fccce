/* test_agent_spool.c - the report spool (agent/spool.c): order, request ids, bounds, and config errors. */
#include "agent/agent_config.h"
#include "agent/spool.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

static void setup(void)
{
	char tmpl[] = "/tmp/test-agent-spool.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(dir, sizeof(dir), "%s/i-0123456789abcdef0", tmpl);
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strrchr(dir, '/') - dir), dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Pops every entry, checking ids in order. */
static void expect_order(struct spool *sp, const char *const *ids, size_t n)
{
	struct spool_entry e;
	spool_entry_init(&e);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(spool_peek(sp, &e), 1);
		ck_assert_str_eq(e.request_id, ids[i]);
		ck_assert_int_eq(spool_pop(sp, e.seq), 0);
	}
	ck_assert_int_eq(spool_peek(sp, &e), 0);
	spool_entry_release(&e);
}

START_TEST(test_order_and_content)
{
	struct spool sp;
	struct spool_entry e;
	ck_assert_int_eq(spool_open(&sp, dir, 100, 1 << 20), 0);
	ck_assert_int_eq(spool_push(&sp, SPOOL_DROPPABLE, "POST", "pricing-report", "r1", "{\"a\":1}", 7), 0);
	ck_assert_int_eq(spool_push(&sp, SPOOL_KEEP, "POST", "termination-notice", "r2", "{\"b\":\n2}", 8), 0);
	spool_entry_init(&e);
	ck_assert_int_eq(spool_peek(&sp, &e), 1);
	ck_assert_str_eq(e.method, "POST");
	ck_assert_str_eq(e.path, "pricing-report");
	ck_assert_str_eq(e.request_id, "r1");
	ck_assert_str_eq(e.body.buf, "{\"a\":1}");
	ck_assert_int_eq(e.cls, SPOOL_DROPPABLE);
	ck_assert_int_eq(spool_pop(&sp, e.seq), 0);
	ck_assert_int_eq(spool_peek(&sp, &e), 1);
	ck_assert_str_eq(e.body.buf, "{\"b\":\n2}");
	ck_assert_int_eq(e.cls, SPOOL_KEEP);
	spool_entry_release(&e);
	/* Reopened (the agent restarted), order continues after what is left. */
	ck_assert_int_eq(spool_open(&sp, dir, 100, 1 << 20), 0);
	ck_assert_int_eq(spool_push(&sp, SPOOL_KEEP, "POST", "switch-report", "r3", "{}", 2), 0);
	{
		static const char *const ids[] = { "r2", "r3" };
		expect_order(&sp, ids, 2);
	}
}
END_TEST

START_TEST(test_bounds_drop_pricing_oldest_first)
{
	struct spool sp;
	size_t n, bytes;
	ck_assert_int_eq(spool_open(&sp, dir, 10, 1 << 20), 0);
	ck_assert_int_eq(spool_push(&sp, SPOOL_DROPPABLE, "POST", "pricing-report", "p0", "{}", 2), 0);
	ck_assert_int_eq(spool_push(&sp, SPOOL_KEEP, "POST", "termination-notice", "k0", "{}", 2), 0);
	for (int i = 1; i < 20; i++) {
		char id[16];
		snprintf(id, sizeof(id), "p%d", i);
		ck_assert_int_eq(spool_push(&sp, SPOOL_DROPPABLE, "POST", "pricing-report", id, "{}", 2), 0);
	}
	ck_assert_int_eq(spool_stat(&sp, &n, &bytes), 0);
	ck_assert_uint_eq(n, 10);
	{
		/* The notice stays; the oldest pricing went. */
		static const char *const ids[] = { "k0", "p11", "p12", "p13", "p14", "p15", "p16", "p17", "p18", "p19" };
		expect_order(&sp, ids, 10);
	}
}
END_TEST

START_TEST(test_bounds_keep_never_dropped)
{
	struct spool sp;
	size_t n, bytes;
	ck_assert_int_eq(spool_open(&sp, dir, 10, 1 << 20), 0);
	for (int i = 0; i < 12; i++) {
		char id[16];
		snprintf(id, sizeof(id), "k%d", i);
		ck_assert_int_eq(spool_push(&sp, SPOOL_KEEP, "POST", "switch-report", id, "{}", 2), 0);
	}
	/* Full of undroppable reports: a new pricing report is the one dropped. */
	ck_assert_int_eq(spool_push(&sp, SPOOL_DROPPABLE, "POST", "pricing-report", "p", "{}", 2), 1);
	ck_assert_int_eq(spool_stat(&sp, &n, &bytes), 0);
	ck_assert_uint_eq(n, 12);
}
END_TEST

START_TEST(test_bounds_bytes)
{
	struct spool sp;
	char big[40000];
	size_t n, bytes;
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(spool_open(&sp, dir, 1000, 100000), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(spool_push(&sp, SPOOL_DROPPABLE, "POST", "pricing-report", "p", big, sizeof(big)), 0);
	ck_assert_int_eq(spool_stat(&sp, &n, &bytes), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_le(bytes, 100000);
}
END_TEST

START_TEST(test_damaged_entry_skipped)
{
	struct spool sp;
	struct spool_entry e;
	char path[400];
	FILE *f;
	ck_assert_int_eq(spool_open(&sp, dir, 100, 1 << 20), 0);
	snprintf(path, sizeof(path), "%s/00000000000000000001.k.rep", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("garbage without lines", f);
	fclose(f);
	ck_assert_int_eq(spool_open(&sp, dir, 100, 1 << 20), 0);
	ck_assert_int_eq(spool_push(&sp, SPOOL_KEEP, "POST", "rebalance-notice", "ok", "{}", 2), 0);
	spool_entry_init(&e);
	ck_assert_int_eq(spool_peek(&sp, &e), 1);
	ck_assert_str_eq(e.request_id, "ok");
	spool_entry_release(&e);
}
END_TEST

/* Config errors: each is one line naming the key. */
static const struct {
	const char *text;
	const char *needle;
} bad_configs[] = {
	{ "SPOT_CLIENT_TOKEN=t\n", "SPOT_URL is required" },
	{ "SPOT_URL=ftp://x\nSPOT_CLIENT_TOKEN=t\n", "SPOT_URL is not" },
	{ "SPOT_URL=https://x\n", "SPOT_CLIENT_TOKEN is required" },
	{ "SPOT_URL=https://x\nSPOT_CLIENT_TOKEN=a b\n", "SPOT_CLIENT_TOKEN must" },
	{ "SPOT_URL=https://x\nSPOT_CLIENT_TOKEN=t\nSPOT_HEARTBEAT_SECONDS=abc\n", "SPOT_HEARTBEAT_SECONDS" },
	{ "SPOT_URL=https://x\nSPOT_CLIENT_TOKEN=t\nSPOT_COMMAND_POLL_SECONDS=31\n", "SPOT_COMMAND_POLL_SECONDS" },
	{ "SPOT_URL=https://x\nSPOT_CLIENT_TOKEN=t\nAWS_REGION=Mars\n", "AWS_REGION" },
	{ "SPOT_URL=https://x\nSPOT_CLIENT_TOKEN=t\nAWS_ACCESS_KEY_ID=AKIA\n", "AWS_ACCESS_KEY_ID" },
	{ "SPOT_URL=https://x\nSPOT_CLIENT_TOKEN=t\nSPOT_LOG_LEVEL=loud\n", "SPOT_LOG_LEVEL" },
	{ "this line is not KEY=VALUE\n", "" },
};

START_TEST(test_config_errors)
{
	struct agent_config c;
	char err[512] = "";
	agent_config_init(&c);
	ck_assert_int_eq(agent_config_load_text(&c, bad_configs[_i].text, 0, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad_configs[_i].needle) != NULL, "'%s' lacks '%s'", err, bad_configs[_i].needle);
	ck_assert_ptr_null(strchr(err, '\n'));
	agent_config_release(&c);
}
END_TEST

START_TEST(test_config_good)
{
	struct agent_config c;
	char err[512] = "";
	agent_config_init(&c);
	ck_assert_int_eq(agent_config_load_text(&c,
						"SPOT_URL='https://127.0.0.1:8443/'\nSPOT_TOKEN=tok\nSPOT_LOGICAL_ID=web-1\n"
						"SPOT_IMDS_URL=http://127.0.0.1:9/imds/i-1/\nSPOT_HEARTBEAT_SECONDS=5\n",
						0, err, sizeof(err)),
			 0);
	ck_assert_str_eq(c.server_url, "https://127.0.0.1:8443");
	ck_assert_str_eq(c.client_token, "tok");
	ck_assert_str_eq(c.logical_id, "web-1");
	ck_assert_str_eq(c.imds_url, "http://127.0.0.1:9/imds/i-1");
	ck_assert_int_eq(c.heartbeat_s, 5);
	ck_assert_int_eq(c.pricing_s, 60);
	ck_assert_int_eq(c.command_poll_s, 30);
	ck_assert_int_eq(c.interruption_poll_s, 2);
	agent_config_release(&c);
}
END_TEST

static Suite *agent_spool_suite(void)
{
	Suite *s = suite_create("agent_spool");
	TCase *tc = tcase_create("spool");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_order_and_content);
	tcase_add_test(tc, test_bounds_drop_pricing_oldest_first);
	tcase_add_test(tc, test_bounds_keep_never_dropped);
	tcase_add_test(tc, test_bounds_bytes);
	tcase_add_test(tc, test_damaged_entry_skipped);
	suite_add_tcase(s, tc);
	tc = tcase_create("config");
	tcase_add_loop_test(tc, test_config_errors, 0, (int)(sizeof(bad_configs) / sizeof(bad_configs[0])));
	tcase_add_test(tc, test_config_good);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(agent_spool_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
