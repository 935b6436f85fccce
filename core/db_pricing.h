/*
 * db_pricing.h - data access for pricing reports and the staging table
 * spot_price_snapshots (DESIGN.md section 4, pricing tier one).
 *
 * A report's rows travel to the database as JSON documents, each ONE bound
 * parameter that JSON_TABLE turns back into rows, so a report of up to 500
 * samples is one multi-row statement per table with bound parameters only,
 * whatever its size (db_query binds at most 64 parameters, which a VALUES
 * list of 500 rows would exceed):
 *   samples  [{"id","pool","price","at"}, ...]: one per sample to store (price
 *            as decimal text, at as "YYYY-MM-DD HH:MM:SS.mmm" UTC, id a
 *            version 7 UUID so the primary key grows at its end);
 *   pools    [{"pool","type","region","az"}, ...]: the distinct pools named;
 *   types    [{"type","region"}, ...]: the distinct (type, region) pairs.
 * Per report, the usual case is four statements: db_pricing_check (one
 * SELECT; db_pricing_owned when the caller already knows every pool and
 * catalog pair), the report row, the samples, and the audit row of the caller.
 */
#ifndef SPOT_DB_PRICING_H
#define SPOT_DB_PRICING_H

#include "common/uuid.h"

#include <stddef.h>

struct arena;
struct db;

struct pricing_report_row {
	const char *client_id, *agent_id, *instance_id, *source_role, *request_id;
	double ondemand_price;
	int has_ondemand;
	long price_count, accepted_count, rejected_count;
};

/* What db_pricing_check found, in arena memory. */
struct pricing_check_result {
	int owned;             /* instance_id is one of agent_id's instances */
	size_t nmissing_pools; /* pools of the pools document that do not exist yet */
	const char **unknown;  /* (type, region) pairs the catalog lacks, sorted */
	size_t nunknown;
};

/*
 * One non-locking SELECT: whether instance_id is agent_id's, which pools of
 * pools_json are missing, and which pairs of types_json the catalog lacks
 * (both documents are required; [] asks nothing). 0 or -1.
 */
int db_pricing_check(struct db *db, struct arena *a, const char *agent_id, const char *instance_id,
		     const char *pools_json, const char *types_json, struct pricing_check_result *out);
/* 1 when instance_id is one of agent_id's instances (a non-locking primary-key read), 0 not, -1 error. */
int db_pricing_owned(struct db *db, struct arena *a, const char *agent_id, const char *instance_id);
/* Records a report under id. -1 with db_is_duplicate() when (agent_id, request_id) exists. */
int db_pricing_report_insert(struct db *db, const char *id, const struct pricing_report_row *r);
/* The report an agent sent with request_id: 1 found (id, accepted filled), 0 none, -1 error. */
int db_pricing_report_find(struct db *db, struct arena *a, const char *agent_id, const char *request_id,
			   char id[UUID_STR_LEN + 1], long *accepted);
/* Creates the pools of pools_json that do not exist yet (one statement). */
int db_pricing_pools_ensure(struct db *db, const char *pools_json);
/*
 * Stores the samples of instance_id, skipping those already stored (the
 * unique key pool_id, observed_at, instance_id: INSERT IGNORE, so a sample
 * stored before, or meanwhile by a concurrent report, is neither an error
 * nor a write); *stored = rows inserted.
 */
int db_pricing_snapshots_insert(struct db *db, const char *samples_json, const char *agent_id,
				const char *instance_id, const char *role, const char *request_id, long *stored);

#endif
