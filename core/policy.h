/*
 * policy.h - a client's decision policy (issue 8 item 1): the knobs of
 * decision.h's struct decision_policy in the units a person sets them in,
 * stored in client_policies (sql/migrations/0016_decision_policy.sql). A
 * client without a row has the defaults of decision_policy_default().
 *
 * The client API (GET/PUT /api/client/{cid}/policy) and the admin API
 * (GET/PUT /api/admin/clients/{id}/policy) read and change it; spot-decide
 * reads it for every agent in the same query as the agent
 * (core/db_decide.c), through policy_to_decision().
 */
#ifndef SPOT_POLICY_H
#define SPOT_POLICY_H

#include "core/clients.h"
#include "core/result.h"

struct arena;
struct db;
struct decision_policy;
struct json_object;

/* Bounds of every field (the API refuses values outside with a 400 naming the field). */
#define POLICY_MAX_COOLDOWN_MIN 10080 /* a week */
#define POLICY_MAX_WAIT_MIN 10080
#define POLICY_MAX_SIZE_FACTOR 16

enum policy_field {
	PF_MIN_SAVINGS_PCT,      /* 0..100: % of on-demand a move must save */
	PF_COOLDOWN_MINUTES,     /* 0..POLICY_MAX_COOLDOWN_MIN: since the last switch */
	PF_MAX_RISK,             /* 0..1: a pool scoring above is never a target */
	PF_ONDEMAND_FALLBACK,    /* 0/1: may return to on-demand */
	PF_FALLBACK_WAIT_MINUTES,/* 0..POLICY_MAX_WAIT_MIN */
	PF_RETURN_WAIT_MINUTES,  /* 0..POLICY_MAX_WAIT_MIN */
	PF_SIZE_FACTOR,          /* 1..POLICY_MAX_SIZE_FACTOR: compatible types up to this many times the size */
	PF_COUNT
};

struct policy {
	double min_savings_pct;
	long cooldown_minutes;
	double max_risk;
	int ondemand_fallback;
	long fallback_wait_minutes, return_wait_minutes;
	double size_factor;
	long version;           /* 0 while the client has no row (defaults) */
	const char *updated_by; /* NULL for the defaults */
	const char *updated_at; /* RFC 3339, NULL for the defaults */
};

/* A change: set[f] says which fields are given. */
struct policy_patch {
	int set[PF_COUNT];
	struct policy v;
};

/* "min_savings_pct", ...; NULL out of range. */
const char *policy_field_name(int f);
/* The defaults (decision_policy_default), version 0. */
void policy_default(struct policy *p);
/* The engine's struct from the stored one (minutes to seconds, percent to a fraction). */
void policy_to_decision(const struct policy *p, struct decision_policy *out);
/* The API's JSON: every field, plus is_default, version, updated_by, updated_at. */
struct json_object *policy_json(const struct policy *p);

/* The client's policy (its defaults without a row). CORE_OK, CORE_NOT_FOUND (no such client), CORE_ERR. */
enum core_result policy_get(struct db *db, struct arena *a, const char *client_id, struct policy *out);

/*
 * Applies patch to the client's policy in one transaction with its audit row
 * (system_events policy.updated, before and after). expected_version < 0 skips
 * the check; otherwise the current version must equal it (0 = still the
 * defaults). CORE_OK (out = the policy now), CORE_NOT_FOUND, CORE_CONFLICT
 * (stale version), CORE_ERR.
 */
enum core_result policy_put(struct db *db, struct arena *a, const char *client_id, const struct policy_patch *patch,
			    long expected_version, const struct actor *who, struct policy *out);

#endif
