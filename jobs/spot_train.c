/*
 * spot-train - trains the learned decision model (issue 8 item 3): a
 * logistic regression over the DF_* features of core/decision.h predicting
 * that a pool's price is above its on-demand price at some time within the
 * next hour (the old spot markets' reclaim signal; the label of
 * backtest_dataset()), from the same price histories spot-backtest replays.
 *
 *   spot-train --prices FILE... [--ondemand FILE] [--product DESC] [--out FILE]
 *              [--name NAME] [--version V] [--features a,b,...] [--iterations N]
 *              [--rate R] [--l2 L] [--test-share S] [--step-minutes N]
 *              [--band-low P] [--band-high P] [--band-high-savings S]
 *
 * Deterministic: the rows come in time order; the first (1 - S) of the time
 * span trains, the rest is held out (a time split: no future leaks into
 * training); features are standardised with the training mean and standard
 * deviation (a feature constant in training is dropped); plain batch gradient
 * descent from zero weights with L2 on the coefficients (not the intercept)
 * and class weights that balance the two labels (the label is rare), for a
 * fixed number of iterations. No randomness, so no seed. Reports AUC on the
 * held-out rows and writes the model file (format in core/decision_model.c)
 * with its features, coefficients, mean/scale, bands and metrics.
 * Exit codes: 0 written, 1 the data cannot train a model (a class empty),
 * 2 bad usage or input.
 */
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "core/backtest.h"
#include "core/price_history.h"

#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SPOT_DEFAULT_CATALOG
#define SPOT_DEFAULT_CATALOG "sql/instance_types.csv"
#endif

#define SPOT_TRAIN_MAX_FILES 256
#define SPOT_TRAIN_MAX_REGIONS 64

struct spot_train_opts {
	const char *files[SPOT_TRAIN_MAX_FILES];
	size_t nfiles;
	const char *od_file, *product, *out, *name, *version, *features;
	double iterations, rate, l2, test_share, step_min, band_low, band_high, band_high_savings;
};

static void spot_train_usage(void)
{
	fprintf(stderr, "usage: spot-train --prices FILE... [--ondemand FILE] [--product DESC] [--out FILE] "
			"[--name NAME] [--version V] [--features a,b,...] [--iterations N] [--rate R] [--l2 L] "
			"[--test-share S] [--step-minutes N] [--band-low P] [--band-high P] [--band-high-savings S]\n");
}

static int spot_train_number(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double d;
	errno = 0;
	d = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(d) || d < lo || d > hi) {
		fprintf(stderr, "spot-train: %s: '%s' is not a number from %g to %g\n", opt, s, lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

static int spot_train_args(int argc, char **argv, struct spot_train_opts *o)
{
	static const struct {
		const char *opt;
		size_t off;
		double lo, hi;
	} nums[] = {
		{ "--iterations", offsetof(struct spot_train_opts, iterations), 1, 1e6 },
		{ "--rate", offsetof(struct spot_train_opts, rate), 1e-6, 100 },
		{ "--l2", offsetof(struct spot_train_opts, l2), 0, 100 },
		{ "--test-share", offsetof(struct spot_train_opts, test_share), 0.05, 0.95 },
		{ "--step-minutes", offsetof(struct spot_train_opts, step_min), 1, 1440 },
		{ "--band-low", offsetof(struct spot_train_opts, band_low), 0, 1 },
		{ "--band-high", offsetof(struct spot_train_opts, band_high), 0, 1 },
		{ "--band-high-savings", offsetof(struct spot_train_opts, band_high_savings), 0, 1 },
	};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int done = 0;
		if (!strcmp(a, "--prices")) {
			if (i + 1 >= argc || !strncmp(argv[i + 1], "--", 2)) {
				fprintf(stderr, "spot-train: --prices needs at least one FILE\n");
				return -1;
			}
			while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
				if (o->nfiles == SPOT_TRAIN_MAX_FILES) {
					fprintf(stderr, "spot-train: --prices: at most %d files\n", SPOT_TRAIN_MAX_FILES);
					return -1;
				}
				o->files[o->nfiles++] = argv[++i];
			}
			continue;
		}
		if (i + 1 < argc) {
			const char **dst = !strcmp(a, "--ondemand") ? &o->od_file
					   : !strcmp(a, "--product") ? &o->product
					   : !strcmp(a, "--out")     ? &o->out
					   : !strcmp(a, "--name")    ? &o->name
					   : !strcmp(a, "--version") ? &o->version
					   : !strcmp(a, "--features") ? &o->features
								      : NULL;
			if (dst) {
				*dst = argv[++i];
				continue;
			}
			for (size_t k = 0; k < sizeof(nums) / sizeof(nums[0]); k++)
				if (!strcmp(a, nums[k].opt)) {
					if (spot_train_number(a, argv[++i], nums[k].lo, nums[k].hi,
							      (double *)((char *)o + nums[k].off)) < 0)
						return -1;
					done = 1;
					break;
				}
			if (done)
				continue;
		}
		fprintf(stderr, "spot-train: unknown or incomplete option '%s'\n", a);
		spot_train_usage();
		return -1;
	}
	if (o->nfiles == 0) {
		spot_train_usage();
		return -1;
	}
	if (o->band_low > o->band_high) {
		fprintf(stderr, "spot-train: --band-low must not exceed --band-high\n");
		return -1;
	}
	return 0;
}

