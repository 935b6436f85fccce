/*
 * imds.h - the instance metadata service, IMDSv2 only (AWS EC2 User Guide,
 * "Use the Instance Metadata Service to access instance metadata"):
 * PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds, then GETs
 * with X-aws-ec2-metadata-token. The token is renewed before it expires, and
 * dropped and renewed when a GET answers 401. 5xx and 429 are retried with
 * jittered backoff; every call has a short timeout.
 */
#ifndef SPOT_AGENT_IMDS_H
#define SPOT_AGENT_IMDS_H

#include <stdint.h>

#include "agent/httpc.h"

#define IMDS_TOKEN_TTL_S 21600		/* the most IMDS allows */
#define IMDS_TOKEN_MAX 256		/* bytes of a token we accept */
#define IMDS_MAX_BODY (64 * 1024)	/* bytes of one metadata answer */
#define IMDS_TIMEOUT_MS 2000
#define IMDS_ATTEMPTS 3

struct imds {
	struct httpc http;
	const char *base;		/* borrowed, no trailing '/' */
	char token[IMDS_TOKEN_MAX + 1];
	int64_t token_renew_mono;	/* renew at or after this monotonic ms */
	long ttl_s;
	volatile int *stop;
};

/* What the instance is, read once at start. */
struct imds_identity {
	char instance_id[32];
	char instance_type[64];
	char az[32];
	char region[32];
	char life_cycle[16];		/* "spot" or "on-demand" */
	char ami_id[32];
	char hostname[256];
};

void imds_init(struct imds *im, const char *base, volatile int *stop);
void imds_release(struct imds *im);
/*
 * GETs /latest/<path> (e.g. "meta-data/instance-id") into out. Returns the
 * final HTTP status (200, 404, ...), or -1 when IMDS could not be reached or
 * kept failing.
 */
int imds_get(struct imds *im, const char *path, struct strbuf *out);
/* Reads the identity; 0, or -1 with the missing item logged. */
int imds_identity(struct imds *im, struct imds_identity *id);

#endif
