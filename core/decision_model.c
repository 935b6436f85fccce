/*
 * decision_model.c - the models behind decision.h's one interface: rules-v1
 * (the seeds' risk bands on the pool risk of risk.h) and a logistic
 * regression loaded from a model file.
 *
 * Model file (JSON, one object; spot-train writes it, the admin API uploads it):
 *   {
 *     "schema": "spot-model/1",               required, exactly this
 *     "name": "logreg-v1",                    required, 1..63 bytes
 *     "version": "2026-11-24",                required, 1..63 bytes
 *     "engine": "logreg" | "rules",           required
 *     "features": ["ondemand_ratio", ...],    logreg: 1..DF_COUNT known names, no repeats
 *     "coefficients": [..],                   logreg: finite numbers, one per feature
 *     "intercept": 0.0,                       logreg: finite number
 *     "mean": [..], "scale": [..],            logreg: finite; scale > 0; one per feature
 *     "bands": {"low": 0.2, "high": 0.5, "high_savings": 0.5},
 *                                             optional; 0 <= low <= high <= 1, 0 <= high_savings <= 1
 *     "label": "...", "trained_on": {...},    optional, free-form (not read here)
 *     "metrics": {"auc": .., "n_train": .., "n_test": ..}   optional (the admin validation reads it)
 *   }
 * A "rules" file is rules-v1 with the given name, version and bands.
 */
#include "core/decision.h"
#include "common/errbuf.h"

#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/spot_limits.h"
#include "core/risk.h"

#define DECISION_MODEL_SCHEMA "spot-model/1"

void decision_model_rules_v1(struct decision_model *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "rules-v1");
	snprintf(m->version, sizeof(m->version), "1");
	m->engine = DE_RULES;
	m->band_low = 0.20;
	m->band_high = 0.50;
	m->band_high_savings = 0.50;
}

static double decision_model_unit(double x)
{
	if (!(x > 0.0))
		return 0.0;
	return x > 1.0 ? 1.0 : x;
}

double decision_model_score(const struct decision_model *m, const struct decision_pool *p)
{
	double z;

	if (m->engine != DE_LOGREG) {
		double s = decision_model_unit(p->f[DF_POOL_RISK]);
		if (p->flagged && s < RISK_FLAGGED_FLOOR)
			s = RISK_FLAGGED_FLOOR;
		return s;
	}
	z = m->intercept;
	for (int i = 0; i < m->nfeat && i < DECISION_MODEL_FEATURES_MAX; i++) {
		double x = p->f[m->feat[i]];
		/* an unknown (non-finite) feature is taken at its training mean: no evidence */
		if (!isfinite(x))
			continue;
		z += m->coef[i] * (x - m->mean[i]) / m->scale[i];
	}
	if (!isfinite(z))
		return z > 0 ? 1.0 : 0.0;
	if (z >= 0)
		return 1.0 / (1.0 + exp(-z));
	return exp(z) / (1.0 + exp(z));
}

/* A JSON number that is finite; json-c parses NaN/Infinity literals as doubles too. */
static int decision_model_number(json_object *v, double *out)
{
	double d;
	if (!v || !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return -1;
	d = json_object_get_double(v);
	if (!isfinite(d))
		return -1;
	*out = d;
	return 0;
}

static int decision_model_string(json_object *root, const char *key, char *dst, size_t dstlen, char *err,
				 size_t errlen)
{
	json_object *v;
	const char *s;
	size_t len;

	if (!json_object_object_get_ex(root, key, &v) || !json_object_is_type(v, json_type_string))
		return errbuf_fail(err, errlen, "%s: required string missing", key);
	s = json_object_get_string(v);
	len = strlen(s);
	if (len == 0 || len >= dstlen)
		return errbuf_fail(err, errlen, "%s: must be 1 to %zu characters", key, dstlen - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20)
			return errbuf_fail(err, errlen, "%s: control characters are not allowed", key);
	memcpy(dst, s, len + 1);
	return 0;
}

/* An array of exactly n finite numbers into out; positive when positive is set. */
static int decision_model_numbers(json_object *root, const char *key, size_t n, double *out, int positive,
				  char *err, size_t errlen)
{
	json_object *arr;
	size_t len;

	if (!json_object_object_get_ex(root, key, &arr) || !json_object_is_type(arr, json_type_array))
		return errbuf_fail(err, errlen, "%s: required array of numbers missing", key);
	len = json_object_array_length(arr);
	if (len != n)
		return errbuf_fail(err, errlen, "%s: has %zu entries, features has %zu", key, len, n);
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		if (decision_model_number(v, &out[i]) < 0)
			return errbuf_fail(err, errlen, "%s[%zu]: not a finite number", key, i);
		if (positive && !(out[i] > 0.0))
			return errbuf_fail(err, errlen, "%s[%zu]: must be greater than 0", key, i);
	}
	return 0;
}

static int decision_model_bands(json_object *root, struct decision_model *m, char *err, size_t errlen)
{
	static const char *const keys[3] = { "low", "high", "high_savings" };
	double *dst[3] = { &m->band_low, &m->band_high, &m->band_high_savings };
	json_object *bands;

	if (!json_object_object_get_ex(root, "bands", &bands))
		return 0;
	if (!json_object_is_type(bands, json_type_object))
		return errbuf_fail(err, errlen, "bands: must be an object");
	for (int i = 0; i < 3; i++) {
		json_object *v;
		double d;
		if (!json_object_object_get_ex(bands, keys[i], &v))
			continue;
		if (decision_model_number(v, &d) < 0)
			return errbuf_fail(err, errlen, "bands.%s: not a finite number", keys[i]);
		if (d < 0.0 || d > 1.0)
			return errbuf_fail(err, errlen, "bands.%s: must be between 0 and 1", keys[i]);
		*dst[i] = d;
	}
	if (m->band_low > m->band_high)
		return errbuf_fail(err, errlen, "bands.low: must not exceed bands.high");
	return 0;
}

