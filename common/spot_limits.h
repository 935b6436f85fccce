/*
 * spot_limits.h - every bound on untrusted input, in one place
 * (STYLE.md: OpenBSD httpd's SERVER_MAX*, sqlite's sqliteLimit.h).
 * nginx/nginx.conf.in repeats SPOT_MAX_BODY as client_max_body_size.
 */
#ifndef SPOT_LIMITS_H
#define SPOT_LIMITS_H

#define SPOT_MAX_BODY (1024 * 1024)  /* request body bytes */
#define SPOT_MAX_JSON_DEPTH 32       /* nesting of a JSON request body */
#define SPOT_MAX_URI 4096            /* REQUEST_URI bytes */
#define SPOT_MAX_PATH_SEGMENTS 32    /* segments in a request path */
#define SPOT_MAX_QUERY_PARAMS 64     /* key=value pairs in a query string */
#define SPOT_MAX_COOKIES 32          /* cookies parsed from the Cookie header */
#define SPOT_MAX_ROUTE_PARAMS 8      /* {params} in one route pattern */
#define SPOT_MAX_TRACE_ID 64         /* bytes of the trace id taken from nginx */
#define SPOT_MAX_HEADER_VALUE 8192   /* bytes of one request header we read */
#define SPOT_MAX_STRING_FIELD 1000   /* default bound for a free-text JSON field */
#define SPOT_DECISION_MODEL_MAX_BYTES (256 * 1024) /* a decision model file (issue 8) */
#define SPOT_DECISION_MODEL_JSON_DEPTH 8     /* nesting of a model file */

#endif
