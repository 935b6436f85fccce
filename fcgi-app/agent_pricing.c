/* agent_pricing.c - the pricing-report endpoint. */
#include "fcgi-app/agent_pricing.h"
#include "fcgi-app/metrics.h"
#include "fcgi-app/app.h"
#include "fcgi-app/validate.h"
#include "core/awsnames.h"
#include "core/pricing.h"
#include "common/arena.h"
#include "common/timeutil.h"

#include <json-c/json.h>
#include <string.h>

static const char *const agent_pricing_roles[] = { "primary", "standby", "replica", "zombie", NULL };

/* prices is an array, which the field table cannot declare: it is read below. */
static const struct vfield agent_pricing_fields[] = {
	{ "instance_id", V_STRING, 1, 10, 19, NULL },
	{ "role", V_STRING, 1, 1, 16, agent_pricing_roles },
	{ "ondemand_price", V_NUMBER, 0, 0, (long long)PRICING_MAX_PRICE, NULL },
};
enum { P_INSTANCE, P_ROLE, P_ONDEMAND, P_COUNT };

/* The members of one sample; other members are ignored, as in the rest of the agent API. */
static const struct vfield agent_pricing_row_fields[] = {
	{ "instance_type", V_STRING, 1, 1, 64, NULL },
	{ "az", V_STRING, 1, 1, 32, NULL },
	{ "price", V_NUMBER, 1, 0, 0, NULL },
	{ "observed_at", V_STRING, 1, 1, PRICING_MAX_TIME_LEN, NULL },
};
enum { S_TYPE, S_AZ, S_PRICE, S_OBSERVED, S_COUNT };

struct agent_pricing_reject {
	size_t index;
	const char *field, *message;
};

/*
 * The shape of one sample: an object whose members have the right JSON types
 * and lengths. Numbers are read here without bounds (min = max = 0 means "no
 * bounds" only for this table), so pricing_check can say what is wrong.
 */
static int agent_pricing_shape(struct json_object *o, struct price_row *r, const char **field, const char **message)
{
	for (size_t i = 0; i < S_COUNT; i++) {
		const struct vfield *f = &agent_pricing_row_fields[i];
		struct json_object *v;
		*field = f->name;
		if (!json_object_object_get_ex(o, f->name, &v) || json_object_is_type(v, json_type_null)) {
			*message = "is required";
			return -1;
		}
		if (f->type == V_NUMBER) {
			if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) {
				*message = "must be a number";
				return -1;
			}
			r->price = json_object_get_double(v);
			continue;
		}
		if (!json_object_is_type(v, json_type_string)) {
			*message = "must be a string";
			return -1;
		}
		const char *s = json_object_get_string(v);
		size_t len = (size_t)json_object_get_string_len(v);
		if (strlen(s) != len || (long long)len < f->min || (long long)len > f->max) {
			*message = strlen(s) != len ? "must not contain NUL characters"
				   : len < (size_t)f->min ? "is too short"
							  : "is too long";
			return -1;
		}
		if (i == S_TYPE)
			r->instance_type = s;
		else if (i == S_AZ)
			r->az = s;
		else
			r->observed_at = s;
	}
	return 0;
}

static struct json_object *agent_pricing_rejects_json(const struct agent_pricing_reject *rej, size_t n)
{
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "index", json_object_new_int64((int64_t)rej[i].index));
		json_object_object_add(o, "field", json_object_new_string(rej[i].field));
		json_object_object_add(o, "message", json_object_new_string(rej[i].message));
		json_object_array_add(arr, o);
	}
	return arr;
}

