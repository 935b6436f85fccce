/*
 * sim.h - the simulated world of spot-sim: settings, regions and pools,
 * instances, images, Elastic IPs, temporary credentials and the event log.
 *
 * One struct sim is the context every handler and tick gets (no globals).
 * It is guarded by sim->lock: the HTTP thread holds it while it serves a
 * request, the main loop while it ticks. Ids come from a seeded generator
 * so a scenario replays identically.
 */
#ifndef SPOT_SIM_SIM_H
#define SPOT_SIM_SIM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sim/clock.h"
#include "sim/prices.h"

#define SIM_MAX_INSTANCES 10000
#define SIM_MAX_IMAGES 10000
#define SIM_MAX_ADDRESSES 1000
#define SIM_MAX_CREDENTIALS 20000
#define SIM_MAX_REGIONS 16
#define SIM_MAX_AZS 64
#define SIM_MAX_POOLS 4096
#define SIM_MAX_TAGS 50			/* per resource, as EC2 */
#define SIM_MAX_GROUPS 16
#define SIM_MAX_EVENTS 2000		/* the event log keeps the newest */
#define SIM_MAX_IDEMPOTENCY 10000
#define SIM_MAX_CLIENT_TOKEN 64		/* EC2: up to 64 ASCII characters */
#define SIM_MAX_USER_DATA 16384		/* EC2: 16 KB before base64 */
#define SIM_ID_LEN 32
#define SIM_NAME_LEN 64
#define SIM_ACCOUNT_ID "123456789012"
#define SIM_AMAZON_OWNER_ID "137112412989"
#define SIM_MAX_SCHEDULE 256		/* scheduled interruptions */
#define SIM_SYNTH_HISTORY_MS (7 * 86400 * 1000LL)	/* synthetic price history before the start */

enum sim_state {
	SIM_PENDING = 0,
	SIM_RUNNING,
	SIM_SHUTTING_DOWN,
	SIM_TERMINATED,
	SIM_STOPPING,
	SIM_STOPPED
};

struct sim_tag {
	char *key;
	char *value;
};

struct sim_settings {
	char *listen_addr;
	int port;
	char *default_region;
	char *regions;			/* comma-separated */
	char *price_files;		/* colon-separated */
	double history_fraction;
	uint64_t seed;
	double scale;
	char *access_key_id;
	char *secret_access_key;
	long boot_delay_ms;		/* simulated ms */
	long image_delay_ms;
	long terminate_delay_ms;
	long notice_lead_ms;		/* termination notice -> action */
	long rebalance_lead_ms;		/* rebalance recommendation -> termination notice */
	int rebalance;			/* interruptions begin with a rebalance recommendation */
	double interruption_factor;	/* multiplies every pool's random interruption rate; 0: none */
	char *interruptions;		/* the schedule, "SECONDS[:AZ[:TYPE[:COUNT]]]" items, comma-separated */
	char *types;			/* types given synthetic pools in every zone, comma-separated */
	char *advisor_file;		/* Spot Advisor JSON ("" none) */
	long capacity;			/* default per pool */
	char *agent_cmd;		/* NULL: the stand-in next to the executable */
	char *agent_dir;		/* config files and logs of agents */
	char *ec2_url;			/* the URL agents get, e.g. http://127.0.0.1:PORT/ */
};

struct sim_pool {
	char region[SIM_NAME_LEN];
	char az[SIM_NAME_LEN];
	char type[SIM_NAME_LEN];
	long capacity;
	struct prices_calib calib;	/* on-demand price, savings, interruption bucket */
	double rate;			/* random interruptions per instance-hour (simulated) */
	int synthetic;			/* prices generated here (no trace, no manual price) */
	struct prices_synth synth;
};

