/*
 * spool.h - reports owed to the server, kept on disk while it is unreachable
 * or answers 5xx, and replayed in the order they were made with their
 * original X-Request-ID (the server's idempotency key, DESIGN.md section 5).
 *
 * One file per report in the spool directory, named by a sequence number
 * (order) and a class: SPOOL_DROPPABLE (pricing) or SPOOL_KEEP (notices,
 * switch reports, command results, ...). Bounded by a number of entries and
 * bytes: when full, the oldest droppable entries go first; a new droppable
 * entry that still does not fit is dropped; a SPOOL_KEEP entry is never
 * dropped (it may exceed the bounds). Files are written to a temporary name
 * and renamed, so a crash leaves whole entries only.
 */
#ifndef SPOT_AGENT_SPOOL_H
#define SPOT_AGENT_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

#define SPOOL_MAX_ENTRY (1024 * 1024)	/* bytes of one report */
#define SPOOL_MAX_PATH 256		/* the endpoint suffix */
#define SPOOL_MAX_REQUEST_ID 64

enum spool_class { SPOOL_DROPPABLE, SPOOL_KEEP };

struct spool {
	char dir[640];
	long max_entries;
	long max_bytes;
	uint64_t next_seq;
};

/* One report; path is the endpoint under /api/agents/{id}/, e.g. "pricing-report". */
struct spool_entry {
	uint64_t seq;
	enum spool_class cls;
	char method[8];
	char path[SPOOL_MAX_PATH + 1];
	char request_id[SPOOL_MAX_REQUEST_ID + 1];
	struct strbuf body;
};

/* Creates dir (mode 0700) if needed and finds the next sequence number; 0 or -1. */
int spool_open(struct spool *sp, const char *dir, long max_entries, long max_bytes);
/*
 * Adds a report. Returns 0 when stored, 1 when it was dropped because the
 * spool is full of newer or undroppable reports, -1 on a write failure.
 */
int spool_push(struct spool *sp, enum spool_class cls, const char *method, const char *path,
	       const char *request_id, const char *body, size_t len);
/* The oldest entry into e (initialized by the caller); 1 found, 0 empty, -1 error. */
int spool_peek(struct spool *sp, struct spool_entry *e);
/* Removes entry seq; 0 or -1. */
int spool_pop(struct spool *sp, uint64_t seq);
/* Entries and bytes held. */
int spool_stat(struct spool *sp, size_t *entries, size_t *bytes);

void spool_entry_init(struct spool_entry *e);
void spool_entry_release(struct spool_entry *e);

#endif
