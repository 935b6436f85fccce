/* db_users.c - users and sessions statements. */
#include "core/db_users.h"
#include "core/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const db_users_sql[] = {
	"SELECT id, email, password_hash, role, client_id, is_active, failed_login_count, "
	"(locked_until IS NOT NULL AND locked_until > UTC_TIMESTAMP(3)) FROM users WHERE email = ?",
	"SELECT id, email, password_hash, role, client_id, is_active, failed_login_count, "
	"(locked_until IS NOT NULL AND locked_until > UTC_TIMESTAMP(3)) FROM users WHERE email = ? FOR UPDATE",
	"INSERT INTO users (id, email, password_hash, role, client_id, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3))",
	/* MariaDB and MySQL evaluate single-table SET assignments left to right. */
	"UPDATE users SET failed_login_count = failed_login_count + 1, "
	"locked_until = IF(failed_login_count >= ?, UTC_TIMESTAMP(3) + INTERVAL ? SECOND, locked_until), "
	"failed_login_count = IF(failed_login_count >= ?, 0, failed_login_count) WHERE id = ?",
	"UPDATE users SET failed_login_count = 0, locked_until = NULL, last_login_at = UTC_TIMESTAMP(3) WHERE id = ?",
	"INSERT INTO sessions (id, user_id, csrf_token, remote_addr, user_agent, created_at, last_seen_at, expires_at) "
	"VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL ? SECOND)",
	"SELECT u.id, u.email, u.role, u.client_id, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id "
	"LEFT JOIN clients c ON c.id = u.client_id WHERE s.id = ? AND s.expires_at > UTC_TIMESTAMP(3) "
	"AND s.last_seen_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND u.is_active "
	"AND (u.role = 'admin' OR c.is_active)",
	"UPDATE sessions SET last_seen_at = UTC_TIMESTAMP(3) WHERE id = ? "
	"AND last_seen_at < UTC_TIMESTAMP(3) - INTERVAL 60 SECOND",
	"DELETE FROM sessions WHERE id = ?",
	"DELETE FROM sessions WHERE expires_at < UTC_TIMESTAMP(3) OR last_seen_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND",
	"SELECT u.id, u.email, u.role, u.client_id, c.name, u.is_active, " DB_RFC3339("u.last_login_at") ", "
	"(u.locked_until IS NOT NULL AND u.locked_until > UTC_TIMESTAMP(3)) FROM users u "
	"LEFT JOIN clients c ON c.id = u.client_id ORDER BY u.role, c.name, u.email LIMIT 1000",
};
enum { SQL_BY_EMAIL, SQL_BY_EMAIL_LOCK, SQL_INSERT, SQL_FAILED, SQL_OK, SQL_S_INSERT, SQL_S_GET, SQL_S_TOUCH,
       SQL_S_DELETE, SQL_S_PURGE, SQL_LIST };

int db_users_get_by_email(struct db *db, struct arena *a, const char *email, int lock, struct user_row *out)
{
	struct db_param p[] = { DBP_STR(email) };
	struct db_rows r;
	if (db_query(db, a, db_users_sql[lock ? SQL_BY_EMAIL_LOCK : SQL_BY_EMAIL], p, 1, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->id = db_rows_cell(&r, 0, 0);
	out->email = db_rows_cell(&r, 0, 1);
	out->password_hash = db_rows_cell(&r, 0, 2);
	out->role = db_rows_cell(&r, 0, 3);
	out->client_id = db_rows_cell(&r, 0, 4);
	out->is_active = !strcmp(db_rows_cell(&r, 0, 5), "1");
	out->failed_login_count = strtol(db_rows_cell(&r, 0, 6), NULL, 10);
	out->locked = !strcmp(db_rows_cell(&r, 0, 7), "1");
	return 1;
}

int db_users_insert(struct db *db, const char *id, const char *email, const char *password_hash, const char *role,
		    const char *client_id)
{
	struct db_param p[] = { DBP_STR(id), DBP_STR(email), DBP_STR(password_hash), DBP_STR(role),
				DBP_STR(client_id) };
	return db_query(db, NULL, db_users_sql[SQL_INSERT], p, 5, NULL);
}

int db_users_login_failed(struct db *db, const char *id, long max_failures, long lock_s)
{
	struct db_param p[] = { DBP_INT(max_failures), DBP_INT(lock_s), DBP_INT(max_failures), DBP_STR(id) };
	return db_query(db, NULL, db_users_sql[SQL_FAILED], p, 4, NULL);
}

int db_users_login_ok(struct db *db, const char *id)
{
	struct db_param p[] = { DBP_STR(id) };
	return db_query(db, NULL, db_users_sql[SQL_OK], p, 1, NULL);
}

int db_sessions_insert(struct db *db, const unsigned char id_hash[32], const char *user_id, const char *csrf,
		       const char *remote_addr, const char *user_agent, long absolute_s)
{
	char ua[256];
	struct db_param p[6];
	snprintf(ua, sizeof(ua), "%s", user_agent ? user_agent : "");
	/* A user agent longer than the column keeps its first 255 bytes, cut on a character boundary. */
	for (size_t n = strlen(ua); n > 0 && ((unsigned char)ua[n] & 0xC0) == 0x80; n--)
		ua[n - 1] = '\0';
	p[0] = DBP_STRN((const char *)id_hash, 32);
	p[1] = DBP_STR(user_id);
	p[2] = DBP_STR(csrf);
	p[3] = DBP_STR(remote_addr);
	p[4] = DBP_STR(user_agent ? ua : NULL);
	p[5] = DBP_INT(absolute_s);
	return db_query(db, NULL, db_users_sql[SQL_S_INSERT], p, 6, NULL);
}

int db_sessions_get(struct db *db, struct arena *a, const unsigned char id_hash[32], long idle_s,
		    struct session_row *out)
{
	struct db_param p[] = { DBP_STRN((const char *)id_hash, 32), DBP_INT(idle_s) };
	struct db_rows r;
	if (db_query(db, a, db_users_sql[SQL_S_GET], p, 2, &r) < 0)
		return -1;
	if (!r.nrows)
		return 0;
	out->user_id = db_rows_cell(&r, 0, 0);
	out->email = db_rows_cell(&r, 0, 1);
	out->role = db_rows_cell(&r, 0, 2);
	out->client_id = db_rows_cell(&r, 0, 3);
	out->csrf_token = db_rows_cell(&r, 0, 4);
	return 1;
}

int db_sessions_touch(struct db *db, const unsigned char id_hash[32])
{
	struct db_param p[] = { DBP_STRN((const char *)id_hash, 32) };
	return db_query(db, NULL, db_users_sql[SQL_S_TOUCH], p, 1, NULL);
}

int db_sessions_delete(struct db *db, const unsigned char id_hash[32])
{
	struct db_param p[] = { DBP_STRN((const char *)id_hash, 32) };
	return db_query(db, NULL, db_users_sql[SQL_S_DELETE], p, 1, NULL);
}

int db_sessions_purge(struct db *db, long idle_s)
{
	struct db_param p[] = { DBP_INT(idle_s) };
	return db_query(db, NULL, db_users_sql[SQL_S_PURGE], p, 1, NULL);
}

int db_users_list(struct db *db, struct arena *a, struct db_rows *out)
{
	return db_query(db, a, db_users_sql[SQL_LIST], NULL, 0, out);
}
