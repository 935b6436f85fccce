/*
 * termination.h - terminating zombies (DESIGN.md section 4, seed 003).
 *
 * A zombie is due when auto-terminate is on, terminate_wait_seconds is not 0,
 * and it has been a zombie for that long. Handing it out stamps
 * termination_attempted_at; an attempt without a report for
 * TERMINATION_RETRY_S is handed out again. The agent's report either
 * confirms (role terminated) or records the error and clears the attempt.
 */
#ifndef SPOT_TERMINATION_H
#define SPOT_TERMINATION_H

#include "core/clients.h"
#include "core/db_termination.h"
#include "core/result.h"

#define TERMINATION_RETRY_S 600     /* an attempt with no report is handed out again after this */
#define TERMINATION_MAX_HANDOUT 20  /* zombies handed out per poll */
#define TERMINATION_MAX_ERROR 1024  /* bytes of a reported error (instances.termination_error) */

struct termination_due {
	int auto_terminate;
	long wait_seconds;
	struct zombie_row *rows; /* handed out now */
	size_t n;
};

/* CORE_OK with out filled; CORE_NOT_FOUND (no such agent); CORE_ERR. One transaction. */
enum core_result termination_hand_out(struct db *db, struct arena *a, const char *client_id, const char *agent_id,
				      const struct actor *who, struct termination_due *out);

struct termination_report {
	const char *client_id, *agent_id, *instance_id;
	int terminated;
	const char *error; /* may be NULL */
};

/*
 * CORE_OK (*role = the instance's role afterwards; a repeated confirmation is
 * OK without a change), CORE_NOT_FOUND (not this agent's instance),
 * CORE_CONFLICT (not a zombie: *role says what it is), CORE_ERR.
 */
enum core_result termination_report(struct db *db, struct arena *a, const struct termination_report *in,
				     const struct actor *who, const char **role);

#endif
