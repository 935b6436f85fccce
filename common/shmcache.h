/*
 * shmcache.h - a small fixed-size key/value cache that several processes share
 * through one mapped file (the spot-fcgi workers), or that one process keeps
 * privately.
 *
 * Entries hold at most SHMCACHE_DATA_MAX bytes of key and value together. A key
 * hashes to a set of SHMCACHE_WAYS slots; a put replaces the same key, else a
 * free slot, else the set's oldest entry. Each slot is guarded by a sequence
 * number (odd while written): a reader that sees it change, or odd, misses; a
 * writer that finds it odd skips the write. So no process ever waits on another,
 * and a process killed in the middle of a write costs one slot, never a wrong
 * read. A cache may lose anything at any time: callers must treat every hit as a
 * hint that they can verify (core/agents.c checks its heartbeat answers against
 * the database's generation number).
 */
#ifndef SPOT_SHMCACHE_H
#define SPOT_SHMCACHE_H

#include <stddef.h>
#include <stdint.h>

#define SHMCACHE_WAYS 4
#define SHMCACHE_DATA_MAX 232 /* key + value bytes per entry */
#define SHMCACHE_SLOTS_MIN 64
#define SHMCACHE_SLOTS_MAX (1u << 22)

struct shmcache;

struct shmcache_stats {
	uint64_t hits, misses, stores, skipped;
};

/*
 * Maps PATH (created 0600 when missing; a file of another layout or size is
 * reset) with SLOTS slots, rounded up to a power of two within
 * [SHMCACHE_SLOTS_MIN, SHMCACHE_SLOTS_MAX]; PATH NULL or "" keeps the cache in
 * private memory. Returns 0 and *out, or -1 (logged).
 */
int shmcache_open(struct shmcache **out, const char *path, size_t slots);
void shmcache_free(struct shmcache *c);

/*
 * Copies the value stored under KEY into VAL (at most VCAP bytes; *vlen gets its
 * length) and returns 1; 0 when absent, torn by a concurrent write, or longer
 * than VCAP.
 */
int shmcache_get(struct shmcache *c, const void *key, size_t klen, void *val, size_t vcap, size_t *vlen);

/* Stores VAL under KEY; returns 0, or -1 when klen + vlen > SHMCACHE_DATA_MAX or the slot was busy. */
int shmcache_put(struct shmcache *c, const void *key, size_t klen, const void *val, size_t vlen);

/* Forgets KEY (a no-op when absent). */
void shmcache_del(struct shmcache *c, const void *key, size_t klen);

/* Counters since the file was created (all processes together). */
void shmcache_stats(const struct shmcache *c, struct shmcache_stats *out);

#endif
