/* jsonl_lex.c: the error paths of the JSON-lines token reader. */
#include "stream/jsonl_lex.h"

#include <stdarg.h>

/* Prefix the message in err with the column (1-based) and context. */
int jl_ctx(struct jdec *d, size_t at)
{
	if (d->key && d->elem && d->sub)
		return mc_errctx(d->err, "column %zu: key '%s': %s %zu: key '%s': ", at + 1, d->key,
				 d->elem_name, d->elem, d->sub);
	if (d->key && d->elem)
		return mc_errctx(d->err, "column %zu: key '%s': %s %zu: ", at + 1, d->key,
				 d->elem_name, d->elem);
	if (d->key)
		return mc_errctx(d->err, "column %zu: key '%s': ", at + 1, d->key);
	return mc_errctx(d->err, "column %zu: ", at + 1);
}

int jl_err(struct jdec *d, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mc_verrf(d->err, MC_EXIT_DATA, fmt, ap);
	va_end(ap);
	return jl_ctx(d, at);
}

/* A decoded string for a message: at most 32 bytes, cut at a character
 * boundary, control characters shown as '?' so the message stays one
 * line. Returns buf. */
const char *jl_clip(char *buf, size_t bsz, struct mc_str s)
{
	size_t n = s.n < bsz - 1 ? s.n : bsz - 1;
	if (n < s.n)
		while (n > 0 && ((unsigned char)s.p[n] & 0xc0) == 0x80)
			n--;
	for (size_t k = 0; k < n; k++)
		buf[k] = (unsigned char)s.p[k] < 0x20 || s.p[k] == 0x7f ? '?' : s.p[k];
	buf[n] = 0;
	return buf;
}

/* What the next token is, for "expected X, got Y". */
const char *jl_got(struct jdec *d)
{
	int c = peek(d);
	switch (c) {
	case -1: return "end of line";
	case '{': return "object";
	case '[': return "array";
	case '"': return "string";
	case 't': case 'f': return "boolean";
	case 'n': return "null";
	case '}': return "'}'";
	case ']': return "']'";
	case ',': return "','";
	case ':': return "':'";
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return "number";
	default: return "an unexpected character";
	}
}

int jl_want(struct jdec *d, const char *what)
{
	return jl_err(d, d->i, "expected %s, got %s", what, jl_got(d));
}
