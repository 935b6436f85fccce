/*
 * test_sigv4.c - common/sigv4 against the AWS SigV4 test suite
 * (shared/testdata/sigv4/, see its SOURCE.txt), a request signed by botocore,
 * and table-driven edge cases for the parser of untrusted Authorization headers.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/sigv4.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

/* SOURCE.txt: "34 cases", parameters "the suite assumes". */
#define SUITE_CASES 34
#define SUITE_AKID "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_REGION "us-east-1"
#define SUITE_SERVICE "service"
#define SUITE_TIME_MS 1440938160000LL /* 2015-08-30T12:36:00Z */
#define SUITE_TOKEN_VANILLA "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
#define SUITE_TOKEN_STS                                                                           \
	"AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXm" \
	"xfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy" \
	"0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64l" \
	"IZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
/* SOURCE.txt: this case's .sreq carries the get-vanilla signature; its .authz is right. */
#define SUITE_BAD_SREQ "get-vanilla-with-session-token"

#define MAX_CASES 256
#define MAX_RAW_HEADERS 64
#define MAX_FILE (1024 * 1024)

/* Discovered once in main, before Check forks. */
static char *case_dirs[MAX_CASES];
static size_t ncases;
static int discover_failed;
static struct strbuf discover_error = STRBUF_INIT;

/* ---- a raw HTTP request as the suite writes it ---- */

struct raw_req {
	struct strbuf method;
	struct strbuf target;
	struct strbuf names[MAX_RAW_HEADERS + SIGV4_MAX_ADDED];
	struct strbuf values[MAX_RAW_HEADERS + SIGV4_MAX_ADDED];
	size_t n;
	struct strbuf body;
	struct sigv4_header hdrs[MAX_RAW_HEADERS + SIGV4_MAX_ADDED];
};

static void raw_init(struct raw_req *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->method, 0);
	strbuf_init(&r->target, 0);
	strbuf_init(&r->body, 0);
	for (size_t i = 0; i < MAX_RAW_HEADERS + SIGV4_MAX_ADDED; i++) {
		strbuf_init(&r->names[i], 0);
		strbuf_init(&r->values[i], 0);
	}
}

static void raw_release(struct raw_req *r)
{
	strbuf_release(&r->method);
	strbuf_release(&r->target);
	strbuf_release(&r->body);
	for (size_t i = 0; i < MAX_RAW_HEADERS + SIGV4_MAX_ADDED; i++) {
		strbuf_release(&r->names[i]);
		strbuf_release(&r->values[i]);
	}
}

static void raw_add(struct raw_req *r, const char *name, const char *value)
{
	ck_assert_uint_lt(r->n, MAX_RAW_HEADERS + SIGV4_MAX_ADDED);
	strbuf_addstr(&r->names[r->n], name);
	strbuf_addstr(&r->values[r->n], value);
	r->n++;
}

/*
 * Parses "METHOD SP target SP HTTP/1.1 LF (header LF)* [LF body]". The target
 * may hold spaces (normalize-path/get-space), so it ends at the last space. A
 * line starting with SP/HT continues the previous value (obs-fold): it is kept
 * with its LF so that sigv4 does the folding (get-header-value-multiline).
 */
static int raw_parse(struct raw_req *r, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *eol, *sp1, *sp2;

	eol = memchr(p, '\n', len);
	if (!eol)
		eol = end;
	sp1 = memchr(p, ' ', (size_t)(eol - p));
	sp2 = eol;
	while (sp2 > p && sp2[-1] != ' ')
		sp2--;
	if (!sp1 || sp2 - 1 <= sp1 || (size_t)(eol - sp2) != 8 || memcmp(sp2, "HTTP/1.1", 8))
		return -1;
	strbuf_add(&r->method, p, (size_t)(sp1 - p));
	strbuf_add(&r->target, sp1 + 1, (size_t)(sp2 - 1 - sp1 - 1));
	p = eol < end ? eol + 1 : end;
	while (p < end) {
		const char *colon;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (eol == p) {
			strbuf_add(&r->body, eol + 1, (size_t)(end - eol - 1));
			break;
		}
		if (*p == ' ' || *p == '\t') {
			if (!r->n)
				return -1;
			strbuf_addch(&r->values[r->n - 1], '\n');
			strbuf_add(&r->values[r->n - 1], p, (size_t)(eol - p));
		} else {
			colon = memchr(p, ':', (size_t)(eol - p));
			if (!colon || r->n == MAX_RAW_HEADERS)
				return -1;
			strbuf_add(&r->names[r->n], p, (size_t)(colon - p));
			strbuf_add(&r->values[r->n], colon + 1, (size_t)(eol - colon - 1));
			r->n++;
		}
		p = eol < end ? eol + 1 : end;
	}
	return 0;
}

static struct sigv4_request raw_request(struct raw_req *r)
{
	struct sigv4_request req;
	for (size_t i = 0; i < r->n; i++) {
		r->hdrs[i].name = r->names[i].buf;
		r->hdrs[i].value = r->values[i].buf;
	}
	req.method = r->method.buf;
	req.target = r->target.buf;
	req.headers = r->hdrs;
	req.nheaders = r->n;
	req.body = r->body.buf;
	req.body_len = r->body.len;
	return req;
}

/* ---- helpers ---- */

