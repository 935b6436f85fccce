/*
 * mustache.c - compile mustache templates to a tree, render against json-c.
 *
 * Rules cited below come from the mustache spec files (the specs directory of
 * https://github.com/mustache/spec); "spec: X" names the file whose overview
 * or test states the rule.
 */
#include "fcgi-app/mustache.h"
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

enum mustache_kind {
	MN_ROOT,
	MN_TEXT,
	MN_VAR,		/* {{x}}: escaped */
	MN_RAW,		/* {{{x}}}, {{&x}} */
	MN_SECTION,	/* {{#x}} */
	MN_INVERTED,	/* {{^x}} */
	MN_PARTIAL,	/* {{>x}} */
	MN_PARENT,	/* {{<x}}: kids are its override blocks only */
	MN_BLOCK,	/* {{$x}} */
};

struct mustache_node {
	enum mustache_kind kind;
	unsigned line;
	char *str;		/* TEXT: the bytes; otherwise the tag name */
	size_t len;
	int at_line_start;	/* TEXT: starts at a line start of the source */
	char **path;		/* VAR..INVERTED: dotted name split; 0 parts = "." */
	size_t npath;
	int standalone;		/* PARTIAL, PARENT, BLOCK */
	int dedented;		/* BLOCK: its text lost its common indentation */
	char *indent;		/* PARTIAL, PARENT: indentation; BLOCK: intrinsic */
	char *before;		/* BLOCK: whitespace before a standalone tag */
	struct mustache_node *kids;
	size_t nkids;
};

struct mustache_template {
	char *name;
	char *origin;
	struct mustache_node root;
};

struct mustache_set {
	struct mustache_template **tpl;	/* sorted by name */
	size_t n, alloc;
};

static void mustache_seterr(char *err, size_t errsize, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void mustache_seterr(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errsize)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
}

/* ---- the tree ---- */

static void mustache_node_release(struct mustache_node *n)
{
	size_t i;

	for (i = 0; i < n->nkids; i++)
		mustache_node_release(&n->kids[i]);
	free(n->kids);
	for (i = 0; i < n->npath; i++)
		free(n->path[i]);
	free(n->path);
	free(n->str);
	free(n->indent);
	free(n->before);
	memset(n, 0, sizeof(*n));
}

static void mustache_template_free(struct mustache_template *t)
{
	if (!t)
		return;
	mustache_node_release(&t->root);
	free(t->name);
	free(t->origin);
	free(t);
}

struct mustache_nodevec {
	struct mustache_node *v;
	size_t n, alloc;
};

static struct mustache_node *mustache_nodevec_push(struct mustache_nodevec *nv)
{
	struct mustache_node *n;

	if (nv->n == nv->alloc) {
		nv->alloc = nv->alloc ? st_mult(nv->alloc, 2) : 8;
		nv->v = xrealloc(nv->v, st_mult(nv->alloc, sizeof(*nv->v)));
	}
	n = &nv->v[nv->n++];
	memset(n, 0, sizeof(*n));
	return n;
}

static void mustache_nodevec_release(struct mustache_nodevec *nv)
{
	size_t i;

	for (i = 0; i < nv->n; i++)
		mustache_node_release(&nv->v[i]);
	free(nv->v);
	memset(nv, 0, sizeof(*nv));
}

/* Splits a dotted name; "." is the implicit iterator (spec: interpolation). */
static void mustache_split_name(struct mustache_node *n)
{
	const char *p = n->str, *dot;
	size_t count = 1, i = 0;

	if (!strcmp(n->str, "."))
		return;
	for (dot = p; *dot; dot++)
		if (*dot == '.')
			count++;
	n->path = xcalloc(count, sizeof(*n->path));
	for (;;) {
		dot = strchr(p, '.');
		if (!dot) {
			n->path[i++] = xstrdup(p);
			break;
		}
		n->path[i++] = xstrndup(p, (size_t)(dot - p));
		p = dot + 1;
	}
	n->npath = i;
}

/* ---- the parser ---- */

struct mustache_pframe {
	struct mustache_nodevec kids;
	struct mustache_node *open;	/* heap copy of the opening node */
	size_t inside_start;		/* source offset where the content starts */
};

