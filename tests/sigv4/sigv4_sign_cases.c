/*
 * sigv4_sign_cases.c - signs the EC2 requests of a cases file (tests/sigv4/cases.json) the
 * way spot-agent does (agent/ec2.c): the parameters percent-encoded by ec2_form_add, into a
 * form body for POST (Host and Content-Type signed) or a query for GET (Host signed), then
 * common/sigv4's sigv4_sign at the case's time. Prints one JSON object per case:
 * {name, body, target, host, amz_date, security_token, authorization}, for
 * botocore_compare.py to set against botocore's answer for the same request.
 *
 *   sigv4-sign-cases CASES.json
 */
#include "agent/ec2.h"
#include "common/sigv4.h"
#include "common/strbuf.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#define CONTENT_TYPE "application/x-www-form-urlencoded; charset=utf-8"

static const char *str_member(struct json_object *o, const char *name)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int sign_case(struct json_object *c)
{
	const char *name = str_member(c, "name"), *method = str_member(c, "method");
	const char *endpoint = str_member(c, "endpoint"), *region = str_member(c, "region");
	const char *host, *token_out = "";
	struct json_object *params, *time_ms, *out;
	struct strbuf form = STRBUF_INIT, target = STRBUF_INIT;
	struct sigv4_header hdrs[2 + SIGV4_MAX_ADDED];
	struct sigv4_request req = { 0 };
	struct sigv4_credentials cred = { str_member(c, "key"), str_member(c, "secret"), str_member(c, "token") };
	struct sigv4_signing s;
	int post, rc = -1;

	if (!name || !method || !endpoint || !region || !cred.access_key_id || !cred.secret_access_key ||
	    !json_object_object_get_ex(c, "params", &params) || !json_object_is_type(params, json_type_array) ||
	    !json_object_object_get_ex(c, "time_ms", &time_ms) || !(host = strstr(endpoint, "://"))) {
		fprintf(stderr, "sigv4-sign-cases: a case lacks name, method, endpoint, region, key, secret, params or time_ms\n");
		return -1;
	}
	host += 3;
	post = !strcmp(method, "POST");
	for (size_t i = 0; i < json_object_array_length(params); i++) {
		struct json_object *kv = json_object_array_get_idx(params, i);
		ec2_form_add(&form, json_object_get_string(json_object_array_get_idx(kv, 0)),
			     json_object_get_string(json_object_array_get_idx(kv, 1)));
	}
	strbuf_addstr(&target, "/");
	if (!post) {
		strbuf_addch(&target, '?');
		strbuf_add(&target, form.buf, form.len);
	}
	hdrs[0] = (struct sigv4_header){ "Host", host };
	hdrs[1] = (struct sigv4_header){ "Content-Type", CONTENT_TYPE };
	req.method = method;
	req.target = target.buf;
	req.headers = hdrs;
	req.nheaders = post ? 2 : 1;
	req.body = post ? form.buf : NULL;
	req.body_len = post ? form.len : 0;
	sigv4_signing_init(&s);
	if (sigv4_sign(&req, &cred, region, "ec2", json_object_get_int64(time_ms), 0, &s) < 0) {
		fprintf(stderr, "sigv4-sign-cases: %s: sigv4_sign refused it\n", name);
		goto out;
	}
	for (size_t i = 0; i < s.nadd; i++)
		if (!strcmp(s.add[i].name, "X-Amz-Security-Token"))
			token_out = s.add[i].value;
	out = json_object_new_object();
	json_object_object_add(out, "name", json_object_new_string(name));
	json_object_object_add(out, "body", json_object_new_string(post ? form.buf : ""));
	json_object_object_add(out, "target", json_object_new_string(target.buf));
	json_object_object_add(out, "host", json_object_new_string(host));
	json_object_object_add(out, "amz_date", json_object_new_string(s.amz_date.buf));
	json_object_object_add(out, "security_token", json_object_new_string(token_out));
	json_object_object_add(out, "authorization", json_object_new_string(s.authorization.buf));
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	rc = 0;
out:
	sigv4_signing_release(&s);
	strbuf_release(&form);
	strbuf_release(&target);
	return rc;
}

int main(int argc, char **argv)
{
	struct json_object *cases;
	int rc = 0;

	if (argc != 2) {
		fputs("usage: sigv4-sign-cases CASES.json\n", stderr);
		return 64;
	}
	cases = json_object_from_file(argv[1]);
	if (!cases || !json_object_is_type(cases, json_type_array)) {
		fprintf(stderr, "sigv4-sign-cases: %s is not a JSON array\n", argv[1]);
		json_object_put(cases);
		return 65;
	}
	for (size_t i = 0; i < json_object_array_length(cases); i++)
		if (sign_case(json_object_array_get_idx(cases, i)) < 0)
			rc = 1;
	json_object_put(cases);
	return rc;
}
