/* agent_config.c - reads and validates spot-agent's settings. */
#include "agent/agent_config.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void agent_config_init(struct agent_config *c)
{
	memset(c, 0, sizeof(*c));
	config_init(&c->raw);
}

void agent_config_release(struct agent_config *c)
{
	for (size_t i = 0; i < sizeof(c->owned) / sizeof(c->owned[0]); i++)
		free(c->owned[i]);
	config_release(&c->raw);
	memset(c, 0, sizeof(*c));
}

static int agent_config_fail(char *err, size_t errsize, const char *key, const char *why)
{
	snprintf(err, errsize, "config: %s %s", key, why);
	return -1;
}

/* An owned copy of url without trailing slashes. */
static char *agent_config_trim_url(const char *url)
{
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	return xstrndup(url, n);
}

static int agent_config_url_ok(const char *u)
{
	if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8))
		return 0;
	if (strlen(u) > AGENT_CONFIG_MAX_URL)
		return 0;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

static int agent_config_token_ok(const char *t)
{
	size_t n = strlen(t);
	if (!n || n > AGENT_CONFIG_MAX_TOKEN)
		return 0;
	for (; *t; t++)
		if ((unsigned char)*t <= ' ' || *t == 0x7f)
			return 0;
	return 1;
}

static const struct {
	const char *key;
	long def, min, max;
	size_t off;
} agent_config_ints[] = {
	{ "SPOT_HEARTBEAT_SECONDS", 60, 1, 3600, offsetof(struct agent_config, heartbeat_s) },
	{ "SPOT_PRICING_SECONDS", 60, 1, 86400, offsetof(struct agent_config, pricing_s) },
	{ "SPOT_COMMAND_POLL_SECONDS", 30, 1, 30, offsetof(struct agent_config, command_poll_s) },
	{ "SPOT_INTERRUPTION_POLL_SECONDS", 2, 1, 2, offsetof(struct agent_config, interruption_poll_s) },
	{ "SPOT_TERMINATION_SECONDS", 60, 1, 3600, offsetof(struct agent_config, termination_s) },
	{ "SPOT_SPOOL_MAX_ENTRIES", 2000, 10, 1000000, offsetof(struct agent_config, spool_max_entries) },
	{ "SPOT_SPOOL_MAX_BYTES", 16L * 1024 * 1024, 65536, 1024L * 1024 * 1024,
	  offsetof(struct agent_config, spool_max_bytes) },
};