static int test_lookup(void *arg, const char *akid, struct strbuf *secret)
{
	(void)arg;
	if (!strcmp(akid, SUITE_AKID)) {
		strbuf_addstr(secret, SUITE_SECRET);
		return 0;
	}
	if (!strcmp(akid, "AKIAIOSFODNN7EXAMPLE")) {
		strbuf_addstr(secret, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
		return 0;
	}
	if (!strcmp(akid, "ERRORKEY"))
		return -1;
	return 1;
}

static const struct sigv4_verifier suite_verifier = {
	.region = SUITE_REGION,
	.service = SUITE_SERVICE,
	.max_skew_ms = 0,
	.lookup = test_lookup,
	.lookup_arg = NULL,
};

static void assert_bytes(const char *what, const char *got, size_t got_len, const struct strbuf *want)
{
	ck_assert_msg(got_len == want->len && memcmp(got, want->buf, got_len) == 0,
		      "%s differs\n--- got (%zu bytes) ---\n%.*s\n--- want (%zu bytes) ---\n%.*s", what,
		      got_len, (int)got_len, got, want->len, (int)want->len, want->buf);
}

static const char *shared_dir(struct strbuf *tmp)
{
	const char *s = getenv("SPOT_SHARED_DIR");
	if (s && *s)
		return s;
	s = getenv("SPOT_SOURCE_DIR");
	if (!s || !*s)
		return NULL;
	strbuf_addf(tmp, "%s/../shared", s);
	return tmp->buf;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A case directory D holds D/basename(D).req; cases may be nested
 * (normalize-path/, post-sts-token/). */
static void discover(const char *dir, int depth)
{
	struct strbuf path = STRBUF_INIT;
	const char *base = strrchr(dir, '/');
	struct dirent *de;
	struct stat st;
	DIR *d;

	base = base ? base + 1 : dir;
	strbuf_addf(&path, "%s/%s.req", dir, base);
	if (stat(path.buf, &st) == 0) {
		if (ncases == MAX_CASES) {
			discover_failed = 1;
			strbuf_addstr(&discover_error, "too many cases\n");
		} else {
			case_dirs[ncases++] = xstrdup(dir);
		}
	}
	if (depth > 4)
		goto out;
	d = opendir(dir);
	if (!d) {
		discover_failed = 1;
		strbuf_addf(&discover_error, "cannot open %s: %s\n", dir, strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, de->d_name);
		if (is_dir(path.buf))
			discover(path.buf, depth + 1);
	}
	closedir(d);
out:
	strbuf_release(&path);
}

static void read_case_file(const char *dir, const char *ext, struct strbuf *sb)
{
	struct strbuf path = STRBUF_INIT;
	const char *base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	strbuf_addf(&path, "%s/%s.%s", dir, base, ext);
	ck_assert_msg(strbuf_read_file(sb, path.buf, MAX_FILE) == 0, "cannot read %s: %s", path.buf,
		      strerror(errno));
	strbuf_release(&path);
}

/* ---- the suite ---- */

START_TEST(test_suite_found)
{
	ck_assert_msg(!discover_failed, "discovery failed: %s", discover_error.buf);
	ck_assert_msg(ncases >= SUITE_CASES, "found %zu SigV4 suite cases, expected %d (%s)", ncases,
		      SUITE_CASES, discover_error.buf);
}
END_TEST

static int next_alnum(const char *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			return (int)i;
	}
	return -1;
}

static char alter(char c)
{
	return c == 'z' ? 'y' : c == 'Z' ? 'Y' : c == '9' ? '8' : (char)(c + 1);
}

static void expect_status(const struct sigv4_request *req, int64_t now, enum sigv4_status want,
			  const char *what)
{
	struct sigv4_verification v;
	sigv4_verification_init(&v);
	sigv4_verify(&suite_verifier, req, now, &v);
	ck_assert_msg(v.status == want, "%s: got %s (%s), want %s", what, sigv4_status_name(v.status),
		      v.reason, sigv4_status_name(want));
	sigv4_verification_release(&v);
}

/* One byte changed in a signed part of the request must be a mismatch. */
static void check_alterations(struct raw_req *r, const struct strbuf *signed_list, const char *name)
{
	struct sigv4_request req;
	struct strbuf what = STRBUF_INIT;
	size_t qpos = strcspn(r->target.buf, "?");
	int pos;

	/* method */
	r->method.buf[0] = alter(r->method.buf[0]);
	req = raw_request(r);
	expect_status(&req, SUITE_TIME_MS, SIGV4_MISMATCH, "altered method");
	r->method.buf[0] = (char)(r->method.buf[0] - 1);

	/* path, then query */
	for (int part = 0; part < 2; part++) {
		size_t from = part ? qpos + 1 : 0, to = part ? r->target.len : qpos;
		if (from > to || (pos = next_alnum(r->target.buf, from, to)) < 0)
			continue;
		struct strbuf before = STRBUF_INIT, after = STRBUF_INIT;
		char old = r->target.buf[pos];
		ck_assert_int_eq(sigv4_canonical_uri(&before, r->target.buf), 0);
		r->target.buf[pos] = alter(old);
		ck_assert_int_eq(sigv4_canonical_uri(&after, r->target.buf), 0);
		req = raw_request(r);
		strbuf_reset(&what);
		strbuf_addf(&what, "%s: altered target %s", name, r->target.buf);
		/* a segment that ".." removes does not count (normalize-path/get-relative) */
		expect_status(&req, SUITE_TIME_MS,
			      part || strcmp(before.buf, after.buf) ? SIGV4_MISMATCH : SIGV4_OK, what.buf);
		r->target.buf[pos] = old;
		strbuf_release(&before);
		strbuf_release(&after);
	}

	/* body */
	if (r->body.len) {
		char old = r->body.buf[r->body.len - 1];
		r->body.buf[r->body.len - 1] = (char)(old ^ 0x01);
		req = raw_request(r);
		expect_status(&req, SUITE_TIME_MS, SIGV4_MISMATCH, "altered body");
		r->body.buf[r->body.len - 1] = old;
	}

	/* every signed header value; the signature itself */
	for (size_t i = 0; i < r->n; i++) {
		struct strbuf lower = STRBUF_INIT;
		char old;
		for (size_t k = 0; k < r->names[i].len; k++) {
			char c = r->names[i].buf[k];
			strbuf_addch(&lower, c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		if (!strcmp(lower.buf, "authorization")) {
			pos = (int)r->values[i].len - 1;
			old = r->values[i].buf[pos];
			r->values[i].buf[pos] = old == '0' ? '1' : '0';
		} else {
			struct strbuf needle = STRBUF_INIT;
			int is_signed;
			strbuf_addf(&needle, ";%s;", lower.buf);
			struct strbuf hay = STRBUF_INIT;
			strbuf_addf(&hay, ";%s;", signed_list->buf);
			is_signed = strstr(hay.buf, needle.buf) != NULL;
			strbuf_release(&needle);
			strbuf_release(&hay);
			if (!is_signed) {
				strbuf_release(&lower);
				continue;
			}
			/* the seconds of X-Amz-Date: same day, within the skew */
			pos = !strcmp(lower.buf, "x-amz-date")
				      ? (int)strcspn(r->values[i].buf, "Z") - 1
				      : next_alnum(r->values[i].buf, 0, r->values[i].len);
			ck_assert_int_ge(pos, 0);
			old = r->values[i].buf[pos];
			r->values[i].buf[pos] = alter(old);
		}
		req = raw_request(r);
		strbuf_reset(&what);
		strbuf_addf(&what, "%s: altered header %s", name, r->names[i].buf);
		expect_status(&req, SUITE_TIME_MS, SIGV4_MISMATCH, what.buf);
		r->values[i].buf[pos] = old;
		strbuf_release(&lower);
	}
	strbuf_release(&what);
}

START_TEST(test_suite_case)
{
	const char *dir = case_dirs[_i];
	const char *name = strrchr(dir, '/') + 1;
	struct strbuf req_raw = STRBUF_INIT, creq = STRBUF_INIT, sts = STRBUF_INIT;
	struct strbuf authz = STRBUF_INIT, sreq_raw = STRBUF_INIT;
	struct raw_req r, sr;
	struct sigv4_request req;
	struct sigv4_credentials cred = { SUITE_AKID, SUITE_SECRET, NULL };
	struct sigv4_signing s;
	struct sigv4_verification v;
	unsigned flags = 0;

	read_case_file(dir, "req", &req_raw);
	read_case_file(dir, "creq", &creq);
	read_case_file(dir, "sts", &sts);
	read_case_file(dir, "authz", &authz);
	read_case_file(dir, "sreq", &sreq_raw);
	raw_init(&r);
	raw_init(&sr);
	ck_assert_msg(raw_parse(&r, req_raw.buf, req_raw.len) == 0, "%s: cannot parse .req", name);
	ck_assert_msg(raw_parse(&sr, sreq_raw.buf, sreq_raw.len) == 0, "%s: cannot parse .sreq", name);

	if (!strcmp(name, "get-vanilla-with-session-token"))
		cred.session_token = SUITE_TOKEN_VANILLA;
	if (strstr(dir, "/post-sts-token/"))
		cred.session_token = SUITE_TOKEN_STS;
	if (!strcmp(name, "post-sts-header-after"))
		flags |= SIGV4_TOKEN_UNSIGNED;

	/* sign: canonical request, string to sign, Authorization */
	sigv4_signing_init(&s);
	req = raw_request(&r);
	ck_assert_msg(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, SUITE_TIME_MS, flags, &s) == 0,
		      "%s: sigv4_sign failed", name);
	assert_bytes(name, s.canonical_request.buf, s.canonical_request.len, &creq);
	assert_bytes(name, s.string_to_sign.buf, s.string_to_sign.len, &sts);
	assert_bytes(name, s.authorization.buf, s.authorization.len, &authz);

	/* the request as sent = .req + the added headers; it matches .sreq */
	for (size_t i = 0; i < s.nadd; i++)
		raw_add(&r, s.add[i].name, s.add[i].value);
	ck_assert_uint_eq(r.n, sr.n);
	for (size_t i = 0; i < r.n; i++) {
		const char *want = sr.values[i].buf;
		ck_assert_str_eq(r.names[i].buf, sr.names[i].buf);
		if (!strcmp(r.names[i].buf, "Authorization")) {
			ck_assert_int_eq(*want, ' '); /* "Authorization: AWS4-..." */
			want++;
			if (!strcmp(name, SUITE_BAD_SREQ))
				continue;
		}
		ck_assert_str_eq(r.values[i].buf, want);
	}
	assert_bytes(name, r.body.buf, r.body.len, &sr.body);

	/* verify what we signed, with the intermediate products */
	sigv4_verification_init(&v);
	req = raw_request(&r);
	ck_assert_msg(sigv4_verify(&suite_verifier, &req, SUITE_TIME_MS, &v) == SIGV4_OK,
		      "%s: verify: %s (%s)", name, sigv4_status_name(v.status), v.reason);
	assert_bytes(name, v.canonical_request.buf, v.canonical_request.len, &creq);
	assert_bytes(name, v.string_to_sign.buf, v.string_to_sign.len, &sts);
	ck_assert_str_eq(v.access_key_id, SUITE_AKID);
	if (cred.session_token)
		ck_assert_str_eq(v.session_token, cred.session_token);
	else
		ck_assert_ptr_null(v.session_token);
	sigv4_verification_release(&v);

	/* verify the suite's own signed request */
	req = raw_request(&sr);
	expect_status(&req, SUITE_TIME_MS, strcmp(name, SUITE_BAD_SREQ) ? SIGV4_OK : SIGV4_MISMATCH,
		      name);

	check_alterations(&r, &s.signed_headers, name);

	sigv4_signing_release(&s);
	raw_release(&r);
	raw_release(&sr);
	strbuf_release(&req_raw);
	strbuf_release(&creq);
	strbuf_release(&sts);
	strbuf_release(&authz);
	strbuf_release(&sreq_raw);
}
END_TEST

/* ---- botocore ---- */

/*
 * Recorded with Debian python3-botocore 1.29.27 (/usr/bin/python3,
 * botocore.auth.SigV4Auth(creds, "ec2", "us-east-1").add_auth, utcnow patched
 * to 2026-11-24T05:45:33Z) for POST https://ec2.us-east-1.amazonaws.com/ with
 * the body below and that Content-Type; botocore adds Host from the URL.
 */
#define BOTO_AKID "AKIAIOSFODNN7EXAMPLE"
#define BOTO_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define BOTO_TOKEN "FQoGZXIvYXdzEXAMPLETOKEN+/="
#define BOTO_TIME_MS 1795499133000LL
#define BOTO_BODY "Action=DescribeSpotPriceHistory&Version=2016-11-15"

static const struct {
	const char *token;
	const char *creq;
	const char *sts;
	const char *authz;
} boto_cases[] = {
	{ BOTO_TOKEN,
	  "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\n"
	  "host:ec2.us-east-1.amazonaws.com\nx-amz-date:20261124T054533Z\n"
	  "x-amz-security-token:FQoGZXIvYXdzEXAMPLETOKEN+/=\n\n"
	  "content-type;host;x-amz-date;x-amz-security-token\n"
	  "162e2e30472b368c42f05a506ff70ff0d7c45f9ed1a026ecd3ddb2bf4b2aaa25",
	  "AWS4-HMAC-SHA256\n20261124T054533Z\n20261124/us-east-1/ec2/aws4_request\n"
	  "ad326ca3c14b212be092a652776d3efc995a8f193ae0df5e42f1b838af571a5a",
	  "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261124/us-east-1/ec2/aws4_request, "
	  "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
	  "Signature=a167824cb7cc9874b3cc1debad9c579b91d8efd2356cc92b8166cc6a8aa9cc22" },
	{ NULL,
	  "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf-8\n"
	  "host:ec2.us-east-1.amazonaws.com\nx-amz-date:20261124T054533Z\n\n"
	  "content-type;host;x-amz-date\n"
	  "162e2e30472b368c42f05a506ff70ff0d7c45f9ed1a026ecd3ddb2bf4b2aaa25",
	  "AWS4-HMAC-SHA256\n20261124T054533Z\n20261124/us-east-1/ec2/aws4_request\n"
	  "f1f842b3f483ad3926b39e1422216324944cfa5cfaf5a388b4daac372f595433",
	  "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261124/us-east-1/ec2/aws4_request, "
	  "SignedHeaders=content-type;host;x-amz-date, "
	  "Signature=29e0c1011f271efa66710074839972d8589b6d28a1ab549d3600536fbdf8d278" },
};

START_TEST(test_botocore_ec2)
{
	struct sigv4_header hdrs[2 + SIGV4_MAX_ADDED] = {
		{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
		{ "Host", "ec2.us-east-1.amazonaws.com" },
	};
	struct sigv4_request req = { "POST", "/", hdrs, 2, BOTO_BODY, strlen(BOTO_BODY) };
	struct sigv4_credentials cred = { BOTO_AKID, BOTO_SECRET, boto_cases[_i].token };
	struct sigv4_verifier ver = { "us-east-1", "ec2", 0, test_lookup, NULL };
	struct sigv4_verification v;
	struct sigv4_signing s;
	size_t k = 0;

	sigv4_signing_init(&s);
	ck_assert_int_eq(sigv4_sign(&req, &cred, "us-east-1", "ec2", BOTO_TIME_MS, 0, &s), 0);
	ck_assert_str_eq(s.canonical_request.buf, boto_cases[_i].creq);
	ck_assert_str_eq(s.string_to_sign.buf, boto_cases[_i].sts);
	ck_assert_str_eq(s.authorization.buf, boto_cases[_i].authz);
	ck_assert_uint_eq(s.nadd, boto_cases[_i].token ? 3 : 2);
	ck_assert_str_eq(s.add[k].name, "X-Amz-Date");
	ck_assert_str_eq(s.add[k++].value, "20261124T054533Z");
	if (boto_cases[_i].token) {
		ck_assert_str_eq(s.add[k].name, "X-Amz-Security-Token");
		ck_assert_str_eq(s.add[k++].value, BOTO_TOKEN);
	}
	ck_assert_str_eq(s.add[k].name, "Authorization");
	ck_assert_str_eq(s.add[k].value, boto_cases[_i].authz);

	for (size_t i = 0; i < s.nadd; i++)
		hdrs[req.nheaders++] = s.add[i];
	sigv4_verification_init(&v);
	ck_assert_int_eq(sigv4_verify(&ver, &req, BOTO_TIME_MS + 60000, &v), SIGV4_OK);
	sigv4_verification_release(&v);
	/* the simulator would refuse a request for another region */
	ver.region = "eu-west-1";
	ck_assert_int_eq(sigv4_verify(&ver, &req, BOTO_TIME_MS, &v), SIGV4_BAD_SCOPE);
	sigv4_verification_release(&v);
	sigv4_signing_release(&s);
}
END_TEST

/* ---- canonical URI and query ---- */

static const struct {
	const char *target, *uri, *query;
} canon_cases[] = {
	{ "", "/", "" },
	{ "/", "/", "" },
	{ "//", "/", "" },
	{ "/a/b/../c", "/a/c", "" },
	{ "/../../x", "/x", "" },
	{ "/a/./b/", "/a/b/", "" },
	{ "/a/b/.", "/a/b", "" },
	{ "/a/b/..", "/a", "" },
	{ "/a/..b/.c", "/a/..b/.c", "" },
	{ "a/b", "/a/b", "" },
	{ "/a b", "/a%20b", "" },
	{ "/a%20b", "/a%2520b", "" }, /* wire form re-encoded (non-S3 "encode twice") */
	{ "/a+b/~u/$", "/a%2Bb/~u/%24", "" },
	{ "/?", "/", "" },
	{ "/?b=2&a=1", "/", "a=1&b=2" },
	{ "/?a=2&a=1&a=10", "/", "a=1&a=10&a=2" },
	{ "/?a", "/", "a=" },
	{ "/?a=&b", "/", "a=&b=" },
	{ "/?a=b=c", "/", "a=b%3Dc" },
	{ "/?a=%2f%2F", "/", "a=%2F%2F" },
	{ "/?a=x y", "/", "a=x%20y" },
	{ "/?a=x+y", "/", "a=x%2By" },
	{ "/?a=%zz&b=%4", "/", "a=%25zz&b=%254" },
	{ "/?%41=%7e", "/", "A=~" },
	{ "/?&&a=1&", "/", "a=1" },
	{ "/?=", "/", "=" },
	{ "/?a=%00", "/", "a=%00" },
	{ "/p?Action=DescribeSpotPriceHistory&Version=2016-11-15", "/p",
	  "Action=DescribeSpotPriceHistory&Version=2016-11-15" },
};

START_TEST(test_canonical_uri_query)
{
	struct strbuf sb = STRBUF_INIT;
	ck_assert_int_eq(sigv4_canonical_uri(&sb, canon_cases[_i].target), 0);
	ck_assert_str_eq(sb.buf, canon_cases[_i].uri);
	strbuf_reset(&sb);
	ck_assert_int_eq(sigv4_canonical_query(&sb, canon_cases[_i].target), 0);
	ck_assert_str_eq(sb.buf, canon_cases[_i].query);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_canonical_limits)
{
	struct strbuf sb = STRBUF_INIT, big = STRBUF_INIT;
	struct sigv4_header h[2] = { { "Host", "h" }, { "X", "v" } };
	struct sigv4_request req = { "GET", "/", h, 2, NULL, 0 };

	/* too long a path, too many query parameters */
	strbuf_addch(&big, '/');
	for (int i = 0; i < SIGV4_MAX_TARGET_LEN; i++)
		strbuf_addch(&big, 'a');
	ck_assert_int_eq(sigv4_canonical_uri(&sb, big.buf), -1);
	strbuf_reset(&big);
	strbuf_addch(&big, '?');
	for (int i = 0; i < SIGV4_MAX_QUERY_PARAMS; i++)
		strbuf_addstr(&big, "a&");
	ck_assert_int_eq(sigv4_canonical_query(&sb, big.buf), -1);

	/* a signed list that is not sorted, unique and lowercase */
	ck_assert_int_eq(sigv4_canonical_request(&sb, &req, "x;host", NULL, NULL), -1);
	ck_assert_int_eq(sigv4_canonical_request(&sb, &req, "host;host", NULL, NULL), -1);
	ck_assert_int_eq(sigv4_canonical_request(&sb, &req, "Host", NULL, NULL), -1);
	ck_assert_int_eq(sigv4_canonical_request(&sb, &req, "", NULL, NULL), -1);
	ck_assert_uint_eq(sb.len, 0);
	/* a signed header that is absent signs as "name:" */
	ck_assert_int_eq(sigv4_canonical_request(&sb, &req, "host;y", NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(sb.buf, "\nhost:h\ny:\n\nhost;y\n"));
	/* "x" is not a prefix match for "xy" */
	strbuf_reset(&sb);
	h[1].name = "Xy";
	ck_assert_int_eq(sigv4_canonical_request(&sb, &req, "host;x", NULL, NULL), 0);
	ck_assert_ptr_nonnull(strstr(sb.buf, "\nx:\n"));
	/* bad method, bad header name */
	req.method = "GE T";
	ck_assert_int_eq(sigv4_canonical_request(&sb, &req, NULL, NULL, NULL), -1);
	req.method = "GET";
	h[1].name = "Bad Name";
	ck_assert_int_eq(sigv4_canonical_request(&sb, &req, NULL, NULL, NULL), -1);
	strbuf_release(&sb);
	strbuf_release(&big);
}
END_TEST

/* ---- dates ---- */

static const struct {
	const char *s;
	int ok;
	int64_t ms;
} date_cases[] = {
	{ "20150830T123600Z", 1, SUITE_TIME_MS },
	{ "19700101T000000Z", 1, 0 },
	{ "20160229T235959Z", 1, 1456790399000LL },
	{ "20000229T000000Z", 1, 951782400000LL },
	{ "20150229T000000Z", 0, 0 },
	{ "21000229T000000Z", 0, 0 },
	{ "20151301T000000Z", 0, 0 },
	{ "20150001T000000Z", 0, 0 },
	{ "20150100T000000Z", 0, 0 },
	{ "20150830T243600Z", 0, 0 },
	{ "20150830T126000Z", 0, 0 },
	{ "20150830T123660Z", 0, 0 },
	{ "19691231T235959Z", 0, 0 },
	{ "20150830T123600", 0, 0 },
	{ "20150830T123600ZZ", 0, 0 },
	{ "20150830 123600Z", 0, 0 },
	{ "2015-08-30T12:36:00Z", 0, 0 },
	{ "2015083OT123600Z", 0, 0 },
	{ "+0150830T123600Z", 0, 0 },
	{ "", 0, 0 },
};

START_TEST(test_amz_date)
{
	int64_t ms = -1;
	char buf[SIGV4_AMZ_DATE_LEN + 1];
	int rc = sigv4_parse_amz_date(date_cases[_i].s, &ms);
	ck_assert_msg(rc == (date_cases[_i].ok ? 0 : -1), "%s", date_cases[_i].s);
	if (date_cases[_i].ok) {
		ck_assert_int_eq(ms, date_cases[_i].ms);
		ck_assert_int_eq(sigv4_format_amz_date(ms + 999, buf), 0);
		ck_assert_str_eq(buf, date_cases[_i].s);
	}
}
END_TEST

/* ---- verification edge cases ---- */

#define V_SIG "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
#define V_CRED "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
#define V_SH "SignedHeaders=host;x-amz-date"
#define V_GOOD "AWS4-HMAC-SHA256 " V_CRED ", " V_SH ", Signature=" V_SIG

static const struct {
	const char *authz;
	enum sigv4_status want;
} authz_cases[] = {
	{ V_GOOD, SIGV4_OK },
	{ "  AWS4-HMAC-SHA256   " V_CRED " ,  " V_SH ",Signature=" V_SIG "  ", SIGV4_OK },
	{ "AWS4-HMAC-SHA256 Signature=" V_SIG ", " V_SH ", " V_CRED, SIGV4_OK },
	{ "AWS4-HMAC-SHA256\t" V_CRED ",\t" V_SH ", Signature=" V_SIG, SIGV4_OK },
	{ "", SIGV4_MALFORMED },
	{ " ", SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256", SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 ", SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 ,", SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256" V_CRED ", " V_SH ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA1 " V_CRED ", " V_SH ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "aws4-hmac-sha256 " V_CRED ", " V_SH ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS AKIDEXAMPLE:c2lnbmF0dXJl", SIGV4_MALFORMED },
	{ "Bearer abc", SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_SH ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", " V_SH, SIGV4_MALFORMED },
	{ V_GOOD ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ V_GOOD ", " V_CRED, SIGV4_MALFORMED },
	{ V_GOOD ",", SIGV4_MALFORMED },
	{ V_GOOD ", ", SIGV4_MALFORMED },
	{ V_GOOD ", Foo=bar", SIGV4_MALFORMED },
	{ V_GOOD " x", SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ",, " V_SH ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential, " V_SH ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential=, " V_SH ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential =AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service, " V_SH
	  ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request/x, " V_SH
	  ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request/, " V_SH
	  ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_requesu, " V_SH
	  ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential=/20150830/us-east-1/service/aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential=AKID+EXAMPLE/20150830/us-east-1/service/aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015083/us-east-1/service/aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/2015083x/us-east-1/service/aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/US-EAST-1/service/aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1//aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEX"
	  "AMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLEAKIDEXAMPLE/20150830/us-eas"
	  "t-1/service/aws4_request, " V_SH ", Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", SignedHeaders=, Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", SignedHeaders=host;x-amz-date;, Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", SignedHeaders=;host;x-amz-date, Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", SignedHeaders=host;;x-amz-date, Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", SignedHeaders=x-amz-date;host, Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", SignedHeaders=Host;x-amz-date, Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", SignedHeaders=host;host;x-amz-date, Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", SignedHeaders=host; x-amz-date, Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", SignedHeaders=ho(st;x-amz-date, Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", SignedHeaders=x-amz-date, Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", SignedHeaders=host, Signature=" V_SIG, SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", " V_SH ", Signature=", SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", " V_SH ", Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a"
	  "2260956d9b8aae1d763fbf3", SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", " V_SH ", Signature=" V_SIG "0", SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", " V_SH ", Signature=5FA00FA31553B73EBF1942676E86291E8372FF2A"
	  "2260956D9B8AAE1D763FBF31", SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", " V_SH ", Signature=gfa00fa31553b73ebf1942676e86291e8372ff2a"
	  "2260956d9b8aae1d763fbf31", SIGV4_MALFORMED },
	{ "AWS4-HMAC-SHA256 " V_CRED ", " V_SH ", Signature=" V_SIG "\xff", SIGV4_MALFORMED },
	{ "\xff\xfe\x01\x7f", SIGV4_MALFORMED },
	/* well formed, but wrong */
	{ "AWS4-HMAC-SHA256 " V_CRED ", " V_SH ", Signature=4fa00fa31553b73ebf1942676e86291e8372ff2a"
	  "2260956d9b8aae1d763fbf31", SIGV4_MISMATCH },
	{ "AWS4-HMAC-SHA256 " V_CRED ", SignedHeaders=host;my-header;x-amz-date, Signature=" V_SIG,
	  SIGV4_MISMATCH },
	{ "AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN/20150830/us-east-1/service/aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_UNKNOWN_KEY },
	{ "AWS4-HMAC-SHA256 Credential=ERRORKEY/20150830/us-east-1/service/aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_ERROR },
	{ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-west-2/service/aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_BAD_SCOPE },
	{ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/ec2/aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_BAD_SCOPE },
	{ "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150831/us-east-1/service/aws4_request, " V_SH
	  ", Signature=" V_SIG, SIGV4_BAD_SCOPE },
};

START_TEST(test_verify_authz)
{
	struct sigv4_header h[] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
		{ "Authorization", authz_cases[_i].authz },
	};
	struct sigv4_request req = { "GET", "/", h, 3, NULL, 0 };
	struct sigv4_verification v;

	sigv4_verification_init(&v);
	ck_assert_msg(sigv4_verify(&suite_verifier, &req, SUITE_TIME_MS, &v) == authz_cases[_i].want,
		      "[%d] %s: got %s (%s), want %s", _i, authz_cases[_i].authz,
		      sigv4_status_name(v.status), v.reason, sigv4_status_name(authz_cases[_i].want));
	ck_assert_ptr_nonnull(v.reason);
	sigv4_verification_release(&v);
}
END_TEST

START_TEST(test_verify_long_header)
{
	struct strbuf big = STRBUF_INIT;
	struct sigv4_header h[] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
		{ "Authorization", NULL },
	};
	struct sigv4_request req = { "GET", "/", h, 3, NULL, 0 };

	strbuf_addstr(&big, V_GOOD);
	while (big.len <= SIGV4_MAX_AUTHORIZATION_LEN)
		strbuf_addch(&big, ' ');
	h[2].value = big.buf;
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "authorization too long");
	/* a signed header value beyond the limit */
	strbuf_reset(&big);
	for (int i = 0; i <= SIGV4_MAX_HEADER_VALUE_LEN; i++)
		strbuf_addch(&big, 'a');
	h[0].value = big.buf;
	h[2].value = V_GOOD;
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "host too long");
	strbuf_release(&big);
}
END_TEST

/* Request-level cases around a correctly signed get-vanilla. */
START_TEST(test_verify_request)
{
	struct sigv4_header h[SIGV4_MAX_HEADERS + 2];
	struct sigv4_request req = { "GET", "/", h, 3, NULL, 0 };
	struct sigv4_verification v;

	h[0] = (struct sigv4_header){ "Host", "example.amazonaws.com" };
	h[1] = (struct sigv4_header){ "X-Amz-Date", "20150830T123600Z" };
	h[2] = (struct sigv4_header){ "Authorization", V_GOOD };
	expect_status(&req, SUITE_TIME_MS, SIGV4_OK, "control");

	/* header names are case-insensitive; date and authz values trimmed */
	h[0].name = "HOST";
	h[1] = (struct sigv4_header){ "x-amz-date", "  20150830T123600Z\t" };
	h[2].name = "authorization";
	expect_status(&req, SUITE_TIME_MS, SIGV4_OK, "case and spaces");
	h[0].name = "Host";
	h[1] = (struct sigv4_header){ "X-Amz-Date", "20150830T123600Z" };
	h[2].name = "Authorization";

	req.nheaders = 2;
	expect_status(&req, SUITE_TIME_MS, SIGV4_MISSING, "no authorization");
	req.nheaders = 0;
	expect_status(&req, SUITE_TIME_MS, SIGV4_MISSING, "no headers");

	req.nheaders = 4;
	h[3] = h[2];
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "two authorization headers");
	h[3] = (struct sigv4_header){ "X-Amz-Date", "20150830T123600Z" };
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "two dates");
	h[3] = (struct sigv4_header){ "X-Amz-Security-Token", "a" };
	expect_status(&req, SUITE_TIME_MS, SIGV4_OK, "unsigned token");
	sigv4_verification_init(&v);
	ck_assert_int_eq(sigv4_verify(&suite_verifier, &req, SUITE_TIME_MS, &v), SIGV4_OK);
	ck_assert_str_eq(v.session_token, "a");
	sigv4_verification_release(&v);
	h[4] = h[3];
	req.nheaders = 5;
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "two tokens");
	req.nheaders = 3;

	h[1].value = "20150830T123660Z";
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "bad date");
	h[1].value = "Sun, 30 Aug 2015 12:36:00 GMT";
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "http date");
	h[1].value = "";
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "empty date");
	h[1].name = "Date";
	h[1].value = "20150830T123600Z";
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "no x-amz-date");
	h[1].name = "X-Amz-Date";
	h[1].value = "20150830T123601Z";
	expect_status(&req, SUITE_TIME_MS, SIGV4_MISMATCH, "another second");
	h[1].value = "20150831T000000Z";
	expect_status(&req, SUITE_TIME_MS, SIGV4_BAD_SCOPE, "next day");
	h[1].value = "20150830T130000Z";
	expect_status(&req, SUITE_TIME_MS, SIGV4_EXPIRED, "24 minutes later");
	h[1].value = "20150830T123600Z";

	/* a NULL header entry never crashes */
	h[2].value = NULL;
	expect_status(&req, SUITE_TIME_MS, SIGV4_MISSING, "null authorization value");
	h[2].value = V_GOOD;
	h[3] = (struct sigv4_header){ NULL, "x" };
	req.nheaders = 4;
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "null header name");

	/* too many headers */
	for (size_t i = 3; i < SIGV4_MAX_HEADERS + 1; i++)
		h[i] = (struct sigv4_header){ "X-Pad", "1" };
	req.nheaders = SIGV4_MAX_HEADERS + 1;
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "too many headers");
	req.nheaders = 3;

	/* bad method or a NULL target */
	req.method = "";
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "empty method");
	req.method = "GET";
	req.target = NULL;
	expect_status(&req, SUITE_TIME_MS, SIGV4_MALFORMED, "no target");
	req.target = "/";

	/* one more byte of body, path or query */
	req.body = "x";
	req.body_len = 1;
	expect_status(&req, SUITE_TIME_MS, SIGV4_MISMATCH, "body");
	req.body = NULL;
	req.body_len = 0;
	req.target = "/?";
	expect_status(&req, SUITE_TIME_MS, SIGV4_OK, "empty query");
	req.target = "/?a";
	expect_status(&req, SUITE_TIME_MS, SIGV4_MISMATCH, "query");
	req.target = "//./";
	expect_status(&req, SUITE_TIME_MS, SIGV4_OK, "same path");

	/* no lookup callback */
	{
		struct sigv4_verifier none = { NULL, NULL, 0, NULL, NULL };
		sigv4_verification_init(&v);
		ck_assert_int_eq(sigv4_verify(&none, &req, SUITE_TIME_MS, &v), SIGV4_ERROR);
		sigv4_verification_release(&v);
	}
}
END_TEST

