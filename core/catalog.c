/* catalog.c - the instance catalog: CSV seed and admin upserts. */
#include "core/catalog.h"
#include "core/awsnames.h"
#include "core/db.h"
#include "common/arena.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CATALOG_HEADER "instance_type,region,vcpu,memory_gib,arch,ondemand_price"
#define CATALOG_FAMILY_MAX 32

int catalog_arch_valid(const char *arch)
{
	return !strcmp(arch, "x86_64") || !strcmp(arch, "arm64");
}

/* "m5" of "m5.large"; the family column is informational, so a long one is cut. */
static const char *catalog_family(struct arena *a, const char *type)
{
	const char *dot = strchr(type, '.');
	size_t n = dot ? (size_t)(dot - type) : strlen(type);
	return arena_strndup(a, type, n < CATALOG_FAMILY_MAX ? n : CATALOG_FAMILY_MAX);
}

static const char *catalog_json_text(struct arena *a, const struct catalog_row *r)
{
	struct json_object *o = db_catalog_json(r);
	const char *s = arena_strdup(a, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

enum core_result catalog_put(struct db *db, struct arena *a, const struct catalog_values *in, long version,
			     const struct actor *who, struct catalog_row *out)
{
	struct catalog_values v = *in;
	struct catalog_row before;
	const char *pre = NULL, *subject;
	int rc, created = 0;

	v.family = catalog_family(a, v.instance_type);
	subject = arena_printf(a, "%s/%s", v.instance_type, v.region);
	if (db_begin(db) < 0)
		return CORE_ERR;
	rc = db_catalog_get(db, a, v.instance_type, v.region, 1, &before);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		if (version >= 0) {
			db_rollback(db);
			return CORE_CONFLICT; /* it was deleted, or never existed at that version */
		}
		if (db_catalog_insert(db, &v) < 0) {
			/* A racing create of the same row: the caller reloads and sends its version. */
			int dup = db_is_duplicate(db);
			db_rollback(db);
			return dup ? CORE_CONFLICT : CORE_ERR;
		}
		created = 1;
	} else {
		int updated;
		if (version < 0 || version != before.version) {
			db_rollback(db);
			return CORE_CONFLICT;
		}
		pre = catalog_json_text(a, &before);
		if (db_catalog_update(db, &v, version, &updated) < 0)
			goto fail;
		if (!updated) {
			db_rollback(db);
			return CORE_CONFLICT;
		}
	}
	if (db_catalog_get(db, a, v.instance_type, v.region, 0, out) != 1 ||
	    clients_audit(db, who, NULL, NULL, created ? "instance_type.created" : "instance_type.updated",
			  "instance_type", subject, NULL, pre, catalog_json_text(a, out)) < 0 ||
	    db_commit(db) < 0)
		goto fail;
	return created ? CORE_CREATED : CORE_OK;
fail:
	db_rollback(db);
	return CORE_ERR;
}

/* ---- the CSV seed ---- */

struct catalog_seed_row {
	char *type, *region, *arch;
	long vcpu;
	double memory_gib, price;
	int has_price;
};

/* A whole-field decimal number: digits with at most one '.', nothing else (no sign, exponent, inf or nan). */
static int catalog_decimal(const char *s, double *out)
{
	const char *p = s;
	int digits = 0, dots = 0;
	char *end;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' && !dots)
			dots++;
		else
			return -1;
	}
	if (!digits || p - s > 20)
		return -1;
	errno = 0;
	*out = strtod(s, &end);
	return errno || *end || !isfinite(*out) ? -1 : 0;
}

