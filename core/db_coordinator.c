/* db_coordinator.c - the replica coordinator's statements (see db_coordinator.h). */
#include "core/db_coordinator.h"
#include "core/db.h"
#include "common/arena.h"
#include "common/timeutil.h"

#include <stdlib.h>
#include <string.h>

#define COORD_LIVE "('launching', 'syncing', 'ready')"
/* A replica's end of life, for its cost: promoted, terminated, or failed (its last update). */
#define COORD_ENDED "COALESCE(r.promoted_at, r.terminated_at, CASE WHEN r.status = 'failed' THEN r.updated_at END)"
#define COORD_MS(col) "ROUND(UNIX_TIMESTAMP(" col ") * 1000)"
/* The hours before now's hour that the cost log looks back over (the caller's `hours` picks how many). */
#define COORD_HOURS                                                                                                 \
	"(SELECT 1 n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 " \
	"UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10 UNION ALL SELECT 11 "           \
	"UNION ALL SELECT 12 UNION ALL SELECT 13 UNION ALL SELECT 14 UNION ALL SELECT 15 UNION ALL SELECT 16 "        \
	"UNION ALL SELECT 17 UNION ALL SELECT 18 UNION ALL SELECT 19 UNION ALL SELECT 20 UNION ALL SELECT 21 "        \
	"UNION ALL SELECT 22 UNION ALL SELECT 23 UNION ALL SELECT 24)"

