/* sim.c - the simulated world: ids, pools, instances and their lifecycle, images, addresses, credentials, events. */
#include "sim/sim.h"
#include "sim/agent_proc.h"
#include "common/digest.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "common/timeutil.h"
#include "common/xalloc.h"

#include <limits.h>
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

uint64_t sim_rand(struct sim *sim)
{
	uint64_t z = (sim->rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
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
	/* Pools: every (AZ, type) of the traces. */
	for (size_t i = 0; i < sim->prices.nseries; i++)
		sim_pool_get(sim, sim->prices.series[i].az, sim->prices.series[i].type);
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

int sim_instance_interrupt(struct sim *sim, struct sim_instance *inst, const char *action, long lead_ms,
			   int rebalance, int64_t now_ms)
{
	if (inst->state != SIM_RUNNING && inst->state != SIM_PENDING)
		return -1;
	if (strcmp(action, "terminate") && strcmp(action, "stop") && strcmp(action, "hibernate"))
		return -1;
	if (rebalance && !inst->rebalance_wall_ms)
		inst->rebalance_wall_ms = now_ms;
	snprintf(inst->action, sizeof(inst->action), "%s", action);
	inst->notice_shown_ms = now_ms;
	/* The stated deadline is whole seconds (the IMDS payload has no fraction); round up. */
	inst->action_wall_ms = (sim_wall_after(sim, now_ms, lead_ms) + 999) / 1000 * 1000;
	{
		char ts[32];
		time_format_rfc3339(inst->action_wall_ms, ts, sizeof(ts));
		sim_event(sim, now_ms, "%s: interruption notice: %s at %s%s", inst->id, action, ts,
			  rebalance ? " (after a rebalance recommendation)" : "");
	}
	return 0;
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

	for (size_t i = 0; i < sim->ninstances; i++) {
		struct sim_instance *in = &sim->instances[i];
		if (in->agent_pid > 0 && agent_proc_exited(in->agent_pid)) {
			sim_event(sim, now_ms, "%s: agent pid %d exited", in->id, (int)in->agent_pid);
			in->agent_pid = 0;
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
