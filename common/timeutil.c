/* timeutil.c - clocks and RFC 3339 (https://www.rfc-editor.org/rfc/rfc3339). */
#include "common/timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int time_split(int64_t ms, struct tm *tm, int *frac)
{
	time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	*frac = (int)(ms - (int64_t)secs * 1000);
	return gmtime_r(&secs, tm) ? 0 : -1;
}

int time_format_rfc3339_ms(int64_t ms, char *buf, size_t size)
{
	struct tm tm;
	int frac, n;
	if (time_split(ms, &tm, &frac) < 0)
		return -1;
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

int time_format_rfc3339(int64_t ms, char *buf, size_t size)
{
	struct tm tm;
	int frac, n;
	if (time_split(ms, &tm, &frac) < 0)
		return -1;
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

static int time_digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

int time_parse_rfc3339(const char *s, int64_t *ms)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm;
	int y, mo, d, h, mi, sec, frac = 0, off = 0;
	const char *p = s;

	memset(&tm, 0, sizeof(tm));
	if (time_digits(&p, 4, &y) || *p++ != '-' || time_digits(&p, 2, &mo) || *p++ != '-' ||
	    time_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (time_digits(&p, 2, &h) || *p++ != ':' || time_digits(&p, 2, &mi) || *p++ != ':' ||
	    time_digits(&p, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	if (*p == '.') {
		int scale = 100, digits = 0;
		p++;
		while (isdigit((unsigned char)*p)) {
			if (digits++ < 3) {
				frac += (*p - '0') * scale;
				scale /= 10;
			}
			p++;
		}
		if (!digits)
			return -1;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (time_digits(&p, 2, &oh) || *p++ != ':' || time_digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 60 + om);
	} else {
		return -1;
	}
	if (*p)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec > 59 ? 59 : sec;
	/* timegm returns -1 both for an error and for 1969-12-31T23:59:59Z: errno tells them apart. */
	errno = 0;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 && errno)
		return -1;
	*ms = ((int64_t)t - (int64_t)off * 60) * 1000 + frac;
	return 0;
}

void time_sleep_ms(int64_t ms, volatile int *stop)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
		if (stop && *stop)
			return;
	}
}
