/*
 * client_policy.h - the decision policy API (issue 8 item 1, core/policy.h):
 *   GET /api/client/{cid}/policy            (client token; another client's id: 404)
 *   PUT /api/client/{cid}/policy
 *   GET /api/admin/clients/{id}/policy      (admin token)
 *   PUT /api/admin/clients/{id}/policy
 * Answer: min_savings_pct, cooldown_minutes, max_risk, ondemand_fallback,
 * fallback_wait_minutes, return_wait_minutes, size_factor, is_default,
 * version, updated_by, updated_at. A PUT body gives any of the seven fields
 * (at least one; the others, and any given as null, keep their values) and
 * optionally version (409 when the policy changed meanwhile; 0 = still the
 * defaults). A bad value is a 400 naming the field; nothing is written.
 */
#ifndef SPOT_CLIENT_POLICY_H
#define SPOT_CLIENT_POLICY_H

struct app;
struct request;
struct response;

void client_policy_get(struct app *app, struct request *req, struct response *res);
void client_policy_put(struct app *app, struct request *req, struct response *res);
void client_policy_admin_get(struct app *app, struct request *req, struct response *res);
void client_policy_admin_put(struct app *app, struct request *req, struct response *res);

#endif
