/*
 * db_ceiling.c - the database's own ceiling for the heartbeat (bench/heartbeat.sh).
 *
 *   bench-db-ceiling --socket PATH --user U --password P --database DB --agents FILE
 *                    [--threads 4] [--seconds 15] [--mode call|update]
 *
 * THREADS threads, each with its own connection (autocommit, as the workers), issue
 * one prepared statement over and over for SECONDS seconds, rotating over the agents
 * of FILE ("agent_id instance_id agent_token sha256hex" a line, bench/hb_register.py);
 * thread t starts at agent t and steps by THREADS, as wrk's threads do.
 *   call    CALL spot_heartbeat(token_sha256, agent_id, instance_id, 'running', uptime)
 *           - exactly what the worker sends for a heartbeat without X-Request-ID
 *           (core/db_agents.c SQL_HB_CALL), its answer row read and checked for 'ok';
 *   update  UPDATE instances SET last_heartbeat_at = UTC_TIMESTAMP(3),
 *           reported_status = ?, uptime_seconds = ? WHERE id = ?
 *           - the heartbeat's main write alone, as a second reference.
 * Prints one line: mode, threads, calls, seconds, calls/s, p50/p99 per call, errors.
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
};

static struct agent *agents;
static size_t nagents;
static const char *o_socket, *o_user = "spot", *o_password = "", *o_db = "spot";
static int o_threads = 4, o_seconds = 15, o_update = 0;
static atomic_int stop;

#define LAT_BUCKETS 100000 /* 10 us buckets up to 1 s */

