/*
 * xmlw.h - writes the XML documents the EC2 Query API answers with.
 *
 * Text is escaped for XML 1.0 character data: & < > " ' as entities, CR as
 * &#13;, characters XML 1.0 forbids (other C0 controls) and invalid UTF-8
 * bytes as U+FFFD. Element names are the caller's constants and are not
 * checked. Elements are closed in order by xmlw_close (a stack of names).
 */
#ifndef SPOT_SIM_XMLW_H
#define SPOT_SIM_XMLW_H

#include <stddef.h>

#include "common/strbuf.h"

#define XMLW_MAX_DEPTH 32
#define EC2_XMLNS "http://ec2.amazonaws.com/doc/2016-11-15/"

struct xmlw {
	struct strbuf *out;		/* borrowed */
	const char *stack[XMLW_MAX_DEPTH];
	int depth;
};

/* Starts a document in out: the XML declaration and <root xmlns="ns"> (ns may be NULL). */
void xmlw_begin(struct xmlw *w, struct strbuf *out, const char *root, const char *ns);
/* Closes every open element. */
void xmlw_end(struct xmlw *w);
/* Opens <name>; name must outlive the element. */
void xmlw_open(struct xmlw *w, const char *name);
void xmlw_close(struct xmlw *w);
/* <name>escaped text</name>; a NULL text writes <name/>. */
void xmlw_text(struct xmlw *w, const char *name, const char *text);
void xmlw_textf(struct xmlw *w, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void xmlw_bool(struct xmlw *w, const char *name, int v);
/* Appends s[0..len) escaped (see above). */
void xmlw_escape(struct strbuf *out, const char *s, size_t len);

#endif
