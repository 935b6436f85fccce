/*
 * test_templates.c - every page template of templates/ compiles and renders a
 * fixed view model inside the layout: lang, the "... — Spot Optimizer" title,
 * the skip link, the one stylesheet and script from /static, no inline style,
 * script or event handler, hostile text escaped everywhere it appears, and the
 * error summary linking to the field it names.
 */
#include "fcgi-app/mustache.h"
#include "common/strbuf.h"

#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define EVIL "<img src=x onerror=alert(1)>\\\"'&" /* JSON text: the quote is escaped */

static struct mustache_set *set;

static void templates_load(void)
{
	char dir[4096], err[512];
	const char *src = getenv("SPOT_SOURCE_DIR");
	snprintf(dir, sizeof(dir), "%s/templates", src ? src : ".");
	set = mustache_set_new();
	ck_assert_msg(mustache_set_load_dir(set, dir, err, sizeof(err)) == 0, "%s", err);
}

static void templates_free(void)
{
	mustache_set_free(set);
}

/* A session as pages_render adds it, with a hostile email. */
static const char *const session_json =
	"\"session\":{\"email\":\"" "a" EVIL "@example.test\",\"role\":\"admin\",\"is_admin\":true,"
	"\"csrf_token\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}";

static const struct {
	const char *name, *title;
	const char *view;    /* JSON members after the session */
	const char *expect;  /* a fragment the page must contain */
} pages[] = {
	{ "login", "Sign in",
	  "\"login_csrf_token\":\"ab\",\"email\":\"" EVIL "\",\"has_errors\":true,"
	  "\"errors\":[{\"field\":\"password\",\"message\":\"Enter your password\"}],\"error\":{\"password\":\"Enter your password\"}",
	  "<a href=\"#password\">Enter your password</a>" },
	{ "overview", "Overview",
	  "\"savings\":{\"saved\":\"$12.34\",\"percent\":\"61.7%\",\"actual_cost\":\"$7.66\",\"ondemand_cost\":\"$20.00\","
	  "\"period\":\"1 day\",\"projected\":\"$15.43\"},\"fleet\":{\"spot\":3,\"ondemand\":1,\"unknown\":0,\"online\":4,"
	  "\"offline\":0,\"total\":4},\"has_emergencies\":true,\"emergencies\":[{\"agent_id\":\"x\",\"agent_name\":\"" EVIL
	  "\",\"notice\":\"termination\",\"deadline\":{\"iso\":\"2026-11-24T06:00:00.000Z\",\"relative\":\"in 2 minutes\"}}],"
	  "\"has_switches\":false,\"switches\":[]",
	  "id=\"savings-month\">$12.34<" },
	{ "agents", "Agents",
	  "\"has_agents\":true,\"count\":1,\"agents\":[{\"id\":\"a1\",\"name\":\"" EVIL "\",\"status\":\"online\","
	  "\"online\":true,\"mode\":\"Spot\",\"pool\":\"t3.medium.us-east-1a\",\"last_heartbeat\":null}]",
	  "class=\"status status-ok\">online<" },
	{ "agent", "Agent x",
	  "\"agent\":{\"id\":\"a1\",\"name\":\"" EVIL "\",\"status\":\"offline\",\"online\":false,\"pool\":\"p\"},"
	  "\"price\":{},\"form\":{\"auto_switch\":true,\"version\":\"3\",\"terminate_wait_seconds\":\"" EVIL "\"},"
	  "\"has_errors\":true,\"errors\":[{\"field\":\"manual_replica\",\"message\":\"Turn off manual replica first\"}],"
	  "\"error\":{\"manual_replica\":\"Turn off manual replica first\"},\"chart\":null,\"can_switch\":true,\"pools\":[\"" EVIL "\"]",
	  "<a href=\"#manual_replica\">Turn off manual replica first</a>" },
	{ "agent", "Replica not promoted",
	  "\"agent\":{\"id\":\"a1\",\"name\":\"x\",\"status\":\"online\",\"online\":true,\"pool\":\"p\"},"
	  "\"price\":{},\"form\":{\"version\":\"3\"},\"can_switch\":false,\"pools\":[],"
	  "\"risk\":{\"score\":\"0.72\",\"word\":\"high\",\"high\":true,\"interruptions_7d\":3,\"flagged\":true},"
	  "\"chart\":{\"title\":\"t\",\"svg\":\"<svg></svg>\",\"has_alternatives\":true,\"has_rows\":true,"
	  "\"series\":[{\"pool\":\"" EVIL "\",\"current\":true,\"pattern\":\"solid\",\"points\":1},"
	  "{\"pool\":\"q\",\"current\":false,\"pattern\":\"dashed\",\"points\":0}],"
	  "\"rows\":[{\"hour\":\"2026-11-24T05:00:00Z\",\"cells\":[{\"text\":\"$0.0400\"},{\"text\":\"no data\"}]}]},"
	  "\"has_replicas\":true,\"replicas\":[{\"id\":\"r1\",\"status\":\"ready\",\"ready\":true,\"can_promote\":true,"
	  "\"instance_id\":\"i-1\",\"refusal\":\"" EVIL "\"}],"
	  "\"has_decisions\":true,\"decisions\":[{\"decision\":\"switch\",\"mode\":\"auto\",\"reason\":\"" EVIL "\","
	  "\"executed\":false,\"has_suppressed\":true,\"suppressed\":\"cooldown\"}],"
	  "\"has_errors\":true,\"errors\":[{\"field\":\"promote-r1\",\"message\":\"Not ready\"}],\"error\":{}",
	  "<a href=\"#promote-r1\">Not ready</a>" },
	{ "agent", "Agent y",
	  "\"agent\":{\"id\":\"a1\",\"name\":\"" EVIL "\",\"status\":\"online\",\"online\":true,\"pool\":\"p\"},"
	  "\"price\":{},\"form\":{\"version\":\"3\"},\"chart\":null,\"risk\":{\"score\":\"0.10\",\"word\":\"low\"},"
	  "\"has_replicas\":false,\"replicas\":[],\"has_decisions\":false,\"decisions\":[]",
	  "Decisions appear here once the decision engine runs" },
	{ "switches", "Switches", "\"days\":30,\"count\":0,\"has_switches\":false,\"switches\":[],\"day_options\":[]",
	  "No switches in this period" },
	{ "savings", "Savings", "\"has_days\":false,\"days\":[]", "No savings recorded yet" },
	{ "emergencies", "Emergencies", "\"has_active\":false,\"active\":[],\"has_events\":false,\"events\":[]",
	  "No agent is under" },
	{ "instances", "Instances", "\"status\":\"active\",\"count\":0,\"has_instances\":false,\"instances\":[],\"status_options\":[]",
	  "No instances here" },
	{ "notifications", "Notifications",
	  "\"unread\":1,\"has_notifications\":true,\"notifications\":[{\"id\":\"n\",\"title\":\"" EVIL "\",\"read\":false}]",
	  "Mark as read" },
	{ "admin_users", "Users", "\"users\":[{\"email\":\"" EVIL "\",\"role\":\"client\"}],\"clients\":[],\"form\":{}",
	  "Add user" },
	{ "admin_audit", "Audit log", "\"filter\":{\"actor\":\"" EVIL "\"},\"count\":0,\"has_events\":false,\"events\":[]",
	  "No events match" },
	{ "replicas", "Replicas",
	  "\"status\":\"all\",\"count\":1,\"has_replicas\":true,\"status_options\":[],\"show_client\":true,"
	  "\"replicas\":[{\"id\":\"r1\",\"agent_id\":\"a1\",\"agent_name\":\"" EVIL "\",\"status\":\"ready\",\"ready\":true,"
	  "\"can_promote\":true,\"instance_id\":\"i-1\",\"refusal\":\"Not now\"}],\"has_errors\":true,"
	  "\"errors\":[{\"field\":\"promote-r1\",\"message\":\"Not now\"}]",
	  "<a href=\"#promote-r1\">Not now</a>" },
	{ "replicas", "Replicas", "\"status\":\"" EVIL "\",\"count\":0,\"has_replicas\":false,\"replicas\":[],\"status_options\":[]",
	  "No replicas here" },
	{ "admin_clients", "Clients",
	  "\"has_clients\":true,\"clients\":[{\"id\":\"c1\",\"name\":\"" EVIL "\",\"active\":false,\"version\":2}],"
	  "\"form\":{\"name\":\"" EVIL "\"},\"new_token\":{\"value\":\"tok\",\"client\":\"" EVIL "\"}",
	  "<code id=\"new-token\">tok</code>" },
	{ "admin_health", "System health",
	  "\"status\":\"degraded\",\"database\":{\"status\":\"up\",\"error\":\"" EVIL "\"},\"workers\":{\"requests_total\":3},"
	  "\"jobs\":[{\"name\":\"snapshots\",\"stale\":true,\"interval_seconds\":86400}]",
	  "<span class=\"status status-bad\">stale</span>" },
	{ "admin_jobs", "Jobs",
	  "\"jobs\":[],\"has_quality\":true,\"quality_days\":14,\"quality\":[{\"date\":\"2026-01-01\",\"buckets\":288,"
	  "\"percent_text\":\"2.08%\"}],\"has_runs\":true,\"runs\":[{\"job\":\"cleaner\",\"status\":\"failed\","
	  "\"failed\":true,\"error\":\"" EVIL "\"}]",
	  "<td class=\"num\">2.08%</td>" },
	{ "admin_models", "Models",
	  "\"any_active\":false,\"can_rollback\":false,\"perf_days\":30,\"max_file_kib\":256,\"form\":{\"model_file\":\"\"},"
	  "\"models\":[{\"id\":\"m1\",\"name\":\"" EVIL "\",\"version\":\"1\",\"engine\":\"logreg\","
	  "\"status_word\":\"validated, ready to activate\",\"auc_text\":\"0.916\",\"replay_text\":\"$2.83 (rules-v1 $8.39)\","
	  "\"performance\":{\"decisions\":3,\"executed\":2,\"expected_text\":\"$0.1200 per hour\","
	  "\"realized_text\":\"$0.1100 per hour\"},\"can_validate\":false,\"can_activate\":true}]",
	  "<form method=\"post\" action=\"/admin/models/m1/activate\">" },
	{ "admin_models", "Models: there is a problem",
	  "\"any_active\":true,\"can_rollback\":true,\"rollback_refusal\":null,\"form\":{\"model_file\":\"" EVIL "\"},"
	  "\"models\":[],\"has_errors\":true,\"errors\":[{\"field\":\"model_file\",\"message\":\"not valid JSON\"}],"
	  "\"error\":{\"model_file\":\"not valid JSON\"}",
	  "<p id=\"model_file-error\" class=\"error-message\"><span class=\"visually-hidden\">Error:</span> not valid JSON</p>" },
	{ "admin_model", "Model m 1",
	  "\"model\":{\"id\":\"m1\",\"name\":\"m\",\"version\":\"1\",\"status_word\":\"invalid\",\"validation_error\":\"" EVIL "\","
	  "\"performance\":{\"decisions\":1}},\"has_metrics\":true,\"metric_rows\":[{\"key\":\"auc\",\"value\":\"0.42\"}],"
	  "\"has_events\":false,\"events\":[],\"file_text\":\"{\\\"name\\\": \\\"" EVIL "\\\"}\",\"perf_days\":7",
	  "<tr><th scope=\"row\">auc</th><td>0.42</td></tr>" },
	{ "error", "Page not found", "\"heading\":\"Page not found\",\"message\":\"" EVIL "\"", "<h1>Page not found</h1>" },
};

