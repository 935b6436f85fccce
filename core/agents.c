/* agents.c - registration, heartbeats and the agent's config. */
#include "core/agents.h"
#include "core/db.h"
#include "core/db_clients.h"
#include "core/db_notify.h"
#include "core/schema.h"
#include "core/txn.h"
#include "common/arena.h"
#include "common/log.h"
#include "common/shmcache.h"
#include "common/timeutil.h"

#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

static int agents_issue_token(struct db *db, const char *client_id, const char *agent_id, const char *instance_id,
			      struct new_token *tok)
{
	unsigned char hash[32];
	char prefix[AUTH_TOKEN_PREFIX_LEN + 1];
	uuid_v4(tok->id);
	auth_token_new('a', tok->token, hash);
	memcpy(prefix, tok->token, AUTH_TOKEN_PREFIX_LEN);
	prefix[AUTH_TOKEN_PREFIX_LEN] = '\0';
	if (db_tokens_revoke_instance(db, agent_id, instance_id) < 0)
		return -1;
	return db_tokens_insert(db, tok->id, client_id, agent_id, instance_id, "agent", hash, prefix, NULL);
}

/* One attempt inside agents_register's transaction (txn_run). */
static enum core_result agents_register_once(struct db *db, struct arena *a, const struct registration *in,
					     const struct actor *who, struct registered *out)
{
	struct client_row client;
	struct instance_row inst, primary;
	char agent_id[UUID_STR_LEN + 1];
	const char *role;
	int rc, live = 0;

	memset(out, 0, sizeof(*out));
	/* Locking the client serializes registrations of one client: max_agents holds under races. */
	rc = db_clients_get(db, a, in->client_id, 1, &client);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_NOT_FOUND;
	rc = db_agents_get_logical_lock(db, a, in->client_id, in->logical_agent_id, &out->agent);
	if (rc < 0)
		return CORE_ERR;
	if (rc == 0) {
		long n = db_agents_count(db, a, in->client_id);
		if (n < 0)
			return CORE_ERR;
		if (n >= client.max_agents)
			return CORE_FORBIDDEN;
		uuid_v4(agent_id);
		if (db_agents_insert(db, agent_id, in->client_id, in->logical_agent_id, in->hostname, in->agent_version,
				     &in->where) < 0)
			return CORE_ERR;
		out->created = 1;
	} else {
		snprintf(agent_id, sizeof(agent_id), "%s", out->agent.id);
		if (db_agents_set_meta(db, agent_id, in->hostname, in->agent_version) < 0)
			return CORE_ERR;
	}
	if (db_pools_ensure(db, in->where.pool_id, in->where.instance_type, in->where.region, in->where.az) < 0)
		return CORE_ERR;

	rc = db_instances_get_lock(db, a, in->where.instance_id, &inst);
	if (rc < 0)
		return CORE_ERR;
	if (rc == 1) {
		if (strcmp(inst.agent_id, agent_id))
			return CORE_CONFLICT;
		role = inst.role; /* a known instance keeps its role */
		if (db_instances_seen(db, &in->where) < 0)
			return CORE_ERR;
	} else {
		rc = db_instances_primary_lock(db, a, agent_id, AGENT_LIVE_S, &primary, &live);
		if (rc < 0)
			return CORE_ERR;
		if (rc == 1 && live) {
			role = "standby";
		} else {
			if (rc == 1) {
				/* The old primary stopped heartbeating: it becomes a zombie to be terminated. */
				if (db_instances_set_role(db, primary.id, "zombie") < 0 ||
				    clients_audit(db, who, in->client_id, agent_id, "instance.role_changed", "instance",
						  primary.id, "no heartbeat; replaced at registration",
						  "{\"role\":\"primary\"}", "{\"role\":\"zombie\"}") < 0)
					return CORE_ERR;
			}
			role = "primary";
		}
		if (db_instances_insert(db, agent_id, in->client_id, role, &in->where) < 0)
			return CORE_ERR;
	}
	if (!strcmp(role, "primary") && db_agents_set_current(db, agent_id, &in->where) < 0)
		return CORE_ERR;
	if (agents_issue_token(db, in->client_id, agent_id, in->where.instance_id, &out->token) < 0)
		return CORE_ERR;
	if (db_agents_get(db, a, agent_id, &out->agent) != 1)
		return CORE_ERR;
	out->role = arena_strdup(a, role);

	const char *post = arena_printf(a, "{\"instance_id\":\"%s\",\"role\":\"%s\",\"pool_id\":\"%s\"}",
					in->where.instance_id, role, in->where.pool_id);
	if (clients_audit(db, who, in->client_id, agent_id, out->created ? "agent.created" : "agent.registered",
			  "instance", in->where.instance_id, NULL, NULL, post) < 0)
		return CORE_ERR;
	if (out->created) {
		struct notification n = {
			.client_id = in->client_id,
			.agent_id = agent_id,
			.type = "agent.created",
			.severity = "info",
			.title = arena_printf(a, "New agent %s registered", in->logical_agent_id),
			.message = arena_printf(a, "Instance %s (%s in %s) is its primary.", in->where.instance_id,
						in->where.instance_type, in->where.az),
		};
		if (db_notify_add(db, &n) < 0)
			return CORE_ERR;
	}
	return out->created ? CORE_CREATED : CORE_OK;
}

