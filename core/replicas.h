/*
 * replicas.h - standby replicas (DESIGN.md sections 4 and 6, seed 001):
 * launching them (a launch_replica command plus a replica_instances row in
 * one transaction), the agent's status reports, and promotion.
 *
 * Status machine: launching -> syncing -> ready -> promoted, and any live
 * status (launching, syncing, ready) -> failed. Repeating the current live
 * status only updates progress; anything else is a conflict. At most one live
 * manual replica per agent is enforced by the database's unique index.
 */
#ifndef SPOT_REPLICAS_H
#define SPOT_REPLICAS_H

#include "common/uuid.h"
#include "core/clients.h"
#include "core/db_replicas.h"
#include "core/result.h"

#define REPLICAS_COMMAND_TTL_S 1800

struct replica_launched {
	char id[UUID_STR_LEN + 1];
	char command_id[UUID_STR_LEN + 1];
	const char *type;
	const char *target_pool_id; /* NULL: no other pool known; the agent picks another zone */
};

/*
 * Inside the caller's transaction, with the agent locked: queues a
 * launch_replica command (COMMAND_PRIORITY_HIGH, payload {replica_id,
 * target_pool_id, instance_type, region, exclude_pool_id}) and adds the
 * replica row (status launching). type: manual|automatic-rebalance|
 * automatic-termination; reason: the command's reason word.
 * CORE_CREATED; CORE_DUPLICATE when a live manual replica already exists
 * (the unique index); CORE_ERR.
 */
enum core_result replicas_launch(struct db *db, struct arena *a, const struct replica_agent *ag, const char *type,
				 const char *reason, const struct actor *who, struct replica_launched *out);

/*
 * The client API's manual replica, in its own transaction. CORE_CREATED;
 * CORE_NOT_FOUND (not this client's agent); CORE_CONFLICT when a live manual
 * replica exists (*current = its id); CORE_ERR.
 */
enum core_result replicas_create_manual(struct db *db, struct arena *a, const char *client_id, const char *agent_id,
					const struct actor *who, struct replica_launched *out, const char **current);

struct replica_report {
	const char *agent_id, *client_id, *replica_id;
	const char *status;       /* launching|syncing|ready|failed */
	const char *instance_id;  /* NULL when not given */
	double progress;          /* -1 when not given */
	const char *error;        /* NULL when not given */
};

enum replica_report_problem {
	REPLICA_REPORT_OK,
	REPLICA_REPORT_TRANSITION,    /* status not allowed from the current one (409) */
	REPLICA_REPORT_INSTANCE,      /* instance_id differs from the known one, or belongs elsewhere (409) */
	REPLICA_REPORT_NEED_INSTANCE, /* ready without any instance_id (400) */
};

/*
 * An agent's report on its replica, in its own transaction. A new
 * instance_id registers the instance (role replica) in the replica's pool.
 * CORE_OK with out re-read; CORE_NOT_FOUND (not this agent's replica);
 * CORE_CONFLICT / CORE_INVALID with *problem and out = the current row; CORE_ERR.
 */
enum core_result replicas_report(struct db *db, struct arena *a, const struct replica_report *in,
				 const struct actor *who, struct replica_row *out, enum replica_report_problem *problem);

/*
 * Inside the caller's transaction, with the agent locked: the old primary
 * becomes a zombie FIRST, then the ready replica's instance becomes the
 * primary (the one-primary unique index never sees two), the replica row is
 * promoted and the agent's current placement moves to it. Audited.
 * CORE_OK; CORE_CONFLICT when a row was not in the expected role or version;
 * CORE_ERR.
 */
enum core_result replicas_promote(struct db *db, struct arena *a, const struct replica_agent *ag,
				  const char *old_primary_id, const struct replica_row *rep, const struct actor *who);

#endif
