/*
 * test_agent_switch.c - the launching step machine of agent/exec.h: killed
 * after any EC2 call or report (before its new state was saved) and resumed
 * from the state file in a temp dir, a switch, a replica launch and an
 * emergency launch each end with exactly one image, one instance, the
 * Elastic IP on it and a report; waits are bounded; the state file keeps
 * every field; bad command payloads are refused with a reason.
 *
 * The world the machine sees here is a table in memory that keeps EC2's
 * rules the machine relies on (unique image names, ClientToken idempotency
 * with IdempotentParameterMismatch, pending -> available / running); the
 * same machine runs against spot-sim in tests/integration/test_agent_switch.sh.
 */
#include "agent/exec.h"

#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CID "0b9d6a52-6f1e-4c55-9a55-3f0c1d2e3f40"
#define RID "7c0d6a52-6f1e-4c55-9a55-3f0c1d2e3f41"
#define OLD "i-0123456789abcdef0"

struct w_image {
	char id[32], name[160], state[16];
	int polls;
};

struct w_inst {
	char id[32], token[72], image[32], type[64], az[32], state[16];
	int polls;
};

struct world {
	int64_t now;
	struct w_image img[8];
	int nimg;
	struct w_inst inst[8];
	int ninst;
	char eip_on[32];		/* the instance the one Elastic IP is on */
	int switch_reports, replica_reports;
	char reported_new[32];
	int calls, crash_after;		/* crash after this many ops (0 never) */
	int crashed;
	int transient;			/* ops fail with EXEC_AGAIN while set */
	char path[300];
	int saves;
};

static char dir[256];

