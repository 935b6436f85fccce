/* client_lists.c - the client API's lists, analytics and CSV exports (see client_lists.h). */
#include "fcgi-app/client_lists.h"
#include "fcgi-app/app.h"
#include "core/awsnames.h"
#include "core/db_client.h"
#include "common/arena.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/uuid.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum client_col_kind { COL_STR, COL_NUM, COL_INT, COL_BOOL };

struct client_col {
	const char *name;
	enum client_col_kind kind;
};

/* Column names of each list, in the column order of core/db_client.h. */
static const struct client_col client_lists_agent_cols[] = {
	{ "id", COL_STR }, { "logical_agent_id", COL_STR }, { "hostname", COL_STR }, { "status", COL_STR },
	{ "mode", COL_STR }, { "pool_id", COL_STR }, { "instance_id", COL_STR }, { "instance_type", COL_STR },
	{ "region", COL_STR }, { "az", COL_STR }, { "last_heartbeat_at", COL_STR }, { "auto_switch_enabled", COL_BOOL },
	{ "auto_terminate_enabled", COL_BOOL }, { "manual_replica_enabled", COL_BOOL },
	{ "terminate_wait_seconds", COL_INT }, { "config_version", COL_INT }, { "version", COL_INT },
	{ "notice_status", COL_STR },
};
static const struct client_col client_lists_instance_cols[] = {
	{ "id", COL_STR }, { "agent_id", COL_STR }, { "role", COL_STR }, { "instance_type", COL_STR },
	{ "region", COL_STR }, { "az", COL_STR }, { "mode", COL_STR }, { "pool_id", COL_STR },
	{ "spot_price", COL_NUM }, { "ondemand_price", COL_NUM }, { "last_heartbeat_at", COL_STR },
	{ "terminated_at", COL_STR }, { "created_at", COL_STR },
};
static const struct client_col client_lists_replica_cols[] = {
	{ "id", COL_STR }, { "agent_id", COL_STR }, { "logical_agent_id", COL_STR }, { "client_id", COL_STR },
	{ "instance_id", COL_STR }, { "type", COL_STR }, { "status", COL_STR }, { "pool_id", COL_STR },
	{ "instance_type", COL_STR }, { "az", COL_STR }, { "progress", COL_NUM }, { "error", COL_STR },
	{ "created_at", COL_STR }, { NULL, COL_INT }, { "ready_at", COL_STR }, { "promoted_at", COL_STR },
	{ "terminated_at", COL_STR }, { NULL, COL_STR },
};
static const struct client_col client_lists_switch_cols[] = {
	{ "id", COL_STR }, { "agent_id", COL_STR }, { "logical_agent_id", COL_STR }, { "status", COL_STR },
	{ "trigger", COL_STR }, { "old_instance_id", COL_STR }, { "old_mode", COL_STR }, { "old_pool_id", COL_STR },
	{ "old_spot_price", COL_NUM }, { "new_instance_id", COL_STR }, { "new_mode", COL_STR },
	{ "new_pool_id", COL_STR }, { "new_spot_price", COL_NUM }, { "ondemand_price", COL_NUM },
	{ "savings_per_hour", COL_NUM }, { "downtime_seconds", COL_NUM }, { "at", COL_STR },
};
static const struct client_col client_lists_notification_cols[] = {
	{ "id", COL_STR }, { "agent_id", COL_STR }, { "type", COL_STR }, { "severity", COL_STR },
	{ "title", COL_STR }, { "message", COL_STR }, { "is_read", COL_BOOL }, { "read_at", COL_STR },
	{ "created_at", COL_STR },
};
#define NCOLS(t) (sizeof(t) / sizeof((t)[0]))

static struct json_object *client_lists_row(const struct db_rows *r, size_t i, const struct client_col *cols,
					    size_t ncols)
{
	struct json_object *o = json_object_new_object();
	for (size_t c = 0; c < ncols && c < r->ncols; c++) {
		const char *v = db_rows_cell(r, i, c);
		struct json_object *j = NULL;
		if (!cols[c].name)
			continue;
		if (v) {
			switch (cols[c].kind) {
			case COL_STR:
				j = json_object_new_string(v);
				break;
			case COL_NUM:
				j = json_object_new_double(strtod(v, NULL));
				break;
			case COL_INT:
				j = json_object_new_int64(strtoll(v, NULL, 10));
				break;
			case COL_BOOL:
				j = json_object_new_boolean(strcmp(v, "0") != 0);
				break;
			}
		}
		json_object_object_add(o, cols[c].name, j);
	}
	return o;
}

