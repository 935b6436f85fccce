/* db_commands.c - commands statements. */
#include "core/db_commands.h"
#include "core/db.h"
#include "common/arena.h"

#include <stdlib.h>

#define COMMAND_COLS                                                                                     \
	"id, client_id, agent_id, instance_id, type, payload, status, result, error, " DB_RFC3339("created_at") \
	", " DB_RFC3339("expires_at") ", " DB_RFC3339("acked_at") ", priority, version, "                      \
	"expires_at <= UTC_TIMESTAMP(3)"

static const char *const db_commands_sql[] = {
	"INSERT INTO commands (id, client_id, agent_id, instance_id, type, payload, status, priority, request_id, "
	"reason, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, "
	"UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL ? SECOND)",
	"SELECT id FROM commands WHERE request_id = ?",
	"SELECT " COMMAND_COLS " FROM commands WHERE id = ? AND agent_id = ? FOR UPDATE",
	"SELECT " COMMAND_COLS " FROM commands WHERE agent_id = ? AND status IN ('pending', 'acked') "
	"AND expires_at <= UTC_TIMESTAMP(3) ORDER BY created_at LIMIT ? FOR UPDATE",
	"SELECT " COMMAND_COLS " FROM commands WHERE agent_id = ? AND expires_at > UTC_TIMESTAMP(3) "
	"AND (status = 'pending' OR (status = 'acked' AND acked_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND)) "
	"AND (instance_id = ? OR (instance_id IS NULL AND ? = 1)) "
	"ORDER BY priority DESC, created_at, id LIMIT ? FOR UPDATE",
	"UPDATE commands SET status = 'acked', acked_at = UTC_TIMESTAMP(3), version = version + 1 "
	"WHERE id = ? AND version = ? AND expires_at > UTC_TIMESTAMP(3) AND (status = 'pending' "
	"OR (status = 'acked' AND acked_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND))",
	"UPDATE commands SET status = ?, "
	"started_at = CASE WHEN ? = 'running' THEN UTC_TIMESTAMP(3) ELSE started_at END, "
	"finished_at = CASE WHEN ? IN ('succeeded', 'failed', 'expired') THEN UTC_TIMESTAMP(3) ELSE finished_at END, "
	"result = COALESCE(?, result), error = COALESCE(?, error), version = version + 1 "
	"WHERE id = ? AND version = ?",
	"SELECT COUNT(*) FROM commands WHERE agent_id = ? AND type = ? AND status IN ('pending', 'acked', 'running') "
	"AND expires_at > UTC_TIMESTAMP(3)",
};
enum { SQL_INSERT, SQL_BY_REQUEST, SQL_GET_LOCK, SQL_DUE_EXPIRY, SQL_CANDIDATES, SQL_ACK, SQL_SET_STATUS,
       SQL_COUNT_OPEN };

static long num(const char *s)
{
	return s ? strtol(s, NULL, 10) : 0;
}

static void db_commands_fill(const struct db_rows *r, size_t i, struct command_row *o)
{
	o->id = db_rows_cell(r, i, 0);
	o->client_id = db_rows_cell(r, i, 1);
	o->agent_id = db_rows_cell(r, i, 2);
	o->instance_id = db_rows_cell(r, i, 3);
	o->type = db_rows_cell(r, i, 4);
	o->payload = db_rows_cell(r, i, 5);
	o->status = db_rows_cell(r, i, 6);
	o->result = db_rows_cell(r, i, 7);
	o->error = db_rows_cell(r, i, 8);
	o->created_at = db_rows_cell(r, i, 9);
	o->expires_at = db_rows_cell(r, i, 10);
	o->acked_at = db_rows_cell(r, i, 11);
	o->priority = num(db_rows_cell(r, i, 12));
	o->version = num(db_rows_cell(r, i, 13));
	o->is_expired = num(db_rows_cell(r, i, 14)) != 0;
}