/* Checks one data line (NUL-terminated, no line end). 0, or -1 with *why set. */
static int catalog_parse_line(char *line, struct catalog_seed_row *r, const char **why)
{
	char *f[6];
	size_t n = 0;
	char *p = line;
	double d;

	f[n++] = p;
	for (; *p; p++) {
		if (*p == ',') {
			if (n == 6) {
				*why = "more than 6 fields";
				return -1;
			}
			*p = '\0';
			f[n++] = p + 1;
		} else if (*p == '"' || (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f) {
			*why = "quotes, control characters and non-ASCII bytes are not allowed";
			return -1;
		}
	}
	if (n != 6) {
		*why = "expected 6 fields: " CATALOG_HEADER;
		return -1;
	}
	if (!aws_instance_type_valid(f[0])) {
		*why = "instance_type is not a type name like t3.medium";
		return -1;
	}
	if (!aws_region_valid(f[1])) {
		*why = "region is not a region name like us-east-1";
		return -1;
	}
	if (catalog_decimal(f[2], &d) < 0 || strchr(f[2], '.') || d < 1 || d > CATALOG_MAX_VCPU) {
		*why = "vcpu must be an integer from 1 to 4096";
		return -1;
	}
	r->vcpu = (long)d;
	if (catalog_decimal(f[3], &r->memory_gib) < 0 || r->memory_gib <= 0 ||
	    r->memory_gib > CATALOG_MAX_MEMORY_GIB) {
		*why = "memory_gib must be a number above 0 and at most 65536";
		return -1;
	}
	if (!catalog_arch_valid(f[4])) {
		*why = "arch must be x86_64 or arm64";
		return -1;
	}
	r->has_price = f[5][0] != '\0';
	if (r->has_price && (catalog_decimal(f[5], &r->price) < 0 || r->price > CATALOG_MAX_PRICE)) {
		*why = "ondemand_price must be empty or a number from 0 to 1000 (USD per hour)";
		return -1;
	}
	r->type = f[0];
	r->region = f[1];
	r->arch = f[4];
	return 0;
}

int catalog_seed(struct db *db, const char *path, const struct actor *who, size_t *inserted, size_t *total, char *err,
		 size_t errsize)
{
	FILE *fp;
	char line[CATALOG_MAX_LINE + 2];
	struct catalog_seed_row *rows = NULL;
	struct arena a;
	size_t nrows = 0, cap = 0, lineno = 0;
	int header = 0, rc = -1;
	const char *why;

	*inserted = *total = 0;
	fp = fopen(path, "r");
	if (!fp) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	arena_init(&a, 64 * 1024);
	while (fgets(line, sizeof(line), fp)) {
		size_t len = strlen(line);
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		else if (!feof(fp)) {
			snprintf(err, errsize, "%s:%zu: line longer than %d bytes", path, lineno, CATALOG_MAX_LINE);
			goto out;
		}
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		if (!header) {
			if (strcmp(line, CATALOG_HEADER)) {
				snprintf(err, errsize, "%s:%zu: expected the header %s", path, lineno, CATALOG_HEADER);
				goto out;
			}
			header = 1;
			continue;
		}
		if (nrows == CATALOG_MAX_ROWS) {
			snprintf(err, errsize, "%s:%zu: more than %d rows", path, lineno, CATALOG_MAX_ROWS);
			goto out;
		}
		if (nrows == cap) {
			cap = cap ? cap * 2 : 256;
			rows = xrealloc(rows, st_mult(cap, sizeof(*rows)));
		}
		char *copy = arena_strdup(&a, line);
		if (catalog_parse_line(copy, &rows[nrows], &why) < 0) {
			snprintf(err, errsize, "%s:%zu: %s", path, lineno, why);
			goto out;
		}
		nrows++;
	}
	if (ferror(fp)) {
		snprintf(err, errsize, "%s: read error", path);
		goto out;
	}
	if (!header) {
		snprintf(err, errsize, "%s:%zu: no header line (%s)", path, lineno, CATALOG_HEADER);
		goto out;
	}

	if (db_begin(db) < 0)
		goto dberr;
	for (size_t i = 0; i < nrows; i++) {
		struct catalog_values v = {
			.instance_type = rows[i].type,
			.region = rows[i].region,
			.family = catalog_family(&a, rows[i].type),
			.arch = rows[i].arch,
			.vcpu = rows[i].vcpu,
			.memory_gib = rows[i].memory_gib,
			.ondemand_price = rows[i].price,
			.has_price = rows[i].has_price,
			.is_active = 1,
		};
		int ins;
		if (db_catalog_insert_missing(db, &v, &ins) < 0)
			goto rollback;
		*inserted += (size_t)ins;
	}
	if (*inserted) {
		const char *post = arena_printf(&a, "{\"inserted\":%zu,\"rows\":%zu}", *inserted, nrows);
		if (clients_audit(db, who, NULL, NULL, "instance_type.seeded", "instance_type", "catalog", path, NULL,
				  post) < 0)
			goto rollback;
	}
	if (db_commit(db) < 0)
		goto rollback;
	*total = nrows;
	rc = 0;
	goto out;
rollback:
	db_rollback(db);
dberr:
	snprintf(err, errsize, "%s: database error %u: %s", path, db->last_errno, db->last_error);
	*inserted = 0;
out:
	fclose(fp);
	free(rows);
	arena_release(&a);
	return rc;
}
