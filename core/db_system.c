/* db_system.c - system_config and system_events statements. */
#include "core/db_system.h"
#include "core/db.h"
#include "common/uuid.h"

#include <stdlib.h>
#include <string.h>

static const char *const db_system_sql[] = {
	"SELECT value, updated_by, " DB_RFC3339("updated_at") ", version "
	"FROM system_config WHERE `key` = ?",
	"SELECT value, updated_by, " DB_RFC3339("updated_at") ", version "
	"FROM system_config WHERE `key` = ? FOR UPDATE",
	"INSERT INTO system_config (`key`, value, updated_by, version, updated_at) "
	"VALUES (?, ?, ?, 1, UTC_TIMESTAMP(3)) "
	"ON DUPLICATE KEY UPDATE value = VALUES(value), updated_by = VALUES(updated_by), "
	"version = version + 1, updated_at = UTC_TIMESTAMP(3)",
	"INSERT INTO system_events (id, client_id, agent_id, actor_type, actor_id, action, severity, "
	"subject_type, subject_id, message, pre_state, post_state, trace_id, created_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))",
};
enum { SQL_CONFIG_GET, SQL_CONFIG_GET_LOCK, SQL_CONFIG_PUT, SQL_EVENT_ADD };

int db_system_config_get(struct db *db, struct arena *a, const char *key, int lock, struct system_setting *out)
{
	struct db_param p[] = { DBP_STR(key) };
	struct db_rows rows;
	if (db_query(db, a, db_system_sql[lock ? SQL_CONFIG_GET_LOCK : SQL_CONFIG_GET], p, 1, &rows) < 0)
		return -1;
	if (!rows.nrows)
		return 0;
	out->value = db_rows_cell(&rows, 0, 0);
	out->updated_by = db_rows_cell(&rows, 0, 1);
	out->updated_at = db_rows_cell(&rows, 0, 2);
	out->version = strtol(db_rows_cell(&rows, 0, 3), NULL, 10);
	return 1;
}

int db_system_config_put(struct db *db, const char *key, const char *value, const char *updated_by)
{
	struct db_param p[] = { DBP_STR(key), DBP_STR(value), DBP_STR(updated_by) };
	return db_query(db, NULL, db_system_sql[SQL_CONFIG_PUT], p, 3, NULL);
}

int db_system_event_add(struct db *db, const struct system_event *ev)
{
	char id[UUID_STR_LEN + 1];
	uuid_v4(id);
	struct db_param p[] = {
		DBP_STR(id),
		DBP_STR(ev->client_id),
		DBP_STR(ev->agent_id),
		DBP_STR(ev->actor_type),
		DBP_STR(ev->actor_id),
		DBP_STR(ev->action),
		DBP_STR(ev->severity ? ev->severity : "info"),
		DBP_STR(ev->subject_type),
		DBP_STR(ev->subject_id),
		DBP_STR(ev->message),
		DBP_STR(ev->pre_state),
		DBP_STR(ev->post_state),
		DBP_STR(ev->trace_id),
	};
	return db_query(db, NULL, db_system_sql[SQL_EVENT_ADD], p, sizeof(p) / sizeof(p[0]), NULL);
}