static int db_commands_list(struct db *db, struct arena *a, const char *sql, const struct db_param *p, size_t np,
			    struct command_row **rows, size_t *n)
{
	struct db_rows r;
	if (db_query(db, a, sql, p, np, &r) < 0)
		return -1;
	*rows = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**rows));
	for (size_t i = 0; i < r.nrows; i++)
		db_commands_fill(&r, i, &(*rows)[i]);
	*n = r.nrows;
	return 0;
}

int db_commands_insert(struct db *db, const char *id, const char *client_id, const char *agent_id,
		       const char *instance_id, const char *type, const char *payload, int priority,
		       const char *request_id, const char *reason, const char *created_by, int ttl_seconds)
{
	struct db_param p[] = {
		DBP_STR(id),	     DBP_STR(client_id),  DBP_STR(agent_id), DBP_STR(instance_id),
		DBP_STR(type),	     DBP_STR(payload),	  DBP_INT(priority), DBP_STR(request_id),
		DBP_STR(reason),     DBP_STR(created_by), DBP_INT(ttl_seconds),
	};
	return db_query(db, NULL, db_commands_sql[SQL_INSERT], p, sizeof(p) / sizeof(p[0]), NULL);
}

int db_commands_by_request(struct db *db, struct arena *a, const char *request_id, const char **id)
{
	struct db_param p[] = { DBP_STR(request_id) };
	struct db_rows r;
	if (db_query(db, a, db_commands_sql[SQL_BY_REQUEST], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	*id = db_rows_cell(&r, 0, 0);
	return 1;
}

int db_commands_get_lock(struct db *db, struct arena *a, const char *agent_id, const char *id,
			 struct command_row *out)
{
	struct db_param p[] = { DBP_STR(id), DBP_STR(agent_id) };
	struct db_rows r;
	if (db_query(db, a, db_commands_sql[SQL_GET_LOCK], p, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	db_commands_fill(&r, 0, out);
	return 1;
}

int db_commands_due_expiry(struct db *db, struct arena *a, const char *agent_id, size_t max,
			   struct command_row **rows, size_t *n)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_INT((long long)max) };
	return db_commands_list(db, a, db_commands_sql[SQL_DUE_EXPIRY], p, 2, rows, n);
}

int db_commands_candidates(struct db *db, struct arena *a, const char *agent_id, const char *instance_id,
			   int is_primary, long lease_s, size_t max, struct command_row **rows, size_t *n)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_INT(lease_s), DBP_STR(instance_id), DBP_INT(is_primary ? 1 : 0),
				DBP_INT((long long)max) };
	return db_commands_list(db, a, db_commands_sql[SQL_CANDIDATES], p, 5, rows, n);
}

int db_commands_ack(struct db *db, const char *id, long version, long lease_s, int *won)
{
	struct db_param p[] = { DBP_STR(id), DBP_INT(version), DBP_INT(lease_s) };
	struct db_rows r;
	if (db_query(db, NULL, db_commands_sql[SQL_ACK], p, 3, &r) < 0)
		return -1;
	*won = r.affected == 1;
	return 0;
}

int db_commands_set_status(struct db *db, const char *id, long version, const char *status, const char *result,
			   const char *error, int *won)
{
	struct db_param p[] = { DBP_STR(status), DBP_STR(status), DBP_STR(status), DBP_STR(result),
				DBP_STR(error),	 DBP_STR(id),	  DBP_INT(version) };
	struct db_rows r;
	if (db_query(db, NULL, db_commands_sql[SQL_SET_STATUS], p, 7, &r) < 0)
		return -1;
	*won = r.affected == 1;
	return 0;
}

long db_commands_count_open(struct db *db, struct arena *a, const char *agent_id, const char *type)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_STR(type) };
	struct db_rows r;
	if (db_query(db, a, db_commands_sql[SQL_COUNT_OPEN], p, 2, &r) < 0)
		return -1;
	return num(db_rows_cell(&r, 0, 0));
}
