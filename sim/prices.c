/* prices.c - price traces (JSON or CSV) replayed in simulated time. */
#include "sim/prices.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
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

/* ---- Spot Advisor calibration and synthetic prices ---- */

/* Published us-east-1 Linux on-demand prices ($/hour) of the types a demo is likely to use. */
static const struct {
	const char *type;
	double price;
} prices_on_demand_table[] = {
	{ "c1.medium", 0.13 }, { "c1.xlarge", 0.52 }, { "c5.2xlarge", 0.34 }, { "c5.large", 0.085 },
	{ "c5.xlarge", 0.17 }, { "c6g.large", 0.068 }, { "c6i.2xlarge", 0.34 }, { "c6i.large", 0.085 },
	{ "c6i.xlarge", 0.17 }, { "c7i.large", 0.08925 }, { "cc1.4xlarge", 1.3 }, { "cc2.8xlarge", 2.0 },
	{ "cg1.4xlarge", 2.1 }, { "m1.large", 0.175 }, { "m1.medium", 0.087 }, { "m1.small", 0.044 },
	{ "m1.xlarge", 0.35 }, { "m2.2xlarge", 0.49 }, { "m2.4xlarge", 0.98 }, { "m2.xlarge", 0.245 },
	{ "m3.2xlarge", 0.532 }, { "m3.large", 0.133 }, { "m3.medium", 0.067 }, { "m3.xlarge", 0.266 },
	{ "m5.2xlarge", 0.384 }, { "m5.large", 0.096 }, { "m5.xlarge", 0.192 }, { "m6g.large", 0.077 },
	{ "m6i.2xlarge", 0.384 }, { "m6i.large", 0.096 }, { "m6i.xlarge", 0.192 }, { "m7i.large", 0.1008 },
	{ "r5.2xlarge", 0.504 }, { "r5.large", 0.126 }, { "r5.xlarge", 0.252 }, { "r6i.large", 0.126 },
	{ "r6i.xlarge", 0.252 }, { "t1.micro", 0.02 }, { "t3.large", 0.0832 }, { "t3.medium", 0.0416 },
	{ "t3.micro", 0.0104 }, { "t3.small", 0.0208 }, { "t3.xlarge", 0.1664 }, { "t4g.medium", 0.0336 },
};

/* Spot Advisor "ranges": the share of instances interrupted in a month; the midpoint of each bucket. */
static const struct {
	const char *label;
	double monthly;
} prices_buckets[] = { { "<5%", 0.025 }, { "5-10%", 0.075 }, { "10-15%", 0.125 }, { "15-20%", 0.175 }, { ">20%", 0.25 } };

const char *prices_bucket_label(int bucket)
{
	if (bucket < 0 || bucket > 4)
		return "?";
	return prices_buckets[bucket].label;
}

void prices_advisor_release(struct prices_advisor *a)
{
	free(a->regions);
	free(a->types);
	free(a->entries);
	memset(a, 0, sizeof(*a));
}