static const struct {
	int64_t offset_ms;
	int64_t max_skew_ms;
	enum sigv4_status want;
} skew_cases[] = {
	{ 0, 0, SIGV4_OK },
	{ 300000, 0, SIGV4_OK },
	{ -300000, 0, SIGV4_OK },
	{ 300001, 0, SIGV4_EXPIRED },
	{ -300001, 0, SIGV4_EXPIRED },
	{ 86400000, 0, SIGV4_EXPIRED },
	{ -86400000, 0, SIGV4_EXPIRED },
	{ 900000, 3600000, SIGV4_OK },
	{ 2000, 1000, SIGV4_EXPIRED },
	{ INT64_MAX / 2, 0, SIGV4_EXPIRED },
	{ -SUITE_TIME_MS - 1, 0, SIGV4_EXPIRED },
};

START_TEST(test_verify_skew)
{
	struct sigv4_header h[] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
		{ "Authorization", V_GOOD },
	};
	struct sigv4_request req = { "GET", "/", h, 3, NULL, 0 };
	struct sigv4_verifier ver = suite_verifier;
	struct sigv4_verification v;

	ver.max_skew_ms = skew_cases[_i].max_skew_ms;
	sigv4_verification_init(&v);
	ck_assert_int_eq(sigv4_verify(&ver, &req, SUITE_TIME_MS + skew_cases[_i].offset_ms, &v),
			 skew_cases[_i].want);
	ck_assert_int_eq(v.request_time_ms, SUITE_TIME_MS);
	sigv4_verification_release(&v);
	/* the extremes of now never overflow */
	ck_assert_int_eq(sigv4_verify(&ver, &req, INT64_MAX, &v), SIGV4_EXPIRED);
	ck_assert_int_eq(sigv4_verify(&ver, &req, INT64_MIN, &v), SIGV4_EXPIRED);
	sigv4_verification_release(&v);
}
END_TEST

