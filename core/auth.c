/* auth.c - token generation and lookup. */
#include "core/auth.h"
#include "core/db.h"
#include "common/digest.h"
#include "common/log.h"

#include <stdlib.h>
#include <string.h>

static const char *const auth_sql[] = {
	"SELECT t.id, t.client_id, t.agent_id, t.kind, "
	"t.last_used_at IS NULL OR t.last_used_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND FROM client_tokens t "
	"JOIN clients c ON c.id = t.client_id "
	"WHERE t.token_hash = ? AND t.revoked_at IS NULL "
	"AND (t.expires_at IS NULL OR t.expires_at > UTC_TIMESTAMP(3)) AND c.is_active",
	"UPDATE client_tokens SET last_used_at = UTC_TIMESTAMP(3) WHERE id = ? "
	"AND (last_used_at IS NULL OR last_used_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND)",
};

enum { SQL_AUTH_LOOKUP, SQL_AUTH_TOUCH };

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
	struct db_param q[] = { DBP_INT(AUTH_TOUCH_S), DBP_STRN((const char *)hash, sizeof(hash)) };
	if (db_query(db, a, auth_sql[SQL_AUTH_LOOKUP], q, 2, &rows) < 0)
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
	if (strtol(db_rows_cell(&rows, 0, 4) ? db_rows_cell(&rows, 0, 4) : "0", NULL, 10))
		auth_touch(db, a, p->token_id);
	return 1;
}

void auth_touch(struct db *db, struct arena *a, const char *token_id)
{
	struct db_param q[] = { DBP_STR(token_id), DBP_INT(AUTH_TOUCH_S) };
	struct db_rows rows;
	/* Bookkeeping only: a failed write costs the request nothing. */
	if (db_query(db, a, auth_sql[SQL_AUTH_TOUCH], q, 2, &rows) < 0)
		log_warn("auth_touch: token %s: %s", token_id, db->last_error);
}
