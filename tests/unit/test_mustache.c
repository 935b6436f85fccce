/*
 * test_mustache.c - fcgi-app/mustache against every test of the mustache spec
 * files in $SPOT_SHARED_DIR/testdata/mustache-spec, plus tables for compile
 * errors, the render depth limit and loading a directory.
 */
#include "fcgi-app/mustache.h"
#include "common/strbuf.h"

#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The spec files this implementation must pass entirely. */
static const char *const spec_files[] = {
	"comments", "delimiters", "interpolation", "inverted", "partials", "sections",
	"~inheritance",
};

static const char spec_main[] = "\x01spec-template";	/* no partial has this name */

static char *spec_path(const char *file)
{
	const char *dir = getenv("SPOT_SHARED_DIR");
	struct strbuf sb = STRBUF_INIT;

	ck_assert_msg(dir && *dir, "SPOT_SHARED_DIR is not set");
	strbuf_addf(&sb, "%s/testdata/mustache-spec/%s.json", dir, file);
	return strbuf_detach(&sb, NULL);
}

/* Runs one spec test; returns 0 on pass, else appends a report to fails. */
static int spec_run_one(const char *file, struct json_object *t, struct strbuf *fails)
{
	struct json_object *name, *tmpl, *data = NULL, *partials, *expected;
	struct mustache_set *set = mustache_set_new();
	struct strbuf out = STRBUF_INIT;
	char err[256] = "";
	int rc = -1;

	ck_assert(json_object_object_get_ex(t, "name", &name));
	ck_assert(json_object_object_get_ex(t, "template", &tmpl));
	ck_assert(json_object_object_get_ex(t, "expected", &expected));
	json_object_object_get_ex(t, "data", &data);
	if (json_object_object_get_ex(t, "partials", &partials)) {
		json_object_object_foreach(partials, pname, pval) {
			if (mustache_set_add(set, pname, json_object_get_string(pval),
					     (size_t)json_object_get_string_len(pval), pname,
					     err, sizeof(err)))
				goto out;
		}
	}
	if (mustache_set_add(set, spec_main, json_object_get_string(tmpl),
			     (size_t)json_object_get_string_len(tmpl), "template", err, sizeof(err)))
		goto out;
	if (mustache_render(set, spec_main, data, &out, err, sizeof(err)))
		goto out;
	if (out.len == (size_t)json_object_get_string_len(expected) &&
	    !memcmp(out.buf, json_object_get_string(expected), out.len))
		rc = 0;
	else
		snprintf(err, sizeof(err), "output differs");
out:
	if (rc) {
		strbuf_addf(fails, "\n%s: \"%s\": %s\n  expected: ", file,
			    json_object_get_string(name), err);
		strbuf_add_json_string(fails, json_object_get_string(expected));
		strbuf_addstr(fails, "\n  got:      ");
		strbuf_add_json_string(fails, out.buf);
	}
	strbuf_release(&out);
	mustache_set_free(set);
	return rc;
}

START_TEST(test_spec_file)
{
	const char *file = spec_files[_i];
	char *path = spec_path(file);
	struct json_object *doc = json_object_from_file(path), *tests;
	struct strbuf fails = STRBUF_INIT;
	size_t i, n, nfail = 0;

	ck_assert_msg(doc != NULL, "cannot read %s", path);
	ck_assert_msg(json_object_object_get_ex(doc, "tests", &tests) &&
		      json_object_is_type(tests, json_type_array), "%s: no tests array", path);
	n = json_object_array_length(tests);
	ck_assert_msg(n > 0, "%s: zero tests", path);
	for (i = 0; i < n; i++)
		if (spec_run_one(file, json_object_array_get_idx(tests, i), &fails))
			nfail++;
	ck_assert_msg(nfail == 0, "%s: %zu of %zu spec tests failed:%s", file, nfail, n, fails.buf);
	strbuf_release(&fails);
	json_object_put(doc);
	free(path);
}
END_TEST

