/*
 * test_common.c - common/: strbuf, arena, config (KEY=VALUE files and the
 * environment) and timeutil (RFC 3339).
 */
#include "common/arena.h"
#include "common/config.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A temporary file holding text; the caller unlinks and frees the path. */
static char *temp_file(const char *text, size_t len)
{
	const char *dir = getenv("TMPDIR");
	struct strbuf path = STRBUF_INIT;
	int fd;

	strbuf_addf(&path, "%s/spot-ut-common-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path.buf);
	ck_assert_msg(fd >= 0, "mkstemp %s: %s", path.buf, strerror(errno));
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	return strbuf_detach(&path, NULL);
}

/* ================= strbuf ================= */

START_TEST(test_strbuf_basic)
{
	struct strbuf sb = STRBUF_INIT;

	ck_assert_ptr_nonnull(sb.buf);
	ck_assert_str_eq(sb.buf, "");
	ck_assert_uint_eq(sb.len, 0);
	strbuf_reset(&sb);               /* on the shared empty string */
	strbuf_setlen(&sb, 0);
	ck_assert_str_eq(sb.buf, "");
	strbuf_add(&sb, "x", 0);
	ck_assert_uint_eq(sb.alloc, 0);  /* nothing added, nothing allocated */
	strbuf_addstr(&sb, "hello");
	strbuf_addch(&sb, ' ');
	strbuf_add(&sb, "world!!", 5);
	ck_assert_str_eq(sb.buf, "hello world");
	ck_assert_uint_eq(sb.len, 11);
	ck_assert_uint_gt(sb.alloc, sb.len);
	strbuf_setlen(&sb, 5);
	ck_assert_str_eq(sb.buf, "hello");
	strbuf_reset(&sb);
	ck_assert_str_eq(sb.buf, "");
	ck_assert_uint_eq(sb.len, 0);
	strbuf_release(&sb);
	ck_assert_str_eq(sb.buf, "");
	ck_assert_uint_eq(sb.alloc, 0);
	strbuf_addstr(&sb, "reused");    /* usable after release */
	ck_assert_str_eq(sb.buf, "reused");
	strbuf_release(&sb);
	ck_assert_str_eq(strbuf_empty, ""); /* never written */
}
END_TEST

START_TEST(test_strbuf_nul_and_growth)
{
	struct strbuf sb;
	size_t len;
	char *p;

	strbuf_init(&sb, 3);
	ck_assert_uint_ge(sb.alloc, 4);
	ck_assert_str_eq(sb.buf, "");
	strbuf_add(&sb, "a\0b", 3);
	ck_assert_uint_eq(sb.len, 3);
	ck_assert_int_eq(memcmp(sb.buf, "a\0b", 4), 0);
	for (int i = 0; i < 10000; i++)
		strbuf_addch(&sb, 'a' + i % 26);
	ck_assert_uint_eq(sb.len, 10003);
	ck_assert_int_eq(sb.buf[sb.len], '\0');
	ck_assert_int_eq(sb.buf[3 + 9999], 'a' + 9999 % 26);
	p = strbuf_detach(&sb, &len);
	ck_assert_uint_eq(len, 10003);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert_uint_eq(sb.alloc, 0);
	free(p);
	/* detaching an empty buffer still hands out memory the caller may free */
	p = strbuf_detach(&sb, NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_ne(p, strbuf_empty);
	ck_assert_str_eq(p, "");
	free(p);
}
END_TEST

START_TEST(test_strbuf_addf)
{
	struct strbuf sb = STRBUF_INIT, big = STRBUF_INIT;

	strbuf_addf(&sb, "%d-%s-%zu", 42, "x", (size_t)7);
	ck_assert_str_eq(sb.buf, "42-x-7");
	strbuf_addf(&sb, "%s", "");
	ck_assert_str_eq(sb.buf, "42-x-7");
	/* longer than the first guess: the second vsnprintf pass */
	for (int i = 0; i < 500; i++)
		strbuf_addch(&big, 'A' + i % 26);
	strbuf_addf(&sb, "[%s]", big.buf);
	ck_assert_uint_eq(sb.len, 6 + 502);
	ck_assert_int_eq(sb.buf[6], '[');
	ck_assert_int_eq(memcmp(sb.buf + 7, big.buf, 500), 0);
	ck_assert_str_eq(sb.buf + sb.len - 1, "]");
	/* exactly filling the space left */
	strbuf_release(&sb);
	strbuf_init(&sb, 0);
	strbuf_addf(&sb, "%063d", 0);
	ck_assert_uint_eq(sb.len, 63);
	strbuf_addf(&sb, "%0128d", 1);
	ck_assert_uint_eq(sb.len, 63 + 128);
	ck_assert_int_eq(sb.buf[sb.len - 1], '1');
	strbuf_release(&sb);
	strbuf_release(&big);
}
END_TEST

static const struct {
	const char *in, *json;
} json_string_cases[] = {
	{ "", "\"\"" },
	{ "plain", "\"plain\"" },
	{ "a\"b", "\"a\\\"b\"" },
	{ "back\\slash", "\"back\\\\slash\"" },
	{ "nl\ncr\rtab\t", "\"nl\\ncr\\rtab\\t\"" },
	{ "\x01\x1f", "\"\\u0001\\u001f\"" },
	{ "\x7f", "\"\x7f\"" },
	{ "/", "\"/\"" },
	{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	{ "</script>", "\"</script>\"" },
};

START_TEST(test_strbuf_json_string)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add_json_string(&sb, json_string_cases[_i].in);
	ck_assert_str_eq(sb.buf, json_string_cases[_i].json);
	strbuf_release(&sb);
}
END_TEST

static const struct {
	const char *in, *html;
} html_cases[] = {
	{ "", "" },
	{ "plain", "plain" },
	{ "<a href=\"x\">&'</a>", "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;" },
	{ "&&", "&amp;&amp;" },
	{ "tail<", "tail&lt;" },
	{ ">head", "&gt;head" },
	{ "caf\xc3\xa9", "caf\xc3\xa9" },
};

START_TEST(test_strbuf_html)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_add_html(&sb, html_cases[_i].in, strlen(html_cases[_i].in));
	ck_assert_str_eq(sb.buf, html_cases[_i].html);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_strbuf_read_file)
{
	struct strbuf sb = STRBUF_INIT, content = STRBUF_INIT;
	char *path;

	for (int i = 0; i < 20000; i++)
		strbuf_addch(&content, i % 251);
	path = temp_file(content.buf, content.len);
	ck_assert_int_eq(strbuf_read_file(&sb, path, content.len), 0); /* exactly max bytes */
	ck_assert_uint_eq(sb.len, content.len);
	ck_assert_int_eq(memcmp(sb.buf, content.buf, content.len), 0);
	ck_assert_int_eq(sb.buf[sb.len], '\0');
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "keep:"); /* appends */
	ck_assert_int_eq(strbuf_read_file(&sb, path, 2 * content.len), 0);
	ck_assert_uint_eq(sb.len, 5 + content.len);
	ck_assert_int_eq(memcmp(sb.buf, "keep:", 5), 0);
	ck_assert_int_eq(memcmp(sb.buf + 5, content.buf, content.len), 0);
	strbuf_reset(&sb);
	errno = 0;
	ck_assert_int_eq(strbuf_read_file(&sb, path, content.len - 1), -1);
	ck_assert_int_eq(errno, EFBIG);
	strbuf_reset(&sb);
	unlink(path);
	ck_assert_int_eq(strbuf_read_file(&sb, path, 100), -1);
	ck_assert_int_eq(errno, ENOENT);
	free(path);
	strbuf_release(&sb);
	strbuf_release(&content);
}
END_TEST