struct agents_register_ctx {
	struct arena *a;
	const struct registration *in;
	const struct actor *who;
	struct registered *out;
};

static enum core_result agents_register_step(struct db *db, void *ctx)
{
	struct agents_register_ctx *c = ctx;
	return agents_register_once(db, c->a, c->in, c->who, c->out);
}

enum core_result agents_register(struct db *db, struct arena *a, const struct registration *in,
				 const struct actor *who, struct registered *out)
{
	struct agents_register_ctx c = { a, in, who, out };
	/* A duplicate is a racing registration that made the same agent, instance or primary first: look again. */
	return txn_run(db, "agents_register", TXN_RETRY_DUPLICATE, agents_register_step, &c);
}

/* The rare offline -> online transition: its audit row and notification. */
static enum core_result agents_came_online(struct db *db, struct arena *a, const struct heartbeat *hb,
					  const struct actor *who)
{
	struct notification n = {
		.client_id = hb->client_id,
		.agent_id = hb->agent_id,
		.type = "agent.online",
		.severity = "info",
		.title = "Agent back online",
		.message = arena_printf(a, "Instance %s is heartbeating again.", hb->instance_id),
	};
	if (clients_audit(db, who, hb->client_id, hb->agent_id, "agent.online", "agent", hb->agent_id, NULL,
			  "{\"status\":\"offline\"}", "{\"status\":\"online\"}") < 0 ||
	    db_notify_add(db, &n) < 0)
		return CORE_ERR;
	return CORE_OK;
}

/* Why a heartbeat's write matched nothing: a bad token, another's agent, or an unknown instance. */
static enum core_result agents_heartbeat_why(struct db *db, struct arena *a, const char *token, const char *agent_id,
					     const char **missing)
{
	struct principal who;
	struct agent_row ag;
	int rc = auth_lookup(db, a, token, &who);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_FORBIDDEN;
	if (who.kind == PRINCIPAL_AGENT && strcmp(who.agent_id, agent_id)) {
		*missing = "agent";
		return CORE_NOT_FOUND;
	}
	rc = db_agents_get(db, a, agent_id, &ag);
	if (rc < 0)
		return CORE_ERR;
	*missing = rc == 0 || strcmp(ag.client_id, who.client_id) ? "agent" : "instance_id";
	return CORE_NOT_FOUND;
}

/*
 * A remembered heartbeat answer (the memo), kept in the workers' shared cache
 * under (token hash, agent id, instance id). It is only ever a claim: the
 * write that uses it matches only while the instance still has this role and
 * hb_gen, which the triggers of migration 0017 raise with every change the
 * answer depends on.
 */
struct agents_memo {
	int64_t valid_until_ms; /* time_mono_ms() */
	uint64_t hb_gen;
	int64_t config_version, pending_commands;
	char role[16];
	char client_id[40];
};

#define AGENTS_MEMO_KEY_MAX (32 + 40 + 1 + 40)
/* Margin taken off a memo's life for the time between the database's clock reading and ours. */
#define AGENTS_MEMO_MARGIN_MS 1000

