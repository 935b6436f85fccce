/* models.c - the decision model registry (see models.h). */
#include "core/models.h"
#include "core/backtest.h"
#include "core/decision.h"
#include "core/txn.h"
#include "common/arena.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/uuid.h"

#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void models_say(struct models_outcome *out, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void models_say(struct models_outcome *out, const char *field, const char *fmt, ...)
{
	va_list ap;
	snprintf(out->field, sizeof(out->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
}

static void models_outcome_reset(struct models_outcome *out)
{
	memset(out, 0, sizeof(*out));
}

/* A top-level string of the model file, 1..63 bytes, or NULL with the refusal said. */
static const char *models_file_string(struct json_object *root, const char *key, struct models_outcome *out)
{
	struct json_object *v;
	const char *s;
	if (!json_object_object_get_ex(root, key, &v) || !json_object_is_type(v, json_type_string)) {
		models_say(out, key, "the model file needs \"%s\" (a string)", key);
		return NULL;
	}
	s = json_object_get_string(v);
	if (!*s || strlen(s) > 63) {
		models_say(out, key, "\"%s\" must be 1 to 63 characters", key);
		return NULL;
	}
	return s;
}

enum core_result models_upload(struct db *db, struct arena *a, const char *text, size_t len, const struct actor *who,
			       struct models_outcome *out)
{
	struct json_tokener *tok;
	struct json_object *root;
	struct db_models_new m;
	unsigned char sha[DIGEST_SHA256_LEN];
	const char *name, *version, *engine;
	enum core_result rc = CORE_INVALID;

	models_outcome_reset(out);
	if (len > MODELS_MAX_FILE) {
		models_say(out, "file", "the model file is %zu bytes; at most %d are accepted", len, MODELS_MAX_FILE);
		return CORE_INVALID;
	}
	tok = json_tokener_new_ex(32);
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len) {
		models_say(out, "file", "the model file is not valid JSON");
		json_object_put(root);
		json_tokener_free(tok);
		return CORE_INVALID;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object)) {
		models_say(out, "file", "the model file must be one JSON object");
		goto out;
	}
	if (!(name = models_file_string(root, "name", out)) || !(version = models_file_string(root, "version", out)) ||
	    !(engine = models_file_string(root, "engine", out)))
		goto out;
	uuid_v4(out->id);
	digest_sha256(text, len, sha);
	m = (struct db_models_new){ .id = out->id, .name = name, .model_version = version, .engine = engine,
				    .sha256 = sha, .size = (long long)len,
				    .parameters = arena_strndup(a, text, len), .uploaded_by = who->id };
	if (db_begin(db) < 0) {
		rc = CORE_ERR;
		goto out;
	}
	if (db_models_insert(db, &m) < 0) {
		rc = db_is_duplicate(db) ? CORE_DUPLICATE : CORE_ERR;
		db_rollback(db);
		if (rc == CORE_DUPLICATE)
			models_say(out, "version", "a model named %s with version %s exists already", name, version);
		goto out;
	}
	if (clients_audit(db, who, NULL, NULL, "model.uploaded", "ml_model", out->id,
			  arena_printf(a, "model %s %s uploaded (%zu bytes)", name, version, len), NULL, NULL) < 0 ||
	    db_commit(db) < 0) {
		db_rollback(db);
		rc = CORE_ERR;
		goto out;
	}
	snprintf(out->status, sizeof(out->status), "uploaded");
	rc = CORE_CREATED;
out:
	json_object_put(root);
	return rc;
}

/* ---- validation on held-out data ---- */

/* The on-demand entry of (region, type), or -1. */
static int models_type_index(const struct models_heldout *d, const char *region, const char *type)
{
	for (size_t i = 0; i < d->nod; i++)
		if (!strcmp(d->od[i].instance_type, type) && !strcmp(d->od[i].region, region))
			return (int)i;
	return -1;
}

