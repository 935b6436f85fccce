/* sim.c - the simulated world: ids, pools, instances and their lifecycle, images, addresses, credentials, events. */
#include "sim/sim.h"
#include "sim/agent_proc.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SIM_CREDENTIAL_TTL_MS (6 * 3600 * 1000LL)

/* The base images every region offers (owner amazon). */
static const struct {
	const char *id, *name, *description;
} sim_base_images[] = {
	{ "ami-0a1b2c3d4e5f60001", "al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64", "Amazon Linux 2023 AMI" },
	{ "ami-0a1b2c3d4e5f60002", "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250101",
	  "Canonical, Ubuntu, 24.04 LTS, amd64 noble image" },
	{ "ami-0a1b2c3d4e5f60003", "debian-12-amd64-20250101-1980", "Debian 12 (20250101-1980)" },
};

uint64_t sim_stream_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t sim_rand(struct sim *sim)
{
	return sim_stream_next(&sim->rng);
}

uint64_t sim_stream(const struct sim *sim, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h ^= sim->set.seed * 0x9e3779b97f4a7c15ULL;
	sim_stream_next(&h);
	return h;
}

double sim_stream_unit(uint64_t *state)
{
	return ((double)(sim_stream_next(state) >> 11) + 0.5) / 9007199254740992.0;
}

void sim_new_id(struct sim *sim, const char *prefix, int n, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t p = (size_t)snprintf(out, size, "%s", prefix);
	uint64_t r = 0;

	for (int i = 0; i < n && p + 1 < size; i++) {
		if (i % 16 == 0)
			r = sim_rand(sim);
		out[p++] = hex[r & 15];
		r >>= 4;
	}
	out[p < size ? p : size - 1] = 0;
}

void sim_request_id(struct sim *sim, char out[37])
{
	char h[33];
	sim_new_id(sim, "", 32, h, sizeof(h));
	snprintf(out, 37, "%.8s-%.4s-4%.3s-a%.3s-%.12s", h, h + 8, h + 12, h + 15, h + 18);
}

void sim_event(struct sim *sim, int64_t now_ms, const char *fmt, ...)
{
	struct sim_event *e = &sim->events[sim->nevents_total % SIM_MAX_EVENTS];
	va_list ap;

	e->wall_ms = now_ms;
	e->vt_ms = clock_vt(&sim->clock, now_ms);
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	sim->nevents_total++;
	log_info("event: %s", e->text);
}

int64_t sim_vt(const struct sim *sim, int64_t now_ms)
{
	return clock_vt(&sim->clock, now_ms);
}

void sim_touch(struct sim *sim, int64_t now_ms)
{
	int64_t vt = sim_vt(sim, now_ms);
	if (vt > sim->last_vt)
		sim->last_vt = vt;
}

int64_t sim_wall_after(const struct sim *sim, int64_t now_ms, long delay_ms)
{
	return clock_wall(&sim->clock, clock_vt(&sim->clock, now_ms) + delay_ms);
}

static void sim_add_region(struct sim *sim, const char *region)
{
	if (!*region || sim_region_known(sim, region) || sim->nregions >= SIM_MAX_REGIONS)
		return;
	snprintf(sim->regions[sim->nregions++], SIM_NAME_LEN, "%s", region);
}

static void sim_add_az(struct sim *sim, const char *az)
{
	char region[SIM_NAME_LEN];

	if (sim_az_known(sim, az) || sim->nazs >= SIM_MAX_AZS)
		return;
	prices_az_region(az, region, sizeof(region));
	sim_add_region(sim, region);
	snprintf(sim->azs[sim->nazs++], SIM_NAME_LEN, "%s", az);
}

