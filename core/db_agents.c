/* db_agents.c - agents, instances and pools statements for the agent protocol. */
#include "core/db_agents.h"
#include "core/db.h"
#include "core/auth.h"
#include "core/commands.h"
#include "common/arena.h"

#include <stdlib.h>
#include <string.h>

#define AGENT_COLS                                                                                             \
	"id, client_id, logical_agent_id, instance_id, instance_type, region, az, current_mode, current_pool_id, " \
	"status, notice_status, " DB_RFC3339("last_heartbeat_at") ", auto_switch_enabled, auto_terminate_enabled, " \
	"manual_replica_enabled, terminate_wait_seconds, config_version, version"
#define INSTANCE_COLS \
	"id, agent_id, client_id, role, instance_type, region, az, mode, pool_id, " DB_RFC3339("last_heartbeat_at") ", version"

/*
 * What pending-commands would hand out (core/db_commands.c): pending, or acked
 * but not started within the lease. The heartbeat's count uses the same rule,
 * so an agent whose first taker died is told there is work.
 */
#define DB_AGENTS_STR_(x) #x
#define DB_AGENTS_STR(x) DB_AGENTS_STR_(x)
/* Later than any memo may last (DB_HEARTBEAT_MEMO_MAX_S): "never" inside LEAST(). */
#define DB_AGENTS_FAR "UTC_TIMESTAMP(3) + INTERVAL 1 DAY"
#define DB_AGENTS_HANDABLE                                                                  \
	"(c.status = 'pending' OR (c.status = 'acked' AND c.acked_at < UTC_TIMESTAMP(3) - INTERVAL " \
	DB_AGENTS_STR(COMMAND_LEASE_S) " SECOND))"

