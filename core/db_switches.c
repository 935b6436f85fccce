/* db_switches.c - switches statements, and the agents/instances updates of a switch. */
#include "core/db_switches.h"
#include "core/db.h"
#include "core/db_agents.h"
#include "common/arena.h"

#include <stdlib.h>

static const char *const db_switches_sql[] = {
	"SELECT id, client_id, logical_agent_id, instance_id, region, current_mode, current_pool_id, version "
	"FROM agents WHERE id = ? AND (? IS NULL OR client_id = ?) FOR UPDATE",
	"SELECT id, agent_id, client_id, role, instance_type, region, az, mode, pool_id, spot_price, ondemand_price, "
	"version FROM instances WHERE id = ? FOR UPDATE",
	"UPDATE instances SET role = ?, role_changed_at = UTC_TIMESTAMP(3), version = version + 1 "
	"WHERE id = ? AND version = ?",
	"UPDATE instances SET role_changed_at = CASE WHEN role = ? THEN role_changed_at ELSE UTC_TIMESTAMP(3) END, "
	"role = ?, instance_type = ?, region = ?, az = ?, mode = ?, pool_id = ?, "
	"spot_price = COALESCE(?, spot_price), ondemand_price = COALESCE(?, ondemand_price), "
	"last_heartbeat_at = UTC_TIMESTAMP(3), version = version + 1 WHERE id = ? AND version = ?",
	"INSERT INTO instances (id, agent_id, client_id, role, instance_type, region, az, mode, pool_id, spot_price, "
	"ondemand_price, last_heartbeat_at, installed_at, role_changed_at, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), "
	"UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
	"UPDATE agents SET instance_id = ?, instance_type = ?, region = ?, az = ?, current_mode = ?, "
	"current_pool_id = ?, last_switch_at = UTC_TIMESTAMP(3), version = version + 1 WHERE id = ? AND version = ?",
	"INSERT INTO switches (id, client_id, agent_id, command_id, status, event_trigger, old_instance_id, old_mode, "
	"old_pool_id, old_spot_price, new_instance_id, new_mode, new_pool_id, new_spot_price, ondemand_price, "
	"savings_impact, ami_id, initiated_at, ami_created_at, instance_launched_at, instance_ready_at, "
	"downtime_seconds, created_at) VALUES (?, ?, ?, ?, 'completed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	"?, ?, COALESCE(?, UTC_TIMESTAMP(3)))",
	"SELECT id FROM switches WHERE command_id = ?",
};
enum { SQL_AGENT_LOCK, SQL_INSTANCE_LOCK, SQL_SET_ROLE, SQL_PLACE, SQL_INSERT_INSTANCE, SQL_AGENT_SWITCHED,
       SQL_INSERT_SWITCH, SQL_BY_COMMAND };

static struct db_param price(double d)
{
	return d >= 0 ? DBP_DOUBLE(d) : DBP_NULL;
}

