/* health.c - /health, /api/health/database-schema and /metrics. */
#include "fcgi-app/health.h"
#include "fcgi-app/app.h"
#include "fcgi-app/metrics.h"
#include "core/schema.h"
#include "common/shmcache.h"
#include "common/strbuf.h"

#include <json-c/json.h>

void health_live(struct app *app, struct request *req, struct response *res)
{
	static const char body[] = "{\"status\":\"ok\"}";
	(void)app;
	(void)req;
	response_text(res, 200, "application/json", body, sizeof(body) - 1);
	response_header(res, "Cache-Control", "no-store");
}

void health_schema(struct app *app, struct request *req, struct response *res)
{
	struct schema_report rep;
	struct json_object *obj, *missing;

	if (schema_check(&app->db, req->arena, &rep) < 0) {
		app_db_error(app, res, "health_schema");
		return;
	}
	if (!rep.nmissing) {
		obj = json_object_new_object();
		json_object_object_add(obj, "status", json_object_new_string("ok"));
		json_object_object_add(obj, "tables", json_object_new_int64((int64_t)rep.tables_expected));
		json_object_object_add(obj, "columns", json_object_new_int64((int64_t)rep.columns_expected));
		json_object_object_add(obj, "triggers", json_object_new_int64((int64_t)rep.triggers_expected));
		response_json_take(res, 200, obj);
		return;
	}
	struct strbuf msg = STRBUF_INIT;
	struct json_object *err = json_object_new_object();
	missing = json_object_new_array();
	strbuf_addstr(&msg, "the database schema is incomplete; missing: ");
	for (size_t i = 0; i < rep.nmissing; i++) {
		strbuf_addf(&msg, "%s%s", i ? ", " : "", rep.missing[i]);
		json_object_array_add(missing, json_object_new_string(rep.missing[i]));
	}
	json_object_object_add(err, "code", json_object_new_string("schema_incomplete"));
	json_object_object_add(err, "message", json_object_new_string(msg.buf));
	json_object_object_add(err, "missing", missing);
	obj = json_object_new_object();
	json_object_object_add(obj, "error", err);
	response_json_take(res, 500, obj);
	res->error_code = "schema_incomplete";
	strbuf_release(&msg);
}

void health_metrics(struct app *app, struct request *req, struct response *res)
{
	(void)req;
	res->status = 200;
	res->content_type = "text/plain; version=0.0.4; charset=utf-8";
	metrics_render(app->metrics, app->routes, app->nroutes, &res->body);
	if (app->hb_memo.cache) {
		struct shmcache_stats st;
		shmcache_stats(app->hb_memo.cache, &st);
		strbuf_addf(&res->body,
			    "# HELP spot_heartbeat_memo_total Remembered heartbeat answers: lookups that found one, "
			    "lookups that did not, answers stored, stores skipped (slot busy).\n"
			    "# TYPE spot_heartbeat_memo_total counter\n"
			    "spot_heartbeat_memo_total{event=\"hit\"} %llu\n"
			    "spot_heartbeat_memo_total{event=\"miss\"} %llu\n"
			    "spot_heartbeat_memo_total{event=\"store\"} %llu\n"
			    "spot_heartbeat_memo_total{event=\"skip\"} %llu\n",
			    (unsigned long long)st.hits, (unsigned long long)st.misses, (unsigned long long)st.stores,
			    (unsigned long long)st.skipped);
	}
	response_header(res, "Cache-Control", "no-store");
}
