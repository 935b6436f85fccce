/*
 * validate.h - declared validation of JSON request bodies (STYLE.md: kcgi's
 * kvalid tables). A handler declares {field, type, required, bounds} once;
 * validate_object checks a body against it and hands back typed values, or
 * the first problem as a 400 naming the field.
 */
#ifndef SPOT_VALIDATE_H
#define SPOT_VALIDATE_H

#include "fcgi-app/request.h"

#include <stddef.h>

struct json_object;

#define VALIDATE_MAX_FIELDS 32

enum vtype { V_BOOL, V_STRING, V_INT, V_NUMBER };

struct vfield {
	const char *name;
	enum vtype type;
	int required;
	long long min, max;          /* V_INT: the value; V_STRING: length in bytes; V_NUMBER: the value */
	const char *const *choices;  /* V_STRING: NULL-terminated allowed values, or NULL for any */
};

struct vresult {
	int present[VALIDATE_MAX_FIELDS];
	int b[VALIDATE_MAX_FIELDS];
	const char *s[VALIDATE_MAX_FIELDS];  /* borrowed from the JSON object */
	long long i[VALIDATE_MAX_FIELDS];
	double d[VALIDATE_MAX_FIELDS];
};

/*
 * Checks obj against fields[0..n). Unknown members are refused unless
 * allow_unknown. Returns 0 with out filled (index = field index), or -1 with
 * err set to a 400 validation_failed naming the field.
 */
int validate_object(struct json_object *obj, const struct vfield *fields, size_t n, int allow_unknown,
		    struct vresult *out, struct request_error *err);

#endif
