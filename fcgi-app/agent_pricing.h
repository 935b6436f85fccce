/*
 * agent_pricing.h - POST /api/agents/{id}/pricing-report (DESIGN.md section
 * 5): the handler checks the body's shape, core/pricing.c the rules of each
 * sample, and answers 200 {accepted, duplicates, rejected[{index, field,
 * message}], report_id, unknown_types[]}, or 400 (with rejected[]) when no
 * row is acceptable.
 */
#ifndef SPOT_AGENT_PRICING_H
#define SPOT_AGENT_PRICING_H

struct app;
struct request;
struct response;

void agent_pricing_report(struct app *app, struct request *req, struct response *res);

#endif
