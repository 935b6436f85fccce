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
 * caused it.
 */
#ifndef SPOT_COMMANDS_H
#define SPOT_COMMANDS_H

#include "common/uuid.h"
#include "core/clients.h"
#include "core/result.h"

#define COMMAND_DEFAULT_TTL_S 900
#define COMMAND_PRIORITY_NORMAL 0
#define COMMAND_PRIORITY_HIGH 50
#define COMMAND_PRIORITY_EMERGENCY 100

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

#endif
