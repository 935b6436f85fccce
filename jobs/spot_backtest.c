/*
 * spot-backtest - replays spot price histories through a decision model
 * (issue 8 item 5; the replay and its definitions are core/backtest.h).
 *
 *   spot-backtest --prices FILE... [--model rules-v1|FILE] [--ondemand FILE]
 *                 [--product DESC] [--json] [--overlap-minutes N]
 *                 [--step-minutes N] [--svg FILE]
 *
 * Prices: the JSON `aws ec2 describe-spot-price-history` prints, or CSV
 * timestamp,availability_zone,instance_type,product_description,spot_price;
 * Linux/UNIX unless --product. On-demand prices from --ondemand (CSV
 * region,instance_type,price), else the instance catalog
 * (sql/instance_types.csv, or $SPOT_CATALOG). No database.
 * Output: a table per instance type and in total, or with --json one object
 * with ondemand_cost, model_cost, cheapest_spot_cost, oracle_cost, switches,
 * exposed_hours (and the details); --svg writes the cumulative costs as a
 * chart. Exit codes: 0 done, 2 bad usage or input.
 */
#include "common/spot_limits.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "core/backtest.h"
#include "core/price_history.h"
#include "fcgi-app/svg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SPOT_DEFAULT_CATALOG
#define SPOT_DEFAULT_CATALOG "sql/instance_types.csv"
#endif

#define SPOT_BACKTEST_MAX_FILES 256

static void spot_backtest_usage(void)
{
	fprintf(stderr, "usage: spot-backtest --prices FILE... [--model rules-v1|FILE] [--ondemand FILE] "
			"[--product DESC] [--json] [--overlap-minutes N] [--step-minutes N] [--svg FILE]\n");
}