struct sim_instance {
	char id[SIM_ID_LEN];
	char reservation_id[SIM_ID_LEN];
	char region[SIM_NAME_LEN];
	char az[SIM_NAME_LEN];
	char type[SIM_NAME_LEN];
	char image_id[SIM_ID_LEN];
	char private_ip[16];
	char public_ip[16];		/* auto-assigned; an Elastic IP overrides it */
	char spot_request_id[SIM_ID_LEN];
	int spot;
	int launch_index;
	enum sim_state state;
	char state_reason[128];
	int64_t launch_wall_ms;
	int64_t due_vt;			/* next state transition (simulated ms) when due is set */
	int due;
	char *key_name, *subnet_id, *profile, *client_token;
	char *user_data;		/* decoded bytes */
	size_t user_data_len;
	char *groups[SIM_MAX_GROUPS];
	int ngroups;
	struct sim_tag *tags;
	int ntags;
	/* interruption notices (wall ms; 0 none) */
	int64_t rebalance_wall_ms;	/* rebalance recommendation shown from then on */
	int64_t notice_shown_ms;	/* instance-action shown from then on */
	int64_t action_wall_ms;		/* the stated deadline */
	char action[16];		/* terminate | stop | hibernate */
	char behavior[16];		/* InstanceInterruptionBehavior: terminate | stop | hibernate */
	int rebalance_logged, notice_logged;
	int64_t launch_vt;
	int64_t random_vt;		/* a random interruption begins then (simulated) when random_set */
	int random_set;
	uint64_t rng;			/* the instance's own seeded stream (random interruptions) */
	pid_t agent_pid;		/* 0 none */
};

struct sim_image {
	char id[SIM_ID_LEN];
	char region[SIM_NAME_LEN];
	char name[256];
	char description[256];
	char owner_id[16];
	int amazon;
	char state[16];			/* pending | available | deregistered */
	char snapshot_id[SIM_ID_LEN];
	char source_instance[SIM_ID_LEN];
	int64_t created_wall_ms;
	int64_t due_vt;			/* available then, while pending */
	struct sim_tag *tags;
	int ntags;
};

struct sim_address {
	char allocation_id[SIM_ID_LEN];
	char association_id[SIM_ID_LEN];
	char public_ip[16];
	char region[SIM_NAME_LEN];
	char instance_id[SIM_ID_LEN];
};

struct sim_credential {
	char access_key_id[24];
	char secret[48];
	char token[128];
	char instance_id[SIM_ID_LEN];
	int64_t expires_wall_ms;
};

struct sim_event {
	int64_t wall_ms;
	int64_t vt_ms;
	char text[240];
};

/* A scheduled interruption: at vt, count (-1: all) running spot instances of the pools matching az/type ("*" any). */
struct sim_sched {
	int64_t vt_ms;
	char az[SIM_NAME_LEN];
	char type[SIM_NAME_LEN];
	long count;
	int done;
};

struct sim_idem {
	char token[SIM_MAX_CLIENT_TOKEN + 1];
	char region[SIM_NAME_LEN];
	char hash[65];
	char reservation_id[SIM_ID_LEN];
};

struct sim {
	pthread_mutex_t lock;
	struct sim_settings set;
	struct clock clock;
	struct prices prices;
	uint64_t rng;
	unsigned char imds_key[32];	/* signs IMDSv2 tokens */
	char regions[SIM_MAX_REGIONS][SIM_NAME_LEN];
	int nregions;
	char azs[SIM_MAX_AZS][SIM_NAME_LEN];
	int nazs;
	struct sim_pool *pools;
	size_t npools, pools_alloc;
	struct sim_instance *instances;
	size_t ninstances, instances_alloc;
	struct sim_image *images;
	size_t nimages, images_alloc;
	struct sim_address *addresses;
	size_t naddresses, addresses_alloc;
	struct sim_credential *creds;
	size_t ncreds, creds_alloc;
	struct sim_idem *idem;
	size_t nidem, idem_alloc;
	struct sim_sched sched[SIM_MAX_SCHEDULE];
	int nsched;
	struct prices_advisor advisor;
	struct sim_event events[SIM_MAX_EVENTS];
	size_t nevents_total;		/* events ever logged; the ring keeps the last SIM_MAX_EVENTS */
	unsigned ip_counter;
	int64_t last_vt;		/* the latest simulated time seen (tick or request); synthetic prices reach it */
	char self_exe_dir[4096];
};

/* Sets up the world from s (taken over). Returns 0 or -1 (logged). */
int sim_init(struct sim *sim, struct sim_settings *s, int64_t now_ms);
void sim_release(struct sim *sim);
/* Simulated now. */
int64_t sim_vt(const struct sim *sim, int64_t now_ms);
/* Notes that wall time now_ms has come (requests call it before they look at the world). */
void sim_touch(struct sim *sim, int64_t now_ms);
/* Wall time when simulated delay_ms from now has passed. */
int64_t sim_wall_after(const struct sim *sim, int64_t now_ms, long delay_ms);