static void setup(void)
{
	char tmpl[] = "/tmp/test-agent-switch.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(dir, sizeof(dir), "%s", tmpl);
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Every op goes through here: the clock moves, a crash may be due, a transient failure may be on. */
static enum exec_rc w_enter(struct world *w, char *why, size_t size)
{
	w->now += 100;
	if (w->transient) {
		snprintf(why, size, "RequestLimitExceeded");
		return EXEC_AGAIN;
	}
	return EXEC_OK;
}

static void w_leave(struct world *w)
{
	if (w->crash_after && ++w->calls == w->crash_after)
		w->crashed = 1;
}

static int64_t w_now(void *ctx)
{
	return ((struct world *)ctx)->now;
}

static enum exec_rc w_find_image(void *ctx, const char *name, int *found, char *id, size_t idsize, char *state,
				 size_t ssize, char *why, size_t wsize)
{
	struct world *w = ctx;
	enum exec_rc r = w_enter(w, why, wsize);
	*found = 0;
	for (int i = 0; r == EXEC_OK && i < w->nimg; i++)
		if (!strcmp(w->img[i].name, name)) {
			snprintf(id, idsize, "%s", w->img[i].id);
			snprintf(state, ssize, "%s", w->img[i].state);
			*found = 1;
		}
	if (r == EXEC_OK)
		w_leave(w);
	return r;
}

static enum exec_rc w_create_image(void *ctx, const char *iid, const char *name, char *id, size_t idsize, char *why,
				   size_t wsize)
{
	struct world *w = ctx;
	enum exec_rc r = w_enter(w, why, wsize);
	if (r != EXEC_OK)
		return r;
	ck_assert_str_eq(iid, OLD);
	for (int i = 0; i < w->nimg; i++)
		if (!strcmp(w->img[i].name, name)) {
			snprintf(why, wsize, "CreateImage: InvalidAMIName.Duplicate");
			return EXEC_AGAIN;
		}
	ck_assert_int_lt(w->nimg, 8);
	struct w_image *im = &w->img[w->nimg++];
	snprintf(im->id, sizeof(im->id), "ami-%08x", 0x1000 + w->nimg);
	snprintf(im->name, sizeof(im->name), "%s", name);
	snprintf(im->state, sizeof(im->state), "pending");
	im->polls = 2;
	snprintf(id, idsize, "%s", im->id);
	w_leave(w);
	return EXEC_OK;
}

static enum exec_rc w_image_state(void *ctx, const char *id, char *state, size_t size, char *why, size_t wsize)
{
	struct world *w = ctx;
	enum exec_rc r = w_enter(w, why, wsize);
	if (r != EXEC_OK)
		return r;
	for (int i = 0; i < w->nimg; i++)
		if (!strcmp(w->img[i].id, id)) {
			if (w->img[i].polls > 0 && --w->img[i].polls == 0)
				snprintf(w->img[i].state, sizeof(w->img[i].state), "available");
			snprintf(state, size, "%s", w->img[i].state);
			w_leave(w);
			return EXEC_OK;
		}
	snprintf(why, wsize, "image %s is gone", id);
	return EXEC_FAIL;
}

static enum exec_rc w_latest_image(void *ctx, struct exec_job *j, char *why, size_t wsize)
{
	struct world *w = ctx;
	enum exec_rc r = w_enter(w, why, wsize);
	if (r == EXEC_OK) {
		snprintf(j->image_id, sizeof(j->image_id), "ami-0a1b2c3d4e5f60001");
		w_leave(w);
	}
	return r;
}

static enum exec_rc w_capture_spec(void *ctx, struct exec_job *j, char *why, size_t wsize)
{
	struct world *w = ctx;
	enum exec_rc r = w_enter(w, why, wsize);
	if (r != EXEC_OK)
		return r;
	snprintf(j->key_name, sizeof(j->key_name), "key-1");
	snprintf(j->sg[0], sizeof(j->sg[0]), "sg-0123456789abcdef0");
	j->nsg = 1;
	snprintf(j->tags[0].key, sizeof(j->tags[0].key), "Name");
	snprintf(j->tags[0].value, sizeof(j->tags[0].value), "web");
	j->ntags = 1;
	strbuf_reset(&j->user_data_b64);
	exec_base64(&j->user_data_b64, (const unsigned char *)"SPOT_LOGICAL_ID=web\n", 20);
	w_leave(w);
	return EXEC_OK;
}

static enum exec_rc w_run(void *ctx, const struct exec_job *j, char *iid, size_t size, char *why, size_t wsize)
{
	struct world *w = ctx;
	enum exec_rc r = w_enter(w, why, wsize);
	if (r != EXEC_OK)
		return r;
	/* ClientToken: the same token returns the first launch, with other parameters it is an error. */
	for (int i = 0; i < w->ninst; i++)
		if (!strcmp(w->inst[i].token, j->client_token)) {
			if (strcmp(w->inst[i].image, j->image_id) || strcmp(w->inst[i].type, j->target_type) ||
			    strcmp(w->inst[i].az, j->target_az)) {
				snprintf(why, wsize, "IdempotentParameterMismatch");
				return EXEC_FAIL;
			}
			snprintf(iid, size, "%s", w->inst[i].id);
			w_leave(w);
			return EXEC_OK;
		}
	ck_assert_int_eq(j->spec_ready, 1);
	ck_assert_int_eq(j->nsg, 1);
	ck_assert_int_lt(w->ninst, 8);
	struct w_inst *in = &w->inst[w->ninst++];
	snprintf(in->id, sizeof(in->id), "i-%017x", 0xabc00 + w->ninst);
	snprintf(in->token, sizeof(in->token), "%s", j->client_token);
	snprintf(in->image, sizeof(in->image), "%s", j->image_id);
	snprintf(in->type, sizeof(in->type), "%s", j->target_type);
	snprintf(in->az, sizeof(in->az), "%s", j->target_az);
	snprintf(in->state, sizeof(in->state), "pending");
	in->polls = 2;
	snprintf(iid, size, "%s", in->id);
	w_leave(w);
	return EXEC_OK;
}

static enum exec_rc w_instance_state(void *ctx, const char *iid, char *state, size_t size, char *why, size_t wsize)
{
	struct world *w = ctx;
	enum exec_rc r = w_enter(w, why, wsize);
	if (r != EXEC_OK)
		return r;
	for (int i = 0; i < w->ninst; i++)
		if (!strcmp(w->inst[i].id, iid)) {
			if (w->inst[i].polls > 0 && --w->inst[i].polls == 0)
				snprintf(w->inst[i].state, sizeof(w->inst[i].state), "running");
			snprintf(state, size, "%s", w->inst[i].state);
			w_leave(w);
			return EXEC_OK;
		}
	snprintf(why, wsize, "InvalidInstanceID.NotFound");
	return EXEC_AGAIN;
}

static enum exec_rc w_find_eip(void *ctx, const char *iid, int *found, char *alloc, size_t size, char *why,
			       size_t wsize)
{
	struct world *w = ctx;
	enum exec_rc r = w_enter(w, why, wsize);
	if (r != EXEC_OK)
		return r;
	*found = !strcmp(w->eip_on, iid);
	if (*found)
		snprintf(alloc, size, "eipalloc-0123456789abcdef0");
	w_leave(w);
	return EXEC_OK;
}

static enum exec_rc w_associate(void *ctx, const char *alloc, const char *iid, char *why, size_t wsize)
{
	struct world *w = ctx;
	enum exec_rc r = w_enter(w, why, wsize);
	if (r != EXEC_OK)
		return r;
	ck_assert_str_eq(alloc, "eipalloc-0123456789abcdef0");
	snprintf(w->eip_on, sizeof(w->eip_on), "%s", iid);
	w_leave(w);
	return EXEC_OK;
}

static enum exec_rc w_replica_launched(void *ctx, const struct exec_job *j, char *why, size_t wsize)
{
	struct world *w = ctx;
	enum exec_rc r = w_enter(w, why, wsize);
	if (r != EXEC_OK)
		return r;
	ck_assert_str_eq(j->replica_id, RID);
	w->replica_reports++;
	w_leave(w);
	return EXEC_OK;
}

static enum exec_rc w_switch_report(void *ctx, const struct exec_job *j, char *why, size_t wsize)
{
	struct world *w = ctx;
	enum exec_rc r = w_enter(w, why, wsize);
	if (r != EXEC_OK)
		return r;
	ck_assert(j->initiated_ms > 0 && j->ami_ms >= j->initiated_ms && j->launched_ms >= j->ami_ms &&
		  j->ready_ms >= j->launched_ms && j->completed_ms >= j->ready_ms);
	w->switch_reports++;
	snprintf(w->reported_new, sizeof(w->reported_new), "%s", j->new_instance_id);
	w_leave(w);
	return EXEC_OK;
}

static int w_save(void *ctx, const struct exec_job *j)
{
	struct world *w = ctx;
	if (w->crashed)
		return -1;	/* the process is gone: nothing more reaches the disk */
	w->saves++;
	return exec_job_save_file(j, w->path);
}

static void w_ops(struct world *w, struct exec_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->ctx = w;
	ops->now = w_now;
	ops->find_image = w_find_image;
	ops->create_image = w_create_image;
	ops->image_state = w_image_state;
	ops->latest_image = w_latest_image;
	ops->capture_spec = w_capture_spec;
	ops->run = w_run;
	ops->instance_state = w_instance_state;
	ops->find_eip = w_find_eip;
	ops->associate = w_associate;
	ops->replica_launched = w_replica_launched;
	ops->switch_report = w_switch_report;
	ops->save = w_save;
}

static const char *const kinds[] = { "switch", "launch_replica", "emergency_launch" };
static const char *const payloads[] = {
	"{\"target_pool_id\":\"m5.large.us-east-1b\",\"target_mode\":\"spot\",\"target_instance_type\":\"m5.large\","
	"\"target_az\":\"us-east-1b\"}",
	"{\"replica_id\":\"" RID "\",\"target_pool_id\":\"t3.medium.us-east-1c\",\"instance_type\":\"t3.medium\"}",
	"{\"target_pool_id\":null,\"target_mode\":\"spot\",\"instance_type\":\"t3.medium\"}",
};

static void w_new_job(struct world *w, struct exec_job *j, int kind)
{
	struct json_object *p = json_tokener_parse(payloads[kind]);
	char why[300];
	exec_job_init(j);
	ck_assert_int_eq(exec_job_from_command(j, CID, kinds[kind], p, "web", OLD, "t3.medium", "us-east-1a", "spot",
					       "us-east-1", w->now, why, sizeof(why)),
			 0);
	json_object_put(p);
	ck_assert_int_eq(exec_job_save_file(j, w->path), 0);
}

static void w_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->now = 1790000000000LL;
	snprintf(w->eip_on, sizeof(w->eip_on), OLD);
	snprintf(w->path, sizeof(w->path), "%s/%s", dir, EXEC_STATE_FILE);
	unlink(w->path);
}

