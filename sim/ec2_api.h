/*
 * ec2_api.h - the EC2 Query API: authentication (SigV4), dispatch of Action,
 * error documents, and the parameter helpers the action handlers share.
 *
 * Wire format (AWS EC2 API Reference, "Query requests" and "Error codes"):
 * form-encoded Action=...&Version=2016-11-15 by POST, or the same as a GET
 * query; answers <ActionResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
 * with a requestId, and errors as
 * <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>.
 */
#ifndef SPOT_SIM_EC2_API_H
#define SPOT_SIM_EC2_API_H

#include "sim/form.h"
#include "sim/http.h"
#include "sim/sim.h"
#include "sim/xmlw.h"

#define EC2_MAX_NEXT_TOKEN 1024

/* One API call in progress. */
struct ec2_call {
	struct sim *sim;
	const struct form *form;
	const char *action;
	const char *region;
	char request_id[37];
	int64_t now_ms;
	struct strbuf *out;		/* the response body */
	int status;
	char error_code[64];
};

/* Serves one EC2 request (sim locked by the caller). */
void ec2_api_handle(struct sim *sim, const struct http_req *req, struct http_resp *resp);

/* Sets the error document; returns -1 so handlers can `return ec2_error(...)`. */
int ec2_error(struct ec2_call *c, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Starts the response document with its requestId. */
void ec2_begin(struct ec2_call *c, struct xmlw *w, const char *root);
/* The value of name or NULL. */
const char *ec2_param(struct ec2_call *c, const char *name);
/* The value of name; MissingParameter when absent or empty. */
int ec2_require(struct ec2_call *c, const char *name, const char **out);
/* Boolean parameter ("true"/"false"), def when absent; InvalidParameterValue otherwise. */
int ec2_bool(struct ec2_call *c, const char *name, int def, int *out);
/* Integer parameter in [min, max], def when absent; InvalidParameterValue otherwise. */
int ec2_long(struct ec2_call *c, const char *name, long def, long min, long max, long *out);
/* A list parameter ("name.N"); *out malloc'd. InvalidParameterValue when too long. */
int ec2_list(struct ec2_call *c, const char *name, const char ***out, size_t *n);
/* MaxResults and NextToken (an offset this simulator issued, salted by kind). */
int ec2_paging(struct ec2_call *c, const char *kind, long min, long max, long def, long *max_results, size_t *offset,
	       int64_t *asof);
/* Writes <nextToken> for the next page. */
void ec2_next_token(struct xmlw *w, const char *kind, size_t offset, int64_t asof);
/* Decodes base64 (RFC 4648, padding optional); -1 when invalid or longer than max. */
int ec2_base64_decode(const char *in, char **out, size_t *outlen, size_t max);
/* Tags from "prefix.N.Key"/"prefix.N.Value"; -1 (error set) on bad ones. */
int ec2_tags(struct ec2_call *c, const char *prefix, struct sim_tag **tags, int *ntags);
void ec2_write_tags(struct xmlw *w, const struct sim_tag *tags, int ntags);
/* 1 when value matches pattern with '*' and '?' wildcards (EC2 filter values). */
int ec2_match(const char *pattern, const char *value);
/* 1 when a value matches any of the filter's values. */
int ec2_filter_any(const struct form_filter *f, const char *value);

/* Actions, one per handler, in their files. Each returns 0 or -1 (error set). */
int ec2_market_describe_availability_zones(struct ec2_call *c);
int ec2_market_describe_regions(struct ec2_call *c);
int ec2_market_describe_spot_price_history(struct ec2_call *c);
int ec2_market_describe_instance_types(struct ec2_call *c);
int ec2_instances_run(struct ec2_call *c);
int ec2_instances_describe(struct ec2_call *c);
int ec2_instances_terminate(struct ec2_call *c);
int ec2_instances_create_tags(struct ec2_call *c);
int ec2_images_create(struct ec2_call *c);
int ec2_images_describe(struct ec2_call *c);
int ec2_images_deregister(struct ec2_call *c);
int ec2_images_describe_snapshots(struct ec2_call *c);
int ec2_images_delete_snapshot(struct ec2_call *c);
int ec2_addresses_allocate(struct ec2_call *c);
int ec2_addresses_associate(struct ec2_call *c);
int ec2_addresses_disassociate(struct ec2_call *c);
int ec2_addresses_describe(struct ec2_call *c);

#endif
