/* uuid.c - version 4 UUIDs from OpenSSL's random generator. */
#include "common/uuid.h"
#include "common/digest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void uuid_v4(char out[UUID_STR_LEN + 1])
{
	unsigned char b[16];
	char hex[33];
	if (digest_random(b, sizeof(b)) < 0)
		abort();
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10 */
	digest_hex(b, sizeof(b), hex);
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