/* The requested features (all but DF_BUCKET by default), as DF_* indexes. */
static int spot_train_features(const char *list, int *feat)
{
	int n = 0;
	if (!list) {
		for (int f = 0; f < DF_COUNT; f++)
			if (f != DF_BUCKET)
				feat[n++] = f;
		return n;
	}
	while (*list) {
		char name[64];
		const char *c = strchr(list, ',');
		size_t len = c ? (size_t)(c - list) : strlen(list);
		int idx;
		if (len == 0 || len >= sizeof(name)) {
			fprintf(stderr, "spot-train: --features: empty or too long name\n");
			return -1;
		}
		memcpy(name, list, len);
		name[len] = '\0';
		idx = decision_feature_index(name);
		if (idx < 0) {
			fprintf(stderr, "spot-train: --features: unknown feature '%s'\n", name);
			return -1;
		}
		for (int k = 0; k < n; k++)
			if (feat[k] == idx) {
				fprintf(stderr, "spot-train: --features: '%s' named twice\n", name);
				return -1;
			}
		if (n == DF_COUNT)
			return -1;
		feat[n++] = idx;
		list += len + (c ? 1 : 0);
	}
	return n;
}

static int spot_train_same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static double spot_train_sigmoid(double z)
{
	if (z >= 0)
		return 1.0 / (1.0 + exp(-z));
	return exp(z) / (1.0 + exp(z));
}

/*
 * Batch gradient descent on the class-weighted, L2-regularised log loss over
 * standardised rows x (n x k, row-major). w has k entries, *b the intercept.
 */
static void spot_train_fit(const double *x, const int *y, size_t n, int k, double iterations, double rate, double l2,
			   double *w, double *b)
{
	double pos = 0, wpos, wneg, *g = calloc((size_t)k, sizeof(double));
	if (!g)
		abort();
	for (size_t i = 0; i < n; i++)
		pos += y[i];
	/* balanced weights: each class carries half of the total */
	wpos = pos > 0 ? (double)n / (2.0 * pos) : 1.0;
	wneg = pos < (double)n ? (double)n / (2.0 * ((double)n - pos)) : 1.0;
	for (int j = 0; j < k; j++)
		w[j] = 0;
	*b = 0;
	for (long it = 0; it < (long)iterations; it++) {
		double gb = 0;
		for (int j = 0; j < k; j++)
			g[j] = 0;
		for (size_t i = 0; i < n; i++) {
			const double *xi = x + i * (size_t)k;
			double z = *b, e;
			for (int j = 0; j < k; j++)
				z += w[j] * xi[j];
			e = (spot_train_sigmoid(z) - y[i]) * (y[i] ? wpos : wneg);
			for (int j = 0; j < k; j++)
				g[j] += e * xi[j];
			gb += e;
		}
		for (int j = 0; j < k; j++)
			w[j] -= rate * (g[j] / (double)n + l2 * w[j]);
		*b -= rate * gb / (double)n;
	}
	free(g);
}

