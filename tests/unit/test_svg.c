/*
 * test_svg.c - fcgi-app/svg: each chart draws one vertex per data point, the
 * largest value at the top of the plot and the smallest at the bottom, every
 * point inside the plot, a title and labelled axes, and escaped text; several
 * series share the axes, each with its own vertex count, range and legend entry.
 */
#include "fcgi-app/svg.h"
#include "common/strbuf.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The polyline's vertices: count, and the min and max of x and y. */
struct parsed {
	size_t n;
	double xmin, xmax, ymin, ymax;
	double first_y, last_y;
};

static int parse_points(const char *svg, struct parsed *p)
{
	const char *s = strstr(svg, "<polyline"), *end;
	memset(p, 0, sizeof(*p));
	if (!s)
		return 0;
	s = strstr(s, "points=\"");
	ck_assert_ptr_nonnull(s);
	s += 8;
	end = strchr(s, '"');
	while (s < end) {
		char *e;
		double x = strtod(s, &e), y;
		ck_assert_int_eq(*e, ',');
		y = strtod(e + 1, &e);
		if (!p->n) {
			p->xmin = p->xmax = x;
			p->ymin = p->ymax = y;
			p->first_y = y;
		}
		p->xmin = fmin(p->xmin, x);
		p->xmax = fmax(p->xmax, x);
		p->ymin = fmin(p->ymin, y);
		p->ymax = fmax(p->ymax, y);
		p->last_y = y;
		p->n++;
		s = e;
		while (*s == ' ')
			s++;
	}
	return 1;
}

static const struct {
	size_t n;
	double base, step; /* y[i] = base + step * (i % 7) - a zigzag */
} chart_cases[] = {
	{ 2, 0.0416, 0.01 }, { 7, 0.0312, 0.0005 }, { 24, 1.5, 0.25 }, { 168, 0.0104, 0.0001 }, { 1000, 3.0, -0.1 },
};

START_TEST(test_svg_points)
{
	size_t n = chart_cases[_i].n;
	double *x = calloc(n, sizeof(double)), *y = calloc(n, sizeof(double)), lo = INFINITY, hi = -INFINITY;
	struct svg_chart c = { .id = "t", .title = "Price", .x_label = "Time (UTC)", .y_label = "USD",
			       .y_prefix = "$", .y_decimals = 4 };
	struct svg_drawn d;
	struct strbuf sb = STRBUF_INIT;
	struct parsed p;

	for (size_t i = 0; i < n; i++) {
		x[i] = 1700000000.0 + 3600.0 * (double)i;
		y[i] = chart_cases[_i].base + chart_cases[_i].step * (double)(i % 7);
		lo = fmin(lo, y[i]);
		hi = fmax(hi, y[i]);
	}
	svg_line_chart(&sb, &c, x, y, n, &d);
	ck_assert_uint_eq(d.points, n);
	ck_assert(fabs(d.y_min - lo) < 1e-12 && fabs(d.y_max - hi) < 1e-12);
	ck_assert(parse_points(sb.buf, &p));
	ck_assert_uint_eq(p.n, n);
	/* 720 x 280 with margins 80/20 left/right and 20/50 top/bottom: the plot is x 80..700, y 20..230. */
	ck_assert(fabs(p.ymin - 20.0) < 0.06);   /* the largest value is at the top */
	ck_assert(fabs(p.ymax - 230.0) < 0.06);  /* the smallest at the bottom */
	ck_assert(fabs(p.xmin - 80.0) < 0.06 && fabs(p.xmax - 700.0) < 0.06);
	/* y[0] is the series' base: the bottom when the step is positive, the top when negative. */
	ck_assert(fabs(p.first_y - (chart_cases[_i].step > 0 ? 230.0 : 20.0)) < 0.06);
	ck_assert_ptr_nonnull(strstr(sb.buf, "<title id=\"t-title\">Price</title>"));
	ck_assert_ptr_nonnull(strstr(sb.buf, ">Time (UTC)</text>"));
	ck_assert_ptr_nonnull(strstr(sb.buf, ">USD</text>"));
	strbuf_release(&sb);
	free(x);
	free(y);
}
END_TEST

