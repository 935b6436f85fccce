/* health.h - liveness, schema health and metrics handlers. */
#ifndef SPOT_HEALTH_H
#define SPOT_HEALTH_H

struct app;
struct request;
struct response;

/* GET /health: liveness only; never touches the database. */
void health_live(struct app *app, struct request *req, struct response *res);
/* GET /api/health/database-schema: 200 when whole, 500 naming what is missing. */
void health_schema(struct app *app, struct request *req, struct response *res);
/* GET /metrics: Prometheus text, totals across the pool. */
void health_metrics(struct app *app, struct request *req, struct response *res);

#endif
