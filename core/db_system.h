/*
 * db_system.h - data access for system_config and system_events (the audit log).
 * Statements live in db_system.c's table; all parameters are bound.
 */
#ifndef SPOT_DB_SYSTEM_H
#define SPOT_DB_SYSTEM_H

struct arena;
struct db;

struct system_setting {
	const char *value;
	const char *updated_by; /* may be NULL */
	const char *updated_at; /* "YYYY-MM-DD HH:MM:SS.mmm" UTC */
	long version;
};

/*
 * Reads key (FOR UPDATE when lock, inside a transaction). Returns 1 found,
 * 0 absent, -1 database error. Strings live in arena a.
 */
int db_system_config_get(struct db *db, struct arena *a, const char *key, int lock, struct system_setting *out);
/* Inserts or replaces key's value, bumping its version. 0 or -1. */
int db_system_config_put(struct db *db, const char *key, const char *value, const char *updated_by);

struct system_event {
	const char *client_id, *agent_id;  /* may be NULL */
	const char *actor_type;            /* user|admin|client|agent|job|system */
	const char *actor_id;              /* may be NULL */
	const char *action;
	const char *severity;              /* debug|info|warning|error|critical */
	const char *subject_type, *subject_id, *message; /* may be NULL */
	const char *pre_state, *post_state; /* JSON text or NULL */
	const char *trace_id;              /* may be NULL */
};

/* Appends one audit row with a new id. 0 or -1. */
int db_system_event_add(struct db *db, const struct system_event *ev);

#endif
