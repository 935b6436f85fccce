/* snapshots.c - which days to snapshot, and the tick that writes them (see snapshots.h). */
#include "core/snapshots.h"
#include "common/arena.h"
#include "common/timeutil.h"
#include "core/clients.h"
#include "core/db.h"
#include "core/db_snapshots.h"
#include "core/txn.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

int64_t snapshots_day_start(int64_t ms)
{
	int64_t r = ms % SNAPSHOTS_DAY_MS;
	if (r < 0)
		r += SNAPSHOTS_DAY_MS;
	return ms - r;
}

size_t snapshots_missing_days(int64_t now_ms, int backfill_days, const int64_t *have, size_t nhave, int64_t *out,
			      size_t max)
{
	int64_t today = snapshots_day_start(now_ms);
	size_t n = 0;

	for (int64_t d = today - (int64_t)backfill_days * SNAPSHOTS_DAY_MS; d < today && n < max;
	     d += SNAPSHOTS_DAY_MS) {
		int found = 0;
		for (size_t i = 0; i < nhave && !found; i++)
			found = have[i] == d;
		if (!found)
			out[n++] = d;
	}
	return n;
}

struct snapshots_step {
	struct arena *a;
	int64_t day_ms, now_ms;
	long long clients, total_clients, total_agents, total_instances;
};

/* One day: both tables and its audit row, in one transaction. */
static enum core_result snapshots_day_step(struct db *db, void *ctx)
{
	struct snapshots_step *s = ctx;
	struct actor who = { .type = "job", .id = "snapshots", .trace_id = NULL };
	char date[40], post[256];

	if (db_snapshots_day(db, s->a, s->day_ms, s->now_ms, &s->clients, &s->total_clients, &s->total_agents,
			     &s->total_instances) < 0)
		return CORE_ERR;
	time_format_rfc3339(s->day_ms, date, sizeof(date));
	date[10] = '\0';
	snprintf(post, sizeof(post), "{\"date\":\"%s\",\"total_clients\":%lld,\"total_agents\":%lld,\"total_instances\":%lld}",
		 date, s->total_clients, s->total_agents, s->total_instances);
	if (clients_audit(db, &who, NULL, NULL, "snapshot.daily", "snapshot", date, "daily snapshot written", NULL,
			  post) < 0)
		return CORE_ERR;
	return CORE_OK;
}

enum core_result snapshots_tick(struct db *db, struct arena *a, int64_t now_ms, struct json_object *stats,
				const char **error)
{
	int64_t today = snapshots_day_start(now_ms), first = 0, *have = NULL, days[SNAPSHOTS_MAX_DAYS_PER_TICK];
	size_t nhave = 0, ndays;
	int found, backfill = SNAPSHOTS_BACKFILL_DAYS;
	long long savings_rows = 0;
	struct json_object *written = json_object_new_array();

	json_object_object_add(stats, "days", written);
	if (db_snapshots_first_client(db, a, &first, &found) < 0)
		goto fail;
	if (!found) {
		json_object_object_add(stats, "savings_rows", json_object_new_int64(0));
		return CORE_OK;
	}
	/* No day before the first client: a new installation backfills from its first day only. */
	if ((today - snapshots_day_start(first)) / SNAPSHOTS_DAY_MS < backfill)
		backfill = (int)((today - snapshots_day_start(first)) / SNAPSHOTS_DAY_MS);
	if (db_snapshots_days(db, a, today - (int64_t)backfill * SNAPSHOTS_DAY_MS, today, &have, &nhave) < 0)
		goto fail;
	ndays = snapshots_missing_days(now_ms, backfill, have, nhave, days, SNAPSHOTS_MAX_DAYS_PER_TICK);
	for (size_t i = 0; i < ndays; i++) {
		struct snapshots_step s = { .a = a, .day_ms = days[i], .now_ms = now_ms };
		char date[40];
		if (txn_run(db, "snapshots_day", 0, snapshots_day_step, &s) != CORE_OK)
			goto fail;
		time_format_rfc3339(days[i], date, sizeof(date));
		date[10] = '\0';
		json_object_array_add(written, json_object_new_string(date));
		savings_rows += s.clients;
	}
	json_object_object_add(stats, "savings_rows", json_object_new_int64(savings_rows));
	return CORE_OK;
fail:
	if (error)
		*error = db->last_error;
	return CORE_ERR;
}
