/* control.c - the JSON control API under /_sim/. */
#include "sim/control.h"
#include "common/timeutil.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void control_json(struct http_resp *resp, int status, struct json_object *o)
{
	resp->status = status;
	resp->content_type = "application/json";
	strbuf_reset(&resp->body);
	strbuf_addstr(&resp->body, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	strbuf_addch(&resp->body, '\n');
	json_object_put(o);
}

static void control_error(struct http_resp *resp, int status, const char *code, const char *msg)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	control_json(resp, status, o);
}

static struct json_object *control_time(int64_t ms)
{
	char ts[32];
	if (!ms)
		return NULL;
	time_format_rfc3339_ms(ms, ts, sizeof(ts));
	return json_object_new_string(ts);
}

/* One string member of a JSON object; a NULL value is JSON null. */
struct control_field {
	const char *key, *val;
};

#define CONTROL_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Adds the fields to o in order. */
static void control_strings(struct json_object *o, const struct control_field *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, f[i].key, f[i].val ? json_object_new_string(f[i].val) : NULL);
}

/* The notice fields of an instance: pending action, its times, and the rebalance recommendation. */
static void control_instance_notice(struct json_object *o, const struct sim_instance *in)
{
	json_object_object_add(o, "notice_action", in->action[0] ? json_object_new_string(in->action) : NULL);
	json_object_object_add(o, "notice_time", control_time(in->action_wall_ms));
	json_object_object_add(o, "notice_shown_time", control_time(in->notice_shown_ms));
	json_object_object_add(o, "rebalance_time", control_time(in->rebalance_wall_ms));
}