/* Reads the canonical prices, on-demand prices and interruptions into d (arena a). 0 or -1 (database). */
static int models_load(struct db *db, struct arena *a, struct models_heldout *d)
{
	struct db_rows r, cat, irq;
	size_t i = 0;

	memset(d, 0, sizeof(*d));
	if (db_models_prices(db, a, MODELS_VALIDATE_HOURS, MODELS_VALIDATE_MAX_ROWS, &r) < 0 ||
	    db_models_ondemand(db, a, &cat) < 0 || db_models_interruptions(db, a, MODELS_VALIDATE_HOURS, &irq) < 0)
		return -1;
	d->pools = arena_calloc(a, MODELS_VALIDATE_MAX_POOLS, sizeof(*d->pools));
	d->od = arena_calloc(a, MODELS_VALIDATE_MAX_POOLS, sizeof(*d->od));
	d->irq = arena_calloc(a, MODELS_VALIDATE_MAX_POOLS, sizeof(*d->irq));
	d->nirq = arena_calloc(a, MODELS_VALIDATE_MAX_POOLS, sizeof(*d->nirq));
	while (i < r.nrows && d->npools < MODELS_VALIDATE_MAX_POOLS) {
		const char *pool = db_rows_cell(&r, i, 0), *type = db_rows_cell(&r, i, 1), *region = db_rows_cell(&r, i, 6);
		size_t j = i, n = 0;
		struct backtest_point *pts;
		double od = 0;
		int t;
		while (j < r.nrows && !strcmp(db_rows_cell(&r, j, 0), pool))
			j++;
		pts = arena_calloc(a, j - i, sizeof(*pts));
		for (size_t k = i; k < j; k++) {
			const char *odc = db_rows_cell(&r, k, 5);
			pts[n].t_ms = (int64_t)strtoll(db_rows_cell(&r, k, 3), NULL, 10);
			pts[n].price = strtod(db_rows_cell(&r, k, 4), NULL);
			if (odc && strtod(odc, NULL) > 0)
				od = strtod(odc, NULL);
			if (!d->start_ms || pts[n].t_ms < d->start_ms)
				d->start_ms = pts[n].t_ms;
			if (pts[n].t_ms > d->end_ms)
				d->end_ms = pts[n].t_ms;
			n++;
		}
		d->pools[d->npools] = (struct backtest_pool){ .pool_id = pool, .region = region,
							      .instance_type = type,
							      .az = db_rows_cell(&r, i, 2), .pts = pts, .npts = n };
		/* On-demand: the canonical rows' own figure, else the catalog's. */
		if ((t = models_type_index(d, region, type)) < 0) {
			for (size_t c = 0; od <= 0 && c < cat.nrows; c++)
				if (!strcmp(db_rows_cell(&cat, c, 0), type) && !strcmp(db_rows_cell(&cat, c, 2), region))
					od = strtod(db_rows_cell(&cat, c, 1), NULL);
			d->od[d->nod++] = (struct backtest_ondemand){ .region = region, .instance_type = type, .price = od };
		} else if (od > 0 && d->od[t].price <= 0) {
			d->od[t].price = od;
		}
		/* This pool's interruptions (both lists are by pool id, then time). */
		for (size_t k = 0; k < irq.nrows; k++) {
			if (strcmp(db_rows_cell(&irq, k, 0), pool))
				continue;
			if (!d->irq[d->npools])
				d->irq[d->npools] = arena_calloc(a, irq.nrows, sizeof(int64_t));
			d->irq[d->npools][d->nirq[d->npools]++] = (int64_t)strtoll(db_rows_cell(&irq, k, 1), NULL, 10);
		}
		d->npools++;
		i = j;
	}
	return 0;
}

/* A number rounded for people, serialized as printed ("0.8842", not 0.88419999999999999). */
static struct json_object *models_num(double v, int decimals)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(strtod(buf, NULL), buf);
}

/* 1 when pool p has an interruption in (t, t + 1 h]. */
static int models_interrupted(const struct models_heldout *d, size_t p, int64_t t)
{
	for (size_t k = 0; k < d->nirq[p]; k++)
		if (d->irq[p][k] > t && d->irq[p][k] <= t + 3600 * 1000LL)
			return 1;
	return 0;
}

