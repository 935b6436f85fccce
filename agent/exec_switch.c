/*
 * exec_switch.c - the launching step machine of exec.h (switch,
 * launch_replica, emergency_launch) and its state file.
 *
 * Idempotency comes from AWS itself: an image name is unique per account and
 * region (CreateImage answers InvalidAMIName.Duplicate), so the image step
 * looks its name up first; RunInstances with the same ClientToken and the
 * same parameters returns the first launch ("Ensuring idempotency in Amazon
 * EC2 API requests", EC2 API reference), so the launch spec is captured once
 * and persisted before the first RunInstances.
 */
#include "agent/exec.h"
#include "common/log.h"
#include "common/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const exec_step_names[] = { "image", "image_wait", "run", "replica_launched", "run_wait",
					       "eip",	"report",     "done", "failed" };
static const char *const exec_kind_names[] = { "switch", "launch_replica", "emergency_launch" };

const char *exec_step_name(enum exec_step s)
{
	return (unsigned)s <= EXEC_FAILED ? exec_step_names[s] : "?";
}

const char *exec_kind_name(enum exec_kind k)
{
	return (unsigned)k <= EXEC_EMERGENCY ? exec_kind_names[k] : "?";
}

void exec_job_init(struct exec_job *j)
{
	memset(j, 0, sizeof(*j));
	strbuf_init(&j->user_data_b64, 0);
}

void exec_job_release(struct exec_job *j)
{
	strbuf_release(&j->user_data_b64);
}

void exec_base64(struct strbuf *out, const unsigned char *in, size_t len)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		size_t n = len - i;
		if (n > 1)
			v |= (unsigned)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		strbuf_addch(out, t[(v >> 18) & 63]);
		strbuf_addch(out, t[(v >> 12) & 63]);
		strbuf_addch(out, n > 1 ? t[(v >> 6) & 63] : '=');
		strbuf_addch(out, n > 2 ? t[v & 63] : '=');
	}
}

void exec_image_prefix(char *buf, size_t size, const char *logical_id)
{
	size_t o;
	int n = snprintf(buf, size, "spot-agent-");

	o = n < 0 ? 0 : (size_t)n;
	/* AMI names: letters, digits and ()[] ./-'@_ (EC2 CreateImage); anything else becomes '_'. */
	for (const char *p = logical_id; *p && o + 2 < size && p - logical_id < 60; p++) {
		char c = *p;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
			 c == '-' || c == '_';
		buf[o++] = ok ? c : '_';
	}
	if (o + 1 < size)
		buf[o++] = '-';
	buf[o < size ? o : size - 1] = '\0';
}