/* {cid} must be the caller's client; anything else is 404. Returns 1, or 0 with the answer written. */
static int client_lists_scope(struct request *req, struct response *res)
{
	const char *cid = req->params[0];
	if (!uuid_valid(cid) || req->who.kind != PRINCIPAL_CLIENT || strcmp(cid, req->who.client_id)) {
		response_error(res, 404, "not_found", "no such client", NULL);
		return 0;
	}
	return 1;
}

/* A whole number query parameter in [min, max], def when absent. 0, or -1 with the 400 written. */
static int client_lists_long(const struct request *req, struct response *res, const char *key, long min, long max,
			     long def, long *out)
{
	const char *s = request_query(req, key);
	char *end;
	long v;
	if (!s) {
		*out = def;
		return 0;
	}
	v = strtol(s, &end, 10);
	if (!*s || *end || v < min || v > max) {
		response_error(res, 400, "validation_failed",
			       arena_printf(req->arena, "must be a whole number from %ld to %ld", min, max), key);
		return -1;
	}
	*out = v;
	return 0;
}

static int client_lists_page(const struct request *req, struct response *res, long *limit, long *offset)
{
	if (client_lists_long(req, res, "limit", 1, CLIENT_LISTS_LIMIT_MAX, CLIENT_LISTS_LIMIT_DEFAULT, limit) < 0)
		return -1;
	return client_lists_long(req, res, "offset", 0, CLIENT_LISTS_OFFSET_MAX, 0, offset);
}

/* One of the allowed words, def when absent. 0, or -1 with the 400 written. */
static int client_lists_word(const struct request *req, struct response *res, const char *key,
			     const char *const *allowed, const char **out)
{
	const char *s = request_query(req, key);
	if (!s) {
		*out = allowed[0];
		return 0;
	}
	for (size_t i = 0; allowed[i]; i++)
		if (!strcmp(s, allowed[i])) {
			*out = allowed[i];
			return 0;
		}
	struct strbuf m = STRBUF_INIT;
	strbuf_addstr(&m, "must be one of");
	for (size_t i = 0; allowed[i]; i++)
		strbuf_addf(&m, "%s %s", i ? "," : "", allowed[i]);
	response_error(res, 400, "validation_failed", m.buf, key);
	strbuf_release(&m);
	return -1;
}

/*
 * A time query parameter (RFC 3339, or YYYY-MM-DD for midnight UTC) as the
 * database's "YYYY-MM-DD HH:MM:SS.mmm", or def_ms when absent (def NULL and
 * absent: *out = NULL). 0, or -1 with the 400 written.
 */
static int client_lists_time(struct request *req, struct response *res, const char *key, const int64_t *def_ms,
			     const char **out, int64_t *ms_out)
{
	const char *s = request_query(req, key);
	char buf[40];
	int64_t ms;

	if (!s || !*s) {
		if (!def_ms) {
			*out = NULL;
			return 0;
		}
		ms = *def_ms;
	} else {
		const char *t = strlen(s) == 10 ? arena_printf(req->arena, "%sT00:00:00Z", s) : s;
		if (strlen(s) > 40 || time_parse_rfc3339(t, &ms) < 0) {
			response_error(res, 400, "validation_failed",
				       "must be a UTC time like 2026-01-31T00:00:00Z or a date like 2026-01-31", key);
			return -1;
		}
	}
	if (time_format_rfc3339_ms(ms, buf, sizeof(buf)) < 0) {
		response_error(res, 400, "validation_failed", "is out of range", key);
		return -1;
	}
	buf[10] = ' ';
	buf[strlen(buf) - 1] = '\0'; /* the Z */
	*out = arena_strdup(req->arena, buf);
	if (ms_out)
		*ms_out = ms;
	return 0;
}

/* The list answer: {name: [...], limit, offset, next_offset}; rows holds at most limit + 1 rows. */
static void client_lists_answer(struct response *res, const char *name, const struct db_rows *r,
				const struct client_col *cols, size_t ncols, long limit, long offset,
				struct json_object *extra)
{
	struct json_object *o = extra ? extra : json_object_new_object(), *list = json_object_new_array();
	size_t n = r->nrows > (size_t)limit ? (size_t)limit : r->nrows;
	for (size_t i = 0; i < n; i++)
		json_object_array_add(list, client_lists_row(r, i, cols, ncols));
	json_object_object_add(o, name, list);
	json_object_object_add(o, "limit", json_object_new_int64(limit));
	json_object_object_add(o, "offset", json_object_new_int64(offset));
	json_object_object_add(o, "next_offset",
			       r->nrows > (size_t)limit ? json_object_new_int64(offset + limit) : NULL);
	response_json_take(res, 200, o);
}