static long prices_advisor_type_index(const struct prices_advisor *a, const char *type)
{
	size_t lo = 0, hi = a->ntypes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(a->types[mid].name, type);
		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int prices_advisor_type_cmp(const void *x, const void *y)
{
	return strcmp(((const struct prices_advisor_type *)x)->name, ((const struct prices_advisor_type *)y)->name);
}

long prices_advisor_load(struct prices_advisor *a, const char *path, const char *const *regions, size_t nregions,
			 char *err, size_t errsize)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL, *types, *adv;
	long rc = -1;

	memset(a, 0, sizeof(*a));
	if (strbuf_read_file(&sb, path, PRICES_ADVISOR_MAX_FILE) < 0) {
		snprintf(err, errsize, "%s: cannot read the Spot Advisor data", path);
		goto out;
	}
	tok = json_tokener_new_ex(16);
	root = json_tokener_parse_ex(tok, sb.buf, (int)sb.len);
	if (!root || !json_object_object_get_ex(root, "instance_types", &types) ||
	    !json_object_is_type(types, json_type_object) || !json_object_object_get_ex(root, "spot_advisor", &adv) ||
	    !json_object_is_type(adv, json_type_object)) {
		snprintf(err, errsize, "%s: not Spot Advisor data (instance_types, spot_advisor)", path);
		goto out;
	}
	/* Types, sorted by name for lookups. */
	a->types = xcalloc(st_add((size_t)json_object_object_length(types), 1), sizeof(*a->types));
	json_object_object_foreach(types, tname, tval) {
		struct prices_advisor_type *t = &a->types[a->ntypes];
		struct json_object *v;
		if (strlen(tname) >= PRICES_NAME_LEN || a->ntypes >= 65535)
			continue;
		snprintf(t->name, sizeof(t->name), "%s", tname);
		if (json_object_object_get_ex(tval, "cores", &v))
			t->cores = (float)json_object_get_double(v);
		if (json_object_object_get_ex(tval, "ram_gb", &v))
			t->ram_gb = (float)json_object_get_double(v);
		a->ntypes++;
	}
	qsort(a->types, a->ntypes, sizeof(*a->types), prices_advisor_type_cmp);
	/* The regions asked for, and us-east-1. */
	a->regions = xcalloc(st_add(nregions, 1), sizeof(*a->regions));
	snprintf(a->regions[a->nregions++], PRICES_NAME_LEN, "us-east-1");
	for (size_t i = 0; i < nregions && a->nregions < 65535; i++) {
		int dup = 0;
		for (size_t k = 0; k < a->nregions; k++)
			dup |= !strcmp(a->regions[k], regions[i]);
		if (!dup && strlen(regions[i]) < PRICES_NAME_LEN)
			snprintf(a->regions[a->nregions++], PRICES_NAME_LEN, "%s", regions[i]);
	}
	for (size_t r = 0; r < a->nregions; r++) {
		struct json_object *reg, *linux_;
		if (!json_object_object_get_ex(adv, a->regions[r], &reg) ||
		    !json_object_object_get_ex(reg, "Linux", &linux_) || !json_object_is_type(linux_, json_type_object))
			continue;
		json_object_object_foreach(linux_, lname, lval) {
			struct json_object *s, *b;
			long ti = prices_advisor_type_index(a, lname);
			int64_t sv, bv;
			if (ti < 0 || !json_object_object_get_ex(lval, "s", &s) || !json_object_object_get_ex(lval, "r", &b))
				continue;
			sv = json_object_get_int64(s);
			bv = json_object_get_int64(b);
			if (sv < 0 || sv > 95 || bv < 0 || bv > 4 || a->nentries >= PRICES_MAX_ADVISOR)
				continue;
			if (!(a->nentries & (a->nentries - 1)) || !a->nentries)
				a->entries = xrealloc(a->entries, st_mult(a->nentries ? a->nentries * 2 : 1, sizeof(*a->entries)));
			a->entries[a->nentries].region = (unsigned short)r;
			a->entries[a->nentries].type = (unsigned short)ti;
			a->entries[a->nentries].savings = (unsigned char)sv;
			a->entries[a->nentries].bucket = (unsigned char)bv;
			a->nentries++;
		}
	}
	rc = (long)a->nentries;
out:
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	strbuf_release(&sb);
	if (rc < 0)
		prices_advisor_release(a);
	return rc;
}

static const struct prices_advisor_entry *prices_advisor_find(const struct prices_advisor *a, const char *region,
							       long ti)
{
	for (size_t r = 0; r < a->nregions; r++) {
		if (strcmp(a->regions[r], region))
			continue;
		for (size_t i = 0; i < a->nentries; i++)
			if (a->entries[i].region == r && a->entries[i].type == ti)
				return &a->entries[i];
	}
	return NULL;
}

/* vCPUs guessed from the size name: medium 1, large 2, xlarge 4, 8xlarge 32, metal 96. */
static double prices_size_vcpus(const char *type)
{
	const char *size = strchr(type, '.');
	char *end;
	double n;

	if (!size)
		return 2;
	size++;
	if (!strcmp(size, "nano") || !strcmp(size, "micro") || !strcmp(size, "small"))
		return 1;
	if (!strcmp(size, "medium"))
		return 1;
	if (!strcmp(size, "large"))
		return 2;
	if (!strcmp(size, "xlarge"))
		return 4;
	if (!strncmp(size, "metal", 5))
		return 96;
	n = strtod(size, &end);
	if (end != size && !strcmp(end, "xlarge") && n > 0 && n <= 1000)
		return 4 * n;
	return 2;
}

