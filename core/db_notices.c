/* db_notices.c - interruption events, notice state, pool flags, emergency status and cleanup logs. */
#include "core/db_notices.h"
#include "core/db.h"
#include "common/timeutil.h"
#include "common/uuid.h"

#include <stdlib.h>
#include <string.h>

static const char *const db_notices_sql[] = {
	"SELECT id, role, pool_id FROM instances WHERE id = ? AND agent_id = ? FOR UPDATE",
	"INSERT INTO spot_interruption_events (id, client_id, agent_id, instance_id, pool_id, instance_type, region, "
	"az, signal_type, notice_time, action_time, notice_action, detected_at, updated_at) "
	"SELECT ?, ?, ?, ?, ?, p.instance_type, p.region, p.az, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) "
	"FROM (SELECT 1) one LEFT JOIN spot_pools p ON p.id = ? "
	"ON DUPLICATE KEY UPDATE spot_interruption_events.notice_time = VALUES(notice_time), "
	"spot_interruption_events.action_time = COALESCE(VALUES(action_time), spot_interruption_events.action_time), "
	"spot_interruption_events.notice_action = COALESCE(VALUES(notice_action), "
	"spot_interruption_events.notice_action), spot_interruption_events.version = spot_interruption_events.version + 1",
	"SELECT id, response_action, replica_id, command_id, risk_score FROM spot_interruption_events "
	"WHERE instance_id = ? AND signal_type = ? FOR UPDATE",
	"UPDATE spot_interruption_events SET risk_score = COALESCE(?, risk_score), response_action = ?, "
	"replica_id = COALESCE(?, replica_id), command_id = COALESCE(?, command_id), version = version + 1 "
	"WHERE id = ?",
	"UPDATE agents SET notice_status = CASE WHEN notice_status = 'termination' THEN notice_status "
	"ELSE 'rebalance' END, notice_received_at = UTC_TIMESTAMP(3), version = version + 1 WHERE id = ?",
	"UPDATE agents SET notice_status = 'termination', notice_received_at = UTC_TIMESTAMP(3), "
	"notice_deadline = ?, version = version + 1 WHERE id = ?",
	"UPDATE spot_pools SET flagged_until = GREATEST(COALESCE(flagged_until, UTC_TIMESTAMP(3)), "
	"UTC_TIMESTAMP(3) + INTERVAL ? MINUTE), last_interruption_at = UTC_TIMESTAMP(3), version = version + 1 "
	"WHERE id = ?",
	"SELECT id, instance_id, signal_type, " DB_RFC3339("notice_time") ", " DB_RFC3339("action_time") ", "
	"notice_action, risk_score, response_action, replica_id, command_id, " DB_RFC3339("detected_at") " "
	"FROM spot_interruption_events WHERE agent_id = ? AND resolved_at IS NULL "
	"ORDER BY detected_at DESC, id LIMIT 50",
	"SELECT id, instance_id, replica_type, status, pool_id, state_transfer_progress, " DB_RFC3339("created_at")
	", " DB_RFC3339("ready_at") ", command_id FROM replica_instances WHERE agent_id = ? "
	"AND status IN ('launching', 'syncing', 'ready') ORDER BY created_at, id LIMIT 50",
	"SELECT id, type, status, priority, payload, " DB_RFC3339("created_at") ", " DB_RFC3339("expires_at") " "
	"FROM commands WHERE agent_id = ? AND type IN ('emergency_launch', 'launch_replica', 'promote') "
	"AND status IN ('pending', 'acked', 'running') AND expires_at > UTC_TIMESTAMP(3) "
	"ORDER BY priority DESC, created_at, id LIMIT 50",
	"SELECT notice_status, " DB_RFC3339("notice_deadline") ", " DB_RFC3339("notice_received_at") " "
	"FROM agents WHERE id = ?",
	"INSERT INTO cleanup_logs (id, client_id, agent_id, source, amis_deregistered, snapshots_deleted, details, "
	"errors, created_at) VALUES (?, ?, ?, 'agent', ?, ?, ?, ?, UTC_TIMESTAMP(3))",
};
enum {
	SQL_INSTANCE_LOCK, SQL_EVENT_UPSERT, SQL_EVENT_GET, SQL_EVENT_RESPOND, SQL_AGENT_REBALANCE,
	SQL_AGENT_TERMINATION, SQL_POOL_FLAG, SQL_OPEN_EVENTS, SQL_LIVE_REPLICAS, SQL_COMMANDS, SQL_AGENT_STATE,
	SQL_CLEANUP,
};

/* "YYYY-MM-DD HH:MM:SS.mmm" for a DATETIME(3) parameter; buf needs 25 bytes. */
static const char *db_notices_datetime(int64_t ms, char *buf, size_t size)
{
	if (time_format_rfc3339_ms(ms, buf, size) < 0)
		return NULL;
	buf[10] = ' ';
	buf[strlen(buf) - 1] = '\0'; /* the trailing Z: the session time zone is UTC */
	return buf;
}