void client_lists_agents(struct app *app, struct request *req, struct response *res)
{
	struct db_rows r;
	long limit, offset;
	if (!client_lists_scope(req, res) || client_lists_page(req, res, &limit, &offset) < 0)
		return;
	if (db_client_agents(&app->db, req->arena, req->who.client_id, limit + 1, offset, &r) < 0) {
		app_db_error(app, res, "client_lists_agents");
		return;
	}
	client_lists_answer(res, "agents", &r, client_lists_agent_cols, NCOLS(client_lists_agent_cols), limit, offset,
			    NULL);
}

/* The rows of a list filtered by ?status= (instances, replicas). */
typedef int client_lists_get_fn(struct db *db, struct arena *a, const char *client_id, const char *which, long limit,
				long offset, struct db_rows *out);

/* A list filtered by ?status= (one of which, the first the default), answered under name; fn names it in the log. */
static void client_lists_by_status(struct app *app, struct request *req, struct response *res, const char *fn,
				   const char *name, const char *const *which, client_lists_get_fn *get,
				   const struct client_col *cols, size_t ncols)
{
	struct db_rows r;
	long limit, offset;
	const char *w;
	struct json_object *o;
	if (!client_lists_scope(req, res) || client_lists_page(req, res, &limit, &offset) < 0 ||
	    client_lists_word(req, res, "status", which, &w) < 0)
		return;
	if (get(&app->db, req->arena, req->who.client_id, w, limit + 1, offset, &r) < 0) {
		app_db_error(app, res, fn);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "status", json_object_new_string(w));
	client_lists_answer(res, name, &r, cols, ncols, limit, offset, o);
}

void client_lists_instances(struct app *app, struct request *req, struct response *res)
{
	static const char *const which[] = { "active", "terminated", "all", NULL };
	client_lists_by_status(app, req, res, "client_lists_instances", "instances", which, db_client_instances,
			       client_lists_instance_cols, NCOLS(client_lists_instance_cols));
}

void client_lists_replicas(struct app *app, struct request *req, struct response *res)
{
	static const char *const which[] = { "all", "live", "ended", NULL };
	client_lists_by_status(app, req, res, "client_lists_replicas", "replicas", which, db_client_replicas,
			       client_lists_replica_cols, NCOLS(client_lists_replica_cols));
}

/* The switches' window: from (default the epoch) and to (default far ahead). */
static int client_lists_window(struct request *req, struct response *res, const char **from, const char **to)
{
	static const int64_t epoch = 0, far = 253402214400000LL; /* 9999-12-31 */
	return client_lists_time(req, res, "from", &epoch, from, NULL) < 0 ||
			       client_lists_time(req, res, "to", &far, to, NULL) < 0
		       ? -1
		       : 0;
}

void client_lists_switches(struct app *app, struct request *req, struct response *res)
{
	struct db_rows r;
	long limit, offset;
	const char *from, *to;
	if (!client_lists_scope(req, res) || client_lists_page(req, res, &limit, &offset) < 0 ||
	    client_lists_window(req, res, &from, &to) < 0)
		return;
	if (db_client_switches(&app->db, req->arena, req->who.client_id, from, to, limit + 1, offset, &r) < 0) {
		app_db_error(app, res, "client_lists_switches");
		return;
	}
	client_lists_answer(res, "switches", &r, client_lists_switch_cols, NCOLS(client_lists_switch_cols), limit,
			    offset, NULL);
}

/* Savings' period and dates: from/to as "YYYY-MM-DD", default the last 30 days. */
static int client_lists_savings_args(struct request *req, struct response *res, int *by_month, const char **from,
				     const char **to)
{
	static const char *const periods[] = { "day", "month", NULL };
	const char *p;
	int64_t now = time_now_ms(), start = now - 29LL * 86400000LL;
	if (client_lists_word(req, res, "period", periods, &p) < 0 ||
	    client_lists_time(req, res, "from", &start, from, NULL) < 0 ||
	    client_lists_time(req, res, "to", &now, to, NULL) < 0)
		return -1;
	*by_month = !strcmp(p, "month");
	*from = arena_strndup(req->arena, *from, 10);
	*to = arena_strndup(req->arena, *to, 10);
	return 0;
}

