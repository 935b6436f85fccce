/*
 * creds.h - AWS credentials for signing: the instance profile's temporary
 * credentials through IMDS (iam/security-credentials/<role>), refreshed
 * 5 minutes before their Expiration; else the long-term keys of the
 * environment or config.
 */
#ifndef SPOT_AGENT_CREDS_H
#define SPOT_AGENT_CREDS_H

#include <stdint.h>

#include "agent/imds.h"
#include "common/sigv4.h"

#define CREDS_REFRESH_MARGIN_MS (5 * 60 * 1000)

struct creds {
	char access_key_id[SIGV4_MAX_KEY_ID_LEN + 1];
	char secret[SIGV4_MAX_SECRET_LEN + 1];
	char token[SIGV4_MAX_TOKEN_LEN + 1];
	int64_t expires_ms;		/* 0: long-term */
	int from_profile;
	int64_t next_probe_ms;		/* static keys: when to look for a profile again */
	const char *static_key, *static_secret, *static_token;	/* borrowed config */
};

void creds_init(struct creds *c, const char *key, const char *secret, const char *token);
/*
 * Makes sure usable credentials are loaded at now_ms (wall clock): profile
 * credentials first, refreshed before expiry; else the static keys.
 * Returns 0, or -1 when there are none.
 */
int creds_ensure(struct creds *c, struct imds *im, int64_t now_ms);
/* Parses the IMDS credentials JSON document into c; 0 or -1 (tests). */
int creds_parse(struct creds *c, const char *json, size_t len);
/* The view sigv4_sign wants; valid while c is unchanged. */
void creds_view(const struct creds *c, struct sigv4_credentials *out);

#endif
