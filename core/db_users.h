/*
 * db_users.h - data access for users and sessions (0001, 0011). Strings live
 * in the caller's arena. Session ids are stored as the SHA-256 of the cookie
 * value (BINARY(32)); the cookie itself never reaches the database.
 */
#ifndef SPOT_DB_USERS_H
#define SPOT_DB_USERS_H

#include <stddef.h>

struct arena;
struct db;

struct user_row {
	const char *id, *email, *password_hash, *role, *client_id;
	int is_active, locked;     /* locked: locked_until is in the future */
	long failed_login_count;
};

struct session_row {
	const char *user_id, *email, *role, *client_id, *csrf_token;
};

/* 1 found, 0 absent, -1 error. lock: FOR UPDATE. */
int db_users_get_by_email(struct db *db, struct arena *a, const char *email, int lock, struct user_row *out);
int db_users_insert(struct db *db, const char *id, const char *email, const char *password_hash, const char *role,
		    const char *client_id);
/* One more failure; at max_failures the account locks for lock_s seconds and the count starts again. */
int db_users_login_failed(struct db *db, const char *id, long max_failures, long lock_s);
/* A successful login: count reset, lock cleared, last_login_at set. */
int db_users_login_ok(struct db *db, const char *id);

int db_sessions_insert(struct db *db, const unsigned char id_hash[32], const char *user_id, const char *csrf,
		       const char *remote_addr, const char *user_agent, long absolute_s);
/*
 * The live session behind id_hash: not past its absolute expiry, seen within
 * idle_s seconds, its user active (and a client user's client active).
 * 1 found, 0 absent or expired, -1 error.
 */
int db_sessions_get(struct db *db, struct arena *a, const unsigned char id_hash[32], long idle_s,
		    struct session_row *out);
/* Records activity (at most once a minute per session, to spare writes). */
int db_sessions_touch(struct db *db, const unsigned char id_hash[32]);
int db_sessions_delete(struct db *db, const unsigned char id_hash[32]);
/* Removes sessions past their absolute expiry or idle for idle_s seconds. */
int db_sessions_purge(struct db *db, long idle_s);

struct db_rows;
/* Every user: id, email, role, client_id, client name, is_active, last_login_at (RFC 3339), locked (0/1). */
int db_users_list(struct db *db, struct arena *a, struct db_rows *out);

#endif
