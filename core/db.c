/* db.c - connection, statement cache and typed query helper over libmariadb. */
#include "core/db.h"
#include "common/arena.h"
#include "common/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <stdlib.h>
#include <string.h>

/* A connection unused for longer than this is pinged before use. */
#define DB_IDLE_PING_MS 5000

static const char db_session_sql[] =
	"SET time_zone='+00:00', "
	"sql_mode='STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

int db_settings_from_config(struct db_settings *s, const struct config *cfg, char *err, size_t errsize)
{
	long port;
	memset(s, 0, sizeof(*s));
	s->host = config_get(cfg, "SPOT_DB_HOST", "127.0.0.1");
	s->socket = config_get(cfg, "SPOT_DB_SOCKET", NULL);
	s->name = config_get(cfg, "SPOT_DB_NAME", "spot");
	s->user = config_get(cfg, "SPOT_DB_USER", "spot");
	s->password = config_get(cfg, "SPOT_DB_PASSWORD", "");
	if (config_get_long(cfg, "SPOT_DB_PORT", 3306, 1, 65535, &port, err, errsize) < 0)
		return -1;
	s->port = (unsigned int)port;
	s->connect_timeout_s = 2;
	s->rw_timeout_s = 30;
	return 0;
}

void db_init(struct db *db, const struct db_settings *s)
{
	memset(db, 0, sizeof(*db));
	db->s = *s;
	db->backoff_ms = DB_BACKOFF_MIN_MS;
}

static void db_set_error(struct db *db, unsigned int no, const char *msg)
{
	db->last_errno = no;
	snprintf(db->last_error, sizeof(db->last_error), "%s", msg ? msg : "unknown error");
	db->errors++;
}

void db_disconnect(struct db *db)
{
	for (size_t i = 0; i < db->ncache; i++)
		mysql_stmt_close(db->cache[i].stmt);
	db->ncache = 0;
	if (db->conn)
		mysql_close(db->conn);
	db->conn = NULL;
	db->in_txn = 0;
}

void db_release(struct db *db)
{
	db_disconnect(db);
}

int db_connect(struct db *db)
{
	MYSQL *m;
	unsigned int ct = db->s.connect_timeout_s, rw = db->s.rw_timeout_s;
	/* Affected rows count matched rows: an UPDATE that finds its row but changes nothing still says 1. */
	unsigned long flags = CLIENT_FOUND_ROWS | (db->s.multi_statements ? CLIENT_MULTI_STATEMENTS : 0);
	my_bool off = 0;

	db_disconnect(db);
	m = mysql_init(NULL);
	if (!m)
		abort();
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &rw);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &rw);
	mysql_options(m, MYSQL_OPT_RECONNECT, &off);
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (!mysql_real_connect(m, db->s.socket ? NULL : db->s.host, db->s.user, db->s.password, db->s.name,
				db->s.socket ? 0 : db->s.port, db->s.socket, flags)) {
		db_set_error(db, mysql_errno(m), mysql_error(m));
		mysql_close(m);
		return -1;
	}
	if (mysql_real_query(m, db_session_sql, sizeof(db_session_sql) - 1)) {
		db_set_error(db, mysql_errno(m), mysql_error(m));
		mysql_close(m);
		return -1;
	}
	db->conn = m;
	if (db->connects++)
		db->reconnects++;
	db->backoff_ms = DB_BACKOFF_MIN_MS;
	db->last_used_ms = time_mono_ms();
	return 0;
}

int db_conn_lost(const struct db *db)
{
	switch (db->last_errno) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_LOST_EXTENDED:
	case CR_UNKNOWN_HOST:
	case ER_CONNECTION_KILLED:
	case ER_SERVER_SHUTDOWN:
		return 1;
	default:
		return db->conn == NULL;
	}
}

int db_is_duplicate(const struct db *db)
{
	return db->last_errno == ER_DUP_ENTRY || db->last_errno == ER_DUP_ENTRY_WITH_KEY_NAME;
}

int db_is_retryable(const struct db *db)
{
	return db->last_errno == ER_LOCK_DEADLOCK || db->last_errno == ER_LOCK_WAIT_TIMEOUT;
}

/* Drops the connection after a failure that means it is gone. */
static void db_check_lost(struct db *db)
{
	if (db->conn && db_conn_lost(db)) {
		log_warn("db_check_lost: connection lost (%u: %s)", db->last_errno, db->last_error);
		db_disconnect(db);
		db->next_attempt_ms = 0;
	}
}