struct mustache_parse {
	const char *src;
	size_t len;
	const char *origin;
	char otag[MUSTACHE_MAX_DELIM + 1], ctag[MUSTACHE_MAX_DELIM + 1];
	size_t olen, clen;
	size_t lpos;		/* line counting: line is the line of lpos */
	unsigned line;
	int pair_eat;		/* the next tag ends a standalone pair: eat its line end */
	struct mustache_pframe frames[MUSTACHE_MAX_DEPTH + 1];
	size_t depth;		/* frames[0] is the template itself */
	char *err;
	size_t errsize;
};

static unsigned mustache_line_at(struct mustache_parse *p, size_t pos)
{
	for (; p->lpos < pos && p->lpos < p->len; p->lpos++)
		if (p->src[p->lpos] == '\n')
			p->line++;
	return p->line;
}

static int mustache_parse_err(struct mustache_parse *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int mustache_parse_err(struct mustache_parse *p, unsigned line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mustache_seterr(p->err, p->errsize, "%s:%u: %s", p->origin, line, msg);
	return -1;
}

static const char *mustache_find(const char *hay, size_t haylen, const char *needle, size_t nlen)
{
	return memmem(hay, haylen, needle, nlen);
}

static int mustache_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* A parsed tag, before it becomes a node. */
struct mustache_tag {
	size_t start, end;	/* source range of the whole tag */
	char type;		/* sigil, or 0 for a plain variable */
	size_t nstart, nlen;	/* the trimmed content */
};

/* Reads the tag that starts at pos (which holds the open delimiter). */
static int mustache_read_tag(struct mustache_parse *p, size_t pos, struct mustache_tag *t)
{
	size_t cs = pos + p->olen, ce, closelen = p->clen;
	const char *close;
	char type = cs < p->len ? p->src[cs] : 0;

	t->start = pos;
	if (!strchr("!#^/>&{=<$", type) || !type)
		type = 0;
	t->type = type;
	if (type == '{' || type == '=') {
		/* The closing sigil sits against the closing delimiter. */
		char want[MUSTACHE_MAX_DELIM + 2];
		want[0] = type == '{' ? '}' : '=';
		memcpy(want + 1, p->ctag, p->clen);
		close = mustache_find(p->src + cs + 1, p->len - cs - 1, want, p->clen + 1);
		closelen = p->clen + 1;
	} else {
		close = mustache_find(p->src + cs, p->len - cs, p->ctag, p->clen);
	}
	if (!close)
		return -1;
	ce = (size_t)(close - p->src);
	t->end = ce + closelen;
	if (type)
		cs++;
	while (cs < ce && mustache_is_blank(p->src[cs]))
		cs++;
	while (ce > cs && (mustache_is_blank(p->src[ce - 1]) || p->src[ce - 1] == '\n' ||
			   p->src[ce - 1] == '\r'))
		ce--;
	t->nstart = cs;
	t->nlen = ce - cs;
	return 0;
}

/* Where the line of a standalone tag ends, or 0 when text follows the tag. */
static size_t mustache_line_end(const struct mustache_parse *p, size_t pos)
{
	while (pos < p->len && mustache_is_blank(p->src[pos]))
		pos++;
	if (pos == p->len)
		return pos;
	if (p->src[pos] == '\n')
		return pos + 1;
	if (p->src[pos] == '\r' && pos + 1 < p->len && p->src[pos + 1] == '\n')
		return pos + 2;
	return 0;
}

static int mustache_name_eq(const struct mustache_parse *p, const struct mustache_tag *t,
			    const char *name)
{
	return strlen(name) == t->nlen && !memcmp(p->src + t->nstart, name, t->nlen);
}

static void mustache_add_text(struct mustache_parse *p, size_t from, size_t to)
{
	struct mustache_node *n;

	if (to <= from)
		return;
	n = mustache_nodevec_push(&p->frames[p->depth].kids);
	n->kind = MN_TEXT;
	n->str = xstrndup(p->src + from, to - from);
	n->len = to - from;
	n->at_line_start = from == 0 || p->src[from - 1] == '\n';
}

/* Removes up to len(margin) blanks after each line start of s (textwrap.dedent). */
static void mustache_dedent_text(struct mustache_node *n, size_t margin)
{
	size_t i = 0, o = 0;
	int ls = n->at_line_start;

	while (i < n->len) {
		if (ls) {
			size_t j = i, k = 0;
			while (j < n->len && mustache_is_blank(n->str[j]))
				j++;
			if (j < n->len && (n->str[j] == '\n' || n->str[j] == '\r')) {
				i = j;	/* a blank line loses all its blanks */
			} else {
				while (k < margin && i < n->len && mustache_is_blank(n->str[i]))
					i++, k++;
			}
			ls = 0;
			continue;
		}
		n->str[o++] = n->str[i];
		if (n->str[i++] == '\n')
			ls = 1;
	}
	n->str[o] = '\0';
	n->len = o;
}

static void mustache_strip_prefix(char *s, size_t margin)
{
	size_t k = 0, l;

	if (!s)
		return;
	while (k < margin && mustache_is_blank(s[k]))
		k++;
	l = strlen(s + k);
	memmove(s, s + k, l + 1);
}

/*
 * Spec ~inheritance "Block reindentation": a standalone block's content loses
 * its common indentation where it is defined and gets the indentation of the
 * place it is expanded at. Indentation recorded inside (nested blocks,
 * partials) becomes relative to the block.
 */
static void mustache_dedent_kids(struct mustache_node *kids, size_t n, size_t margin)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct mustache_node *k = &kids[i];
		switch (k->kind) {
		case MN_TEXT:
			mustache_dedent_text(k, margin);
			break;
		case MN_BLOCK:
			if (k->dedented) {
				mustache_strip_prefix(k->indent, margin);
				mustache_strip_prefix(k->before, margin);
				continue;
			}
			break;
		case MN_PARTIAL:
		case MN_PARENT:
			mustache_strip_prefix(k->indent, margin);
			break;
		default:
			break;
		}
		mustache_dedent_kids(k->kids, k->nkids, margin);
	}
}

