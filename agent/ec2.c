/*
 * ec2.c - EC2 Query API calls (Amazon EC2 API Reference, "Making API requests
 * using the Query format"), signed with SigV4, retried the way the AWS SDKs
 * do: throttling errors and 5xx with capped exponential backoff and jitter.
 */
#include "agent/ec2.h"
#include "common/log.h"
#include "common/sigv4.h"
#include "common/timeutil.h"

#include <stdio.h>
#include <string.h>

int ec2_init(struct ec2 *e, const char *url, const char *region, struct creds *creds, struct imds *imds,
	     volatile int *stop)
{
	const char *h, *slash;
	size_t n;

	memset(e, 0, sizeof(*e));
	if (!region || strlen(region) >= sizeof(e->region))
		return -1;
	memcpy(e->region, region, strlen(region) + 1);
	if (url)
		n = (size_t)snprintf(e->url, sizeof(e->url), "%s", url);
	else
		n = (size_t)snprintf(e->url, sizeof(e->url), "https://ec2.%s.amazonaws.com/", region);
	if (n >= sizeof(e->url))
		return -1;
	h = strstr(e->url, "://");
	if (!h)
		return -1;
	h += 3;
	slash = strchr(h, '/');
	n = slash ? (size_t)(slash - h) : strlen(h);
	if (!n || n >= sizeof(e->host))
		return -1;
	memcpy(e->host, h, n);
	e->host[n] = 0;
	if (snprintf(e->path, sizeof(e->path), "%s", slash ? slash : "/") >= (int)sizeof(e->path) ||
	    strchr(e->path, '?'))
		return -1;
	if (!slash) {
		n = strlen(e->url);
		if (n + 2 > sizeof(e->url))
			return -1;
		e->url[n] = '/';
		e->url[n + 1] = 0;
	}
	httpc_init(&e->http, NULL, EC2_TIMEOUT_MS, EC2_XML_MAX_BODY, stop);
	e->creds = creds;
	e->imds = imds;
	e->stop = stop;
	return 0;
}

void ec2_release(struct ec2 *e)
{
	httpc_release(&e->http);
}

void ec2_form_add(struct strbuf *form, const char *key, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *kv[2] = { key, value };

	if (form->len)
		strbuf_addch(form, '&');
	for (int i = 0; i < 2; i++) {
		if (i)
			strbuf_addch(form, '=');
		for (const unsigned char *p = (const unsigned char *)kv[i]; *p; p++) {
			if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			    *p == '-' || *p == '_' || *p == '.' || *p == '~') {
				strbuf_addch(form, *p);
			} else {
				strbuf_addch(form, '%');
				strbuf_addch(form, hex[*p >> 4]);
				strbuf_addch(form, hex[*p & 15]);
			}
		}
	}
}

static void ec2_set_err(struct ec2 *e, const char *code, const char *msg)
{
	snprintf(e->err.code, sizeof(e->err.code), "%s", code);
	snprintf(e->err.message, sizeof(e->err.message), "%s", msg);
	e->err.request_id[0] = 0;
}

/* AWS SDK retry rules: throttling codes, and 5xx (InternalError, Unavailable). */
static int ec2_retryable(long status, const char *code)
{
	static const char *const throttles[] = { "Throttling", "ThrottlingException", "RequestLimitExceeded",
						 "RequestThrottled", "SlowDown", "TooManyRequestsException",
						 "EC2ThrottledException", "InternalError", "Unavailable",
						 "ServiceUnavailable", NULL };
	if (status >= 500 || status == 429)
		return 1;
	for (size_t i = 0; throttles[i]; i++)
		if (!strcmp(code, throttles[i]))
			return 1;
	return 0;
}

