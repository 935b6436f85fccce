/* pages_history.c - what happened: switches, savings per day, emergencies (see pages.h). */
#include "fcgi-app/pages.h"
#include "common/json_util.h"
#include "fcgi-app/app.h"
#include "fcgi-app/session.h"
#include "fcgi-app/svg.h"
#include "core/db_pages.h"
#include "common/arena.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/uuid.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define PAGES_SWITCH_DAYS_DEFAULT 30
#define PAGES_SWITCH_DAYS_MAX 365
#define PAGES_SWITCH_LIMIT 500
#define PAGES_SAVINGS_DAYS 30
#define PAGES_INTERRUPTIONS 100

static struct json_object *pages_history_money(double v)
{
	char buf[64];
	pages_money(v, buf, sizeof(buf));
	return json_object_new_string(buf);
}

/* ?days=N within [1, max], else def; *bad set when a value was given and refused. */
static long pages_history_days(const struct request *req, long def, long max, int *bad)
{
	const char *s = request_query(req, "days");
	char *end;
	long v;
	*bad = 0;
	if (!s)
		return def;
	v = strtol(s, &end, 10);
	if (!*s || *end || v < 1 || v > max) {
		*bad = 1;
		return def;
	}
	return v;
}

void pages_switches(struct app *app, struct request *req, struct response *res)
{
	struct db_rows r;
	struct json_object *v, *list;
	int bad;
	long days = pages_history_days(req, PAGES_SWITCH_DAYS_DEFAULT, PAGES_SWITCH_DAYS_MAX, &bad);

	if (bad) {
		pages_error(app, req, res, 400, "days must be a whole number from 1 to 365");
		return;
	}
	if (db_pages_switches_since(&app->db, req->arena, pages_scope(req), days, PAGES_SWITCH_LIMIT, &r) < 0) {
		app_db_error(app, res, "pages_switches");
		return;
	}
	v = json_object_new_object();
	list = json_object_new_array();
	pages_switch_rows(list, &r, time_now_ms() / 1000);
	json_object_object_add(v, "days", json_object_new_int64(days));
	{
		static const long opts[] = { 1, 7, 30, 90, 365 };
		struct json_object *o = json_object_new_array();
		for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			struct json_object *e = json_object_new_object();
			json_object_object_add(e, "value", json_object_new_int64(opts[i]));
			json_object_object_add(e, "label", json_object_new_string(arena_printf(
								   req->arena, "%ld day%s", opts[i], opts[i] == 1 ? "" : "s")));
			json_object_object_add(e, "selected", json_object_new_boolean(opts[i] == days));
			json_object_array_add(o, e);
		}
		json_object_object_add(v, "day_options", o);
	}
	json_object_object_add(v, "count", json_object_new_int((int)r.nrows));
	json_object_object_add(v, "has_switches", json_object_new_boolean(r.nrows > 0));
	json_object_object_add(v, "switches", list);
	json_object_object_add(v, "nav_switches", json_object_new_boolean(1));
	pages_render(app, req, res, 200, "switches", "Switches", v);
}

void pages_savings(struct app *app, struct request *req, struct response *res)
{
	struct db_rows r;
	struct json_object *v, *list, *chart;
	struct strbuf svg = STRBUF_INIT;
	double *x, *y, total = 0, od_total = 0;
	struct svg_chart c = { .id = "savings-chart", .title = "Saved per day over the last 30 days",
			       .desc = "Daily savings against on-demand; the same figures are in the table below.",
			       .x_label = "Day (UTC)", .y_label = "Saved (USD per day)", .y_prefix = "$",
			       .y_decimals = 2 };
	struct svg_drawn drawn;

	if (db_pages_savings_daily(&app->db, req->arena, pages_scope(req), PAGES_SAVINGS_DAYS, &r) < 0) {
		app_db_error(app, res, "pages_savings");
		return;
	}
	x = arena_calloc(req->arena, r.nrows ? r.nrows : 1, sizeof(double));
	y = arena_calloc(req->arena, r.nrows ? r.nrows : 1, sizeof(double));
	v = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < r.nrows; i++) {
		struct json_object *o = json_object_new_object();
		double od = strtod(pages_cell(&r, i, 2), NULL), actual = strtod(pages_cell(&r, i, 3), NULL);
		double saved = strtod(pages_cell(&r, i, 4), NULL);
		char pct[32];
		x[i] = strtod(pages_cell(&r, i, 1), NULL);
		y[i] = saved;
		total += saved;
		od_total += od;
		snprintf(pct, sizeof(pct), "%.1f%%", od > 0 ? 100.0 * saved / od : 0.0);
		json_object_object_add(o, "date", json_util_str(pages_cell(&r, i, 0)));
		json_object_object_add(o, "ondemand_cost", pages_history_money(od));
		json_object_object_add(o, "actual_cost", pages_history_money(actual));
		json_object_object_add(o, "saved", pages_history_money(saved));
		json_object_object_add(o, "saved_amount", json_object_new_double(saved));
		json_object_object_add(o, "percent", json_object_new_string(pct));
		json_object_array_add(list, o);
	}
	svg_line_chart(&svg, &c, x, y, r.nrows, &drawn);
	chart = json_object_new_object();
	json_object_object_add(chart, "title", json_object_new_string(c.title));
	json_object_object_add(chart, "svg", json_object_new_string(svg.buf));
	json_object_object_add(chart, "points", json_object_new_int((int)drawn.points));
	strbuf_release(&svg);
	json_object_object_add(v, "chart", chart);
	json_object_object_add(v, "days", list);
	json_object_object_add(v, "has_days", json_object_new_boolean(r.nrows > 0));
	json_object_object_add(v, "total", pages_history_money(total));
	{
		char pct[32];
		snprintf(pct, sizeof(pct), "%.1f%%", od_total > 0 ? 100.0 * total / od_total : 0.0);
		json_object_object_add(v, "total_percent", json_object_new_string(pct));
	}
	json_object_object_add(v, "nav_savings", json_object_new_boolean(1));
	pages_render(app, req, res, 200, "savings", "Savings", v);
}