/* Steps until done; 0 when it stopped because the world crashed. */
static int w_drive(struct world *w, struct exec_job *j, const struct exec_ops *ops)
{
	for (int i = 0; i < 200; i++) {
		if (j->step == EXEC_DONE || j->step == EXEC_FAILED)
			return 1;
		if (exec_job_step(j, ops) == 0)
			w->now += EXEC_POLL_MS;
		if (w->crashed)
			return 0;
	}
	ck_abort_msg("the job never ended (step %s)", exec_step_name(j->step));
	return 1;
}

static void w_check_done(struct world *w, const struct exec_job *j, int kind)
{
	ck_assert_msg(j->step == EXEC_DONE, "%s ended at %s: %s", kinds[kind], exec_step_name(j->step), j->error);
	ck_assert_int_eq(w->nimg, kind == 2 ? 0 : 1);
	ck_assert_int_eq(w->ninst, 1);
	ck_assert_str_eq(j->new_instance_id, w->inst[0].id);
	ck_assert_str_eq(w->inst[0].state, "running");
	if (kind == 1) {
		ck_assert_str_eq(w->eip_on, OLD);	/* a replica does not take the address */
		ck_assert_int_ge(w->replica_reports, 1);
		ck_assert_int_eq(w->switch_reports, 0);
		ck_assert_str_eq(w->inst[0].az, "us-east-1c");
	} else {
		ck_assert_str_eq(w->eip_on, w->inst[0].id);
		ck_assert_int_ge(w->switch_reports, 1);
		ck_assert_str_eq(w->reported_new, w->inst[0].id);
	}
	if (kind == 0)
		ck_assert_str_eq(w->img[0].name, "spot-agent-web-" CID);
	if (kind == 2) {
		ck_assert_str_eq(w->inst[0].image, "ami-0a1b2c3d4e5f60001");
		ck_assert_str_eq(w->inst[0].az, "us-east-1b");	/* no pool given: another zone */
	}
}