/*
 * The length of the common leading blanks of the non-blank lines of
 * src[from..to); *first is where the first non-blank line starts.
 */
static size_t mustache_margin(const struct mustache_parse *p, size_t from, size_t to,
			      size_t *first)
{
	size_t pos = from, margin = 0, lines = 0;
	const char *ref = NULL;

	*first = from;
	while (pos < to) {
		size_t ws = pos, eol = pos;
		while (ws < to && mustache_is_blank(p->src[ws]))
			ws++;
		while (eol < to && p->src[eol] != '\n')
			eol++;
		if (ws < eol && !(p->src[ws] == '\r' && ws + 1 == eol)) {
			size_t w = ws - pos, k = 0;
			if (!lines++) {
				ref = p->src + pos;
				margin = w;
				*first = pos;
			}
			while (k < margin && k < w && p->src[pos + k] == ref[k])
				k++;
			margin = k;
		}
		pos = eol + 1;
	}
	return margin;
}

/* Opens a section-like node and a frame for its content. */
static int mustache_open(struct mustache_parse *p, struct mustache_node *tmpl, size_t inside)
{
	struct mustache_pframe *f;

	if (p->depth >= MUSTACHE_MAX_DEPTH)
		return mustache_parse_err(p, tmpl->line, "sections nested deeper than %d",
					  MUSTACHE_MAX_DEPTH);
	f = &p->frames[++p->depth];
	memset(f, 0, sizeof(*f));
	f->open = xmalloc(sizeof(*f->open));
	*f->open = *tmpl;
	f->inside_start = inside;
	return 0;
}

static int mustache_close(struct mustache_parse *p, const struct mustache_tag *t,
			  unsigned line, size_t inside_end)
{
	struct mustache_pframe *f;
	struct mustache_node *n;

	if (!p->depth)
		return mustache_parse_err(p, line, "unexpected close tag '%.*s'",
					  (int)t->nlen, p->src + t->nstart);
	f = &p->frames[p->depth];
	if (!mustache_name_eq(p, t, f->open->str))
		return mustache_parse_err(p, line,
					  "close tag '%.*s' does not match open section '%s' from line %u",
					  (int)t->nlen, p->src + t->nstart, f->open->str, f->open->line);
	if (f->open->kind == MN_BLOCK && f->open->standalone) {
		size_t first, margin = mustache_margin(p, f->inside_start, inside_end, &first);
		free(f->open->indent);
		f->open->indent = xstrndup(p->src + first, margin);
		mustache_dedent_kids(f->kids.v, f->kids.n, margin);
		f->open->dedented = 1;
	}
	p->depth--;
	n = mustache_nodevec_push(&p->frames[p->depth].kids);
	*n = *f->open;
	free(f->open);
	f->open = NULL;
	if (n->kind == MN_PARENT) {
		/* Spec ~inheritance "Text inside parent": only $ tags count. */
		size_t i, o = 0;
		for (i = 0; i < f->kids.n; i++) {
			if (f->kids.v[i].kind == MN_BLOCK)
				f->kids.v[o++] = f->kids.v[i];
			else
				mustache_node_release(&f->kids.v[i]);
		}
		f->kids.n = o;
	}
	n->kids = f->kids.v;
	n->nkids = f->kids.n;
	memset(&f->kids, 0, sizeof(f->kids));
	return 0;
}

