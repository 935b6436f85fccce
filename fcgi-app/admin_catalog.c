/* admin_catalog.c - listing and changing the instance catalog. */
#include "fcgi-app/admin_catalog.h"
#include "fcgi-app/app.h"
#include "fcgi-app/validate.h"
#include "core/awsnames.h"
#include "core/catalog.h"

#include <json-c/json.h>
#include <string.h>

static const char *const admin_catalog_archs[] = { "x86_64", "arm64", NULL };

static const struct vfield admin_catalog_fields[] = {
	{ "vcpu", V_INT, 1, 1, CATALOG_MAX_VCPU, NULL },
	{ "memory_gib", V_NUMBER, 1, 0, (long long)CATALOG_MAX_MEMORY_GIB, NULL },
	{ "arch", V_STRING, 1, 1, 16, admin_catalog_archs },
	{ "ondemand_price", V_NUMBER, 0, 0, (long long)CATALOG_MAX_PRICE, NULL },
	{ "is_active", V_BOOL, 0, 0, 0, NULL },
	{ "version", V_INT, 0, 1, 2147483647, NULL },
};
enum { C_VCPU, C_MEMORY, C_ARCH, C_PRICE, C_ACTIVE, C_VERSION, C_COUNT };

void admin_catalog_list(struct app *app, struct request *req, struct response *res)
{
	const char *region = request_query(req, "region"), *type = request_query(req, "type");
	struct catalog_row *rows;
	size_t n;

	if (region && !*region)
		region = NULL;
	if (type && !*type)
		type = NULL;
	if (region && !aws_region_valid(region)) {
		response_error(res, 400, "validation_failed", "is not a region name like us-east-1", "region");
		return;
	}
	if (type && !aws_instance_type_valid(type)) {
		response_error(res, 400, "validation_failed", "is not an instance type name like t3.medium", "type");
		return;
	}
	if (db_catalog_list(&app->db, req->arena, region, type, CATALOG_LIST_MAX, &rows, &n) < 0) {
		app_db_error(app, res, "admin_catalog_list");
		return;
	}
	struct json_object *arr = json_object_new_array(), *o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(arr, db_catalog_json(&rows[i]));
	json_object_object_add(o, "instance_types", arr);
	json_object_object_add(o, "count", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "truncated", json_object_new_boolean(n == CATALOG_LIST_MAX));
	response_json_take(res, 200, o);
}

void admin_catalog_put(struct app *app, struct request *req, struct response *res)
{
	const char *type = req->params[0], *region = req->params[1];
	struct vresult v;
	struct catalog_values in;
	struct catalog_row row;
	struct actor who;
	enum core_result rc;

	if (!aws_instance_type_valid(type)) {
		response_error(res, 400, "validation_failed", "is not an instance type name like t3.medium",
			       "instance_type");
		return;
	}
	if (!aws_region_valid(region)) {
		response_error(res, 400, "validation_failed", "is not a region name like us-east-1", "region");
		return;
	}
	if (app_body(req, res, admin_catalog_fields, C_COUNT, 0, &v) < 0)
		return;
	if (v.d[C_MEMORY] <= 0) {
		response_error(res, 400, "validation_failed", "must be greater than 0", "memory_gib");
		return;
	}
	memset(&in, 0, sizeof(in));
	in.instance_type = type;
	in.region = region;
	in.arch = v.s[C_ARCH];
	in.vcpu = (long)v.i[C_VCPU];
	in.memory_gib = v.d[C_MEMORY];
	in.has_price = v.present[C_PRICE];
	in.ondemand_price = in.has_price ? v.d[C_PRICE] : 0;
	in.is_active = v.present[C_ACTIVE] ? v.b[C_ACTIVE] : 1;
	app_actor(req, &who);
	rc = catalog_put(&app->db, req->arena, &in, v.present[C_VERSION] ? (long)v.i[C_VERSION] : -1, &who, &row);
	switch (rc) {
	case CORE_OK:
	case CORE_CREATED:
		response_json_take(res, rc == CORE_CREATED ? 201 : 200, db_catalog_json(&row));
		return;
	case CORE_CONFLICT:
		response_error(res, 409, "conflict",
			       v.present[C_VERSION] ? "the row was changed meanwhile (or does not exist); reload and retry"
						    : "this type exists in this region; send its version to update it",
			       "version");
		return;
	default:
		app_db_error(app, res, "admin_catalog_put");
	}
}