/* Without a crash: the steps in order, one image, one instance. */
START_TEST(test_runs_through)
{
	struct world w;
	struct exec_job j;
	struct exec_ops ops;

	w_init(&w);
	w_ops(&w, &ops);
	w_new_job(&w, &j, _i);
	ck_assert_int_eq(w_drive(&w, &j, &ops), 1);
	w_check_done(&w, &j, _i);
	exec_job_release(&j);
}
END_TEST

/* Killed after the n-th call (its outcome not saved), resumed from the file: nothing is made twice. */
START_TEST(test_resume_after_every_call)
{
	struct world w;
	struct exec_job j;
	struct exec_ops ops;
	int total, resumed_steps[EXEC_FAILED + 1] = { 0 };

	w_init(&w);
	w_ops(&w, &ops);
	w_new_job(&w, &j, _i);
	w.crash_after = 1000;
	w_drive(&w, &j, &ops);
	total = w.calls;
	exec_job_release(&j);
	ck_assert_int_gt(total, 5);
	for (int n = 1; n <= total; n++) {
		w_init(&w);
		w_ops(&w, &ops);
		w_new_job(&w, &j, _i);
		w.crash_after = n;
		ck_assert_int_eq(w_drive(&w, &j, &ops), 0);
		exec_job_release(&j);
		/* A new process: the job is what the file says. */
		w.crashed = 0;
		w.crash_after = 0;
		exec_job_init(&j);
		ck_assert_int_eq(exec_job_load_file(&j, w.path), 1);
		resumed_steps[j.step]++;
		ck_assert_int_eq(w_drive(&w, &j, &ops), 1);
		w_check_done(&w, &j, _i);
		exec_job_release(&j);
	}
	/* Every step of the kind was resumed from at least once. */
	ck_assert_int_gt(resumed_steps[EXEC_RUN], 0);
	ck_assert_int_gt(resumed_steps[EXEC_RUN_WAIT], 0);
	if (_i != 2)
		ck_assert_int_gt(resumed_steps[EXEC_IMAGE_WAIT], 0);
	if (_i == 1)
		ck_assert_int_gt(resumed_steps[EXEC_REPLICA_LAUNCHED], 0);
	else
		ck_assert(resumed_steps[EXEC_EIP] > 0 && resumed_steps[EXEC_REPORT] > 0);
}
END_TEST