void agent_pricing_report(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct json_object *prices;
	struct price_row *rows;
	struct agent_pricing_reject *rej;
	struct pricing_report in;
	struct pricing_outcome out;
	struct actor who;
	size_t n, nok = 0, nrej = 0;
	int64_t now = time_now_ms();
	enum core_result rc;

	if (app_body(req, res, agent_pricing_fields, P_COUNT, 1, &v) < 0)
		return;
	if (!aws_instance_id_valid(v.s[P_INSTANCE])) {
		response_error(res, 400, "validation_failed", "is not an EC2 instance id (i- and 8 or 17 hex digits)",
			       "instance_id");
		return;
	}
	if (v.present[P_ONDEMAND] && v.d[P_ONDEMAND] <= 0) {
		response_error(res, 400, "validation_failed", "must be greater than 0", "ondemand_price");
		return;
	}
	if (!json_object_object_get_ex(req->json, "prices", &prices) || json_object_is_type(prices, json_type_null)) {
		response_error(res, 400, "validation_failed", "is required", "prices");
		return;
	}
	if (!json_object_is_type(prices, json_type_array)) {
		response_error(res, 400, "validation_failed", "must be an array", "prices");
		return;
	}
	n = json_object_array_length(prices);
	if (n == 0) {
		response_error(res, 400, "validation_failed", "must hold at least one price", "prices");
		return;
	}
	if (n > PRICING_MAX_ROWS) {
		response_error(res, 400, "validation_failed", "holds more than 500 prices; split the report", "prices");
		return;
	}

	rows = arena_calloc(req->arena, n, sizeof(*rows));
	rej = arena_calloc(req->arena, n, sizeof(*rej));
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(prices, i);
		struct price_row *r = &rows[nok];
		const char *field, *message;
		memset(r, 0, sizeof(*r));
		r->index = i;
		if (!json_object_is_type(o, json_type_object)) {
			rej[nrej].index = i;
			rej[nrej].field = arena_printf(req->arena, "prices[%zu]", i);
			rej[nrej++].message = "must be an object";
			continue;
		}
		if (agent_pricing_shape(o, r, &field, &message) < 0 || pricing_check(r, now, &field, &message) < 0) {
			rej[nrej].index = i;
			rej[nrej].field = arena_printf(req->arena, "prices[%zu].%s", i, field);
			rej[nrej++].message = message;
			continue;
		}
		nok++;
	}
	if (!nok) {
		/* The error shape of DESIGN.md section 5, naming the first bad row, plus every rejection. */
		struct json_object *o = json_object_new_object(), *e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_string("validation_failed"));
		json_object_object_add(e, "message", json_object_new_string(n == 1 ? "the only price was rejected"
										   : "every price was rejected"));
		json_object_object_add(e, "field", json_object_new_string(rej[0].field));
		json_object_object_add(o, "error", e);
		json_object_object_add(o, "rejected", agent_pricing_rejects_json(rej, nrej));
		response_json_take(res, 400, o);
		res->error_code = "validation_failed";
		return;
	}

	memset(&in, 0, sizeof(in));
	in.client_id = req->who.client_id;
	in.agent_id = req->params[0];
	in.instance_id = v.s[P_INSTANCE];
	in.role = v.s[P_ROLE];
	in.request_id = request_header(req, "X-Request-ID");
	in.has_ondemand = v.present[P_ONDEMAND];
	in.ondemand_price = in.has_ondemand ? v.d[P_ONDEMAND] : 0;
	in.price_count = n;
	in.rejected_count = nrej;
	in.rows = rows;
	in.nrows = nok;
	app_actor(req, &who);
	rc = pricing_report_store(&app->db, req->arena, app->pricing_known, &in, &who, &out);
	if (rc == CORE_NOT_FOUND) {
		response_error(res, 404, "not_found", "this instance is not registered to this agent", "instance_id");
		return;
	}
	if (rc != CORE_OK) {
		app_db_error(app, res, "agent_pricing_report");
		return;
	}
	if (!out.replayed)
		metrics_add_pricing(app->metrics, out.known);
	struct json_object *o = json_object_new_object(), *unknown = json_object_new_array();
	for (size_t i = 0; i < out.nunknown; i++) {
		struct json_object *u = json_object_new_object();
		json_object_object_add(u, "instance_type", json_object_new_string(out.unknown[2 * i]));
		json_object_object_add(u, "region", json_object_new_string(out.unknown[2 * i + 1]));
		json_object_array_add(unknown, u);
	}
	json_object_object_add(o, "report_id", json_object_new_string(out.report_id));
	json_object_object_add(o, "accepted", json_object_new_int64((int64_t)nok));
	json_object_object_add(o, "duplicates", json_object_new_int64(out.duplicates));
	json_object_object_add(o, "rejected", agent_pricing_rejects_json(rej, nrej));
	json_object_object_add(o, "unknown_types", unknown);
	if (out.replayed)
		json_object_object_add(o, "replayed", json_object_new_boolean(1));
	response_json_take(res, 200, o);
}
