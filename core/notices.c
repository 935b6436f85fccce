/* notices.c - rebalance and termination notices, emergency status, cleanup reports (see notices.h). */
#include "core/notices.h"
#include "core/commands.h"
#include "core/db.h"
#include "core/db_notices.h"
#include "core/db_notify.h"
#include "core/db_replicas.h"
#include "core/db_risk.h"
#include "core/replicas.h"
#include "core/risk.h"
#include "core/txn.h"
#include "common/arena.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

typedef enum core_result (*notices_once_fn)(struct db *, struct arena *, const struct notice_in *,
					    const struct actor *, struct notice_outcome *);

struct notices_txn_ctx {
	struct arena *a;
	const struct notice_in *in;
	const struct actor *who;
	struct notice_outcome *out;
	notices_once_fn once;
};

static enum core_result notices_txn_step(struct db *db, void *ctx)
{
	struct notices_txn_ctx *c = ctx;
	memset(c->out, 0, sizeof(*c->out));
	c->out->risk = -1.0;
	return c->once(db, c->a, c->in, c->who, c->out);
}

/*
 * Runs one notice as a transaction, again after a deadlock, a racing duplicate
 * or a racing launch (CORE_CONFLICT); a conflict that outlasts the attempts is
 * an error, not a refusal the agent could act on.
 */
static enum core_result notices_txn(struct db *db, struct arena *a, const struct notice_in *in,
				    const struct actor *who, struct notice_outcome *out, notices_once_fn once,
				    const char *what)
{
	struct notices_txn_ctx c = { a, in, who, out, once };
	enum core_result rc = txn_run(db, what, TXN_RETRY_DUPLICATE | TXN_RETRY_CONFLICT, notices_txn_step, &c);
	return rc == CORE_CONFLICT ? CORE_ERR : rc;
}

/* Locks the agent, then the instance; both must be the caller's. */
static enum core_result notices_lock(struct db *db, struct arena *a, const struct notice_in *in,
				     struct replica_agent *ag, struct notice_instance *inst)
{
	int rc = db_replicas_agent_lock(db, a, in->agent_id, in->client_id, ag);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_NOT_FOUND;
	rc = db_notices_instance_lock(db, a, in->instance_id, in->agent_id, inst);
	if (rc <= 0)
		return rc < 0 ? CORE_ERR : CORE_INVALID;
	return CORE_OK;
}

static const char *notices_json_str(struct arena *a, const char *s)
{
	return s ? arena_printf(a, "\"%s\"", s) : "null";
}

