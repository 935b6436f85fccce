/* admin_ops.c - health, jobs, emergencies and audit for admins (see admin_ops.h). */
#include "fcgi-app/admin_ops.h"
#include "common/json_util.h"
#include "fcgi-app/app.h"
#include "fcgi-app/metrics.h"
#include "core/db_admin.h"
#include "core/db_pages.h"
#include "core/health_monitor.h"
#include "common/arena.h"
#include "common/strbuf.h"
#include "common/uuid.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct json_object *admin_ops_num(const char *s)
{
	return s ? json_object_new_double(strtod(s, NULL)) : NULL;
}

/* A whole number query parameter in [min, max], def when absent; -1 with the 400 written. */
static int admin_ops_long(const struct request *req, struct response *res, const char *key, long min, long max,
			  long def, long *out)
{
	const char *s = request_query(req, key);
	char *end;
	long v;
	*out = def;
	if (!s || !*s)
		return 0;
	v = strtol(s, &end, 10);
	if (*end || v < min || v > max) {
		response_error(res, 400, "validation_failed",
			       arena_printf(req->arena, "must be a whole number from %ld to %ld", min, max), key);
		return -1;
	}
	*out = v;
	return 0;
}

/* The pool's counters from the /metrics rendering (shared by every worker). */
static struct json_object *admin_ops_workers(struct app *app)
{
	struct strbuf m = STRBUF_INIT;
	unsigned long long requests = 0, errors5 = 0, dberr = 0, dbrec = 0, started = 0, n;
	struct json_object *o = json_object_new_object();
	const char *line;

	metrics_render(app->metrics, app->routes, app->nroutes, &m);
	for (line = m.buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		const char *sp = strchr(line, ' '), *nl = strchr(line, '\n');
		if (*line == '#' || !sp || (nl && sp > nl))
			continue;
		n = strtoull(sp + 1, NULL, 10);
		if (!strncmp(line, "spot_http_requests_total{", 25)) {
			const char *st = strstr(line, "status=\"");
			requests += n;
			if (st && st < sp && st[8] == '5')
				errors5 += n;
		} else if (!strncmp(line, "spot_db_errors_total ", 21)) {
			dberr = n;
		} else if (!strncmp(line, "spot_db_reconnects_total ", 25)) {
			dbrec = n;
		} else if (!strncmp(line, "spot_workers_started_total ", 27)) {
			started = n;
		}
	}
	strbuf_release(&m);
	json_object_object_add(o, "answering_pid", json_object_new_int64((int64_t)getpid()));
	json_object_object_add(o, "workers_started_total", json_object_new_int64((int64_t)started));
	json_object_object_add(o, "requests_total", json_object_new_int64((int64_t)requests));
	json_object_object_add(o, "server_errors_total", json_object_new_int64((int64_t)errors5));
	json_object_object_add(o, "db_errors_total", json_object_new_int64((int64_t)dberr));
	json_object_object_add(o, "db_reconnects_total", json_object_new_int64((int64_t)dbrec));
	return o;
}

/* Every watched job's latest run, latest success and lag; *stale counts the stale ones. NULL: database error. */
static struct json_object *admin_ops_job_states(struct app *app, struct request *req, int *stale)
{
	struct json_object *list = json_object_new_array();
	*stale = 0;
	for (size_t i = 0; i < health_monitor_njobs; i++) {
		const struct health_job *j = &health_monitor_jobs[i];
		struct db_rows r;
		struct json_object *o = json_object_new_object(), *last = NULL;
		const char *lag;
		int is_stale;
		if (db_admin_job_state(&app->db, req->arena, j->name, &r) < 0 || r.nrows != 1) {
			json_object_put(o);
			json_object_put(list);
			return NULL;
		}
		lag = db_rows_cell(&r, 0, 5);
		/* health_monitor.h: stale after HEALTH_STALE_INTERVALS intervals without a success. */
		is_stale = !lag || strtol(lag, NULL, 10) > HEALTH_STALE_INTERVALS * j->interval_s;
		*stale += is_stale;
		json_object_object_add(o, "name", json_object_new_string(j->name));
		json_object_object_add(o, "interval_seconds", json_object_new_int64(j->interval_s));
		if (db_rows_cell(&r, 0, 0)) {
			last = json_object_new_object();
			json_object_object_add(last, "status", json_util_str(db_rows_cell(&r, 0, 0)));
			json_object_object_add(last, "started_at", json_util_str(db_rows_cell(&r, 0, 1)));
			json_object_object_add(last, "finished_at", json_util_str(db_rows_cell(&r, 0, 2)));
			json_object_object_add(last, "error", json_util_str(db_rows_cell(&r, 0, 3)));
		}
		json_object_object_add(o, "last_run", last);
		json_object_object_add(o, "last_success_at", json_util_str(db_rows_cell(&r, 0, 4)));
		json_object_object_add(o, "lag_seconds", lag ? json_object_new_int64(strtoll(lag, NULL, 10)) : NULL);
		json_object_object_add(o, "stale", json_object_new_boolean(is_stale));
		json_object_object_add(o, "runs_24h", json_object_new_int64(strtoll(db_rows_cell(&r, 0, 6), NULL, 10)));
		json_object_object_add(o, "failed_24h", json_object_new_int64(strtoll(db_rows_cell(&r, 0, 7), NULL, 10)));
		json_object_array_add(list, o);
	}
	return list;
}

