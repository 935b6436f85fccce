/* risk.c - the pool risk score (formula and rationale in risk.h). */
#include "core/risk.h"

#include <math.h>

/* Clamps to [0,1]; NaN becomes 0 (no evidence). */
static double risk_unit(double x)
{
	if (!(x > 0.0))
		return 0.0;
	return x > 1.0 ? 1.0 : x;
}

void risk_pool_breakdown(const struct risk_inputs *in, struct risk_breakdown *out)
{
	double recent, bucket = 0.0, interruption, pressure, youth, age_h, volatility, score;
	int have_bucket = in->interruption_bucket >= 0 && in->interruption_bucket <= 4;

	recent = risk_unit((double)in->interruptions_7d / RISK_INTERRUPTIONS_SATURATE);
	if (have_bucket)
		bucket = in->interruption_bucket / 4.0;
	interruption = have_bucket ? RISK_RECENT_SHARE * recent + (1.0 - RISK_RECENT_SHARE) * bucket : recent;
	pressure = recent > bucket ? recent : bucket;

	age_h = in->have_instances && isfinite(in->instance_age_hours) ? in->instance_age_hours : 0.0;
	youth = 1.0 - risk_unit(age_h / RISK_AGE_MATURE_HOURS);

	volatility = 0.0;
	if (in->price_samples >= 2 && isfinite(in->price_cv))
		volatility = risk_unit(in->price_cv / RISK_CV_SATURATE);

	out->interruption = risk_unit(interruption);
	out->age = risk_unit(youth * pressure);
	out->volatility = volatility;
	score = RISK_W_INTERRUPTIONS * out->interruption + RISK_W_AGE * out->age + RISK_W_VOLATILITY * out->volatility;
	if (in->flagged && score < RISK_FLAGGED_FLOOR)
		score = RISK_FLAGGED_FLOOR;
	out->score = risk_unit(score);
}

double risk_pool_score(const struct risk_inputs *in)
{
	struct risk_breakdown b;
	risk_pool_breakdown(in, &b);
	return b.score;
}
