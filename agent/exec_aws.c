/*
 * exec_aws.c - exec.h's ops on the real world: EC2 through the agent's
 * client (agent/ec2.h), the launch spec from DescribeInstances and IMDS
 * user data, reports through agent_report (spooled while the server is
 * unreachable: a switch report is never dropped).
 */
#include "agent/agent.h"
#include "agent/exec.h"
#include "common/log.h"
#include "common/timeutil.h"

#include <stdio.h>
#include <string.h>

/* AWS errors worth another try (EC2 API reference, "Error codes": server errors and throttling). */
static int exec_aws_transient(const char *code)
{
	static const char *const codes[] = { "NetworkError",	   "RequestLimitExceeded", "Throttling",
					     "InternalError",	   "Unavailable",	   "ServiceUnavailable",
					     "MalformedResponse", "InvalidAMIName.Duplicate", NULL };
	for (size_t i = 0; codes[i]; i++)
		if (!strcmp(code, codes[i]))
			return 1;
	return 0;
}

static enum exec_rc exec_aws_err(struct agent *a, const char *action, char *why, size_t size)
{
	snprintf(why, size, "%s: %s: %.400s", action, a->ec2.err.code, a->ec2.err.message);
	return exec_aws_transient(a->ec2.err.code) ? EXEC_AGAIN : EXEC_FAIL;
}

static int64_t exec_aws_now(void *ctx)
{
	(void)ctx;
	return time_now_ms();
}

static enum exec_rc exec_aws_find_image(void *ctx, const char *name, int *found, char *id, size_t idsize,
					char *state, size_t statesize, char *why, size_t whysize)
{
	struct agent *a = ctx;
	struct ec2_images imgs = { 0 };

	*found = 0;
	if (ec2_describe_images(&a->ec2, NULL, name, &imgs) < 0)
		return exec_aws_err(a, "DescribeImages", why, whysize);
	for (size_t i = 0; i < imgs.n && !*found; i++) {
		if (strcmp(imgs.v[i].name, name) || !strcmp(imgs.v[i].state, "deregistered"))
			continue;
		snprintf(id, idsize, "%s", imgs.v[i].id);
		snprintf(state, statesize, "%s", imgs.v[i].state);
		*found = 1;
	}
	ec2_images_free(&imgs);
	return EXEC_OK;
}

static enum exec_rc exec_aws_create_image(void *ctx, const char *instance_id, const char *name, char *id,
					  size_t idsize, char *why, size_t whysize)
{
	struct agent *a = ctx;
	/* NoReboot: the running service is not interrupted (the image is crash-consistent). */
	if (ec2_create_image(&a->ec2, instance_id, name, 1, id, idsize) < 0)
		return exec_aws_err(a, "CreateImage", why, whysize);
	return EXEC_OK;
}

static enum exec_rc exec_aws_image_state(void *ctx, const char *id, char *state, size_t size, char *why,
					 size_t whysize)
{
	struct agent *a = ctx;
	struct ec2_images imgs = { 0 };
	enum exec_rc r = EXEC_OK;

	if (ec2_describe_images(&a->ec2, id, NULL, &imgs) < 0)
		return exec_aws_err(a, "DescribeImages", why, whysize);
	if (!imgs.n) {
		snprintf(why, whysize, "image %s is gone", id);
		r = EXEC_FAIL;
	} else {
		snprintf(state, size, "%s", imgs.v[0].state);
	}
	ec2_images_free(&imgs);
	return r;
}

static enum exec_rc exec_aws_self(struct agent *a, struct ec2_instances *out, char *why, size_t whysize)
{
	const char *ids[1] = { a->id.instance_id };
	if (ec2_describe_instances(&a->ec2, ids, 1, out) < 0)
		return exec_aws_err(a, "DescribeInstances", why, whysize);
	if (!out->n || strcmp(out->v[0].id, a->id.instance_id)) {
		snprintf(why, whysize, "DescribeInstances does not show this instance %s", a->id.instance_id);
		return EXEC_AGAIN;
	}
	return EXEC_OK;
}

static enum exec_rc exec_aws_latest_image(void *ctx, struct exec_job *j, char *why, size_t whysize)
{
	struct agent *a = ctx;
	struct ec2_images imgs = { 0 };
	char prefix[96];
	size_t plen;
	const struct ec2_image *best = NULL;

