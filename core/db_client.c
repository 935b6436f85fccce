/* db_client.c - the client API's statements (see db_client.h). */
#include "core/db_client.h"

#define LIVE "('launching', 'syncing', 'ready')"
#define AT "COALESCE(s.initiated_at, s.created_at)"

static const char *const db_client_sql[] = {
	"SELECT id, logical_agent_id, hostname, status, current_mode, current_pool_id, instance_id, instance_type, "
	"region, az, " DB_RFC3339("last_heartbeat_at") ", auto_switch_enabled, auto_terminate_enabled, "
	"manual_replica_enabled, terminate_wait_seconds, config_version, version, notice_status FROM agents "
	"WHERE client_id = ? ORDER BY logical_agent_id, id LIMIT ? OFFSET ?",

	"SELECT id, agent_id, role, instance_type, region, az, mode, pool_id, spot_price, ondemand_price, "
	DB_RFC3339("last_heartbeat_at") ", " DB_RFC3339("terminated_at") ", " DB_RFC3339("created_at") " FROM instances "
	"WHERE client_id = ? AND (? = 'all' OR (? = 'terminated') = (role = 'terminated')) "
	"ORDER BY created_at DESC, id LIMIT ? OFFSET ?",

	"SELECT r.id, r.agent_id, a.logical_agent_id, r.client_id, r.instance_id, r.replica_type, r.status, r.pool_id, "
	"r.instance_type, r.az, r.state_transfer_progress, r.error, " DB_RFC3339("r.created_at") ", "
	"FLOOR(UNIX_TIMESTAMP(r.created_at)), " DB_RFC3339("r.ready_at") ", " DB_RFC3339("r.promoted_at") ", "
	DB_RFC3339("r.terminated_at") ", c.name FROM replica_instances r JOIN agents a ON a.id = r.agent_id "
	"JOIN clients c ON c.id = r.client_id WHERE (? IS NULL OR r.client_id = ?) "
	"AND (? = 'all' OR (? = 'live') = (r.status IN " LIVE ")) "
	"ORDER BY r.status IN " LIVE " DESC, r.created_at DESC, r.id LIMIT ? OFFSET ?",

	"SELECT s.id, s.agent_id, a.logical_agent_id, s.status, s.event_trigger, s.old_instance_id, s.old_mode, "
	"s.old_pool_id, s.old_spot_price, s.new_instance_id, s.new_mode, s.new_pool_id, s.new_spot_price, "
	"s.ondemand_price, s.savings_impact, s.downtime_seconds, " DB_RFC3339(AT) " FROM switches s "
	"LEFT JOIN agents a ON a.id = s.agent_id WHERE s.client_id = ? AND " AT " >= ? AND " AT " < ? "
	"ORDER BY " AT " DESC, s.id LIMIT ? OFFSET ?",

	"SELECT DATE_FORMAT(snapshot_date, '%Y-%m-%d'), ondemand_cost, actual_cost, replica_cost, savings, switch_count, "
	"interruption_count FROM savings_snapshots WHERE client_id = ? AND snapshot_date >= ? AND snapshot_date <= ? "
	"ORDER BY snapshot_date LIMIT ? OFFSET ?",

	"SELECT DATE_FORMAT(snapshot_date, '%Y-%m') AS m, SUM(ondemand_cost), SUM(actual_cost), SUM(replica_cost), "
	"SUM(savings), SUM(switch_count), SUM(interruption_count) FROM savings_snapshots WHERE client_id = ? "
	"AND snapshot_date >= ? AND snapshot_date <= ? GROUP BY m ORDER BY m LIMIT ? OFFSET ?",

	"SELECT id, agent_id, type, severity, title, message, is_read, " DB_RFC3339("read_at") ", "
	DB_RFC3339("created_at") " FROM notifications WHERE client_id = ? AND (? = 0 OR is_read = FALSE) "
	"ORDER BY created_at DESC, id LIMIT ? OFFSET ?",

	"SELECT s.status, s.downtime_seconds FROM switches s WHERE s.client_id = ? AND " AT " >= ? AND " AT " < ? "
	"LIMIT ?",

	"SELECT id, instance_type, region, az FROM spot_pools WHERE id = ?",

	"SELECT " DB_RFC3339("bucket_start") ", price, data_quality_flag, gap_flagged FROM pricing_consolidated "
	"WHERE pool_id = ? AND bucket_start >= UTC_TIMESTAMP(3) - INTERVAL ? DAY ORDER BY bucket_start LIMIT ?",

	"SELECT agent_id, client_id FROM replica_instances WHERE id = ? AND (? IS NULL OR client_id = ?)",

	"SELECT id FROM instances WHERE agent_id = ? AND role = 'primary' FOR UPDATE",
};
enum { SQL_AGENTS, SQL_INSTANCES, SQL_REPLICAS, SQL_SWITCHES, SQL_SAVINGS_DAY, SQL_SAVINGS_MONTH,
       SQL_NOTIFICATIONS, SQL_DOWNTIME, SQL_POOL, SQL_PRICES, SQL_REPLICA_OWNER, SQL_PRIMARY_LOCK };

