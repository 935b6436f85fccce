/*
 * coordinator.h - the replica coordinator's tick (DESIGN.md section 6, seed 001
 * "Replica Coordinator"; issue 6 part 1). spot-replica-coordinator runs it
 * every COORD_INTERVAL_S under the lease "replica-coordinator".
 *
 * One pass looks at no more than COORD_MAX_AGENTS agents that may need it
 * (core/db_coordinator.h says which), each in its own transaction that locks
 * the agent's row first (as the notice handlers and the client API do, so they
 * serialize), and applies, in order:
 *
 *  1. interruption events (the API's backstop):
 *     - a termination notice of the agent's current primary that the API has
 *       not answered: promote the ready replica, else queue emergency_launch
 *       (request id "termination:<event>", the API's own key, so never two);
 *     - a rebalance notice of an auto-switch agent's primary, answered monitor,
 *       whose pool risk (core/risk.h) is now above RISK_REBALANCE_THRESHOLD and
 *       without a live replica: an automatic-rebalance replica in the cheapest
 *       safe pool (core/replicas.h);
 *     - termination notices COORD_NOTICE_GRACE_S past their deadline are closed
 *       with their outcome (promoted | emergency_launched | emergency_failed |
 *       emergency_unconfirmed | no_failover | unhandled) and failover_seconds
 *       (detection to promotion, or to the emergency launch's success); an
 *       emergency launch still in flight keeps its event open up to
 *       COORD_OUTCOME_WAIT_S past the deadline. Rebalance notices close after
 *       COORD_REBALANCE_OPEN_S, or when their instance stopped being primary or
 *       replica (replica_launched | monitored | unhandled). The agent's
 *       notice_status then follows the events still open (none when none).
 *  2. live replicas:
 *     - launching for more than COORD_LAUNCHING_TIMEOUT_S, or syncing without
 *       a report for COORD_SYNCING_TIMEOUT_S: failed (and its instance, if
 *       any, terminated); manual mode then replaces it in step 3;
 *     - manual replicas that manual mode made (launch reason manual_mode or
 *       rebalance) of an agent no longer in manual mode, and manual replicas
 *       made before the agent's last switch: a terminate command (request id
 *       "replica-terminate:<replica>", addressed to the primary) and status
 *       terminated; a launch command not yet handed out is expired. A replica
 *       the client asked for through the API stays until the client deletes it.
 *  3. manual-replica mode: an enabled agent without a live replica gets one
 *     (type manual, reason manual_mode) in the cheapest other pool of its type
 *     (core/replicas.h) - after a promotion or a switch too, since the promoted
 *     or replaced replica is no longer live. The one-live-manual-replica unique
 *     index makes a racing second launch fail, and the transaction retries.
 *
 * Then the hourly cost of every replica that had an instance goes into
 * replica_cost_log for the complete hours of the last COORD_COST_HOURS (one row
 * per replica and hour, never rewritten).
 *
 * Safe mode (core/safe_mode.h) stops everything that issues a command or
 * promotes; closing notices, failing stuck replicas and the cost log go on.
 * Every change writes its system_events row (actor job/replica-coordinator).
 *
 * Stats: agents_scanned, replicas_created, promoted, emergency_commands,
 * notices_closed, stuck_failed, terminated, cost_rows, agent_errors, safe_mode.
 */
#ifndef SPOT_COORDINATOR_H
#define SPOT_COORDINATOR_H

#include "core/result.h"

#include <stdint.h>

#define COORD_INTERVAL_S 10
#define COORD_MAX_AGENTS 200          /* agents looked at per tick */
#define COORD_MAX_EVENTS 20           /* open events of one agent per tick */
#define COORD_MAX_REPLICAS 10         /* live replicas of one agent per tick */
#define COORD_LAUNCHING_TIMEOUT_S 900 /* a replica launching longer than this is stuck */
#define COORD_SYNCING_TIMEOUT_S 1800  /* a syncing replica without a report for this long is stuck */
#define COORD_NOTICE_GRACE_S 60       /* a termination notice closes this long after its deadline */
#define COORD_OUTCOME_WAIT_S 900      /* ... or up to this long after it while its emergency launch runs */
#define COORD_REBALANCE_OPEN_S 3600   /* a rebalance recommendation stays open this long */
#define COORD_TERMINATE_TTL_S 3600    /* a replica terminate command's lifetime */
#define COORD_COST_HOURS 6            /* complete hours the cost log looks back over (at most 24) */
#define COORD_COST_MAX_ROWS 5000      /* cost rows written per tick */

struct arena;
struct db;
struct json_object;

/* One pass at now_ms; adds its counts to stats. CORE_OK, or CORE_ERR (*error or db->last_error says why). */
enum core_result coordinator_tick(struct db *db, struct arena *a, int64_t now_ms, struct json_object *stats,
				  const char **error);

#endif
