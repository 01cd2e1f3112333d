#include "stream/jsonl.h"
#include "base/num.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/b64.h"
#include "base/numfmt.h"

static const char hex_digits[] = "0123456789abcdef";

/* Length of the well-formed UTF-8 sequence starting at s[0] (a byte >=
 * 0x80) within n bytes, or 0 when it is not one (Unicode table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0xc2)
		return 0;
	if (c < 0xe0)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c < 0xf5) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* Byte classes inside JSON strings: 0 plain ASCII written as is, 1 '"',
 * 2 '\\', 3 control character, 4 non-ASCII (a UTF-8 sequence). */
enum { C_PLAIN, C_QUOTE, C_BSLASH, C_CTRL, C_HIGH };

static const unsigned char str_class[256] = {
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

/* ---- encoding ---- */

/* Encoder state: the first failure (ENOMEM or text with no JSON form) is
 * sticky, so the writers below need not be checked one by one. */
struct jenc {
	struct mc_buf *b;
	struct mc_err *err;
	int failed;
};

static void enc_oom(struct jenc *e)
{
	if (!e->failed)
		mc_errnof(e->err, ENOMEM, "out of memory");
	e->failed = 1;
}

static inline void put(struct jenc *e, const void *p, size_t n)
{
	if (buf_add(e->b, p, n) < 0)
		enc_oom(e);
}

#define PUT_LIT(e, s) put((e), (s), sizeof(s) - 1)

static inline void put_c(struct jenc *e, char c)
{
	if (buf_addc(e->b, c) < 0)
		enc_oom(e);
}

static void put_u64(struct jenc *e, uint64_t v)
{
	char t[20];
	size_t i = sizeof t;
	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put(e, t + i, sizeof t - i);
}

static void put_i64(struct jenc *e, int64_t v)
{
	if (v < 0) {
		put_c(e, '-');
		put_u64(e, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(e, (uint64_t)v);
	}
}

/* Append s[0..n) as a JSON string. 0, or -1 when s is not valid UTF-8
 * (the buffer then holds a partial string; the caller truncates it). */
static int put_str_try(struct jenc *e, const char *s0, size_t n)
{
	const unsigned char *s = (const unsigned char *)s0;
	size_t i = 0, run;

	put_c(e, '"');
	for (;;) {
		char esc[6];
		size_t en = 2;

		run = i;
		for (;;) {
			size_t k;
			while (i < n && str_class[s[i]] == C_PLAIN)
				i++;
			if (i == n || str_class[s[i]] != C_HIGH)
				break;
			if (!(k = utf8_seq(s + i, n - i)))
				return -1;
			i += k;
		}
		if (i > run)
			put(e, s + run, i - run);
		if (i == n)
			break;
		esc[0] = '\\';
		switch (s[i]) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\t': esc[1] = 't'; break;
		case '\r': esc[1] = 'r'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex_digits[s[i] >> 4];
			esc[5] = hex_digits[s[i] & 15];
			en = 6;
			break;
		}
		put(e, esc, en);
		i++;
	}
	put_c(e, '"');
	return 0;
}

/* A text field outside images: it must be valid UTF-8. */
static void put_text(struct jenc *e, struct mc_str s, const char *what)
{
	size_t mark = e->b->len;
	if (put_str_try(e, s.p, s.n) < 0) {
		e->b->len = mark;
		if (!e->failed)
			mc_errf(e->err, MC_EXIT_DATA, "%s: text is not valid UTF-8, it has no JSON form",
				what);
		e->failed = 1;
	}
}

static void put_b64(struct jenc *e, struct mc_str s)
{
	size_t m = b64_enc_len(s.n);
	if (s.n && !m) {
		enc_oom(e);
		return;
	}
	put_c(e, '"');
	if (buf_grow(e->b, m + 1) < 0) {
		enc_oom(e);
		return;
	}
	e->b->len += b64_encode(e->b->p + e->b->len, s.p, s.n);
	put_c(e, '"');
}

static void put_pos(struct jenc *e, const struct mc_pos *p)
{
	put_c(e, '[');
	put_u64(e, p->file);
	put_c(e, ',');
	put_u64(e, p->off);
	put_c(e, ',');
	put_u64(e, p->row);
	put_c(e, ']');
}

/* numfmt_f64 with ".0" added when the text would read as an integer. */
static size_t fmt_f64(char *t, double d)
{
	size_t n = numfmt_f64(d, t);
	if (!strpbrk(t, ".eEni")) {
		t[n++] = '.';
		t[n++] = '0';
		t[n] = 0;
	}
	return n;
}

static const char *const ext_keys[MC_V_NKINDS] = {
	[MC_V_DECIMAL] = "{\"decimal\":",
	[MC_V_DATE] = "{\"date\":",
	[MC_V_DATETIME] = "{\"datetime\":",
	[MC_V_TIMESTAMP] = "{\"timestamp\":",
	[MC_V_TIME] = "{\"time\":",
	[MC_V_JSON] = "{\"json\":",
};

static void put_val(struct jenc *e, const struct mc_val *v, const char *img, size_t idx)
{
	char t[40];
	size_t n, mark;

	switch (v->kind) {
	case MC_V_NULL:
		PUT_LIT(e, "null");
		break;
	case MC_V_ABSENT:
		PUT_LIT(e, "{\"absent\":true}");
		break;
	case MC_V_INT:
		put_i64(e, v->v.i);
		break;
	case MC_V_UINT:
		put_u64(e, v->v.u);
		break;
	case MC_V_F32:
		n = numfmt_f32(v->v.f32, t);
		PUT_LIT(e, "{\"f32\":");
		put(e, t, n);
		put_c(e, '}');
		break;
	case MC_V_F64:
		n = fmt_f64(t, v->v.f64);
		put(e, t, n);
		break;
	case MC_V_STR:
		mark = e->b->len;
		if (put_str_try(e, v->v.s.p, v->v.s.n) < 0) {
			e->b->len = mark;
			PUT_LIT(e, "{\"strb\":");
			put_b64(e, v->v.s);
			put_c(e, '}');
		}
		break;
	case MC_V_BIN:
		PUT_LIT(e, "{\"bin\":");
		put_b64(e, v->v.s);
		put_c(e, '}');
		break;
	case MC_V_BIT: {
		const unsigned char *p = (const unsigned char *)v->v.s.p;
		PUT_LIT(e, "{\"bit\":\"");
		for (size_t i = 0; i < v->v.s.n && i < 8; i++) {
			t[2 * i] = hex_digits[p[i] >> 4];
			t[2 * i + 1] = hex_digits[p[i] & 15];
		}
		put(e, t, 2 * (v->v.s.n < 8 ? v->v.s.n : 8));
		PUT_LIT(e, "\"}");
		break;
	}
	default:
		put(e, ext_keys[v->kind], strlen(ext_keys[v->kind]));
		mark = e->b->len;
		if (put_str_try(e, v->v.s.p, v->v.s.n) < 0) {
			e->b->len = mark;
			if (!e->failed)
				mc_errf(e->err, MC_EXIT_DATA,
					"%s value %zu: %s text is not valid UTF-8, it has no JSON form",
					img, idx + 1, rec_vkind_name(v->kind));
			e->failed = 1;
		}
		put_c(e, '}');
		break;
	}
}

static void put_image(struct jenc *e, const struct mc_val *v, size_t n, const char *img)
{
	if (!v) {
		PUT_LIT(e, "null");
		return;
	}
	put_c(e, '[');
	for (size_t i = 0; i < n && !e->failed; i++) {
		if (i)
			put_c(e, ',');
		put_val(e, &v[i], img, i);
	}
	put_c(e, ']');
}

/* "db":..,"table":.. */
static void put_db_table(struct jenc *e, const struct mc_rec *r)
{
	PUT_LIT(e, "\"db\":");
	put_text(e, r->db, "field 'db'");
	PUT_LIT(e, ",\"table\":");
	put_text(e, r->table, "field 'table'");
}

static void put_pos_time(struct jenc *e, const struct mc_rec *r)
{
	PUT_LIT(e, "\"pos\":");
	put_pos(e, &r->pos);
	PUT_LIT(e, ",\"time\":");
	put_i64(e, r->time);
}

int jsonl_encode(struct mc_buf *b, const struct mc_rec *r, struct mc_err *err)
{
	struct jenc e = { b, err, 0 };
	size_t start = b->len;
	char what[64];

	if (rec_validate(r, err) < 0)
		return -1;
	switch (r->kind) {
	case MC_R_HEADER:
		PUT_LIT(&e, "{\"mcr\":");
		put_u64(&e, r->version);
		PUT_LIT(&e, ",\"meta\":{");
		for (size_t i = 0; i < r->nmeta && !e.failed; i++) {
			if (i)
				put_c(&e, ',');
			snprintf(what, sizeof what, "header entry %zu", i + 1);
			put_text(&e, r->meta[i].k, what);
			put_c(&e, ':');
			put_text(&e, r->meta[i].v, what);
		}
		PUT_LIT(&e, "}}\n");
		break;
	case MC_R_SCHEMA:
		PUT_LIT(&e, "{\"kind\":\"schema\",");
		put_db_table(&e, r);
		PUT_LIT(&e, ",\"version\":");
		put_u64(&e, r->schema_version);
		put_c(&e, ',');
		put_pos_time(&e, r);
		PUT_LIT(&e, ",\"flags\":");
		put_u64(&e, r->schema_flags);
		PUT_LIT(&e, ",\"columns\":[");
		for (size_t i = 0; i < r->ncols && !e.failed; i++) {
			const struct mc_col *c = &r->cols[i];
			if (i)
				put_c(&e, ',');
			snprintf(what, sizeof what, "column %zu", i + 1);
			PUT_LIT(&e, "{\"name\":");
			put_text(&e, c->name, what);
			PUT_LIT(&e, ",\"mysql_type\":");
			put_text(&e, c->mysql_type, what);
			PUT_LIT(&e, ",\"mc_type\":");
			put_text(&e, c->mc_type, what);
			if (c->nullable)
				PUT_LIT(&e, ",\"nullable\":true,\"flags\":");
			else
				PUT_LIT(&e, ",\"nullable\":false,\"flags\":");
			put_u64(&e, c->flags);
			put_c(&e, '}');
		}
		PUT_LIT(&e, "],\"key\":[");
		for (size_t i = 0; i < r->nkey; i++) {
			if (i)
				put_c(&e, ',');
			put_u64(&e, r->key[i]);
		}
		PUT_LIT(&e, "]}\n");
		break;
	case MC_R_ROW:
		PUT_LIT(&e, "{\"kind\":\"row\",\"op\":\"");
		put(&e, rec_op_name(r->op), strlen(rec_op_name(r->op)));
		PUT_LIT(&e, "\",");
		put_db_table(&e, r);
		PUT_LIT(&e, ",\"version\":");
		put_u64(&e, r->schema_version);
		put_c(&e, ',');
		put_pos_time(&e, r);
		PUT_LIT(&e, ",\"before\":");
		put_image(&e, r->before, r->nbefore, "before");
		PUT_LIT(&e, ",\"after\":");
		put_image(&e, r->after, r->nafter, "after");
		PUT_LIT(&e, "}\n");
		break;
	case MC_R_DDL:
		PUT_LIT(&e, "{\"kind\":\"ddl\",");
		put_db_table(&e, r);
		put_c(&e, ',');
		put_pos_time(&e, r);
		PUT_LIT(&e, ",\"sql\":");
		put_text(&e, r->sql, "field 'sql'");
		PUT_LIT(&e, "}\n");
		break;
	case MC_R_MARK:
		PUT_LIT(&e, "{\"kind\":\"mark\",\"mark\":\"");
		put(&e, rec_mark_name(r->mark), strlen(rec_mark_name(r->mark)));
		PUT_LIT(&e, "\",");
		put_pos_time(&e, r);
		put_c(&e, ',');
		put_db_table(&e, r);
		PUT_LIT(&e, ",\"label\":");
		put_text(&e, r->label, "field 'label'");
		PUT_LIT(&e, "}\n");
		break;
	case MC_R_TRAILER:
		PUT_LIT(&e, "{\"kind\":\"trailer\",\"count\":");
		put_u64(&e, r->count);
		PUT_LIT(&e, "}\n");
		break;
	default:
		return mc_errf(err, MC_EXIT_DATA, "unknown record kind %d", (int)r->kind);
	}
	if (e.failed) {
		b->len = start;
		return -1;
	}
	return 0;
}

/* ---- decoding ---- */

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

/* Prefix the message in err with the column (1-based) and context. */
static int dctx(struct jdec *d, size_t at)
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

static int derr(struct jdec *d, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int derr(struct jdec *d, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mc_verrf(d->err, MC_EXIT_DATA, fmt, ap);
	va_end(ap);
	return dctx(d, at);
}

/* A decoded string for a message: at most 32 bytes, cut at a character
 * boundary, control characters shown as '?' so the message stays one
 * line. Returns buf. */
static const char *clip(char *buf, size_t bsz, struct mc_str s)
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

static void ws(struct jdec *d)
{
	while (d->i < d->n) {
		unsigned char c = d->s[d->i];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		d->i++;
	}
}

/* The next byte (after whitespace), or -1 at the end of the line. */
static int peek(struct jdec *d)
{
	ws(d);
	return d->i < d->n ? d->s[d->i] : -1;
}

/* What the next token is, for "expected X, got Y". */
static const char *got(struct jdec *d)
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

static int want(struct jdec *d, const char *what)
{
	return derr(d, d->i, "expected %s, got %s", what, got(d));
}

/* Consume the punctuation c (after whitespace). */
static int expect(struct jdec *d, char c)
{
	if (peek(d) != c)
		return derr(d, d->i, "expected '%c', got %s", c, got(d));
	d->i++;
	return 0;
}

static int literal(struct jdec *d, const char *w, size_t wn)
{
	if (d->n - d->i < wn || memcmp(d->s + d->i, w, wn) != 0)
		return derr(d, d->i, "malformed literal");
	d->i += wn;
	return 0;
}


/* Four hex digits at s[i..i+4). */
static long hex4(struct jdec *d, size_t i)
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
static int get_str(struct jdec *d, struct mc_str *out)
{
	const unsigned char *s = d->s;
	size_t i, n = d->n, start;
	char *t = d->t;
	size_t tl = d->tl;

	if (peek(d) != '"')
		return want(d, "string");
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
				return derr(d, i, "invalid UTF-8");
			i += k;
		}
		memcpy(t + tl, s + run, i - run);
		tl += i - run;
		if (i == n)
			return derr(d, start, "unterminated string");
		switch (str_class[s[i]]) {
		case C_QUOTE:
			out->p = t + d->tl;
			out->n = tl - d->tl;
			d->tl = tl;
			d->i = i + 1;
			return 0;
		case C_CTRL:
			return derr(d, i, "control character in string");
		default:
			break;
		}
		at = i;
		if (i + 1 == n)
			return derr(d, start, "unterminated string");
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
		default: return derr(d, at, "bad escape");
		}
		if ((cp = hex4(d, i + 2)) < 0)
			return derr(d, at, "bad \\u escape");
		i += 6;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return derr(d, at, "lone surrogate in \\u escape");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			long lo;
			if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u' ||
			    (lo = hex4(d, i + 2)) < 0xdc00 || lo > 0xdfff)
				return derr(d, at, "lone surrogate in \\u escape");
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

