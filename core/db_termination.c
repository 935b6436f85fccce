/* db_termination.c - zombie termination statements. */
#include "core/db_termination.h"
#include "core/db.h"
#include "common/arena.h"

#include <stdlib.h>

#define ZOMBIE_COLS                                                                                 \
	"id, role, instance_type, region, az, mode, pool_id, " DB_RFC3339("role_changed_at") ", "      \
	DB_RFC3339("termination_attempted_at") ", termination_error, version"

static const char *const db_termination_sql[] = {
	"SELECT auto_terminate_enabled, terminate_wait_seconds FROM agents WHERE id = ?",
	"SELECT " ZOMBIE_COLS " FROM instances WHERE agent_id = ? AND role = 'zombie' AND termination_confirmed = FALSE "
	"AND role_changed_at <= UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND (termination_attempted_at IS NULL "
	"OR termination_attempted_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND) ORDER BY role_changed_at, id LIMIT ? "
	"FOR UPDATE",
	"UPDATE instances SET termination_attempted_at = UTC_TIMESTAMP(3), version = version + 1 "
	"WHERE id = ? AND version = ?",
	"SELECT " ZOMBIE_COLS " FROM instances WHERE id = ? AND agent_id = ? FOR UPDATE",
	"UPDATE instances SET role = 'terminated', role_changed_at = UTC_TIMESTAMP(3), termination_confirmed = TRUE, "
	"terminated_at = UTC_TIMESTAMP(3), termination_error = NULL, version = version + 1 WHERE id = ? AND version = ?",
	"UPDATE switches SET old_terminated_at = UTC_TIMESTAMP(3) WHERE old_instance_id = ? AND old_terminated_at IS NULL",
	"UPDATE instances SET termination_error = ?, termination_attempted_at = NULL, version = version + 1 "
	"WHERE id = ? AND version = ?",
};
enum { SQL_SETTINGS, SQL_DUE, SQL_ATTEMPT, SQL_GET_LOCK, SQL_CONFIRM, SQL_SWITCH_NOTE, SQL_FAILED };

static void db_termination_fill(const struct db_rows *r, size_t i, struct zombie_row *o)
{
	o->id = db_rows_cell(r, i, 0);
	o->role = db_rows_cell(r, i, 1);
	o->instance_type = db_rows_cell(r, i, 2);
	o->region = db_rows_cell(r, i, 3);
	o->az = db_rows_cell(r, i, 4);
	o->mode = db_rows_cell(r, i, 5);
	o->pool_id = db_rows_cell(r, i, 6);
	o->role_changed_at = db_rows_cell(r, i, 7);
	o->termination_attempted_at = db_rows_cell(r, i, 8);
	o->termination_error = db_rows_cell(r, i, 9);
	o->version = strtol(db_rows_cell(r, i, 10), NULL, 10);
}

int db_termination_settings(struct db *db, struct arena *a, const char *agent_id, int *enabled, long *wait_s)
{
	struct db_param p[] = { DBP_STR(agent_id) };
	struct db_rows r;
	if (db_query(db, a, db_termination_sql[SQL_SETTINGS], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	*enabled = strtol(db_rows_cell(&r, 0, 0), NULL, 10) != 0;
	*wait_s = strtol(db_rows_cell(&r, 0, 1), NULL, 10);
	return 1;
}

int db_termination_due(struct db *db, struct arena *a, const char *agent_id, long wait_s, long retry_s, size_t max,
		       struct zombie_row **rows, size_t *n)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_INT(wait_s), DBP_INT(retry_s), DBP_INT((long long)max) };
	struct db_rows r;
	if (db_query(db, a, db_termination_sql[SQL_DUE], p, 4, &r) < 0)
		return -1;
	*rows = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**rows));
	for (size_t i = 0; i < r.nrows; i++)
		db_termination_fill(&r, i, &(*rows)[i]);
	*n = r.nrows;
	return 0;
}

static int db_termination_update(struct db *db, const char *sql, const struct db_param *p, size_t np, int *won)
{
	struct db_rows r;
	if (db_query(db, NULL, sql, p, np, &r) < 0)
		return -1;
	*won = r.affected == 1;
	return 0;
}

int db_termination_attempt(struct db *db, const char *id, long version, int *won)
{
	struct db_param p[] = { DBP_STR(id), DBP_INT(version) };
	return db_termination_update(db, db_termination_sql[SQL_ATTEMPT], p, 2, won);
}

int db_termination_get_lock(struct db *db, struct arena *a, const char *agent_id, const char *id,
			    struct zombie_row *out)
{
	struct db_param p[] = { DBP_STR(id), DBP_STR(agent_id) };
	struct db_rows r;
	if (db_query(db, a, db_termination_sql[SQL_GET_LOCK], p, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	db_termination_fill(&r, 0, out);
	return 1;
}

int db_termination_confirm(struct db *db, const char *id, long version, int *won)
{
	struct db_param p[] = { DBP_STR(id), DBP_INT(version) };
	struct db_param q[] = { DBP_STR(id) };
	if (db_termination_update(db, db_termination_sql[SQL_CONFIRM], p, 2, won) < 0)
		return -1;
	if (!*won)
		return 0;
	return db_query(db, NULL, db_termination_sql[SQL_SWITCH_NOTE], q, 1, NULL);
}

int db_termination_failed(struct db *db, const char *id, long version, const char *error, int *won)
{
	struct db_param p[] = { DBP_STR(error), DBP_STR(id), DBP_INT(version) };
	return db_termination_update(db, db_termination_sql[SQL_FAILED], p, 3, won);
}