static size_t agents_memo_key(const unsigned char hash[32], const struct heartbeat *hb, unsigned char *key)
{
	size_t al = strlen(hb->agent_id), il = strlen(hb->instance_id);
	if (al >= 40 || il >= 40)
		return 0;
	memcpy(key, hash, 32);
	memcpy(key + 32, hb->agent_id, al + 1);
	memcpy(key + 33 + al, hb->instance_id, il);
	return 33 + al + il;
}

/*
 * The heartbeat in one statement when a memo holds: CORE_OK with state
 * filled, or CORE_NOT_FOUND when there is no usable memo (the caller takes
 * the full path); CORE_ERR.
 */
static enum core_result agents_heartbeat_memo(struct db *db, struct shmcache *memo, struct arena *a,
					      const unsigned char *key, size_t klen, struct heartbeat *hb,
					      struct heartbeat_state *state)
{
	struct agents_memo m;
	size_t vlen;
	int rc;

	if (!shmcache_get(memo, key, klen, &m, sizeof(m), &vlen) || vlen != sizeof(m) ||
	    m.valid_until_ms <= time_mono_ms() || !memchr(m.role, 0, sizeof(m.role)) ||
	    !memchr(m.client_id, 0, sizeof(m.client_id)))
		return CORE_NOT_FOUND;
	rc = db_heartbeat_instance_gen(db, hb->agent_id, hb->instance_id, m.role, m.hb_gen, hb->status,
				       hb->uptime_seconds);
	if (rc < 0)
		return CORE_ERR;
	if (rc == 0) {
		shmcache_del(memo, key, klen);
		return CORE_NOT_FOUND;
	}
	state->role = arena_strdup(a, m.role);
	state->agent_status = "online";
	state->config_version = (long)m.config_version;
	state->pending_commands = (long)m.pending_commands;
	hb->client_id = arena_strdup(a, m.client_id);
	return CORE_OK;
}

/* Remembers the full path's answer when it holds for a while and needs no follow-up write. */
static void agents_memo_store(struct shmcache *memo, const unsigned char *key, size_t klen,
			      const struct heartbeat_fast_state *fs)
{
	struct agents_memo m;
	if (fs->valid_ms <= 2 * AGENTS_MEMO_MARGIN_MS || fs->token_stale || fs->agent_stale ||
	    !strcmp(fs->state.agent_status, "offline") || strlen(fs->state.role) >= sizeof(m.role) ||
	    strlen(fs->client_id) >= sizeof(m.client_id))
		return;
	memset(&m, 0, sizeof(m));
	m.valid_until_ms = time_mono_ms() + fs->valid_ms - AGENTS_MEMO_MARGIN_MS;
	m.hb_gen = fs->hb_gen;
	m.config_version = fs->state.config_version;
	m.pending_commands = fs->state.pending_commands;
	memcpy(m.role, fs->state.role, strlen(fs->state.role));
	memcpy(m.client_id, fs->client_id, strlen(fs->client_id));
	shmcache_put(memo, key, klen, &m, sizeof(m));
}

/* 1 when memos may be used on this connection: the database has 0017's triggers (struct agents_memo_ctx). */
static int agents_memo_usable(struct db *db, struct agents_memo_ctx *memo, struct arena *a)
{
	int rc;
	if (!memo || !memo->cache)
		return 0;
	if (memo->checked_connect == db->connects && db->connects &&
	    time_mono_ms() - memo->checked_ms < AGENT_MEMO_RECHECK_S * 1000)
		return memo->triggers_ok;
	rc = schema_triggers_ok(db, a);
	if (rc < 0)
		return 0;
	memo->checked_connect = db->connects;
	memo->checked_ms = time_mono_ms();
	memo->triggers_ok = rc;
	if (!rc)
		log_warn("agents_heartbeat: the database lacks migration 0017's triggers; heartbeats take the full path");
	return rc;
}

