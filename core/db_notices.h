/*
 * db_notices.h - data access for spot interruption notices, the agent's
 * notice state, pool flags, the emergency status view and cleanup_logs.
 * Times are passed as milliseconds since the epoch (UTC). Strings live in the
 * caller's arena.
 */
#ifndef SPOT_DB_NOTICES_H
#define SPOT_DB_NOTICES_H

#include <stdint.h>

struct arena;
struct db;
struct db_rows;

#define NOTICE_SIGNAL_REBALANCE "rebalance-recommendation"
#define NOTICE_SIGNAL_TERMINATION "termination-notice"

struct notice_event {
	const char *id, *response_action, *replica_id, *command_id;
	double risk; /* -1 when not recorded */
};

/* The instance the notice is about, when it is agent_id's; locked. 1 / 0 / -1. */
struct notice_instance {
	const char *id, *role, *pool_id;
};
int db_notices_instance_lock(struct db *db, struct arena *a, const char *instance_id, const char *agent_id,
			     struct notice_instance *out);

/*
 * Records the signal for the instance, or refreshes the row of an earlier
 * report of the same signal (unique (instance_id, signal_type)). action_ms
 * and notice_action apply to termination notices (0 / NULL otherwise).
 */
int db_notices_event_upsert(struct db *db, const char *client_id, const char *agent_id, const char *instance_id,
			    const char *pool_id, const char *signal, int64_t notice_ms, int64_t action_ms,
			    const char *notice_action);
/* The event row of (instance, signal), locked. 1 / 0 / -1. */
int db_notices_event_get_lock(struct db *db, struct arena *a, const char *instance_id, const char *signal,
			      struct notice_event *out);
/* Stores what the server did about the event (risk < 0: leave NULL). */
int db_notices_event_respond(struct db *db, const char *event_id, double risk, const char *action,
			     const char *replica_id, const char *command_id);

/* notice_status rebalance (never downgrading termination), notice_received_at now. */
int db_notices_agent_rebalance(struct db *db, const char *agent_id);
/* notice_status termination, notice_received_at now, notice_deadline = action time. */
int db_notices_agent_termination(struct db *db, const char *agent_id, int64_t deadline_ms);
/* Flags the pool for everyone for minutes from now and stamps last_interruption_at. */
int db_notices_pool_flag(struct db *db, const char *pool_id, int minutes);

/*
 * Emergency status rows, column orders as listed:
 * events:   id, instance_id, signal_type, notice_time, action_time, notice_action, risk_score,
 *           response_action, replica_id, command_id, detected_at   (resolved_at IS NULL, newest first)
 * replicas: id, instance_id, replica_type, status, pool_id, state_transfer_progress, created_at,
 *           ready_at, command_id                                   (launching|syncing|ready)
 * commands: id, type, status, priority, payload, created_at, expires_at
 *           (emergency_launch|launch_replica|promote, pending|acked|running, not expired)
 * Times are RFC 3339. At most NOTICES_LIST_MAX rows each.
 */
#define NOTICES_LIST_MAX 50
int db_notices_open_events(struct db *db, struct arena *a, const char *agent_id, struct db_rows *out);
int db_notices_live_replicas(struct db *db, struct arena *a, const char *agent_id, struct db_rows *out);
int db_notices_emergency_commands(struct db *db, struct arena *a, const char *agent_id, struct db_rows *out);
/* notice_status, notice_deadline, notice_received_at of the agent. 1 / 0 / -1. */
int db_notices_agent_state(struct db *db, struct arena *a, const char *agent_id, struct db_rows *out);

/* One cleanup_logs row (source agent); details and errors are JSON text or NULL. */
int db_notices_cleanup_insert(struct db *db, const char *id, const char *client_id, const char *agent_id,
			      long long amis, long long snapshots, const char *details, const char *errors);

#endif
