/*
 * main.c - spot-agent [--config FILE] [--once] [--version]
 *
 * Reads the config, learns who it is from IMDS, registers, then runs the
 * loops of agent.h on one thread: a table of {tick, interval, next due};
 * between ticks it sleeps in poll(2) on a self-pipe that SIGTERM/SIGINT write
 * to, so a signal wakes it at once and a transfer in flight is aborted by
 * libcurl's progress callback: it exits within 2 s. --once runs every loop
 * once and exits.
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
static int main_pipe[2] = { -1, -1 };

static void main_on_signal(int sig)
{
	int saved = errno;
	char c = (char)sig;

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
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

/* Sleeps until ms pass or a signal arrives. */
static void main_wait(int64_t ms)
{
	struct pollfd pfd = { .fd = main_pipe[0], .events = POLLIN };
	char buf[16];

	if (ms <= 0 || main_stop)
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

static void main_usage(FILE *f)
{
	fputs("usage: spot-agent [--config FILE] [--once] [--version]\n", f);
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
	log_set_level(!strcmp(cfg.log_level, "debug") ? LOG_DEBUG : !strcmp(cfg.log_level, "warn") ? LOG_WARN
						  : !strcmp(cfg.log_level, "error") ? LOG_ERROR : LOG_INFO);
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
			int64_t now = time_mono_ms(), next = now + 60000;
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
	log_info("main: stopping%s", main_stop ? " on signal" : "");
out:
	agent_release(&a);
	httpc_global_cleanup();
	agent_config_release(&cfg);
	return rc;
}
