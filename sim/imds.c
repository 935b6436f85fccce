/* imds.c - the instance metadata service (IMDSv2) of each simulated instance. */
#include "sim/imds.h"
#include "common/digest.h"
#include "common/timeutil.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bodies real IMDS sends with its errors (shared/testdata/imds/aemm golden files). */
static const char imds_page_fmt[] =
	"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n"
	"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
	"\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
	"<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
	" <head>\n  <title>%d - %s</title>\n </head>\n <body>\n  <h1>%d - %s</h1>\n </body>\n</html>\n";

static void imds_error(struct http_resp *resp, int status, const char *text)
{
	resp->status = status;
	resp->content_type = "text/html";
	strbuf_reset(&resp->body);
	strbuf_addf(&resp->body, imds_page_fmt, status, text, status, text);
}

static void imds_text(struct http_resp *resp, const char *s)
{
	resp->status = 200;
	resp->content_type = "text/plain";
	strbuf_addstr(&resp->body, s);
}

void imds_token_make(const struct sim *sim, const char *instance_id, int64_t expires_ms, char *out, size_t size)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char msg[128], hex[2 * EVP_MAX_MD_SIZE + 1];
	int n = snprintf(msg, sizeof(msg), "%s|%" PRId64, instance_id, expires_ms);

	HMAC(EVP_sha256(), sim->imds_key, (int)sizeof(sim->imds_key), (const unsigned char *)msg, (size_t)n, mac, &maclen);
	digest_hex(mac, maclen, hex);
	snprintf(out, size, "AQAE%" PRIx64 "_%s", (uint64_t)expires_ms, hex);
}

int imds_token_valid(const struct sim *sim, const char *instance_id, const char *token, int64_t now_ms)
{
	char expect[160];
	unsigned long long exp;
	int used = 0;

	if (!token || strlen(token) > 120 || sscanf(token, "AQAE%llx_%n", &exp, &used) != 1 || !used)
		return 0;
	if ((int64_t)exp <= now_ms)
		return 0;
	imds_token_make(sim, instance_id, (int64_t)exp, expect, sizeof(expect));
	return strlen(expect) == strlen(token) && digest_equal(expect, token, strlen(token));
}

static void imds_credentials(struct sim *sim, const struct sim_instance *in, struct http_resp *resp, int64_t now_ms)
{
	const struct sim_credential *cr = sim_credential_issue(sim, in->id, now_ms);
	char upd[32], exp[32];

	if (!cr) {
		imds_error(resp, 500, "Internal Server Error");
		return;
	}
	time_format_rfc3339(now_ms, upd, sizeof(upd));
	time_format_rfc3339(cr->expires_wall_ms, exp, sizeof(exp));
	resp->status = 200;
	resp->content_type = "text/plain";
	strbuf_addf(&resp->body,
		    "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"%s\",\n  \"Type\" : \"AWS-HMAC\",\n"
		    "  \"AccessKeyId\" : \"%s\",\n  \"SecretAccessKey\" : \"%s\",\n  \"Token\" : \"%s\",\n"
		    "  \"Expiration\" : \"%s\"\n}",
		    upd, cr->access_key_id, cr->secret, cr->token, exp);
}

