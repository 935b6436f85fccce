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
 *             later half is the held-out part. Label of a pool at a time: its
 *             price rises above the type's on-demand price, or one of our
 *             instances in it is interrupted, within the next hour. A logreg
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
 * model.invalid, model.activated, model.rolled_back).
 */
#ifndef SPOT_MODELS_H
#define SPOT_MODELS_H

#include "core/clients.h"
#include "core/db_models.h"
#include "core/result.h"

#define MODELS_MAX_FILE (256 * 1024)   /* bytes of an uploaded model file */
#define MODELS_VALIDATE_HOURS (7 * 24) /* canonical prices read for a validation */
#define MODELS_VALIDATE_MAX_ROWS 400000
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
