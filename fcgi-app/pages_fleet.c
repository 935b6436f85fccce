/* pages_fleet.c - overview, agents list, agent detail and its config form (see pages.h). */
#include "fcgi-app/pages.h"
#include "common/json_util.h"
#include "fcgi-app/app.h"
#include "fcgi-app/session.h"
#include "fcgi-app/svg.h"
#include "fcgi-app/validate.h"
#include "core/agent_config.h"
#include "core/awsnames.h"
#include "core/switches.h"
#include "core/db_pages.h"
#include "core/db_risk.h"
#include "core/risk.h"
#include "common/arena.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/uuid.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define PAGES_PRICE_DAYS 7
#define PAGES_RECENT_SWITCHES 10
#define PAGES_ALTERNATIVES 3       /* other zones' pools of the same type on the chart */
#define PAGES_AGENT_REPLICAS 10
#define PAGES_AGENT_DECISIONS 5

_Static_assert(1 + PAGES_ALTERNATIVES <= DB_PAGES_HOURLY_POOLS, "one statement reads every charted pool");

static struct json_object *pages_money_obj(double v)
{
	char buf[64];
	pages_money(v, buf, sizeof(buf));
	return json_object_new_string(buf);
}

/* "$0.0416 per hour" style: prices keep 4 decimals, as AWS prints them. */
static struct json_object *pages_price_obj(const char *v)
{
	char buf[64];
	if (!v)
		return NULL;
	snprintf(buf, sizeof(buf), "$%.4f", strtod(v, NULL));
	return json_object_new_string(buf);
}

static const char *pages_mode_word(const char *mode)
{
	if (!mode)
		return "unknown";
	if (!strcmp(mode, "spot"))
		return "Spot";
	if (!strcmp(mode, "ondemand"))
		return "On-demand";
	return "Unknown";
}

void pages_switch_rows(struct json_object *list, const struct db_rows *r, int64_t now)
{
	for (size_t i = 0; i < r->nrows; i++) {
		struct json_object *o = json_object_new_object();
		const char *impact = pages_cell(r, i, 7), *down = pages_cell(r, i, 8);
		json_object_object_add(o, "id", json_util_str(pages_cell(r, i, 0)));
		json_object_object_add(o, "agent_id", json_util_str(pages_cell(r, i, 1)));
		json_object_object_add(o, "agent_name", json_util_str(pages_cell(r, i, 2)));
		json_object_object_add(o, "from_mode", json_object_new_string(pages_mode_word(pages_cell(r, i, 3))));
		json_object_object_add(o, "from_pool", json_util_str(pages_cell(r, i, 4)));
		json_object_object_add(o, "to_mode", json_object_new_string(pages_mode_word(pages_cell(r, i, 5))));
		json_object_object_add(o, "to_pool", json_util_str(pages_cell(r, i, 6)));
		json_object_object_add(o, "savings_per_hour", pages_price_obj(impact));
		json_object_object_add(o, "downtime_seconds", down ? json_object_new_double(strtod(down, NULL)) : NULL);
		if (down) {
			char buf[32];
			snprintf(buf, sizeof(buf), "%.1f s", strtod(down, NULL));
			json_object_object_add(o, "downtime", json_object_new_string(buf));
		}
		json_object_object_add(o, "status", json_util_str(pages_cell(r, i, 9)));
		pages_add_time(o, "at", pages_cell(r, i, 10), pages_cell(r, i, 11), now);
		json_object_array_add(list, o);
	}
}

void pages_overview(struct app *app, struct request *req, struct response *res)
{
	const char *scope = pages_scope(req);
	struct db_rows sv, modes, status, em, sw;
	struct json_object *v, *o, *list;
	int64_t now = time_now_ms() / 1000;
	long spot = 0, ondemand = 0, unknown = 0, online = 0, offline = 0;

	if (db_pages_savings_month(&app->db, req->arena, scope, &sv) < 0 ||
	    db_pages_fleet_modes(&app->db, req->arena, scope, &modes) < 0 ||
	    db_pages_fleet_status(&app->db, req->arena, scope, &status) < 0 ||
	    db_pages_emergencies(&app->db, req->arena, scope, &em) < 0 ||
	    db_pages_switches(&app->db, req->arena, scope, NULL, PAGES_RECENT_SWITCHES, &sw) < 0) {
		app_db_error(app, res, "pages_overview");
		return;
	}
	v = json_object_new_object();
	o = json_object_new_object();
	if (sv.nrows && strtol(pages_cell(&sv, 0, 0), NULL, 10) > 0) {
		double saved = strtod(pages_cell(&sv, 0, 1), NULL), od = strtod(pages_cell(&sv, 0, 2), NULL);
		double actual = strtod(pages_cell(&sv, 0, 3), NULL);
		char pct[32];
		long days = strtol(pages_cell(&sv, 0, 0), NULL, 10);
		json_object_object_add(o, "days", json_object_new_int64(days));
		json_object_object_add(o, "period", json_object_new_string(days == 1 ? "1 day" : arena_printf(req->arena,
											  "%ld days", days)));
		json_object_object_add(o, "saved_amount", json_object_new_double(saved));
		json_object_object_add(o, "saved", pages_money_obj(saved));
		json_object_object_add(o, "ondemand_cost", pages_money_obj(od));
		json_object_object_add(o, "actual_cost", pages_money_obj(actual));
		snprintf(pct, sizeof(pct), "%.1f%%", od > 0 ? 100.0 * saved / od : 0.0);
		{
			/* Projected: the month's savings so far, per elapsed day, times the month's days. */
			int mday, mdays;
			pages_month_days(time_now_ms() / 1000, &mday, &mdays);
			json_object_object_add(o, "projected", pages_money_obj(saved / mday * mdays));
		}
		json_object_object_add(o, "percent", json_object_new_string(pct));
		json_object_object_add(v, "savings", o);
	} else {
		json_object_put(o);
		json_object_object_add(v, "savings", NULL);
	}
	for (size_t i = 0; i < modes.nrows; i++) {
		const char *m = pages_cell(&modes, i, 0);
		long n = strtol(pages_cell(&modes, i, 1), NULL, 10);
		if (!strcmp(m, "spot"))
			spot += n;
		else if (!strcmp(m, "ondemand"))
			ondemand += n;
		else
			unknown += n;
	}
	for (size_t i = 0; i < status.nrows; i++) {
		long n = strtol(pages_cell(&status, i, 1), NULL, 10);
		if (!strcmp(pages_cell(&status, i, 0), "online"))
			online += n;
		else
			offline += n;
	}
	o = json_object_new_object();
	json_object_object_add(o, "spot", json_object_new_int64(spot));
	json_object_object_add(o, "ondemand", json_object_new_int64(ondemand));
	json_object_object_add(o, "unknown", json_object_new_int64(unknown));
	json_object_object_add(o, "online", json_object_new_int64(online));
	json_object_object_add(o, "offline", json_object_new_int64(offline));
	json_object_object_add(o, "total", json_object_new_int64(online + offline));
	json_object_object_add(v, "fleet", o);
	json_object_object_add(v, "empty", json_object_new_boolean(online + offline == 0));
	list = json_object_new_array();
	for (size_t i = 0; i < em.nrows; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "agent_id", json_util_str(pages_cell(&em, i, 0)));
		json_object_object_add(o, "agent_name", json_util_str(pages_cell(&em, i, 1)));
		json_object_object_add(o, "notice", json_util_str(pages_cell(&em, i, 2)));
		pages_add_time(o, "deadline", pages_cell(&em, i, 3), pages_cell(&em, i, 4), now);
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "has_emergencies", json_object_new_boolean(em.nrows > 0));
	json_object_object_add(v, "emergencies", list);
	list = json_object_new_array();
	pages_switch_rows(list, &sw, now);
	json_object_object_add(v, "has_switches", json_object_new_boolean(sw.nrows > 0));
	json_object_object_add(v, "switches", list);
	json_object_object_add(v, "nav_overview", json_object_new_boolean(1));
	pages_render(app, req, res, 200, "overview", "Overview", v);
}

