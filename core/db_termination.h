/*
 * db_termination.h - data access for zombie termination (seed 003): which
 * zombies are due, handing them out, and recording the agent's report.
 */
#ifndef SPOT_DB_TERMINATION_H
#define SPOT_DB_TERMINATION_H

#include <stddef.h>

struct arena;
struct db;

struct zombie_row {
	const char *id, *role, *instance_type, *region, *az, *mode, *pool_id;
	const char *role_changed_at, *termination_attempted_at, *termination_error; /* RFC 3339 / text, may be NULL */
	long version;
};

/* The agent's auto_terminate_enabled and terminate_wait_seconds. 1 found, 0 absent, -1 error. */
int db_termination_settings(struct db *db, struct arena *a, const char *agent_id, int *enabled, long *wait_s);
/*
 * Zombies of agent_id unconfirmed, zombie for at least wait_s seconds, and not
 * handed out within retry_s seconds (at most max, locked).
 */
int db_termination_due(struct db *db, struct arena *a, const char *agent_id, long wait_s, long retry_s, size_t max,
		       struct zombie_row **rows, size_t *n);
/* Stamps termination_attempted_at on an instance at version. *won = 1 when it was. */
int db_termination_attempt(struct db *db, const char *id, long version, int *won);
/* An instance of agent_id, locked. 1 found, 0 absent or another agent's, -1 error. */
int db_termination_get_lock(struct db *db, struct arena *a, const char *agent_id, const char *id,
			    struct zombie_row *out);
/* Confirmed: role terminated, termination_confirmed, terminated_at; the switch that made it a zombie notes it. */
int db_termination_confirm(struct db *db, const char *id, long version, int *won);
/* Failed: termination_error recorded, the attempt cleared so it is handed out again. */
int db_termination_failed(struct db *db, const char *id, long version, const char *error, int *won);

#endif
