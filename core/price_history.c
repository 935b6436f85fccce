/*
 * price_history.c - parses spot price histories (AWS CLI JSON or CSV) and
 * on-demand price lists (contract and formats in price_history.h).
 */
#include "core/price_history.h"
#include "common/errbuf.h"

#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/timeutil.h"

void price_history_init(struct price_history *h)
{
	memset(h, 0, sizeof(*h));
}

void price_history_release(struct price_history *h)
{
	for (size_t i = 0; i < h->nseries; i++)
		free(h->series[i].pts);
	free(h->series);
	memset(h, 0, sizeof(*h));
}

/* Copies s (n bytes) into dst when it fits; -1 when too long or empty. */
static int price_history_copy(char *dst, size_t dstlen, const char *s, size_t n)
{
	if (n == 0 || n >= dstlen)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* "us-east-1c" -> "us-east-1": the region is the AZ without its trailing letters. */
static void price_history_region(const char *az, char *region, size_t regionlen)
{
	size_t n = strlen(az);
	while (n > 0 && isalpha((unsigned char)az[n - 1]))
		n--;
	if (n == 0)
		n = strlen(az);
	if (n >= regionlen)
		n = regionlen - 1;
	memcpy(region, az, n);
	region[n] = '\0';
}

static struct price_history_series *price_history_find(struct price_history *h, const char *az, const char *type)
{
	struct price_history_series *s;

	for (size_t i = h->nseries; i-- > 0;)
		if (strcmp(h->series[i].az, az) == 0 && strcmp(h->series[i].instance_type, type) == 0)
			return &h->series[i];
	if (h->nseries >= PRICE_HISTORY_MAX_SERIES)
		return NULL;
	if (h->nseries == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 16;
		void *p = realloc(h->series, cap * sizeof(*h->series));
		if (!p)
			return NULL;
		h->series = p;
		h->cap = cap;
	}
	s = &h->series[h->nseries];
	memset(s, 0, sizeof(*s));
	if (price_history_copy(s->az, sizeof(s->az), az, strlen(az)) < 0 ||
	    price_history_copy(s->instance_type, sizeof(s->instance_type), type, strlen(type)) < 0)
		return NULL;
	price_history_region(az, s->region, sizeof(s->region));
	snprintf(s->pool_id, sizeof(s->pool_id), "%s:%s", az, type);
	h->nseries++;
	return s;
}

static int price_history_push(struct price_history_series *s, int64_t t, double price)
{
	if (s->npts == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		void *p = realloc(s->pts, cap * sizeof(*s->pts));
		if (!p)
			return -1;
		s->pts = p;
		s->cap = cap;
	}
	s->pts[s->npts].t_ms = t;
	s->pts[s->npts].price = price;
	s->npts++;
	return 0;
}

/* One record, checked; where names it in messages ("line 7", "SpotPriceHistory[3]"). */
static int price_history_record(struct price_history *h, const char *where, const char *ts, const char *az,
				const char *type, const char *prod, const char *price_s, const char *product, char *err,
				size_t errlen)
{
	struct price_history_series *s;
	int64_t t;
	double price;
	char *end;

	if (strcmp(prod, product) != 0) {
		h->skipped_product++;
		return 0;
	}
	if (time_parse_rfc3339(ts, &t) < 0)
		return errbuf_fail(err, errlen, "%s: timestamp: '%.40s' is not an RFC 3339 time", where, ts);
	if (!*az || strlen(az) >= sizeof(s->az))
		return errbuf_fail(err, errlen, "%s: availability_zone: empty or too long", where);
	if (!*type || strlen(type) >= sizeof(s->instance_type))
		return errbuf_fail(err, errlen, "%s: instance_type: empty or too long", where);
	price = strtod(price_s, &end);
	if (end == price_s || *end != '\0' || !isfinite(price) || price < 0)
		return errbuf_fail(err, errlen, "%s: spot_price: '%.40s' is not a price", where, price_s);
	if (h->records >= PRICE_HISTORY_MAX_RECORDS)
		return errbuf_fail(err, errlen, "%s: more than %d records", where, PRICE_HISTORY_MAX_RECORDS);
	s = price_history_find(h, az, type);
	if (!s)
		return errbuf_fail(err, errlen, "%s: too many series (at most %d) or out of memory", where,
					  PRICE_HISTORY_MAX_SERIES);
	if (price_history_push(s, t, price) < 0)
		return errbuf_fail(err, errlen, "%s: out of memory", where);
	h->records++;
	return 0;
}

static const char *price_history_json_str(json_object *rec, const char *key, char *buf, size_t buflen)
{
	json_object *v;
	if (!json_object_object_get_ex(rec, key, &v))
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) {
		snprintf(buf, buflen, "%.17g", json_object_get_double(v));
		return buf;
	}
	return NULL;
}

