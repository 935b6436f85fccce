/* digest.c - hashing, hex and randomness helpers over OpenSSL. */
#include "common/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdlib.h>

/*
 * SHA-256 fetched from the default provider once: EVP_sha256() is looked up
 * again at every EVP_Digest (a locked table search), which was most of the
 * cost of hashing a token on every agent request.
 */
static EVP_MD *digest_md;
static pthread_once_t digest_md_once = PTHREAD_ONCE_INIT;

static void digest_md_fetch(void)
{
	digest_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void digest_sha256(const void *data, size_t len, unsigned char out[DIGEST_SHA256_LEN])
{
	unsigned int n = 0;
	pthread_once(&digest_md_once, digest_md_fetch);
	if (!EVP_Digest(data, len, out, &n, digest_md ? digest_md : EVP_sha256(), NULL) || n != DIGEST_SHA256_LEN)
		abort();
}

void digest_hex(const unsigned char *bytes, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 15];
	}
	out[2 * len] = '\0';
}

void digest_sha256_hex(const void *data, size_t len, char out[DIGEST_SHA256_HEX_LEN + 1])
{
	unsigned char md[DIGEST_SHA256_LEN];
	digest_sha256(data, len, md);
	digest_hex(md, sizeof(md), out);
}

int digest_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

int digest_random(unsigned char *buf, size_t len)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}
