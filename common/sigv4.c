/*
 * sigv4.c - AWS Signature Version 4 signing and verification.
 *
 * "AWS docs" below means the AWS General Reference / IAM User Guide pages
 * "Create a canonical request for Signature Version 4", "Create a string to
 * sign", "Calculate the signature" and "Add the signature to the HTTP request"
 * (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), and
 * "the suite" means the AWS SigV4 test suite in shared/testdata/sigv4/.
 */
#include "common/sigv4.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/xalloc.h"

static const char sigv4_hex_lower[] = "0123456789abcdef";
static const char sigv4_hex_upper[] = "0123456789ABCDEF";

/* A name inside a longer string, not NUL-terminated. */
struct sigv4_name {
	const char *ptr;
	size_t len;
};

/* ---- character classes ---- */

/* RFC 3986 section 2.3 unreserved; AWS docs: "Do not URI-encode any of the
 * unreserved characters ... A-Z, a-z, 0-9, hyphen, underscore, period, tilde". */
static int sigv4_is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == '~';
}

/* RFC 9110 section 5.6.2 token characters (header names, methods). */
static int sigv4_is_tchar(unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Whitespace inside header values, including the CR LF of obsolete line
 * folding (RFC 9110 section 5.5, RFC 9112 section 5.2). */
static int sigv4_is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int sigv4_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static unsigned char sigv4_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

static int sigv4_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Length of s, or max + 1 if s is longer than max. */
static size_t sigv4_strnlen(const char *s, size_t max)
{
	return strnlen(s, max + 1);
}

/* Case-insensitive equality of a header name with a lowercase name. */
static int sigv4_name_eq(const char *header, const char *lower, size_t len)
{
	size_t i;
	for (i = 0; i < len; i++)
		if (header[i] == '\0' || sigv4_lower((unsigned char)header[i]) != (unsigned char)lower[i])
			return 0;
	return header[i] == '\0';
}

/* Counts the headers named lower (lowercase); *first gets the first one. */
static size_t sigv4_find_header(const struct sigv4_request *req, const char *lower,
				const char **first)
{
	size_t n = 0, len = strlen(lower);
	*first = NULL;
	for (size_t i = 0; i < req->nheaders; i++) {
		if (!req->headers[i].name || !req->headers[i].value)
			continue;
		if (sigv4_name_eq(req->headers[i].name, lower, len)) {
			if (!n)
				*first = req->headers[i].value;
			n++;
		}
	}
	return n;
}

/* Checks s is 1..max characters of [A-Za-z0-9] (alnum) or [a-z0-9-] (scope). */
static int sigv4_check_chars(const char *s, size_t len, size_t max, int scope)
{
	if (len == 0 || len > max)
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int ok = scope ? ((c >= 'a' && c <= 'z') || sigv4_is_digit(c) || c == '-')
			       : ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || sigv4_is_digit(c));
		if (!ok)
			return -1;
	}
	return 0;
}

/* ---- encoding ---- */

/* AWS docs, "UriEncode": every byte outside the unreserved set becomes %XY
 * with uppercase hex. Multi-byte UTF-8 is encoded byte by byte (suite
 * get-utf8). */
static void sigv4_uri_encode(struct strbuf *out, const char *s, size_t len)
{
	strbuf_grow(out, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (sigv4_is_unreserved(c)) {
			strbuf_addch(out, c);
		} else {
			strbuf_addch(out, '%');
			strbuf_addch(out, sigv4_hex_upper[c >> 4]);
			strbuf_addch(out, sigv4_hex_upper[c & 15]);
		}
	}
}

/* Percent-decodes; an invalid escape stays literal (and is re-encoded as %25).
 * '+' is not a space: the query is RFC 3986, not form encoding (botocore). */
static void sigv4_uri_decode(struct strbuf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < len && (hi = sigv4_hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = sigv4_hexval((unsigned char)s[i + 2])) >= 0) {
			strbuf_addch(out, (hi << 4) | lo);
			i += 2;
		} else {
			strbuf_addch(out, s[i]);
		}
	}
}

static void sigv4_to_hex(char *hex, const unsigned char *bin, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = sigv4_hex_lower[bin[i] >> 4];
		hex[2 * i + 1] = sigv4_hex_lower[bin[i] & 15];
	}
	hex[2 * len] = '\0';
}

/* ---- canonical URI ---- */

/*
 * AWS docs: "Normalize URI paths according to RFC 3986. Remove redundant and
 * relative path components" (not for S3; shared/testdata/sigv4/normalize-path/).
 * Empty segments (duplicate slashes), "." and ".." go; ".." never climbs above
 * the root. A trailing slash stays when the path had one and something is
 * left (suite get-slashes: "//example//" -> "/example/"). Each segment is then
 * URI-encoded, '/' separators kept.
 */
