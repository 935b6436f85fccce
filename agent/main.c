/*
 * main.c - spot-agent [--config FILE] [--once] [--version]
 *
 * Reads the config, learns who it is from IMDS, registers, then runs the
 * loops of agent.h on one thread: a table of {tick, interval, next due};
 * between ticks it sleeps in poll(2) on a self-pipe that SIGTERM/SIGINT write
 * to, so a signal wakes it at once and a transfer in flight is aborted by
 * libcurl's progress callback: it exits within 2 s. A report cut short that
 * way is spooled (agent_report), and every spool entry is already on disk
 * (fsync'd), so nothing owed is lost. --once runs every loop once and exits.
 *
 * SIGHUP re-reads the config between ticks (main_reload): a file that does
 * not load or validate keeps the running config and logs one line saying
 * why; otherwise the new server URL, token, CA file, intervals, IMDS and EC2
 * endpoints, credentials, log level and spool bounds take effect at once.
 */
#include "agent/agent.h"
#include "agent/agent_config.h"
#include "common/log.h"
#include "common/timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int main_stop;
static volatile sig_atomic_t main_hup;
static int main_pipe[2] = { -1, -1 };

static void main_on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig == SIGHUP)
		main_hup = 1;
	else
		main_stop = 1;
	if (main_pipe[1] >= 0 && write(main_pipe[1], &c, 1) < 0) {
		/* Nothing to do: the flag is set. */
	}
	errno = saved;
}