/* ================= arena ================= */

static const size_t arena_sizes[] = { 0, 1, 7, 8, 15, 16, 17, 100, 1000, 4096, 70000 };

START_TEST(test_arena_alloc)
{
	struct arena a;
	void *ptrs[NELEM(arena_sizes) * 3];
	size_t n = 0;

	arena_init(&a, 1024);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < NELEM(arena_sizes); i++) {
			unsigned char *p = arena_alloc(&a, arena_sizes[i]);
			ck_assert_ptr_nonnull(p);
			ck_assert_uint_eq((uintptr_t)p % _Alignof(max_align_t), 0);
			memset(p, (int)(n & 0xff), arena_sizes[i]);
			ptrs[n++] = p;
		}
	}
	ck_assert_uint_gt(a.used_total, 3 * 70000);
	/* nothing overlapped: each block still holds its own byte */
	for (size_t i = 0; i < n; i++) {
		size_t sz = arena_sizes[i % NELEM(arena_sizes)];
		for (size_t j = 0; j < sz; j++)
			ck_assert_int_eq(((unsigned char *)ptrs[i])[j], (int)(i & 0xff));
		for (size_t k = 0; k < i; k++)
			ck_assert_ptr_ne(ptrs[i], ptrs[k]);
	}
	arena_reset(&a);
	ck_assert_uint_eq(a.used_total, 0);
	ck_assert_ptr_nonnull(arena_alloc(&a, 10));
	arena_reset(&a);
	arena_reset(&a);
	arena_release(&a);
	ck_assert_ptr_null(a.head);
	arena_release(&a);
	/* usable again after release */
	ck_assert_ptr_nonnull(arena_alloc(&a, 3));
	arena_release(&a);
}
END_TEST

