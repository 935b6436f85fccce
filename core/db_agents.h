/*
 * db_agents.h - data access for agents, instances and spot_pools as the
 * agent protocol uses them. Strings live in the caller's arena.
 */
#ifndef SPOT_DB_AGENTS_H
#define SPOT_DB_AGENTS_H

#include <stddef.h>

struct arena;
struct db;

struct agent_row {
	const char *id, *client_id, *logical_agent_id, *instance_id, *instance_type, *region, *az, *mode, *pool_id;
	const char *status, *notice_status, *last_heartbeat_at;
	int auto_switch, auto_terminate, manual_replica;
	long terminate_wait_seconds, config_version, version;
};

struct instance_row {
	const char *id, *agent_id, *client_id, *role, *instance_type, *region, *az, *mode, *pool_id;
	const char *last_heartbeat_at;
	long version;
};

/* The place an instance says it runs in. */
struct placement {
	const char *instance_id, *instance_type, *region, *az, *mode, *pool_id;
};

int db_agents_get(struct db *db, struct arena *a, const char *id, struct agent_row *out);
int db_agents_get_logical_lock(struct db *db, struct arena *a, const char *client_id, const char *logical,
			       struct agent_row *out);
int db_agents_insert(struct db *db, const char *id, const char *client_id, const char *logical, const char *hostname,
		     const char *agent_version, const struct placement *pl);
/* Makes pl the agent's current primary placement (bumps version). */
int db_agents_set_current(struct db *db, const char *id, const struct placement *pl);
int db_agents_set_meta(struct db *db, const char *id, const char *hostname, const char *agent_version);
long db_agents_count(struct db *db, struct arena *a, const char *client_id);

/* 1 found, 0 absent, -1 error. */
int db_instances_get_lock(struct db *db, struct arena *a, const char *id, struct instance_row *out);
/* The agent's primary (locked), with *live = heartbeat within live_s seconds. 1 found, 0 none, -1 error. */
int db_instances_primary_lock(struct db *db, struct arena *a, const char *agent_id, long live_s,
			      struct instance_row *out, int *live);
int db_instances_insert(struct db *db, const char *agent_id, const char *client_id, const char *role,
			const struct placement *pl);
int db_instances_set_role(struct db *db, const char *id, const char *role);
int db_instances_seen(struct db *db, const struct placement *pl);

int db_pools_ensure(struct db *db, const char *pool_id, const char *type, const char *region, const char *az);

/* The catalog's compatible types for (type, region): same architecture, vCPU and memory at least, at most twice. */
int db_agents_compatible_types(struct db *db, struct arena *a, const char *type, const char *region,
			       const char ***out, size_t *n);

struct heartbeat_state {
	const char *role, *agent_status;
	long config_version, pending_commands;
};
/* 1 found (instance of that agent), 0 not, -1 error. */
int db_heartbeat_state(struct db *db, struct arena *a, const char *agent_id, const char *instance_id,
		       struct heartbeat_state *out);
int db_heartbeat_instance(struct db *db, const char *agent_id, const char *instance_id, const char *status,
			  long long uptime);
/* Marks the agent seen; *came_online = 1 when it was offline. */
int db_heartbeat_agent(struct db *db, const char *agent_id, const char *status, int *came_online);

struct heartbeat_fast_state {
	struct heartbeat_state state;
	const char *client_id;
	int agent_stale; /* the agent row's heartbeat is older than stale_s (or it is offline-worthy) */
	const char *token_id;
	int token_stale;	     /* its last_used_at is older than AUTH_TOUCH_S: auth_touch it */
	unsigned long long hb_gen;   /* instances.hb_gen read with the answer (migration 0017) */
	long long valid_ms;	     /* the answer holds this long if no row changes (<= 0: already due) */
};
/* A remembered heartbeat answer is re-read from the database at least this often. */
#define DB_HEARTBEAT_MEMO_MAX_S 600
/*
 * The token check and what the heartbeat answers, in one read: 1 when the
 * token may heartbeat this agent's instance (out filled), 0 not, -1 error.
 */
int db_heartbeat_fast_state(struct db *db, struct arena *a, const unsigned char token_hash[32], const char *agent_id,
			    const char *instance_id, long stale_s, struct heartbeat_fast_state *out);

/*
 * The heartbeat's write when an answer is remembered: matches only while the
 * instance still has ROLE and HB_GEN. 1 written (the answer holds), 0 nothing
 * matched (re-read it), -1 error.
 */
int db_heartbeat_instance_gen(struct db *db, const char *agent_id, const char *instance_id, const char *role,
			      unsigned long long hb_gen, const char *status, long long uptime);

#endif