void client_lists_savings(struct app *app, struct request *req, struct response *res)
{
	struct db_rows r;
	long limit, offset;
	int by_month;
	const char *from, *to;
	struct json_object *o, *list;
	double tod = 0, tact = 0, tsaved = 0;
	size_t n;

	if (!client_lists_scope(req, res) || client_lists_page(req, res, &limit, &offset) < 0 ||
	    client_lists_savings_args(req, res, &by_month, &from, &to) < 0)
		return;
	if (db_client_savings(&app->db, req->arena, req->who.client_id, by_month, from, to, limit + 1, offset, &r) < 0) {
		app_db_error(app, res, "client_lists_savings");
		return;
	}
	o = json_object_new_object();
	list = json_object_new_array();
	n = r.nrows > (size_t)limit ? (size_t)limit : r.nrows;
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();
		double od = strtod(db_rows_cell(&r, i, 1), NULL), act = strtod(db_rows_cell(&r, i, 2), NULL);
		double saved = strtod(db_rows_cell(&r, i, 4), NULL);
		tod += od;
		tact += act;
		tsaved += saved;
		json_object_object_add(e, by_month ? "month" : "date", json_object_new_string(db_rows_cell(&r, i, 0)));
		json_object_object_add(e, "ondemand_cost", json_object_new_double(od));
		json_object_object_add(e, "actual_cost", json_object_new_double(act));
		json_object_object_add(e, "replica_cost", json_object_new_double(strtod(db_rows_cell(&r, i, 3), NULL)));
		json_object_object_add(e, "saved", json_object_new_double(saved));
		json_object_object_add(e, "percent",
				       od > 0 ? json_object_new_double(round(1000.0 * saved / od) / 10.0) : NULL);
		json_object_object_add(e, "switches", json_object_new_int64(strtoll(db_rows_cell(&r, i, 5), NULL, 10)));
		json_object_object_add(e, "interruptions",
				       json_object_new_int64(strtoll(db_rows_cell(&r, i, 6), NULL, 10)));
		json_object_array_add(list, e);
	}
	json_object_object_add(o, "period", json_object_new_string(by_month ? "month" : "day"));
	json_object_object_add(o, "from", json_object_new_string(from));
	json_object_object_add(o, "to", json_object_new_string(to));
	json_object_object_add(o, "savings", list);
	{
		struct json_object *t = json_object_new_object();
		json_object_object_add(t, "ondemand_cost", json_object_new_double(tod));
		json_object_object_add(t, "actual_cost", json_object_new_double(tact));
		json_object_object_add(t, "saved", json_object_new_double(tsaved));
		json_object_object_add(t, "percent",
				       tod > 0 ? json_object_new_double(round(1000.0 * tsaved / tod) / 10.0) : NULL);
		json_object_object_add(o, "page_total", t);
	}
	json_object_object_add(o, "limit", json_object_new_int64(limit));
	json_object_object_add(o, "offset", json_object_new_int64(offset));
	json_object_object_add(o, "next_offset", r.nrows > (size_t)limit ? json_object_new_int64(offset + limit) : NULL);
	response_json_take(res, 200, o);
}

void client_lists_notifications(struct app *app, struct request *req, struct response *res)
{
	struct db_rows r;
	long limit, offset, unread;
	if (!client_lists_scope(req, res) || client_lists_page(req, res, &limit, &offset) < 0 ||
	    client_lists_long(req, res, "unread", 0, 1, 0, &unread) < 0)
		return;
	if (db_client_notifications(&app->db, req->arena, req->who.client_id, (int)unread, limit + 1, offset, &r) < 0) {
		app_db_error(app, res, "client_lists_notifications");
		return;
	}
	client_lists_answer(res, "notifications", &r, client_lists_notification_cols,
			    NCOLS(client_lists_notification_cols), limit, offset, NULL);
}

static int client_lists_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

double client_lists_p95(const double *sorted, size_t n)
{
	/* Nearest rank: the smallest value with at least 95% of the values at or below it. */
	size_t rank = (size_t)ceil(0.95 * (double)n);
	return sorted[rank ? rank - 1 : 0];
}

static struct json_object *client_lists_round(double v, double scale)
{
	return json_object_new_double(round(v * scale) / scale);
}