static int isdig(const unsigned char *s, size_t n, size_t i)
{
	return i < n && s[i] >= '0' && s[i] <= '9';
}

/* Scan the next token as a JSON number (RFC 8259 grammar). */
static int get_num(struct jdec *d, struct jnum *nm, const char *what)
{
	const unsigned char *s = d->s;
	size_t n = d->n, i;
	int c = peek(d);

	if (c != '-' && (c < '0' || c > '9'))
		return want(d, what);
	i = nm->at = d->i;
	nm->neg = c == '-';
	nm->is_int = 1;
	nm->overflow = 0;
	nm->mag = 0;
	if (nm->neg)
		i++;
	if (!isdig(s, n, i))
		return derr(d, nm->at, "malformed number");
	if (s[i] == '0') {
		i++;
		if (isdig(s, n, i))
			return derr(d, nm->at, "malformed number (leading zero)");
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
			return derr(d, nm->at, "malformed number");
		while (isdig(s, n, i))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		nm->is_int = 0;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (!isdig(s, n, i))
			return derr(d, nm->at, "malformed number");
		while (isdig(s, n, i))
			i++;
	}
	nm->len = i - nm->at;
	d->i = i;
	return 0;
}

/* Copy a number's text to the free end of t, NUL-terminated, for
 * strtod/strtof (the line is not NUL-terminated). */
