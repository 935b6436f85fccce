/* json_util.h - small json-c helpers shared by the server, jobs and tools. */
#ifndef SPOT_JSON_UTIL_H
#define SPOT_JSON_UTIL_H

struct json_object;

/* A new JSON string of s, or NULL (JSON null when added to an object) when s is NULL. */
struct json_object *json_util_str(const char *s);

#endif
