/*
 * shmcache.c - the shared cache of shmcache.h: a set-associative table of
 * seqlock-guarded slots in a mapped file. Every shared word is read and
 * written with __atomic builtins, so a torn read is detected, never acted on.
 */
#include "common/shmcache.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHMCACHE_MAGIC 0x53504f5443484531ULL /* "SPOTCHE1" */
#define SHMCACHE_WORDS (SHMCACHE_DATA_MAX / 8)

struct shmcache_slot {
	uint64_t seq;	/* odd while a writer fills the slot */
	uint64_t hash;	/* of the key; 0 with len 0 = free */
	uint64_t stamp; /* when stored, on the file's own clock (replacement) */
	uint64_t len;	/* klen << 32 | vlen */
	uint64_t data[SHMCACHE_WORDS];
};

struct shmcache_head {
	uint64_t magic;
	uint64_t nslots;
	uint64_t clock;
	uint64_t hits, misses, stores, skipped;
	uint64_t pad;
};

struct shmcache {
	struct shmcache_head *head;
	struct shmcache_slot *slots;
	size_t nslots, map_size;
};

static uint64_t shmcache_hash(const void *key, size_t klen)
{
	const unsigned char *p = key;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a, 64 bit */
	for (size_t i = 0; i < klen; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

static size_t shmcache_round(size_t slots)
{
	size_t n = SHMCACHE_SLOTS_MIN;
	while (n < slots && n < SHMCACHE_SLOTS_MAX)
		n <<= 1;
	return n;
}

/* Maps the file, resetting it under an exclusive lock when its layout is not ours. */
static void *shmcache_map_file(const char *path, size_t size, size_t nslots)
{
	struct stat st;
	void *p = MAP_FAILED;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_err("shmcache_open: %s: %s", path, strerror(errno));
		return MAP_FAILED;
	}
	if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
		log_err("shmcache_open: %s: %s", path, strerror(errno));
		goto out;
	}
	if ((size_t)st.st_size == size) {
		struct shmcache_head h;
		if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.magic != SHMCACHE_MAGIC ||
		    h.nslots != nslots)
			st.st_size = 0;
	}
	if ((size_t)st.st_size != size && (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)size) < 0)) {
		log_err("shmcache_open: %s: %s", path, strerror(errno));
		goto out;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		log_err("shmcache_open: mmap %s: %s", path, strerror(errno));
		goto out;
	}
	{
		struct shmcache_head *h = p;
		if (__atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != SHMCACHE_MAGIC) {
			__atomic_store_n(&h->nslots, (uint64_t)nslots, __ATOMIC_RELAXED);
			__atomic_store_n(&h->magic, SHMCACHE_MAGIC, __ATOMIC_RELEASE);
		}
	}
out:
	flock(fd, LOCK_UN);
	close(fd);
	return p;
}

int shmcache_open(struct shmcache **out, const char *path, size_t slots)
{
	struct shmcache *c;
	size_t n = shmcache_round(slots);
	size_t size = sizeof(struct shmcache_head) + n * sizeof(struct shmcache_slot);
	void *p;

	if (path && *path) {
		p = shmcache_map_file(path, size, n);
	} else {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			log_err("shmcache_open: mmap: %s", strerror(errno));
		else
			((struct shmcache_head *)p)->magic = SHMCACHE_MAGIC, ((struct shmcache_head *)p)->nslots = n;
	}
	if (p == MAP_FAILED)
		return -1;
	c = xcalloc(1, sizeof(*c));
	c->head = p;
	c->slots = (struct shmcache_slot *)((char *)p + sizeof(struct shmcache_head));
	c->nslots = n;
	c->map_size = size;
	*out = c;
	return 0;
}

void shmcache_free(struct shmcache *c)
{
	if (!c)
		return;
	munmap(c->head, c->map_size);
	free(c);
}

static struct shmcache_slot *shmcache_set(struct shmcache *c, uint64_t hash)
{
	return &c->slots[(size_t)hash & (c->nslots - SHMCACHE_WAYS)];
}

/*
 * A consistent copy of slot s: 1 with its length word and data, 0 when it is
 * being written or changed under us. The copy is word by word with relaxed
 * atomics; the acquire fence orders them before the second sequence read.
 */
