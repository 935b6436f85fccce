/* pricing.c - checking and storing agents' spot price samples. */
#include "core/pricing.h"
#include "core/db.h"
#include "core/db_notify.h"
#include "core/db_pricing.h"
#include "core/txn.h"
#include "common/arena.h"
#include "common/timeutil.h"

#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int pricing_az_region(const char *az, char *region, size_t size)
{
	/* letters-(letters-)*digits, the shape of aws_region_valid; the zone suffix follows. */
	const char *p = az;
	size_t parts = 0, n;
	while (islower((unsigned char)*p)) {
		while (islower((unsigned char)*p))
			p++;
		if (*p++ != '-')
			return -1;
		parts++;
	}
	if (parts < 2 || !isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p))
		p++;
	n = (size_t)(p - az);
	if (n >= size)
		return -1;
	memcpy(region, az, n);
	region[n] = '\0';
	return 0;
}

int pricing_check(struct price_row *r, int64_t now_ms, const char **field, const char **message)
{
	if (!aws_instance_type_valid(r->instance_type)) {
		*field = "instance_type";
		*message = "is not an instance type name like t3.medium";
		return -1;
	}
	if (pricing_az_region(r->az, r->region, sizeof(r->region)) < 0 || !aws_az_valid(r->az, r->region)) {
		*field = "az";
		*message = "is not an availability zone like us-east-1a";
		return -1;
	}
	if (aws_pool_id(r->pool_id, sizeof(r->pool_id), r->instance_type, r->az) < 0) {
		*field = "instance_type";
		*message = "makes a pool id (type.az) longer than 127 bytes";
		return -1;
	}
	*field = "price";
	if (!isfinite(r->price)) {
		*message = "must be a finite number";
		return -1;
	}
	if (r->price <= 0) {
		*message = "must be greater than 0";
		return -1;
	}
	if (r->price < PRICING_MIN_PRICE) {
		*message = "is below 0.000001 USD per hour, the smallest price stored";
		return -1;
	}
	if (r->price > PRICING_MAX_PRICE) {
		*message = "is above 1000 USD per hour, which no spot price reaches";
		return -1;
	}
	*field = "observed_at";
	if (strlen(r->observed_at) > PRICING_MAX_TIME_LEN || time_parse_rfc3339(r->observed_at, &r->observed_ms) < 0) {
		*message = "is not an RFC 3339 time like 2026-01-02T03:04:05Z";
		return -1;
	}
	if (r->observed_ms > now_ms + (int64_t)PRICING_MAX_SKEW_S * 1000) {
		*message = "is in the future (more than 5 minutes ahead of the server's clock)";
		return -1;
	}
	if (r->observed_ms < now_ms - (int64_t)PRICING_MAX_AGE_S * 1000) {
		*message = "is older than 90 days";
		return -1;
	}
	*field = *message = NULL;
	return 0;
}

/* The three documents of db_pricing.h for one report, in arena memory. */
struct pricing_docs {
	const char *samples, *pools, *types;
};

static const char *pricing_json_take(struct arena *a, struct json_object *arr)
{
	const char *s = arena_strdup(a, json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
	return s;
}

/*
 * A sample repeated inside the report (same pool and time) is sent once: the
 * first one counts. Pools and (type, region) pairs are sent once each, so
 * the database looks each up once however many samples name it.
 */
static void pricing_docs_make(struct arena *a, const struct pricing_report *in, struct pricing_docs *d)
{
	struct json_object *samples = json_object_new_array(), *pools = json_object_new_array(),
			   *types = json_object_new_array();

	for (size_t i = 0; i < in->nrows; i++) {
		const struct price_row *r = &in->rows[i];
		char id[UUID_STR_LEN + 1], at[32], price[32];
		int same_pool = 0, same_type = 0, same_sample = 0;
		for (size_t j = 0; j < i && !same_sample; j++) {
			const struct price_row *q = &in->rows[j];
			if (!strcmp(q->pool_id, r->pool_id)) {
				same_pool = same_type = 1;
				same_sample = q->observed_ms == r->observed_ms;
			} else if (!same_type && !strcmp(q->instance_type, r->instance_type) &&
				   !strcmp(q->region, r->region)) {
				same_type = 1;
			}
		}
		if (same_sample)
			continue;
		if (!same_pool) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "pool", json_object_new_string(r->pool_id));
			json_object_object_add(o, "type", json_object_new_string(r->instance_type));
			json_object_object_add(o, "region", json_object_new_string(r->region));
			json_object_object_add(o, "az", json_object_new_string(r->az));
			json_object_array_add(pools, o);
		}
		if (!same_type) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "type", json_object_new_string(r->instance_type));
			json_object_object_add(o, "region", json_object_new_string(r->region));
			json_object_array_add(types, o);
		}
		/* Time-ordered ids: new rows go to the end of the primary key instead of splitting its pages. */
		uuid_v7(id);
		/* "2026-11-24T05:45:33.123Z" -> "2026-11-24 05:45:33.123", a DATETIME(3) literal in UTC. */
		if (time_format_rfc3339_ms(r->observed_ms, at, sizeof(at)) < 0)
			abort(); /* cannot happen: the time was checked to be within 90 days */
		at[10] = ' ';
		at[strlen(at) - 1] = '\0';
		snprintf(price, sizeof(price), "%.6f", r->price);
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "pool", json_object_new_string(r->pool_id));
		json_object_object_add(o, "price", json_object_new_string(price));
		json_object_object_add(o, "at", json_object_new_string(at));
		json_object_array_add(samples, o);
	}
	d->samples = pricing_json_take(a, samples);
	d->pools = pricing_json_take(a, pools);
	d->types = pricing_json_take(a, types);
}