START_TEST(test_arena_strings)
{
	struct arena a;
	unsigned char *z;
	char *s;

	arena_init(&a, 0);
	ck_assert_uint_eq(a.chunk_size, 16384);
	ck_assert_str_eq(arena_strdup(&a, "hello"), "hello");
	ck_assert_str_eq(arena_strdup(&a, ""), "");
	ck_assert_str_eq(arena_strndup(&a, "hello", 3), "hel");
	ck_assert_str_eq(arena_strndup(&a, "hi", 10), "hi");
	ck_assert_str_eq(arena_strndup(&a, "a\0bc", 4), "a");
	ck_assert_str_eq(arena_printf(&a, "%s=%d", "x", 5), "x=5");
	ck_assert_str_eq(arena_printf(&a, "%s", ""), "");
	s = arena_printf(&a, "%05000d", 7);
	ck_assert_uint_eq(strlen(s), 5000);
	ck_assert_int_eq(s[4999], '7');
	z = arena_calloc(&a, 100, 3);
	for (int i = 0; i < 300; i++)
		ck_assert_int_eq(z[i], 0);
	z = arena_calloc(&a, 0, 8);
	ck_assert_ptr_nonnull(z);
	arena_release(&a);
}
END_TEST

/* Reset keeps memory usable and does not grow without bound across requests. */
START_TEST(test_arena_reset_cycles)
{
	struct arena a;

	arena_init(&a, 4096);
	for (int req = 0; req < 200; req++) {
		for (int i = 0; i < 50; i++) {
			char *p = arena_printf(&a, "req %d item %d", req, i);
			ck_assert_str_eq(p, arena_printf(&a, "req %d item %d", req, i));
		}
		ck_assert_ptr_nonnull(arena_alloc(&a, 10000)); /* bigger than a chunk */
		arena_reset(&a);
		ck_assert_uint_eq(a.used_total, 0);
	}
	arena_release(&a);
}
END_TEST

/* Size arithmetic that overflows aborts rather than allocating too little. */
START_TEST(test_arena_overflow_aborts)
{
	struct arena a;
	arena_init(&a, 0);
	(void)arena_calloc(&a, SIZE_MAX / 2, 3);
}
END_TEST

START_TEST(test_arena_alloc_overflow_aborts)
{
	struct arena a;
	arena_init(&a, 0);
	(void)arena_alloc(&a, SIZE_MAX - 3);
}
END_TEST

/* ================= config ================= */

struct kvexp {
	const char *key, *value;
};