/* A string member copied into buf; "" when absent or null; -1 when not a string or too long. */
static int exec_str(struct json_object *o, const char *name, char *buf, size_t size)
{
	struct json_object *v;
	const char *s;

	buf[0] = '\0';
	if (!o || !json_object_object_get_ex(o, name, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	if (strlen(s) >= size || strlen(s) != (size_t)json_object_get_string_len(v))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

static int exec_type_ok(const char *t)
{
	size_t n = strlen(t);
	return n >= 3 && n < 64 && strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n && strchr(t, '.');
}

static int exec_az_ok(const char *az, const char *region)
{
	size_t r = strlen(region);
	return !strncmp(az, region, r) && strlen(az) == r + 1 && az[r] >= 'a' && az[r] <= 'z';
}

/* "<type>.<az>" split at its last dot. */
static int exec_pool_split(const char *pool, char *type, size_t tsize, char *az, size_t asize)
{
	const char *dot = strrchr(pool, '.');
	if (!dot || dot == pool || (size_t)(dot - pool) >= tsize || strlen(dot + 1) >= asize)
		return -1;
	memcpy(type, pool, (size_t)(dot - pool));
	type[dot - pool] = '\0';
	memcpy(az, dot + 1, strlen(dot + 1) + 1);
	return 0;
}

static int exec_why(char *why, size_t size, const char *msg)
{
	snprintf(why, size, "%s", msg);
	return -1;
}

int exec_job_from_command(struct exec_job *j, const char *command_id, const char *type,
			  struct json_object *payload, const char *logical_id, const char *instance_id,
			  const char *instance_type, const char *az, const char *mode, const char *region,
			  int64_t now, char *why, size_t whysize)
{
	char pool[160], ptype[64], paz[32], prefix[96];

	if (!strcmp(type, "switch"))
		j->kind = EXEC_SWITCH;
	else if (!strcmp(type, "launch_replica"))
		j->kind = EXEC_LAUNCH_REPLICA;
	else if (!strcmp(type, "emergency_launch"))
		j->kind = EXEC_EMERGENCY;
	else
		return exec_why(why, whysize, "not a launching command");
	if (!uuid_valid(command_id))
		return exec_why(why, whysize, "the command id is not a UUID");
	snprintf(j->command_id, sizeof(j->command_id), "%s", command_id);
	snprintf(j->logical_id, sizeof(j->logical_id), "%s", logical_id);
	snprintf(j->old_instance_id, sizeof(j->old_instance_id), "%s", instance_id);
	snprintf(j->old_type, sizeof(j->old_type), "%s", instance_type);
	snprintf(j->old_az, sizeof(j->old_az), "%s", az);
	snprintf(j->old_mode, sizeof(j->old_mode), "%s", mode);
	snprintf(j->region, sizeof(j->region), "%s", region);
	if (exec_str(payload, "target_pool_id", pool, sizeof(pool)) < 0)
		return exec_why(why, whysize, "payload.target_pool_id is not a pool id");
	ptype[0] = paz[0] = '\0';
	if (pool[0] && exec_pool_split(pool, ptype, sizeof(ptype), paz, sizeof(paz)) < 0)
		return exec_why(why, whysize, "payload.target_pool_id is not <type>.<zone>");
	if (j->kind == EXEC_SWITCH) {
		if (exec_str(payload, "target_instance_type", j->target_type, sizeof(j->target_type)) < 0 ||
		    exec_str(payload, "target_az", j->target_az, sizeof(j->target_az)) < 0)
			return exec_why(why, whysize, "payload.target_instance_type or target_az is not a string");
	} else if (exec_str(payload, "instance_type", j->target_type, sizeof(j->target_type)) < 0) {
		return exec_why(why, whysize, "payload.instance_type is not a string");
	}
	if (ptype[0]) {
		if (!j->target_type[0])
			memcpy(j->target_type, ptype, sizeof(ptype));
		if (!j->target_az[0])
			memcpy(j->target_az, paz, sizeof(paz));
	}
	if (!j->target_type[0])
		snprintf(j->target_type, sizeof(j->target_type), "%s", instance_type);
	if (!j->target_az[0]) {
		if (j->kind == EXEC_SWITCH)
			return exec_why(why, whysize, "payload has no target_az or target_pool_id");
		/* No pool known: the same type in another zone of the region. */
		snprintf(j->target_az, sizeof(j->target_az), "%s%c", region, az[strlen(az) - 1] == 'a' ? 'b' : 'a');
	}
	if (exec_str(payload, "target_mode", j->target_mode, sizeof(j->target_mode)) < 0)
		return exec_why(why, whysize, "payload.target_mode is not a string");
	if (!j->target_mode[0])
		snprintf(j->target_mode, sizeof(j->target_mode), "%s", j->kind == EXEC_SWITCH ? mode : "spot");
	if (strcmp(j->target_mode, "spot") && strcmp(j->target_mode, "ondemand"))
		return exec_why(why, whysize, "payload.target_mode must be spot or ondemand");
	if (!exec_type_ok(j->target_type))
		return exec_why(why, whysize, "the target instance type is not a type name like t3.medium");
	if (!exec_az_ok(j->target_az, region))
		return exec_why(why, whysize, "the target zone is not a zone of this instance's region");
	if (j->kind == EXEC_LAUNCH_REPLICA) {
		if (exec_str(payload, "replica_id", j->replica_id, sizeof(j->replica_id)) < 0 ||
		    !uuid_valid(j->replica_id))
			return exec_why(why, whysize, "payload.replica_id is not a UUID");
	}
	exec_image_prefix(prefix, sizeof(prefix), logical_id);
	snprintf(j->image_name, sizeof(j->image_name), "%s%s", prefix, command_id);
	snprintf(j->client_token, sizeof(j->client_token), "spot-%s", command_id);
	j->step = EXEC_IMAGE;
	j->initiated_ms = now;
	j->step_since_ms = now;
	return 0;
}

/* ---- the machine ---- */

static int exec_failed(struct exec_job *j, const struct exec_ops *ops, const char *why)
{
	log_warn("exec: %s %s failed at %s: %s", exec_kind_name(j->kind), j->command_id, exec_step_name(j->step), why);
	snprintf(j->error, sizeof(j->error), "%s: %s", exec_step_name(j->step), why);
	j->step = EXEC_FAILED;
	ops->save(ops->ctx, j);
	return 1;
}

/*
 * Fault injection for tests/integration/test_agent_switch_kill.sh: with
 * SPOT_AGENT_TEST_STOP_AFTER=<step> the agent stops itself (SIGSTOP) once
 * that step's call has succeeded and before its outcome is saved, so the
 * test can SIGKILL it exactly there. Unset in production.
 */
static void exec_test_stop(const struct exec_job *j)
{
	const char *s = getenv("SPOT_AGENT_TEST_STOP_AFTER");
	if (s && !strcmp(s, exec_step_name(j->step))) {
		log_warn("exec: stopping after %s as SPOT_AGENT_TEST_STOP_AFTER asks", s);
		raise(SIGSTOP);
	}
}

static int exec_advance(struct exec_job *j, const struct exec_ops *ops, enum exec_step next)
{
	exec_test_stop(j);
	log_info("exec: %s %s: %s -> %s", exec_kind_name(j->kind), j->command_id, exec_step_name(j->step),
		 exec_step_name(next));
	j->step = next;
	j->step_since_ms = ops->now(ops->ctx);
	j->retry_since_ms = 0;
	if (ops->save(ops->ctx, j) < 0)
		log_warn("exec: cannot save the state of %s; a restart repeats this step", j->command_id);
	return 1;
}

/* A transient failure: waits, unless the step has failed for EXEC_STEP_RETRY_S. */
static int exec_again(struct exec_job *j, const struct exec_ops *ops, const char *why)
{
	int64_t now = ops->now(ops->ctx);
	char msg[600];

	if (!j->retry_since_ms)
		j->retry_since_ms = now;
	if (now - j->retry_since_ms > EXEC_STEP_RETRY_S * 1000LL) {
		snprintf(msg, sizeof(msg), "still failing after %d s: %s", EXEC_STEP_RETRY_S, why);
		return exec_failed(j, ops, msg);
	}
	log_info("exec: %s %s at %s: %s; trying again", exec_kind_name(j->kind), j->command_id,
		 exec_step_name(j->step), why);
	return 0;
}

/* Waits for a state, bounded by limit_s since the step began. */
static int exec_wait(struct exec_job *j, const struct exec_ops *ops, long limit_s, const char *what)
{
	char msg[200];
	if (ops->now(ops->ctx) - j->step_since_ms > limit_s * 1000LL) {
		snprintf(msg, sizeof(msg), "%s not ready within %ld s", what, limit_s);
		return exec_failed(j, ops, msg);
	}
	return 0;
}

static int exec_step_image(struct exec_job *j, const struct exec_ops *ops)
{
	char id[32], state[32], why[600];
	int found = 0;
	enum exec_rc r;

	if (j->kind == EXEC_EMERGENCY) {
		r = ops->latest_image(ops->ctx, j, why, sizeof(why));
		if (r != EXEC_OK)
			return r == EXEC_AGAIN ? exec_again(j, ops, why) : exec_failed(j, ops, why);
		j->ami_ms = ops->now(ops->ctx);
		return exec_advance(j, ops, EXEC_RUN);
	}
	/* A restart after CreateImage finds the image by its name. */
	r = ops->find_image(ops->ctx, j->image_name, &found, id, sizeof(id), state, sizeof(state), why, sizeof(why));
	if (r != EXEC_OK)
		return r == EXEC_AGAIN ? exec_again(j, ops, why) : exec_failed(j, ops, why);
	if (!found) {
		r = ops->create_image(ops->ctx, j->old_instance_id, j->image_name, id, sizeof(id), why, sizeof(why));
		if (r != EXEC_OK)
			return r == EXEC_AGAIN ? exec_again(j, ops, why) : exec_failed(j, ops, why);
		log_info("exec: %s %s: image %s (%s) created", exec_kind_name(j->kind), j->command_id, id, j->image_name);
	}
	memcpy(j->image_id, id, sizeof(id));
	return exec_advance(j, ops, EXEC_IMAGE_WAIT);
}

static int exec_step_image_wait(struct exec_job *j, const struct exec_ops *ops)
{
	char state[32], why[600];
	enum exec_rc r = ops->image_state(ops->ctx, j->image_id, state, sizeof(state), why, sizeof(why));

	if (r != EXEC_OK)
		return r == EXEC_AGAIN ? exec_again(j, ops, why) : exec_failed(j, ops, why);
	if (!strcmp(state, "available")) {
		j->ami_ms = ops->now(ops->ctx);
		return exec_advance(j, ops, EXEC_RUN);
	}
	if (strcmp(state, "pending")) {
		snprintf(why, sizeof(why), "image %s is %s", j->image_id, state);
		return exec_failed(j, ops, why);
	}
	return exec_wait(j, ops, EXEC_IMAGE_WAIT_S, "the image");
}

static int exec_step_run(struct exec_job *j, const struct exec_ops *ops)
{
	char iid[32], why[600];
	enum exec_rc r;

	if (!j->spec_ready) {
		r = ops->capture_spec(ops->ctx, j, why, sizeof(why));
		if (r != EXEC_OK)
			return r == EXEC_AGAIN ? exec_again(j, ops, why) : exec_failed(j, ops, why);
		j->spec_ready = 1;
		/* Persisted before the launch: a resumed RunInstances sends the very same parameters. */
		if (ops->save(ops->ctx, j) < 0)
			return exec_again(j, ops, "cannot save the launch spec");
	}
	r = ops->run(ops->ctx, j, iid, sizeof(iid), why, sizeof(why));
	if (r != EXEC_OK)
		return r == EXEC_AGAIN ? exec_again(j, ops, why) : exec_failed(j, ops, why);
	memcpy(j->new_instance_id, iid, sizeof(iid));
	j->launched_ms = ops->now(ops->ctx);
	log_info("exec: %s %s: instance %s launched (%s in %s, %s)", exec_kind_name(j->kind), j->command_id, iid,
		 j->target_type, j->target_az, j->target_mode);
	return exec_advance(j, ops, j->kind == EXEC_LAUNCH_REPLICA ? EXEC_REPLICA_LAUNCHED : EXEC_RUN_WAIT);
}

static int exec_step_run_wait(struct exec_job *j, const struct exec_ops *ops)
{
	char state[32], why[600];
	enum exec_rc r = ops->instance_state(ops->ctx, j->new_instance_id, state, sizeof(state), why, sizeof(why));

	if (r != EXEC_OK)
		return r == EXEC_AGAIN ? exec_again(j, ops, why) : exec_failed(j, ops, why);
	if (!strcmp(state, "running")) {
		j->ready_ms = ops->now(ops->ctx);
		return exec_advance(j, ops, j->kind == EXEC_LAUNCH_REPLICA ? EXEC_DONE : EXEC_EIP);
	}
	if (strcmp(state, "pending")) {
		snprintf(why, sizeof(why), "the new instance %s is %s", j->new_instance_id, state);
		return exec_failed(j, ops, why);
	}
	return exec_wait(j, ops, EXEC_RUN_WAIT_S, "the new instance");
}

static int exec_step_eip(struct exec_job *j, const struct exec_ops *ops)
{
	char why[600], alloc[64];
	int found = 0;
	enum exec_rc r;

	if (!j->eip_checked) {
		r = ops->find_eip(ops->ctx, j->old_instance_id, &found, alloc, sizeof(alloc), why, sizeof(why));
		if (r != EXEC_OK)
			return r == EXEC_AGAIN ? exec_again(j, ops, why) : exec_failed(j, ops, why);
		j->eip_checked = 1;
		snprintf(j->eip_alloc, sizeof(j->eip_alloc), "%s", found ? alloc : "");
		if (ops->save(ops->ctx, j) < 0)
			return exec_again(j, ops, "cannot save the Elastic IP");
	}
	if (j->eip_alloc[0]) {
		if (!j->eip_start_ms)
			j->eip_start_ms = ops->now(ops->ctx);
		r = ops->associate(ops->ctx, j->eip_alloc, j->new_instance_id, why, sizeof(why));
		if (r != EXEC_OK)
			return r == EXEC_AGAIN ? exec_again(j, ops, why) : exec_failed(j, ops, why);
		j->eip_done_ms = ops->now(ops->ctx);
		log_info("exec: %s %s: Elastic IP %s moved to %s", exec_kind_name(j->kind), j->command_id, j->eip_alloc,
			 j->new_instance_id);
	}
	return exec_advance(j, ops, EXEC_REPORT);
}

int exec_job_step(struct exec_job *j, const struct exec_ops *ops)
{
	char why[600];
	enum exec_rc r;

	switch (j->step) {
	case EXEC_IMAGE:
		return exec_step_image(j, ops);
	case EXEC_IMAGE_WAIT:
		return exec_step_image_wait(j, ops);
	case EXEC_RUN:
		return exec_step_run(j, ops);
	case EXEC_REPLICA_LAUNCHED:
		r = ops->replica_launched(ops->ctx, j, why, sizeof(why));
		if (r != EXEC_OK)
			return r == EXEC_AGAIN ? exec_again(j, ops, why) : exec_failed(j, ops, why);
		return exec_advance(j, ops, EXEC_RUN_WAIT);
	case EXEC_RUN_WAIT:
		return exec_step_run_wait(j, ops);
	case EXEC_EIP:
		return exec_step_eip(j, ops);
	case EXEC_REPORT:
		if (!j->completed_ms) {
			j->completed_ms = ops->now(ops->ctx);
			ops->save(ops->ctx, j);
		}
		r = ops->switch_report(ops->ctx, j, why, sizeof(why));
		if (r != EXEC_OK)
			return r == EXEC_AGAIN ? exec_again(j, ops, why) : exec_failed(j, ops, why);
		return exec_advance(j, ops, EXEC_DONE);
	case EXEC_DONE:
	case EXEC_FAILED:
		return 1;
	}
	return exec_failed(j, ops, "unknown step");
}

int exec_job_run(struct exec_job *j, const struct exec_ops *ops)
{
	for (int i = 0; i < EXEC_STEPS_PER_TICK; i++) {
		if (j->step == EXEC_DONE || j->step == EXEC_FAILED)
			return 1;
		if (exec_job_step(j, ops) == 0)
			return 0;
	}
	return j->step == EXEC_DONE || j->step == EXEC_FAILED;
}

/* ---- the state file ---- */

static void exec_put_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void exec_put_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

#define EXEC_STR_FIELDS(X)                                                                                       \
	X(command_id) X(logical_id) X(old_instance_id) X(old_type) X(old_az) X(old_mode) X(region) X(target_type) \
	X(target_az) X(target_mode) X(replica_id) X(image_name) X(image_id) X(client_token) X(new_instance_id)    \
	X(eip_alloc) X(subnet_id) X(key_name) X(iam_profile_arn) X(error)
#define EXEC_INT_FIELDS(X)                                                                                      \
	X(initiated_ms) X(ami_ms) X(launched_ms) X(ready_ms) X(eip_start_ms) X(eip_done_ms) X(completed_ms)     \
	X(step_since_ms) X(retry_since_ms)

static struct json_object *exec_job_json(const struct exec_job *j)
{
	struct json_object *o = json_object_new_object(), *sg = json_object_new_array(),
			   *tags = json_object_new_array();

	exec_put_int(o, "format", 1);
	exec_put_str(o, "kind", exec_kind_name(j->kind));
	exec_put_str(o, "step", exec_step_name(j->step));
#define X(f) exec_put_str(o, #f, j->f);
	EXEC_STR_FIELDS(X)
#undef X
#define X(f) exec_put_int(o, #f, j->f);
	EXEC_INT_FIELDS(X)
#undef X
	exec_put_int(o, "eip_checked", j->eip_checked);
	exec_put_int(o, "spec_ready", j->spec_ready);
	for (size_t i = 0; i < j->nsg; i++)
		json_object_array_add(sg, json_object_new_string(j->sg[i]));
	json_object_object_add(o, "sg", sg);
	for (size_t i = 0; i < j->ntags; i++) {
		struct json_object *t = json_object_new_object();
		exec_put_str(t, "key", j->tags[i].key);
		exec_put_str(t, "value", j->tags[i].value);
		json_object_array_add(tags, t);
	}
	json_object_object_add(o, "tags", tags);
	exec_put_str(o, "user_data_b64", j->user_data_b64.buf);
	return o;
}

static int exec_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int exec_job_save_file(const struct exec_job *j, const char *path)
{
	struct json_object *o = exec_job_json(j);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	char tmp[1100], dir[1100];
	const char *slash;
	int fd, rc = -1;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		goto out;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_err("exec_job_save_file: %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (exec_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		log_err("exec_job_save_file: write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		log_err("exec_job_save_file: rename %s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* The rename itself is durable once the directory is synced. */
	slash = strrchr(path, '/');
	if (slash && (size_t)(slash - path) < sizeof(dir)) {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
		fd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			fsync(fd);
			close(fd);
		}
	}
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

static int exec_get_int(struct json_object *o, const char *k, int64_t *v)
{
	struct json_object *x;
	if (!json_object_object_get_ex(o, k, &x) || !json_object_is_type(x, json_type_int))
		return -1;
	*v = json_object_get_int64(x);
	return 0;
}

static int exec_enum(const char *s, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int exec_job_load_file(struct exec_job *j, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_object *o = NULL, *arr, *v;
	char kind[32], step[32], ud[EXEC_MAX_USER_DATA_B64 + 1];
	int64_t x;
	int rc = -1, k, s;

	if (access(path, F_OK) < 0 && errno == ENOENT) {
		rc = 0;
		goto out;
	}
	if (strbuf_read_file(&sb, path, EXEC_MAX_STATE) < 0) {
		log_err("exec_job_load_file: cannot read %s", path);
		goto out;
	}
	o = json_tokener_parse(sb.buf);
	if (!o || !json_object_is_type(o, json_type_object) || exec_str(o, "kind", kind, sizeof(kind)) < 0 ||
	    exec_str(o, "step", step, sizeof(step)) < 0 ||
	    (k = exec_enum(kind, exec_kind_names, EXEC_EMERGENCY + 1)) < 0 ||
	    (s = exec_enum(step, exec_step_names, EXEC_FAILED + 1)) < 0)
		goto bad;
	j->kind = (enum exec_kind)k;
	j->step = (enum exec_step)s;
#define X(f)                                       \
	if (exec_str(o, #f, j->f, sizeof(j->f)) < 0) \
		goto bad;
	EXEC_STR_FIELDS(X)
#undef X
#define X(f)                          \
	if (exec_get_int(o, #f, &j->f) < 0) \
		goto bad;
	EXEC_INT_FIELDS(X)
#undef X
	if (exec_get_int(o, "eip_checked", &x) < 0)
		goto bad;
	j->eip_checked = x != 0;
	if (exec_get_int(o, "spec_ready", &x) < 0)
		goto bad;
	j->spec_ready = x != 0;
	if (!uuid_valid(j->command_id))
		goto bad;
	j->nsg = 0;
	if (json_object_object_get_ex(o, "sg", &arr) && json_object_is_type(arr, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(arr) && j->nsg < EXEC_MAX_SG; i++) {
			v = json_object_array_get_idx(arr, i);
			if (!json_object_is_type(v, json_type_string) ||
			    (size_t)json_object_get_string_len(v) >= sizeof(j->sg[0]))
				goto bad;
			snprintf(j->sg[j->nsg++], sizeof(j->sg[0]), "%s", json_object_get_string(v));
		}
	}
	j->ntags = 0;
	if (json_object_object_get_ex(o, "tags", &arr) && json_object_is_type(arr, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(arr) && j->ntags < EXEC_MAX_TAGS; i++) {
			v = json_object_array_get_idx(arr, i);
			if (exec_str(v, "key", j->tags[j->ntags].key, sizeof(j->tags[0].key)) < 0 ||
			    exec_str(v, "value", j->tags[j->ntags].value, sizeof(j->tags[0].value)) < 0)
				goto bad;
			j->ntags++;
		}
	}
	if (exec_str(o, "user_data_b64", ud, sizeof(ud)) < 0)
		goto bad;
	strbuf_reset(&j->user_data_b64);
	strbuf_addstr(&j->user_data_b64, ud);
	rc = 1;
	goto out;
bad:
	log_err("exec_job_load_file: %s is not a job state file", path);
out:
	json_object_put(o);
	strbuf_release(&sb);
	return rc;
}