	exec_image_prefix(prefix, sizeof(prefix), j->logical_id);
	plen = strlen(prefix);
	if (ec2_describe_images(&a->ec2, NULL, NULL, &imgs) < 0)
		return exec_aws_err(a, "DescribeImages", why, whysize);
	for (size_t i = 0; i < imgs.n; i++)
		if (!strncmp(imgs.v[i].name, prefix, plen) && !strcmp(imgs.v[i].state, "available") &&
		    (!best || strcmp(imgs.v[i].creation_date, best->creation_date) > 0))
			best = &imgs.v[i];
	if (best) {
		snprintf(j->image_id, sizeof(j->image_id), "%s", best->id);
		log_info("exec: emergency %s from the latest image %s (%s)", j->command_id, best->id, best->name);
	}
	ec2_images_free(&imgs);
	if (best)
		return EXEC_OK;
	/* No image of ours yet: the launch spec of the instance itself. */
	if (a->id.ami_id[0]) {
		snprintf(j->image_id, sizeof(j->image_id), "%s", a->id.ami_id);
	} else {
		struct ec2_instances self = { 0 };
		enum exec_rc r = exec_aws_self(a, &self, why, whysize);
		if (r == EXEC_OK)
			snprintf(j->image_id, sizeof(j->image_id), "%s", self.v[0].image_id);
		ec2_instances_free(&self);
		if (r != EXEC_OK)
			return r;
	}
	log_info("exec: emergency %s from the instance's own AMI %s", j->command_id, j->image_id);
	return EXEC_OK;
}

static void exec_aws_tag(struct exec_job *j, const char *k, const char *v)
{
	if (j->ntags >= EXEC_MAX_TAGS)
		return;
	snprintf(j->tags[j->ntags].key, sizeof(j->tags[0].key), "%s", k);
	snprintf(j->tags[j->ntags].value, sizeof(j->tags[0].value), "%s", v);
	j->ntags++;
}

static enum exec_rc exec_aws_capture_spec(void *ctx, struct exec_job *j, char *why, size_t whysize)
{
	struct agent *a = ctx;
	struct ec2_instances self = { 0 };
	struct strbuf ud = STRBUF_INIT;
	const struct ec2_instance *in;
	enum exec_rc r;
	int st;

	r = exec_aws_self(a, &self, why, whysize);
	if (r != EXEC_OK)
		goto out;
	in = &self.v[0];
	/* A subnet lives in one zone: it is copied only when the new instance stays in that zone. */
	snprintf(j->subnet_id, sizeof(j->subnet_id), "%s", strcmp(j->target_az, in->az) ? "" : in->subnet_id);
	snprintf(j->key_name, sizeof(j->key_name), "%s", in->key_name);
	snprintf(j->iam_profile_arn, sizeof(j->iam_profile_arn), "%s", in->iam_profile_arn);
	j->nsg = 0;
	for (size_t i = 0; i < in->nsg && j->nsg < EXEC_MAX_SG; i++)
		snprintf(j->sg[j->nsg++], sizeof(j->sg[0]), "%s", in->sg[i]);
	j->ntags = 0;
	for (size_t i = 0; i < in->ntags; i++) {
		const char *k = in->tags[i].key;
		/* aws: tags are reserved; ours are set anew below. */
		if (!strncmp(k, "aws:", 4) || !strcmp(k, EXEC_TAG_REPLICA) || !strcmp(k, EXEC_TAG_COMMAND))
			continue;
		exec_aws_tag(j, k, in->tags[i].value);
	}
	if (j->ntags > EXEC_MAX_TAGS - 2)
		j->ntags = EXEC_MAX_TAGS - 2;
	exec_aws_tag(j, EXEC_TAG_COMMAND, j->command_id);
	if (j->kind == EXEC_LAUNCH_REPLICA)
		exec_aws_tag(j, EXEC_TAG_REPLICA, j->replica_id);
	/* The user data is the agent's config: the new instance's agent registers under the same logical id. */
	st = imds_get(&a->imds, "user-data", &ud);
	strbuf_reset(&j->user_data_b64);
	if (st == 200) {
		if (ud.len > 16384) {
			snprintf(why, whysize, "the user data is %zu bytes, more than EC2's 16 KB", ud.len);
			r = EXEC_FAIL;
			goto out;
		}
		exec_base64(&j->user_data_b64, (const unsigned char *)ud.buf, ud.len);
	} else if (st != 404) {
		snprintf(why, whysize, "IMDS user-data answered %d", st);
		r = EXEC_AGAIN;
		goto out;
	}
	r = EXEC_OK;
out:
	ec2_instances_free(&self);
	strbuf_release(&ud);
	return r;
}

