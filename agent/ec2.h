/*
 * ec2.h - the EC2 Query API client: form-encoded POSTs (Version=2016-11-15)
 * signed with SigV4 (common/sigv4.h), answers parsed by ec2_xml. Throttling
 * and 5xx answers and network failures are retried with jittered backoff;
 * other AWS errors are surfaced in ec2->err (code, message, request id).
 *
 * Every action returns 0, or -1 with ec2->err filled ("NetworkError" when
 * EC2 was never reached, "MalformedResponse" when the answer did not parse).
 */
#ifndef SPOT_AGENT_EC2_H
#define SPOT_AGENT_EC2_H

#include <stdint.h>

#include "agent/creds.h"
#include "agent/ec2_xml.h"
#include "agent/httpc.h"

#define EC2_API_VERSION "2016-11-15"
#define EC2_ATTEMPTS 5
#define EC2_TIMEOUT_MS 20000
#define EC2_MAX_PAGES 50

struct ec2 {
	struct httpc http;
	char url[1024];
	char host[300];
	char path[512];
	char region[32];
	struct creds *creds;		/* borrowed */
	struct imds *imds;		/* borrowed; may be NULL */
	volatile int *stop;
	struct ec2_error err;
};

/* What RunInstances needs (seed 001: copy everything from the current instance). */
struct ec2_run_spec {
	const char *image_id;
	const char *instance_type;
	const char *az;
	const char *subnet_id;			/* may be NULL */
	const char *key_name;			/* may be NULL */
	const char *iam_profile_arn;		/* may be NULL */
	const char *const *sg;			/* security group ids */
	size_t nsg;
	const struct ec2_tag *tags;
	size_t ntags;
	const char *user_data_b64;		/* may be NULL */
	const char *client_token;		/* idempotency: at most 64 ASCII characters */
	int spot;
};

/* url NULL: https://ec2.<region>.amazonaws.com/. Returns 0 or -1 (bad URL). */
int ec2_init(struct ec2 *e, const char *url, const char *region, struct creds *creds, struct imds *imds,
	     volatile int *stop);
void ec2_release(struct ec2 *e);

/* Appends "&key=value" (or "key=value" first) with RFC 3986 percent-encoding. */
void ec2_form_add(struct strbuf *form, const char *key, const char *value);
/* One action: form holds Action=...; Version is added. out gets the 200 body. */
int ec2_call(struct ec2 *e, const struct strbuf *form, struct strbuf *out);

/* Every page since start_ms for types (product Linux/UNIX), appended to out. */
int ec2_describe_spot_price_history(struct ec2 *e, const char *const *types, size_t ntypes, int64_t start_ms,
				    struct ec2_prices *out);
int ec2_describe_instances(struct ec2 *e, const char *const *ids, size_t nids, struct ec2_instances *out);
int ec2_run_instances(struct ec2 *e, const struct ec2_run_spec *spec, struct ec2_instances *out);
int ec2_terminate_instances(struct ec2 *e, const char *const *ids, size_t nids, struct ec2_instances *out);
int ec2_create_image(struct ec2 *e, const char *instance_id, const char *name, int no_reboot, char *image_id,
		     size_t size);
/* Images owned by this account, optionally by id or by name. */
int ec2_describe_images(struct ec2 *e, const char *image_id, const char *name, struct ec2_images *out);
int ec2_deregister_image(struct ec2 *e, const char *image_id);
int ec2_delete_snapshot(struct ec2 *e, const char *snapshot_id);
int ec2_create_tags(struct ec2 *e, const char *resource_id, const struct ec2_tag *tags, size_t ntags);
/* The addresses associated with instance_id (NULL: all). */
int ec2_describe_addresses(struct ec2 *e, const char *instance_id, struct ec2_addresses *out);
int ec2_associate_address(struct ec2 *e, const char *allocation_id, const char *instance_id);

#endif