/* An image that never becomes available fails the job with a reason after EXEC_IMAGE_WAIT_S. */
START_TEST(test_wait_is_bounded)
{
	struct world w;
	struct exec_job j;
	struct exec_ops ops;
	int waits = 0;

	w_init(&w);
	w_ops(&w, &ops);
	w_new_job(&w, &j, 0);
	ck_assert_int_eq(exec_job_step(&j, &ops), 1);	/* image created */
	w.img[0].polls = -1;				/* pending for ever */
	for (;;) {
		int r = exec_job_step(&j, &ops);
		if (j.step == EXEC_FAILED)
			break;
		ck_assert_int_eq(r, 0);
		ck_assert_int_le(++waits, EXEC_IMAGE_WAIT_S / 60 + 2);
		w.now += 60 * 1000;
	}
	ck_assert_int_ge(waits, EXEC_IMAGE_WAIT_S / 60 - 1);
	ck_assert_int_eq(j.step, EXEC_FAILED);
	ck_assert_ptr_nonnull(strstr(j.error, "image_wait: the image not ready within"));
	ck_assert_int_eq(w.ninst, 0);
	exec_job_release(&j);
}
END_TEST

/* Throttling is retried, and fails the job only after EXEC_STEP_RETRY_S. */
START_TEST(test_transient_errors)
{
	struct world w;
	struct exec_job j;
	struct exec_ops ops;

	w_init(&w);
	w_ops(&w, &ops);
	w_new_job(&w, &j, 0);
	w.transient = 1;
	ck_assert_int_eq(exec_job_step(&j, &ops), 0);
	w.now += 10 * 1000;
	ck_assert_int_eq(exec_job_step(&j, &ops), 0);
	ck_assert_int_eq(j.step, EXEC_IMAGE);
	w.transient = 0;
	ck_assert_int_eq(w_drive(&w, &j, &ops), 1);
	w_check_done(&w, &j, 0);
	exec_job_release(&j);

	w_init(&w);
	w_new_job(&w, &j, 0);
	w.transient = 1;
	ck_assert_int_eq(exec_job_step(&j, &ops), 0);
	w.now += (EXEC_STEP_RETRY_S + 1) * 1000LL;
	ck_assert_int_eq(exec_job_step(&j, &ops), 1);
	ck_assert_int_eq(j.step, EXEC_FAILED);
	ck_assert_ptr_nonnull(strstr(j.error, "still failing"));
	exec_job_release(&j);
}
END_TEST

