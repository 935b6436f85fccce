/* db_clients.c - clients and client_tokens statements. */
#include "core/db_clients.h"
#include "common/json_util.h"
#include "core/db.h"
#include "common/arena.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define CLIENT_COLS "c.id, c.name, c.email, c.plan, c.max_agents, c.max_instances, c.is_active, c.version, " \
		    DB_RFC3339("c.created_at") ", " DB_RFC3339("c.updated_at")

static const char *const db_clients_sql[] = {
	"INSERT INTO clients (id, name, email, plan, max_agents, max_instances, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
	"SELECT " CLIENT_COLS ", (SELECT COUNT(*) FROM agents a WHERE a.client_id = c.id) FROM clients c WHERE c.id = ?",
	"SELECT " CLIENT_COLS ", (SELECT COUNT(*) FROM agents a WHERE a.client_id = c.id) FROM clients c "
	"WHERE c.id = ? FOR UPDATE",
	"SELECT " CLIENT_COLS ", (SELECT COUNT(*) FROM agents a WHERE a.client_id = c.id) FROM clients c "
	"ORDER BY c.created_at DESC, c.id LIMIT 10000",
	"UPDATE clients SET name = ?, email = ?, plan = ?, max_agents = ?, max_instances = ?, is_active = ?, "
	"version = version + 1, updated_at = UTC_TIMESTAMP(3) WHERE id = ? AND version = ?",
	"SELECT COUNT(*) FROM agents WHERE client_id = ?",
	"INSERT INTO client_tokens (id, client_id, agent_id, instance_id, kind, token_hash, token_prefix, label, "
	"created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))",
	"SELECT id, client_id, agent_id, instance_id, kind, token_prefix, label, " DB_RFC3339("created_at") ", "
	DB_RFC3339("last_used_at") ", " DB_RFC3339("expires_at") ", " DB_RFC3339("revoked_at") " FROM client_tokens "
	"WHERE client_id = ? ORDER BY created_at DESC LIMIT 10000",
	"UPDATE client_tokens SET revoked_at = UTC_TIMESTAMP(3) WHERE client_id = ? AND id = ? AND revoked_at IS NULL",
	"UPDATE client_tokens SET revoked_at = UTC_TIMESTAMP(3) WHERE client_id = ? AND kind = 'client' "
	"AND revoked_at IS NULL AND id <> ?",
	"UPDATE client_tokens SET revoked_at = UTC_TIMESTAMP(3) WHERE agent_id = ? AND instance_id = ? "
	"AND revoked_at IS NULL",
};
enum {
	SQL_INSERT, SQL_GET, SQL_GET_LOCK, SQL_LIST, SQL_UPDATE, SQL_COUNT_AGENTS,
	SQL_TOKEN_INSERT, SQL_TOKEN_LIST, SQL_TOKEN_REVOKE, SQL_TOKEN_REVOKE_CLIENT, SQL_TOKEN_REVOKE_INSTANCE,
};

int db_clients_insert(struct db *db, const char *id, const char *name, const char *email, const char *plan,
		      long max_agents, long max_instances)
{
	struct db_param p[] = { DBP_STR(id), DBP_STR(name), DBP_STR(email), DBP_STR(plan), DBP_INT(max_agents),
				DBP_INT(max_instances) };
	return db_query(db, NULL, db_clients_sql[SQL_INSERT], p, 6, NULL);
}

static void db_clients_fill(const struct db_rows *r, size_t i, struct client_row *c)
{
	c->id = db_rows_cell(r, i, 0);
	c->name = db_rows_cell(r, i, 1);
	c->email = db_rows_cell(r, i, 2);
	c->plan = db_rows_cell(r, i, 3);
	c->max_agents = strtol(db_rows_cell(r, i, 4), NULL, 10);
	c->max_instances = strtol(db_rows_cell(r, i, 5), NULL, 10);
	c->is_active = !strcmp(db_rows_cell(r, i, 6), "1");
	c->version = strtol(db_rows_cell(r, i, 7), NULL, 10);
	c->created_at = db_rows_cell(r, i, 8);
	c->updated_at = db_rows_cell(r, i, 9);
	c->agents = strtol(db_rows_cell(r, i, 10), NULL, 10);
}