void pages_agents(struct app *app, struct request *req, struct response *res)
{
	struct db_rows r;
	struct json_object *v, *list;
	int64_t now = time_now_ms() / 1000;

	if (db_pages_agents(&app->db, req->arena, pages_scope(req), &r) < 0) {
		app_db_error(app, res, "pages_agents");
		return;
	}
	v = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < r.nrows; i++) {
		struct json_object *o = json_object_new_object();
		const char *st = pages_cell(&r, i, 3);
		json_object_object_add(o, "id", json_util_str(pages_cell(&r, i, 0)));
		json_object_object_add(o, "name", json_util_str(pages_cell(&r, i, 1)));
		json_object_object_add(o, "hostname", json_util_str(pages_cell(&r, i, 2)));
		json_object_object_add(o, "status", json_util_str(st));
		json_object_object_add(o, "online", json_object_new_boolean(st && !strcmp(st, "online")));
		json_object_object_add(o, "mode", json_object_new_string(pages_mode_word(pages_cell(&r, i, 4))));
		json_object_object_add(o, "pool", json_util_str(pages_cell(&r, i, 5)));
		json_object_object_add(o, "instance_type", json_util_str(pages_cell(&r, i, 6)));
		pages_add_time(o, "last_heartbeat", pages_cell(&r, i, 7), pages_cell(&r, i, 8), now);
		json_object_object_add(o, "client_name", json_util_str(pages_cell(&r, i, 9)));
		json_object_object_add(o, "notice", json_util_str(pages_cell(&r, i, 10)));
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "has_agents", json_object_new_boolean(r.nrows > 0));
	json_object_object_add(v, "agents", list);
	json_object_object_add(v, "count", json_object_new_int((int)r.nrows));
	json_object_object_add(v, "show_client", json_object_new_boolean(req->who.kind == PRINCIPAL_ADMIN));
	json_object_object_add(v, "nav_agents", json_object_new_boolean(1));
	pages_render(app, req, res, 200, "agents", "Agents", v);
}

/* What the config form shows: the stored values, or what the user sent when it was refused. */
struct pages_form {
	int auto_switch, auto_terminate, manual_replica;
	const char *wait, *version;
};

/* "$0.0123" into buf. */
static void pages_price_text(double v, char *buf, size_t size)
{
	snprintf(buf, size, "$%.4f", v);
}

/* The word for a pool risk score: below the rebalance threshold low, from the flagged floor high. */
static const char *pages_risk_word(double score)
{
	if (score < RISK_REBALANCE_THRESHOLD)
		return "low";
	if (score < RISK_FLAGGED_FLOOR)
		return "medium";
	return "high";
}

/*
 * chart: the svg of the pool's hourly prices and those of up to PAGES_ALTERNATIVES
 * pools of the same type in the region's other zones, each a labelled series; series[] {label, source,
 * points}; rows[] {hour, cells[] {price}} over every hour of any series (a cell is "no data" where that
 * pool has none). 0, or -1 on a database error.
 */
