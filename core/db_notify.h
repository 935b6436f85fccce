/* db_notify.h - user-facing notifications (the notifications table). */
#ifndef SPOT_DB_NOTIFY_H
#define SPOT_DB_NOTIFY_H

struct db;

struct notification {
	const char *client_id, *agent_id; /* client_id NULL: for admins */
	const char *type;                 /* e.g. "agent.online", "switch.completed" */
	const char *severity;             /* info|warning|error|critical */
	const char *title;
	const char *message;              /* may be NULL */
	const char *dedupe_key;           /* may be NULL; a repeat with the same key is dropped */
};

/* Adds one notification with a new id. 0 or -1. A duplicate dedupe_key is not an error. */
int db_notify_add(struct db *db, const struct notification *n);

#endif