void client_lists_downtime(struct app *app, struct request *req, struct response *res)
{
	struct db_rows r;
	const char *from, *to;
	int64_t now = time_now_ms(), start = now - 30LL * 86400000LL, from_ms, to_ms;
	double *v, sum = 0;
	size_t n = 0, ok = 0;
	struct json_object *o, *d;

	if (!client_lists_scope(req, res) || client_lists_time(req, res, "from", &start, &from, &from_ms) < 0 ||
	    client_lists_time(req, res, "to", &now, &to, &to_ms) < 0)
		return;
	if (to_ms <= from_ms) {
		response_error(res, 400, "validation_failed", "must be after from", "to");
		return;
	}
	if (db_client_downtime(&app->db, req->arena, req->who.client_id, from, to, CLIENT_LISTS_DOWNTIME_MAX, &r) < 0) {
		app_db_error(app, res, "client_lists_downtime");
		return;
	}
	v = arena_calloc(req->arena, r.nrows ? r.nrows : 1, sizeof(double));
	for (size_t i = 0; i < r.nrows; i++) {
		const char *st = db_rows_cell(&r, i, 0), *dt = db_rows_cell(&r, i, 1);
		if (strcmp(st, "completed"))
			continue;
		ok++;
		if (dt) {
			v[n] = strtod(dt, NULL);
			sum += v[n++];
		}
	}
	qsort(v, n, sizeof(double), client_lists_cmp);
	o = json_object_new_object();
	{
		char f[40], t[40];
		time_format_rfc3339_ms(from_ms, f, sizeof(f));
		time_format_rfc3339_ms(to_ms, t, sizeof(t));
		json_object_object_add(o, "from", json_object_new_string(f));
		json_object_object_add(o, "to", json_object_new_string(t));
	}
	json_object_object_add(o, "switches", json_object_new_int64((int64_t)r.nrows));
	json_object_object_add(o, "succeeded", json_object_new_int64((int64_t)ok));
	json_object_object_add(o, "failed", json_object_new_int64((int64_t)(r.nrows - ok)));
	json_object_object_add(o, "success_rate",
			       r.nrows ? client_lists_round(100.0 * (double)ok / (double)r.nrows, 10) : NULL);
	d = json_object_new_object();
	json_object_object_add(d, "count", json_object_new_int64((int64_t)n));
	json_object_object_add(d, "average", n ? client_lists_round(sum / (double)n, 1000) : NULL);
	json_object_object_add(d, "min", n ? client_lists_round(v[0], 1000) : NULL);
	json_object_object_add(d, "max", n ? client_lists_round(v[n - 1], 1000) : NULL);
	json_object_object_add(d, "p95", n ? client_lists_round(client_lists_p95(v, n), 1000) : NULL);
	json_object_object_add(d, "unit", json_object_new_string("seconds"));
	json_object_object_add(o, "downtime_seconds", d);
	json_object_object_add(o, "truncated", json_object_new_boolean(r.nrows >= CLIENT_LISTS_DOWNTIME_MAX));
	response_json_take(res, 200, o);
}

void client_lists_prices(struct app *app, struct request *req, struct response *res)
{
	const char *pool = request_query(req, "pool");
	struct db_rows p, r;
	long days;
	struct json_object *o, *list;

	if (!client_lists_scope(req, res) ||
	    client_lists_long(req, res, "days", 1, CLIENT_LISTS_PRICE_DAYS_MAX, 7, &days) < 0)
		return;
	if (!pool || !*pool || strlen(pool) > AWS_POOL_ID_MAX) {
		response_error(res, 400, "validation_failed", "give a pool id like t3.medium.us-east-1a", "pool");
		return;
	}
	if (db_client_pool(&app->db, req->arena, pool, &p) < 0 ||
	    (p.nrows && db_client_prices(&app->db, req->arena, pool, days, CLIENT_LISTS_PRICE_ROWS_MAX, &r) < 0)) {
		app_db_error(app, res, "client_lists_prices");
		return;
	}
	if (!p.nrows) {
		response_error(res, 404, "not_found", "no such pool", "pool");
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "pool_id", json_object_new_string(db_rows_cell(&p, 0, 0)));
	json_object_object_add(o, "instance_type", json_object_new_string(db_rows_cell(&p, 0, 1)));
	json_object_object_add(o, "region", json_object_new_string(db_rows_cell(&p, 0, 2)));
	json_object_object_add(o, "az", json_object_new_string(db_rows_cell(&p, 0, 3)));
	json_object_object_add(o, "days", json_object_new_int64(days));
	json_object_object_add(o, "bucket_seconds", json_object_new_int(300));
	list = json_object_new_array();
	for (size_t i = 0; i < r.nrows; i++) {
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "at", json_object_new_string(db_rows_cell(&r, i, 0)));
		json_object_object_add(e, "price", json_object_new_double(strtod(db_rows_cell(&r, i, 1), NULL)));
		json_object_object_add(e, "quality", json_object_new_string(db_rows_cell(&r, i, 2)));
		json_object_object_add(e, "gap_flagged", json_object_new_boolean(strcmp(db_rows_cell(&r, i, 3), "0")));
		json_object_array_add(list, e);
	}
	json_object_object_add(o, "prices", list);
	response_json_take(res, 200, o);
}

