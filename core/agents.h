/*
 * agents.h - the agent side of the fleet: registration, heartbeats, config
 * (DESIGN.md sections 4 and 5).
 *
 * Registration rule: it never demotes a live primary. A known instance keeps
 * its role; an unknown instance of a logical agent becomes primary only when
 * the agent has no live primary (no heartbeat within AGENT_LIVE_S), demoting a
 * dead one to zombie; otherwise it waits as a standby. The database's unique
 * index on the primary keeps "one primary per agent" even under races.
 */
#ifndef SPOT_AGENTS_H
#define SPOT_AGENTS_H

#include "core/auth.h"
#include "core/clients.h"
#include "core/db_agents.h"
#include "core/result.h"

#include <stdint.h>

#define AGENT_HEARTBEAT_S 60
#define AGENT_PRICING_S 60
#define AGENT_COMMAND_POLL_S 15
#define AGENT_INTERRUPTION_POLL_S 2
#define AGENT_LIVE_S (2 * AGENT_HEARTBEAT_S)
/*
 * agents.last_heartbeat_at follows the primary's heartbeats to within this
 * many seconds: the fast heartbeat writes the agent row only when it is older
 * (or the agent is offline). instances.last_heartbeat_at is always exact.
 * Well under the health monitor's 10-minute offline rule.
 */
#define AGENT_LIVENESS_WRITE_S 300

struct json_object;

struct registration {
	const char *client_id;
	const char *logical_agent_id, *hostname, *agent_version;
	struct placement where;
};

struct registered {
	int created;                 /* the agent is new */
	const char *role;            /* primary|standby|replica|zombie|terminated */
	struct agent_row agent;
	struct new_token token;      /* the agent token for this instance */
};

/*
 * CORE_CREATED/CORE_OK with out filled; CORE_FORBIDDEN at the plan's
 * max_agents; CORE_CONFLICT when the instance belongs to another agent;
 * CORE_ERR on a database error. Retries deadlocks itself.
 */
enum core_result agents_register(struct db *db, struct arena *a, const struct registration *in,
				 const struct actor *who, struct registered *out);

struct heartbeat {
	const char *agent_id, *client_id, *instance_id, *status;
	long long uptime_seconds; /* -1 when not given */
};

/* CORE_OK with state filled; CORE_NOT_FOUND when the instance is not this agent's. */
enum core_result agents_heartbeat(struct db *db, struct arena *a, const struct heartbeat *hb, const struct actor *who,
				  struct heartbeat_state *state);

struct shmcache;
/*
 * The heartbeat memo of a worker: the cache it shares with the others, and
 * whether the database it is connected to has the triggers that keep
 * memos honest (migration 0017; read again after every reconnect and every
 * AGENT_MEMO_RECHECK_S). Without them every heartbeat takes the full path.
 */
struct agents_memo_ctx {
	struct shmcache *cache;	  /* NULL: no memo */
	uint64_t checked_connect; /* db->connects when triggers_ok was read; 0 = never */
	int64_t checked_ms;	  /* time_mono_ms() of that read */
	int triggers_ok;
};
#define AGENT_MEMO_RECHECK_S 60
/*
 * The same heartbeat with the token check folded into the read of its answer:
 * two statements (that read, then the write by primary key), plus the agent
 * row at most every AGENT_LIVENESS_WRITE_S. hb->client_id is filled from the
 * token.
 * With MEMO (may be NULL), answers are remembered per (token, agent,
 * instance), and while one holds the heartbeat is a single UPDATE that
 * matches only if the instance's role and hb_gen (migration 0017) are those
 * the answer was read with; anything else takes the full path.
 * CORE_OK; CORE_FORBIDDEN for a bad token (401); CORE_NOT_FOUND with
 * *missing = "agent" or "instance_id"; CORE_ERR.
 */
enum core_result agents_heartbeat_token(struct db *db, struct agents_memo_ctx *memo, struct arena *a, const char *token,
					struct heartbeat *hb, const char *trace_id, struct heartbeat_state *state,
					const char **missing);

/* The config object of DESIGN.md section 5 for an agent (a new json object). NULL on a database error. */
struct json_object *agents_config_json(struct db *db, struct arena *a, const struct agent_row *agent);

#endif
