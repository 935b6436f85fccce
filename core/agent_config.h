/*
 * agent_config.h - changing an agent's config flags from the dashboard or the
 * client API (DESIGN.md sections 4 and 5).
 *
 * Optimistic locking: the caller names the agent version it saw; another
 * version is a conflict. Manual-replica mode excludes auto-switch and
 * auto-terminate (seed 001): a change that would have both is refused with a
 * message saying which toggle to turn off first (the CHECK constraint of
 * agents is the backstop). Each change bumps config_version, so agents fetch
 * the new config on their next heartbeat, and writes one audit row.
 */
#ifndef SPOT_AGENT_CONFIG_H
#define SPOT_AGENT_CONFIG_H

#include "core/clients.h"
#include "core/db_agent_config.h"
#include "core/result.h"

#define AGENT_CONFIG_MAX_WAIT_S 86400

/*
 * Applies want (flags and terminate_wait_seconds) to agent_id if its version
 * is expected_version. client_id NULL: any client (an admin). Returns
 * CORE_OK (out = the new config), CORE_NOT_FOUND (absent or another
 * client's), CORE_CONFLICT (version; *message says so), CORE_INVALID (the
 * exclusivity rule; *message names the toggle to turn off first), CORE_ERR.
 */
enum core_result agent_config_update(struct db *db, struct arena *a, const char *agent_id, const char *client_id,
				     const struct agent_config *want, long expected_version, const struct actor *who,
				     struct agent_config *out, const char **message);

/* The exclusivity rule alone: NULL when (before -> want) is allowed, else the message. Pure. */
const char *agent_config_exclusive(const struct agent_config *before, const struct agent_config *want);

#endif