/* Seeded pseudo-random 64 bits (splitmix64) from the global stream (ids, request ids). */
uint64_t sim_rand(struct sim *sim);
/*
 * A stream of its own for one thing (a pool's prices, an instance's
 * interruptions), derived from the seed and key, so what it draws does not
 * depend on when other things happened.
 */
uint64_t sim_stream(const struct sim *sim, const char *key);
uint64_t sim_stream_next(uint64_t *state);
/* Uniform in (0, 1). */
double sim_stream_unit(uint64_t *state);
/* Writes prefix + n lowercase hex digits, e.g. ("i-", 17). */
void sim_new_id(struct sim *sim, const char *prefix, int n, char *out, size_t size);
/* A request id shaped like a UUID, from the seeded generator. */
void sim_request_id(struct sim *sim, char out[37]);
void sim_event(struct sim *sim, int64_t now_ms, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

int sim_region_known(const struct sim *sim, const char *region);
int sim_az_known(const struct sim *sim, const char *az);
/* The pool of (az, type), created on first use with the default capacity. NULL when at the limit. */
struct sim_pool *sim_pool_get(struct sim *sim, const char *az, const char *type);
/* Instances counting against a pool's capacity (pending, running, stopping). */
long sim_pool_used(const struct sim *sim, const struct sim_pool *pool);
/* The spot price of a pool now ("Linux/UNIX"), or NULL. */
const char *sim_pool_price(struct sim *sim, const struct sim_pool *pool, int64_t now_ms);

struct sim_instance *sim_instance_find(struct sim *sim, const char *id);
/* Appends a zeroed instance (NULL at the limit). Pointers into sim->instances die on the next add. */
struct sim_instance *sim_instance_add(struct sim *sim);
const char *sim_state_name(enum sim_state st);
int sim_state_code(enum sim_state st);
/* Starts the shutdown of inst (terminate or stop): kills its agent, schedules the final state. */
void sim_instance_shutdown(struct sim *sim, struct sim_instance *inst, int stop, const char *reason, int64_t now_ms);
/*
 * Schedules an interruption of a spot instance beginning at simulated start_vt:
 * a rebalance recommendation then (unless rebalance_lead_ms < 0), the
 * termination notice rebalance_lead_ms later (or at start_vt), and the action
 * (terminate, stop, hibernate) notice_lead_ms after the notice. why names the
 * cause in the event log. Returns 0; -1 when not running or already noticed;
 * -2 when on-demand (EC2 never interrupts those).
 */
int sim_instance_interrupt(struct sim *sim, struct sim_instance *inst, const char *action, long rebalance_lead_ms,
			   long notice_lead_ms, int64_t start_vt, int64_t now_ms, const char *why);
/* Plans (or re-plans from from_vt) the random interruption of a running spot instance by its pool's rate. */
void sim_instance_plan_random(struct sim *sim, struct sim_instance *inst, int64_t from_vt);
/* Adds a scheduled interruption. Returns 0, or -1 when the schedule is full or the input bad. */
int sim_schedule_add(struct sim *sim, int64_t vt_ms, const char *az, const char *type, long count);
/* Parses "SECONDS[:AZ[:TYPE[:COUNT|all]]]" items, comma-separated, into the schedule. */
int sim_schedule_parse(struct sim *sim, const char *spec);
/* Sets a pool's random interruption rate (per instance-hour) and re-plans its running spot instances. */
void sim_pool_set_rate(struct sim *sim, struct sim_pool *pool, double rate, int64_t now_ms);
/* Stops generating a pool's prices (a price was set by hand). */
void sim_pool_manual(struct sim *sim, struct sim_pool *pool);

struct sim_image *sim_image_find(struct sim *sim, const char *id);
struct sim_image *sim_image_add(struct sim *sim);
struct sim_address *sim_address_find(struct sim *sim, const char *allocation_id);
struct sim_address *sim_address_add(struct sim *sim);

/* Issues temporary credentials for an instance (IMDS); valid for 6 hours. */
const struct sim_credential *sim_credential_issue(struct sim *sim, const char *instance_id, int64_t now_ms);
const struct sim_credential *sim_credential_find(const struct sim *sim, const char *access_key_id);

/* One bounded pass: boots, shutdowns, image creation, notices and their deadlines, agent exits. */
void sim_tick(struct sim *sim, int64_t now_ms);
/* Kills and reaps every agent (shutdown). */
void sim_kill_agents(struct sim *sim);

void sim_tags_free(struct sim_tag *tags, int n);

#endif