static int decision_model_logreg(json_object *root, struct decision_model *m, char *err, size_t errlen)
{
	json_object *feats, *v;
	size_t n;

	if (!json_object_object_get_ex(root, "features", &feats) || !json_object_is_type(feats, json_type_array))
		return errbuf_fail(err, errlen, "features: required array of feature names missing");
	n = json_object_array_length(feats);
	if (n == 0 || n > DECISION_MODEL_FEATURES_MAX)
		return errbuf_fail(err, errlen, "features: must name 1 to %d features, has %zu",
					   DECISION_MODEL_FEATURES_MAX, n);
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(feats, i);
		const char *name;
		int idx;
		if (!f || !json_object_is_type(f, json_type_string))
			return errbuf_fail(err, errlen, "features[%zu]: not a string", i);
		name = json_object_get_string(f);
		idx = decision_feature_index(name);
		if (idx < 0)
			return errbuf_fail(err, errlen, "features[%zu]: unknown feature '%.64s'", i, name);
		for (size_t k = 0; k < i; k++)
			if (m->feat[k] == idx)
				return errbuf_fail(err, errlen, "features[%zu]: '%s' named twice", i, name);
		m->feat[i] = idx;
	}
	m->nfeat = (int)n;
	if (decision_model_numbers(root, "coefficients", n, m->coef, 0, err, errlen) < 0 ||
	    decision_model_numbers(root, "mean", n, m->mean, 0, err, errlen) < 0 ||
	    decision_model_numbers(root, "scale", n, m->scale, 1, err, errlen) < 0)
		return -1;
	if (!json_object_object_get_ex(root, "intercept", &v))
		return errbuf_fail(err, errlen, "intercept: required number missing");
	if (decision_model_number(v, &m->intercept) < 0)
		return errbuf_fail(err, errlen, "intercept: not a finite number");
	return 0;
}

int decision_model_parse(const char *json_text, struct decision_model *m, char *err, size_t errlen)
{
	struct decision_model tmp;
	json_tokener *tok;
	json_object *root, *v;
	enum json_tokener_error jerr;
	const char *engine;
	size_t len;
	int rc = -1;

	if (!json_text)
		return errbuf_fail(err, errlen, "model: no text");
	tok = json_tokener_new_ex(SPOT_DECISION_MODEL_JSON_DEPTH);
	if (!tok)
		return errbuf_fail(err, errlen, "model: out of memory");
	len = strnlen(json_text, SPOT_DECISION_MODEL_MAX_BYTES + 1);
	if (len > SPOT_DECISION_MODEL_MAX_BYTES) {
		json_tokener_free(tok);
		return errbuf_fail(err, errlen, "model: larger than %d bytes", SPOT_DECISION_MODEL_MAX_BYTES);
	}
	root = json_tokener_parse_ex(tok, json_text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_success) {
		/* trailing text after the object: only whitespace is allowed */
		for (const char *p = json_text + json_tokener_get_parse_end(tok); *p; p++)
			if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t') {
				jerr = json_tokener_error_parse_unexpected;
				break;
			}
	}
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		json_object_put(root);
		return errbuf_fail(err, errlen, "model: not valid JSON (%s)",
					   jerr == json_tokener_continue ? "unexpected end of text"
					   : jerr == json_tokener_error_parse_unexpected ? "unexpected text"
										 : json_tokener_error_desc(jerr));
	}
	if (!json_object_is_type(root, json_type_object)) {
		errbuf_fail(err, errlen, "model: must be a JSON object");
		goto out;
	}
	memset(&tmp, 0, sizeof(tmp));
	decision_model_rules_v1(&tmp);
	if (!json_object_object_get_ex(root, "schema", &v) || !json_object_is_type(v, json_type_string)) {
		errbuf_fail(err, errlen, "schema: required, must be \"%s\"", DECISION_MODEL_SCHEMA);
		goto out;
	}
	if (strcmp(json_object_get_string(v), DECISION_MODEL_SCHEMA) != 0) {
		errbuf_fail(err, errlen, "schema: '%.64s' is not supported, must be \"%s\"",
				    json_object_get_string(v), DECISION_MODEL_SCHEMA);
		goto out;
	}
	if (decision_model_string(root, "name", tmp.name, sizeof(tmp.name), err, errlen) < 0 ||
	    decision_model_string(root, "version", tmp.version, sizeof(tmp.version), err, errlen) < 0)
		goto out;
	if (!json_object_object_get_ex(root, "engine", &v) || !json_object_is_type(v, json_type_string)) {
		errbuf_fail(err, errlen, "engine: required, \"logreg\" or \"rules\"");
		goto out;
	}
	engine = json_object_get_string(v);
	if (strcmp(engine, "logreg") == 0) {
		tmp.engine = DE_LOGREG;
		if (decision_model_logreg(root, &tmp, err, errlen) < 0)
			goto out;
	} else if (strcmp(engine, "rules") == 0) {
		tmp.engine = DE_RULES;
	} else {
		errbuf_fail(err, errlen, "engine: '%.32s' is unknown, must be \"logreg\" or \"rules\"", engine);
		goto out;
	}
	if (decision_model_bands(root, &tmp, err, errlen) < 0)
		goto out;
	if (json_object_object_get_ex(root, "metrics", &v) && !json_object_is_type(v, json_type_object)) {
		errbuf_fail(err, errlen, "metrics: must be an object");
		goto out;
	}
	*m = tmp;
	rc = 0;
out:
	json_object_put(root);
	return rc;
}
