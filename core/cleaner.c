/* cleaner.c - retention rules and the tick that applies them in bounded batches (see cleaner.h). */
#include "core/cleaner.h"
#include "common/arena.h"
#include "core/clients.h"
#include "core/db.h"
#include "core/db_cleaner.h"

#include <json-c/json.h>

const struct cleaner_rule cleaner_rules[CLEANER_NTABLES] = {
	[CLEANER_STAGING_PRICES] = { "spot_price_snapshots", 7 },
	[CLEANER_PRICING_REPORTS] = { "pricing_reports", 30 },
	[CLEANER_TERMINATED_INSTANCES] = { "instances", 30 },
	[CLEANER_SESSIONS] = { "sessions", 0 },
	[CLEANER_IDEMPOTENCY_KEYS] = { "idempotency_keys", 0 },
	[CLEANER_JOB_RUNS] = { "job_runs", 90 },
	[CLEANER_DECISIONS] = { "ml_decisions", 14 },
	[CLEANER_DECISIONS_EXECUTED] = { "ml_decisions_executed", 90 },
	[CLEANER_POOL_RISK] = { "pool_risk_analysis", 90 },
};

int64_t cleaner_cutoff(enum cleaner_table t, int64_t now_ms)
{
	return now_ms - (int64_t)cleaner_rules[t].keep_days * CLEANER_DAY_MS;
}

enum core_result cleaner_tick(struct db *db, struct arena *a, int64_t now_ms, struct json_object *stats,
			      const char **error)
{
	struct json_object *tables = json_object_new_object();
	long long total = 0;
	int64_t wm = 0;
	int have_wm = 0;

	json_object_object_add(stats, "deleted", tables);
	if (db_cleaner_watermark(db, a, &wm, &have_wm) < 0)
		goto fail;
	for (int t = 0; t < CLEANER_NTABLES; t++) {
		int64_t cutoff = cleaner_cutoff((enum cleaner_table)t, now_ms);
		long long n = 0, d;
		int batches = 0;
		/* Staging rows not consolidated yet stay (a consolidation that is behind loses nothing). */
		if (t == CLEANER_STAGING_PRICES && have_wm && wm < cutoff)
			cutoff = wm;
		do {
			if (db_cleaner_batch(db, a, (enum cleaner_table)t, cutoff, CLEANER_BATCH_ROWS, &d) < 0)
				goto fail;
			n += d;
		} while (d == CLEANER_BATCH_ROWS && ++batches < CLEANER_MAX_BATCHES);
		json_object_object_add(tables, cleaner_rules[t].name, json_object_new_int64(n));
		total += n;
	}
	json_object_object_add(stats, "total", json_object_new_int64(total));
	if (total > 0) {
		struct actor who = { .type = "job", .id = "cleaner", .trace_id = NULL };
		const char *details = json_object_to_json_string_ext(tables, JSON_C_TO_STRING_PLAIN);
		if (db_cleaner_log(db, total, details) < 0 ||
		    clients_audit(db, &who, NULL, NULL, "retention.cleanup", "retention", NULL,
				  "old rows removed by the retention cleaner", NULL, details) < 0)
			goto fail;
	}
	return CORE_OK;
fail:
	if (error)
		*error = db->last_error;
	return CORE_ERR;
}