int models_judge(const struct models_heldout *d, const struct decision_model *m, struct models_verdict *v)
{
	struct backtest_input in = { .pools = d->pools, .npools = d->npools, .ondemand = d->od, .nondemand = d->nod };
	struct backtest_row *rows = NULL;
	struct backtest_result rm, rr;
	struct decision_policy pol;
	struct decision_model rules;
	size_t nrows = 0, n = 0, pos = 0;
	double *scores = NULL, auc = -1, ratio;
	int *labels = NULL;
	int64_t split;
	char err[256];
	int auc_required = m->engine == DE_LOGREG;

	memset(v, 0, sizeof(*v));
	v->metrics = json_object_new_object();
	json_object_object_add(v->metrics, "label", json_object_new_string(
		"a pool priced below on-demand rises above it, or is interrupted, within the next hour"));
	json_object_object_add(v->metrics, "window_hours", json_object_new_int(MODELS_VALIDATE_HOURS));
	json_object_object_add(v->metrics, "pools", json_object_new_int64((int64_t)d->npools));
	if (d->npools == 0 || d->end_ms - d->start_ms < 4 * 3600 * 1000LL) {
		v->insufficient = 1;
		snprintf(v->reason, sizeof(v->reason),
			 "too little held-out data: %zu pools with canonical prices over the last %d hours (need at least "
			 "4 hours of pricing_canonical rows; run spot-consolidate or wait for prices)",
			 d->npools, MODELS_VALIDATE_HOURS);
		return 0;
	}
	split = d->start_ms + (d->end_ms - d->start_ms) / 2;
	json_object_object_add(v->metrics, "split_at_ms", json_object_new_int64(split));
	json_object_object_add(v->metrics, "split", json_object_new_string("time: the later half of the window is held out"));
	if (backtest_dataset(&in, &rows, &nrows, err, sizeof(err)) < 0) {
		v->insufficient = 1;
		snprintf(v->reason, sizeof(v->reason), "too little held-out data: %s", err);
		return 0;
	}
	scores = calloc(nrows ? nrows : 1, sizeof(double));
	labels = calloc(nrows ? nrows : 1, sizeof(int));
	if (!scores || !labels)
		abort();
	for (size_t i = 0; i < nrows; i++) {
		struct decision_pool p = { 0 };
		/*
		 * Only pools priced below on-demand are asked about, as in spot-train and as the engine uses the
		 * score: a pool already above on-demand is never a target, and it would count as an easy positive.
		 */
		if (rows[i].t_ms < split || !(rows[i].f[DF_ONDEMAND_RATIO] < 1.0))
			continue;
		memcpy(p.f, rows[i].f, sizeof(p.f));
		p.price = 1;
		p.ondemand_price = 1;
		scores[n] = decision_model_score(m, &p);
		labels[n] = rows[i].label || models_interrupted(d, rows[i].pool, rows[i].t_ms);
		pos += (size_t)labels[n];
		n++;
	}
	free(rows);
	json_object_object_add(v->metrics, "n", json_object_new_int64((int64_t)n));
	json_object_object_add(v->metrics, "positives", json_object_new_int64((int64_t)pos));
	if (n < MODELS_MIN_HELDOUT || pos < MODELS_MIN_CLASS || n - pos < MODELS_MIN_CLASS) {
		v->insufficient = 1;
		snprintf(v->reason, sizeof(v->reason),
			 "too little held-out data: %zu labelled rows with %zu positive and %zu negative (need %d rows "
			 "and %d of each label)", n, pos, n - pos, MODELS_MIN_HELDOUT, MODELS_MIN_CLASS);
		free(scores);
		free(labels);
		return 0;
	}
	auc = decision_auc(scores, labels, n);
	free(scores);
	free(labels);
	json_object_object_add(v->metrics, "auc", models_num(auc, 4));
	json_object_object_add(v->metrics, "auc_required", json_object_new_boolean(auc_required));

	/* The replay over the held-out half, the model against rules-v1 under the same default policy. */
	decision_policy_default(&pol);
	decision_model_rules_v1(&rules);
	in.policy = &pol;
	in.overlap_minutes = -1;
	in.start_ms = split;
	in.model = m;
	if (backtest_run(&in, &rm, err, sizeof(err)) < 0) {
		snprintf(v->reason, sizeof(v->reason), "the replay refused the data: %s", err);
		return -1;
	}
	in.model = &rules;
	if (backtest_run(&in, &rr, err, sizeof(err)) < 0) {
		backtest_result_release(&rm);
		snprintf(v->reason, sizeof(v->reason), "the replay refused the data: %s", err);
		return -1;
	}
	ratio = rr.model_cost > 0 ? rm.model_cost / rr.model_cost : (rm.model_cost > 0 ? INFINITY : 1.0);
	json_object_object_add(v->metrics, "replay_cost", models_num(rm.model_cost, 4));
	json_object_object_add(v->metrics, "rules_cost", models_num(rr.model_cost, 4));
	json_object_object_add(v->metrics, "ondemand_cost", models_num(rm.ondemand_cost, 4));
	json_object_object_add(v->metrics, "cheapest_spot_cost", models_num(rm.cheapest_spot_cost, 4));
	json_object_object_add(v->metrics, "switches", json_object_new_int64(rm.switches));
	json_object_object_add(v->metrics, "rules_switches", json_object_new_int64(rr.switches));
	json_object_object_add(v->metrics, "replay_hours", models_num(rm.hours, 2));
	if (isfinite(ratio))
		json_object_object_add(v->metrics, "cost_ratio", models_num(ratio, 4));
	backtest_result_release(&rm);
	backtest_result_release(&rr);

	if (auc_required && auc < MODELS_MIN_AUC) {
		snprintf(v->reason, sizeof(v->reason), "held-out AUC %.3f is below %.2f (%zu rows, %zu positive)", auc,
			 MODELS_MIN_AUC, n, pos);
		return 0;
	}
	if (!(ratio <= MODELS_MAX_COST_RATIO + 1e-9)) {
		snprintf(v->reason, sizeof(v->reason),
			 "the replay costs %.1f%% more than rules-v1 over the held-out data (at most %.0f%% allowed)",
			 (ratio - 1) * 100, (MODELS_MAX_COST_RATIO - 1) * 100);
		return 0;
	}
	v->pass = 1;
	return 0;
}