int db_ensure(struct db *db, int *retry_after_s)
{
	int64_t now = time_mono_ms();

	if (db->conn && now - db->last_used_ms > DB_IDLE_PING_MS) {
		if (mysql_ping(db->conn)) {
			db_set_error(db, mysql_errno(db->conn), mysql_error(db->conn));
			db_disconnect(db);
		} else {
			db->last_used_ms = now;
		}
	}
	if (db->conn)
		return 0;
	if (now >= db->next_attempt_ms) {
		if (db_connect(db) == 0)
			return 0;
		log_warn("db_ensure: connect failed (%u: %s); next attempt in %d ms", db->last_errno,
			 db->last_error, db->backoff_ms);
		db->next_attempt_ms = now + db->backoff_ms;
		db->backoff_ms = db->backoff_ms * 2 > DB_BACKOFF_MAX_MS ? DB_BACKOFF_MAX_MS : db->backoff_ms * 2;
	}
	if (retry_after_s) {
		int64_t wait = db->next_attempt_ms - now;
		*retry_after_s = wait <= 1000 ? 1 : (int)((wait + 999) / 1000);
	}
	return -1;
}

int db_wait_ready(struct db *db, int max_wait_s)
{
	int64_t deadline = time_mono_ms() + (int64_t)max_wait_s * 1000;
	int delay = DB_BACKOFF_MIN_MS;

	for (;;) {
		if (db_connect(db) == 0) {
			MYSQL_RES *res;
			if (!mysql_real_query(db->conn, "SELECT 1", 8) && (res = mysql_store_result(db->conn))) {
				mysql_free_result(res);
				return 0;
			}
			db_set_error(db, mysql_errno(db->conn), mysql_error(db->conn));
			db_disconnect(db);
		}
		int64_t left = deadline - time_mono_ms();
		if (left <= 0)
			return log_err("db_wait_ready: database not ready after %d s (%u: %s)", max_wait_s,
				       db->last_errno, db->last_error);
		log_info("db_wait_ready: waiting for the database (%u: %s)", db->last_errno, db->last_error);
		time_sleep_ms(delay < left ? delay : left, NULL);
		delay = delay * 2 > DB_BACKOFF_MAX_MS ? DB_BACKOFF_MAX_MS : delay * 2;
	}
}

static MYSQL_STMT *db_stmt(struct db *db, const char *sql)
{
	MYSQL_STMT *st;
	for (size_t i = 0; i < db->ncache; i++)
		if (db->cache[i].sql == sql)
			return db->cache[i].stmt;
	if (db->ncache == DB_MAX_STMTS)
		abort(); /* a programming error: more statements than the cache holds */
	st = mysql_stmt_init(db->conn);
	if (!st)
		abort();
	if (mysql_stmt_prepare(st, sql, strlen(sql))) {
		db_set_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
		mysql_stmt_close(st);
		return NULL;
	}
	db->cache[db->ncache].sql = sql;
	db->cache[db->ncache].stmt = st;
	db->ncache++;
	return st;
}

static int db_stmt_fail(struct db *db, MYSQL_STMT *st)
{
	db_set_error(db, mysql_stmt_errno(st), mysql_stmt_error(st));
	mysql_stmt_free_result(st);
	mysql_stmt_reset(st);
	db_check_lost(db);
	return -1;
}

static int db_fetch_all(struct db *db, MYSQL_STMT *st, struct arena *a, struct db_rows *out)
{
	MYSQL_RES *meta = mysql_stmt_result_metadata(st);
	my_bool update_max = 1;
	size_t ncols, cap = 16, nrows = 0;
	MYSQL_BIND *binds;
	char **cells;
	unsigned long *lens, *buflens;
	my_bool *nulls;
	int rc;

	if (!meta) {
		out->nrows = out->ncols = 0;
		out->cells = NULL;
		out->lens = NULL;
		return 0;
	}
	ncols = mysql_num_fields(meta);
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
	if (mysql_stmt_store_result(st)) {
		mysql_free_result(meta);
		return db_stmt_fail(db, st);
	}
	binds = arena_calloc(a, ncols, sizeof(*binds));
	buflens = arena_calloc(a, ncols, sizeof(*buflens));
	nulls = arena_calloc(a, ncols, sizeof(*nulls));
	MYSQL_FIELD *fields = mysql_fetch_fields(meta);
	for (size_t c = 0; c < ncols; c++) {
		buflens[c] = fields[c].max_length + 1;
		if (buflens[c] < 64)
			buflens[c] = 64;
	}
	cap = (size_t)mysql_stmt_num_rows(st);
	cells = arena_calloc(a, st_mult(cap ? cap : 1, ncols), sizeof(*cells));
	lens = arena_calloc(a, st_mult(cap ? cap : 1, ncols), sizeof(*lens));
	for (;;) {
		if (nrows == cap)
			break;
		for (size_t c = 0; c < ncols; c++) {
			size_t i = nrows * ncols + c;
			cells[i] = arena_alloc(a, buflens[c]);
			binds[c].buffer_type = MYSQL_TYPE_STRING;
			binds[c].buffer = cells[i];
			binds[c].buffer_length = buflens[c];
			binds[c].length = &lens[i];
			binds[c].is_null = &nulls[c];
		}
		if (mysql_stmt_bind_result(st, binds)) {
			mysql_free_result(meta);
			return db_stmt_fail(db, st);
		}
		rc = mysql_stmt_fetch(st);
		if (rc == MYSQL_NO_DATA)
			break;
		if (rc == 1) {
			mysql_free_result(meta);
			return db_stmt_fail(db, st);
		}
		for (size_t c = 0; c < ncols; c++) {
			size_t i = nrows * ncols + c;
			if (nulls[c]) {
				cells[i] = NULL;
				lens[i] = 0;
			} else {
				if (lens[i] >= buflens[c])
					lens[i] = buflens[c] - 1; /* cannot happen with max_length */
				cells[i][lens[i]] = '\0';
			}
		}
		nrows++;
	}
	mysql_free_result(meta);
	mysql_stmt_free_result(st);
	out->nrows = nrows;
	out->ncols = ncols;
	out->cells = cells;
	out->lens = lens;
	return 0;
}

