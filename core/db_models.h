/*
 * db_models.h - the model registry's statements (ml_models, issue 8 item 3;
 * sql/migrations/0006_ml_analytics.sql) and the reads its validation and its
 * performance figures need (pricing_canonical, spot_interruption_events,
 * ml_decisions, switches). Strings land in the caller's arena.
 *
 * The built-in rules-v1 has a fixed row (DB_MODELS_BUILTIN_ID, engine
 * 'rules', status 'validated' until someone activates it), created on first
 * use: the decision job uses rules-v1 whenever no row is active, and a roll
 * back from the first activated model returns to this row.
 */
#ifndef SPOT_DB_MODELS_H
#define SPOT_DB_MODELS_H

#include "core/db.h"

#define DB_MODELS_BUILTIN_ID "00000000-0000-4000-8000-000000000001"

struct db_models_new {
	const char *id, *name, *model_version, *engine;
	const unsigned char *sha256; /* 32 bytes */
	long long size;
	const char *parameters;      /* the model file (JSON text) */
	const char *uploaded_by;
};

/* Creates the rules-v1 row when it is missing. 0 or -1. */
int db_models_ensure_builtin(struct db *db, struct arena *a);
/* 0, or -1 (db_is_duplicate: name and version taken). */
int db_models_insert(struct db *db, const struct db_models_new *m);

/*
 * Models with their figures of the last DB_MODELS_PERF_DAYS days, newest first; id NULL: every model.
 * Columns: 0 id, 1 name, 2 model_version, 3 engine, 4 status, 5 file sha256 (hex), 6 file_size, 7 metrics,
 * 8 validation_error, 9 previous_model_id, 10 uploaded_by, 11 created_at, 12 validated_at, 13 activated_at,
 * 14 deactivated_at (RFC 3339), 15 version, 16 decisions, 17 executed, 18 expected savings of the executed
 * ($/h, summed), 19 switches completed from them, 20 realized savings of those switches ($/h, summed),
 * 21 created_at (epoch s). Decisions that name no model count for rules-v1. An executed decision is one
 * with executed set and its command_id kept.
 */
#define DB_MODELS_PERF_DAYS 7
int db_models_list(struct db *db, struct arena *a, const char *id, struct db_rows *out);

/*
 * One model with its file: 0 id, 1 name, 2 model_version, 3 engine, 4 status, 5 parameters,
 * 6 previous_model_id, 7 version. No row: absent. Inside a transaction the row stays locked (FOR UPDATE)
 * until it ends; outside one (autocommit) it is a plain read.
 */
int db_models_lock(struct db *db, struct arena *a, const char *id, struct db_rows *out);
/* Inside a transaction: the active model locked, the same columns. No row: none active. */
int db_models_lock_active(struct db *db, struct arena *a, struct db_rows *out);
/* The outcome of a validation: status, metrics (JSON or NULL), validation_error (or NULL). */
int db_models_set_validation(struct db *db, const char *id, const char *status, const char *metrics,
			     const char *error);
/* Active -> retired. *changed = 1 when the row was active. */
int db_models_retire(struct db *db, const char *id, int *changed);
/* -> active; previous: the previous_model_id to store, or keep the stored one when keep_previous. */
int db_models_activate(struct db *db, const char *id, const char *previous, int keep_previous, int *changed);

/*
 * Canonical prices of the last hours, by pool then time: 0 pool_id, 1 instance_type, 2 az, 3 bucket_start
 * (epoch ms), 4 price, 5 ondemand_price (may be NULL), 6 region. At most limit rows (whole pools first:
 * the last pool read may be cut short).
 */
int db_models_prices(struct db *db, struct arena *a, long hours, long limit, struct db_rows *out);
/* The catalog's on-demand prices: 0 instance_type, 1 ondemand_price, 2 region. */
int db_models_ondemand(struct db *db, struct arena *a, struct db_rows *out);
/* Interruptions of the last hours, by pool then time: 0 pool_id, 1 detected_at (epoch ms). */
int db_models_interruptions(struct db *db, struct arena *a, long hours, struct db_rows *out);
/* A model's audit rows, newest first: 0 created_at (RFC 3339), 1 action, 2 actor_type, 3 actor_id, 4 message. */
int db_models_events(struct db *db, struct arena *a, const char *id, struct db_rows *out);

#endif