static const char *const db_agents_sql[] = {
	"SELECT " AGENT_COLS " FROM agents WHERE id = ?",
	"SELECT " AGENT_COLS " FROM agents WHERE client_id = ? AND logical_agent_id = ? FOR UPDATE",
	"INSERT INTO agents (id, client_id, logical_agent_id, hostname, agent_version, instance_id, instance_type, "
	"region, az, current_mode, current_pool_id, status, last_heartbeat_at, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'online', UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
	"UPDATE agents SET instance_id = ?, instance_type = ?, region = ?, az = ?, current_mode = ?, "
	"current_pool_id = ?, version = version + 1 WHERE id = ?",
	"UPDATE agents SET hostname = COALESCE(?, hostname), agent_version = COALESCE(?, agent_version) WHERE id = ?",
	"SELECT COUNT(*) FROM agents WHERE client_id = ?",
	"SELECT " INSTANCE_COLS " FROM instances WHERE id = ? FOR UPDATE",
	"SELECT " INSTANCE_COLS ", last_heartbeat_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND FROM instances "
	"WHERE agent_id = ? AND role = 'primary' FOR UPDATE",
	"INSERT INTO instances (id, agent_id, client_id, role, instance_type, region, az, mode, pool_id, "
	"last_heartbeat_at, installed_at, role_changed_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
	"UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
	"UPDATE instances SET role = ?, role_changed_at = UTC_TIMESTAMP(3), version = version + 1 WHERE id = ?",
	"UPDATE instances SET instance_type = ?, region = ?, az = ?, mode = ?, pool_id = ?, "
	"last_heartbeat_at = UTC_TIMESTAMP(3), version = version + 1 WHERE id = ?",
	"INSERT INTO spot_pools (id, instance_type, region, az, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3)) ON DUPLICATE KEY UPDATE id = id",
	"SELECT it.instance_type FROM instance_types cur JOIN instance_types it ON it.region = cur.region "
	"AND it.arch = cur.arch AND it.vcpu >= cur.vcpu AND it.memory_gib >= cur.memory_gib "
	"AND it.vcpu <= cur.vcpu * 2 AND it.memory_gib <= cur.memory_gib * 2 "
	"AND it.instance_type <> cur.instance_type AND it.is_active "
	"WHERE cur.instance_type = ? AND cur.region = ? "
	"ORDER BY it.ondemand_price IS NULL, it.ondemand_price, it.instance_type LIMIT 16",
	/* Commands addressed to this instance, or to whichever instance is the primary. */
	"SELECT i.role, a.status, a.config_version, (SELECT COUNT(*) FROM commands c WHERE c.agent_id = a.id "
	"AND " DB_AGENTS_HANDABLE " AND c.expires_at > UTC_TIMESTAMP(3) "
	"AND (c.instance_id = i.id OR (c.instance_id IS NULL AND i.role = 'primary'))) "
	"FROM instances i JOIN agents a ON a.id = i.agent_id WHERE i.id = ? AND i.agent_id = ?",
	"UPDATE instances FORCE INDEX (PRIMARY) SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = ?, "
	"uptime_seconds = ? "
	"WHERE id = ? AND agent_id = ?",
	"UPDATE agents SET status = 'online', last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = ? "
	"WHERE id = ? AND status = 'offline'",
	"UPDATE agents SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = ? WHERE id = ?",
	/*
	 * The heartbeat's token check and answer in one non-locking read: a row
	 * only when the token is live, its client active, and the token is the
	 * agent's own or its client's. (A join in the UPDATE itself would take
	 * shared locks on the token and client rows, which every heartbeat of a
	 * client shares: measured slower.)
	 */
	"SELECT i.role, a.status, a.config_version, a.client_id, "
	"a.last_heartbeat_at IS NULL OR a.last_heartbeat_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND, "
	"(SELECT COUNT(*) FROM commands c WHERE c.agent_id = a.id AND " DB_AGENTS_HANDABLE " "
	"AND c.expires_at > UTC_TIMESTAMP(3) AND (c.instance_id = i.id OR (c.instance_id IS NULL AND i.role = 'primary'))), "
	"t.id, t.last_used_at IS NULL OR t.last_used_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND, "
	/*
	 * The instance's hb_gen (migration 0017) and for how many more
	 * milliseconds this answer holds if no row changes: until the first of
	 * the memo cap, the token's expiry, its hourly touch, the agent row's
	 * liveness write (primaries), and a command's lease or expiry running out.
	 */
	"i.hb_gen, TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), LEAST(UTC_TIMESTAMP(3) + INTERVAL ? SECOND, "
	"COALESCE(t.expires_at, " DB_AGENTS_FAR "), "
	"COALESCE(t.last_used_at + INTERVAL " DB_AGENTS_STR(AUTH_TOUCH_S) " SECOND, UTC_TIMESTAMP(3)), "
	"IF(i.role = 'primary', COALESCE(a.last_heartbeat_at + INTERVAL ? SECOND, UTC_TIMESTAMP(3)), " DB_AGENTS_FAR "), "
	"COALESCE((SELECT MIN(IF(c.status = 'acked' AND c.acked_at >= UTC_TIMESTAMP(3) - INTERVAL "
	DB_AGENTS_STR(COMMAND_LEASE_S) " SECOND, LEAST(c.acked_at + INTERVAL " DB_AGENTS_STR(COMMAND_LEASE_S)
	" SECOND, c.expires_at), c.expires_at)) FROM commands c WHERE c.agent_id = a.id "
	"AND c.status IN ('pending', 'acked') AND c.expires_at > UTC_TIMESTAMP(3)), " DB_AGENTS_FAR "))) DIV 1000 "
	"FROM client_tokens t JOIN clients k ON k.id = t.client_id AND k.is_active "
	"JOIN instances i ON i.id = ? AND i.agent_id = ? AND i.client_id = t.client_id "
	"JOIN agents a ON a.id = i.agent_id "
	"WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > UTC_TIMESTAMP(3)) "
	"AND (t.kind = 'client' OR t.agent_id = i.agent_id)",
	/*
	 * The remembered heartbeat: one matched row proves its answer still holds (migration 0017).
	 * Both heartbeat writes name the primary key: left to itself MariaDB 10.11 reads the row
	 * through idx_instances_agent_role (a range of one row), which cost ~12 % more server CPU
	 * per UPDATE here (EXPLAIN shows the choice; bench/RESULTS.md has the numbers).
	 */
	"UPDATE instances FORCE INDEX (PRIMARY) SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = ?, "
	"uptime_seconds = ? "
	"WHERE id = ? AND agent_id = ? AND role = ? AND hb_gen = ?",
};
enum {
	SQL_AGENT_GET, SQL_AGENT_LOGICAL_LOCK, SQL_AGENT_INSERT, SQL_AGENT_SET_CURRENT, SQL_AGENT_META,
	SQL_AGENT_COUNT, SQL_INSTANCE_GET_LOCK, SQL_INSTANCE_PRIMARY_LOCK, SQL_INSTANCE_INSERT, SQL_INSTANCE_ROLE,
	SQL_INSTANCE_SEEN, SQL_POOL_ENSURE, SQL_COMPATIBLE, SQL_HB_STATE, SQL_HB_INSTANCE, SQL_HB_ONLINE, SQL_HB_AGENT,
	SQL_HB_FAST_STATE, SQL_HB_INSTANCE_GEN,
};

