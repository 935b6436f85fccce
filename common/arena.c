/* arena.c - bump allocator over a list of chunks. */
#include "common/arena.h"
#include "common/xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t used;
	max_align_t data[];
};

#define ARENA_ALIGN (sizeof(max_align_t))

static struct arena_chunk *arena_chunk_new(size_t size)
{
	struct arena_chunk *c = xmalloc(st_add(sizeof(*c), size));
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

void arena_init(struct arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : 16384;
	a->used_total = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	size_t need = st_add(n, ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	struct arena_chunk *c = a->head;
	if (!need)
		need = ARENA_ALIGN;
	if (!c || c->size - c->used < need) {
		size_t size = need > a->chunk_size ? need : a->chunk_size;
		c = arena_chunk_new(size);
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += need;
	a->used_total += need;
	return p;
}

void *arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	size_t n = st_mult(nmemb, size);
	void *p = arena_alloc(a, n);
	memset(p, 0, n);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = arena_alloc(a, st_add(len, 1));
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap, cp;
	int n;
	char *p;

	va_start(ap, fmt);
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		abort();
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void arena_reset(struct arena *a)
{
	struct arena_chunk *c = a->head, *keep = NULL;
	while (c) {
		struct arena_chunk *next = c->next;
		if (!next && c->size == a->chunk_size) {
			keep = c;
			keep->used = 0;
		} else {
			free(c);
		}
		c = next;
	}
	a->head = keep;
	a->used_total = 0;
}

void arena_release(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used_total = 0;
}
