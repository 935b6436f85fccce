/* ec2_api.c - EC2 Query API: SigV4 authentication, Action dispatch, error documents, parameter helpers. */
#include "sim/ec2_api.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef int ec2_action_fn(struct ec2_call *c);

/* Every action served: one table (STYLE.md "Tables over cleverness"). */
static const struct {
	const char *name;
	ec2_action_fn *fn;
} ec2_actions[] = {
	{ "AllocateAddress", ec2_addresses_allocate },
	{ "AssociateAddress", ec2_addresses_associate },
	{ "CreateImage", ec2_images_create },
	{ "CreateTags", ec2_instances_create_tags },
	{ "DeleteSnapshot", ec2_images_delete_snapshot },
	{ "DeregisterImage", ec2_images_deregister },
	{ "DescribeAddresses", ec2_addresses_describe },
	{ "DescribeAvailabilityZones", ec2_market_describe_availability_zones },
	{ "DescribeImages", ec2_images_describe },
	{ "DescribeInstanceTypes", ec2_market_describe_instance_types },
	{ "DescribeInstances", ec2_instances_describe },
	{ "DescribeRegions", ec2_market_describe_regions },
	{ "DescribeSnapshots", ec2_images_describe_snapshots },
	{ "DescribeSpotPriceHistory", ec2_market_describe_spot_price_history },
	{ "DisassociateAddress", ec2_addresses_disassociate },
	{ "RunInstances", ec2_instances_run },
	{ "TerminateInstances", ec2_instances_terminate },
};

int ec2_error(struct ec2_call *c, int status, const char *code, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	struct xmlw w;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	strbuf_reset(c->out);
	c->status = status;
	snprintf(c->error_code, sizeof(c->error_code), "%s", code);
	xmlw_begin(&w, c->out, "Response", NULL);
	xmlw_open(&w, "Errors");
	xmlw_open(&w, "Error");
	xmlw_text(&w, "Code", code);
	xmlw_text(&w, "Message", msg.buf);
	xmlw_close(&w);
	xmlw_close(&w);
	xmlw_text(&w, "RequestID", c->request_id);
	xmlw_end(&w);
	strbuf_release(&msg);
	return -1;
}

void ec2_begin(struct ec2_call *c, struct xmlw *w, const char *root)
{
	strbuf_reset(c->out);
	xmlw_begin(w, c->out, root, EC2_XMLNS);
	xmlw_text(w, "requestId", c->request_id);
}

const char *ec2_param(struct ec2_call *c, const char *name)
{
	return form_get(c->form, name);
}

int ec2_require(struct ec2_call *c, const char *name, const char **out)
{
	const char *v = form_get(c->form, name);
	if (!v || !*v)
		return ec2_error(c, 400, "MissingParameter", "The request must contain the parameter %s", name);
	*out = v;
	return 0;
}

int ec2_bool(struct ec2_call *c, const char *name, int def, int *out)
{
	const char *v = form_get(c->form, name);
	if (!v) {
		*out = def;
		return 0;
	}
	if (!strcasecmp(v, "true")) {
		*out = 1;
		return 0;
	}
	if (!strcasecmp(v, "false")) {
		*out = 0;
		return 0;
	}
	return ec2_error(c, 400, "InvalidParameterValue", "Value (%.64s) for parameter %s is invalid. Expected a boolean.",
			 v, name);
}

int ec2_long(struct ec2_call *c, const char *name, long def, long min, long max, long *out)
{
	const char *v = form_get(c->form, name);
	char *end;
	long n;

	if (!v) {
		*out = def;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < min || n > max)
		return ec2_error(c, 400, "InvalidParameterValue",
				 "Value (%.64s) for parameter %s is invalid. Expected an integer from %ld to %ld.", v, name,
				 min, max);
	*out = n;
	return 0;
}

