/*
 * db_switches.h - data access for switches, and for the agents and instances
 * rows a switch or an instance registration changes. Strings live in the
 * caller's arena; timestamps are passed as "YYYY-MM-DD HH:MM:SS.mmm" UTC.
 */
#ifndef SPOT_DB_SWITCHES_H
#define SPOT_DB_SWITCHES_H

#include <stddef.h>

struct arena;
struct db;
struct placement;

struct switch_agent {
	const char *id, *client_id, *logical_agent_id, *instance_id, *region, *mode, *pool_id;
	long version;
};

struct switch_instance {
	const char *id, *agent_id, *client_id, *role, *instance_type, *region, *az, *mode, *pool_id;
	const char *spot_price, *ondemand_price; /* decimal text or NULL */
	long version;
};

/* The agent, locked, when it belongs to client_id (NULL: any client). 1 found, 0 not, -1 error. */
int db_switches_agent_lock(struct db *db, struct arena *a, const char *agent_id, const char *client_id,
			   struct switch_agent *out);
/* An instance, locked. 1 found, 0 absent, -1 error. */
int db_switches_instance_lock(struct db *db, struct arena *a, const char *id, struct switch_instance *out);
/* role and role_changed_at of an instance at version. *won = 1 when it was still at version. */
int db_switches_set_role(struct db *db, const char *id, long version, const char *role, int *won);
/*
 * Gives an instance at version the role (primary, standby or replica), the
 * placement and the prices (a negative price keeps the stored one), and marks
 * it seen. Changing the role restarts role_changed_at. *won as above.
 */
int db_switches_instance_place(struct db *db, const char *id, long version, const char *role,
			       const struct placement *pl, double spot, double ondemand, int *won);
/* A new instances row (prices < 0 are NULL). 0, or -1 (db_is_duplicate() for a second primary or a known id). */
int db_switches_instance_insert(struct db *db, const char *agent_id, const char *client_id, const char *role,
				const struct placement *pl, double spot, double ondemand);
/* Makes pl the agent's current placement at version, stamping last_switch_at. *won as above. */
int db_switches_agent_switched(struct db *db, const char *agent_id, long version, const struct placement *pl,
			       int *won);

struct switch_new {
	const char *id, *client_id, *agent_id, *command_id, *event_trigger;
	const char *old_instance_id, *old_mode, *old_pool_id;
	const char *new_instance_id, *new_mode, *new_pool_id;
	double old_spot_price, new_spot_price, ondemand_price, savings_impact; /* < 0 or NaN: NULL */
	int has_savings;
	const char *ami_id;
	const char *initiated_at, *ami_created_at, *instance_launched_at, *instance_ready_at, *completed_at;
	double downtime_seconds; /* < 0: NULL */
};
int db_switches_insert(struct db *db, const struct switch_new *s);
/* The switch recorded for command_id: 1 found (*id set), 0 none, -1 error. */
int db_switches_by_command(struct db *db, struct arena *a, const char *command_id, const char **id);

#endif
