/*
 * svg.h - server-rendered SVG charts (STYLE.md "Pages": a title, labelled
 * axes, and the numbers also in a table next to the chart).
 *
 * No inline style: colours and strokes are presentation attributes and
 * classes of static/app.css, which the CSP allows. Every text is escaped.
 */
#ifndef SPOT_SVG_H
#define SPOT_SVG_H

#include <stddef.h>

struct strbuf;

#define SVG_MAX_POINTS 5000

struct svg_chart {
	const char *id;        /* unique on the page: prefixes the title and desc ids */
	const char *title;     /* the chart's <title>, also its accessible name */
	const char *desc;      /* <desc>, may be NULL */
	const char *x_label;   /* e.g. "Time (UTC)" */
	const char *y_label;   /* e.g. "Price (USD per hour)" */
	const char *y_prefix;  /* before tick values, e.g. "$"; may be NULL */
	int y_decimals;        /* decimals of tick values */
	int width, height;     /* viewBox size; 0 means 720 x 280 */
};

/* What was drawn, for the caller's table and the tests. */
struct svg_drawn {
	size_t points;         /* vertices of the polyline */
	double y_min, y_max;   /* the axis range (the data's min and max, padded when equal) */
	double x_min, x_max;
};

/*
 * Appends a line chart of (x[i], y[i]) for i < n to out: x is seconds since
 * the epoch (UTC, ascending), y the values. n == 0 draws the axes and a "No
 * data" note. At most SVG_MAX_POINTS points are drawn; extra points are
 * ignored. drawn may be NULL.
 */
void svg_line_chart(struct strbuf *out, const struct svg_chart *c, const double *x, const double *y, size_t n,
		    struct svg_drawn *drawn);

#endif
