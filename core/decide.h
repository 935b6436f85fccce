/*
 * decide.h - spot-decide's tick (DESIGN.md section 6 "decision", issue 8
 * item 4): every DECIDE_INTERVAL_S, every enabled agent with a live primary is
 * evaluated by the active model (core/decision.h) and the decision logged in
 * ml_decisions; agents in auto-switch mode get the switch command.
 *
 * Inputs per agent (core/db_decide.h reads them in batches):
 *   - where it runs: the primary's type, zone, mode and pool; the current
 *     price is the pool's latest spot price change (spot_price_snapshots within
 *     DECIDE_PRICE_MAX_AGE_H, else the latest canonical price, else the
 *     instance's own figure), or the type's on-demand price (instance_types);
 *   - candidates: the pools of its region whose type is its own or compatible
 *     (decision_type_compatible with the policy's size_factor, from the
 *     catalog), priced and with a known on-demand price, the cheapest
 *     DECIDE_MAX_CANDIDATES; the current pool always;
 *   - per pool: the features of decision.h from the latest pricing_canonical
 *     row, the flag (spot_pools.flagged_until), the Spot Advisor bucket, and
 *     the pool risk: the latest pool_risk_analysis components (weighted as
 *     risk.h does) with the flag applied now, or risk.h over what is known;
 *   - history: the last switch (agents.last_switch_at, or the latest switch
 *     command this job issued, whichever is later) and the proposal that has
 *     stood since when (want_mode/want_since of its previous decision row);
 *   - the client's policy (client_policies, else the defaults);
 *   - the model: the ml_models row with status 'active' (its parameters are a
 *     model file, decision_model_parse()); none active, or one that does not
 *     parse: rules-v1 (model_id NULL).
 *
 * What happens to the decision (decision_mode 'auto' for auto-switch agents,
 * 'recommendation' otherwise; decision 'switch' when the engine's action is
 * to switch, else 'stay' with the policy's suppressed_reason - cooldown,
 * fallback_wait, return_wait - when it held a proposal back):
 *   - auto and switch: the command goes through switches_request() (the path
 *     of the client API's manual switch; actor system "spot-decide"), and the
 *     row gets command_id and executed = 1, unless, in this order:
 *       'emergency'        the agent has an open notice (notice_status not
 *                          none) or an emergency_launch / promote command open;
 *       'safe_mode'        system_config SAFE_MODE is on (no command at all);
 *       'pending_command'  a switch command is already open (also when
 *                          switches_request refuses for that reason);
 *       'refused'          switches_request refused otherwise (reason says why);
 *   - recommendation: the row only, so the agent page shows what auto-switch
 *     would have done.
 * A command counts as a switch for the cooldown from the moment it is issued,
 * so there is at most one per cooldown even before the agent reports it.
 *
 * Stats: agents, auto, recommendations, switch_decisions, commands,
 * suppressed_<reason>, command_errors, pools, model, safe_mode, eval_us_max,
 * eval_us_mean.
 */
#ifndef SPOT_DECIDE_H
#define SPOT_DECIDE_H

#include "core/result.h"

#include <stdint.h>

#define DECIDE_INTERVAL_S 300
#define DECIDE_LIVE_S 600            /* a primary that heartbeated this recently is live */
#define DECIDE_PAGE_AGENTS 500       /* agents read, evaluated and written per batch */
#define DECIDE_MAX_AGENTS 200000     /* agents per tick */
#define DECIDE_MAX_POOLS 200000      /* pools read per tick */
#define DECIDE_MAX_CANDIDATES 48     /* cheapest candidate pools per agent */
/* A price holds until the next change (DESIGN.md section 4): the latest change counts for a week (raw prices' retention). */
#define DECIDE_PRICE_MAX_AGE_H 168
#define DECIDE_RISK_MAX_AGE_H 3      /* a risk analysis older than this is not used */
#define DECIDE_HISTORY_DAYS 8        /* previous decisions looked at (beyond the longest cooldown) */
#define DECIDE_ACTOR "spot-decide"

struct arena;
struct db;
struct json_object;

/* One pass at now_ms; adds its counts to stats. CORE_OK, or CORE_ERR (*error or db->last_error says why). */
enum core_result decide_tick(struct db *db, struct arena *a, int64_t now_ms, struct json_object *stats,
			     const char **error);

#endif
