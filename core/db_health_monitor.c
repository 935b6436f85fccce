/* db_health_monitor.c - the health monitor's statements (see db_health_monitor.h). */
#include "core/db_health_monitor.h"
#include "core/db.h"
#include "common/arena.h"
#include "common/timeutil.h"

#include <stdlib.h>
#include <string.h>

/* Seconds of the period [ps, pe) the agent was there: from max(ps, created_at) to pe. */
#define HM_PRESENT "GREATEST(0, TIMESTAMPDIFF(SECOND, GREATEST(CAST(? AS DATETIME(3)), a.created_at), CAST(? AS DATETIME(3))))"
/* Seconds of the period it was silent: from max(ps, created_at, last heartbeat) to pe. */
#define HM_SILENT                                                                                              \
	"GREATEST(0, TIMESTAMPDIFF(SECOND, GREATEST(CAST(? AS DATETIME(3)), a.created_at, "                      \
	"COALESCE(a.last_heartbeat_at, a.created_at)), CAST(? AS DATETIME(3))))"

static const char *const db_health_monitor_sql[] = {
	"SELECT id, client_id, instance_id, " DB_RFC3339("last_heartbeat_at") " FROM agents "
	"WHERE status = 'online' AND last_heartbeat_at < ? ORDER BY last_heartbeat_at, id LIMIT ?",

	"UPDATE agents SET status = 'offline', version = version + 1 "
	"WHERE id = ? AND status = 'online' AND last_heartbeat_at < ?",

	/* ON DUPLICATE KEY: a racing monitor wrote the same agent and period first; keep its row. */
	"INSERT INTO agent_health_metrics (id, client_id, agent_id, instance_id, period_start, period_end, "
	"heartbeats_expected, heartbeats_received, uptime_seconds, pending_commands, reported_status, created_at) "
	"SELECT UUID(), q.client_id, q.id, q.instance_id, CAST(? AS DATETIME(3)), CAST(? AS DATETIME(3)), q.expected, "
	"GREATEST(0, q.expected - q.missed), q.uptime_seconds, q.pending, q.reported_status, UTC_TIMESTAMP(3) FROM ("
	" SELECT a.id, a.client_id, a.instance_id, i.uptime_seconds, COALESCE(i.reported_status, a.reported_status) "
	" AS reported_status, FLOOR(" HM_PRESENT " / ?) AS expected, FLOOR(" HM_SILENT " / ?) AS missed, "
	" (SELECT COUNT(*) FROM commands c WHERE c.agent_id = a.id AND c.status = 'pending') AS pending "
	" FROM agents a LEFT JOIN instances i ON i.id = a.instance_id AND i.agent_id = a.id "
	" WHERE a.enabled AND a.created_at < CAST(? AS DATETIME(3)) AND a.last_heartbeat_at >= ? "
	" AND NOT EXISTS (SELECT 1 FROM agent_health_metrics m WHERE m.agent_id = a.id "
	" AND m.period_start = CAST(? AS DATETIME(3)))"
	" ORDER BY a.id LIMIT ?"
	") q ON DUPLICATE KEY UPDATE agent_health_metrics.id = agent_health_metrics.id",

	"SELECT i.id, i.agent_id, i.client_id, " DB_RFC3339("i.termination_attempted_at") ", "
	DB_RFC3339("i.role_changed_at") " FROM instances i JOIN agents a ON a.id = i.agent_id "
	"WHERE i.role = 'zombie' AND NOT i.termination_confirmed AND i.termination_attempted_at IS NOT NULL "
	"AND (i.termination_attempted_at < CAST(? AS DATETIME(3)) - INTERVAL ? SECOND "
	"OR i.role_changed_at < CAST(? AS DATETIME(3)) - INTERVAL (a.terminate_wait_seconds + ?) SECOND) "
	"AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.dedupe_key = CONCAT(?, i.id)) "
	"ORDER BY i.role_changed_at, i.id LIMIT ?",

	"SELECT EXISTS (SELECT 1 FROM job_runs WHERE job_name = ?), "
	"EXISTS (SELECT 1 FROM job_runs WHERE job_name = ? AND status = 'succeeded' AND started_at >= ?)",
};
enum { SQL_SILENT, SQL_OFFLINE, SQL_METRICS, SQL_ZOMBIES, SQL_JOB };

/* "YYYY-MM-DD HH:MM:SS.mmm" for a DATETIME(3) parameter (the session time zone is UTC). */
static const char *db_health_monitor_datetime(int64_t ms, char *buf, size_t size)
{
	if (time_format_rfc3339_ms(ms, buf, size) < 0)
		return NULL;
	buf[10] = ' ';
	buf[strlen(buf) - 1] = '\0';
	return buf;
}

