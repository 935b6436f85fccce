/*
 * spot-user - creates dashboard logins (issue 7).
 *
 *   spot-user [--config FILE] create --email EMAIL --role admin|client [--client-id ID]
 *             --password-file FILE
 *
 * The password is read from a file (its first line), never from the command
 * line, where other users could see it. Creating a login that exists already
 * changes nothing and succeeds, so `./spot up` can call it on every start.
 * Exit codes: 0 created or already there, 1 refused or database error,
 * 2 bad usage or configuration.
 */
#include "common/arena.h"
#include "common/config.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "core/db.h"
#include "core/users.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static void spot_user_usage(void)
{
	fprintf(stderr, "usage: spot-user [--config FILE] create --email EMAIL --role admin|client "
			"[--client-id ID] --password-file FILE\n");
}

/* The first line of path, without its line end, into sb. 0 or -1. */
static int spot_user_read_password(const char *path, struct strbuf *sb)
{
	char *nl;
	if (strbuf_read_file(sb, path, USERS_PASSWORD_MAX + 2) < 0)
		return -1;
	nl = strpbrk(sb->buf, "\r\n");
	if (nl)
		strbuf_setlen(sb, (size_t)(nl - sb->buf));
	return 0;
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct db_settings s;
	struct db db;
	struct arena a;
	struct strbuf pw = STRBUF_INIT;
	const char *config_file = NULL, *email = NULL, *role = NULL, *client_id = NULL, *pwfile = NULL;
	char err[512], lower[USERS_EMAIL_MAX + 1];
	int create = 0, rc = 1;
	enum core_result r;

	log_init("spot-user");
	config_init(&cfg);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config_file = argv[++i];
		else if (!strcmp(argv[i], "--email") && i + 1 < argc)
			email = argv[++i];
		else if (!strcmp(argv[i], "--role") && i + 1 < argc)
			role = argv[++i];
		else if (!strcmp(argv[i], "--client-id") && i + 1 < argc)
			client_id = argv[++i];
		else if (!strcmp(argv[i], "--password-file") && i + 1 < argc)
			pwfile = argv[++i];
		else if (!strcmp(argv[i], "create"))
			create = 1;
		else {
			spot_user_usage();
			return 2;
		}
	}
	if (!create || !email || !role || !pwfile || strlen(email) > USERS_EMAIL_MAX) {
		spot_user_usage();
		return 2;
	}
	for (size_t i = 0; i <= strlen(email); i++)
		lower[i] = (char)tolower((unsigned char)email[i]);
	if (config_file && config_load_file(&cfg, config_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-user: %s\n", err);
		return 2;
	}
	if (db_settings_from_config(&s, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-user: %s\n", err);
		return 2;
	}
	if (spot_user_read_password(pwfile, &pw) < 0) {
		fprintf(stderr, "spot-user: cannot read the password file %s\n", pwfile);
		return 2;
	}
	db_init(&db, &s);
	arena_init(&a, 4096);
	if (db_wait_ready(&db, 30) < 0) {
		fprintf(stderr, "spot-user: database not ready: %s\n", db.last_error);
		goto out;
	}
	r = users_create(&db, &a, lower, role, client_id, pw.buf);
	switch (r) {
	case CORE_CREATED:
		printf("spot-user: created %s (%s)\n", lower, role);
		rc = 0;
		break;
	case CORE_DUPLICATE:
		printf("spot-user: %s exists; left unchanged\n", lower);
		rc = 0;
		break;
	case CORE_INVALID:
		fprintf(stderr, "spot-user: refused: role admin|client (a client user needs --client-id), an email, "
				"and a password of %d to %d bytes\n", USERS_PASSWORD_MIN, USERS_PASSWORD_MAX);
		break;
	default:
		fprintf(stderr, "spot-user: database error: %s\n", db.last_error);
		break;
	}
out:
	strbuf_release(&pw);
	arena_release(&a);
	db_release(&db);
	config_release(&cfg);
	return rc;
}