static int sim_az_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int sim_init(struct sim *sim, struct sim_settings *s, int64_t now_ms)
{
	char err[512];
	char *files, *save = NULL;
	ssize_t n;

	memset(sim, 0, sizeof(*sim));
	pthread_mutex_init(&sim->lock, NULL);
	sim->set = *s;
	sim->rng = s->seed;
	clock_init(&sim->clock, now_ms, s->scale);
	prices_init(&sim->prices);
	if (digest_random(sim->imds_key, sizeof(sim->imds_key)) < 0)
		return log_err("sim_init: no randomness");
	n = readlink("/proc/self/exe", sim->self_exe_dir, sizeof(sim->self_exe_dir) - 1);
	if (n > 0) {
		sim->self_exe_dir[n] = 0;
		char *slash = strrchr(sim->self_exe_dir, '/');
		if (slash)
			*slash = 0;
	}

	files = xstrdup(s->price_files ? s->price_files : "");
	for (char *f = strtok_r(files, ":", &save); f; f = strtok_r(NULL, ":", &save)) {
		long rows = prices_load_file(&sim->prices, f, s->history_fraction, err, sizeof(err));
		if (rows < 0) {
			free(files);
			return log_err("sim_init: %s", err);
		}
		log_info("sim_init: %ld price rows from %s", rows, f);
	}
	free(files);

	/* Regions: the default, the configured list, and those of the traces. */
	sim_add_region(sim, s->default_region);
	files = xstrdup(s->regions ? s->regions : "");
	save = NULL;
	for (char *r = strtok_r(files, ",", &save); r; r = strtok_r(NULL, ",", &save))
		sim_add_region(sim, r);
	free(files);
	for (size_t i = 0; i < sim->prices.nseries; i++)
		sim_add_az(sim, sim->prices.series[i].az);
	/* A region without a trace gets zones a, b and c. */
	for (int r = 0; r < sim->nregions; r++) {
		int has = 0;
		for (int a = 0; a < sim->nazs; a++) {
			char region[SIM_NAME_LEN];
			prices_az_region(sim->azs[a], region, sizeof(region));
			has |= !strcmp(region, sim->regions[r]);
		}
		for (const char *l = "abc"; !has && *l; l++) {
			char az[SIM_NAME_LEN + 2];
			snprintf(az, sizeof(az), "%s%c", sim->regions[r], *l);
			sim_add_az(sim, az);
		}
	}
	qsort(sim->azs, (size_t)sim->nazs, SIM_NAME_LEN, sim_az_cmp);
	/* Spot Advisor data calibrates on-demand prices, synthetic prices and interruption rates. */
	if (s->advisor_file && *s->advisor_file) {
		const char *regs[SIM_MAX_REGIONS];
		long n_adv;
		for (int r = 0; r < sim->nregions; r++)
			regs[r] = sim->regions[r];
		n_adv = prices_advisor_load(&sim->advisor, s->advisor_file, regs, (size_t)sim->nregions, err, sizeof(err));
		if (n_adv < 0)
			log_warn("sim_init: %s; using default calibration", err);
		else
			log_info("sim_init: %ld Spot Advisor entries from %s", n_adv, s->advisor_file);
	}
	sim->last_vt = 0;
	/* Pools: every (AZ, type) of the traces, then the configured types in every zone (synthetic). */
	for (size_t i = 0; i < sim->prices.nseries; i++)
		sim_pool_get(sim, sim->prices.series[i].az, sim->prices.series[i].type);
	files = xstrdup(s->types ? s->types : "");
	save = NULL;
	for (char *t = strtok_r(files, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		for (int a = 0; a < sim->nazs; a++)
			if (!sim_pool_get(sim, sim->azs[a], t))
				log_warn("sim_init: no pool for %s in %s", t, sim->azs[a]);
	free(files);
	if (sim_schedule_parse(sim, s->interruptions) < 0) {
		return log_err("sim_init: SPOT_SIM_INTERRUPTIONS: expected SECONDS[:AZ[:TYPE[:COUNT|all]]], comma-separated");
	}
	/* Base images in every region. */
	for (int r = 0; r < sim->nregions; r++)
		for (size_t i = 0; i < sizeof(sim_base_images) / sizeof(sim_base_images[0]); i++) {
			struct sim_image *img = sim_image_add(sim);
			snprintf(img->id, sizeof(img->id), "%s", sim_base_images[i].id);
			snprintf(img->region, sizeof(img->region), "%s", sim->regions[r]);
			snprintf(img->name, sizeof(img->name), "%s", sim_base_images[i].name);
			snprintf(img->description, sizeof(img->description), "%s", sim_base_images[i].description);
			snprintf(img->owner_id, sizeof(img->owner_id), "%s", SIM_AMAZON_OWNER_ID);
			img->amazon = 1;
			snprintf(img->state, sizeof(img->state), "available");
			snprintf(img->snapshot_id, sizeof(img->snapshot_id), "snap-0a1b2c3d4e5f6000%zu", i + 1);
			img->created_wall_ms = 1735689600000LL;	/* 2025-01-01 */
		}
	sim_event(sim, now_ms, "started: %d regions, %d zones, %zu pools, %zu price rows, scale %g, seed %llu",
		  sim->nregions, sim->nazs, sim->npools, sim->prices.nrows, s->scale, (unsigned long long)s->seed);
	return 0;
}

void sim_tags_free(struct sim_tag *tags, int n)
{
	for (int i = 0; i < n; i++) {
		free(tags[i].key);
		free(tags[i].value);
	}
	free(tags);
}

void sim_release(struct sim *sim)
{
	for (size_t i = 0; i < sim->ninstances; i++) {
		struct sim_instance *in = &sim->instances[i];
		free(in->key_name);
		free(in->subnet_id);
		free(in->profile);
		free(in->client_token);
		free(in->user_data);
		for (int g = 0; g < in->ngroups; g++)
			free(in->groups[g]);
		sim_tags_free(in->tags, in->ntags);
	}
	for (size_t i = 0; i < sim->nimages; i++)
		sim_tags_free(sim->images[i].tags, sim->images[i].ntags);
	free(sim->instances);
	free(sim->images);
	free(sim->addresses);
	free(sim->creds);
	free(sim->idem);
	free(sim->pools);
	prices_release(&sim->prices);
	prices_advisor_release(&sim->advisor);
	pthread_mutex_destroy(&sim->lock);
}

int sim_region_known(const struct sim *sim, const char *region)
{
	for (int i = 0; i < sim->nregions; i++)
		if (!strcmp(sim->regions[i], region))
			return 1;
	return 0;
}

int sim_az_known(const struct sim *sim, const char *az)
{
	for (int i = 0; i < sim->nazs; i++)
		if (!strcmp(sim->azs[i], az))
			return 1;
	return 0;
}

struct sim_pool *sim_pool_get(struct sim *sim, const char *az, const char *type)
{
	struct sim_pool *p;

	for (size_t i = 0; i < sim->npools; i++)
		if (!strcmp(sim->pools[i].az, az) && !strcmp(sim->pools[i].type, type))
			return &sim->pools[i];
	if (sim->npools >= SIM_MAX_POOLS || strlen(az) >= SIM_NAME_LEN || strlen(type) >= SIM_NAME_LEN)
		return NULL;
	if (sim->npools == sim->pools_alloc) {
		sim->pools_alloc = sim->pools_alloc ? sim->pools_alloc * 2 : 64;
		sim->pools = xrealloc(sim->pools, st_mult(sim->pools_alloc, sizeof(*sim->pools)));
	}
	p = &sim->pools[sim->npools++];
	memset(p, 0, sizeof(*p));
	snprintf(p->az, sizeof(p->az), "%s", az);
	snprintf(p->type, sizeof(p->type), "%s", type);
	prices_az_region(az, p->region, sizeof(p->region));
	p->capacity = sim->set.capacity;
	prices_calibrate(&sim->advisor, p->region, type, &p->calib);
	p->rate = p->calib.rate;
	/* No trace for the pool: its prices are generated, from a week before the start on. */
	if (prices_current(&sim->prices, az, type, "Linux/UNIX", INT64_MAX) == NULL &&
	    prices_current(&sim->prices, az, type, "Linux/UNIX (Amazon VPC)", INT64_MAX) == NULL) {
		char key[2 * SIM_NAME_LEN + 16];
		uint64_t st;
		double az_factor;
		snprintf(key, sizeof(key), "price:%s/%s", az, type);
		st = sim_stream(sim, key);
		az_factor = 0.92 + 0.16 * sim_stream_unit(&st);	/* zones differ a little */
		prices_synth_init(&p->synth, &p->calib, st, az_factor, -SIM_SYNTH_HISTORY_MS);
		p->synthetic = 1;
		if (prices_synth_extend(&sim->prices, &p->synth, az, type, sim->last_vt) < 0)
			p->synthetic = 0;
	}
	return p;
}

long sim_pool_used(const struct sim *sim, const struct sim_pool *pool)
{
	long n = 0;
	for (size_t i = 0; i < sim->ninstances; i++) {
		const struct sim_instance *in = &sim->instances[i];
		if (!strcmp(in->az, pool->az) && !strcmp(in->type, pool->type) &&
		    (in->state == SIM_PENDING || in->state == SIM_RUNNING || in->state == SIM_STOPPING))
			n++;
	}
	return n;
}

const char *sim_pool_price(struct sim *sim, const struct sim_pool *pool, int64_t now_ms)
{
	int64_t vt = sim_vt(sim, now_ms);
	const char *p = prices_current(&sim->prices, pool->az, pool->type, "Linux/UNIX", vt);
	return p ? p : prices_current(&sim->prices, pool->az, pool->type, "Linux/UNIX (Amazon VPC)", vt);
}

struct sim_instance *sim_instance_find(struct sim *sim, const char *id)
{
	for (size_t i = 0; i < sim->ninstances; i++)
		if (!strcmp(sim->instances[i].id, id))
			return &sim->instances[i];
	return NULL;
}

struct sim_instance *sim_instance_add(struct sim *sim)
{
	struct sim_instance *in;

	if (sim->ninstances >= SIM_MAX_INSTANCES)
		return NULL;
	if (sim->ninstances == sim->instances_alloc) {
		sim->instances_alloc = sim->instances_alloc ? sim->instances_alloc * 2 : 64;
		sim->instances = xrealloc(sim->instances, st_mult(sim->instances_alloc, sizeof(*sim->instances)));
	}
	in = &sim->instances[sim->ninstances++];
	memset(in, 0, sizeof(*in));
	return in;
}

const char *sim_state_name(enum sim_state st)
{
	static const char *const names[] = { "pending", "running", "shutting-down", "terminated", "stopping", "stopped" };
	return names[st];
}

int sim_state_code(enum sim_state st)
{
	/* EC2 InstanceState codes (the low byte). */
	static const int codes[] = { 0, 16, 32, 48, 64, 80 };
	return codes[st];
}

struct sim_image *sim_image_find(struct sim *sim, const char *id)
{
	for (size_t i = 0; i < sim->nimages; i++)
		if (!strcmp(sim->images[i].id, id))
			return &sim->images[i];
	return NULL;
}

struct sim_image *sim_image_add(struct sim *sim)
{
	struct sim_image *img;

	if (sim->nimages >= SIM_MAX_IMAGES)
		return NULL;
	if (sim->nimages == sim->images_alloc) {
		sim->images_alloc = sim->images_alloc ? sim->images_alloc * 2 : 32;
		sim->images = xrealloc(sim->images, st_mult(sim->images_alloc, sizeof(*sim->images)));
	}
	img = &sim->images[sim->nimages++];
	memset(img, 0, sizeof(*img));
	return img;
}

struct sim_address *sim_address_find(struct sim *sim, const char *allocation_id)
{
	for (size_t i = 0; i < sim->naddresses; i++)
		if (!strcmp(sim->addresses[i].allocation_id, allocation_id))
			return &sim->addresses[i];
	return NULL;
}

struct sim_address *sim_address_add(struct sim *sim)
{
	struct sim_address *a;

	if (sim->naddresses >= SIM_MAX_ADDRESSES)
		return NULL;
	if (sim->naddresses == sim->addresses_alloc) {
		sim->addresses_alloc = sim->addresses_alloc ? sim->addresses_alloc * 2 : 16;
		sim->addresses = xrealloc(sim->addresses, st_mult(sim->addresses_alloc, sizeof(*sim->addresses)));
	}
	a = &sim->addresses[sim->naddresses++];
	memset(a, 0, sizeof(*a));
	return a;
}

const struct sim_credential *sim_credential_issue(struct sim *sim, const char *instance_id, int64_t now_ms)
{
	struct sim_credential *c = NULL;
	unsigned char raw[48];
	char hex[97];

	/* Reuse a live one with more than an hour left (as IMDS rotates them well before expiry). */
	for (size_t i = 0; i < sim->ncreds; i++)
		if (!strcmp(sim->creds[i].instance_id, instance_id) && sim->creds[i].expires_wall_ms - now_ms > 3600000)
			return &sim->creds[i];
	/* Drop expired ones, then add. */
	for (size_t i = 0; i < sim->ncreds;)
		if (sim->creds[i].expires_wall_ms <= now_ms)
			sim->creds[i] = sim->creds[--sim->ncreds];
		else
			i++;
	if (sim->ncreds >= SIM_MAX_CREDENTIALS)
		return NULL;
	if (sim->ncreds == sim->creds_alloc) {
		sim->creds_alloc = sim->creds_alloc ? sim->creds_alloc * 2 : 16;
		sim->creds = xrealloc(sim->creds, st_mult(sim->creds_alloc, sizeof(*sim->creds)));
	}
	c = &sim->creds[sim->ncreds++];
	memset(c, 0, sizeof(*c));
	if (digest_random(raw, sizeof(raw)) < 0) {
		sim->ncreds--;
		return NULL;
	}
	digest_hex(raw, sizeof(raw), hex);
	snprintf(c->access_key_id, sizeof(c->access_key_id), "ASIA");
	for (int i = 0; i < 16; i++)
		c->access_key_id[4 + i] = (char)("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[raw[i] & 31]);
	c->access_key_id[20] = 0;
	snprintf(c->secret, sizeof(c->secret), "%.40s", hex + 16);
	snprintf(c->token, sizeof(c->token), "SimSessionToken%s", hex);
	snprintf(c->instance_id, sizeof(c->instance_id), "%s", instance_id);
	c->expires_wall_ms = now_ms + SIM_CREDENTIAL_TTL_MS;
	return c;
}

const struct sim_credential *sim_credential_find(const struct sim *sim, const char *access_key_id)
{
	for (size_t i = 0; i < sim->ncreds; i++)
		if (!strcmp(sim->creds[i].access_key_id, access_key_id))
			return &sim->creds[i];
	return NULL;
}

void sim_instance_shutdown(struct sim *sim, struct sim_instance *inst, int stop, const char *reason, int64_t now_ms)
{
	if (inst->state == SIM_TERMINATED || inst->state == SIM_SHUTTING_DOWN ||
	    (stop && (inst->state == SIM_STOPPING || inst->state == SIM_STOPPED)))
		return;
	if (inst->agent_pid > 0) {
		agent_proc_kill(inst->agent_pid);
		sim_event(sim, now_ms, "%s: agent pid %d killed", inst->id, (int)inst->agent_pid);
		inst->agent_pid = 0;
	}
	inst->state = stop ? SIM_STOPPING : SIM_SHUTTING_DOWN;
	inst->due_vt = sim_vt(sim, now_ms) + sim->set.terminate_delay_ms;
	inst->due = 1;
	snprintf(inst->state_reason, sizeof(inst->state_reason), "%s", reason);
	/* An Elastic IP stays allocated but leaves a terminated instance. */
	if (!stop)
		for (size_t i = 0; i < sim->naddresses; i++)
			if (!strcmp(sim->addresses[i].instance_id, inst->id)) {
				sim->addresses[i].instance_id[0] = 0;
				sim->addresses[i].association_id[0] = 0;
			}
	sim_event(sim, now_ms, "%s: %s (%s)", inst->id, sim_state_name(inst->state), reason);
}

/* "+123.456s" style offsets keep wall-clock stamps out of the event log, so seeded runs compare equal. */
static double sim_secs(int64_t ms)
{
	return (double)ms / 1000.0;
}

int sim_instance_interrupt(struct sim *sim, struct sim_instance *inst, const char *action, long rebalance_lead_ms,
			   long notice_lead_ms, int64_t start_vt, int64_t now_ms, const char *why)
{
	int64_t notice_vt = start_vt + (rebalance_lead_ms > 0 ? rebalance_lead_ms : 0);
	int64_t base = !strncmp(why, "random", 6) ? inst->launch_vt : 0;

	if (inst->state != SIM_RUNNING && inst->state != SIM_PENDING)
		return -1;
	if (!inst->spot)
		return -2;
	if (inst->action_wall_ms)
		return -1;
	if (strcmp(action, "terminate") && strcmp(action, "stop") && strcmp(action, "hibernate"))
		return -1;
	if (rebalance_lead_ms >= 0 && !inst->rebalance_wall_ms)
		inst->rebalance_wall_ms = clock_wall(&sim->clock, start_vt);
	snprintf(inst->action, sizeof(inst->action), "%s", action);
	inst->notice_shown_ms = clock_wall(&sim->clock, notice_vt);
	/* The stated deadline is whole seconds (the IMDS payload has no fraction); round up. */
	inst->action_wall_ms = (clock_wall(&sim->clock, notice_vt + notice_lead_ms) + 999) / 1000 * 1000;
	inst->random_set = 0;
	if (rebalance_lead_ms >= 0)
		sim_event(sim, now_ms, "%s: interruption (%s): rebalance at %s+%.3fs, notice at +%.3fs, %s at +%.3fs", inst->id,
			  why, base ? "launch" : "start", sim_secs(start_vt - base), sim_secs(notice_vt - base), action,
			  sim_secs(notice_vt + notice_lead_ms - base));
	else
		sim_event(sim, now_ms, "%s: interruption (%s): notice at %s+%.3fs, %s at +%.3fs", inst->id, why,
			  base ? "launch" : "start", sim_secs(notice_vt - base), action,
			  sim_secs(notice_vt + notice_lead_ms - base));
	return 0;
}

void sim_instance_plan_random(struct sim *sim, struct sim_instance *inst, int64_t from_vt)
{
	struct sim_pool *pool;
	double rate, hours;

	inst->random_set = 0;
	if (!inst->spot || inst->action_wall_ms || (inst->state != SIM_RUNNING && inst->state != SIM_PENDING))
		return;
	pool = sim_pool_get(sim, inst->az, inst->type);
	rate = pool ? pool->rate * sim->set.interruption_factor : 0;
	if (!(rate > 0))
		return;
	/* Exponential waiting time: interruptions of one instance are a Poisson process of the pool's rate. */
	hours = -log(sim_stream_unit(&inst->rng)) / rate;
	if (hours > 24.0 * 365 * 100)
		return;
	inst->random_vt = from_vt + (int64_t)(hours * 3600000.0);
	inst->random_set = 1;
}

void sim_pool_set_rate(struct sim *sim, struct sim_pool *pool, double rate, int64_t now_ms)
{
	int64_t vt = sim_vt(sim, now_ms);
	char az[SIM_NAME_LEN], type[SIM_NAME_LEN];

	pool->rate = rate;
	snprintf(az, sizeof(az), "%s", pool->az);
	snprintf(type, sizeof(type), "%s", pool->type);
	/* Memoryless, so re-drawing from now is the same process at the new rate. */
	for (size_t i = 0; i < sim->ninstances; i++) {
		struct sim_instance *in = &sim->instances[i];
		if (in->state == SIM_RUNNING && !strcmp(in->az, az) && !strcmp(in->type, type))
			sim_instance_plan_random(sim, in, vt);
	}
}

void sim_pool_manual(struct sim *sim, struct sim_pool *pool)
{
	(void)sim;
	pool->synthetic = 0;
}

int sim_schedule_add(struct sim *sim, int64_t vt_ms, const char *az, const char *type, long count)
{
	struct sim_sched *e;

	if (sim->nsched >= SIM_MAX_SCHEDULE || !*az || !*type || strlen(az) >= SIM_NAME_LEN ||
	    strlen(type) >= SIM_NAME_LEN || count == 0 || count < -1)
		return -1;
	e = &sim->sched[sim->nsched++];
	memset(e, 0, sizeof(*e));
	e->vt_ms = vt_ms;
	snprintf(e->az, sizeof(e->az), "%s", az);
	snprintf(e->type, sizeof(e->type), "%s", type);
	e->count = count;
	return 0;
}

int sim_schedule_parse(struct sim *sim, const char *spec)
{
	char *copy, *save = NULL;
	int rc = 0;

	if (!spec || !*spec)
		return 0;
	copy = xstrdup(spec);
	for (char *item = strtok_r(copy, ", ", &save); item && !rc; item = strtok_r(NULL, ", ", &save)) {
		char *f[4] = { NULL, NULL, NULL, NULL }, *p = item, *end;
		int nf = 0;
		double secs;
		long count = 1;
		while (p && nf < 4) {
			f[nf++] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = 0;
		}
		secs = strtod(f[0], &end);
		if (p || end == f[0] || *end || !(secs >= 0 && secs <= 86400.0 * 3650)) {
			rc = -1;
			break;
		}
		if (f[3] && strcmp(f[3], "all")) {
			count = strtol(f[3], &end, 10);
			if (*end || count < 1 || count > SIM_MAX_INSTANCES) {
				rc = -1;
				break;
			}
		} else if (f[3]) {
			count = -1;
		}
		rc = sim_schedule_add(sim, (int64_t)(secs * 1000), f[1] && *f[1] ? f[1] : "*", f[2] && *f[2] ? f[2] : "*",
				      count);
	}
	free(copy);
	return rc;
}

/* Runs the scheduled interruptions that are due: picks among the running spot instances of the pools, seeded. */
static void sim_schedule_tick(struct sim *sim, int64_t vt, int64_t now_ms)
{
	for (int k = 0; k < sim->nsched; k++) {
		struct sim_sched *e = &sim->sched[k];
		size_t *cand, n = 0, hit = 0;
		char key[32], why[48];
		uint64_t st;
		if (e->done || vt < e->vt_ms)
			continue;
		e->done = 1;
		cand = xmalloc(st_mult(sim->ninstances ? sim->ninstances : 1, sizeof(*cand)));
		for (size_t i = 0; i < sim->ninstances; i++) {
			const struct sim_instance *in = &sim->instances[i];
			if (in->spot && in->state == SIM_RUNNING && !in->action_wall_ms &&
			    (!strcmp(e->az, "*") || !strcmp(e->az, in->az)) && (!strcmp(e->type, "*") || !strcmp(e->type, in->type)))
				cand[n++] = i;
		}
		snprintf(key, sizeof(key), "schedule:%d", k + 1);
		st = sim_stream(sim, key);
		snprintf(why, sizeof(why), "schedule %d", k + 1);
		/* A seeded partial Fisher-Yates shuffle picks which ones. */
		for (size_t i = 0; i < n && (e->count < 0 || hit < (size_t)e->count); i++) {
			size_t j = i + (size_t)(sim_stream_next(&st) % (n - i)), t = cand[i];
			struct sim_instance *in;
			cand[i] = cand[j];
			cand[j] = t;
			in = &sim->instances[cand[i]];
			if (sim_instance_interrupt(sim, in, in->behavior[0] ? in->behavior : "terminate",
						   sim->set.rebalance ? sim->set.rebalance_lead_ms : -1, sim->set.notice_lead_ms,
						   e->vt_ms, now_ms, why) == 0)
				hit++;
		}
		sim_event(sim, now_ms, "schedule %d at start+%.3fs (%s %s): %zu of %zu running spot instances interrupted", k + 1,
			  sim_secs(e->vt_ms), e->az, e->type, hit, n);
		free(cand);
	}
}

void sim_kill_agents(struct sim *sim)
{
	for (size_t i = 0; i < sim->ninstances; i++)
		if (sim->instances[i].agent_pid > 0) {
			agent_proc_kill(sim->instances[i].agent_pid);
			sim->instances[i].agent_pid = 0;
		}
}

void sim_tick(struct sim *sim, int64_t now_ms)
{
	int64_t vt = sim_vt(sim, now_ms);

	sim_touch(sim, now_ms);
	/* Synthetic prices reach the present. */
	for (size_t i = 0; i < sim->npools; i++) {
		struct sim_pool *p = &sim->pools[i];
		if (p->synthetic && p->synth.next_vt <= vt &&
		    prices_synth_extend(&sim->prices, &p->synth, p->az, p->type, vt) < 0) {
			p->synthetic = 0;
			sim_event(sim, now_ms, "pool %s %s: price rows at the limit; its price holds", p->az, p->type);
		}
	}
	sim_schedule_tick(sim, vt, now_ms);
	for (size_t i = 0; i < sim->ninstances; i++) {
		struct sim_instance *in = &sim->instances[i];
		if (in->agent_pid > 0 && agent_proc_exited(in->agent_pid)) {
			sim_event(sim, now_ms, "%s: agent pid %d exited", in->id, (int)in->agent_pid);
			in->agent_pid = 0;
		}
		if (in->random_set && vt >= in->random_vt && in->state == SIM_RUNNING) {
			char why[64];
			struct sim_pool *pool = sim_pool_get(sim, in->az, in->type);
			snprintf(why, sizeof(why), "random, %.4g per hour", pool ? pool->rate * sim->set.interruption_factor : 0);
			in->random_set = 0;
			sim_instance_interrupt(sim, in, in->behavior[0] ? in->behavior : "terminate",
					       sim->set.rebalance ? sim->set.rebalance_lead_ms : -1, sim->set.notice_lead_ms,
					       in->random_vt, now_ms, why);
		}
		if (in->rebalance_wall_ms && !in->rebalance_logged && now_ms >= in->rebalance_wall_ms &&
		    (in->state == SIM_RUNNING || in->state == SIM_PENDING)) {
			in->rebalance_logged = 1;
			sim_event(sim, now_ms, "%s: rebalance recommendation shown", in->id);
		}
		if (in->notice_shown_ms && !in->notice_logged && now_ms >= in->notice_shown_ms &&
		    (in->state == SIM_RUNNING || in->state == SIM_PENDING)) {
			in->notice_logged = 1;
			sim_event(sim, now_ms, "%s: interruption notice shown: %s", in->id, in->action);
		}
		if (in->action_wall_ms && now_ms >= in->action_wall_ms &&
		    (in->state == SIM_RUNNING || in->state == SIM_PENDING)) {
			int stop = strcmp(in->action, "terminate") != 0;
			sim_instance_shutdown(sim, in, stop,
					      "Server.SpotInstanceTermination: Spot instance termination", now_ms);
			continue;
		}
		if (!in->due || vt < in->due_vt)
			continue;
		in->due = 0;
		switch (in->state) {
		case SIM_PENDING:
			in->state = SIM_RUNNING;
			sim_event(sim, now_ms, "%s: running", in->id);
			/* From the planned boot time, not this tick's, so a seeded run plans the same offsets. */
			if (!in->action_wall_ms)
				sim_instance_plan_random(sim, in, in->due_vt);
			in->agent_pid = agent_proc_start(sim, in);
			if (in->agent_pid > 0)
				sim_event(sim, now_ms, "%s: agent pid %d started", in->id, (int)in->agent_pid);
			break;
		case SIM_SHUTTING_DOWN:
			in->state = SIM_TERMINATED;
			sim_event(sim, now_ms, "%s: terminated", in->id);
			break;
		case SIM_STOPPING:
			in->state = SIM_STOPPED;
			sim_event(sim, now_ms, "%s: stopped", in->id);
			break;
		default:
			break;
		}
	}
	for (size_t i = 0; i < sim->nimages; i++) {
		struct sim_image *img = &sim->images[i];
		if (!strcmp(img->state, "pending") && vt >= img->due_vt) {
			snprintf(img->state, sizeof(img->state), "available");
			sim_event(sim, now_ms, "%s: available", img->id);
		}
	}
}