int ec2_list(struct ec2_call *c, const char *name, const char ***out, size_t *n)
{
	int k = form_list(c->form, name, out);
	if (k < 0)
		return ec2_error(c, 400, "InvalidParameterValue", "Too many values for %s (at most %d)", name,
				 FORM_MAX_LIST);
	*n = (size_t)k;
	return 0;
}

int ec2_paging(struct ec2_call *c, const char *kind, long min, long max, long def, long *max_results, size_t *offset,
	       int64_t *asof)
{
	const char *tok = form_get(c->form, "NextToken");
	char k[32];
	long long a;
	unsigned long long off;
	int used = 0;

	if (ec2_long(c, "MaxResults", def, min, max, max_results) < 0)
		return -1;
	*offset = 0;
	*asof = c->now_ms;
	if (!tok || !*tok)
		return 0;
	if (strlen(tok) > EC2_MAX_NEXT_TOKEN)
		return ec2_error(c, 400, "InvalidParameterValue", "The NextToken is longer than %d characters",
				 EC2_MAX_NEXT_TOKEN);
	/* Our tokens: "<kind>.<asof ms>.<offset>". */
	if (sscanf(tok, "%31[a-z].%lld.%llu%n", k, &a, &off, &used) != 3 || tok[used] || strcmp(k, kind) ||
	    off > SIZE_MAX / 2 || a < 0)
		return ec2_error(c, 400, "InvalidParameterValue", "The NextToken is not valid for %s", c->action);
	*offset = (size_t)off;
	*asof = a;
	return 0;
}

void ec2_next_token(struct xmlw *w, const char *kind, size_t offset, int64_t asof)
{
	xmlw_textf(w, "nextToken", "%s.%" PRId64 ".%zu", kind, asof, offset);
}

static int ec2_b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+' || ch == '-')
		return 62;
	if (ch == '/' || ch == '_')
		return 63;
	return -1;
}

int ec2_base64_decode(const char *in, char **out, size_t *outlen, size_t max)
{
	size_t len = strlen(in), n = 0;
	unsigned acc = 0;
	int bits = 0, pad = 0;
	char *o = xmalloc(len / 4 * 3 + 4);

	for (size_t i = 0; i < len; i++) {
		int v;
		if (in[i] == '\n' || in[i] == '\r' || in[i] == ' ')
			continue;
		if (in[i] == '=') {
			pad++;
			continue;
		}
		v = ec2_b64val((unsigned char)in[i]);
		if (v < 0 || pad)
			goto bad;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2 || n > max)
		goto bad;
	o[n] = 0;
	*out = o;
	*outlen = n;
	return 0;
bad:
	free(o);
	return -1;
}

int ec2_tags(struct ec2_call *c, const char *prefix, struct sim_tag **tags, int *ntags)
{
	char key[96];

	for (int i = 1; i <= SIM_MAX_TAGS + 1; i++) {
		const char *k, *v;
		snprintf(key, sizeof(key), "%s.%d.Key", prefix, i);
		k = form_get(c->form, key);
		snprintf(key, sizeof(key), "%s.%d.Value", prefix, i);
		v = form_get(c->form, key);
		if (!k && !v)
			break;
		if (!k || !*k || strlen(k) > 128 || (v && strlen(v) > 256))
			return ec2_error(c, 400, "InvalidParameterValue",
					 "Tag %d: a key of 1 to 128 characters and a value of at most 256 are required", i);
		if (!strncmp(k, "aws:", 4))
			return ec2_error(c, 400, "InvalidParameterValue", "Tag keys starting with 'aws:' are reserved");
		if (*ntags >= SIM_MAX_TAGS)
			return ec2_error(c, 400, "TagLimitExceeded", "The maximum number of tags (%d) is exceeded",
					 SIM_MAX_TAGS);
		/* A repeated key replaces the value (CreateTags semantics). */
		int found = 0;
		for (int t = 0; t < *ntags; t++)
			if (!strcmp((*tags)[t].key, k)) {
				free((*tags)[t].value);
				(*tags)[t].value = xstrdup(v ? v : "");
				found = 1;
			}
		if (found)
			continue;
		*tags = xrealloc(*tags, st_mult((size_t)*ntags + 1, sizeof(**tags)));
		(*tags)[*ntags].key = xstrdup(k);
		(*tags)[*ntags].value = xstrdup(v ? v : "");
		(*ntags)++;
	}
	return 0;
}

