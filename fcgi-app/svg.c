/* svg.c - line charts as SVG text (see svg.h). */
#include "fcgi-app/svg.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

#include <math.h>
#include <string.h>

#define SVG_LEFT 80
#define SVG_RIGHT 20
#define SVG_TOP 20
#define SVG_BOTTOM 50
#define SVG_YTICKS 4
#define SVG_XTICKS 4

static void svg_text(struct strbuf *out, const char *s)
{
	if (s)
		strbuf_add_html(out, s, strlen(s));
}

/* "11-24 05:45" for an epoch second, from the RFC 3339 text (no gmtime). */
static void svg_time_label(struct strbuf *out, double t)
{
	char buf[32];
	if (time_format_rfc3339((int64_t)t * 1000, buf, sizeof(buf)) < 0) {
		strbuf_addstr(out, "?");
		return;
	}
	/* 2026-11-24T05:45:33Z */
	strbuf_add(out, buf + 5, 5);
	strbuf_addch(out, ' ');
	strbuf_add(out, buf + 11, 5);
}

/* Stroke and dash pattern of series i, and the word for its pattern (the legend names it). */
static const char *const svg_strokes[SVG_MAX_SERIES] = { "#0b5cad", "#b35900", "#1a7f37", "#8250df" };
static const char *const svg_dashes[SVG_MAX_SERIES] = { NULL, "8 4", "2 3", "10 3 2 3" };
static const char *const svg_pattern_words[SVG_MAX_SERIES] = { "solid", "dashed", "dotted", "dash-dot" };

#define SVG_LEGEND_ROW 22

void svg_lines_chart(struct strbuf *out, const struct svg_chart *c, struct svg_series *s, size_t nseries,
		     struct svg_drawn *drawn)
{
	int w = c->width > 0 ? c->width : 720, h = c->height > 0 ? c->height : 280;
	int top = SVG_TOP;
	double pw, ph;
	double ymin = 0, ymax = 1, xmin = 0, xmax = 1;
	const char *id = c->id ? c->id : "chart";
	size_t total = 0;
	int any = 0;

