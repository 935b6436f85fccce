/* creds.c - instance-profile credentials through IMDS, else static keys. */
#include "agent/creds.h"
#include "common/log.h"
#include "common/timeutil.h"
#include <stdio.h>

#include <json-c/json.h>
#include <string.h>

void creds_init(struct creds *c, const char *key, const char *secret, const char *token)
{
	memset(c, 0, sizeof(*c));
	c->static_key = key;
	c->static_secret = secret;
	c->static_token = token;
}

static int creds_copy(char *dst, size_t size, struct json_object *o, const char *name)
{
	struct json_object *v;
	const char *s;
	size_t n;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	n = strlen(s);
	if (!n || n >= size)
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

int creds_parse(struct creds *c, const char *json, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(8);
	struct json_object *o, *v;
	int rc = -1;

	if (!tok || len > IMDS_MAX_BODY)
		goto out_tok;
	o = json_tokener_parse_ex(tok, json, (int)len);
	if (!o || !json_object_is_type(o, json_type_object))
		goto out;
	if (json_object_object_get_ex(o, "Code", &v) && json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "Success"))
		goto out;
	if (creds_copy(c->access_key_id, sizeof(c->access_key_id), o, "AccessKeyId") < 0 ||
	    creds_copy(c->secret, sizeof(c->secret), o, "SecretAccessKey") < 0)
		goto out;
	if (creds_copy(c->token, sizeof(c->token), o, "Token") < 0)
		c->token[0] = 0;
	c->expires_ms = 0;
	if (json_object_object_get_ex(o, "Expiration", &v) && json_object_is_type(v, json_type_string) &&
	    time_parse_rfc3339(json_object_get_string(v), &c->expires_ms) < 0)
		goto out;
	c->from_profile = 1;
	rc = 0;
out:
	json_object_put(o);
out_tok:
	if (tok)
		json_tokener_free(tok);
	return rc;
}

int creds_ensure(struct creds *c, struct imds *im, int64_t now_ms)
{
	struct strbuf sb = STRBUF_INIT;
	char path[512];
	size_t n;
	int rc;

	if (c->from_profile && (!c->expires_ms || now_ms < c->expires_ms - CREDS_REFRESH_MARGIN_MS))
		return 0;
	/* Static keys in use: look for a profile again only now and then. */
	if (!c->from_profile && c->access_key_id[0] && now_ms < c->next_probe_ms)
		return 0;
	c->next_probe_ms = now_ms + CREDS_REFRESH_MARGIN_MS;
	rc = im ? imds_get(im, "meta-data/iam/security-credentials/", &sb) : 404;
	if (rc == 200 && sb.len) {
		n = strcspn(sb.buf, "\n");
		if (n > 0 && n < 256) {
			snprintf(path, sizeof(path), "meta-data/iam/security-credentials/%.*s", (int)n, sb.buf);
			if (imds_get(im, path, &sb) == 200 && creds_parse(c, sb.buf, sb.len) == 0) {
				log_info("creds_ensure: instance profile credentials %s, expiring %s",
					 c->access_key_id, c->expires_ms ? "later" : "never");
				strbuf_release(&sb);
				return 0;
			}
			log_warn("creds_ensure: the instance profile's credentials are not readable");
		}
	}
	strbuf_release(&sb);
	if (c->from_profile && now_ms < c->expires_ms)
		return 0;	/* keep the old ones until they really expire */
	if (c->static_key && c->static_secret && strlen(c->static_key) <= SIGV4_MAX_KEY_ID_LEN &&
	    strlen(c->static_secret) <= SIGV4_MAX_SECRET_LEN &&
	    (!c->static_token || strlen(c->static_token) <= SIGV4_MAX_TOKEN_LEN)) {
		memcpy(c->access_key_id, c->static_key, strlen(c->static_key) + 1);
		memcpy(c->secret, c->static_secret, strlen(c->static_secret) + 1);
		if (c->static_token)
			memcpy(c->token, c->static_token, strlen(c->static_token) + 1);
		else
			c->token[0] = 0;
		c->expires_ms = 0;
		c->from_profile = 0;
		return 0;
	}
	if (!c->access_key_id[0])
		return log_err("creds_ensure: no instance profile and no AWS_ACCESS_KEY_ID");
	return 0;
}

void creds_view(const struct creds *c, struct sigv4_credentials *out)
{
	out->access_key_id = c->access_key_id;
	out->secret_access_key = c->secret;
	out->session_token = c->token[0] ? c->token : NULL;
}
