/* prices.c - price traces (JSON or CSV) replayed in simulated time. */
#include "sim/prices.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRICES_MAX_FILE (256 * 1024 * 1024)

void prices_init(struct prices *p)
{
	memset(p, 0, sizeof(*p));
}

void prices_release(struct prices *p)
{
	free(p->series);
	free(p->rows);
	prices_init(p);
}

void prices_az_region(const char *az, char *region, size_t size)
{
	size_t n = strlen(az);

	while (n > 0 && isalpha((unsigned char)az[n - 1]))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(region, az, n);
	region[n] = 0;
}

static int prices_valid_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n >= PRICES_NAME_LEN)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int prices_valid_price(const char *s)
{
	size_t n = strlen(s), dots = 0;
	if (!n || n >= PRICES_PRICE_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)s[i]))
			return 0;
	}
	return dots <= 1 && s[0] != '.';
}

static long prices_series_find(struct prices *p, const char *az, const char *type, const char *product, int create)
{
	struct prices_series *s;

	for (size_t i = 0; i < p->nseries; i++) {
		s = &p->series[i];
		if (!strcmp(s->az, az) && !strcmp(s->type, type) && !strcmp(s->product, product))
			return (long)i;
	}
	if (!create || p->nseries >= PRICES_MAX_SERIES)
		return -1;
	if (p->nseries == p->series_alloc) {
		p->series_alloc = p->series_alloc ? p->series_alloc * 2 : 64;
		p->series = xrealloc(p->series, st_mult(p->series_alloc, sizeof(*p->series)));
	}
	s = &p->series[p->nseries];
	memset(s, 0, sizeof(*s));
	snprintf(s->az, sizeof(s->az), "%s", az);
	snprintf(s->type, sizeof(s->type), "%s", type);
	snprintf(s->product, sizeof(s->product), "%s", product);
	prices_az_region(az, s->region, sizeof(s->region));
	return (long)p->nseries++;
}

int prices_add(struct prices *p, const char *az, const char *type, const char *product, const char *price,
	       int64_t vt_ms)
{
	long si;
	struct prices_row *r;

	if (!prices_valid_name(az) || !prices_valid_name(type) || !prices_valid_name(product) ||
	    !prices_valid_price(price) || p->nrows >= PRICES_MAX_ROWS)
		return -1;
	si = prices_series_find(p, az, type, product, 1);
	if (si < 0)
		return -1;
	if (p->nrows == p->rows_alloc) {
		p->rows_alloc = p->rows_alloc ? p->rows_alloc * 2 : 1024;
		p->rows = xrealloc(p->rows, st_mult(p->rows_alloc, sizeof(*p->rows)));
	}
	r = &p->rows[p->nrows++];
	r->vt_ms = vt_ms;
	r->series = (size_t)si;
	snprintf(r->price, sizeof(r->price), "%s", price);
	p->dirty = 1;
	return 0;
}

static int prices_row_cmp(const void *a, const void *b)
{
	const struct prices_row *x = a, *y = b;
	if (x->series != y->series)
		return x->series < y->series ? -1 : 1;
	return (x->vt_ms > y->vt_ms) - (x->vt_ms < y->vt_ms);
}

void prices_finish(struct prices *p)
{
	if (!p->dirty)
		return;
	/* Stable enough: equal (series, vt) rows keep no particular order; the later add wins below. */
	qsort(p->rows, p->nrows, sizeof(*p->rows), prices_row_cmp);
	for (size_t i = 0; i < p->nseries; i++)
		p->series[i].count = 0;
	for (size_t i = 0; i < p->nrows; i++) {
		struct prices_series *s = &p->series[p->rows[i].series];
		if (!s->count)
			s->first = i;
		s->count++;
	}
	p->dirty = 0;
}

/* One parsed trace record before anchoring. */
struct prices_raw {
	int64_t ts_ms;
	char az[PRICES_NAME_LEN], type[PRICES_NAME_LEN], product[PRICES_NAME_LEN], price[PRICES_PRICE_LEN];
};

struct prices_rawlist {
	struct prices_raw *v;
	size_t n, alloc;
};