static struct json_object *control_instances(struct sim *sim)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < sim->ninstances; i++) {
		const struct sim_instance *in = &sim->instances[i];
		const struct control_field f[] = {
			{ "id", in->id },
			{ "region", in->region },
			{ "az", in->az },
			{ "type", in->type },
			{ "lifecycle", in->spot ? "spot" : "on-demand" },
			{ "state", sim_state_name(in->state) },
			{ "image_id", in->image_id },
			{ "private_ip", in->private_ip },
		};
		struct json_object *o = json_object_new_object();
		control_strings(o, f, CONTROL_COUNT(f));
		json_object_object_add(o, "agent_pid", in->agent_pid > 0 ? json_object_new_int(in->agent_pid) : NULL);
		json_object_object_add(o, "launch_time", control_time(in->launch_wall_ms));
		control_instance_notice(o, in);
		json_object_object_add(o, "interruption_behavior", json_object_new_string(in->behavior[0] ? in->behavior : "terminate"));
		json_object_object_add(o, "random_interruption_at",
				       in->random_set ? control_time(clock_wall(&sim->clock, in->random_vt)) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

/* The market fields of a pool: on-demand price, advisor calibration, interruption rate, price source. */
static void control_pool_market(struct json_object *o, const struct sim *sim, const struct sim_pool *p)
{
	char od[32];

	snprintf(od, sizeof(od), "%.6f", p->calib.on_demand);
	json_object_object_add(o, "on_demand_price", json_object_new_string(od));
	json_object_object_add(o, "savings_percent", json_object_new_int(p->calib.savings));
	json_object_object_add(o, "interruption_frequency", json_object_new_string(prices_bucket_label(p->calib.bucket)));
	json_object_object_add(o, "advised", json_object_new_boolean(p->calib.advised));
	json_object_object_add(o, "interruption_rate_per_hour", json_object_new_double(p->rate));
	json_object_object_add(o, "effective_interruption_rate_per_hour",
			       json_object_new_double(p->rate * sim->set.interruption_factor));
	json_object_object_add(o, "price_source", json_object_new_string(p->synthetic ? "synthetic" : "trace"));
}

/* GET /_sim/on-demand[?region=R]: {"region": {"type": "price"}} for every pool's type. */
static struct json_object *control_on_demand(struct sim *sim, const char *query)
{
	struct json_object *o = json_object_new_object();
	const char *q = strstr(query, "region=");
	char want[SIM_NAME_LEN] = "";

	if (q)
		snprintf(want, sizeof(want), "%.*s", (int)strcspn(q + 7, "&"), q + 7);
	for (size_t i = 0; i < sim->npools; i++) {
		const struct sim_pool *p = &sim->pools[i];
		struct json_object *r;
		char od[32];
		if (*want && strcmp(want, p->region))
			continue;
		if (!json_object_object_get_ex(o, p->region, &r)) {
			r = json_object_new_object();
			json_object_object_add(o, p->region, r);
		}
		snprintf(od, sizeof(od), "%.6f", p->calib.on_demand);
		json_object_object_add(r, p->type, json_object_new_string(od));
	}
	return o;
}

static struct json_object *control_schedule(struct sim *sim)
{
	struct json_object *a = json_object_new_array();
	for (int i = 0; i < sim->nsched; i++) {
		const struct sim_sched *e = &sim->sched[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "at_seconds", json_object_new_double((double)e->vt_ms / 1000.0));
		json_object_object_add(o, "at", control_time(clock_wall(&sim->clock, e->vt_ms)));
		json_object_object_add(o, "az", json_object_new_string(e->az));
		json_object_object_add(o, "type", json_object_new_string(e->type));
		json_object_object_add(o, "count", e->count < 0 ? json_object_new_string("all") : json_object_new_int64(e->count));
		json_object_object_add(o, "done", json_object_new_boolean(e->done));
		json_object_array_add(a, o);
	}
	return a;
}

/* A pool's az, type, capacity, use, spot price (null when none) and market fields. */
static void control_pool_fields(struct json_object *o, struct sim *sim, const struct sim_pool *p, int64_t now)
{
	const char *price = sim_pool_price(sim, p, now);
	json_object_object_add(o, "az", json_object_new_string(p->az));
	json_object_object_add(o, "type", json_object_new_string(p->type));
	json_object_object_add(o, "capacity", json_object_new_int64(p->capacity));
	json_object_object_add(o, "used", json_object_new_int64(sim_pool_used(sim, p)));
	json_object_object_add(o, "spot_price", price ? json_object_new_string(price) : NULL);
	control_pool_market(o, sim, p);
}

static struct json_object *control_pools(struct sim *sim, int64_t now)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < sim->npools; i++) {
		const struct sim_pool *p = &sim->pools[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "region", json_object_new_string(p->region));
		control_pool_fields(o, sim, p, now);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *control_images(struct sim *sim)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < sim->nimages; i++) {
		const struct sim_image *img = &sim->images[i];
		const struct control_field f[] = {
			{ "id", img->id },
			{ "region", img->region },
			{ "name", img->name },
			{ "state", img->state },
			{ "owner", img->amazon ? "amazon" : img->owner_id },
			{ "snapshot_id", img->snapshot_id },
		};
		struct json_object *o = json_object_new_object();
		control_strings(o, f, CONTROL_COUNT(f));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *control_addresses(struct sim *sim)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < sim->naddresses; i++) {
		const struct sim_address *ad = &sim->addresses[i];
		const struct control_field f[] = {
			{ "allocation_id", ad->allocation_id },
			{ "public_ip", ad->public_ip },
			{ "region", ad->region },
			{ "instance_id", ad->instance_id[0] ? ad->instance_id : NULL },
		};
		struct json_object *o = json_object_new_object();
		control_strings(o, f, CONTROL_COUNT(f));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *control_events(struct sim *sim, size_t since)
{
	struct json_object *a = json_object_new_array();
	size_t first = sim->nevents_total > SIM_MAX_EVENTS ? sim->nevents_total - SIM_MAX_EVENTS : 0;
	if (since > first)
		first = since;
	for (size_t i = first; i < sim->nevents_total; i++) {
		const struct sim_event *e = &sim->events[i % SIM_MAX_EVENTS];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "seq", json_object_new_int64((int64_t)i));
		json_object_object_add(o, "time", control_time(e->wall_ms));
		json_object_object_add(o, "vt_ms", json_object_new_int64(e->vt_ms));
		json_object_object_add(o, "text", json_object_new_string(e->text));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *control_clock(struct sim *sim, int64_t now)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "scale", json_object_new_double(clock_scale(&sim->clock)));
	json_object_object_add(o, "now", control_time(now));
	json_object_object_add(o, "vt_ms", json_object_new_int64(sim_vt(sim, now)));
	json_object_object_add(o, "started", control_time(sim->clock.seg[0].wall_ms));
	return o;
}

/* Parses the body as a JSON object (NULL body: an empty object); NULL on error (response set). */
static struct json_object *control_body(const struct http_req *req, struct http_resp *resp)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (!req->body_len)
		return json_object_new_object();
	tok = json_tokener_new_ex(16);
	o = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	if (json_tokener_get_error(tok) != json_tokener_success || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
		control_error(resp, 400, "bad_json", "the body must be one JSON object");
	}
	json_tokener_free(tok);
	return o;
}

