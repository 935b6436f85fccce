/* consolidate.c - the grid, merge, gap and feature rules, and the tick that streams a pool through them. */
#include "core/consolidate.h"
#include "common/arena.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/xalloc.h"
#include "core/clients.h"
#include "core/db.h"
#include "core/db_consolidate.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t consolidate_bucket(int64_t ms)
{
	int64_t r = ms % CONSOLIDATE_BUCKET_MS;
	if (r < 0)
		r += CONSOLIDATE_BUCKET_MS;
	return ms - r;
}

static const char *const consolidate_flag_names[] = { "actual", "deduplicated", "averaged", "interpolated" };

const char *consolidate_flag_name(enum consolidate_flag f)
{
	return consolidate_flag_names[f];
}

int consolidate_flag_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof(consolidate_flag_names) / sizeof(consolidate_flag_names[0]); i++)
		if (!strcmp(s, consolidate_flag_names[i]))
			return (int)i;
	return -1;
}

/*
 * Seed 001, "Deduplication": close (within 0.5 %) -> the primary's value,
 * different -> the mean, flagged for review. Prices are DECIMAL(12,6), so the
 * comparison is done exactly in millionths: |P - R| * 1000 <= 5 * P.
 */
double consolidate_merge(double p, double r, enum consolidate_flag *flag)
{
	long long pm = llround(p * 1e6), rm = llround(r * 1e6);
	long long diff = pm > rm ? pm - rm : rm - pm;
	if (diff * 1000 <= 5 * (pm < 0 ? -pm : pm)) {
		*flag = CONSOLIDATE_DEDUPLICATED;
		return p;
	}
	*flag = CONSOLIDATE_AVERAGED;
	return (p + r) / 2.0;
}

void consolidate_acc_start(struct consolidate_acc *acc, int64_t bucket_ms)
{
	memset(acc, 0, sizeof(*acc));
	acc->bucket_ms = bucket_ms;
	acc->used = 1;
}

int consolidate_acc_add(struct consolidate_acc *acc, const struct consolidate_sample *s)
{
	struct consolidate_class *c = &acc->cls[s->primary ? 1 : 0];

	acc->samples++;
	if ((c->n == 0 && c->overflow == 0) || s->observed_ms > c->t) {
		c->t = s->observed_ms;
		c->prices[0] = s->price;
		c->n = 1;
		c->overflow = 0;
		c->overflow_sum = 0;
		return 0;
	}
	if (s->observed_ms < c->t)
		return 0; /* older than the class's latest point: not the price at the bucket's end */
	for (int i = 0; i < c->n; i++) {
		if (c->prices[i] == s->price) {
			acc->duplicates++;
			return 1;
		}
	}
	if (c->n < CONSOLIDATE_MAX_DISTINCT) {
		c->prices[c->n++] = s->price;
	} else {
		c->overflow++;
		c->overflow_sum += s->price;
	}
	return 0;
}

static double consolidate_class_value(const struct consolidate_class *c)
{
	double sum = c->overflow_sum;
	for (int i = 0; i < c->n; i++)
		sum += c->prices[i];
	return sum / (double)(c->n + c->overflow);
}

void consolidate_acc_row(const struct consolidate_acc *acc, struct consolidate_row *out)
{
	memset(out, 0, sizeof(*out));
	out->bucket_ms = acc->bucket_ms;
	out->sample_count = acc->samples - acc->duplicates;
	out->has_primary = acc->cls[1].n > 0;
	out->has_replica = acc->cls[0].n > 0;
	if (out->has_primary)
		out->primary_price = consolidate_class_value(&acc->cls[1]);
	if (out->has_replica)
		out->replica_price = consolidate_class_value(&acc->cls[0]);
	if (out->has_primary && out->has_replica) {
		out->price = consolidate_merge(out->primary_price, out->replica_price, &out->flag);
	} else {
		out->price = out->has_primary ? out->primary_price : out->replica_price;
		out->flag = CONSOLIDATE_ACTUAL;
	}
}

