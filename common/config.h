/*
 * config.h - SPOT_* settings from the environment and a KEY=VALUE file.
 *
 * The file holds lines `KEY=value`, `KEY='value'` or `KEY="value"`; blank lines
 * and lines starting with '#' are ignored; `export KEY=...` is accepted so the
 * file can also be sourced by a shell. The environment wins over the file
 * (DESIGN.md section 3). Strings returned stay valid until config_release.
 */
#ifndef SPOT_CONFIG_H
#define SPOT_CONFIG_H

#include <stddef.h>

struct config_entry {
	char *key;
	char *value;
};

struct config {
	struct config_entry *entries;
	size_t nr, alloc;
	int use_env; /* 1 by default: getenv() is consulted first */
};

void config_init(struct config *cfg);
void config_release(struct config *cfg);
/*
 * Loads path into cfg. Returns 0, or -1 with a one-line reason in err
 * (naming the file and line) when the file cannot be read or a line is malformed.
 */
int config_load_file(struct config *cfg, const char *path, char *err, size_t errsize);
/* Parses text (same syntax as the file); `origin` names it in errors. */
int config_load_text(struct config *cfg, const char *text, const char *origin, char *err, size_t errsize);
void config_set(struct config *cfg, const char *key, const char *value);
/* Returns the value, or def when unset or empty. */
const char *config_get(const struct config *cfg, const char *key, const char *def);
/*
 * Reads an integer in [min, max]. Returns 0 and stores it (def when unset),
 * or -1 with a reason in err when the value is not such an integer.
 */
int config_get_long(const struct config *cfg, const char *key, long def, long min, long max, long *out,
		    char *err, size_t errsize);

#endif