static int pricing_notify_unknown(struct db *db, struct arena *a, const char *type, const char *region)
{
	struct notification n = {
		.client_id = NULL, /* for admins */
		.agent_id = NULL,
		.type = "catalog.unknown_type",
		.severity = "warning",
		.title = arena_printf(a, "Instance type %s in %s is not in the catalog", type, region),
		.message = arena_printf(a,
					"Agents report spot prices for %s in %s, but the catalog has no vCPU, memory or "
					"on-demand price for it. Add it with PUT /api/admin/instance-types/%s/%s.",
					type, region, type, region),
		.dedupe_key = arena_printf(a, "catalog.unknown_type:%s:%s", type, region),
	};
	return db_notify_add(db, &n);
}

/*
 * One attempt inside pricing_report_store's transaction; CORE_DUPLICATE:
 * request_id was recorded before. In the steady state (pools known) four
 * statements: the check, the report row, the samples, the audit row.
 */
static enum core_result pricing_store_once(struct db *db, struct arena *a, const struct pricing_report *in,
					   const char *request_id, const struct pricing_docs *docs, int all_known,
					   const struct actor *who, struct pricing_outcome *out)
{
	struct pricing_report_row rep = {
		.client_id = in->client_id,
		.agent_id = in->agent_id,
		.instance_id = in->instance_id,
		.source_role = in->role,
		.request_id = request_id,
		.ondemand_price = in->ondemand_price,
		.has_ondemand = in->has_ondemand,
		.price_count = (long)in->price_count,
		.accepted_count = (long)in->nrows,
		.rejected_count = (long)in->rejected_count,
	};
	struct pricing_check_result chk;

	out->stored = 0;
	out->nunknown = 0;
	out->unknown = NULL;
	if (all_known) {
		/* every pool exists and every pair is in the catalog (pricing_known): ownership alone */
		int owned = db_pricing_owned(db, a, in->agent_id, in->instance_id);
		if (owned < 0)
			return CORE_ERR;
		memset(&chk, 0, sizeof(chk));
		chk.owned = owned;
	} else if (db_pricing_check(db, a, in->agent_id, in->instance_id, docs->pools, docs->types, &chk) < 0) {
		return CORE_ERR;
	}
	if (!chk.owned)
		return CORE_NOT_FOUND;
	uuid_v7(out->report_id);
	if (db_pricing_report_insert(db, out->report_id, &rep) < 0)
		return db_is_duplicate(db) ? CORE_DUPLICATE : CORE_ERR;
	if (in->nrows) {
		if ((chk.nmissing_pools && db_pricing_pools_ensure(db, docs->pools) < 0) ||
		    db_pricing_snapshots_insert(db, docs->samples, in->agent_id, in->instance_id, in->role, request_id,
						&out->stored) < 0)
			return CORE_ERR;
		out->unknown = chk.unknown;
		out->nunknown = chk.nunknown;
		for (size_t i = 0; i < out->nunknown; i++)
			if (pricing_notify_unknown(db, a, out->unknown[2 * i], out->unknown[2 * i + 1]) < 0)
				return CORE_ERR;
	}
	out->duplicates = (long)in->nrows - out->stored;
	const char *post = arena_printf(a,
					"{\"instance_id\":\"%s\",\"role\":\"%s\",\"prices\":%zu,\"accepted\":%zu,"
					"\"rejected\":%zu,\"stored\":%ld,\"unknown_types\":%zu}",
					in->instance_id, in->role, in->price_count, in->nrows, in->rejected_count,
					out->stored, out->nunknown);
	if (clients_audit(db, who, in->client_id, in->agent_id, "pricing.reported", "pricing_report", out->report_id,
			  NULL, NULL, post) < 0)
		return CORE_ERR;
	return CORE_OK;
}

struct pricing_store_ctx {
	struct arena *a;
	const struct pricing_report *in;
	const char *request_id;
	struct pricing_docs docs;
	int all_known;
	const struct actor *who;
	struct pricing_outcome *out;
};

static enum core_result pricing_store_step(struct db *db, void *ctx)
{
	struct pricing_store_ctx *c = ctx;
	return pricing_store_once(db, c->a, c->in, c->request_id, &c->docs, c->all_known, c->who, c->out);
}