static double spot_train_auc(const double *x, const int *y, size_t n, int k, const double *w, double b)
{
	double *s = malloc((n ? n : 1) * sizeof(double)), auc;
	if (!s)
		abort();
	for (size_t i = 0; i < n; i++) {
		double z = b;
		for (int j = 0; j < k; j++)
			z += w[j] * x[i * (size_t)k + j];
		s[i] = spot_train_sigmoid(z);
	}
	auc = decision_auc(s, y, n);
	free(s);
	return auc;
}

int main(int argc, char **argv)
{
	struct spot_train_opts o = { .iterations = 3000, .rate = 0.5, .l2 = 0.001, .test_share = 0.3,
				     .step_min = BACKTEST_STEP_MS_DEFAULT / 60000.0, .band_low = 0.20, .band_high = 0.50,
				     .band_high_savings = 0.50, .name = "logreg-v1" };
	struct price_history h;
	struct price_history_ondemand_list od;
	struct backtest_pool *pools = NULL;
	struct backtest_ondemand *odv = NULL;
	struct backtest_input in;
	struct backtest_row *rows = NULL;
	size_t nrows = 0, ntrain = 0, ntest, npools, nod, dropped_above = 0;
	int req[DF_COUNT], feat[DF_COUNT], nreq, k = 0, rc = 2;
	double mean[DF_COUNT], scale[DF_COUNT], w[DF_COUNT], b, auc_train, auc_test, pos_train = 0, pos_test = 0;
	double *x = NULL;
	int *y = NULL;
	int64_t cutoff = 0;
	char err[1024], version[64], t0[32] = "?", t1[32] = "?", tc[32] = "?";
	struct strbuf sb = STRBUF_INIT;
	struct decision_model check;

	price_history_init(&h);
	price_history_ondemand_init(&od);
	if (spot_train_args(argc, argv, &o) < 0)
		goto out;
	nreq = spot_train_features(o.features, req);
	if (nreq <= 0)
		goto out;
	for (size_t i = 0; i < o.nfiles; i++)
		if (price_history_load_file(&h, o.files[i], o.product, err, sizeof(err)) < 0) {
			fprintf(stderr, "spot-train: --prices %s\n", err);
			goto out;
		}
	price_history_finish(&h);
	if (!o.od_file)
		o.od_file = getenv("SPOT_CATALOG") ? getenv("SPOT_CATALOG") : SPOT_DEFAULT_CATALOG;
	if (price_history_ondemand_load_file(&od, o.od_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-train: --ondemand %s\n", err);
		goto out;
	}
	pools = calloc(h.nseries ? h.nseries : 1, sizeof(*pools));
	odv = calloc(od.n ? od.n : 1, sizeof(*odv));
	if (!pools || !odv)
		abort();
	npools = price_history_pools(&h, pools, h.nseries);
	nod = price_history_ondemand_views(&od, odv, od.n);
	memset(&in, 0, sizeof(in));
	in.pools = pools;
	in.npools = npools;
	in.ondemand = odv;
	in.nondemand = nod;
	in.step_ms = (int64_t)llround(o.step_min * 60000.0);
	if (backtest_dataset(&in, &rows, &nrows, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-train: %s\n", err);
		goto out;
	}
	/*
	 * Only rows where the pool is at or below on-demand now: those are the
	 * pools a decision could move into (a target must be cheaper than
	 * on-demand), and "above on-demand within the hour" would otherwise be
	 * learnt as "above on-demand now". The label is then a rise above
	 * on-demand within the next hour.
	 */
	{
		size_t kept = 0;
		for (size_t i = 0; i < nrows; i++)
			if (rows[i].f[DF_ONDEMAND_RATIO] <= 1.0)
				rows[kept++] = rows[i];
		dropped_above = nrows - kept;
		nrows = kept;
	}
	if (nrows < 10) {
		fprintf(stderr, "spot-train: only %zu rows: too little history\n", nrows);
		rc = 1;
		goto out;
	}
	/*
	 * The time split, per region (histories of different periods and
	 * regions can be given together): a row trains when it lies in the
	 * first (1 - S) of its region's time span, else it is held out. The
	 * rows are then reordered, training rows first, each part in time order.
	 */
	{
		struct backtest_row *tmp = malloc(nrows * sizeof(*tmp));
		const char *reg[SPOT_TRAIN_MAX_REGIONS];
		int64_t cut[SPOT_TRAIN_MAX_REGIONS], lo[SPOT_TRAIN_MAX_REGIONS], hi[SPOT_TRAIN_MAX_REGIONS];
		int *ri = malloc(nrows * sizeof(int));
		size_t nreg = 0, a = 0;
		if (!tmp || !ri)
			abort();
		for (size_t i = 0; i < nrows; i++) {
			const char *r = pools[rows[i].pool].region;
			size_t q = 0;
			while (q < nreg && !spot_train_same(reg[q], r))
				q++;
			if (q == nreg) {
				if (nreg == SPOT_TRAIN_MAX_REGIONS) {
					fprintf(stderr, "spot-train: more than %d regions\n", SPOT_TRAIN_MAX_REGIONS);
					free(tmp);
					free(ri);
					goto out;
				}
				reg[nreg] = r;
				lo[nreg] = rows[i].t_ms;
				nreg++;
			}
			hi[q] = rows[i].t_ms;
			ri[i] = (int)q;
		}
		for (size_t q = 0; q < nreg; q++) {
			cut[q] = lo[q] + (int64_t)((double)(hi[q] - lo[q]) * (1.0 - o.test_share));
			if (cut[q] > cutoff)
				cutoff = cut[q];
		}
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < nrows; i++)
				if ((rows[i].t_ms < cut[ri[i]]) == (pass == 0))
					tmp[a++] = rows[i];
		for (size_t i = 0; i < nrows; i++)
			ntrain += rows[i].t_ms < cut[ri[i]];
		free(ri);
		free(rows);
		rows = tmp;
	}
	ntest = nrows - ntrain;
	/* standardisation from the training rows; constant features are dropped */
	for (int j = 0; j < nreq; j++) {
		double s = 0, s2 = 0, m, sd;
		for (size_t i = 0; i < ntrain; i++) {
			double v = rows[i].f[req[j]];
			s += v;
			s2 += v * v;
		}
		m = ntrain ? s / (double)ntrain : 0;
		sd = ntrain ? sqrt(fmax(0, s2 / (double)ntrain - m * m)) : 0;
		if (!(sd > 1e-9)) {
			fprintf(stderr, "spot-train: feature %s is constant in training: dropped\n",
				decision_feature_name(req[j]));
			continue;
		}
		feat[k] = req[j];
		mean[k] = m;
		scale[k] = sd;
		k++;
	}
	if (k == 0 || ntrain == 0 || ntest == 0) {
		fprintf(stderr, "spot-train: nothing to train on (%d features, %zu train rows, %zu test rows)\n", k,
			ntrain, ntest);
		rc = 1;
		goto out;
	}
	x = malloc(nrows * (size_t)k * sizeof(double));
	y = malloc(nrows * sizeof(int));
	if (!x || !y)
		abort();
	for (size_t i = 0; i < nrows; i++) {
		for (int j = 0; j < k; j++)
			x[i * (size_t)k + j] = (rows[i].f[feat[j]] - mean[j]) / scale[j];
		y[i] = rows[i].label;
		if (i < ntrain)
			pos_train += y[i];
		else
			pos_test += y[i];
	}
	if (pos_train == 0 || pos_train == (double)ntrain || pos_test == 0 || pos_test == (double)ntest) {
		fprintf(stderr, "spot-train: a class is empty (train %.0f of %zu positive, held-out %.0f of %zu)\n",
			pos_train, ntrain, pos_test, ntest);
		rc = 1;
		goto out;
	}
	spot_train_fit(x, y, ntrain, k, o.iterations, o.rate, o.l2, w, &b);
	auc_train = spot_train_auc(x, y, ntrain, k, w, b);
	auc_test = spot_train_auc(x + ntrain * (size_t)k, y + ntrain, ntest, k, w, b);

	{
		int64_t first = rows[0].t_ms, last = rows[0].t_ms;
		for (size_t i = 1; i < nrows; i++) {
			if (rows[i].t_ms < first)
				first = rows[i].t_ms;
			if (rows[i].t_ms > last)
				last = rows[i].t_ms;
		}
		time_format_rfc3339(first, t0, sizeof(t0));
		time_format_rfc3339(last, t1, sizeof(t1));
	}
	time_format_rfc3339(cutoff, tc, sizeof(tc));
	snprintf(version, sizeof(version), "%s", o.version ? o.version : "1");
	strbuf_addstr(&sb, "{\n  \"schema\": \"spot-model/1\",\n  \"name\": ");
	strbuf_add_json_string(&sb, o.name);
	strbuf_addstr(&sb, ",\n  \"version\": ");
	strbuf_add_json_string(&sb, version);
	strbuf_addstr(&sb, ",\n  \"engine\": \"logreg\",\n  \"features\": [");
	for (int j = 0; j < k; j++) {
		strbuf_addstr(&sb, j ? ", " : "");
		strbuf_add_json_string(&sb, decision_feature_name(feat[j]));
	}
	strbuf_addstr(&sb, "],\n  \"coefficients\": [");
	for (int j = 0; j < k; j++)
		strbuf_addf(&sb, "%s%.10g", j ? ", " : "", w[j]);
	strbuf_addf(&sb, "],\n  \"intercept\": %.10g,\n  \"mean\": [", b);
	for (int j = 0; j < k; j++)
		strbuf_addf(&sb, "%s%.10g", j ? ", " : "", mean[j]);
	strbuf_addstr(&sb, "],\n  \"scale\": [");
	for (int j = 0; j < k; j++)
		strbuf_addf(&sb, "%s%.10g", j ? ", " : "", scale[j]);
	strbuf_addf(&sb, "],\n  \"bands\": {\"low\": %g, \"high\": %g, \"high_savings\": %g},\n", o.band_low,
		    o.band_high, o.band_high_savings);
	strbuf_addstr(&sb, "  \"label\": \"a pool at or below on-demand rises above on-demand within the next hour "
			   "(the reclaim proxy of price-only data); class-balanced weights\",\n  \"trained_on\": {\"files\": [");
	for (size_t i = 0; i < o.nfiles; i++) {
		const char *base = strrchr(o.files[i], '/');
		strbuf_addstr(&sb, i ? ", " : "");
		strbuf_add_json_string(&sb, base ? base + 1 : o.files[i]);
	}
	strbuf_addstr(&sb, "], \"product\": ");
	strbuf_add_json_string(&sb, o.product ? o.product : PRICE_HISTORY_DEFAULT_PRODUCT);
	strbuf_addf(&sb,
		    ", \"pools\": %zu, \"from\": \"%s\", \"to\": \"%s\", \"split\": \"time, per region: the last %.0f%% held out\", \"step_minutes\": %g, "
		    "\"iterations\": %.0f, \"rate\": %g, \"l2\": %g},\n",
		    npools, t0, t1, o.test_share * 100.0, o.step_min, o.iterations, o.rate, o.l2);
	strbuf_addf(&sb,
		    "  \"metrics\": {\"auc\": %.4f, \"auc_train\": %.4f, \"n_train\": %zu, \"n_test\": %zu, "
		    "\"positives_train\": %.0f, \"positives_test\": %.0f}\n}\n",
		    auc_test, auc_train, ntrain, ntest, pos_train, pos_test);
	/* what we write must load */
	if (decision_model_parse(sb.buf, &check, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-train: the model written would not load: %s\n", err);
		goto out;
	}
	if (o.out) {
		FILE *f = fopen(o.out, "w");
		if (!f || fwrite(sb.buf, 1, sb.len, f) != sb.len) {
			fprintf(stderr, "spot-train: --out %s: cannot write\n", o.out);
			if (f)
				fclose(f);
			goto out;
		}
		if (fclose(f) != 0) {
			fprintf(stderr, "spot-train: --out %s: cannot write\n", o.out);
			goto out;
		}
	} else {
		fputs(sb.buf, stdout);
	}
	fprintf(stderr,
		"spot-train: %zu rows (%zu more above on-demand left out) from %zu pools (%s .. %s, split at the last %.0f%% of each region, the last region at %s): train %zu (%.0f positive, %.2f%%), "
		"held-out %zu (%.0f positive, %.2f%%); AUC train %.4f, held-out %.4f\n",
		nrows, dropped_above, npools, t0, t1, o.test_share * 100.0, tc, ntrain, pos_train, 100.0 * pos_train / (double)ntrain, ntest, pos_test,
		100.0 * pos_test / (double)ntest, auc_train, auc_test);
	rc = 0;
out:
	strbuf_release(&sb);
	free(x);
	free(y);
	free(rows);
	free(pools);
	free(odv);
	price_history_release(&h);
	price_history_ondemand_release(&od);
	return rc;
}
