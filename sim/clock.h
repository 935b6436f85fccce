/*
 * clock.h - the simulator's compressed clock.
 *
 * Timestamps shown to clients are wall-clock; the compression factor (scale)
 * only changes how fast simulated time runs: simulated time ("vt", ms since
 * the simulator started) advances scale times faster than the wall clock.
 * Price rows and delays live in simulated time. A scale change starts a new
 * segment, so the mapping stays continuous and monotonic.
 */
#ifndef SPOT_SIM_CLOCK_H
#define SPOT_SIM_CLOCK_H

#include <stdint.h>

#define CLOCK_MAX_SEGMENTS 64
#define CLOCK_MIN_SCALE 0.001
#define CLOCK_MAX_SCALE 100000.0

struct clock_segment {
	int64_t wall_ms;	/* wall time where the segment starts */
	int64_t vt_ms;		/* simulated time there */
	double scale;
};

struct clock {
	struct clock_segment seg[CLOCK_MAX_SEGMENTS];
	int nseg;
};

/* Starts the clock: simulated time 0 at wall_ms. */
void clock_init(struct clock *c, int64_t wall_ms, double scale);
/* Changes the scale from wall_ms on. Returns 0, or -1 (bad scale, too many changes). */
int clock_set_scale(struct clock *c, int64_t wall_ms, double scale);
double clock_scale(const struct clock *c);
/* Simulated time at wall_ms (negative before the start). */
int64_t clock_vt(const struct clock *c, int64_t wall_ms);
/* Wall time at simulated time vt (the inverse of clock_vt). */
int64_t clock_wall(const struct clock *c, int64_t vt_ms);

#endif
