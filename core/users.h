/*
 * users.h - dashboard logins (DESIGN.md sections 4 and 5): argon2id password
 * hashes, the login lockout and database sessions.
 *
 * Passwords are hashed with argon2id (RFC 9106) at USERS_ARGON2_T passes over
 * USERS_ARGON2_M_KIB KiB, stored as the PHC string argon2 itself writes.
 * After USERS_MAX_FAILURES wrong passwords in a row an account is locked for
 * USERS_LOCK_S seconds; a locked account refuses even the right password.
 * A session is 32 random bytes (64 hex digits) in the cookie; the database
 * keeps only its SHA-256. It ends USERS_SESSION_IDLE_S after the last request
 * or USERS_SESSION_MAX_S after the login, whichever is first, or at logout.
 */
#ifndef SPOT_USERS_H
#define SPOT_USERS_H

#include "core/db_users.h"
#include "core/result.h"

#include <stddef.h>

#define USERS_ARGON2_T 3
#define USERS_ARGON2_M_KIB (64 * 1024)
#define USERS_ARGON2_P 1
#define USERS_HASH_MAX 128           /* PHC string, NUL included */
#define USERS_PASSWORD_MIN 12
#define USERS_PASSWORD_MAX 1024
#define USERS_EMAIL_MAX 254
#define USERS_MAX_FAILURES 5
#define USERS_LOCK_S (15 * 60)
#define USERS_SESSION_IDLE_S (30 * 60)
#define USERS_SESSION_MAX_S (12 * 60 * 60)
#define USERS_SECRET_HEX 64          /* session and CSRF secrets: 32 bytes as hex */

/* Hashes password into out (a PHC string). 0, or -1 when argon2 fails. */
int users_password_hash(const char *password, char *out, size_t outsize);
/* 1 when password matches the PHC string hash, else 0. */
int users_password_verify(const char *hash, const char *password);

/* 32 random bytes as 64 hex digits and a NUL. Aborts without randomness. */
void users_secret_new(char out[USERS_SECRET_HEX + 1]);

enum users_login_result {
	USERS_LOGIN_ERR = -1,
	USERS_LOGIN_OK = 0,
	USERS_LOGIN_BAD,      /* unknown email, wrong password or inactive account: one answer for all */
	USERS_LOGIN_LOCKED,   /* too many failures; try again later */
};

struct users_login {
	const char *email, *password, *remote_addr, *user_agent;
};

struct users_session {
	char token[USERS_SECRET_HEX + 1]; /* the cookie value */
	char csrf[USERS_SECRET_HEX + 1];
	struct session_row who;
};

/*
 * Checks the password, counts failures and locks, and on success opens a
 * session (out filled). The audit log gets user.login / user.login_failed /
 * user.locked.
 */
enum users_login_result users_login(struct db *db, struct arena *a, const struct users_login *in,
				    struct users_session *out);

/* The session behind a cookie value: 1 (out filled, activity recorded), 0 none or expired, -1 error. */
int users_session_get(struct db *db, struct arena *a, const char *token, struct session_row *out);
/* Ends the session behind a cookie value (absent is fine). 0 or -1. */
int users_logout(struct db *db, const char *token);

/*
 * Creates a user unless the email exists. CORE_CREATED, CORE_DUPLICATE (left
 * unchanged), CORE_INVALID (role, client or password rules), CORE_ERR.
 */
enum core_result users_create(struct db *db, struct arena *a, const char *email, const char *role,
			      const char *client_id, const char *password);

#endif