struct json_object *admin_ops_health_view(struct app *app, struct request *req, struct response *res)
{
	struct json_object *v = json_object_new_object(), *d = json_object_new_object(), *jobs = NULL, *f;
	struct db_rows r;
	int retry, stale = 0, up;

	(void)res;
	up = db_ensure(&app->db, &retry) == 0 && db_admin_db_info(&app->db, req->arena, &r) == 0 && r.nrows == 1;
	json_object_object_add(d, "status", json_object_new_string(up ? "up" : "down"));
	if (up) {
		json_object_object_add(d, "version", json_util_str(db_rows_cell(&r, 0, 0)));
		json_object_object_add(d, "schema_version", admin_ops_num(db_rows_cell(&r, 0, 1)));
		json_object_object_add(d, "time", json_util_str(db_rows_cell(&r, 0, 6)));
		f = json_object_new_object();
		json_object_object_add(f, "agents", json_object_new_int64(strtoll(db_rows_cell(&r, 0, 2), NULL, 10)));
		json_object_object_add(f, "agents_online", json_object_new_int64(strtoll(db_rows_cell(&r, 0, 3), NULL, 10)));
		json_object_object_add(f, "clients_active",
				       json_object_new_int64(strtoll(db_rows_cell(&r, 0, 4), NULL, 10)));
		json_object_object_add(v, "fleet", f);
		json_object_object_add(v, "safe_mode",
				       json_object_new_boolean(db_rows_cell(&r, 0, 5) &&
							       !strcmp(db_rows_cell(&r, 0, 5), "true")));
		jobs = admin_ops_job_states(app, req, &stale);
		if (!jobs)
			up = 0;
	} else {
		json_object_object_add(d, "error", json_object_new_string(app->db.last_error[0] ? app->db.last_error
											: "not connected"));
	}
	json_object_object_add(v, "database", d);
	json_object_object_add(v, "workers", admin_ops_workers(app));
	json_object_object_add(v, "jobs", jobs ? jobs : json_object_new_array());
	json_object_object_add(v, "stale_jobs", json_object_new_int(stale));
	json_object_object_add(v, "status", json_object_new_string(!up ? "down" : stale ? "degraded" : "ok"));
	return v;
}

void admin_ops_health(struct app *app, struct request *req, struct response *res)
{
	struct json_object *v = admin_ops_health_view(app, req, res), *s;
	int down = json_object_object_get_ex(v, "status", &s) && !strcmp(json_object_get_string(s), "down");
	response_header(res, "Cache-Control", "no-store");
	response_json_take(res, down ? 503 : 200, v);
}

struct json_object *admin_ops_jobs_view(struct app *app, struct request *req, struct response *res)
{
	const char *job = request_query(req, "job");
	long limit, offset, days;
	struct db_rows runs, q;
	struct json_object *v, *list, *states;
	int stale;
	size_t n;