START_TEST(test_template_page)
{
	struct strbuf json = STRBUF_INIT, out = STRBUF_INIT, title = STRBUF_INIT;
	struct json_object *view;
	char err[512];

	strbuf_addf(&json, "{%s,\"page_title\":\"%s\",%s}", session_json, pages[_i].title, pages[_i].view);
	view = json_tokener_parse(json.buf);
	ck_assert_msg(view != NULL, "%s: bad fixture JSON", pages[_i].name);
	ck_assert_msg(mustache_render(set, pages[_i].name, view, &out, err, sizeof(err)) == 0, "%s: %s", pages[_i].name, err);
	strbuf_addf(&title, "<title>%s — Spot Optimizer</title>", pages[_i].title);
	ck_assert_ptr_nonnull(strstr(out.buf, "<html lang=\"en\">"));
	ck_assert_msg(strstr(out.buf, title.buf), "%s: no title %s", pages[_i].name, title.buf);
	ck_assert_ptr_nonnull(strstr(out.buf, "<a class=\"skip-link\" href=\"#main\">"));
	ck_assert_ptr_nonnull(strstr(out.buf, "<main id=\"main\""));
	ck_assert_ptr_nonnull(strstr(out.buf, "<link rel=\"stylesheet\" href=\"/static/app.css\">"));
	ck_assert_msg(strstr(out.buf, pages[_i].expect), "%s: missing %s", pages[_i].name, pages[_i].expect);
	/* Escaped by default: the hostile text never appears raw. */
	ck_assert_msg(!strstr(out.buf, "<img src=x"), "%s: unescaped markup", pages[_i].name);
	ck_assert_msg(!strstr(out.buf, "onerror=alert(1)>"), "%s: unescaped markup", pages[_i].name);
	ck_assert_msg(strstr(out.buf, "&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"), "%s: not escaped",
		      pages[_i].name);
	ck_assert_msg(!strstr(out.buf, "style=\""), "%s: inline style", pages[_i].name);
	{
		/* The only script is the static one. */
		const char *p = out.buf;
		while ((p = strstr(p, "<script")) != NULL) {
			ck_assert_msg(!strncmp(p, "<script src=\"/static/app.js\" defer></script>", 44), "%s: inline script",
				      pages[_i].name);
			p += 7;
		}
	}
	/* Forms that change state carry the CSRF token. */
	if (strstr(out.buf, "method=\"post\""))
		ck_assert_msg(strstr(out.buf, "name=\"csrf_token\" value=\""), "%s: a form without CSRF", pages[_i].name);
	json_object_put(view);
	strbuf_release(&json);
	strbuf_release(&out);
	strbuf_release(&title);
}
END_TEST