void client_lists_csv_field(struct strbuf *out, const char *s, int is_text)
{
	int quote, formula;
	if (!s)
		return;
	formula = is_text && (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r');
	quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		strbuf_addch(out, '"');
	if (formula)
		strbuf_addch(out, '\'');
	for (; *s; s++) {
		if (*s == '"')
			strbuf_addch(out, '"');
		strbuf_addch(out, *s);
	}
	if (quote)
		strbuf_addch(out, '"');
}

static void client_lists_csv_send(struct request *req, struct response *res, struct strbuf *csv, const char *name)
{
	response_text(res, 200, "text/csv; charset=utf-8", csv->buf, csv->len);
	response_header(res, "Content-Disposition",
			arena_printf(req->arena, "attachment; filename=\"%s-%s.csv\"", name, req->who.client_id));
	response_header(res, "Cache-Control", "no-store");
	strbuf_release(csv);
}

/* Rows as CSV lines with a header line from cols (columns without a name are left out). */
static void client_lists_csv_rows(struct strbuf *csv, const struct db_rows *r, const struct client_col *cols,
				  size_t ncols)
{
	int first = 1;
	for (size_t c = 0; c < ncols; c++) {
		if (!cols[c].name)
			continue;
		strbuf_addstr(csv, first ? "" : ",");
		client_lists_csv_field(csv, cols[c].name, 0);
		first = 0;
	}
	strbuf_addstr(csv, "\r\n");
	for (size_t i = 0; i < r->nrows; i++) {
		first = 1;
		for (size_t c = 0; c < ncols && c < r->ncols; c++) {
			if (!cols[c].name)
				continue;
			strbuf_addstr(csv, first ? "" : ",");
			client_lists_csv_field(csv, db_rows_cell(r, i, c), cols[c].kind == COL_STR);
			first = 0;
		}
		strbuf_addstr(csv, "\r\n");
	}
}

void client_lists_switches_csv(struct app *app, struct request *req, struct response *res)
{
	struct db_rows r;
	const char *from, *to;
	struct strbuf csv = STRBUF_INIT;
	if (!client_lists_scope(req, res) || client_lists_window(req, res, &from, &to) < 0)
		return;
	if (db_client_switches(&app->db, req->arena, req->who.client_id, from, to, CLIENT_LISTS_CSV_MAX, 0, &r) < 0) {
		app_db_error(app, res, "client_lists_switches_csv");
		return;
	}
	client_lists_csv_rows(&csv, &r, client_lists_switch_cols, NCOLS(client_lists_switch_cols));
	client_lists_csv_send(req, res, &csv, "switches");
}

void client_lists_savings_csv(struct app *app, struct request *req, struct response *res)
{
	static const struct client_col cols[] = {
		{ "period", COL_STR }, { "ondemand_cost", COL_NUM }, { "actual_cost", COL_NUM },
		{ "replica_cost", COL_NUM }, { "saved", COL_NUM }, { "switches", COL_INT }, { "interruptions", COL_INT },
	};
	struct db_rows r;
	int by_month;
	const char *from, *to;
	struct strbuf csv = STRBUF_INIT;
	if (!client_lists_scope(req, res) || client_lists_savings_args(req, res, &by_month, &from, &to) < 0)
		return;
	if (db_client_savings(&app->db, req->arena, req->who.client_id, by_month, from, to, CLIENT_LISTS_CSV_MAX, 0,
			      &r) < 0) {
		app_db_error(app, res, "client_lists_savings_csv");
		return;
	}
	client_lists_csv_rows(&csv, &r, cols, NCOLS(cols));
	client_lists_csv_send(req, res, &csv, "savings");
}
