/*
 * db_replicas.h - data access for replica_instances, and for the agents and
 * instances rows that replica launches and promotions touch. Strings live in
 * the caller's arena. Functions return 1 found / 0 absent / -1 error, or 0 / -1,
 * unless they say otherwise.
 */
#ifndef SPOT_DB_REPLICAS_H
#define SPOT_DB_REPLICAS_H

#include <stdint.h>

struct arena;
struct db;

/* The agent as notices and replicas need it (locked FOR UPDATE by db_replicas_agent_lock). */
struct replica_agent {
	const char *id, *client_id, *instance_id, *instance_type, *region, *az, *pool_id, *notice_status;
	const char *notice_deadline; /* RFC 3339 or NULL */
	int manual_replica;
	long version;
};

struct replica_row {
	const char *id, *agent_id, *client_id, *instance_id, *command_id, *type, *status, *pool_id, *instance_type, *az;
	const char *region;   /* the agent's region */
	const char *error, *created_at, *ready_at;
	double progress;
	long version;
};

/* Locks the agent of that client (serializes notices and replica changes of one agent). */
int db_replicas_agent_lock(struct db *db, struct arena *a, const char *agent_id, const char *client_id,
			   struct replica_agent *out);
/* The agent's live replica (launching, syncing or ready), the ready one first; locked. */
int db_replicas_live_lock(struct db *db, struct arena *a, const char *agent_id, struct replica_row *out);
/* The agent's oldest ready replica whose instance is registered as the agent's replica; locked. */
int db_replicas_ready_lock(struct db *db, struct arena *a, const char *agent_id, struct replica_row *out);
/* Replica rid of agent_id, locked. */
int db_replicas_get_lock(struct db *db, struct arena *a, const char *rid, const char *agent_id,
			 struct replica_row *out);
int db_replicas_insert(struct db *db, const char *id, const char *agent_id, const char *client_id,
		       const char *command_id, const char *type, const char *pool_id, const char *instance_type,
		       const char *az);
/*
 * Sets status, and instance_id / progress / error when not NULL / >= 0 / not
 * NULL; ready sets ready_at, promoted sets promoted_at. Guarded by version:
 * returns 1 updated, 0 version moved, -1 error.
 */
int db_replicas_update(struct db *db, const char *id, long version, const char *status, const char *instance_id,
		       double progress, const char *error);

/* An instance's placement (any agent). 1 found, 0 absent, -1 error. */
struct replica_instance {
	const char *id, *agent_id, *role, *instance_type, *region, *az, *mode, *pool_id;
};
int db_replicas_instance_get_lock(struct db *db, struct arena *a, const char *instance_id,
				  struct replica_instance *out);
/* Registers a launched replica instance (role replica, mode spot). */
int db_replicas_instance_insert(struct db *db, const char *instance_id, const char *agent_id, const char *client_id,
				const char *instance_type, const char *region, const char *az, const char *pool_id);
/* Changes role from -> to; returns the number of rows changed (0 or 1), -1 error. */
int db_replicas_instance_role(struct db *db, const char *instance_id, const char *from, const char *to);

/*
 * The target pool for a new instance of type in region, other than
 * exclude_pool: the cheapest pool by its latest spot price sample that is not
 * flagged; else any other unflagged pool of the type in another zone; else
 * *pool_id = NULL. 0 or -1.
 */
int db_replicas_target_pool(struct db *db, struct arena *a, const char *type, const char *region,
			    const char *exclude_pool, const char **pool_id, const char **az, double *price);

#endif
