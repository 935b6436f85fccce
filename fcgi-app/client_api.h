/*
 * client_api.h - the client API of DESIGN.md section 5 (client token). A
 * client sees and touches only its own rows: another client's id is 404.
 */
#ifndef SPOT_CLIENT_API_H
#define SPOT_CLIENT_API_H

struct app;
struct request;
struct response;

/* POST /api/client/agents/{aid}/switch: target_pool_id, target_mode -> 202 command_id */
void client_api_switch(struct app *app, struct request *req, struct response *res);

#endif
