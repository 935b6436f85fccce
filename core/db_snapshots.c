/* db_snapshots.c - the statements of the daily snapshots (see db_snapshots.h). */
#include "core/db_snapshots.h"
#include "common/arena.h"
#include "core/db.h"

#include <stdlib.h>

#define AT "FROM_UNIXTIME(? / 1000)"

static const char *const db_snapshots_sql[] = {
	"SELECT CAST(UNIX_TIMESTAMP(snapshot_date) AS SIGNED) * 1000 FROM clients_daily_snapshot "
	"WHERE snapshot_date >= DATE(" AT ") AND snapshot_date < DATE(" AT ")",
	"SELECT CAST(ROUND(UNIX_TIMESTAMP(MIN(created_at)) * 1000) AS SIGNED) FROM clients",
	/* params: day, end, end, end, day, end, end, day, end, day */
	"INSERT INTO clients_daily_snapshot (snapshot_date, total_clients, active_clients, new_clients, total_agents, "
	"online_agents, total_instances, created_at) SELECT DATE(" AT "), "
	"(SELECT COUNT(*) FROM clients WHERE created_at < " AT "), "
	"(SELECT COUNT(*) FROM clients WHERE created_at < " AT " AND is_active), "
	"(SELECT COUNT(*) FROM clients WHERE created_at < " AT " AND created_at >= " AT "), "
	"(SELECT COUNT(*) FROM agents WHERE created_at < " AT "), "
	"(SELECT COUNT(*) FROM agents WHERE created_at < " AT " AND last_heartbeat_at >= " AT "), "
	"(SELECT COUNT(*) FROM instances WHERE installed_at < " AT " AND (terminated_at IS NULL OR terminated_at >= " AT
	")), UTC_TIMESTAMP(3) ON DUPLICATE KEY UPDATE total_clients = VALUES(total_clients), "
	"active_clients = VALUES(active_clients), new_clients = VALUES(new_clients), "
	"total_agents = VALUES(total_agents), online_agents = VALUES(online_agents), "
	"total_instances = VALUES(total_instances)",
	"SELECT total_clients, total_agents, total_instances FROM clients_daily_snapshot WHERE snapshot_date = DATE(" AT ")",
	/*
	 * params: day, day, end, day, end, day, now, end, end, day, end.
	 * h: the hours of the day an instance ran. The on-demand baseline is what the
	 * non-replica hours would have cost on demand; the actual cost is every hour
	 * at the instance's own price (spot, or on-demand in on-demand mode).
	 */
	"INSERT INTO savings_snapshots (id, client_id, snapshot_date, ondemand_cost, actual_cost, replica_cost, savings, "
	"savings_pct, instance_hours, spot_hours, ondemand_hours, switch_count, interruption_count) "
	"SELECT UUID(), c.id, DATE(" AT "), ROUND(COALESCE(x.od, 0), 6), ROUND(COALESCE(x.act, 0), 6), "
	"ROUND(COALESCE(x.rep, 0), 6), ROUND(COALESCE(x.od, 0) - COALESCE(x.act, 0), 6), "
	"IF(COALESCE(x.od, 0) > 0, LEAST(GREATEST(ROUND(100 * (x.od - x.act) / x.od, 3), -9999), 9999), NULL), "
	"ROUND(COALESCE(x.h, 0), 3), ROUND(COALESCE(x.sh, 0), 3), ROUND(COALESCE(x.oh, 0), 3), "
	"(SELECT COUNT(*) FROM switches s WHERE s.client_id = c.id AND s.initiated_at >= " AT " AND s.initiated_at < " AT
	"), (SELECT COUNT(*) FROM spot_interruption_events e WHERE e.client_id = c.id "
	"AND e.signal_type = 'termination-notice' AND e.detected_at >= " AT " AND e.detected_at < " AT ") "
	"FROM clients c LEFT JOIN (SELECT client_id, SUM(IF(role <> 'replica', h * odp, 0)) AS od, "
	"SUM(h * IF(mode = 'ondemand', odp, COALESCE(spot_price, odp))) AS act, "
	"SUM(IF(role = 'replica', h * COALESCE(spot_price, odp), 0)) AS rep, SUM(IF(role <> 'replica', h, 0)) AS h, "
	"SUM(IF(role <> 'replica' AND mode = 'spot', h, 0)) AS sh, "
	"SUM(IF(role <> 'replica' AND mode = 'ondemand', h, 0)) AS oh "
	"FROM (SELECT i.client_id, i.role, i.mode, i.spot_price, COALESCE(i.ondemand_price, it.ondemand_price, 0) AS odp, "
	"GREATEST(TIMESTAMPDIFF(MICROSECOND, GREATEST(i.installed_at, " AT "), LEAST(COALESCE(i.terminated_at, " AT "), "
	AT ")), 0) / 3600000000 AS h FROM instances i LEFT JOIN instance_types it "
	"ON it.instance_type = i.instance_type AND it.region = i.region "
	"WHERE i.installed_at < " AT " AND (i.terminated_at IS NULL OR i.terminated_at > " AT ")) i "
	"GROUP BY client_id) x ON x.client_id = c.id WHERE c.created_at < " AT " "
	"ON DUPLICATE KEY UPDATE ondemand_cost = VALUES(ondemand_cost), actual_cost = VALUES(actual_cost), "
	"replica_cost = VALUES(replica_cost), savings = VALUES(savings), savings_pct = VALUES(savings_pct), "
	"instance_hours = VALUES(instance_hours), spot_hours = VALUES(spot_hours), "
	"ondemand_hours = VALUES(ondemand_hours), switch_count = VALUES(switch_count), "
	"interruption_count = VALUES(interruption_count)",
};
enum { SQL_DAYS, SQL_FIRST_CLIENT, SQL_DAILY, SQL_DAILY_READ, SQL_SAVINGS };

