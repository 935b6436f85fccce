/* db_pages.c - the dashboard's read statements (see db_pages.h). */
#include "core/db_pages.h"

#include "common/arena.h"

#include <stdlib.h>
#include <string.h>

#define SCOPE(col) "(? IS NULL OR " col " = ?)"

static const char *const db_pages_sql[] = {
	"SELECT COUNT(*), COALESCE(SUM(savings), 0), COALESCE(SUM(ondemand_cost), 0), COALESCE(SUM(actual_cost), 0) "
	"FROM savings_snapshots WHERE " SCOPE("client_id") " AND snapshot_date >= DATE_FORMAT(UTC_DATE(), '%Y-%m-01')",
	"SELECT current_mode, COUNT(*) FROM agents WHERE " SCOPE("client_id") " GROUP BY current_mode",
	"SELECT status, COUNT(*) FROM agents WHERE " SCOPE("client_id") " GROUP BY status",
	"SELECT id, logical_agent_id, notice_status, " DB_RFC3339("notice_deadline") ", "
	"FLOOR(UNIX_TIMESTAMP(notice_deadline)) FROM agents WHERE " SCOPE("client_id") " AND notice_status <> 'none' "
	"ORDER BY notice_deadline IS NULL, notice_deadline LIMIT 100",
	"SELECT s.id, s.agent_id, a.logical_agent_id, s.old_mode, s.old_pool_id, s.new_mode, s.new_pool_id, "
	"s.savings_impact, s.downtime_seconds, s.status, " DB_RFC3339("COALESCE(s.initiated_at, s.created_at)") ", "
	"FLOOR(UNIX_TIMESTAMP(COALESCE(s.initiated_at, s.created_at))) FROM switches s "
	"LEFT JOIN agents a ON a.id = s.agent_id WHERE " SCOPE("s.client_id") " AND " SCOPE("s.agent_id")
	" ORDER BY s.created_at DESC LIMIT ?",
	"SELECT a.id, a.logical_agent_id, a.hostname, a.status, a.current_mode, a.current_pool_id, a.instance_type, "
	DB_RFC3339("a.last_heartbeat_at") ", FLOOR(UNIX_TIMESTAMP(a.last_heartbeat_at)), c.name, a.notice_status "
	"FROM agents a JOIN clients c ON c.id = a.client_id WHERE " SCOPE("a.client_id")
	" ORDER BY c.name, a.logical_agent_id LIMIT 1000",
	"SELECT a.id, a.client_id, c.name, a.logical_agent_id, a.hostname, a.status, a.current_mode, a.current_pool_id, "
	"a.instance_id, a.instance_type, a.region, a.az, " DB_RFC3339("a.last_heartbeat_at") ", "
	"FLOOR(UNIX_TIMESTAMP(a.last_heartbeat_at)), a.auto_switch_enabled, a.auto_terminate_enabled, "
	"a.manual_replica_enabled, a.terminate_wait_seconds, a.config_version, a.version, a.notice_status, "
	DB_RFC3339("a.notice_deadline") ", a.agent_version, "
	"(SELECT i.spot_price FROM instances i WHERE i.agent_id = a.id AND i.role = 'primary' LIMIT 1), "
	"(SELECT i.ondemand_price FROM instances i WHERE i.agent_id = a.id AND i.role = 'primary' LIMIT 1), "
	"(SELECT s.price FROM spot_price_snapshots s WHERE s.pool_id = a.current_pool_id ORDER BY s.observed_at DESC "
	"LIMIT 1), (SELECT " DB_RFC3339("s.observed_at") " FROM spot_price_snapshots s WHERE s.pool_id = a.current_pool_id "
	"ORDER BY s.observed_at DESC LIMIT 1) FROM agents a JOIN clients c ON c.id = a.client_id "
	"WHERE a.id = ? AND " SCOPE("a.client_id"),
	"SELECT FLOOR(UNIX_TIMESTAMP(bucket_start) / 3600) * 3600 AS h, AVG(price) FROM pricing_consolidated "
	"WHERE pool_id = ? AND bucket_start >= UTC_TIMESTAMP(3) - INTERVAL ? DAY GROUP BY h ORDER BY h",
	"SELECT FLOOR(UNIX_TIMESTAMP(observed_at) / 3600) * 3600 AS h, AVG(price) FROM spot_price_snapshots "
	"WHERE pool_id = ? AND observed_at >= UTC_TIMESTAMP(3) - INTERVAL ? DAY GROUP BY h ORDER BY h",
	"SELECT s.id, s.agent_id, a.logical_agent_id, s.old_mode, s.old_pool_id, s.new_mode, s.new_pool_id, "
	"s.savings_impact, s.downtime_seconds, s.status, " DB_RFC3339("COALESCE(s.initiated_at, s.created_at)") ", "
	"FLOOR(UNIX_TIMESTAMP(COALESCE(s.initiated_at, s.created_at))) FROM switches s "
	"LEFT JOIN agents a ON a.id = s.agent_id WHERE " SCOPE("s.client_id")
	" AND COALESCE(s.initiated_at, s.created_at) >= UTC_TIMESTAMP(3) - INTERVAL ? DAY "
	"ORDER BY COALESCE(s.initiated_at, s.created_at) DESC LIMIT ?",
	"SELECT DATE_FORMAT(snapshot_date, '%Y-%m-%d'), FLOOR(UNIX_TIMESTAMP(snapshot_date)), SUM(ondemand_cost), "
	"SUM(actual_cost), SUM(savings) FROM savings_snapshots WHERE " SCOPE("client_id")
	" AND snapshot_date > UTC_DATE() - INTERVAL ? DAY GROUP BY snapshot_date ORDER BY snapshot_date",
	"SELECT e.id, e.agent_id, a.logical_agent_id, e.instance_id, e.signal_type, e.response_action, e.outcome, "
	"e.failover_seconds, " DB_RFC3339("e.detected_at") ", FLOOR(UNIX_TIMESTAMP(e.detected_at)), "
	DB_RFC3339("e.resolved_at") " FROM spot_interruption_events e LEFT JOIN agents a ON a.id = e.agent_id "
	"WHERE " SCOPE("e.client_id") " ORDER BY e.detected_at DESC LIMIT ?",
	"SELECT i.id, i.agent_id, a.logical_agent_id, i.role, i.instance_type, i.az, i.mode, i.pool_id, i.spot_price, "
	"i.ondemand_price, " DB_RFC3339("i.last_heartbeat_at") ", FLOOR(UNIX_TIMESTAMP(i.last_heartbeat_at)), "
	DB_RFC3339("i.terminated_at") " FROM instances i JOIN agents a ON a.id = i.agent_id WHERE " SCOPE("i.client_id")
	" AND (? = 'all' OR (? = 'terminated') = (i.role = 'terminated')) ORDER BY i.role = 'terminated', "
	"a.logical_agent_id, i.role, i.id LIMIT 1000",
	"SELECT n.id, n.agent_id, a.logical_agent_id, n.type, n.severity, n.title, n.message, n.is_read, "
	DB_RFC3339("n.created_at") ", FLOOR(UNIX_TIMESTAMP(n.created_at)) FROM notifications n "
	"LEFT JOIN agents a ON a.id = n.agent_id WHERE " SCOPE("n.client_id")
	" ORDER BY n.is_read, n.created_at DESC LIMIT 200",
	"UPDATE notifications SET is_read = TRUE, read_at = UTC_TIMESTAMP(3) WHERE id = ? AND " SCOPE("client_id"),
	"SELECT COUNT(*) FROM notifications WHERE id = ? AND " SCOPE("client_id"),
	"SELECT e.id, e.client_id, c.name, e.agent_id, a.logical_agent_id, e.actor_type, e.actor_id, e.action, "
	"e.severity, e.subject_type, e.subject_id, e.message, e.trace_id, " DB_RFC3339("e.created_at") ", "
	"FLOOR(UNIX_TIMESTAMP(e.created_at)) FROM system_events e LEFT JOIN clients c ON c.id = e.client_id "
	"LEFT JOIN agents a ON a.id = e.agent_id WHERE " SCOPE("e.client_id") " AND " SCOPE("e.agent_id")
	" AND (? IS NULL OR e.actor_type = ? OR e.actor_id = ?) AND e.created_at >= UTC_TIMESTAMP(3) - INTERVAL ? HOUR "
	"ORDER BY e.created_at DESC LIMIT ?",
	"SELECT id, instance_type, az FROM spot_pools WHERE region = ? AND is_active AND id <> ? "
	"ORDER BY instance_type <> ?, instance_type, az, id LIMIT 100",
	"SELECT id, instance_id, replica_type, status, pool_id, state_transfer_progress, error, "
	DB_RFC3339("created_at") ", FLOOR(UNIX_TIMESTAMP(created_at)) FROM replica_instances WHERE agent_id = ? AND "
	SCOPE("client_id") " ORDER BY status IN ('launching', 'syncing', 'ready') DESC, created_at DESC, id LIMIT ?",
	"SELECT " DB_RFC3339("d.decided_at") ", FLOOR(UNIX_TIMESTAMP(d.decided_at)), d.decision_mode, d.decision, "
	"d.current_pool_id, d.target_mode, d.target_pool_id, d.expected_savings, d.risk_score, d.confidence, d.reason, "
	"d.executed, d.suppressed_reason, COALESCE(CONCAT(m.name, ' ', m.model_version), 'rules-v1'), d.current_price, "
	"d.target_price, d.ondemand_price, d.current_mode FROM ml_decisions d "
	"LEFT JOIN ml_models m ON m.id = d.model_id WHERE d.agent_id = ? AND " SCOPE("d.client_id")
	" ORDER BY d.decided_at DESC, d.id DESC LIMIT ?", /* backwards on idx_ml_decisions_agent_time: no sort */
	/*
	 * Up to four pools' prices at every hour start of the last days: one point lookup per pool and hour
	 * in the covering index of migration 0014 (pool_id, bucket_start, price), instead of reading and
	 * grouping every 5-minute row (2,016 per pool and week). Unused pool slots are NULL.
	 */
	"WITH RECURSIVE hrs (h) AS (SELECT FROM_UNIXTIME(FLOOR(UNIX_TIMESTAMP(UTC_TIMESTAMP()) / 3600) * 3600 - ? * 86400) "
	"UNION ALL SELECT h + INTERVAL 1 HOUR FROM hrs WHERE h < UTC_TIMESTAMP() - INTERVAL 1 HOUR), "
	"pl (k, p) AS (SELECT 0, ? UNION ALL SELECT 1, ? UNION ALL SELECT 2, ? UNION ALL SELECT 3, ?) "
	"SELECT pl.k, UNIX_TIMESTAMP(c.bucket_start), c.price FROM pl STRAIGHT_JOIN hrs "
	"STRAIGHT_JOIN pricing_consolidated c FORCE INDEX (idx_pricing_consolidated_pool_price) "
	"ON c.pool_id = pl.p AND c.bucket_start = hrs.h",
};
enum { SQL_SAVINGS, SQL_MODES, SQL_STATUS, SQL_EMERGENCIES, SQL_SWITCHES, SQL_AGENTS, SQL_AGENT, SQL_HISTORY_CONS,
       SQL_HISTORY_SNAP, SQL_SWITCHES_SINCE, SQL_SAVINGS_DAILY, SQL_INTERRUPTIONS,
       SQL_INSTANCES, SQL_NOTIFICATIONS, SQL_NOTIFICATION_READ, SQL_NOTIFICATION_MINE, SQL_AUDIT, SQL_POOLS,
       SQL_AGENT_REPLICAS, SQL_DECISIONS, SQL_HOURLY4, SQL_COUNT };
