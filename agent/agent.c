/*
 * agent.c - registration, heartbeat, pricing, commands, interruption watch,
 * termination loop and spool replay (DESIGN.md section 7; endpoints and
 * bodies from section 5).
 */
#include "agent/agent.h"
#include "agent/exec.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/uuid.h"

#include <stdio.h>
#include <string.h>

static const char *agent_mode(const struct agent *a)
{
	return strcmp(a->id.life_cycle, "spot") ? "ondemand" : "spot";
}

static const char *agent_logical_id(const struct agent *a)
{
	return a->cfg->logical_id ? a->cfg->logical_id : a->id.instance_id;
}

static int agent_role_is(const struct agent *a, const char *role)
{
	return !strcmp(a->role, role);
}

int agent_init(struct agent *a, struct agent_config *cfg, volatile int *stop)
{
	char dir[700];
	const char *region;
	int ok = -1;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->stop = stop;
	a->start_mono = time_mono_ms();
	a->heartbeat_s = cfg->heartbeat_s;
	a->pricing_s = cfg->pricing_s;
	a->command_poll_s = cfg->command_poll_s;
	a->interruption_poll_s = cfg->interruption_poll_s;
	imds_init(&a->imds, cfg->imds_url, stop);
	for (unsigned i = 0; i < 6 && ok < 0 && !*stop; i++) {
		if (i)
			time_sleep_ms(httpc_backoff_ms(i - 1, 500, 8000), stop);
		ok = imds_identity(&a->imds, &a->id);
	}
	if (ok < 0) {
		log_err("agent_init: IMDS at %s did not tell who this instance is", cfg->imds_url);
		return AGENT_EXIT_UNAVAILABLE;
	}
	log_info("agent_init: instance %s %s in %s (%s), ami %s", a->id.instance_id, a->id.instance_type, a->id.az,
		 a->id.life_cycle, a->id.ami_id[0] ? a->id.ami_id : "-");
	memcpy(a->types[0], a->id.instance_type, sizeof(a->id.instance_type));
	a->ntypes = 1;
	region = cfg->region ? cfg->region : a->id.region;
	creds_init(&a->creds, cfg->access_key_id, cfg->secret_access_key, cfg->session_token);
	if (ec2_init(&a->ec2, cfg->ec2_url, region, &a->creds, &a->imds, stop) < 0) {
		log_err("agent_init: SPOT_EC2_URL %s is not usable", cfg->ec2_url ? cfg->ec2_url : "-");
		return AGENT_EXIT_CONFIG;
	}
	server_init(&a->srv, cfg->server_url, cfg->client_token, cfg->ca_file, stop);
	snprintf(dir, sizeof(dir), "%s/%s", cfg->spool_dir, a->id.instance_id);
	if (spool_open(&a->spool, dir, cfg->spool_max_entries, cfg->spool_max_bytes) < 0)
		return AGENT_EXIT_CANTCREAT;
	return AGENT_EXIT_OK;
}

void agent_release(struct agent *a)
{
	server_release(&a->srv);
	ec2_release(&a->ec2);
	imds_release(&a->imds);
}

/* A bounded integer member, else def. */
static long agent_json_long(struct json_object *o, const char *name, long def, long min, long max)
{
	struct json_object *v;
	long x;

	if (!o || !json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_int))
		return def;
	x = (long)json_object_get_int64(v);
	return x < min ? min : x > max ? max : x;
}