/* Compile errors name the origin and the line. */
static const struct {
	const char *text;
	const char *err;
} compile_errors[] = {
	{ "<ul>\n{{#agents}}\n<li>{{name}}</li>\n</ul>\n",
	  "templates/agents.mustache:2: unclosed section 'agents'" },
	{ "a\nb\n{{#a}}\n{{/b}}\n",
	  "templates/agents.mustache:4: close tag 'b' does not match open section 'a' from line 3" },
	{ "x\n{{/a}}", "templates/agents.mustache:2: unexpected close tag 'a'" },
	{ "\n\n{{=<% %>}}", "templates/agents.mustache:3: unclosed tag" },
	{ "{{=<%%>=}}", "templates/agents.mustache:1: bad set-delimiter tag '{{=<%%>=}}'" },
	{ "{{= a b c =}}", "templates/agents.mustache:1: bad set-delimiter tag '{{= a b c =}}'" },
	{ "ok\n{{name", "templates/agents.mustache:2: unclosed tag" },
	{ "{{=<% %>=}}\n<%name}}", "templates/agents.mustache:2: unclosed tag" },
	{ "{{#}}{{/}}", "templates/agents.mustache:1: empty tag" },
	{ "{{^x}}\n\n{{<page}}{{$a}}", "templates/agents.mustache:3: unclosed block 'a'" },
	{ "{{<page}}\n", "templates/agents.mustache:1: unclosed parent 'page'" },
};

START_TEST(test_compile_error)
{
	struct mustache_set *set = mustache_set_new();
	char err[256] = "";
	int rc;

	rc = mustache_set_add(set, "agents", compile_errors[_i].text,
			      strlen(compile_errors[_i].text), "templates/agents.mustache",
			      err, sizeof(err));
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(err, compile_errors[_i].err);
	ck_assert(!mustache_set_has(set, "agents"));
	mustache_set_free(set);
}
END_TEST

START_TEST(test_compile_depth)
{
	struct mustache_set *set = mustache_set_new();
	struct strbuf t = STRBUF_INIT;
	char err[256] = "";
	int i;

	for (i = 0; i < MUSTACHE_MAX_DEPTH; i++)
		strbuf_addstr(&t, "{{#a}}");
	for (i = 0; i < MUSTACHE_MAX_DEPTH; i++)
		strbuf_addstr(&t, "{{/a}}");
	ck_assert_int_eq(mustache_set_add(set, "ok", t.buf, t.len, NULL, err, sizeof(err)), 0);
	strbuf_reset(&t);
	for (i = 0; i <= MUSTACHE_MAX_DEPTH; i++)
		strbuf_addstr(&t, "{{#a}}\n");
	ck_assert_int_eq(mustache_set_add(set, "deep", t.buf, t.len, "deep.mustache", err,
					  sizeof(err)), -1);
	ck_assert_msg(strstr(err, "deep.mustache:65: sections nested deeper than 64"), "%s", err);
	strbuf_release(&t);
	mustache_set_free(set);
}
END_TEST

/* Rendering is bounded: recursion fails cleanly and leaves out as it was. */
static const struct {
	const char *partial;	/* template "p" */
	const char *data;	/* NULL: 40 levels of {"c": ...} */
	int rc;
	const char *out;	/* appended to "keep:" */
} render_depth[] = {
	{ "{{>p}}", "{}", -1, "" },
	{ "x{{<p}}{{/p}}", "{}", -1, "" },
	{ "{{#a}}{{>p}}{{/a}}", "{\"a\": true}", -1, "" },
	/* a tree deeper than the limit (made below), walked by a recursive partial */
	{ "{{#c}}<{{>p}}>{{/c}}", NULL, -1, "" },
	/* a shallow tree is fine */
	{ "{{#c}}<{{>p}}>{{/c}}", "{\"c\": {\"c\": {\"c\": {\"c\": false}}}}", 0, "<<<>>>" },
};