static const char *num_text(struct jdec *d, const struct jnum *nm)
{
	memcpy(d->t + d->tl, d->s + nm->at, nm->len);
	d->t[d->tl + nm->len] = 0;
	return d->t + d->tl;
}

static int get_u64(struct jdec *d, uint64_t *u)
{
	struct jnum nm;
	if (get_num(d, &nm, "integer") < 0)
		return -1;
	if (!nm.is_int)
		return derr(d, nm.at, "expected integer, got a number with a fraction or exponent");
	if (nm.neg && nm.mag)
		return derr(d, nm.at, "expected a non-negative integer");
	if (nm.overflow)
		return derr(d, nm.at, "integer out of range");
	*u = nm.mag;
	return 0;
}

static int get_i64(struct jdec *d, int64_t *v)
{
	struct jnum nm;
	if (get_num(d, &nm, "integer") < 0)
		return -1;
	if (!nm.is_int)
		return derr(d, nm.at, "expected integer, got a number with a fraction or exponent");
	if (nm.overflow || nm.mag > (nm.neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX))
		return derr(d, nm.at, "integer out of range");
	*v = nm.neg ? (int64_t)(0 - nm.mag) : (int64_t)nm.mag;
	return 0;
}

static int get_bool(struct jdec *d, bool *b)
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
	return want(d, "boolean");
}