static int price_history_json(struct price_history *h, const char *text, size_t len, const char *product,
			      char *err, size_t errlen)
{
	static const char *const keys[5] = { "Timestamp", "AvailabilityZone", "InstanceType", "ProductDescription",
					     "SpotPrice" };
	json_tokener *tok = json_tokener_new();
	json_object *root, *arr;
	enum json_tokener_error jerr;
	int rc = -1;

	if (!tok)
		return errbuf_fail(err, errlen, "json: out of memory");
	if (len > 0x7fffffff) {
		json_tokener_free(tok);
		return errbuf_fail(err, errlen, "json: text too large");
	}
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		json_object_put(root);
		return errbuf_fail(err, errlen, "json: not valid JSON (%s)",
					  jerr == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(jerr));
	}
	if (!json_object_object_get_ex(root, "SpotPriceHistory", &arr) || !json_object_is_type(arr, json_type_array)) {
		errbuf_fail(err, errlen, "SpotPriceHistory: required array missing");
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *rec = json_object_array_get_idx(arr, i);
		const char *v[5];
		char num[40], where[48];

		snprintf(where, sizeof(where), "SpotPriceHistory[%zu]", i);
		if (!rec || !json_object_is_type(rec, json_type_object)) {
			errbuf_fail(err, errlen, "%s: not an object", where);
			goto out;
		}
		for (int k = 0; k < 5; k++) {
			v[k] = price_history_json_str(rec, keys[k], num, sizeof(num));
			if (!v[k]) {
				errbuf_fail(err, errlen, "%s: %s: required string missing", where, keys[k]);
				goto out;
			}
		}
		if (price_history_record(h, where, v[0], v[1], v[2], v[3], v[4], product, err, errlen) < 0)
			goto out;
	}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

/* Splits line (modified in place) at commas into at most max fields; returns the count. */
static int price_history_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;
	while (n < max) {
		char *c = strchr(p, ',');
		f[n++] = p;
		if (!c)
			break;
		*c = '\0';
		p = c + 1;
	}
	if (n == max && strchr(p, ','))
		return max + 1;
	return n;
}

/*
 * Walks the lines of text, skipping blank and '#' lines, handing each to fn
 * with its 1-based number. A copy of each line is made so it can be split.
 */
typedef int (*price_history_line_fn)(void *ctx, size_t lineno, char *line, char *err, size_t errlen);

