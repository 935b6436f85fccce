/*
 * admin_models.h - the decision model registry over HTTP (issue 8 item 3;
 * DESIGN.md section 5 "ML models (upload, validate, activate, roll back)"):
 * the admin API (admin token, or an admin's session with the CSRF header)
 * and the /admin/models page (an admin's session; forms with csrf_token; the
 * same handler answers its view model with Accept: application/json).
 *
 * API:
 *   POST /api/admin/models                 body = the model file (JSON) -> 201 {model}
 *                                          400 naming the field, 409 name+version taken, 413 too big
 *   GET  /api/admin/models                 -> {models[], active_model_id, default_model}
 *   GET  /api/admin/models/{id}            -> {model} with its file (parameters)
 *   POST /api/admin/models/{id}/validate   -> 200 {model} validated; 422 invalid (error.field names the
 *                                          file field or the check: auc, replay_cost); 409 too little
 *                                          data, or the model is active/retired
 *   POST /api/admin/models/{id}/activate   -> 200 {model}; 409 unless validated
 *   POST /api/admin/models/rollback        -> 200 {model} now active; 409 nothing to return to
 * Pages: GET /admin/models, GET /admin/models/{id}, POST /admin/models (field model_file), POST
 * /admin/models/{id}/validate, /admin/models/{id}/activate, /admin/models/rollback.
 */
#ifndef SPOT_ADMIN_MODELS_H
#define SPOT_ADMIN_MODELS_H

struct app;
struct request;
struct response;

void admin_models_upload(struct app *app, struct request *req, struct response *res);
void admin_models_list(struct app *app, struct request *req, struct response *res);
void admin_models_get(struct app *app, struct request *req, struct response *res);
void admin_models_validate(struct app *app, struct request *req, struct response *res);
void admin_models_activate(struct app *app, struct request *req, struct response *res);
void admin_models_rollback(struct app *app, struct request *req, struct response *res);

void admin_models_page(struct app *app, struct request *req, struct response *res);
void admin_models_page_upload(struct app *app, struct request *req, struct response *res);
void admin_models_page_validate(struct app *app, struct request *req, struct response *res);
void admin_models_page_activate(struct app *app, struct request *req, struct response *res);
void admin_models_page_rollback(struct app *app, struct request *req, struct response *res);
/* GET /admin/models/{id}: one model with its metrics, its file and its audit rows. */
void admin_models_page_detail(struct app *app, struct request *req, struct response *res);

#endif
