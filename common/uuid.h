/* uuid.h - random (version 4) UUIDs, RFC 9562 section 5.4, as 36-character text. */
#ifndef SPOT_UUID_H
#define SPOT_UUID_H

#define UUID_STR_LEN 36

/* Writes a new UUID and a NUL into out. Aborts if the system has no randomness. */
void uuid_v4(char out[UUID_STR_LEN + 1]);
/* True when s is 36 characters of canonical lowercase or uppercase UUID text. */
int uuid_valid(const char *s);

#endif
