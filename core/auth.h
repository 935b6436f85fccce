/*
 * auth.h - bearer tokens and who is calling (DESIGN.md section 5).
 *
 * Tokens are 32 random bytes as 64 hex digits behind a kind prefix
 * ("sc_" client, "sa_" agent). Only their SHA-256 is stored; a token is found by
 * the hash (a unique index lookup), so the secret itself is never compared.
 * A token stops working when it is revoked, when it expires, or when its
 * client is disabled.
 */
#ifndef SPOT_AUTH_H
#define SPOT_AUTH_H

#include "common/uuid.h"

struct arena;
struct db;

#define AUTH_TOKEN_BYTES 32
#define AUTH_TOKEN_LEN (3 + 2 * AUTH_TOKEN_BYTES) /* prefix + hex */
#define AUTH_TOKEN_PREFIX_LEN 10                 /* shown in listings: "sc_1a2b3c4" */
#define AUTH_TOUCH_S 3600                        /* client_tokens.last_used_at is kept to within this */

enum principal_kind { PRINCIPAL_NONE, PRINCIPAL_ADMIN, PRINCIPAL_CLIENT, PRINCIPAL_AGENT };

struct principal {
	enum principal_kind kind;
	char client_id[UUID_STR_LEN + 1];   /* client and agent principals */
	char agent_id[UUID_STR_LEN + 1];    /* agent principals */
	char token_id[UUID_STR_LEN + 1];
	char caller[96];                    /* "admin", "client:<id>", "agent:<id>": scopes idempotency keys */
};

/* Makes a new token of kind 'c' (client) or 'a' (agent): text in out, SHA-256 in hash. */
void auth_token_new(char kind, char out[AUTH_TOKEN_LEN + 1], unsigned char hash[32]);
/* SHA-256 of a presented token. */
void auth_token_hash(const char *token, unsigned char hash[32]);

/*
 * Resolves a presented token to a client or agent principal. Returns 1 found
 * (p filled), 0 unknown/revoked/expired/disabled client, -1 database error.
 */
int auth_lookup(struct db *db, struct arena *a, const char *token, struct principal *p);
/*
 * Sets the token's last_used_at to now when it is older than AUTH_TOUCH_S (at
 * most one write per token per hour, so listings show which tokens are in use
 * without a write per request). A failure is logged and otherwise ignored.
 */
void auth_touch(struct db *db, struct arena *a, const char *token_id);

#endif