int db_switches_agent_lock(struct db *db, struct arena *a, const char *agent_id, const char *client_id,
			   struct switch_agent *out)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_STR(client_id), DBP_STR(client_id) };
	struct db_rows r;
	if (db_query(db, a, db_switches_sql[SQL_AGENT_LOCK], p, 3, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->id = db_rows_cell(&r, 0, 0);
	out->client_id = db_rows_cell(&r, 0, 1);
	out->logical_agent_id = db_rows_cell(&r, 0, 2);
	out->instance_id = db_rows_cell(&r, 0, 3);
	out->region = db_rows_cell(&r, 0, 4);
	out->mode = db_rows_cell(&r, 0, 5);
	out->pool_id = db_rows_cell(&r, 0, 6);
	out->version = strtol(db_rows_cell(&r, 0, 7), NULL, 10);
	return 1;
}

int db_switches_instance_lock(struct db *db, struct arena *a, const char *id, struct switch_instance *out)
{
	struct db_param p[] = { DBP_STR(id) };
	struct db_rows r;
	if (db_query(db, a, db_switches_sql[SQL_INSTANCE_LOCK], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->id = db_rows_cell(&r, 0, 0);
	out->agent_id = db_rows_cell(&r, 0, 1);
	out->client_id = db_rows_cell(&r, 0, 2);
	out->role = db_rows_cell(&r, 0, 3);
	out->instance_type = db_rows_cell(&r, 0, 4);
	out->region = db_rows_cell(&r, 0, 5);
	out->az = db_rows_cell(&r, 0, 6);
	out->mode = db_rows_cell(&r, 0, 7);
	out->pool_id = db_rows_cell(&r, 0, 8);
	out->spot_price = db_rows_cell(&r, 0, 9);
	out->ondemand_price = db_rows_cell(&r, 0, 10);
	out->version = strtol(db_rows_cell(&r, 0, 11), NULL, 10);
	return 1;
}

int db_switches_set_role(struct db *db, const char *id, long version, const char *role, int *won)
{
	struct db_param p[] = { DBP_STR(role), DBP_STR(id), DBP_INT(version) };
	struct db_rows r;
	if (db_query(db, NULL, db_switches_sql[SQL_SET_ROLE], p, 3, &r) < 0)
		return -1;
	*won = r.affected == 1;
	return 0;
}

int db_switches_instance_place(struct db *db, const char *id, long version, const char *role,
			       const struct placement *pl, double spot, double ondemand, int *won)
{
	struct db_param p[] = { DBP_STR(role),	  DBP_STR(role),	DBP_STR(pl->instance_type), DBP_STR(pl->region),
				DBP_STR(pl->az),  DBP_STR(pl->mode),	DBP_STR(pl->pool_id),	    price(spot),
				price(ondemand), DBP_STR(id),		DBP_INT(version) };
	struct db_rows r;
	if (db_query(db, NULL, db_switches_sql[SQL_PLACE], p, 11, &r) < 0)
		return -1;
	*won = r.affected == 1;
	return 0;
}

int db_switches_instance_insert(struct db *db, const char *agent_id, const char *client_id, const char *role,
				const struct placement *pl, double spot, double ondemand)
{
	struct db_param p[] = { DBP_STR(pl->instance_id), DBP_STR(agent_id), DBP_STR(client_id), DBP_STR(role),
				DBP_STR(pl->instance_type), DBP_STR(pl->region), DBP_STR(pl->az),     DBP_STR(pl->mode),
				DBP_STR(pl->pool_id),	    price(spot),	 price(ondemand) };
	return db_query(db, NULL, db_switches_sql[SQL_INSERT_INSTANCE], p, 11, NULL);
}

int db_switches_agent_switched(struct db *db, const char *agent_id, long version, const struct placement *pl,
			       int *won)
{
	struct db_param p[] = { DBP_STR(pl->instance_id), DBP_STR(pl->instance_type), DBP_STR(pl->region),
				DBP_STR(pl->az),	  DBP_STR(pl->mode),	      DBP_STR(pl->pool_id),
				DBP_STR(agent_id),	  DBP_INT(version) };
	struct db_rows r;
	if (db_query(db, NULL, db_switches_sql[SQL_AGENT_SWITCHED], p, 8, &r) < 0)
		return -1;
	*won = r.affected == 1;
	return 0;
}

int db_switches_insert(struct db *db, const struct switch_new *s)
{
	struct db_param p[] = {
		DBP_STR(s->id),
		DBP_STR(s->client_id),
		DBP_STR(s->agent_id),
		DBP_STR(s->command_id),
		DBP_STR(s->event_trigger),
		DBP_STR(s->old_instance_id),
		DBP_STR(s->old_mode),
		DBP_STR(s->old_pool_id),
		price(s->old_spot_price),
		DBP_STR(s->new_instance_id),
		DBP_STR(s->new_mode),
		DBP_STR(s->new_pool_id),
		price(s->new_spot_price),
		price(s->ondemand_price),
		s->has_savings ? DBP_DOUBLE(s->savings_impact) : DBP_NULL,
		DBP_STR(s->ami_id),
		DBP_STR(s->initiated_at),
		DBP_STR(s->ami_created_at),
		DBP_STR(s->instance_launched_at),
		DBP_STR(s->instance_ready_at),
		s->downtime_seconds >= 0 ? DBP_DOUBLE(s->downtime_seconds) : DBP_NULL,
		DBP_STR(s->completed_at),
	};
	return db_query(db, NULL, db_switches_sql[SQL_INSERT_SWITCH], p, sizeof(p) / sizeof(p[0]), NULL);
}

int db_switches_by_command(struct db *db, struct arena *a, const char *command_id, const char **id)
{
	struct db_param p[] = { DBP_STR(command_id) };
	struct db_rows r;
	if (db_query(db, a, db_switches_sql[SQL_BY_COMMAND], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	*id = db_rows_cell(&r, 0, 0);
	return 1;
}
