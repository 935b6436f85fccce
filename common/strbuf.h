/*
 * strbuf.h - the one growable string type.
 *
 * Invariants: buf is never NULL and always NUL-terminated; len is the length
 * without the NUL; alloc is 0 while buf points at a shared empty string.
 * strbuf_detach is the only way to take ownership of the bytes. A strbuf may
 * hold NUL bytes (len counts them). Allocation failure aborts (xalloc.h).
 */
#ifndef SPOT_STRBUF_H
#define SPOT_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_empty[];
#define STRBUF_INIT { 0, 0, strbuf_empty }

void strbuf_init(struct strbuf *sb, size_t hint);
/* Frees the bytes and leaves sb empty and reusable. */
void strbuf_release(struct strbuf *sb);
/* Returns the bytes (caller frees) and leaves sb empty. Never NULL. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_setlen(struct strbuf *sb, size_t len);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Appends s as a JSON string literal, quotes included. */
void strbuf_add_json_string(struct strbuf *sb, const char *s);
/* Appends s escaped for HTML text and double-quoted attribute values. */
void strbuf_add_html(struct strbuf *sb, const char *s, size_t len);
/* Reads a whole file into sb; returns 0 or -1 (errno set). */
int strbuf_read_file(struct strbuf *sb, const char *path, size_t max);

#endif