/* The part of a parse error before ": " names the field ("features[2]: unknown feature 'foo'"). */
static void models_error_field(const char *err, char *field, size_t size)
{
	const char *colon = strstr(err, ": "), *sp = strchr(err, ' ');
	size_t n = colon ? (size_t)(colon - err) : 0;
	if (n >= size || (sp && sp < colon))
		n = 0;
	snprintf(field, size, "%.*s", (int)n, err);
}

enum core_result models_validate(struct db *db, struct arena *a, const char *id, const struct actor *who,
				 struct models_outcome *out)
{
	struct db_rows r;
	struct decision_model m;
	struct models_heldout d;
	struct models_verdict v = { 0 };
	char err[256];
	const char *status, *metrics, *name;
	enum core_result rc = CORE_ERR;

	models_outcome_reset(out);
	snprintf(out->id, sizeof(out->id), "%s", id);
	if (db_models_ensure_builtin(db, a) < 0 || db_models_list(db, a, id, &r) < 0)
		return CORE_ERR;
	if (!r.nrows)
		return CORE_NOT_FOUND;
	status = db_rows_cell(&r, 0, 4);
	name = arena_printf(a, "%s %s", db_rows_cell(&r, 0, 1), db_rows_cell(&r, 0, 2));
	if (!strcmp(status, "active") || !strcmp(status, "retired")) {
		snprintf(out->status, sizeof(out->status), "%s", status);
		models_say(out, NULL, "model %s is %s; only uploaded, invalid or validated models are validated", name,
			   status);
		return CORE_CONFLICT;
	}
	{
		/* parameters is the stored file: read it (not in the list's columns); no transaction needed. */
		struct db_rows p;
		if (db_models_lock(db, a, id, &p) < 0)
			return CORE_ERR;
		if (!p.nrows)
			return CORE_NOT_FOUND;
		if (decision_model_parse(db_rows_cell(&p, 0, 5) ? db_rows_cell(&p, 0, 5) : "", &m, err, sizeof(err)) < 0) {
			models_error_field(err, out->field, sizeof(out->field));
			snprintf(out->message, sizeof(out->message), "%s", err);
			snprintf(out->status, sizeof(out->status), "invalid");
			if (db_begin(db) < 0)
				return CORE_ERR;
			if (db_models_set_validation(db, id, "invalid", NULL, err) < 0 ||
			    clients_audit(db, who, NULL, NULL, "model.invalid", "ml_model", id,
					  arena_printf(a, "model %s refused: %s", name, err), NULL, NULL) < 0 ||
			    db_commit(db) < 0) {
				db_rollback(db);
				return CORE_ERR;
			}
			return CORE_OK;
		}
	}
	if (models_load(db, a, &d) < 0)
		return CORE_ERR;
	if (models_judge(&d, &m, &v) < 0) {
		/* the data were unusable for a replay: no verdict either */
		v.insufficient = 1;
	}
	metrics = arena_strdup(a, json_object_to_json_string_ext(v.metrics, JSON_C_TO_STRING_PLAIN));
	json_object_put(v.metrics);
	out->metrics = metrics;
	if (v.insufficient) {
		/* No verdict: the status stays; the reason is kept for the page. */
		snprintf(out->status, sizeof(out->status), "%s", status);
		models_say(out, NULL, "%s", v.reason);
		if (db_begin(db) < 0)
			return CORE_ERR;
		if (db_models_set_validation(db, id, status, metrics, v.reason) < 0 || db_commit(db) < 0) {
			db_rollback(db);
			return CORE_ERR;
		}
		return CORE_CONFLICT;
	}
	snprintf(out->status, sizeof(out->status), "%s", v.pass ? "validated" : "invalid");
	if (!v.pass)
		models_say(out, NULL, "%s", v.reason);
	if (db_begin(db) < 0)
		return CORE_ERR;
	if (db_models_set_validation(db, id, out->status, metrics, v.pass ? NULL : v.reason) < 0 ||
	    clients_audit(db, who, NULL, NULL, v.pass ? "model.validated" : "model.invalid", "ml_model", id,
			  v.pass ? arena_printf(a, "model %s validated", name)
				 : arena_printf(a, "model %s refused: %s", name, v.reason),
			  NULL, metrics) < 0 ||
	    db_commit(db) < 0) {
		db_rollback(db);
		return CORE_ERR;
	}
	rc = CORE_OK;
	return rc;
}

