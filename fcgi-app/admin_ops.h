/*
 * admin_ops.h - the admin API's operational views (DESIGN.md section 5,
 * issue 7): system health, job runs with their lag and the data quality of
 * consolidated prices per day, emergency events, the audit log. Callers: the
 * admin token or an admin's session (ROUTE_AUTH_ADMIN).
 *
 * The view builders are shared with the admin pages (pages_ops.c): each
 * returns a new json-c object, or NULL with the response written.
 */
#ifndef SPOT_ADMIN_OPS_H
#define SPOT_ADMIN_OPS_H

struct app;
struct request;
struct response;
struct json_object;

#define ADMIN_OPS_RUNS_DEFAULT 50
#define ADMIN_OPS_RUNS_MAX 200
#define ADMIN_OPS_QUALITY_DAYS 14
#define ADMIN_OPS_AUDIT_MAX 500
#define ADMIN_OPS_AUDIT_HOURS_MAX (24 * 90)

/* {status, database{...}, workers{...}, jobs[...], fleet{...}}; status ok|degraded|down. The database may be down. */
struct json_object *admin_ops_health_view(struct app *app, struct request *req, struct response *res);
/* ?job=&limit=&offset=&days=: {jobs[...], runs[...], quality[...], ...}. */
struct json_object *admin_ops_jobs_view(struct app *app, struct request *req, struct response *res);

/* GET /api/admin/health: 200 when ok or degraded, 503 when the database is down. */
void admin_ops_health(struct app *app, struct request *req, struct response *res);
void admin_ops_jobs(struct app *app, struct request *req, struct response *res);
/* GET /api/admin/emergencies?limit=: agents under a notice now, and interruption events. */
void admin_ops_emergencies(struct app *app, struct request *req, struct response *res);
/* GET /api/admin/audit?client=&agent=&actor=&hours=&limit=: system_events, newest first. */
void admin_ops_audit(struct app *app, struct request *req, struct response *res);

#endif