/* A string member copied into buf; -1 when absent, not a string or too long. */
static int agent_json_str(struct json_object *o, const char *name, char *buf, size_t size)
{
	struct json_object *v;
	const char *s;
	size_t n;

	if (!o || !json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	n = strlen(s);
	if (n >= size)
		return -1;
	memcpy(buf, s, n + 1);
	return 0;
}

static int agent_type_ok(const char *t)
{
	size_t n = strlen(t);
	return n >= 3 && n < 64 && strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n && strchr(t, '.');
}

/* The server's agent config (register answer or GET config), bounded by our own limits. */
static void agent_apply_config(struct agent *a, struct json_object *c)
{
	struct json_object *types, *v;

	if (!c || !json_object_is_type(c, json_type_object))
		return;
	/*
	 * The server's intervals, never slower than the local config (which may
	 * only make them faster); commands at least every 30 s, the interruption
	 * watch at least every 2 s (section 7).
	 */
	a->heartbeat_s = agent_json_long(c, "heartbeat_interval_seconds", a->cfg->heartbeat_s, 1, a->cfg->heartbeat_s);
	a->pricing_s = agent_json_long(c, "pricing_interval_seconds", a->cfg->pricing_s, 1, a->cfg->pricing_s);
	a->command_poll_s = agent_json_long(c, "command_poll_seconds", a->cfg->command_poll_s, 1, a->cfg->command_poll_s);
	a->interruption_poll_s = agent_json_long(c, "interruption_poll_seconds", a->cfg->interruption_poll_s, 1,
						 a->cfg->interruption_poll_s);
	a->config_version = agent_json_long(c, "config_version", a->config_version, 0, 1L << 40);
	if (json_object_object_get_ex(c, "auto_terminate_enabled", &v) && json_object_is_type(v, json_type_boolean))
		a->auto_terminate = json_object_get_boolean(v);
	if (json_object_object_get_ex(c, "compatible_types", &types) && json_object_is_type(types, json_type_array)) {
		size_t n = json_object_array_length(types);
		a->ntypes = 1;
		for (size_t i = 0; i < n && a->ntypes < AGENT_MAX_TYPES; i++) {
			struct json_object *t = json_object_array_get_idx(types, i);
			const char *s = json_object_is_type(t, json_type_string) ? json_object_get_string(t) : "";
			int dup = 0;
			if (!agent_type_ok(s))
				continue;
			for (size_t k = 0; k < a->ntypes; k++)
				dup |= !strcmp(a->types[k], s);
			if (!dup)
				memcpy(a->types[a->ntypes++], s, strlen(s) + 1);
		}
	}
}

static void agent_set_role(struct agent *a, const char *role)
{
	if (strcmp(a->role, role))
		log_info("agent: role %s -> %s", a->role[0] ? a->role : "-", role);
	snprintf(a->role, sizeof(a->role), "%s", role);
}

int agent_register(struct agent *a, int *fatal)
{
	struct json_object *b = json_object_new_object(), *o = NULL, *cfg;
	struct httpc_response res;
	enum server_result r;
	char role[16];
	int rc = -1;

	*fatal = 0;
	json_object_object_add(b, "logical_agent_id", json_object_new_string(agent_logical_id(a)));
	json_object_object_add(b, "hostname", json_object_new_string(a->id.hostname));
	json_object_object_add(b, "instance_id", json_object_new_string(a->id.instance_id));
	json_object_object_add(b, "instance_type", json_object_new_string(a->id.instance_type));
	json_object_object_add(b, "region", json_object_new_string(a->id.region));
	json_object_object_add(b, "az", json_object_new_string(a->id.az));
	json_object_object_add(b, "mode", json_object_new_string(agent_mode(a)));
	json_object_object_add(b, "agent_version", json_object_new_string(AGENT_VERSION));
	httpc_response_init(&res);
	r = server_call(&a->srv, "POST", "/api/agents/register", json_object_to_json_string(b), NULL, 1, &res);
	if (r == SERVER_UNKNOWN_AGENT || (r == SERVER_REJECTED && (res.code == 403 || res.code == 401))) {
		log_err("agent_register: the server refused the client token (HTTP %ld)", res.code);
		*fatal = AGENT_EXIT_NOPERM;
		goto out;
	}
	if (r != SERVER_OK) {
		log_warn("agent_register: %s (HTTP %ld)", server_result_name(r), res.code);
		goto out;
	}
	o = server_json(&res);
	if (!o || agent_json_str(o, "agent_id", a->srv.agent_id, sizeof(a->srv.agent_id)) < 0 ||
	    agent_json_str(o, "agent_token", a->srv.agent_token, sizeof(a->srv.agent_token)) < 0 ||
	    agent_json_str(o, "role", role, sizeof(role)) < 0 ||
	    strspn(a->srv.agent_id, "0123456789abcdefABCDEF-") != strlen(a->srv.agent_id)) {
		log_err("agent_register: the answer lacks agent_id, agent_token or role");
		goto out;
	}
	agent_set_role(a, role);
	if (json_object_object_get_ex(o, "config", &cfg))
		agent_apply_config(a, cfg);
	a->registered = 1;
	log_info("agent_register: agent %s (%s) as %s, %zu types priced, heartbeat %lds", a->srv.agent_id,
		 agent_logical_id(a), a->role, a->ntypes, a->heartbeat_s);
	rc = 0;
out:
	json_object_put(o);
	json_object_put(b);
	httpc_response_release(&res);
	return rc;
}

/* Registers when needed; 0 when registered. */
static int agent_ensure_registered(struct agent *a)
{
	int fatal;

	if (a->registered)
		return 0;
	return agent_register(a, &fatal);
}

/* One agent API call at /api/agents/{id}/<suffix>. */
static enum server_result agent_call(struct agent *a, const char *method, const char *suffix, const char *body,
				     const char *request_id, struct httpc_response *res)
{
	char path[512];
	enum server_result r;

	for (int again = 0; again < 2; again++) {
		if (agent_ensure_registered(a) < 0)
			return SERVER_UNAVAILABLE;
		snprintf(path, sizeof(path), "/api/agents/%s/%s", a->srv.agent_id, suffix);
		r = server_call(&a->srv, method, path, body, request_id, 0, res);
		if (r != SERVER_UNKNOWN_AGENT)
			return r;
		log_warn("agent_call: the server does not know agent %s; registering again", a->srv.agent_id);
		a->registered = 0;
	}
	return SERVER_UNAVAILABLE;
}

int agent_tick_spool(struct agent *a, int64_t now)
{
	struct spool_entry e;
	struct httpc_response res;
	int rc = 0, found;

	(void)now;
	spool_entry_init(&e);
	httpc_response_init(&res);
	while ((found = spool_peek(&a->spool, &e)) == 1) {
		enum server_result r = agent_call(a, e.method, e.path, e.body.buf, e.request_id, &res);
		if (r == SERVER_UNAVAILABLE || r == SERVER_STOPPED) {
			rc = -1;
			break;
		}
		if (r == SERVER_OK)
			log_info("agent_tick_spool: replayed %s %s", e.path, e.request_id);
		else
			log_warn("agent_tick_spool: %s %s refused (HTTP %ld); dropped", e.path, e.request_id, res.code);
		spool_pop(&a->spool, e.seq);
	}
	if (found < 0)
		rc = -1;
	spool_entry_release(&e);
	httpc_response_release(&res);
	return rc;
}

int agent_report(struct agent *a, enum spool_class cls, const char *path, const char *body,
		 struct json_object **answer)
{
	char rid[UUID_STR_LEN + 1];
	struct spool_entry e;
	struct httpc_response res;
	enum server_result r;
	int rc = -1, pending;

	if (answer)
		*answer = NULL;
	uuid_v4(rid);
	/* Order: whatever waits in the spool goes first. */
	agent_tick_spool(a, 0);
	spool_entry_init(&e);
	pending = spool_peek(&a->spool, &e);
	spool_entry_release(&e);
	if (pending != 0) {
		rc = spool_push(&a->spool, cls, "POST", path, rid, body, strlen(body)) < 0 ? -1 : 0;
		log_info("agent_report: %s %s spooled behind earlier reports", path, rid);
		return rc;
	}
	httpc_response_init(&res);
	r = agent_call(a, "POST", path, body, rid, &res);
	if (r == SERVER_OK) {
		if (answer)
			*answer = server_json(&res);
		rc = 0;
	} else if (r == SERVER_UNAVAILABLE || r == SERVER_STOPPED) {
		int pr = spool_push(&a->spool, cls, "POST", path, rid, body, strlen(body));
		if (pr == 0)
			log_info("agent_report: %s %s spooled (server %s)", path, rid, server_result_name(r));
		rc = pr < 0 ? -1 : 0;
	} else {
		log_warn("agent_report: %s refused (HTTP %ld)", path, res.code);
	}
	httpc_response_release(&res);
	return rc;
}

static void agent_fetch_config(struct agent *a)
{
	struct httpc_response res;
	struct json_object *o;

	httpc_response_init(&res);
	if (agent_call(a, "GET", "config", NULL, NULL, &res) == SERVER_OK && (o = server_json(&res))) {
		struct json_object *c;
		agent_apply_config(a, json_object_object_get_ex(o, "config", &c) ? c : o);
		log_info("agent: config version %ld", a->config_version);
		json_object_put(o);
	}
	httpc_response_release(&res);
}

int agent_tick_heartbeat(struct agent *a, int64_t now)
{
	struct json_object *b = json_object_new_object(), *o = NULL;
	struct httpc_response res;
	enum server_result r;
	char role[16];
	long pending, version;
	int rc = -1;

	(void)now;
	json_object_object_add(b, "instance_id", json_object_new_string(a->id.instance_id));
	json_object_object_add(b, "status", json_object_new_string("running"));
	json_object_object_add(b, "uptime_seconds", json_object_new_int64((time_mono_ms() - a->start_mono) / 1000));
	httpc_response_init(&res);
	r = agent_call(a, "POST", "heartbeat", json_object_to_json_string(b), NULL, &res);
	if (r != SERVER_OK) {
		log_warn("agent_tick_heartbeat: %s (HTTP %ld)", server_result_name(r), res.code);
		if (r == SERVER_REJECTED && res.code == 404)
			a->registered = 0;	/* this instance is not registered to the agent: register it */
		goto out;
	}
	o = server_json(&res);
	if (agent_json_str(o, "role", role, sizeof(role)) == 0)
		agent_set_role(a, role);
	exec_replica_self_report(a);
	pending = agent_json_long(o, "pending_commands", 0, 0, 1000000);
	version = agent_json_long(o, "config_version", a->config_version, 0, 1L << 40);
	log_debug("agent_tick_heartbeat: role %s, %ld pending commands", a->role, pending);
	if (version != a->config_version)
		agent_fetch_config(a);
	if (pending > 0 && agent_role_is(a, "primary"))
		agent_tick_commands(a, now);
	rc = 0;
out:
	json_object_put(o);
	json_object_put(b);
	httpc_response_release(&res);
	return rc;
}

int agent_tick_pricing(struct agent *a, int64_t now)
{
	const char *types[AGENT_MAX_TYPES];
	struct ec2_prices p = { 0 };
	struct json_object *b, *arr;
	char ts[32];
	size_t n = 0, rlen = strlen(a->ec2.region);
	int rc = -1;

	if (agent_role_is(a, "zombie") || agent_role_is(a, "terminated"))
		return 0;
	for (size_t i = 0; i < a->ntypes; i++)
		types[i] = a->types[i];
	if (ec2_describe_spot_price_history(&a->ec2, types, a->ntypes, now - 60000, &p) < 0) {
		log_warn("agent_tick_pricing: DescribeSpotPriceHistory failed: %s", a->ec2.err.code);
		goto out;
	}
	time_format_rfc3339(now, ts, sizeof(ts));
	b = json_object_new_object();
	arr = json_object_new_array();
	/* The latest price of each pool (type, zone of our region). */
	for (size_t i = 0; i < p.n && n < AGENT_MAX_PRICES; i++) {
		const struct ec2_price *x = &p.v[i];
		int latest = 1;
		if (strncmp(x->az, a->ec2.region, rlen) || strlen(x->az) != rlen + 1)
			continue;
		for (size_t k = 0; k < p.n && latest; k++)
			if (k != i && !strcmp(p.v[k].instance_type, x->instance_type) && !strcmp(p.v[k].az, x->az) &&
			    (p.v[k].timestamp_ms > x->timestamp_ms || (p.v[k].timestamp_ms == x->timestamp_ms && k < i)))
				latest = 0;
		if (!latest)
			continue;
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "instance_type", json_object_new_string(x->instance_type));
		json_object_object_add(e, "az", json_object_new_string(x->az));
		json_object_object_add(e, "price", json_object_new_double(x->price));
		json_object_object_add(e, "observed_at", json_object_new_string(ts));
		json_object_array_add(arr, e);
		n++;
	}
	if (!n) {
		log_warn("agent_tick_pricing: no prices for %zu types in %s", a->ntypes, a->ec2.region);
		json_object_put(arr);
		json_object_put(b);
		goto out;
	}
	json_object_object_add(b, "instance_id", json_object_new_string(a->id.instance_id));
	json_object_object_add(b, "role", json_object_new_string(a->role[0] ? a->role : "primary"));
	json_object_object_add(b, "prices", arr);
	rc = agent_report(a, SPOOL_DROPPABLE, "pricing-report", json_object_to_json_string(b), NULL);
	if (rc == 0)
		log_info("agent_tick_pricing: %zu prices for %zu types", n, a->ntypes);
	json_object_put(b);
out:
	ec2_prices_free(&p);
	return rc;
}