/* ---- signing ---- */

START_TEST(test_sign_roundtrip)
{
	struct sigv4_header h[2 + SIGV4_MAX_ADDED] = {
		{ "Host", "ec2.us-east-1.amazonaws.com" },
		{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
	};
	struct sigv4_request req = { "POST", "/", h, 2, BOTO_BODY, strlen(BOTO_BODY) };
	struct sigv4_credentials cred = { BOTO_AKID, BOTO_SECRET, BOTO_TOKEN };
	struct sigv4_verifier ver = { "us-east-1", "ec2", 0, test_lookup, NULL };
	struct sigv4_verification v;
	struct sigv4_signing s;
	int64_t now = 1795499133123LL;

	for (unsigned flags = 0; flags <= SIGV4_TOKEN_UNSIGNED; flags++) {
		req.nheaders = 2;
		sigv4_signing_init(&s);
		ck_assert_int_eq(sigv4_sign(&req, &cred, "us-east-1", "ec2", now, flags, &s), 0);
		ck_assert_str_eq(s.signed_headers.buf, flags ? "content-type;host;x-amz-date"
							     : "content-type;host;x-amz-date;x-amz-security-token");
		ck_assert_uint_eq(s.nadd, 3);
		for (size_t i = 0; i < s.nadd; i++)
			h[req.nheaders++] = s.add[i];
		sigv4_verification_init(&v);
		ck_assert_int_eq(sigv4_verify(&ver, &req, now + 10000, &v), SIGV4_OK);
		ck_assert_str_eq(v.session_token, BOTO_TOKEN);
		ck_assert_str_eq(v.signed_headers.buf, s.signed_headers.buf);
		ck_assert_str_eq(v.region, "us-east-1");
		ck_assert_str_eq(v.service, "ec2");
		ck_assert_str_eq(v.date, "20261124");
		/* a signed token cannot be swapped; an unsigned one can */
		h[3].value = "OTHERTOKEN";
		ck_assert_int_eq(sigv4_verify(&ver, &req, now, &v), flags ? SIGV4_OK : SIGV4_MISMATCH);
		sigv4_verification_release(&v);
		sigv4_signing_release(&s);
	}

	/* signing twice into the same result resets it */
	req.nheaders = 2;
	sigv4_signing_init(&s);
	ck_assert_int_eq(sigv4_sign(&req, &cred, "us-east-1", "ec2", now, 0, &s), 0);
	ck_assert_int_eq(sigv4_sign(&req, &cred, "us-east-1", "ec2", now, 0, &s), 0);
	ck_assert_str_eq(s.add[0].value, "20261124T054533Z");
	/* a request that has X-Amz-Date is signed at that time */
	h[2] = (struct sigv4_header){ "X-Amz-Date", "20261124T054533Z" };
	req.nheaders = 3;
	cred.session_token = "";
	ck_assert_int_eq(sigv4_sign(&req, &cred, "us-east-1", "ec2", 0, 0, &s), 0);
	ck_assert_uint_eq(s.nadd, 1);
	ck_assert_str_eq(s.add[0].name, "Authorization");
	ck_assert_str_eq(s.add[0].value, boto_cases[1].authz);
	sigv4_signing_release(&s);
}
END_TEST

START_TEST(test_sign_errors)
{
	struct sigv4_header h[SIGV4_MAX_HEADERS + 1] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
	};
	struct sigv4_request req = { "GET", "/", h, 2, NULL, 0 };
	struct sigv4_credentials cred = { SUITE_AKID, SUITE_SECRET, NULL };
	struct sigv4_signing s;

	sigv4_signing_init(&s);
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), 0);
	ck_assert_int_eq(sigv4_sign(NULL, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	ck_assert_uint_eq(s.nadd, 0);
	ck_assert_uint_eq(s.authorization.len, 0);
	ck_assert_int_eq(sigv4_sign(&req, NULL, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	ck_assert_int_eq(sigv4_sign(&req, &cred, NULL, SUITE_SERVICE, 0, 0, &s), -1);
	ck_assert_int_eq(sigv4_sign(&req, &cred, "US-EAST-1", SUITE_SERVICE, 0, 0, &s), -1);
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, "", 0, 0, &s), -1);
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, "a/b", 0, 0, &s), -1);
	cred.access_key_id = "";
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	cred.access_key_id = "AKID/X";
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	cred.access_key_id = SUITE_AKID;
	cred.secret_access_key = "";
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	cred.secret_access_key = NULL;
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	cred.secret_access_key = SUITE_SECRET;
	cred.session_token = "tok\r\nX-Evil: 1";
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	cred.session_token = NULL;

	h[0].name = "Bad Name";
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	h[0].name = "Via";
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	h[0].name = "Host";
	h[0].value = NULL;
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	h[0].value = "example.amazonaws.com";
	h[1].value = "2015-08-30T12:36:00Z";
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	h[1].value = "20150830T123600Z";
	h[2] = h[1];
	req.nheaders = 3;
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	req.method = "GE\nT";
	req.nheaders = 2;
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	req.method = "GET";
	for (size_t i = 2; i < SIGV4_MAX_HEADERS + 1; i++)
		h[i] = (struct sigv4_header){ "X-Pad", "1" };
	req.nheaders = SIGV4_MAX_HEADERS + 1;
	ck_assert_int_eq(sigv4_sign(&req, &cred, SUITE_REGION, SUITE_SERVICE, 0, 0, &s), -1);
	sigv4_signing_release(&s);
}
END_TEST