static int pages_agent_chart(struct app *app, struct request *req, struct json_object *v, const char *pool,
			     const struct db_rows *pools, const char *type, const char *az)
{
	struct db_rows all, h[1 + PAGES_ALTERNATIVES];
	struct svg_series s[1 + PAGES_ALTERNATIVES];
	const char *src[1 + PAGES_ALTERNATIVES], *ids[1 + PAGES_ALTERNATIVES], *source;
	size_t ns = 1, at[1 + PAGES_ALTERNATIVES] = { 0 }, total = 0, first[1 + PAGES_ALTERNATIVES + 1];
	struct json_object *f, *series, *rows;
	struct strbuf svg = STRBUF_INIT;
	struct svg_drawn drawn;
	char *title;

	ids[0] = pool;
	/* The alternatives: the region's other pools (already read for the switch form) of this type in other zones. */
	for (size_t i = 0; type && pools && i < pools->nrows && ns < 1 + PAGES_ALTERNATIVES; i++) {
		const char *t = pages_cell(pools, i, 1), *z = pages_cell(pools, i, 2);
		if (t && z && !strcmp(t, type) && (!az || strcmp(z, az)))
			ids[ns++] = pages_cell(pools, i, 0);
	}
	/* Every pool's hourly points in one statement; rows come by pool index k, then time. */
	if (db_pages_pools_hourly(&app->db, req->arena, ids, ns, PAGES_PRICE_DAYS, &all) < 0)
		return -1;
	for (size_t k = 0, i = 0; k <= ns; k++) {
		while (i < all.nrows && (size_t)strtoul(pages_cell(&all, i, 0), NULL, 10) < k)
			i++;
		first[k] = i;
	}
	for (size_t k = 0; k < ns; k++) {
		/* A view of the shared result: the rows of pool k, columns hour and price after k. */
		h[k] = all;
		h[k].nrows = first[k + 1] - first[k];
		h[k].cells = all.cells + first[k] * all.ncols + 1;
		src[k] = "pricing_consolidated";
		if (!h[k].nrows) {
			/* Nothing consolidated: the raw reports' hourly means, as before consolidation runs. */
			if (db_pages_pool_history(&app->db, req->arena, ids[k], PAGES_PRICE_DAYS, &h[k], &src[k]) < 0)
				return -1;
		}
	}
	source = src[0];
	series = json_object_new_array();
	for (size_t k = 0; k < ns; k++) {
		size_t n = h[k].nrows;
		double *x = arena_calloc(req->arena, n ? n : 1, sizeof(double));
		double *y = arena_calloc(req->arena, n ? n : 1, sizeof(double));
		struct json_object *o = json_object_new_object();
		for (size_t i = 0; i < n; i++) {
			x[i] = strtod(pages_cell(&h[k], i, 0), NULL);
			y[i] = strtod(pages_cell(&h[k], i, 1), NULL);
		}
		s[k] = (struct svg_series){ .label = k ? ids[k] : arena_printf(req->arena, "%s (current)", pool),
					    .x = x, .y = y, .n = n };
		total += n;
		json_object_object_add(o, "pool", json_object_new_string(ids[k]));
		json_object_object_add(o, "current", json_object_new_boolean(k == 0));
		json_object_object_add(o, "source", json_object_new_string(n ? src[k] : "no prices"));
		json_object_object_add(o, "points", json_object_new_int((int)n));
		json_object_array_add(series, o);
	}
	title = arena_printf(req->arena, "Spot price of %s%s over the last %d days", pool,
			     ns > 1 ? " and its alternatives" : "", PAGES_PRICE_DAYS);
	{
		struct svg_chart c = { .id = "price-chart", .title = title,
				       .desc = "Spot price at each hour start of the agent's pool and of the same type in the "
					       "region's other zones; the same figures are in the table below.",
				       .x_label = "Time (UTC)", .y_label = "Price (USD per hour)", .y_prefix = "$",
				       .y_decimals = 4 };
		svg_lines_chart(&svg, &c, s, ns, &drawn);
	}
	for (size_t k = 0; k < ns; k++) {
		struct json_object *o = json_object_array_get_idx(series, k);
		json_object_object_add(o, "pattern", json_object_new_string(k == 0 ? "solid" : k == 1 ? "dashed" :
									     k == 2 ? "dotted" : "dash-dot"));
		if (s[k].points) {
			char lo[32], hi[32];
			pages_price_text(s[k].y_min, lo, sizeof(lo));
			pages_price_text(s[k].y_max, hi, sizeof(hi));
			json_object_object_add(o, "min", json_object_new_string(lo));
			json_object_object_add(o, "max", json_object_new_string(hi));
		}
	}
	/* The table: one row per hour present in any series, oldest first (each series is ascending). */
	rows = json_object_new_array();
	for (;;) {
		double next = 0;
		int have = 0;
		struct json_object *row, *cells;
		char iso[32];
		for (size_t k = 0; k < ns; k++)
			if (at[k] < s[k].n && (!have || s[k].x[at[k]] < next)) {
				next = s[k].x[at[k]];
				have = 1;
			}
		if (!have)
			break;
		row = json_object_new_object();
		cells = json_object_new_array();
		time_format_rfc3339((int64_t)next * 1000, iso, sizeof(iso));
		json_object_object_add(row, "hour", json_object_new_string(iso));
		for (size_t k = 0; k < ns; k++) {
			struct json_object *cell = json_object_new_object();
			if (at[k] < s[k].n && s[k].x[at[k]] == next) {
				char price[32];
				pages_price_text(s[k].y[at[k]], price, sizeof(price));
				json_object_object_add(cell, "text", json_object_new_string(price));
				json_object_object_add(cell, "value", json_object_new_double(s[k].y[at[k]]));
				at[k]++;
			} else {
				/* Every cell says something: a missing key would resolve in an outer context. */
				json_object_object_add(cell, "text", json_object_new_string("no data"));
				json_object_object_add(cell, "value", NULL);
			}
			json_object_array_add(cells, cell);
		}
		json_object_object_add(row, "cells", cells);
		json_object_array_add(rows, row);
	}
	f = json_object_new_object();
	json_object_object_add(f, "title", json_object_new_string(title));
	json_object_object_add(f, "svg", json_object_new_string(svg.buf));
	json_object_object_add(f, "points", json_object_new_int((int)drawn.points));
	json_object_object_add(f, "source", json_util_str(source));
	json_object_object_add(f, "series", series);
	json_object_object_add(f, "has_alternatives", json_object_new_boolean(ns > 1));
	json_object_object_add(f, "rows", rows);
	json_object_object_add(f, "has_rows", json_object_new_boolean(total > 0));
	json_object_object_add(v, "chart", f);
	strbuf_release(&svg);
	return 0;
}