int sigv4_canonical_uri(struct strbuf *out, const char *target)
{
	struct sigv4_name *segs;
	size_t len, n = 0, i = 0;

	if (!target)
		return -1;
	len = strcspn(target, "?");
	if (len > SIGV4_MAX_TARGET_LEN)
		return -1;
	segs = xcalloc(len / 2 + 1, sizeof(*segs));
	while (i < len) {
		size_t j = i;
		while (j < len && target[j] != '/')
			j++;
		if (j - i == 0 || (j - i == 1 && target[i] == '.')) {
			/* empty or "." */
		} else if (j - i == 2 && target[i] == '.' && target[i + 1] == '.') {
			if (n)
				n--;
		} else {
			/* A non-empty segment takes at least one byte and one '/'
			 * (or the end) after it: at most (len + 1) / 2 of them. */
			segs[n].ptr = target + i;
			segs[n].len = j - i;
			n++;
		}
		i = j + 1;
	}
	strbuf_addch(out, '/');
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addch(out, '/');
		sigv4_uri_encode(out, segs[i].ptr, segs[i].len);
	}
	if (n && target[len - 1] == '/')
		strbuf_addch(out, '/');
	free(segs);
	return 0;
}

/* ---- canonical query string ---- */

struct sigv4_param {
	struct strbuf key;
	struct strbuf value;
};

static int sigv4_bytes_cmp(const struct strbuf *a, const struct strbuf *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->buf, b->buf, n);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int sigv4_param_cmp(const void *va, const void *vb)
{
	const struct sigv4_param *a = va, *b = vb;
	int c = sigv4_bytes_cmp(&a->key, &b->key);
	return c ? c : sigv4_bytes_cmp(&a->value, &b->value);
}

/*
 * AWS docs, CanonicalQueryString: URI-encode each name and value, sort by
 * name (then value, for repeated names) in byte order of the encoded form,
 * join name=value with '&'; a parameter without a value gets "name=". The
 * target's query is already encoded, so each part is decoded first and
 * re-encoded (suite get-vanilla-utf8-query, get-vanilla-query-order-encoded:
 * "%E1%88%B4" sorts before "Param"). Empty parameters ("a=1&&b=2") are
 * dropped.
 */