static int main_signals(void)
{
	struct sigaction sa;

	if (pipe(main_pipe) < 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(main_pipe[i], F_SETFL, fcntl(main_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(main_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

/* Sleeps until ms pass or a signal arrives. */
static void main_wait(int64_t ms)
{
	struct pollfd pfd = { .fd = main_pipe[0], .events = POLLIN };
	char buf[16];

	if (ms <= 0 || main_stop || main_hup)
		return;
	if (poll(&pfd, 1, ms > 60000 ? 60000 : (int)ms) > 0)
		while (read(main_pipe[0], buf, sizeof(buf)) > 0)
			;
}

struct main_task {
	const char *name;
	int (*tick)(struct agent *, int64_t);
	long *interval_s;
	int64_t due_mono;
};

static int main_log_level(const char *s)
{
	return !strcmp(s, "debug") ? LOG_DEBUG : !strcmp(s, "warn") ? LOG_WARN : !strcmp(s, "error") ? LOG_ERROR : LOG_INFO;
}

/*
 * SIGHUP: reload the config; on success re-point what borrowed the old
 * strings, then bring the schedule forward where an interval got shorter.
 */
static void main_reload(struct agent *a, struct agent_config *cfg, struct main_task *tasks, size_t ntasks)
{
	struct agent_config old;
	char err[512], what[256];
	unsigned ch;
	int64_t now;

	if (agent_config_reload(cfg, &old, &ch, err, sizeof(err)) < 0) {
		log_err("main: reload of %s failed, keeping the running config: %s",
			cfg->config_path ? cfg->config_path : "the environment", err);
		return;
	}
	/* The server: new base, token and CA; a new server or token registers afresh. */
	a->srv.base = cfg->server_url;
	a->srv.client_token = cfg->client_token;
	a->srv.http.ca_file = cfg->ca_file && *cfg->ca_file ? cfg->ca_file : NULL;
	if (ch & (AGENT_CONFIG_CHANGED_SERVER | AGENT_CONFIG_CHANGED_TOKEN)) {
		httpc_release(&a->srv.http);
		a->registered = 0;
	}
	a->imds.base = cfg->imds_url;
	if (ch & AGENT_CONFIG_CHANGED_IMDS) {
		httpc_release(&a->imds.http);
		a->imds.token[0] = 0;
		a->imds.token_renew_mono = 0;
	}
	a->creds.static_key = cfg->access_key_id;
	a->creds.static_secret = cfg->secret_access_key;
	a->creds.static_token = cfg->session_token;
	if (ch & AGENT_CONFIG_CHANGED_EC2) {
		struct ec2 e;
		const char *region = cfg->region ? cfg->region : a->id.region;
		if (ec2_init(&e, cfg->ec2_url, region, &a->creds, &a->imds, a->stop) == 0) {
			ec2_release(&a->ec2);
			a->ec2 = e;
		} else {
			log_warn("main: SPOT_EC2_URL %s is not usable; keeping %s", cfg->ec2_url ? cfg->ec2_url : "-",
				 a->ec2.url);
		}
	}
	a->spool.max_entries = cfg->spool_max_entries;
	a->spool.max_bytes = cfg->spool_max_bytes;
	log_set_level(main_log_level(cfg->log_level));
	if (ch & AGENT_CONFIG_CHANGED_INTERVALS) {
		/* Ours first; the server's (never slower) again at the next heartbeat. */
		a->heartbeat_s = cfg->heartbeat_s;
		a->pricing_s = cfg->pricing_s;
		a->command_poll_s = cfg->command_poll_s;
		a->interruption_poll_s = cfg->interruption_poll_s;
		a->config_version = -1;
		now = time_mono_ms();
		for (size_t i = 0; i < ntasks; i++)
			if (tasks[i].due_mono > now + *tasks[i].interval_s * 1000)
				tasks[i].due_mono = now + *tasks[i].interval_s * 1000;
	}
	agent_config_changes_name(ch, what, sizeof(what));
	log_info("main: reloaded %s: %s changed", cfg->config_path ? cfg->config_path : "the environment", what);
	agent_config_release(&old);
}

static void main_usage(FILE *f)
{
	fputs("usage: spot-agent [--config FILE] [--once] [--version]\n"
	      "signals: SIGHUP reloads the config, SIGTERM or SIGINT stop within 2 s\n",
	      f);
}

int main(int argc, char **argv)
{
	struct agent_config cfg;
	struct agent a;
	const char *config_path = NULL;
	char err[512];
	int once = 0, rc, fatal = 0;
	long spool_s = 10;

	log_init("spot-agent");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("spot-agent %s\n", AGENT_VERSION);
			return AGENT_EXIT_OK;
		} else if (!strcmp(argv[i], "--once")) {
			once = 1;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config_path = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			main_usage(stdout);
			return AGENT_EXIT_OK;
		} else {
			fprintf(stderr, "spot-agent: unknown argument '%s'\n", argv[i]);
			main_usage(stderr);
			return AGENT_EXIT_USAGE;
		}
	}
	agent_config_init(&cfg);
	if (agent_config_load(&cfg, config_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "spot-agent: %s\n", err);
		agent_config_release(&cfg);
		return AGENT_EXIT_CONFIG;
	}
	log_set_level(main_log_level(cfg.log_level));
	if (main_signals() < 0 || httpc_global_init() < 0) {
		fprintf(stderr, "spot-agent: cannot set up signals or libcurl\n");
		agent_config_release(&cfg);
		return AGENT_EXIT_SOFTWARE;
	}
	log_info("main: spot-agent %s starting (server %s, imds %s)", AGENT_VERSION, cfg.server_url, cfg.imds_url);
	rc = agent_init(&a, &cfg, &main_stop);
	if (main_stop)
		rc = AGENT_EXIT_OK;	/* asked to stop while starting: not a failure */
	if (rc != AGENT_EXIT_OK || main_stop)
		goto out;
	/* Register at start; an unreachable server is retried by the loops. */
	if (agent_register(&a, &fatal) < 0 && fatal) {
		rc = fatal;
		goto out;
	}
	{
		struct main_task tasks[] = {
			{ "interruption", agent_tick_interruption, &a.interruption_poll_s, 0 },
			{ "heartbeat", agent_tick_heartbeat, &a.heartbeat_s, 0 },
			{ "commands", agent_tick_commands, &a.command_poll_s, 0 },
			{ "pricing", agent_tick_pricing, &a.pricing_s, 0 },
			{ "termination", agent_tick_termination, &cfg.termination_s, 0 },
			{ "spool", agent_tick_spool, &spool_s, 0 },
		};
		size_t ntasks = sizeof(tasks) / sizeof(tasks[0]);
		int failed = 0;

		while (!main_stop) {
			int64_t now, next;
			if (main_hup) {
				main_hup = 0;
				main_reload(&a, &cfg, tasks, ntasks);
			}
			now = time_mono_ms();
			next = now + 60000;
			for (size_t i = 0; i < ntasks && !main_stop; i++) {
				if (tasks[i].due_mono > now)
					continue;
				if (tasks[i].tick(&a, time_now_ms()) < 0) {
					log_debug("main: %s did not finish; next turn", tasks[i].name);
					failed++;
				}
				now = time_mono_ms();
				tasks[i].due_mono = now + *tasks[i].interval_s * 1000;
			}
			if (once)
				break;
			for (size_t i = 0; i < ntasks; i++)
				if (tasks[i].due_mono < next)
					next = tasks[i].due_mono;
			main_wait(next - time_mono_ms());
		}
		if (once && (failed || !a.registered))
			rc = a.registered ? AGENT_EXIT_OK : AGENT_EXIT_UNAVAILABLE;
	}
	{
		/* Flushed: every report owed is on disk already (a transfer cut short was spooled). */
		size_t n = 0, bytes = 0;
		if (spool_stat(&a.spool, &n, &bytes) == 0 && n)
			log_info("main: %zu reports (%zu bytes) wait in %s for the next start", n, bytes, a.spool.dir);
	}
	log_info("main: stopping%s", main_stop ? " on signal" : "");
out:
	agent_release(&a);
	httpc_global_cleanup();
	agent_config_release(&cfg);
	return rc;
}
