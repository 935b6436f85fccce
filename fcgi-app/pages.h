/*
 * pages.h - the dashboard's pages (DESIGN.md section 5, issue 7). Every page
 * handler builds a view model (a json-c object) and renders it through its
 * mustache template inside templates/layout.mustache, or answers the view
 * model itself when the request says Accept: application/json.
 *
 * Scope: a client user sees its own client's rows; an admin sees every
 * client's. Another client's ids answer 404, exactly like absent ones.
 */
#ifndef SPOT_PAGES_H
#define SPOT_PAGES_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct request;
struct response;
struct json_object;
struct db_rows;

/*
 * Renders template tmpl with view (taken: freed here) as the page's answer,
 * adding the session (email, role, CSRF token) and page_title. JSON when the
 * request asks for it. A template error becomes a logged 500.
 */
void pages_render(struct app *app, struct request *req, struct response *res, int status, const char *tmpl,
		  const char *title, struct json_object *view);
/* An error page (or the JSON error shape when the request asks for JSON). */
void pages_error(struct app *app, struct request *req, struct response *res, int status, const char *message);

/* "just now", "5 minutes ago", "in 3 hours", ... from now_s to then_s (epoch seconds), into buf. */
void pages_relative_time(int64_t now_s, int64_t then_s, char *buf, size_t size);
/* Money as a bill shows it: "$1,234.56", "-$0.50". */
void pages_money(double v, char *buf, size_t size);
/* The client scope of the request: NULL for an admin (every client), else the caller's client id. */
const char *pages_scope(const struct request *req);
/* Cell text of a row, or NULL (SQL NULL). */
const char *pages_cell(const struct db_rows *r, size_t row, size_t col);
/* Adds {"iso": ..., "relative": ...} for a time column pair to obj under key (null when NULL). */
void pages_add_time(struct json_object *obj, const char *key, const char *iso, const char *epoch, int64_t now_s);

/* Appends one JSON object per switch row (db_pages_switches columns) to list. */
void pages_switch_rows(struct json_object *list, const struct db_rows *r, int64_t now);
/* The UTC day of the month of now_s (1-31) and the number of days in that month. */
void pages_month_days(int64_t now_s, int *mday, int *mdays);

/* Route handlers. */
/* GET /favicon.ico: browsers ask for it whatever the page links; 302 to the static icon. */
void pages_favicon(struct app *app, struct request *req, struct response *res);
void pages_login_form(struct app *app, struct request *req, struct response *res);
void pages_login(struct app *app, struct request *req, struct response *res);
void pages_logout(struct app *app, struct request *req, struct response *res);
void pages_overview(struct app *app, struct request *req, struct response *res);
void pages_agents(struct app *app, struct request *req, struct response *res);
void pages_agent(struct app *app, struct request *req, struct response *res);
void pages_agent_config(struct app *app, struct request *req, struct response *res);
/*
 * The agent page of agent_id with a promote refusal (409) beside replica_id's button and in the error
 * summary: the answer of POST /replicas/{id}/promote sent from the agent page (return_to=agent).
 */
void pages_agent_promote_refused(struct app *app, struct request *req, struct response *res, const char *agent_id,
				 const char *replica_id, const char *message);
/* POST /agents/{id}/switch: target = "ondemand" (same type and zone) or a spot pool id. */
void pages_agent_switch(struct app *app, struct request *req, struct response *res);
void pages_switches(struct app *app, struct request *req, struct response *res);
void pages_savings(struct app *app, struct request *req, struct response *res);
void pages_emergencies(struct app *app, struct request *req, struct response *res);
void pages_instances(struct app *app, struct request *req, struct response *res);
void pages_notifications(struct app *app, struct request *req, struct response *res);
void pages_notification_read(struct app *app, struct request *req, struct response *res);
/* Admin pages (ROUTE_AUTH_ADMIN: an admin's session). */
void pages_admin_users(struct app *app, struct request *req, struct response *res);
void pages_admin_user_create(struct app *app, struct request *req, struct response *res);
void pages_admin_audit(struct app *app, struct request *req, struct response *res);
/* POST /api/client/agents/{aid}/config: JSON, with version (DESIGN.md section 5). */
void pages_api_agent_config(struct app *app, struct request *req, struct response *res);

#endif