void ec2_write_tags(struct xmlw *w, const struct sim_tag *tags, int ntags)
{
	if (!ntags)
		return;
	xmlw_open(w, "tagSet");
	for (int i = 0; i < ntags; i++) {
		xmlw_open(w, "item");
		xmlw_text(w, "key", tags[i].key);
		xmlw_text(w, "value", tags[i].value);
		xmlw_close(w);
	}
	xmlw_close(w);
}

int ec2_match(const char *p, const char *v)
{
	/* Iterative wildcard match with one backtrack point. */
	const char *star = NULL, *mark = NULL;
	while (*v) {
		if (*p == '?' || *p == *v) {
			p++;
			v++;
		} else if (*p == '*') {
			star = p++;
			mark = v;
		} else if (star) {
			p = star + 1;
			v = ++mark;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

int ec2_filter_any(const struct form_filter *f, const char *value)
{
	for (size_t i = 0; i < f->nvalues; i++)
		if (ec2_match(f->values[i], value ? value : ""))
			return 1;
	return 0;
}

/* ---- authentication ---- */

static int ec2_api_lookup(void *arg, const char *key, struct strbuf *secret)
{
	struct sim *sim = arg;
	const struct sim_credential *cr;

	if (sim->set.access_key_id && !strcmp(key, sim->set.access_key_id)) {
		strbuf_addstr(secret, sim->set.secret_access_key);
		return 0;
	}
	cr = sim_credential_find(sim, key);
	if (cr) {
		strbuf_addstr(secret, cr->secret);
		return 0;
	}
	return 1;
}

/* Checks the signature; 0 when the caller may go on, else -1 with the error document set. */
static int ec2_api_auth(struct ec2_call *c, const struct http_req *req, char *region, size_t rsize, char *key,
			size_t ksize)
{
	struct sigv4_verifier ver = { NULL, "ec2", 0, ec2_api_lookup, c->sim };
	struct sigv4_request sr = { req->method, req->target, req->headers, req->nheaders, req->body, req->body_len };
	struct sigv4_verification v;
	enum sigv4_status st;
	int rc = -1;

	sigv4_verification_init(&v);
	st = sigv4_verify(&ver, &sr, req->now_ms, &v);
	snprintf(key, ksize, "%s", v.access_key_id);
	switch (st) {
	case SIGV4_OK:
		break;
	case SIGV4_MISSING:
		ec2_error(c, 401, "AuthFailure", "AWS was not able to validate the provided access credentials");
		goto out;
	case SIGV4_MALFORMED:
		ec2_error(c, 400, "IncompleteSignature", "The request signature does not conform to AWS standards (%s)",
			  v.reason ? v.reason : "malformed");
		goto out;
	case SIGV4_BAD_SCOPE:
		ec2_error(c, 403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region and service (%s)",
			  v.reason ? v.reason : "bad scope");
		goto out;
	case SIGV4_EXPIRED:
		ec2_error(c, 400, "RequestExpired", "Request has expired.");
		goto out;
	case SIGV4_UNKNOWN_KEY:
		ec2_error(c, 401, "AuthFailure", "AWS was not able to validate the provided access credentials");
		goto out;
	case SIGV4_MISMATCH:
		log_debug("ec2_api_auth: signature mismatch; canonical request:\n%s", v.canonical_request.buf);
		ec2_error(c, 403, "SignatureDoesNotMatch",
			  "The request signature we calculated does not match the signature you provided. Check your AWS "
			  "Secret Access Key and signing method. Consult the service documentation for details.");
		goto out;
	default:
		ec2_error(c, 500, "InternalError", "An internal error has occurred");
		goto out;
	}
	/* Temporary credentials need their session token, and must not have expired. */
	{
		const struct sim_credential *cr = sim_credential_find(c->sim, v.access_key_id);
		if (cr) {
			if (!v.session_token || strcmp(v.session_token, cr->token)) {
				ec2_error(c, 401, "AuthFailure", "AWS was not able to validate the provided access credentials");
				goto out;
			}
			if (cr->expires_wall_ms <= req->now_ms) {
				ec2_error(c, 400, "RequestExpired", "The provided credentials have expired.");
				goto out;
			}
		}
	}
	if (!sim_region_known(c->sim, v.region)) {
		ec2_error(c, 401, "AuthFailure", "Credential should be scoped to a valid region, not '%s'. ", v.region);
		goto out;
	}
	snprintf(region, rsize, "%s", v.region);
	rc = 0;
out:
	sigv4_verification_release(&v);
	return rc;
}

void ec2_api_handle(struct sim *sim, const struct http_req *req, struct http_resp *resp)
{
	struct ec2_call c;
	struct form form;
	char err[256], region[SIGV4_MAX_SCOPE_PART_LEN + 1] = "", key[SIGV4_MAX_KEY_ID_LEN + 1] = "";
	const char *action = NULL;
	size_t i;

	memset(&c, 0, sizeof(c));
	form_init(&form);
	c.sim = sim;
	c.form = &form;
	c.now_ms = req->now_ms;
	c.out = &resp->body;
	c.status = 200;
	c.action = "-";
	sim_request_id(sim, c.request_id);
	sim_touch(sim, req->now_ms);
	resp->content_type = "text/xml;charset=UTF-8";

	if (strcmp(req->method, "POST") && strcmp(req->method, "GET")) {
		ec2_error(&c, 400, "InvalidAction", "The HTTP method %.16s is not supported", req->method);
		goto out;
	}
	if (form_parse(&form, req->query, strlen(req->query), err, sizeof(err)) < 0 ||
	    (!strcmp(req->method, "POST") && form_parse(&form, req->body, req->body_len, err, sizeof(err)) < 0)) {
		ec2_error(&c, 400, "InvalidParameterValue", "The request is malformed: %s", err);
		goto out;
	}
	action = form_get(&form, "Action");
	if (action && strlen(action) <= 64)
		c.action = action;
	if (ec2_api_auth(&c, req, region, sizeof(region), key, sizeof(key)) < 0)
		goto out;
	c.region = region;
	if (!action || !*action) {
		ec2_error(&c, 400, "MissingAction", "The request must contain the parameter Action");
		goto out;
	}
	for (i = 0; i < sizeof(ec2_actions) / sizeof(ec2_actions[0]); i++)
		if (!strcmp(ec2_actions[i].name, action))
			break;
	if (i == sizeof(ec2_actions) / sizeof(ec2_actions[0])) {
		ec2_error(&c, 400, "InvalidAction", "The action %.64s is not valid for this web service.", action);
		goto out;
	}
	{
		const char *ver = form_get(&form, "Version");
		if (ver && (strlen(ver) != 10 || ver[4] != '-' || ver[7] != '-')) {
			ec2_error(&c, 400, "InvalidParameterValue", "Invalid API version %.32s", ver);
			goto out;
		}
	}
	ec2_actions[i].fn(&c);
out:
	resp->status = c.status;
	/* Bounded fields: the line fits resp->log whatever the input (and every -O level agrees). */
	snprintf(resp->log, sizeof(resp->log), "ec2 %.48s region=%.24s key=%.64s %.48s", c.action,
		 *region ? region : "-", *key ? key : "-", c.error_code[0] ? c.error_code : "ok");
	form_release(&form);
}