START_TEST(test_render_depth)
{
	struct mustache_set *set = mustache_set_new();
	struct json_object *data;
	struct strbuf out = STRBUF_INIT;
	char err[256] = "";
	int rc, i;

	if (render_depth[_i].data) {
		data = json_tokener_parse(render_depth[_i].data);
	} else {
		/* each level costs a section and a partial: 80 > MUSTACHE_MAX_DEPTH */
		data = json_object_new_boolean(0);
		for (i = 0; i < 40; i++) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "c", data);
			data = o;
		}
	}
	ck_assert_ptr_nonnull(data);
	ck_assert_int_eq(mustache_set_add(set, "p", render_depth[_i].partial,
					  strlen(render_depth[_i].partial), NULL, err, sizeof(err)), 0);
	strbuf_addstr(&out, "keep:");
	rc = mustache_render(set, "p", data, &out, err, sizeof(err));
	ck_assert_int_eq(rc, render_depth[_i].rc);
	ck_assert_str_eq(out.buf + 5, render_depth[_i].out);
	ck_assert_str_eq(out.buf, rc ? "keep:" : out.buf);
	if (rc)
		ck_assert_msg(strstr(err, "nesting deeper than 64"), "%s", err);
	strbuf_release(&out);
	json_object_put(data);
	mustache_set_free(set);
}
END_TEST

/* Values, escaping and the set itself. */
static const struct {
	const char *tmpl;
	const char *data;
	const char *out;
} render_cases[] = {
	{ "{{a}}|{{{a}}}", "{\"a\": \"<b class='x'>&\\\"\"}",
	  "&lt;b class=&#39;x&#39;&gt;&amp;&quot;|<b class='x'>&\"" },
	{ "{{n}} {{d}} {{t}} {{f}} {{z}}", "{\"n\": -12, \"d\": 0.1, \"t\": true, \"f\": false, \"z\": null}",
	  "-12 0.1 true false " },
	{ "{{#e}}empty string is truthy{{/e}}{{^z}}, zero too{{/z}}", "{\"e\": \"\", \"z\": 0}",
	  "empty string is truthy" },
	{ "{{#o}}{}{{/o}}{{^a}}[]{{/a}}", "{\"o\": {}, \"a\": []}", "{}[]" },
	{ "{{x}}", "null", "" },
	{ "{{a}} {{b}} {{{c}}}", "{\"a\": 18446744073709551615, \"b\": -9223372036854775808, \"c\": [1, {\"k\": \"<\"}]}",
	  "18446744073709551615 -9223372036854775808 [1,{\"k\":\"<\"}]" },
	{ "{{#.}}{{.}}{{/.}}", "[1, 2.5, \"a\"]", "12.5a" },
};

