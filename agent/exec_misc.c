/*
 * exec_misc.c - terminate (a replica's instance, never this one) and cleanup
 * (the AMIs this agent made, and their snapshots, past the retention; the
 * newest EXEC_CLEANUP_KEEP and the image this instance runs stay).
 */
#include "agent/agent.h"
#include "agent/exec.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum exec_rc exec_terminate(struct agent *a, struct json_object *payload, struct json_object **result, char *why,
			    size_t whysize)
{
	struct json_object *v;
	struct ec2_instances out = { 0 };
	const char *iid = NULL, *ids[1];
	int gone;

	if (json_object_object_get_ex(payload, "instance_id", &v) && json_object_is_type(v, json_type_string))
		iid = json_object_get_string(v);
	if (!iid || strncmp(iid, "i-", 2) || strlen(iid) > 19 || strspn(iid + 2, "0123456789abcdef") != strlen(iid + 2)) {
		snprintf(why, whysize, "payload.instance_id is not an instance id");
		return EXEC_FAIL;
	}
	if (!strcmp(iid, a->id.instance_id)) {
		snprintf(why, whysize, "refusing to terminate this instance %s itself", iid);
		return EXEC_FAIL;
	}
	ids[0] = iid;
	gone = ec2_terminate_instances(&a->ec2, ids, 1, &out) == 0;
	if (!gone && !strcmp(a->ec2.err.code, "InvalidInstanceID.NotFound"))
		gone = 1;	/* already gone */
	if (!gone) {
		snprintf(why, whysize, "TerminateInstances %s: %s: %.300s", iid, a->ec2.err.code, a->ec2.err.message);
		ec2_instances_free(&out);
		return EXEC_FAIL;
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "instance_id", json_object_new_string(iid));
	json_object_object_add(*result, "state",
			       json_object_new_string(out.n && out.v[0].state[0] ? out.v[0].state : "terminated"));
	ec2_instances_free(&out);
	log_info("exec_terminate: %s terminated", iid);
	return EXEC_OK;
}

static long exec_misc_long(struct json_object *o, const char *name, long def, long min, long max)
{
	struct json_object *v;
	long x;
	if (!o || !json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_int))
		return def;
	x = (long)json_object_get_int64(v);
	return x < min ? min : x > max ? max : x;
}

static int exec_misc_newest_first(const void *x, const void *y)
{
	const struct ec2_image *a = *(const struct ec2_image *const *)x, *b = *(const struct ec2_image *const *)y;
	int c = strcmp(b->creation_date, a->creation_date);
	return c ? c : strcmp(a->id, b->id);
}

static void exec_misc_error(struct json_object *errs, struct agent *a, const char *what, const char *id)
{
	char msg[600];
	snprintf(msg, sizeof(msg), "%s %s: %s: %.400s", what, id, a->ec2.err.code, a->ec2.err.message);
	if (json_object_array_length(errs) < 50)
		json_object_array_add(errs, json_object_new_string(msg));
	log_warn("exec_cleanup: %s", msg);
}

enum exec_rc exec_cleanup(struct agent *a, struct json_object *payload, struct json_object **result, char *why,
			  size_t whysize)
{
	long retention_days = exec_misc_long(payload, "retention_days", EXEC_CLEANUP_RETENTION_DAYS, 0, 3650);
	long keep = exec_misc_long(payload, "keep", EXEC_CLEANUP_KEEP, 0, 1000);
	struct ec2_images imgs = { 0 };
	const struct ec2_image **mine = NULL;
	struct json_object *amis, *snaps, *errs, *b, *ans = NULL;
	char prefix[96];
	size_t n = 0, plen;
	int64_t cutoff = time_now_ms() - retention_days * 86400LL * 1000, created;
	enum exec_rc r = EXEC_OK;

	exec_image_prefix(prefix, sizeof(prefix), a->cfg->logical_id ? a->cfg->logical_id : a->id.instance_id);
	plen = strlen(prefix);
	if (ec2_describe_images(&a->ec2, NULL, NULL, &imgs) < 0) {
		snprintf(why, whysize, "DescribeImages: %s: %.300s", a->ec2.err.code, a->ec2.err.message);
		return EXEC_FAIL;
	}
	mine = xcalloc(imgs.n ? imgs.n : 1, sizeof(*mine));
	for (size_t i = 0; i < imgs.n; i++)
		if (!strncmp(imgs.v[i].name, prefix, plen) && strcmp(imgs.v[i].state, "deregistered"))
			mine[n++] = &imgs.v[i];
	qsort(mine, n, sizeof(*mine), exec_misc_newest_first);
	amis = json_object_new_array();
	snaps = json_object_new_array();
	errs = json_object_new_array();
	for (size_t i = (size_t)keep; i < n && json_object_array_length(amis) < EXEC_CLEANUP_MAX; i++) {
		const struct ec2_image *im = mine[i];
		/* Never the image this instance runs from, nor one whose age is unknown or within the retention. */
		if (!strcmp(im->id, a->id.ami_id) || time_parse_rfc3339(im->creation_date, &created) < 0 ||
		    created > cutoff)
			continue;
		if (ec2_deregister_image(&a->ec2, im->id) < 0) {
			exec_misc_error(errs, a, "DeregisterImage", im->id);
			continue;
		}
		json_object_array_add(amis, json_object_new_string(im->id));
		/* Deregistering leaves the snapshots behind (EC2 User Guide, "Deregister your AMI"). */
		for (size_t s = 0; s < im->nsnapshots; s++) {
			if (ec2_delete_snapshot(&a->ec2, im->snapshots[s]) < 0)
				exec_misc_error(errs, a, "DeleteSnapshot", im->snapshots[s]);
			else
				json_object_array_add(snaps, json_object_new_string(im->snapshots[s]));
		}
	}
	b = json_object_new_object();
	json_object_object_add(b, "amis_deregistered", json_object_get(amis));
	json_object_object_add(b, "snapshots_deleted", json_object_get(snaps));
	json_object_object_add(b, "errors", json_object_get(errs));
	if (agent_report(a, SPOOL_KEEP, "cleanup-report", json_object_to_json_string(b), &ans) < 0) {
		snprintf(why, whysize, "the server refused the cleanup report");
		r = EXEC_FAIL;
	} else {
		*result = json_object_new_object();
		json_object_object_add(*result, "amis_deregistered", json_object_new_int64((int64_t)json_object_array_length(amis)));
		json_object_object_add(*result, "snapshots_deleted", json_object_new_int64((int64_t)json_object_array_length(snaps)));
		json_object_object_add(*result, "errors", json_object_new_int64((int64_t)json_object_array_length(errs)));
		json_object_object_add(*result, "kept", json_object_new_int64((int64_t)(n - json_object_array_length(amis))));
		log_info("exec_cleanup: %zu AMIs and %zu snapshots removed, %zu errors (%zu images of ours)",
			 json_object_array_length(amis), json_object_array_length(snaps), json_object_array_length(errs), n);
	}
	json_object_put(ans);
	json_object_put(b);
	json_object_put(amis);
	json_object_put(snaps);
	json_object_put(errs);
	free(mine);
	ec2_images_free(&imgs);
	return r;
}
