/* policy.c - a client's decision policy (see policy.h). */
#include "core/policy.h"
#include "core/db.h"
#include "core/db_policy.h"
#include "core/decision.h"
#include "core/txn.h"
#include "common/arena.h"

#include <json-c/json.h>
#include <math.h>
#include <string.h>

static const char *const policy_names[PF_COUNT] = {
	[PF_MIN_SAVINGS_PCT] = "min_savings_pct",
	[PF_COOLDOWN_MINUTES] = "cooldown_minutes",
	[PF_MAX_RISK] = "max_risk",
	[PF_ONDEMAND_FALLBACK] = "ondemand_fallback",
	[PF_FALLBACK_WAIT_MINUTES] = "fallback_wait_minutes",
	[PF_RETURN_WAIT_MINUTES] = "return_wait_minutes",
	[PF_SIZE_FACTOR] = "size_factor",
};

const char *policy_field_name(int f)
{
	return f >= 0 && f < PF_COUNT ? policy_names[f] : NULL;
}

void policy_default(struct policy *p)
{
	struct decision_policy d;
	decision_policy_default(&d);
	memset(p, 0, sizeof(*p));
	p->min_savings_pct = d.min_savings * 100.0;
	p->cooldown_minutes = d.cooldown_s / 60;
	p->max_risk = d.max_risk;
	p->ondemand_fallback = d.ondemand_fallback;
	p->fallback_wait_minutes = d.fallback_wait_s / 60;
	p->return_wait_minutes = d.return_wait_s / 60;
	p->size_factor = d.size_factor;
}

void policy_to_decision(const struct policy *p, struct decision_policy *out)
{
	decision_policy_default(out);
	out->min_savings = p->min_savings_pct / 100.0;
	out->cooldown_s = p->cooldown_minutes * 60;
	out->max_risk = p->max_risk;
	out->ondemand_fallback = p->ondemand_fallback != 0;
	out->fallback_wait_s = p->fallback_wait_minutes * 60;
	out->return_wait_s = p->return_wait_minutes * 60;
	out->size_factor = p->size_factor >= 1.0 ? p->size_factor : 1.0;
}

/* Rounded the way the columns store them, so an answer equals what a re-read gives. */
static struct json_object *policy_num(double v, double scale)
{
	return json_object_new_double(round(v * scale) / scale);
}

struct json_object *policy_json(const struct policy *p)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "min_savings_pct", policy_num(p->min_savings_pct, 100));
	json_object_object_add(o, "cooldown_minutes", json_object_new_int64(p->cooldown_minutes));
	json_object_object_add(o, "max_risk", policy_num(p->max_risk, 10000));
	json_object_object_add(o, "ondemand_fallback", json_object_new_boolean(p->ondemand_fallback));
	json_object_object_add(o, "fallback_wait_minutes", json_object_new_int64(p->fallback_wait_minutes));
	json_object_object_add(o, "return_wait_minutes", json_object_new_int64(p->return_wait_minutes));
	json_object_object_add(o, "size_factor", policy_num(p->size_factor, 100));
	json_object_object_add(o, "is_default", json_object_new_boolean(p->version == 0));
	json_object_object_add(o, "version", json_object_new_int64(p->version));
	json_object_object_add(o, "updated_by", p->updated_by ? json_object_new_string(p->updated_by) : NULL);
	json_object_object_add(o, "updated_at", p->updated_at ? json_object_new_string(p->updated_at) : NULL);
	return o;
}

static const char *policy_json_text(struct arena *a, const struct policy *p)
{
	struct json_object *o = policy_json(p);
	const char *s = arena_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

enum core_result policy_get(struct db *db, struct arena *a, const char *client_id, struct policy *out)
{
	int rc = db_policy_client_exists(db, a, client_id, 0);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_NOT_FOUND;
	policy_default(out);
	return db_policy_get(db, a, client_id, 0, out) < 0 ? CORE_ERR : CORE_OK;
}

struct policy_put_ctx {
	struct arena *a;
	const char *client_id;
	const struct policy_patch *patch;
	long expected_version;
	const struct actor *who;
	struct policy *out;
};

static enum core_result policy_put_step(struct db *db, void *ctx)
{
	struct policy_put_ctx *c = ctx;
	const struct policy *v = &c->patch->v;
	struct policy cur, next;
	int rc = db_policy_client_exists(db, c->a, c->client_id, 1);

	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_NOT_FOUND;
	policy_default(&cur);
	if (db_policy_get(db, c->a, c->client_id, 1, &cur) < 0)
		return CORE_ERR;
	if (c->expected_version >= 0 && cur.version != c->expected_version)
		return CORE_CONFLICT;
	next = cur;
	if (c->patch->set[PF_MIN_SAVINGS_PCT])
		next.min_savings_pct = v->min_savings_pct;
	if (c->patch->set[PF_COOLDOWN_MINUTES])
		next.cooldown_minutes = v->cooldown_minutes;
	if (c->patch->set[PF_MAX_RISK])
		next.max_risk = v->max_risk;
	if (c->patch->set[PF_ONDEMAND_FALLBACK])
		next.ondemand_fallback = v->ondemand_fallback;
	if (c->patch->set[PF_FALLBACK_WAIT_MINUTES])
		next.fallback_wait_minutes = v->fallback_wait_minutes;
	if (c->patch->set[PF_RETURN_WAIT_MINUTES])
		next.return_wait_minutes = v->return_wait_minutes;
	if (c->patch->set[PF_SIZE_FACTOR])
		next.size_factor = v->size_factor;
	if (db_policy_upsert(db, c->client_id, &next, c->who->id) < 0)
		return CORE_ERR;
	policy_default(c->out);
	if (db_policy_get(db, c->a, c->client_id, 0, c->out) <= 0)
		return CORE_ERR;
	if (clients_audit(db, c->who, c->client_id, NULL, "policy.updated", "client_policy", c->client_id, NULL,
			  policy_json_text(c->a, &cur), policy_json_text(c->a, c->out)) < 0)
		return CORE_ERR;
	return CORE_OK;
}

enum core_result policy_put(struct db *db, struct arena *a, const char *client_id, const struct policy_patch *patch,
			    long expected_version, const struct actor *who, struct policy *out)
{
	struct policy_put_ctx c = { a, client_id, patch, expected_version, who, out };
	return txn_run(db, "policy_put", TXN_RETRY_DUPLICATE, policy_put_step, &c);
}