static enum core_result notices_rebalance_once(struct db *db, struct arena *a, const struct notice_in *in,
					       const struct actor *who, struct notice_outcome *out)
{
	struct replica_agent ag;
	struct notice_instance inst;
	struct notice_event ev;
	struct replica_row live;
	struct risk_inputs ri;
	enum core_result rc;
	int is_primary, have_live, need;

	if ((rc = notices_lock(db, a, in, &ag, &inst)) != CORE_OK)
		return rc;
	if (db_notices_event_upsert(db, in->client_id, in->agent_id, in->instance_id, inst.pool_id,
				    NOTICE_SIGNAL_REBALANCE, in->notice_ms, 0, NULL) < 0 ||
	    db_notices_event_get_lock(db, a, in->instance_id, NOTICE_SIGNAL_REBALANCE, &ev) != 1)
		return CORE_ERR;
	out->event_id = ev.id;
	out->repeat = ev.response_action != NULL;
	if (inst.pool_id) {
		if (db_risk_inputs(db, a, inst.pool_id, &ri) < 0)
			return CORE_ERR;
	} else {
		memset(&ri, 0, sizeof(ri));
		ri.interruption_bucket = -1;
	}
	out->risk = risk_pool_score(&ri);

	is_primary = !strcmp(inst.role, "primary");
	if (is_primary && db_notices_agent_rebalance(db, in->agent_id) < 0)
		return CORE_ERR;
	have_live = db_replicas_live_lock(db, a, in->agent_id, &live);
	if (have_live < 0)
		return CORE_ERR;
	need = is_primary && (out->risk > RISK_REBALANCE_THRESHOLD ||
			      (ag.manual_replica && !(have_live && !strcmp(live.status, "ready"))));
	out->action = need ? "launch_replica" : "monitor";
	if (need && have_live) {
		/* One is already on its way (or ready): no second replica. */
		out->replica_id = live.id;
		out->replica_instance_id = live.instance_id;
		out->replica_pool_id = live.pool_id;
		out->command_id = live.command_id;
		out->target_pool_id = live.pool_id;
	} else if (need) {
		struct replica_launched l;
		rc = replicas_launch(db, a, &ag, ag.manual_replica ? "manual" : "automatic-rebalance", "rebalance", who,
				     &l);
		if (rc != CORE_CREATED)
			return rc == CORE_DUPLICATE ? CORE_CONFLICT : CORE_ERR; /* a racing launch: retry */
		out->replica_id = arena_strdup(a, l.id);
		out->command_id = arena_strdup(a, l.command_id);
		out->replica_pool_id = out->target_pool_id = l.target_pool_id;
	}
	if (db_notices_event_respond(db, ev.id, out->risk, out->action, out->replica_id, out->command_id) < 0)
		return CORE_ERR;

	const char *pre = arena_printf(a, "{\"notice_status\":\"%s\"}", ag.notice_status);
	const char *post = arena_printf(a,
					"{\"notice_status\":\"%s\",\"instance_id\":\"%s\",\"risk\":%.4f,\"action\":\"%s\","
					"\"replica_id\":%s}",
					is_primary && strcmp(ag.notice_status, "termination") ? "rebalance" : ag.notice_status,
					in->instance_id, out->risk, out->action, notices_json_str(a, out->replica_id));
	if (clients_audit(db, who, in->client_id, in->agent_id, "agent.rebalance_notice", "interruption_event", ev.id,
			  NULL, pre, post) < 0)
		return CORE_ERR;
	struct notification n = {
		.client_id = in->client_id,
		.agent_id = in->agent_id,
		.type = "interruption.rebalance",
		.severity = need ? "warning" : "info",
		.title = arena_printf(a, "Rebalance recommendation for %s", in->instance_id),
		.message = arena_printf(a, "Pool %s risk %.2f: %s.", inst.pool_id ? inst.pool_id : "unknown", out->risk,
					need ? "launching a standby replica" : "monitoring"),
		.dedupe_key = arena_printf(a, "rebalance:%s:%s", ev.id, out->action),
	};
	if (db_notify_add(db, &n) < 0)
		return CORE_ERR;
	return CORE_OK;
}

enum core_result notices_rebalance(struct db *db, struct arena *a, const struct notice_in *in, const struct actor *who,
				   struct notice_outcome *out)
{
	return notices_txn(db, a, in, who, out, notices_rebalance_once, "notices_rebalance");
}

/* A repeat of a termination notice already acted on: the same answer, nothing changed. */
static enum core_result notices_termination_repeat(struct db *db, struct arena *a, const struct notice_in *in,
						   const struct notice_event *ev, struct notice_outcome *out)
{
	out->repeat = 1;
	out->action = ev->response_action;
	out->command_id = ev->command_id;
	if (ev->replica_id) {
		struct replica_row rep;
		int rc = db_replicas_get_lock(db, a, ev->replica_id, in->agent_id, &rep);
		if (rc < 0)
			return CORE_ERR;
		out->replica_id = ev->replica_id;
		if (rc == 1) {
			out->replica_instance_id = rep.instance_id;
			out->replica_pool_id = rep.pool_id;
		}
	}
	return CORE_OK;
}

