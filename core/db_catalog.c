/* db_catalog.c - instance_types statements. */
#include "core/db_catalog.h"
#include "core/db.h"
#include "common/arena.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define CATALOG_COLS                                                                                         \
	"instance_type, region, family, arch, memory_gib, ondemand_price, " DB_RFC3339("created_at") ", "    \
	DB_RFC3339("updated_at") ", vcpu, version, is_active"

static const char *const db_catalog_sql[] = {
	"SELECT " CATALOG_COLS " FROM instance_types WHERE (? IS NULL OR region = ?) "
	"AND (? IS NULL OR instance_type = ?) ORDER BY region, instance_type LIMIT ?",
	"SELECT " CATALOG_COLS " FROM instance_types WHERE instance_type = ? AND region = ?",
	"SELECT " CATALOG_COLS " FROM instance_types WHERE instance_type = ? AND region = ? FOR UPDATE",
	"INSERT INTO instance_types (instance_type, region, family, vcpu, memory_gib, arch, ondemand_price, is_active, "
	"created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
	/* The seed: affected rows say whether it was missing; an existing row is never touched. */
	"INSERT INTO instance_types (instance_type, region, family, vcpu, memory_gib, arch, ondemand_price, is_active, "
	"created_at, updated_at) SELECT ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) FROM DUAL "
	"WHERE NOT EXISTS (SELECT 1 FROM instance_types WHERE instance_type = ? AND region = ?)",
	"UPDATE instance_types SET family = ?, vcpu = ?, memory_gib = ?, arch = ?, ondemand_price = ?, is_active = ?, "
	"version = version + 1, updated_at = UTC_TIMESTAMP(3) WHERE instance_type = ? AND region = ? AND version = ?",
};
enum { SQL_LIST, SQL_GET, SQL_GET_LOCK, SQL_INSERT, SQL_INSERT_MISSING, SQL_UPDATE };

static long num(const char *s)
{
	return s ? strtol(s, NULL, 10) : 0;
}

static void db_catalog_fill(const struct db_rows *r, size_t i, struct catalog_row *o)
{
	o->instance_type = db_rows_cell(r, i, 0);
	o->region = db_rows_cell(r, i, 1);
	o->family = db_rows_cell(r, i, 2);
	o->arch = db_rows_cell(r, i, 3);
	o->memory_gib = db_rows_cell(r, i, 4);
	o->ondemand_price = db_rows_cell(r, i, 5);
	o->created_at = db_rows_cell(r, i, 6);
	o->updated_at = db_rows_cell(r, i, 7);
	o->vcpu = num(db_rows_cell(r, i, 8));
	o->version = num(db_rows_cell(r, i, 9));
	o->is_active = num(db_rows_cell(r, i, 10)) != 0;
}

int db_catalog_list(struct db *db, struct arena *a, const char *region, const char *type, long max,
		    struct catalog_row **out, size_t *n)
{
	struct db_param p[] = { DBP_STR(region), DBP_STR(region), DBP_STR(type), DBP_STR(type), DBP_INT(max) };
	struct db_rows r;
	if (db_query(db, a, db_catalog_sql[SQL_LIST], p, 5, &r) < 0)
		return -1;
	*out = arena_calloc(a, r.nrows ? r.nrows : 1, sizeof(**out));
	for (size_t i = 0; i < r.nrows; i++)
		db_catalog_fill(&r, i, &(*out)[i]);
	*n = r.nrows;
	return 0;
}

int db_catalog_get(struct db *db, struct arena *a, const char *type, const char *region, int lock,
		   struct catalog_row *out)
{
	struct db_param p[] = { DBP_STR(type), DBP_STR(region) };
	struct db_rows r;
	if (db_query(db, a, db_catalog_sql[lock ? SQL_GET_LOCK : SQL_GET], p, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	db_catalog_fill(&r, 0, out);
	return 1;
}

int db_catalog_insert(struct db *db, const struct catalog_values *v)
{
	struct db_param p[] = { DBP_STR(v->instance_type), DBP_STR(v->region),	   DBP_STR(v->family),
				DBP_INT(v->vcpu),	   DBP_DOUBLE(v->memory_gib), DBP_STR(v->arch),
				v->has_price ? DBP_DOUBLE(v->ondemand_price) : DBP_NULL, DBP_INT(v->is_active) };
	return db_query(db, NULL, db_catalog_sql[SQL_INSERT], p, 8, NULL);
}

int db_catalog_insert_missing(struct db *db, const struct catalog_values *v, int *inserted)
{
	struct db_param p[] = { DBP_STR(v->instance_type), DBP_STR(v->region),	   DBP_STR(v->family),
				DBP_INT(v->vcpu),	   DBP_DOUBLE(v->memory_gib), DBP_STR(v->arch),
				v->has_price ? DBP_DOUBLE(v->ondemand_price) : DBP_NULL, DBP_INT(v->is_active),
				DBP_STR(v->instance_type), DBP_STR(v->region) };
	struct db_rows r;
	if (db_query(db, NULL, db_catalog_sql[SQL_INSERT_MISSING], p, 10, &r) < 0)
		return -1;
	*inserted = r.affected > 0;
	return 0;
}

int db_catalog_update(struct db *db, const struct catalog_values *v, long version, int *updated)
{
	struct db_param p[] = { DBP_STR(v->family),
				DBP_INT(v->vcpu),
				DBP_DOUBLE(v->memory_gib),
				DBP_STR(v->arch),
				v->has_price ? DBP_DOUBLE(v->ondemand_price) : DBP_NULL,
				DBP_INT(v->is_active),
				DBP_STR(v->instance_type),
				DBP_STR(v->region),
				DBP_INT(version) };
	struct db_rows r;
	if (db_query(db, NULL, db_catalog_sql[SQL_UPDATE], p, 9, &r) < 0)
		return -1;
	*updated = r.affected > 0;
	return 0;
}

/* A decimal column as a JSON number that prints exactly as stored. */
static struct json_object *db_catalog_decimal(const char *s)
{
	return s ? json_object_new_double_s(strtod(s, NULL), s) : NULL;
}

struct json_object *db_catalog_json(const struct catalog_row *r)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "instance_type", json_object_new_string(r->instance_type));
	json_object_object_add(o, "region", json_object_new_string(r->region));
	json_object_object_add(o, "family", r->family ? json_object_new_string(r->family) : NULL);
	json_object_object_add(o, "vcpu", json_object_new_int64(r->vcpu));
	json_object_object_add(o, "memory_gib", db_catalog_decimal(r->memory_gib));
	json_object_object_add(o, "arch", json_object_new_string(r->arch));
	json_object_object_add(o, "ondemand_price", db_catalog_decimal(r->ondemand_price));
	json_object_object_add(o, "is_active", json_object_new_boolean(r->is_active));
	json_object_object_add(o, "version", json_object_new_int64(r->version));
	json_object_object_add(o, "created_at", json_object_new_string(r->created_at));
	json_object_object_add(o, "updated_at", json_object_new_string(r->updated_at));
	return o;
}