int db_notices_instance_lock(struct db *db, struct arena *a, const char *instance_id, const char *agent_id,
			     struct notice_instance *out)
{
	struct db_param p[] = { DBP_STR(instance_id), DBP_STR(agent_id) };
	struct db_rows r;
	if (db_query(db, a, db_notices_sql[SQL_INSTANCE_LOCK], p, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->id = db_rows_cell(&r, 0, 0);
	out->role = db_rows_cell(&r, 0, 1);
	out->pool_id = db_rows_cell(&r, 0, 2);
	return 1;
}

int db_notices_event_upsert(struct db *db, const char *client_id, const char *agent_id, const char *instance_id,
			    const char *pool_id, const char *signal, int64_t notice_ms, int64_t action_ms,
			    const char *notice_action)
{
	char id[UUID_STR_LEN + 1], nt[32], at[32];
	uuid_v4(id);
	struct db_param p[] = {
		DBP_STR(id),
		DBP_STR(client_id),
		DBP_STR(agent_id),
		DBP_STR(instance_id),
		DBP_STR(pool_id),
		DBP_STR(signal),
		DBP_STR(db_notices_datetime(notice_ms, nt, sizeof(nt))),
		action_ms ? DBP_STR(db_notices_datetime(action_ms, at, sizeof(at))) : DBP_NULL,
		DBP_STR(notice_action),
		DBP_STR(pool_id),
	};
	return db_query(db, NULL, db_notices_sql[SQL_EVENT_UPSERT], p, 10, NULL);
}

int db_notices_event_get_lock(struct db *db, struct arena *a, const char *instance_id, const char *signal,
			      struct notice_event *out)
{
	struct db_param p[] = { DBP_STR(instance_id), DBP_STR(signal) };
	struct db_rows r;
	if (db_query(db, a, db_notices_sql[SQL_EVENT_GET], p, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->id = db_rows_cell(&r, 0, 0);
	out->response_action = db_rows_cell(&r, 0, 1);
	out->replica_id = db_rows_cell(&r, 0, 2);
	out->command_id = db_rows_cell(&r, 0, 3);
	out->risk = db_rows_cell(&r, 0, 4) ? strtod(db_rows_cell(&r, 0, 4), NULL) : -1.0;
	return 1;
}

int db_notices_event_respond(struct db *db, const char *event_id, double risk, const char *action,
			     const char *replica_id, const char *command_id)
{
	struct db_param p[] = { risk >= 0 ? DBP_DOUBLE(risk) : DBP_NULL, DBP_STR(action), DBP_STR(replica_id),
				DBP_STR(command_id), DBP_STR(event_id) };
	return db_query(db, NULL, db_notices_sql[SQL_EVENT_RESPOND], p, 5, NULL);
}

int db_notices_agent_rebalance(struct db *db, const char *agent_id)
{
	struct db_param p[] = { DBP_STR(agent_id) };
	return db_query(db, NULL, db_notices_sql[SQL_AGENT_REBALANCE], p, 1, NULL);
}

int db_notices_agent_termination(struct db *db, const char *agent_id, int64_t deadline_ms)
{
	char dt[32];
	struct db_param p[] = { DBP_STR(db_notices_datetime(deadline_ms, dt, sizeof(dt))), DBP_STR(agent_id) };
	return db_query(db, NULL, db_notices_sql[SQL_AGENT_TERMINATION], p, 2, NULL);
}

int db_notices_pool_flag(struct db *db, const char *pool_id, int minutes)
{
	struct db_param p[] = { DBP_INT(minutes), DBP_STR(pool_id) };
	return db_query(db, NULL, db_notices_sql[SQL_POOL_FLAG], p, 2, NULL);
}

static int db_notices_list(struct db *db, struct arena *a, int sql, const char *agent_id, struct db_rows *out)
{
	struct db_param p[] = { DBP_STR(agent_id) };
	return db_query(db, a, db_notices_sql[sql], p, 1, out);
}

int db_notices_open_events(struct db *db, struct arena *a, const char *agent_id, struct db_rows *out)
{
	return db_notices_list(db, a, SQL_OPEN_EVENTS, agent_id, out);
}

int db_notices_live_replicas(struct db *db, struct arena *a, const char *agent_id, struct db_rows *out)
{
	return db_notices_list(db, a, SQL_LIVE_REPLICAS, agent_id, out);
}

int db_notices_emergency_commands(struct db *db, struct arena *a, const char *agent_id, struct db_rows *out)
{
	return db_notices_list(db, a, SQL_COMMANDS, agent_id, out);
}

int db_notices_agent_state(struct db *db, struct arena *a, const char *agent_id, struct db_rows *out)
{
	if (db_notices_list(db, a, SQL_AGENT_STATE, agent_id, out) < 0)
		return -1;
	return out->nrows ? 1 : 0;
}

int db_notices_cleanup_insert(struct db *db, const char *id, const char *client_id, const char *agent_id,
			      long long amis, long long snapshots, const char *details, const char *errors)
{
	struct db_param p[] = { DBP_STR(id),	  DBP_STR(client_id), DBP_STR(agent_id), DBP_INT(amis),
				DBP_INT(snapshots), DBP_STR(details), DBP_STR(errors) };
	return db_query(db, NULL, db_notices_sql[SQL_CLEANUP], p, 7, NULL);
}