START_TEST(test_render_values)
{
	struct mustache_set *set = mustache_set_new();
	struct json_object *data = json_tokener_parse(render_cases[_i].data);
	struct strbuf out = STRBUF_INIT;
	char err[256] = "";

	ck_assert_int_eq(mustache_set_add(set, "t", render_cases[_i].tmpl,
					  strlen(render_cases[_i].tmpl), NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(mustache_render(set, "t", data, &out, err, sizeof(err)), 0);
	ck_assert_str_eq(out.buf, render_cases[_i].out);
	/* Rendering twice gives the same output: nothing is consumed. */
	strbuf_reset(&out);
	ck_assert_int_eq(mustache_render(set, "t", data, &out, err, sizeof(err)), 0);
	ck_assert_str_eq(out.buf, render_cases[_i].out);
	strbuf_release(&out);
	json_object_put(data);
	mustache_set_free(set);
}
END_TEST

START_TEST(test_render_missing)
{
	struct mustache_set *set = mustache_set_new();
	struct strbuf out = STRBUF_INIT;
	char err[256] = "";

	ck_assert_int_eq(mustache_render(set, "nope", NULL, &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "mustache_render: no template 'nope'");
	ck_assert_int_eq(mustache_set_add(set, "a", "1", 1, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(mustache_set_add(set, "a", "2", 1, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(mustache_render(set, "a", NULL, &out, NULL, 0), 0);
	ck_assert_str_eq(out.buf, "2");
	strbuf_release(&out);
	mustache_set_free(set);
	mustache_set_free(NULL);
}
END_TEST

static void write_file(const char *dir, const char *name, const char *text)
{
	struct strbuf path = STRBUF_INIT;
	FILE *f;

	strbuf_addf(&path, "%s/%s", dir, name);
	f = fopen(path.buf, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	strbuf_release(&path);
}

static void remove_file(const char *dir, const char *name)
{
	struct strbuf path = STRBUF_INIT;

	strbuf_addf(&path, "%s/%s", dir, name);
	unlink(path.buf);
	strbuf_release(&path);
}

START_TEST(test_load_dir)
{
	char dir[] = "/tmp/test_mustache.XXXXXX";
	struct mustache_set *set = mustache_set_new();
	struct json_object *data = json_tokener_parse("{\"title\": \"Agents\", \"agents\": [{\"name\": \"a<1>\"}]}");
	struct strbuf out = STRBUF_INIT, want = STRBUF_INIT;
	char err[256] = "";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(dir, "layout.mustache",
		   "<title>{{$title}}Spot{{/title}}</title>\n<main>\n  {{$body}}\n  {{/body}}\n</main>\n");
	write_file(dir, "agents.mustache",
		   "{{<layout}}\n{{$title}}{{title}}{{/title}}\n{{$body}}\n<ul>\n"
		   "{{#agents}}\n  {{>agent}}\n{{/agents}}\n</ul>\n{{/body}}\n{{/layout}}\n");
	write_file(dir, "agent.mustache", "<li>{{name}}</li>\n");
	write_file(dir, "notes.txt", "{{#ignored");
	ck_assert_int_eq(mustache_set_load_dir(set, dir, err, sizeof(err)), 0);
	ck_assert(mustache_set_has(set, "layout") && mustache_set_has(set, "agent"));
	ck_assert(!mustache_set_has(set, "notes"));
	ck_assert_int_eq(mustache_render(set, "agents", data, &out, err, sizeof(err)), 0);
	ck_assert_str_eq(out.buf, "<title>Agents</title>\n<main>\n  <ul>\n    <li>a&lt;1&gt;</li>\n  </ul>\n</main>\n");

	write_file(dir, "broken.mustache", "ok\n{{#x}}\n{{/y}}\n");
	ck_assert_int_eq(mustache_set_load_dir(set, dir, err, sizeof(err)), -1);
	strbuf_addf(&want, "%s/broken.mustache:3: close tag 'y' does not match open section 'x' from line 2", dir);
	ck_assert_str_eq(err, want.buf);
	ck_assert_int_eq(mustache_set_load_dir(set, "/nonexistent-mustache-dir", err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "/nonexistent-mustache-dir"), "%s", err);

	remove_file(dir, "layout.mustache");
	remove_file(dir, "agents.mustache");
	remove_file(dir, "agent.mustache");
	remove_file(dir, "notes.txt");
	remove_file(dir, "broken.mustache");
	ck_assert_int_eq(rmdir(dir), 0);
	strbuf_release(&out);
	strbuf_release(&want);
	json_object_put(data);
	mustache_set_free(set);
}
END_TEST

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *mustache_suite(void)
{
	Suite *s = suite_create("mustache");
	TCase *tc = tcase_create("spec");

	tcase_add_loop_test(tc, test_spec_file, 0, NELEM(spec_files));
	suite_add_tcase(s, tc);
	tc = tcase_create("api");
	tcase_add_loop_test(tc, test_compile_error, 0, NELEM(compile_errors));
	tcase_add_test(tc, test_compile_depth);
	tcase_add_loop_test(tc, test_render_depth, 0, NELEM(render_depth));
	tcase_add_loop_test(tc, test_render_values, 0, NELEM(render_cases));
	tcase_add_test(tc, test_render_missing);
	tcase_add_test(tc, test_load_dir);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mustache_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