/*
 * Spec ~inheritance "Standalone parent", "Standalone block": a parent or block
 * tag pair on one line counts as standalone. The pairs are {{<p}}{{/p}},
 * {{<p}}{{$b}}, {{$b}}{{/b}} and {{/b}}{{/p}} (block end, then parent end).
 * Returns 0 for no pair, 1 for a pair that eats its line end, 2 for the empty
 * block pair, which keeps it.
 */
static int mustache_pair(struct mustache_parse *p, const struct mustache_tag *x)
{
	struct mustache_tag y;
	const struct mustache_pframe *f = &p->frames[p->depth];

	if (x->end + p->olen > p->len || memcmp(p->src + x->end, p->otag, p->olen) ||
	    mustache_read_tag(p, x->end, &y) || !mustache_line_end(p, y.end))
		return 0;
	if (x->type == '<' && y.type == '$')
		return 1;
	if (x->type == '<' && y.type == '/' && y.nlen == x->nlen &&
	    !memcmp(p->src + x->nstart, p->src + y.nstart, x->nlen))
		return 1;
	if (x->type == '$' && y.type == '/' && y.nlen == x->nlen &&
	    !memcmp(p->src + x->nstart, p->src + y.nstart, x->nlen))
		return 2;
	if (x->type == '/' && y.type == '/' && p->depth >= 2 && f->open->kind == MN_BLOCK &&
	    p->frames[p->depth - 1].open->kind == MN_PARENT &&
	    mustache_name_eq(p, x, f->open->str) &&
	    mustache_name_eq(p, &y, p->frames[p->depth - 1].open->str))
		return 1;
	return 0;
}

static int mustache_set_delims(struct mustache_parse *p, const struct mustache_tag *t)
{
	const char *s = p->src + t->nstart, *e = s + t->nlen;
	const char *o = s, *oe, *c, *ce;

	/* nstart/nlen exclude the leading '='; the trailing one is in t->end. */
	oe = o;
	while (oe < e && !mustache_is_blank(*oe) && *oe != '=')
		oe++;
	c = oe;
	while (c < e && mustache_is_blank(*c))
		c++;
	ce = c;
	while (ce < e && !mustache_is_blank(*ce) && *ce != '=')
		ce++;
	if (oe == o || ce == c || c == oe || ce != e ||
	    (size_t)(oe - o) > MUSTACHE_MAX_DELIM || (size_t)(ce - c) > MUSTACHE_MAX_DELIM)
		return -1;
	p->olen = (size_t)(oe - o);
	memcpy(p->otag, o, p->olen);
	p->otag[p->olen] = '\0';
	p->clen = (size_t)(ce - c);
	memcpy(p->ctag, c, p->clen);
	p->ctag[p->clen] = '\0';
	return 0;
}

