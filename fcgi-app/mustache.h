/*
 * mustache.h - mustache templates, compiled once and rendered many times.
 *
 * Implements the mustache spec (https://github.com/mustache/spec, the files
 * comments, delimiters, interpolation, inverted, partials, sections) and the
 * optional ~inheritance module ({{<parent}} with {{$block}} overrides), against
 * json-c values. Not supported: lambdas, dynamic names ({{>*name}}).
 *
 * A struct mustache_set holds named compiled templates; partials and parents
 * resolve by name within the same set at render time (a missing partial
 * renders as the empty string, as the spec says). Templates are parsed once in
 * mustache_set_add / mustache_set_load_dir; rendering walks the compiled tree
 * and never re-parses. A set is a worker-lifetime object: compile at start-up,
 * render on every request. Rendering does not modify the set, so one set may
 * be rendered from several threads as long as nobody adds to it meanwhile.
 *
 * Values: {{name}} HTML-escapes (& < > " ' become entities); {{{name}}} and
 * {{&name}} output raw. Strings print as is, integers in decimal, doubles in
 * the shortest form that reads back exactly (1.21, not 1.2099999999999999),
 * true/false as words, null and missing names as nothing, arrays and objects
 * as compact JSON. Sections: JSON null, false, an empty array and a missing
 * name are falsy; everything else is truthy, including 0, "" and {} (the
 * spec's reference behaviour). A non-empty array iterates; any other truthy
 * value is pushed on the context stack once.
 *
 * Whitespace: standalone tag lines are removed; a standalone partial or parent
 * tag indents each line of the included template by the whitespace before the
 * tag (lines that are empty are not indented, so the output carries no
 * trailing blanks). Standalone blocks are re-indented as ~inheritance says.
 *
 * Errors: every function returns 0 on success and -1 on error, after writing a
 * NUL-terminated message into err (errsize bytes; err may be NULL when errsize
 * is 0). Compile errors name the origin and line:
 *   "templates/agents.mustache:12: unclosed section 'agents'".
 * Allocation failure aborts (common/xalloc.h).
 */
#ifndef SPOT_MUSTACHE_H
#define SPOT_MUSTACHE_H

#include <stddef.h>

#include "common/strbuf.h"

struct json_object;

/*
 * Limits. MUSTACHE_MAX_DEPTH bounds the nesting of sections in a template at
 * compile time, and at render time the combined nesting of sections,
 * partials, parents and blocks, so a recursive partial fails cleanly instead
 * of exhausting the stack.
 */
#define MUSTACHE_MAX_DEPTH 64
/* Longest set-delimiter string accepted ({{=<% %>=}}). */
#define MUSTACHE_MAX_DELIM 16
/* Largest template file mustache_set_load_dir reads. */
#define MUSTACHE_MAX_FILE (1024 * 1024)

struct mustache_set;

/* Returns an empty set; never NULL. Free with mustache_set_free. */
struct mustache_set *mustache_set_new(void);
/* Frees the set and every template in it. NULL is a no-op. */
void mustache_set_free(struct mustache_set *set);

/*
 * Compiles text[0..len) and stores it under name (copied), replacing any
 * template of that name. origin (copied; NULL means name) is what error
 * messages call the template, usually its file path. On a compile error the
 * set is unchanged. The text is copied as needed; the caller keeps it.
 */
int mustache_set_add(struct mustache_set *set, const char *name,
		     const char *text, size_t len, const char *origin,
		     char *err, size_t errsize);

/*
 * Adds every regular file dir/NAME.mustache as template NAME (not recursive;
 * dot files are skipped). Stops at the first file that fails to read or
 * compile; templates added before it stay in the set.
 */
int mustache_set_load_dir(struct mustache_set *set, const char *dir,
			  char *err, size_t errsize);

/* Returns 1 if the set holds a template called name, else 0. */
int mustache_set_has(const struct mustache_set *set, const char *name);

/*
 * Renders template name against view (borrowed; NULL renders as JSON null)
 * and appends the output to out. On error (unknown template, nesting deeper
 * than MUSTACHE_MAX_DEPTH) out is truncated back to its length on entry.
 */
int mustache_render(const struct mustache_set *set, const char *name,
		    struct json_object *view, struct strbuf *out,
		    char *err, size_t errsize);

#endif
