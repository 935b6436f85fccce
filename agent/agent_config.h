/*
 * agent_config.h - spot-agent's settings: SPOT_* (and AWS_*) from the
 * environment, then the KEY=VALUE file user data provides (the environment
 * wins, common/config.h). Validated once at start; every failure is a
 * one-line reason and the exit code AGENT_EXIT_CONFIG.
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

#endif
