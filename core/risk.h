/*
 * risk.h - the pool risk score of DESIGN.md section 6: one pure function
 * (no I/O), used by the notice handlers, the replica coordinator, the risk
 * analysis job and the decision engine. core/db_risk.h gathers its inputs.
 *
 * Formula (every part in [0,1]):
 *
 *   recent     = min(1, interruptions_7d / RISK_INTERRUPTIONS_SATURATE)
 *   bucket     = interruption_bucket / 4            (Spot Advisor 0 '<5%' .. 4 '>20%')
 *   I          = recent                             when the bucket is unknown
 *              = RISK_RECENT_SHARE * recent + (1 - RISK_RECENT_SHARE) * bucket   when known
 *   pressure   = max(recent, bucket)                (0 when neither is known)
 *   youth      = 1 - min(1, age_hours / RISK_AGE_MATURE_HOURS)
 *                (no instance of ours in the pool: age 0, a new one would be young)
 *   A          = youth * pressure                   young instances are only riskier in a pool
 *                                                   that is being reclaimed; in a calm pool age
 *                                                   does not matter
 *   V          = min(1, price_cv / RISK_CV_SATURATE) with at least 2 samples in 24 h, else 0
 *                (price_cv = population standard deviation / mean of the samples)
 *   score      = 0.40 I + 0.30 A + 0.30 V
 *   flagged    -> score = max(score, RISK_FLAGGED_FLOOR)  (an interruption seen by any client
 *                 flags the pool for everyone for 30 minutes)
 *
 * The score rises with interruptions, the bucket, the volatility and the flag,
 * and falls as our instances age. Non-finite or negative inputs count as 0 (no
 * evidence), so the result is always a finite number in [0,1].
 */
#ifndef SPOT_RISK_H
#define SPOT_RISK_H

#define RISK_W_INTERRUPTIONS 0.40
#define RISK_W_AGE 0.30
#define RISK_W_VOLATILITY 0.30
#define RISK_INTERRUPTIONS_SATURATE 5.0 /* interruptions in 7 days that count as certain */
#define RISK_RECENT_SHARE 0.6           /* what observed interruptions weigh against the bucket */
#define RISK_AGE_MATURE_HOURS 168.0     /* instances older than a week are not "young" */
#define RISK_CV_SATURATE 0.10           /* a 10 % coefficient of variation over 24 h is very volatile */
#define RISK_FLAGGED_FLOOR 0.60
#define RISK_FLAG_MINUTES 30            /* how long an interruption flags its pool */
#define RISK_REBALANCE_THRESHOLD 0.30   /* rebalance notice: launch a replica above this (seed 001) */
#define RISK_WINDOW_DAYS 7
#define RISK_VOLATILITY_HOURS 24

struct risk_inputs {
	int interruptions_7d;     /* termination notices in the pool over the last 7 days, any client */
	double instance_age_hours;/* mean age of our live instances in the pool */
	int have_instances;       /* 0: no live instance of ours there (age counts as 0) */
	double price_cv;          /* coefficient of variation of the pool's spot prices over 24 h */
	int price_samples;        /* how many samples price_cv comes from */
	int flagged;              /* spot_pools.flagged_until is in the future */
	int interruption_bucket;  /* 0..4, or -1 when unknown */
};

struct risk_breakdown {
	double interruption, age, volatility; /* the components, each in [0,1], before weighting */
	double score;                         /* the final score in [0,1] */
};

/* The components and the score. Never fails; in may hold any values. */
void risk_pool_breakdown(const struct risk_inputs *in, struct risk_breakdown *out);
/* The score alone, in [0,1]. */
double risk_pool_score(const struct risk_inputs *in);

#endif
