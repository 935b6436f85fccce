/* imds.c - IMDSv2: session token, bounded GETs, the instance's identity. */
#include "agent/imds.h"
#include "common/log.h"
#include "common/timeutil.h"

#include <stdio.h>
#include <string.h>

void imds_init(struct imds *im, const char *base, volatile int *stop)
{
	memset(im, 0, sizeof(*im));
	httpc_init(&im->http, NULL, IMDS_TIMEOUT_MS, IMDS_MAX_BODY, stop);
	/* IMDS answers on the link only; a proxy from the environment must not see its tokens. */
	im->http.no_proxy = 1;
	im->base = base;
	im->ttl_s = IMDS_TOKEN_TTL_S;
	im->stop = stop;
}

void imds_release(struct imds *im)
{
	httpc_release(&im->http);
}

static int imds_retryable(long code)
{
	return code == 429 || code >= 500;
}

static void imds_pause(struct imds *im, unsigned attempt)
{
	time_sleep_ms(httpc_backoff_ms(attempt, 100, 1000), im->stop);
}

/* Gets a fresh token; 0 or -1. */
static int imds_token(struct imds *im)
{
	char url[1200], ttl[64];
	struct httpc_request req = { .method = "PUT", .url = url };
	struct httpc_response res;
	int rc = -1;

	snprintf(url, sizeof(url), "%s/latest/api/token", im->base);
	snprintf(ttl, sizeof(ttl), "X-aws-ec2-metadata-token-ttl-seconds: %ld", im->ttl_s);
	req.headers[0] = ttl;
	httpc_response_init(&res);
	for (unsigned a = 0; a < IMDS_ATTEMPTS; a++) {
		if (a)
			imds_pause(im, a - 1);
		if (httpc_perform(&im->http, &req, &res) != HTTPC_OK)
			continue;
		if (res.code == 200 && res.body.len > 0 && res.body.len <= IMDS_TOKEN_MAX &&
		    strspn(res.body.buf, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-.") ==
			    res.body.len) {
			memcpy(im->token, res.body.buf, res.body.len + 1);
			/* Renew when 90 % of the TTL has passed. */
			im->token_renew_mono = time_mono_ms() + im->ttl_s * 900;
			rc = 0;
			break;
		}
		if (!imds_retryable(res.code)) {
			log_warn("imds_token: PUT %s answered %ld", url, res.code);
			break;
		}
	}
	if (rc < 0 && res.error[0])
		log_warn("imds_token: %s: %s", url, res.error);
	httpc_response_release(&res);
	return rc;
}

int imds_get(struct imds *im, const char *path, struct strbuf *out)
{
	char url[1200], hdr[IMDS_TOKEN_MAX + 64];
	struct httpc_request req = { .method = "GET", .url = url };
	struct httpc_response res;
	int rc = -1, renewed = 0;

	snprintf(url, sizeof(url), "%s/latest/%s", im->base, path);
	httpc_response_init(&res);
	for (unsigned a = 0; a < IMDS_ATTEMPTS + 1; a++) {
		if (!im->token[0] || time_mono_ms() >= im->token_renew_mono) {
			if (imds_token(im) < 0)
				break;
		}
		snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token: %s", im->token);
		req.headers[0] = hdr;
		if (httpc_perform(&im->http, &req, &res) != HTTPC_OK) {
			if (im->stop && *im->stop)
				break;
			imds_pause(im, a);
			continue;
		}
		if (res.code == 401 && !renewed) {
			/* The token expired or IMDS restarted: drop it and get another, once. */
			im->token[0] = 0;
			renewed = 1;
			continue;
		}
		if (imds_retryable(res.code)) {
			imds_pause(im, a);
			continue;
		}
		rc = (int)res.code;
		break;
	}
	strbuf_reset(out);
	if (rc == 200)
		strbuf_add(out, res.body.buf, res.body.len);
	httpc_response_release(&res);
	return rc;
}

/* Copies one metadata item into buf, refusing empty, oversized or non-printable values. */
static int imds_item(struct imds *im, const char *path, char *buf, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = imds_get(im, path, &sb);

	if (rc != 200 || !sb.len || sb.len >= size) {
		strbuf_release(&sb);
		return log_err("imds_identity: %s: %s", path, rc == 200 ? "empty or too long" : "not readable");
	}
	for (size_t i = 0; i < sb.len; i++)
		if ((unsigned char)sb.buf[i] < 0x21 || (unsigned char)sb.buf[i] > 0x7e) {
			strbuf_release(&sb);
			return log_err("imds_identity: %s: not printable", path);
		}
	memcpy(buf, sb.buf, sb.len + 1);
	strbuf_release(&sb);
	return 0;
}

int imds_identity(struct imds *im, struct imds_identity *id)
{
	memset(id, 0, sizeof(*id));
	if (imds_item(im, "meta-data/instance-id", id->instance_id, sizeof(id->instance_id)) < 0 ||
	    imds_item(im, "meta-data/instance-type", id->instance_type, sizeof(id->instance_type)) < 0 ||
	    imds_item(im, "meta-data/placement/availability-zone", id->az, sizeof(id->az)) < 0)
		return -1;
	if (imds_item(im, "meta-data/placement/region", id->region, sizeof(id->region)) < 0) {
		/* Older IMDS: the region is the zone without its letter. */
		size_t n = strlen(id->az);
		memcpy(id->region, id->az, n - 1);
		id->region[n - 1] = 0;
	}
	if (imds_item(im, "meta-data/instance-life-cycle", id->life_cycle, sizeof(id->life_cycle)) < 0)
		memcpy(id->life_cycle, "on-demand", 10);
	if (imds_item(im, "meta-data/ami-id", id->ami_id, sizeof(id->ami_id)) < 0)
		id->ami_id[0] = 0;
	if (imds_item(im, "meta-data/local-hostname", id->hostname, sizeof(id->hostname)) < 0)
		memcpy(id->hostname, id->instance_id, sizeof(id->instance_id));
	return 0;
}
