/*
 * uuid.h - UUIDs as 36-character lowercase text: random (version 4, RFC 9562
 * section 5.4) and time-ordered (version 7, RFC 9562 section 5.7).
 */
#ifndef SPOT_UUID_H
#define SPOT_UUID_H

#include <stdint.h>

#define UUID_STR_LEN 36

/* Writes a new UUID and a NUL into out. Aborts if the system has no randomness. */
void uuid_v4(char out[UUID_STR_LEN + 1]);
/*
 * Writes a new version 7 UUID and a NUL into out: the 48-bit Unix time in
 * milliseconds (now), then 74 random bits. The text of ids made in a later
 * millisecond sorts after (byte-wise and in any case-insensitive collation),
 * so a primary key of them grows at its end instead of splitting pages; ids
 * of the same millisecond are in random order. Aborts without randomness.
 */
void uuid_v7(char out[UUID_STR_LEN + 1]);
/* uuid_v7 at a given time: unix_ms (0 .. 2^48 - 1; other bits are dropped). For tests. */
void uuid_v7_at(char out[UUID_STR_LEN + 1], int64_t unix_ms);
/* True when s is 36 characters of canonical lowercase or uppercase UUID text. */
int uuid_valid(const char *s);

#endif