static const struct {
	const char *name;
	const char *text;
	size_t n;
	struct kvexp kv[4];
} config_ok_cases[] = {
	{ "plain", "SPOT_A=1\nSPOT_B=two words\n", 2, { { "SPOT_A", "1" }, { "SPOT_B", "two words" } } },
	{ "no final newline", "SPOT_A=1", 1, { { "SPOT_A", "1" } } },
	{ "comments and blanks", "# a comment\n\n   \n  # indented\nSPOT_A=x\n", 1, { { "SPOT_A", "x" } } },
	{ "hash inside value", "SPOT_A=a#b\n", 1, { { "SPOT_A", "a#b" } } },
	{ "export", "export SPOT_A=1\nexport SPOT_B='q'\n", 2, { { "SPOT_A", "1" }, { "SPOT_B", "q" } } },
	{ "single quotes", "SPOT_A='a \"b\" $c \\n'\n", 1, { { "SPOT_A", "a \"b\" $c \\n" } } },
	{ "shell-escaped quote", "SPOT_A='it'\\''s'\n", 1, { { "SPOT_A", "it's" } } },
	{ "two escaped quotes", "SPOT_A='a'\\''b'\\''c'\n", 1, { { "SPOT_A", "a'b'c" } } },
	{ "double quotes", "SPOT_A=\"a \\\"b\\\" \\\\ c\"\n", 1, { { "SPOT_A", "a \"b\" \\ c" } } },
	{ "empty quoted", "SPOT_A=''\nSPOT_B=\"\"\n", 2, { { "SPOT_A", "" }, { "SPOT_B", "" } } },
	{ "empty", "SPOT_A=\n", 1, { { "SPOT_A", "" } } },
	{ "value with =", "SPOT_A=a=b=c\n", 1, { { "SPOT_A", "a=b=c" } } },
	{ "surrounding space trimmed", "   SPOT_A=v   \n", 1, { { "SPOT_A", "v" } } },
	{ "CRLF", "SPOT_A=1\r\nSPOT_B='x'\r\n", 2, { { "SPOT_A", "1" }, { "SPOT_B", "x" } } },
	{ "later wins", "SPOT_A=1\nSPOT_A=2\n", 1, { { "SPOT_A", "2" } } },
	{ "underscore key", "_K1=v\n", 1, { { "_K1", "v" } } },
	{ "url", "SPOT_URL=https://h/p?a=1&b=2\n", 1, { { "SPOT_URL", "https://h/p?a=1&b=2" } } },
	{ "empty text", "", 0, { { NULL, NULL } } },
};

START_TEST(test_config_ok)
{
	struct config cfg;
	char err[256] = "";

	config_init(&cfg);
	cfg.use_env = 0;
	ck_assert_msg(config_load_text(&cfg, config_ok_cases[_i].text, "t.env", err, sizeof(err)) == 0, "%s: %s",
		      config_ok_cases[_i].name, err);
	ck_assert_uint_eq(cfg.nr, config_ok_cases[_i].n);
	for (size_t i = 0; i < config_ok_cases[_i].n; i++) {
		ck_assert_str_eq(cfg.entries[i].key, config_ok_cases[_i].kv[i].key);
		ck_assert_str_eq(cfg.entries[i].value, config_ok_cases[_i].kv[i].value);
		if (*config_ok_cases[_i].kv[i].value)
			ck_assert_str_eq(config_get(&cfg, config_ok_cases[_i].kv[i].key, "def"),
					 config_ok_cases[_i].kv[i].value);
		else /* empty counts as unset */
			ck_assert_str_eq(config_get(&cfg, config_ok_cases[_i].kv[i].key, "def"), "def");
	}
	config_release(&cfg);
}
END_TEST

static const struct {
	const char *name;
	const char *text;
	const char *err; /* exact message, origin "t.env" */
} config_bad_cases[] = {
	{ "no =", "SPOT_A=1\nnonsense\n", "t.env:2: expected KEY=VALUE" },
	{ "bad key", "\n\n1KEY=v\n", "t.env:3: expected KEY=VALUE" },
	{ "space before =", "SPOT_A =1\n", "t.env:1: expected KEY=VALUE" },
	{ "dash in key", "SPOT-A=1\n", "t.env:1: expected KEY=VALUE" },
	{ "empty key", "=v\n", "t.env:1: expected KEY=VALUE" },
	{ "export alone", "# c\nexport\n", "t.env:2: expected KEY=VALUE" },
	{ "unterminated single", "SPOT_A='abc\n", "t.env:1: unterminated quote in SPOT_A" },
	{ "unterminated double", "SPOT_A=1\nSPOT_B=\"abc\n", "t.env:2: unterminated quote in SPOT_B" },
	{ "lone quote", "SPOT_A='\n", "t.env:1: unterminated quote in SPOT_A" },
	{ "mismatched quotes", "SPOT_A='abc\"\n", "t.env:1: unterminated quote in SPOT_A" },
};