static const char *const db_coordinator_sql[] = {
	"SELECT x.agent_id FROM ("
	" SELECT a.id AS agent_id FROM agents a WHERE a.manual_replica_enabled AND a.enabled AND a.instance_id IS NOT NULL"
	" AND NOT EXISTS (SELECT 1 FROM replica_instances r WHERE r.agent_id = a.id AND r.status IN " COORD_LIVE
	" AND (a.last_switch_at IS NULL OR r.created_at >= a.last_switch_at))"
	" UNION SELECT r.agent_id FROM replica_instances r JOIN agents a ON a.id = r.agent_id"
	" JOIN commands c ON c.id = r.command_id WHERE r.replica_type = 'manual' AND r.status IN " COORD_LIVE
	" AND NOT a.manual_replica_enabled AND c.reason IN ('manual_mode', 'rebalance')"
	" UNION SELECT r.agent_id FROM replica_instances r WHERE (r.status = 'launching' AND r.created_at < ?)"
	" OR (r.status = 'syncing' AND r.updated_at < ?)"
	" UNION SELECT e.agent_id FROM spot_interruption_events e WHERE e.resolved_at IS NULL"
	") x ORDER BY x.agent_id LIMIT ?",

	"SELECT id, client_id, instance_id, instance_type, region, az, current_pool_id, notice_status, "
	DB_RFC3339("notice_deadline") ", manual_replica_enabled, version, auto_switch_enabled, enabled, "
	DB_RFC3339("last_switch_at") ", " COORD_MS("last_switch_at") " FROM agents WHERE id = ? FOR UPDATE",

	"SELECT e.id, e.instance_id, e.signal_type, e.pool_id, e.response_action, e.replica_id, e.command_id, i.role, "
	"c.status, " COORD_MS("e.detected_at") ", "
	COORD_MS("CASE WHEN e.signal_type = 'termination-notice' THEN COALESCE(e.action_time, e.detected_at + "
		 "INTERVAL 120 SECOND) ELSE e.detected_at + INTERVAL ? SECOND END") ", "
	"CASE WHEN r.promoted_at IS NOT NULL THEN TIMESTAMPDIFF(MICROSECOND, e.detected_at, r.promoted_at) / 1000000 END, "
	"CASE WHEN c.finished_at IS NOT NULL THEN TIMESTAMPDIFF(MICROSECOND, e.detected_at, c.finished_at) / 1000000 END, "
	"e.version FROM spot_interruption_events e LEFT JOIN instances i ON i.id = e.instance_id "
	"LEFT JOIN replica_instances r ON r.id = e.replica_id LEFT JOIN commands c ON c.id = e.command_id "
	"WHERE e.agent_id = ? AND e.resolved_at IS NULL ORDER BY e.detected_at, e.id LIMIT ? FOR UPDATE",

	"UPDATE spot_interruption_events SET resolved_at = ?, outcome = ?, failover_seconds = ?, version = version + 1 "
	"WHERE id = ? AND version = ? AND resolved_at IS NULL",

	"UPDATE spot_interruption_events SET risk_score = COALESCE(?, risk_score), response_action = ?, "
	"replica_id = COALESCE(?, replica_id), command_id = COALESCE(?, command_id), version = version + 1 "
	"WHERE id = ? AND version = ?",

	"SELECT a.notice_status, CASE WHEN EXISTS (SELECT 1 FROM spot_interruption_events e WHERE e.agent_id = a.id "
	"AND e.resolved_at IS NULL AND e.signal_type = 'termination-notice') THEN 'termination' "
	"WHEN EXISTS (SELECT 1 FROM spot_interruption_events e WHERE e.agent_id = a.id AND e.resolved_at IS NULL "
	"AND e.signal_type = 'rebalance-recommendation') THEN 'rebalance' ELSE 'none' END FROM agents a WHERE a.id = ?",

	"UPDATE agents SET notice_deadline = CASE WHEN ? = 'termination' THEN notice_deadline ELSE NULL END, "
	"notice_status = ?, version = version + 1 WHERE id = ?",

	"SELECT r.id, r.agent_id, r.client_id, r.instance_id, r.command_id, r.replica_type, r.status, r.pool_id, "
	"r.instance_type, r.az, a.region, r.error, " DB_RFC3339("r.created_at") ", " DB_RFC3339("r.ready_at") ", "
	"r.state_transfer_progress, r.version, "
	"(r.status = 'launching' AND r.created_at < ?) OR (r.status = 'syncing' AND r.updated_at < ?), "
	"r.replica_type = 'manual' AND COALESCE(c.reason IN ('manual_mode', 'rebalance'), FALSE), "
	COORD_MS("r.created_at") " FROM replica_instances r JOIN agents a ON a.id = r.agent_id "
	"LEFT JOIN commands c ON c.id = r.command_id WHERE r.agent_id = ? AND r.status IN " COORD_LIVE " "
	"ORDER BY r.created_at, r.id LIMIT ? FOR UPDATE",

	"UPDATE replica_instances SET status = ?, error = COALESCE(?, error), "
	"terminated_at = CASE WHEN ? = 'terminated' THEN ? ELSE terminated_at END, "
	"termination_attempted_at = CASE WHEN ? = 'terminated' THEN ? ELSE termination_attempted_at END, "
	"version = version + 1 WHERE id = ? AND version = ? AND status IN " COORD_LIVE,

	/* ON DUPLICATE KEY: a racing writer logged the same replica and hour first; keep its row. */
	"INSERT INTO replica_cost_log (id, client_id, agent_id, replica_id, instance_id, replica_type, pool_id, "
	"hourly_price, period_start, period_end, cost, created_at) "
	"SELECT UUID(), q.client_id, q.agent_id, q.id, q.instance_id, q.replica_type, q.pool_id, q.price, q.ps, q.pe, "
	"ROUND(q.price * TIMESTAMPDIFF(SECOND, GREATEST(q.created_at, q.ps), LEAST(COALESCE(q.ended, q.pe), q.pe)) "
	"/ 3600, 6), UTC_TIMESTAMP(3) FROM ("
	" SELECT r.id, r.client_id, r.agent_id, r.instance_id, r.replica_type, r.pool_id, r.created_at, h.ps, "
	" h.ps + INTERVAL 1 HOUR AS pe, " COORD_ENDED " AS ended, "
	" COALESCE(r.spot_price, i.spot_price, (SELECT s.price FROM spot_price_snapshots s WHERE s.pool_id = r.pool_id "
	" ORDER BY s.observed_at DESC LIMIT 1), (SELECT t.ondemand_price FROM instance_types t JOIN agents ag "
	" ON ag.id = r.agent_id WHERE t.instance_type = r.instance_type AND t.region = ag.region)) AS price "
	" FROM (SELECT CAST(? AS DATETIME(3)) - INTERVAL n HOUR AS ps FROM " COORD_HOURS " hn WHERE n <= ?) h "
	" JOIN replica_instances r ON r.created_at < h.ps + INTERVAL 1 HOUR "
	" LEFT JOIN instances i ON i.id = r.instance_id "
	" WHERE r.instance_id IS NOT NULL AND (r.status IN " COORD_LIVE " OR r.updated_at > h.ps) "
	" AND NOT EXISTS (SELECT 1 FROM replica_cost_log l WHERE l.replica_id = r.id AND l.period_start = h.ps)"
	") q WHERE q.price IS NOT NULL AND (q.ended IS NULL OR q.ended > q.ps) ORDER BY q.ps, q.id LIMIT ? "
	"ON DUPLICATE KEY UPDATE replica_cost_log.id = replica_cost_log.id",
};
enum {
	SQL_CANDIDATES, SQL_AGENT_LOCK, SQL_EVENTS, SQL_EVENT_CLOSE, SQL_EVENT_RESPOND, SQL_NOTICE_GET,
	SQL_NOTICE_SET, SQL_REPLICAS, SQL_REPLICA_END, SQL_COST,
};