int db_health_monitor_silent(struct db *db, struct arena *a, int64_t cutoff_ms, size_t max, struct health_agent **rows,
			     size_t *n)
{
	char t[32];
	struct db_param p[] = { DBP_STR(db_health_monitor_datetime(cutoff_ms, t, sizeof(t))), DBP_INT((long long)max) };
	struct db_rows r;
	*n = 0;
	if (db_query(db, a, db_health_monitor_sql[SQL_SILENT], p, 2, &r) < 0)
		return -1;
	*rows = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**rows));
	for (size_t i = 0; i < r.nrows; i++) {
		(*rows)[i].id = db_rows_cell(&r, i, 0);
		(*rows)[i].client_id = db_rows_cell(&r, i, 1);
		(*rows)[i].instance_id = db_rows_cell(&r, i, 2);
		(*rows)[i].last_heartbeat_at = db_rows_cell(&r, i, 3);
	}
	*n = r.nrows;
	return 0;
}

int db_health_monitor_set_offline(struct db *db, const char *agent_id, int64_t cutoff_ms)
{
	char t[32];
	struct db_param p[] = { DBP_STR(agent_id), DBP_STR(db_health_monitor_datetime(cutoff_ms, t, sizeof(t))) };
	struct db_rows r;
	if (db_query(db, NULL, db_health_monitor_sql[SQL_OFFLINE], p, 2, &r) < 0)
		return -1;
	return r.affected > 0;
}

int db_health_monitor_metrics(struct db *db, int64_t start_ms, int64_t end_ms, long heartbeat_s, int64_t recent_ms,
			      size_t max, long long *added)
{
	char ps[32], pe[32], rc[32];
	const char *s = db_health_monitor_datetime(start_ms, ps, sizeof(ps));
	const char *e = db_health_monitor_datetime(end_ms, pe, sizeof(pe));
	struct db_param p[] = { DBP_STR(s), DBP_STR(e), DBP_STR(s), DBP_STR(e), DBP_INT(heartbeat_s),
				DBP_STR(s), DBP_STR(e), DBP_INT(heartbeat_s), DBP_STR(e),
				DBP_STR(db_health_monitor_datetime(recent_ms, rc, sizeof(rc))), DBP_STR(s),
				DBP_INT((long long)max) };
	struct db_rows r;
	*added = 0;
	if (db_query(db, NULL, db_health_monitor_sql[SQL_METRICS], p, 12, &r) < 0)
		return -1;
	*added = (long long)r.affected;
	return 0;
}

int db_health_monitor_zombies(struct db *db, struct arena *a, int64_t now_ms, long timeout_s, const char *dedupe_prefix,
			      size_t max, struct health_zombie **rows, size_t *n)
{
	char t[32];
	const char *now = db_health_monitor_datetime(now_ms, t, sizeof(t));
	struct db_param p[] = { DBP_STR(now), DBP_INT(timeout_s), DBP_STR(now), DBP_INT(timeout_s),
				DBP_STR(dedupe_prefix), DBP_INT((long long)max) };
	struct db_rows r;
	*n = 0;
	if (db_query(db, a, db_health_monitor_sql[SQL_ZOMBIES], p, 6, &r) < 0)
		return -1;
	*rows = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**rows));
	for (size_t i = 0; i < r.nrows; i++) {
		(*rows)[i].id = db_rows_cell(&r, i, 0);
		(*rows)[i].agent_id = db_rows_cell(&r, i, 1);
		(*rows)[i].client_id = db_rows_cell(&r, i, 2);
		(*rows)[i].attempted_at = db_rows_cell(&r, i, 3);
		(*rows)[i].role_changed_at = db_rows_cell(&r, i, 4);
	}
	*n = r.nrows;
	return 0;
}

int db_health_monitor_job_state(struct db *db, struct arena *a, const char *job_name, int64_t since_ms, int *ran,
				int *fresh)
{
	char t[32];
	struct db_param p[] = { DBP_STR(job_name), DBP_STR(job_name),
				DBP_STR(db_health_monitor_datetime(since_ms, t, sizeof(t))) };
	struct db_rows r;
	*ran = *fresh = 0;
	if (db_query(db, a, db_health_monitor_sql[SQL_JOB], p, 3, &r) < 0)
		return -1;
	*ran = atoi(db_rows_cell(&r, 0, 0)) != 0;
	*fresh = atoi(db_rows_cell(&r, 0, 1)) != 0;
	return 0;
}