START_TEST(test_config_bad)
{
	struct config cfg;
	char err[256] = "";

	config_init(&cfg);
	cfg.use_env = 0;
	ck_assert_int_eq(config_load_text(&cfg, config_bad_cases[_i].text, "t.env", err, sizeof(err)), -1);
	ck_assert_str_eq(err, config_bad_cases[_i].err);
	config_release(&cfg);
}
END_TEST

/* Errors from a file name the file and the line. */
START_TEST(test_config_file)
{
	static const char good[] = "# spot.env\nexport SPOT_DB_NAME='spot'\nSPOT_DB_PORT=3307\n";
	static const char bad[] = "SPOT_A=1\n# fine\n\nSPOT_B='x\n";
	struct config cfg;
	char err[512] = "";
	char *path;
	struct strbuf want = STRBUF_INIT;
	long port;

	config_init(&cfg);
	cfg.use_env = 0;
	path = temp_file(good, sizeof(good) - 1);
	ck_assert_msg(config_load_file(&cfg, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(config_get(&cfg, "SPOT_DB_NAME", NULL), "spot");
	ck_assert_int_eq(config_get_long(&cfg, "SPOT_DB_PORT", 3306, 1, 65535, &port, err, sizeof(err)), 0);
	ck_assert_int_eq(port, 3307);
	unlink(path);
	free(path);

	path = temp_file(bad, sizeof(bad) - 1);
	ck_assert_int_eq(config_load_file(&cfg, path, err, sizeof(err)), -1);
	strbuf_addf(&want, "%s:4: unterminated quote in SPOT_B", path);
	ck_assert_str_eq(err, want.buf);
	unlink(path);

	ck_assert_int_eq(config_load_file(&cfg, path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, path));
	free(path);
	strbuf_release(&want);
	config_release(&cfg);
}
END_TEST

START_TEST(test_config_env_wins)
{
	struct config cfg;
	char err[256];

	ck_assert_int_eq(setenv("SPOT_UT_FROM_ENV", "env", 1), 0);
	ck_assert_int_eq(setenv("SPOT_UT_EMPTY_ENV", "", 1), 0);
	unsetenv("SPOT_UT_FILE_ONLY");
	config_init(&cfg);
	ck_assert_int_eq(cfg.use_env, 1);
	ck_assert_int_eq(config_load_text(&cfg, "SPOT_UT_FROM_ENV=file\nSPOT_UT_EMPTY_ENV=file\n"
						"SPOT_UT_FILE_ONLY=file\n",
					  "t", err, sizeof(err)),
			 0);
	ck_assert_str_eq(config_get(&cfg, "SPOT_UT_FROM_ENV", NULL), "env");
	ck_assert_str_eq(config_get(&cfg, "SPOT_UT_EMPTY_ENV", NULL), "file"); /* empty env does not win */
	ck_assert_str_eq(config_get(&cfg, "SPOT_UT_FILE_ONLY", NULL), "file");
	config_set(&cfg, "SPOT_UT_FROM_ENV", "set");
	ck_assert_str_eq(config_get(&cfg, "SPOT_UT_FROM_ENV", NULL), "env");
	cfg.use_env = 0;
	ck_assert_str_eq(config_get(&cfg, "SPOT_UT_FROM_ENV", NULL), "set");
	ck_assert_ptr_null(config_get(&cfg, "SPOT_UT_NOWHERE", NULL));
	ck_assert_str_eq(config_get(&cfg, "SPOT_UT_NOWHERE", "d"), "d");
	config_release(&cfg);
	ck_assert_uint_eq(cfg.nr, 0);
	ck_assert_int_eq(cfg.use_env, 1);
}
END_TEST

START_TEST(test_config_set_many)
{
	struct config cfg;
	char key[32], val[32];

	config_init(&cfg);
	cfg.use_env = 0;
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "K%d", i);
		snprintf(val, sizeof(val), "v%d", i);
		config_set(&cfg, key, val);
	}
	config_set(&cfg, "K7", "replaced");
	ck_assert_uint_eq(cfg.nr, 100);
	ck_assert_str_eq(config_get(&cfg, "K7", NULL), "replaced");
	ck_assert_str_eq(config_get(&cfg, "K99", NULL), "v99");
	config_release(&cfg);
}
END_TEST

