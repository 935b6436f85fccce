/*
 * db_ceiling.c - the database's own ceiling for the heartbeat (bench/heartbeat.sh).
 *
 *   bench-db-ceiling --socket PATH --user U --password P --database DB --agents FILE
 *                    [--threads 4] [--seconds 15] [--warmup 0] [--mode heartbeat|update]
 *
 * THREADS threads, each with its own connection (autocommit and CLIENT_FOUND_ROWS, as
 * the workers' core/db.c), issue prepared statements over and over for SECONDS
 * seconds after WARMUP seconds not counted (as wrk's warm-up run), rotating over the agents of FILE ("agent_id instance_id agent_token
 * sha256hex" a line, bench/hb_register.py); thread t starts at agent t and steps by
 * THREADS, as wrk's threads do.
 *   heartbeat  exactly the statements the worker sends for a heartbeat without
 *              X-Request-ID, in its order (core/agents.c agents_heartbeat_token,
 *              core/db_agents.c), with the worker's memo kept per agent in this
 *              process (the workers share theirs through SPOT_HB_MEMO_FILE):
 *              a. with a memo that is still due to hold: SQL_HB_INSTANCE_GEN, one
 *                 UPDATE instances ... WHERE id = ? AND agent_id = ? AND role = ?
 *                 AND hb_gen = ?; one matched row and the heartbeat is done
 *                 (counted as memo_writes); none, and it goes on with 1-3;
 *              1. SQL_HB_FAST_STATE, one non-locking SELECT that checks the token
 *                 (client_tokens JOIN clients JOIN instances JOIN agents: live token,
 *                 active client, the agent's own token or its client's) and reads the
 *                 answer (role, agent status, config_version, client_id, staleness,
 *                 pending commands, hb_gen, how long the answer holds); no row =
 *                 token or instance wrong (an error here);
 *              2. SQL_HB_INSTANCE, the write by primary key: UPDATE instances SET
 *                 last_heartbeat_at, reported_status, uptime_seconds WHERE id = ? AND
 *                 agent_id = ? (one matched row wanted, CLIENT_FOUND_ROWS), and the
 *                 memo stored under the worker's rule (agents_memo_store);
 *              3. only when the SELECT says the agent row is stale (older than
 *                 AGENT_LIVENESS_WRITE_S = 300 s) or offline and the instance is the
 *                 primary: db_heartbeat_agent's UPDATE agents (SQL_HB_ONLINE, the
 *                 offline->online one, first, then SQL_HB_AGENT), counted as agent_writes.
 *              The statement texts are copied from core/db_agents.c: keep them equal.
 *   update     SQL_HB_INSTANCE alone: UPDATE instances SET last_heartbeat_at =
 *              UTC_TIMESTAMP(3), reported_status = ?, uptime_seconds = ? WHERE id = ?
 *              AND agent_id = ? - the heartbeat's write without the token check and
 *              answer SELECT: a second, lower-bound reference ("the same UPDATE" of
 *              the issue).
 * Prints one line: mode, threads, calls (heartbeats), seconds, calls/s, p50/p99 per
 * heartbeat (all its statements), errors, agent_writes, memo_writes.
 */
#include <mysql.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct agent {
	char id[40];
	char instance[24];
	unsigned char hash[32];
	/* The memo (core/agents.c struct agents_memo), touched only by the thread that owns this agent. */
	double memo_until; /* now_s(); 0 = none */
	long long memo_gen;
	char memo_role[16];
};

static struct agent *agents;
static size_t nagents;
static const char *o_socket, *o_user = "spot", *o_password = "", *o_db = "spot";
static int o_threads = 4, o_seconds = 15, o_warmup = 0, o_update = 0;
static const long stale_s = 300; /* core/agents.h AGENT_LIVENESS_WRITE_S */
static atomic_int stop, counting;

#define LAT_BUCKETS 100000 /* 10 us buckets up to 1 s */