/* The state file keeps every field. */
START_TEST(test_state_file_round_trip)
{
	struct world w;
	struct exec_job j, k;
	struct exec_ops ops;

	w_init(&w);
	w_ops(&w, &ops);
	w_new_job(&w, &j, 1);
	ck_assert_int_eq(w_drive(&w, &j, &ops), 1);
	snprintf(j.error, sizeof(j.error), "quote \" and \\ and \n");
	ck_assert_int_eq(exec_job_save_file(&j, w.path), 0);
	exec_job_init(&k);
	ck_assert_int_eq(exec_job_load_file(&k, w.path), 1);
	ck_assert_int_eq(k.kind, j.kind);
	ck_assert_int_eq(k.step, j.step);
	ck_assert_str_eq(k.command_id, j.command_id);
	ck_assert_str_eq(k.replica_id, j.replica_id);
	ck_assert_str_eq(k.image_id, j.image_id);
	ck_assert_str_eq(k.image_name, j.image_name);
	ck_assert_str_eq(k.client_token, j.client_token);
	ck_assert_str_eq(k.new_instance_id, j.new_instance_id);
	ck_assert_str_eq(k.error, j.error);
	ck_assert_str_eq(k.sg[0], j.sg[0]);
	ck_assert_str_eq(k.tags[0].value, "web");
	ck_assert_str_eq(k.user_data_b64.buf, "U1BPVF9MT0dJQ0FMX0lEPXdlYgo=");
	ck_assert(k.initiated_ms == j.initiated_ms && k.ready_ms == j.ready_ms && k.launched_ms == j.launched_ms);
	ck_assert_int_eq(k.spec_ready, 1);
	exec_job_release(&k);
	exec_job_release(&j);

	/* No file: 0; a file that is not a job: -1. */
	unlink(w.path);
	exec_job_init(&k);
	ck_assert_int_eq(exec_job_load_file(&k, w.path), 0);
	FILE *f = fopen(w.path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("{\"kind\":\"switch\",\"step\":\"warp\"}", f);
	fclose(f);
	ck_assert_int_eq(exec_job_load_file(&k, w.path), -1);
	exec_job_release(&k);
}
END_TEST

static const struct {
	const char *type, *payload, *why;
} bad[] = {
	{ "reboot", "{}", "not a launching command" },
	{ "switch", "{\"target_mode\":\"spot\"}", "no target_az" },
	{ "switch", "{\"target_pool_id\":\"m5.large.eu-west-1a\"}", "not a zone of this instance's region" },
	{ "switch", "{\"target_pool_id\":\"m5.large.us-east-1b\",\"target_mode\":\"reserved\"}", "spot or ondemand" },
	{ "switch", "{\"target_pool_id\":\"nodot\"}", "<type>.<zone>" },
	{ "switch", "{\"target_pool_id\":7}", "not a pool id" },
	{ "switch", "{\"target_pool_id\":\"M5;rm.us-east-1b\"}", "not a type name" },
	{ "launch_replica", "{\"target_pool_id\":\"t3.medium.us-east-1b\"}", "replica_id is not a UUID" },
};

START_TEST(test_bad_commands)
{
	struct exec_job j;
	struct json_object *p = json_tokener_parse(bad[_i].payload);
	char why[300] = "";

	exec_job_init(&j);
	ck_assert_int_eq(exec_job_from_command(&j, CID, bad[_i].type, p, "web", OLD, "t3.medium", "us-east-1a", "spot",
					       "us-east-1", 1, why, sizeof(why)),
			 -1);
	ck_assert_msg(strstr(why, bad[_i].why), "'%s' lacks '%s'", why, bad[_i].why);
	json_object_put(p);
	exec_job_release(&j);
}
END_TEST

START_TEST(test_names)
{
	char buf[96];
	struct strbuf b = STRBUF_INIT;

	exec_image_prefix(buf, sizeof(buf), "web/1 (prod)");
	ck_assert_str_eq(buf, "spot-agent-web_1__prod_-");
	exec_base64(&b, (const unsigned char *)"ab", 2);
	ck_assert_str_eq(b.buf, "YWI=");
	strbuf_release(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agent_switch");
	TCase *tc = tcase_create("machine");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_runs_through, 0, 3);
	tcase_add_loop_test(tc, test_resume_after_every_call, 0, 3);
	tcase_add_test(tc, test_wait_is_bounded);
	tcase_add_test(tc, test_transient_errors);
	tcase_add_test(tc, test_state_file_round_trip);
	tcase_add_loop_test(tc, test_bad_commands, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
