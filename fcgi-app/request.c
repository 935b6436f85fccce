/*
 * request.c - parsing the FastCGI parameters (RFC 3875 meta-variables) and
 * the body of one request.
 */
#include "fcgi-app/request.h"
#include "common/arena.h"
#include "common/digest.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int request_fail(struct request_error *err, int status, const char *code, const char *message,
			const char *field)
{
	err->status = status;
	err->code = code;
	err->message = message;
	err->field = field;
	return -1;
}

enum http_method request_method_parse(const char *name)
{
	static const struct {
		const char *name;
		enum http_method m;
	} methods[] = {
		{ "GET", HTTP_GET },     { "HEAD", HTTP_HEAD },     { "POST", HTTP_POST },
		{ "PUT", HTTP_PUT },     { "PATCH", HTTP_PATCH },   { "DELETE", HTTP_DELETE },
		{ "OPTIONS", HTTP_OPTIONS },
	};
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(name, methods[i].name))
			return methods[i].m;
	return HTTP_OTHER;
}

const char *request_env(const struct request *req, const char *name)
{
	size_t n = strlen(name);
	if (!req->env)
		return NULL;
	for (char **e = req->env; *e; e++)
		if (!strncmp(*e, name, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

const char *request_header(const struct request *req, const char *name)
{
	char key[128] = "HTTP_";
	size_t n = strlen(name);
	if (n + 6 > sizeof(key))
		return NULL;
	for (size_t i = 0; i < n; i++)
		key[5 + i] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
	key[5 + n] = '\0';
	if (!strcmp(key, "HTTP_CONTENT_TYPE"))
		return request_env(req, "CONTENT_TYPE");
	if (!strcmp(key, "HTTP_CONTENT_LENGTH"))
		return request_env(req, "CONTENT_LENGTH");
	return request_env(req, key);
}

static const char *kv_find(const struct kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i].key, key))
			return kv[i].value;
	return NULL;
}

const char *request_query(const struct request *req, const char *key)
{
	return kv_find(req->query_params, req->nquery, key);
}

const char *request_cookie(const struct request *req, const char *name)
{
	return kv_find(req->cookies, req->ncookies, name);
}

int request_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str, *end = s + len;
	while (s < end) {
		unsigned char c = *s;
		size_t n;
		unsigned int cp;
		if (c < 0x80) {
			s++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if ((size_t)(end - s) <= n)
			return 0;
		for (size_t i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n + 1;
	}
	return 1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decodes s[0..len) into a new arena string; plus_space for form encoding. */
static char *request_decode(struct arena *a, const char *s, size_t len, int plus_space, size_t *outlen)
{
	char *out = arena_alloc(a, len + 1), *o = out;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%') {
			int h, l;
			if (len - i < 3)
				return NULL;
			h = hexval((unsigned char)s[i + 1]);
			l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0)
				return NULL;
			*o++ = (char)(h * 16 + l);
			i += 2;
		} else if (plus_space && s[i] == '+') {
			*o++ = ' ';
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

int request_parse_urlencoded(struct arena *a, const char *s, size_t len, size_t max, struct kv **out, size_t *n,
			     struct request_error *err)
{
	size_t count = 0, cap = 1;
	const char *p = s, *end = s + len;
	struct kv *kv;

	for (size_t i = 0; i < len; i++)
		cap += s[i] == '&';
	if (cap > max)
		return request_fail(err, 400, "validation_failed", "too many parameters", NULL);
	kv = arena_calloc(a, cap, sizeof(*kv));
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *seg_end = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(seg_end - p));
		size_t klen, vlen;
		if (seg_end > p) {
			const char *kend = eq ? eq : seg_end;
			char *k = request_decode(a, p, (size_t)(kend - p), 1, &klen);
			char *v = eq ? request_decode(a, eq + 1, (size_t)(seg_end - eq - 1), 1, &vlen)
				     : arena_strdup(a, "");
			if (!eq)
				vlen = 0;
			if (!k || !v)
				return request_fail(err, 400, "validation_failed", "malformed percent-encoding", NULL);
			if (strlen(k) != klen || !request_utf8_valid(k, klen))
				return request_fail(err, 400, "validation_failed",
						    "parameter names must be UTF-8 text without NUL", NULL);
			if (strlen(v) != vlen || !request_utf8_valid(v, vlen))
				return request_fail(err, 400, "validation_failed",
						    "parameters must be UTF-8 text without NUL", k);
			kv[count].key = k;
			kv[count].value = v;
			kv[count].vlen = vlen;
			count++;
		}
		p = amp ? amp + 1 : end;
	}
	*out = kv;
	*n = count;
	return 0;
}