/* Seed 001, "Gap Filling" and its configuration: gap_detection_threshold 600 s, interpolation_max_gap 1800 s. */
size_t consolidate_gap(const struct consolidate_row *prev, struct consolidate_row *next, struct consolidate_row *fill)
{
	int64_t d = next->bucket_ms - prev->bucket_ms;
	size_t k = 0;

	next->gap_flagged = d > CONSOLIDATE_GAP_FLAG_MS;
	next->gap_ms = next->gap_flagged ? d : 0;
	if (d <= CONSOLIDATE_BUCKET_MS || d > CONSOLIDATE_FILL_MAX_MS)
		return 0;
	for (int64_t t = prev->bucket_ms + CONSOLIDATE_BUCKET_MS; t < next->bucket_ms; t += CONSOLIDATE_BUCKET_MS) {
		struct consolidate_row *f = &fill[k++];
		memset(f, 0, sizeof(*f));
		f->bucket_ms = t;
		f->price = prev->price + (next->price - prev->price) * (double)(t - prev->bucket_ms) / (double)d;
		f->flag = CONSOLIDATE_INTERPOLATED;
	}
	return k;
}

/* ---- the stream: samples in, consolidated rows out (shared by consolidate_series and the tick) ---- */

typedef int (*consolidate_emit_fn)(void *ctx, const struct consolidate_row *row);

struct consolidate_stream {
	struct consolidate_acc acc;
	struct consolidate_row prev;
	int have_prev;
	struct consolidate_stats *st;
	consolidate_emit_fn emit;
	void *ctx;
};

static void consolidate_stream_init(struct consolidate_stream *s, const struct consolidate_row *prev,
				    struct consolidate_stats *st, consolidate_emit_fn emit, void *ctx)
{
	memset(s, 0, sizeof(*s));
	if (prev) {
		s->prev = *prev;
		s->have_prev = 1;
	}
	s->st = st;
	s->emit = emit;
	s->ctx = ctx;
}

/* A real bucket (from samples, or an anchor when counted is 0): gap and fill from the previous one, then the row. */
static int consolidate_stream_row(struct consolidate_stream *s, struct consolidate_row *row, int counted)
{
	struct consolidate_row fill[CONSOLIDATE_MAX_FILL + 1];
	size_t k = 0;

	if (s->have_prev)
		k = consolidate_gap(&s->prev, row, fill);
	for (size_t i = 0; i < k; i++)
		if (s->emit(s->ctx, &fill[i]) < 0)
			return -1;
	if (s->st) {
		s->st->interpolated += (long long)k;
		if (counted) {
			s->st->merged += row->has_primary && row->has_replica;
			s->st->flagged_review += row->flag == CONSOLIDATE_AVERAGED;
			s->st->flagged_gap += row->gap_flagged;
			s->st->flagged += row->flag == CONSOLIDATE_AVERAGED || row->gap_flagged;
		}
	}
	if (s->emit(s->ctx, row) < 0)
		return -1;
	s->prev = *row;
	s->have_prev = 1;
	return 0;
}

static int consolidate_stream_finish(struct consolidate_stream *s)
{
	struct consolidate_row row;
	if (!s->acc.used)
		return 0;
	consolidate_acc_row(&s->acc, &row);
	if (s->st)
		s->st->duplicates += s->acc.duplicates;
	s->acc.used = 0;
	return consolidate_stream_row(s, &row, 1);
}

static int consolidate_stream_add(struct consolidate_stream *s, const struct consolidate_sample *smp)
{
	int64_t b = consolidate_bucket(smp->observed_ms);
	if (s->acc.used && b != s->acc.bucket_ms && consolidate_stream_finish(s) < 0)
		return -1;
	if (!s->acc.used)
		consolidate_acc_start(&s->acc, b);
	consolidate_acc_add(&s->acc, smp);
	return 0;
}

struct consolidate_array {
	struct consolidate_row *out;
	size_t cap, n;
};

static int consolidate_array_emit(void *ctx, const struct consolidate_row *row)
{
	struct consolidate_array *arr = ctx;
	if (arr->n < arr->cap)
		arr->out[arr->n] = *row;
	arr->n++;
	return 0;
}

size_t consolidate_series(const struct consolidate_sample *smp, size_t n, const struct consolidate_row *prev,
			  struct consolidate_row *out, size_t cap, struct consolidate_stats *stats)
{
	struct consolidate_array arr = { out, cap, 0 };
	struct consolidate_stream s;

