/* digest.h - SHA-256 through OpenSSL, as raw bytes or lowercase hex. */
#ifndef SPOT_DIGEST_H
#define SPOT_DIGEST_H

#include <stddef.h>

#define DIGEST_SHA256_LEN 32
#define DIGEST_SHA256_HEX_LEN 64

void digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN]);
/* Writes 64 hex digits and a NUL into out. */
void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_SHA256_HEX_LEN + 1]);
/* Writes 2*len lowercase hex digits and a NUL into out (size 2*len+1). */
void digest_hex(const unsigned char *bytes, size_t len, char *out);
/* Constant-time comparison of two equal-length byte strings; 1 when equal. */
int digest_equal(const void *a, const void *b, size_t len);
/* Fills buf with len cryptographically random bytes; 0 or -1. */
int digest_random(unsigned char *buf, size_t len);

#endif
