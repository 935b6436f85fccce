/*
 * agent_api.h - the agent API of DESIGN.md section 5: handlers parse and
 * validate, core/ decides. Every route takes the agent's token (or its
 * client's token); another client's agent answers 404.
 */
#ifndef SPOT_AGENT_API_H
#define SPOT_AGENT_API_H

struct app;
struct request;
struct response;

/* POST /api/agents/register (client token) -> 201 created | 200 found */
void agent_api_register(struct app *app, struct request *req, struct response *res);
/* POST /api/agents/{id}/heartbeat -> role, pending_commands, config_version */
void agent_api_heartbeat(struct app *app, struct request *req, struct response *res);
/* GET /api/agents/{id}/config */
void agent_api_config(struct app *app, struct request *req, struct response *res);

#endif