static int spot_backtest_number(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double d;
	errno = 0;
	d = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(d) || d < lo || d > hi) {
		fprintf(stderr, "spot-backtest: %s: '%s' is not a number from %g to %g\n", opt, s, lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

/* rules-v1 by name, else a model file. */
static int spot_backtest_model(const char *arg, struct decision_model *m)
{
	struct strbuf sb = STRBUF_INIT;
	char err[512];
	if (!arg || strcmp(arg, "rules-v1") == 0) {
		decision_model_rules_v1(m);
		return 0;
	}
	if (strbuf_read_file(&sb, arg, SPOT_DECISION_MODEL_MAX_BYTES + 1) < 0) {
		fprintf(stderr, "spot-backtest: --model %s: cannot read\n", arg);
		strbuf_release(&sb);
		return -1;
	}
	if (decision_model_parse(sb.buf, m, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-backtest: --model %s: %s\n", arg, err);
		strbuf_release(&sb);
		return -1;
	}
	strbuf_release(&sb);
	return 0;
}

static double spot_backtest_share(double part, double whole)
{
	return whole > 0 ? part / whole * 100.0 : 0.0;
}

static void spot_backtest_table(const struct backtest_result *r, const struct decision_model *m, size_t npools,
				double overlap)
{
	char a[32] = "?", b[32] = "?";
	double od_sav = r->ondemand_cost - r->oracle_cost;

	time_format_rfc3339(r->start_ms, a, sizeof(a));
	time_format_rfc3339(r->end_ms, b, sizeof(b));
	printf("model %s (version %s), %zu pools, %zu instances (one per type and region), %s .. %s, "
	       "%.1f instance-hours, overlap %.0f min per switch\n\n",
	       m->name, m->version, npools, r->ntypes, a, b, r->instance_hours, overlap);
	printf("%-10s %-14s %5s %9s %12s %12s %12s %12s %8s %9s %10s\n", "region", "type", "pools", "od $/h",
	       "always od $", "model $", "cheapest $", "oracle $", "switches", "exposed h", "cheapest h");
	for (size_t i = 0; i < r->ntypes; i++) {
		const struct backtest_type_result *t = &r->types[i];
		printf("%-10s %-14s %5zu %9.4f %12.4f %12.4f %12.4f %12.4f %8ld %9.2f %10.2f\n", t->region,
		       t->instance_type, t->npools, t->ondemand_price, t->ondemand_cost, t->model_cost,
		       t->cheapest_spot_cost, t->oracle_cost, t->switches, t->exposed_hours, t->cheapest_exposed_hours);
	}
	printf("%-10s %-14s %5zu %9s %12.4f %12.4f %12.4f %12.4f %8ld %9.2f %10.2f\n\n", "total", "", npools, "",
	       r->ondemand_cost, r->model_cost, r->cheapest_spot_cost, r->oracle_cost, r->switches, r->exposed_hours,
	       r->cheapest_exposed_hours);
	printf("exposed h: hours in a pool whose price rose above on-demand within the following hour (model; "
	       "cheapest h: the cheapest-pool strategy)\n");
	printf("savings against always on-demand: model %.1f%%, cheapest pool %.1f%%, oracle %.1f%%\n",
	       spot_backtest_share(r->ondemand_cost - r->model_cost, r->ondemand_cost),
	       spot_backtest_share(r->ondemand_cost - r->cheapest_spot_cost, r->ondemand_cost),
	       spot_backtest_share(od_sav, r->ondemand_cost));
	printf("the model keeps %.1f%% of the oracle's savings; %.1f of %.1f instance-hours on spot, %.2f exposed\n",
	       spot_backtest_share(r->ondemand_cost - r->model_cost, od_sav), r->spot_hours, r->instance_hours,
	       r->exposed_hours);
	if (r->skipped_types)
		printf("skipped: %zu instance types without an on-demand price\n", r->skipped_types);
}

static void spot_backtest_json(const struct backtest_result *r, const struct decision_model *m, double overlap)
{
	struct strbuf sb = STRBUF_INIT;
	double od_sav = r->ondemand_cost - r->oracle_cost;

	strbuf_addf(&sb,
		    "{\"ondemand_cost\":%.6f,\"model_cost\":%.6f,\"cheapest_spot_cost\":%.6f,\"oracle_cost\":%.6f,"
		    "\"switches\":%ld,\"exposed_hours\":%.6f,\"cheapest_exposed_hours\":%.6f,\"spot_hours\":%.6f,\"instance_hours\":%.6f,\"overlap_minutes\":%g,"
		    "\"savings_vs_ondemand\":%.6f,\"oracle_share\":%.6f,\"model\":",
		    r->ondemand_cost, r->model_cost, r->cheapest_spot_cost, r->oracle_cost, r->switches,
		    r->exposed_hours, r->cheapest_exposed_hours, r->spot_hours, r->instance_hours, overlap,
		    r->ondemand_cost > 0 ? (r->ondemand_cost - r->model_cost) / r->ondemand_cost : 0.0,
		    od_sav > 0 ? (r->ondemand_cost - r->model_cost) / od_sav : 0.0);
	strbuf_add_json_string(&sb, m->name);
	strbuf_addstr(&sb, ",\"model_version\":");
	strbuf_add_json_string(&sb, m->version);
	strbuf_addstr(&sb, ",\"types\":[");
	for (size_t i = 0; i < r->ntypes; i++) {
		const struct backtest_type_result *t = &r->types[i];
		strbuf_addstr(&sb, i ? ",{\"region\":" : "{\"region\":");
		strbuf_add_json_string(&sb, t->region);
		strbuf_addstr(&sb, ",\"instance_type\":");
		strbuf_add_json_string(&sb, t->instance_type);
		strbuf_addf(&sb,
			    ",\"pools\":%zu,\"ondemand_price\":%.6f,\"ondemand_cost\":%.6f,\"model_cost\":%.6f,"
			    "\"cheapest_spot_cost\":%.6f,\"oracle_cost\":%.6f,\"switches\":%ld,\"exposed_hours\":%.6f,"
			    "\"cheapest_exposed_hours\":%.6f}",
			    t->npools, t->ondemand_price, t->ondemand_cost, t->model_cost, t->cheapest_spot_cost,
			    t->oracle_cost, t->switches, t->exposed_hours, t->cheapest_exposed_hours);
	}
	strbuf_addstr(&sb, "]}\n");
	fputs(sb.buf, stdout);
	strbuf_release(&sb);
}

/* The cumulative cost of each strategy, hour by hour, as an SVG line chart. */
static int spot_backtest_svg(const char *path, const struct backtest_result *r, const struct decision_model *m)
{
	const double *src[4] = { r->hour_ondemand, r->hour_model, r->hour_cheapest, r->hour_oracle };
	const char *labels[4] = { "On-demand", "Model", "Cheapest pool", "Oracle" };
	struct svg_series s[4];
	struct svg_chart c;
	struct strbuf sb = STRBUF_INIT;
	char title[160];
	size_t n = r->nhours + 1;
	double *x = calloc(n, sizeof(double)), *y = calloc(4 * n, sizeof(double));
	FILE *f;
	int rc = -1;

	if (!x || !y)
		goto out;
	for (size_t i = 0; i < n; i++)
		x[i] = (double)(r->start_ms / 1000) + (double)i * 3600.0;
	for (int k = 0; k < 4; k++) {
		for (size_t i = 1; i < n; i++)
			y[k * n + i] = y[k * n + i - 1] + src[k][i - 1];
		memset(&s[k], 0, sizeof(s[k]));
		s[k].label = labels[k];
		s[k].x = x;
		s[k].y = y + k * n;
		s[k].n = n;
	}
	snprintf(title, sizeof(title), "Cumulative fleet cost: %s against on-demand, cheapest pool and oracle", m->name);
	memset(&c, 0, sizeof(c));
	c.id = "backtest";
	c.title = title;
	c.desc = "Cumulative cost in USD of one instance per instance type, hour by hour: always on-demand, the model, always the cheapest pool (free instant switching, blind to risk) and the hindsight oracle under the model's rules.";
	c.x_label = "Time (UTC)";
	c.y_label = "Cumulative cost (USD)";
	c.y_prefix = "$";
	c.y_decimals = 2;
	c.width = 900;
	c.height = 360;
	strbuf_addstr(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	svg_lines_chart(&sb, &c, s, 4, NULL);
	strbuf_addch(&sb, '\n');
	f = fopen(path, "w");
	if (!f)
		goto out;
	if (fwrite(sb.buf, 1, sb.len, f) != sb.len) {
		fclose(f);
		goto out;
	}
	rc = fclose(f) == 0 ? 0 : -1;
out:
	free(x);
	free(y);
	strbuf_release(&sb);
	return rc;
}

int main(int argc, char **argv)
{
	const char *files[SPOT_BACKTEST_MAX_FILES], *model_arg = NULL, *od_file = NULL, *product = NULL,
						       *svg = NULL;
	size_t nfiles = 0, npools, nod;
	double overlap = BACKTEST_OVERLAP_MINUTES_DEFAULT, step_min = BACKTEST_STEP_MS_DEFAULT / 60000.0;
	int json = 0, rc = 2;
	struct price_history h;
	struct price_history_ondemand_list od;
	struct backtest_pool *pools = NULL;
	struct backtest_ondemand *odv = NULL;
	struct decision_model m;
	struct decision_policy pol;
	struct backtest_input in;
	struct backtest_result r;
	char err[1024];

	price_history_init(&h);
	price_history_ondemand_init(&od);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--prices")) {
			if (i + 1 >= argc || !strncmp(argv[i + 1], "--", 2)) {
				fprintf(stderr, "spot-backtest: --prices needs at least one FILE\n");
				goto out;
			}
			while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
				if (nfiles == SPOT_BACKTEST_MAX_FILES) {
					fprintf(stderr, "spot-backtest: --prices: at most %d files\n",
						SPOT_BACKTEST_MAX_FILES);
					goto out;
				}
				files[nfiles++] = argv[++i];
			}
		} else if (!strcmp(a, "--model") && i + 1 < argc) {
			model_arg = argv[++i];
		} else if (!strcmp(a, "--ondemand") && i + 1 < argc) {
			od_file = argv[++i];
		} else if (!strcmp(a, "--product") && i + 1 < argc) {
			product = argv[++i];
		} else if (!strcmp(a, "--svg") && i + 1 < argc) {
			svg = argv[++i];
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--overlap-minutes") && i + 1 < argc) {
			if (spot_backtest_number(a, argv[++i], 0, 1440, &overlap) < 0)
				goto out;
		} else if (!strcmp(a, "--step-minutes") && i + 1 < argc) {
			if (spot_backtest_number(a, argv[++i], 1, 1440, &step_min) < 0)
				goto out;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			spot_backtest_usage();
			rc = 0;
			goto out;
		} else {
			fprintf(stderr, "spot-backtest: unknown or incomplete option '%s'\n", a);
			spot_backtest_usage();
			goto out;
		}
	}
	if (nfiles == 0) {
		spot_backtest_usage();
		goto out;
	}
	if (spot_backtest_model(model_arg, &m) < 0)
		goto out;
	for (size_t i = 0; i < nfiles; i++)
		if (price_history_load_file(&h, files[i], product, err, sizeof(err)) < 0) {
			fprintf(stderr, "spot-backtest: --prices %s\n", err);
			goto out;
		}
	price_history_finish(&h);
	if (!od_file) {
		od_file = getenv("SPOT_CATALOG") ? getenv("SPOT_CATALOG") : SPOT_DEFAULT_CATALOG;
		if (product && strcmp(product, PRICE_HISTORY_DEFAULT_PRODUCT) != 0)
			fprintf(stderr, "spot-backtest: note: the catalog holds Linux on-demand prices; give --ondemand "
					"for '%s'\n", product);
	}
	if (price_history_ondemand_load_file(&od, od_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-backtest: --ondemand %s\n", err);
		goto out;
	}
	pools = calloc(h.nseries ? h.nseries : 1, sizeof(*pools));
	odv = calloc(od.n ? od.n : 1, sizeof(*odv));
	if (!pools || !odv) {
		fprintf(stderr, "spot-backtest: out of memory\n");
		goto out;
	}
	npools = price_history_pools(&h, pools, h.nseries);
	nod = price_history_ondemand_views(&od, odv, od.n);
	if (npools == 0) {
		fprintf(stderr, "spot-backtest: --prices: no record of product '%s' (%zu of other products)\n",
			product ? product : PRICE_HISTORY_DEFAULT_PRODUCT, h.skipped_product);
		goto out;
	}
	decision_policy_default(&pol);
	memset(&in, 0, sizeof(in));
	in.pools = pools;
	in.npools = npools;
	in.ondemand = odv;
	in.nondemand = nod;
	in.model = &m;
	in.policy = &pol;
	in.overlap_minutes = overlap;
	in.step_ms = (int64_t)llround(step_min * 60000.0);
	if (backtest_run(&in, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-backtest: %s\n", err);
		goto out;
	}
	if (json)
		spot_backtest_json(&r, &m, overlap);
	else
		spot_backtest_table(&r, &m, npools, overlap);
	rc = 0;
	if (svg && spot_backtest_svg(svg, &r, &m) < 0) {
		fprintf(stderr, "spot-backtest: --svg %s: cannot write\n", svg);
		rc = 2;
	}
	backtest_result_release(&r);
out:
	free(pools);
	free(odv);
	price_history_release(&h);
	price_history_ondemand_release(&od);
	return rc;
}
