/* db_clients.h - data access for clients and client_tokens. Strings live in the caller's arena. */
#ifndef SPOT_DB_CLIENTS_H
#define SPOT_DB_CLIENTS_H

#include <stddef.h>

struct arena;
struct db;
struct json_object;

struct client_row {
	const char *id, *name, *email, *plan, *created_at, *updated_at;
	long max_agents, max_instances, version, agents;
	int is_active;
};

struct token_row {
	const char *id, *client_id, *agent_id, *instance_id, *kind, *prefix, *label;
	const char *created_at, *last_used_at, *expires_at, *revoked_at;
};

int db_clients_insert(struct db *db, const char *id, const char *name, const char *email, const char *plan,
		      long max_agents, long max_instances);
/* 1 found, 0 absent, -1 error. lock: SELECT ... FOR UPDATE. */
int db_clients_get(struct db *db, struct arena *a, const char *id, int lock, struct client_row *out);
/* All clients, newest first, with their agent counts. */
int db_clients_list(struct db *db, struct arena *a, struct client_row **out, size_t *n);
/* Writes every mutable field and bumps version where version matches; *updated = rows changed. */
int db_clients_update(struct db *db, const struct client_row *c, long expected_version, int *updated);
long db_clients_count_agents(struct db *db, struct arena *a, const char *client_id);

int db_tokens_insert(struct db *db, const char *id, const char *client_id, const char *agent_id,
		     const char *instance_id, const char *kind, const unsigned char hash[32], const char *prefix,
		     const char *label);
int db_tokens_list(struct db *db, struct arena *a, const char *client_id, struct token_row **out, size_t *n);
/* Revokes one token of a client; *revoked = 1 when it was live. */
int db_tokens_revoke(struct db *db, const char *client_id, const char *token_id, int *revoked);
/* Revokes every live client token (kind 'client') of a client except keep_id (may be NULL). */
int db_tokens_revoke_client_tokens(struct db *db, const char *client_id, const char *keep_id);
/* Revokes the live agent tokens issued to one instance of an agent. */
int db_tokens_revoke_instance(struct db *db, const char *agent_id, const char *instance_id);

/* The JSON view of a client row (a new object). */
struct json_object *db_clients_json(const struct client_row *c);
struct json_object *db_tokens_json(const struct token_row *t);

#endif