_Static_assert(sizeof(db_pages_sql) / sizeof(db_pages_sql[0]) == SQL_COUNT, "one statement per enum value");

static int db_pages_scoped(struct db *db, struct arena *a, int which, const char *client_id, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(client_id) };
	return db_query(db, a, db_pages_sql[which], p, 2, out);
}

int db_pages_savings_month(struct db *db, struct arena *a, const char *client_id, struct db_rows *out)
{
	return db_pages_scoped(db, a, SQL_SAVINGS, client_id, out);
}

int db_pages_fleet_modes(struct db *db, struct arena *a, const char *client_id, struct db_rows *out)
{
	return db_pages_scoped(db, a, SQL_MODES, client_id, out);
}

int db_pages_fleet_status(struct db *db, struct arena *a, const char *client_id, struct db_rows *out)
{
	return db_pages_scoped(db, a, SQL_STATUS, client_id, out);
}

int db_pages_emergencies(struct db *db, struct arena *a, const char *client_id, struct db_rows *out)
{
	return db_pages_scoped(db, a, SQL_EMERGENCIES, client_id, out);
}

int db_pages_switches(struct db *db, struct arena *a, const char *client_id, const char *agent_id, long limit,
		      struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(client_id), DBP_STR(agent_id), DBP_STR(agent_id),
				DBP_INT(limit) };
	return db_query(db, a, db_pages_sql[SQL_SWITCHES], p, 5, out);
}

