/* db_replicas.c - replica_instances statements, and the instance and agent rows replicas touch. */
#include "core/db_replicas.h"
#include "core/db.h"

#include <stdlib.h>
#include <string.h>

#define REPLICA_COLS                                                                                           \
	"r.id, r.agent_id, r.client_id, r.instance_id, r.command_id, r.replica_type, r.status, r.pool_id, "      \
	"r.instance_type, r.az, a.region, r.error, " DB_RFC3339("r.created_at") ", " DB_RFC3339("r.ready_at") \
	", r.state_transfer_progress, r.version"

static const char *const db_replicas_sql[] = {
	"SELECT id, client_id, instance_id, instance_type, region, az, current_pool_id, notice_status, "
	DB_RFC3339("notice_deadline") ", manual_replica_enabled, version FROM agents "
	"WHERE id = ? AND client_id = ? FOR UPDATE",
	"SELECT " REPLICA_COLS " FROM replica_instances r JOIN agents a ON a.id = r.agent_id "
	"WHERE r.agent_id = ? AND r.status IN ('launching', 'syncing', 'ready') "
	"ORDER BY r.status = 'ready' DESC, r.created_at LIMIT 1 FOR UPDATE",
	"SELECT " REPLICA_COLS " FROM replica_instances r JOIN agents a ON a.id = r.agent_id "
	"JOIN instances i ON i.id = r.instance_id AND i.agent_id = r.agent_id AND i.role = 'replica' "
	"WHERE r.agent_id = ? AND r.status = 'ready' ORDER BY r.ready_at, r.id LIMIT 1 FOR UPDATE",
	"SELECT " REPLICA_COLS " FROM replica_instances r JOIN agents a ON a.id = r.agent_id "
	"WHERE r.id = ? AND r.agent_id = ? FOR UPDATE",
	"INSERT INTO replica_instances (id, agent_id, client_id, command_id, replica_type, status, pool_id, "
	"instance_type, az, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'launching', ?, ?, ?, UTC_TIMESTAMP(3), "
	"UTC_TIMESTAMP(3))",
	"UPDATE replica_instances SET status = ?, instance_id = COALESCE(?, instance_id), "
	"state_transfer_progress = COALESCE(?, state_transfer_progress), error = COALESCE(?, error), "
	"ready_at = CASE WHEN ? = 'ready' AND ready_at IS NULL THEN UTC_TIMESTAMP(3) ELSE ready_at END, "
	"promoted_at = CASE WHEN ? = 'promoted' THEN UTC_TIMESTAMP(3) ELSE promoted_at END, "
	"version = version + 1 WHERE id = ? AND version = ?",
	"SELECT id, agent_id, role, instance_type, region, az, mode, pool_id FROM instances WHERE id = ? FOR UPDATE",
	"INSERT INTO instances (id, agent_id, client_id, role, instance_type, region, az, mode, pool_id, "
	"installed_at, role_changed_at, created_at, updated_at) VALUES (?, ?, ?, 'replica', ?, ?, ?, 'spot', ?, "
	"UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
	"UPDATE instances SET role = ?, role_changed_at = UTC_TIMESTAMP(3), version = version + 1 "
	"WHERE id = ? AND role = ?",
	/* Cheapest unflagged pool of the type by each pool's latest sample (AWS prices are step functions). */
	"SELECT p.id, p.az, s.price FROM spot_pools p JOIN spot_price_snapshots s ON s.pool_id = p.id "
	"WHERE p.instance_type = ? AND p.region = ? AND p.id <> ? AND p.is_active "
	"AND (p.flagged_until IS NULL OR p.flagged_until <= UTC_TIMESTAMP(3)) "
	"AND s.observed_at = (SELECT MAX(s2.observed_at) FROM spot_price_snapshots s2 WHERE s2.pool_id = p.id) "
	"ORDER BY s.price, p.id LIMIT 1",
	"SELECT p.id, p.az FROM spot_pools p WHERE p.instance_type = ? AND p.region = ? AND p.id <> ? "
	"AND p.is_active AND p.az <> COALESCE((SELECT x.az FROM spot_pools x WHERE x.id = ?), '') "
	"ORDER BY p.flagged_until IS NOT NULL AND p.flagged_until > UTC_TIMESTAMP(3), p.id LIMIT 1",
};
enum {
	SQL_AGENT_LOCK, SQL_LIVE, SQL_READY, SQL_GET, SQL_INSERT, SQL_UPDATE, SQL_INST_GET, SQL_INST_INSERT,
	SQL_INST_ROLE, SQL_TARGET_CHEAPEST, SQL_TARGET_OTHER,
};