void prices_calibrate(const struct prices_advisor *a, const char *region, const char *type, struct prices_calib *out)
{
	long ti = a ? prices_advisor_type_index(a, type) : -1;
	const struct prices_advisor_entry *e = NULL;
	double cores = 0, ram = 0;

	memset(out, 0, sizeof(*out));
	out->savings = 70;
	out->bucket = 1;
	if (ti >= 0) {
		e = prices_advisor_find(a, region, ti);
		if (!e)
			e = prices_advisor_find(a, "us-east-1", ti);
		cores = a->types[ti].cores;
		ram = a->types[ti].ram_gb;
	}
	if (e) {
		out->savings = e->savings;
		out->bucket = e->bucket;
		out->advised = 1;
	}
	for (size_t i = 0; i < sizeof(prices_on_demand_table) / sizeof(prices_on_demand_table[0]); i++)
		if (!strcmp(prices_on_demand_table[i].type, type))
			out->on_demand = prices_on_demand_table[i].price;
	if (!out->on_demand) {
		/* m5-shaped: $0.0336 per vCPU-hour and $0.0036 per GiB-hour (m5.large: 2 vCPU, 8 GiB, $0.096). */
		if (!(cores > 0)) {
			cores = prices_size_vcpus(type);
			ram = cores * 4;
		}
		out->on_demand = cores * 0.0336 + ram * 0.0036;
		if (type[0] == 't')
			out->on_demand *= 0.45;	/* burstable */
	}
	if (strcmp(region, "us-east-1") && strcmp(region, "us-east-2") && strcmp(region, "us-west-2"))
		out->on_demand *= 1.12;	/* the other regions are dearer; 12% is typical of eu-west-1 */
	/* A monthly interruption share p is a rate of -ln(1-p) per 720 instance-hours. */
	out->rate = -log(1.0 - prices_buckets[out->bucket].monthly) / 720.0;
}

static uint64_t prices_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double prices_unit(uint64_t *state)
{
	return ((double)(prices_rand(state) >> 11) + 0.5) / 9007199254740992.0;
}

/* A standard normal draw (Box-Muller). */
static double prices_normal(uint64_t *state)
{
	double u = prices_unit(state), v = prices_unit(state);
	return sqrt(-2.0 * log(u)) * cos(2.0 * 3.14159265358979323846 * v);
}

static int64_t prices_synth_gap(struct prices_synth *s)
{
	double g = -log(prices_unit(&s->rng)) * (double)s->mean_gap_ms;
	if (g < 60000)
		g = 60000;
	if (g > 30.0 * s->mean_gap_ms)
		g = 30.0 * s->mean_gap_ms;
	return (int64_t)g;
}

void prices_synth_init(struct prices_synth *s, const struct prices_calib *c, uint64_t rng, double az_factor,
		       int64_t from_vt)
{
	memset(s, 0, sizeof(*s));
	s->rng = rng;
	s->cap = c->on_demand;
	s->mean = c->on_demand * (1.0 - c->savings / 100.0) * az_factor;
	if (!(s->mean > 0.0001))
		s->mean = 0.0001;
	/* More interruptions go with a busier, more volatile pool. */
	s->sigma = 0.02 + 0.02 * c->bucket;
	s->mean_gap_ms = (int64_t)(6 * 3600 * 1000.0 / (1 + c->bucket));
	s->logp = log(s->mean) + s->sigma * prices_normal(&s->rng);
	s->next_vt = from_vt;
}

long prices_synth_extend(struct prices *p, struct prices_synth *s, const char *az, const char *type, int64_t until_vt)
{
	long added = 0;

	while (s->next_vt <= until_vt) {
		char price[PRICES_PRICE_LEN];
		double v;
		/* Ornstein-Uhlenbeck step on the log price, reverting 30% of the way each change. */
		s->logp += 0.3 * (log(s->mean) - s->logp) + s->sigma * prices_normal(&s->rng);
		v = exp(s->logp);
		if (v > s->cap)
			v = s->cap;
		if (v < 0.0001)
			v = 0.0001;
		snprintf(price, sizeof(price), "%.6f", v);
		if (prices_add(p, az, type, "Linux/UNIX", price, s->next_vt) < 0)
			return -1;
		added++;
		s->next_vt += prices_synth_gap(s);
	}
	return added;
}
