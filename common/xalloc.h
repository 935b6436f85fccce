/*
 * xalloc.h - allocation for supervised processes.
 * Out of memory aborts the process (STYLE.md): a worker, job or agent is
 * restarted by its supervisor, which is safer than limping on. Size arithmetic
 * is checked: st_add/st_mult abort on overflow.
 */
#ifndef SPOT_XALLOC_H
#define SPOT_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Overflow-checked size arithmetic; aborts on overflow. */
size_t st_add(size_t a, size_t b);
size_t st_mult(size_t a, size_t b);

#endif
