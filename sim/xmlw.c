/* xmlw.c - a small XML writer with XML 1.0 escaping (W3C XML 1.0, section 2.2 "Characters"). */
#include "sim/xmlw.h"

#include <stdarg.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most len bytes), or 0 if invalid. */
static size_t xmlw_utf8_len(const unsigned char *s, size_t len, unsigned *cp)
{
	unsigned c = s[0];
	size_t n;
	unsigned v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	/* U+FFFE and U+FFFF are not XML characters. */
	if (v == 0xfffe || v == 0xffff)
		return 0;
	*cp = v;
	return n;
}

void xmlw_escape(struct strbuf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned cp = 0;
		size_t n = xmlw_utf8_len(p + i, len - i, &cp);
		if (!n || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')) {
			strbuf_addstr(out, "\xef\xbf\xbd");
			i += n ? n : 1;
			continue;
		}
		switch (cp) {
		case '&': strbuf_addstr(out, "&amp;"); break;
		case '<': strbuf_addstr(out, "&lt;"); break;
		case '>': strbuf_addstr(out, "&gt;"); break;
		case '"': strbuf_addstr(out, "&quot;"); break;
		case '\'': strbuf_addstr(out, "&apos;"); break;
		case '\r': strbuf_addstr(out, "&#13;"); break;
		default: strbuf_add(out, p + i, n); break;
		}
		i += n;
	}
}

void xmlw_begin(struct xmlw *w, struct strbuf *out, const char *root, const char *ns)
{
	w->out = out;
	w->depth = 0;
	strbuf_addstr(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
	strbuf_addstr(out, root);
	if (ns) {
		strbuf_addstr(out, " xmlns=\"");
		xmlw_escape(out, ns, strlen(ns));
		strbuf_addch(out, '"');
	}
	strbuf_addch(out, '>');
	w->stack[w->depth++] = root;
}

void xmlw_open(struct xmlw *w, const char *name)
{
	if (w->depth >= XMLW_MAX_DEPTH)
		return;
	strbuf_addch(w->out, '<');
	strbuf_addstr(w->out, name);
	strbuf_addch(w->out, '>');
	w->stack[w->depth++] = name;
}

void xmlw_close(struct xmlw *w)
{
	if (!w->depth)
		return;
	w->depth--;
	strbuf_addstr(w->out, "</");
	strbuf_addstr(w->out, w->stack[w->depth]);
	strbuf_addch(w->out, '>');
}

void xmlw_end(struct xmlw *w)
{
	while (w->depth)
		xmlw_close(w);
	strbuf_addch(w->out, '\n');
}

void xmlw_text(struct xmlw *w, const char *name, const char *text)
{
	strbuf_addch(w->out, '<');
	strbuf_addstr(w->out, name);
	if (!text) {
		strbuf_addstr(w->out, "/>");
		return;
	}
	strbuf_addch(w->out, '>');
	xmlw_escape(w->out, text, strlen(text));
	strbuf_addstr(w->out, "</");
	strbuf_addstr(w->out, name);
	strbuf_addch(w->out, '>');
}

void xmlw_textf(struct xmlw *w, const char *name, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	xmlw_text(w, name, sb.buf);
	strbuf_release(&sb);
}

void xmlw_bool(struct xmlw *w, const char *name, int v)
{
	xmlw_text(w, name, v ? "true" : "false");
}