	if (nseries > SVG_MAX_SERIES)
		nseries = SVG_MAX_SERIES;
	if (nseries > 1)
		top += SVG_LEGEND_ROW;
	pw = w - SVG_LEFT - SVG_RIGHT;
	ph = h - top - SVG_BOTTOM;
	for (size_t k = 0; k < nseries; k++) {
		size_t n = s[k].n > SVG_MAX_POINTS ? SVG_MAX_POINTS : s[k].n;
		s[k].points = n;
		s[k].y_min = s[k].y_max = 0;
		total += n;
		for (size_t i = 0; i < n; i++) {
			if (!any) {
				ymin = ymax = s[k].y[i];
				xmin = xmax = s[k].x[i];
				any = 1;
			}
			if (!i)
				s[k].y_min = s[k].y_max = s[k].y[0];
			s[k].y_min = fmin(s[k].y_min, s[k].y[i]);
			s[k].y_max = fmax(s[k].y_max, s[k].y[i]);
			ymin = fmin(ymin, s[k].y[i]);
			ymax = fmax(ymax, s[k].y[i]);
			xmin = fmin(xmin, s[k].x[i]);
			xmax = fmax(xmax, s[k].x[i]);
		}
	}
	if (any) {
		if (ymax == ymin) {
			double pad = fabs(ymax) * 0.05 > 0 ? fabs(ymax) * 0.05 : 0.001;
			ymin -= pad;
			ymax += pad;
		}
		if (xmax == xmin) {
			xmin -= 1800;
			xmax += 1800;
		}
	}
	if (drawn) {
		drawn->points = total;
		drawn->y_min = ymin;
		drawn->y_max = ymax;
		drawn->x_min = xmin;
		drawn->x_max = xmax;
	}
	strbuf_addf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
			 "aria-labelledby=\"", w, h);
	svg_text(out, id);
	strbuf_addstr(out, "-title");
	if (c->desc) {
		strbuf_addch(out, ' ');
		svg_text(out, id);
		strbuf_addstr(out, "-desc");
	}
	strbuf_addstr(out, "\"><title id=\"");
	svg_text(out, id);
	strbuf_addstr(out, "-title\">");
	svg_text(out, c->title);
	strbuf_addstr(out, "</title>");
	if (c->desc) {
		strbuf_addstr(out, "<desc id=\"");
		svg_text(out, id);
		strbuf_addstr(out, "-desc\">");
		svg_text(out, c->desc);
		strbuf_addstr(out, "</desc>");
	}
	/* Axes. */
	strbuf_addf(out, "<g class=\"axis\" stroke=\"#57606a\" stroke-width=\"1\">"
			 "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></g>",
		    SVG_LEFT, top, SVG_LEFT, h - SVG_BOTTOM, SVG_LEFT, h - SVG_BOTTOM, w - SVG_RIGHT, h - SVG_BOTTOM);
	/* Y ticks and grid. */
	strbuf_addstr(out, "<g class=\"ticks\" font-size=\"11\" fill=\"#57606a\">");
	for (int i = 0; i <= SVG_YTICKS; i++) {
		double v = ymin + (ymax - ymin) * i / SVG_YTICKS;
		double py = top + ph - ph * i / SVG_YTICKS;
		strbuf_addf(out, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d0d7de\"/>",
			    SVG_LEFT, py, w - SVG_RIGHT, py);
		strbuf_addf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", SVG_LEFT - 6, py + 4);
		svg_text(out, c->y_prefix);
		strbuf_addf(out, "%.*f</text>", c->y_decimals, v);
	}
	for (int i = 0; i <= SVG_XTICKS && any; i++) {
		double t = xmin + (xmax - xmin) * i / SVG_XTICKS;
		double px = SVG_LEFT + pw * i / SVG_XTICKS;
		strbuf_addf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">", px, h - SVG_BOTTOM + 16,
			    i == 0 ? "start" : i == SVG_XTICKS ? "end" : "middle");
		svg_time_label(out, t);
		strbuf_addstr(out, "</text>");
	}
	strbuf_addstr(out, "</g>");
	/* Axis labels. */
	strbuf_addf(out, "<text class=\"axis-label\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">",
		    SVG_LEFT + pw / 2, h - 8);
	svg_text(out, c->x_label);
	strbuf_addf(out, "</text><text class=\"axis-label\" x=\"14\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" "
			 "transform=\"rotate(-90 14 %.1f)\">", top + ph / 2, top + ph / 2);
	svg_text(out, c->y_label);
	strbuf_addstr(out, "</text>");
	/* Legend: a sample of each line's pattern and its label, in one row above the plot. */
	if (nseries > 1) {
		double slot = pw / (double)nseries;
		strbuf_addstr(out, "<g class=\"legend\" font-size=\"11\">");
		for (size_t k = 0; k < nseries; k++) {
			double lx = SVG_LEFT + slot * (double)k;
			strbuf_addf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"",
				    lx, SVG_TOP - 4, lx + 24, SVG_TOP - 4, svg_strokes[k]);
			if (svg_dashes[k])
				strbuf_addf(out, " stroke-dasharray=\"%s\"", svg_dashes[k]);
			strbuf_addf(out, "/><text x=\"%.1f\" y=\"%d\">", lx + 30, SVG_TOP);
			svg_text(out, s[k].label);
			strbuf_addf(out, " (%s)</text>", svg_pattern_words[k]);
		}
		strbuf_addstr(out, "</g>");
	}
	if (!any) {
		strbuf_addf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">No data</text></svg>",
			    SVG_LEFT + pw / 2, top + ph / 2);
		return;
	}
	for (size_t k = 0; k < nseries; k++) {
		size_t n = s[k].points;
		if (!n)
			continue;
		if (nseries > 1) {
			strbuf_addf(out, "<g class=\"series-%zu\"><title>", k + 1);
			svg_text(out, s[k].label);
			strbuf_addf(out, " (%s line)</title>", svg_pattern_words[k]);
		}
		strbuf_addf(out, "<polyline class=\"series\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"",
			    svg_strokes[k]);
		if (svg_dashes[k])
			strbuf_addf(out, " stroke-dasharray=\"%s\"", svg_dashes[k]);
		strbuf_addstr(out, " points=\"");
		for (size_t i = 0; i < n; i++) {
			double px = SVG_LEFT + (s[k].x[i] - xmin) / (xmax - xmin) * pw;
			double py = top + (ymax - s[k].y[i]) / (ymax - ymin) * ph;
			strbuf_addf(out, "%s%.1f,%.1f", i ? " " : "", px, py);
		}
		strbuf_addstr(out, "\"/>");
		if (n == 1)
			strbuf_addf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>",
				    SVG_LEFT + (s[k].x[0] - xmin) / (xmax - xmin) * pw,
				    top + (ymax - s[k].y[0]) / (ymax - ymin) * ph, svg_strokes[k]);
		if (nseries > 1)
			strbuf_addstr(out, "</g>");
	}
	strbuf_addstr(out, "</svg>");
}

void svg_line_chart(struct strbuf *out, const struct svg_chart *c, const double *x, const double *y, size_t n,
		    struct svg_drawn *drawn)
{
	struct svg_series one = { .label = c->title, .x = x, .y = y, .n = n };
	svg_lines_chart(out, c, &one, 1, drawn);
}
