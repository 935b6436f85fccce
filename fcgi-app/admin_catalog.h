/*
 * admin_catalog.h - the admin API for the instance catalog (admin token):
 *   GET /api/admin/instance-types?region=&type=  -> {instance_types: [...]}
 *   PUT /api/admin/instance-types/{type}/{region} -> 201 created | 200 updated
 *       body: vcpu, memory_gib, arch (x86_64|arm64), ondemand_price (null:
 *       unknown), is_active (default true), version (required to update a
 *       row, 409 when stale).
 */
#ifndef SPOT_ADMIN_CATALOG_H
#define SPOT_ADMIN_CATALOG_H

struct app;
struct request;
struct response;

void admin_catalog_list(struct app *app, struct request *req, struct response *res);
void admin_catalog_put(struct app *app, struct request *req, struct response *res);

#endif
