/* log.c - line-oriented logging to stderr; one write(2) per line. */
#include "common/log.h"
#include "common/strbuf.h"
#include "common/timeutil.h"

#include <stdarg.h>
#include <unistd.h>

static const char *log_progname = "spot";
static enum log_level log_min = LOG_INFO;

void log_init(const char *progname)
{
	log_progname = progname;
}

void log_set_level(enum log_level level)
{
	log_min = level;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	struct strbuf sb = STRBUF_INIT;
	char ts[32];

	if (level < log_min)
		return;
	time_format_rfc3339_ms(time_now_ms(), ts, sizeof(ts));
	strbuf_addf(&sb, "%s %s[%d] %s: ", ts, log_progname, (int)getpid(), names[level]);
	strbuf_vaddf(&sb, fmt, ap);
	strbuf_addch(&sb, '\n');
	(void)!write(2, sb.buf, sb.len);
	strbuf_release(&sb);
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