static int mustache_parse_tag(struct mustache_parse *p, struct mustache_tag *t,
			      size_t *pos)
{
	unsigned line = mustache_line_at(p, t->start);
	size_t ls = t->start, eol = 0, text_end = t->start, inside;
	int pair = 0, standalone = 0, line_start, was_pair = p->pair_eat;
	struct mustache_node n;

	memset(&n, 0, sizeof(n));
	while (ls > *pos && mustache_is_blank(p->src[ls - 1]))
		ls--;
	line_start = ls == 0 || p->src[ls - 1] == '\n';
	if (t->type && t->type != '{' && t->type != '&') {
		/* spec: comments, sections "Standalone Lines" */
		if (line_start && (eol = mustache_line_end(p, t->end)))
			standalone = 1;
		else if (line_start && strchr("<$/", t->type))
			pair = mustache_pair(p, t);
		if (was_pair && !standalone) {
			eol = mustache_line_end(p, t->end);
			standalone = eol != 0;
		}
	}
	p->pair_eat = pair == 1;
	if (standalone || pair)
		text_end = ls;
	mustache_add_text(p, *pos, text_end);
	*pos = standalone ? eol : t->end;
	inside = *pos;

	if (!t->nlen && t->type != '!')
		return mustache_parse_err(p, line, "empty tag");
	n.line = line;
	if (t->type != '!' && t->type != '=')
		n.str = xstrndup(p->src + t->nstart, t->nlen);
	switch (t->type) {
	case '!':
		return 0;
	case '=':
		if (mustache_set_delims(p, t))
			return mustache_parse_err(p, line, "bad set-delimiter tag '%.*s'",
						  (int)(t->end - t->start), p->src + t->start);
		return 0;
	case '/': {
		int rc = mustache_close(p, t, line, text_end);
		free(n.str);
		return rc;
	}
	case '#':
	case '^':
		n.kind = t->type == '#' ? MN_SECTION : MN_INVERTED;
		mustache_split_name(&n);
		break;
	case '<':
	case '$':
		n.kind = t->type == '<' ? MN_PARENT : MN_BLOCK;
		n.standalone = standalone || pair;
		if (n.standalone)
			n.before = xstrndup(p->src + ls, t->start - ls);
		if (n.kind == MN_PARENT)
			n.indent = n.before, n.before = NULL;
		break;
	case '>': {
		struct mustache_node *k = mustache_nodevec_push(&p->frames[p->depth].kids);
		n.kind = MN_PARTIAL;
		n.standalone = standalone;
		if (standalone)
			n.indent = xstrndup(p->src + ls, t->start - ls);
		*k = n;
		return 0;
	}
	default: {
		struct mustache_node *k = mustache_nodevec_push(&p->frames[p->depth].kids);
		n.kind = t->type ? MN_RAW : MN_VAR;
		mustache_split_name(&n);
		*k = n;
		return 0;
	}
	}
	if (mustache_open(p, &n, inside)) {
		mustache_node_release(&n);
		return -1;
	}
	return 0;
}

static int mustache_compile(struct mustache_node *root, const char *src, size_t len,
			    const char *origin, char *err, size_t errsize)
{
	struct mustache_parse *p = xcalloc(1, sizeof(*p));
	size_t pos = 0, i;
	int rc = -1;

	p->src = src;
	p->len = len;
	p->origin = origin;
	memcpy(p->otag, "{{", 3);
	memcpy(p->ctag, "}}", 3);
	p->olen = p->clen = 2;
	p->line = 1;
	p->err = err;
	p->errsize = errsize;

	while (pos < len) {
		const char *o = mustache_find(src + pos, len - pos, p->otag, p->olen);
		struct mustache_tag t;

		if (!o) {
			mustache_add_text(p, pos, len);
			break;
		}
		if (mustache_read_tag(p, (size_t)(o - src), &t)) {
			mustache_parse_err(p, mustache_line_at(p, (size_t)(o - src)), "unclosed tag");
			goto out;
		}
		if (mustache_parse_tag(p, &t, &pos))
			goto out;
	}
	if (p->depth) {
		struct mustache_node *open = p->frames[p->depth].open;
		mustache_parse_err(p, open->line, "unclosed %s '%s'",
				   open->kind == MN_PARENT ? "parent" :
				   open->kind == MN_BLOCK ? "block" : "section", open->str);
		goto out;
	}
	root->kind = MN_ROOT;
	root->kids = p->frames[0].kids.v;
	root->nkids = p->frames[0].kids.n;
	memset(&p->frames[0].kids, 0, sizeof(p->frames[0].kids));
	rc = 0;
out:
	for (i = 0; i <= p->depth; i++) {
		mustache_nodevec_release(&p->frames[i].kids);
		if (p->frames[i].open) {
			mustache_node_release(p->frames[i].open);
			free(p->frames[i].open);
		}
	}
	free(p);
	return rc;
}

/* ---- the set ---- */

struct mustache_set *mustache_set_new(void)
{
	return xcalloc(1, sizeof(struct mustache_set));
}

