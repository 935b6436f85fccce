/*
 * log.h - one line per event on stderr:
 *   2026-11-24T05:45:33.123Z spot-fcgi[1234] error: db_connect: ...
 * Messages are lowercase and name the function. log_err returns -1 so that
 * `return log_err(...)` reads well.
 */
#ifndef SPOT_LOG_H
#define SPOT_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the program name shown on each line; keeps the pointer. */
void log_init(const char *progname);
void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
