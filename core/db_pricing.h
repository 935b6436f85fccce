/*
 * db_pricing.h - data access for pricing reports and the staging table
 * spot_price_snapshots (DESIGN.md section 4, pricing tier one).
 *
 * A report's samples travel to the database as ONE bound parameter: a JSON
 * array [{"id","pool","type","region","az","price","at"}, ...] (price as
 * decimal text, at as "YYYY-MM-DD HH:MM:SS.mmm" UTC) that JSON_TABLE turns
 * back into rows. So a report of up to 500 samples is one multi-row
 * INSERT ... SELECT per table, with bound parameters only, whatever its size
 * (db_query binds at most 64 parameters, which a VALUES list of 500 rows
 * would exceed).
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

/* 1 when instance_id is one of agent_id's instances, 0 not, -1 error. */
int db_pricing_instance_owned(struct db *db, struct arena *a, const char *agent_id, const char *instance_id);
/* Records a report under id. -1 with db_is_duplicate() when (agent_id, request_id) exists. */
int db_pricing_report_insert(struct db *db, const char *id, const struct pricing_report_row *r);
/* The report an agent sent with request_id: 1 found (id, accepted filled), 0 none, -1 error. */
int db_pricing_report_find(struct db *db, struct arena *a, const char *agent_id, const char *request_id,
			   char id[UUID_STR_LEN + 1], long *accepted);
/* Creates the pools of the samples that do not exist yet (one statement). */
int db_pricing_pools_ensure(struct db *db, const char *samples_json);
/*
 * Stores the samples of instance_id, skipping those already stored (the
 * unique key pool_id, observed_at, instance_id); *stored = rows inserted.
 */
int db_pricing_snapshots_insert(struct db *db, const char *samples_json, const char *agent_id,
				const char *instance_id, const char *role, const char *request_id, long *stored);
/* (type, region) pairs of the samples that the catalog lacks: 2 columns per row, in arena a. 0 or -1. */
int db_pricing_unknown_types(struct db *db, struct arena *a, const char *samples_json, const char ***pairs,
			     size_t *n);

#endif
