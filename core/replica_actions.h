/*
 * replica_actions.h - what a user does to a replica from the client API or
 * the dashboard (DESIGN.md section 5): promote it, or delete it.
 *
 * Promotion is the DESIGN.md section 4 role change (old primary -> zombie
 * first, then replica -> primary, in one transaction with the agent locked,
 * through replicas_promote) plus a `promote` command for the agent, addressed
 * to the primary (which is by then the promoted instance), so the agent moves
 * the workload. Deleting ends a live replica: its instance gets a `terminate`
 * command, a launch not yet handed out is expired, the row becomes terminated.
 * Both are audited with the acting user or token.
 */
#ifndef SPOT_REPLICA_ACTIONS_H
#define SPOT_REPLICA_ACTIONS_H

#include "common/uuid.h"
#include "core/clients.h"
#include "core/result.h"

#define REPLICA_ACTIONS_TTL_S 900

struct replica_action_out {
	const char *agent_id, *client_id;
	const char *instance_id;        /* promote: the new primary; delete: the replica's instance or NULL */
	const char *old_primary_id;     /* promote only */
	char command_id[UUID_STR_LEN + 1]; /* "" when no command was queued */
	const char *message;            /* CORE_CONFLICT: why, for the user */
};

/*
 * Promotes ready replica rid. client_id NULL: any client's (an admin).
 * CORE_OK; CORE_NOT_FOUND (absent or another client's); CORE_CONFLICT with
 * out->message (not ready, no instance, no primary, moved meanwhile); CORE_ERR.
 */
enum core_result replica_actions_promote(struct db *db, struct arena *a, const char *rid, const char *client_id,
					 const struct actor *who, struct replica_action_out *out);

/*
 * Deletes live replica rid. CORE_OK; CORE_NOT_FOUND; CORE_CONFLICT with
 * out->message (already ended, or the agent is in manual replica mode, which
 * keeps one replica: turn that off first); CORE_ERR.
 */
enum core_result replica_actions_delete(struct db *db, struct arena *a, const char *rid, const char *client_id,
					const struct actor *who, struct replica_action_out *out);

#endif
