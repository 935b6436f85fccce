/* admin_clients.h - admin API for clients and their tokens (admin token). */
#ifndef SPOT_ADMIN_CLIENTS_H
#define SPOT_ADMIN_CLIENTS_H

struct app;
struct request;
struct response;

/* POST /api/admin/clients {name, email, plan?, max_agents?, max_instances?} -> 201 client + client_token (once) */
void admin_clients_create(struct app *app, struct request *req, struct response *res);
/* GET /api/admin/clients -> {clients: [...]} */
void admin_clients_list(struct app *app, struct request *req, struct response *res);
/* GET /api/admin/clients/{id} */
void admin_clients_get(struct app *app, struct request *req, struct response *res);
/* PATCH /api/admin/clients/{id} {name?, email?, plan?, max_agents?, max_instances?, is_active?, version?} */
void admin_clients_patch(struct app *app, struct request *req, struct response *res);
/* GET /api/admin/clients/{id}/tokens */
void admin_clients_tokens(struct app *app, struct request *req, struct response *res);
/* POST /api/admin/clients/{id}/tokens {label?, revoke_existing?} -> 201 {token_id, client_token} */
void admin_clients_token_create(struct app *app, struct request *req, struct response *res);
/* DELETE /api/admin/clients/{id}/tokens/{tid} */
void admin_clients_token_revoke(struct app *app, struct request *req, struct response *res);

#endif
