/*
 * decision_latency.c - the decision engine's cost per agent evaluation
 * (issue 8 benchmark; target under 50 us for rules-v1 and the learned model).
 *
 *   bench-decision-latency [--evaluations N] [--pools K] [--model FILE]...
 *
 * Each evaluation is one decision_evaluate() + decision_history_update() of
 * an agent on spot with K candidate pools (the current one among them), the
 * inputs drawn from 1,024 precomputed variants (a fixed-seed generator) so
 * the bands, the waits and the moves all happen. rules-v1 always runs; every
 * --model FILE (a spot-model/1 file) runs after it. One line per model:
 * mean, p50, p99 and max microseconds per evaluation.
 */
#include "core/decision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/strbuf.h"

#define BENCH_VARIANTS 1024
#define BENCH_MAX_POOLS 64
#define BENCH_MAX_MODELS 8

static uint64_t bench_state = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: a fixed sequence, so every run sees the same inputs. */
static double bench_rand(void)
{
	bench_state ^= bench_state >> 12;
	bench_state ^= bench_state << 25;
	bench_state ^= bench_state >> 27;
	return (double)((bench_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static int64_t bench_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int bench_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static char bench_ids[BENCH_MAX_POOLS][32];

static void bench_fill(struct decision_pool (*v)[BENCH_MAX_POOLS], int npools)
{
	for (int i = 0; i < npools; i++)
		snprintf(bench_ids[i], sizeof(bench_ids[i]), "us-east-1%c:m5.large", 'a' + i % 6);
	for (int k = 0; k < BENCH_VARIANTS; k++)
		for (int i = 0; i < npools; i++) {
			struct decision_pool *p = &v[k][i];
			double ratio = 0.15 + 0.9 * bench_rand();
			memset(p, 0, sizeof(*p));
			p->pool_id = bench_ids[i];
			p->instance_type = "m5.large";
			p->az = bench_ids[i];
			p->ondemand_price = 0.096;
			p->price = 0.096 * ratio;
			p->flagged = bench_rand() < 0.03;
			p->f[DF_ONDEMAND_RATIO] = ratio;
			p->f[DF_CHANGE_1H] = (bench_rand() - 0.5) * 0.2;
			p->f[DF_CHANGE_24H] = (bench_rand() - 0.5) * 0.6;
			p->f[DF_VOLATILITY_1H] = bench_rand() * 0.05;
			p->f[DF_VOLATILITY_24H] = bench_rand() * 0.2;
			p->f[DF_MAX_24H_RATIO] = ratio * (1.0 + bench_rand());
			p->f[DF_INTERRUPTIONS_24H] = bench_rand() < 0.1 ? 1 : 0;
			p->f[DF_BUCKET] = (int)(bench_rand() * 5);
			p->f[DF_HOUR_SIN] = bench_rand() * 2 - 1;
			p->f[DF_HOUR_COS] = bench_rand() * 2 - 1;
			p->f[DF_POOL_RISK] = bench_rand() * 0.7;
		}
}

static int bench_model(const struct decision_model *m, struct decision_pool (*v)[BENCH_MAX_POOLS], int npools,
		       long n)
{
	struct decision_policy pol;
	struct decision_history h = { 0, DM_NONE, 0 };
	struct decision_out out;
	int64_t *lat = malloc((size_t)n * sizeof(int64_t)), total = 0, now = 1700000000000LL;
	long switches = 0;
	int mode = DM_SPOT, cur = 0;

	if (!lat)
		return -1;
	decision_policy_default(&pol);
	for (long i = 0; i < n; i++) {
		const struct decision_pool *pools = v[i % BENCH_VARIANTS];
		struct decision_input in = { mode, cur, mode == DM_SPOT ? pools[cur].price : 0.096, 0.096, pools,
					     (size_t)npools };
		int64_t t0 = bench_ns(), t1;
		decision_evaluate(m, &pol, &in, &h, now, &out);
		decision_history_update(&h, &out, now);
		t1 = bench_ns();
		lat[i] = t1 - t0;
		total += t1 - t0;
		if (out.action == DA_SWITCH) {
			switches++;
			mode = out.target_mode;
			cur = mode == DM_SPOT ? out.target_pool : -1;
		}
		now += 5 * 60 * 1000; /* one decision interval */
	}
	qsort(lat, (size_t)n, sizeof(*lat), bench_cmp);
	printf("model %-10s %ld evaluations, %d pools: mean %.3f us, p50 %.3f us, p99 %.3f us, max %.1f us "
	       "per evaluation (%ld switches)\n",
	       m->name, n, npools, (double)total / (double)n / 1000.0, (double)lat[n / 2] / 1000.0,
	       (double)lat[(size_t)((double)n * 0.99)] / 1000.0, (double)lat[n - 1] / 1000.0, switches);
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	static struct decision_pool variants[BENCH_VARIANTS][BENCH_MAX_POOLS];
	struct decision_model models[BENCH_MAX_MODELS];
	int nmodels = 1, npools = 8;
	long n = 100000;

	decision_model_rules_v1(&models[0]);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--evaluations") && i + 1 < argc) {
			n = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--pools") && i + 1 < argc) {
			npools = (int)strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--model") && i + 1 < argc && nmodels < BENCH_MAX_MODELS) {
			struct strbuf sb = STRBUF_INIT;
			char err[256];
			const char *path = argv[++i];
			if (strbuf_read_file(&sb, path, 1 << 20) < 0 ||
			    decision_model_parse(sb.buf, &models[nmodels], err, sizeof(err)) < 0) {
				fprintf(stderr, "bench-decision-latency: --model %s: %s\n", path,
					sb.len ? err : "cannot read");
				strbuf_release(&sb);
				return 2;
			}
			strbuf_release(&sb);
			nmodels++;
		} else {
			fprintf(stderr, "usage: bench-decision-latency [--evaluations N] [--pools K] [--model FILE]...\n");
			return 2;
		}
	}
	if (n < 100 || n > 100000000 || npools < 1 || npools > BENCH_MAX_POOLS) {
		fprintf(stderr, "bench-decision-latency: --evaluations 100..1e8, --pools 1..%d\n", BENCH_MAX_POOLS);
		return 2;
	}
	bench_fill(variants, npools);
	for (int k = 0; k < nmodels; k++)
		if (bench_model(&models[k], variants, npools, n) < 0)
			return 1;
	return 0;
}
