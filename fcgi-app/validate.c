/* validate.c - JSON bodies against declared field tables. */
#include "fcgi-app/validate.h"

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int validate_fail(struct request_error *err, const char *message, const char *field)
{
	err->status = 400;
	err->code = "validation_failed";
	err->message = message;
	err->field = field;
	return -1;
}

static int validate_field(struct json_object *v, const struct vfield *f, size_t idx, struct vresult *out,
			  struct request_error *err)
{
	switch (f->type) {
	case V_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return validate_fail(err, "must be true or false", f->name);
		out->b[idx] = json_object_get_boolean(v);
		return 0;
	case V_INT: {
		int64_t n;
		if (!json_object_is_type(v, json_type_int))
			return validate_fail(err, "must be an integer", f->name);
		n = json_object_get_int64(v);
		if (n < f->min || n > f->max)
			return validate_fail(err, "is out of range", f->name);
		out->i[idx] = n;
		return 0;
	}
	case V_NUMBER: {
		double d;
		if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
			return validate_fail(err, "must be a number", f->name);
		d = json_object_get_double(v);
		if (!isfinite(d) || d < (double)f->min || d > (double)f->max)
			return validate_fail(err, "is out of range", f->name);
		out->d[idx] = d;
		return 0;
	}
	case V_STRING: {
		const char *s;
		size_t len;
		if (!json_object_is_type(v, json_type_string))
			return validate_fail(err, "must be a string", f->name);
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (strlen(s) != len)
			return validate_fail(err, "must not contain NUL characters", f->name);
		if ((long long)len < f->min || (long long)len > f->max)
			return validate_fail(err, len < (size_t)f->min ? "is too short" : "is too long", f->name);
		if (f->choices) {
			const char *const *c;
			for (c = f->choices; *c && strcmp(*c, s); c++)
				;
			if (!*c)
				return validate_fail(err, "is not one of the allowed values", f->name);
		}
		out->s[idx] = s;
		return 0;
	}
	}
	abort();
}

int validate_object(struct json_object *obj, const struct vfield *fields, size_t n, int allow_unknown,
		    struct vresult *out, struct request_error *err)
{
	if (n > VALIDATE_MAX_FIELDS)
		abort();
	memset(out, 0, sizeof(*out));
	if (!allow_unknown) {
		json_object_object_foreach(obj, key, val) {
			size_t i;
			(void)val;
			for (i = 0; i < n && strcmp(fields[i].name, key); i++)
				;
			if (i == n)
				return validate_fail(err, "is not a known field", key);
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *v;
		if (!json_object_object_get_ex(obj, fields[i].name, &v) || json_object_is_type(v, json_type_null)) {
			if (fields[i].required)
				return validate_fail(err, "is required", fields[i].name);
			continue;
		}
		if (validate_field(v, &fields[i], i, out, err) < 0)
			return -1;
		out->present[i] = 1;
	}
	return 0;
}