void pages_emergencies(struct app *app, struct request *req, struct response *res)
{
	struct db_rows em, ev;
	struct json_object *v, *list;
	int64_t now = time_now_ms() / 1000;

	if (db_pages_emergencies(&app->db, req->arena, pages_scope(req), &em) < 0 ||
	    db_pages_interruptions(&app->db, req->arena, pages_scope(req), PAGES_INTERRUPTIONS, &ev) < 0) {
		app_db_error(app, res, "pages_emergencies");
		return;
	}
	v = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < em.nrows; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "agent_id", json_util_str(pages_cell(&em, i, 0)));
		json_object_object_add(o, "agent_name", json_util_str(pages_cell(&em, i, 1)));
		json_object_object_add(o, "notice", json_util_str(pages_cell(&em, i, 2)));
		pages_add_time(o, "deadline", pages_cell(&em, i, 3), pages_cell(&em, i, 4), now);
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "has_active", json_object_new_boolean(em.nrows > 0));
	json_object_object_add(v, "active", list);
	list = json_object_new_array();
	for (size_t i = 0; i < ev.nrows; i++) {
		struct json_object *o = json_object_new_object();
		const char *fo = pages_cell(&ev, i, 7);
		json_object_object_add(o, "id", json_util_str(pages_cell(&ev, i, 0)));
		json_object_object_add(o, "agent_id", json_util_str(pages_cell(&ev, i, 1)));
		json_object_object_add(o, "agent_name", json_util_str(pages_cell(&ev, i, 2)));
		json_object_object_add(o, "instance_id", json_util_str(pages_cell(&ev, i, 3)));
		json_object_object_add(o, "signal", json_util_str(pages_cell(&ev, i, 4)));
		json_object_object_add(o, "action", json_util_str(pages_cell(&ev, i, 5)));
		json_object_object_add(o, "outcome", json_util_str(pages_cell(&ev, i, 6)));
		if (fo) {
			char buf[32];
			snprintf(buf, sizeof(buf), "%.1f s", strtod(fo, NULL));
			json_object_object_add(o, "failover", json_object_new_string(buf));
		}
		pages_add_time(o, "detected", pages_cell(&ev, i, 8), pages_cell(&ev, i, 9), now);
		json_object_object_add(o, "resolved_at", json_util_str(pages_cell(&ev, i, 10)));
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "has_events", json_object_new_boolean(ev.nrows > 0));
	json_object_object_add(v, "events", list);
	json_object_object_add(v, "nav_emergencies", json_object_new_boolean(1));
	pages_render(app, req, res, 200, "emergencies", "Emergencies", v);
}

void pages_notifications(struct app *app, struct request *req, struct response *res)
{
	struct db_rows r;
	struct json_object *v, *list;
	int64_t now = time_now_ms() / 1000;
	long unread = 0;

	if (db_pages_notifications(&app->db, req->arena, pages_scope(req), &r) < 0) {
		app_db_error(app, res, "pages_notifications");
		return;
	}
	v = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < r.nrows; i++) {
		struct json_object *o = json_object_new_object();
		int read = !strcmp(pages_cell(&r, i, 7), "1");
		unread += !read;
		json_object_object_add(o, "id", json_util_str(pages_cell(&r, i, 0)));
		json_object_object_add(o, "agent_id", json_util_str(pages_cell(&r, i, 1)));
		json_object_object_add(o, "agent_name", json_util_str(pages_cell(&r, i, 2)));
		json_object_object_add(o, "type", json_util_str(pages_cell(&r, i, 3)));
		json_object_object_add(o, "severity", json_util_str(pages_cell(&r, i, 4)));
		json_object_object_add(o, "title", json_util_str(pages_cell(&r, i, 5)));
		json_object_object_add(o, "message", json_util_str(pages_cell(&r, i, 6)));
		json_object_object_add(o, "read", json_object_new_boolean(read));
		pages_add_time(o, "at", pages_cell(&r, i, 8), pages_cell(&r, i, 9), now);
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "unread", json_object_new_int64(unread));
	json_object_object_add(v, "has_notifications", json_object_new_boolean(r.nrows > 0));
	json_object_object_add(v, "notifications", list);
	json_object_object_add(v, "nav_notifications", json_object_new_boolean(1));
	pages_render(app, req, res, 200, "notifications", "Notifications", v);
}

void pages_notification_read(struct app *app, struct request *req, struct response *res)
{
	int found;
	if (!uuid_valid(req->params[0])) {
		pages_error(app, req, res, 404, "There is no such notification.");
		return;
	}
	if (db_pages_notification_read(&app->db, req->arena, pages_scope(req), req->params[0], &found) < 0) {
		app_db_error(app, res, "pages_notification_read");
		return;
	}
	if (!found) {
		pages_error(app, req, res, 404, "There is no such notification.");
		return;
	}
	if (session_wants_json(req)) {
		struct json_object *v = json_object_new_object();
		json_object_object_add(v, "id", json_object_new_string(req->params[0]));
		json_object_object_add(v, "read", json_object_new_boolean(1));
		response_json_take(res, 200, v);
		return;
	}
	response_text(res, 303, "text/plain", "See /notifications\n", 19);
	response_header(res, "Location", "/notifications");
}