/* "YYYY-MM-DD HH:MM:SS.mmm" for a DATETIME(3) parameter (the session time zone is UTC). */
static const char *db_coordinator_datetime(int64_t ms, char *buf, size_t size)
{
	if (time_format_rfc3339_ms(ms, buf, size) < 0)
		return NULL;
	buf[10] = ' ';
	buf[strlen(buf) - 1] = '\0';
	return buf;
}

static int64_t db_coordinator_ms(const char *s)
{
	return s ? strtoll(s, NULL, 10) : 0;
}

static double db_coordinator_num(const char *s, double absent)
{
	return s ? strtod(s, NULL) : absent;
}

int db_coordinator_candidates(struct db *db, struct arena *a, int64_t launching_before_ms, int64_t syncing_before_ms,
			      size_t max, const char ***ids, size_t *n)
{
	char l[32], s[32];
	struct db_param p[] = { DBP_STR(db_coordinator_datetime(launching_before_ms, l, sizeof(l))),
				DBP_STR(db_coordinator_datetime(syncing_before_ms, s, sizeof(s))), DBP_INT((long long)max) };
	struct db_rows r;
	*n = 0;
	if (db_query(db, a, db_coordinator_sql[SQL_CANDIDATES], p, 3, &r) < 0)
		return -1;
	*ids = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**ids));
	for (size_t i = 0; i < r.nrows; i++)
		(*ids)[i] = db_rows_cell(&r, i, 0);
	*n = r.nrows;
	return 0;
}