static const struct {
	const char *value; /* NULL: unset */
	long def, min, max;
	int rc;
	long out;
} long_cases[] = {
	{ NULL, 7, 1, 10, 0, 7 },
	{ "", 7, 1, 10, 0, 7 },
	{ "5", 7, 1, 10, 0, 5 },
	{ "1", 7, 1, 10, 0, 1 },
	{ "10", 7, 1, 10, 0, 10 },
	{ "0", 7, 1, 10, -1, 0 },
	{ "11", 7, 1, 10, -1, 0 },
	{ "-5", 0, -10, 10, 0, -5 },
	{ "-11", 0, -10, 10, -1, 0 },
	{ "65535", 3306, 1, 65535, 0, 65535 },
	{ "65536", 3306, 1, 65535, -1, 0 },
	{ "abc", 7, 1, 10, -1, 0 },
	{ "5abc", 7, 1, 10, -1, 0 },
	{ "5 ", 7, 1, 10, -1, 0 },
	{ "0x5", 7, 0, 10, -1, 0 },
	{ "1.5", 7, 0, 10, -1, 0 },
	{ "-", 7, -10, 10, -1, 0 },
	{ "99999999999999999999999", 7, 0, 9223372036854775807L, -1, 0 },
	{ "-99999999999999999999999", 7, -9223372036854775807L - 1, 0, -1, 0 },
	{ "9223372036854775807", 7, 0, 9223372036854775807L, 0, 9223372036854775807L },
};

START_TEST(test_config_get_long)
{
	struct config cfg;
	char err[256] = "";
	long out = -999;
	int rc;

	config_init(&cfg);
	cfg.use_env = 0;
	if (long_cases[_i].value)
		config_set(&cfg, "SPOT_N", long_cases[_i].value);
	rc = config_get_long(&cfg, "SPOT_N", long_cases[_i].def, long_cases[_i].min, long_cases[_i].max, &out, err,
			     sizeof(err));
	ck_assert_msg(rc == long_cases[_i].rc, "'%s' in [%ld, %ld]: rc %d", long_cases[_i].value,
		      long_cases[_i].min, long_cases[_i].max, rc);
	if (!rc) {
		ck_assert_int_eq(out, long_cases[_i].out);
	} else {
		struct strbuf want = STRBUF_INIT;
		strbuf_addf(&want, "SPOT_N: expected an integer in [%ld, %ld], got '%s'", long_cases[_i].min,
			    long_cases[_i].max, long_cases[_i].value);
		ck_assert_str_eq(err, want.buf);
		ck_assert_int_eq(out, -999); /* untouched */
		strbuf_release(&want);
	}
	config_release(&cfg);
}
END_TEST

/* ================= timeutil ================= */

static const struct {
	int64_t ms;
	const char *with_ms, *secs;
} format_cases[] = {
	{ 0, "1970-01-01T00:00:00.000Z", "1970-01-01T00:00:00Z" },
	{ 1, "1970-01-01T00:00:00.001Z", "1970-01-01T00:00:00Z" },
	{ 999, "1970-01-01T00:00:00.999Z", "1970-01-01T00:00:00Z" },
	{ 1000, "1970-01-01T00:00:01.000Z", "1970-01-01T00:00:01Z" },
	{ -1, "1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59Z" },
	{ -1000, "1969-12-31T23:59:59.000Z", "1969-12-31T23:59:59Z" },
	{ -1001, "1969-12-31T23:59:58.999Z", "1969-12-31T23:59:58Z" },
	{ 951782400000LL, "2000-02-29T00:00:00.000Z", "2000-02-29T00:00:00Z" },
	{ 1440938160000LL, "2015-08-30T12:36:00.000Z", "2015-08-30T12:36:00Z" },
	{ 1795499133123LL, "2026-11-24T05:45:33.123Z", "2026-11-24T05:45:33Z" },
	{ 4102444799999LL, "2099-12-31T23:59:59.999Z", "2099-12-31T23:59:59Z" },
	{ 253402300799000LL, "9999-12-31T23:59:59.000Z", "9999-12-31T23:59:59Z" },
};

