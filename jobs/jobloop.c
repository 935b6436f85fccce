/* jobloop.c - the loop around a job's tick: lease, job_runs, logging, signals, outages. */
#include "jobs/jobloop.h"
#include "common/arena.h"
#include "common/config.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/uuid.h"
#include "core/db.h"
#include "core/db_jobs.h"

#include <json-c/json.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int jobloop_stop;

static void jobloop_on_term(int sig)
{
	(void)sig;
	jobloop_stop = 1;
}

/* A finished run waiting to be recorded because the database was away. */
struct jobloop_pending {
	char id[UUID_STR_LEN + 1];
	long long started_ms, finished_ms;
	char status[16];
	char *stats, *error;
	int used;
};

struct jobloop {
	const struct jobloop_job *job;
	struct db db;
	struct arena arena;
	char holder[128];
	long interval_s;
	int64_t fixed_now_ms; /* 0: the wall clock */
	struct jobloop_pending pending;
};

static void jobloop_pending_clear(struct jobloop_pending *p)
{
	free(p->stats);
	free(p->error);
	memset(p, 0, sizeof(*p));
}

/* Records the run that could not be recorded before; keeps it when the database is still away. */
static void jobloop_flush_pending(struct jobloop *l)
{
	struct jobloop_pending *p = &l->pending;
	if (!p->used || db_ensure(&l->db, NULL) < 0)
		return;
	if (db_jobs_run_record(&l->db, p->id, l->job->name, l->holder, p->started_ms, p->finished_ms, p->status,
			       p->stats, p->error) < 0 && !db_is_duplicate(&l->db)) {
		log_warn("jobloop: recording the earlier failed run: %s", l->db.last_error);
		return;
	}
	log_info("%s: recorded the run of %lld that failed while the database was away", l->job->name, p->started_ms);
	jobloop_pending_clear(p);
}

/* One tick with its lease and job_runs row. Returns 0 ok / skipped, -1 failed. */
static int jobloop_tick(struct jobloop *l)
{
	const struct jobloop_job *job = l->job;
	char id[UUID_STR_LEN + 1];
	int64_t started = time_now_ms(), now = l->fixed_now_ms ? l->fixed_now_ms : started;
	struct json_object *stats = json_object_new_object();
	const char *error = NULL, *stats_text;
	enum core_result rc = CORE_ERR;
	int recorded = 0, held = 1;

	arena_reset(&l->arena);
	uuid_v4(id);
	if (db_ensure(&l->db, NULL) < 0) {
		error = "database unavailable";
		goto done;
	}
	jobloop_flush_pending(l);
	/* The lease lasts a few intervals, so a dead holder's is taken over soon after. */
	if (job->singular && db_jobs_lease(&l->db, job->name, l->holder, 3 * l->interval_s + 30, &held) < 0) {
		error = l->db.last_error;
		goto done;
	}
	if (!held) {
		log_info("%s: skipped: another holder has the lease", job->name);
		json_object_put(stats);
		return 0;
	}
	recorded = db_jobs_run_start(&l->db, id, job->name, l->holder, started) == 0;
	if (job->tick_opts)
		rc = job->tick_opts(job->opts, &l->db, &l->arena, now, stats, &error);
	else
		rc = job->tick(&l->db, &l->arena, now, stats, &error);
	if (rc != CORE_OK && !error)
		error = l->db.last_error[0] ? l->db.last_error : "tick failed";
done:;
	int64_t finished = time_now_ms();
	const char *status = rc == CORE_OK ? "succeeded" : "failed";
	stats_text = json_object_to_json_string_ext(stats, JSON_C_TO_STRING_PLAIN);
	if (recorded && db_jobs_run_finish(&l->db, id, status, finished, stats_text, rc == CORE_OK ? NULL : error) < 0)
		recorded = 0;
	if (!recorded) {
		/* Keep the newest unrecorded run; it is written when the database is back. */
		jobloop_pending_clear(&l->pending);
		snprintf(l->pending.id, sizeof(l->pending.id), "%s", id);
		l->pending.started_ms = started;
		l->pending.finished_ms = finished;
		snprintf(l->pending.status, sizeof(l->pending.status), "%s", status);
		l->pending.stats = strdup(stats_text);
		l->pending.error = error ? strdup(error) : NULL;
		l->pending.used = 1;
		if (db_conn_lost(&l->db))
			db_disconnect(&l->db);
	}
	if (rc == CORE_OK)
		log_info("%s: ok in %lld ms %s", job->name, (long long)(finished - started), stats_text);
	else
		log_warn("%s: failed in %lld ms: %s %s", job->name, (long long)(finished - started), error, stats_text);
	json_object_put(stats);
	return rc == CORE_OK ? 0 : -1;
}