int db_query(struct db *db, struct arena *a, const char *sql, const struct db_param *params, size_t nparams,
	     struct db_rows *out)
{
	MYSQL_BIND binds[64];
	my_bool is_null[64];
	MYSQL_STMT *st;

	if (!db->conn) {
		db_set_error(db, CR_SERVER_GONE_ERROR, "not connected");
		return -1;
	}
	if (nparams > sizeof(binds) / sizeof(binds[0]))
		abort();
	st = db_stmt(db, sql);
	if (!st) {
		db_check_lost(db);
		return -1;
	}
	if (mysql_stmt_param_count(st) != nparams)
		abort(); /* a programming error: wrong parameter count for this statement */
	memset(binds, 0, sizeof(binds));
	for (size_t i = 0; i < nparams; i++) {
		const struct db_param *p = &params[i];
		is_null[i] = p->type == DB_NULL;
		binds[i].is_null = &is_null[i];
		switch (p->type) {
		case DB_NULL:
			binds[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		case DB_STR:
			binds[i].buffer_type = MYSQL_TYPE_STRING;
			binds[i].buffer = (void *)(uintptr_t)p->s;
			binds[i].buffer_length = (unsigned long)p->len;
			break;
		case DB_INT:
			binds[i].buffer_type = MYSQL_TYPE_LONGLONG;
			binds[i].buffer = (void *)(uintptr_t)&p->i;
			break;
		case DB_DOUBLE:
			binds[i].buffer_type = MYSQL_TYPE_DOUBLE;
			binds[i].buffer = (void *)(uintptr_t)&p->d;
			break;
		}
	}
	if (nparams && mysql_stmt_bind_param(st, binds))
		return db_stmt_fail(db, st);
	if (mysql_stmt_execute(st))
		return db_stmt_fail(db, st);
	if (out) {
		memset(out, 0, sizeof(*out));
		if (db_fetch_all(db, st, a, out) < 0)
			return -1;
		out->affected = (uint64_t)mysql_stmt_affected_rows(st);
		out->insert_id = (uint64_t)mysql_stmt_insert_id(st);
	} else {
		mysql_stmt_free_result(st);
	}
	/* A CALL answers its rows and then a status result: drain what follows the first set. */
	while (mysql_stmt_more_results(st)) {
		int rc = mysql_stmt_next_result(st);
		if (rc > 0)
			return db_stmt_fail(db, st);
		if (rc < 0)
			break;
		mysql_stmt_free_result(st);
	}
	db->last_used_ms = time_mono_ms();
	return 0;
}

int db_exec_script(struct db *db, const char *sql, size_t len)
{
	int status;
	if (!db->conn) {
		db_set_error(db, CR_SERVER_GONE_ERROR, "not connected");
		return -1;
	}
	if (mysql_real_query(db->conn, sql, (unsigned long)len))
		goto fail;
	do {
		MYSQL_RES *res = mysql_store_result(db->conn);
		if (res)
			mysql_free_result(res);
		else if (mysql_field_count(db->conn))
			goto fail;
		status = mysql_next_result(db->conn);
		if (status > 0)
			goto fail;
	} while (status == 0);
	db->last_used_ms = time_mono_ms();
	return 0;
fail:
	db_set_error(db, mysql_errno(db->conn), mysql_error(db->conn));
	db_check_lost(db);
	return -1;
}

static int db_simple(struct db *db, const char *sql)
{
	if (!db->conn) {
		db_set_error(db, CR_SERVER_GONE_ERROR, "not connected");
		return -1;
	}
	if (mysql_real_query(db->conn, sql, (unsigned long)strlen(sql))) {
		db_set_error(db, mysql_errno(db->conn), mysql_error(db->conn));
		db_check_lost(db);
		return -1;
	}
	return 0;
}

int db_begin(struct db *db)
{
	if (db_simple(db, "START TRANSACTION") < 0)
		return -1;
	db->in_txn = 1;
	return 0;
}

int db_commit(struct db *db)
{
	db->in_txn = 0;
	return db_simple(db, "COMMIT");
}

int db_rollback(struct db *db)
{
	db->in_txn = 0;
	return db->conn ? db_simple(db, "ROLLBACK") : 0;
}