struct worker {
	pthread_t th;
	int idx;
	long calls, errors;
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

static void *run(void *arg)
{
	struct worker *w = arg;
	MYSQL *m = mysql_init(NULL);
	MYSQL_STMT *st;
	MYSQL_BIND in[5], out[6]; /* spot_heartbeat answers one row of 6 columns */
	unsigned long len[5], out_len[6];
	my_bool out_null[6];
	char status[] = "running", cells[6][64];
	long long uptime = 0;
	struct agent cur;
	const char *sql = o_update ? "UPDATE instances SET last_heartbeat_at = UTC_TIMESTAMP(3), reported_status = ?, "
				     "uptime_seconds = ? WHERE id = ?"
				   : "CALL spot_heartbeat(?, ?, ?, ?, ?)";

	if (!mysql_real_connect(m, NULL, o_user, o_password, o_db, 0, o_socket, CLIENT_MULTI_RESULTS)) {
		set_err(w, "connect", mysql_error(m));
		return NULL;
	}
	mysql_autocommit(m, 1);
	st = mysql_stmt_init(m);
	if (mysql_stmt_prepare(st, sql, strlen(sql))) {
		set_err(w, "prepare", mysql_stmt_error(st));
		return NULL;
	}
	memset(in, 0, sizeof(in));
	if (o_update) {
		in[0].buffer_type = MYSQL_TYPE_STRING, in[0].buffer = status, in[0].length = &len[0];
		in[1].buffer_type = MYSQL_TYPE_LONGLONG, in[1].buffer = &uptime;
		in[2].buffer_type = MYSQL_TYPE_STRING, in[2].buffer = cur.instance, in[2].length = &len[2];
		len[0] = strlen(status);
	} else {
		in[0].buffer_type = MYSQL_TYPE_STRING, in[0].buffer = cur.hash, in[0].length = &len[0];
		in[1].buffer_type = MYSQL_TYPE_STRING, in[1].buffer = cur.id, in[1].length = &len[1];
		in[2].buffer_type = MYSQL_TYPE_STRING, in[2].buffer = cur.instance, in[2].length = &len[2];
		in[3].buffer_type = MYSQL_TYPE_STRING, in[3].buffer = status, in[3].length = &len[3];
		in[4].buffer_type = MYSQL_TYPE_LONGLONG, in[4].buffer = &uptime;
		len[0] = 32, len[3] = strlen(status);
	}
	memset(out, 0, sizeof(out));
	for (int c = 0; c < 6; c++) {
		out[c].buffer_type = MYSQL_TYPE_STRING, out[c].buffer = cells[c];
		out[c].buffer_length = sizeof(cells[c]) - 1, out[c].length = &out_len[c], out[c].is_null = &out_null[c];
	}

	size_t i = (size_t)w->idx % nagents;
	while (!atomic_load(&stop)) {
		cur = agents[i];
		i = (i + (size_t)o_threads) % nagents;
		len[1] = strlen(cur.id), len[2] = strlen(cur.instance);
		uptime++;
		double t0 = now_s();
		if (mysql_stmt_bind_param(st, in) || mysql_stmt_execute(st)) {
			set_err(w, "execute", mysql_stmt_error(st));
			continue;
		}
		if (!o_update) {
			/* The procedure's answer row, then the CALL's own status result. */
			int got = 0;
			do {
				if (mysql_stmt_field_count(st) > 0) {
					if (mysql_stmt_store_result(st)) {
						set_err(w, "store", mysql_stmt_error(st));
						break;
					}
					if (!got && mysql_stmt_field_count(st) == 6 && mysql_stmt_bind_result(st, out) == 0) {
						int r = mysql_stmt_fetch(st);
						if (r == 0 || r == MYSQL_DATA_TRUNCATED) {
							char *outcome = cells[0];
							outcome[out_len[0] < sizeof(cells[0]) ? out_len[0] : sizeof(cells[0]) - 1] = 0;
							got = 1;
							if (out_null[0] || strcmp(outcome, "ok"))
								set_err(w, "outcome", outcome);
						}
					}
					while (mysql_stmt_fetch(st) == 0)
						;
					mysql_stmt_free_result(st);
				}
			} while (mysql_stmt_next_result(st) == 0);
			if (!got)
				set_err(w, "call", "no answer row");
		} else if (mysql_stmt_affected_rows(st) != 1) {
			set_err(w, "update", "no row changed");
		}
		double us = (now_s() - t0) * 1e6;
		size_t b = (size_t)(us / 10);
		w->lat[b < LAT_BUCKETS ? b : LAT_BUCKETS - 1]++;
		w->calls++;
	}
	mysql_stmt_close(st);
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
		else if (!strcmp(a, "--mode") && (!strcmp(v, "call") || !strcmp(v, "update")))
			o_update = !strcmp(v, "update");
		else {
			fprintf(stderr, "usage: %s --socket PATH --user U --password P --database DB --agents FILE "
					"[--threads N] [--seconds S] [--mode call|update]\n",
				argv[0]);
			return 2;
		}
		i++;
	}
	if (!file || o_threads < 1 || o_seconds < 1) {
		fprintf(stderr, "--agents FILE is required; --threads and --seconds must be positive\n");
		return 2;
	}
	load(file);
	mysql_library_init(0, NULL, NULL);
	struct worker *w = calloc((size_t)o_threads, sizeof(*w));
	double t0 = now_s();
	for (int i = 0; i < o_threads; i++) {
		w[i].idx = i;
		w[i].lat = calloc(LAT_BUCKETS, sizeof(unsigned));
		pthread_create(&w[i].th, NULL, run, &w[i]);
	}
	struct timespec d = { o_seconds, 0 };
	nanosleep(&d, NULL);
	atomic_store(&stop, 1);
	long calls = 0, errors = 0;
	unsigned *lat = calloc(LAT_BUCKETS, sizeof(unsigned));
	for (int i = 0; i < o_threads; i++) {
		pthread_join(w[i].th, NULL);
		calls += w[i].calls, errors += w[i].errors;
		for (size_t b = 0; b < LAT_BUCKETS; b++)
			lat[b] += w[i].lat[b];
		if (w[i].err[0])
			fprintf(stderr, "thread %d: %s\n", i, w[i].err);
	}
	double secs = now_s() - t0;
	printf("mode=%s threads=%d agents=%zu calls=%ld seconds=%.2f calls_per_s=%.0f p50_ms=%.2f p99_ms=%.2f "
	       "errors=%ld\n",
	       o_update ? "update" : "call", o_threads, nagents, calls, secs, (double)calls / secs,
	       pct(lat, calls, 0.50), pct(lat, calls, 0.99), errors);
	mysql_library_end();
	return errors || !calls ? 1 : 0;
}