int sigv4_canonical_query(struct strbuf *out, const char *target)
{
	const char *q, *p, *end;
	struct sigv4_param *params;
	struct strbuf tmp = STRBUF_INIT;
	size_t len, n = 0, cap = 1;
	int ret = -1;

	if (!target)
		return -1;
	q = strchr(target, '?');
	if (!q)
		return 0;
	q++;
	len = sigv4_strnlen(q, SIGV4_MAX_TARGET_LEN);
	if (len > SIGV4_MAX_TARGET_LEN)
		return -1;
	for (size_t i = 0; i < len; i++)
		cap += q[i] == '&';
	if (cap > SIGV4_MAX_QUERY_PARAMS)
		return -1;
	params = xcalloc(cap, sizeof(*params));
	end = q + len;
	for (p = q; p <= end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *seg_end = amp ? amp : end;
		const char *eq;
		if (seg_end > p) {
			eq = memchr(p, '=', (size_t)(seg_end - p));
			strbuf_init(&params[n].key, 0);
			strbuf_init(&params[n].value, 0);
			strbuf_reset(&tmp);
			sigv4_uri_decode(&tmp, p, (size_t)((eq ? eq : seg_end) - p));
			sigv4_uri_encode(&params[n].key, tmp.buf, tmp.len);
			if (eq) {
				strbuf_reset(&tmp);
				sigv4_uri_decode(&tmp, eq + 1, (size_t)(seg_end - eq - 1));
				sigv4_uri_encode(&params[n].value, tmp.buf, tmp.len);
			}
			n++;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	qsort(params, n, sizeof(*params), sigv4_param_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i)
			strbuf_addch(out, '&');
		strbuf_add(out, params[i].key.buf, params[i].key.len);
		strbuf_addch(out, '=');
		strbuf_add(out, params[i].value.buf, params[i].value.len);
	}
	ret = 0;
	for (size_t i = 0; i < n; i++) {
		strbuf_release(&params[i].key);
		strbuf_release(&params[i].value);
	}
	free(params);
	strbuf_release(&tmp);
	return ret;
}

/* ---- canonical headers ---- */

/*
 * Parses a SignedHeaders list: ';'-separated lowercase header names, sorted
 * and unique (AWS docs: "sorted in alphabetical order ... lowercase"). At
 * most SIGV4_MAX_SIGNED_HEADERS names into names[]. Returns the count or -1.
 */
static int sigv4_parse_signed_list(const char *list, size_t len, struct sigv4_name *names)
{
	size_t n = 0, i = 0;

	if (len == 0)
		return -1;
	while (i <= len) {
		size_t j = i;
		while (j < len && list[j] != ';')
			j++;
		if (j == i || j - i > SIGV4_MAX_HEADER_NAME_LEN || n == SIGV4_MAX_SIGNED_HEADERS)
			return -1;
		for (size_t k = i; k < j; k++) {
			unsigned char c = (unsigned char)list[k];
			if (!sigv4_is_tchar(c) || (c >= 'A' && c <= 'Z'))
				return -1;
		}
		names[n].ptr = list + i;
		names[n].len = j - i;
		if (n) {
			const struct sigv4_name *prev = &names[n - 1];
			size_t m = prev->len < names[n].len ? prev->len : names[n].len;
			int c = memcmp(prev->ptr, names[n].ptr, m);
			if (c > 0 || (c == 0 && prev->len >= names[n].len))
				return -1;
		}
		n++;
		i = j + 1;
	}
	return (int)n;
}

static int sigv4_name_ci_cmp(const void *va, const void *vb)
{
	const struct sigv4_name *a = va, *b = vb;
	size_t m = a->len < b->len ? a->len : b->len;
	for (size_t i = 0; i < m; i++) {
		unsigned char x = sigv4_lower((unsigned char)a->ptr[i]);
		unsigned char y = sigv4_lower((unsigned char)b->ptr[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return a->len < b->len ? -1 : a->len > b->len;
}

/* Builds the sorted, unique, lowercase list of all header names of req. */
static int sigv4_all_signed(const struct sigv4_request *req, struct strbuf *list)
{
	struct sigv4_name *names;
	size_t n = 0;

	if (req->nheaders == 0)
		return -1;
	names = xcalloc(req->nheaders, sizeof(*names));
	for (size_t i = 0; i < req->nheaders; i++) {
		const char *name = req->headers[i].name;
		size_t len;
		if (!name)
			goto fail;
		len = sigv4_strnlen(name, SIGV4_MAX_HEADER_NAME_LEN);
		if (len == 0 || len > SIGV4_MAX_HEADER_NAME_LEN)
			goto fail;
		for (size_t k = 0; k < len; k++)
			if (!sigv4_is_tchar((unsigned char)name[k]))
				goto fail;
		names[n].ptr = name;
		names[n].len = len;
		n++;
	}
	qsort(names, n, sizeof(*names), sigv4_name_ci_cmp);
	for (size_t i = 0, kept = 0; i < n; i++) {
		if (i && sigv4_name_ci_cmp(&names[i - 1], &names[i]) == 0)
			continue;
		if (++kept > SIGV4_MAX_SIGNED_HEADERS)
			goto fail;
		if (list->len)
			strbuf_addch(list, ';');
		for (size_t k = 0; k < names[i].len; k++)
			strbuf_addch(list, sigv4_lower((unsigned char)names[i].ptr[k]));
	}
	free(names);
	return 0;
fail:
	free(names);
	return -1;
}

/* AWS docs, CanonicalHeaders: "Trimall": drop leading and trailing spaces and
 * turn sequential spaces into one; a folded value ("value1\n  value2") becomes
 * "value1 value2" (suite get-header-value-multiline, get-header-value-trim). */
static void sigv4_add_trimmed(struct strbuf *out, const char *v, size_t len)
{
	int space = 0, any = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (sigv4_is_ws(c)) {
			space = 1;
			continue;
		}
		if (space && any)
			strbuf_addch(out, ' ');
		strbuf_addch(out, c);
		space = 0;
		any = 1;
	}
}

/* "name:value1,value2\n" per signed name; repeated headers joined with ','
 * in the order received (suite get-header-value-order, get-header-key-duplicate). */
static int sigv4_add_canonical_headers(struct strbuf *out, const struct sigv4_request *req,
				       const struct sigv4_name *names, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		int first = 1;
		strbuf_add(out, names[k].ptr, names[k].len);
		strbuf_addch(out, ':');
		for (size_t i = 0; i < req->nheaders; i++) {
			const struct sigv4_header *h = &req->headers[i];
			size_t vlen, hlen;
			if (!h->name || !h->value)
				return -1;
			/* at most len + 1 bytes read: a longer name is no match */
			hlen = sigv4_strnlen(h->name, names[k].len);
			if (hlen != names[k].len ||
			    sigv4_name_ci_cmp(&(struct sigv4_name){ h->name, hlen }, &names[k]) != 0)
				continue;
			vlen = sigv4_strnlen(h->value, SIGV4_MAX_HEADER_VALUE_LEN);
			if (vlen > SIGV4_MAX_HEADER_VALUE_LEN)
				return -1;
			if (!first)
				strbuf_addch(out, ',');
			sigv4_add_trimmed(out, h->value, vlen);
			first = 0;
		}
		strbuf_addch(out, '\n');
	}
	return 0;
}

static int sigv4_check_method(const char *method)
{
	size_t len;
	if (!method)
		return -1;
	len = sigv4_strnlen(method, SIGV4_MAX_METHOD_LEN);
	if (len == 0 || len > SIGV4_MAX_METHOD_LEN)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!sigv4_is_tchar((unsigned char)method[i]))
			return -1;
	return 0;
}

/*
 * AWS docs, CanonicalRequest =
 *   HTTPMethod \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n
 *   SignedHeaders \n HashedPayload
 * where CanonicalHeaders ends with its own '\n' (hence the blank line).
 */
int sigv4_canonical_request(struct strbuf *out, const struct sigv4_request *req,
			    const char *signed_headers, const char *payload_hash,
			    struct strbuf *signed_out)
{
	struct strbuf list = STRBUF_INIT;
	struct sigv4_name names[SIGV4_MAX_SIGNED_HEADERS];
	char hash[SIGV4_SIGNATURE_HEX_LEN + 1];
	size_t start = out->len;
	int n, ret = -1;

	if (!req || sigv4_check_method(req->method) < 0 || !req->target ||
	    req->nheaders > SIGV4_MAX_HEADERS || (req->nheaders && !req->headers) ||
	    (req->body_len && !req->body))
		return -1;
	if (signed_headers) {
		size_t len = sigv4_strnlen(signed_headers, SIGV4_MAX_AUTHORIZATION_LEN);
		if (len > SIGV4_MAX_AUTHORIZATION_LEN)
			return -1;
		strbuf_add(&list, signed_headers, len);
	} else if (sigv4_all_signed(req, &list) < 0) {
		goto out;
	}
	n = sigv4_parse_signed_list(list.buf, list.len, names);
	if (n < 0)
		goto out;
	if (payload_hash) {
		if (strlen(payload_hash) != SIGV4_SIGNATURE_HEX_LEN)
			goto out;
		memcpy(hash, payload_hash, sizeof(hash));
	} else if (sigv4_sha256_hex(hash, req->body_len ? req->body : "", req->body_len) < 0) {
		goto out;
	}

	strbuf_addstr(out, req->method);
	strbuf_addch(out, '\n');
	if (sigv4_canonical_uri(out, req->target) < 0)
		goto out;
	strbuf_addch(out, '\n');
	if (sigv4_canonical_query(out, req->target) < 0)
		goto out;
	strbuf_addch(out, '\n');
	if (sigv4_add_canonical_headers(out, req, names, (size_t)n) < 0)
		goto out;
	strbuf_addch(out, '\n');
	strbuf_add(out, list.buf, list.len);
	strbuf_addch(out, '\n');
	strbuf_addstr(out, hash);
	if (signed_out)
		strbuf_add(signed_out, list.buf, list.len);
	ret = 0;
out:
	if (ret < 0)
		strbuf_setlen(out, start);
	strbuf_release(&list);
	return ret;
}

/* ---- hashing, string to sign, key ---- */

int sigv4_sha256_hex(char hex[SIGV4_SIGNATURE_HEX_LEN + 1], const void *data, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != SIGV4_KEY_LEN)
		return -1;
	sigv4_to_hex(hex, md, mdlen);
	return 0;
}

