/*
 * clients.h - tenancy: clients, their plan limits and their tokens.
 * Every change is one transaction with its system_events row.
 */
#ifndef SPOT_CLIENTS_H
#define SPOT_CLIENTS_H

#include "core/auth.h"
#include "core/db_clients.h"
#include "core/result.h"

struct actor {
	const char *type;     /* system_events.actor_type: admin|client|agent|user|job|system */
	const char *id;       /* who, e.g. "admin-token" */
	const char *trace_id; /* the request's trace id, may be NULL */
};

struct client_new {
	const char *name, *email, *plan;
	long max_agents, max_instances;
};

/* Optional fields: set_* says which are given. */
struct client_patch {
	const char *name, *email, *plan;
	long max_agents, max_instances, version;
	int is_active;
	int set_name, set_email, set_plan, set_max_agents, set_max_instances, set_is_active, set_version;
};

struct new_token {
	char id[UUID_STR_LEN + 1];
	char token[AUTH_TOKEN_LEN + 1];
};

/* CORE_CREATED (out, tok filled), CORE_DUPLICATE (email taken), CORE_ERR. */
enum core_result clients_create(struct db *db, struct arena *a, const struct client_new *in, const struct actor *who,
				struct client_row *out, struct new_token *tok);
/* CORE_OK, CORE_NOT_FOUND, CORE_CONFLICT (version), CORE_DUPLICATE (email), CORE_ERR. */
enum core_result clients_update(struct db *db, struct arena *a, const char *id, const struct client_patch *p,
				const struct actor *who, struct client_row *out);
/* A new client token; with revoke_existing, every other client token of it is revoked in the same transaction. */
enum core_result clients_token_create(struct db *db, struct arena *a, const char *client_id, const char *label,
				      int revoke_existing, const struct actor *who, struct new_token *tok);
/* CORE_OK, CORE_NOT_FOUND (no such live token of that client), CORE_ERR. */
enum core_result clients_token_revoke(struct db *db, struct arena *a, const char *client_id, const char *token_id,
				      const struct actor *who);
/* Audit helper shared by core modules: one system_events row. */
int clients_audit(struct db *db, const struct actor *who, const char *client_id, const char *agent_id,
		  const char *action, const char *subject_type, const char *subject_id, const char *message,
		  const char *pre, const char *post);

#endif