/* ---- activation and roll back ---- */

struct models_switch_ctx {
	struct arena *a;
	const char *id;           /* activate: the model; rollback: NULL */
	const struct actor *who;
	struct models_outcome *out;
};

static enum core_result models_activate_step(struct db *db, void *arg)
{
	struct models_switch_ctx *c = arg;
	struct db_rows act, m;
	const char *prev;
	int changed = 0;

	c->out->field[0] = c->out->message[0] = '\0';
	if (db_models_lock_active(db, c->a, &act) < 0 || db_models_lock(db, c->a, c->id, &m) < 0)
		return CORE_ERR;
	if (!m.nrows)
		return CORE_NOT_FOUND;
	snprintf(c->out->status, sizeof(c->out->status), "%s", db_rows_cell(&m, 0, 4));
	if (strcmp(db_rows_cell(&m, 0, 4), "validated")) {
		models_say(c->out, NULL, "model %s %s is %s; only a validated model can be activated",
			   db_rows_cell(&m, 0, 1), db_rows_cell(&m, 0, 2), db_rows_cell(&m, 0, 4));
		return CORE_CONFLICT;
	}
	/* Demotion first: the unique active_slot allows one active row at any moment. */
	prev = act.nrows ? db_rows_cell(&act, 0, 0) : DB_MODELS_BUILTIN_ID;
	if (act.nrows && db_models_retire(db, prev, &changed) < 0)
		return CORE_ERR;
	if (db_models_activate(db, c->id, strcmp(prev, c->id) ? prev : NULL, 0, &changed) < 0)
		return CORE_ERR;
	if (!changed)
		return CORE_CONFLICT;
	if (clients_audit(db, c->who, NULL, NULL, "model.activated", "ml_model", c->id,
			  arena_printf(c->a, "model %s %s activated; %s retired", db_rows_cell(&m, 0, 1),
				       db_rows_cell(&m, 0, 2), act.nrows ? prev : "nothing (rules-v1 was the default)"),
			  act.nrows ? arena_printf(c->a, "{\"active_model_id\":\"%s\"}", prev) : NULL,
			  arena_printf(c->a, "{\"active_model_id\":\"%s\",\"previous_model_id\":\"%s\"}", c->id, prev)) < 0)
		return CORE_ERR;
	snprintf(c->out->status, sizeof(c->out->status), "active");
	return CORE_OK;
}