START_TEST(test_time_format)
{
	char buf[64];
	int64_t back;

	ck_assert_int_eq(time_format_rfc3339_ms(format_cases[_i].ms, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, format_cases[_i].with_ms);
	ck_assert_int_eq(time_format_rfc3339(format_cases[_i].ms, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, format_cases[_i].secs);
	/* round trip */
	ck_assert_int_eq(time_parse_rfc3339(format_cases[_i].with_ms, &back), 0);
	ck_assert_int_eq(back, format_cases[_i].ms);
	/* exact sizes: 25 and 21 bytes */
	ck_assert_int_eq(time_format_rfc3339_ms(format_cases[_i].ms, buf, 25), 0);
	ck_assert_int_eq(time_format_rfc3339_ms(format_cases[_i].ms, buf, 24), -1);
	ck_assert_int_eq(time_format_rfc3339(format_cases[_i].ms, buf, 21), 0);
	ck_assert_int_eq(time_format_rfc3339(format_cases[_i].ms, buf, 20), -1);
}
END_TEST

static const struct {
	const char *s;
	int64_t ms;
} parse_ok_cases[] = {
	{ "2026-11-24T05:45:33Z", 1795499133000LL },
	{ "2026-11-24t05:45:33z", 1795499133000LL },
	{ "2026-11-24 05:45:33Z", 1795499133000LL },
	{ "2026-11-24T05:45:33.123Z", 1795499133123LL },
	{ "2026-11-24T05:45:33.1Z", 1795499133100LL },
	{ "2026-11-24T05:45:33.12Z", 1795499133120LL },
	{ "2026-11-24T05:45:33.123456789Z", 1795499133123LL }, /* truncated to ms */
	{ "2026-11-24T05:45:33.999999Z", 1795499133999LL },
	{ "2026-11-24T05:45:33+00:00", 1795499133000LL },
	{ "2026-11-24T05:45:33-00:00", 1795499133000LL },
	{ "2026-11-24T11:15:33+05:30", 1795499133000LL },
	{ "2026-11-23T21:45:33-08:00", 1795499133000LL },
	{ "2026-11-24T05:45:33.5+01:00", 1795495533500LL },
	{ "2026-11-24T00:00:00+23:59", 1795478400000LL - (23 * 60 + 59) * 60000LL },
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1969-12-31T23:59:59Z", -1000 },
	{ "1969-12-31T23:59:59.500Z", -500 },
	{ "2000-02-29T12:00:00Z", 951825600000LL },
	{ "2024-02-29T00:00:00Z", 1709164800000LL },
	{ "2016-12-31T23:59:60Z", 1483228799000LL },            /* leap second, held at :59 */
	{ "2026-04-30T00:00:00Z", 1777507200000LL },
};

START_TEST(test_time_parse_ok)
{
	int64_t ms = 12345;
	ck_assert_msg(time_parse_rfc3339(parse_ok_cases[_i].s, &ms) == 0, "%s rejected", parse_ok_cases[_i].s);
	ck_assert_int_eq(ms, parse_ok_cases[_i].ms);
}
END_TEST

/* A valid time whose epoch second is -1 must not be mistaken for timegm's error, whatever errno held. */
START_TEST(test_time_parse_minus_one_second)
{
	int64_t ms = 12345;
	errno = ERANGE;
	ck_assert_msg(time_parse_rfc3339("1969-12-31T23:59:59Z", &ms) == 0,
		      "1969-12-31T23:59:59Z rejected when errno was already set");
	ck_assert_int_eq(ms, -1000);
}
END_TEST

static const char *const parse_bad_cases[] = {
	"",
	"2026",
	"2026-11-24",
	"2026-11-24T05:45Z",
	"2026-11-24T05:45:33",          /* no offset */
	"2026-11-24T05:45:33+0530",     /* offset without colon */
	"2026-11-24T05:45:33+05",
	"2026-11-24T05:45:33+24:00",
	"2026-11-24T05:45:33+05:60",
	"2026-11-24T05:45:33.Z",        /* fraction without digits */
	"2026-11-24T05:45:33Zx",        /* trailing garbage */
	"2026-11-24T05:45:33Z ",
	" 2026-11-24T05:45:33Z",
	"2026-11-24X05:45:33Z",
	"2026/11/24T05:45:33Z",
	"26-11-24T05:45:33Z",
	"2026-1-24T05:45:33Z",
	"2026-11-24T5:45:33Z",
	"2026-00-24T05:45:33Z",
	"2026-13-24T05:45:33Z",
	"2026-11-00T05:45:33Z",
	"2026-11-31T05:45:33Z",         /* November has 30 days */
	"2026-04-31T00:00:00Z",
	"2026-01-32T00:00:00Z",
	"2026-02-30T00:00:00Z",
	"2025-02-29T00:00:00Z",         /* 2025 is not a leap year */
	"2100-02-29T00:00:00Z",         /* nor is 2100 */
	"2026-11-24T24:00:00Z",
	"2026-11-24T05:60:00Z",
	"2026-11-24T05:45:61Z",
	"2026-11-24T-5:45:33Z",
	"2026-11-24T05:45:33+-5:00",
	"2026-11-24T05:45:33 Z",
	"\xef\xbc\x92" "026-11-24T05:45:33Z", /* fullwidth digit */
	"2026-11-24T05:45:33\0Z",
};

START_TEST(test_time_parse_bad)
{
	int64_t ms = 12345;
	ck_assert_msg(time_parse_rfc3339(parse_bad_cases[_i], &ms) == -1, "'%s' accepted as %lld",
		      parse_bad_cases[_i], (long long)ms);
}
END_TEST

START_TEST(test_time_clocks)
{
	int64_t m1 = time_mono_ms(), m2, now = time_now_ms();
	volatile int stop = 0;
	m2 = time_mono_ms();
	ck_assert_int_ge(m2, m1);
	ck_assert_int_gt(now, 1577836800000LL); /* after 2020 */
	time_sleep_ms(0, &stop);
	time_sleep_ms(1, NULL);
	ck_assert_int_ge(time_mono_ms(), m2);
}
END_TEST

static Suite *common_suite(void)
{
	Suite *s = suite_create("common");
	TCase *tc;

	tc = tcase_create("strbuf");
	tcase_add_test(tc, test_strbuf_basic);
	tcase_add_test(tc, test_strbuf_nul_and_growth);
	tcase_add_test(tc, test_strbuf_addf);
	tcase_add_loop_test(tc, test_strbuf_json_string, 0, NELEM(json_string_cases));
	tcase_add_loop_test(tc, test_strbuf_html, 0, NELEM(html_cases));
	tcase_add_test(tc, test_strbuf_read_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("arena");
	tcase_add_test(tc, test_arena_alloc);
	tcase_add_test(tc, test_arena_strings);
	tcase_add_test(tc, test_arena_reset_cycles);
	tcase_add_test_raise_signal(tc, test_arena_overflow_aborts, SIGABRT);
	tcase_add_test_raise_signal(tc, test_arena_alloc_overflow_aborts, SIGABRT);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_loop_test(tc, test_config_ok, 0, NELEM(config_ok_cases));
	tcase_add_loop_test(tc, test_config_bad, 0, NELEM(config_bad_cases));
	tcase_add_test(tc, test_config_file);
	tcase_add_test(tc, test_config_env_wins);
	tcase_add_test(tc, test_config_set_many);
	tcase_add_loop_test(tc, test_config_get_long, 0, NELEM(long_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("timeutil");
	tcase_add_loop_test(tc, test_time_format, 0, NELEM(format_cases));
	tcase_add_loop_test(tc, test_time_parse_ok, 0, NELEM(parse_ok_cases));
	tcase_add_test(tc, test_time_parse_minus_one_second);
	tcase_add_loop_test(tc, test_time_parse_bad, 0, NELEM(parse_bad_cases));
	tcase_add_test(tc, test_time_clocks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(common_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