/* Cookie: a=b; c=d (RFC 6265 section 4.2.1). Malformed pairs are ignored, as browsers do. */
static void request_parse_cookies(struct request *req, const char *h)
{
	size_t cap = 0;
	const char *p = h;
	req->cookies = arena_calloc(req->arena, SPOT_MAX_COOKIES, sizeof(*req->cookies));
	while (*p && cap < SPOT_MAX_COOKIES) {
		const char *semi = strchr(p, ';'), *end = semi ? semi : p + strlen(p), *eq;
		while (p < end && *p == ' ')
			p++;
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq && eq > p) {
			const char *v = eq + 1, *vend = end;
			while (vend > v && vend[-1] == ' ')
				vend--;
			if (vend - v >= 2 && *v == '"' && vend[-1] == '"') {
				v++;
				vend--;
			}
			req->cookies[cap].key = arena_strndup(req->arena, p, (size_t)(eq - p));
			req->cookies[cap].value = arena_strndup(req->arena, v, (size_t)(vend - v));
			req->cookies[cap].vlen = (size_t)(vend - v);
			cap++;
		}
		p = semi ? semi + 1 : end;
	}
	req->ncookies = cap;
}

/* Decodes and checks the path: absolute, UTF-8, no NUL, no "." or ".." segment. */
static int request_parse_path(struct request *req, const char *raw, size_t len, struct request_error *err)
{
	size_t plen, segments = 0;
	char *path;

	if (!len || raw[0] != '/')
		return request_fail(err, 400, "validation_failed", "the request path must start with /", "path");
	path = request_decode(req->arena, raw, len, 0, &plen);
	if (!path)
		return request_fail(err, 400, "validation_failed", "malformed percent-encoding in the path", "path");
	if (strlen(path) != plen)
		return request_fail(err, 400, "validation_failed", "NUL byte in the path", "path");
	if (!request_utf8_valid(path, plen))
		return request_fail(err, 400, "validation_failed", "the path is not valid UTF-8", "path");
	for (const char *s = path; *s;) {
		const char *next = strchr(s + 1, '/');
		size_t seglen = next ? (size_t)(next - s - 1) : strlen(s + 1);
		if ((seglen == 1 && s[1] == '.') || (seglen == 2 && s[1] == '.' && s[2] == '.') ||
		    memchr(s + 1, '\\', seglen))
			return request_fail(err, 400, "validation_failed", "dot segments are not allowed in the path",
					    "path");
		if (++segments > SPOT_MAX_PATH_SEGMENTS)
			return request_fail(err, 400, "validation_failed", "too many path segments", "path");
		if (!next)
			break;
		s = next;
	}
	req->path = path;
	return 0;
}

static int request_trace_id_ok(const char *t)
{
	size_t n = strlen(t);
	if (!n || n > SPOT_MAX_TRACE_ID)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '-' && t[i] != '_')
			return 0;
	return 1;
}

int request_parse(struct request *req, struct arena *a, char **env, struct request_error *err)
{
	const char *v, *q;
	size_t urilen;

	memset(req, 0, sizeof(*req));
	req->arena = a;
	req->env = env;
	req->query = "";
	req->content_type = "";
	req->body = "";

	v = request_env(req, "TRACE_ID");
	/* Copies: the FastCGI environment is freed when the response is finished, before the log line. */
	if (v && request_trace_id_ok(v)) {
		req->trace_id = arena_strdup(a, v);
	} else {
		unsigned char rnd[16];
		char *hex = arena_alloc(a, 33);
		if (digest_random(rnd, sizeof(rnd)) < 0)
			memset(rnd, 0, sizeof(rnd));
		digest_hex(rnd, sizeof(rnd), hex);
		req->trace_id = hex;
	}
	req->remote_addr = request_env(req, "REMOTE_ADDR");
	if (!req->remote_addr)
		req->remote_addr = "-";

	v = request_env(req, "REQUEST_METHOD");
	req->method_name = arena_strndup(a, v ? v : "GET", 16);
	req->method = request_method_parse(req->method_name);

	v = request_env(req, "REQUEST_URI");
	if (!v)
		v = request_env(req, "DOCUMENT_URI");
	if (!v)
		return request_fail(err, 400, "validation_failed", "no request URI", "path");
	urilen = strlen(v);
	if (urilen > SPOT_MAX_URI)
		return request_fail(err, 414, "validation_failed", "the request URI is too long", "path");
	req->uri = v;
	q = strchr(v, '?');
	if (request_parse_path(req, v, q ? (size_t)(q - v) : urilen, err) < 0)
		return -1;
	if (q) {
		req->query = q + 1;
		if (request_parse_urlencoded(a, q + 1, strlen(q + 1), SPOT_MAX_QUERY_PARAMS, &req->query_params,
					     &req->nquery, err) < 0) {
			err->field = err->field ? arena_printf(a, "query.%s", err->field) : "query";
			return -1;
		}
	}

	v = request_env(req, "CONTENT_TYPE");
	req->content_type = v ? v : "";
	v = request_env(req, "CONTENT_LENGTH");
	if (v && *v) {
		char *end;
		unsigned long long n;
		if (!isdigit((unsigned char)*v))
			return request_fail(err, 400, "validation_failed", "bad Content-Length", "Content-Length");
		n = strtoull(v, &end, 10);
		if (*end)
			return request_fail(err, 400, "validation_failed", "bad Content-Length", "Content-Length");
		if (n > SPOT_MAX_BODY)
			return request_fail(err, 413, "payload_too_large", "the request body is larger than 1 MiB",
					    "body");
		req->content_length = (size_t)n;
	}
	v = request_env(req, "HTTP_COOKIE");
	if (v)
		request_parse_cookies(req, v);
	return 0;
}

