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

#define SVG_MAX_SERIES 4

/* One line of a chart with several; points and y_min/y_max are filled in by svg_lines_chart. */
struct svg_series {
	const char *label;     /* in the legend and the line's <title>; escaped */
	const double *x, *y;   /* as for svg_line_chart */
	size_t n;
	size_t points;         /* out: vertices drawn */
	double y_min, y_max;   /* out: the series' own smallest and largest value (0 when empty) */
};

/*
 * Appends a line chart of up to SVG_MAX_SERIES series on shared axes (the
 * range of all their points). Each line has its own stroke and dash pattern
 * (the first solid, then dashed, dotted, dash-dot) and, with more than one
 * series, a legend above the plot names each line with its pattern, so the
 * lines are told apart without colour. One series draws exactly what
 * svg_line_chart draws. No point at all draws the axes and "No data". Extra
 * series are ignored. drawn (may be NULL) holds the shared range and the
 * total vertex count.
 */
void svg_lines_chart(struct strbuf *out, const struct svg_chart *c, struct svg_series *s, size_t nseries,
		     struct svg_drawn *drawn);

#endif