START_TEST(test_svg_tick_labels)
{
	double x[] = { 1700000000, 1700003600, 1700007200 }, y[] = { 0.05, 0.07, 0.06 };
	struct svg_chart c = { .title = "t", .y_prefix = "$", .y_decimals = 4 };
	struct strbuf sb = STRBUF_INIT;
	svg_line_chart(&sb, &c, x, y, 3, NULL);
	/* The axis runs from the smallest to the largest value. */
	ck_assert_ptr_nonnull(strstr(sb.buf, ">$0.0500</text>"));
	ck_assert_ptr_nonnull(strstr(sb.buf, ">$0.0700</text>"));
	/* 1700000000 is 2023-11-14T22:13:20Z. */
	ck_assert_ptr_nonnull(strstr(sb.buf, ">11-14 22:13</text>"));
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_svg_flat_and_single)
{
	double x[] = { 1700000000, 1700003600 }, y[] = { 0.04, 0.04 };
	struct svg_chart c = { .title = "flat" };
	struct svg_drawn d;
	struct strbuf sb = STRBUF_INIT;
	struct parsed p;
	svg_line_chart(&sb, &c, x, y, 2, &d);
	ck_assert(d.y_min < 0.04 && d.y_max > 0.04);
	ck_assert(parse_points(sb.buf, &p));
	ck_assert_uint_eq(p.n, 2);
	ck_assert(fabs(p.first_y - 125.0) < 0.06); /* a flat line sits in the middle */
	strbuf_reset(&sb);
	svg_line_chart(&sb, &c, x, y, 1, &d);
	ck_assert(parse_points(sb.buf, &p));
	ck_assert_uint_eq(p.n, 1);
	ck_assert_ptr_nonnull(strstr(sb.buf, "<circle"));
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_svg_empty_and_escaped)
{
	struct svg_chart c = { .id = "e\"x", .title = "<script>alert(1)</script> & co", .x_label = "a<b",
			       .y_label = "\"q\"" };
	struct svg_drawn d;
	struct strbuf sb = STRBUF_INIT;
	struct parsed p;
	svg_line_chart(&sb, &c, NULL, NULL, 0, &d);
	ck_assert_uint_eq(d.points, 0);
	ck_assert(!parse_points(sb.buf, &p));
	ck_assert_ptr_nonnull(strstr(sb.buf, "No data"));
	ck_assert_ptr_null(strstr(sb.buf, "<script"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "&lt;script&gt;"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "a&lt;b"));
	ck_assert_ptr_null(strstr(sb.buf, "e\"x"));
	strbuf_release(&sb);
}
END_TEST

/* The k-th polyline (0-based), parsed as parse_points does the first. */
static int parse_nth(const char *svg, int k, struct parsed *p)
{
	const char *s = svg;
	for (int i = 0; i < k; i++) {
		s = strstr(s, "<polyline");
		if (!s)
			return 0;
		s += 9;
	}
	return parse_points(s, p);
}