int db_coordinator_agent_lock(struct db *db, struct arena *a, const char *agent_id, struct coordinator_agent *out)
{
	struct db_param p[] = { DBP_STR(agent_id) };
	struct db_rows r;
	if (db_query(db, a, db_coordinator_sql[SQL_AGENT_LOCK], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	memset(out, 0, sizeof(*out));
	out->ag.id = db_rows_cell(&r, 0, 0);
	out->ag.client_id = db_rows_cell(&r, 0, 1);
	out->ag.instance_id = db_rows_cell(&r, 0, 2);
	out->ag.instance_type = db_rows_cell(&r, 0, 3);
	out->ag.region = db_rows_cell(&r, 0, 4);
	out->ag.az = db_rows_cell(&r, 0, 5);
	out->ag.pool_id = db_rows_cell(&r, 0, 6);
	out->ag.notice_status = db_rows_cell(&r, 0, 7);
	out->ag.notice_deadline = db_rows_cell(&r, 0, 8);
	out->ag.manual_replica = atoi(db_rows_cell(&r, 0, 9)) != 0;
	out->ag.version = strtol(db_rows_cell(&r, 0, 10), NULL, 10);
	out->auto_switch = atoi(db_rows_cell(&r, 0, 11)) != 0;
	out->enabled = atoi(db_rows_cell(&r, 0, 12)) != 0;
	out->last_switch_at = db_rows_cell(&r, 0, 13);
	out->last_switch_ms = db_coordinator_ms(db_rows_cell(&r, 0, 14));
	return 1;
}

int db_coordinator_events_lock(struct db *db, struct arena *a, const char *agent_id, int64_t rebalance_open_s,
			       size_t max, struct coordinator_event **rows, size_t *n)
{
	struct db_param p[] = { DBP_INT(rebalance_open_s), DBP_STR(agent_id), DBP_INT((long long)max) };
	struct db_rows r;
	*n = 0;
	if (db_query(db, a, db_coordinator_sql[SQL_EVENTS], p, 3, &r) < 0)
		return -1;
	*rows = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**rows));
	for (size_t i = 0; i < r.nrows; i++) {
		struct coordinator_event *e = &(*rows)[i];
		e->id = db_rows_cell(&r, i, 0);
		e->instance_id = db_rows_cell(&r, i, 1);
		e->signal_type = db_rows_cell(&r, i, 2);
		e->pool_id = db_rows_cell(&r, i, 3);
		e->response_action = db_rows_cell(&r, i, 4);
		e->replica_id = db_rows_cell(&r, i, 5);
		e->command_id = db_rows_cell(&r, i, 6);
		e->instance_role = db_rows_cell(&r, i, 7);
		e->command_status = db_rows_cell(&r, i, 8);
		e->detected_ms = db_coordinator_ms(db_rows_cell(&r, i, 9));
		e->deadline_ms = db_coordinator_ms(db_rows_cell(&r, i, 10));
		e->promoted_after_s = db_coordinator_num(db_rows_cell(&r, i, 11), -1.0);
		e->command_after_s = db_coordinator_num(db_rows_cell(&r, i, 12), -1.0);
		e->version = strtol(db_rows_cell(&r, i, 13), NULL, 10);
	}
	*n = r.nrows;
	return 0;
}

int db_coordinator_event_close(struct db *db, const char *id, long version, int64_t now_ms, const char *outcome,
			       double failover_s)
{
	char t[32];
	struct db_param p[] = { DBP_STR(db_coordinator_datetime(now_ms, t, sizeof(t))), DBP_STR(outcome),
				failover_s >= 0 ? DBP_DOUBLE(failover_s) : DBP_NULL, DBP_STR(id), DBP_INT(version) };
	struct db_rows r;
	if (db_query(db, NULL, db_coordinator_sql[SQL_EVENT_CLOSE], p, 5, &r) < 0)
		return -1;
	return r.affected > 0;
}

int db_coordinator_event_respond(struct db *db, const char *id, long version, double risk, const char *action,
				 const char *replica_id, const char *command_id)
{
	struct db_param p[] = { risk >= 0 ? DBP_DOUBLE(risk) : DBP_NULL, DBP_STR(action), DBP_STR(replica_id),
				DBP_STR(command_id), DBP_STR(id), DBP_INT(version) };
	struct db_rows r;
	if (db_query(db, NULL, db_coordinator_sql[SQL_EVENT_RESPOND], p, 6, &r) < 0)
		return -1;
	return r.affected > 0;
}