static enum core_result notices_termination_once(struct db *db, struct arena *a, const struct notice_in *in,
						 const struct actor *who, struct notice_outcome *out)
{
	struct replica_agent ag;
	struct notice_instance inst;
	struct notice_event ev;
	struct replica_row rep;
	enum core_result rc;
	int is_primary;

	if ((rc = notices_lock(db, a, in, &ag, &inst)) != CORE_OK)
		return rc;
	if (db_notices_event_upsert(db, in->client_id, in->agent_id, in->instance_id, inst.pool_id,
				    NOTICE_SIGNAL_TERMINATION, in->notice_ms, in->action_ms, in->notice_action) < 0 ||
	    db_notices_event_get_lock(db, a, in->instance_id, NOTICE_SIGNAL_TERMINATION, &ev) != 1)
		return CORE_ERR;
	out->event_id = ev.id;
	if (ev.response_action)
		return notices_termination_repeat(db, a, in, &ev, out);

	if (inst.pool_id && db_notices_pool_flag(db, inst.pool_id, RISK_FLAG_MINUTES) < 0)
		return CORE_ERR;
	is_primary = !strcmp(inst.role, "primary");
	if (!is_primary) {
		/* A replica, standby or zombie is going away: nothing to fail over; the coordinator replaces replicas. */
		out->action = "monitor";
	} else {
		if (db_notices_agent_termination(db, in->agent_id, in->action_ms) < 0)
			return CORE_ERR;
		int ready = db_replicas_ready_lock(db, a, in->agent_id, &rep);
		if (ready < 0)
			return CORE_ERR;
		if (ready) {
			rc = replicas_promote(db, a, &ag, in->instance_id, &rep, who);
			if (rc != CORE_OK)
				return rc;
			out->action = "promote_replica";
			out->replica_id = rep.id;
			out->replica_instance_id = rep.instance_id;
			out->replica_pool_id = rep.pool_id;
		} else {
			const char *target = NULL, *az = NULL;
			double price;
			char cid[UUID_STR_LEN + 1];
			if (db_replicas_target_pool(db, a, ag.instance_type, ag.region, inst.pool_id, &target, &az,
						    &price) < 0)
				return CORE_ERR;
			struct command_new c = {
				.client_id = in->client_id,
				.agent_id = in->agent_id,
				.type = "emergency_launch",
				.payload = arena_printf(a,
							"{\"target_pool_id\":%s,\"target_mode\":\"spot\",\"instance_type\":%s,"
							"\"region\":%s,\"interrupted_instance_id\":\"%s\",\"notice_action\":\"%s\","
							"\"event_id\":\"%s\"}",
							notices_json_str(a, target), notices_json_str(a, ag.instance_type),
							notices_json_str(a, ag.region), in->instance_id, in->notice_action,
							ev.id),
				.request_id = arena_printf(a, "termination:%s", ev.id),
				.reason = "termination",
				.priority = COMMAND_PRIORITY_EMERGENCY,
				.ttl_seconds = NOTICES_EMERGENCY_TTL_S,
			};
			rc = commands_queue(db, a, &c, who, cid);
			if (rc != CORE_CREATED && rc != CORE_DUPLICATE)
				return CORE_ERR;
			out->action = "emergency_launch";
			out->command_id = arena_strdup(a, cid);
			out->target_pool_id = target;
		}
	}
	if (db_notices_event_respond(db, ev.id, -1.0, out->action, out->replica_id, out->command_id) < 0)
		return CORE_ERR;

	const char *pre = arena_printf(a, "{\"notice_status\":\"%s\",\"notice_deadline\":%s}", ag.notice_status,
				       notices_json_str(a, ag.notice_deadline));
	const char *post = arena_printf(a,
					"{\"notice_status\":\"%s\",\"instance_id\":\"%s\",\"notice_action\":\"%s\","
					"\"action\":\"%s\",\"replica_id\":%s,\"command_id\":%s}",
					is_primary ? "termination" : ag.notice_status, in->instance_id, in->notice_action,
					out->action, notices_json_str(a, out->replica_id),
					notices_json_str(a, out->command_id));
	if (clients_audit(db, who, in->client_id, in->agent_id, "agent.termination_notice", "interruption_event",
			  ev.id, NULL, pre, post) < 0)
		return CORE_ERR;
	struct notification n = {
		.client_id = in->client_id,
		.agent_id = in->agent_id,
		.type = "interruption.termination",
		.severity = "critical",
		.title = arena_printf(a, "Spot termination notice for %s", in->instance_id),
		.message = !strcmp(out->action, "promote_replica")
				   ? arena_printf(a, "Replica %s (%s) was promoted to primary.", out->replica_id,
						  out->replica_instance_id)
			   : !strcmp(out->action, "emergency_launch")
				   ? arena_printf(a, "No ready replica: emergency launch queued (command %s).",
						  out->command_id)
				   : "The instance is not the primary; no failover needed.",
		.dedupe_key = arena_printf(a, "termination:%s", ev.id),
	};
	if (db_notify_add(db, &n) < 0)
		return CORE_ERR;
	return CORE_OK;
}

enum core_result notices_termination(struct db *db, struct arena *a, const struct notice_in *in,
				     const struct actor *who, struct notice_outcome *out)
{
	return notices_txn(db, a, in, who, out, notices_termination_once, "notices_termination");
}

