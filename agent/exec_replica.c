/*
 * exec_replica.c - the replica's side: promote (the old primary's Elastic IP
 * comes here), the fast failover of a dying primary (its Elastic IP goes to
 * the promoted replica at once), and the replica agent's own status reports
 * (syncing, then ready, once it has registered as the replica).
 */
#include "agent/agent.h"
#include "agent/exec.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXEC_REPLICA_MARK "replica-ready"	/* in the spool directory: the ready report was made */

static int exec_replica_iid_ok(const char *s)
{
	size_t n = strlen(s);
	return (n == 10 || n == 19) && !strncmp(s, "i-", 2) && strspn(s + 2, "0123456789abcdef") == n - 2;
}

static const char *exec_replica_str(struct json_object *o, const char *name)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Moves the Elastic IP of from to to; *moved receives the allocation id ("" none). */
static enum exec_rc exec_replica_move_eip(struct agent *a, const char *from, const char *to, char *moved,
					  size_t size, char *why, size_t whysize)
{
	struct ec2_addresses out = { 0 };
	enum exec_rc r = EXEC_OK;

	moved[0] = '\0';
	if (ec2_describe_addresses(&a->ec2, from, &out) < 0) {
		snprintf(why, whysize, "DescribeAddresses: %s: %.300s", a->ec2.err.code, a->ec2.err.message);
		return EXEC_FAIL;
	}
	for (size_t i = 0; i < out.n && r == EXEC_OK; i++) {
		if (strcmp(out.v[i].instance_id, from) || !out.v[i].allocation_id[0])
			continue;
		if (ec2_associate_address(&a->ec2, out.v[i].allocation_id, to) < 0) {
			snprintf(why, whysize, "AssociateAddress %s: %s: %.300s", out.v[i].allocation_id, a->ec2.err.code,
				 a->ec2.err.message);
			r = EXEC_FAIL;
		} else if (!moved[0]) {
			snprintf(moved, size, "%s", out.v[i].allocation_id);
		}
	}
	ec2_addresses_free(&out);
	return r;
}

enum exec_rc exec_promote(struct agent *a, struct json_object *payload, struct json_object **result, char *why,
			  size_t whysize)
{
	const char *iid = exec_replica_str(payload, "instance_id"), *old = exec_replica_str(payload, "old_instance_id");
	char moved[64];
	enum exec_rc r;

	if (iid && strcmp(iid, a->id.instance_id)) {
		snprintf(why, whysize, "promote is for instance %.32s, not this instance %s", iid, a->id.instance_id);
		return EXEC_FAIL;
	}
	if (!old || !exec_replica_iid_ok(old)) {
		snprintf(why, whysize, "payload.old_instance_id is not an instance id");
		return EXEC_FAIL;
	}
	/* The dying primary may have moved it already (fast failover): then there is nothing left on it. */
	r = exec_replica_move_eip(a, old, a->id.instance_id, moved, sizeof(moved), why, whysize);
	if (r != EXEC_OK)
		return r;
	*result = json_object_new_object();
	json_object_object_add(*result, "instance_id", json_object_new_string(a->id.instance_id));
	json_object_object_add(*result, "old_instance_id", json_object_new_string(old));
	json_object_object_add(*result, "elastic_ip_allocation_id", moved[0] ? json_object_new_string(moved) : NULL);
	log_info("exec_promote: this instance is the primary now%s%s", moved[0] ? "; Elastic IP " : "", moved);
	return EXEC_OK;
}

void exec_failover(struct agent *a, struct json_object *answer)
{
	struct json_object *rep;
	const char *to;
	char moved[64], why[600];
	int64_t t0 = time_mono_ms();

	if (!answer || !json_object_object_get_ex(answer, "replica", &rep) ||
	    !(to = exec_replica_str(rep, "instance_id")) || !exec_replica_iid_ok(to)) {
		log_warn("exec_failover: promote_replica without the replica's instance id");
		return;
	}
	if (exec_replica_move_eip(a, a->id.instance_id, to, moved, sizeof(moved), why, sizeof(why)) != EXEC_OK) {
		log_err("exec_failover: %s", why);
		return;
	}
	if (moved[0])
		log_info("exec_failover: Elastic IP %s moved to the promoted replica %s in %lld ms", moved, to,
			 (long long)(time_mono_ms() - t0));
	else
		log_info("exec_failover: replica %s promoted; this instance has no Elastic IP", to);
}

void exec_replica_self_report(struct agent *a)
{
	struct ec2_instances self = { 0 };
	const char *ids[1] = { a->id.instance_id };
	char mark[800], rid[64] = "", path[160];
	int fd, ok = 1;

	if (strcmp(a->role, "replica"))
		return;
	if ((size_t)snprintf(mark, sizeof(mark), "%s/%s", a->spool.dir, EXEC_REPLICA_MARK) >= sizeof(mark) ||
	    access(mark, F_OK) == 0)
		return;
	/* The replica id is the tag its primary put on this instance at launch. */
	if (ec2_describe_instances(&a->ec2, ids, 1, &self) < 0 || !self.n) {
		log_warn("exec_replica_self_report: DescribeInstances: %s", a->ec2.err.code);
		ec2_instances_free(&self);
		return;
	}
	for (size_t i = 0; i < self.v[0].ntags; i++)
		if (!strcmp(self.v[0].tags[i].key, EXEC_TAG_REPLICA) && strlen(self.v[0].tags[i].value) < sizeof(rid))
			memcpy(rid, self.v[0].tags[i].value, strlen(self.v[0].tags[i].value) + 1);
	ec2_instances_free(&self);
	if (!uuid_valid(rid)) {
		log_info("exec_replica_self_report: no %s tag on this instance; nothing to report", EXEC_TAG_REPLICA);
		rid[0] = '\0';
	} else {
		static const char *const steps[] = { "syncing", "ready" };
		snprintf(path, sizeof(path), "replicas/%s/status", rid);
		for (size_t i = 0; i < 2 && ok; i++) {
			struct json_object *b = json_object_new_object();
			json_object_object_add(b, "status", json_object_new_string(steps[i]));
			json_object_object_add(b, "instance_id", json_object_new_string(a->id.instance_id));
			json_object_object_add(b, "progress", json_object_new_int(i ? 100 : 50));
			/* A refusal (the replica moved on) is final too: the mark stops further tries. */
			if (agent_report(a, SPOOL_KEEP, path, json_object_to_json_string(b), NULL) < 0)
				log_warn("exec_replica_self_report: %s refused for replica %s", steps[i], rid);
			json_object_put(b);
		}
		log_info("exec_replica_self_report: replica %s reported ready", rid);
	}
	fd = open(mark, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_err("exec_replica_self_report: %s: %s", mark, strerror(errno));
		return;
	}
	if (write(fd, rid, strlen(rid)) < 0)
		log_err("exec_replica_self_report: write %s: %s", mark, strerror(errno));
	close(fd);
}
