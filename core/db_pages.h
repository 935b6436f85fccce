/*
 * db_pages.h - the dashboard's read queries (issue 7). Each answers rows in
 * the column order documented here, strings in the caller's arena.
 * client_id scopes every query to one client; NULL means every client (an
 * admin). Times come as RFC 3339 text and as epoch seconds.
 */
#ifndef SPOT_DB_PAGES_H
#define SPOT_DB_PAGES_H

#include "core/db.h"

/* Savings since the first of this month (UTC): days, savings, ondemand_cost, actual_cost. One row. */
int db_pages_savings_month(struct db *db, struct arena *a, const char *client_id, struct db_rows *out);
/* Agents per mode: current_mode, count. */
int db_pages_fleet_modes(struct db *db, struct arena *a, const char *client_id, struct db_rows *out);
/* Agents per status: status, count. */
int db_pages_fleet_status(struct db *db, struct arena *a, const char *client_id, struct db_rows *out);
/* Agents under a notice: id, logical_agent_id, notice_status, deadline (RFC 3339), deadline (epoch s). */
int db_pages_emergencies(struct db *db, struct arena *a, const char *client_id, struct db_rows *out);
/*
 * The latest switches: id, agent_id, logical_agent_id, old_mode, old_pool_id, new_mode, new_pool_id,
 * savings_impact, downtime_seconds, status, at (RFC 3339), at (epoch s). agent_id NULL: all agents.
 */
int db_pages_switches(struct db *db, struct arena *a, const char *client_id, const char *agent_id, long limit,
		      struct db_rows *out);
/*
 * Agents: id, logical_agent_id, hostname, status, current_mode, current_pool_id, instance_type,
 * last_heartbeat_at (RFC 3339), last_heartbeat_at (epoch s), client name, notice_status.
 */
int db_pages_agents(struct db *db, struct arena *a, const char *client_id, struct db_rows *out);
/*
 * One agent: id, client_id, client name, logical_agent_id, hostname, status, current_mode, current_pool_id,
 * instance_id, instance_type, region, az, last_heartbeat_at (RFC 3339), (epoch s), auto_switch_enabled,
 * auto_terminate_enabled, manual_replica_enabled, terminate_wait_seconds, config_version, version,
 * notice_status, notice_deadline (RFC 3339), agent_version, the primary instance's spot_price and
 * ondemand_price, the pool's latest reported price and its observed_at (RFC 3339) (each may be NULL).
 * No row: absent or another client's.
 */
int db_pages_agent(struct db *db, struct arena *a, const char *client_id, const char *agent_id, struct db_rows *out);
/*
 * A pool's price over the last days, hourly means: hour start (epoch s), price. From pricing_consolidated,
 * or from the raw spot_price_snapshots when consolidated has nothing (*source says which).
 */
int db_pages_pool_history(struct db *db, struct arena *a, const char *pool_id, long days, struct db_rows *out,
			  const char **source);

/* Switches of the last days, newest first: the columns of db_pages_switches. */
int db_pages_switches_since(struct db *db, struct arena *a, const char *client_id, long days, long limit,
			    struct db_rows *out);
/*
 * Savings per day over the last days (today included), oldest first, summed over the scope:
 * date (YYYY-MM-DD), date (epoch s), ondemand_cost, actual_cost, savings.
 */
int db_pages_savings_daily(struct db *db, struct arena *a, const char *client_id, long days, struct db_rows *out);
/*
 * Interruption events, newest first: id, agent_id, logical_agent_id, instance_id, signal_type,
 * response_action, outcome, failover_seconds, detected_at (RFC 3339), (epoch s), resolved_at (RFC 3339).
 */
int db_pages_interruptions(struct db *db, struct arena *a, const char *client_id, long limit, struct db_rows *out);

/*
 * Instances: id, agent_id, logical_agent_id, role, instance_type, az, mode, pool_id, spot_price,
 * ondemand_price, last_heartbeat_at (RFC 3339), (epoch s), terminated_at (RFC 3339).
 * which: "active" (not terminated), "terminated" or "all".
 */
int db_pages_instances(struct db *db, struct arena *a, const char *client_id, const char *which, struct db_rows *out);
/*
 * Notifications, unread first then newest: id, agent_id, logical_agent_id, type, severity, title,
 * message, is_read, created_at (RFC 3339), (epoch s).
 */
int db_pages_notifications(struct db *db, struct arena *a, const char *client_id, struct db_rows *out);
/* Marks a notification read; *found = 0 when it is absent or another client's. */
int db_pages_notification_read(struct db *db, struct arena *a, const char *client_id, const char *id, int *found);

struct db_pages_audit_filter {
	const char *client_id, *agent_id; /* NULL: any */
	const char *actor;                /* an actor type or id, NULL: any */
	long hours, limit;
};
/*
 * The audit log, newest first: id, client_id, client name, agent_id, logical_agent_id, actor_type,
 * actor_id, action, severity, subject_type, subject_id, message, trace_id, created_at (RFC 3339), (epoch s).
 */
int db_pages_audit(struct db *db, struct arena *a, const struct db_pages_audit_filter *f, struct db_rows *out);

/*
 * Active spot pools of a region other than exclude, those of type first, then by type, zone and id:
 * id, instance_type, az. At most 100.
 */
int db_pages_pools(struct db *db, struct arena *a, const char *region, const char *type, const char *exclude,
		   struct db_rows *out);

/*
 * An agent's replicas, live ones (launching, syncing, ready) first then newest: id, instance_id, replica_type,
 * status, pool_id, state_transfer_progress, error, created_at (RFC 3339), (epoch s). At most limit.
 */
int db_pages_agent_replicas(struct db *db, struct arena *a, const char *client_id, const char *agent_id, long limit,
			    struct db_rows *out);
/*
 * An agent's latest decisions of the decision engine (ml_decisions), newest first: decided_at (RFC 3339),
 * (epoch s), decision_mode, decision, current_pool_id, target_mode, target_pool_id, expected_savings,
 * risk_score, confidence, reason, executed, suppressed_reason, model ("name version", rules-v1 when the
 * decision names no model), current_price, target_price, ondemand_price, current_mode. At most limit.
 */
int db_pages_decisions(struct db *db, struct arena *a, const char *client_id, const char *agent_id, long limit,
		       struct db_rows *out);

#define DB_PAGES_HOURLY_POOLS 4
/*
 * Up to DB_PAGES_HOURLY_POOLS pools' pricing_consolidated price at every hour start of the last days, in one
 * statement (the agent page's chart): k (the pool's index in pool_ids), hour (epoch s), price; by k, then
 * time. A pool without a row at an hour start has no point there.
 */
int db_pages_pools_hourly(struct db *db, struct arena *a, const char *const *pool_ids, size_t n, long days,
			  struct db_rows *out);

#endif
