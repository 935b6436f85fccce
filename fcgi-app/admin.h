/* admin.h - admin API handlers (admin token). */
#ifndef SPOT_ADMIN_H
#define SPOT_ADMIN_H

struct app;
struct request;
struct response;

/* GET /api/admin/safe-mode -> {enabled, updated_by, updated_at, version} */
void admin_safe_mode_get(struct app *app, struct request *req, struct response *res);
/* POST /api/admin/safe-mode {enabled: bool, reason?: string <= 500} -> the new state */
void admin_safe_mode_set(struct app *app, struct request *req, struct response *res);

#endif