/* risk (pool's score and word), replicas[] and decisions[] of the agent page. 0, or -1 on a database error. */
static int pages_agent_extras(struct app *app, struct request *req, struct json_object *v, const char *id,
			      const char *pool, int auto_switch, int64_t now)
{
	struct db_rows rep, dec;
	struct json_object *list;

	if (pool) {
		struct risk_inputs in;
		struct risk_breakdown b;
		struct json_object *o = json_object_new_object();
		char buf[16];
		if (db_risk_inputs(&app->db, req->arena, pool, &in) < 0) {
			json_object_put(o);
			return -1;
		}
		risk_pool_breakdown(&in, &b);
		snprintf(buf, sizeof(buf), "%.2f", b.score);
		json_object_object_add(o, "score", json_object_new_string(buf));
		json_object_object_add(o, "value", json_object_new_double(b.score));
		json_object_object_add(o, "word", json_object_new_string(pages_risk_word(b.score)));
		json_object_object_add(o, "high", json_object_new_boolean(b.score >= RISK_FLAGGED_FLOOR));
		json_object_object_add(o, "interruptions_7d", json_object_new_int(in.interruptions_7d));
		json_object_object_add(o, "flagged", json_object_new_boolean(in.flagged));
		snprintf(buf, sizeof(buf), "%.2f", b.interruption);
		json_object_object_add(o, "interruption", json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "%.2f", b.age);
		json_object_object_add(o, "age", json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "%.2f", b.volatility);
		json_object_object_add(o, "volatility", json_object_new_string(buf));
		json_object_object_add(v, "risk", o);
	} else {
		json_object_object_add(v, "risk", NULL);
	}

	if (db_pages_agent_replicas(&app->db, req->arena, pages_scope(req), id, PAGES_AGENT_REPLICAS, &rep) < 0)
		return -1;
	list = json_object_new_array();
	for (size_t i = 0; i < rep.nrows; i++) {
		struct json_object *o = json_object_new_object();
		const char *st = pages_cell(&rep, i, 3), *inst = pages_cell(&rep, i, 1);
		char pct[16];
		snprintf(pct, sizeof(pct), "%.0f%%", strtod(pages_cell(&rep, i, 5) ? pages_cell(&rep, i, 5) : "0", NULL));
		json_object_object_add(o, "id", json_util_str(pages_cell(&rep, i, 0)));
		json_object_object_add(o, "instance_id", json_util_str(inst));
		json_object_object_add(o, "type", json_util_str(pages_cell(&rep, i, 2)));
		json_object_object_add(o, "status", json_util_str(st));
		json_object_object_add(o, "pool", json_util_str(pages_cell(&rep, i, 4)));
		json_object_object_add(o, "progress", json_object_new_string(pct));
		json_object_object_add(o, "error_text", json_util_str(pages_cell(&rep, i, 6)));
		pages_add_time(o, "created", pages_cell(&rep, i, 7), pages_cell(&rep, i, 8), now);
		json_object_object_add(o, "ready", json_object_new_boolean(!strcmp(st, "ready")));
		json_object_object_add(o, "can_promote", json_object_new_boolean(!strcmp(st, "ready") && inst));
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "replicas", list);
	json_object_object_add(v, "has_replicas", json_object_new_boolean(rep.nrows > 0));

	if (db_pages_decisions(&app->db, req->arena, pages_scope(req), id, PAGES_AGENT_DECISIONS, &dec) < 0)
		return -1;
	list = json_object_new_array();
	for (size_t i = 0; i < dec.nrows; i++) {
		struct json_object *o = json_object_new_object();
		const char *save = pages_cell(&dec, i, 7), *risk = pages_cell(&dec, i, 8), *conf = pages_cell(&dec, i, 9);
		const char *target = pages_cell(&dec, i, 6);
		char buf[32];
		pages_add_time(o, "at", pages_cell(&dec, i, 0), pages_cell(&dec, i, 1), now);
		json_object_object_add(o, "mode", json_util_str(pages_cell(&dec, i, 2)));
		json_object_object_add(o, "decision", json_util_str(pages_cell(&dec, i, 3)));
		json_object_object_add(o, "from_pool", json_util_str(pages_cell(&dec, i, 4)));
		/* Every key is set (a missing one would resolve in an outer context, e.g. the page's risk). */
		if (target)
			json_object_object_add(o, "target", json_util_str(target));
		else
			json_object_object_add(o, "target", json_object_new_string(
				pages_cell(&dec, i, 5) ? pages_mode_word(pages_cell(&dec, i, 5)) : "stay where it is"));
		if (save)
			pages_price_text(strtod(save, NULL), buf, sizeof(buf));
		else
			snprintf(buf, sizeof(buf), "not given");
		json_object_object_add(o, "savings", json_object_new_string(buf));
		if (risk) {
			double rv = strtod(risk, NULL);
			snprintf(buf, sizeof(buf), "%.2f (%s)", rv, pages_risk_word(rv));
		} else {
			snprintf(buf, sizeof(buf), "not given");
		}
		json_object_object_add(o, "risk_text", json_object_new_string(buf));
		if (conf)
			snprintf(buf, sizeof(buf), "%.0f%%", strtod(conf, NULL) * 100.0);
		else
			snprintf(buf, sizeof(buf), "not given");
		json_object_object_add(o, "confidence", json_object_new_string(buf));
		json_object_object_add(o, "reason", json_object_new_string(pages_cell(&dec, i, 10) ? pages_cell(&dec, i, 10) : ""));
		json_object_object_add(o, "executed", json_object_new_boolean(!strcmp(pages_cell(&dec, i, 11), "1")));
		json_object_object_add(o, "suppressed",
				       json_object_new_string(pages_cell(&dec, i, 12) ? pages_cell(&dec, i, 12) : ""));
		json_object_object_add(o, "has_suppressed", json_object_new_boolean(pages_cell(&dec, i, 12) &&
										     *pages_cell(&dec, i, 12)));
		json_object_object_add(o, "model", json_util_str(pages_cell(&dec, i, 13)));
		json_object_object_add(o, "is_switch", json_object_new_boolean(!strcmp(pages_cell(&dec, i, 3), "switch")));
		json_object_object_add(o, "savings_per_hour", save ? json_object_new_double(strtod(save, NULL)) : NULL);
		json_object_array_add(list, o);
	}
	json_object_object_add(v, "decisions", list);
	json_object_object_add(v, "has_decisions", json_object_new_boolean(dec.nrows > 0));
	/*
	 * For an agent without auto-switch the decisions are recommendations: say what auto-switch would have
	 * done now (the latest one) and what it would save per hour and per month (730 hours).
	 */
	{
		struct json_object *w = json_object_new_object();
		const char *save = dec.nrows ? pages_cell(&dec, 0, 7) : NULL;
		int sw = dec.nrows && !strcmp(pages_cell(&dec, 0, 3), "switch");
		double per_h = save ? strtod(save, NULL) : 0.0;
		char buf[32];
		json_object_object_add(w, "auto_switch", json_object_new_boolean(auto_switch));
		json_object_object_add(w, "has_latest", json_object_new_boolean(dec.nrows > 0));
		json_object_object_add(w, "would_switch", json_object_new_boolean(sw));
		json_object_object_add(w, "target", dec.nrows ? json_object_get(json_object_object_get(
							json_object_array_get_idx(list, 0), "target")) : NULL);
		json_object_object_add(w, "model", json_util_str(dec.nrows ? pages_cell(&dec, 0, 13) : NULL));
		pages_price_text(per_h, buf, sizeof(buf));
		json_object_object_add(w, "per_hour", json_object_new_string(buf));
		pages_money(per_h * 730.0, buf, sizeof(buf));
		json_object_object_add(w, "per_month", json_object_new_string(buf));
		json_object_object_add(w, "saves", json_object_new_boolean(sw && per_h > 0));
		json_object_object_add(v, "would", w);
	}
	return 0;
}