enum core_result models_activate(struct db *db, struct arena *a, const char *id, const struct actor *who,
				 struct models_outcome *out)
{
	struct models_switch_ctx c = { .a = a, .id = id, .who = who, .out = out };
	models_outcome_reset(out);
	snprintf(out->id, sizeof(out->id), "%s", id);
	if (db_models_ensure_builtin(db, a) < 0)
		return CORE_ERR;
	/* A racing activation that took the one active slot first: run again and see the winner. */
	return txn_run(db, "models_activate", TXN_RETRY_DUPLICATE, models_activate_step, &c);
}

static enum core_result models_rollback_step(struct db *db, void *arg)
{
	struct models_switch_ctx *c = arg;
	struct db_rows act, prev;
	const char *cur, *to;
	int changed = 0;

	c->out->field[0] = c->out->message[0] = '\0';
	if (db_models_lock_active(db, c->a, &act) < 0)
		return CORE_ERR;
	if (!act.nrows) {
		models_say(c->out, NULL, "no model is active (rules-v1 is in use by default); there is nothing to roll back");
		return CORE_CONFLICT;
	}
	cur = db_rows_cell(&act, 0, 0);
	to = db_rows_cell(&act, 0, 6);
	if (!to) {
		models_say(c->out, NULL, "the active model %s %s has no previous model to return to",
			   db_rows_cell(&act, 0, 1), db_rows_cell(&act, 0, 2));
		return CORE_CONFLICT;
	}
	if (db_models_lock(db, c->a, to, &prev) < 0)
		return CORE_ERR;
	if (!prev.nrows || !strcmp(db_rows_cell(&prev, 0, 4), "invalid")) {
		models_say(c->out, NULL, "the previous model %s is %s; roll back refused", to,
			   prev.nrows ? "invalid" : "gone");
		return CORE_CONFLICT;
	}
	if (db_models_retire(db, cur, &changed) < 0 || db_models_activate(db, to, NULL, 1, &changed) < 0)
		return CORE_ERR;
	if (!changed)
		return CORE_CONFLICT;
	if (clients_audit(db, c->who, NULL, NULL, "model.rolled_back", "ml_model", cur,
			  arena_printf(c->a, "rolled back from %s %s to %s %s", db_rows_cell(&act, 0, 1),
				       db_rows_cell(&act, 0, 2), db_rows_cell(&prev, 0, 1), db_rows_cell(&prev, 0, 2)),
			  arena_printf(c->a, "{\"active_model_id\":\"%s\"}", cur),
			  arena_printf(c->a, "{\"active_model_id\":\"%s\",\"retired_model_id\":\"%s\"}", to, cur)) < 0)
		return CORE_ERR;
	snprintf(c->out->id, sizeof(c->out->id), "%s", to);
	snprintf(c->out->status, sizeof(c->out->status), "active");
	return CORE_OK;
}

enum core_result models_rollback(struct db *db, struct arena *a, const struct actor *who, struct models_outcome *out)
{
	struct models_switch_ctx c = { .a = a, .who = who, .out = out };
	models_outcome_reset(out);
	if (db_models_ensure_builtin(db, a) < 0)
		return CORE_ERR;
	return txn_run(db, "models_rollback", TXN_RETRY_DUPLICATE, models_rollback_step, &c);
}
