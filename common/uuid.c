/* uuid.c - version 4 and 7 UUIDs from OpenSSL's random generator. */
#include "common/uuid.h"
#include "common/digest.h"
#include "common/timeutil.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*
 * Random bytes for UUIDs come from a per-thread pool filled by OpenSSL 512
 * bytes at a time: a pricing report makes one UUID per sample, and a
 * RAND_bytes call per UUID (a lock and a DRBG round each) showed in the
 * worker's profile. A forked child empties its pool before first use, so
 * parent and child never hand out the same bytes.
 */
#define UUID_POOL 512
static _Thread_local unsigned char uuid_pool[UUID_POOL];
static _Thread_local size_t uuid_pool_left;
static pthread_once_t uuid_pool_once = PTHREAD_ONCE_INIT;

static void uuid_pool_forked(void)
{
	uuid_pool_left = 0;
}

static void uuid_pool_init(void)
{
	pthread_atfork(NULL, NULL, uuid_pool_forked);
}

static void uuid_random(unsigned char *b, size_t n)
{
	pthread_once(&uuid_pool_once, uuid_pool_init);
	if (uuid_pool_left < n) {
		if (digest_random(uuid_pool, sizeof(uuid_pool)) < 0)
			abort();
		uuid_pool_left = sizeof(uuid_pool);
	}
	unsigned char *from = uuid_pool + sizeof(uuid_pool) - uuid_pool_left;
	memcpy(b, from, n);
	memset(from, 0, n);
	uuid_pool_left -= n;
}

/* The 16 bytes as 8-4-4-4-12 hex text. */
static void uuid_format(const unsigned char b[16], char out[UUID_STR_LEN + 1])
{
	char hex[33];
	digest_hex(b, 16, hex);
	memcpy(out, hex, 8);
	out[8] = '-';
	memcpy(out + 9, hex + 8, 4);
	out[13] = '-';
	memcpy(out + 14, hex + 12, 4);
	out[18] = '-';
	memcpy(out + 19, hex + 16, 4);
	out[23] = '-';
	memcpy(out + 24, hex + 20, 12);
	out[36] = '\0';
}

void uuid_v4(char out[UUID_STR_LEN + 1])
{
	unsigned char b[16];
	uuid_random(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10 */
	uuid_format(b, out);
}

void uuid_v7_at(char out[UUID_STR_LEN + 1], int64_t unix_ms)
{
	unsigned char b[16];
	uint64_t ms = (uint64_t)unix_ms & 0xffffffffffffULL;
	uuid_random(b + 6, sizeof(b) - 6);
	/* RFC 9562 section 5.7: unix_ts_ms (48 bits, big-endian), ver, rand_a (12), var, rand_b (62). */
	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x70); /* version 7 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10 */
	uuid_format(b, out);
}

void uuid_v7(char out[UUID_STR_LEN + 1])
{
	uuid_v7_at(out, time_now_ms());
}

int uuid_valid(const char *s)
{
	if (strlen(s) != UUID_STR_LEN)
		return 0;
	for (int i = 0; i < UUID_STR_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i])) {
			return 0;
		}
	}
	return 1;
}