/* Deterministic mutations of a good header: any status, never a crash
 * (meaningful under the sanitizer build), OK only when nothing changed in
 * a way that matters. */
START_TEST(test_verify_mutations)
{
	struct sigv4_header h[] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
		{ "Authorization", NULL },
	};
	struct sigv4_request req = { "GET", "/", h, 3, NULL, 0 };
	struct sigv4_verification v;
	struct strbuf m = STRBUF_INIT;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t good_len = strlen(V_GOOD);

	sigv4_verification_init(&v);
	for (int iter = 0; iter < 20000; iter++) {
		size_t pos;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		strbuf_reset(&m);
		strbuf_addstr(&m, V_GOOD);
		pos = (size_t)(x % good_len);
		switch ((x >> 32) % 3) {
		case 0: /* replace one byte (never by NUL) */
			m.buf[pos] = (char)(1 + (x >> 40) % 255);
			break;
		case 1: /* truncate */
			strbuf_setlen(&m, pos);
			break;
		default: /* insert a separator */
			strbuf_setlen(&m, pos);
			strbuf_addch(&m, ",;/= "[(x >> 40) % 5]);
			strbuf_addstr(&m, V_GOOD + pos);
			break;
		}
		h[2].value = m.buf;
		sigv4_verify(&suite_verifier, &req, SUITE_TIME_MS, &v);
		ck_assert_int_ge(v.status, SIGV4_OK);
		ck_assert_int_le(v.status, SIGV4_ERROR);
		if (v.status == SIGV4_OK && strcmp(m.buf, V_GOOD) != 0) {
			/* only whitespace-only differences may still verify */
			ck_assert_msg(strstr(m.buf, V_SIG) != NULL, "mutation verified: %s", m.buf);
		}
	}
	sigv4_verification_release(&v);
	strbuf_release(&m);
}
END_TEST

