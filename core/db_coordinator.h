/*
 * db_coordinator.h - the statements of the replica coordinator (core/coordinator.h):
 * which agents need attention, the agent, its open interruption events and its
 * live replicas as the coordinator sees them, closing events, the agent's
 * notice state, and the hourly replica cost log.
 *
 * Times: now_ms is the tick's clock (milliseconds since the epoch, UTC), so
 * tests drive every rule through --now. Strings live in the caller's arena.
 * Functions return 0 / -1, or 1 found / 0 absent / -1 error, unless they say
 * otherwise.
 */
#ifndef SPOT_DB_COORDINATOR_H
#define SPOT_DB_COORDINATOR_H

#include "core/db_replicas.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

/*
 * Ids of agents that may need the coordinator, ordered by id, at most max:
 * manual-replica agents without a live replica made since their last switch;
 * live manual replicas made by manual mode (command reason manual_mode or
 * rebalance) of agents no longer in it; replicas launching since before
 * launching_before_ms or syncing without a report since syncing_before_ms;
 * agents with an open interruption event. *ids gets an array of *n.
 */
int db_coordinator_candidates(struct db *db, struct arena *a, int64_t launching_before_ms, int64_t syncing_before_ms,
			      size_t max, const char ***ids, size_t *n);

/* The agent as the coordinator needs it, locked FOR UPDATE. */
struct coordinator_agent {
	struct replica_agent ag; /* what core/replicas.h takes */
	int auto_switch, enabled;
	const char *last_switch_at; /* RFC 3339 or NULL */
	int64_t last_switch_ms;     /* 0 when never */
};
int db_coordinator_agent_lock(struct db *db, struct arena *a, const char *agent_id, struct coordinator_agent *out);

/* An open (resolved_at NULL) interruption event of the agent, with what the coordinator needs to judge it. */
struct coordinator_event {
	const char *id, *instance_id, *signal_type, *pool_id, *response_action, *replica_id, *command_id;
	const char *instance_role;   /* the instance's role now, NULL when unknown */
	const char *command_status;  /* status of command_id, NULL when none */
	int64_t detected_ms;
	int64_t deadline_ms;         /* termination: action_time (or detected + 2 min); rebalance: detected + open time */
	double promoted_after_s;     /* replica promoted_at - detected_at, < 0 when not promoted */
	double command_after_s;      /* command finished_at - detected_at, < 0 when not finished */
	long version;
};
/* At most max open events of the agent, oldest first, locked. *rows gets an array of *n. */
int db_coordinator_events_lock(struct db *db, struct arena *a, const char *agent_id, int64_t rebalance_open_s,
			       size_t max, struct coordinator_event **rows, size_t *n);
/* Closes the event at version: resolved_at = now, outcome, failover_seconds (< 0: NULL). 1 closed, 0 moved, -1. */
int db_coordinator_event_close(struct db *db, const char *id, long version, int64_t now_ms, const char *outcome,
			       double failover_s);
/* Records the coordinator's response on an open event (risk < 0: unchanged). 1 / 0 (version moved) / -1. */
int db_coordinator_event_respond(struct db *db, const char *id, long version, double risk, const char *action,
				 const char *replica_id, const char *command_id);
/*
 * Recomputes the agent's notice state from its open events: termination (with
 * the latest open deadline) when a termination event is open, else rebalance,
 * else none. *changed = 1 when it moved; *status gets the new state.
 */
int db_coordinator_notice_refresh(struct db *db, struct arena *a, const char *agent_id, const char **status,
				  int *changed);

/* A live replica (launching, syncing or ready) of the agent with the coordinator's flags; locked. */
struct coordinator_replica {
	struct replica_row r;
	int stuck;        /* launching since before launching_before, or syncing without a report since syncing_before */
	int mode_owned;   /* type manual and made by manual mode (launch command reason manual_mode or rebalance) */
	int64_t created_ms;
};
int db_coordinator_replicas_lock(struct db *db, struct arena *a, const char *agent_id, int64_t launching_before_ms,
				 int64_t syncing_before_ms, size_t max, struct coordinator_replica **rows, size_t *n);
/* Ends a live replica at version: status terminated|failed, error may be NULL. 1 / 0 (moved) / -1. */
int db_coordinator_replica_end(struct db *db, const char *id, long version, const char *status, const char *error,
			       int64_t now_ms);

/*
 * replica_cost_log: one row per replica and complete hour it was up (it had
 * an instance) within the `hours` hours before now's hour, at most max rows,
 * at the replica's price (its own, its instance's, the pool's latest sample,
 * else the catalog's on-demand price). Rows that exist are left alone.
 * *added = rows inserted.
 */
int db_coordinator_cost_log(struct db *db, int64_t now_ms, int hours, size_t max, long long *added);

#endif
