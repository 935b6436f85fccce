/*
 * idempotency.h - X-Request-ID replay (DESIGN.md section 5, seed 004).
 *
 * Keys are scoped to the caller. The first request with a key records the
 * SHA-256 of its body and, once answered, its response; a repeat with the same
 * body replays that response, a repeat with another body is a mismatch. Keys
 * are kept 24 hours. A key whose first request never finished (the worker
 * died) is taken over after IDEMPOTENCY_STALE_S seconds.
 */
#ifndef SPOT_IDEMPOTENCY_H
#define SPOT_IDEMPOTENCY_H

#include <stddef.h>

struct arena;
struct db;

#define IDEMPOTENCY_KEY_MAX 128
#define IDEMPOTENCY_TTL_HOURS 24
#define IDEMPOTENCY_STALE_S 60

enum idem_state { IDEM_NEW, IDEM_REPLAY, IDEM_MISMATCH, IDEM_IN_PROGRESS };

struct idem_replay {
	int status;
	const char *body;
};

/* True when key is 1..128 characters of [A-Za-z0-9._:-]. */
int idempotency_key_valid(const char *key);

/* Returns the state (replay filled for IDEM_REPLAY), or -1 on a database error. */
int idempotency_begin(struct db *db, struct arena *a, const char *caller, const char *key, const char *method,
		      const char *path, const void *body, size_t len, struct idem_replay *replay);
/* Records the answer (status < 500), or forgets the key (5xx) so a retry runs again. 0 or -1. */
int idempotency_finish(struct db *db, const char *caller, const char *key, int status, const char *body, size_t len);

#endif