int db_clients_get(struct db *db, struct arena *a, const char *id, int lock, struct client_row *out)
{
	struct db_param p[] = { DBP_STR(id) };
	struct db_rows r;
	if (db_query(db, a, db_clients_sql[lock ? SQL_GET_LOCK : SQL_GET], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	db_clients_fill(&r, 0, out);
	return 1;
}

int db_clients_list(struct db *db, struct arena *a, struct client_row **out, size_t *n)
{
	struct db_rows r;
	if (db_query(db, a, db_clients_sql[SQL_LIST], NULL, 0, &r) < 0)
		return -1;
	*out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
	for (size_t i = 0; i < r.nrows; i++)
		db_clients_fill(&r, i, &(*out)[i]);
	*n = r.nrows;
	return 0;
}

int db_clients_update(struct db *db, const struct client_row *c, long expected_version, int *updated)
{
	struct db_rows r;
	struct db_param p[] = { DBP_STR(c->name), DBP_STR(c->email), DBP_STR(c->plan), DBP_INT(c->max_agents),
				DBP_INT(c->max_instances), DBP_INT(c->is_active), DBP_STR(c->id),
				DBP_INT(expected_version) };
	if (db_query(db, NULL, db_clients_sql[SQL_UPDATE], p, 8, &r) < 0)
		return -1;
	*updated = r.affected > 0;
	return 0;
}

long db_clients_count_agents(struct db *db, struct arena *a, const char *client_id)
{
	struct db_param p[] = { DBP_STR(client_id) };
	struct db_rows r;
	if (db_query(db, a, db_clients_sql[SQL_COUNT_AGENTS], p, 1, &r) < 0)
		return -1;
	return strtol(db_rows_cell(&r, 0, 0), NULL, 10);
}

int db_tokens_insert(struct db *db, const char *id, const char *client_id, const char *agent_id,
		     const char *instance_id, const char *kind, const unsigned char hash[32], const char *prefix,
		     const char *label)
{
	struct db_param p[] = { DBP_STR(id), DBP_STR(client_id), DBP_STR(agent_id), DBP_STR(instance_id),
				DBP_STR(kind), DBP_STRN((const char *)hash, 32), DBP_STR(prefix), DBP_STR(label) };
	return db_query(db, NULL, db_clients_sql[SQL_TOKEN_INSERT], p, 8, NULL);
}

int db_tokens_list(struct db *db, struct arena *a, const char *client_id, struct token_row **out, size_t *n)
{
	struct db_param p[] = { DBP_STR(client_id) };
	struct db_rows r;
	if (db_query(db, a, db_clients_sql[SQL_TOKEN_LIST], p, 1, &r) < 0)
		return -1;
	*out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
	for (size_t i = 0; i < r.nrows; i++) {
		struct token_row *t = &(*out)[i];
		t->id = db_rows_cell(&r, i, 0);
		t->client_id = db_rows_cell(&r, i, 1);
		t->agent_id = db_rows_cell(&r, i, 2);
		t->instance_id = db_rows_cell(&r, i, 3);
		t->kind = db_rows_cell(&r, i, 4);
		t->prefix = db_rows_cell(&r, i, 5);
		t->label = db_rows_cell(&r, i, 6);
		t->created_at = db_rows_cell(&r, i, 7);
		t->last_used_at = db_rows_cell(&r, i, 8);
		t->expires_at = db_rows_cell(&r, i, 9);
		t->revoked_at = db_rows_cell(&r, i, 10);
	}
	*n = r.nrows;
	return 0;
}

int db_tokens_revoke(struct db *db, const char *client_id, const char *token_id, int *revoked)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(token_id) };
	struct db_rows r;
	if (db_query(db, NULL, db_clients_sql[SQL_TOKEN_REVOKE], p, 2, &r) < 0)
		return -1;
	*revoked = r.affected > 0;
	return 0;
}

int db_tokens_revoke_client_tokens(struct db *db, const char *client_id, const char *keep_id)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(keep_id ? keep_id : "") };
	return db_query(db, NULL, db_clients_sql[SQL_TOKEN_REVOKE_CLIENT], p, 2, NULL);
}

int db_tokens_revoke_instance(struct db *db, const char *agent_id, const char *instance_id)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_STR(instance_id) };
	return db_query(db, NULL, db_clients_sql[SQL_TOKEN_REVOKE_INSTANCE], p, 2, NULL);
}

struct json_object *db_clients_json(const struct client_row *c)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_util_str(c->id));
	json_object_object_add(o, "name", json_util_str(c->name));
	json_object_object_add(o, "email", json_util_str(c->email));
	json_object_object_add(o, "plan", json_util_str(c->plan));
	json_object_object_add(o, "max_agents", json_object_new_int64(c->max_agents));
	json_object_object_add(o, "max_instances", json_object_new_int64(c->max_instances));
	json_object_object_add(o, "is_active", json_object_new_boolean(c->is_active));
	json_object_object_add(o, "agents", json_object_new_int64(c->agents));
	json_object_object_add(o, "version", json_object_new_int64(c->version));
	json_object_object_add(o, "created_at", json_util_str(c->created_at));
	json_object_object_add(o, "updated_at", json_util_str(c->updated_at));
	return o;
}

struct json_object *db_tokens_json(const struct token_row *t)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_util_str(t->id));
	json_object_object_add(o, "kind", json_util_str(t->kind));
	json_object_object_add(o, "prefix", json_util_str(t->prefix));
	json_object_object_add(o, "agent_id", json_util_str(t->agent_id));
	json_object_object_add(o, "instance_id", json_util_str(t->instance_id));
	json_object_object_add(o, "label", json_util_str(t->label));
	json_object_object_add(o, "created_at", json_util_str(t->created_at));
	json_object_object_add(o, "last_used_at", json_util_str(t->last_used_at));
	json_object_object_add(o, "revoked_at", json_util_str(t->revoked_at));
	json_object_object_add(o, "active", json_object_new_boolean(t->revoked_at == NULL));
	return o;
}
