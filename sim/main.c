/*
 * main.c - spot-sim: settings (SPOT_SIM_* environment, else --config FILE),
 * the world, the HTTP server, and the tick loop; SIGTERM/SIGINT stop it,
 * killing and reaping every agent process.
 *
 * Settings (seconds are simulated seconds; the clock scale compresses them):
 *   SPOT_SIM_LISTEN          port, or ADDR:PORT (default 127.0.0.1:8787)
 *   SPOT_SIM_REGION          default region (us-east-1); SPOT_SIM_REGIONS more, comma-separated
 *   SPOT_SIM_PRICE_FILES     price traces, colon-separated (default: the shared testdata traces)
 *   SPOT_SIM_HISTORY_FRACTION  how much of each trace is history at start (0..1, default 0.5)
 *   SPOT_SIM_SEED, SPOT_SIM_SCALE (clock compression, default 1)
 *   SPOT_SIM_ACCESS_KEY_ID, SPOT_SIM_SECRET_ACCESS_KEY
 *   SPOT_SIM_BOOT_DELAY (20), SPOT_SIM_IMAGE_DELAY (60), SPOT_SIM_TERMINATE_DELAY (10),
 *   SPOT_SIM_NOTICE_LEAD (120: termination notice -> action), SPOT_SIM_CAPACITY (per pool, 20)
 *   SPOT_SIM_REBALANCE (1: interruptions begin with a rebalance recommendation),
 *   SPOT_SIM_REBALANCE_LEAD (60: rebalance recommendation -> termination notice)
 *   SPOT_SIM_INTERRUPTIONS   scheduled ones: SECONDS[:AZ[:TYPE[:COUNT|all]]], comma-separated
 *                            (simulated seconds since the start; AZ and TYPE may be *; COUNT 1)
 *   SPOT_SIM_INTERRUPTION_FACTOR  multiplies each pool's random rate (Spot Advisor bucket; default 1, 0 none)
 *   SPOT_SIM_TYPES           types given synthetic pools in every zone (default t3.medium,m5.large,c5.large,r5.large,m6i.large,c6i.large)
 *   SPOT_SIM_ADVISOR_FILE    Spot Advisor JSON (default: the shared testdata's; "" none)
 *   SPOT_SIM_AGENT_CMD (default: spot-sim-fake-agent next to spot-sim; "none": no agent processes), SPOT_SIM_AGENT_DIR
 */
#include "sim/server.h"
#include "sim/sim.h"
#include "common/config.h"
#include "common/strbuf.h"
#include "common/log.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SPOT_SIM_DEFAULT_PRICES
#define SPOT_SIM_DEFAULT_PRICES ""
#endif

static volatile int main_stop;

static void main_on_signal(int sig)
{
	(void)sig;
	main_stop = 1;
}

static int main_seconds(const struct config *cfg, const char *key, double def, long *ms)
{
	const char *v = config_get(cfg, key, NULL);
	char *end;
	double d = def;

	if (v) {
		errno = 0;
		d = strtod(v, &end);
		if (*end || errno || !(d >= 0 && d <= 86400 * 30))
			return log_err("main: %s: expected seconds, got '%s'", key, v);
	}
	*ms = (long)(d * 1000);
	return 0;
}

