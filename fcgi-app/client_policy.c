/* client_policy.c - reading and changing a client's decision policy (see client_policy.h). */
#include "fcgi-app/client_policy.h"
#include "fcgi-app/app.h"
#include "fcgi-app/validate.h"
#include "common/uuid.h"
#include "core/clients.h"
#include "core/policy.h"

#include <json-c/json.h>
#include <string.h>

/* Indexed by enum policy_field, then version. */
static const struct vfield client_policy_fields[] = {
	[PF_MIN_SAVINGS_PCT] = { "min_savings_pct", V_NUMBER, 0, 0, 100, NULL },
	[PF_COOLDOWN_MINUTES] = { "cooldown_minutes", V_INT, 0, 0, POLICY_MAX_COOLDOWN_MIN, NULL },
	[PF_MAX_RISK] = { "max_risk", V_NUMBER, 0, 0, 1, NULL },
	[PF_ONDEMAND_FALLBACK] = { "ondemand_fallback", V_BOOL, 0, 0, 0, NULL },
	[PF_FALLBACK_WAIT_MINUTES] = { "fallback_wait_minutes", V_INT, 0, 0, POLICY_MAX_WAIT_MIN, NULL },
	[PF_RETURN_WAIT_MINUTES] = { "return_wait_minutes", V_INT, 0, 0, POLICY_MAX_WAIT_MIN, NULL },
	[PF_SIZE_FACTOR] = { "size_factor", V_NUMBER, 0, 1, POLICY_MAX_SIZE_FACTOR, NULL },
	[PF_COUNT] = { "version", V_INT, 0, 0, 2147483647, NULL },
};
#define CLIENT_POLICY_NFIELDS (PF_COUNT + 1)

/* The client id of the path when the caller may see it, else NULL with the 404 written. */
static const char *client_policy_scope(struct request *req, struct response *res, int admin)
{
	const char *cid = req->params[0];
	if (!uuid_valid(cid) || (!admin && (req->who.kind != PRINCIPAL_CLIENT || strcmp(cid, req->who.client_id)))) {
		response_error(res, 404, "not_found", "no such client", NULL);
		return NULL;
	}
	return cid;
}

static void client_policy_answer_get(struct app *app, struct request *req, struct response *res, int admin)
{
	struct policy p;
	const char *cid = client_policy_scope(req, res, admin);
	if (!cid)
		return;
	switch (policy_get(&app->db, req->arena, cid, &p)) {
	case CORE_OK:
		response_json_take(res, 200, policy_json(&p));
		return;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such client", NULL);
		return;
	default:
		app_db_error(app, res, "client_policy_get");
	}
}

static void client_policy_answer_put(struct app *app, struct request *req, struct response *res, int admin)
{
	struct vresult v;
	struct policy_patch patch;
	struct policy out;
	struct actor who;
	int any = 0;
	const char *cid = client_policy_scope(req, res, admin);

	if (!cid || app_body(req, res, client_policy_fields, CLIENT_POLICY_NFIELDS, 0, &v) < 0)
		return;
	memset(&patch, 0, sizeof(patch));
	for (int f = 0; f < PF_COUNT; f++)
		any |= patch.set[f] = v.present[f];
	if (!any) {
		response_error(res, 400, "validation_failed", "give at least one policy field to change", "body");
		return;
	}
	patch.v.min_savings_pct = v.d[PF_MIN_SAVINGS_PCT];
	patch.v.cooldown_minutes = (long)v.i[PF_COOLDOWN_MINUTES];
	patch.v.max_risk = v.d[PF_MAX_RISK];
	patch.v.ondemand_fallback = v.b[PF_ONDEMAND_FALLBACK];
	patch.v.fallback_wait_minutes = (long)v.i[PF_FALLBACK_WAIT_MINUTES];
	patch.v.return_wait_minutes = (long)v.i[PF_RETURN_WAIT_MINUTES];
	patch.v.size_factor = v.d[PF_SIZE_FACTOR];
	app_actor(req, &who);
	switch (policy_put(&app->db, req->arena, cid, &patch, v.present[PF_COUNT] ? (long)v.i[PF_COUNT] : -1, &who,
			   &out)) {
	case CORE_OK:
		response_json_take(res, 200, policy_json(&out));
		return;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such client", NULL);
		return;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict", "the policy was changed meanwhile; reload and retry", "version");
		return;
	default:
		app_db_error(app, res, "client_policy_put");
	}
}

void client_policy_get(struct app *app, struct request *req, struct response *res)
{
	client_policy_answer_get(app, req, res, 0);
}

void client_policy_put(struct app *app, struct request *req, struct response *res)
{
	client_policy_answer_put(app, req, res, 0);
}

void client_policy_admin_get(struct app *app, struct request *req, struct response *res)
{
	client_policy_answer_get(app, req, res, 1);
}

void client_policy_admin_put(struct app *app, struct request *req, struct response *res)
{
	client_policy_answer_put(app, req, res, 1);
}
