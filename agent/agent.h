/*
 * agent.h - spot-agent's loops as ticks (STYLE.md "Loops and time"): each
 * agent_tick_* does one bounded pass at `now` (wall ms) and returns 0, or -1
 * when it could not finish (it is tried again at its next turn). main only
 * schedules them and sleeps in poll(2).
 */
#ifndef SPOT_AGENT_AGENT_H
#define SPOT_AGENT_AGENT_H

#include <stdint.h>

#include "agent/agent_config.h"
#include "agent/creds.h"
#include "agent/ec2.h"
#include "agent/imds.h"
#include "agent/server.h"
#include "agent/spool.h"

#define AGENT_MAX_TYPES 32		/* own type + compatible types priced */
#define AGENT_MAX_PRICES 500		/* per pricing report (the server's bound) */
#define AGENT_MAX_COMMANDS 20		/* handled per poll */

struct agent {
	struct agent_config *cfg;	/* borrowed */
	volatile int *stop;
	struct imds imds;
	struct imds_identity id;
	struct creds creds;
	struct ec2 ec2;
	struct server srv;
	struct spool spool;
	int registered;
	char role[16];			/* primary, standby, replica, zombie, terminated */
	int64_t start_mono;
	/* The server's config, bounded by ours. */
	long heartbeat_s, pricing_s, command_poll_s, interruption_poll_s;
	int auto_terminate;
	long config_version;
	char types[AGENT_MAX_TYPES][64];
	size_t ntypes;
	/* Notices already reported (IMDS keeps showing them). */
	char termination_time[64];
	char rebalance_time[64];
};

/* Everything up to the first registration attempt; an enum agent_exit. */
int agent_init(struct agent *a, struct agent_config *cfg, volatile int *stop);
void agent_release(struct agent *a);

/* register (again); 0, or -1 (AGENT_EXIT_NOPERM in *fatal when the token is refused). */
int agent_register(struct agent *a, int *fatal);
int agent_tick_heartbeat(struct agent *a, int64_t now);
int agent_tick_pricing(struct agent *a, int64_t now);
int agent_tick_commands(struct agent *a, int64_t now);
int agent_tick_interruption(struct agent *a, int64_t now);
int agent_tick_termination(struct agent *a, int64_t now);
/* Replays spooled reports in order until one fails; 0 when the spool is empty. */
int agent_tick_spool(struct agent *a, int64_t now);

/*
 * Sends a report (POST /api/agents/{id}/<path>) with a new X-Request-ID,
 * after whatever waits in the spool; spools it when the server is
 * unavailable. The answer, when there is one now, goes to *answer (caller
 * puts). Returns 0 when sent or spooled, -1 when refused or lost.
 */
int agent_report(struct agent *a, enum spool_class cls, const char *path, const char *body,
		 struct json_object **answer);

#endif
