/* db_models.c - the model registry's statements (see db_models.h). */
#include "core/db_models.h"
#include "common/strbuf.h"

#include <stdio.h>
#include <string.h>

#define PERF_DAYS_TEXT "7"
_Static_assert(DB_MODELS_PERF_DAYS == 7, "PERF_DAYS_TEXT follows DB_MODELS_PERF_DAYS");
#define PERF_SINCE "UTC_TIMESTAMP(3) - INTERVAL " PERF_DAYS_TEXT " DAY"

/*
 * A model's figures over the last days. Decisions: a range of idx_ml_decisions_model_time per model (index
 * only), those naming no model counted for rules-v1. Executed ones: few, found through the index InnoDB keeps
 * for the command_id foreign key, with the switch their command produced. (A GROUP BY over ml_decisions would
 * read every decision of every agent: 288 a day per agent.)
 */
#define MODELS_PERF_COLS \
	"(SELECT COUNT(*) FROM ml_decisions d WHERE d.model_id = m.id AND d.decided_at >= " PERF_SINCE ") + " \
	"IF(m.id = '" DB_MODELS_BUILTIN_ID "', (SELECT COUNT(*) FROM ml_decisions d WHERE d.model_id IS NULL " \
	"AND d.decided_at >= " PERF_SINCE "), 0), " \
	"COALESCE(r.ne, 0), COALESCE(r.exp_s, 0), COALESCE(r.ns, 0), COALESCE(r.real_s, 0)"
#define MODELS_PERF_JOIN \
	"LEFT JOIN (SELECT COALESCE(x.model_id, '" DB_MODELS_BUILTIN_ID "') AS mid, COUNT(*) AS ne, " \
	"SUM(COALESCE(x.expected_savings, 0)) AS exp_s, COUNT(s.id) AS ns, " \
	"SUM(IF(s.id IS NULL, 0, COALESCE(s.savings_impact, " \
	"COALESCE(IF(s.old_mode = 'ondemand', s.ondemand_price, s.old_spot_price), 0) - " \
	"COALESCE(IF(s.new_mode = 'ondemand', s.ondemand_price, s.new_spot_price), 0)))) AS real_s " \
	"FROM ml_decisions x LEFT JOIN switches s ON s.command_id = x.command_id AND s.status = 'completed' " \
	"WHERE x.command_id IS NOT NULL AND x.executed AND x.decided_at >= " PERF_SINCE " GROUP BY mid) r " \
	"ON r.mid = m.id "

#define MODELS_LOCK_COLS "SELECT id, name, model_version, engine, status, parameters, previous_model_id, version FROM ml_models "

static const char *const db_models_sql[] = {
	"SELECT COUNT(*) FROM ml_models WHERE id = '" DB_MODELS_BUILTIN_ID "'",
	"INSERT IGNORE INTO ml_models (id, name, model_version, engine, status, parameters, metrics, uploaded_by, "
	"validated_at) VALUES ('" DB_MODELS_BUILTIN_ID "', 'rules-v1', '1', 'rules', 'validated', "
	"JSON_OBJECT('schema', 'spot-model/1', 'name', 'rules-v1', 'version', '1', 'engine', 'rules', "
	"'bands', JSON_OBJECT('low', 0.2, 'high', 0.5, 'high_savings', 0.5)), JSON_OBJECT('builtin', TRUE), 'system', "
	"UTC_TIMESTAMP(3))",
	"INSERT INTO ml_models (id, name, model_version, engine, status, file_sha256, file_size, parameters, uploaded_by) "
	"VALUES (?, ?, ?, ?, 'uploaded', ?, ?, ?, ?)",
	"SELECT m.id, m.name, m.model_version, m.engine, m.status, LOWER(HEX(m.file_sha256)), m.file_size, m.metrics, "
	"m.validation_error, m.previous_model_id, m.uploaded_by, " DB_RFC3339("m.created_at") ", "
	DB_RFC3339("m.validated_at") ", " DB_RFC3339("m.activated_at") ", " DB_RFC3339("m.deactivated_at") ", "
	"m.version, " MODELS_PERF_COLS ", FLOOR(UNIX_TIMESTAMP(m.created_at)) FROM ml_models m " MODELS_PERF_JOIN
	"WHERE (? IS NULL OR m.id = ?) ORDER BY m.status = 'active' DESC, m.created_at DESC, m.id LIMIT 200",
	MODELS_LOCK_COLS "WHERE id = ? FOR UPDATE",
	MODELS_LOCK_COLS "WHERE status = 'active' FOR UPDATE",
	"UPDATE ml_models SET status = ?, metrics = ?, validation_error = ?, "
	"validated_at = IF(? = 'validated', UTC_TIMESTAMP(3), validated_at), version = version + 1 WHERE id = ?",
	"UPDATE ml_models SET status = 'retired', deactivated_at = UTC_TIMESTAMP(3), version = version + 1 "
	"WHERE id = ? AND status = 'active'",
	"UPDATE ml_models SET status = 'active', activated_at = UTC_TIMESTAMP(3), deactivated_at = NULL, "
	"previous_model_id = IF(?, previous_model_id, ?), version = version + 1 WHERE id = ? AND status <> 'active'",
	"SELECT c.pool_id, p.instance_type, p.az, FLOOR(UNIX_TIMESTAMP(c.bucket_start) * 1000), c.price, c.ondemand_price, "
	"p.region "
	"FROM pricing_canonical c JOIN spot_pools p ON p.id = c.pool_id "
	"WHERE c.bucket_start >= UTC_TIMESTAMP(3) - INTERVAL ? HOUR ORDER BY c.pool_id, c.bucket_start LIMIT ?",
	"SELECT instance_type, ondemand_price, region FROM instance_types WHERE ondemand_price > 0 LIMIT 100000",
	"SELECT pool_id, FLOOR(UNIX_TIMESTAMP(detected_at) * 1000) FROM spot_interruption_events "
	"WHERE pool_id IS NOT NULL AND detected_at >= UTC_TIMESTAMP(3) - INTERVAL ? HOUR ORDER BY pool_id, detected_at "
	"LIMIT 100000",
	"SELECT " DB_RFC3339("created_at") ", action, actor_type, actor_id, message FROM system_events "
	"WHERE subject_type = 'ml_model' AND subject_id = ? ORDER BY created_at DESC, id DESC LIMIT 50",
};
enum { SQL_HAS_BUILTIN, SQL_BUILTIN, SQL_INSERT, SQL_LIST, SQL_LOCK, SQL_LOCK_ACTIVE, SQL_VALIDATION, SQL_RETIRE,
       SQL_ACTIVATE, SQL_PRICES, SQL_ONDEMAND, SQL_INTERRUPTIONS,
       SQL_EVENTS };

