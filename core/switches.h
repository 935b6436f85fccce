/*
 * switches.h - switching an agent to another instance (DESIGN.md sections 4
 * and 5, seed 001's switches table, seed 003's register-instance).
 *
 * Every operation is one transaction that first locks the agent row, so the
 * reports of one agent are serialized; the database's unique index on the
 * primary is still what guarantees one primary per agent: a racing insert or
 * promotion fails with a duplicate and the whole transaction is retried, and
 * then sees the winner. Demotion always comes before promotion.
 */
#ifndef SPOT_SWITCHES_H
#define SPOT_SWITCHES_H

#include "common/uuid.h"
#include "core/clients.h"
#include "core/db_agents.h"
#include "core/db_switches.h"
#include "core/result.h"

/* Why an operation was refused: a message and the body field it is about. */
struct switch_refusal {
	const char *message;
	const char *field;
};

struct switch_report {
	const char *client_id, *agent_id;
	const char *command_id;        /* NULL when the switch was not a command */
	const char *old_instance_id;
	struct placement next;         /* the new instance: id, type, region, az, mode, pool */
	double old_spot, new_spot, old_ondemand, new_ondemand; /* $/hour; < 0 unknown */
	const char *ami_id, *event_trigger; /* may be NULL */
	/* "YYYY-MM-DD HH:MM:SS.mmm" UTC or NULL */
	const char *initiated_at, *ami_created_at, *instance_launched_at, *instance_ready_at, *completed_at;
	double downtime_seconds;       /* < 0 unknown */
};

struct switch_outcome {
	const char *switch_id;         /* NULL when the switch was already applied without a record */
	int created;                   /* a new switches row was written */
	int has_savings;
	double savings_impact;         /* old - new, $/hour */
	const char *old_role;          /* the old instance's role afterwards */
	struct switch_refusal why;     /* for CORE_NOT_FOUND / CORE_CONFLICT */
};

/*
 * Applies a completed switch: old primary -> zombie, new instance -> primary
 * (created if unknown), the agent's current placement, a switches row with
 * savings_impact, the command -> succeeded, a notification, audit rows.
 * A replay (same command, or the new instance already primary) is CORE_OK
 * with created = 0. CORE_CREATED, CORE_OK, CORE_NOT_FOUND (agent, command or
 * old instance not this agent's), CORE_CONFLICT (old instance no longer the
 * primary, new instance another agent's or dead, command closed), CORE_ERR.
 */
enum core_result switches_report(struct db *db, struct arena *a, const struct switch_report *in,
				 const struct actor *who, struct switch_outcome *out);

struct instance_registration {
	const char *client_id, *agent_id;
	struct placement where;
	int is_primary;
	double spot, ondemand;         /* < 0 unknown */
};

/*
 * Records an instance the agent launched. is_primary follows registration's
 * rule: it never demotes a live primary (the instance then waits as a
 * standby); a dead primary becomes a zombie. Without is_primary the instance
 * is a replica (a known primary stays primary). *role receives the result.
 * CORE_CREATED (new row), CORE_OK, CORE_NOT_FOUND, CORE_CONFLICT (another
 * agent's, or a zombie/terminated instance), CORE_ERR.
 */
enum core_result switches_register_instance(struct db *db, struct arena *a, const struct instance_registration *in,
					    const struct actor *who, const char **role, struct switch_refusal *why);

struct switch_request {
	const char *client_id, *agent_id;
	const char *target_pool_id, *target_type, *target_az, *target_mode;
	const char *reason; /* commands.reason; NULL: "manual" (spot-decide says "auto") */
};

/*
 * A client asks for a switch: queues a switch command for the agent's
 * primary. CORE_CREATED with command_id; CORE_NOT_FOUND (not the client's
 * agent); CORE_INVALID (zone outside the agent's region); CORE_CONFLICT (a
 * switch is already open, or the agent is already there); CORE_ERR.
 */
enum core_result switches_request(struct db *db, struct arena *a, const struct switch_request *in,
				  const struct actor *who, char command_id[UUID_STR_LEN + 1], struct switch_refusal *why);

#endif
