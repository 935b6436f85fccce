/* db_agent_config.c - agent config statements. */
#include "core/db_agent_config.h"
#include "core/db.h"

#include <stdlib.h>
#include <string.h>

static const char *const db_agent_config_sql[] = {
	"SELECT client_id, auto_switch_enabled, auto_terminate_enabled, manual_replica_enabled, terminate_wait_seconds, "
	"version, config_version FROM agents WHERE id = ? AND (? IS NULL OR client_id = ?) FOR UPDATE",
	"UPDATE agents SET auto_switch_enabled = ?, auto_terminate_enabled = ?, manual_replica_enabled = ?, "
	"terminate_wait_seconds = ?, config_version = config_version + 1, version = version + 1 "
	"WHERE id = ? AND version = ?",
};

int db_agent_config_get_lock(struct db *db, struct arena *a, const char *agent_id, const char *client_id,
			     struct agent_config *out)
{
	struct db_param p[] = { DBP_STR(agent_id), DBP_STR(client_id), DBP_STR(client_id) };
	struct db_rows r;
	if (db_query(db, a, db_agent_config_sql[0], p, 3, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->client_id = db_rows_cell(&r, 0, 0);
	out->auto_switch = !strcmp(db_rows_cell(&r, 0, 1), "1");
	out->auto_terminate = !strcmp(db_rows_cell(&r, 0, 2), "1");
	out->manual_replica = !strcmp(db_rows_cell(&r, 0, 3), "1");
	out->terminate_wait_seconds = strtol(db_rows_cell(&r, 0, 4), NULL, 10);
	out->version = strtol(db_rows_cell(&r, 0, 5), NULL, 10);
	out->config_version = strtol(db_rows_cell(&r, 0, 6), NULL, 10);
	return 1;
}

int db_agent_config_update(struct db *db, const char *agent_id, const struct agent_config *c, long expected_version,
			   int *updated)
{
	struct db_param p[] = { DBP_INT(c->auto_switch), DBP_INT(c->auto_terminate), DBP_INT(c->manual_replica),
				DBP_INT(c->terminate_wait_seconds), DBP_STR(agent_id), DBP_INT(expected_version) };
	struct db_rows r;
	if (db_query(db, NULL, db_agent_config_sql[1], p, 6, &r) < 0)
		return -1;
	*updated = r.affected > 0;
	return 0;
}