int db_client_agents(struct db *db, struct arena *a, const char *client_id, long limit, long offset,
		     struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_INT(limit), DBP_INT(offset) };
	return db_query(db, a, db_client_sql[SQL_AGENTS], p, 3, out);
}

int db_client_instances(struct db *db, struct arena *a, const char *client_id, const char *which, long limit,
			long offset, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(which), DBP_STR(which), DBP_INT(limit), DBP_INT(offset) };
	return db_query(db, a, db_client_sql[SQL_INSTANCES], p, 5, out);
}

int db_client_replicas(struct db *db, struct arena *a, const char *client_id, const char *which, long limit,
		       long offset, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(client_id), DBP_STR(which), DBP_STR(which),
				DBP_INT(limit),	    DBP_INT(offset) };
	return db_query(db, a, db_client_sql[SQL_REPLICAS], p, 6, out);
}

int db_client_switches(struct db *db, struct arena *a, const char *client_id, const char *from, const char *to,
		       long limit, long offset, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(from), DBP_STR(to), DBP_INT(limit), DBP_INT(offset) };
	return db_query(db, a, db_client_sql[SQL_SWITCHES], p, 5, out);
}

int db_client_savings(struct db *db, struct arena *a, const char *client_id, int by_month, const char *from,
		      const char *to, long limit, long offset, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(from), DBP_STR(to), DBP_INT(limit), DBP_INT(offset) };
	return db_query(db, a, db_client_sql[by_month ? SQL_SAVINGS_MONTH : SQL_SAVINGS_DAY], p, 5, out);
}

int db_client_notifications(struct db *db, struct arena *a, const char *client_id, int unread_only, long limit,
			    long offset, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_INT(unread_only ? 1 : 0), DBP_INT(limit), DBP_INT(offset) };
	return db_query(db, a, db_client_sql[SQL_NOTIFICATIONS], p, 4, out);
}

int db_client_downtime(struct db *db, struct arena *a, const char *client_id, const char *from, const char *to,
		       long max, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(from), DBP_STR(to), DBP_INT(max) };
	return db_query(db, a, db_client_sql[SQL_DOWNTIME], p, 4, out);
}

int db_client_pool(struct db *db, struct arena *a, const char *pool_id, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(pool_id) };
	return db_query(db, a, db_client_sql[SQL_POOL], p, 1, out);
}

int db_client_prices(struct db *db, struct arena *a, const char *pool_id, long days, long max, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(pool_id), DBP_INT(days), DBP_INT(max) };
	return db_query(db, a, db_client_sql[SQL_PRICES], p, 3, out);
}

int db_client_replica_owner(struct db *db, struct arena *a, const char *rid, const char *client_id,
			    struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(rid), DBP_STR(client_id), DBP_STR(client_id) };
	return db_query(db, a, db_client_sql[SQL_REPLICA_OWNER], p, 3, out);
}

int db_client_primary_lock(struct db *db, struct arena *a, const char *agent_id, const char **id)
{
	struct db_param p[] = { DBP_STR(agent_id) };
	struct db_rows r;
	if (db_query(db, a, db_client_sql[SQL_PRIMARY_LOCK], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	*id = db_rows_cell(&r, 0, 0);
	return 1;
}
