/* db_pricing.c - pricing_reports and spot_price_snapshots statements. */
#include "core/db_pricing.h"
#include "core/db.h"
#include "common/arena.h"

#include <stdlib.h>
#include <string.h>

/* The samples document as rows (see db_pricing.h); collations match the tables' columns. */
#define SAMPLES_TABLE                                                                                         \
	"JSON_TABLE(?, '$[*]' COLUMNS ("                                                                      \
	"id CHAR(36) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PATH '$.id' ERROR ON EMPTY, "           \
	"pool_id VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PATH '$.pool' ERROR ON EMPTY, "  \
	"instance_type VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PATH '$.type' ERROR ON EMPTY, " \
	"region VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PATH '$.region' ERROR ON EMPTY, "  \
	"az VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PATH '$.az' ERROR ON EMPTY, "          \
	"price DECIMAL(12,6) PATH '$.price' ERROR ON EMPTY, "                                                 \
	"observed_at DATETIME(3) PATH '$.at' ERROR ON EMPTY)) AS j"

static const char *const db_pricing_sql[] = {
	"SELECT 1 FROM instances WHERE id = ? AND agent_id = ?",
	"INSERT INTO pricing_reports (id, client_id, agent_id, instance_id, source_role, request_id, ondemand_price, "
	"price_count, accepted_count, rejected_count, received_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))",
	"SELECT id, accepted_count FROM pricing_reports WHERE agent_id = ? AND request_id = ?",
	"INSERT INTO spot_pools (id, instance_type, region, az, created_at, updated_at) "
	"SELECT j.pool_id, j.instance_type, j.region, j.az, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) FROM " SAMPLES_TABLE
	" ON DUPLICATE KEY UPDATE spot_pools.id = spot_pools.id",
	/*
	 * NOT EXISTS skips samples stored by an earlier report, so the affected
	 * rows count only new ones; ON DUPLICATE KEY covers a concurrent report
	 * of the same instance inserting the same sample meanwhile.
	 */
	"INSERT INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at, "
	"received_at, request_id) SELECT j.id, j.pool_id, ?, ?, ?, j.price, j.observed_at, UTC_TIMESTAMP(3), ? "
	"FROM " SAMPLES_TABLE " WHERE NOT EXISTS (SELECT 1 FROM spot_price_snapshots s WHERE s.pool_id = j.pool_id "
	"AND s.observed_at = j.observed_at AND s.instance_id = ?) "
	"ON DUPLICATE KEY UPDATE spot_price_snapshots.id = spot_price_snapshots.id",
	"SELECT DISTINCT j.instance_type, j.region FROM " SAMPLES_TABLE " LEFT JOIN instance_types it "
	"ON it.instance_type = j.instance_type AND it.region = j.region WHERE it.instance_type IS NULL "
	"ORDER BY j.instance_type, j.region",
};
enum { SQL_OWNED, SQL_REPORT_INSERT, SQL_REPORT_FIND, SQL_POOLS, SQL_SNAPSHOTS, SQL_UNKNOWN };

int db_pricing_instance_owned(struct db *db, struct arena *a, const char *agent_id, const char *instance_id)
{
	struct db_param p[] = { DBP_STR(instance_id), DBP_STR(agent_id) };
	struct db_rows r;
	if (db_query(db, a, db_pricing_sql[SQL_OWNED], p, 2, &r) < 0)
		return -1;
	return r.nrows > 0;
}

int db_pricing_report_insert(struct db *db, const char *id, const struct pricing_report_row *r)
{
	struct db_param p[] = { DBP_STR(id),
				DBP_STR(r->client_id),
				DBP_STR(r->agent_id),
				DBP_STR(r->instance_id),
				DBP_STR(r->source_role),
				DBP_STR(r->request_id),
				r->has_ondemand ? DBP_DOUBLE(r->ondemand_price) : DBP_NULL,
				DBP_INT(r->price_count),
				DBP_INT(r->accepted_count),
				DBP_INT(r->rejected_count) };
	return db_query(db, NULL, db_pricing_sql[SQL_REPORT_INSERT], p, 10, NULL);
}

int db_pricing_report_find(struct db *db, struct arena *a, const char *agent_id, const char *request_id,
			   char id[UUID_STR_LEN + 1], long *accepted)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_STR(request_id) };
	struct db_rows r;
	if (db_query(db, a, db_pricing_sql[SQL_REPORT_FIND], p, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	snprintf(id, UUID_STR_LEN + 1, "%s", db_rows_cell(&r, 0, 0));
	*accepted = strtol(db_rows_cell(&r, 0, 1), NULL, 10);
	return 1;
}

int db_pricing_pools_ensure(struct db *db, const char *samples_json)
{
	struct db_param p[] = { DBP_STR(samples_json) };
	return db_query(db, NULL, db_pricing_sql[SQL_POOLS], p, 1, NULL);
}

int db_pricing_snapshots_insert(struct db *db, const char *samples_json, const char *agent_id,
				const char *instance_id, const char *role, const char *request_id, long *stored)
{
	struct db_param p[] = { DBP_STR(agent_id),     DBP_STR(instance_id), DBP_STR(role),
				DBP_STR(request_id),   DBP_STR(samples_json), DBP_STR(instance_id) };
	struct db_rows r;
	if (db_query(db, NULL, db_pricing_sql[SQL_SNAPSHOTS], p, 6, &r) < 0)
		return -1;
	*stored = (long)r.affected;
	return 0;
}

int db_pricing_unknown_types(struct db *db, struct arena *a, const char *samples_json, const char ***pairs,
			     size_t *n)
{
	struct db_param p[] = { DBP_STR(samples_json) };
	struct db_rows r;
	if (db_query(db, a, db_pricing_sql[SQL_UNKNOWN], p, 1, &r) < 0)
		return -1;
	*pairs = arena_calloc(a, r.nrows ? 2 * r.nrows : 1, sizeof(**pairs));
	for (size_t i = 0; i < r.nrows; i++) {
		(*pairs)[2 * i] = db_rows_cell(&r, i, 0);
		(*pairs)[2 * i + 1] = db_rows_cell(&r, i, 1);
	}
	*n = r.nrows;
	return 0;
}