/*
 * The agent page's view model, or NULL with the response written (404 for
 * an absent or foreign agent, a database error). form NULL: the stored config.
 */
static struct json_object *pages_agent_view(struct app *app, struct request *req, struct response *res,
					     const char *id, const struct pages_form *form)
{
	struct db_rows r, pools;
	struct json_object *v, *a, *f;
	int64_t now = time_now_ms() / 1000;
	const char *pool, *region;

	if (!uuid_valid(id)) {
		pages_error(app, req, res, 404, "There is no such agent.");
		return NULL;
	}
	if (db_pages_agent(&app->db, req->arena, pages_scope(req), id, &r) < 0) {
		app_db_error(app, res, "pages_agent");
		return NULL;
	}
	if (!r.nrows) {
		pages_error(app, req, res, 404, "There is no such agent.");
		return NULL;
	}
	pool = pages_cell(&r, 0, 7);
	region = pages_cell(&r, 0, 10);
	/* The region's other pools: the switch form's targets and the chart's alternatives. */
	pools.nrows = 0;
	if (region && db_pages_pools(&app->db, req->arena, region, pages_cell(&r, 0, 9), pool, &pools) < 0) {
		app_db_error(app, res, "pages_agent");
		return NULL;
	}
	v = json_object_new_object();
	a = json_object_new_object();
	json_object_object_add(a, "id", json_util_str(pages_cell(&r, 0, 0)));
	json_object_object_add(a, "client_id", json_util_str(pages_cell(&r, 0, 1)));
	json_object_object_add(a, "client_name", json_util_str(pages_cell(&r, 0, 2)));
	json_object_object_add(a, "name", json_util_str(pages_cell(&r, 0, 3)));
	json_object_object_add(a, "hostname", json_util_str(pages_cell(&r, 0, 4)));
	json_object_object_add(a, "status", json_util_str(pages_cell(&r, 0, 5)));
	json_object_object_add(a, "online", json_object_new_boolean(!strcmp(pages_cell(&r, 0, 5), "online")));
	json_object_object_add(a, "mode", json_object_new_string(pages_mode_word(pages_cell(&r, 0, 6))));
	json_object_object_add(a, "pool", json_util_str(pool));
	json_object_object_add(a, "instance_id", json_util_str(pages_cell(&r, 0, 8)));
	json_object_object_add(a, "instance_type", json_util_str(pages_cell(&r, 0, 9)));
	json_object_object_add(a, "region", json_util_str(pages_cell(&r, 0, 10)));
	json_object_object_add(a, "az", json_util_str(pages_cell(&r, 0, 11)));
	pages_add_time(a, "last_heartbeat", pages_cell(&r, 0, 12), pages_cell(&r, 0, 13), now);
	json_object_object_add(a, "auto_switch_enabled", json_object_new_boolean(!strcmp(pages_cell(&r, 0, 14), "1")));
	json_object_object_add(a, "auto_terminate_enabled",
			       json_object_new_boolean(!strcmp(pages_cell(&r, 0, 15), "1")));
	json_object_object_add(a, "manual_replica_enabled",
			       json_object_new_boolean(!strcmp(pages_cell(&r, 0, 16), "1")));
	json_object_object_add(a, "terminate_wait_seconds", json_object_new_int(atoi(pages_cell(&r, 0, 17))));
	json_object_object_add(a, "config_version", json_object_new_int(atoi(pages_cell(&r, 0, 18))));
	json_object_object_add(a, "version", json_object_new_int(atoi(pages_cell(&r, 0, 19))));
	json_object_object_add(a, "notice", json_util_str(pages_cell(&r, 0, 20)));
	json_object_object_add(a, "under_notice", json_object_new_boolean(strcmp(pages_cell(&r, 0, 20), "none")));
	json_object_object_add(a, "notice_deadline", json_util_str(pages_cell(&r, 0, 21)));
	json_object_object_add(a, "agent_version", json_util_str(pages_cell(&r, 0, 22)));
	json_object_object_add(v, "agent", a);

	/* Prices: the primary instance's, else the pool's latest report (columns 23-26 of db_pages_agent). */
	f = json_object_new_object();
	if (pages_cell(&r, 0, 23))
		json_object_object_add(f, "spot", pages_price_obj(pages_cell(&r, 0, 23)));
	else if (pool && pages_cell(&r, 0, 25))
		json_object_object_add(f, "spot", pages_price_obj(pages_cell(&r, 0, 25)));
	if (pages_cell(&r, 0, 24))
		json_object_object_add(f, "ondemand", pages_price_obj(pages_cell(&r, 0, 24)));
	if (pool && pages_cell(&r, 0, 26))
		json_object_object_add(f, "observed_at", json_util_str(pages_cell(&r, 0, 26)));
	json_object_object_add(v, "price", f);

	/* The 7-day chart of the pool and its alternatives, and the figures. */
	if (pool) {
		if (pages_agent_chart(app, req, v, pool, region ? &pools : NULL, pages_cell(&r, 0, 9),
				      pages_cell(&r, 0, 11)) < 0) {
			json_object_put(v);
			app_db_error(app, res, "pages_agent");
			return NULL;
		}
	} else {
		json_object_object_add(v, "chart", NULL);
	}
	if (pages_agent_extras(app, req, v, id, pool, !strcmp(pages_cell(&r, 0, 14), "1"), now) < 0) {
		json_object_put(v);
		app_db_error(app, res, "pages_agent");
		return NULL;
	}

	/* The form: stored values, or what was sent. */
	f = json_object_new_object();
	if (form) {
		json_object_object_add(f, "auto_switch", json_object_new_boolean(form->auto_switch));
		json_object_object_add(f, "auto_terminate", json_object_new_boolean(form->auto_terminate));
		json_object_object_add(f, "manual_replica", json_object_new_boolean(form->manual_replica));
		json_object_object_add(f, "terminate_wait_seconds", json_util_str(form->wait ? form->wait : ""));
		json_object_object_add(f, "version", json_util_str(form->version ? form->version : ""));
	} else {
		json_object_object_add(f, "auto_switch", json_object_new_boolean(!strcmp(pages_cell(&r, 0, 14), "1")));
		json_object_object_add(f, "auto_terminate", json_object_new_boolean(!strcmp(pages_cell(&r, 0, 15), "1")));
		json_object_object_add(f, "manual_replica", json_object_new_boolean(!strcmp(pages_cell(&r, 0, 16), "1")));
		json_object_object_add(f, "terminate_wait_seconds", json_util_str(pages_cell(&r, 0, 17)));
		json_object_object_add(f, "version", json_util_str(pages_cell(&r, 0, 19)));
	}
	json_object_object_add(v, "form", f);
	{
		/* The manual switch form's targets: on-demand in place, or another spot pool of the region. */
		struct json_object *list = json_object_new_array();
		for (size_t i = 0; region && i < pools.nrows; i++)
			json_object_array_add(list, json_object_new_string(pages_cell(&pools, i, 0)));
		json_object_object_add(v, "pools", list);
		json_object_object_add(v, "can_switch", json_object_new_boolean(pool != NULL));
	}
	{
		struct db_rows sw;
		struct json_object *list = json_object_new_array();
		if (db_pages_switches(&app->db, req->arena, pages_scope(req), id, PAGES_RECENT_SWITCHES, &sw) < 0) {
			json_object_put(list);
			json_object_put(v);
			app_db_error(app, res, "pages_agent");
			return NULL;
		}
		pages_switch_rows(list, &sw, now);
		json_object_object_add(v, "has_switches", json_object_new_boolean(sw.nrows > 0));
		json_object_object_add(v, "switches", list);
	}
	json_object_object_add(v, "nav_agents", json_object_new_boolean(1));
	json_object_object_add(v, "errors", json_object_new_array());
	json_object_object_add(v, "error", json_object_new_object());
	return v;
}

