/*
 * db_decide.h - the statements of spot-decide (core/decide.h). A tick reads
 * the catalog, every active pool (with its latest spot price, latest canonical
 * features and latest risk analysis) and the active model once; then the
 * agents page by page (DECIDE_PAGE_AGENTS per query, with their policy, open
 * commands and previous decision in the same query), and
 * writes one ml_decisions row per agent. Nothing is read per pool per agent.
 */
#ifndef SPOT_DB_DECIDE_H
#define SPOT_DB_DECIDE_H

#include "core/policy.h"

#include <stddef.h>
#include <stdint.h>

struct arena;
struct db;

struct db_decide_model {
	const char *id, *name, *engine, *parameters; /* NULL id: no active model */
};

struct db_decide_type {
	const char *instance_type, *region, *arch;
	int vcpu;
	double memory_gib;
	double ondemand_price; /* <= 0 unknown */
};

struct db_decide_pool {
	const char *pool_id, *instance_type, *region, *az;
	int bucket;            /* -1 unknown */
	int flagged;           /* flagged_until after now */
	double price;          /* latest spot sample within DECIDE_PRICE_MAX_AGE_H, else the latest canonical price; <= 0 none */
	int has_canonical;     /* the canonical fields below are set */
	double c_price, c_change_1h_pct, c_change_24h_pct, c_vol_1h, c_vol_24h, c_mean_24h, c_max_24h;
	int c_interruptions_24h;
	int has_risk;          /* the latest pool_risk_analysis row within DECIDE_RISK_MAX_AGE_H */
	double r_interruption, r_age, r_volatility;
};

struct db_decide_agent {
	const char *id, *client_id, *instance_id, *instance_type, *region, *az, *mode, *pool_id, *notice_status;
	int auto_switch;
	int64_t last_switch_ms;     /* agents.last_switch_at, 0 never */
	double inst_spot, inst_ondemand; /* the primary's own figures, <= 0 unknown */
	struct policy policy;       /* the client's, or the defaults */
	int emergency_command;      /* an emergency_launch or promote command still open */
	int switch_open;            /* a switch command still open */
	/* from the agent's latest decision (db_decide_history) */
	const char *want_mode;      /* "spot", "ondemand" or NULL */
	int64_t want_since_ms;      /* 0 unknown */
	int64_t last_command_ms;    /* 0 none */
};

/* The active model row; out->id NULL when none is active. 0 or -1. */
int db_decide_model(struct db *db, struct arena *a, struct db_decide_model *out);
/* Every active catalog row. Count or -1. */
long db_decide_types(struct db *db, struct arena *a, struct db_decide_type **out);
/* Every active pool (at most max) as of now_ms, sorted by pool id (strcmp). Count or -1. */
long db_decide_pools(struct db *db, struct arena *a, int64_t now_ms, size_t max, struct db_decide_pool **out);
/*
 * The next page of enabled agents of active clients with a live primary
 * (heartbeat within live_s before now_ms), ids after after_id ("" for the
 * first page), in id order, at most limit. Fills the history fields from each
 * agent's latest decision before now_ms. Count or -1.
 */
long db_decide_agents(struct db *db, struct arena *a, const char *after_id, int64_t now_ms, long live_s, size_t limit,
		      struct db_decide_agent **out);

struct db_decide_row {
	const char *id, *client_id, *agent_id, *model_id, *instance_id;
	const char *decision_mode, *decision;
	const char *current_pool_id, *current_mode;
	double current_price, ondemand_price;     /* <= 0: NULL */
	const char *target_pool_id, *target_mode; /* NULL for none */
	double target_price;                      /* used when target_mode is set */
	int has_savings;
	double expected_savings, risk_score;
	const char *reason, *inputs, *command_id, *suppressed_reason;
	int executed;
	long latency_ms;
	int64_t decided_ms;
	const char *want_mode;                    /* NULL none */
	int64_t want_since_ms, last_command_ms;   /* 0: NULL */
};

/* Inserts one decision. 0 or -1. */
int db_decide_insert(struct db *db, const struct db_decide_row *r);

#endif
