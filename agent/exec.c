/*
 * exec.c - command dispatch and the persisted launching job (exec.h): every
 * command reports "running" first and then its result; the job's state file
 * lives in the instance's spool directory.
 */
#include "agent/exec.h"
#include "agent/agent.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/uuid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int exec_state_path(struct agent *a, char *buf, size_t size)
{
	return (size_t)snprintf(buf, size, "%s/%s", a->spool.dir, EXEC_STATE_FILE) < size ? 0 : -1;
}

/* POST commands/{cid}/result: running, succeeded (with result) or failed (with error). */
static int exec_result(struct agent *a, const char *cid, const char *status, struct json_object *result,
		       const char *error)
{
	struct json_object *b = json_object_new_object();
	char path[128];
	int rc;

	json_object_object_add(b, "status", json_object_new_string(status));
	if (result)
		json_object_object_add(b, "result", json_object_get(result));
	if (error)
		json_object_object_add(b, "error", json_object_new_string(error));
	snprintf(path, sizeof(path), "commands/%s/result", cid);
	rc = agent_report(a, SPOOL_KEEP, path, json_object_to_json_string(b), NULL);
	json_object_put(b);
	return rc;
}

static int exec_is_launching(const char *type)
{
	return !strcmp(type, "switch") || !strcmp(type, "launch_replica") || !strcmp(type, "emergency_launch");
}

int exec_busy(struct agent *a)
{
	char path[800];
	return exec_state_path(a, path, sizeof(path)) == 0 && access(path, F_OK) == 0;
}

static const char *exec_mode(const struct agent *a)
{
	return strcmp(a->id.life_cycle, "spot") ? "ondemand" : "spot";
}

/* Starts a launching command: state file first (a crash after "running" resumes it), then running. */
static int exec_start_job(struct agent *a, const char *cid, const char *type, struct json_object *payload)
{
	struct exec_job j, cur;
	char path[800], why[300];
	int rc = -1, got;

	if (exec_state_path(a, path, sizeof(path)) < 0)
		return -1;
	exec_job_init(&j);
	exec_job_init(&cur);
	got = exec_job_load_file(&cur, path);
	if (got == 1 && !strcmp(cur.command_id, cid)) {
		log_info("exec_command: %s %s is already in progress (step %s)", type, cid, exec_step_name(cur.step));
		rc = 0;
		goto out;
	}
	if (got == 1) {
		/* One job at a time: this command is handed out again after the server's lease. */
		log_info("exec_command: %s %s waits: %s %s is in progress", type, cid, exec_kind_name(cur.kind),
			 cur.command_id);
		rc = 0;
		goto out;
	}
	if (got < 0) {
		log_warn("exec_command: the old state file %s is unreadable; it is set aside", path);
		char bad[820];
		snprintf(bad, sizeof(bad), "%s.bad", path);
		rename(path, bad);
	}
	if (exec_job_from_command(&j, cid, type, payload, a->cfg->logical_id ? a->cfg->logical_id : a->id.instance_id,
				  a->id.instance_id, a->id.instance_type, a->id.az, exec_mode(a), a->ec2.region,
				  time_now_ms(), why, sizeof(why)) < 0) {
		log_warn("exec_command: %s %s refused: %s", type, cid, why);
		if (exec_result(a, cid, "running", NULL, NULL) == 0)
			exec_result(a, cid, "failed", NULL, why);
		rc = 0;
		goto out;
	}
	if (exec_job_save_file(&j, path) < 0)
		goto out;
	if (exec_result(a, cid, "running", NULL, NULL) < 0)
		log_warn("exec_command: %s %s: the running report was refused; going on", type, cid);
	log_info("exec_command: %s %s started: %s in %s (%s), image %s", type, cid, j.target_type, j.target_az,
		 j.target_mode, j.kind == EXEC_EMERGENCY ? "(latest)" : j.image_name);
	rc = 0;
out:
	exec_job_release(&j);
	exec_job_release(&cur);
	if (rc == 0)
		exec_tick(a, time_now_ms());
	return rc;
}