static long num(const char *s)
{
	return s ? strtol(s, NULL, 10) : 0;
}

static void db_agents_fill(const struct db_rows *r, struct agent_row *o)
{
	o->id = db_rows_cell(r, 0, 0);
	o->client_id = db_rows_cell(r, 0, 1);
	o->logical_agent_id = db_rows_cell(r, 0, 2);
	o->instance_id = db_rows_cell(r, 0, 3);
	o->instance_type = db_rows_cell(r, 0, 4);
	o->region = db_rows_cell(r, 0, 5);
	o->az = db_rows_cell(r, 0, 6);
	o->mode = db_rows_cell(r, 0, 7);
	o->pool_id = db_rows_cell(r, 0, 8);
	o->status = db_rows_cell(r, 0, 9);
	o->notice_status = db_rows_cell(r, 0, 10);
	o->last_heartbeat_at = db_rows_cell(r, 0, 11);
	o->auto_switch = num(db_rows_cell(r, 0, 12)) != 0;
	o->auto_terminate = num(db_rows_cell(r, 0, 13)) != 0;
	o->manual_replica = num(db_rows_cell(r, 0, 14)) != 0;
	o->terminate_wait_seconds = num(db_rows_cell(r, 0, 15));
	o->config_version = num(db_rows_cell(r, 0, 16));
	o->version = num(db_rows_cell(r, 0, 17));
}

static void db_instances_fill(const struct db_rows *r, struct instance_row *o)
{
	o->id = db_rows_cell(r, 0, 0);
	o->agent_id = db_rows_cell(r, 0, 1);
	o->client_id = db_rows_cell(r, 0, 2);
	o->role = db_rows_cell(r, 0, 3);
	o->instance_type = db_rows_cell(r, 0, 4);
	o->region = db_rows_cell(r, 0, 5);
	o->az = db_rows_cell(r, 0, 6);
	o->mode = db_rows_cell(r, 0, 7);
	o->pool_id = db_rows_cell(r, 0, 8);
	o->last_heartbeat_at = db_rows_cell(r, 0, 9);
	o->version = num(db_rows_cell(r, 0, 10));
}

