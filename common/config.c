/* config.c - KEY=VALUE settings, environment first. */
#include "common/config.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_FILE (1024 * 1024)

void config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->use_env = 1;
}

void config_release(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nr; i++) {
		free(cfg->entries[i].key);
		free(cfg->entries[i].value);
	}
	free(cfg->entries);
	config_init(cfg);
}

void config_set(struct config *cfg, const char *key, const char *value)
{
	for (size_t i = 0; i < cfg->nr; i++) {
		if (!strcmp(cfg->entries[i].key, key)) {
			free(cfg->entries[i].value);
			cfg->entries[i].value = xstrdup(value);
			return;
		}
	}
	if (cfg->nr == cfg->alloc) {
		cfg->alloc = cfg->alloc ? cfg->alloc * 2 : 16;
		cfg->entries = xrealloc(cfg->entries, st_mult(cfg->alloc, sizeof(*cfg->entries)));
	}
	cfg->entries[cfg->nr].key = xstrdup(key);
	cfg->entries[cfg->nr].value = xstrdup(value);
	cfg->nr++;
}

static int config_valid_key(const char *k, size_t n)
{
	if (!n || !(isalpha((unsigned char)k[0]) || k[0] == '_'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)k[i]) || k[i] == '_'))
			return 0;
	return 1;
}

int config_load_text(struct config *cfg, const char *text, const char *origin, char *err, size_t errsize)
{
	const char *p = text;
	int lineno = 0;
	struct strbuf key = STRBUF_INIT, val = STRBUF_INIT;
	int ret = -1;

	while (*p) {
		const char *eol = strchr(p, '\n');
		const char *end = eol ? eol : p + strlen(p);
		const char *s = p, *eq;
		lineno++;
		p = eol ? eol + 1 : end;
		while (s < end && isspace((unsigned char)*s))
			s++;
		while (end > s && isspace((unsigned char)end[-1]))
			end--;
		if (s == end || *s == '#')
			continue;
		if ((size_t)(end - s) > 7 && !strncmp(s, "export ", 7))
			s += 7;
		eq = memchr(s, '=', (size_t)(end - s));
		if (!eq || !config_valid_key(s, (size_t)(eq - s))) {
			snprintf(err, errsize, "%s:%d: expected KEY=VALUE", origin, lineno);
			goto out;
		}
		strbuf_reset(&key);
		strbuf_add(&key, s, (size_t)(eq - s));
		strbuf_reset(&val);
		s = eq + 1;
		if (s < end && (*s == '\'' || *s == '"')) {
			char q = *s;
			if (end - s < 2 || end[-1] != q) {
				snprintf(err, errsize, "%s:%d: unterminated quote in %s", origin, lineno, key.buf);
				goto out;
			}
			s++;
			end--;
			/* Inside single quotes nothing is special; a shell writes ' as '\'' */
			while (s < end) {
				if (q == '\'' && end - s >= 4 && !strncmp(s, "'\\''", 4)) {
					strbuf_addch(&val, '\'');
					s += 4;
				} else if (q == '"' && *s == '\\' && s + 1 < end) {
					strbuf_addch(&val, s[1]);
					s += 2;
				} else {
					strbuf_addch(&val, *s++);
				}
			}
		} else {
			strbuf_add(&val, s, (size_t)(end - s));
		}
		config_set(cfg, key.buf, val.buf);
	}
	ret = 0;
out:
	strbuf_release(&key);
	strbuf_release(&val);
	return ret;
}

int config_load_file(struct config *cfg, const char *path, char *err, size_t errsize)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;
	if (strbuf_read_file(&sb, path, CONFIG_MAX_FILE) < 0) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		strbuf_release(&sb);
		return -1;
	}
	ret = config_load_text(cfg, sb.buf, path, err, errsize);
	strbuf_release(&sb);
	return ret;
}

const char *config_get(const struct config *cfg, const char *key, const char *def)
{
	if (cfg->use_env) {
		const char *v = getenv(key);
		if (v && *v)
			return v;
	}
	for (size_t i = 0; i < cfg->nr; i++)
		if (!strcmp(cfg->entries[i].key, key))
			return *cfg->entries[i].value ? cfg->entries[i].value : def;
	return def;
}

int config_get_long(const struct config *cfg, const char *key, long def, long min, long max, long *out,
		    char *err, size_t errsize)
{
	const char *v = config_get(cfg, key, NULL);
	char *end;
	long n;
	if (!v) {
		*out = def;
		return 0;
	}
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < min || n > max) {
		snprintf(err, errsize, "%s: expected an integer in [%ld, %ld], got '%s'", key, min, max, v);
		return -1;
	}
	*out = n;
	return 0;
}
