/*
 * commands.h - commands for agents (DESIGN.md sections 4 and 5).
 *
 * Types: switch, launch_replica, promote, emergency_launch, terminate, cleanup.
 * Status: pending -> acked (handed out) -> running -> succeeded | failed, or
 * expired. request_id is unique: queueing the same request id twice makes one
 * command. instance_id NULL addresses whichever instance is the primary.
 *
 * commands_queue runs inside the caller's transaction (it neither begins nor
 * commits), so a command is queued atomically with the state change that
 * caused it. commands_pending and commands_result run their own transactions.
 *
 * Handing out is a conditional UPDATE on the row's version: a command is
 * handed to one instance at a time. A command acked but not started within
 * COMMAND_LEASE_S is handed out again (the first taker died); one past
 * expires_at is marked expired and never handed out.
 */
#ifndef SPOT_COMMANDS_H
#define SPOT_COMMANDS_H

#include "common/uuid.h"
#include "core/clients.h"
#include "core/db_commands.h"
#include "core/result.h"

#define COMMAND_DEFAULT_TTL_S 900
#define COMMAND_PRIORITY_NORMAL 0
#define COMMAND_PRIORITY_HIGH 50
#define COMMAND_PRIORITY_EMERGENCY 100
#define COMMAND_LEASE_S 60          /* an acked command not started within this is handed out again */
#define COMMAND_MAX_HANDOUT 20      /* commands handed out per poll */
#define COMMAND_MAX_RESULT 16384    /* bytes of a result object's JSON text */
#define COMMAND_MAX_ERROR 2048      /* bytes of an error message (commands.error) */

struct command_new {
	const char *client_id, *agent_id;
	const char *instance_id;  /* NULL: the agent's primary */
	const char *type;
	const char *payload;      /* JSON object text, e.g. {"target_pool_id":...}; NULL = {} */
	const char *request_id;   /* NULL: a new random one */
	const char *reason;       /* short machine word, e.g. "rebalance", "manual" */
	int priority;
	int ttl_seconds;          /* 0: COMMAND_DEFAULT_TTL_S */
};

/*
 * Queues a command and audits it. CORE_CREATED with id filled; CORE_DUPLICATE
 * when request_id was already used (id = that command); CORE_ERR.
 */
enum core_result commands_queue(struct db *db, struct arena *a, const struct command_new *c, const struct actor *who,
				char id[UUID_STR_LEN + 1]);

/*
 * Hands out the commands instance_id of agent_id may run now (see above) and
 * marks due ones expired, in one transaction. CORE_OK with *rows and *n (the
 * handed-out commands, status acked); CORE_NOT_FOUND when the instance is not
 * this agent's; CORE_ERR. *role receives the instance's role.
 */
enum core_result commands_pending(struct db *db, struct arena *a, const char *client_id, const char *agent_id,
				  const char *instance_id, const struct actor *who, const char **role,
				  struct command_row **rows, size_t *n);

struct command_report {
	const char *agent_id, *client_id, *command_id;
	const char *status; /* running|succeeded|failed */
	const char *result; /* JSON object text or NULL */
	const char *error;  /* or NULL */
};

/*
 * Records an agent's report on its command: acked -> running | succeeded |
 * failed, running -> succeeded | failed. A repeat of the current status is
 * CORE_OK without a change (*changed = 0). CORE_NOT_FOUND (not this agent's
 * command), CORE_CONFLICT (any other transition; out->status is the current
 * status), CORE_ERR. out is the command after the report.
 */
enum core_result commands_result(struct db *db, struct arena *a, const struct command_report *in,
				 const struct actor *who, struct command_row *out, int *changed);

#endif