void mustache_set_free(struct mustache_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->n; i++)
		mustache_template_free(set->tpl[i]);
	free(set->tpl);
	free(set);
}

/* Index of name, or of where it would go (*found says which). */
static size_t mustache_set_find(const struct mustache_set *set, const char *name, int *found)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(set->tpl[mid]->name, name);
		if (!c) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

static const struct mustache_template *mustache_set_get(const struct mustache_set *set,
							 const char *name)
{
	int found;
	size_t i = mustache_set_find(set, name, &found);
	return found ? set->tpl[i] : NULL;
}

int mustache_set_has(const struct mustache_set *set, const char *name)
{
	return mustache_set_get(set, name) != NULL;
}

int mustache_set_add(struct mustache_set *set, const char *name, const char *text,
		     size_t len, const char *origin, char *err, size_t errsize)
{
	struct mustache_template *t;
	size_t i;
	int found;

	if (!origin)
		origin = name;
	t = xcalloc(1, sizeof(*t));
	if (mustache_compile(&t->root, text, len, origin, err, errsize)) {
		free(t);
		return -1;
	}
	t->name = xstrdup(name);
	t->origin = xstrdup(origin);
	i = mustache_set_find(set, name, &found);
	if (found) {
		mustache_template_free(set->tpl[i]);
		set->tpl[i] = t;
		return 0;
	}
	if (set->n == set->alloc) {
		set->alloc = set->alloc ? st_mult(set->alloc, 2) : 16;
		set->tpl = xrealloc(set->tpl, st_mult(set->alloc, sizeof(*set->tpl)));
	}
	memmove(set->tpl + i + 1, set->tpl + i, (set->n - i) * sizeof(*set->tpl));
	set->tpl[i] = t;
	set->n++;
	return 0;
}

int mustache_set_load_dir(struct mustache_set *set, const char *dir, char *err,
			  size_t errsize)
{
	static const char ext[] = ".mustache";
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = -1;

	if (!d) {
		mustache_seterr(err, errsize, "mustache_set_load_dir: %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name);
		struct stat st;
		char *name;

		if (de->d_name[0] == '.' || nl <= sizeof(ext) - 1 ||
		    strcmp(de->d_name + nl - (sizeof(ext) - 1), ext))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, de->d_name);
		if (stat(path.buf, &st) || !S_ISREG(st.st_mode))
			continue;
		strbuf_reset(&text);
		if (strbuf_read_file(&text, path.buf, MUSTACHE_MAX_FILE)) {
			mustache_seterr(err, errsize, "mustache_set_load_dir: %s: %s", path.buf,
					strerror(errno));
			goto out;
		}
		name = xstrndup(de->d_name, nl - (sizeof(ext) - 1));
		rc = mustache_set_add(set, name, text.buf, text.len, path.buf, err, errsize);
		free(name);
		if (rc)
			goto out;
	}
	rc = 0;
out:
	closedir(d);
	strbuf_release(&path);
	strbuf_release(&text);
	return rc;
}

/* ---- rendering ---- */

/* An active {{<parent}}: its override blocks, and the parents around it. */
struct mustache_frame {
	const struct mustache_node *parent;
	const struct mustache_frame *next;
};

struct mustache_render {
	const struct mustache_set *set;
	struct strbuf *out;
	struct json_object *stack[MUSTACHE_MAX_DEPTH + 1];
	size_t nstack;
	unsigned depth;
	struct strbuf indent;	/* the indentation of the current line starts */
	int line_start;		/* the output is at the start of a template line */
	const struct mustache_frame *frames;
	const char *name;	/* the template rendering started from */
	char *err;
	size_t errsize;
};

static void mustache_emit_text(struct mustache_render *r, const char *s, size_t len)
{
	size_t i = 0;

	if (!len)
		return;
	if (!r->indent.len) {
		strbuf_add(r->out, s, len);
		r->line_start = s[len - 1] == '\n';
		return;
	}
	/* spec: partials "Standalone Indentation": template lines, not data. */
	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - s) + 1 : len;
		if (r->line_start && s[i] != '\n' && !(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
			strbuf_add(r->out, r->indent.buf, r->indent.len);
		strbuf_add(r->out, s + i, end - i);
		r->line_start = nl != NULL;
		i = end;
	}
}