/* Frees the body and answers an error. */
static void control_reject(struct json_object *b, struct http_resp *resp, int status, const char *code, const char *msg)
{
	json_object_put(b);
	control_error(resp, status, code, msg);
}

static int control_get_number(struct json_object *b, const char *key, double *out)
{
	struct json_object *v;
	if (!json_object_object_get_ex(b, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return -1;
	*out = json_object_get_double(v);
	return isfinite(*out) ? 1 : -1;
}

static void control_post_pool(struct sim *sim, const struct http_req *req, struct http_resp *resp, const char *rest)
{
	char az[SIM_NAME_LEN], type[SIM_NAME_LEN];
	const char *slash = strchr(rest, '/');
	struct json_object *b, *v;
	struct sim_pool *p;
	double cap;
	int rc;

	if (!slash || (size_t)(slash - rest) >= sizeof(az) || strlen(slash + 1) >= sizeof(type) || strchr(slash + 1, '/')) {
		control_error(resp, 404, "not_found", "expected /_sim/pools/<az>/<type>");
		return;
	}
	memcpy(az, rest, (size_t)(slash - rest));
	az[slash - rest] = 0;
	snprintf(type, sizeof(type), "%s", slash + 1);
	if (!sim_az_known(sim, az)) {
		control_error(resp, 404, "not_found", "unknown availability zone");
		return;
	}
	if (!(b = control_body(req, resp)))
		return;
	p = sim_pool_get(sim, az, type);
	if (!p) {
		control_reject(b, resp, 409, "limit", "too many pools");
		return;
	}
	rc = control_get_number(b, "capacity", &cap);
	if (rc < 0 || (rc && (cap < 0 || cap > 1000000))) {
		control_reject(b, resp, 400, "bad_capacity", "capacity must be a number from 0 to 1000000");
		return;
	}
	if (rc) {
		p->capacity = (long)cap;
		sim_event(sim, req->now_ms, "pool %s %s: capacity %ld", az, type, p->capacity);
	}
	rc = control_get_number(b, "interruption_rate", &cap);
	if (rc < 0 || (rc && !(cap >= 0 && cap <= 3600))) {
		control_reject(b, resp, 400, "bad_rate", "interruption_rate must be a number of interruptions per instance-hour, 0 to 3600");
		return;
	}
	if (rc) {
		sim_pool_set_rate(sim, p, cap, req->now_ms);
		p = sim_pool_get(sim, az, type);
		sim_event(sim, req->now_ms, "pool %s %s: interruption rate %g per hour", az, type, cap);
	}
	if (json_object_object_get_ex(b, "price", &v)) {
		char price[32];
		if (json_object_is_type(v, json_type_string))
			snprintf(price, sizeof(price), "%s", json_object_get_string(v));
		else if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
			snprintf(price, sizeof(price), "%.6f", json_object_get_double(v));
		else
			price[0] = 0;
		if (prices_add(&sim->prices, az, type, "Linux/UNIX", price, sim_vt(sim, req->now_ms)) < 0) {
			control_reject(b, resp, 400, "bad_price", "price must be a decimal number such as \"0.052000\"");
			return;
		}
		if (p->synthetic)
			sim_pool_manual(sim, p);
		sim_event(sim, req->now_ms, "pool %s %s: spot price %s", az, type, price);
	}
	json_object_put(b);
	{
		struct json_object *o = json_object_new_object();
		control_pool_fields(o, sim, p, req->now_ms);
		control_json(resp, 200, o);
	}
}

static void control_post_instance(struct sim *sim, const struct http_req *req, struct http_resp *resp,
				  const char *rest)
{
	char id[SIM_ID_LEN];
	const char *slash = strchr(rest, '/'), *verb, *action = "terminate";
	struct sim_instance *in;
	struct json_object *b, *v;
	double lead = (double)sim->set.notice_lead_ms / 1000.0, rlead = 0;
	int rebalance = 0, rc;

	if (!slash || (size_t)(slash - rest) >= sizeof(id)) {
		control_error(resp, 404, "not_found", "expected /_sim/instances/<id>/interrupt");
		return;
	}
	memcpy(id, rest, (size_t)(slash - rest));
	id[slash - rest] = 0;
	verb = slash + 1;
	if (!(in = sim_instance_find(sim, id))) {
		control_error(resp, 404, "not_found", "no such instance");
		return;
	}
	if (strcmp(verb, "interrupt") && strcmp(verb, "rebalance")) {
		control_error(resp, 404, "not_found", "expected interrupt or rebalance");
		return;
	}
	if (!(b = control_body(req, resp)))
		return;
	if (!strcmp(verb, "rebalance")) {
		json_object_put(b);
		if (in->state != SIM_RUNNING && in->state != SIM_PENDING) {
			control_error(resp, 409, "bad_state", "the instance is not running");
			return;
		}
		if (!in->spot) {
			control_error(resp, 409, "not_spot", "EC2 sends rebalance recommendations to spot instances only");
			return;
		}
		in->rebalance_wall_ms = req->now_ms;
		sim_event(sim, req->now_ms, "%s: rebalance recommendation (on command)", in->id);
	} else {
		if (json_object_object_get_ex(b, "action", &v)) {
			action = json_object_get_string(v);
			if (!json_object_is_type(v, json_type_string) ||
			    (strcmp(action, "terminate") && strcmp(action, "stop") && strcmp(action, "hibernate"))) {
				control_reject(b, resp, 400, "bad_action", "action must be terminate, stop or hibernate");
				return;
			}
		}
		rc = control_get_number(b, "lead_seconds", &lead);
		if (rc < 0 || lead < 0 || lead > 86400) {
			control_reject(b, resp, 400, "bad_lead", "lead_seconds must be a number from 0 to 86400");
			return;
		}
		if (json_object_object_get_ex(b, "rebalance", &v))
			rebalance = json_object_get_boolean(v);
		rc = control_get_number(b, "rebalance_lead_seconds", &rlead);
		if (rc < 0 || rlead < 0 || rlead > 86400) {
			control_reject(b, resp, 400, "bad_lead", "rebalance_lead_seconds must be a number from 0 to 86400");
			return;
		}
		if (rc)
			rebalance = 1;
		rc = sim_instance_interrupt(sim, in, action, rebalance ? (long)(rlead * 1000) : -1, (long)(lead * 1000),
					    sim_vt(sim, req->now_ms), req->now_ms, "on command");
		if (rc < 0) {
			json_object_put(b);
			if (rc == -2)
				control_error(resp, 409, "not_spot", "EC2 interrupts spot instances only");
			else
				control_error(resp, 409, "bad_state", "the instance is not running, or has a notice already");
			return;
		}
		json_object_put(b);
	}
	{
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(in->id));
		json_object_object_add(o, "state", json_object_new_string(sim_state_name(in->state)));
		control_instance_notice(o, in);
		control_json(resp, 200, o);
	}
}

/* POST /_sim/schedule {"at_seconds" | "in_seconds": N, "az": "*", "type": "*", "count": 1 | "all"} */
static void control_post_schedule(struct sim *sim, const struct http_req *req, struct http_resp *resp)
{
	struct json_object *b = control_body(req, resp), *v;
	const char *az = "*", *type = "*";
	double at = -1, in = -1, count = 1;
	int64_t vt;

	if (!b)
		return;
	if (control_get_number(b, "at_seconds", &at) < 0 || control_get_number(b, "in_seconds", &in) < 0 ||
	    (at < 0 && in < 0) || (at >= 0 && in >= 0) || at > 86400.0 * 3650 || in > 86400.0 * 3650) {
		control_reject(b, resp, 400, "bad_time", "give one of at_seconds (simulated since the start) or in_seconds (from now)");
		return;
	}
	if (json_object_object_get_ex(b, "az", &v))
		az = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	if (json_object_object_get_ex(b, "type", &v))
		type = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	if (json_object_object_get_ex(b, "count", &v) && json_object_is_type(v, json_type_string) &&
	    !strcmp(json_object_get_string(v), "all"))
		count = -1;
	else if (control_get_number(b, "count", &count) < 0 || (count != -1 && (count < 1 || count > SIM_MAX_INSTANCES)))
		count = 0;
	vt = at >= 0 ? (int64_t)(at * 1000) : sim_vt(sim, req->now_ms) + (int64_t)(in * 1000);
	if (sim_schedule_add(sim, vt, az, type, (long)count) < 0) {
		control_reject(b, resp, 400, "bad_schedule", "az and type are names or \"*\", count a number or \"all\"; at most 256 entries");
		return;
	}
	sim_event(sim, req->now_ms, "schedule %d added: start+%.3fs %s %s", sim->nsched, (double)vt / 1000.0, az, type);
	json_object_put(b);
	control_json(resp, 201, control_schedule(sim));
}

void control_handle(struct sim *sim, const struct http_req *req, struct http_resp *resp)
{
	const char *r = req->path + strlen(CONTROL_PREFIX);

	snprintf(resp->log, sizeof(resp->log), "control %s %.96s", req->method, req->path);
	sim_touch(sim, req->now_ms);
	if (!req->loopback) {
		control_error(resp, 403, "forbidden", "the control API answers loopback clients only");
		return;
	}
	if (!strcmp(req->method, "GET")) {
		if (!strcmp(r, "instances"))
			control_json(resp, 200, control_instances(sim));
		else if (!strcmp(r, "pools"))
			control_json(resp, 200, control_pools(sim, req->now_ms));
		else if (!strcmp(r, "images"))
			control_json(resp, 200, control_images(sim));
		else if (!strcmp(r, "addresses"))
			control_json(resp, 200, control_addresses(sim));
		else if (!strcmp(r, "clock"))
			control_json(resp, 200, control_clock(sim, req->now_ms));
		else if (!strcmp(r, "schedule"))
			control_json(resp, 200, control_schedule(sim));
		else if (!strcmp(r, "on-demand"))
			control_json(resp, 200, control_on_demand(sim, req->query));
		else if (!strcmp(r, "events")) {
			const char *s = strstr(req->query, "since=");
			control_json(resp, 200, control_events(sim, s ? strtoul(s + 6, NULL, 10) : 0));
		} else
			control_error(resp, 404, "not_found", "no such control resource");
		return;
	}
	if (strcmp(req->method, "POST")) {
		control_error(resp, 405, "method_not_allowed", "GET or POST");
		return;
	}
	if (!strcmp(r, "clock")) {
		struct json_object *b = control_body(req, resp);
		double scale;
		if (!b)
			return;
		if (control_get_number(b, "scale", &scale) != 1 || clock_set_scale(&sim->clock, req->now_ms, scale) < 0) {
			control_reject(b, resp, 400, "bad_scale", "scale must be a number from 0.001 to 100000");
			return;
		}
		json_object_put(b);
		sim_event(sim, req->now_ms, "clock scale %g", scale);
		control_json(resp, 200, control_clock(sim, req->now_ms));
	} else if (!strcmp(r, "schedule")) {
		control_post_schedule(sim, req, resp);
	} else if (!strncmp(r, "pools/", 6)) {
		control_post_pool(sim, req, resp, r + 6);
	} else if (!strncmp(r, "instances/", 10)) {
		control_post_instance(sim, req, resp, r + 10);
	} else {
		control_error(resp, 404, "not_found", "no such control resource");
	}
}