void pages_agent(struct app *app, struct request *req, struct response *res)
{
	struct json_object *v = pages_agent_view(app, req, res, req->params[0], NULL), *a;
	const char *name = "Agent";
	if (!v)
		return;
	if (json_object_object_get_ex(v, "agent", &a) && json_object_object_get_ex(a, "name", &a))
		name = arena_printf(req->arena, "Agent %s", json_object_get_string(a));
	if (request_query(req, "saved"))
		json_object_object_add(v, "saved", json_object_new_boolean(1));
	if (request_query(req, "switch"))
		json_object_object_add(v, "switch_requested", json_object_new_boolean(1));
	if (request_query(req, "promoted"))
		json_object_object_add(v, "promoted", json_object_new_boolean(1));
	pages_render(app, req, res, 200, "agent", name, v);
}

void pages_agent_promote_refused(struct app *app, struct request *req, struct response *res, const char *agent_id,
				 const char *replica_id, const char *message)
{
	struct json_object *v = pages_agent_view(app, req, res, agent_id, NULL), *list, *errors, *e, *by;
	const char *field = arena_printf(req->arena, "promote-%s", replica_id);
	if (!v)
		return;
	if (json_object_object_get_ex(v, "replicas", &list))
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *o = json_object_array_get_idx(list, i), *rid;
			if (json_object_object_get_ex(o, "id", &rid) && !strcmp(json_object_get_string(rid), replica_id))
				json_object_object_add(o, "refusal", json_object_new_string(message));
		}
	errors = json_object_new_array();
	e = json_object_new_object();
	json_object_object_add(e, "field", json_object_new_string(field));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_array_add(errors, e);
	by = json_object_new_object();
	json_object_object_add(by, field, json_object_new_string(message));
	json_object_object_add(v, "errors", errors);
	json_object_object_add(v, "error", by);
	json_object_object_add(v, "has_errors", json_object_new_boolean(1));
	pages_render(app, req, res, 409, "agent", "Replica not promoted", v);
}

/* Reads a whole number in [min, max]; 0 or -1. */
static int pages_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;
	if (!s || !*s)
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Which toggle a refusal message is about, for the error summary's link. */
static const char *pages_config_field(const char *message)
{
	if (!strncmp(message, "Turn off manual replica", 23))
		return "manual_replica";
	if (!strncmp(message, "Turn off auto-terminate", 23))
		return "auto_terminate";
	return "auto_switch";
}

static void pages_agent_refused(struct app *app, struct request *req, struct response *res, int status,
			 const void *form_, const char *field, const char *message, const char *title);

static void pages_config_refused(struct app *app, struct request *req, struct response *res, int status,
				 const struct pages_form *form, const char *field, const char *message)
{
	pages_agent_refused(app, req, res, status, form, field, message, "Agent settings not saved");
}

