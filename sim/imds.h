/*
 * imds.h - IMDSv2 for every simulated instance, under /imds/<instance-id>/.
 *
 * EC2 User Guide, "Use the Instance Metadata Service to access instance
 * metadata": PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds
 * (1..21600, else 400) returns a token; every GET needs it in
 * X-aws-ec2-metadata-token (401 otherwise). Tokens are HMACs over the
 * instance id and the expiry, so they need no storage and one instance's
 * token is refused by another.
 */
#ifndef SPOT_SIM_IMDS_H
#define SPOT_SIM_IMDS_H

#include "sim/http.h"
#include "sim/sim.h"

#define IMDS_PREFIX "/imds/"
#define IMDS_MAX_TTL 21600

/* Serves a request whose path starts with IMDS_PREFIX (sim locked by the caller). */
void imds_handle(struct sim *sim, const struct http_req *req, struct http_resp *resp);
/* Makes a token for instance_id valid until expires_ms; out needs 128 bytes. */
void imds_token_make(const struct sim *sim, const char *instance_id, int64_t expires_ms, char *out, size_t size);
/* 1 when token is valid for instance_id at now_ms. */
int imds_token_valid(const struct sim *sim, const char *instance_id, const char *token, int64_t now_ms);

#endif