enum core_result agents_heartbeat_token(struct db *db, struct agents_memo_ctx *memo, struct arena *a, const char *token,
					struct heartbeat *hb, const char *trace_id, struct heartbeat_state *state,
					const char **missing)
{
	unsigned char hash[32], key[AGENTS_MEMO_KEY_MAX];
	size_t klen = 0;
	struct heartbeat_fast_state fs;
	int rc, came_online = 0;

	*missing = NULL;
	if (!uuid_valid(hb->agent_id)) {
		*missing = "agent";
		return CORE_NOT_FOUND;
	}
	auth_token_hash(token, hash);
	if (agents_memo_usable(db, memo, a) && (klen = agents_memo_key(hash, hb, key)) > 0) {
		enum core_result mr = agents_heartbeat_memo(db, memo->cache, a, key, klen, hb, state);
		if (mr != CORE_NOT_FOUND)
			return mr;
	}
	rc = db_heartbeat_fast_state(db, a, hash, hb->agent_id, hb->instance_id, AGENT_LIVENESS_WRITE_S, &fs);
	if (rc < 0)
		return CORE_ERR;
	if (rc == 0)
		return agents_heartbeat_why(db, a, token, hb->agent_id, missing);
	if (db_heartbeat_instance(db, hb->agent_id, hb->instance_id, hb->status, hb->uptime_seconds) < 0)
		return CORE_ERR;
	*state = fs.state;
	hb->client_id = fs.client_id;
	if (klen > 0)
		agents_memo_store(memo->cache, key, klen, &fs);
	if (fs.token_stale)
		auth_touch(db, a, fs.token_id);
	/* The agent row follows its primary, written only when it would otherwise go stale (or is offline). */
	if (strcmp(state->role, "primary") || (!fs.agent_stale && strcmp(state->agent_status, "offline")))
		return CORE_OK;
	if (db_heartbeat_agent(db, hb->agent_id, hb->status, &came_online) < 0)
		return CORE_ERR;
	if (came_online) {
		struct actor who = { .type = "agent", .id = hb->agent_id, .trace_id = trace_id };
		return agents_came_online(db, a, hb, &who);
	}
	return CORE_OK;
}

enum core_result agents_heartbeat(struct db *db, struct arena *a, const struct heartbeat *hb, const struct actor *who,
				  struct heartbeat_state *state)
{
	int rc, came_online = 0;

	rc = db_heartbeat_state(db, a, hb->agent_id, hb->instance_id, state);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_NOT_FOUND;
	if (db_heartbeat_instance(db, hb->agent_id, hb->instance_id, hb->status, hb->uptime_seconds) < 0)
		return CORE_ERR;
	/* The agent is alive when its primary is; other roles only keep their own row fresh. */
	if (strcmp(state->role, "primary"))
		return CORE_OK;
	if (db_heartbeat_agent(db, hb->agent_id, hb->status, &came_online) < 0)
		return CORE_ERR;
	return came_online ? agents_came_online(db, a, hb, who) : CORE_OK;
}

struct json_object *agents_config_json(struct db *db, struct arena *a, const struct agent_row *ag)
{
	const char **types = NULL;
	size_t n = 0;
	struct json_object *o, *arr;

	if (ag->instance_type && ag->region &&
	    db_agents_compatible_types(db, a, ag->instance_type, ag->region, &types, &n) < 0)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "auto_switch_enabled", json_object_new_boolean(ag->auto_switch));
	json_object_object_add(o, "manual_replica_enabled", json_object_new_boolean(ag->manual_replica));
	json_object_object_add(o, "auto_terminate_enabled", json_object_new_boolean(ag->auto_terminate));
	json_object_object_add(o, "terminate_wait_seconds", json_object_new_int64(ag->terminate_wait_seconds));
	json_object_object_add(o, "heartbeat_interval_seconds", json_object_new_int(AGENT_HEARTBEAT_S));
	json_object_object_add(o, "pricing_interval_seconds", json_object_new_int(AGENT_PRICING_S));
	json_object_object_add(o, "command_poll_seconds", json_object_new_int(AGENT_COMMAND_POLL_S));
	json_object_object_add(o, "interruption_poll_seconds", json_object_new_int(AGENT_INTERRUPTION_POLL_S));
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(types[i]));
	json_object_object_add(o, "compatible_types", arr);
	json_object_object_add(o, "config_version", json_object_new_int64(ag->config_version));
	return o;
}