static int prices_raw_push(struct prices_rawlist *l, const char *ts, const char *az, const char *type,
			   const char *product, const char *price)
{
	struct prices_raw *r;

	if (l->n >= PRICES_MAX_ROWS)
		return -1;
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 1024;
		l->v = xrealloc(l->v, st_mult(l->alloc, sizeof(*l->v)));
	}
	r = &l->v[l->n];
	if (time_parse_rfc3339(ts, &r->ts_ms) < 0 || !prices_valid_name(az) || !prices_valid_name(type) ||
	    !prices_valid_name(product) || !prices_valid_price(price))
		return -1;
	snprintf(r->az, sizeof(r->az), "%s", az);
	snprintf(r->type, sizeof(r->type), "%s", type);
	snprintf(r->product, sizeof(r->product), "%s", product);
	snprintf(r->price, sizeof(r->price), "%s", price);
	l->n++;
	return 0;
}

static int prices_parse_json(struct prices_rawlist *l, const char *text, size_t len, const char *origin, char *err,
			     size_t errsize)
{
	struct json_tokener *tok = json_tokener_new_ex(16);
	struct json_object *root, *arr;
	int rc = -1;

	root = json_tokener_parse_ex(tok, text, (int)len);
	json_tokener_free(tok);
	if (!root || !json_object_object_get_ex(root, "SpotPriceHistory", &arr) || !json_object_is_type(arr, json_type_array)) {
		snprintf(err, errsize, "%s: not a describe-spot-price-history JSON document", origin);
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *f[5];
		static const char *const names[5] = { "Timestamp", "AvailabilityZone", "InstanceType",
						      "ProductDescription", "SpotPrice" };
		for (int k = 0; k < 5; k++)
			if (!json_object_object_get_ex(o, names[k], &f[k]) || !json_object_is_type(f[k], json_type_string)) {
				snprintf(err, errsize, "%s: record %zu lacks %s", origin, i + 1, names[k]);
				goto out;
			}
		if (prices_raw_push(l, json_object_get_string(f[0]), json_object_get_string(f[1]),
				    json_object_get_string(f[2]), json_object_get_string(f[3]),
				    json_object_get_string(f[4])) < 0) {
			snprintf(err, errsize, "%s: record %zu is invalid", origin, i + 1);
			goto out;
		}
	}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

static int prices_parse_csv(struct prices_rawlist *l, const char *text, size_t len, const char *origin, char *err,
			    size_t errsize)
{
	static const char header[] = "timestamp,availability_zone,instance_type,product_description,spot_price";
	size_t i = 0, line = 0;

	while (i < len) {
		size_t e = i, nf = 0;
		char buf[512], *fields[5], *save = NULL, *tokp;

		while (e < len && text[e] != '\n')
			e++;
		line++;
		if (e - i >= sizeof(buf)) {
			snprintf(err, errsize, "%s:%zu: line too long", origin, line);
			return -1;
		}
		memcpy(buf, text + i, e - i);
		buf[e - i] = 0;
		if (e > i && buf[e - i - 1] == '\r')
			buf[e - i - 1] = 0;
		i = e + 1;
		if (!buf[0])
			continue;
		if (line == 1) {
			if (strcmp(buf, header)) {
				snprintf(err, errsize, "%s:1: expected the header %s", origin, header);
				return -1;
			}
			continue;
		}
		for (tokp = strtok_r(buf, ",", &save); tokp && nf < 5; tokp = strtok_r(NULL, ",", &save))
			fields[nf++] = tokp;
		if (nf != 5 || tokp || prices_raw_push(l, fields[0], fields[1], fields[2], fields[3], fields[4]) < 0) {
			snprintf(err, errsize, "%s:%zu: expected 5 valid fields", origin, line);
			return -1;
		}
	}
	return 0;
}

long prices_load_text(struct prices *p, const char *text, size_t len, const char *origin, double history_fraction,
		      char *err, size_t errsize)
{
	struct prices_rawlist l = { 0 };
	size_t k = 0;
	int64_t lo, hi, anchor;
	long rc = -1;

	while (k < len && isspace((unsigned char)text[k]))
		k++;
	if (k < len && text[k] == '{') {
		if (prices_parse_json(&l, text, len, origin, err, errsize) < 0)
			goto out;
	} else if (prices_parse_csv(&l, text, len, origin, err, errsize) < 0) {
		goto out;
	}
	if (!l.n) {
		snprintf(err, errsize, "%s: no price records", origin);
		goto out;
	}
	if (history_fraction < 0 || history_fraction > 1)
		history_fraction = 0.5;
	lo = hi = l.v[0].ts_ms;
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].ts_ms < lo)
			lo = l.v[i].ts_ms;
		if (l.v[i].ts_ms > hi)
			hi = l.v[i].ts_ms;
	}
	anchor = lo + (int64_t)((double)(hi - lo) * history_fraction);
	for (size_t i = 0; i < l.n; i++)
		if (prices_add(p, l.v[i].az, l.v[i].type, l.v[i].product, l.v[i].price, l.v[i].ts_ms - anchor) < 0) {
			snprintf(err, errsize, "%s: too many rows or series", origin);
			goto out;
		}
	prices_finish(p);
	rc = (long)l.n;