/* Three series of different lengths and ranges on shared axes. */
START_TEST(test_svg_several_series)
{
	enum { NS = 3 };
	static const size_t counts[NS] = { 168, 120, 24 };
	static const double base[NS] = { 0.0400, 0.0300, 0.0550 }, step[NS] = { 0.0010, 0.0005, 0.0020 };
	double *x[NS], *y[NS], lo[NS], hi[NS], glo = INFINITY, ghi = -INFINITY;
	struct svg_series s[NS];
	struct svg_chart c = { .id = "m", .title = "Prices", .x_label = "Time (UTC)", .y_label = "USD",
			       .y_prefix = "$", .y_decimals = 4 };
	struct svg_drawn d;
	struct strbuf sb = STRBUF_INIT;
	struct parsed p;
	static const char *const labels[NS] = { "m5.large us-east-1a", "m5.large us-east-1b", "m5.large <1c>" };

	for (int k = 0; k < NS; k++) {
		x[k] = calloc(counts[k], sizeof(double));
		y[k] = calloc(counts[k], sizeof(double));
		lo[k] = INFINITY;
		hi[k] = -INFINITY;
		for (size_t i = 0; i < counts[k]; i++) {
			/* All end at the same hour; the shorter ones start later. */
			x[k][i] = 1700000000.0 + 3600.0 * (double)(168 - counts[k] + i);
			y[k][i] = base[k] + step[k] * (double)(i % 5);
			lo[k] = fmin(lo[k], y[k][i]);
			hi[k] = fmax(hi[k], y[k][i]);
		}
		glo = fmin(glo, lo[k]);
		ghi = fmax(ghi, hi[k]);
		s[k] = (struct svg_series){ .label = labels[k], .x = x[k], .y = y[k], .n = counts[k] };
	}
	svg_lines_chart(&sb, &c, s, NS, &d);
	ck_assert_uint_eq(d.points, 168 + 120 + 24);
	ck_assert(fabs(d.y_min - glo) < 1e-12 && fabs(d.y_max - ghi) < 1e-12);
	/* With a legend row the plot is x 80..700, y 42..230; one unit of price is 188 / (ghi - glo) pixels. */
	for (int k = 0; k < NS; k++) {
		double ptop = 42.0 + (ghi - hi[k]) / (ghi - glo) * 188.0, pbot = 42.0 + (ghi - lo[k]) / (ghi - glo) * 188.0;
		ck_assert_uint_eq(s[k].points, counts[k]);
		ck_assert(fabs(s[k].y_min - lo[k]) < 1e-12 && fabs(s[k].y_max - hi[k]) < 1e-12);
		ck_assert(parse_nth(sb.buf, k, &p));
		ck_assert_uint_eq(p.n, counts[k]);
		ck_assert(fabs(p.ymin - ptop) < 0.06);
		ck_assert(fabs(p.ymax - pbot) < 0.06);
		ck_assert(fabs(p.xmax - 700.0) < 0.06);
		ck_assert(fabs(p.xmin - (80.0 + 620.0 * (double)(168 - counts[k]) / 167.0)) < 0.06);
		ck_assert(p.ymin >= 42.0 - 0.06 && p.ymax <= 230.0 + 0.06);
	}
	ck_assert(!parse_nth(sb.buf, NS, &p));
	/* Told apart without colour: a legend naming each line and its pattern, escaped. */
	ck_assert_ptr_nonnull(strstr(sb.buf, ">m5.large us-east-1a (solid)</text>"));
	ck_assert_ptr_nonnull(strstr(sb.buf, ">m5.large us-east-1b (dashed)</text>"));
	ck_assert_ptr_nonnull(strstr(sb.buf, ">m5.large &lt;1c&gt; (dotted)</text>"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "stroke-dasharray=\"8 4\""));
	ck_assert_ptr_null(strstr(sb.buf, "<1c>"));
	for (int k = 0; k < NS; k++) {
		free(x[k]);
		free(y[k]);
	}
	strbuf_release(&sb);
}
END_TEST

/* One series draws what svg_line_chart draws; an empty alternative is skipped; no points at all: "No data". */
START_TEST(test_svg_series_edge)
{
	double x[] = { 1700000000, 1700003600, 1700007200 }, y[] = { 0.05, 0.07, 0.06 };
	struct svg_chart c = { .id = "o", .title = "t", .y_prefix = "$", .y_decimals = 4 };
	struct svg_series one = { .label = "t", .x = x, .y = y, .n = 3 }, two[2];
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct svg_drawn d;
	struct parsed p;

	svg_line_chart(&a, &c, x, y, 3, NULL);
	svg_lines_chart(&b, &c, &one, 1, NULL);
	ck_assert_str_eq(a.buf, b.buf);
	ck_assert_ptr_null(strstr(a.buf, "legend"));
	strbuf_reset(&b);
	two[0] = one;
	two[1] = (struct svg_series){ .label = "empty" };
	svg_lines_chart(&b, &c, two, 2, &d);
	ck_assert_uint_eq(d.points, 3);
	ck_assert_uint_eq(two[1].points, 0);
	ck_assert(parse_nth(b.buf, 0, &p) && p.n == 3);
	ck_assert(!parse_nth(b.buf, 1, &p));
	ck_assert_ptr_nonnull(strstr(b.buf, ">empty (dashed)</text>"));
	strbuf_reset(&b);
	two[0].n = 0;
	svg_lines_chart(&b, &c, two, 2, &d);
	ck_assert_uint_eq(d.points, 0);
	ck_assert_ptr_nonnull(strstr(b.buf, "No data"));
	strbuf_release(&a);
	strbuf_release(&b);
}
END_TEST

static Suite *svg_suite(void)
{
	Suite *s = suite_create("svg");
	TCase *tc = tcase_create("line");
	tcase_add_loop_test(tc, test_svg_points, 0, NELEM(chart_cases));
	tcase_add_test(tc, test_svg_tick_labels);
	tcase_add_test(tc, test_svg_flat_and_single);
	tcase_add_test(tc, test_svg_empty_and_escaped);
	tcase_add_test(tc, test_svg_several_series);
	tcase_add_test(tc, test_svg_series_edge);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(svg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