int db_agents_get(struct db *db, struct arena *a, const char *id, struct agent_row *out)
{
	struct db_param p[] = { DBP_STR(id) };
	struct db_rows r;
	if (db_query(db, a, db_agents_sql[SQL_AGENT_GET], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	db_agents_fill(&r, out);
	return 1;
}

int db_agents_get_logical_lock(struct db *db, struct arena *a, const char *client_id, const char *logical,
			       struct agent_row *out)
{
	struct db_param p[] = { DBP_STR(client_id), DBP_STR(logical) };
	struct db_rows r;
	if (db_query(db, a, db_agents_sql[SQL_AGENT_LOGICAL_LOCK], p, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	db_agents_fill(&r, out);
	return 1;
}

int db_agents_insert(struct db *db, const char *id, const char *client_id, const char *logical, const char *hostname,
		     const char *agent_version, const struct placement *pl)
{
	struct db_param p[] = { DBP_STR(id),		    DBP_STR(client_id),	    DBP_STR(logical),
				DBP_STR(hostname),	    DBP_STR(agent_version), DBP_STR(pl->instance_id),
				DBP_STR(pl->instance_type), DBP_STR(pl->region),    DBP_STR(pl->az),
				DBP_STR(pl->mode),	    DBP_STR(pl->pool_id) };
	return db_query(db, NULL, db_agents_sql[SQL_AGENT_INSERT], p, 11, NULL);
}

int db_agents_set_current(struct db *db, const char *id, const struct placement *pl)
{
	struct db_param p[] = { DBP_STR(pl->instance_id), DBP_STR(pl->instance_type), DBP_STR(pl->region),
				DBP_STR(pl->az),	  DBP_STR(pl->mode),	      DBP_STR(pl->pool_id),
				DBP_STR(id) };
	return db_query(db, NULL, db_agents_sql[SQL_AGENT_SET_CURRENT], p, 7, NULL);
}

int db_agents_set_meta(struct db *db, const char *id, const char *hostname, const char *agent_version)
{
	struct db_param p[] = { DBP_STR(hostname), DBP_STR(agent_version), DBP_STR(id) };
	return db_query(db, NULL, db_agents_sql[SQL_AGENT_META], p, 3, NULL);
}

long db_agents_count(struct db *db, struct arena *a, const char *client_id)
{
	struct db_param p[] = { DBP_STR(client_id) };
	struct db_rows r;
	if (db_query(db, a, db_agents_sql[SQL_AGENT_COUNT], p, 1, &r) < 0)
		return -1;
	return num(db_rows_cell(&r, 0, 0));
}

int db_instances_get_lock(struct db *db, struct arena *a, const char *id, struct instance_row *out)
{
	struct db_param p[] = { DBP_STR(id) };
	struct db_rows r;
	if (db_query(db, a, db_agents_sql[SQL_INSTANCE_GET_LOCK], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	db_instances_fill(&r, out);
	return 1;
}

int db_instances_primary_lock(struct db *db, struct arena *a, const char *agent_id, long live_s,
			      struct instance_row *out, int *live)
{
	struct db_param p[] = { DBP_INT(live_s), DBP_STR(agent_id) };
	struct db_rows r;
	if (db_query(db, a, db_agents_sql[SQL_INSTANCE_PRIMARY_LOCK], p, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	db_instances_fill(&r, out);
	*live = num(db_rows_cell(&r, 0, 11)) == 1;
	return 1;
}

int db_instances_insert(struct db *db, const char *agent_id, const char *client_id, const char *role,
			const struct placement *pl)
{
	struct db_param p[] = { DBP_STR(pl->instance_id), DBP_STR(agent_id), DBP_STR(client_id),
				DBP_STR(role),		  DBP_STR(pl->instance_type), DBP_STR(pl->region),
				DBP_STR(pl->az),	  DBP_STR(pl->mode),	     DBP_STR(pl->pool_id) };
	return db_query(db, NULL, db_agents_sql[SQL_INSTANCE_INSERT], p, 9, NULL);
}

int db_instances_set_role(struct db *db, const char *id, const char *role)
{
	struct db_param p[] = { DBP_STR(role), DBP_STR(id) };
	return db_query(db, NULL, db_agents_sql[SQL_INSTANCE_ROLE], p, 2, NULL);
}

int db_instances_seen(struct db *db, const struct placement *pl)
{
	struct db_param p[] = { DBP_STR(pl->instance_type), DBP_STR(pl->region),  DBP_STR(pl->az),
				DBP_STR(pl->mode),	    DBP_STR(pl->pool_id), DBP_STR(pl->instance_id) };
	return db_query(db, NULL, db_agents_sql[SQL_INSTANCE_SEEN], p, 6, NULL);
}

int db_pools_ensure(struct db *db, const char *pool_id, const char *type, const char *region, const char *az)
{
	struct db_param p[] = { DBP_STR(pool_id), DBP_STR(type), DBP_STR(region), DBP_STR(az) };
	return db_query(db, NULL, db_agents_sql[SQL_POOL_ENSURE], p, 4, NULL);
}

int db_agents_compatible_types(struct db *db, struct arena *a, const char *type, const char *region,
			       const char ***out, size_t *n)
{
	struct db_param p[] = { DBP_STR(type), DBP_STR(region) };
	struct db_rows r;
	if (db_query(db, a, db_agents_sql[SQL_COMPATIBLE], p, 2, &r) < 0)
		return -1;
	*out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
	for (size_t i = 0; i < r.nrows; i++)
		(*out)[i] = db_rows_cell(&r, i, 0);
	*n = r.nrows;
	return 0;
}

int db_heartbeat_state(struct db *db, struct arena *a, const char *agent_id, const char *instance_id,
		       struct heartbeat_state *out)
{
	struct db_param p[] = { DBP_STR(instance_id), DBP_STR(agent_id) };
	struct db_rows r;
	if (db_query(db, a, db_agents_sql[SQL_HB_STATE], p, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->role = db_rows_cell(&r, 0, 0);
	out->agent_status = db_rows_cell(&r, 0, 1);
	out->config_version = num(db_rows_cell(&r, 0, 2));
	out->pending_commands = num(db_rows_cell(&r, 0, 3));
	return 1;
}

int db_heartbeat_instance(struct db *db, const char *agent_id, const char *instance_id, const char *status,
			  long long uptime)
{
	struct db_param p[] = { DBP_STR(status), uptime >= 0 ? DBP_INT(uptime) : DBP_NULL, DBP_STR(instance_id),
				DBP_STR(agent_id) };
	return db_query(db, NULL, db_agents_sql[SQL_HB_INSTANCE], p, 4, NULL);
}

int db_heartbeat_agent(struct db *db, const char *agent_id, const char *status, int *came_online)
{
	struct db_param p[] = { DBP_STR(status), DBP_STR(agent_id) };
	struct db_rows r;
	if (db_query(db, NULL, db_agents_sql[SQL_HB_ONLINE], p, 2, &r) < 0)
		return -1;
	*came_online = r.affected > 0;
	if (*came_online)
		return 0;
	return db_query(db, NULL, db_agents_sql[SQL_HB_AGENT], p, 2, NULL);
}

int db_heartbeat_fast_state(struct db *db, struct arena *a, const unsigned char token_hash[32], const char *agent_id,
			    const char *instance_id, long stale_s, struct heartbeat_fast_state *out)
{
	struct db_param p[] = { DBP_INT(stale_s),	      DBP_INT(AUTH_TOUCH_S),
				DBP_INT(DB_HEARTBEAT_MEMO_MAX_S), DBP_INT(stale_s),
				DBP_STR(instance_id),		      DBP_STR(agent_id),
				DBP_STRN((const char *)token_hash, 32) };
	struct db_rows r;
	if (db_query(db, a, db_agents_sql[SQL_HB_FAST_STATE], p, 7, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->state.role = db_rows_cell(&r, 0, 0);
	out->state.agent_status = db_rows_cell(&r, 0, 1);
	out->state.config_version = num(db_rows_cell(&r, 0, 2));
	out->client_id = db_rows_cell(&r, 0, 3);
	out->agent_stale = num(db_rows_cell(&r, 0, 4)) != 0;
	out->state.pending_commands = num(db_rows_cell(&r, 0, 5));
	out->token_id = db_rows_cell(&r, 0, 6);
	out->token_stale = num(db_rows_cell(&r, 0, 7)) != 0;
	out->hb_gen = db_rows_cell(&r, 0, 8) ? strtoull(db_rows_cell(&r, 0, 8), NULL, 10) : 0;
	out->valid_ms = db_rows_cell(&r, 0, 9) ? strtoll(db_rows_cell(&r, 0, 9), NULL, 10) : 0;
	return 1;
}

int db_heartbeat_instance_gen(struct db *db, const char *agent_id, const char *instance_id, const char *role,
			      unsigned long long hb_gen, const char *status, long long uptime)
{
	struct db_param p[] = { DBP_STR(status),      uptime >= 0 ? DBP_INT(uptime) : DBP_NULL,
				DBP_STR(instance_id), DBP_STR(agent_id),
				DBP_STR(role),	      DBP_INT((long long)hb_gen) };
	struct db_rows r;
	if (db_query(db, NULL, db_agents_sql[SQL_HB_INSTANCE_GEN], p, 6, &r) < 0)
		return -1;
	return r.affected > 0;
}
