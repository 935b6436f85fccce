/* clock.c - piecewise-linear mapping between wall time and simulated time. */
#include "sim/clock.h"

#include <math.h>
#include <string.h>

void clock_init(struct clock *c, int64_t wall_ms, double scale)
{
	memset(c, 0, sizeof(*c));
	c->seg[0].wall_ms = wall_ms;
	c->seg[0].vt_ms = 0;
	c->seg[0].scale = scale;
	c->nseg = 1;
}

double clock_scale(const struct clock *c)
{
	return c->seg[c->nseg - 1].scale;
}

int clock_set_scale(struct clock *c, int64_t wall_ms, double scale)
{
	struct clock_segment *last = &c->seg[c->nseg - 1];

	if (!(scale >= CLOCK_MIN_SCALE && scale <= CLOCK_MAX_SCALE))
		return -1;
	if (wall_ms <= last->wall_ms) {
		last->scale = scale;	/* nothing elapsed in the last segment */
		return 0;
	}
	if (c->nseg >= CLOCK_MAX_SEGMENTS)
		return -1;
	c->seg[c->nseg].vt_ms = clock_vt(c, wall_ms);
	c->seg[c->nseg].wall_ms = wall_ms;
	c->seg[c->nseg].scale = scale;
	c->nseg++;
	return 0;
}

int64_t clock_vt(const struct clock *c, int64_t wall_ms)
{
	int i = c->nseg - 1;

	while (i > 0 && c->seg[i].wall_ms > wall_ms)
		i--;
	return c->seg[i].vt_ms + (int64_t)llround((double)(wall_ms - c->seg[i].wall_ms) * c->seg[i].scale);
}

int64_t clock_wall(const struct clock *c, int64_t vt_ms)
{
	int i = c->nseg - 1;

	while (i > 0 && c->seg[i].vt_ms > vt_ms)
		i--;
	return c->seg[i].wall_ms + (int64_t)llround((double)(vt_ms - c->seg[i].vt_ms) / c->seg[i].scale);
}
