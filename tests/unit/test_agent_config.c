/*
 * test_agent_config.c - agent_config_reload (SIGHUP): a bad new file keeps the
 * running config; a good one moves in with the right change bits; the
 * logical id and spool dir stay until a restart.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent_config.h"

static char dir[] = "/tmp/test_agent_config.XXXXXX";
static char path[128];

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/agent.conf", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

#define BASE "SPOT_URL=https://a.example:8443\nSPOT_CLIENT_TOKEN=tok1\nSPOT_LOGICAL_ID=web-1\n" \
	     "SPOT_HEARTBEAT_SECONDS=30\nSPOT_SPOOL_DIR=/tmp/spool-a\n"

/* Loads BASE from the file, without the environment. */
static void load_base(struct agent_config *c)
{
	char err[512] = "";
	write_file(BASE);
	agent_config_init(c);
	c->raw.use_env = 0;
	ck_assert_msg(agent_config_load(c, path, err, sizeof(err)) == 0, "%s", err);
}

static const struct {
	const char *text;	/* the new file; NULL: the file is gone */
	const char *needle;	/* in the one-line reason */
} bad_reloads[] = {
	{ NULL, "agent.conf" },
	{ "SPOT_URL=ftp://b.example\nSPOT_CLIENT_TOKEN=tok2\n", "SPOT_URL is not" },
	{ "SPOT_URL=https://b.example\n", "SPOT_CLIENT_TOKEN is required" },
	{ "SPOT_URL=https://b.example\nSPOT_CLIENT_TOKEN=tok2\nSPOT_HEARTBEAT_SECONDS=0\n", "SPOT_HEARTBEAT_SECONDS" },
	{ "SPOT_URL=https://b.example\nthis is not a setting\n", "agent.conf" },
};

START_TEST(test_bad_reload_keeps_running_config)
{
	struct agent_config c, old;
	char err[512] = "";
	unsigned ch = 99;

	load_base(&c);
	if (bad_reloads[_i].text)
		write_file(bad_reloads[_i].text);
	else
		unlink(path);
	ck_assert_int_eq(agent_config_reload(&c, &old, &ch, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad_reloads[_i].needle) != NULL, "'%s' lacks '%s'", err, bad_reloads[_i].needle);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_uint_eq(ch, 0);
	ck_assert_str_eq(c.server_url, "https://a.example:8443");
	ck_assert_str_eq(c.client_token, "tok1");
	ck_assert_int_eq(c.heartbeat_s, 30);
	ck_assert_ptr_null(old.server_url);
	agent_config_release(&old);
	agent_config_release(&c);
}
END_TEST

START_TEST(test_good_reload_moves_in)
{
	struct agent_config c, old;
	char err[512] = "", what[256];
	unsigned ch = 0;

	load_base(&c);
	write_file("SPOT_URL=https://b.example/\nSPOT_CLIENT_TOKEN=tok2\nSPOT_LOGICAL_ID=web-2\n"
		   "SPOT_HEARTBEAT_SECONDS=5\nSPOT_SPOOL_DIR=/tmp/spool-b\nSPOT_LOG_LEVEL=debug\n");
	ck_assert_msg(agent_config_reload(&c, &old, &ch, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.server_url, "https://b.example");
	ck_assert_str_eq(c.client_token, "tok2");
	ck_assert_int_eq(c.heartbeat_s, 5);
	ck_assert_str_eq(c.log_level, "debug");
	ck_assert_str_eq(c.config_path, path);
	/* kept until a restart */
	ck_assert_str_eq(c.logical_id, "web-1");
	ck_assert_str_eq(c.spool_dir, "/tmp/spool-a");
	ck_assert_uint_eq(ch, AGENT_CONFIG_CHANGED_SERVER | AGENT_CONFIG_CHANGED_TOKEN | AGENT_CONFIG_CHANGED_INTERVALS |
				      AGENT_CONFIG_CHANGED_LOG | AGENT_CONFIG_KEPT);
	/* the old strings live until the caller releases old */
	ck_assert_str_eq(old.server_url, "https://a.example:8443");
	ck_assert_str_eq(old.client_token, "tok1");
	agent_config_changes_name(ch, what, sizeof(what));
	ck_assert_str_eq(what, "server url, client token, intervals, log level, "
			       "logical id or spool dir (kept until restart)");
	agent_config_release(&old);

	/* the same file again: only the kept keys still differ */
	ck_assert_int_eq(agent_config_reload(&c, &old, &ch, err, sizeof(err)), 0);
	ck_assert_uint_eq(ch, AGENT_CONFIG_KEPT);
	agent_config_release(&old);
	/* a file that says what runs: nothing changed */
	write_file("SPOT_URL=https://b.example/\nSPOT_CLIENT_TOKEN=tok2\nSPOT_LOGICAL_ID=web-1\n"
		   "SPOT_HEARTBEAT_SECONDS=5\nSPOT_SPOOL_DIR=/tmp/spool-a\nSPOT_LOG_LEVEL=debug\n");
	ck_assert_int_eq(agent_config_reload(&c, &old, &ch, err, sizeof(err)), 0);
	ck_assert_uint_eq(ch, 0);
	agent_config_changes_name(ch, what, sizeof(what));
	ck_assert_str_eq(what, "nothing");
	ck_assert_str_eq(c.logical_id, "web-1");
	agent_config_release(&old);
	agent_config_release(&c);
}
END_TEST

START_TEST(test_changes_name_bounded)
{
	char small[12];
	agent_config_changes_name(AGENT_CONFIG_CHANGED_SERVER | AGENT_CONFIG_CHANGED_TOKEN, small, sizeof(small));
	ck_assert_uint_lt(strlen(small), sizeof(small));
}
END_TEST

static Suite *agent_config_suite(void)
{
	Suite *s = suite_create("agent_config");
	TCase *tc = tcase_create("reload");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_bad_reload_keeps_running_config, 0,
			    (int)(sizeof(bad_reloads) / sizeof(bad_reloads[0])));
	tcase_add_test(tc, test_good_reload_moves_in);
	tcase_add_test(tc, test_changes_name_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(agent_config_suite());
	int failed;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