/* The agent page's detail: risk in words, every series in the table (a gap says so), the promote form back to it. */
START_TEST(test_template_agent_detail)
{
	static const char *const want[] = {
		"<span class=\"status status-bad\">high risk</span> (score 0.72 of 1; 3 interruptions in 7 days, flagged",
		"<th scope=\"col\" class=\"num\">q</th>",
		"<td class=\"num\">$0.0400</td><td class=\"num\">no data</td>",
		"<th scope=\"row\"><time datetime=\"2026-11-24T05:00:00Z\">",
		"q: dashed line, 0 hours",
		"<form method=\"post\" action=\"/replicas/r1/promote\" class=\"inline\">",
		"<input type=\"hidden\" name=\"return_to\" value=\"agent\">",
		"<button type=\"submit\" class=\"button\" id=\"promote-r1\">Promote to primary</button>",
		"<td>no: cooldown</td>",
	};
	struct strbuf json = STRBUF_INIT, out = STRBUF_INIT;
	struct json_object *view;
	char err[512];
	size_t i;

	for (i = 0; i < NELEM(pages) && strcmp(pages[i].title, "Replica not promoted"); i++)
		;
	ck_assert_uint_lt(i, NELEM(pages));
	strbuf_addf(&json, "{%s,\"page_title\":\"x\",%s}", session_json, pages[i].view);
	view = json_tokener_parse(json.buf);
	ck_assert_ptr_nonnull(view);
	ck_assert_int_eq(mustache_render(set, "agent", view, &out, err, sizeof(err)), 0);
	for (size_t k = 0; k < NELEM(want); k++)
		ck_assert_msg(strstr(out.buf, want[k]), "missing %s", want[k]);
	ck_assert_ptr_null(strstr(out.buf, "decision engine runs"));
	json_object_put(view);
	strbuf_release(&json);
	strbuf_release(&out);
}
END_TEST

START_TEST(test_template_no_session)
{
	/* Signed out, the layout shows neither the nav nor the sign-out form. */
	struct json_object *view = json_tokener_parse("{\"page_title\":\"Sign in\",\"login_csrf_token\":\"x\"}");
	struct strbuf out = STRBUF_INIT;
	char err[512];
	ck_assert_int_eq(mustache_render(set, "login", view, &out, err, sizeof(err)), 0);
	ck_assert_ptr_null(strstr(out.buf, "Sign out"));
	ck_assert_ptr_null(strstr(out.buf, "aria-label=\"Main\""));
	ck_assert_ptr_null(strstr(out.buf, "error-summary"));
	json_object_put(view);
	strbuf_release(&out);
}
END_TEST

static Suite *templates_suite(void)
{
	Suite *s = suite_create("templates");
	TCase *tc = tcase_create("pages");
	tcase_add_unchecked_fixture(tc, templates_load, templates_free);
	tcase_add_loop_test(tc, test_template_page, 0, NELEM(pages));
	tcase_add_test(tc, test_template_no_session);
	tcase_add_test(tc, test_template_agent_detail);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(templates_suite());
	int failed;

	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