int db_models_ensure_builtin(struct db *db, struct arena *a)
{
	struct db_rows r;
	if (db_query(db, a, db_models_sql[SQL_HAS_BUILTIN], NULL, 0, &r) < 0)
		return -1;
	if (r.nrows && strcmp(db_rows_cell(&r, 0, 0), "0"))
		return 0;
	return db_query(db, NULL, db_models_sql[SQL_BUILTIN], NULL, 0, NULL);
}

int db_models_insert(struct db *db, const struct db_models_new *m)
{
	struct db_param p[] = { DBP_STR(m->id), DBP_STR(m->name), DBP_STR(m->model_version), DBP_STR(m->engine),
				DBP_STRN((const char *)m->sha256, 32), DBP_INT(m->size), DBP_STR(m->parameters),
				DBP_STR(m->uploaded_by) };
	return db_query(db, NULL, db_models_sql[SQL_INSERT], p, 8, NULL);
}

int db_models_list(struct db *db, struct arena *a, const char *id, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(id), DBP_STR(id) };
	return db_query(db, a, db_models_sql[SQL_LIST], p, 2, out);
}

int db_models_lock(struct db *db, struct arena *a, const char *id, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(id) };
	return db_query(db, a, db_models_sql[SQL_LOCK], p, 1, out);
}

int db_models_lock_active(struct db *db, struct arena *a, struct db_rows *out)
{
	return db_query(db, a, db_models_sql[SQL_LOCK_ACTIVE], NULL, 0, out);
}

int db_models_set_validation(struct db *db, const char *id, const char *status, const char *metrics,
			     const char *error)
{
	struct db_param p[] = { DBP_STR(status), DBP_STR(metrics), DBP_STR(error), DBP_STR(status), DBP_STR(id) };
	return db_query(db, NULL, db_models_sql[SQL_VALIDATION], p, 5, NULL);
}

int db_models_retire(struct db *db, const char *id, int *changed)
{
	struct db_rows r;
	struct db_param p[] = { DBP_STR(id) };
	if (db_query(db, NULL, db_models_sql[SQL_RETIRE], p, 1, &r) < 0)
		return -1;
	*changed = r.affected > 0;
	return 0;
}

int db_models_activate(struct db *db, const char *id, const char *previous, int keep_previous, int *changed)
{
	struct db_rows r;
	struct db_param p[] = { DBP_INT(keep_previous ? 1 : 0), DBP_STR(previous), DBP_STR(id) };
	if (db_query(db, NULL, db_models_sql[SQL_ACTIVATE], p, 3, &r) < 0)
		return -1;
	*changed = r.affected > 0;
	return 0;
}

int db_models_prices(struct db *db, struct arena *a, long hours, long limit, struct db_rows *out)
{
	struct db_param p[] = { DBP_INT(hours), DBP_INT(limit) };
	return db_query(db, a, db_models_sql[SQL_PRICES], p, 2, out);
}

int db_models_ondemand(struct db *db, struct arena *a, struct db_rows *out)
{
	return db_query(db, a, db_models_sql[SQL_ONDEMAND], NULL, 0, out);
}

int db_models_interruptions(struct db *db, struct arena *a, long hours, struct db_rows *out)
{
	struct db_param p[] = { DBP_INT(hours) };
	return db_query(db, a, db_models_sql[SQL_INTERRUPTIONS], p, 1, out);
}

int db_models_events(struct db *db, struct arena *a, const char *id, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(id) };
	return db_query(db, a, db_models_sql[SQL_EVENTS], p, 1, out);
}
