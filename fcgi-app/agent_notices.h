/*
 * agent_notices.h - the agent API for interruption notices, emergencies,
 * replicas and cleanup (DESIGN.md section 5), and the client API call that
 * makes a manual replica. Handlers parse and validate; core/notices.h and
 * core/replicas.h decide.
 */
#ifndef SPOT_AGENT_NOTICES_H
#define SPOT_AGENT_NOTICES_H

struct app;
struct request;
struct response;

/* POST /api/agents/{id}/rebalance-notice: instance_id, notice_time -> action, risk, replica_id?, command_id? */
void agent_notices_rebalance(struct app *app, struct request *req, struct response *res);
/* POST /api/agents/{id}/termination-notice: instance_id, action_time, notice_action -> action, replica | command_id */
void agent_notices_termination(struct app *app, struct request *req, struct response *res);
/* GET /api/agents/{id}/emergency-status */
void agent_notices_emergency_status(struct app *app, struct request *req, struct response *res);
/* POST /api/agents/{id}/replicas/{rid}/status: status, instance_id, progress, error */
void agent_notices_replica_status(struct app *app, struct request *req, struct response *res);
/* POST /api/agents/{id}/cleanup-report: amis_deregistered, snapshots_deleted (counts or id lists), errors[] */
void agent_notices_cleanup_report(struct app *app, struct request *req, struct response *res);
/* POST /api/client/agents/{aid}/replicas (client token) -> 202 a manual replica is launching */
void agent_notices_client_replica(struct app *app, struct request *req, struct response *res);

#endif