	if (job && !*job)
		job = NULL;
	if (job && strlen(job) > 64) {
		response_error(res, 400, "validation_failed", "at most 64 characters", "job");
		return NULL;
	}
	if (admin_ops_long(req, res, "limit", 1, ADMIN_OPS_RUNS_MAX, ADMIN_OPS_RUNS_DEFAULT, &limit) < 0 ||
	    admin_ops_long(req, res, "offset", 0, 1000000, 0, &offset) < 0 ||
	    admin_ops_long(req, res, "days", 1, 90, ADMIN_OPS_QUALITY_DAYS, &days) < 0)
		return NULL;
	if (db_admin_job_runs(&app->db, req->arena, job, limit + 1, offset, &runs) < 0 ||
	    db_admin_quality(&app->db, req->arena, days, &q) < 0 || !(states = admin_ops_job_states(app, req, &stale))) {
		app_db_error(app, res, "admin_ops_jobs");
		return NULL;
	}
	v = json_object_new_object();
	json_object_object_add(v, "jobs", states);
	json_object_object_add(v, "stale_jobs", json_object_new_int(stale));
	list = json_object_new_array();
	n = runs.nrows > (size_t)limit ? (size_t)limit : runs.nrows;
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object(), *stats = NULL;
		const char *st = db_rows_cell(&runs, i, 7);
		json_object_object_add(o, "id", json_util_str(db_rows_cell(&runs, i, 0)));
		json_object_object_add(o, "job", json_util_str(db_rows_cell(&runs, i, 1)));
		json_object_object_add(o, "holder", json_util_str(db_rows_cell(&runs, i, 2)));
		json_object_object_add(o, "started_at", json_util_str(db_rows_cell(&runs, i, 3)));
		json_object_object_add(o, "finished_at", json_util_str(db_rows_cell(&runs, i, 4)));
		json_object_object_add(o, "duration_seconds", admin_ops_num(db_rows_cell(&runs, i, 5)));
		json_object_object_add(o, "status", json_util_str(db_rows_cell(&runs, i, 6)));
		if (st)
			stats = json_tokener_parse(st);
		json_object_object_add(o, "stats", stats);
		json_object_object_add(o, "stats_text", json_util_str(st));
		json_object_object_add(o, "error", json_util_str(db_rows_cell(&runs, i, 8)));
		json_object_object_add(o, "failed", json_object_new_boolean(db_rows_cell(&runs, i, 6) &&
									      !strcmp(db_rows_cell(&runs, i, 6), "failed")));
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "runs", list);
	json_object_object_add(v, "has_runs", json_object_new_boolean(n > 0));
	json_object_object_add(v, "job", json_util_str(job));
	json_object_object_add(v, "limit", json_object_new_int64(limit));
	json_object_object_add(v, "offset", json_object_new_int64(offset));
	json_object_object_add(v, "next_offset", runs.nrows > (size_t)limit ? json_object_new_int64(offset + limit) : NULL);
	list = json_object_new_array();
	for (size_t i = 0; i < q.nrows; i++) {
		struct json_object *o = json_object_new_object();
		long long total = strtoll(db_rows_cell(&q, i, 1), NULL, 10), bad = strtoll(db_rows_cell(&q, i, 4), NULL, 10);
		double pct = total ? 100.0 * (double)bad / (double)total : 0.0;
		json_object_object_add(o, "date", json_util_str(db_rows_cell(&q, i, 0)));
		json_object_object_add(o, "buckets", json_object_new_int64(total));
		json_object_object_add(o, "interpolated", json_object_new_int64(strtoll(db_rows_cell(&q, i, 2), NULL, 10)));
		json_object_object_add(o, "flagged", json_object_new_int64(strtoll(db_rows_cell(&q, i, 3), NULL, 10)));
		json_object_object_add(o, "interpolated_or_flagged", json_object_new_int64(bad));
		json_object_object_add(o, "percent", json_object_new_double((double)(long long)(pct * 100.0 + 0.5) / 100.0));
		json_object_object_add(o, "percent_text", json_object_new_string(arena_printf(req->arena, "%.2f%%", pct)));
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "quality", list);
	json_object_object_add(v, "has_quality", json_object_new_boolean(q.nrows > 0));
	json_object_object_add(v, "quality_days", json_object_new_int64(days));
	return v;
}

void admin_ops_jobs(struct app *app, struct request *req, struct response *res)
{
	struct json_object *v = admin_ops_jobs_view(app, req, res);
	if (v)
		response_json_take(res, 200, v);
}

