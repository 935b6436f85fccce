/* auth.c - token generation and lookup. */
#include "core/auth.h"
#include "core/db.h"
#include "common/digest.h"

#include <stdlib.h>
#include <string.h>

static const char *const auth_sql[] = {
	"SELECT t.id, t.client_id, t.agent_id, t.kind FROM client_tokens t "
	"JOIN clients c ON c.id = t.client_id "
	"WHERE t.token_hash = ? AND t.revoked_at IS NULL "
	"AND (t.expires_at IS NULL OR t.expires_at > UTC_TIMESTAMP(3)) AND c.is_active",
};

void auth_token_new(char kind, char out[AUTH_TOKEN_LEN + 1], unsigned char hash[32])
{
	unsigned char raw[AUTH_TOKEN_BYTES];
	if (digest_random(raw, sizeof(raw)) < 0)
		abort();
	out[0] = 's';
	out[1] = kind;
	out[2] = '_';
	digest_hex(raw, sizeof(raw), out + 3);
	digest_sha256(out, AUTH_TOKEN_LEN, hash);
}

void auth_token_hash(const char *token, unsigned char hash[32])
{
	digest_sha256(token, strlen(token), hash);
}

int auth_lookup(struct db *db, struct arena *a, const char *token, struct principal *p)
{
	unsigned char hash[32];
	struct db_rows rows;
	const char *agent;

	memset(p, 0, sizeof(*p));
	/* Anything that cannot be one of our tokens is refused without a query. */
	if (strlen(token) != AUTH_TOKEN_LEN || token[0] != 's' || (token[1] != 'c' && token[1] != 'a') ||
	    token[2] != '_')
		return 0;
	auth_token_hash(token, hash);
	struct db_param q[] = { DBP_STRN((const char *)hash, sizeof(hash)) };
	if (db_query(db, a, auth_sql[0], q, 1, &rows) < 0)
		return -1;
	if (rows.nrows != 1)
		return 0;
	snprintf(p->token_id, sizeof(p->token_id), "%s", db_rows_cell(&rows, 0, 0));
	snprintf(p->client_id, sizeof(p->client_id), "%s", db_rows_cell(&rows, 0, 1));
	agent = db_rows_cell(&rows, 0, 2);
	if (!strcmp(db_rows_cell(&rows, 0, 3), "agent") && agent) {
		p->kind = PRINCIPAL_AGENT;
		snprintf(p->agent_id, sizeof(p->agent_id), "%s", agent);
		snprintf(p->caller, sizeof(p->caller), "agent:%s", agent);
	} else {
		p->kind = PRINCIPAL_CLIENT;
		snprintf(p->caller, sizeof(p->caller), "client:%s", p->client_id);
	}
	return 1;
}
