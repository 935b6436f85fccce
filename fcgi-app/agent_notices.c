/* agent_notices.c - notices, emergency status, replica reports, cleanup reports, manual replicas. */
#include "fcgi-app/agent_notices.h"
#include "fcgi-app/app.h"
#include "fcgi-app/validate.h"
#include "core/awsnames.h"
#include "core/notices.h"
#include "core/replicas.h"
#include "common/arena.h"
#include "common/timeutil.h"
#include "common/uuid.h"

#include <ctype.h>
#include <json-c/json.h>
#include <string.h>

#define AGENT_NOTICES_PAST_MS (7LL * 86400 * 1000)   /* a notice_time older than this is refused */
#define AGENT_NOTICES_FUTURE_MS (86400LL * 1000)     /* times further ahead than this are refused */
#define AGENT_NOTICES_ERROR_MAX 1024

static const char *const notice_actions[] = { "terminate", "stop", "hibernate", NULL };
static const char *const replica_statuses[] = { "launching", "syncing", "ready", "failed", NULL };

static const struct vfield rebalance_fields[] = {
	{ "instance_id", V_STRING, 1, 10, 19, NULL },
	{ "notice_time", V_STRING, 1, 20, 40, NULL },
};
enum { RB_INSTANCE, RB_TIME, RB_COUNT };

static const struct vfield termination_fields[] = {
	{ "instance_id", V_STRING, 1, 10, 19, NULL },
	{ "action_time", V_STRING, 1, 20, 40, NULL },
	{ "notice_action", V_STRING, 1, 1, 16, notice_actions },
};
enum { TN_INSTANCE, TN_TIME, TN_ACTION, TN_COUNT };

static const struct vfield replica_status_fields[] = {
	{ "status", V_STRING, 1, 1, 16, replica_statuses },
	{ "instance_id", V_STRING, 0, 10, 19, NULL },
	{ "progress", V_NUMBER, 0, 0, 100, NULL },
	{ "error", V_STRING, 0, 1, AGENT_NOTICES_ERROR_MAX, NULL },
};
enum { RS_STATUS, RS_INSTANCE, RS_PROGRESS, RS_ERROR, RS_COUNT };

static void agent_notices_bad(struct response *res, const char *message, const char *field)
{
	response_error(res, 400, "validation_failed", message, field);
}

/* An RFC 3339 time within [now - past_ms, now + AGENT_NOTICES_FUTURE_MS]; 0 or -1 with the 400 written. */
static int agent_notices_time(struct response *res, const char *s, const char *field, int64_t past_ms, int64_t *ms)
{
	int64_t now = time_now_ms();
	if (time_parse_rfc3339(s, ms) < 0) {
		agent_notices_bad(res, "must be an RFC 3339 time like 2026-01-02T03:04:05Z", field);
		return -1;
	}
	if (*ms < now - past_ms || *ms > now + AGENT_NOTICES_FUTURE_MS) {
		agent_notices_bad(res, "is out of range (too far in the past or the future)", field);
		return -1;
	}
	return 0;
}

/* Maps the outcome of a notice to its HTTP answer. */
static void agent_notices_answer(struct app *app, struct request *req, struct response *res, enum core_result rc,
				 const struct notice_outcome *out, const char *what)
{
	switch (rc) {
	case CORE_OK:
		break;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such agent", NULL);
		return;
	case CORE_INVALID:
		response_error(res, 404, "not_found", "this instance is not registered to this agent; register first",
			       "instance_id");
		return;
	default:
		app_db_error(app, res, what);
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "action", json_object_new_string(out->action));
	json_object_object_add(o, "event_id", json_object_new_string(out->event_id));
	if (out->risk >= 0)
		json_object_object_add(o, "risk",
				       json_object_new_double_s(out->risk, arena_printf(req->arena, "%.4f", out->risk)));
	if (!strcmp(out->action, "promote_replica") || (!strcmp(out->action, "launch_replica") && out->replica_id)) {
		struct json_object *r = json_object_new_object();
		json_object_object_add(r, "id", json_object_new_string(out->replica_id));
		json_object_object_add(r, "instance_id",
				       out->replica_instance_id ? json_object_new_string(out->replica_instance_id) : NULL);
		json_object_object_add(r, "pool_id",
				       out->replica_pool_id ? json_object_new_string(out->replica_pool_id) : NULL);
		json_object_object_add(o, "replica", r);
	}
	if (out->replica_id)
		json_object_object_add(o, "replica_id", json_object_new_string(out->replica_id));
	if (out->command_id)
		json_object_object_add(o, "command_id", json_object_new_string(out->command_id));
	if (out->target_pool_id)
		json_object_object_add(o, "target_pool_id", json_object_new_string(out->target_pool_id));
	json_object_object_add(o, "repeat", json_object_new_boolean(out->repeat));
	response_json_take(res, 200, o);
}