int db_coordinator_notice_refresh(struct db *db, struct arena *a, const char *agent_id, const char **status,
				  int *changed)
{
	struct db_param p[] = { DBP_STR(agent_id) };
	struct db_rows r;
	*changed = 0;
	*status = NULL;
	if (db_query(db, a, db_coordinator_sql[SQL_NOTICE_GET], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	*status = db_rows_cell(&r, 0, 1);
	if (!strcmp(db_rows_cell(&r, 0, 0), *status))
		return 0;
	struct db_param u[] = { DBP_STR(*status), DBP_STR(*status), DBP_STR(agent_id) };
	if (db_query(db, NULL, db_coordinator_sql[SQL_NOTICE_SET], u, 3, NULL) < 0)
		return -1;
	*changed = 1;
	return 0;
}

int db_coordinator_replicas_lock(struct db *db, struct arena *a, const char *agent_id, int64_t launching_before_ms,
				 int64_t syncing_before_ms, size_t max, struct coordinator_replica **rows, size_t *n)
{
	char l[32], s[32];
	struct db_param p[] = { DBP_STR(db_coordinator_datetime(launching_before_ms, l, sizeof(l))),
				DBP_STR(db_coordinator_datetime(syncing_before_ms, s, sizeof(s))), DBP_STR(agent_id),
				DBP_INT((long long)max) };
	struct db_rows r;
	*n = 0;
	if (db_query(db, a, db_coordinator_sql[SQL_REPLICAS], p, 4, &r) < 0)
		return -1;
	*rows = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**rows));
	for (size_t i = 0; i < r.nrows; i++) {
		struct coordinator_replica *c = &(*rows)[i];
		struct replica_row *o = &c->r;
		o->id = db_rows_cell(&r, i, 0);
		o->agent_id = db_rows_cell(&r, i, 1);
		o->client_id = db_rows_cell(&r, i, 2);
		o->instance_id = db_rows_cell(&r, i, 3);
		o->command_id = db_rows_cell(&r, i, 4);
		o->type = db_rows_cell(&r, i, 5);
		o->status = db_rows_cell(&r, i, 6);
		o->pool_id = db_rows_cell(&r, i, 7);
		o->instance_type = db_rows_cell(&r, i, 8);
		o->az = db_rows_cell(&r, i, 9);
		o->region = db_rows_cell(&r, i, 10);
		o->error = db_rows_cell(&r, i, 11);
		o->created_at = db_rows_cell(&r, i, 12);
		o->ready_at = db_rows_cell(&r, i, 13);
		o->progress = db_coordinator_num(db_rows_cell(&r, i, 14), 0.0);
		o->version = strtol(db_rows_cell(&r, i, 15), NULL, 10);
		c->stuck = db_rows_cell(&r, i, 16) && atoi(db_rows_cell(&r, i, 16)) != 0;
		c->mode_owned = db_rows_cell(&r, i, 17) && atoi(db_rows_cell(&r, i, 17)) != 0;
		c->created_ms = db_coordinator_ms(db_rows_cell(&r, i, 18));
	}
	*n = r.nrows;
	return 0;
}

int db_coordinator_replica_end(struct db *db, const char *id, long version, const char *status, const char *error,
			       int64_t now_ms)
{
	char t[32];
	const char *now = db_coordinator_datetime(now_ms, t, sizeof(t));
	struct db_param p[] = { DBP_STR(status), DBP_STR(error), DBP_STR(status), DBP_STR(now),
				DBP_STR(status), DBP_STR(now),	 DBP_STR(id),	  DBP_INT(version) };
	struct db_rows r;
	if (db_query(db, NULL, db_coordinator_sql[SQL_REPLICA_END], p, 8, &r) < 0)
		return -1;
	return r.affected > 0;
}

int db_coordinator_cost_log(struct db *db, int64_t now_ms, int hours, size_t max, long long *added)
{
	char t[32];
	struct db_param p[] = { DBP_STR(db_coordinator_datetime(now_ms - now_ms % 3600000, t, sizeof(t))),
				DBP_INT(hours), DBP_INT((long long)max) };
	struct db_rows r;
	*added = 0;
	if (db_query(db, NULL, db_coordinator_sql[SQL_COST], p, 3, &r) < 0)
		return -1;
	*added = (long long)r.affected;
	return 0;
}