/* 1 and consume if the next token is null, else 0; -1 on a bad literal. */
static int get_null(struct jdec *d)
{
	if (peek(d) != 'n')
		return 0;
	return literal(d, "null", 4) < 0 ? -1 : 1;
}

/* Containers. begin consumes the opening bracket; next returns 1 when an
 * element (for objects: a key, read into *key and its ':' consumed)
 * follows, 0 after the closing bracket. Keys are unescaped into t; the
 * caller drops them (d->tl = mark) unless it keeps them. */
static int obj_begin(struct jdec *d)
{
	if (peek(d) != '{')
		return want(d, "object");
	d->i++;
	return 0;
}

static int obj_next(struct jdec *d, int *first, struct mc_str *key, size_t *keyat)
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
		return derr(d, d->i, "expected ',' or '}', got %s", got(d));
	}
	if (peek(d) != '"')
		return derr(d, d->i, "expected a key string, got %s", got(d));
	*keyat = d->i;
	if (get_str(d, key) < 0 || expect(d, ':') < 0)
		return -1;
	return 1;
}

static int arr_begin(struct jdec *d)
{
	if (peek(d) != '[')
		return want(d, "array");
	d->i++;
	return 0;
}

static int arr_next(struct jdec *d, int *first)
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
	return derr(d, d->i, "expected ',' or ']', got %s", got(d));
}

static int str_is(struct mc_str s, const char *w)
{
	size_t k = 0;
	while (k < s.n && w[k] && s.p[k] == w[k])
		k++;
	return k == s.n && !w[k];
}

/* Make room for element idx of a scratch array (idx < the caller's bound,
 * so growth is bounded too). */
static int grow(struct jdec *d, void **arr, size_t *have, size_t idx, size_t sz, size_t bound)
{
	size_t cap;
	void *p;
	if (idx < *have)
		return 0;
	cap = *have ? *have * 2 : 16;
	if (cap > bound)
		cap = bound;
	if (cap <= idx)
		cap = idx + 1;
	p = realloc(*arr, cap * sz);
	if (!p)
		return mc_errnof(d->err, ENOMEM, "out of memory");
	*arr = p;
	*have = cap;
	return 0;
}