static int agent_config_validate(struct agent_config *c, char *err, size_t errsize)
{
	const struct config *r = &c->raw;
	const char *v;

	v = config_get(r, "SPOT_URL", NULL);
	if (!v)
		return agent_config_fail(err, errsize, "SPOT_URL", "is required (the server's https:// URL)");
	if (!agent_config_url_ok(v))
		return agent_config_fail(err, errsize, "SPOT_URL", "is not an http:// or https:// URL");
	c->owned[0] = agent_config_trim_url(v);
	c->server_url = c->owned[0];
	c->client_token = config_get(r, "SPOT_CLIENT_TOKEN", config_get(r, "SPOT_TOKEN", NULL));
	if (!c->client_token)
		return agent_config_fail(err, errsize, "SPOT_CLIENT_TOKEN", "is required (the client token to register with)");
	if (!agent_config_token_ok(c->client_token))
		return agent_config_fail(err, errsize, "SPOT_CLIENT_TOKEN", "must be 1-512 printable characters without spaces");
	c->logical_id = config_get(r, "SPOT_LOGICAL_ID", NULL);
	if (c->logical_id && (strlen(c->logical_id) > 255 || !agent_config_token_ok(c->logical_id)))
		return agent_config_fail(err, errsize, "SPOT_LOGICAL_ID", "must be 1-255 printable characters without spaces");
	c->ca_file = config_get(r, "SPOT_CA_FILE", NULL);
	v = config_get(r, "SPOT_IMDS_URL", "http://169.254.169.254");
	if (!agent_config_url_ok(v))
		return agent_config_fail(err, errsize, "SPOT_IMDS_URL", "is not an http:// URL");
	c->owned[1] = agent_config_trim_url(v);
	c->imds_url = c->owned[1];
	c->ec2_url = config_get(r, "SPOT_EC2_URL", NULL);
	if (c->ec2_url && !agent_config_url_ok(c->ec2_url))
		return agent_config_fail(err, errsize, "SPOT_EC2_URL", "is not an http:// or https:// URL");
	c->region = config_get(r, "AWS_REGION", config_get(r, "AWS_DEFAULT_REGION", NULL));
	if (c->region) {
		size_t n = strlen(c->region);
		if (n < 6 || n > 32 || strspn(c->region, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
			return agent_config_fail(err, errsize, "AWS_REGION", "is not a region name like us-east-1");
	}
	c->access_key_id = config_get(r, "AWS_ACCESS_KEY_ID", NULL);
	c->secret_access_key = config_get(r, "AWS_SECRET_ACCESS_KEY", NULL);
	c->session_token = config_get(r, "AWS_SESSION_TOKEN", NULL);
	if (!c->access_key_id != !c->secret_access_key)
		return agent_config_fail(err, errsize, "AWS_ACCESS_KEY_ID", "and AWS_SECRET_ACCESS_KEY must be set together");
	c->log_level = config_get(r, "SPOT_LOG_LEVEL", "info");
	if (strcmp(c->log_level, "debug") && strcmp(c->log_level, "info") && strcmp(c->log_level, "warn") &&
	    strcmp(c->log_level, "error"))
		return agent_config_fail(err, errsize, "SPOT_LOG_LEVEL", "must be debug, info, warn or error");
	for (size_t i = 0; i < sizeof(agent_config_ints) / sizeof(agent_config_ints[0]); i++) {
		long *dst = (long *)(void *)((char *)c + agent_config_ints[i].off);
		char why[200];
		if (config_get_long(r, agent_config_ints[i].key, agent_config_ints[i].def, agent_config_ints[i].min,
				    agent_config_ints[i].max, dst, why, sizeof(why)) < 0) {
			snprintf(err, errsize, "config: %s", why);
			return -1;
		}
	}
	v = config_get(r, "SPOT_SPOOL_DIR", NULL);
	if (v) {
		c->owned[2] = xstrdup(v);
	} else if (c->config_path && strchr(c->config_path, '/')) {
		size_t n = (size_t)(strrchr(c->config_path, '/') - c->config_path);
		c->owned[2] = xmalloc(st_add(n, 7));
		memcpy(c->owned[2], c->config_path, n);
		memcpy(c->owned[2] + n, "/spool", 7);
	} else if (c->config_path) {
		c->owned[2] = xstrdup("spool");
	} else {
		c->owned[2] = xstrdup("/var/lib/spot-agent/spool");
	}
	c->spool_dir = c->owned[2];
	if (strlen(c->spool_dir) > 512)
		return agent_config_fail(err, errsize, "SPOT_SPOOL_DIR", "is longer than 512 bytes");
	return 0;
}

int agent_config_load(struct agent_config *c, const char *path, char *err, size_t errsize)
{
	c->config_path = path;
	if (path && config_load_file(&c->raw, path, err, errsize) < 0)
		return -1;
	return agent_config_validate(c, err, errsize);
}

int agent_config_load_text(struct agent_config *c, const char *text, int use_env, char *err, size_t errsize)
{
	c->raw.use_env = use_env;
	if (config_load_text(&c->raw, text, "config", err, errsize) < 0)
		return -1;
	return agent_config_validate(c, err, errsize);
}

/* NULL-safe string equality. */
static int agent_config_same(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

int agent_config_reload(struct agent_config *c, struct agent_config *old, unsigned *changed, char *err,
			size_t errsize)
{
	struct agent_config next;
	unsigned ch = 0;

	agent_config_init(old);
	*changed = 0;
	agent_config_init(&next);
	next.raw.use_env = c->raw.use_env;
	if (agent_config_load(&next, c->config_path, err, errsize) < 0) {
		agent_config_release(&next);
		return -1;
	}
	if (!agent_config_same(c->server_url, next.server_url) || !agent_config_same(c->ca_file, next.ca_file))
		ch |= AGENT_CONFIG_CHANGED_SERVER;
	if (!agent_config_same(c->client_token, next.client_token))
		ch |= AGENT_CONFIG_CHANGED_TOKEN;
	if (c->heartbeat_s != next.heartbeat_s || c->pricing_s != next.pricing_s ||
	    c->command_poll_s != next.command_poll_s || c->interruption_poll_s != next.interruption_poll_s ||
	    c->termination_s != next.termination_s)
		ch |= AGENT_CONFIG_CHANGED_INTERVALS;
	if (!agent_config_same(c->imds_url, next.imds_url))
		ch |= AGENT_CONFIG_CHANGED_IMDS;
	if (!agent_config_same(c->ec2_url, next.ec2_url) || !agent_config_same(c->region, next.region))
		ch |= AGENT_CONFIG_CHANGED_EC2;
	if (!agent_config_same(c->access_key_id, next.access_key_id) ||
	    !agent_config_same(c->secret_access_key, next.secret_access_key) ||
	    !agent_config_same(c->session_token, next.session_token))
		ch |= AGENT_CONFIG_CHANGED_CREDS;
	if (!agent_config_same(c->log_level, next.log_level))
		ch |= AGENT_CONFIG_CHANGED_LOG;
	if (c->spool_max_entries != next.spool_max_entries || c->spool_max_bytes != next.spool_max_bytes)
		ch |= AGENT_CONFIG_CHANGED_SPOOL;
	/* Identity and spool location stay as they were until a restart. */
	if (!agent_config_same(c->logical_id, next.logical_id)) {
		ch |= AGENT_CONFIG_KEPT;
		free(next.owned[3]);
		next.owned[3] = c->logical_id ? xstrdup(c->logical_id) : NULL;
		next.logical_id = next.owned[3];
	}
	if (!agent_config_same(c->spool_dir, next.spool_dir)) {
		ch |= AGENT_CONFIG_KEPT;
		free(next.owned[2]);
		next.owned[2] = xstrdup(c->spool_dir);
		next.spool_dir = next.owned[2];
	}
	*old = *c;
	*c = next;
	*changed = ch;
	return 0;
}

void agent_config_changes_name(unsigned changed, char *buf, size_t size)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ AGENT_CONFIG_CHANGED_SERVER, "server url" },
		{ AGENT_CONFIG_CHANGED_TOKEN, "client token" },
		{ AGENT_CONFIG_CHANGED_INTERVALS, "intervals" },
		{ AGENT_CONFIG_CHANGED_IMDS, "imds url" },
		{ AGENT_CONFIG_CHANGED_EC2, "ec2 endpoint" },
		{ AGENT_CONFIG_CHANGED_CREDS, "credentials" },
		{ AGENT_CONFIG_CHANGED_LOG, "log level" },
		{ AGENT_CONFIG_CHANGED_SPOOL, "spool bounds" },
		{ AGENT_CONFIG_KEPT, "logical id or spool dir (kept until restart)" },
	};
	size_t len = 0;

	if (!size)
		return;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int w;
		if (!(changed & names[i].bit))
			continue;
		w = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", names[i].name);
		if (w < 0 || (size_t)w >= size - len)
			return;
		len += (size_t)w;
	}
	if (!len)
		snprintf(buf, size, "nothing");
}