static int price_history_lines(const char *text, size_t len, void *ctx, price_history_line_fn fn, char *err,
			       size_t errlen)
{
	size_t pos = 0, lineno = 0;
	char *buf = NULL;
	size_t bufcap = 0;
	int rc = 0;

	while (pos < len && rc == 0) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		lineno++;
		if (n + 1 > bufcap) {
			void *p = realloc(buf, n + 1);
			if (!p) {
				rc = errbuf_fail(err, errlen, "line %zu: out of memory", lineno);
				break;
			}
			buf = p;
			bufcap = n + 1;
		}
		memcpy(buf, text + pos, n);
		while (n > 0 && (buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
			n--;
		buf[n] = '\0';
		pos += (nl ? (size_t)(nl - (text + pos)) + 1 : len - pos);
		if (n == 0 || buf[0] == '#')
			continue;
		if (memchr(buf, '\0', n))
			rc = errbuf_fail(err, errlen, "line %zu: NUL byte", lineno);
		else
			rc = fn(ctx, lineno, buf, err, errlen);
	}
	free(buf);
	return rc;
}

struct price_history_csv_ctx {
	struct price_history *h;
	const char *product;
	int header_seen;
};

static int price_history_csv_line(void *vctx, size_t lineno, char *line, char *err, size_t errlen)
{
	struct price_history_csv_ctx *ctx = vctx;
	char *f[5], where[32];
	int n;

	if (!ctx->header_seen) {
		if (strcmp(line, "timestamp,availability_zone,instance_type,product_description,spot_price") != 0)
			return errbuf_fail(err, errlen,
						  "line %zu: header: want "
						  "timestamp,availability_zone,instance_type,product_description,spot_price",
						  lineno);
		ctx->header_seen = 1;
		return 0;
	}
	snprintf(where, sizeof(where), "line %zu", lineno);
	n = price_history_split(line, f, 5);
	if (n != 5)
		return errbuf_fail(err, errlen, "%s: has %s5 fields", where, n < 5 ? "fewer than " : "more than ");
	return price_history_record(ctx->h, where, f[0], f[1], f[2], f[3], f[4], ctx->product, err, errlen);
}

/* Moves every series of src to the end of dst's matching series. */
static int price_history_merge(struct price_history *dst, struct price_history *src, char *err, size_t errlen)
{
	for (size_t i = 0; i < src->nseries; i++) {
		struct price_history_series *s = &src->series[i];
		struct price_history_series *d = price_history_find(dst, s->az, s->instance_type);
		if (!d)
			return errbuf_fail(err, errlen, "too many series (at most %d) or out of memory",
						  PRICE_HISTORY_MAX_SERIES);
		for (size_t k = 0; k < s->npts; k++)
			if (price_history_push(d, s->pts[k].t_ms, s->pts[k].price) < 0)
				return errbuf_fail(err, errlen, "out of memory");
	}
	dst->records += src->records;
	dst->skipped_product += src->skipped_product;
	return 0;
}

int price_history_add_text(struct price_history *h, const char *text, size_t len, const char *product, char *err,
			   size_t errlen)
{
	struct price_history tmp;
	size_t i = 0;
	int rc;

	if (!product)
		product = PRICE_HISTORY_DEFAULT_PRODUCT;
	price_history_init(&tmp);
	while (i < len && isspace((unsigned char)text[i]))
		i++;
	if (i < len && text[i] == '{') {
		rc = price_history_json(&tmp, text, len, product, err, errlen);
	} else {
		struct price_history_csv_ctx ctx = { &tmp, product, 0 };
		rc = price_history_lines(text, len, &ctx, price_history_csv_line, err, errlen);
		if (rc == 0 && !ctx.header_seen)
			rc = errbuf_fail(err, errlen, "csv: empty, no header");
	}
	if (rc == 0) {
		size_t nseries = h->nseries;
		rc = price_history_merge(h, &tmp, err, errlen);
		if (rc < 0) {
			/* best effort to keep h as it was: drop series created by the merge */
			for (size_t k = nseries; k < h->nseries; k++)
				free(h->series[k].pts);
			h->nseries = nseries;
		}
	}
	price_history_release(&tmp);
	return rc;
}

static int price_history_point_cmp(const void *a, const void *b)
{
	const struct backtest_point *x = a, *y = b;
	return (x->t_ms > y->t_ms) - (x->t_ms < y->t_ms);
}

void price_history_finish(struct price_history *h)
{
	for (size_t i = 0; i < h->nseries; i++) {
		struct price_history_series *s = &h->series[i];
		size_t out = 0;
		/* AWS lists newest first: reverse a descending series instead of sorting it */
		int descending = 1;
		for (size_t k = 1; k < s->npts; k++)
			if (s->pts[k].t_ms > s->pts[k - 1].t_ms) {
				descending = 0;
				break;
			}
		if (descending && s->npts > 1) {
			for (size_t a = 0, b = s->npts - 1; a < b; a++, b--) {
				struct backtest_point t = s->pts[a];
				s->pts[a] = s->pts[b];
				s->pts[b] = t;
			}
		}
		/* already sorted (the common case) needs no sort */
		for (size_t k = 1; k < s->npts; k++)
			if (s->pts[k].t_ms < s->pts[k - 1].t_ms) {
				qsort(s->pts, s->npts, sizeof(*s->pts), price_history_point_cmp);
				break;
			}
		for (size_t k = 0; k < s->npts; k++) {
			if (out > 0 && s->pts[out - 1].t_ms == s->pts[k].t_ms)
				s->pts[out - 1] = s->pts[k];
			else
				s->pts[out++] = s->pts[k];
		}
		s->npts = out;
	}
}

size_t price_history_pools(const struct price_history *h, struct backtest_pool *pools, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < h->nseries && n < max; i++) {
		const struct price_history_series *s = &h->series[i];
		if (s->npts == 0)
			continue;
		pools[n].pool_id = s->pool_id;
		pools[n].region = s->region;
		pools[n].instance_type = s->instance_type;
		pools[n].az = s->az;
		pools[n].pts = s->pts;
		pools[n].npts = s->npts;
		n++;
	}
	return n;
}

void price_history_ondemand_init(struct price_history_ondemand_list *l)
{
	memset(l, 0, sizeof(*l));
}

void price_history_ondemand_release(struct price_history_ondemand_list *l)
{
	free(l->rows);
	memset(l, 0, sizeof(*l));
}

struct price_history_od_ctx {
	struct price_history_ondemand_list *l;
	int kind; /* 0: no header yet, 1: region,instance_type,price, 2: the catalog */
};

