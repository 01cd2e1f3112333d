/* jsonl_lex.h: the token reader of the JSON-lines parser (jsonl_read.c).
 * The readers used for every token are inline here; the error paths are in
 * jsonl_lex.c. Internal to common/stream. */
#ifndef MC_JSONL_LEX_H
#define MC_JSONL_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "base/num.h"
#include "stream/jsonl.h"
#include "stream/jsonl_int.h"
#include "stream/rec.h"

/* Decoder state. Every string the record keeps is unescaped into t, which
 * is sized to the line length (+1) before parsing starts and never grows:
 * unescaped text is never longer than its JSON form, base64 and hex decode
 * in place to fewer bytes, so pointers into t stay valid. */
struct jdec {
	const unsigned char *s;
	size_t n, i;
	char *t;
	size_t tl;
	struct jsonl_parser *jp;
	struct mc_err *err;
	/* context for messages: key 'key': elem_name elem: key 'sub': */
	const char *key;
	const char *elem_name;
	size_t elem;
	const char *sub;
};

/* Prefix the message in err with the column (1-based) and context;
 * returns -1. */
int jl_ctx(struct jdec *d, size_t at);

/* Set err to the formatted message at column at + 1, with context;
 * returns -1. */
int jl_err(struct jdec *d, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A decoded string for a message: at most bsz - 1 bytes, cut at a
 * character boundary, control characters shown as '?'. Returns buf. */
const char *jl_clip(char *buf, size_t bsz, struct mc_str s);

/* What the next token is, for "expected X, got Y". */
const char *jl_got(struct jdec *d);

/* "expected WHAT, got ..." at the next token; returns -1. */
int jl_want(struct jdec *d, const char *what);

static inline void ws(struct jdec *d)
{
	while (d->i < d->n) {
		unsigned char c = d->s[d->i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		d->i++;
	}
}

/* The next byte (after whitespace), or -1 at the end of the line. */
static inline int peek(struct jdec *d)
{
	ws(d);
	return d->i < d->n ? d->s[d->i] : -1;
}

/* Consume the punctuation c (after whitespace). */
static inline int expect(struct jdec *d, char c)
{
	if (peek(d) != c)
		return jl_err(d, d->i, "expected '%c', got %s", c, jl_got(d));
	d->i++;
	return 0;
}

static inline int literal(struct jdec *d, const char *w, size_t wn)
{
	if (d->n - d->i < wn || memcmp(d->s + d->i, w, wn) != 0)
		return jl_err(d, d->i, "malformed literal");
	d->i += wn;
	return 0;
}


/* Four hex digits at s[i..i+4). */
static inline long hex4(struct jdec *d, size_t i)
{
	long v = 0;
	if (d->n - i < 4)
		return -1;
	for (size_t k = 0; k < 4; k++) {
		int h = num_hexval(d->s[i + k]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* Read a JSON string (the next token) and unescape it into t. */
static inline int get_str(struct jdec *d, struct mc_str *out)
{
	const unsigned char *s = d->s;
	size_t i, n = d->n, start;
	char *t = d->t;
	size_t tl = d->tl;

	if (peek(d) != '"')
		return jl_want(d, "string");
	start = d->i;
	i = d->i + 1;
	for (;;) {
		size_t run = i;
		long cp;
		size_t at;

		for (;;) {
			size_t k;
			while (i < n && str_class[s[i]] == C_PLAIN)
				i++;
			if (i == n || str_class[s[i]] != C_HIGH)
				break;
			if (!(k = utf8_seq(s + i, n - i)))
				return jl_err(d, i, "invalid UTF-8");
			i += k;
		}
		memcpy(t + tl, s + run, i - run);
		tl += i - run;
		if (i == n)
			return jl_err(d, start, "unterminated string");
		switch (str_class[s[i]]) {
		case C_QUOTE:
			out->p = t + d->tl;
			out->n = tl - d->tl;
			d->tl = tl;
			d->i = i + 1;
			return 0;
		case C_CTRL:
			return jl_err(d, i, "control character in string");
		default:
			break;
		}
		at = i;
		if (i + 1 == n)
			return jl_err(d, start, "unterminated string");
		switch (s[i + 1]) {
		case '"': t[tl++] = '"'; i += 2; continue;
		case '\\': t[tl++] = '\\'; i += 2; continue;
		case '/': t[tl++] = '/'; i += 2; continue;
		case 'b': t[tl++] = '\b'; i += 2; continue;
		case 'f': t[tl++] = '\f'; i += 2; continue;
		case 'n': t[tl++] = '\n'; i += 2; continue;
		case 'r': t[tl++] = '\r'; i += 2; continue;
		case 't': t[tl++] = '\t'; i += 2; continue;
		case 'u': break;
		default: return jl_err(d, at, "bad escape");
		}
		if ((cp = hex4(d, i + 2)) < 0)
			return jl_err(d, at, "bad \\u escape");
		i += 6;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return jl_err(d, at, "lone surrogate in \\u escape");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			long lo;
			if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u' ||
			    (lo = hex4(d, i + 2)) < 0xdc00 || lo > 0xdfff)
				return jl_err(d, at, "lone surrogate in \\u escape");
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 6;
		}
		if (cp < 0x80) {
			t[tl++] = (char)cp;
		} else if (cp < 0x800) {
			t[tl++] = (char)(0xc0 | cp >> 6);
			t[tl++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			t[tl++] = (char)(0xe0 | cp >> 12);
			t[tl++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			t[tl++] = (char)(0x80 | (cp & 0x3f));
		} else {
			t[tl++] = (char)(0xf0 | cp >> 18);
			t[tl++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			t[tl++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			t[tl++] = (char)(0x80 | (cp & 0x3f));
		}
	}
}

/* A scanned JSON number. */
struct jnum {
	size_t at, len; /* its text: s[at..at+len) */
	int neg;
	int is_int;     /* no fraction, no exponent */
	int overflow;   /* is_int and the magnitude exceeds UINT64_MAX */
	uint64_t mag;   /* magnitude when is_int && !overflow */
};

static inline int isdig(const unsigned char *s, size_t n, size_t i)
{
	return i < n && s[i] >= '0' && s[i] <= '9';
}

/* Scan the next token as a JSON number (RFC 8259 grammar). */
static inline int get_num(struct jdec *d, struct jnum *nm, const char *what)
{
	const unsigned char *s = d->s;
	size_t n = d->n, i;
	int c = peek(d);

	if (c != '-' && (c < '0' || c > '9'))
		return jl_want(d, what);
	i = nm->at = d->i;
	nm->neg = c == '-';
	nm->is_int = 1;
	nm->overflow = 0;
	nm->mag = 0;
	if (nm->neg)
		i++;
	if (!isdig(s, n, i))
		return jl_err(d, nm->at, "malformed number");
	if (s[i] == '0') {
		i++;
		if (isdig(s, n, i))
			return jl_err(d, nm->at, "malformed number (leading zero)");
	} else {
		while (isdig(s, n, i)) {
			unsigned dg = (unsigned)(s[i] - '0');
			if (nm->mag > (UINT64_MAX - dg) / 10)
				nm->overflow = 1;
			else
				nm->mag = nm->mag * 10 + dg;
			i++;
		}
	}
	if (i < n && s[i] == '.') {
		nm->is_int = 0;
		i++;
		if (!isdig(s, n, i))
			return jl_err(d, nm->at, "malformed number");
		while (isdig(s, n, i))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		nm->is_int = 0;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (!isdig(s, n, i))
			return jl_err(d, nm->at, "malformed number");
		while (isdig(s, n, i))
			i++;
	}
	nm->len = i - nm->at;
	d->i = i;
	return 0;
}

/* Copy a number's text to the free end of t, NUL-terminated, for
 * strtod/strtof (the line is not NUL-terminated). */
static inline const char *num_text(struct jdec *d, const struct jnum *nm)
{
	memcpy(d->t + d->tl, d->s + nm->at, nm->len);
	d->t[d->tl + nm->len] = 0;
	return d->t + d->tl;
}

static inline int get_u64(struct jdec *d, uint64_t *u)
{
	struct jnum nm;
	if (get_num(d, &nm, "integer") < 0)
		return -1;
	if (!nm.is_int)
		return jl_err(d, nm.at, "expected integer, got a number with a fraction or exponent");
	if (nm.neg && nm.mag)
		return jl_err(d, nm.at, "expected a non-negative integer");
	if (nm.overflow)
		return jl_err(d, nm.at, "integer out of range");
	*u = nm.mag;
	return 0;
}

static inline int get_i64(struct jdec *d, int64_t *v)
{
	struct jnum nm;
	if (get_num(d, &nm, "integer") < 0)
		return -1;
	if (!nm.is_int)
		return jl_err(d, nm.at, "expected integer, got a number with a fraction or exponent");
	if (nm.overflow || nm.mag > (nm.neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return jl_err(d, nm.at, "integer out of range");
	*v = nm.neg ? (int64_t)(0 - nm.mag) : (int64_t)nm.mag;
	return 0;
}

static inline int get_bool(struct jdec *d, bool *b)
{
	int c = peek(d);
	if (c == 't') {
		*b = true;
		return literal(d, "true", 4);
	}
	if (c == 'f') {
		*b = false;
		return literal(d, "false", 5);
	}
	return jl_want(d, "boolean");
}

/* 1 and consume if the next token is null, else 0; -1 on a bad literal. */
static inline int get_null(struct jdec *d)
{
	if (peek(d) != 'n')
		return 0;
	return literal(d, "null", 4) < 0 ? -1 : 1;
}

/* Containers. begin consumes the opening bracket; next returns 1 when an
 * element (for objects: a key, read into *key and its ':' consumed)
 * follows, 0 after the closing bracket. Keys are unescaped into t; the
 * caller drops them (d->tl = mark) unless it keeps them. */
static inline int obj_begin(struct jdec *d)
{
	if (peek(d) != '{')
		return jl_want(d, "object");
	d->i++;
	return 0;
}

static inline int obj_next(struct jdec *d, int *first, struct mc_str *key, size_t *keyat)
{
	int c = peek(d);
	if (*first) {
		*first = 0;
		if (c == '}') {
			d->i++;
			return 0;
		}
	} else if (c == ',') {
		d->i++;
	} else if (c == '}') {
		d->i++;
		return 0;
	} else {
		return jl_err(d, d->i, "expected ',' or '}', got %s", jl_got(d));
	}
	if (peek(d) != '"')
		return jl_err(d, d->i, "expected a key string, got %s", jl_got(d));
	*keyat = d->i;
	if (get_str(d, key) < 0 || expect(d, ':') < 0)
		return -1;
	return 1;
}

static inline int arr_begin(struct jdec *d)
{
	if (peek(d) != '[')
		return jl_want(d, "array");
	d->i++;
	return 0;
}

static inline int arr_next(struct jdec *d, int *first)
{
	int c = peek(d);
	if (*first) {
		*first = 0;
		if (c == ']') {
			d->i++;
			return 0;
		}
		return 1;
	}
	if (c == ',') {
		d->i++;
		return 1;
	}
	if (c == ']') {
		d->i++;
		return 0;
	}
	return jl_err(d, d->i, "expected ',' or ']', got %s", jl_got(d));
}

static inline int str_is(struct mc_str s, const char *w)
{
	size_t k = 0;
	while (k < s.n && w[k] && s.p[k] == w[k])
		k++;
	return k == s.n && !w[k];
}

#endif