static enum exec_rc exec_aws_run(void *ctx, const struct exec_job *j, char *iid, size_t size, char *why,
				 size_t whysize)
{
	struct agent *a = ctx;
	struct ec2_instances out = { 0 };
	struct ec2_tag tags[EXEC_MAX_TAGS];
	const char *sg[EXEC_MAX_SG];
	struct ec2_run_spec s;
	enum exec_rc r = EXEC_OK;

	memset(&s, 0, sizeof(s));
	for (size_t i = 0; i < j->nsg; i++)
		sg[i] = j->sg[i];
	for (size_t i = 0; i < j->ntags; i++) {
		snprintf(tags[i].key, sizeof(tags[i].key), "%s", j->tags[i].key);
		snprintf(tags[i].value, sizeof(tags[i].value), "%s", j->tags[i].value);
	}
	s.image_id = j->image_id;
	s.instance_type = j->target_type;
	s.az = j->target_az;
	s.subnet_id = j->subnet_id;
	s.key_name = j->key_name;
	s.iam_profile_arn = j->iam_profile_arn;
	s.sg = sg;
	s.nsg = j->nsg;
	s.tags = tags;
	s.ntags = j->ntags;
	s.user_data_b64 = j->user_data_b64.buf;
	s.client_token = j->client_token;
	s.spot = !strcmp(j->target_mode, "spot");
	if (ec2_run_instances(&a->ec2, &s, &out) < 0)
		return exec_aws_err(a, "RunInstances", why, whysize);
	if (!out.n) {
		snprintf(why, whysize, "RunInstances returned no instance");
		r = EXEC_AGAIN;
	} else {
		snprintf(iid, size, "%s", out.v[0].id);
	}
	ec2_instances_free(&out);
	return r;
}

static enum exec_rc exec_aws_instance_state(void *ctx, const char *iid, char *state, size_t size, char *why,
					    size_t whysize)
{
	struct agent *a = ctx;
	struct ec2_instances out = { 0 };
	const char *ids[1] = { iid };
	enum exec_rc r = EXEC_OK;

	if (ec2_describe_instances(&a->ec2, ids, 1, &out) < 0) {
		/* Eventual consistency: a new id may not be described yet (EC2 API reference). */
		r = exec_aws_err(a, "DescribeInstances", why, whysize);
		if (!strcmp(a->ec2.err.code, "InvalidInstanceID.NotFound"))
			r = EXEC_AGAIN;
		return r;
	}
	if (!out.n) {
		snprintf(why, whysize, "DescribeInstances does not show %s yet", iid);
		r = EXEC_AGAIN;
	} else {
		snprintf(state, size, "%s", out.v[0].state);
	}
	ec2_instances_free(&out);
	return r;
}

static enum exec_rc exec_aws_find_eip(void *ctx, const char *iid, int *found, char *alloc, size_t size, char *why,
				      size_t whysize)
{
	struct agent *a = ctx;
	struct ec2_addresses out = { 0 };

	*found = 0;
	if (ec2_describe_addresses(&a->ec2, iid, &out) < 0)
		return exec_aws_err(a, "DescribeAddresses", why, whysize);
	for (size_t i = 0; i < out.n && !*found; i++)
		if (!strcmp(out.v[i].instance_id, iid) && out.v[i].allocation_id[0]) {
			snprintf(alloc, size, "%s", out.v[i].allocation_id);
			*found = 1;
		}
	ec2_addresses_free(&out);
	return EXEC_OK;
}

static enum exec_rc exec_aws_associate(void *ctx, const char *alloc, const char *iid, char *why, size_t whysize)
{
	struct agent *a = ctx;
	if (ec2_associate_address(&a->ec2, alloc, iid) < 0)
		return exec_aws_err(a, "AssociateAddress", why, whysize);
	return EXEC_OK;
}

static enum exec_rc exec_aws_replica_launched(void *ctx, const struct exec_job *j, char *why, size_t whysize)
{
	struct agent *a = ctx;
	struct json_object *b = json_object_new_object();
	char path[160];
	int rc;

	/* Reported before the replica's own agent registers, so its instance is known as the replica. */
	json_object_object_add(b, "status", json_object_new_string("launching"));
	json_object_object_add(b, "instance_id", json_object_new_string(j->new_instance_id));
	json_object_object_add(b, "progress", json_object_new_int(10));
	snprintf(path, sizeof(path), "replicas/%s/status", j->replica_id);
	rc = agent_report(a, SPOOL_KEEP, path, json_object_to_json_string(b), NULL);
	json_object_put(b);
	if (rc < 0) {
		snprintf(why, whysize, "the server refused the replica's launching report (replica %s)", j->replica_id);
		return EXEC_FAIL;
	}
	return EXEC_OK;
}

static void exec_aws_time(struct json_object *o, const char *k, int64_t ms)
{
	char buf[32];
	if (ms > 0 && time_format_rfc3339_ms(ms, buf, sizeof(buf)) == 0)
		json_object_object_add(o, k, json_object_new_string(buf));
}