void agent_notices_rebalance(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct notice_in in;
	struct notice_outcome out;
	struct actor who;

	if (app_body(req, res, rebalance_fields, RB_COUNT, 1, &v) < 0)
		return;
	if (!aws_instance_id_valid(v.s[RB_INSTANCE]))
		return agent_notices_bad(res, "is not an EC2 instance id (i- and 8 or 17 hex digits)", "instance_id");
	memset(&in, 0, sizeof(in));
	if (agent_notices_time(res, v.s[RB_TIME], "notice_time", AGENT_NOTICES_PAST_MS, &in.notice_ms) < 0)
		return;
	in.agent_id = req->params[0];
	in.client_id = req->who.client_id;
	in.instance_id = v.s[RB_INSTANCE];
	app_actor(req, &who);
	enum core_result rc = notices_rebalance(&app->db, req->arena, &in, &who, &out);
	agent_notices_answer(app, req, res, rc, &out, "agent_notices_rebalance");
}

void agent_notices_termination(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct notice_in in;
	struct notice_outcome out;
	struct actor who;

	if (app_body(req, res, termination_fields, TN_COUNT, 1, &v) < 0)
		return;
	if (!aws_instance_id_valid(v.s[TN_INSTANCE]))
		return agent_notices_bad(res, "is not an EC2 instance id (i- and 8 or 17 hex digits)", "instance_id");
	memset(&in, 0, sizeof(in));
	if (agent_notices_time(res, v.s[TN_TIME], "action_time", AGENT_NOTICES_FUTURE_MS, &in.action_ms) < 0)
		return;
	in.notice_ms = time_now_ms();
	in.agent_id = req->params[0];
	in.client_id = req->who.client_id;
	in.instance_id = v.s[TN_INSTANCE];
	in.notice_action = v.s[TN_ACTION];
	app_actor(req, &who);
	enum core_result rc = notices_termination(&app->db, req->arena, &in, &who, &out);
	agent_notices_answer(app, req, res, rc, &out, "agent_notices_termination");
}

void agent_notices_emergency_status(struct app *app, struct request *req, struct response *res)
{
	struct json_object *o;
	int rc = notices_emergency_status_json(&app->db, req->arena, req->params[0], &o);
	if (rc == 0) {
		response_error(res, 404, "not_found", "no such agent", NULL);
		return;
	}
	if (rc < 0) {
		app_db_error(app, res, "agent_notices_emergency_status");
		return;
	}
	response_json_take(res, 200, o);
}

static struct json_object *agent_notices_replica_json(const struct replica_row *r)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(r->id));
	json_object_object_add(o, "agent_id", json_object_new_string(r->agent_id));
	json_object_object_add(o, "type", json_object_new_string(r->type));
	json_object_object_add(o, "status", json_object_new_string(r->status));
	json_object_object_add(o, "instance_id", r->instance_id ? json_object_new_string(r->instance_id) : NULL);
	json_object_object_add(o, "pool_id", r->pool_id ? json_object_new_string(r->pool_id) : NULL);
	json_object_object_add(o, "progress", json_object_new_double(r->progress));
	json_object_object_add(o, "created_at", r->created_at ? json_object_new_string(r->created_at) : NULL);
	json_object_object_add(o, "ready_at", r->ready_at ? json_object_new_string(r->ready_at) : NULL);
	json_object_object_add(o, "version", json_object_new_int64(r->version));
	return o;
}

/* Printable text without control characters other than tab. */
static int agent_notices_printable(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s) && *s != '\t')
			return 0;
	return 1;
}