int agent_tick_commands(struct agent *a, int64_t now)
{
	struct httpc_response res;
	struct json_object *o = NULL, *cmds;
	char path[128];
	int rc = -1;

	(void)now;
	/* Only the primary acts; a standby, replica or zombie leaves commands alone. */
	if (!agent_role_is(a, "primary"))
		return 0;
	snprintf(path, sizeof(path), "pending-commands?instance_id=%s", a->id.instance_id);
	httpc_response_init(&res);
	if (agent_call(a, "GET", path, NULL, NULL, &res) != SERVER_OK || !(o = server_json(&res)))
		goto out;
	if (json_object_object_get_ex(o, "commands", &cmds) && json_object_is_type(cmds, json_type_array)) {
		size_t n = json_object_array_length(cmds);
		for (size_t i = 0; i < n && i < AGENT_MAX_COMMANDS; i++) {
			struct json_object *c = json_object_array_get_idx(cmds, i);
			struct json_object *payload = NULL;
			char cid[64], type[64];
			if (agent_json_str(c, "id", cid, sizeof(cid)) < 0 || !uuid_valid(cid) ||
			    agent_json_str(c, "type", type, sizeof(type)) < 0)
				continue;
			log_info("agent_tick_commands: command %s %s", cid, type);
			/* exec reports running, then the result (or fails with a reason); nothing hangs. */
			json_object_object_get_ex(c, "payload", &payload);
			exec_command(a, cid, type, payload);
		}
	}
	rc = 0;
out:
	json_object_put(o);
	httpc_response_release(&res);
	return rc;
}