static void mustache_emit_value(struct mustache_render *r, const char *s, size_t len, int raw)
{
	if (!len)
		return;
	if (r->line_start && r->indent.len)
		strbuf_add(r->out, r->indent.buf, r->indent.len);
	r->line_start = 0;
	if (raw)
		strbuf_add(r->out, s, len);
	else
		strbuf_add_html(r->out, s, len);
}

static void mustache_emit_json(struct mustache_render *r, struct json_object *v, int raw)
{
	char num[64];
	const char *s;

	switch (json_object_get_type(v)) {
	case json_type_null:
		return;
	case json_type_string:
		mustache_emit_value(r, json_object_get_string(v),
				    (size_t)json_object_get_string_len(v), raw);
		return;
	case json_type_boolean:
		s = json_object_get_boolean(v) ? "true" : "false";
		mustache_emit_value(r, s, strlen(s), raw);
		return;
	case json_type_double: {
		/* The shortest form that reads back exactly (spec: "1.21"). */
		double d = json_object_get_double(v);
		int prec;
		for (prec = 1; prec <= 17; prec++) {
			snprintf(num, sizeof(num), "%.*g", prec, d);
			if (strtod(num, NULL) == d)
				break;
		}
		mustache_emit_value(r, num, strlen(num), raw);
		return;
	}
	case json_type_int: {
		/* Formatted here: json_object_to_json_string caches in the value. */
		int64_t i = json_object_get_int64(v);
		if (i == INT64_MAX)
			snprintf(num, sizeof(num), "%" PRIu64, json_object_get_uint64(v));
		else
			snprintf(num, sizeof(num), "%" PRId64, i);
		mustache_emit_value(r, num, strlen(num), raw);
		return;
	}
	default:
		/* Arrays and objects as compact JSON. */
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		mustache_emit_value(r, s, strlen(s), raw);
		return;
	}
}

/*
 * spec: sections overview, steps 1-7: "." is the top of the stack; the first
 * part of a dotted name is looked up down the stack, the rest only inside the
 * value found. Returns 1 and *v when found (*v may be NULL for JSON null).
 */
static int mustache_lookup(const struct mustache_render *r, const struct mustache_node *n,
			   struct json_object **v)
{
	size_t i;

	*v = r->stack[r->nstack - 1];
	if (!n->npath)
		return 1;
	for (i = r->nstack; i-- > 0;) {
		if (json_object_is_type(r->stack[i], json_type_object) &&
		    json_object_object_get_ex(r->stack[i], n->path[0], v))
			break;
	}
	if (i == (size_t)-1)
		return 0;
	for (i = 1; i < n->npath; i++) {
		if (!json_object_is_type(*v, json_type_object) ||
		    !json_object_object_get_ex(*v, n->path[i], v))
			return 0;
	}
	return 1;
}

static int mustache_truthy(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return 0;
	case json_type_boolean:
		return json_object_get_boolean(v);
	case json_type_array:
		return json_object_array_length(v) > 0;
	default:
		return 1;
	}
}

static int mustache_render_nodes(struct mustache_render *r, const struct mustache_node *kids,
				 size_t n);

static int mustache_enter(struct mustache_render *r, const struct mustache_node *n)
{
	if (r->depth >= MUSTACHE_MAX_DEPTH) {
		mustache_seterr(r->err, r->errsize,
				"mustache_render: '%s': nesting deeper than %d at '%s' (recursive partial?)",
				r->name, MUSTACHE_MAX_DEPTH, n->str);
		return -1;
	}
	r->depth++;
	return 0;
}

static int mustache_render_section(struct mustache_render *r, const struct mustache_node *n,
				   struct json_object *v)
{
	int rc = 0;

	if (mustache_enter(r, n))
		return -1;
	if (json_object_is_type(v, json_type_array)) {
		size_t i, len = json_object_array_length(v);
		for (i = 0; i < len && !rc; i++) {
			r->stack[r->nstack++] = json_object_array_get_idx(v, i);
			rc = mustache_render_nodes(r, n->kids, n->nkids);
			r->nstack--;
		}
	} else {
		r->stack[r->nstack++] = v;
		rc = mustache_render_nodes(r, n->kids, n->nkids);
		r->nstack--;
	}
	r->depth--;
	return rc;
}