/* Adds cell c of row i as a string, a number or null. */
static void notices_add(struct json_object *o, const char *key, const struct db_rows *r, size_t i, size_t c,
			int number)
{
	const char *v = db_rows_cell(r, i, c);
	if (!v)
		json_object_object_add(o, key, NULL);
	else if (number)
		json_object_object_add(o, key, json_object_new_double(strtod(v, NULL)));
	else
		json_object_object_add(o, key, json_object_new_string(v));
}

int notices_emergency_status_json(struct db *db, struct arena *a, const char *agent_id, struct json_object **out)
{
	struct db_rows st, ev, rep, cmd;
	struct json_object *o, *arr;
	static const char *const ev_keys[] = { "id",	     "instance_id",	"signal_type", "notice_time",
					       "action_time", "notice_action",	"risk_score",  "response_action",
					       "replica_id", "command_id",	"detected_at" };
	static const char *const rep_keys[] = { "id",	      "instance_id", "type",	 "status",    "pool_id",
						"progress", "created_at",  "ready_at", "command_id" };

	*out = NULL;
	int rc = db_notices_agent_state(db, a, agent_id, &st);
	if (rc <= 0)
		return rc;
	if (db_notices_open_events(db, a, agent_id, &ev) < 0 || db_notices_live_replicas(db, a, agent_id, &rep) < 0 ||
	    db_notices_emergency_commands(db, a, agent_id, &cmd) < 0)
		return -1;
	o = json_object_new_object();
	json_object_object_add(o, "agent_id", json_object_new_string(agent_id));
	notices_add(o, "notice_status", &st, 0, 0, 0);
	notices_add(o, "notice_deadline", &st, 0, 1, 0);
	notices_add(o, "notice_received_at", &st, 0, 2, 0);

	arr = json_object_new_array();
	for (size_t i = 0; i < ev.nrows; i++) {
		struct json_object *e = json_object_new_object();
		for (size_t c = 0; c < sizeof(ev_keys) / sizeof(ev_keys[0]); c++)
			notices_add(e, ev_keys[c], &ev, i, c, c == 6);
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "events", arr);

	arr = json_object_new_array();
	for (size_t i = 0; i < rep.nrows; i++) {
		struct json_object *e = json_object_new_object();
		for (size_t c = 0; c < sizeof(rep_keys) / sizeof(rep_keys[0]); c++)
			notices_add(e, rep_keys[c], &rep, i, c, c == 5);
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "replicas", arr);

	arr = json_object_new_array();
	for (size_t i = 0; i < cmd.nrows; i++) {
		struct json_object *e = json_object_new_object();
		const char *payload = db_rows_cell(&cmd, i, 4);
		notices_add(e, "id", &cmd, i, 0, 0);
		notices_add(e, "type", &cmd, i, 1, 0);
		notices_add(e, "status", &cmd, i, 2, 0);
		json_object_object_add(e, "priority", json_object_new_int(atoi(db_rows_cell(&cmd, i, 3))));
		json_object_object_add(e, "payload", payload ? json_tokener_parse(payload) : NULL);
		notices_add(e, "created_at", &cmd, i, 5, 0);
		notices_add(e, "expires_at", &cmd, i, 6, 0);
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "commands", arr);
	*out = o;
	return 1;
}

enum core_result notices_cleanup_report(struct db *db, struct arena *a, const struct cleanup_report *in,
					const struct actor *who, char id[UUID_STR_LEN + 1])
{
	uuid_v4(id);
	if (db_begin(db) < 0)
		return CORE_ERR;
	const char *post = arena_printf(a, "{\"amis_deregistered\":%lld,\"snapshots_deleted\":%lld,\"errors\":%lld}",
					in->amis, in->snapshots, in->nerrors);
	if (db_notices_cleanup_insert(db, id, in->client_id, in->agent_id, in->amis, in->snapshots, in->details,
				      in->errors) < 0 ||
	    clients_audit(db, who, in->client_id, in->agent_id, "cleanup.reported", "cleanup_log", id, NULL, NULL,
			  post) < 0 ||
	    db_commit(db) < 0) {
		db_rollback(db);
		return CORE_ERR;
	}
	return CORE_CREATED;
}
