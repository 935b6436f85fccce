/*
 * errbuf.h - the one-line error a parser or loader hands back in a caller's
 * buffer (char *err, size_t errlen), as config, the model file, price
 * histories and the backtest do.
 */
#ifndef SPOT_ERRBUF_H
#define SPOT_ERRBUF_H

#include <stddef.h>

/* Formats the message into err (when err and errlen are set; truncated to fit) and returns -1. */
int errbuf_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
