/*
 * exec.h - the agent's command executors (DESIGN.md section 7, issue 5 item 4).
 *
 * Commands handed out by GET pending-commands are dispatched by type:
 *   switch           image -> wait available -> run -> wait running -> Elastic IP -> switch-report
 *   launch_replica   image -> wait available -> run -> replica "launching" -> wait running
 *   emergency_launch latest image (or the instance's AMI) -> run -> wait running -> Elastic IP
 *                    -> switch-report (event_trigger emergency: the new instance is the primary)
 *   promote          (the promoted replica) the old primary's Elastic IP comes to this instance
 *   terminate        TerminateInstances of a replica (never this instance)
 *   cleanup          deregisters the AMIs this agent made (and their snapshots) that are older
 *                    than the retention, keeping the newest N; cleanup-report
 * Every command reports "running" first, then "succeeded" (with a result) or
 * "failed" with a reason; nothing waits without a bound.
 *
 * The three launching commands are one step machine (struct exec_job), kept
 * in a JSON file in the instance's spool directory and written atomically
 * (temporary file, fsync, rename) before every step that creates something,
 * so a killed agent resumes where it stopped and creates nothing twice: the
 * image name and the RunInstances ClientToken are derived from the command
 * id, and a resumed image step first looks the image up by name. One job
 * runs at a time; a launching command that arrives meanwhile is left for a
 * later hand-out.
 *
 * The machine itself (exec_job_step) sees the world only through struct
 * exec_ops, so tests drive it step by step; exec_aws.c implements the ops
 * with the EC2 client and the server API.
 */
#ifndef SPOT_AGENT_EXEC_H
#define SPOT_AGENT_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

struct agent;
struct json_object;

#define EXEC_STATE_FILE "exec-job.json"
#define EXEC_MAX_STATE (256 * 1024)	/* bytes of the state file */
#define EXEC_MAX_USER_DATA_B64 22000	/* 16 KiB of user data, base64 */
#define EXEC_MAX_SG 16
#define EXEC_MAX_TAGS 50
#define EXEC_STEPS_PER_TICK 12		/* steps one exec_tick may take */
#define EXEC_IMAGE_WAIT_S 1800		/* CreateImage -> available */
#define EXEC_RUN_WAIT_S 900		/* RunInstances -> running */
#define EXEC_STEP_RETRY_S 300		/* a step failing transiently fails the job after this */
#define EXEC_POLL_MS 1000		/* between two looks at an image or instance */
#define EXEC_CLEANUP_RETENTION_DAYS 7
#define EXEC_CLEANUP_KEEP 3
#define EXEC_CLEANUP_MAX 100		/* images removed per cleanup */
#define EXEC_TAG_REPLICA "spot-optimizer:replica-id"
#define EXEC_TAG_COMMAND "spot-optimizer:command-id"

enum exec_kind { EXEC_SWITCH, EXEC_LAUNCH_REPLICA, EXEC_EMERGENCY };

enum exec_step {
	EXEC_IMAGE,		/* create the image (or pick one, emergency) */
	EXEC_IMAGE_WAIT,	/* until it is available */
	EXEC_RUN,		/* RunInstances with the ClientToken */
	EXEC_REPLICA_LAUNCHED,	/* replica: report "launching" with the instance id */
	EXEC_RUN_WAIT,		/* until the instance runs */
	EXEC_EIP,		/* move the Elastic IP, if the primary has one */
	EXEC_REPORT,		/* switch-report */
	EXEC_DONE,
	EXEC_FAILED
};

struct exec_tag {
	char key[128];
	char value[256];
};

struct exec_job {
	enum exec_kind kind;
	enum exec_step step;
	char command_id[40];
	char logical_id[72];
	char old_instance_id[32];	/* this instance, the one being replaced or copied */
	char old_type[64], old_az[32], old_mode[16];
	char region[32];
	char target_type[64], target_az[32], target_mode[16];
	char replica_id[40];		/* launch_replica */
	char image_name[160];
	char image_id[32];
	char client_token[72];
	char new_instance_id[32];
	int eip_checked;		/* the primary's addresses were looked up */
	char eip_alloc[64];		/* "" none */
	int spec_ready;			/* the launch spec below is captured */
	char subnet_id[32], key_name[256], iam_profile_arn[512];
	char sg[EXEC_MAX_SG][32];
	size_t nsg;
	struct exec_tag tags[EXEC_MAX_TAGS];
	size_t ntags;
	struct strbuf user_data_b64;
	/* Wall ms; 0 unknown. */
	int64_t initiated_ms, ami_ms, launched_ms, ready_ms, eip_start_ms, eip_done_ms, completed_ms;
	int64_t step_since_ms;		/* when the current step began */
	int64_t retry_since_ms;		/* first transient failure of the current step; 0 none */
	char error[512];		/* why it failed */
};

/* What one op did: done, try again later (transient), or failed for good (reason in why). */
enum exec_rc { EXEC_OK = 0, EXEC_AGAIN = 1, EXEC_FAIL = -1 };

