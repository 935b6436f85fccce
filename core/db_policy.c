/* db_policy.c - the statements of client_policies (see db_policy.h). */
#include "core/db_policy.h"
#include "core/db.h"
#include "core/policy.h"

#include <stdlib.h>

static const char *const db_policy_sql[] = {
	"SELECT min_savings_pct, cooldown_minutes, max_risk, ondemand_fallback, fallback_wait_minutes, "
	"return_wait_minutes, size_factor, version, updated_by, " DB_RFC3339("updated_at") " "
	"FROM client_policies WHERE client_id = ?",
	"SELECT min_savings_pct, cooldown_minutes, max_risk, ondemand_fallback, fallback_wait_minutes, "
	"return_wait_minutes, size_factor, version, updated_by, " DB_RFC3339("updated_at") " "
	"FROM client_policies WHERE client_id = ? FOR UPDATE",
	"SELECT id FROM clients WHERE id = ?",
	"SELECT id FROM clients WHERE id = ? FOR UPDATE",
	"INSERT INTO client_policies (client_id, min_savings_pct, cooldown_minutes, max_risk, ondemand_fallback, "
	"fallback_wait_minutes, return_wait_minutes, size_factor, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
	"ON DUPLICATE KEY UPDATE min_savings_pct = VALUES(min_savings_pct), cooldown_minutes = VALUES(cooldown_minutes), "
	"max_risk = VALUES(max_risk), ondemand_fallback = VALUES(ondemand_fallback), "
	"fallback_wait_minutes = VALUES(fallback_wait_minutes), return_wait_minutes = VALUES(return_wait_minutes), "
	"size_factor = VALUES(size_factor), updated_by = VALUES(updated_by), version = version + 1, "
	"updated_at = CURRENT_TIMESTAMP(3)",
};
enum { SQL_GET, SQL_GET_LOCK, SQL_CLIENT, SQL_CLIENT_LOCK, SQL_UPSERT };

int db_policy_get(struct db *db, struct arena *a, const char *client_id, int for_update, struct policy *out)
{
	struct db_param p[] = { DBP_STR(client_id) };
	struct db_rows r;
	if (db_query(db, a, db_policy_sql[for_update ? SQL_GET_LOCK : SQL_GET], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->min_savings_pct = strtod(db_rows_cell(&r, 0, 0), NULL);
	out->cooldown_minutes = strtol(db_rows_cell(&r, 0, 1), NULL, 10);
	out->max_risk = strtod(db_rows_cell(&r, 0, 2), NULL);
	out->ondemand_fallback = atoi(db_rows_cell(&r, 0, 3)) != 0;
	out->fallback_wait_minutes = strtol(db_rows_cell(&r, 0, 4), NULL, 10);
	out->return_wait_minutes = strtol(db_rows_cell(&r, 0, 5), NULL, 10);
	out->size_factor = strtod(db_rows_cell(&r, 0, 6), NULL);
	out->version = strtol(db_rows_cell(&r, 0, 7), NULL, 10);
	out->updated_by = db_rows_cell(&r, 0, 8);
	out->updated_at = db_rows_cell(&r, 0, 9);
	return 1;
}

int db_policy_client_exists(struct db *db, struct arena *a, const char *client_id, int for_update)
{
	struct db_param p[] = { DBP_STR(client_id) };
	struct db_rows r;
	if (db_query(db, a, db_policy_sql[for_update ? SQL_CLIENT_LOCK : SQL_CLIENT], p, 1, &r) < 0)
		return -1;
	return r.nrows > 0;
}

int db_policy_upsert(struct db *db, const char *client_id, const struct policy *v, const char *updated_by)
{
	struct db_param p[] = {
		DBP_STR(client_id),
		DBP_DOUBLE(v->min_savings_pct),
		DBP_INT(v->cooldown_minutes),
		DBP_DOUBLE(v->max_risk),
		DBP_INT(v->ondemand_fallback ? 1 : 0),
		DBP_INT(v->fallback_wait_minutes),
		DBP_INT(v->return_wait_minutes),
		DBP_DOUBLE(v->size_factor),
		DBP_STR(updated_by),
	};
	return db_query(db, NULL, db_policy_sql[SQL_UPSERT], p, sizeof(p) / sizeof(p[0]), NULL);
}