void agent_notices_replica_status(struct app *app, struct request *req, struct response *res)
{
	struct vresult v;
	struct replica_report in;
	struct replica_row out;
	struct actor who;
	enum replica_report_problem problem;

	if (!uuid_valid(req->params[1])) {
		response_error(res, 404, "not_found", "no such replica", NULL);
		return;
	}
	if (app_body(req, res, replica_status_fields, RS_COUNT, 1, &v) < 0)
		return;
	if (v.present[RS_INSTANCE] && !aws_instance_id_valid(v.s[RS_INSTANCE]))
		return agent_notices_bad(res, "is not an EC2 instance id (i- and 8 or 17 hex digits)", "instance_id");
	if (v.present[RS_ERROR] && !agent_notices_printable(v.s[RS_ERROR]))
		return agent_notices_bad(res, "must be printable text", "error");
	in.agent_id = req->params[0];
	in.client_id = req->who.client_id;
	in.replica_id = req->params[1];
	in.status = v.s[RS_STATUS];
	in.instance_id = v.present[RS_INSTANCE] ? v.s[RS_INSTANCE] : NULL;
	in.progress = v.present[RS_PROGRESS] ? v.d[RS_PROGRESS] : -1.0;
	in.error = v.present[RS_ERROR] ? v.s[RS_ERROR] : NULL;
	app_actor(req, &who);
	switch (replicas_report(&app->db, req->arena, &in, &who, &out, &problem)) {
	case CORE_OK:
		response_json_take(res, 200, agent_notices_replica_json(&out));
		return;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such replica", NULL);
		return;
	case CORE_CONFLICT:
		if (problem == REPLICA_REPORT_INSTANCE)
			response_error(res, 409, "conflict",
				       arena_printf(req->arena, "the replica's instance is %s; this instance id is taken or differs",
						    out.instance_id ? out.instance_id : "another agent's"),
				       "instance_id");
		else
			response_error(res, 409, "conflict",
				       arena_printf(req->arena, "the replica is %s; it cannot become %s", out.status,
						    in.status),
				       "status");
		return;
	case CORE_INVALID:
		agent_notices_bad(res, "is required when a replica without an instance becomes ready", "instance_id");
		return;
	default:
		app_db_error(app, res, "agent_notices_replica_status");
		return;
	}
}

/*
 * A count (integer) or a list of ids with the given prefix ("ami-", "snap-")
 * and 8 or 17 lowercase hex digits. 0 with *count (and *list for a list), or
 * -1 with the 400 written naming the field or element.
 */
static int agent_notices_ids(struct request *req, struct response *res, const char *field, const char *prefix,
			     long long *count, struct json_object **list)
{
	struct json_object *v;
	*count = 0;
	*list = NULL;
	if (!json_object_object_get_ex(req->json, field, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		int64_t n = json_object_get_int64(v);
		if (n < 0 || n > NOTICES_MAX_CLEANUP_COUNT) {
			agent_notices_bad(res, "is out of range", field);
			return -1;
		}
		*count = n;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array)) {
		agent_notices_bad(res, "must be a count or a list of ids", field);
		return -1;
	}
	size_t n = json_object_array_length(v), plen = strlen(prefix);
	if (n > NOTICES_MAX_CLEANUP_IDS) {
		agent_notices_bad(res, "has too many ids", field);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
		size_t len = s ? strlen(s) : 0, k;
		int ok = s && (size_t)json_object_get_string_len(e) == len && !strncmp(s, prefix, plen) &&
			 (len - plen == 8 || len - plen == 17);
		for (k = plen; ok && k < len; k++)
			ok = isdigit((unsigned char)s[k]) || (s[k] >= 'a' && s[k] <= 'f');
		if (!ok) {
			response_error(res, 400, "validation_failed",
				       arena_printf(req->arena, "must be an id like %s0123456789abcdef0", prefix),
				       arena_printf(req->arena, "%s[%zu]", field, i));
			return -1;
		}
	}
	*count = (long long)n;
	*list = v;
	return 0;
}