static void jobloop_usage(const struct jobloop_job *job)
{
	fprintf(stderr, "usage: spot-%s [--config FILE] [--once] [--interval SECONDS] [--now RFC3339]%s%s\n",
		job->name, job->usage_extra ? " " : "", job->usage_extra ? job->usage_extra : "");
}

int jobloop_main(int argc, char **argv, const struct jobloop_job *job)
{
	struct jobloop l;
	struct config cfg;
	struct db_settings s;
	const char *config_file = NULL;
	char err[512], host[64] = "host";
	int once = 0, rc = 0;
	struct sigaction sa;

	memset(&l, 0, sizeof(l));
	l.job = job;
	l.interval_s = job->default_interval_s;
	log_init(argv[0]);
	config_init(&cfg);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config_file = argv[++i];
		} else if (!strcmp(argv[i], "--once")) {
			once = 1;
		} else if (!strcmp(argv[i], "--interval") && i + 1 < argc) {
			char *end;
			l.interval_s = strtol(argv[++i], &end, 10);
			if (*end || l.interval_s < 1 || l.interval_s > 7 * 86400) {
				fprintf(stderr, "spot-%s: --interval: expected seconds in [1, 604800]\n", job->name);
				return 2;
			}
		} else if (!strcmp(argv[i], "--now") && i + 1 < argc) {
			if (time_parse_rfc3339(argv[++i], &l.fixed_now_ms) < 0) {
				fprintf(stderr, "spot-%s: --now: expected an RFC 3339 time like 2026-11-24T06:00:00Z\n",
					job->name);
				return 2;
			}
		} else {
			int prc = job->parse_arg ? job->parse_arg(job->opts, argc, argv, &i) : 1;
			if (prc < 0)
				return 2;
			if (prc > 0) {
				jobloop_usage(job);
				return 2;
			}
		}
	}
	if (config_file && config_load_file(&cfg, config_file, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-%s: %s\n", job->name, err);
		return 2;
	}
	if (db_settings_from_config(&s, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-%s: %s\n", job->name, err);
		return 2;
	}
	gethostname(host, sizeof(host) - 1);
	snprintf(l.holder, sizeof(l.holder), "%s:%d", host, (int)getpid());
	db_init(&l.db, &s);
	arena_init(&l.arena, 64 * 1024);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = jobloop_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (once) {
		rc = jobloop_tick(&l) < 0 ? 1 : 0;
		/* A one-shot run gives its lease back, so the next run (or the loop) need not wait for it to expire. */
		if (job->singular && db_ensure(&l.db, NULL) == 0)
			db_jobs_release(&l.db, job->name, l.holder);
	} else {
		log_info("%s: running every %ld s as %s", job->name, l.interval_s, l.holder);
		while (!jobloop_stop) {
			int64_t t0 = time_mono_ms();
			jobloop_tick(&l);
			int64_t left = l.interval_s * 1000 - (time_mono_ms() - t0);
			if (left > 0 && !jobloop_stop)
				time_sleep_ms(left, &jobloop_stop);
		}
		if (job->singular && db_ensure(&l.db, NULL) == 0)
			db_jobs_release(&l.db, job->name, l.holder);
		log_info("%s: stopped", job->name);
	}
	jobloop_pending_clear(&l.pending);
	arena_release(&l.arena);
	db_release(&l.db);
	config_release(&cfg);
	return rc;
}