/* Renders kids with an indentation added when the tag was standalone. */
static int mustache_render_indented(struct mustache_render *r, const char *indent,
				    const struct mustache_node *kids, size_t n)
{
	size_t old = r->indent.len;
	int rc;

	if (indent && *indent) {
		strbuf_addstr(&r->indent, indent);
		r->line_start = 1;	/* a standalone tag starts its line */
	}
	rc = mustache_render_nodes(r, kids, n);
	strbuf_setlen(&r->indent, old);
	return rc;
}

/*
 * spec ~inheritance "Multi-level inheritance": the outermost override of a
 * block wins, so the last match walking from the innermost parent outwards.
 */
static const struct mustache_node *mustache_override(const struct mustache_render *r,
						     const char *name)
{
	const struct mustache_node *found = NULL;
	const struct mustache_frame *f;
	size_t i;

	for (f = r->frames; f; f = f->next)
		for (i = 0; i < f->parent->nkids; i++)
			if (!strcmp(f->parent->kids[i].str, name))
				found = &f->parent->kids[i];
	return found;
}

static int mustache_render_node(struct mustache_render *r, const struct mustache_node *n)
{
	const struct mustache_template *t;
	struct json_object *v;
	int rc, found;

	switch (n->kind) {
	case MN_TEXT:
		mustache_emit_text(r, n->str, n->len);
		return 0;
	case MN_VAR:
	case MN_RAW:
		if (mustache_lookup(r, n, &v))
			mustache_emit_json(r, v, n->kind == MN_RAW);
		return 0;
	case MN_SECTION:
		found = mustache_lookup(r, n, &v);
		if (found && mustache_truthy(v))
			return mustache_render_section(r, n, v);
		return 0;
	case MN_INVERTED:
		found = mustache_lookup(r, n, &v);
		if (found && mustache_truthy(v))
			return 0;
		if (mustache_enter(r, n))
			return -1;
		rc = mustache_render_nodes(r, n->kids, n->nkids);
		r->depth--;
		return rc;
	case MN_PARTIAL:
		/* spec: partials "Failed Lookup" renders nothing. */
		t = mustache_set_get(r->set, n->str);
		if (!t)
			return 0;
		if (mustache_enter(r, n))
			return -1;
		rc = mustache_render_indented(r, n->indent, t->root.kids, t->root.nkids);
		r->depth--;
		return rc;
	case MN_PARENT: {
		struct mustache_frame f = { n, r->frames };
		t = mustache_set_get(r->set, n->str);
		if (!t)
			return 0;
		if (mustache_enter(r, n))
			return -1;
		r->frames = &f;
		rc = mustache_render_indented(r, n->indent, t->root.kids, t->root.nkids);
		r->frames = f.next;
		r->depth--;
		return rc;
	}
	case MN_BLOCK: {
		const struct mustache_node *o = mustache_override(r, n->str);
		const char *indent = NULL;
		if (!o)
			o = n;
		if (n->standalone)
			indent = n->indent && *n->indent ? n->indent : n->before;
		if (mustache_enter(r, n))
			return -1;
		rc = mustache_render_indented(r, indent, o->kids, o->nkids);
		r->depth--;
		return rc;
	}
	default:
		return 0;
	}
}

static int mustache_render_nodes(struct mustache_render *r, const struct mustache_node *kids,
				 size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (mustache_render_node(r, &kids[i]))
			return -1;
	return 0;
}

int mustache_render(const struct mustache_set *set, const char *name,
		    struct json_object *view, struct strbuf *out, char *err, size_t errsize)
{
	const struct mustache_template *t = mustache_set_get(set, name);
	struct mustache_render *r;
	size_t start = out->len;
	int rc;

	if (!t) {
		mustache_seterr(err, errsize, "mustache_render: no template '%s'", name);
		return -1;
	}
	r = xcalloc(1, sizeof(*r));
	r->set = set;
	r->out = out;
	r->stack[0] = view;
	r->nstack = 1;
	strbuf_init(&r->indent, 0);
	r->line_start = 1;
	r->name = name;
	r->err = err;
	r->errsize = errsize;
	rc = mustache_render_nodes(r, t->root.kids, t->root.nkids);
	if (rc)
		strbuf_setlen(out, start);
	strbuf_release(&r->indent);
	free(r);
	return rc;
}