/* The latest spot prices of the old and the new pool, best effort (< 0 unknown). */
static void exec_aws_prices(struct agent *a, const struct exec_job *j, double *old_spot, double *new_spot)
{
	const char *types[2] = { j->old_type, j->target_type };
	struct ec2_prices p = { 0 };
	int64_t old_ts = -1, new_ts = -1;

	*old_spot = *new_spot = -1;
	if (ec2_describe_spot_price_history(&a->ec2, types, strcmp(types[0], types[1]) ? 2 : 1,
					    time_now_ms() - 3600 * 1000LL, &p) < 0) {
		ec2_prices_free(&p);
		return;
	}
	for (size_t i = 0; i < p.n; i++) {
		const struct ec2_price *x = &p.v[i];
		if (!strcmp(x->instance_type, j->old_type) && !strcmp(x->az, j->old_az) && x->timestamp_ms > old_ts) {
			old_ts = x->timestamp_ms;
			*old_spot = x->price;
		}
		if (!strcmp(x->instance_type, j->target_type) && !strcmp(x->az, j->target_az) &&
		    x->timestamp_ms > new_ts) {
			new_ts = x->timestamp_ms;
			*new_spot = x->price;
		}
	}
	ec2_prices_free(&p);
}

static enum exec_rc exec_aws_switch_report(void *ctx, const struct exec_job *j, char *why, size_t whysize)
{
	struct agent *a = ctx;
	struct json_object *b = json_object_new_object(), *t = json_object_new_object(), *pr = NULL;
	double old_spot, new_spot;
	int rc;

	if (j->kind == EXEC_SWITCH)
		json_object_object_add(b, "command_id", json_object_new_string(j->command_id));
	else
		json_object_object_add(b, "event_trigger", json_object_new_string("emergency"));
	json_object_object_add(b, "old_instance_id", json_object_new_string(j->old_instance_id));
	json_object_object_add(b, "new_instance_id", json_object_new_string(j->new_instance_id));
	json_object_object_add(b, "new_instance_type", json_object_new_string(j->target_type));
	json_object_object_add(b, "new_region", json_object_new_string(j->region));
	json_object_object_add(b, "new_az", json_object_new_string(j->target_az));
	json_object_object_add(b, "new_mode", json_object_new_string(j->target_mode));
	if (!strncmp(j->image_id, "ami-", 4))
		json_object_object_add(b, "ami_id", json_object_new_string(j->image_id));
	/* Downtime: the Elastic IP pointed nowhere useful only while it moved (NoReboot keeps the old one serving). */
	json_object_object_add(b, "downtime_seconds",
			       json_object_new_double(j->eip_done_ms > j->eip_start_ms && j->eip_start_ms
							      ? (double)(j->eip_done_ms - j->eip_start_ms) / 1000.0
							      : 0.0));
	exec_aws_prices(a, j, &old_spot, &new_spot);
	if (old_spot >= 0 || new_spot >= 0) {
		pr = json_object_new_object();
		if (old_spot >= 0 && !strcmp(j->old_mode, "spot"))
			json_object_object_add(pr, "old_spot", json_object_new_double(old_spot));
		if (new_spot >= 0 && !strcmp(j->target_mode, "spot"))
			json_object_object_add(pr, "new_spot", json_object_new_double(new_spot));
		json_object_object_add(b, "prices", pr);
	}
	exec_aws_time(t, "initiated_at", j->initiated_ms);
	exec_aws_time(t, "ami_created_at", j->ami_ms);
	exec_aws_time(t, "instance_launched_at", j->launched_ms);
	exec_aws_time(t, "instance_ready_at", j->ready_ms);
	exec_aws_time(t, "completed_at", j->completed_ms);
	json_object_object_add(b, "timings", t);
	rc = agent_report(a, SPOOL_KEEP, "switch-report", json_object_to_json_string(b), NULL);
	json_object_put(b);
	if (rc < 0) {
		snprintf(why, whysize, "the server refused the switch report (%s -> %s)", j->old_instance_id,
			 j->new_instance_id);
		return EXEC_FAIL;
	}
	log_info("exec: %s %s: switch reported: %s -> %s", exec_kind_name(j->kind), j->command_id, j->old_instance_id,
		 j->new_instance_id);
	return EXEC_OK;
}

static int exec_aws_save(void *ctx, const struct exec_job *j)
{
	struct agent *a = ctx;
	char path[800];
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", a->spool.dir, EXEC_STATE_FILE) >= sizeof(path))
		return -1;
	return exec_job_save_file(j, path);
}

void exec_aws_ops(struct agent *a, struct exec_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->ctx = a;
	ops->now = exec_aws_now;
	ops->find_image = exec_aws_find_image;
	ops->create_image = exec_aws_create_image;
	ops->image_state = exec_aws_image_state;
	ops->latest_image = exec_aws_latest_image;
	ops->capture_spec = exec_aws_capture_spec;
	ops->run = exec_aws_run;
	ops->instance_state = exec_aws_instance_state;
	ops->find_eip = exec_aws_find_eip;
	ops->associate = exec_aws_associate;
	ops->replica_launched = exec_aws_replica_launched;
	ops->switch_report = exec_aws_switch_report;
	ops->save = exec_aws_save;
}