struct worker {
	pthread_t th;
	int idx;
	long calls, errors, agent_writes, memo_writes;
	unsigned *lat;
	char err[256];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void load(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], id[64], inst[64], tok[128], hex[80];
	size_t cap = 1024;
	if (!f) {
		perror(path);
		exit(2);
	}
	agents = calloc(cap, sizeof(*agents));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %63s %127s %79s", id, inst, tok, hex) != 4 || strlen(hex) != 64 ||
		    strlen(id) >= sizeof(agents->id) || strlen(inst) >= sizeof(agents->instance))
			continue;
		if (nagents == cap)
			agents = realloc(agents, (cap *= 2) * sizeof(*agents));
		struct agent *a = &agents[nagents++];
		/* Lengths were checked above; memcpy keeps -Wformat-truncation quiet at every -O level. */
		memcpy(a->id, id, strlen(id) + 1);
		memcpy(a->instance, inst, strlen(inst) + 1);
		for (int i = 0; i < 32; i++)
			a->hash[i] = (unsigned char)(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]));
	}
	fclose(f);
	if (!nagents) {
		fprintf(stderr, "%s: no agents\n", path);
		exit(2);
	}
}

static void set_err(struct worker *w, const char *what, const char *msg)
{
	if (!w->err[0])
		snprintf(w->err, sizeof(w->err), "%s: %s", what, msg);
	w->errors++;
}

/* core/db_agents.c SQL_HB_FAST_STATE, SQL_HB_INSTANCE, SQL_HB_ONLINE, SQL_HB_AGENT, SQL_HB_INSTANCE_GEN. */
#define STATE_COLS 10
#define TOUCH_S 3600	   /* core/auth.h AUTH_TOUCH_S */
#define MEMO_MAX_S 600	   /* core/db_agents.h DB_HEARTBEAT_MEMO_MAX_S */
#define MEMO_MARGIN_S 1.0 /* core/agents.c AGENTS_MEMO_MARGIN_MS */
#define FAR "UTC_TIMESTAMP(3) + INTERVAL 1 DAY"
static const char sql_hb_state[] =
	"SELECT i.role, a.status, a.config_version, a.client_id, "
	"a.last_heartbeat_at IS NULL OR a.last_heartbeat_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND, "
	"(SELECT COUNT(*) FROM commands c WHERE c.agent_id = a.id AND "
	"(c.status = 'pending' OR (c.status = 'acked' AND c.acked_at < UTC_TIMESTAMP(3) - INTERVAL 60 SECOND)) "
	"AND c.expires_at > UTC_TIMESTAMP(3) AND (c.instance_id = i.id OR (c.instance_id IS NULL AND i.role = 'primary'))), "
	"t.id, t.last_used_at IS NULL OR t.last_used_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND, "
	"i.hb_gen, TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), LEAST(UTC_TIMESTAMP(3) + INTERVAL ? SECOND, "
	"COALESCE(t.expires_at, " FAR "), "
	"COALESCE(t.last_used_at + INTERVAL 3600 SECOND, UTC_TIMESTAMP(3)), "
	"IF(i.role = 'primary', COALESCE(a.last_heartbeat_at + INTERVAL ? SECOND, UTC_TIMESTAMP(3)), " FAR "), "
	"COALESCE((SELECT MIN(IF(c.status = 'acked' AND c.acked_at >= UTC_TIMESTAMP(3) - INTERVAL 60 SECOND, "
	"LEAST(c.acked_at + INTERVAL 60 SECOND, c.expires_at), c.expires_at)) FROM commands c WHERE c.agent_id = a.id "
	"AND c.status IN ('pending', 'acked') AND c.expires_at > UTC_TIMESTAMP(3)), " FAR "))) DIV 1000 "
	"FROM client_tokens t JOIN clients k ON k.id = t.client_id AND k.is_active "
	"JOIN instances i ON i.id = ? AND i.agent_id = ? AND i.client_id = t.client_id "
	"JOIN agents a ON a.id = i.agent_id "
	"WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > UTC_TIMESTAMP(3)) "
	"AND (t.kind = 'client' OR t.agent_id = i.agent_id)";
static const char sql_hb_gen[] =
	"UPDATE instances FORCE INDEX (PRIMARY) SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = ?, "
	"uptime_seconds = ? "
	"WHERE id = ? AND agent_id = ? AND role = ? AND hb_gen = ?";
/* core/auth.c SQL_AUTH_TOUCH: at most once per token per AUTH_TOUCH_S. */
static const char sql_touch[] = "UPDATE client_tokens SET last_used_at = UTC_TIMESTAMP(3) WHERE id = ? "
				"AND (last_used_at IS NULL OR last_used_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND)";
static const char sql_hb_instance[] =
	"UPDATE instances FORCE INDEX (PRIMARY) SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = ?, "
	"uptime_seconds = ? "
	"WHERE id = ? AND agent_id = ?";
static const char sql_hb_online[] = "UPDATE agents SET status = 'online', last_heartbeat_at = UTC_TIMESTAMP(3), "
				    "reported_status = ? WHERE id = ? AND status = 'offline'";
