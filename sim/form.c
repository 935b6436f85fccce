/* form.c - form-urlencoded parameters and the EC2 Query list conventions. */
#include "sim/form.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void form_init(struct form *f)
{
	memset(f, 0, sizeof(*f));
}

void form_release(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->params[i].key);
		free(f->params[i].value);
	}
	free(f->params);
	form_init(f);
}

static int form_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int form_decode(const char *s, size_t len, char **out, size_t *outlen)
{
	char *o = xmalloc(st_add(len, 1));
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi, lo;
			hi = i + 1 < len ? form_hexval((unsigned char)s[i + 1]) : -1;
			lo = i + 2 < len ? form_hexval((unsigned char)s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(o);
				return -1;
			}
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == 0) {
			free(o);
			return -1;
		}
		o[n++] = (char)c;
	}
	o[n] = 0;
	*out = o;
	if (outlen)
		*outlen = n;
	return 0;
}

int form_parse(struct form *f, const char *data, size_t len, char *err, size_t errsize)
{
	size_t i = 0;

	while (i < len) {
		size_t start = i, eq = (size_t)-1;
		char *key = NULL, *value = NULL;
		size_t klen = 0, vlen = 0;

		while (i < len && data[i] != '&') {
			if (data[i] == '=' && eq == (size_t)-1)
				eq = i;
			i++;
		}
		if (i == start) {
			i++;
			continue;
		}
		if (eq == (size_t)-1)
			eq = i;
		if (form_decode(data + start, eq - start, &key, &klen) < 0 ||
		    form_decode(data + (eq < i ? eq + 1 : i), eq < i ? i - eq - 1 : 0, &value, &vlen) < 0) {
			free(key);
			snprintf(err, errsize, "malformed percent-encoding in parameter %zu", f->n + 1);
			return -1;
		}
		i++;
		if (klen == 0 || klen > FORM_MAX_KEY_LEN) {
			free(key);
			free(value);
			snprintf(err, errsize, "parameter name of %zu bytes (1 to %d allowed)", klen, FORM_MAX_KEY_LEN);
			return -1;
		}
		if (vlen > FORM_MAX_VALUE_LEN) {
			snprintf(err, errsize, "value of %.64s is %zu bytes (at most %d)", key, vlen, FORM_MAX_VALUE_LEN);
			free(key);
			free(value);
			return -1;
		}
		if (form_get(f, key)) {
			free(key);
			free(value);
			continue;
		}
		if (f->n >= FORM_MAX_PARAMS) {
			free(key);
			free(value);
			snprintf(err, errsize, "more than %d parameters", FORM_MAX_PARAMS);
			return -1;
		}
		if (f->n == f->alloc) {
			f->alloc = f->alloc ? f->alloc * 2 : 16;
			f->params = xrealloc(f->params, st_mult(f->alloc, sizeof(*f->params)));
		}
		f->params[f->n].key = key;
		f->params[f->n].value = value;
		f->n++;
	}
	return 0;
}

const char *form_get(const struct form *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->params[i].key, key))
			return f->params[i].value;
	return NULL;
}

/* Parses a positive decimal index ending at a NUL or '.'; sets *end. -1 if none. */
static long form_index(const char *s, const char **end)
{
	long v = 0;
	const char *p = s;

	if (*p < '1' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		if (v > 1000000)
			return -1;
		p++;
	}
	*end = p;
	return v;
}

struct form_item {
	long idx;
	const char *value;
};

static int form_item_cmp(const void *a, const void *b)
{
	const struct form_item *x = a, *y = b;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

int form_list(const struct form *f, const char *prefix, const char ***out)
{
	size_t plen = strlen(prefix), n = 0;
	struct form_item *items = NULL;
	const char **vals;

	*out = NULL;
	for (size_t i = 0; i < f->n; i++) {
		const char *k = f->params[i].key, *end;
		long idx;
		if (strncmp(k, prefix, plen) || k[plen] != '.')
			continue;
		idx = form_index(k + plen + 1, &end);
		if (idx < 0 || *end)
			continue;
		if (n >= FORM_MAX_LIST) {
			free(items);
			return -1;
		}
		items = xrealloc(items, st_mult(n + 1, sizeof(*items)));
		items[n].idx = idx;
		items[n].value = f->params[i].value;
		n++;
	}
	if (!n)
		return 0;
	qsort(items, n, sizeof(*items), form_item_cmp);
	vals = xmalloc(st_mult(n, sizeof(*vals)));
	for (size_t i = 0; i < n; i++)
		vals[i] = items[i].value;
	free(items);
	*out = vals;
	return (int)n;
}

void form_filters_free(struct form_filter *filters, int n)
{
	for (int i = 0; i < n; i++)
		free(filters[i].values);
	free(filters);
}

int form_filters(const struct form *f, struct form_filter **out)
{
	long idx[FORM_MAX_FILTERS];
	int n = 0;
	struct form_filter *fl;

	*out = NULL;
	/* Which Filter.N exist (by any key under them). */
	for (size_t i = 0; i < f->n; i++) {
		const char *k = f->params[i].key, *end;
		long v;
		int seen = 0;
		if (strncmp(k, "Filter.", 7))
			continue;
		v = form_index(k + 7, &end);
		if (v < 0 || *end != '.')
			continue;
		for (int j = 0; j < n; j++)
			if (idx[j] == v)
				seen = 1;
		if (seen)
			continue;
		if (n >= FORM_MAX_FILTERS)
			return -1;
		idx[n++] = v;
	}
	if (!n)
		return 0;
	/* Order by N (insertion sort: n is small). */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && idx[j - 1] > idx[j]; j--) {
			long t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	fl = xcalloc((size_t)n, sizeof(*fl));
	for (int i = 0; i < n; i++) {
		char key[64];
		int nv;
		snprintf(key, sizeof(key), "Filter.%ld.Name", idx[i]);
		fl[i].name = form_get(f, key);
		snprintf(key, sizeof(key), "Filter.%ld.Value", idx[i]);
		nv = form_list(f, key, &fl[i].values);
		if (!fl[i].name || nv < 0 || nv > FORM_MAX_FILTER_VALUES) {
			form_filters_free(fl, n);
			return -1;
		}
		fl[i].nvalues = (size_t)nv;
	}
	*out = fl;
	return n;
}