static int price_history_od_line(void *vctx, size_t lineno, char *line, char *err, size_t errlen)
{
	struct price_history_od_ctx *ctx = vctx;
	struct price_history_ondemand *row;
	char *f[6], *end;
	const char *region, *type, *price_s;
	double price;
	int n;

	if (ctx->kind == 0) {
		if (strcmp(line, "region,instance_type,price") == 0)
			ctx->kind = 1;
		else if (strcmp(line, "instance_type,region,vcpu,memory_gib,arch,ondemand_price") == 0)
			ctx->kind = 2;
		else
			return errbuf_fail(err, errlen,
						  "line %zu: header: want region,instance_type,price (or the instance "
						  "catalog's header)",
						  lineno);
		return 0;
	}
	n = price_history_split(line, f, ctx->kind == 1 ? 3 : 6);
	if (n != (ctx->kind == 1 ? 3 : 6))
		return errbuf_fail(err, errlen, "line %zu: has %d fields, want %d", lineno, n,
					  ctx->kind == 1 ? 3 : 6);
	region = ctx->kind == 1 ? f[0] : f[1];
	type = ctx->kind == 1 ? f[1] : f[0];
	price_s = ctx->kind == 1 ? f[2] : f[5];
	price = strtod(price_s, &end);
	if (end == price_s || *end != '\0' || !isfinite(price) || price <= 0)
		return errbuf_fail(err, errlen, "line %zu: price: '%.40s' is not a positive price", lineno, price_s);
	if (ctx->l->n == ctx->l->cap) {
		size_t cap = ctx->l->cap ? ctx->l->cap * 2 : 64;
		void *p;
		if (cap > PRICE_HISTORY_MAX_SERIES * 16)
			return errbuf_fail(err, errlen, "line %zu: too many rows", lineno);
		p = realloc(ctx->l->rows, cap * sizeof(*ctx->l->rows));
		if (!p)
			return errbuf_fail(err, errlen, "line %zu: out of memory", lineno);
		ctx->l->rows = p;
		ctx->l->cap = cap;
	}
	row = &ctx->l->rows[ctx->l->n];
	if (price_history_copy(row->region, sizeof(row->region), region, strlen(region)) < 0)
		return errbuf_fail(err, errlen, "line %zu: region: empty or too long", lineno);
	if (price_history_copy(row->instance_type, sizeof(row->instance_type), type, strlen(type)) < 0)
		return errbuf_fail(err, errlen, "line %zu: instance_type: empty or too long", lineno);
	row->price = price;
	ctx->l->n++;
	return 0;
}

int price_history_ondemand_parse(struct price_history_ondemand_list *l, const char *text, size_t len, char *err,
				 size_t errlen)
{
	struct price_history_od_ctx ctx = { l, 0 };
	size_t n0 = l->n;
	int rc = price_history_lines(text, len, &ctx, price_history_od_line, err, errlen);
	if (rc == 0 && ctx.kind == 0)
		rc = errbuf_fail(err, errlen, "csv: empty, no header");
	if (rc < 0)
		l->n = n0;
	return rc;
}

size_t price_history_ondemand_views(const struct price_history_ondemand_list *l, struct backtest_ondemand *out,
				    size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n && n < max; i++) {
		out[n].region = l->rows[i].region;
		out[n].instance_type = l->rows[i].instance_type;
		out[n].price = l->rows[i].price;
		n++;
	}
	return n;
}

/* Reads path and hands its text to parse; messages get the path in front. */
static int price_history_load(const char *path, char *err, size_t errlen,
			      int (*parse)(void *obj, const char *text, size_t len, const char *product, char *err,
					   size_t errlen),
			      void *obj, const char *product)
{
	struct strbuf sb = STRBUF_INIT;
	char inner[512];
	int rc;

	if (strbuf_read_file(&sb, path, PRICE_HISTORY_MAX_FILE) < 0) {
		strbuf_release(&sb);
		return errbuf_fail(err, errlen, "%s: cannot read (missing, unreadable or over %u bytes)", path,
					  PRICE_HISTORY_MAX_FILE);
	}
	rc = parse(obj, sb.buf, sb.len, product, inner, sizeof(inner));
	strbuf_release(&sb);
	if (rc < 0)
		return errbuf_fail(err, errlen, "%s: %s", path, inner);
	return 0;
}

static int price_history_parse_prices(void *obj, const char *text, size_t len, const char *product, char *err,
				      size_t errlen)
{
	return price_history_add_text(obj, text, len, product, err, errlen);
}

static int price_history_parse_ondemand(void *obj, const char *text, size_t len, const char *product, char *err,
					size_t errlen)
{
	(void)product;
	return price_history_ondemand_parse(obj, text, len, err, errlen);
}

int price_history_load_file(struct price_history *h, const char *path, const char *product, char *err,
			    size_t errlen)
{
	return price_history_load(path, err, errlen, price_history_parse_prices, h, product);
}

int price_history_ondemand_load_file(struct price_history_ondemand_list *l, const char *path, char *err,
				     size_t errlen)
{
	return price_history_load(path, err, errlen, price_history_parse_ondemand, l, NULL);
}
