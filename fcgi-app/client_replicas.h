/*
 * client_replicas.h - the client API's replica actions (DESIGN.md section 5):
 * POST /api/client/replicas/{rid}/promote and DELETE /api/client/replicas/{rid}.
 * Another client's replica answers 404.
 */
#ifndef SPOT_CLIENT_REPLICAS_H
#define SPOT_CLIENT_REPLICAS_H

struct app;
struct request;
struct response;

/* -> 200 {replica_id, status: promoted, instance_id, old_instance_id, command_id}; 409 when not ready. */
void client_replicas_promote(struct app *app, struct request *req, struct response *res);
/* -> 200 {replica_id, status: terminated, command_id (terminate) or null}; 409 when already ended. */
void client_replicas_delete(struct app *app, struct request *req, struct response *res);

#endif