int ec2_call(struct ec2 *e, const struct strbuf *form, struct strbuf *out)
{
	struct strbuf body = STRBUF_INIT;
	struct httpc_response res;
	int rc = -1;

	strbuf_add(&body, form->buf, form->len);
	ec2_form_add(&body, "Version", EC2_API_VERSION);
	httpc_response_init(&res);
	memset(&e->err, 0, sizeof(e->err));
	for (unsigned a = 0; a < EC2_ATTEMPTS; a++) {
		struct sigv4_header hdrs[2] = { { "Host", e->host },
						{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" } };
		struct sigv4_request sreq = { "POST", e->path, hdrs, 2, body.buf, body.len };
		struct sigv4_credentials cred;
		struct sigv4_signing sig;
		struct httpc_request req = { .method = "POST", .url = e->url, .body = body.buf, .body_len = body.len };
		char hhost[400], h[SIGV4_MAX_ADDED][SIGV4_MAX_TOKEN_LEN + 64];
		enum httpc_status st;

		if (a) {
			long ms = httpc_backoff_ms(a - 1, 200, 5000);
			if (res.retry_after_s > 0 && res.retry_after_s * 1000 > ms)
				ms = res.retry_after_s * 1000 > 20000 ? 20000 : res.retry_after_s * 1000;
			time_sleep_ms(ms, e->stop);
		}
		if (e->stop && *e->stop) {
			ec2_set_err(e, "NetworkError", "stopping");
			break;
		}
		if (creds_ensure(e->creds, e->imds, time_now_ms()) < 0) {
			ec2_set_err(e, "NoCredentials", "no instance profile and no AWS_ACCESS_KEY_ID");
			break;
		}
		creds_view(e->creds, &cred);
		sigv4_signing_init(&sig);
		if (sigv4_sign(&sreq, &cred, e->region, "ec2", time_now_ms(), 0, &sig) < 0) {
			sigv4_signing_release(&sig);
			ec2_set_err(e, "SigningFailed", "sigv4_sign refused the request");
			break;
		}
		snprintf(hhost, sizeof(hhost), "Host: %s", e->host);
		req.headers[0] = hhost;
		req.headers[1] = "Content-Type: application/x-www-form-urlencoded; charset=utf-8";
		for (size_t i = 0; i < sig.nadd; i++) {
			snprintf(h[i], sizeof(h[i]), "%s: %s", sig.add[i].name, sig.add[i].value);
			req.headers[2 + i] = h[i];
		}
		st = httpc_perform(&e->http, &req, &res);
		sigv4_signing_release(&sig);
		if (st == HTTPC_STOPPED) {
			ec2_set_err(e, "NetworkError", "stopping");
			break;
		}
		if (st != HTTPC_OK) {
			ec2_set_err(e, "NetworkError", res.error[0] ? res.error : "no answer");
			continue;
		}
		if (res.code == 200) {
			strbuf_reset(out);
			strbuf_add(out, res.body.buf, res.body.len);
			rc = 0;
			break;
		}
		if (ec2_xml_error(res.body.buf, res.body.len, &e->err) < 0) {
			char m[64];
			snprintf(m, sizeof(m), "HTTP %ld without an error document", res.code);
			ec2_set_err(e, res.code >= 500 ? "InternalError" : "MalformedResponse", m);
		}
		if (!strcmp(e->err.code, "ExpiredToken") || !strcmp(e->err.code, "RequestExpired")) {
			/* Temporary credentials ran out under us: fetch new ones and retry. */
			e->creds->expires_ms = 1;
			continue;
		}
		if (!ec2_retryable(res.code, e->err.code))
			break;
	}
	if (rc < 0)
		log_warn("ec2_call: %.40s: %s: %s%s%s", form->buf, e->err.code, e->err.message,
			 e->err.request_id[0] ? " request " : "", e->err.request_id);
	httpc_response_release(&res);
	strbuf_release(&body);
	return rc;
}

static int ec2_malformed(struct ec2 *e, const char *action)
{
	char m[128];
	snprintf(m, sizeof(m), "the %s answer did not parse", action);
	ec2_set_err(e, "MalformedResponse", m);
	return log_err("ec2: %s", m);
}

static void ec2_form_list(struct strbuf *f, const char *prefix, const char *const *v, size_t n)
{
	char key[128];
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s.%zu", prefix, i + 1);
		ec2_form_add(f, key, v[i]);
	}
}

int ec2_describe_spot_price_history(struct ec2 *e, const char *const *types, size_t ntypes, int64_t start_ms,
				    struct ec2_prices *out)
{
	struct strbuf form = STRBUF_INIT, body = STRBUF_INIT;
	char ts[32], token[EC2_XML_MAX_TOKEN + 1] = "";
	int rc = -1;

	time_format_rfc3339(start_ms, ts, sizeof(ts));
	for (int page = 0; page < EC2_MAX_PAGES; page++) {
		strbuf_reset(&form);
		ec2_form_add(&form, "Action", "DescribeSpotPriceHistory");
		ec2_form_list(&form, "InstanceType", types, ntypes);
		ec2_form_add(&form, "ProductDescription.1", "Linux/UNIX");
		ec2_form_add(&form, "StartTime", ts);
		ec2_form_add(&form, "MaxResults", "1000");
		if (token[0])
			ec2_form_add(&form, "NextToken", token);
		if (ec2_call(e, &form, &body) < 0)
			goto out;
		if (ec2_xml_spot_prices(body.buf, body.len, out) < 0) {
			ec2_malformed(e, "DescribeSpotPriceHistory");
			goto out;
		}
		if (!out->next_token[0] || !strcmp(out->next_token, token)) {
			rc = 0;
			goto out;
		}
		memcpy(token, out->next_token, sizeof(token));
	}
	log_warn("ec2_describe_spot_price_history: stopped after %d pages", EC2_MAX_PAGES);
	rc = 0;
out:
	strbuf_release(&form);
	strbuf_release(&body);
	return rc;
}

/* Calls form and parses the answer with parse; rc 0 or -1. */
static int ec2_do(struct ec2 *e, struct strbuf *form, const char *action, int (*parse)(const char *, size_t, void *),
		  void *arg)
{
	struct strbuf body = STRBUF_INIT;
	int rc = ec2_call(e, form, &body);

	if (rc == 0 && parse && parse(body.buf, body.len, arg) < 0)
		rc = ec2_malformed(e, action);
	strbuf_release(&body);
	strbuf_release(form);
	return rc;
}

static int ec2_parse_instances(const char *x, size_t n, void *arg)
{
	return ec2_xml_instances(x, n, arg);
}

static int ec2_parse_terminated(const char *x, size_t n, void *arg)
{
	return ec2_xml_terminated(x, n, arg);
}

static int ec2_parse_images(const char *x, size_t n, void *arg)
{
	return ec2_xml_images(x, n, arg);
}

static int ec2_parse_addresses(const char *x, size_t n, void *arg)
{
	return ec2_xml_addresses(x, n, arg);
}

static int ec2_parse_true(const char *x, size_t n, void *arg)
{
	(void)arg;
	return ec2_xml_return_true(x, n);
}

int ec2_describe_instances(struct ec2 *e, const char *const *ids, size_t nids, struct ec2_instances *out)
{
	struct strbuf f = STRBUF_INIT;
	ec2_form_add(&f, "Action", "DescribeInstances");
	ec2_form_list(&f, "InstanceId", ids, nids);
	return ec2_do(e, &f, "DescribeInstances", ec2_parse_instances, out);
}

int ec2_run_instances(struct ec2 *e, const struct ec2_run_spec *s, struct ec2_instances *out)
{
	struct strbuf f = STRBUF_INIT;
	char key[128];

	ec2_form_add(&f, "Action", "RunInstances");
	ec2_form_add(&f, "ImageId", s->image_id);
	ec2_form_add(&f, "InstanceType", s->instance_type);
	ec2_form_add(&f, "MinCount", "1");
	ec2_form_add(&f, "MaxCount", "1");
	if (s->client_token)
		ec2_form_add(&f, "ClientToken", s->client_token);
	if (s->subnet_id && *s->subnet_id)
		ec2_form_add(&f, "SubnetId", s->subnet_id);
	else if (s->az && *s->az)
		ec2_form_add(&f, "Placement.AvailabilityZone", s->az);
	if (s->key_name && *s->key_name)
		ec2_form_add(&f, "KeyName", s->key_name);
	if (s->iam_profile_arn && *s->iam_profile_arn)
		ec2_form_add(&f, "IamInstanceProfile.Arn", s->iam_profile_arn);
	ec2_form_list(&f, "SecurityGroupId", s->sg, s->nsg);
	if (s->user_data_b64 && *s->user_data_b64)
		ec2_form_add(&f, "UserData", s->user_data_b64);
	if (s->spot)
		ec2_form_add(&f, "InstanceMarketOptions.MarketType", "spot");
	if (s->ntags) {
		ec2_form_add(&f, "TagSpecification.1.ResourceType", "instance");
		for (size_t i = 0; i < s->ntags; i++) {
			snprintf(key, sizeof(key), "TagSpecification.1.Tag.%zu.Key", i + 1);
			ec2_form_add(&f, key, s->tags[i].key);
			snprintf(key, sizeof(key), "TagSpecification.1.Tag.%zu.Value", i + 1);
			ec2_form_add(&f, key, s->tags[i].value);
		}
	}
	return ec2_do(e, &f, "RunInstances", ec2_parse_instances, out);
}

int ec2_terminate_instances(struct ec2 *e, const char *const *ids, size_t nids, struct ec2_instances *out)
{
	struct strbuf f = STRBUF_INIT;
	ec2_form_add(&f, "Action", "TerminateInstances");
	ec2_form_list(&f, "InstanceId", ids, nids);
	return ec2_do(e, &f, "TerminateInstances", ec2_parse_terminated, out);
}

struct ec2_image_id_arg {
	char *buf;
	size_t size;
};

static int ec2_parse_image_id(const char *x, size_t n, void *arg)
{
	struct ec2_image_id_arg *a = arg;
	return ec2_xml_image_id(x, n, a->buf, a->size);
}

int ec2_create_image(struct ec2 *e, const char *instance_id, const char *name, int no_reboot, char *image_id,
		     size_t size)
{
	struct strbuf f = STRBUF_INIT;
	struct ec2_image_id_arg a = { image_id, size };
	ec2_form_add(&f, "Action", "CreateImage");
	ec2_form_add(&f, "InstanceId", instance_id);
	ec2_form_add(&f, "Name", name);
	ec2_form_add(&f, "NoReboot", no_reboot ? "true" : "false");
	return ec2_do(e, &f, "CreateImage", ec2_parse_image_id, &a);
}

int ec2_describe_images(struct ec2 *e, const char *image_id, const char *name, struct ec2_images *out)
{
	struct strbuf f = STRBUF_INIT;
	ec2_form_add(&f, "Action", "DescribeImages");
	ec2_form_add(&f, "Owner.1", "self");
	if (image_id)
		ec2_form_add(&f, "ImageId.1", image_id);
	if (name) {
		ec2_form_add(&f, "Filter.1.Name", "name");
		ec2_form_add(&f, "Filter.1.Value.1", name);
	}
	return ec2_do(e, &f, "DescribeImages", ec2_parse_images, out);
}

int ec2_deregister_image(struct ec2 *e, const char *image_id)
{
	struct strbuf f = STRBUF_INIT;
	ec2_form_add(&f, "Action", "DeregisterImage");
	ec2_form_add(&f, "ImageId", image_id);
	return ec2_do(e, &f, "DeregisterImage", ec2_parse_true, NULL);
}

int ec2_delete_snapshot(struct ec2 *e, const char *snapshot_id)
{
	struct strbuf f = STRBUF_INIT;
	ec2_form_add(&f, "Action", "DeleteSnapshot");
	ec2_form_add(&f, "SnapshotId", snapshot_id);
	return ec2_do(e, &f, "DeleteSnapshot", ec2_parse_true, NULL);
}

int ec2_create_tags(struct ec2 *e, const char *resource_id, const struct ec2_tag *tags, size_t ntags)
{
	struct strbuf f = STRBUF_INIT;
	char key[64];
	ec2_form_add(&f, "Action", "CreateTags");
	ec2_form_add(&f, "ResourceId.1", resource_id);
	for (size_t i = 0; i < ntags; i++) {
		snprintf(key, sizeof(key), "Tag.%zu.Key", i + 1);
		ec2_form_add(&f, key, tags[i].key);
		snprintf(key, sizeof(key), "Tag.%zu.Value", i + 1);
		ec2_form_add(&f, key, tags[i].value);
	}
	return ec2_do(e, &f, "CreateTags", ec2_parse_true, NULL);
}

int ec2_describe_addresses(struct ec2 *e, const char *instance_id, struct ec2_addresses *out)
{
	struct strbuf f = STRBUF_INIT;
	ec2_form_add(&f, "Action", "DescribeAddresses");
	if (instance_id) {
		ec2_form_add(&f, "Filter.1.Name", "instance-id");
		ec2_form_add(&f, "Filter.1.Value.1", instance_id);
	}
	return ec2_do(e, &f, "DescribeAddresses", ec2_parse_addresses, out);
}

int ec2_associate_address(struct ec2 *e, const char *allocation_id, const char *instance_id)
{
	struct strbuf f = STRBUF_INIT;
	ec2_form_add(&f, "Action", "AssociateAddress");
	ec2_form_add(&f, "AllocationId", allocation_id);
	ec2_form_add(&f, "InstanceId", instance_id);
	ec2_form_add(&f, "AllowReassociation", "true");
	return ec2_do(e, &f, "AssociateAddress", ec2_parse_true, NULL);
}