static void pages_agent_refused(struct app *app, struct request *req, struct response *res, int status,
			 const void *form_, const char *field, const char *message, const char *title)
{
	const struct pages_form *form = form_;
	struct json_object *v = pages_agent_view(app, req, res, req->params[0], form), *errors, *e, *by;
	if (!v)
		return;
	errors = json_object_new_array();
	e = json_object_new_object();
	json_object_object_add(e, "field", json_object_new_string(field));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_array_add(errors, e);
	by = json_object_new_object();
	json_object_object_add(by, field, json_object_new_string(message));
	json_object_object_add(v, "errors", errors);
	json_object_object_add(v, "error", by);
	json_object_object_add(v, "has_errors", json_object_new_boolean(1));
	if (session_wants_json(req)) {
		/* The JSON twin of a refusal is the error shape of DESIGN.md section 5. */
		json_object_put(v);
		response_error(res, status, status == 409 ? "conflict" : "validation_failed", message, field);
		return;
	}
	pages_render(app, req, res, status, "agent", title, v);
}

void pages_agent_config(struct app *app, struct request *req, struct response *res)
{
	struct request_error ferr;
	struct pages_form form;
	struct agent_config want, out;
	struct actor who;
	const char *message;
	long wait, version;
	enum core_result rc;

	if (app_form(app, req, &ferr) < 0) {
		pages_error(app, req, res, ferr.status, ferr.message);
		return;
	}
	if (!uuid_valid(req->params[0])) {
		pages_error(app, req, res, 404, "There is no such agent.");
		return;
	}
	form.auto_switch = app_form_get(app, "auto_switch_enabled") != NULL;
	form.auto_terminate = app_form_get(app, "auto_terminate_enabled") != NULL;
	form.manual_replica = app_form_get(app, "manual_replica_enabled") != NULL;
	form.wait = app_form_get(app, "terminate_wait_seconds");
	form.version = app_form_get(app, "version");
	if (pages_long(form.version, 1, 2147483647L, &version) < 0) {
		pages_error(app, req, res, 400, "The form is missing the agent's version; reload the page.");
		return;
	}
	if (pages_long(form.wait, 0, AGENT_CONFIG_MAX_WAIT_S, &wait) < 0) {
		pages_config_refused(app, req, res, 400, &form, "terminate_wait_seconds",
				     "Enter the wait before terminating as a whole number of seconds from 0 to 86400");
		return;
	}
	memset(&want, 0, sizeof(want));
	want.auto_switch = form.auto_switch;
	want.auto_terminate = form.auto_terminate;
	want.manual_replica = form.manual_replica;
	want.terminate_wait_seconds = wait;
	app_actor(req, &who);
	rc = agent_config_update(&app->db, req->arena, req->params[0], pages_scope(req), &want, version, &who, &out,
				 &message);
	switch (rc) {
	case CORE_OK:
		if (session_wants_json(req)) {
			struct json_object *v = json_object_new_object();
			json_object_object_add(v, "version", json_object_new_int64(out.version));
			json_object_object_add(v, "config_version", json_object_new_int64(out.config_version));
			response_json_take(res, 200, v);
			return;
		}
		response_text(res, 303, "text/plain", "Saved\n", 6);
		response_header(res, "Location", arena_printf(req->arena, "/agents/%s?saved=1", req->params[0]));
		return;
	case CORE_NOT_FOUND:
		pages_error(app, req, res, 404, "There is no such agent.");
		return;
	case CORE_CONFLICT:
		pages_config_refused(app, req, res, 409, &form, "auto_switch",
				     message ? message : "This agent's settings changed meanwhile; review and submit again.");
		return;
	case CORE_INVALID:
		pages_config_refused(app, req, res, 409, &form, pages_config_field(message), message);
		return;
	default:
		app_db_error(app, res, "pages_agent_config");
		return;
	}
}

void pages_api_agent_config(struct app *app, struct request *req, struct response *res)
{
	static const struct vfield fields[] = {
		{ "version", V_INT, 1, 1, 2147483647LL, NULL },
		{ "auto_switch_enabled", V_BOOL, 0, 0, 0, NULL },
		{ "auto_terminate_enabled", V_BOOL, 0, 0, 0, NULL },
		{ "manual_replica_enabled", V_BOOL, 0, 0, 0, NULL },
		{ "terminate_wait_seconds", V_INT, 0, 0, AGENT_CONFIG_MAX_WAIT_S, NULL },
	};
	struct vresult vr;
	struct db_rows r;
	struct agent_config want, out;
	struct actor who;
	const char *message, *id = req->params[0];
	enum core_result rc;
	struct json_object *v;

	if (!uuid_valid(id)) {
		response_error(res, 404, "not_found", "no such agent", NULL);
		return;
	}
	if (db_pages_agent(&app->db, req->arena, req->who.client_id, id, &r) < 0) {
		app_db_error(app, res, "pages_api_agent_config");
		return;
	}
	if (!r.nrows) {
		response_error(res, 404, "not_found", "no such agent", NULL);
		return;
	}
	if (app_body(req, res, fields, sizeof(fields) / sizeof(fields[0]), 0, &vr) < 0)
		return;
	want.auto_switch = vr.present[1] ? vr.b[1] : !strcmp(pages_cell(&r, 0, 14), "1");
	want.auto_terminate = vr.present[2] ? vr.b[2] : !strcmp(pages_cell(&r, 0, 15), "1");
	want.manual_replica = vr.present[3] ? vr.b[3] : !strcmp(pages_cell(&r, 0, 16), "1");
	want.terminate_wait_seconds = vr.present[4] ? (long)vr.i[4] : strtol(pages_cell(&r, 0, 17), NULL, 10);
	app_actor(req, &who);
	rc = agent_config_update(&app->db, req->arena, id, req->who.client_id, &want, (long)vr.i[0], &who, &out,
				 &message);
	switch (rc) {
	case CORE_OK:
		v = json_object_new_object();
		json_object_object_add(v, "agent_id", json_object_new_string(id));
		json_object_object_add(v, "auto_switch_enabled", json_object_new_boolean(out.auto_switch));
		json_object_object_add(v, "auto_terminate_enabled", json_object_new_boolean(out.auto_terminate));
		json_object_object_add(v, "manual_replica_enabled", json_object_new_boolean(out.manual_replica));
		json_object_object_add(v, "terminate_wait_seconds", json_object_new_int64(out.terminate_wait_seconds));
		json_object_object_add(v, "config_version", json_object_new_int64(out.config_version));
		json_object_object_add(v, "version", json_object_new_int64(out.version));
		response_json_take(res, 200, v);
		return;
	case CORE_NOT_FOUND:
		response_error(res, 404, "not_found", "no such agent", NULL);
		return;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict", message ? message : "the agent changed meanwhile", "version");
		return;
	case CORE_INVALID:
		response_error(res, 409, "conflict", message,
			       arena_printf(req->arena, "%s_enabled", pages_config_field(message)));
		return;
	default:
		app_db_error(app, res, "pages_api_agent_config");
		return;
	}
}