void admin_ops_emergencies(struct app *app, struct request *req, struct response *res)
{
	struct db_rows em, ev;
	struct json_object *v, *list;
	long limit;

	if (admin_ops_long(req, res, "limit", 1, ADMIN_OPS_AUDIT_MAX, 100, &limit) < 0)
		return;
	if (db_pages_emergencies(&app->db, req->arena, NULL, &em) < 0 ||
	    db_pages_interruptions(&app->db, req->arena, NULL, limit, &ev) < 0) {
		app_db_error(app, res, "admin_ops_emergencies");
		return;
	}
	v = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < em.nrows; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "agent_id", json_util_str(db_rows_cell(&em, i, 0)));
		json_object_object_add(o, "logical_agent_id", json_util_str(db_rows_cell(&em, i, 1)));
		json_object_object_add(o, "notice_status", json_util_str(db_rows_cell(&em, i, 2)));
		json_object_object_add(o, "deadline", json_util_str(db_rows_cell(&em, i, 3)));
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "active", list);
	list = json_object_new_array();
	for (size_t i = 0; i < ev.nrows; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_util_str(db_rows_cell(&ev, i, 0)));
		json_object_object_add(o, "agent_id", json_util_str(db_rows_cell(&ev, i, 1)));
		json_object_object_add(o, "logical_agent_id", json_util_str(db_rows_cell(&ev, i, 2)));
		json_object_object_add(o, "instance_id", json_util_str(db_rows_cell(&ev, i, 3)));
		json_object_object_add(o, "signal", json_util_str(db_rows_cell(&ev, i, 4)));
		json_object_object_add(o, "response_action", json_util_str(db_rows_cell(&ev, i, 5)));
		json_object_object_add(o, "outcome", json_util_str(db_rows_cell(&ev, i, 6)));
		json_object_object_add(o, "failover_seconds", admin_ops_num(db_rows_cell(&ev, i, 7)));
		json_object_object_add(o, "detected_at", json_util_str(db_rows_cell(&ev, i, 8)));
		json_object_object_add(o, "resolved_at", json_util_str(db_rows_cell(&ev, i, 10)));
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "events", list);
	response_json_take(res, 200, v);
}

void admin_ops_audit(struct app *app, struct request *req, struct response *res)
{
	static const char *const names[] = { "id", "client_id", "client_name", "agent_id", "logical_agent_id",
					     "actor_type", "actor_id", "action", "severity", "subject_type",
					     "subject_id", "message", "trace_id", "at" };
	struct db_pages_audit_filter f = { 0 };
	struct db_rows r;
	struct json_object *v, *list;

	f.client_id = request_query(req, "client");
	f.agent_id = request_query(req, "agent");
	f.actor = request_query(req, "actor");
	if (f.client_id && !*f.client_id)
		f.client_id = NULL;
	if (f.agent_id && !*f.agent_id)
		f.agent_id = NULL;
	if (f.actor && !*f.actor)
		f.actor = NULL;
	if ((f.client_id && !uuid_valid(f.client_id)) || (f.agent_id && !uuid_valid(f.agent_id))) {
		response_error(res, 400, "validation_failed", "must be an id", f.client_id && !uuid_valid(f.client_id) ? "client" : "agent");
		return;
	}
	if (f.actor && strlen(f.actor) > 80) {
		response_error(res, 400, "validation_failed", "at most 80 characters", "actor");
		return;
	}
	if (admin_ops_long(req, res, "hours", 1, ADMIN_OPS_AUDIT_HOURS_MAX, 24, &f.hours) < 0 ||
	    admin_ops_long(req, res, "limit", 1, ADMIN_OPS_AUDIT_MAX, 200, &f.limit) < 0)
		return;
	if (db_pages_audit(&app->db, req->arena, &f, &r) < 0) {
		app_db_error(app, res, "admin_ops_audit");
		return;
	}
	v = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < r.nrows; i++) {
		struct json_object *o = json_object_new_object();
		for (size_t c = 0; c < sizeof(names) / sizeof(names[0]); c++)
			json_object_object_add(o, names[c], json_util_str(db_rows_cell(&r, i, c)));
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "events", list);
	json_object_object_add(v, "hours", json_object_new_int64(f.hours));
	json_object_object_add(v, "limit", json_object_new_int64(f.limit));
	response_json_take(res, 200, v);
}