int db_pages_agents(struct db *db, struct arena *a, const char *client_id, struct db_rows *out)
{
	return db_pages_scoped(db, a, SQL_AGENTS, client_id, out);
}

int db_pages_agent(struct db *db, struct arena *a, const char *client_id, const char *agent_id, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_STR(client_id), DBP_STR(client_id) };
	return db_query(db, a, db_pages_sql[SQL_AGENT], p, 3, out);
}

int db_pages_pool_history(struct db *db, struct arena *a, const char *pool_id, long days, struct db_rows *out,
			  const char **source)
{
	struct db_param p[] = { DBP_STR(pool_id), DBP_INT(days) };
	if (db_query(db, a, db_pages_sql[SQL_HISTORY_CONS], p, 2, out) < 0)
		return -1;
	*source = "pricing_consolidated";
	if (out->nrows)
		return 0;
	*source = "spot_price_snapshots";
	return db_query(db, a, db_pages_sql[SQL_HISTORY_SNAP], p, 2, out);
}

int db_pages_switches_since(struct db *db, struct arena *a, const char *client_id, long days, long limit,
			    struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(client_id), DBP_INT(days), DBP_INT(limit) };
	return db_query(db, a, db_pages_sql[SQL_SWITCHES_SINCE], p, 4, out);
}