static void db_replicas_fill(const struct db_rows *r, struct replica_row *o)
{
	o->id = db_rows_cell(r, 0, 0);
	o->agent_id = db_rows_cell(r, 0, 1);
	o->client_id = db_rows_cell(r, 0, 2);
	o->instance_id = db_rows_cell(r, 0, 3);
	o->command_id = db_rows_cell(r, 0, 4);
	o->type = db_rows_cell(r, 0, 5);
	o->status = db_rows_cell(r, 0, 6);
	o->pool_id = db_rows_cell(r, 0, 7);
	o->instance_type = db_rows_cell(r, 0, 8);
	o->az = db_rows_cell(r, 0, 9);
	o->region = db_rows_cell(r, 0, 10);
	o->error = db_rows_cell(r, 0, 11);
	o->created_at = db_rows_cell(r, 0, 12);
	o->ready_at = db_rows_cell(r, 0, 13);
	o->progress = db_rows_cell(r, 0, 14) ? strtod(db_rows_cell(r, 0, 14), NULL) : 0.0;
	o->version = db_rows_cell(r, 0, 15) ? strtol(db_rows_cell(r, 0, 15), NULL, 10) : 0;
}

static int db_replicas_one(struct db *db, struct arena *a, int sql, const struct db_param *p, size_t n,
			   struct replica_row *out)
{
	struct db_rows r;
	if (db_query(db, a, db_replicas_sql[sql], p, n, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	db_replicas_fill(&r, out);
	return 1;
}

int db_replicas_agent_lock(struct db *db, struct arena *a, const char *agent_id, const char *client_id,
			   struct replica_agent *out)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_STR(client_id) };
	struct db_rows r;
	if (db_query(db, a, db_replicas_sql[SQL_AGENT_LOCK], p, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->id = db_rows_cell(&r, 0, 0);
	out->client_id = db_rows_cell(&r, 0, 1);
	out->instance_id = db_rows_cell(&r, 0, 2);
	out->instance_type = db_rows_cell(&r, 0, 3);
	out->region = db_rows_cell(&r, 0, 4);
	out->az = db_rows_cell(&r, 0, 5);
	out->pool_id = db_rows_cell(&r, 0, 6);
	out->notice_status = db_rows_cell(&r, 0, 7);
	out->notice_deadline = db_rows_cell(&r, 0, 8);
	out->manual_replica = atoi(db_rows_cell(&r, 0, 9)) != 0;
	out->version = strtol(db_rows_cell(&r, 0, 10), NULL, 10);
	return 1;
}

int db_replicas_live_lock(struct db *db, struct arena *a, const char *agent_id, struct replica_row *out)
{
	struct db_param p[] = { DBP_STR(agent_id) };
	return db_replicas_one(db, a, SQL_LIVE, p, 1, out);
}

int db_replicas_ready_lock(struct db *db, struct arena *a, const char *agent_id, struct replica_row *out)
{
	struct db_param p[] = { DBP_STR(agent_id) };
	return db_replicas_one(db, a, SQL_READY, p, 1, out);
}

int db_replicas_get_lock(struct db *db, struct arena *a, const char *rid, const char *agent_id,
			 struct replica_row *out)
{
	struct db_param p[] = { DBP_STR(rid), DBP_STR(agent_id) };
	return db_replicas_one(db, a, SQL_GET, p, 2, out);
}

int db_replicas_insert(struct db *db, const char *id, const char *agent_id, const char *client_id,
		       const char *command_id, const char *type, const char *pool_id, const char *instance_type,
		       const char *az)
{
	struct db_param p[] = { DBP_STR(id),	  DBP_STR(agent_id), DBP_STR(client_id),     DBP_STR(command_id),
				DBP_STR(type),	  DBP_STR(pool_id),  DBP_STR(instance_type), DBP_STR(az) };
	return db_query(db, NULL, db_replicas_sql[SQL_INSERT], p, 8, NULL);
}

int db_replicas_update(struct db *db, const char *id, long version, const char *status, const char *instance_id,
		       double progress, const char *error)
{
	struct db_param p[] = { DBP_STR(status),
				DBP_STR(instance_id),
				progress >= 0 ? DBP_DOUBLE(progress) : DBP_NULL,
				DBP_STR(error),
				DBP_STR(status),
				DBP_STR(status),
				DBP_STR(id),
				DBP_INT(version) };
	struct db_rows r;
	if (db_query(db, NULL, db_replicas_sql[SQL_UPDATE], p, 8, &r) < 0)
		return -1;
	return r.affected > 0;
}

int db_replicas_instance_get_lock(struct db *db, struct arena *a, const char *instance_id,
				  struct replica_instance *out)
{
	struct db_param p[] = { DBP_STR(instance_id) };
	struct db_rows r;
	if (db_query(db, a, db_replicas_sql[SQL_INST_GET], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->id = db_rows_cell(&r, 0, 0);
	out->agent_id = db_rows_cell(&r, 0, 1);
	out->role = db_rows_cell(&r, 0, 2);
	out->instance_type = db_rows_cell(&r, 0, 3);
	out->region = db_rows_cell(&r, 0, 4);
	out->az = db_rows_cell(&r, 0, 5);
	out->mode = db_rows_cell(&r, 0, 6);
	out->pool_id = db_rows_cell(&r, 0, 7);
	return 1;
}

int db_replicas_instance_insert(struct db *db, const char *instance_id, const char *agent_id, const char *client_id,
				const char *instance_type, const char *region, const char *az, const char *pool_id)
{
	struct db_param p[] = { DBP_STR(instance_id), DBP_STR(agent_id), DBP_STR(client_id), DBP_STR(instance_type),
				DBP_STR(region),      DBP_STR(az),	 DBP_STR(pool_id) };
	return db_query(db, NULL, db_replicas_sql[SQL_INST_INSERT], p, 7, NULL);
}

int db_replicas_instance_role(struct db *db, const char *instance_id, const char *from, const char *to)
{
	struct db_param p[] = { DBP_STR(to), DBP_STR(instance_id), DBP_STR(from) };
	struct db_rows r;
	if (db_query(db, NULL, db_replicas_sql[SQL_INST_ROLE], p, 3, &r) < 0)
		return -1;
	return (int)r.affected;
}

int db_replicas_target_pool(struct db *db, struct arena *a, const char *type, const char *region,
			    const char *exclude_pool, const char **pool_id, const char **az, double *price)
{
	struct db_param p[] = { DBP_STR(type), DBP_STR(region), DBP_STR(exclude_pool ? exclude_pool : ""),
				DBP_STR(exclude_pool ? exclude_pool : "") };
	struct db_rows r;

	*pool_id = *az = NULL;
	*price = -1.0;
	if (!type || !region)
		return 0;
	if (db_query(db, a, db_replicas_sql[SQL_TARGET_CHEAPEST], p, 3, &r) < 0)
		return -1;
	if (r.nrows) {
		*pool_id = db_rows_cell(&r, 0, 0);
		*az = db_rows_cell(&r, 0, 1);
		*price = strtod(db_rows_cell(&r, 0, 2), NULL);
		return 0;
	}
	if (db_query(db, a, db_replicas_sql[SQL_TARGET_OTHER], p, 4, &r) < 0)
		return -1;
	if (r.nrows) {
		*pool_id = db_rows_cell(&r, 0, 0);
		*az = db_rows_cell(&r, 0, 1);
	}
	return 0;
}