void pages_instances(struct app *app, struct request *req, struct response *res)
{
	static const char *const filters[] = { "active", "terminated", "all" };
	const char *which = request_query(req, "status");
	struct db_rows r;
	struct json_object *v, *list, *opts;
	int64_t now = time_now_ms() / 1000;
	size_t k;

	if (!which)
		which = "active";
	for (k = 0; k < 3 && strcmp(which, filters[k]); k++)
		;
	if (k == 3) {
		pages_error(app, req, res, 400, "status must be active, terminated or all");
		return;
	}
	if (db_pages_instances(&app->db, req->arena, pages_scope(req), which, &r) < 0) {
		app_db_error(app, res, "pages_instances");
		return;
	}
	v = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < r.nrows; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_util_str(pages_cell(&r, i, 0)));
		json_object_object_add(o, "agent_id", json_util_str(pages_cell(&r, i, 1)));
		json_object_object_add(o, "agent_name", json_util_str(pages_cell(&r, i, 2)));
		json_object_object_add(o, "role", json_util_str(pages_cell(&r, i, 3)));
		json_object_object_add(o, "instance_type", json_util_str(pages_cell(&r, i, 4)));
		json_object_object_add(o, "az", json_util_str(pages_cell(&r, i, 5)));
		json_object_object_add(o, "mode", json_object_new_string(pages_mode_word(pages_cell(&r, i, 6))));
		json_object_object_add(o, "pool", json_util_str(pages_cell(&r, i, 7)));
		json_object_object_add(o, "spot_price", pages_price_obj(pages_cell(&r, i, 8)));
		json_object_object_add(o, "ondemand_price", pages_price_obj(pages_cell(&r, i, 9)));
		pages_add_time(o, "last_heartbeat", pages_cell(&r, i, 10), pages_cell(&r, i, 11), now);
		json_object_object_add(o, "terminated_at", json_util_str(pages_cell(&r, i, 12)));
		json_object_array_add(list, o);
	}
	opts = json_object_new_array();
	for (k = 0; k < 3; k++) {
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "value", json_object_new_string(filters[k]));
		json_object_object_add(e, "selected", json_object_new_boolean(!strcmp(filters[k], which)));
		json_object_array_add(opts, e);
	}
	json_object_object_add(v, "status", json_object_new_string(which));
	json_object_object_add(v, "status_options", opts);
	json_object_object_add(v, "count", json_object_new_int((int)r.nrows));
	json_object_object_add(v, "has_instances", json_object_new_boolean(r.nrows > 0));
	json_object_object_add(v, "instances", list);
	json_object_object_add(v, "nav_instances", json_object_new_boolean(1));
	pages_render(app, req, res, 200, "instances", "Instances", v);
}

void pages_agent_switch(struct app *app, struct request *req, struct response *res)
{
	struct request_error ferr;
	struct db_rows r;
	struct switch_request in;
	struct switch_refusal why;
	struct actor who;
	char command_id[UUID_STR_LEN + 1];
	const char *target, *pool, *dot;

	if (app_form(app, req, &ferr) < 0) {
		pages_error(app, req, res, ferr.status, ferr.message);
		return;
	}
	if (!uuid_valid(req->params[0])) {
		pages_error(app, req, res, 404, "There is no such agent.");
		return;
	}
	if (db_pages_agent(&app->db, req->arena, pages_scope(req), req->params[0], &r) < 0) {
		app_db_error(app, res, "pages_agent_switch");
		return;
	}
	if (!r.nrows) {
		pages_error(app, req, res, 404, "There is no such agent.");
		return;
	}
	target = app_form_get(app, "target");
	memset(&in, 0, sizeof(in));
	in.client_id = pages_cell(&r, 0, 1);
	in.agent_id = req->params[0];
	if (target && !strcmp(target, "ondemand")) {
		pool = pages_cell(&r, 0, 7);
		in.target_mode = "ondemand";
	} else {
		pool = target;
		in.target_mode = "spot";
	}
	dot = pool ? strrchr(pool, '.') : NULL;
	if (!pool || !dot || dot == pool || !dot[1] || strlen(pool) > AWS_POOL_ID_MAX) {
		pages_agent_refused(app, req, res, 400, NULL, "target", "Choose where to switch this agent to",
				    "Switch not requested");
		return;
	}
	in.target_pool_id = pool;
	in.target_type = arena_strndup(req->arena, pool, (size_t)(dot - pool));
	in.target_az = dot + 1;
	if (!aws_instance_type_valid(in.target_type) || strlen(in.target_az) > 32) {
		pages_agent_refused(app, req, res, 400, NULL, "target", "Choose a pool from the list",
				    "Switch not requested");
		return;
	}
	app_actor(req, &who);
	switch (switches_request(&app->db, req->arena, &in, &who, command_id, &why)) {
	case CORE_OK:
	case CORE_CREATED:
		if (session_wants_json(req)) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "command_id", json_object_new_string(command_id));
			json_object_object_add(o, "status", json_object_new_string("pending"));
			response_json_take(res, 202, o);
			return;
		}
		response_text(res, 303, "text/plain", "Requested\n", 10);
		response_header(res, "Location", arena_printf(req->arena, "/agents/%s?switch=requested", req->params[0]));
		return;
	case CORE_NOT_FOUND:
		pages_error(app, req, res, 404, "There is no such agent.");
		return;
	case CORE_INVALID:
	case CORE_CONFLICT:
		pages_agent_refused(app, req, res, 409, NULL, "target", why.message ? why.message : "This switch is not possible now",
				    "Switch not requested");
		return;
	default:
		app_db_error(app, res, "pages_agent_switch");
		return;
	}
}
