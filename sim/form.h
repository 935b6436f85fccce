/*
 * form.h - application/x-www-form-urlencoded parsing for the EC2 Query API
 * (POST bodies and GET query strings), and the AWS list/filter conventions
 * built on it: "InstanceId.1", "Filter.1.Name" / "Filter.1.Value.1".
 *
 * Untrusted input: every count and length is bounded by FORM_MAX_*; input
 * beyond them is refused with a reason, never truncated. Values are decoded
 * ('+' is a space, %XX a byte); a value may not contain NUL.
 */
#ifndef SPOT_SIM_FORM_H
#define SPOT_SIM_FORM_H

#include <stddef.h>

#define FORM_MAX_PARAMS 1000		/* parameters in one request */
#define FORM_MAX_KEY_LEN 256		/* one decoded key, bytes */
#define FORM_MAX_VALUE_LEN 65536	/* one decoded value (user data: 16 KiB base64'd) */
#define FORM_MAX_LIST 1000		/* items in one Name.N list */
#define FORM_MAX_FILTERS 50
#define FORM_MAX_FILTER_VALUES 200

struct form_param {
	char *key;
	char *value;
};

struct form {
	struct form_param *params;
	size_t n, alloc;
};

/* One Filter.N with its values; strings borrowed from the form. */
struct form_filter {
	const char *name;
	const char **values;
	size_t nvalues;
};

void form_init(struct form *f);
void form_release(struct form *f);
/*
 * Parses data[0..len) and appends its parameters to f. A repeated key keeps
 * its first value. Returns 0, or -1 with a lowercase reason in err.
 */
int form_parse(struct form *f, const char *data, size_t len, char *err, size_t errsize);
/* The value of key, or NULL. */
const char *form_get(const struct form *f, const char *key);
/*
 * The values of "prefix.N" (N a positive decimal), ordered by N; *out is
 * malloc'd (caller frees; NULL when none). Returns the count, or -1 when a
 * list is longer than FORM_MAX_LIST.
 */
int form_list(const struct form *f, const char *prefix, const char ***out);
/*
 * The filters "Filter.N.Name" with "Filter.N.Value.M", ordered by N; *out
 * malloc'd, release with form_filters_free. Returns the count, or -1 when
 * over the limits or a Filter.N lacks a Name.
 */
int form_filters(const struct form *f, struct form_filter **out);
void form_filters_free(struct form_filter *filters, int n);
/* Decodes a percent-encoded string into out (NUL-terminated); -1 on a bad escape or NUL. */
int form_decode(const char *s, size_t len, char **out, size_t *outlen);

#endif