out:
	free(l.v);
	return rc;
}

long prices_load_file(struct prices *p, const char *path, double history_fraction, char *err, size_t errsize)
{
	struct strbuf sb = STRBUF_INIT;
	long rc;

	if (strbuf_read_file(&sb, path, PRICES_MAX_FILE) < 0) {
		snprintf(err, errsize, "%s: cannot read the price trace", path);
		strbuf_release(&sb);
		return -1;
	}
	rc = prices_load_text(p, sb.buf, sb.len, path, history_fraction, err, errsize);
	strbuf_release(&sb);
	return rc;
}

const char *prices_current(struct prices *p, const char *az, const char *type, const char *product, int64_t vt_ms)
{
	long si;
	const struct prices_series *s;
	const char *price = NULL;

	prices_finish(p);
	si = prices_series_find(p, az, type, product, 0);
	if (si < 0)
		return NULL;
	s = &p->series[si];
	for (size_t i = s->first; i < s->first + s->count && p->rows[i].vt_ms <= vt_ms; i++)
		price = p->rows[i].price;
	return price;
}

static int prices_in(const char *v, const char *const *list, size_t n)
{
	if (!list)
		return 1;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], v))
			return 1;
	return 0;
}

static const struct prices *prices_sort_ctx;

static int prices_out_cmp(const void *a, const void *b)
{
	const struct prices_row *x = *(const struct prices_row *const *)a, *y = *(const struct prices_row *const *)b;
	const struct prices_series *sx = &prices_sort_ctx->series[x->series], *sy = &prices_sort_ctx->series[y->series];
	int c;

	if (x->vt_ms != y->vt_ms)
		return x->vt_ms > y->vt_ms ? -1 : 1;
	if ((c = strcmp(sx->az, sy->az)))
		return c;
	if ((c = strcmp(sx->type, sy->type)))
		return c;
	return strcmp(sx->product, sy->product);
}

size_t prices_query(struct prices *p, const struct prices_query *q, int64_t now_vt, const struct prices_row ***out)
{
	const struct prices_row **v = NULL;
	size_t n = 0, alloc = 0;
	int64_t end = q->has_end && q->end_vt < now_vt ? q->end_vt : now_vt;

	prices_finish(p);
	for (size_t si = 0; si < p->nseries; si++) {
		const struct prices_series *s = &p->series[si];
		const struct prices_row *before = NULL;
		if ((q->region && strcmp(q->region, s->region)) || !prices_in(s->type, q->types, q->ntypes) ||
		    !prices_in(s->product, q->products, q->nproducts) || !prices_in(s->az, q->azs, q->nazs))
			continue;
		for (size_t i = s->first; i < s->first + s->count; i++) {
			const struct prices_row *r = &p->rows[i];
			if (r->vt_ms > end)
				break;
			if (q->has_start && r->vt_ms < q->start_vt) {
				before = r;
				continue;
			}
			if (before) {
				/* The price in force at the start time, unless a row sits exactly on it. */
				if (r->vt_ms > q->start_vt) {
					if (n == alloc) {
						alloc = alloc ? alloc * 2 : 256;
						v = xrealloc(v, st_mult(alloc, sizeof(*v)));
					}
					v[n++] = before;
				}
				before = NULL;
			}
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 256;
				v = xrealloc(v, st_mult(alloc, sizeof(*v)));
			}
			v[n++] = r;
		}
		if (before) {
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 256;
				v = xrealloc(v, st_mult(alloc, sizeof(*v)));
			}
			v[n++] = before;
		}
	}
	prices_sort_ctx = p;
	if (n)
		qsort(v, n, sizeof(*v), prices_out_cmp);
	*out = v;
	return n;
}