/* ---- pricing_known: pools and catalog pairs seen to exist ---- */

struct pricing_known *pricing_known_new(void)
{
	return calloc(1, sizeof(struct pricing_known));
}

void pricing_known_free(struct pricing_known *k)
{
	free(k);
}

/* "p<pool_id>" or "t<type> <region>" into key; -1 when it does not fit (then never known). */
static int pricing_known_key(char key[PRICING_KNOWN_KEY], char kind, const char *a, const char *b)
{
	int n = b ? snprintf(key, PRICING_KNOWN_KEY, "%c%s %s", kind, a, b)
		  : snprintf(key, PRICING_KNOWN_KEY, "%c%s", kind, a);
	return n > 0 && n < PRICING_KNOWN_KEY ? 0 : -1;
}

static size_t pricing_known_set(const char *key)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (size_t)(h & (PRICING_KNOWN_SLOTS - 1)) & ~(size_t)(PRICING_KNOWN_WAYS - 1);
}

static int pricing_known_has(const struct pricing_known *k, char kind, const char *a, const char *b, int64_t now_ms)
{
	char key[PRICING_KNOWN_KEY];
	if (pricing_known_key(key, kind, a, b) < 0)
		return 0;
	size_t set = pricing_known_set(key);
	for (size_t i = set; i < set + PRICING_KNOWN_WAYS; i++)
		if (k->slot[i].until_ms > now_ms && !strcmp(k->slot[i].key, key))
			return 1;
	return 0;
}

static void pricing_known_add(struct pricing_known *k, char kind, const char *a, const char *b, int64_t now_ms)
{
	char key[PRICING_KNOWN_KEY];
	if (pricing_known_key(key, kind, a, b) < 0)
		return;
	size_t set = pricing_known_set(key), use = set;
	for (size_t i = set; i < set + PRICING_KNOWN_WAYS; i++) {
		if (!strcmp(k->slot[i].key, key)) {
			use = i;
			break;
		}
		if (k->slot[i].until_ms < k->slot[use].until_ms)
			use = i;
	}
	memcpy(k->slot[use].key, key, strlen(key) + 1);
	k->slot[use].until_ms = now_ms + PRICING_KNOWN_TTL_MS;
}

static int pricing_known_all(const struct pricing_known *k, const struct pricing_report *in, int64_t now_ms)
{
	if (!k || !in->nrows)
		return 0;
	for (size_t i = 0; i < in->nrows; i++) {
		const struct price_row *r = &in->rows[i];
		if (!pricing_known_has(k, 'p', r->pool_id, NULL, now_ms) ||
		    !pricing_known_has(k, 't', r->instance_type, r->region, now_ms))
			return 0;
	}
	return 1;
}

/* After a stored report: its pools exist now, and its pairs the catalog did not lack are in it. */
static void pricing_known_learn(struct pricing_known *k, const struct pricing_report *in,
				const struct pricing_outcome *out, int64_t now_ms)
{
	for (size_t i = 0; k && i < in->nrows; i++) {
		const struct price_row *r = &in->rows[i];
		int unknown = 0;
		pricing_known_add(k, 'p', r->pool_id, NULL, now_ms);
		for (size_t u = 0; u < out->nunknown && !unknown; u++)
			unknown = !strcmp(out->unknown[2 * u], r->instance_type) &&
				  !strcmp(out->unknown[2 * u + 1], r->region);
		if (!unknown)
			pricing_known_add(k, 't', r->instance_type, r->region, now_ms);
	}
}

enum core_result pricing_report_store(struct db *db, struct arena *a, struct pricing_known *known,
				      const struct pricing_report *in, const struct actor *who,
				      struct pricing_outcome *out)
{
	char made[UUID_STR_LEN + 1];
	struct pricing_store_ctx c = { .a = a, .in = in, .request_id = in->request_id, .who = who, .out = out };
	enum core_result rc;
	long accepted;

	memset(out, 0, sizeof(*out));
	if (!c.request_id) {
		uuid_v7(made);
		c.request_id = made;
	}
	int64_t now_ms = time_mono_ms();
	pricing_docs_make(a, in, &c.docs);
	c.all_known = pricing_known_all(known, in, now_ms);
	rc = txn_run(db, "pricing_report_store", 0, pricing_store_step, &c);
	if (rc == CORE_OK && !c.all_known)
		pricing_known_learn(known, in, out, now_ms);
	if (rc == CORE_OK)
		out->known = c.all_known;
	if (rc != CORE_DUPLICATE)
		return rc;
	/* request_id was recorded before: a replay, answered with the first report's id and count. */
	memset(out, 0, sizeof(*out));
	int found = db_pricing_report_find(db, a, in->agent_id, c.request_id, out->report_id, &accepted);
	if (found <= 0)
		return CORE_ERR; /* it was there a moment ago */
	out->replayed = 1;
	out->duplicates = accepted;
	return CORE_OK;
}
