/*
 * agent_config.h - spot-agent's settings: SPOT_* (and AWS_*) from the
 * environment, then the KEY=VALUE file user data provides (the environment
 * wins, common/config.h). Validated at start (every failure is a one-line
 * reason and the exit code AGENT_EXIT_CONFIG) and again on SIGHUP, when a bad
 * file keeps the running config (agent_config_reload).
 *
 *   SPOT_URL                server base URL (https://host:port), required
 *   SPOT_CLIENT_TOKEN       the client token used to register (SPOT_TOKEN is an alias), required
 *   SPOT_LOGICAL_ID         the logical agent id, kept across instances (default: the instance id)
 *   SPOT_CA_FILE            CA bundle for the server's certificate (default: system store)
 *   SPOT_HEARTBEAT_SECONDS, SPOT_PRICING_SECONDS, SPOT_COMMAND_POLL_SECONDS,
 *   SPOT_INTERRUPTION_POLL_SECONDS, SPOT_TERMINATION_SECONDS   loop intervals
 *   SPOT_SPOOL_DIR          where unsent reports wait (default: next to --config, else
 *                           /var/lib/spot-agent/spool); one subdirectory per instance id
 *   SPOT_SPOOL_MAX_ENTRIES, SPOT_SPOOL_MAX_BYTES               spool bounds
 *   SPOT_IMDS_URL           IMDS base (default http://169.254.169.254)
 *   SPOT_EC2_URL            EC2 endpoint (default https://ec2.<region>.amazonaws.com/)
 *   AWS_REGION              region (default: the one IMDS names)
 *   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN  used when the
 *                           instance has no profile
 *   SPOT_LOG_LEVEL          debug|info|warn|error
 */
#ifndef SPOT_AGENT_CONFIG_H
#define SPOT_AGENT_CONFIG_H

#include <stddef.h>

#include "common/config.h"

#define AGENT_VERSION "0.5.0"

/* Exit codes, one per kind of failure (BSD sysexits values). */
enum agent_exit {
	AGENT_EXIT_OK = 0,
	AGENT_EXIT_USAGE = 64,		/* bad command line */
	AGENT_EXIT_UNAVAILABLE = 69,	/* IMDS never answered: identity unknown */
	AGENT_EXIT_SOFTWARE = 70,	/* internal error */
	AGENT_EXIT_CANTCREAT = 73,	/* spool directory not usable */
	AGENT_EXIT_NOPERM = 77,		/* the server refused the client token */
	AGENT_EXIT_CONFIG = 78		/* bad or missing configuration */
};

#define AGENT_CONFIG_MAX_URL 1024
#define AGENT_CONFIG_MAX_TOKEN 512

struct agent_config {
	struct config raw;		/* owns every string below */
	const char *config_path;	/* borrowed from argv, may be NULL */
	const char *server_url;		/* without a trailing '/' (owned copy) */
	const char *client_token;
	const char *logical_id;		/* NULL: the instance id */
	const char *ca_file;
	const char *spool_dir;		/* base directory (owned copy) */
	const char *imds_url;		/* without a trailing '/' (owned copy) */
	const char *ec2_url;		/* NULL: derived from the region */
	const char *region;		/* NULL: from IMDS */
	const char *access_key_id, *secret_access_key, *session_token;
	const char *log_level;
	long heartbeat_s, pricing_s, command_poll_s, interruption_poll_s, termination_s;
	long spool_max_entries, spool_max_bytes;
	char *owned[4];
};

void agent_config_init(struct agent_config *c);
void agent_config_release(struct agent_config *c);
/*
 * Loads path (may be NULL) and the environment, then validates. Returns 0, or
 * -1 with a one-line reason in err.
 */
int agent_config_load(struct agent_config *c, const char *path, char *err, size_t errsize);
/* Same, from text (tests); use_env 0 ignores the environment. */
int agent_config_load_text(struct agent_config *c, const char *text, int use_env, char *err, size_t errsize);

/*
 * SIGHUP: what agent_config_reload found changed, one bit per group of keys.
 * SPOT_LOGICAL_ID and SPOT_SPOOL_DIR name what the agent is and where its
 * owed reports wait: a new value there is not applied (AGENT_CONFIG_KEPT)
 * until the agent restarts.
 */
enum agent_config_change {
	AGENT_CONFIG_CHANGED_SERVER = 1u << 0,		/* SPOT_URL, SPOT_CA_FILE */
	AGENT_CONFIG_CHANGED_TOKEN = 1u << 1,		/* SPOT_CLIENT_TOKEN */
	AGENT_CONFIG_CHANGED_INTERVALS = 1u << 2,	/* SPOT_*_SECONDS */
	AGENT_CONFIG_CHANGED_IMDS = 1u << 3,		/* SPOT_IMDS_URL */
	AGENT_CONFIG_CHANGED_EC2 = 1u << 4,		/* SPOT_EC2_URL, AWS_REGION */
	AGENT_CONFIG_CHANGED_CREDS = 1u << 5,		/* AWS_ACCESS_KEY_ID, ... */
	AGENT_CONFIG_CHANGED_LOG = 1u << 6,		/* SPOT_LOG_LEVEL */
	AGENT_CONFIG_CHANGED_SPOOL = 1u << 7,		/* SPOT_SPOOL_MAX_* */
	AGENT_CONFIG_KEPT = 1u << 8			/* SPOT_LOGICAL_ID or SPOT_SPOOL_DIR: at restart */
};

/*
 * Re-reads c->config_path (and the environment) into a new config. On
 * success the new config is moved into *c, the previous one into *old (the
 * caller re-points whatever borrowed its strings, then releases *old),
 * *changed gets the agent_config_change bits, and 0 is returned. On failure
 * (unreadable file, bad value) *c is untouched, *old is left initialized and
 * empty, err holds the one-line reason, and -1 is returned.
 */
int agent_config_reload(struct agent_config *c, struct agent_config *old, unsigned *changed, char *err,
			size_t errsize);
/* "server url, token, ..." for *changed, into buf (always terminated). */
void agent_config_changes_name(unsigned changed, char *buf, size_t size);

#endif
