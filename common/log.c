/* log.c - line-oriented logging to stderr; one write(2) per line. */
#include "common/log.h"
#include "common/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *log_progname = "spot";
static enum log_level log_min = LOG_INFO;
static int log_pid;

void log_init(const char *progname)
{
	log_progname = progname;
	log_pid = (int)getpid();
}

void log_set_level(enum log_level level)
{
	log_min = level;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	char line[2048], ts[32];
	int n, m;

	if (level < log_min)
		return;
	time_format_rfc3339_ms(time_now_ms(), ts, sizeof(ts));
	/* One write per line, from the stack; a longer line is cut and marked. */
	n = snprintf(line, sizeof(line), "%s %s[%d] %s: ", ts, log_progname, log_pid ? log_pid : (int)getpid(),
		     names[level]);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	if ((size_t)(n + m) >= sizeof(line) - 1) {
		m = (int)(sizeof(line) - (size_t)n - 5);
		memcpy(line + n + m, "...", 3);
		m += 3;
	}
	line[n + m] = '\n';
	(void)!write(2, line, (size_t)(n + m + 1));
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

int log_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_ERROR, fmt, ap);
	va_end(ap);
	return -1;
}
