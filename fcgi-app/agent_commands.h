/*
 * agent_commands.h - the agent API for commands, switches, zombie
 * termination and instance registration (DESIGN.md section 5, seed 003).
 * Handlers parse and validate; core/commands, core/switches and
 * core/termination decide. Every route takes the agent's token (or its
 * client's token); another client's agent answers 404.
 */
#ifndef SPOT_AGENT_COMMANDS_H
#define SPOT_AGENT_COMMANDS_H

struct app;
struct request;
struct response;

/* GET /api/agents/{id}/pending-commands?instance_id= -> commands[] (handed out: status acked) */
void agent_commands_pending(struct app *app, struct request *req, struct response *res);
/* POST /api/agents/{id}/commands/{cid}/result: status, result (object) | error */
void agent_commands_result(struct app *app, struct request *req, struct response *res);
/* POST /api/agents/{id}/switch-report -> 201 switch recorded | 200 already applied */
void agent_commands_switch_report(struct app *app, struct request *req, struct response *res);
/* GET /api/agents/{id}/instances-to-terminate -> instances[], auto_terminate_enabled, terminate_wait_seconds */
void agent_commands_to_terminate(struct app *app, struct request *req, struct response *res);
/* POST /api/agents/{id}/termination-report: instance_id, terminated, error */
void agent_commands_termination_report(struct app *app, struct request *req, struct response *res);
/* POST /api/agents/{id}/register-instance: seed 003's fields -> role */
void agent_commands_register_instance(struct app *app, struct request *req, struct response *res);

#endif
