/* spool.c - the bounded on-disk queue of reports owed to the server. */
#include "agent/spool.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Entry file names: 20-digit sequence, '.', class letter, ".rep". */
#define SPOOL_NAME_LEN 26

struct spool_item {
	uint64_t seq;
	char cls;
	size_t size;
};

static int spool_parse_name(const char *name, struct spool_item *it)
{
	char *end;

	if (strlen(name) != SPOOL_NAME_LEN || strcmp(name + 22, ".rep") || name[20] != '.' ||
	    (name[21] != 'p' && name[21] != 'k'))
		return -1;
	for (int i = 0; i < 20; i++)
		if (name[i] < '0' || name[i] > '9')
			return -1;
	it->seq = strtoull(name, &end, 10);
	it->cls = name[21];
	return end == name + 20 ? 0 : -1;
}

static int spool_cmp(const void *a, const void *b)
{
	const struct spool_item *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The entries in order; caller frees *items. */
static int spool_list(struct spool *sp, struct spool_item **items, size_t *n)
{
	DIR *d = opendir(sp->dir);
	struct dirent *de;
	size_t alloc = 0;

	*items = NULL;
	*n = 0;
	if (!d)
		return log_err("spool_list: %s: %s", sp->dir, strerror(errno));
	while ((de = readdir(d))) {
		struct spool_item it;
		struct stat st;
		char path[700];
		if (spool_parse_name(de->d_name, &it) < 0)
			continue;
		int len = snprintf(path, sizeof(path), "%s/%s", sp->dir, de->d_name);
		if (len < 0 || (size_t)len >= sizeof(path) || stat(path, &st) < 0)
			continue;
		it.size = (size_t)st.st_size;
		if (*n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			*items = xrealloc(*items, st_mult(alloc, sizeof(**items)));
		}
		(*items)[(*n)++] = it;
	}
	closedir(d);
	if (*n)
		qsort(*items, *n, sizeof(**items), spool_cmp);
	return 0;
}

static void spool_file(const struct spool *sp, uint64_t seq, char cls, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%020" PRIu64 ".%c.rep", sp->dir, seq, cls);
}

int spool_open(struct spool *sp, const char *dir, long max_entries, long max_bytes)
{
	struct spool_item *items;
	size_t n;

	memset(sp, 0, sizeof(*sp));
	if (strlen(dir) >= sizeof(sp->dir))
		return log_err("spool_open: directory name too long");
	memcpy(sp->dir, dir, strlen(dir) + 1);
	sp->max_entries = max_entries;
	sp->max_bytes = max_bytes;
	/* mkdir -p, mode 0700: reports carry tokens' results and request ids. */
	for (char *p = sp->dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(sp->dir, 0700) < 0 && errno != EEXIST) {
			log_err("spool_open: mkdir %s: %s", sp->dir, strerror(errno));
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	if (mkdir(sp->dir, 0700) < 0 && errno != EEXIST)
		return log_err("spool_open: mkdir %s: %s", sp->dir, strerror(errno));
	if (access(sp->dir, W_OK | X_OK) < 0)
		return log_err("spool_open: %s is not writable: %s", sp->dir, strerror(errno));
	if (spool_list(sp, &items, &n) < 0)
		return -1;
	sp->next_seq = n ? items[n - 1].seq + 1 : 1;
	free(items);
	return 0;
}

int spool_stat(struct spool *sp, size_t *entries, size_t *bytes)
{
	struct spool_item *items;
	size_t n;

	if (spool_list(sp, &items, &n) < 0)
		return -1;
	*entries = n;
	*bytes = 0;
	for (size_t i = 0; i < n; i++)
		*bytes += items[i].size;
	free(items);
	return 0;
}

static int spool_write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int spool_push(struct spool *sp, enum spool_class cls, const char *method, const char *path,
	       const char *request_id, const char *body, size_t len)
{
	struct spool_item *items;
	struct strbuf data = STRBUF_INIT;
	size_t n, bytes = 0, first = 0;
	char file[700], tmp[720];
	int fd, rc = -1;

	if (len > SPOOL_MAX_ENTRY || strlen(path) > SPOOL_MAX_PATH || strlen(request_id) > SPOOL_MAX_REQUEST_ID ||
	    strlen(method) >= 8 || strpbrk(path, "\n") || strpbrk(request_id, "\n"))
		return log_err("spool_push: report too large or malformed");
	strbuf_addf(&data, "%s\n%s\n%s\n", method, path, request_id);
	strbuf_add(&data, body, len);
	if (spool_list(sp, &items, &n) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		bytes += items[i].size;
	/* Make room: the oldest droppable entries first. */
	while ((long)(n - first) + 1 > sp->max_entries || (long)(bytes + data.len) > sp->max_bytes) {
		size_t i = first;
		while (i < n && items[i].cls != 'p')
			i++;
		if (i == n)
			break;
		spool_file(sp, items[i].seq, 'p', file, sizeof(file));
		unlink(file);
		log_warn("spool_push: full, dropped pricing report %" PRIu64, items[i].seq);
		bytes -= items[i].size;
		memmove(items + i, items + i + 1, (n - i - 1) * sizeof(*items));
		n--;
	}
	if (cls == SPOOL_DROPPABLE &&
	    ((long)n + 1 > sp->max_entries || (long)(bytes + data.len) > sp->max_bytes)) {
		log_warn("spool_push: full of undroppable reports, dropped a new %s report", path);
		rc = 1;
		goto out;
	}
	spool_file(sp, sp->next_seq, cls == SPOOL_KEEP ? 'k' : 'p', file, sizeof(file));
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%" PRIu64, sp->dir, sp->next_seq);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_err("spool_push: %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (spool_write_all(fd, data.buf, data.len) < 0 || fsync(fd) < 0) {
		log_err("spool_push: write %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, file) < 0) {
		log_err("spool_push: rename %s: %s", file, strerror(errno));
		unlink(tmp);
		goto out;
	}
	sp->next_seq++;
	rc = 0;
out:
	free(items);
	strbuf_release(&data);
	return rc;
}

void spool_entry_init(struct spool_entry *e)
{
	memset(e, 0, sizeof(*e));
	strbuf_init(&e->body, 0);
}

void spool_entry_release(struct spool_entry *e)
{
	strbuf_release(&e->body);
}

/* Cuts the next '\n'-terminated line of at most max bytes into dst. */
static int spool_line(const char **p, const char *end, char *dst, size_t max)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t k;

	if (!nl || (k = (size_t)(nl - *p)) > max)
		return -1;
	memcpy(dst, *p, k);
	dst[k] = 0;
	*p = nl + 1;
	return 0;
}

int spool_peek(struct spool *sp, struct spool_entry *e)
{
	struct spool_item *items;
	struct strbuf raw = STRBUF_INIT;
	size_t n;
	int rc = 0;

	if (spool_list(sp, &items, &n) < 0)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++) {
		char file[700];
		const char *p, *end;
		spool_file(sp, items[i].seq, items[i].cls, file, sizeof(file));
		strbuf_reset(&raw);
		if (strbuf_read_file(&raw, file, SPOOL_MAX_ENTRY + 1024) < 0)
			continue;
		p = raw.buf;
		end = raw.buf + raw.len;
		if (spool_line(&p, end, e->method, sizeof(e->method) - 1) < 0 ||
		    spool_line(&p, end, e->path, SPOOL_MAX_PATH) < 0 ||
		    spool_line(&p, end, e->request_id, SPOOL_MAX_REQUEST_ID) < 0) {
			/* Not ours or damaged: set it aside instead of blocking the queue. */
			log_warn("spool_peek: %s is damaged; removed", file);
			unlink(file);
			continue;
		}
		e->seq = items[i].seq;
		e->cls = items[i].cls == 'k' ? SPOOL_KEEP : SPOOL_DROPPABLE;
		strbuf_reset(&e->body);
		strbuf_add(&e->body, p, (size_t)(end - p));
		rc = 1;
	}
	strbuf_release(&raw);
	free(items);
	return rc;
}

int spool_pop(struct spool *sp, uint64_t seq)
{
	char file[700];

	spool_file(sp, seq, 'k', file, sizeof(file));
	if (unlink(file) == 0)
		return 0;
	spool_file(sp, seq, 'p', file, sizeof(file));
	if (unlink(file) == 0)
		return 0;
	return log_err("spool_pop: entry %" PRIu64 ": %s", seq, strerror(errno));
}