static int main_settings(const struct config *cfg, struct sim_settings *s)
{
	const char *listen = config_get(cfg, "SPOT_SIM_LISTEN", "127.0.0.1:8787"), *colon = strrchr(listen, ':');
	char err[256], *end;
	long v;
	double d;

	memset(s, 0, sizeof(*s));
	if (colon) {
		s->listen_addr = xstrndup(listen, (size_t)(colon - listen));
		listen = colon + 1;
	} else {
		s->listen_addr = xstrdup("127.0.0.1");
	}
	v = strtol(listen, &end, 10);
	if (*end || v < 1 || v > 65535)
		return log_err("main: SPOT_SIM_LISTEN: expected a port or ADDR:PORT");
	s->port = (int)v;
	s->default_region = xstrdup(config_get(cfg, "SPOT_SIM_REGION", "us-east-1"));
	s->regions = xstrdup(config_get(cfg, "SPOT_SIM_REGIONS", ""));
	s->price_files = xstrdup(config_get(cfg, "SPOT_SIM_PRICE_FILES", SPOT_SIM_DEFAULT_PRICES));
	d = strtod(config_get(cfg, "SPOT_SIM_HISTORY_FRACTION", "0.5"), &end);
	if (*end || !(d >= 0 && d <= 1))
		return log_err("main: SPOT_SIM_HISTORY_FRACTION: expected 0 to 1");
	s->history_fraction = d;
	s->seed = strtoull(config_get(cfg, "SPOT_SIM_SEED", "1"), &end, 10);
	if (*end)
		return log_err("main: SPOT_SIM_SEED: expected a whole number");
	d = strtod(config_get(cfg, "SPOT_SIM_SCALE", "1"), &end);
	if (*end || !(d >= CLOCK_MIN_SCALE && d <= CLOCK_MAX_SCALE))
		return log_err("main: SPOT_SIM_SCALE: expected %g to %g", CLOCK_MIN_SCALE, CLOCK_MAX_SCALE);
	s->scale = d;
	s->access_key_id = xstrdup(config_get(cfg, "SPOT_SIM_ACCESS_KEY_ID", "AKIASPOTSIMULATOR001"));
	s->secret_access_key = xstrdup(config_get(cfg, "SPOT_SIM_SECRET_ACCESS_KEY", "spot-sim-secret-key-change-me-0000000000"));
	if (main_seconds(cfg, "SPOT_SIM_BOOT_DELAY", 20, &s->boot_delay_ms) < 0 ||
	    main_seconds(cfg, "SPOT_SIM_IMAGE_DELAY", 60, &s->image_delay_ms) < 0 ||
	    main_seconds(cfg, "SPOT_SIM_TERMINATE_DELAY", 10, &s->terminate_delay_ms) < 0 ||
	    main_seconds(cfg, "SPOT_SIM_NOTICE_LEAD", 120, &s->notice_lead_ms) < 0 ||
	    main_seconds(cfg, "SPOT_SIM_REBALANCE_LEAD", 60, &s->rebalance_lead_ms) < 0)
		return -1;
	{
		const char *rb = config_get(cfg, "SPOT_SIM_REBALANCE", "1");
		if (strcmp(rb, "0") && strcmp(rb, "1"))
			return log_err("main: SPOT_SIM_REBALANCE: expected 0 or 1");
		s->rebalance = !strcmp(rb, "1");
	}
	d = strtod(config_get(cfg, "SPOT_SIM_INTERRUPTION_FACTOR", "1"), &end);
	if (*end || !(d >= 0 && d <= 1e9))
		return log_err("main: SPOT_SIM_INTERRUPTION_FACTOR: expected a number from 0");
	s->interruption_factor = d;
	s->interruptions = xstrdup(config_get(cfg, "SPOT_SIM_INTERRUPTIONS", ""));
	s->types = xstrdup(config_get(cfg, "SPOT_SIM_TYPES", "t3.medium,m5.large,c5.large,r5.large,m6i.large,c6i.large"));
	{
		/* The advisor data sits next to the default traces: .../testdata/spot-advisor/. */
		struct strbuf adv = STRBUF_INIT;
		const char *mark = strstr(SPOT_SIM_DEFAULT_PRICES, "/spot-prices/");
		if (mark)
			strbuf_addf(&adv, "%.*s/spot-advisor/spot-advisor-data.json", (int)(mark - SPOT_SIM_DEFAULT_PRICES),
				    SPOT_SIM_DEFAULT_PRICES);
		s->advisor_file = xstrdup(config_get(cfg, "SPOT_SIM_ADVISOR_FILE", adv.buf));
		strbuf_release(&adv);
	}
	if (config_get_long(cfg, "SPOT_SIM_CAPACITY", 20, 0, 1000000, &s->capacity, err, sizeof(err)) < 0)
		return log_err("main: %s", err);
	s->agent_cmd = config_get(cfg, "SPOT_SIM_AGENT_CMD", NULL) ? xstrdup(config_get(cfg, "SPOT_SIM_AGENT_CMD", NULL))
								   : NULL;
	{
		char dflt[64];
		snprintf(dflt, sizeof(dflt), "/tmp/spot-sim-agents.%d", (int)getpid());
		s->agent_dir = xstrdup(config_get(cfg, "SPOT_SIM_AGENT_DIR", dflt));
	}
	{
		struct strbuf u = STRBUF_INIT;
		strbuf_addf(&u, "http://%s:%d/", s->listen_addr, s->port);
		s->ec2_url = strbuf_detach(&u, NULL);
	}
	return 0;
}

static void main_settings_free(struct sim_settings *s)
{
	free(s->listen_addr);
	free(s->default_region);
	free(s->regions);
	free(s->price_files);
	free(s->access_key_id);
	free(s->secret_access_key);
	free(s->agent_cmd);
	free(s->interruptions);
	free(s->types);
	free(s->advisor_file);
	free(s->agent_dir);
	free(s->ec2_url);
}

int main(int argc, char **argv)
{
	struct config cfg;
	struct sim_settings set;
	struct sim *sim;
	struct MHD_Daemon *d;
	struct sigaction sa;
	char err[512];
	int rc = 1;

	log_init("spot-sim");
	config_init(&cfg);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			if (config_load_file(&cfg, argv[++i], err, sizeof(err)) < 0) {
				log_err("main: %s", err);
				return 2;
			}
		} else {
			fprintf(stderr, "usage: spot-sim [--config FILE]\n");
			return 2;
		}
	}
	if (main_settings(&cfg, &set) < 0) {
		config_release(&cfg);
		return 2;
	}
	if (!strcmp(config_get(&cfg, "SPOT_SIM_LOG_LEVEL", "info"), "debug"))
		log_set_level(LOG_DEBUG);
	config_release(&cfg);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	sim = xcalloc(1, sizeof(*sim));
	if (sim_init(sim, &set, time_now_ms()) < 0)
		goto out;
	d = server_start(sim, set.listen_addr, set.port);
	if (!d)
		goto out;
	log_info("main: listening on http://%s:%d/ (EC2 API; IMDS under /imds/<id>/; control under /_sim/)",
		 set.listen_addr, set.port);
	while (!main_stop) {
		time_sleep_ms(50, &main_stop);
		pthread_mutex_lock(&sim->lock);
		sim_tick(sim, time_now_ms());
		pthread_mutex_unlock(&sim->lock);
	}
	log_info("main: stopping");
	server_stop(d);
	sim_kill_agents(sim);
	rc = 0;
out:
	sim_release(sim);
	free(sim);
	main_settings_free(&set);
	return rc;
}