void agent_notices_cleanup_report(struct app *app, struct request *req, struct response *res)
{
	struct request_error err;
	struct json_object *amis, *snaps, *errors = NULL;
	struct cleanup_report in;
	struct actor who;
	char id[UUID_STR_LEN + 1];

	if (request_json(req, &err) < 0) {
		response_error(res, err.status, err.code, err.message, err.field);
		return;
	}
	json_object_object_foreach(req->json, key, val) {
		(void)val;
		if (strcmp(key, "amis_deregistered") && strcmp(key, "snapshots_deleted") && strcmp(key, "errors"))
			return agent_notices_bad(res, "is not a known field", key);
	}
	memset(&in, 0, sizeof(in));
	if (agent_notices_ids(req, res, "amis_deregistered", "ami-", &in.amis, &amis) < 0 ||
	    agent_notices_ids(req, res, "snapshots_deleted", "snap-", &in.snapshots, &snaps) < 0)
		return;
	if (json_object_object_get_ex(req->json, "errors", &errors) && !json_object_is_type(errors, json_type_null)) {
		if (!json_object_is_type(errors, json_type_array))
			return agent_notices_bad(res, "must be a list of messages", "errors");
		size_t n = json_object_array_length(errors);
		if (n > NOTICES_MAX_CLEANUP_ERRORS)
			return agent_notices_bad(res, "has too many messages", "errors");
		for (size_t i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(errors, i);
			const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
			if (!s || strlen(s) != (size_t)json_object_get_string_len(e) || !*s ||
			    strlen(s) > AGENT_NOTICES_ERROR_MAX || !agent_notices_printable(s)) {
				response_error(res, 400, "validation_failed",
					       "must be a non-empty printable message of at most 1024 bytes",
					       arena_printf(req->arena, "errors[%zu]", i));
				return;
			}
		}
		in.nerrors = (long long)n;
		in.errors = arena_strdup(req->arena, json_object_to_json_string_ext(errors, JSON_C_TO_STRING_PLAIN));
	}
	if (amis || snaps) {
		struct json_object *d = json_object_new_object();
		if (amis)
			json_object_object_add(d, "amis", json_object_get(amis));
		if (snaps)
			json_object_object_add(d, "snapshots", json_object_get(snaps));
		in.details = arena_strdup(req->arena, json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN));
		json_object_put(d);
	}
	in.agent_id = req->params[0];
	in.client_id = req->who.client_id;
	app_actor(req, &who);
	if (notices_cleanup_report(&app->db, req->arena, &in, &who, id) != CORE_CREATED) {
		app_db_error(app, res, "agent_notices_cleanup_report");
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "amis_deregistered", json_object_new_int64(in.amis));
	json_object_object_add(o, "snapshots_deleted", json_object_new_int64(in.snapshots));
	json_object_object_add(o, "errors", json_object_new_int64(in.nerrors));
	response_json_take(res, 201, o);
}

void agent_notices_client_replica(struct app *app, struct request *req, struct response *res)
{
	struct replica_launched out;
	struct actor who;
	const char *current;

	if (!uuid_valid(req->params[0])) {
		response_error(res, 404, "not_found", "no such agent", NULL);
		return;
	}
	if (req->body_len) {
		struct vresult v;
		/* No fields yet (the target pool is chosen by price): any JSON object, so a stranger gets 404, not 400. */
		if (app_body(req, res, NULL, 0, 1, &v) < 0)
			return;
	}
	app_actor(req, &who);
	switch (replicas_create_manual(&app->db, req->arena, req->who.client_id, req->params[0], &who, &out, &current)) {
	case CORE_CREATED:
		break;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such agent", NULL);
		return;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict",
			       current ? arena_printf(req->arena, "the agent already has a live manual replica %s", current)
				       : "the agent already has a live manual replica",
			       NULL);
		return;
	default:
		app_db_error(app, res, "agent_notices_client_replica");
		return;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "replica_id", json_object_new_string(out.id));
	json_object_object_add(o, "command_id", json_object_new_string(out.command_id));
	json_object_object_add(o, "type", json_object_new_string(out.type));
	json_object_object_add(o, "status", json_object_new_string("launching"));
	json_object_object_add(o, "target_pool_id", out.target_pool_id ? json_object_new_string(out.target_pool_id) : NULL);
	response_json_take(res, 202, o);
}
