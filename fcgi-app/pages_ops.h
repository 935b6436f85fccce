/*
 * pages_ops.h - dashboard pages for replicas and the admin's operations
 * (DESIGN.md section 5, issue 7): /replicas with its promote form, and
 * /admin/clients (list, create with the token shown once, disable or enable,
 * rotate the token), /admin/health, /admin/jobs. Each page answers its view
 * model as JSON with Accept: application/json (see pages.h).
 */
#ifndef SPOT_PAGES_OPS_H
#define SPOT_PAGES_OPS_H

struct app;
struct request;
struct response;

#define PAGES_OPS_REPLICAS_MAX 200

/* GET /replicas?status=live|ended|all (a client user: its client's; an admin: every client's). */
void pages_ops_replicas(struct app *app, struct request *req, struct response *res);
/* POST /replicas/{id}/promote: 303 to /replicas?promoted=1, or the page again with the refusal. */
void pages_ops_replica_promote(struct app *app, struct request *req, struct response *res);
/* GET and POST /admin/clients: the list and the create form. */
void pages_ops_clients(struct app *app, struct request *req, struct response *res);
void pages_ops_client_create(struct app *app, struct request *req, struct response *res);
/* POST /admin/clients/{id}/status: active = 1|0, version. */
void pages_ops_client_status(struct app *app, struct request *req, struct response *res);
/* POST /admin/clients/{id}/token: a new client token; every other client token of it is revoked. */
void pages_ops_client_token(struct app *app, struct request *req, struct response *res);
void pages_ops_health(struct app *app, struct request *req, struct response *res);
void pages_ops_jobs(struct app *app, struct request *req, struct response *res);

#endif