int db_pages_savings_daily(struct db *db, struct arena *a, const char *client_id, long days, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(client_id), DBP_INT(days) };
	return db_query(db, a, db_pages_sql[SQL_SAVINGS_DAILY], p, 3, out);
}

int db_pages_interruptions(struct db *db, struct arena *a, const char *client_id, long limit, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(client_id), DBP_INT(limit) };
	return db_query(db, a, db_pages_sql[SQL_INTERRUPTIONS], p, 3, out);
}

int db_pages_instances(struct db *db, struct arena *a, const char *client_id, const char *which, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(client_id), DBP_STR(which), DBP_STR(which) };
	return db_query(db, a, db_pages_sql[SQL_INSTANCES], p, 4, out);
}

int db_pages_notifications(struct db *db, struct arena *a, const char *client_id, struct db_rows *out)
{
	return db_pages_scoped(db, a, SQL_NOTIFICATIONS, client_id, out);
}

int db_pages_notification_read(struct db *db, struct arena *a, const char *client_id, const char *id, int *found)
{
	struct db_param p[] = { DBP_STR(id), DBP_STR(client_id), DBP_STR(client_id) };
	struct db_rows r;
	if (db_query(db, a, db_pages_sql[SQL_NOTIFICATION_MINE], p, 3, &r) < 0)
		return -1;
	*found = r.nrows && strcmp(db_rows_cell(&r, 0, 0), "0");
	if (!*found)
		return 0;
	return db_query(db, NULL, db_pages_sql[SQL_NOTIFICATION_READ], p, 3, NULL);
}