/* ---- runner ---- */

static Suite *sigv4_suite(void)
{
	Suite *s = suite_create("sigv4");
	TCase *tc = tcase_create("aws-suite");
	tcase_add_test(tc, test_suite_found);
	tcase_add_loop_test(tc, test_suite_case, 0, (int)ncases);
	suite_add_tcase(s, tc);

	tc = tcase_create("botocore");
	tcase_add_loop_test(tc, test_botocore_ec2, 0, (int)(sizeof(boto_cases) / sizeof(boto_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("canonical");
	tcase_add_loop_test(tc, test_canonical_uri_query, 0,
			    (int)(sizeof(canon_cases) / sizeof(canon_cases[0])));
	tcase_add_test(tc, test_canonical_limits);
	tcase_add_loop_test(tc, test_amz_date, 0, (int)(sizeof(date_cases) / sizeof(date_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("verify");
	tcase_add_loop_test(tc, test_verify_authz, 0,
			    (int)(sizeof(authz_cases) / sizeof(authz_cases[0])));
	tcase_add_test(tc, test_verify_long_header);
	tcase_add_test(tc, test_verify_request);
	tcase_add_loop_test(tc, test_verify_skew, 0, (int)(sizeof(skew_cases) / sizeof(skew_cases[0])));
	tcase_add_test(tc, test_verify_mutations);
	suite_add_tcase(s, tc);

	tc = tcase_create("sign");
	tcase_add_test(tc, test_sign_roundtrip);
	tcase_add_test(tc, test_sign_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	struct strbuf tmp = STRBUF_INIT, dir = STRBUF_INIT;
	const char *shared = shared_dir(&tmp);
	SRunner *sr;
	int failed;

	if (!shared) {
		discover_failed = 1;
		strbuf_addstr(&discover_error, "neither SPOT_SHARED_DIR nor SPOT_SOURCE_DIR is set");
	} else {
		strbuf_addf(&dir, "%s/testdata/sigv4", shared);
		if (!is_dir(dir.buf)) {
			discover_failed = 1;
			strbuf_addf(&discover_error, "no directory %s", dir.buf);
		} else {
			discover(dir.buf, 0);
			qsort(case_dirs, ncases, sizeof(case_dirs[0]), cmp_str);
		}
	}
	sr = srunner_create(sigv4_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (size_t i = 0; i < ncases; i++)
		free(case_dirs[i]);
	strbuf_release(&tmp);
	strbuf_release(&dir);
	strbuf_release(&discover_error);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