/* AWS docs, StringToSign = Algorithm \n RequestDateTime \n CredentialScope \n
 * HashedCanonicalRequest. */
int sigv4_string_to_sign(struct strbuf *out, const char *amz_date, const char *scope,
			 const char *canonical_request, size_t creq_len)
{
	char hash[SIGV4_SIGNATURE_HEX_LEN + 1];

	if (!amz_date || !scope || !canonical_request ||
	    sigv4_sha256_hex(hash, canonical_request, creq_len) < 0)
		return -1;
	strbuf_addf(out, "%s\n%s\n%s\n%s", SIGV4_ALGORITHM, amz_date, scope, hash);
	return 0;
}

static int sigv4_hmac(unsigned char out[SIGV4_KEY_LEN], const void *key, size_t key_len,
		      const void *data, size_t len)
{
	unsigned int outlen = 0;

	if (key_len > (size_t)INT32_MAX)
		return -1;
	if (!HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &outlen) ||
	    outlen != SIGV4_KEY_LEN)
		return -1;
	return 0;
}

/* AWS docs, "Derive a signing key": kSecret = "AWS4" + secret, then HMAC
 * chains over date (YYYYMMDD), region, service and "aws4_request". */
int sigv4_signing_key(unsigned char key[SIGV4_KEY_LEN], const char *secret, const char *date,
		      const char *region, const char *service)
{
	unsigned char ksecret[4 + SIGV4_MAX_SECRET_LEN];
	unsigned char k1[SIGV4_KEY_LEN], k2[SIGV4_KEY_LEN], k3[SIGV4_KEY_LEN];
	size_t slen;
	int ret = -1;

	if (!secret || !date || !region || !service)
		return -1;
	slen = sigv4_strnlen(secret, SIGV4_MAX_SECRET_LEN);
	if (slen == 0 || slen > SIGV4_MAX_SECRET_LEN)
		return -1;
	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, secret, slen);
	if (sigv4_hmac(k1, ksecret, 4 + slen, date, strlen(date)) < 0 ||
	    sigv4_hmac(k2, k1, sizeof(k1), region, strlen(region)) < 0 ||
	    sigv4_hmac(k3, k2, sizeof(k2), service, strlen(service)) < 0 ||
	    sigv4_hmac(key, k3, sizeof(k3), SIGV4_TERMINATOR, strlen(SIGV4_TERMINATOR)) < 0)
		goto out;
	ret = 0;
out:
	OPENSSL_cleanse(ksecret, sizeof(ksecret));
	OPENSSL_cleanse(k1, sizeof(k1));
	OPENSSL_cleanse(k2, sizeof(k2));
	OPENSSL_cleanse(k3, sizeof(k3));
	return ret;
}

