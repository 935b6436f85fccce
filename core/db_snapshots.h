/*
 * db_snapshots.h - statements of the daily snapshots: clients_daily_snapshot and
 * savings_snapshots upserts computed in SQL from clients, agents, instances,
 * instance_types, switches and spot_interruption_events. Times are epoch ms (UTC).
 * Functions return 0 or -1 (db->last_error).
 */
#ifndef SPOT_DB_SNAPSHOTS_H
#define SPOT_DB_SNAPSHOTS_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

/* Day starts (epoch ms) in [from_ms, to_ms) that have a clients_daily_snapshot row. */
int db_snapshots_days(struct db *db, struct arena *a, int64_t from_ms, int64_t to_ms, int64_t **out, size_t *n);
/* Earliest clients.created_at (epoch ms); *found 0 when there is no client. */
int db_snapshots_first_client(struct db *db, struct arena *a, int64_t *ms, int *found);
/* Upserts the day starting at day_ms; now_ms ends instances still running. *clients: savings rows (one per client). */
int db_snapshots_day(struct db *db, struct arena *a, int64_t day_ms, int64_t now_ms, long long *clients,
		     long long *total_clients, long long *total_agents, long long *total_instances);

#endif
