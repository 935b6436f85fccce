/* db_agent_config.h - reading and writing an agent's config flags (see agent_config.h). */
#ifndef SPOT_DB_AGENT_CONFIG_H
#define SPOT_DB_AGENT_CONFIG_H

struct arena;
struct db;

struct agent_config {
	int auto_switch, auto_terminate, manual_replica;
	long terminate_wait_seconds;
	long version, config_version;
	const char *client_id;
};

/* The agent's config, locked (FOR UPDATE); client_id NULL: any client. 1 found, 0 absent, -1 error. */
int db_agent_config_get_lock(struct db *db, struct arena *a, const char *agent_id, const char *client_id,
			     struct agent_config *out);
/* Writes the flags, bumps version and config_version where version matches; *updated = rows changed. */
int db_agent_config_update(struct db *db, const char *agent_id, const struct agent_config *c, long expected_version,
			   int *updated);

#endif
