/* users.c - passwords, lockout and sessions (see users.h). */
#include "core/users.h"
#include "core/clients.h"
#include "core/db.h"
#include "common/arena.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/uuid.h"

#include <argon2.h>
#include <stdlib.h>
#include <string.h>

#define USERS_SALT_BYTES 16
#define USERS_HASH_BYTES 32

int users_password_hash(const char *password, char *out, size_t outsize)
{
	unsigned char salt[USERS_SALT_BYTES];
	int rc;

	if (digest_random(salt, sizeof(salt)) < 0)
		return -1;
	rc = argon2id_hash_encoded(USERS_ARGON2_T, USERS_ARGON2_M_KIB, USERS_ARGON2_P, password, strlen(password),
				   salt, sizeof(salt), USERS_HASH_BYTES, out, outsize);
	if (rc != ARGON2_OK) {
		log_err("users_password_hash: %s", argon2_error_message(rc));
		return -1;
	}
	return 0;
}

int users_password_verify(const char *hash, const char *password)
{
	if (!hash || strncmp(hash, "$argon2id$", 10))
		return 0;
	return argon2id_verify(hash, password, strlen(password)) == ARGON2_OK;
}

void users_secret_new(char out[USERS_SECRET_HEX + 1])
{
	unsigned char b[USERS_SECRET_HEX / 2];
	if (digest_random(b, sizeof(b)) < 0) {
		log_err("users_secret_new: no randomness");
		abort();
	}
	digest_hex(b, sizeof(b), out);
}

/*
 * A hash of a password nobody has, verified when the email is unknown so
 * that an unknown email takes as long as a wrong password.
 */
static const char *users_dummy_hash(void)
{
	static char dummy[USERS_HASH_MAX];
	if (!dummy[0] && users_password_hash("no such user; no such password", dummy, sizeof(dummy)) < 0)
		dummy[0] = '\0';
	return dummy;
}

static void users_audit(struct db *db, const struct users_login *in, const struct user_row *u, const char *action,
			const char *message)
{
	struct actor who = { .type = "user", .id = u ? u->id : in->email, .trace_id = NULL };
	if (clients_audit(db, &who, u ? u->client_id : NULL, NULL, action, "user", u ? u->id : NULL, message, NULL,
			  NULL) < 0)
		log_err("users_audit: %s: %s", action, db->last_error);
}

enum users_login_result users_login(struct db *db, struct arena *a, const struct users_login *in,
				    struct users_session *out)
{
	struct user_row u;
	unsigned char h[32];
	int rc;

	rc = db_users_get_by_email(db, a, in->email, 0, &u);
	if (rc < 0)
		return USERS_LOGIN_ERR;
	if (rc == 0) {
		(void)users_password_verify(users_dummy_hash(), in->password);
		return USERS_LOGIN_BAD;
	}
	if (u.locked) {
		users_audit(db, in, &u, "user.login_refused", "the account is locked");
		return USERS_LOGIN_LOCKED;
	}
	if (!users_password_verify(u.password_hash, in->password) || !u.is_active) {
		if (db_users_login_failed(db, u.id, USERS_MAX_FAILURES, USERS_LOCK_S) < 0)
			return USERS_LOGIN_ERR;
		if (u.failed_login_count + 1 >= USERS_MAX_FAILURES) {
			users_audit(db, in, &u, "user.locked", "too many failed logins; locked for 15 minutes");
			return USERS_LOGIN_LOCKED;
		}
		users_audit(db, in, &u, "user.login_failed", "wrong password");
		return USERS_LOGIN_BAD;
	}
	users_secret_new(out->token);
	users_secret_new(out->csrf);
	digest_sha256(out->token, strlen(out->token), h);
	if (db_users_login_ok(db, u.id) < 0 ||
	    db_sessions_insert(db, h, u.id, out->csrf, in->remote_addr, in->user_agent, USERS_SESSION_MAX_S) < 0)
		return USERS_LOGIN_ERR;
	/* Expired sessions go now and then, on logins, not on every request. */
	if (db_sessions_purge(db, USERS_SESSION_IDLE_S) < 0)
		log_err("users_login: purging sessions: %s", db->last_error);
	users_audit(db, in, &u, "user.login", NULL);
	out->who.user_id = u.id;
	out->who.email = u.email;
	out->who.role = u.role;
	out->who.client_id = u.client_id;
	out->who.csrf_token = arena_strdup(a, out->csrf);
	return USERS_LOGIN_OK;
}

/* A cookie value is exactly 64 lowercase hex digits; anything else is no session. */
static int users_token_valid(const char *t)
{
	size_t i;
	for (i = 0; t[i]; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return 0;
	return i == USERS_SECRET_HEX;
}

int users_session_get(struct db *db, struct arena *a, const char *token, struct session_row *out)
{
	unsigned char h[32];
	int rc;
	if (!token || !users_token_valid(token))
		return 0;
	digest_sha256(token, strlen(token), h);
	rc = db_sessions_get(db, a, h, USERS_SESSION_IDLE_S, out);
	if (rc == 1 && db_sessions_touch(db, h) < 0)
		return -1;
	return rc;
}

int users_logout(struct db *db, const char *token)
{
	unsigned char h[32];
	if (!token || !users_token_valid(token))
		return 0;
	digest_sha256(token, strlen(token), h);
	return db_sessions_delete(db, h);
}

enum core_result users_create(struct db *db, struct arena *a, const char *email, const char *role,
			      const char *client_id, const char *password)
{
	char hash[USERS_HASH_MAX], id[UUID_STR_LEN + 1];
	struct user_row u;
	size_t plen = strlen(password);
	int rc;

	if (strcmp(role, "admin") && strcmp(role, "client"))
		return CORE_INVALID;
	if (!strcmp(role, "client") != (client_id != NULL))
		return CORE_INVALID;
	if (!strchr(email, '@') || strlen(email) > USERS_EMAIL_MAX || plen < USERS_PASSWORD_MIN ||
	    plen > USERS_PASSWORD_MAX)
		return CORE_INVALID;
	rc = db_users_get_by_email(db, a, email, 0, &u);
	if (rc < 0)
		return CORE_ERR;
	if (rc == 1)
		return CORE_DUPLICATE;
	if (users_password_hash(password, hash, sizeof(hash)) < 0)
		return CORE_ERR;
	uuid_v4(id);
	if (db_users_insert(db, id, email, hash, role, client_id) < 0)
		return db_is_duplicate(db) ? CORE_DUPLICATE : CORE_ERR;
	return CORE_CREATED;
}
