/* idempotency.c - recording and replaying answers by request id. */
#include "core/idempotency.h"
#include "core/db.h"
#include "common/digest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const idem_sql[] = {
	"INSERT INTO idempotency_keys (caller, idempotency_key, method, path, body_sha256, created_at, expires_at) "
	"VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 24 HOUR)",
	"SELECT body_sha256, response_status, response_body, method, path, "
	"created_at < UTC_TIMESTAMP(3) - INTERVAL 60 SECOND, expires_at < UTC_TIMESTAMP(3) "
	"FROM idempotency_keys WHERE caller = ? AND idempotency_key = ?",
	"UPDATE idempotency_keys SET response_status = ?, response_body = ? WHERE caller = ? AND idempotency_key = ?",
	"DELETE FROM idempotency_keys WHERE caller = ? AND idempotency_key = ?",
	/* Take over a stale or expired key: only one taker wins (affected rows). */
	"UPDATE idempotency_keys SET created_at = UTC_TIMESTAMP(3), expires_at = UTC_TIMESTAMP(3) + INTERVAL 24 HOUR, "
	"body_sha256 = ?, method = ?, path = ?, response_status = NULL, response_body = NULL "
	"WHERE caller = ? AND idempotency_key = ? AND (expires_at < UTC_TIMESTAMP(3) "
	"OR (response_status IS NULL AND created_at < UTC_TIMESTAMP(3) - INTERVAL 60 SECOND))",
};
enum { SQL_INSERT, SQL_GET, SQL_FINISH, SQL_DELETE, SQL_TAKEOVER };

int idempotency_key_valid(const char *key)
{
	size_t n = strlen(key);
	if (!n || n > IDEMPOTENCY_KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)key[i]) && !strchr("._:-", key[i]))
			return 0;
	return 1;
}

int idempotency_begin(struct db *db, struct arena *a, const char *caller, const char *key, const char *method,
		      const char *path, const void *body, size_t len, struct idem_replay *replay)
{
	unsigned char sum[32];
	struct db_rows r;

	digest_sha256(body, len, sum);
	struct db_param ins[] = { DBP_STR(caller), DBP_STR(key), DBP_STR(method), DBP_STR(path),
				  DBP_STRN((const char *)sum, 32) };
	if (db_query(db, NULL, idem_sql[SQL_INSERT], ins, 5, NULL) == 0)
		return IDEM_NEW;
	if (!db_is_duplicate(db))
		return -1;
	struct db_param get[] = { DBP_STR(caller), DBP_STR(key) };
	if (db_query(db, a, idem_sql[SQL_GET], get, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return IDEM_IN_PROGRESS; /* deleted between our insert and select: let the client retry */
	int stale = !strcmp(db_rows_cell(&r, 0, 5), "1"), expired = !strcmp(db_rows_cell(&r, 0, 6), "1");
	if (!expired && (r.lens[0] != 32 || memcmp(db_rows_cell(&r, 0, 0), sum, 32) ||
			 strcmp(db_rows_cell(&r, 0, 3), method) || strcmp(db_rows_cell(&r, 0, 4), path)))
		return IDEM_MISMATCH;
	if (expired || (stale && !db_rows_cell(&r, 0, 1))) {
		struct db_rows t;
		struct db_param take[] = { DBP_STRN((const char *)sum, 32), DBP_STR(method), DBP_STR(path),
					   DBP_STR(caller), DBP_STR(key) };
		if (db_query(db, a, idem_sql[SQL_TAKEOVER], take, 5, &t) < 0)
			return -1;
		return t.affected ? IDEM_NEW : IDEM_IN_PROGRESS;
	}
	if (!db_rows_cell(&r, 0, 1))
		return IDEM_IN_PROGRESS;
	replay->status = atoi(db_rows_cell(&r, 0, 1));
	replay->body = db_rows_cell(&r, 0, 2) ? db_rows_cell(&r, 0, 2) : "";
	return IDEM_REPLAY;
}

int idempotency_finish(struct db *db, const char *caller, const char *key, int status, const char *body, size_t len)
{
	if (status >= 500) {
		struct db_param del[] = { DBP_STR(caller), DBP_STR(key) };
		return db_query(db, NULL, idem_sql[SQL_DELETE], del, 2, NULL);
	}
	struct db_param p[] = { DBP_INT(status), DBP_STRN(body, len), DBP_STR(caller), DBP_STR(key) };
	return db_query(db, NULL, idem_sql[SQL_FINISH], p, 4, NULL);
}