/* A notice body's string member, bounded and printable. */
static int agent_notice_field(struct json_object *o, const char *name, char *buf, size_t size)
{
	if (agent_json_str(o, name, buf, size) < 0 || !buf[0])
		return -1;
	for (const char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return -1;
	return 0;
}

int agent_tick_interruption(struct agent *a, int64_t now)
{
	struct strbuf sb = STRBUF_INIT;
	struct httpc_response fake;
	struct json_object *o, *ans;
	int st;

	if (agent_role_is(a, "zombie") || agent_role_is(a, "terminated"))
		goto out;
	/* spot/instance-action: {"action": "terminate|stop|hibernate", "time": "..."} (EC2 User Guide). */
	st = imds_get(&a->imds, "meta-data/spot/instance-action", &sb);
	if (st == 200) {
		char action[16], t[64];
		httpc_response_init(&fake);
		strbuf_add(&fake.body, sb.buf, sb.len);
		o = server_json(&fake);
		httpc_response_release(&fake);
		if (o && agent_notice_field(o, "action", action, sizeof(action)) == 0 &&
		    agent_notice_field(o, "time", t, sizeof(t)) == 0 && strcmp(t, a->termination_time) &&
		    (!strcmp(action, "terminate") || !strcmp(action, "stop") || !strcmp(action, "hibernate"))) {
			struct json_object *b = json_object_new_object();
			log_warn("agent_tick_interruption: spot interruption notice: %s at %s", action, t);
			json_object_object_add(b, "instance_id", json_object_new_string(a->id.instance_id));
			json_object_object_add(b, "action_time", json_object_new_string(t));
			json_object_object_add(b, "notice_action", json_object_new_string(action));
			if (agent_report(a, SPOOL_KEEP, "termination-notice", json_object_to_json_string(b), &ans) == 0) {
				char act[32] = "";
				memcpy(a->termination_time, t, sizeof(t));
				agent_json_str(ans, "action", act, sizeof(act));
				log_info("agent_tick_interruption: termination notice reported; server: %s",
					 act[0] ? act : "(later)");
				/* Fast failover: the Elastic IP goes to the promoted replica now, not at the next poll. */
				if (!strcmp(act, "promote_replica")) {
					exec_failover(a, ans);
					agent_set_role(a, "zombie");
				} else if (!strcmp(act, "emergency_launch")) {
					agent_tick_commands(a, now);
				}
				json_object_put(ans);
			}
			json_object_put(b);
		}
		json_object_put(o);
	}
	/* events/recommendations/rebalance: {"noticeTime": "..."}. */
	st = imds_get(&a->imds, "meta-data/events/recommendations/rebalance", &sb);
	if (st == 200) {
		char t[64];
		httpc_response_init(&fake);
		strbuf_add(&fake.body, sb.buf, sb.len);
		o = server_json(&fake);
		httpc_response_release(&fake);
		if (o && agent_notice_field(o, "noticeTime", t, sizeof(t)) == 0 && strcmp(t, a->rebalance_time)) {
			struct json_object *b = json_object_new_object();
			log_warn("agent_tick_interruption: rebalance recommendation at %s", t);
			json_object_object_add(b, "instance_id", json_object_new_string(a->id.instance_id));
			json_object_object_add(b, "notice_time", json_object_new_string(t));
			if (agent_report(a, SPOOL_KEEP, "rebalance-notice", json_object_to_json_string(b), &ans) == 0) {
				char act[32] = "";
				memcpy(a->rebalance_time, t, sizeof(t));
				agent_json_str(ans, "action", act, sizeof(act));
				log_info("agent_tick_interruption: rebalance reported; server: %s", act[0] ? act : "(later)");
				json_object_put(ans);
			}
			json_object_put(b);
		}
		json_object_put(o);
	}
out:
	strbuf_release(&sb);
	/* A launching job in progress moves on at this loop's pace (seconds), whatever the role. */
	exec_tick(a, now);
	return 0;
}

int agent_tick_termination(struct agent *a, int64_t now)
{
	struct httpc_response res;
	struct json_object *o = NULL, *arr, *v;
	int rc = -1;

	(void)now;
	if (!agent_role_is(a, "primary"))
		return 0;
	httpc_response_init(&res);
	if (agent_call(a, "GET", "instances-to-terminate", NULL, NULL, &res) != SERVER_OK || !(o = server_json(&res)))
		goto out;
	if (json_object_object_get_ex(o, "auto_terminate_enabled", &v) && json_object_is_type(v, json_type_boolean))
		a->auto_terminate = json_object_get_boolean(v);
	rc = 0;
	if (!a->auto_terminate || !json_object_object_get_ex(o, "instances", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		goto out;
	for (size_t i = 0; i < json_object_array_length(arr) && i < 50; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *b;
		struct ec2_instances out = { 0 };
		char iid[32];
		const char *ids[1];
		int ok;
		if (agent_json_str(e, "instance_id", iid, sizeof(iid)) < 0 || strncmp(iid, "i-", 2) ||
		    strspn(iid + 2, "0123456789abcdef") != strlen(iid + 2) || !strcmp(iid, a->id.instance_id))
			continue;
		ids[0] = iid;
		ok = ec2_terminate_instances(&a->ec2, ids, 1, &out) == 0 ||
		     !strcmp(a->ec2.err.code, "InvalidInstanceID.NotFound");
		ec2_instances_free(&out);
		b = json_object_new_object();
		json_object_object_add(b, "instance_id", json_object_new_string(iid));
		json_object_object_add(b, "terminated", json_object_new_boolean(ok));
		if (!ok) {
			char err[1200];
			snprintf(err, sizeof(err), "%s: %.900s", a->ec2.err.code, a->ec2.err.message);
			json_object_object_add(b, "error", json_object_new_string(err));
		}
		log_info("agent_tick_termination: zombie %s %s", iid, ok ? "terminated" : a->ec2.err.code);
		agent_report(a, SPOOL_KEEP, "termination-report", json_object_to_json_string(b), NULL);
		json_object_put(b);
	}
out:
	json_object_put(o);
	httpc_response_release(&res);
	return rc;
}
