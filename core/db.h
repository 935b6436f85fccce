/*
 * db.h - one MariaDB/MySQL connection, its prepared statements, and
 * reconnection with bounded exponential backoff.
 *
 * Settings come from SPOT_DB_HOST, SPOT_DB_PORT, SPOT_DB_SOCKET, SPOT_DB_NAME,
 * SPOT_DB_USER and SPOT_DB_PASSWORD (DESIGN.md section 6). A socket, when set,
 * is used instead of host and port.
 *
 * Statements are prepared once per connection and cached by the address of
 * their SQL string: pass the same `static const char` string every time (each
 * data-access file keeps its statements in one array). A lost connection drops
 * the cache; the next db_ensure reconnects once its backoff delay has passed.
 *
 * Every connection runs with time_zone '+00:00', utf8mb4 and strict sql_mode.
 */
#ifndef SPOT_DB_H
#define SPOT_DB_H

#include <mysql.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct arena;
struct config;

/* SQL text for a DATETIME(3) column as RFC 3339 UTC with milliseconds ("...T05:59:02.319Z"); NULL stays NULL. */
#define DB_RFC3339(col) \
	"CONCAT(DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%s.'), LPAD(FLOOR(MICROSECOND(" col ") / 1000), 3, '0'), 'Z')"

#define DB_MAX_STMTS 256
#define DB_BACKOFF_MIN_MS 100
#define DB_BACKOFF_MAX_MS 5000

struct db_settings {
	const char *host, *socket, *name, *user, *password;
	unsigned int port;
	unsigned int connect_timeout_s, rw_timeout_s;
	int multi_statements; /* allow several statements per db_exec_script */
};

struct db {
	MYSQL *conn;
	struct db_settings s;
	struct {
		const char *sql;
		MYSQL_STMT *stmt;
	} cache[DB_MAX_STMTS];
	size_t ncache;
	int64_t next_attempt_ms;   /* monotonic time before which we do not reconnect */
	int64_t last_used_ms;      /* monotonic time of the last successful statement */
	int backoff_ms;
	int in_txn;
	unsigned int last_errno;   /* server or client error code of the last failure */
	char last_error[512];
	uint64_t errors;           /* statements or connects that failed */
	uint64_t reconnects;       /* successful connects after the first */
	uint64_t connects;
};

enum db_type { DB_NULL, DB_STR, DB_INT, DB_DOUBLE };

struct db_param {
	enum db_type type;
	const char *s;
	size_t len;
	long long i;
	double d;
};

/* A string parameter; NULL binds SQL NULL. */
static inline struct db_param DBP_STR(const char *s)
{
	struct db_param p = { .type = s ? DB_STR : DB_NULL, .s = s, .len = s ? strlen(s) : 0 };
	return p;
}
#define DBP_STRN(x, n) ((struct db_param){ .type = DB_STR, .s = (x), .len = (n) })
#define DBP_INT(x) ((struct db_param){ .type = DB_INT, .i = (x) })
#define DBP_DOUBLE(x) ((struct db_param){ .type = DB_DOUBLE, .d = (x) })
#define DBP_NULL ((struct db_param){ .type = DB_NULL })

/*
 * A result set fetched whole into an arena: cell(r, c) is NUL-terminated text,
 * NULL for SQL NULL. Numbers arrive in their SQL text form.
 */
struct db_rows {
	size_t nrows, ncols;
	char **cells;
	unsigned long *lens;
	uint64_t affected;
	uint64_t insert_id;
};

static inline const char *db_rows_cell(const struct db_rows *r, size_t row, size_t col)
{
	return r->cells[row * r->ncols + col];
}

/* Fills s from cfg; strings point into cfg. Returns 0, or -1 with err set. */
int db_settings_from_config(struct db_settings *s, const struct config *cfg, char *err, size_t errsize);

void db_init(struct db *db, const struct db_settings *s);
void db_release(struct db *db);
void db_disconnect(struct db *db);

/* One connection attempt now; 0 or -1 (last_error set). */
int db_connect(struct db *db);
/*
 * Makes sure a usable connection exists: reconnects when the backoff delay has
 * passed, and pings a connection idle for more than a few seconds. Returns 0,
 * or -1 with *retry_after_s (>= 1) saying when to try again.
 */
int db_ensure(struct db *db, int *retry_after_s);
/*
 * Waits for the database to accept an authenticated `SELECT 1`, retrying with
 * exponential backoff for at most max_wait_s seconds. 0 or -1.
 */
int db_wait_ready(struct db *db, int max_wait_s);

/* True when the last failure means the connection is gone (not a SQL error). */
int db_conn_lost(const struct db *db);
/* True when the last failure was a duplicate key (ER_DUP_ENTRY). */
int db_is_duplicate(const struct db *db);
/* True when the last failure was a deadlock or lock wait timeout: retry the transaction. */
int db_is_retryable(const struct db *db);

/*
 * Runs a cached prepared statement with bound parameters. When out is not NULL
 * the rows are fetched into arena a (which may be NULL only if out is NULL).
 * Returns 0 or -1 (last_errno/last_error set; a lost connection is dropped).
 */
int db_query(struct db *db, struct arena *a, const char *sql, const struct db_param *params, size_t nparams,
	     struct db_rows *out);
/* Runs one or more statements of text without parameters (migrations). */
int db_exec_script(struct db *db, const char *sql, size_t len);

int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);

#endif
