/* json_util.c - small json-c helpers. */
#include "common/json_util.h"

#include <json-c/json.h>

struct json_object *json_util_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}