static int get_pos(struct jdec *d, struct mc_pos *p)
{
	uint64_t v[3];
	size_t at, k = 0;
	int first = 1, r;

	at = (ws(d), d->i);
	if (arr_begin(d) < 0)
		return -1;
	while ((r = arr_next(d, &first)) > 0) {
		if (k == 3)
			return derr(d, at, "expected 3 numbers [file, offset, row], got more");
		if (get_u64(d, &v[k++]) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	if (k != 3)
		return derr(d, at, "expected 3 numbers [file, offset, row], got %zu", k);
	p->file = v[0];
	p->off = v[1];
	p->row = v[2];
	return 0;
}

/* Decode s[0..n) (hex digits, two lowercase per byte) in place. */
static int unhex(struct jdec *d, struct mc_str *s, size_t at)
{
	char *p = (char *)s->p;
	if (s->n % 2)
		return derr(d, at, "odd number of hex digits");
	for (size_t k = 0; k < s->n; k += 2) {
		int h = num_hexval((unsigned char)p[k]), l = num_hexval((unsigned char)p[k + 1]);
		if (h < 0 || l < 0 || (p[k] >= 'A' && p[k] <= 'F') ||
		    (p[k + 1] >= 'A' && p[k + 1] <= 'F'))
			return derr(d, at, "malformed hex (two lowercase digits per byte)");
		p[k / 2] = (char)(h << 4 | l);
	}
	s->n /= 2;
	return 0;
}

static int unb64(struct jdec *d, struct mc_str *s, size_t at)
{
	size_t outn, bad;
	if (b64_decode((char *)s->p, s->p, s->n, &outn, &bad) < 0) {
		if (bad == s->n)
			return derr(d, at, "malformed base64 (length %zu is not a multiple of 4)",
				    s->n);
		return derr(d, at, "malformed base64 at character %zu", bad + 1);
	}
	s->n = outn;
	return 0;
}

/* Value objects {"TYPE":X}, by the kind they give. */
static const char *const vobj_names[MC_V_NKINDS] = {
	[MC_V_ABSENT] = "absent",
	[MC_V_F32] = "f32",
	[MC_V_BIN] = "bin",
	[MC_V_DECIMAL] = "decimal",
	[MC_V_DATE] = "date",
	[MC_V_DATETIME] = "datetime",
	[MC_V_TIMESTAMP] = "timestamp",
	[MC_V_TIME] = "time",
	[MC_V_BIT] = "bit",
	[MC_V_JSON] = "json",
};

static int get_vobj(struct jdec *d, struct mc_val *v, size_t at)
{
	char cb[40];
	struct mc_str key, s;
	size_t keyat, mark = d->tl, vat;
	int first = 1, r, kind = -1;

	if (obj_begin(d) < 0 || (r = obj_next(d, &first, &key, &keyat)) < 0)
		return -1;
	if (r == 0)
		return derr(d, at, "empty value object");
	d->tl = mark;
	if (str_is(key, "strb")) {
		kind = MC_V_STR;
	} else {
		for (int k = 0; k < MC_V_NKINDS; k++)
			if (vobj_names[k] && str_is(key, vobj_names[k]))
				kind = k;
	}
	if (kind < 0)
		return derr(d, keyat, "unknown value type '%s'", clip(cb, sizeof cb, key));
	v->kind = (uint8_t)kind;
	vat = (ws(d), d->i);
	if (kind == MC_V_ABSENT) {
		bool b;
		if (get_bool(d, &b) < 0)
			return -1;
		if (!b)
			return derr(d, vat, "\"absent\" must be true");
		v->v.s.p = d->t + d->tl;
		v->v.s.n = 0;
	} else if (kind == MC_V_F32) {
		struct jnum nm;
		if (get_num(d, &nm, "number") < 0)
			return -1;
		v->v.f32 = strtof(num_text(d, &nm), NULL);
		if (!isfinite(v->v.f32))
			return derr(d, vat, "f32 value out of range");
	} else {
		if (get_str(d, &s) < 0)
			return -1;
		if (kind == MC_V_STR || kind == MC_V_BIN) {
			if (unb64(d, &s, vat) < 0)
				return -1;
		} else if (kind == MC_V_BIT) {
			if (unhex(d, &s, vat) < 0)
				return -1;
		}
		v->v.s = s;
	}
	if (peek(d) != '}')
		return derr(d, d->i, "expected '}' (a value object has one key), got %s", got(d));
	d->i++;
	if (rec_val_validate(v, d->err) < 0) {
		if (kind == MC_V_BIT)
			return derr(d, at, "malformed bit value (%zu bytes, want 1 to 8)", v->v.s.n);
		return derr(d, at, "malformed %s value '%s'", rec_vkind_name(kind),
			    clip(cb, sizeof cb, v->v.s));
	}
	return 0;
}

static int get_val(struct jdec *d, struct mc_val *v)
{
	int c = peek(d), r;
	size_t at = d->i;
	struct jnum nm;

	switch (c) {
	case 'n':
		if ((r = get_null(d)) < 0)
			return -1;
		v->kind = MC_V_NULL;
		return 0;
	case '"':
		v->kind = MC_V_STR;
		return get_str(d, &v->v.s);
	case '{':
		return get_vobj(d, v, at);
	case '[': case 't': case 'f': case -1:
		return want(d, "a value");
	default:
		break;
	}
	if (get_num(d, &nm, "a value") < 0)
		return -1;
	if (nm.is_int) {
		if (nm.overflow || (nm.neg && nm.mag > (uint64_t)INT64_MAX + 1))
			return derr(d, at, "integer out of range");
		if (nm.neg) {
			v->kind = MC_V_INT;
			v->v.i = (int64_t)(0 - nm.mag);
		} else if (nm.mag > (uint64_t)INT64_MAX) {
			v->kind = MC_V_UINT;
			v->v.u = nm.mag;
		} else {
			v->kind = MC_V_INT;
			v->v.i = (int64_t)nm.mag;
		}
		return 0;
	}
	v->kind = MC_V_F64;
	v->v.f64 = strtod(num_text(d, &nm), NULL);
	if (!isfinite(v->v.f64))
		return derr(d, at, "f64 value out of range");
	return 0;
}

/* An image: null or an array of at most MC_MAX_COLUMNS values, into vals. */
static int get_image(struct jdec *d, struct mc_val *vals, struct mc_val **out, size_t *nout)
{
	size_t k = 0;
	int first = 1, r;

	if ((r = get_null(d)) != 0) {
		*out = NULL;
		*nout = 0;
		return r < 0 ? -1 : 0;
	}
	if (peek(d) != '[')
		return want(d, "null or array");
	d->elem_name = "value";
	arr_begin(d);
	while ((r = arr_next(d, &first)) > 0) {
		if (k == MC_MAX_COLUMNS)
			return derr(d, d->i, "too many values (the limit is %d)", MC_MAX_COLUMNS);
		d->elem = k + 1;
		if (get_val(d, &vals[k]) < 0)
			return -1;
		k++;
	}
	if (r < 0)
		return -1;
	d->elem = 0;
	*out = vals;
	*nout = k;
	return 0;
}

enum {
	K_COL_NAME, K_COL_MYSQL_TYPE, K_COL_MC_TYPE, K_COL_NULLABLE, K_COL_FLAGS, K_COL_N
};
static const char *const col_keys[K_COL_N] = { "name", "mysql_type", "mc_type", "nullable",
					       "flags" };

static int get_column(struct jdec *d, struct mc_col *col)
{
	char cb[40];
	struct mc_str key;
	size_t keyat, mark, at = (ws(d), d->i);
	unsigned seen = 0;
	int first = 1, r;

	if (obj_begin(d) < 0)
		return -1;
	while ((mark = d->tl, r = obj_next(d, &first, &key, &keyat)) > 0) {
		int k = -1;
		uint64_t u;
		d->tl = mark;
		for (int j = 0; j < K_COL_N; j++)
			if (str_is(key, col_keys[j]))
				k = j;
		if (k < 0)
			return derr(d, keyat, "unknown key '%s'", clip(cb, sizeof cb, key));
		if (seen & 1u << k)
			return derr(d, keyat, "duplicate key '%s'", col_keys[k]);
		seen |= 1u << k;
		d->sub = col_keys[k];
		switch (k) {
		case K_COL_NAME: r = get_str(d, &col->name); break;
		case K_COL_MYSQL_TYPE: r = get_str(d, &col->mysql_type); break;
		case K_COL_MC_TYPE: r = get_str(d, &col->mc_type); break;
		case K_COL_NULLABLE: r = get_bool(d, &col->nullable); break;
		default:
			at = (ws(d), d->i);
			if ((r = get_u64(d, &u)) < 0)
				break;
			if (u & ~(uint64_t)MC_CF_ALL)
				return derr(d, at, "unknown column flags 0x%" PRIx64, u);
			col->flags = (uint32_t)u;
			break;
		}
		d->sub = NULL;
		if (r < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	for (int j = 0; j < K_COL_N; j++)
		if (!(seen & 1u << j))
			return derr(d, d->i - 1, "missing key '%s'", col_keys[j]);
	return 0;
}

/* Top-level keys, in the union of all record kinds. */
enum {
	K_MCR, K_META, K_KIND, K_DB, K_TABLE, K_VERSION, K_POS, K_TIME, K_FLAGS, K_COLUMNS,
	K_KEY, K_OP, K_BEFORE, K_AFTER, K_SQL, K_MARK, K_LABEL, K_COUNT, K_N
};
static const char *const top_keys[K_N] = {
	"mcr", "meta", "kind", "db", "table", "version", "pos", "time", "flags", "columns",
	"key", "op", "before", "after", "sql", "mark", "label", "count",
};

/* Keys of each record kind, in the order written; -1 ends a list. */
static const signed char kind_keys[MC_R_NKINDS][10] = {
	[MC_R_HEADER] = { K_MCR, K_META, -1 },
	[MC_R_SCHEMA] = { K_KIND, K_DB, K_TABLE, K_VERSION, K_POS, K_TIME, K_FLAGS, K_COLUMNS,
			  K_KEY, -1 },
	[MC_R_ROW] = { K_KIND, K_OP, K_DB, K_TABLE, K_VERSION, K_POS, K_TIME, K_BEFORE, K_AFTER,
		       -1 },
	[MC_R_DDL] = { K_KIND, K_DB, K_TABLE, K_POS, K_TIME, K_SQL, -1 },
	[MC_R_MARK] = { K_KIND, K_MARK, K_POS, K_TIME, K_DB, K_TABLE, K_LABEL, -1 },
	[MC_R_TRAILER] = { K_KIND, K_COUNT, -1 },
};

static uint32_t kind_mask(int kind)
{
	uint32_t m = 0;
	for (int j = 0; kind_keys[kind][j] >= 0; j++)
		m |= 1u << kind_keys[kind][j];
	return m;
}

static const char *const kind_names[MC_R_NKINDS] = {
	"header", "schema", "row", "ddl", "mark", "trailer"
};

static int get_meta(struct jdec *d, struct mc_rec *r)
{
	struct mc_scratch *sc = &d->jp->sc;
	struct mc_str key;
	size_t keyat, k = 0;
	int first = 1, rc;

	if (obj_begin(d) < 0)
		return -1;
	d->elem_name = "entry";
	while ((rc = obj_next(d, &first, &key, &keyat)) > 0) {
		if (k == MC_MAX_META)
			return derr(d, keyat, "too many entries (the limit is %d)", MC_MAX_META);
		if (grow(d, (void **)&sc->meta, &sc->nmeta, k, sizeof *sc->meta, MC_MAX_META) < 0)
			return -1;
		d->elem = k + 1;
		sc->meta[k].k = key;
		if (get_str(d, &sc->meta[k].v) < 0)
			return -1;
		k++;
	}
	if (rc < 0)
		return -1;
	d->elem = 0;
	r->nmeta = k;
	r->meta = sc->meta;
	return 0;
}

static int get_columns(struct jdec *d, struct mc_rec *r)
{
	struct mc_scratch *sc = &d->jp->sc;
	size_t k = 0;
	int first = 1, rc;

	if (arr_begin(d) < 0)
		return -1;
	d->elem_name = "column";
	while ((rc = arr_next(d, &first)) > 0) {
		if (k == MC_MAX_COLUMNS)
			return derr(d, d->i, "too many columns (the limit is %d)", MC_MAX_COLUMNS);
		if (grow(d, (void **)&sc->cols, &sc->ncols, k, sizeof *sc->cols, MC_MAX_COLUMNS) < 0)
			return -1;
		d->elem = k + 1;
		if (get_column(d, &sc->cols[k]) < 0)
			return -1;
		k++;
	}
	if (rc < 0)
		return -1;
	d->elem = 0;
	r->ncols = k;
	r->cols = sc->cols;
	return 0;
}

static int get_key(struct jdec *d, struct mc_rec *r)
{
	struct mc_scratch *sc = &d->jp->sc;
	size_t k = 0;
	int first = 1, rc;

	if (arr_begin(d) < 0)
		return -1;
	d->elem_name = "element";
	while ((rc = arr_next(d, &first)) > 0) {
		uint64_t u;
		size_t at;
		if (k == MC_MAX_COLUMNS)
			return derr(d, d->i, "too many key columns (the limit is %d)", MC_MAX_COLUMNS);
		if (grow(d, (void **)&sc->key, &sc->nkey, k, sizeof *sc->key, MC_MAX_COLUMNS) < 0)
			return -1;
		d->elem = k + 1;
		at = (ws(d), d->i);
		if (get_u64(d, &u) < 0)
			return -1;
		if (u >= MC_MAX_COLUMNS)
			return derr(d, at, "column index %" PRIu64 " out of range", u);
		sc->key[k++] = (uint32_t)u;
	}
	if (rc < 0)
		return -1;
	d->elem = 0;
	r->nkey = k;
	r->key = sc->key;
	return 0;
}

/* A name from a fixed set (kind, op, mark): its index, or an error. */
static int get_name(struct jdec *d, const char *what, int (*lookup)(const char *, size_t),
		    int *out)
{
	char cb[40];
	struct mc_str s;
	size_t at = (ws(d), d->i), mark = d->tl;
	int v;
	if (get_str(d, &s) < 0)
		return -1;
	d->tl = mark;
	v = lookup(s.p, s.n);
	if (v < 0)
		return derr(d, at, "unknown %s '%s'", what, clip(cb, sizeof cb, s));
	*out = v;
	return 0;
}

static int kind_lookup(const char *s, size_t n)
{
	for (int k = MC_R_SCHEMA; k < MC_R_NKINDS; k++)
		if (strlen(kind_names[k]) == n && memcmp(kind_names[k], s, n) == 0)
			return k;
	return -1;
}

/* Both images live in one array of 2 * MC_MAX_COLUMNS values, allocated
 * once (like rec_decode). */
static int scratch_vals(struct jdec *d)
{
	struct mc_scratch *sc = &d->jp->sc;
	void *p;
	if (sc->nvals >= 2 * MC_MAX_COLUMNS)
		return 0;
	p = realloc(sc->vals, 2 * MC_MAX_COLUMNS * sizeof *sc->vals);
	if (!p)
		return mc_errnof(d->err, ENOMEM, "out of memory");
	sc->vals = p;
	sc->nvals = 2 * MC_MAX_COLUMNS;
	return 0;
}

static int decode(struct jdec *d, struct mc_rec *r)
{
	char cb[40];
	struct mc_scratch *sc = &d->jp->sc;
	size_t at[K_N], kat[K_N], keyat, mark, end;
	uint32_t seen = 0, allowed = 0;
	int kind = -1, first = 1, rc, v;
	struct mc_str key;
	uint64_t u;

	if (obj_begin(d) < 0)
		return -1;
	while ((mark = d->tl, rc = obj_next(d, &first, &key, &keyat)) > 0) {
		int k = -1;
		d->tl = mark;
		for (int j = 0; j < K_N; j++)
			if (str_is(key, top_keys[j]))
				k = j;
		if (k < 0)
			return derr(d, keyat, "unknown key '%s'", clip(cb, sizeof cb, key));
		if (seen & 1u << k)
			return derr(d, keyat, "duplicate key '%s'", top_keys[k]);
		if (kind >= 0 && !(allowed & 1u << k))
			return derr(d, keyat, "unknown key '%s' in a %s record", top_keys[k],
				    kind_names[kind]);
		seen |= 1u << k;
		kat[k] = keyat;
		d->key = top_keys[k];
		at[k] = (ws(d), d->i);
		switch (k) {
		case K_MCR:
			if (get_u64(d, &r->version) < 0)
				return -1;
			if (r->version != MC_REC_VERSION)
				return derr(d, at[k], "unsupported format version %" PRIu64
					    " (this build reads version %d)", r->version,
					    MC_REC_VERSION);
			break;
		case K_META: rc = get_meta(d, r); break;
		case K_KIND:
			if (get_name(d, "record kind", kind_lookup, &v) < 0)
				return -1;
			r->kind = (enum mc_rkind)v;
			break;
		case K_DB: rc = get_str(d, &r->db); break;
		case K_TABLE: rc = get_str(d, &r->table); break;
		case K_VERSION: rc = get_u64(d, &r->schema_version); break;
		case K_POS: rc = get_pos(d, &r->pos); break;
		case K_TIME: rc = get_i64(d, &r->time); break;
		case K_FLAGS:
			if (get_u64(d, &u) < 0)
				return -1;
			if (u & ~(uint64_t)MC_SF_ALL)
				return derr(d, at[k], "unknown flags 0x%" PRIx64, u);
			r->schema_flags = (uint32_t)u;
			break;
		case K_COLUMNS: rc = get_columns(d, r); break;
		case K_KEY: rc = get_key(d, r); break;
		case K_OP:
			if (get_name(d, "op", rec_op_from_name, &v) < 0)
				return -1;
			r->op = (enum mc_op)v;
			break;
		case K_BEFORE:
		case K_AFTER:
			if (scratch_vals(d) < 0)
				return -1;
			rc = k == K_BEFORE ? get_image(d, sc->vals, &r->before, &r->nbefore)
					   : get_image(d, sc->vals + MC_MAX_COLUMNS, &r->after,
						       &r->nafter);
			break;
		case K_SQL: rc = get_str(d, &r->sql); break;
		case K_LABEL: rc = get_str(d, &r->label); break;
		case K_MARK:
			if (get_name(d, "mark", rec_mark_from_name, &v) < 0)
				return -1;
			r->mark = (enum mc_mark)v;
			break;
		default: rc = get_u64(d, &r->count); break;
		}
		if (rc < 0)
			return -1;
		d->key = NULL;
		if (kind < 0 && (k == K_MCR || k == K_KIND)) {
			kind = k == K_MCR ? MC_R_HEADER : (int)r->kind;
			allowed = kind_mask(kind);
			/* keys seen before the kind was known */
			for (int j = 0; j < K_N; j++)
				if ((seen & 1u << j) && !(allowed & 1u << j))
					return derr(d, kat[j], "unknown key '%s' in a %s record",
						    top_keys[j], kind_names[kind]);
		}
	}
	if (rc < 0)
		return -1;
	end = d->i - 1;
	if (kind < 0)
		return derr(d, end, "missing key 'kind'");
	r->kind = (enum mc_rkind)kind;
	for (int j = 0; kind_keys[kind][j] >= 0; j++)
		if (!(seen & 1u << kind_keys[kind][j]))
			return derr(d, end, "%s record: missing key '%s'", kind_names[kind],
				    top_keys[(int)kind_keys[kind][j]]);
	if (peek(d) != -1)
		return derr(d, d->i, "trailing characters after the record");
	if (kind == MC_R_SCHEMA) {
		for (size_t j = 0; j < r->nkey; j++)
			if (r->key[j] >= r->ncols) {
				d->key = "key";
				return derr(d, at[K_KEY], "column index %u out of range (%zu columns)",
					    r->key[j], r->ncols);
			}
	}
	if (kind == MC_R_ROW) {
		int wb = r->op == MC_OP_UPDATE || r->op == MC_OP_DELETE;
		int wa = r->op != MC_OP_DELETE;
		if (wb != (r->before != NULL)) {
			d->key = "before";
			return derr(d, at[K_BEFORE], "op %s %s a before image", rec_op_name(r->op),
				    wb ? "needs" : "must not have");
		}
		if (wa != (r->after != NULL)) {
			d->key = "after";
			return derr(d, at[K_AFTER], "op %s %s an after image", rec_op_name(r->op),
				    wa ? "needs" : "must not have");
		}
	}
	if (rec_validate(r, d->err) < 0)
		return dctx(d, 0);
	return 0;
}

int jsonl_decode(struct jsonl_parser *jp, const char *line, size_t n, struct mc_rec *rec,
		 struct mc_err *err)
{
	struct jdec d;

	memset(rec, 0, sizeof *rec);
	memset(&d, 0, sizeof d);
	if (n == SIZE_MAX)
		return mc_errnof(err, ENOMEM, "line too long");
	jp->text.len = 0;
	if (buf_grow(&jp->text, n + 1) < 0)
		return mc_errnof(err, ENOMEM, "out of memory");
	d.s = (const unsigned char *)line;
	d.n = n;
	d.t = jp->text.p;
	d.jp = jp;
	d.err = err;
	if (decode(&d, rec) < 0)
		return -1;
	jp->text.len = d.tl;
	return 0;
}

void jsonl_parser_free(struct jsonl_parser *jp)
{
	buf_free(&jp->text);
	rec_scratch_free(&jp->sc);
	jp->priv = NULL;
}