static const char sql_hb_agent[] =
	"UPDATE agents SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = ? WHERE id = ?";

static MYSQL_STMT *prepare(struct worker *w, MYSQL *m, const char *sql)
{
	MYSQL_STMT *st = mysql_stmt_init(m);
	if (!st || mysql_stmt_prepare(st, sql, strlen(sql))) {
		set_err(w, "prepare", st ? mysql_stmt_error(st) : mysql_error(m));
		return NULL;
	}
	return st;
}

#define BIND_STR(b, buf, lenp) ((b).buffer_type = MYSQL_TYPE_STRING, (b).buffer = (buf), (b).length = (lenp))
#define BIND_LL(b, p) ((b).buffer_type = MYSQL_TYPE_LONGLONG, (b).buffer = (p))

/* The answer SELECT (heartbeat mode): 1 with cells filled, 0 no row, -1 error. */
static int read_state(struct worker *w, MYSQL_STMT *state, char cells[STATE_COLS][64], const unsigned long *out_len,
		      const my_bool *out_null)
{
	int r;
	if (mysql_stmt_execute(state) || mysql_stmt_store_result(state)) {
		set_err(w, "state", mysql_stmt_error(state));
		return -1;
	}
	r = mysql_stmt_fetch(state);
	if (r != 0 && r != MYSQL_DATA_TRUNCATED) {
		mysql_stmt_free_result(state);
		return 0;
	}
	for (int c = 0; c < STATE_COLS; c++)
		cells[c][out_null[c] ? 0 : (out_len[c] < 64 ? out_len[c] : 63)] = 0;
	while (mysql_stmt_fetch(state) == 0)
		;
	mysql_stmt_free_result(state);
	return 1;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	MYSQL *m = mysql_init(NULL);
	MYSQL_STMT *up = NULL, *state = NULL, *online = NULL, *agent = NULL, *touch = NULL, *gen = NULL;
	MYSQL_BIND in_up[4], in_state[7], in_agent[2], in_touch[2], in_gen[6], out[STATE_COLS];
	unsigned long len_hash = 32, len_status, len_id, len_inst, len_tok, len_role, out_len[STATE_COLS];
	my_bool out_null[STATE_COLS];
	char status[] = "running", cells[STATE_COLS][64], role[16];
	long long uptime = 0, stale = stale_s, touch_s = TOUCH_S, memo_max = MEMO_MAX_S, hb_gen = 0;
	struct agent cur;

	if (!mysql_real_connect(m, NULL, o_user, o_password, o_db, 0, o_socket, CLIENT_FOUND_ROWS)) {
		set_err(w, "connect", mysql_error(m));
		return NULL;
	}
	mysql_autocommit(m, 1);
	len_status = strlen(status);
	memset(in_up, 0, sizeof(in_up));
	memset(in_state, 0, sizeof(in_state));
	memset(in_agent, 0, sizeof(in_agent));
	memset(in_touch, 0, sizeof(in_touch));
	memset(in_gen, 0, sizeof(in_gen));
	memset(out, 0, sizeof(out));
	/* SQL_HB_INSTANCE in both modes: status, uptime, instance id, agent id. */
	if (!(up = prepare(w, m, sql_hb_instance)))
		goto out;
	BIND_STR(in_up[0], status, &len_status);
	BIND_LL(in_up[1], &uptime);
	BIND_STR(in_up[2], cur.instance, &len_inst);
	BIND_STR(in_up[3], cur.id, &len_id);
	if (!o_update) {
		if (!(state = prepare(w, m, sql_hb_state)) || !(online = prepare(w, m, sql_hb_online)) ||
		    !(agent = prepare(w, m, sql_hb_agent)) || !(touch = prepare(w, m, sql_touch)) ||
		    !(gen = prepare(w, m, sql_hb_gen)))
			goto out;
		/*
		 * SQL_HB_FAST_STATE: stale seconds, touch seconds, memo cap, stale seconds, instance id,
		 * agent id, token hash (as db_heartbeat_fast_state).
		 */
		BIND_LL(in_state[0], &stale);
		BIND_LL(in_state[1], &touch_s);
		BIND_LL(in_state[2], &memo_max);
		BIND_LL(in_state[3], &stale);
		BIND_STR(in_state[4], cur.instance, &len_inst);
		BIND_STR(in_state[5], cur.id, &len_id);
		BIND_STR(in_state[6], cur.hash, &len_hash);
		/* SQL_HB_INSTANCE_GEN: status, uptime, instance id, agent id, role, hb_gen (as db_heartbeat_instance_gen). */
		BIND_STR(in_gen[0], status, &len_status);
		BIND_LL(in_gen[1], &uptime);
		BIND_STR(in_gen[2], cur.instance, &len_inst);
		BIND_STR(in_gen[3], cur.id, &len_id);
		BIND_STR(in_gen[4], role, &len_role);
		BIND_LL(in_gen[5], &hb_gen);
		BIND_STR(in_touch[0], cells[6], &len_tok);
		BIND_LL(in_touch[1], &touch_s);
		BIND_STR(in_agent[0], status, &len_status);
		BIND_STR(in_agent[1], cur.id, &len_id);
		for (int c = 0; c < STATE_COLS; c++) {
			out[c].buffer_type = MYSQL_TYPE_STRING, out[c].buffer = cells[c];
			out[c].buffer_length = sizeof(cells[c]) - 1, out[c].length = &out_len[c];
			out[c].is_null = &out_null[c];
		}
		if (mysql_stmt_bind_param(state, in_state) || mysql_stmt_bind_result(state, out) ||
		    mysql_stmt_bind_param(online, in_agent) || mysql_stmt_bind_param(agent, in_agent) ||
		    mysql_stmt_bind_param(touch, in_touch) || mysql_stmt_bind_param(gen, in_gen)) {
			set_err(w, "bind", mysql_stmt_error(state));
			goto out;
		}
	}
	if (mysql_stmt_bind_param(up, in_up)) {
		set_err(w, "bind", mysql_stmt_error(up));
		goto out;
	}

	size_t i = (size_t)w->idx % nagents;
	while (!atomic_load(&stop)) {
		struct agent *ag = &agents[i];
		cur = *ag;
		i = (i + (size_t)o_threads) % nagents;
		len_id = strlen(cur.id), len_inst = strlen(cur.instance);
		uptime++;
		double t0 = now_s();
		/* a. The memo, while it is due to hold: one UPDATE that matches only if nothing changed. */
		if (!o_update && ag->memo_until > t0) {
			len_role = strlen(ag->memo_role);
			memcpy(role, ag->memo_role, len_role + 1);
			hb_gen = ag->memo_gen;
			if (mysql_stmt_execute(gen)) {
				set_err(w, "memo", mysql_stmt_error(gen));
				continue;
			}
			if (mysql_stmt_affected_rows(gen) == 1) {
				w->memo_writes += atomic_load(&counting);
				goto done;
			}
			ag->memo_until = 0;
		}
		/* 1. The token check and the answer, one non-locking read. */
		if (!o_update) {
			int r = read_state(w, state, cells, out_len, out_null);
			if (r < 0)
				continue;
			if (r == 0) {
				set_err(w, "state", "no row: token or instance did not match");
				continue;
			}
			if (cells[7][0] == '1') {
				len_tok = strlen(cells[6]);
				if (mysql_stmt_execute(touch))
					set_err(w, "touch", mysql_stmt_error(touch));
			}
		}
		/* 2. The write by primary key, and the token's hourly last_used_at when it is due (core/agents.c). */
		if (mysql_stmt_execute(up)) {
			set_err(w, "execute", mysql_stmt_error(up));
			continue;
		}
		if (mysql_stmt_affected_rows(up) != 1) { /* matched rows (CLIENT_FOUND_ROWS) */
			set_err(w, "update", "no row matched");
			continue;
		}
		/* As agents_memo_store: remembered when it holds a while and needs no follow-up write. */
		if (!o_update && atoll(cells[9]) > 2000 && cells[7][0] != '1' && cells[4][0] != '1' &&
		    strcmp(cells[1], "offline") && strlen(cells[0]) < sizeof(ag->memo_role)) {
			ag->memo_until = now_s() + (double)atoll(cells[9]) / 1000.0 - MEMO_MARGIN_S;
			ag->memo_gen = atoll(cells[8]);
			memcpy(ag->memo_role, cells[0], strlen(cells[0]) + 1);
		}
		/* 3. As agents_heartbeat_token: the agent row only when stale or offline, for the primary. */
		if (!o_update && !strcmp(cells[0], "primary") && (cells[4][0] == '1' || !strcmp(cells[1], "offline"))) {
			if (mysql_stmt_execute(online)) {
				set_err(w, "online", mysql_stmt_error(online));
				continue;
			}
			if (mysql_stmt_affected_rows(online) == 0 && mysql_stmt_execute(agent)) {
				set_err(w, "agent", mysql_stmt_error(agent));
				continue;
			}
			w->agent_writes += atomic_load(&counting);
		}
done:
		if (!atomic_load(&counting))
			continue;
		double us = (now_s() - t0) * 1e6;
		size_t b = (size_t)(us / 10);
		w->lat[b < LAT_BUCKETS ? b : LAT_BUCKETS - 1]++;
		w->calls++;
	}
out:
	if (up)
		mysql_stmt_close(up);
	if (state)
		mysql_stmt_close(state);
	if (online)
		mysql_stmt_close(online);
	if (agent)
		mysql_stmt_close(agent);
	if (touch)
		mysql_stmt_close(touch);
	if (gen)
		mysql_stmt_close(gen);
	mysql_close(m);
	return NULL;
}

