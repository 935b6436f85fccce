/*
 * decision.h - the decision engine's pure part (issue 8, DESIGN.md section 6):
 * candidate pools, the client's policy, the models behind one interface, and
 * the hysteresis that keeps a fleet from flapping. No I/O here: the decision
 * job (core/decide.c, core/db_decide.c) gathers the inputs from MariaDB, the
 * backtest (core/backtest.c) from price histories, and both call
 * decision_evaluate() with the same structs.
 *
 * One evaluation:
 *   1. the model scores every candidate pool (score = its estimate, in [0,1],
 *      that the pool is unsafe: interrupted or priced above on-demand soon);
 *      rules-v1's score is the pool risk of risk.h, a learned model's its own
 *      prediction;
 *   2. the model proposes a target: the cheapest pool whose score and savings
 *      satisfy its bands (rules-v1: score < 0.20 needs savings >= min_savings,
 *      0.20..0.50 needs >= 0.50, above 0.50 never), or on-demand when the
 *      current spot pool is unsafe and fallback is allowed, or stay;
 *   3. the policy turns the proposal into an action: nothing inside the
 *      cooldown since the last switch; spot -> on-demand only after the
 *      proposal has stood for fallback_wait_s, on-demand -> spot only after
 *      return_wait_s (history.want_* carries that across evaluations); a move
 *      between spot pools needs min_savings against the current pool too.
 *      The return wait applies once the agent has switched (last_switch_ms >
 *      0): an instance that started on on-demand is not "returning" and moves
 *      at the first evaluation. A flagged pool is never a target, whatever
 *      the model scores it; a current pool that is flagged, scored above the
 *      high band or max_risk, or priced at or above on-demand is "unsafe": the
 *      cheapest acceptable pool is proposed even without min_savings against
 *      it, else on-demand when fallback is allowed.
 *
 * Savings are fractions of the on-demand price: (current - target) / ondemand
 * for a move, and for spot against on-demand (ondemand - price) / ondemand.
 */
#ifndef SPOT_DECISION_H
#define SPOT_DECISION_H

#include <stddef.h>
#include <stdint.h>

/*
 * Per-pool features, the same names in pricing_canonical-derived inputs, in
 * the backtest and in model files. Order is fixed: model files name features,
 * never indexes.
 */
enum decision_feature {
	DF_ONDEMAND_RATIO,     /* price / on-demand price */
	DF_CHANGE_1H,          /* price change over 1 h, fraction (0.10 = +10 %) */
	DF_CHANGE_24H,         /* price change over 24 h, fraction */
	DF_VOLATILITY_1H,      /* stddev / mean over 1 h */
	DF_VOLATILITY_24H,     /* stddev / mean over 24 h */
	DF_MAX_24H_RATIO,      /* max price over 24 h / on-demand price */
	DF_INTERRUPTIONS_24H,  /* interruptions seen in the pool over 24 h (any client) */
	DF_BUCKET,             /* Spot Advisor interruption bucket 0..4, -1 unknown */
	DF_HOUR_SIN,           /* sin(2 pi hour / 24) */
	DF_HOUR_COS,           /* cos(2 pi hour / 24) */
	DF_POOL_RISK,          /* risk_pool_score() of risk.h */
	DF_COUNT
};

/* "ondemand_ratio", ... ; NULL out of range. */
const char *decision_feature_name(int f);
/* The index of a feature name, or -1 when unknown. */
int decision_feature_index(const char *name);

enum decision_mode { DM_NONE = 0, DM_SPOT, DM_ONDEMAND };
enum decision_action { DA_STAY = 0, DA_SWITCH };

/* An instance type as the catalog knows it. */
struct decision_type {
	const char *instance_type;
	const char *arch;       /* "x86_64", "arm64" */
	int vcpu;
	double memory_gib;
	double ondemand_price;  /* $/h; <= 0 unknown */
};

/*
 * Whether cand may replace cur: same architecture, vCPU and memory at least
 * cur's and at most factor times cur's (factor >= 1). 1 yes, 0 no.
 */
int decision_type_compatible(const struct decision_type *cur, const struct decision_type *cand, double factor);

struct decision_pool {
	const char *pool_id;        /* spot_pools.id */
	const char *instance_type;
	const char *az;
	double price;               /* latest spot price $/h; <= 0: no price, never a target */
	double ondemand_price;      /* of this pool's type, $/h; <= 0 unknown: never a target */
	int flagged;                /* an interruption flags it (any client, 30 min) */
	double f[DF_COUNT];         /* features; DF_POOL_RISK always filled */
};

