/*
 * models.h - the decision model registry (issue 8 item 3, seed 004 "ML model
 * interface"): upload a model file, validate it, activate it, roll back.
 * Rows live in ml_models (sql/migrations/0006_ml_analytics.sql); the decision
 * job (spot-decide) uses the one active row, rules-v1 when none is active.
 *
 * Lifecycle: uploaded -> validated | invalid -> active -> retired.
 *   upload    the model file (JSON, at most MODELS_MAX_FILE bytes) is kept in
 *             parameters with its SHA-256 and size; name, version and engine
 *             come from the file; name+version is unique.
 *   validate  decision_model_parse() (schema, known features, finite numbers)
 *             and then held-out data: the canonical prices of the last
 *             MODELS_VALIDATE_HOURS hours, cut in time at the middle; the
 *             later half is the held-out part. Rows: a pool at a time while
 *             priced below on-demand (as spot-train learns; a pool above
 *             on-demand is never a target). Label: its price rises above the
 *             type's on-demand price, or one of our instances in it is
 *             interrupted, within the next hour. A logreg
 *             model needs an AUC of its scores >= MODELS_MIN_AUC there, and any
 *             model a replay (core/backtest.h) over the held-out half costing
 *             at most MODELS_MAX_COST_RATIO times rules-v1's replay.
 *             Too little data is no verdict: the status stays and the answer
 *             says what is missing.
 *   activate  only a validated model: in one transaction the active one is
 *             retired and this one becomes active with previous_model_id set
 *             to it (rules-v1's row when none was active).
 *   rollback  the active model is retired and its previous_model_id becomes
 *             active again (its own previous_model_id is kept).
 * Each change writes a system_events row (model.uploaded, model.validated,
 * model.invalid, model.activated, model.rolled_back: its subject is the model
 * the roll back retired, its post_state names the one now active).
 */
#ifndef SPOT_MODELS_H
#define SPOT_MODELS_H

#include "core/clients.h"
#include "core/db_models.h"
#include "core/result.h"

#include <stddef.h>
#include <stdint.h>

#define MODELS_MAX_FILE (256 * 1024)   /* bytes of an uploaded model file */
#define MODELS_VALIDATE_HOURS (7 * 24) /* canonical prices read for a validation */
#define MODELS_VALIDATE_MAX_ROWS 200000 /* ~45 MB of rows in the request arena at most */
#define MODELS_VALIDATE_MAX_POOLS 512
#define MODELS_MIN_HELDOUT 200         /* labelled held-out rows needed */
#define MODELS_MIN_CLASS 5             /* of each label among them */
#define MODELS_MIN_AUC 0.60
#define MODELS_MAX_COST_RATIO 1.02     /* replay cost against rules-v1's */
#define MODELS_MESSAGE_MAX 512

struct models_outcome {
	char id[37];
	char status[16];                /* the row's status afterwards */
	char field[64];                 /* the file field a refusal names, "" if none */
	char message[MODELS_MESSAGE_MAX];
	const char *metrics;            /* JSON text in the arena, or NULL */
};

struct backtest_pool;
struct backtest_ondemand;
struct decision_model;
struct json_object;

/* The held-out data of a validation: price step series per pool, on-demand per type, interruptions. */
struct models_heldout {
	struct backtest_pool *pools;
	size_t npools;
	struct backtest_ondemand *od;
	size_t nod;
	int64_t start_ms, end_ms;   /* the first and last price time of all pools */
	int64_t **irq;              /* per pool: interruption times (epoch ms, ascending), nirq of them */
	size_t *nirq;
};

struct models_verdict {
	int insufficient;           /* too little data: no verdict (reason says what is missing) */
	int pass;                   /* else: 1 validated, 0 invalid (reason says why) */
	char reason[MODELS_MESSAGE_MAX];
	struct json_object *metrics; /* {label, window_hours, pools, split, n, positives, auc, replay_cost,
					rules_cost, ondemand_cost, cheapest_spot_cost, switches, rules_switches,
					cost_ratio, ...}; the caller releases it */
};

/*
 * The held-out checks of models.h's header on d, pure (no I/O): the later half of [start_ms, end_ms] is
 * held out; AUC (logreg only) and the replay against rules-v1. Returns 0 with v filled, or -1 with
 * v->reason when the replay refused the data (v->metrics is set either way).
 */
int models_judge(const struct models_heldout *d, const struct decision_model *m, struct models_verdict *v);

/*
 * Stores an uploaded model file (text, len bytes). CORE_CREATED (out->id),
 * CORE_INVALID (not a JSON object, or name/version/engine missing: out->field,
 * out->message), CORE_DUPLICATE (name and version taken), CORE_ERR.
 */
enum core_result models_upload(struct db *db, struct arena *a, const char *text, size_t len, const struct actor *who,
			       struct models_outcome *out);
/*
 * Validates a model. CORE_OK (status validated, or invalid with the reason:
 * out->status says which), CORE_NOT_FOUND, CORE_CONFLICT (the model is active
 * or retired, or too little held-out data: out->message), CORE_ERR.
 */
enum core_result models_validate(struct db *db, struct arena *a, const char *id, const struct actor *who,
				 struct models_outcome *out);
/* CORE_OK, CORE_NOT_FOUND, CORE_CONFLICT (not validated: out->message), CORE_ERR. */
enum core_result models_activate(struct db *db, struct arena *a, const char *id, const struct actor *who,
				 struct models_outcome *out);
/* CORE_OK (out->id: the model now active), CORE_CONFLICT (nothing to roll back to), CORE_ERR. */
enum core_result models_rollback(struct db *db, struct arena *a, const struct actor *who, struct models_outcome *out);

#endif