static double pct(unsigned *lat, long total, double p)
{
	long want = (long)(p * (double)total), seen = 0;
	for (size_t b = 0; b < LAT_BUCKETS; b++) {
		seen += lat[b];
		if (seen > want)
			return (double)(b + 1) * 0.01; /* ms, upper edge of the bucket */
	}
	return 1000;
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v) {
			fprintf(stderr, "%s needs a value\n", a);
			return 2;
		}
		if (!strcmp(a, "--socket"))
			o_socket = v;
		else if (!strcmp(a, "--user"))
			o_user = v;
		else if (!strcmp(a, "--password"))
			o_password = v;
		else if (!strcmp(a, "--database"))
			o_db = v;
		else if (!strcmp(a, "--agents"))
			file = v;
		else if (!strcmp(a, "--threads"))
			o_threads = atoi(v);
		else if (!strcmp(a, "--seconds"))
			o_seconds = atoi(v);
		else if (!strcmp(a, "--warmup"))
			o_warmup = atoi(v);
		else if (!strcmp(a, "--mode") && (!strcmp(v, "heartbeat") || !strcmp(v, "update")))
			o_update = !strcmp(v, "update");
		else {
			fprintf(stderr, "usage: %s --socket PATH --user U --password P --database DB --agents FILE "
					"[--threads N] [--seconds S] [--warmup S] [--mode heartbeat|update]\n",
				argv[0]);
			return 2;
		}
		i++;
	}
	if (!file || o_threads < 1 || o_seconds < 1 || o_warmup < 0) {
		fprintf(stderr, "--agents FILE is required; --threads and --seconds must be positive, --warmup not negative\n");
		return 2;
	}
	load(file);
	mysql_library_init(0, NULL, NULL);
	struct worker *w = calloc((size_t)o_threads, sizeof(*w));
	for (int i = 0; i < o_threads; i++) {
		w[i].idx = i;
		w[i].lat = calloc(LAT_BUCKETS, sizeof(unsigned));
		pthread_create(&w[i].th, NULL, run, &w[i]);
	}
	struct timespec wd = { o_warmup, 0 }, d = { o_seconds, 0 };
	nanosleep(&wd, NULL);
	double t0 = now_s();
	atomic_store(&counting, 1);
	nanosleep(&d, NULL);
	atomic_store(&stop, 1);
	long calls = 0, errors = 0, agent_writes = 0, memo_writes = 0;
	unsigned *lat = calloc(LAT_BUCKETS, sizeof(unsigned));
	for (int i = 0; i < o_threads; i++) {
		pthread_join(w[i].th, NULL);
		calls += w[i].calls, errors += w[i].errors, agent_writes += w[i].agent_writes;
		memo_writes += w[i].memo_writes;
		for (size_t b = 0; b < LAT_BUCKETS; b++)
			lat[b] += w[i].lat[b];
		if (w[i].err[0])
			fprintf(stderr, "thread %d: %s\n", i, w[i].err);
	}
	double secs = now_s() - t0;
	printf("mode=%s threads=%d agents=%zu calls=%ld seconds=%.2f calls_per_s=%.0f p50_ms=%.2f p99_ms=%.2f "
	       "errors=%ld agent_writes=%ld memo_writes=%ld\n",
	       o_update ? "update" : "heartbeat", o_threads, nagents, calls, secs, (double)calls / secs,
	       pct(lat, calls, 0.50), pct(lat, calls, 0.99), errors, agent_writes, memo_writes);
	mysql_library_end();
	return errors || !calls ? 1 : 0;
}