struct decision_policy {
	double min_savings;         /* fraction of on-demand; default 0.30 */
	long cooldown_s;            /* since the last switch; default 3600 */
	double max_risk;            /* a pool scoring above is never a target; default 0.50 */
	int ondemand_fallback;      /* may return to on-demand; default 1 */
	long fallback_wait_s;       /* spot -> on-demand once proposed this long; default 900 */
	long return_wait_s;         /* on-demand -> spot once proposed this long; default 1800 */
	double size_factor;         /* compatible types up to this many times vCPU/memory; default 2.0 */
};

/* The defaults above. */
void decision_policy_default(struct decision_policy *p);

/* What the engine remembers between evaluations of one agent. */
struct decision_history {
	int64_t last_switch_ms;     /* 0: never switched */
	int want_mode;              /* DM_*: the mode the previous evaluations proposed, DM_NONE for stay */
	int64_t want_since_ms;      /* since when they proposed it without a break; 0 unknown */
};

struct decision_input {
	int current_mode;           /* DM_SPOT or DM_ONDEMAND */
	int current_pool;           /* index into pools when on spot, else -1 */
	double current_price;       /* $/h now */
	double ondemand_price;      /* of the current type, $/h */
	const struct decision_pool *pools; /* the current pool (when spot) and every candidate */
	size_t npools;
};

#define DECISION_REASON_MAX 256
#define DECISION_MODEL_FEATURES_MAX DF_COUNT

enum decision_engine { DE_RULES = 0, DE_LOGREG };

/* A model: rules-v1 or a learned logistic regression loaded from its file. */
struct decision_model {
	char name[64];
	char version[64];
	int engine;                 /* DE_* */
	/* the bands, on the model's score: below low needs min_savings, low..high needs high_savings */
	double band_low, band_high, band_high_savings; /* rules-v1: 0.20, 0.50, 0.50 */
	/* DE_LOGREG: score = 1 / (1 + exp(-(intercept + sum coef[i] * (f[feat[i]] - mean[i]) / scale[i]))) */
	int nfeat;
	int feat[DECISION_MODEL_FEATURES_MAX];
	double coef[DECISION_MODEL_FEATURES_MAX];
	double mean[DECISION_MODEL_FEATURES_MAX];
	double scale[DECISION_MODEL_FEATURES_MAX];
	double intercept;
};

struct decision_out {
	int action;                 /* DA_* after the policy */
	int proposed_mode;          /* DM_*: what the model proposed before the policy (DM_NONE = stay) */
	int target_mode;            /* DM_SPOT / DM_ONDEMAND when proposed, else DM_NONE */
	int target_pool;            /* index into pools, -1 for on-demand or none */
	double target_price;        /* $/h */
	double expected_savings;    /* $/h the move saves against staying (may be negative for a fallback) */
	double score;               /* the model's score of the target pool, or of the current pool */
	const char *suppressed;     /* NULL, "cooldown", "fallback_wait", "return_wait" (static strings) */
	char reason[DECISION_REASON_MAX]; /* one sentence an operator reads on the agent page */
};

/* rules-v1 with its bands. */
void decision_model_rules_v1(struct decision_model *m);

/* The model's score of one pool, in [0,1]. */
double decision_model_score(const struct decision_model *m, const struct decision_pool *p);

/*
 * Parses and validates a model file (JSON; see docs in decision_model.c):
 * schema, engine, known feature names, finite coefficients, means and
 * positive scales. Returns 0, or -1 with a one-line reason in err that names
 * the field ("features[2]: unknown feature 'foo'").
 */
int decision_model_parse(const char *json_text, struct decision_model *m, char *err, size_t errlen);

/*
 * The savings (fraction of on-demand) a pool the model scores this way needs
 * before it may be a target: pol->min_savings below band_low, the larger of
 * band_high_savings and min_savings up to band_high, INFINITY above band_high
 * or pol->max_risk (never). The backtest's oracle obeys the same bands.
 */
double decision_needed_savings(const struct decision_model *m, const struct decision_policy *pol, double score);

/* One evaluation; never fails. now_ms is the evaluation time. */
void decision_evaluate(const struct decision_model *m, const struct decision_policy *pol,
		       const struct decision_input *in, const struct decision_history *hist, int64_t now_ms,
		       struct decision_out *out);

/*
 * The history after an evaluation: want_mode/want_since_ms follow the
 * proposal (a new proposal restarts the clock), last_switch_ms moves when the
 * action was a switch.
 */
void decision_history_update(struct decision_history *h, const struct decision_out *out, int64_t now_ms);

/*
 * Area under the ROC curve of scores against 0/1 labels (ties count half).
 * -1 when either class is empty.
 */
double decision_auc(const double *scores, const int *labels, size_t n);

#endif
