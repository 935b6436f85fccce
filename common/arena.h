/*
 * arena.h - request-scoped memory (STYLE.md: h2o's req->pool).
 * Everything allocated from an arena is released at once by arena_reset or
 * arena_release; single allocations are never freed. Allocation failure aborts.
 * Returned memory is aligned for any type.
 */
#ifndef SPOT_ARENA_H
#define SPOT_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t chunk_size;
	size_t used_total; /* bytes handed out since the last reset */
};

void arena_init(struct arena *a, size_t chunk_size);
void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t nmemb, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees all chunks but the first and makes the arena empty again. */
void arena_reset(struct arena *a);
void arena_release(struct arena *a);

#endif