int db_pages_audit(struct db *db, struct arena *a, const struct db_pages_audit_filter *f, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(f->client_id), DBP_STR(f->client_id), DBP_STR(f->agent_id), DBP_STR(f->agent_id),
				DBP_STR(f->actor), DBP_STR(f->actor), DBP_STR(f->actor), DBP_INT(f->hours),
				DBP_INT(f->limit) };
	return db_query(db, a, db_pages_sql[SQL_AUDIT], p, 9, out);
}

int db_pages_pools(struct db *db, struct arena *a, const char *region, const char *type, const char *exclude,
		   struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(region), DBP_STR(exclude ? exclude : ""), DBP_STR(type ? type : "") };
	return db_query(db, a, db_pages_sql[SQL_POOLS], p, 3, out);
}

int db_pages_agent_replicas(struct db *db, struct arena *a, const char *client_id, const char *agent_id, long limit,
			    struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_STR(client_id), DBP_STR(client_id), DBP_INT(limit) };
	return db_query(db, a, db_pages_sql[SQL_AGENT_REPLICAS], p, 4, out);
}

int db_pages_decisions(struct db *db, struct arena *a, const char *client_id, const char *agent_id, long limit,
		       struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_STR(client_id), DBP_STR(client_id), DBP_INT(limit) };
	return db_query(db, a, db_pages_sql[SQL_DECISIONS], p, 4, out);
}

struct db_pages_key {
	long long k, t;
	size_t row;
};

static int db_pages_key_cmp(const void *x, const void *y)
{
	const struct db_pages_key *a = x, *b = y;
	if (a->k != b->k)
		return a->k < b->k ? -1 : 1;
	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return 0;
}

int db_pages_pools_hourly(struct db *db, struct arena *a, const char *const *pool_ids, size_t n, long days,
			  struct db_rows *out)
{
	struct db_param p[5];
	struct db_pages_key *keys;
	char **cells;
	unsigned long *lens;
	p[0] = DBP_INT(days);
	for (size_t k = 0; k < DB_PAGES_HOURLY_POOLS; k++)
		p[1 + k] = DBP_STR(k < n ? pool_ids[k] : NULL);
	if (db_query(db, a, db_pages_sql[SQL_HOURLY4], p, 5, out) < 0)
		return -1;
	if (out->nrows < 2)
		return 0;
	/* Sorted here rather than by ORDER BY: the server's temporary table and filesort cost more (~0.2 ms). */
	keys = arena_calloc(a, out->nrows, sizeof(*keys));
	cells = arena_calloc(a, out->nrows * out->ncols, sizeof(*cells));
	lens = arena_calloc(a, out->nrows * out->ncols, sizeof(*lens));
	for (size_t i = 0; i < out->nrows; i++)
		keys[i] = (struct db_pages_key){ strtoll(db_rows_cell(out, i, 0), NULL, 10),
						 strtoll(db_rows_cell(out, i, 1), NULL, 10), i };
	qsort(keys, out->nrows, sizeof(*keys), db_pages_key_cmp);
	for (size_t i = 0; i < out->nrows; i++) {
		memcpy(cells + i * out->ncols, out->cells + keys[i].row * out->ncols, out->ncols * sizeof(*cells));
		memcpy(lens + i * out->ncols, out->lens + keys[i].row * out->ncols, out->ncols * sizeof(*lens));
	}
	out->cells = cells;
	out->lens = lens;
	return 0;
}
