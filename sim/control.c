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

static struct json_object *control_instances(struct sim *sim)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < sim->ninstances; i++) {
		const struct sim_instance *in = &sim->instances[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(in->id));
		json_object_object_add(o, "region", json_object_new_string(in->region));
		json_object_object_add(o, "az", json_object_new_string(in->az));
		json_object_object_add(o, "type", json_object_new_string(in->type));
		json_object_object_add(o, "lifecycle", json_object_new_string(in->spot ? "spot" : "on-demand"));
		json_object_object_add(o, "state", json_object_new_string(sim_state_name(in->state)));
		json_object_object_add(o, "image_id", json_object_new_string(in->image_id));
		json_object_object_add(o, "private_ip", json_object_new_string(in->private_ip));
		json_object_object_add(o, "agent_pid", in->agent_pid > 0 ? json_object_new_int(in->agent_pid) : NULL);
		json_object_object_add(o, "launch_time", control_time(in->launch_wall_ms));
		json_object_object_add(o, "notice_action", in->action[0] ? json_object_new_string(in->action) : NULL);
		json_object_object_add(o, "notice_time", control_time(in->action_wall_ms));
		json_object_object_add(o, "rebalance_time", control_time(in->rebalance_wall_ms));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *control_pools(struct sim *sim, int64_t now)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < sim->npools; i++) {
		const struct sim_pool *p = &sim->pools[i];
		const char *price = sim_pool_price(sim, p, now);
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "region", json_object_new_string(p->region));
		json_object_object_add(o, "az", json_object_new_string(p->az));
		json_object_object_add(o, "type", json_object_new_string(p->type));
		json_object_object_add(o, "capacity", json_object_new_int64(p->capacity));
		json_object_object_add(o, "used", json_object_new_int64(sim_pool_used(sim, p)));
		json_object_object_add(o, "spot_price", price ? json_object_new_string(price) : NULL);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *control_images(struct sim *sim)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < sim->nimages; i++) {
		const struct sim_image *img = &sim->images[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(img->id));
		json_object_object_add(o, "region", json_object_new_string(img->region));
		json_object_object_add(o, "name", json_object_new_string(img->name));
		json_object_object_add(o, "state", json_object_new_string(img->state));
		json_object_object_add(o, "owner", json_object_new_string(img->amazon ? "amazon" : img->owner_id));
		json_object_object_add(o, "snapshot_id", json_object_new_string(img->snapshot_id));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *control_addresses(struct sim *sim)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < sim->naddresses; i++) {
		const struct sim_address *ad = &sim->addresses[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "allocation_id", json_object_new_string(ad->allocation_id));
		json_object_object_add(o, "public_ip", json_object_new_string(ad->public_ip));
		json_object_object_add(o, "region", json_object_new_string(ad->region));
		json_object_object_add(o, "instance_id", ad->instance_id[0] ? json_object_new_string(ad->instance_id) : NULL);
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
		json_object_put(b);
		control_error(resp, 409, "limit", "too many pools");
		return;
	}
	rc = control_get_number(b, "capacity", &cap);
	if (rc < 0 || (rc && (cap < 0 || cap > 1000000))) {
		json_object_put(b);
		control_error(resp, 400, "bad_capacity", "capacity must be a number from 0 to 1000000");
		return;
	}
	if (rc) {
		p->capacity = (long)cap;
		sim_event(sim, req->now_ms, "pool %s %s: capacity %ld", az, type, p->capacity);
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
			json_object_put(b);
			control_error(resp, 400, "bad_price", "price must be a decimal number such as \"0.052000\"");
			return;
		}
		sim_event(sim, req->now_ms, "pool %s %s: spot price %s", az, type, price);
	}
	json_object_put(b);
	{
		struct json_object *o = json_object_new_object();
		const char *price = sim_pool_price(sim, p, req->now_ms);
		json_object_object_add(o, "az", json_object_new_string(p->az));
		json_object_object_add(o, "type", json_object_new_string(p->type));
		json_object_object_add(o, "capacity", json_object_new_int64(p->capacity));
		json_object_object_add(o, "used", json_object_new_int64(sim_pool_used(sim, p)));
		json_object_object_add(o, "spot_price", price ? json_object_new_string(price) : NULL);
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
	double lead = (double)sim->set.notice_lead_ms / 1000.0;
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
		in->rebalance_wall_ms = req->now_ms;
		sim_event(sim, req->now_ms, "%s: rebalance recommendation", in->id);
	} else {
		if (json_object_object_get_ex(b, "action", &v)) {
			action = json_object_get_string(v);
			if (!json_object_is_type(v, json_type_string) ||
			    (strcmp(action, "terminate") && strcmp(action, "stop") && strcmp(action, "hibernate"))) {
				json_object_put(b);
				control_error(resp, 400, "bad_action", "action must be terminate, stop or hibernate");
				return;
			}
		}
		rc = control_get_number(b, "lead_seconds", &lead);
		if (rc < 0 || lead < 0 || lead > 86400) {
			json_object_put(b);
			control_error(resp, 400, "bad_lead", "lead_seconds must be a number from 0 to 86400");
			return;
		}
		if (json_object_object_get_ex(b, "rebalance", &v))
			rebalance = json_object_get_boolean(v);
		if (sim_instance_interrupt(sim, in, action, (long)(lead * 1000), rebalance, req->now_ms) < 0) {
			json_object_put(b);
			control_error(resp, 409, "bad_state", "the instance is not running");
			return;
		}
		json_object_put(b);
	}
	{
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(in->id));
		json_object_object_add(o, "state", json_object_new_string(sim_state_name(in->state)));
		json_object_object_add(o, "notice_action", in->action[0] ? json_object_new_string(in->action) : NULL);
		json_object_object_add(o, "notice_time", control_time(in->action_wall_ms));
		json_object_object_add(o, "rebalance_time", control_time(in->rebalance_wall_ms));
		control_json(resp, 200, o);
	}
}

void control_handle(struct sim *sim, const struct http_req *req, struct http_resp *resp)
{
	const char *r = req->path + strlen(CONTROL_PREFIX);

	snprintf(resp->log, sizeof(resp->log), "control %s %.96s", req->method, req->path);
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
			json_object_put(b);
			control_error(resp, 400, "bad_scale", "scale must be a number from 0.001 to 100000");
			return;
		}
		json_object_put(b);
		sim_event(sim, req->now_ms, "clock scale %g", scale);
		control_json(resp, 200, control_clock(sim, req->now_ms));
	} else if (!strncmp(r, "pools/", 6)) {
		control_post_pool(sim, req, resp, r + 6);
	} else if (!strncmp(r, "instances/", 10)) {
		control_post_instance(sim, req, resp, r + 10);
	} else {
		control_error(resp, 404, "not_found", "no such control resource");
	}
}