struct exec_ops {
	void *ctx;
	int64_t (*now)(void *ctx);
	/* An image by name (ours): *found 1 with id and state ("pending", "available", ...). */
	enum exec_rc (*find_image)(void *ctx, const char *name, int *found, char *id, size_t idsize, char *state,
				   size_t statesize, char *why, size_t whysize);
	enum exec_rc (*create_image)(void *ctx, const char *instance_id, const char *name, char *id, size_t idsize,
				     char *why, size_t whysize);
	enum exec_rc (*image_state)(void *ctx, const char *id, char *state, size_t size, char *why, size_t whysize);
	/* The newest available image of ours, else the instance's own AMI (emergency). */
	enum exec_rc (*latest_image)(void *ctx, struct exec_job *j, char *why, size_t whysize);
	/* Fills j's launch spec from the current instance (subnet, groups, key, profile, tags, user data). */
	enum exec_rc (*capture_spec)(void *ctx, struct exec_job *j, char *why, size_t whysize);
	enum exec_rc (*run)(void *ctx, const struct exec_job *j, char *iid, size_t size, char *why, size_t whysize);
	enum exec_rc (*instance_state)(void *ctx, const char *iid, char *state, size_t size, char *why, size_t whysize);
	/* The Elastic IP allocation associated with iid: *found 0 when none. */
	enum exec_rc (*find_eip)(void *ctx, const char *iid, int *found, char *alloc, size_t size, char *why,
				 size_t whysize);
	enum exec_rc (*associate)(void *ctx, const char *alloc, const char *iid, char *why, size_t whysize);
	/* Server reports: the replica's "launching", the switch-report. */
	enum exec_rc (*replica_launched)(void *ctx, const struct exec_job *j, char *why, size_t whysize);
	enum exec_rc (*switch_report)(void *ctx, const struct exec_job *j, char *why, size_t whysize);
	/* Persists j (after a step changed it); 0 or -1. */
	int (*save)(void *ctx, const struct exec_job *j);
};

void exec_job_init(struct exec_job *j);
void exec_job_release(struct exec_job *j);

/*
 * Sets up a job from a command: kind from type, targets from the payload
 * (switch: target_instance_type, target_az, target_mode; launch_replica and
 * emergency_launch: target_pool_id "<type>.<az>", else the same type in
 * another zone), names from the command id. Returns 0, or -1 with why.
 */
int exec_job_from_command(struct exec_job *j, const char *command_id, const char *type,
			  struct json_object *payload, const char *logical_id, const char *instance_id,
			  const char *instance_type, const char *az, const char *mode, const char *region,
			  int64_t now, char *why, size_t whysize);

/*
 * Takes one step of j. Returns 1 when j moved on (or finished: EXEC_DONE /
 * EXEC_FAILED with j->error), 0 when it waits (try again after EXEC_POLL_MS).
 * A state change is saved through ops->save before anything is created.
 */
int exec_job_step(struct exec_job *j, const struct exec_ops *ops);

/* Steps until j waits, finishes or EXEC_STEPS_PER_TICK steps; 1 when finished. */
int exec_job_run(struct exec_job *j, const struct exec_ops *ops);

/* JSON state file: write (tmp + fsync + rename + directory fsync) and read; 0 or -1. */
int exec_job_save_file(const struct exec_job *j, const char *path);
/* 1 loaded, 0 no file, -1 unreadable (logged). */
int exec_job_load_file(struct exec_job *j, const char *path);

const char *exec_step_name(enum exec_step s);
const char *exec_kind_name(enum exec_kind k);

/* ---- the agent side (exec.c, exec_aws.c, exec_replica.c, exec_misc.c) ---- */

/*
 * Runs or starts one handed-out command (reports running, then its result,
 * or leaves a launching command for later when a job is busy). 0, or -1 when
 * it could not even be started (it will be handed out again).
 */
int exec_command(struct agent *a, const char *cid, const char *type, struct json_object *payload);
/* Advances the persisted job, if any; reports its result when it ends. 0 or -1. */
int exec_tick(struct agent *a, int64_t now);
/* 1 when a launching job is in progress. */
int exec_busy(struct agent *a);

/* The real ops: EC2 through a->ec2, reports through agent_report. */
void exec_aws_ops(struct agent *a, struct exec_ops *ops);

/* promote: the old primary's Elastic IP to this instance. EXEC_OK with a result object (caller puts). */
enum exec_rc exec_promote(struct agent *a, struct json_object *payload, struct json_object **result, char *why,
			  size_t whysize);
/* The termination notice answered promote_replica: this dying primary's Elastic IP to the replica now. */
void exec_failover(struct agent *a, struct json_object *answer);
/* A replica's own agent (role replica): reports syncing then ready once. */
void exec_replica_self_report(struct agent *a);
enum exec_rc exec_terminate(struct agent *a, struct json_object *payload, struct json_object **result, char *why,
			    size_t whysize);
enum exec_rc exec_cleanup(struct agent *a, struct json_object *payload, struct json_object **result, char *why,
			  size_t whysize);

/* Base64 (RFC 4648) of len bytes appended to out. */
void exec_base64(struct strbuf *out, const unsigned char *in, size_t len);
/* "spot-agent-<logical id, sanitized>-": the name prefix of this agent's images. */
void exec_image_prefix(char *buf, size_t size, const char *logical_id);

#endif