int db_snapshots_days(struct db *db, struct arena *a, int64_t from_ms, int64_t to_ms, int64_t **out, size_t *n)
{
	struct db_param p[] = { DBP_INT(from_ms), DBP_INT(to_ms) };
	struct db_rows r;

	if (db_query(db, a, db_snapshots_sql[SQL_DAYS], p, 2, &r) < 0)
		return -1;
	*out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
	for (size_t i = 0; i < r.nrows; i++)
		(*out)[i] = strtoll(db_rows_cell(&r, i, 0), NULL, 10);
	*n = r.nrows;
	return 0;
}

int db_snapshots_first_client(struct db *db, struct arena *a, int64_t *ms, int *found)
{
	struct db_rows r;
	*found = 0;
	if (db_query(db, a, db_snapshots_sql[SQL_FIRST_CLIENT], NULL, 0, &r) < 0)
		return -1;
	if (r.nrows && db_rows_cell(&r, 0, 0)) {
		*ms = strtoll(db_rows_cell(&r, 0, 0), NULL, 10);
		*found = 1;
	}
	return 0;
}

int db_snapshots_day(struct db *db, struct arena *a, int64_t day_ms, int64_t now_ms, long long *clients,
		     long long *total_clients, long long *total_agents, long long *total_instances)
{
	int64_t d = day_ms, e = day_ms + 86400 * 1000LL;
	struct db_param daily[] = { DBP_INT(d), DBP_INT(e), DBP_INT(e), DBP_INT(e), DBP_INT(d),
				    DBP_INT(e), DBP_INT(e), DBP_INT(d), DBP_INT(e), DBP_INT(d) };
	struct db_param one[] = { DBP_INT(d) };
	struct db_param sav[] = { DBP_INT(d), DBP_INT(d), DBP_INT(e), DBP_INT(d), DBP_INT(e), DBP_INT(d),
				  DBP_INT(now_ms), DBP_INT(e), DBP_INT(e), DBP_INT(d), DBP_INT(e) };
	struct db_rows r;

	if (db_query(db, a, db_snapshots_sql[SQL_DAILY], daily, 10, NULL) < 0)
		return -1;
	if (db_query(db, a, db_snapshots_sql[SQL_DAILY_READ], one, 1, &r) < 0)
		return -1;
	if (r.nrows) {
		*total_clients = strtoll(db_rows_cell(&r, 0, 0), NULL, 10);
		*total_agents = strtoll(db_rows_cell(&r, 0, 1), NULL, 10);
		*total_instances = strtoll(db_rows_cell(&r, 0, 2), NULL, 10);
	}
	if (db_query(db, a, db_snapshots_sql[SQL_SAVINGS], sav, 11, NULL) < 0)
		return -1;
	*clients = *total_clients; /* one savings row per client existing that day */
	return 0;
}