static int request_is_json_type(const char *ct)
{
	size_t n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n))
		return 0;
	ct += n;
	while (*ct == ' ')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/*
 * json-c's strict mode still takes 'single quoted' strings, NaN and Infinity.
 * RFC 8259 allows, outside strings, only structural characters, whitespace,
 * number characters and the letters of true, false and null.
 */
static int request_json_strict(const char *s, size_t len)
{
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		if (c == '"')
			in_string = 1;
		else if (!strchr("{}[],: \t\r\n-+.0123456789eEtrufalsn", c))
			return 0;
	}
	return 1;
}

/* No NaN or infinity anywhere in the parsed value (depth is bounded by the tokener). */
static int request_json_finite(struct json_object *o, int depth)
{
	if (depth > SPOT_MAX_JSON_DEPTH + 1)
		return 0;
	switch (json_object_get_type(o)) {
	case json_type_double:
		return isfinite(json_object_get_double(o));
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if (!request_json_finite(json_object_array_get_idx(o, i), depth + 1))
				return 0;
		return 1;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (!request_json_finite(v, depth + 1))
				return 0;
		}
		return 1;
	}
	default:
		return 1;
	}
}

int request_json(struct request *req, struct request_error *err)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;

	if (!request_is_json_type(req->content_type))
		return request_fail(err, 415, "unsupported_media_type", "the body must be application/json",
				    "Content-Type");
	if (!req->body_len)
		return request_fail(err, 400, "validation_failed", "a JSON object body is required", "body");
	if (!request_utf8_valid(req->body, req->body_len))
		return request_fail(err, 400, "validation_failed", "the body is not valid UTF-8", "body");
	tok = json_tokener_new_ex(SPOT_MAX_JSON_DEPTH);
	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue) {
		json_object_put(obj);
		json_tokener_free(tok);
		return request_fail(err, 400, "validation_failed", "the JSON body is truncated", "body");
	}
	if (jerr != json_tokener_success) {
		const char *msg = jerr == json_tokener_error_depth
					  ? "the JSON body is nested too deeply"
					  : arena_printf(req->arena, "malformed JSON: %s", json_tokener_error_desc(jerr));
		json_tokener_free(tok);
		return request_fail(err, 400, "validation_failed", msg, "body");
	}
	/* Only whitespace may follow the value. */
	for (size_t i = json_tokener_get_parse_end(tok); i < req->body_len; i++) {
		if (!isspace((unsigned char)req->body[i])) {
			json_object_put(obj);
			json_tokener_free(tok);
			return request_fail(err, 400, "validation_failed", "malformed JSON: data after the value",
					    "body");
		}
	}
	json_tokener_free(tok);
	if (!request_json_strict(req->body, req->body_len) || !request_json_finite(obj, 0)) {
		json_object_put(obj);
		return request_fail(err, 400, "validation_failed",
				    "malformed JSON: only RFC 8259 JSON is accepted (no quotes ', NaN or Infinity)",
				    "body");
	}
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return request_fail(err, 400, "validation_failed", "the body must be a JSON object", "body");
	}
	req->json = obj;
	return 0;
}

void request_release(struct request *req)
{
	if (req->json)
		json_object_put(req->json);
	req->json = NULL;
}
