/*
 * safe_mode.h - the global switch that stops every automatic command
 * (DESIGN.md section 6), stored as system_config SAFE_MODE = 'true'|'false'.
 * Every change is audited in system_events with its before and after state.
 */
#ifndef SPOT_SAFE_MODE_H
#define SPOT_SAFE_MODE_H

struct arena;
struct db;

struct safe_mode {
	int enabled;
	const char *updated_by; /* may be NULL */
	const char *updated_at; /* RFC 3339 */
	long version;
};

/* Reads the current state (absent = off). 0 or -1 on a database error. */
int safe_mode_get(struct db *db, struct arena *a, struct safe_mode *out);

/*
 * Sets the state in one transaction with its audit row. actor names who did it
 * ("admin-token", a user's email); reason is free text (may be NULL).
 * Returns 0 (out holds the new state), or -1 on a database error (rolled back).
 */
int safe_mode_set(struct db *db, struct arena *a, int enabled, const char *actor_type, const char *actor,
		  const char *reason, const char *trace_id, struct safe_mode *out);

#endif
