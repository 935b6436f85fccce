/* timeutil.h - wall and monotonic clocks in milliseconds; RFC 3339 in UTC. */
#ifndef SPOT_TIMEUTIL_H
#define SPOT_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t time_now_ms(void);
/* Milliseconds from an arbitrary origin (CLOCK_MONOTONIC), for intervals. */
int64_t time_mono_ms(void);
/* Writes e.g. "2026-11-24T05:45:33.123Z"; needs 25 bytes. Returns 0 or -1. */
int time_format_rfc3339_ms(int64_t ms, char *buf, size_t size);
/* Writes e.g. "2026-11-24T05:45:33Z"; needs 21 bytes. Returns 0 or -1. */
int time_format_rfc3339(int64_t ms, char *buf, size_t size);
/*
 * Parses RFC 3339 date-times ("2026-11-24T05:45:33Z", with optional fraction
 * and numeric offset) into milliseconds since the epoch. Returns 0 or -1.
 */
int time_parse_rfc3339(const char *s, int64_t *ms);
/* Sleeps for ms milliseconds, resuming after signals unless *stop becomes set. */
void time_sleep_ms(int64_t ms, volatile int *stop);

#endif
