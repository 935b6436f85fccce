/* xalloc.c - aborting allocators and checked size arithmetic. */
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void xalloc_die(const char *what, size_t n)
{
	char msg[128];
	int len = snprintf(msg, sizeof(msg), "fatal: %s: out of memory (%zu bytes)\n", what, n);
	if (len > 0)
		(void)!write(2, msg, (size_t)len);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		xalloc_die("xmalloc", n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		xalloc_die("xcalloc", st_mult(nmemb, size));
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		xalloc_die("xrealloc", n);
	return q;
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(st_add(len, 1));
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

size_t st_add(size_t a, size_t b)
{
	if (a > (size_t)-1 - b)
		xalloc_die("st_add overflow", a);
	return a + b;
}

size_t st_mult(size_t a, size_t b)
{
	if (a && b > (size_t)-1 / a)
		xalloc_die("st_mult overflow", a);
	return a * b;
}