/* signature = hex(HMAC(kSigning, StringToSign)). */
static int sigv4_signature(char hex[SIGV4_SIGNATURE_HEX_LEN + 1], const char *secret,
			   const char *date, const char *region, const char *service,
			   const struct strbuf *sts)
{
	unsigned char key[SIGV4_KEY_LEN], sig[SIGV4_KEY_LEN];
	int ret = -1;

	if (sigv4_signing_key(key, secret, date, region, service) < 0 ||
	    sigv4_hmac(sig, key, sizeof(key), sts->buf, sts->len) < 0)
		goto out;
	sigv4_to_hex(hex, sig, sizeof(sig));
	ret = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

/* ---- dates ---- */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (the era-based civil-from-days inverse). */
static int64_t sigv4_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int sigv4_digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!sigv4_is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* X-Amz-Date is ISO 8601 basic format, UTC: YYYYMMDD'T'HHMMSS'Z' (AWS docs). */
int sigv4_parse_amz_date(const char *s, int64_t *ms)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, dim;

	if (!s || sigv4_strnlen(s, SIGV4_AMZ_DATE_LEN) != SIGV4_AMZ_DATE_LEN || s[8] != 'T' ||
	    s[15] != 'Z')
		return -1;
	y = sigv4_digits(s, 4);
	mo = sigv4_digits(s + 4, 2);
	d = sigv4_digits(s + 6, 2);
	h = sigv4_digits(s + 9, 2);
	mi = sigv4_digits(s + 11, 2);
	sec = sigv4_digits(s + 13, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 59)
		return -1;
	dim = mdays[mo - 1] + (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (d > dim)
		return -1;
	*ms = ((sigv4_days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60 + sec;
	*ms *= 1000;
	return 0;
}

int sigv4_format_amz_date(int64_t ms, char buf[SIGV4_AMZ_DATE_LEN + 1])
{
	time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (!gmtime_r(&secs, &tm) ||
	    strftime(buf, SIGV4_AMZ_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) != SIGV4_AMZ_DATE_LEN)
		return -1;
	return 0;
}

/* Copies a header value without surrounding whitespace into buf[size]. */
static int sigv4_trimmed_copy(char *buf, size_t size, const char *v)
{
	size_t len = sigv4_strnlen(v, SIGV4_MAX_HEADER_VALUE_LEN), b = 0;
	if (len > SIGV4_MAX_HEADER_VALUE_LEN)
		return -1;
	while (b < len && sigv4_is_ws((unsigned char)v[b]))
		b++;
	while (len > b && sigv4_is_ws((unsigned char)v[len - 1]))
		len--;
	if (len - b >= size)
		return -1;
	memcpy(buf, v + b, len - b);
	buf[len - b] = '\0';
	return 0;
}

/* ---- signing ---- */

void sigv4_signing_init(struct sigv4_signing *s)
{
	memset(s, 0, sizeof(*s));
	strbuf_init(&s->amz_date, 0);
	strbuf_init(&s->session_token, 0);
	strbuf_init(&s->authorization, 0);
	strbuf_init(&s->signed_headers, 0);
	strbuf_init(&s->canonical_request, 0);
	strbuf_init(&s->string_to_sign, 0);
}

void sigv4_signing_release(struct sigv4_signing *s)
{
	if (s->session_token.len)
		OPENSSL_cleanse(s->session_token.buf, s->session_token.len);
	strbuf_release(&s->amz_date);
	strbuf_release(&s->session_token);
	strbuf_release(&s->authorization);
	strbuf_release(&s->signed_headers);
	strbuf_release(&s->canonical_request);
	strbuf_release(&s->string_to_sign);
	sigv4_signing_init(s);
}

/* The session token goes into a header: printable ASCII only, no CR/LF. */
static int sigv4_check_token(const char *t, size_t *len)
{
	*len = sigv4_strnlen(t, SIGV4_MAX_TOKEN_LEN);
	if (*len > SIGV4_MAX_TOKEN_LEN)
		return -1;
	for (size_t i = 0; i < *len; i++)
		if ((unsigned char)t[i] < 0x21 || (unsigned char)t[i] > 0x7e)
			return -1;
	return 0;
}

int sigv4_sign(const struct sigv4_request *req, const struct sigv4_credentials *cred,
	       const char *region, const char *service, int64_t now_ms, unsigned flags,
	       struct sigv4_signing *s)
{
	struct sigv4_header *hdrs = NULL;
	struct sigv4_request r;
	struct strbuf scope = STRBUF_INIT;
	const char *date_hdr, *token_hdr, *host, *token = NULL;
	char date[SIGV4_AMZ_DATE_LEN + 1], d8[9];
	size_t n, ndate, ntoken, tlen = 0;
	int64_t ms;
	int ret = -1;

	sigv4_signing_release(s);
	if (!req || !cred || !cred->access_key_id || !cred->secret_access_key || !region ||
	    !service || req->nheaders > SIGV4_MAX_HEADERS - 2 || (req->nheaders && !req->headers))
		return -1;
	if (sigv4_check_chars(cred->access_key_id, sigv4_strnlen(cred->access_key_id,
				SIGV4_MAX_KEY_ID_LEN), SIGV4_MAX_KEY_ID_LEN, 0) < 0 ||
	    sigv4_check_chars(region, sigv4_strnlen(region, SIGV4_MAX_SCOPE_PART_LEN),
			      SIGV4_MAX_SCOPE_PART_LEN, 1) < 0 ||
	    sigv4_check_chars(service, sigv4_strnlen(service, SIGV4_MAX_SCOPE_PART_LEN),
			      SIGV4_MAX_SCOPE_PART_LEN, 1) < 0)
		return -1;
	if (cred->session_token && cred->session_token[0]) {
		token = cred->session_token;
		if (sigv4_check_token(token, &tlen) < 0)
			return -1;
	}
	for (size_t i = 0; i < req->nheaders; i++)
		if (!req->headers[i].name || !req->headers[i].value)
			return -1;

	/* A request that already carries X-Amz-Date is signed at that time
	 * (the suite's .req files all do). */
	ndate = sigv4_find_header(req, "x-amz-date", &date_hdr);
	if (ndate > 1)
		return -1;
	if (ndate == 1) {
		if (sigv4_trimmed_copy(date, sizeof(date), date_hdr) < 0 ||
		    sigv4_parse_amz_date(date, &ms) < 0)
			return -1;
	} else if (sigv4_format_amz_date(now_ms, date) < 0) {
		return -1;
	}
	strbuf_addstr(&s->amz_date, date);
	if (token)
		strbuf_add(&s->session_token, token, tlen);
	ntoken = sigv4_find_header(req, "x-amz-security-token", &token_hdr);

	n = req->nheaders;
	hdrs = xcalloc(n + 2, sizeof(*hdrs));
	if (n)
		memcpy(hdrs, req->headers, n * sizeof(*hdrs));
	if (!ndate)
		hdrs[n++] = (struct sigv4_header){ "X-Amz-Date", s->amz_date.buf };
	/* The token is signed unless the caller asks otherwise (suite
	 * post-sts-token/readme.txt: both placements exist). */
	if (token && !ntoken && !(flags & SIGV4_TOKEN_UNSIGNED))
		hdrs[n++] = (struct sigv4_header){ "X-Amz-Security-Token", s->session_token.buf };
	r = *req;
	r.headers = hdrs;
	r.nheaders = n;
	/* AWS docs: "The host header must be included as a signed header." */
	if (sigv4_find_header(&r, "host", &host) == 0)
		goto out;

	if (sigv4_canonical_request(&s->canonical_request, &r, NULL, NULL, &s->signed_headers) < 0)
		goto out;
	strbuf_add(&scope, date, 8);
	strbuf_addf(&scope, "/%s/%s/%s", region, service, SIGV4_TERMINATOR);
	if (sigv4_string_to_sign(&s->string_to_sign, date, scope.buf, s->canonical_request.buf,
				 s->canonical_request.len) < 0)
		goto out;
	memcpy(d8, date, 8);
	d8[8] = '\0';
	if (sigv4_signature(s->signature, cred->secret_access_key, d8, region, service,
			    &s->string_to_sign) < 0)
		goto out;
	/* AWS docs, "Add the signature to the HTTP request". */
	strbuf_addf(&s->authorization, "%s Credential=%s/%s, SignedHeaders=%s, Signature=%s",
		    SIGV4_ALGORITHM, cred->access_key_id, scope.buf, s->signed_headers.buf,
		    s->signature);

	s->nadd = 0;
	if (!ndate)
		s->add[s->nadd++] = (struct sigv4_header){ "X-Amz-Date", s->amz_date.buf };
	if (token && !ntoken)
		s->add[s->nadd++] =
			(struct sigv4_header){ "X-Amz-Security-Token", s->session_token.buf };
	s->add[s->nadd++] = (struct sigv4_header){ "Authorization", s->authorization.buf };
	ret = 0;
out:
	free(hdrs);
	strbuf_release(&scope);
	if (ret < 0)
		sigv4_signing_release(s);
	return ret;
}

/* ---- verification ---- */

const char *sigv4_status_name(enum sigv4_status st)
{
	switch (st) {
	case SIGV4_OK: return "ok";
	case SIGV4_MISSING: return "missing";
	case SIGV4_MALFORMED: return "malformed";
	case SIGV4_BAD_SCOPE: return "bad scope";
	case SIGV4_EXPIRED: return "expired";
	case SIGV4_UNKNOWN_KEY: return "unknown key";
	case SIGV4_MISMATCH: return "mismatch";
	case SIGV4_ERROR: return "error";
	}
	return "unknown";
}

void sigv4_verification_init(struct sigv4_verification *v)
{
	memset(v, 0, sizeof(*v));
	v->status = SIGV4_ERROR;
	v->reason = "not verified";
	strbuf_init(&v->signed_headers, 0);
	strbuf_init(&v->canonical_request, 0);
	strbuf_init(&v->string_to_sign, 0);
}

void sigv4_verification_release(struct sigv4_verification *v)
{
	strbuf_release(&v->signed_headers);
	strbuf_release(&v->canonical_request);
	strbuf_release(&v->string_to_sign);
	sigv4_verification_init(v);
}

/* Parsed Authorization header; every pointer points into the header value. */
struct sigv4_authz {
	struct sigv4_name credential, signed_headers, signature;
};

static enum sigv4_status sigv4_fail(struct sigv4_verification *out, enum sigv4_status st,
				    const char *reason)
{
	out->status = st;
	out->reason = reason;
	return st;
}

/*
 * AWS docs: Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=... The three components are accepted in any order, each once,
 * separated by ',' with optional spaces; nothing else is allowed.
 */
static const char *sigv4_parse_authz(const char *v, size_t len, struct sigv4_authz *a)
{
	static const size_t alg_len = sizeof(SIGV4_ALGORITHM) - 1;
	size_t i = 0;

	memset(a, 0, sizeof(*a));
	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	if (len - i < alg_len || memcmp(v + i, SIGV4_ALGORITHM, alg_len) != 0)
		return "unsupported algorithm";
	i += alg_len;
	if (i >= len || (v[i] != ' ' && v[i] != '\t'))
		return "no space after the algorithm";
	for (;;) {
		struct sigv4_name *dst;
		size_t name, vstart;
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		name = i;
		while (i < len && v[i] != '=' && v[i] != ',' && v[i] != ' ')
			i++;
		if (i >= len || v[i] != '=')
			return "component without '='";
		if (i - name == 10 && !memcmp(v + name, "Credential", 10))
			dst = &a->credential;
		else if (i - name == 13 && !memcmp(v + name, "SignedHeaders", 13))
			dst = &a->signed_headers;
		else if (i - name == 9 && !memcmp(v + name, "Signature", 9))
			dst = &a->signature;
		else
			return "unknown component";
		if (dst->ptr)
			return "repeated component";
		vstart = ++i;
		while (i < len && v[i] != ',' && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i == vstart)
			return "empty component";
		dst->ptr = v + vstart;
		dst->len = i - vstart;
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (v[i] != ',')
			return "junk after a component";
		i++;
	}
	if (!a->credential.ptr)
		return "no credential";
	if (!a->signed_headers.ptr)
		return "no signed headers";
	if (!a->signature.ptr)
		return "no signature";
	return NULL;
}

/* Credential = AKID/YYYYMMDD/region/service/aws4_request (AWS docs). */
static const char *sigv4_parse_credential(const struct sigv4_name *c,
					  struct sigv4_verification *out)
{
	struct sigv4_name part[5];
	size_t n = 0, i = 0;

	while (n < 5) {
		size_t j = i;
		while (j < c->len && c->ptr[j] != '/')
			j++;
		part[n].ptr = c->ptr + i;
		part[n].len = j - i;
		n++;
		if (j == c->len)
			break;
		i = j + 1;
	}
	if (n != 5 || part[4].ptr + part[4].len != c->ptr + c->len)
		return "credential is not key/date/region/service/aws4_request";
	if (sigv4_check_chars(part[0].ptr, part[0].len, SIGV4_MAX_KEY_ID_LEN, 0) < 0)
		return "bad access key id";
	if (part[1].len != 8 || sigv4_digits(part[1].ptr, 8) < 0)
		return "bad credential date";
	if (sigv4_check_chars(part[2].ptr, part[2].len, SIGV4_MAX_SCOPE_PART_LEN, 1) < 0)
		return "bad credential region";
	if (sigv4_check_chars(part[3].ptr, part[3].len, SIGV4_MAX_SCOPE_PART_LEN, 1) < 0)
		return "bad credential service";
	if (part[4].len != strlen(SIGV4_TERMINATOR) ||
	    memcmp(part[4].ptr, SIGV4_TERMINATOR, part[4].len) != 0)
		return "credential does not end in aws4_request";
	memcpy(out->access_key_id, part[0].ptr, part[0].len);
	out->access_key_id[part[0].len] = '\0';
	memcpy(out->date, part[1].ptr, 8);
	out->date[8] = '\0';
	memcpy(out->region, part[2].ptr, part[2].len);
	out->region[part[2].len] = '\0';
	memcpy(out->service, part[3].ptr, part[3].len);
	out->service[part[3].len] = '\0';
	return NULL;
}

static int sigv4_list_has(const struct sigv4_name *names, int n, const char *name)
{
	size_t len = strlen(name);
	for (int i = 0; i < n; i++)
		if (names[i].len == len && !memcmp(names[i].ptr, name, len))
			return 1;
	return 0;
}

enum sigv4_status sigv4_verify(const struct sigv4_verifier *ver, const struct sigv4_request *req,
			       int64_t now_ms, struct sigv4_verification *out)
{
	struct sigv4_authz a;
	struct sigv4_name names[SIGV4_MAX_SIGNED_HEADERS];
	struct strbuf secret = STRBUF_INIT;
	struct strbuf scope = STRBUF_INIT;
	const char *authz, *date_hdr, *reason;
	char amz_date[SIGV4_AMZ_DATE_LEN + 1];
	char sig[SIGV4_SIGNATURE_HEX_LEN + 1];
	int64_t t, skew, diff;
	size_t len, count;
	int n, rc;

	sigv4_verification_release(out);
	if (!ver || !ver->lookup)
		return sigv4_fail(out, SIGV4_ERROR, "no key lookup");
	if (!req || !req->method || !req->target || (req->nheaders && !req->headers))
		return sigv4_fail(out, SIGV4_MALFORMED, "incomplete request");
	if (req->nheaders > SIGV4_MAX_HEADERS)
		return sigv4_fail(out, SIGV4_MALFORMED, "too many headers");

	count = sigv4_find_header(req, "authorization", &authz);
	if (count == 0)
		return sigv4_fail(out, SIGV4_MISSING, "no authorization header");
	if (count > 1)
		return sigv4_fail(out, SIGV4_MALFORMED, "repeated authorization header");
	len = sigv4_strnlen(authz, SIGV4_MAX_AUTHORIZATION_LEN);
	if (len > SIGV4_MAX_AUTHORIZATION_LEN)
		return sigv4_fail(out, SIGV4_MALFORMED, "authorization header too long");
	reason = sigv4_parse_authz(authz, len, &a);
	if (!reason)
		reason = sigv4_parse_credential(&a.credential, out);
	if (reason)
		return sigv4_fail(out, SIGV4_MALFORMED, reason);
	if (a.signature.len != SIGV4_SIGNATURE_HEX_LEN)
		return sigv4_fail(out, SIGV4_MALFORMED, "signature is not 64 hex digits");
	for (size_t i = 0; i < a.signature.len; i++) {
		unsigned char c = (unsigned char)a.signature.ptr[i];
		if (!sigv4_is_digit(c) && !(c >= 'a' && c <= 'f'))
			return sigv4_fail(out, SIGV4_MALFORMED, "signature is not 64 hex digits");
	}
	strbuf_add(&out->signed_headers, a.signed_headers.ptr, a.signed_headers.len);
	n = sigv4_parse_signed_list(out->signed_headers.buf, out->signed_headers.len, names);
	if (n < 0)
		return sigv4_fail(out, SIGV4_MALFORMED, "bad signed headers list");
	/* AWS docs: host must be signed, and so must x-amz-date when it carries
	 * the request time (we take the time only from X-Amz-Date). */
	if (!sigv4_list_has(names, n, "host"))
		return sigv4_fail(out, SIGV4_MALFORMED, "host is not signed");
	if (!sigv4_list_has(names, n, "x-amz-date"))
		return sigv4_fail(out, SIGV4_MALFORMED, "x-amz-date is not signed");

	count = sigv4_find_header(req, "x-amz-date", &date_hdr);
	if (count != 1 || sigv4_trimmed_copy(amz_date, sizeof(amz_date), date_hdr) < 0 ||
	    sigv4_parse_amz_date(amz_date, &t) < 0)
		return sigv4_fail(out, SIGV4_MALFORMED, "missing or bad x-amz-date");
	out->request_time_ms = t;
	if (sigv4_find_header(req, "x-amz-security-token", &out->session_token) > 1)
		return sigv4_fail(out, SIGV4_MALFORMED, "repeated x-amz-security-token");

	if (memcmp(out->date, amz_date, 8) != 0)
		return sigv4_fail(out, SIGV4_BAD_SCOPE, "credential date is not the x-amz-date day");
	if (ver->region && strcmp(ver->region, out->region) != 0)
		return sigv4_fail(out, SIGV4_BAD_SCOPE, "credential region is wrong");
	if (ver->service && strcmp(ver->service, out->service) != 0)
		return sigv4_fail(out, SIGV4_BAD_SCOPE, "credential service is wrong");

	/* EC2 API reference, "Common client errors": RequestExpired when the
	 * request time is more than 5 minutes from the server's (either way). */
	skew = ver->max_skew_ms > 0 ? ver->max_skew_ms : SIGV4_MAX_SKEW_MS;
	if (__builtin_sub_overflow(now_ms, t, &diff) || diff > skew || diff < -skew)
		return sigv4_fail(out, SIGV4_EXPIRED, "request time too far from now");

	rc = ver->lookup(ver->lookup_arg, out->access_key_id, &secret);
	if (rc == 1) {
		sigv4_fail(out, SIGV4_UNKNOWN_KEY, "unknown access key id");
		goto out;
	}
	if (rc != 0 || secret.len == 0 || secret.len > SIGV4_MAX_SECRET_LEN ||
	    memchr(secret.buf, '\0', secret.len)) {
		sigv4_fail(out, SIGV4_ERROR, "key lookup failed");
		goto out;
	}

	if (sigv4_canonical_request(&out->canonical_request, req, out->signed_headers.buf, NULL,
				    NULL) < 0) {
		sigv4_fail(out, SIGV4_MALFORMED, "request cannot be canonicalized");
		goto out;
	}
	strbuf_addf(&scope, "%s/%s/%s/%s", out->date, out->region, out->service,
		    SIGV4_TERMINATOR);
	if (sigv4_string_to_sign(&out->string_to_sign, amz_date, scope.buf,
				 out->canonical_request.buf, out->canonical_request.len) < 0 ||
	    sigv4_signature(sig, secret.buf, out->date, out->region, out->service,
			    &out->string_to_sign) < 0) {
		sigv4_fail(out, SIGV4_ERROR, "signature computation failed");
		goto out;
	}
	if (CRYPTO_memcmp(sig, a.signature.ptr, SIGV4_SIGNATURE_HEX_LEN) != 0)
		sigv4_fail(out, SIGV4_MISMATCH, "signature does not match");
	else
		sigv4_fail(out, SIGV4_OK, "ok");
out:
	OPENSSL_cleanse(secret.buf, secret.len);
	OPENSSL_cleanse(sig, sizeof(sig));
	strbuf_release(&secret);
	strbuf_release(&scope);
	return out->status;
}