static int shmcache_read(struct shmcache_slot *s, uint64_t *len, uint64_t *data, size_t words)
{
	uint64_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	if (seq & 1)
		return 0;
	*len = __atomic_load_n(&s->len, __ATOMIC_RELAXED);
	for (size_t i = 0; i < words; i++)
		data[i] = __atomic_load_n(&s->data[i], __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq;
}

static size_t shmcache_words(size_t bytes)
{
	return (bytes + 7) / 8;
}

/* The slot of set holding key (a consistent copy proved it), or NULL. Fills data with the slot's words. */
static struct shmcache_slot *shmcache_find(struct shmcache_slot *set, uint64_t hash, const void *key, size_t klen,
					   uint64_t *len, uint64_t *data)
{
	for (int w = 0; w < SHMCACHE_WAYS; w++) {
		struct shmcache_slot *s = &set[w];
		if (__atomic_load_n(&s->hash, __ATOMIC_RELAXED) != hash)
			continue;
		if (!shmcache_read(s, len, data, SHMCACHE_WORDS))
			continue;
		if ((*len >> 32) == klen && !memcmp(data, key, klen) &&
		    __atomic_load_n(&s->hash, __ATOMIC_RELAXED) == hash)
			return s;
	}
	return NULL;
}

int shmcache_get(struct shmcache *c, const void *key, size_t klen, void *val, size_t vcap, size_t *vlen)
{
	uint64_t hash = shmcache_hash(key, klen), len, data[SHMCACHE_WORDS];
	size_t vl;

	if (klen > SHMCACHE_DATA_MAX || !shmcache_find(shmcache_set(c, hash), hash, key, klen, &len, data)) {
		__atomic_fetch_add(&c->head->misses, 1, __ATOMIC_RELAXED);
		return 0;
	}
	vl = (size_t)(len & 0xffffffffu);
	if (vl > vcap || klen + vl > SHMCACHE_DATA_MAX) {
		__atomic_fetch_add(&c->head->misses, 1, __ATOMIC_RELAXED);
		return 0;
	}
	memcpy(val, (const char *)data + klen, vl);
	*vlen = vl;
	__atomic_fetch_add(&c->head->hits, 1, __ATOMIC_RELAXED);
	return 1;
}

/* Claims slot s for writing (its sequence made odd); 0 when another writer holds it. */
static int shmcache_claim(struct shmcache_slot *s, uint64_t *seq)
{
	*seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
	if (*seq & 1 || !__atomic_compare_exchange_n(&s->seq, seq, *seq + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return 0;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	return 1;
}

static void shmcache_release(struct shmcache_slot *s, uint64_t seq)
{
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}

int shmcache_put(struct shmcache *c, const void *key, size_t klen, const void *val, size_t vlen)
{
	uint64_t hash = shmcache_hash(key, klen), len, seq, words[SHMCACHE_WORDS];
	struct shmcache_slot *set, *s;

	if (klen + vlen > SHMCACHE_DATA_MAX || klen == 0)
		return -1;
	set = shmcache_set(c, hash);
	s = shmcache_find(set, hash, key, klen, &len, words);
	for (int w = 0; !s && w < SHMCACHE_WAYS; w++)
		if (!__atomic_load_n(&set[w].len, __ATOMIC_RELAXED))
			s = &set[w];
	if (!s) {
		uint64_t oldest = UINT64_MAX;
		for (int w = 0; w < SHMCACHE_WAYS; w++) {
			uint64_t st = __atomic_load_n(&set[w].stamp, __ATOMIC_RELAXED);
			if (st < oldest)
				oldest = st, s = &set[w];
		}
	}
	if (!shmcache_claim(s, &seq)) {
		__atomic_fetch_add(&c->head->skipped, 1, __ATOMIC_RELAXED);
		return -1;
	}
	memset(words, 0, sizeof(words));
	memcpy(words, key, klen);
	memcpy((char *)words + klen, val, vlen);
	__atomic_store_n(&s->hash, hash, __ATOMIC_RELAXED);
	__atomic_store_n(&s->stamp, __atomic_add_fetch(&c->head->clock, 1, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
	__atomic_store_n(&s->len, (uint64_t)klen << 32 | (uint64_t)vlen, __ATOMIC_RELAXED);
	for (size_t i = 0; i < shmcache_words(klen + vlen); i++)
		__atomic_store_n(&s->data[i], words[i], __ATOMIC_RELAXED);
	shmcache_release(s, seq);
	__atomic_fetch_add(&c->head->stores, 1, __ATOMIC_RELAXED);
	return 0;
}

void shmcache_del(struct shmcache *c, const void *key, size_t klen)
{
	uint64_t hash = shmcache_hash(key, klen), len, seq, data[SHMCACHE_WORDS];
	struct shmcache_slot *s;

	if (klen > SHMCACHE_DATA_MAX)
		return;
	s = shmcache_find(shmcache_set(c, hash), hash, key, klen, &len, data);
	if (!s || !shmcache_claim(s, &seq))
		return;
	/* Another writer may have replaced the key between the find and the claim: check again. */
	if (__atomic_load_n(&s->hash, __ATOMIC_RELAXED) == hash) {
		__atomic_store_n(&s->hash, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->len, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&s->stamp, 0, __ATOMIC_RELAXED);
	}
	shmcache_release(s, seq);
}

void shmcache_stats(const struct shmcache *c, struct shmcache_stats *out)
{
	out->hits = __atomic_load_n(&c->head->hits, __ATOMIC_RELAXED);
	out->misses = __atomic_load_n(&c->head->misses, __ATOMIC_RELAXED);
	out->stores = __atomic_load_n(&c->head->stores, __ATOMIC_RELAXED);
	out->skipped = __atomic_load_n(&c->head->skipped, __ATOMIC_RELAXED);
}