int exec_command(struct agent *a, const char *cid, const char *type, struct json_object *payload)
{
	struct json_object *result = NULL;
	char why[600] = "";
	enum exec_rc r;

	if (exec_is_launching(type))
		return exec_start_job(a, cid, type, payload);
	if (exec_result(a, cid, "running", NULL, NULL) < 0)
		return -1;
	if (!strcmp(type, "promote"))
		r = exec_promote(a, payload, &result, why, sizeof(why));
	else if (!strcmp(type, "terminate"))
		r = exec_terminate(a, payload, &result, why, sizeof(why));
	else if (!strcmp(type, "cleanup"))
		r = exec_cleanup(a, payload, &result, why, sizeof(why));
	else {
		snprintf(why, sizeof(why), "%s: not a command type this agent knows (%s)", type, AGENT_VERSION);
		r = EXEC_FAIL;
	}
	if (r == EXEC_OK) {
		log_info("exec_command: %s %s succeeded", type, cid);
		exec_result(a, cid, "succeeded", result, NULL);
	} else {
		log_warn("exec_command: %s %s failed: %s", type, cid, why);
		exec_result(a, cid, "failed", NULL, why[0] ? why : "failed");
	}
	json_object_put(result);
	return 0;
}

static struct json_object *exec_job_result(const struct exec_job *j)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "new_instance_id", json_object_new_string(j->new_instance_id));
	json_object_object_add(o, "instance_type", json_object_new_string(j->target_type));
	json_object_object_add(o, "az", json_object_new_string(j->target_az));
	json_object_object_add(o, "mode", json_object_new_string(j->target_mode));
	if (j->image_id[0])
		json_object_object_add(o, "image_id", json_object_new_string(j->image_id));
	if (j->replica_id[0])
		json_object_object_add(o, "replica_id", json_object_new_string(j->replica_id));
	if (j->eip_alloc[0])
		json_object_object_add(o, "elastic_ip_allocation_id", json_object_new_string(j->eip_alloc));
	int64_t end = j->completed_ms ? j->completed_ms : j->ready_ms ? j->ready_ms : j->initiated_ms;
	json_object_object_add(o, "seconds", json_object_new_double((double)(end - j->initiated_ms) / 1000.0));
	return o;
}

int exec_tick(struct agent *a, int64_t now)
{
	struct exec_job j;
	struct exec_ops ops;
	char path[800];
	int got, rc = 0;

	(void)now;
	/* The common case, every few seconds: no job, one access(2). */
	if (!exec_busy(a))
		return 0;
	if (exec_state_path(a, path, sizeof(path)) < 0)
		return -1;
	exec_job_init(&j);
	got = exec_job_load_file(&j, path);
	if (got <= 0) {
		exec_job_release(&j);
		return got;
	}
	exec_aws_ops(a, &ops);
	if (j.step != EXEC_DONE && j.step != EXEC_FAILED)
		exec_job_run(&j, &ops);
	if (j.step == EXEC_DONE || j.step == EXEC_FAILED) {
		struct json_object *res = j.step == EXEC_DONE ? exec_job_result(&j) : NULL;
		int sent = exec_result(a, j.command_id, j.step == EXEC_DONE ? "succeeded" : "failed", res,
				       j.step == EXEC_DONE ? NULL : j.error);
		json_object_put(res);
		/* Sent or spooled; a refused result is not retried forever: the job is over either way. */
		if (sent < 0)
			log_warn("exec_tick: the result of %s was refused", j.command_id);
		if (unlink(path) < 0 && errno != ENOENT) {
			log_err("exec_tick: cannot remove %s: %s", path, strerror(errno));
			rc = -1;
		}
		log_info("exec_tick: %s %s %s", exec_kind_name(j.kind), j.command_id,
			 j.step == EXEC_DONE ? "succeeded" : "failed");
	}
	exec_job_release(&j);
	return rc;
}
