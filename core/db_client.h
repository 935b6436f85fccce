/*
 * db_client.h - the client API's read queries (DESIGN.md section 5, issue 7):
 * paged lists of one client's rows, the downtime window, price history, and
 * the lookups the replica actions need. Rows come in the column order written
 * here, strings in the caller's arena; times as RFC 3339 text. Every list is
 * ordered by a unique key last, so LIMIT/OFFSET pages never repeat a row.
 * Windows (from, to) are "YYYY-MM-DD HH:MM:SS.mmm" UTC text, from inclusive,
 * to exclusive.
 */
#ifndef SPOT_DB_CLIENT_H
#define SPOT_DB_CLIENT_H

#include "core/db.h"

/*
 * Agents: id, logical_agent_id, hostname, status, current_mode, current_pool_id, instance_id, instance_type,
 * region, az, last_heartbeat_at, auto_switch_enabled, auto_terminate_enabled, manual_replica_enabled,
 * terminate_wait_seconds, config_version, version, notice_status.
 */
int db_client_agents(struct db *db, struct arena *a, const char *client_id, long limit, long offset,
		     struct db_rows *out);
/*
 * Instances, newest first: id, agent_id, role, instance_type, region, az, mode, pool_id, spot_price,
 * ondemand_price, last_heartbeat_at, terminated_at, created_at. which: active|terminated|all.
 */
int db_client_instances(struct db *db, struct arena *a, const char *client_id, const char *which, long limit,
			long offset, struct db_rows *out);
/*
 * Replicas, live ones first then newest: id, agent_id, logical_agent_id, client_id, instance_id, replica_type,
 * status, pool_id, instance_type, az, state_transfer_progress, error, created_at, created_at (epoch s),
 * ready_at, promoted_at, terminated_at, client name. client_id NULL: every client (an admin).
 * which: live|ended|all.
 */
int db_client_replicas(struct db *db, struct arena *a, const char *client_id, const char *which, long limit,
		       long offset, struct db_rows *out);
/*
 * Switches in [from, to), newest first: id, agent_id, logical_agent_id, status, event_trigger, old_instance_id,
 * old_mode, old_pool_id, old_spot_price, new_instance_id, new_mode, new_pool_id, new_spot_price, ondemand_price,
 * savings_impact, downtime_seconds, at (initiated, else created).
 */
int db_client_switches(struct db *db, struct arena *a, const char *client_id, const char *from, const char *to,
		       long limit, long offset, struct db_rows *out);
/*
 * Savings per day (by_month 0) or per month (1) with dates in [from, to] ("YYYY-MM-DD"), oldest first:
 * period ("YYYY-MM-DD" or "YYYY-MM"), ondemand_cost, actual_cost, replica_cost, savings, switch_count,
 * interruption_count.
 */
int db_client_savings(struct db *db, struct arena *a, const char *client_id, int by_month, const char *from,
		      const char *to, long limit, long offset, struct db_rows *out);
/*
 * Notifications, newest first: id, agent_id, type, severity, title, message, is_read, read_at, created_at.
 */
int db_client_notifications(struct db *db, struct arena *a, const char *client_id, int unread_only, long limit,
			    long offset, struct db_rows *out);
/* Switches in [from, to) for the downtime figures: status, downtime_seconds (may be NULL). At most max rows. */
int db_client_downtime(struct db *db, struct arena *a, const char *client_id, const char *from, const char *to,
		       long max, struct db_rows *out);
/* A spot pool: id, instance_type, region, az. */
int db_client_pool(struct db *db, struct arena *a, const char *pool_id, struct db_rows *out);
/* A pool's consolidated 5-minute prices of the last days, oldest first: bucket_start, price, data_quality_flag, gap_flagged. */
int db_client_prices(struct db *db, struct arena *a, const char *pool_id, long days, long max, struct db_rows *out);
/* Who owns replica rid: agent_id, client_id. client_id NULL: any client. */
int db_client_replica_owner(struct db *db, struct arena *a, const char *rid, const char *client_id,
			    struct db_rows *out);
/* The agent's primary instance id, locked (inside a transaction). 1 found (*id set), 0 none, -1 error. */
int db_client_primary_lock(struct db *db, struct arena *a, const char *agent_id, const char **id);

#endif
