/* db_pricing.c - pricing_reports and spot_price_snapshots statements. */
#include "core/db_pricing.h"
#include "core/db.h"
#include "common/arena.h"

#include <stdlib.h>
#include <string.h>

/* The documents of db_pricing.h as rows; collations match the tables' columns. */
#define UCI "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
#define SAMPLES_TABLE                                                                 \
	"JSON_TABLE(?, '$[*]' COLUMNS ("                                              \
	"id CHAR(36) " UCI " PATH '$.id' ERROR ON EMPTY, "                            \
	"pool_id VARCHAR(128) " UCI " PATH '$.pool' ERROR ON EMPTY, "                 \
	"price DECIMAL(12,6) PATH '$.price' ERROR ON EMPTY, "                         \
	"observed_at DATETIME(3) PATH '$.at' ERROR ON EMPTY)) AS j"
#define POOLS_TABLE                                                                   \
	"JSON_TABLE(?, '$[*]' COLUMNS ("                                              \
	"pool_id VARCHAR(128) " UCI " PATH '$.pool' ERROR ON EMPTY, "                 \
	"instance_type VARCHAR(64) " UCI " PATH '$.type' ERROR ON EMPTY, "            \
	"region VARCHAR(32) " UCI " PATH '$.region' ERROR ON EMPTY, "                 \
	"az VARCHAR(32) " UCI " PATH '$.az' ERROR ON EMPTY)) AS j"
#define TYPES_TABLE                                                                   \
	"JSON_TABLE(?, '$[*]' COLUMNS ("                                              \
	"instance_type VARCHAR(64) " UCI " PATH '$.type' ERROR ON EMPTY, "            \
	"region VARCHAR(32) " UCI " PATH '$.region' ERROR ON EMPTY)) AS k"

static const char *const db_pricing_sql[] = {
	/*
	 * Everything a report must know before writing, in one round trip and
	 * without locks: ('o') the instance is the agent's, ('p') pools to
	 * create, ('t') types the catalog lacks. In the steady state it answers
	 * one row and the report writes no pool.
	 */
	"SELECT 'o' AS kind, NULL AS a, NULL AS b FROM instances WHERE id = ? AND agent_id = ? "
	"UNION ALL SELECT 'p', j.pool_id, NULL FROM " POOLS_TABLE " LEFT JOIN spot_pools p ON p.id = j.pool_id "
	"WHERE p.id IS NULL "
	"UNION ALL SELECT 't', k.instance_type, k.region FROM " TYPES_TABLE " LEFT JOIN instance_types it "
	"ON it.instance_type = k.instance_type AND it.region = k.region WHERE it.instance_type IS NULL "
	"ORDER BY 1, 2, 3",
	"INSERT INTO pricing_reports (id, client_id, agent_id, instance_id, source_role, request_id, ondemand_price, "
	"price_count, accepted_count, rejected_count, received_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))",
	"SELECT id, accepted_count FROM pricing_reports WHERE agent_id = ? AND request_id = ?",
	"INSERT INTO spot_pools (id, instance_type, region, az, created_at, updated_at) "
	"SELECT j.pool_id, j.instance_type, j.region, j.az, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) FROM " POOLS_TABLE
	" ON DUPLICATE KEY UPDATE spot_pools.id = spot_pools.id",
	/*
	 * The unique key (pool_id, observed_at, instance_id) dedupes: INSERT
	 * IGNORE skips a sample stored before or by a concurrent report of the
	 * same instance, and its affected rows count only new ones (ON DUPLICATE
	 * KEY UPDATE would count a kept row as 1 on this CLIENT_FOUND_ROWS
	 * connection). IGNORE would also turn a bad value into a warning, but the
	 * values were checked (pricing_check) and the pools made just before.
	 */
	"INSERT IGNORE INTO spot_price_snapshots (id, pool_id, agent_id, instance_id, source_role, price, observed_at, "
	"received_at, request_id) SELECT j.id, j.pool_id, ?, ?, ?, j.price, j.observed_at, UTC_TIMESTAMP(3), ? "
	"FROM " SAMPLES_TABLE,
	"SELECT 1 FROM instances WHERE id = ? AND agent_id = ?",
};
enum { SQL_CHECK, SQL_REPORT_INSERT, SQL_REPORT_FIND, SQL_POOLS, SQL_SNAPSHOTS, SQL_OWNED };

int db_pricing_check(struct db *db, struct arena *a, const char *agent_id, const char *instance_id,
		     const char *pools_json, const char *types_json, struct pricing_check_result *out)
{
	struct db_param p[] = { DBP_STR(instance_id), DBP_STR(agent_id), DBP_STR(pools_json), DBP_STR(types_json) };
	struct db_rows r;
	size_t nt = 0;

	memset(out, 0, sizeof(*out));
	if (db_query(db, a, db_pricing_sql[SQL_CHECK], p, 4, &r) < 0)
		return -1;
	out->unknown = arena_calloc(a, r.nrows ? 2 * r.nrows : 1, sizeof(*out->unknown));
	for (size_t i = 0; i < r.nrows; i++) {
		const char *kind = db_rows_cell(&r, i, 0);
		if (!kind)
			continue;
		if (kind[0] == 'o') {
			out->owned = 1;
		} else if (kind[0] == 'p') {
			out->nmissing_pools++;
		} else {
			out->unknown[2 * nt] = db_rows_cell(&r, i, 1);
			out->unknown[2 * nt + 1] = db_rows_cell(&r, i, 2);
			nt++;
		}
	}
	out->nunknown = nt;
	return 0;
}

int db_pricing_owned(struct db *db, struct arena *a, const char *agent_id, const char *instance_id)
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

int db_pricing_pools_ensure(struct db *db, const char *pools_json)
{
	struct db_param p[] = { DBP_STR(pools_json) };
	return db_query(db, NULL, db_pricing_sql[SQL_POOLS], p, 1, NULL);
}

int db_pricing_snapshots_insert(struct db *db, const char *samples_json, const char *agent_id,
				const char *instance_id, const char *role, const char *request_id, long *stored)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_STR(instance_id), DBP_STR(role), DBP_STR(request_id),
				DBP_STR(samples_json) };
	struct db_rows r;
	if (db_query(db, NULL, db_pricing_sql[SQL_SNAPSHOTS], p, 5, &r) < 0)
		return -1;
	*stored = (long)r.affected;
	return 0;
}
