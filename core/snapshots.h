/*
 * snapshots.h - the daily snapshots (seed 001 "Snapshot Jobs"; DESIGN.md section 6):
 * clients_daily_snapshot (client, agent and instance counts) and savings_snapshots
 * (per client per day: on-demand cost of the hours run, actual cost from the
 * instances' prices, savings).
 *
 * A tick snapshots every completed UTC day that has no clients_daily_snapshot row
 * yet, from SNAPSHOTS_BACKFILL_DAYS before `now` up to yesterday, oldest first, at
 * most SNAPSHOTS_MAX_DAYS_PER_TICK of them: the first run backfills, later runs add
 * the day that just ended. Both tables are upserted per day (and client), so
 * running a day again writes the same rows.
 *
 * Counts describe the state at the end of the day as far as the tables keep it:
 * clients and agents created by then (active: is_active now); online agents: those
 * that heartbeated on that day or later; instances: those running at some moment
 * of the day (installed before its end, not terminated before its start).
 * Hours run are each instance's overlap with the day; replicas add to the actual
 * cost (and replica_cost) but not to the on-demand baseline.
 */
#ifndef SPOT_SNAPSHOTS_H
#define SPOT_SNAPSHOTS_H

#include "core/result.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;
struct json_object;

#define SNAPSHOTS_BACKFILL_DAYS 90
#define SNAPSHOTS_MAX_DAYS_PER_TICK 90
#define SNAPSHOTS_DAY_MS (86400 * 1000LL)

/* Start (00:00 UTC, epoch ms) of the day holding ms. */
int64_t snapshots_day_start(int64_t ms);
/*
 * The days to snapshot: each day start in [now's day - backfill_days, now's day)
 * not in have (sorted or not, nhave entries), oldest first, at most max.
 * Returns the count written to out (room for max).
 */
size_t snapshots_missing_days(int64_t now_ms, int backfill_days, const int64_t *have, size_t nhave, int64_t *out,
			      size_t max);

/* The job's tick (jobs/job_snapshots.c). */
enum core_result snapshots_tick(struct db *db, struct arena *a, int64_t now_ms, struct json_object *stats,
				const char **error);

#endif