	consolidate_stream_init(&s, prev, stats, consolidate_array_emit, &arr);
	for (size_t i = 0; i < n; i++)
		consolidate_stream_add(&s, &smp[i]);
	consolidate_stream_finish(&s);
	return arr.n;
}

/* ---- features ---- */

void consolidate_window_init(struct consolidate_window *w)
{
	memset(w, 0, sizeof(*w));
}

static double consolidate_pct(double now, double then)
{
	double v = (now - then) / then * 100.0;
	/* DECIMAL(9,3) holds +-999999.999: 2012-era spikes (0.003 -> 20 USD/h) go beyond it. */
	return v > 999999.0 ? 999999.0 : v < -999999.0 ? -999999.0 : v;
}

void consolidate_window_push(struct consolidate_window *w, const struct consolidate_row *row, int has_ondemand,
			     double ondemand, const int64_t *intr, size_t nintr, struct consolidate_features *f)
{
	int64_t t = row->bucket_ms;
	double s1 = 0, q1 = 0, s24 = 0, q24 = 0;
	size_t n1 = 0, n24 = 0;

	while (w->n && w->bucket[w->head] < t - CONSOLIDATE_FEATURE_WINDOW_MS) {
		w->head = (w->head + 1) % CONSOLIDATE_WINDOW_ROWS;
		w->n--;
	}
	if (w->n == CONSOLIDATE_WINDOW_ROWS) { /* off-grid input: drop the oldest */
		w->head = (w->head + 1) % CONSOLIDATE_WINDOW_ROWS;
		w->n--;
	}
	size_t tail = (w->head + w->n) % CONSOLIDATE_WINDOW_ROWS;
	w->bucket[tail] = t;
	w->price[tail] = row->price;
	w->n++;

	memset(f, 0, sizeof(*f));
	f->bucket_ms = t;
	f->price = row->price;
	f->flag = row->flag;
	f->min_24h = row->price;
	f->max_24h = row->price;
	for (size_t i = 0; i < w->n; i++) {
		size_t j = (w->head + i) % CONSOLIDATE_WINDOW_ROWS;
		int64_t b = w->bucket[j];
		double p = w->price[j];
		if (b == t - CONSOLIDATE_BUCKET_MS && p > 0)
			f->has_change_5m = 1, f->change_5m_pct = consolidate_pct(row->price, p);
		if (b == t - 3600 * 1000LL && p > 0)
			f->has_change_1h = 1, f->change_1h_pct = consolidate_pct(row->price, p);
		if (b == t - CONSOLIDATE_FEATURE_WINDOW_MS && p > 0)
			f->has_change_24h = 1, f->change_24h_pct = consolidate_pct(row->price, p);
		if (b <= t - CONSOLIDATE_FEATURE_WINDOW_MS)
			continue;
		s24 += p, q24 += p * p, n24++;
		if (p < f->min_24h)
			f->min_24h = p;
		if (p > f->max_24h)
			f->max_24h = p;
		if (b > t - 3600 * 1000LL)
			s1 += p, q1 += p * p, n1++;
	}
	f->mean_24h = s24 / (double)n24;
	if (n1 >= 2) {
		double m = s1 / (double)n1, v = q1 / (double)n1 - m * m;
		f->has_vol_1h = 1;
		f->vol_1h = v > 0 ? sqrt(v) : 0;
	}
	if (n24 >= 2) {
		double m = s24 / (double)n24, v = q24 / (double)n24 - m * m;
		f->has_vol_24h = 1;
		f->vol_24h = v > 0 ? sqrt(v) : 0;
	}
	if (has_ondemand && ondemand > 0) {
		f->has_ondemand = 1;
		f->ondemand_price = ondemand;
		f->ondemand_ratio = row->price / ondemand;
		f->discount_pct = 100.0 * (1.0 - f->ondemand_ratio);
		if (f->discount_pct < -9999.0)
			f->discount_pct = -9999.0; /* DECIMAL(7,3) */
	}
	/* Interruptions: the last at or before t, and those in (t - 24 h, t]. */
	size_t lo = 0, hi = nintr;
	while (lo < hi) { /* first index with time > t */
		size_t mid = lo + (hi - lo) / 2;
		if (intr[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		f->has_since_interruption = 1;
		f->seconds_since_interruption = (t - intr[lo - 1]) / 1000;
	}
	for (size_t i = lo; i-- > 0 && intr[i] > t - CONSOLIDATE_FEATURE_WINDOW_MS;)
		f->interruptions_24h++;
	int64_t days = t >= 0 ? t / 86400000LL : -((-t + 86400000LL - 1) / 86400000LL);
	f->hour_of_day = (int)((t - days * 86400000LL) / 3600000LL);
	f->day_of_week = (int)(((days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
}

/* ---- the tick ---- */

struct consolidate_writer {
	struct db *db;
	const char *pool;
	struct consolidate_row rows[CONSOLIDATE_WRITE_ROWS];
	size_t n;
	struct strbuf sb;
	struct consolidate_stats *st;
	int64_t first_ms, last_ms;
	int any;
};

static int consolidate_writer_flush(struct consolidate_writer *w)
{
	if (!w->n)
		return 0;
	if (db_consolidate_upsert(w->db, w->pool, w->rows, w->n, &w->sb) < 0)
		return -1;
	w->st->written += (long long)w->n;
	w->n = 0;
	return 0;
}

static int consolidate_writer_emit(void *ctx, const struct consolidate_row *row)
{
	struct consolidate_writer *w = ctx;
	if (!w->any || row->bucket_ms < w->first_ms)
		w->first_ms = row->bucket_ms;
	if (!w->any || row->bucket_ms > w->last_ms)
		w->last_ms = row->bucket_ms;
	w->any = 1;
	w->rows[w->n++] = *row;
	return w->n == CONSOLIDATE_WRITE_ROWS ? consolidate_writer_flush(w) : 0;
}

/* Canonical rows for buckets in [lo_ms, hi_ms] of pool, with 24 h of history before lo_ms. */
static int consolidate_canonical(struct db *db, struct arena *scratch, const char *pool, int64_t lo_ms, int64_t hi_ms,
				 struct consolidate_stats *st, struct strbuf *sb)
{
	struct consolidate_window *win = xcalloc(1, sizeof(*win));
	struct consolidate_features *feats = xcalloc(CONSOLIDATE_WRITE_ROWS, sizeof(*feats));
	struct arena pa;
	int64_t *intr, after = lo_ms - CONSOLIDATE_FEATURE_WINDOW_MS - 1;
	size_t nintr, nf = 0;
	int has_od, ibucket, rc = -1;
	double od;

	arena_init(&pa, 64 * 1024);
	if (db_consolidate_pool_info(db, &pa, pool, &has_od, &od, &ibucket) < 0 ||
	    db_consolidate_interruptions(db, &pa, pool, lo_ms - CONSOLIDATE_FEATURE_WINDOW_MS, hi_ms,
					 CONSOLIDATE_MAX_INTERRUPTIONS, &intr, &nintr) < 0)
		goto out;
	consolidate_window_init(win);
	for (;;) {
		struct consolidate_row *rows;
		size_t n;
		arena_reset(scratch);
		if (db_consolidate_rows(db, scratch, pool, after, hi_ms, CONSOLIDATE_BATCH_ROWS, &rows, &n) < 0)
			goto out;
		for (size_t i = 0; i < n; i++) {
			struct consolidate_features f;
			consolidate_window_push(win, &rows[i], has_od, od, intr, nintr, &f);
			if (rows[i].bucket_ms < lo_ms)
				continue;
			feats[nf++] = f;
			if (nf == CONSOLIDATE_WRITE_ROWS) {
				if (db_consolidate_canonical_upsert(db, pool, ibucket, feats, nf, sb) < 0)
					goto out;
				st->canonical_written += (long long)nf;
				nf = 0;
			}
		}
		if (n < CONSOLIDATE_BATCH_ROWS)
			break;
		after = rows[n - 1].bucket_ms;
	}
	if (nf && db_consolidate_canonical_upsert(db, pool, ibucket, feats, nf, sb) < 0)
		goto out;
	st->canonical_written += (long long)nf;
	rc = 0;
out:
	arena_release(&pa);
	free(feats);
	free(win);
	return rc;
}

/* One pool: staging rows observed in [min_ms, max_ms] (bucketed), between the real buckets around them. */
static int consolidate_pool(struct db *db, struct arena *scratch, const struct db_consolidate_pool *p,
			    struct consolidate_stats *st, struct consolidate_writer *w)
{
	struct consolidate_row prev, next;
	struct consolidate_stream s;
	int have_prev, have_next;
	int64_t lo = consolidate_bucket(p->min_ms), hi = consolidate_bucket(p->max_ms);
	int64_t after_ms = 0;
	char after_inst[64];
	int started = 0;

	arena_reset(scratch);
	if (db_consolidate_anchor(db, scratch, p->pool_id, lo, 1, &prev, &have_prev) < 0 ||
	    db_consolidate_anchor(db, scratch, p->pool_id, hi, 0, &next, &have_next) < 0)
		return -1;
	w->pool = p->pool_id;
	w->n = 0;
	w->any = 0;
	consolidate_stream_init(&s, have_prev ? &prev : NULL, st, consolidate_writer_emit, w);
	for (;;) {
		struct consolidate_sample *smp;
		const char *last;
		size_t n;
		arena_reset(scratch);
		if (db_consolidate_samples(db, scratch, p->pool_id, lo, hi + CONSOLIDATE_BUCKET_MS, after_ms,
					   started ? after_inst : NULL, CONSOLIDATE_BATCH_ROWS, &smp, &n, &last) < 0)
			return -1;
		st->rows_read += (long long)n;
		for (size_t i = 0; i < n; i++)
			if (consolidate_stream_add(&s, &smp[i]) < 0)
				return -1;
		if (n < CONSOLIDATE_BATCH_ROWS)
			break;
		after_ms = smp[n - 1].observed_ms;
		snprintf(after_inst, sizeof(after_inst), "%s", last);
		started = 1;
	}
	if (consolidate_stream_finish(&s) < 0)
		return -1;
	/* The next real bucket: its gap is measured again from our last one, and the gap between is filled. */
	if (have_next && s.have_prev && consolidate_stream_row(&s, &next, 0) < 0)
		return -1;
	if (consolidate_writer_flush(w) < 0)
		return -1;
	if (!w->any)
		return 0;
	/* Features look 24 h back, so rows up to 24 h after the last one written change too. */
	return consolidate_canonical(db, scratch, p->pool_id, w->first_ms, w->last_ms + CONSOLIDATE_FEATURE_WINDOW_MS,
				     st, &w->sb);
}

static void consolidate_stats_json(const struct consolidate_stats *st, struct json_object *o)
{
	json_object_object_add(o, "rows_read", json_object_new_int64(st->rows_read));
	json_object_object_add(o, "rows_new", json_object_new_int64(st->rows_new));
	json_object_object_add(o, "pools", json_object_new_int64(st->pools));
	json_object_object_add(o, "slices", json_object_new_int64(st->slices));
	json_object_object_add(o, "duplicates", json_object_new_int64(st->duplicates));
	json_object_object_add(o, "merged", json_object_new_int64(st->merged));
	json_object_object_add(o, "flagged", json_object_new_int64(st->flagged));
	json_object_object_add(o, "flagged_review", json_object_new_int64(st->flagged_review));
	json_object_object_add(o, "flagged_gap", json_object_new_int64(st->flagged_gap));
	json_object_object_add(o, "interpolated", json_object_new_int64(st->interpolated));
	json_object_object_add(o, "written", json_object_new_int64(st->written));
	json_object_object_add(o, "canonical_written", json_object_new_int64(st->canonical_written));
}

/* Every pool with rows received in (from, to] (incremental) or observed in [from, to) (backfill). */
static int consolidate_pools(struct db *db, struct arena *a, struct arena *scratch, struct consolidate_writer *w,
			     struct consolidate_stats *st, int backfill, int64_t from_ms, int64_t to_ms)
{
	char after[160] = "";
	for (;;) {
		struct db_consolidate_pool *pools;
		const char *next_after = "";
		size_t n;
		int r = backfill ? db_consolidate_range_pools(db, a, from_ms, to_ms, after, CONSOLIDATE_POOL_PAGE, &pools,
							      &n, &next_after)
				 : db_consolidate_new_pools(db, a, from_ms, to_ms, after, CONSOLIDATE_POOL_PAGE, &pools, &n);
		if (r < 0)
			return -1;
		for (size_t i = 0; i < n; i++) {
			st->pools++;
			st->rows_new += pools[i].count;
			if (consolidate_pool(db, scratch, &pools[i], st, w) < 0)
				return -1;
		}
		if (backfill) {
			if (!*next_after)
				return 0;
			snprintf(after, sizeof(after), "%s", next_after);
		} else {
			if (n < CONSOLIDATE_POOL_PAGE)
				return 0;
			snprintf(after, sizeof(after), "%s", pools[n - 1].pool_id);
		}
	}
}

enum core_result consolidate_tick(struct db *db, struct arena *a, int64_t now_ms, const struct consolidate_opts *o,
				  struct json_object *stats, const char **error)
{
	struct consolidate_stats st;
	struct consolidate_writer *w = xcalloc(1, sizeof(*w));
	struct arena scratch;
	int backfill = o && (o->from_ms || o->to_ms), found = 0, rc = -1;
	int64_t wm = 0, upper = now_ms - CONSOLIDATE_SETTLE_MS;

	memset(&st, 0, sizeof(st));
	arena_init(&scratch, 256 * 1024);
	strbuf_init(&w->sb, 64 * 1024);
	w->db = db;
	w->st = &st;
	if (backfill) {
		json_object_object_add(stats, "mode", json_object_new_string("backfill"));
		if (o->from_ms >= o->to_ms) {
			if (error)
				*error = "a backfill needs --from before --to";
			consolidate_stats_json(&st, stats);
			strbuf_release(&w->sb);
			free(w);
			arena_release(&scratch);
			return CORE_INVALID;
		}
	} else {
		if (db_consolidate_watermark_get(db, a, &wm, &found) < 0)
			goto out;
		json_object_object_add(stats, "mode", json_object_new_string("incremental"));
		if (found && upper <= wm) {
			rc = 0;
			goto out;
		}
	}
	if (backfill) {
		if (consolidate_pools(db, a, &scratch, w, &st, 1, o->from_ms, o->to_ms) < 0)
			goto out;
	} else {
		/* Slice by slice: each query sees a bounded part of the backlog, and progress is kept. */
		int64_t lo = found ? wm : 0, end;
		do {
			if (db_consolidate_slice_end(db, a, lo, upper, CONSOLIDATE_SLICE_ROWS, &end) < 0)
				goto out;
			if (consolidate_pools(db, a, &scratch, w, &st, 0, lo, end) < 0)
				goto out;
			/* Moved only when every pool of the slice succeeded: upserts make a redo harmless. */
			if (db_consolidate_watermark_set(db, end) < 0)
				goto out;
			wm = lo = end;
			found = 1;
			st.slices++;
		} while (end < upper);
	}
	if (st.written > 0) {
		struct actor who = { .type = "job", .id = "consolidate", .trace_id = NULL };
		char post[256];
		snprintf(post, sizeof(post),
			 "{\"mode\":\"%s\",\"pools\":%lld,\"rows_read\":%lld,\"written\":%lld,\"canonical_written\":%lld}",
			 backfill ? "backfill" : "incremental", st.pools, st.rows_read, st.written, st.canonical_written);
		if (clients_audit(db, &who, NULL, NULL, "pricing.consolidate", "pricing", NULL,
				  "staging prices consolidated", NULL, post) < 0)
			goto out;
	}
	rc = 0;
out:
	consolidate_stats_json(&st, stats);
	if (!backfill && (found || rc == 0)) {
		char buf[40];
		time_format_rfc3339_ms(wm, buf, sizeof(buf));
		json_object_object_add(stats, "watermark", json_object_new_string(buf));
	}
	if (rc < 0 && error)
		*error = db->last_error;
	strbuf_release(&w->sb);
	free(w);
	arena_release(&scratch);
	return rc == 0 ? CORE_OK : CORE_ERR;
}
