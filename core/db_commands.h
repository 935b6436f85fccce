/*
 * db_commands.h - data access for the commands table. Strings live in the
 * caller's arena. Every state change is a conditional UPDATE on the row's
 * version, so two callers never both win the same transition.
 */
#ifndef SPOT_DB_COMMANDS_H
#define SPOT_DB_COMMANDS_H

#include <stddef.h>

struct arena;
struct db;

struct command_row {
	const char *id, *client_id, *agent_id, *instance_id, *type, *payload, *status;
	const char *result, *error;
	const char *created_at, *expires_at, *acked_at; /* RFC 3339 */
	long priority, version;
	int is_expired; /* expires_at has passed */
};

/* 0, or -1 (db_is_duplicate() when request_id is taken). */
int db_commands_insert(struct db *db, const char *id, const char *client_id, const char *agent_id,
		       const char *instance_id, const char *type, const char *payload, int priority,
		       const char *request_id, const char *reason, const char *created_by, int ttl_seconds);
/* The id of the command made with request_id: 1 found (id filled), 0 none, -1 error. */
int db_commands_by_request(struct db *db, struct arena *a, const char *request_id, const char **id);

/* One command of agent_id, locked: 1 found, 0 absent (or another agent's), -1 error. */
int db_commands_get_lock(struct db *db, struct arena *a, const char *agent_id, const char *id,
			 struct command_row *out);
/*
 * The agent's pending or acked commands past expires_at (at most max, locked).
 * *rows receives an array of *n rows.
 */
int db_commands_due_expiry(struct db *db, struct arena *a, const char *agent_id, size_t max,
			   struct command_row **rows, size_t *n);
/*
 * Commands that may be handed to instance_id now: addressed to it, or to the
 * primary when is_primary; pending, or acked longer than lease_s ago; not
 * expired. Highest priority first, then oldest. Locked.
 */
int db_commands_candidates(struct db *db, struct arena *a, const char *agent_id, const char *instance_id,
			   int is_primary, long lease_s, size_t max, struct command_row **rows, size_t *n);
/* Hands a command out (status acked, acked_at now) if it is still at version. *won = 1 when it was. */
int db_commands_ack(struct db *db, const char *id, long version, long lease_s, int *won);
/*
 * Moves a command at version to status (running sets started_at; succeeded,
 * failed and expired set finished_at). result (JSON text) and error may be
 * NULL. *won = 1 when the row was still at version.
 */
int db_commands_set_status(struct db *db, const char *id, long version, const char *status, const char *result,
			   const char *error, int *won);
/* Open (pending, acked or running, not expired) commands of type for the agent. -1 on error. */
long db_commands_count_open(struct db *db, struct arena *a, const char *agent_id, const char *type);

#endif
