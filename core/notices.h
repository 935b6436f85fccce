/*
 * notices.h - AWS spot interruption notices and what the server does about
 * them (DESIGN.md section 6, seed 001 "Smart Emergency Fallback"), the
 * emergency status view, and the agent's cleanup reports.
 *
 * Rebalance recommendation: the event is recorded (one row per instance and
 * signal, refreshed on repeats), the agent's notice_status becomes rebalance,
 * and the pool risk (core/risk.h) of the instance's pool is computed. When the
 * instance is the primary and the risk is above RISK_REBALANCE_THRESHOLD, or
 * the agent is in manual-replica mode without a ready replica, a replica is
 * launched (core/replicas.h) unless one is already live: action
 * launch_replica; otherwise monitor.
 *
 * Termination notice: the event is recorded with its deadline (action_time),
 * notice_status becomes termination with notice_deadline, and the pool is
 * flagged for RISK_FLAG_MINUTES for everyone. When the instance is the
 * primary: with a ready replica it is promoted in the same transaction
 * (promote_replica), else an emergency_launch command is queued at
 * COMMAND_PRIORITY_EMERGENCY (emergency_launch). A repeat of a notice that
 * was already acted on answers the same outcome and changes nothing else, so
 * any number of concurrent repeats leave exactly one primary.
 *
 * Each call is one transaction (the agent's row is locked first, which
 * serializes the notices of one agent), retried on deadlocks and duplicate
 * keys; each writes its audit row and a notification.
 */
#ifndef SPOT_NOTICES_H
#define SPOT_NOTICES_H

#include "common/uuid.h"
#include "core/clients.h"
#include "core/result.h"

#include <stdint.h>

#define NOTICES_EMERGENCY_TTL_S 900
#define NOTICES_MAX_CLEANUP_IDS 1000  /* AMI or snapshot ids in one cleanup report */
#define NOTICES_MAX_CLEANUP_ERRORS 100
#define NOTICES_MAX_CLEANUP_COUNT 100000

struct json_object;

struct notice_in {
	const char *agent_id, *client_id, *instance_id;
	int64_t notice_ms;          /* rebalance: when AWS issued it */
	int64_t action_ms;          /* termination: when AWS acts */
	const char *notice_action;  /* termination: terminate|stop|hibernate */
};

struct notice_outcome {
	const char *action;         /* monitor|launch_replica|promote_replica|emergency_launch */
	const char *event_id;
	double risk;                /* rebalance: the pool risk; -1 when not computed */
	const char *replica_id, *replica_instance_id, *replica_pool_id; /* NULL when none */
	const char *command_id, *target_pool_id;                        /* NULL when none */
	int repeat;                 /* a repeat of a notice already acted on */
};

/* CORE_OK with out filled; CORE_NOT_FOUND (agent not the client's); CORE_INVALID (instance not the agent's); CORE_ERR. */
enum core_result notices_rebalance(struct db *db, struct arena *a, const struct notice_in *in, const struct actor *who,
				   struct notice_outcome *out);
/* As notices_rebalance. */
enum core_result notices_termination(struct db *db, struct arena *a, const struct notice_in *in,
				     const struct actor *who, struct notice_outcome *out);

/*
 * The agent's emergency status: *out = {agent_id, notice_status,
 * notice_deadline, notice_received_at, events[], replicas[], commands[]} (a
 * new json object owned by the caller). 1 found, 0 no such agent, -1 error.
 */
int notices_emergency_status_json(struct db *db, struct arena *a, const char *agent_id, struct json_object **out);

struct cleanup_report {
	const char *agent_id, *client_id;
	long long amis, snapshots;  /* counts */
	const char *details;        /* JSON object text {amis:[...], snapshots:[...]} or NULL */
	const char *errors;         /* JSON array text or NULL */
	long long nerrors;
};
/* One cleanup_logs row and its audit row. CORE_CREATED with id; CORE_ERR. */
enum core_result notices_cleanup_report(struct db *db, struct arena *a, const struct cleanup_report *in,
					const struct actor *who, char id[UUID_STR_LEN + 1]);

#endif
