/* clients.c - creating and changing clients and their tokens, audited. */
#include "core/clients.h"
#include "core/db.h"
#include "core/db_system.h"
#include "common/arena.h"

#include <json-c/json.h>
#include <string.h>

int clients_audit(struct db *db, const struct actor *who, const char *client_id, const char *agent_id,
		  const char *action, const char *subject_type, const char *subject_id, const char *message,
		  const char *pre, const char *post)
{
	struct system_event ev = {
		.client_id = client_id,
		.agent_id = agent_id,
		.actor_type = who->type,
		.actor_id = who->id,
		.action = action,
		.severity = "info",
		.subject_type = subject_type,
		.subject_id = subject_id,
		.message = message,
		.pre_state = pre,
		.post_state = post,
		.trace_id = who->trace_id,
	};
	return db_system_event_add(db, &ev);
}

static const char *clients_json_text(struct arena *a, const struct client_row *c)
{
	struct json_object *o = db_clients_json(c);
	const char *s = arena_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

static int clients_insert_token(struct db *db, const char *client_id, const char *label, struct new_token *tok)
{
	unsigned char hash[32];
	char prefix[AUTH_TOKEN_PREFIX_LEN + 1];
	uuid_v4(tok->id);
	auth_token_new('c', tok->token, hash);
	memcpy(prefix, tok->token, AUTH_TOKEN_PREFIX_LEN);
	prefix[AUTH_TOKEN_PREFIX_LEN] = '\0';
	return db_tokens_insert(db, tok->id, client_id, NULL, NULL, "client", hash, prefix, label);
}

enum core_result clients_create(struct db *db, struct arena *a, const struct client_new *in, const struct actor *who,
				struct client_row *out, struct new_token *tok)
{
	char id[UUID_STR_LEN + 1];
	uuid_v4(id);
	if (db_begin(db) < 0)
		return CORE_ERR;
	if (db_clients_insert(db, id, in->name, in->email, in->plan, in->max_agents, in->max_instances) < 0) {
		int dup = db_is_duplicate(db);
		db_rollback(db);
		return dup ? CORE_DUPLICATE : CORE_ERR;
	}
	if (clients_insert_token(db, id, "created with the client", tok) < 0 || db_clients_get(db, a, id, 0, out) != 1 ||
	    clients_audit(db, who, id, NULL, "client.created", "client", id, NULL, NULL, clients_json_text(a, out)) < 0 ||
	    db_commit(db) < 0) {
		db_rollback(db);
		return CORE_ERR;
	}
	return CORE_CREATED;
}

enum core_result clients_update(struct db *db, struct arena *a, const char *id, const struct client_patch *p,
				const struct actor *who, struct client_row *out)
{
	struct client_row before, after;
	const char *pre;
	int updated, rc;

	if (db_begin(db) < 0)
		return CORE_ERR;
	rc = db_clients_get(db, a, id, 1, &before);
	if (rc <= 0) {
		db_rollback(db);
		return rc < 0 ? CORE_ERR : CORE_NOT_FOUND;
	}
	if (p->set_version && p->version != before.version) {
		db_rollback(db);
		return CORE_CONFLICT;
	}
	pre = clients_json_text(a, &before);
	after = before;
	if (p->set_name)
		after.name = p->name;
	if (p->set_email)
		after.email = p->email;
	if (p->set_plan)
		after.plan = p->plan;
	if (p->set_max_agents)
		after.max_agents = p->max_agents;
	if (p->set_max_instances)
		after.max_instances = p->max_instances;
	if (p->set_is_active)
		after.is_active = p->is_active;
	if (db_clients_update(db, &after, before.version, &updated) < 0) {
		int dup = db_is_duplicate(db);
		db_rollback(db);
		return dup ? CORE_DUPLICATE : CORE_ERR;
	}
	if (!updated) {
		db_rollback(db);
		return CORE_CONFLICT;
	}
	if (db_clients_get(db, a, id, 0, out) != 1 ||
	    clients_audit(db, who, id, NULL,
			  before.is_active && !after.is_active   ? "client.disabled"
			  : !before.is_active && after.is_active ? "client.enabled"
								 : "client.updated",
			  "client", id, NULL, pre, clients_json_text(a, out)) < 0 ||
	    db_commit(db) < 0) {
		db_rollback(db);
		return CORE_ERR;
	}
	return CORE_OK;
}

enum core_result clients_token_create(struct db *db, struct arena *a, const char *client_id, const char *label,
				      int revoke_existing, const struct actor *who, struct new_token *tok)
{
	struct client_row c;
	int rc;
	if (db_begin(db) < 0)
		return CORE_ERR;
	rc = db_clients_get(db, a, client_id, 1, &c);
	if (rc <= 0) {
		db_rollback(db);
		return rc < 0 ? CORE_ERR : CORE_NOT_FOUND;
	}
	if (clients_insert_token(db, client_id, label, tok) < 0 ||
	    (revoke_existing && db_tokens_revoke_client_tokens(db, client_id, tok->id) < 0) ||
	    clients_audit(db, who, client_id, NULL, revoke_existing ? "client_token.rotated" : "client_token.created",
			  "client_token", tok->id, label, NULL, NULL) < 0 ||
	    db_commit(db) < 0) {
		db_rollback(db);
		return CORE_ERR;
	}
	return CORE_CREATED;
}

enum core_result clients_token_revoke(struct db *db, struct arena *a, const char *client_id, const char *token_id,
				      const struct actor *who)
{
	int revoked;
	(void)a;
	if (db_begin(db) < 0)
		return CORE_ERR;
	if (db_tokens_revoke(db, client_id, token_id, &revoked) < 0) {
		db_rollback(db);
		return CORE_ERR;
	}
	if (!revoked) {
		db_rollback(db);
		return CORE_NOT_FOUND;
	}
	if (clients_audit(db, who, client_id, NULL, "token.revoked", "client_token", token_id, NULL,
			  "{\"active\":true}", "{\"active\":false}") < 0 ||
	    db_commit(db) < 0) {
		db_rollback(db);
		return CORE_ERR;
	}
	return CORE_OK;
}