void imds_handle(struct sim *sim, const struct http_req *req, struct http_resp *resp)
{
	const char *rest = req->path + strlen(IMDS_PREFIX), *slash = strchr(rest, '/'), *p;
	char id[SIM_ID_LEN], ts[32];
	struct sim_instance *in;
	size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);

	snprintf(resp->log, sizeof(resp->log), "imds %s %.96s", req->method, req->path);
	if (!slash || idlen == 0 || idlen >= sizeof(id)) {
		imds_error(resp, 404, "Not Found");
		return;
	}
	memcpy(id, rest, idlen);
	id[idlen] = 0;
	in = sim_instance_find(sim, id);
	/* A terminated or stopped instance has no metadata service to reach. */
	if (!in || in->state == SIM_TERMINATED || in->state == SIM_STOPPED) {
		imds_error(resp, 404, "Not Found");
		return;
	}
	p = slash;
	if (!strcmp(p, "/latest/api/token")) {
		const char *ttl_s = http_req_header(req, "X-aws-ec2-metadata-token-ttl-seconds");
		char *end, tok[160];
		long ttl;
		if (strcmp(req->method, "PUT")) {
			imds_error(resp, 405, "Method Not Allowed");
			return;
		}
		if (http_req_header(req, "X-Forwarded-For")) {
			imds_error(resp, 403, "Forbidden");
			return;
		}
		ttl = ttl_s ? strtol(ttl_s, &end, 10) : 0;
		if (!ttl_s || !*ttl_s || *end || ttl < 1 || ttl > IMDS_MAX_TTL) {
			imds_error(resp, 400, "Bad Request");
			return;
		}
		imds_token_make(sim, in->id, req->now_ms + ttl * 1000, tok, sizeof(tok));
		imds_text(resp, tok);
		snprintf(resp->hdr_name, sizeof(resp->hdr_name), "X-aws-ec2-metadata-token-ttl-seconds");
		snprintf(resp->hdr_value, sizeof(resp->hdr_value), "%ld", ttl);
		return;
	}
	if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
		imds_error(resp, 405, "Method Not Allowed");
		return;
	}
	if (!imds_token_valid(sim, in->id, http_req_header(req, "X-aws-ec2-metadata-token"), req->now_ms)) {
		imds_error(resp, 401, "Unauthorized");
		return;
	}
	if (!strncmp(p, "/latest/meta-data", 17)) {
		const char *m = p + 17;
		if (*m == '/')
			m++;
		if (!*m) {
			imds_text(resp, "ami-id\nami-launch-index\nevents/\nhostname\niam/\ninstance-id\ninstance-life-cycle\n"
					"instance-type\nlocal-hostname\nlocal-ipv4\nplacement/\npublic-ipv4\nspot/");
		} else if (!strcmp(m, "instance-id")) {
			imds_text(resp, in->id);
		} else if (!strcmp(m, "instance-type")) {
			imds_text(resp, in->type);
		} else if (!strcmp(m, "ami-id")) {
			imds_text(resp, in->image_id);
		} else if (!strcmp(m, "ami-launch-index")) {
			strbuf_addf(&resp->body, "%d", in->launch_index);
			imds_text(resp, "");
		} else if (!strcmp(m, "instance-life-cycle")) {
			imds_text(resp, in->spot ? "spot" : "on-demand");
		} else if (!strcmp(m, "placement/") || !strcmp(m, "placement")) {
			imds_text(resp, "availability-zone\nregion");
		} else if (!strcmp(m, "placement/availability-zone")) {
			imds_text(resp, in->az);
		} else if (!strcmp(m, "placement/region")) {
			imds_text(resp, in->region);
		} else if (!strcmp(m, "local-ipv4")) {
			imds_text(resp, in->private_ip);
		} else if (!strcmp(m, "hostname") || !strcmp(m, "local-hostname")) {
			strbuf_addstr(&resp->body, "ip-");
			for (const char *q = in->private_ip; *q; q++)
				strbuf_addch(&resp->body, *q == '.' ? '-' : *q);
			imds_text(resp, ".ec2.internal");
		} else if (!strcmp(m, "public-ipv4")) {
			const char *ip = in->public_ip;
			for (size_t i = 0; i < sim->naddresses; i++)
				if (!strcmp(sim->addresses[i].instance_id, in->id))
					ip = sim->addresses[i].public_ip;
			imds_text(resp, ip);
		} else if (!strcmp(m, "iam/") || !strcmp(m, "iam")) {
			if (in->profile)
				imds_text(resp, "info\nsecurity-credentials/");
			else
				imds_error(resp, 404, "Not Found");
		} else if (!strcmp(m, "iam/security-credentials/") || !strcmp(m, "iam/security-credentials")) {
			if (in->profile)
				imds_text(resp, in->profile);
			else
				imds_error(resp, 404, "Not Found");
		} else if (!strncmp(m, "iam/security-credentials/", 25)) {
			if (in->profile && !strcmp(m + 25, in->profile))
				imds_credentials(sim, in, resp, req->now_ms);
			else
				imds_error(resp, 404, "Not Found");
		} else if (!strcmp(m, "spot/") || !strcmp(m, "spot")) {
			if (in->spot)
				imds_text(resp, "instance-action\ntermination-time");
			else
				imds_error(resp, 404, "Not Found");
		} else if (!strcmp(m, "spot/instance-action") && in->notice_shown_ms && req->now_ms >= in->notice_shown_ms) {
			/* EC2 User Guide, "Spot Instance interruption notices": {"action": ..., "time": ...}. */
			time_format_rfc3339(in->action_wall_ms, ts, sizeof(ts));
			strbuf_addf(&resp->body, "{\"action\": \"%s\", \"time\": \"%s\"}", in->action, ts);
			imds_text(resp, "");
		} else if (!strcmp(m, "spot/termination-time") && in->notice_shown_ms && req->now_ms >= in->notice_shown_ms &&
			   !strcmp(in->action, "terminate")) {
			time_format_rfc3339(in->action_wall_ms, ts, sizeof(ts));
			imds_text(resp, ts);
		} else if (!strcmp(m, "events/recommendations/rebalance") && in->rebalance_wall_ms &&
			   req->now_ms >= in->rebalance_wall_ms) {
			time_format_rfc3339(in->rebalance_wall_ms, ts, sizeof(ts));
			strbuf_addf(&resp->body, "{\"noticeTime\": \"%s\"}", ts);
			imds_text(resp, "");
		} else {
			imds_error(resp, 404, "Not Found");
		}
		return;
	}
	if (!strcmp(p, "/latest/user-data")) {
		if (!in->user_data) {
			imds_error(resp, 404, "Not Found");
			return;
		}
		resp->status = 200;
		resp->content_type = "application/octet-stream";
		strbuf_add(&resp->body, in->user_data, in->user_data_len);
		return;
	}
	if (!strcmp(p, "/latest/dynamic/instance-identity/document")) {
		time_format_rfc3339(in->launch_wall_ms, ts, sizeof(ts));
		strbuf_addf(&resp->body,
			    "{\n  \"accountId\" : \"%s\",\n  \"architecture\" : \"x86_64\",\n  \"availabilityZone\" : \"%s\",\n"
			    "  \"imageId\" : \"%s\",\n  \"instanceId\" : \"%s\",\n  \"instanceType\" : \"%s\",\n"
			    "  \"pendingTime\" : \"%s\",\n  \"privateIp\" : \"%s\",\n  \"region\" : \"%s\",\n"
			    "  \"version\" : \"2017-09-30\"\n}",
			    SIM_ACCOUNT_ID, in->az, in->image_id, in->id, in->type, ts, in->private_ip, in->region);
		imds_text(resp, "");
		return;
	}
	imds_error(resp, 404, "Not Found");
}
