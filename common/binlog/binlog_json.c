/* binlog_json.c: MySQL's binary JSON to text as MySQL prints it, and the
 * partial JSON updates of PARTIAL_UPDATE_ROWS applied to a document. */
#include "binlog/binlog.h"
#include "binlog/binlog_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

#define MAX_DEPTH 150

/* Bound of the text of one document, set from its binary size. */
static _Thread_local size_t out_limit;


enum {
	J_SMALL_OBJ = 0, J_LARGE_OBJ = 1, J_SMALL_ARR = 2, J_LARGE_ARR = 3, J_LITERAL = 4,
	J_INT16 = 5, J_UINT16 = 6, J_INT32 = 7, J_UINT32 = 8, J_INT64 = 9, J_UINT64 = 10,
	J_DOUBLE = 11, J_STRING = 12, J_OPAQUE = 15,
};

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int add_jstr(struct mc_buf *b, const char *s, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	if (buf_addc(b, '"') < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		int rc;
		switch (ch) {
		case '"': rc = buf_add(b, "\\\"", 2); break;
		case '\\': rc = buf_add(b, "\\\\", 2); break;
		case '\b': rc = buf_add(b, "\\b", 2); break;
		case '\f': rc = buf_add(b, "\\f", 2); break;
		case '\n': rc = buf_add(b, "\\n", 2); break;
		case '\r': rc = buf_add(b, "\\r", 2); break;
		case '\t': rc = buf_add(b, "\\t", 2); break;
		default:
			if (ch < 0x20) {
				char u[6] = { '\\', 'u', '0', '0', hx[ch >> 4], hx[ch & 15] };
				rc = buf_add(b, u, 6);
			} else {
				rc = buf_addc(b, (char)ch);
			}
		}
		if (rc < 0)
			return -1;
	}
	return buf_addc(b, '"');
}

/* A double as MySQL prints it in JSON: shortest text that reads back, with
 * ".0" when it looks like an integer, exponent without '+' or leading 0. */
static int add_double(struct mc_buf *b, double d)
{
	char t[40], o[48];
	size_t k = 0;
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(t, sizeof t, "%.*g", prec, d);
		if (strtod(t, NULL) == d)
			break;
	}
	for (const char *s = t; *s; s++) {
		if (*s == 'e') {
			o[k++] = 'e';
			s++;
			if (*s == '+')
				s++;
			else if (*s == '-')
				o[k++] = *s++;
			while (*s == '0' && s[1])
				s++;
			while (*s)
				o[k++] = *s++;
			break;
		}
		o[k++] = *s;
	}
	o[k] = 0;
	if (!strpbrk(o, ".e") && strcmp(o, "inf") && strcmp(o, "-inf") && strcmp(o, "nan"))
		return buf_addf(b, "%s.0", o);
	return buf_adds(b, o);
}

static int value(const uint8_t *base, size_t n, uint8_t type, const uint8_t *p, size_t avail,
		 struct mc_buf *out, int depth, struct mc_err *err);

/* Variable-length length of strings and opaque values (7 bits a byte). */
static int vlen(const uint8_t **p, const uint8_t *end, uint32_t *len, struct mc_err *err)
{
	uint64_t v = 0;
	for (int i = 0; i < 5; i++) {
		if (*p >= end)
			return EBAD("JSON: truncated length");
		v |= (uint64_t)(**p & 0x7f) << (7 * i);
		if (!(*(*p)++ & 0x80)) {
			if (v > UINT32_MAX)
				return EBAD("JSON: bad length");
			*len = (uint32_t)v;
			return 0;
		}
	}
	return EBAD("JSON: bad length");
}

static int container(const uint8_t *p, size_t n, int large, int obj, struct mc_buf *out,
		     int depth, struct mc_err *err)
{
	unsigned os = large ? 4 : 2;
	uint64_t count, size;
	size_t hdr, kes = obj ? os + 2 : 0, ves = 1 + os;
	if (depth > MAX_DEPTH)
		return EBAD("JSON: nested too deep");
	if (n < 2 * os)
		return EBAD("JSON: truncated container");
	count = le(p, os);
	size = le(p + os, os);
	hdr = 2 * os;
	if (size > n || size < hdr)
		return EBAD("JSON: container size %llu with %zu bytes", (unsigned long long)size, n);
	n = (size_t)size;
	if (count > (n - hdr) / (kes + ves))
		return EBAD("JSON: %llu elements do not fit", (unsigned long long)count);
	if (buf_addc(out, obj ? '{' : '[') < 0)
		return mc_oom(err, "JSON");
	for (uint64_t i = 0; i < count; i++) {
		/* Values may share bytes: bound the text, not just the depth, so a
		 * small document cannot expand exponentially. */
		if (out->len > out_limit)
			return EBAD("JSON: document text larger than %zu bytes", out_limit);
		const uint8_t *ve = p + hdr + count * kes + i * ves;
		if (i && buf_add(out, ", ", 2) < 0)
			return mc_oom(err, "JSON");
		if (obj) {
			const uint8_t *ke = p + hdr + i * kes;
			uint64_t ko = le(ke, os), kl = le(ke + os, 2);
			if (ko > n || kl > n - ko)
				return EBAD("JSON: key beyond the object");
			if (add_jstr(out, (const char *)p + ko, kl) < 0 || buf_add(out, ": ", 2) < 0)
				return mc_oom(err, "JSON");
		}
		{
			uint8_t t = ve[0];
			int inl = t == J_LITERAL || t == J_INT16 || t == J_UINT16 ||
				  (large && (t == J_INT32 || t == J_UINT32));
			if (inl) {
				if (value(p, n, t, ve + 1, os, out, depth + 1, err) < 0)
					return -1;
			} else {
				uint64_t off = le(ve + 1, os);
				if (off >= n)
					return EBAD("JSON: value offset %llu beyond %zu bytes",
						    (unsigned long long)off, n);
				if (value(p, n, t, p + off, n - off, out, depth + 1, err) < 0)
					return -1;
			}
		}
	}
	if (buf_addc(out, obj ? '}' : ']') < 0)
		return mc_oom(err, "JSON");
	return 0;
}

static int opaque(uint8_t ft, const uint8_t *d, uint32_t len, struct mc_buf *out,
		  struct mc_err *err)
{
	char t[128];
	size_t k;
	int rc;
	switch (ft) {
	case BL_T_NEWDECIMAL: {
		unsigned prec, scale;
		if (len < 2)
			return EBAD("JSON: short DECIMAL");
		prec = d[0];
		scale = d[1];
		if (prec == 0 || prec > 65 || scale > prec || bl_decimal_size(prec, scale) > len - 2u)
			return EBAD("JSON: bad DECIMAL(%u,%u)", prec, scale);
		k = bl_decimal_text(d + 2, prec, scale, t);
		if (!k)
			return EBAD("JSON: malformed DECIMAL");
		rc = buf_add(out, t, k);
		break;
	}
	case BL_T_DATE: case BL_T_NEWDATE: case BL_T_DATETIME: case BL_T_DATETIME2:
	case BL_T_TIMESTAMP: case BL_T_TIMESTAMP2: case BL_T_TIME: case BL_T_TIME2: {
		int64_t packed;
		if (len < 8)
			return EBAD("JSON: short temporal value");
		packed = (int64_t)le(d, 8);
		if (ft == BL_T_TIME || ft == BL_T_TIME2)
			k = bl_packed_time_text(packed, 6, t);
		else
			k = bl_packed_datetime_text(packed, 6,
						    ft == BL_T_DATE || ft == BL_T_NEWDATE, t);
		rc = add_jstr(out, t, k);
		break;
	}
	default: {
		static const char b64[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		rc = buf_addf(out, "\"base64:type%u:", ft);
		for (uint32_t i = 0; rc == 0 && i < len; i += 3) {
			uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < len ? (uint32_t)d[i + 1] << 8 : 0) |
				     (i + 2 < len ? d[i + 2] : 0);
			char q[4] = { b64[v >> 18], b64[(v >> 12) & 63],
				      i + 1 < len ? b64[(v >> 6) & 63] : '=',
				      i + 2 < len ? b64[v & 63] : '=' };
			rc = buf_add(out, q, 4);
		}
		if (rc == 0)
			rc = buf_addc(out, '"');
	}
	}
	return rc < 0 ? mc_oom(err, "JSON") : 0;
}

static int value(const uint8_t *base, size_t n, uint8_t type, const uint8_t *p, size_t avail,
		 struct mc_buf *out, int depth, struct mc_err *err)
{
	int rc;
	(void)base;
	(void)n;
	switch (type) {
	case J_SMALL_OBJ: case J_LARGE_OBJ:
		return container(p, avail, type == J_LARGE_OBJ, 1, out, depth, err);
	case J_SMALL_ARR: case J_LARGE_ARR:
		return container(p, avail, type == J_LARGE_ARR, 0, out, depth, err);
	case J_LITERAL:
		if (avail < 1)
			return EBAD("JSON: truncated literal");
		if (p[0] > 2)
			return EBAD("JSON: bad literal %u", p[0]);
		rc = buf_adds(out, p[0] == 0 ? "null" : p[0] == 1 ? "true" : "false");
		break;
	case J_INT16: case J_UINT16:
		if (avail < 2)
			return EBAD("JSON: truncated integer");
		rc = type == J_INT16 ? buf_addf(out, "%d", (int16_t)le(p, 2))
				     : buf_addf(out, "%u", (unsigned)le(p, 2));
		break;
	case J_INT32: case J_UINT32:
		if (avail < 4)
			return EBAD("JSON: truncated integer");
		rc = type == J_INT32 ? buf_addf(out, "%ld", (long)(int32_t)le(p, 4))
				     : buf_addf(out, "%lu", (unsigned long)le(p, 4));
		break;
	case J_INT64: case J_UINT64:
		if (avail < 8)
			return EBAD("JSON: truncated integer");
		rc = type == J_INT64 ? buf_addf(out, "%lld", (long long)le(p, 8))
				     : buf_addf(out, "%llu", (unsigned long long)le(p, 8));
		break;
	case J_DOUBLE: {
		uint64_t u;
		double d;
		if (avail < 8)
			return EBAD("JSON: truncated double");
		u = le(p, 8);
		memcpy(&d, &u, 8);
		if (!isfinite(d))
			return EBAD("JSON: double is not finite");
		rc = add_double(out, d);
		break;
	}
	case J_STRING: {
		const uint8_t *q = p, *end = p + avail;
		uint32_t len;
		if (vlen(&q, end, &len, err) < 0)
			return -1;
		if (len > (size_t)(end - q))
			return EBAD("JSON: string beyond the document");
		rc = add_jstr(out, (const char *)q, len);
		break;
	}
	case J_OPAQUE: {
		const uint8_t *q = p, *end = p + avail;
		uint32_t len;
		uint8_t ft;
		if (avail < 1)
			return EBAD("JSON: truncated opaque value");
		ft = *q++;
		if (vlen(&q, end, &len, err) < 0)
			return -1;
		if (len > (size_t)(end - q))
			return EBAD("JSON: opaque value beyond the document");
		return opaque(ft, q, len, out, err);
	}
	default:
		return EBAD("JSON: unknown value type %u", type);
	}
	return rc < 0 ? mc_oom(err, "JSON") : 0;
}

int bl_json_text(const uint8_t *p, size_t n, struct mc_buf *out, struct mc_err *err)
{
	out_limit = out->len + 16 * n + 65536;
	if (n == 0)
		return buf_adds(out, "null") < 0 ? mc_oom(err, "JSON") : 0;
	return value(p + 1, n - 1, p[0], p + 1, n - 1, out, 0, err);
}

/* Partial updates ----------------------------------------------------
 * The before image's JSON text is parsed into a small tree, each diff
 * (REPLACE, INSERT, REMOVE at a JSON path) is applied, and the tree is
 * printed again the way MySQL prints documents. Scalars keep their text. */

struct jnode {
	int kind; /* 0 scalar, 1 object, 2 array */
	char *text; size_t tlen;   /* scalar text */
	size_t n, cap;
	char **keys; size_t *klen; /* object keys (unescaped) */
	struct jnode **kids;
};

static void jfree(struct jnode *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->n; i++) {
		jfree(j->kids[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->kids);
	free(j->keys);
	free(j->klen);
	free(j->text);
	free(j);
}

struct jp {
	const char *s, *end;
};

static void ws(struct jp *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\n' || *p->s == '\t' || *p->s == '\r'))
		p->s++;
}

/* Parse a JSON string at p (on '"') into malloc'd unescaped bytes. */
static int jstring(struct jp *p, char **out, size_t *len)
{
	struct mc_buf b = { 0 };
	p->s++;
	while (p->s < p->end && *p->s != '"') {
		char ch = *p->s++;
		if (ch == '\\') {
			if (p->s >= p->end)
				goto bad;
			ch = *p->s++;
			switch (ch) {
			case 'b': ch = '\b'; break;
			case 'f': ch = '\f'; break;
			case 'n': ch = '\n'; break;
			case 'r': ch = '\r'; break;
			case 't': ch = '\t'; break;
			case 'u': {
				unsigned v = 0;
				if (p->end - p->s < 4)
					goto bad;
				for (int i = 0; i < 4; i++) {
					char h = *p->s++;
					v = v * 16 + (unsigned)(h >= 'a' ? h - 'a' + 10 : h >= 'A' ? h - 'A' + 10 : h - '0');
				}
				if (v < 0x80) {
					ch = (char)v;
				} else {
					char u[3];
					if (v < 0x800) {
						u[0] = (char)(0xc0 | v >> 6);
						u[1] = (char)(0x80 | (v & 0x3f));
						if (buf_add(&b, u, 2) < 0)
							goto bad;
					} else {
						u[0] = (char)(0xe0 | v >> 12);
						u[1] = (char)(0x80 | ((v >> 6) & 0x3f));
						u[2] = (char)(0x80 | (v & 0x3f));
						if (buf_add(&b, u, 3) < 0)
							goto bad;
					}
					continue;
				}
				break;
			}
			default: break;
			}
		}
		if (buf_addc(&b, ch) < 0)
			goto bad;
	}
	if (p->s >= p->end)
		goto bad;
	p->s++;
	if (buf_addc(&b, 0) < 0)
		goto bad;
	*out = b.p;
	*len = b.len - 1;
	return 0;
bad:
	buf_free(&b);
	return -1;
}

static int jadd(struct jnode *j, char *key, size_t klen, struct jnode *kid, size_t at)
{
	if (j->n == j->cap) {
		/* kids, and for an object keys and klen: parallel, cap items each */
		size_t ck = j->cap, cs = j->cap, cl = j->cap;
		if (mc_grow(&j->kids, &ck, j->n + 1, sizeof *j->kids) < 0 ||
		    (j->kind == 1 && (mc_grow(&j->keys, &cs, j->n + 1, sizeof *j->keys) < 0 ||
				      mc_grow(&j->klen, &cl, j->n + 1, sizeof *j->klen) < 0)))
			return -1;
		j->cap = ck;
	}
	memmove(j->kids + at + 1, j->kids + at, (j->n - at) * sizeof *j->kids);
	j->kids[at] = kid;
	if (j->kind == 1) {
		memmove(j->keys + at + 1, j->keys + at, (j->n - at) * sizeof *j->keys);
		memmove(j->klen + at + 1, j->klen + at, (j->n - at) * sizeof *j->klen);
		j->keys[at] = key;
		j->klen[at] = klen;
	}
	j->n++;
	return 0;
}

static struct jnode *jparse(struct jp *p, int depth)
{
	struct jnode *j;
	if (depth > MAX_DEPTH)
		return NULL;
	ws(p);
	if (p->s >= p->end)
		return NULL;
	j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	if (*p->s == '{' || *p->s == '[') {
		char close = *p->s == '{' ? '}' : ']';
		j->kind = *p->s == '{' ? 1 : 2;
		p->s++;
		ws(p);
		if (p->s < p->end && *p->s == close) {
			p->s++;
			return j;
		}
		for (;;) {
			char *key = NULL;
			size_t klen = 0;
			struct jnode *kid;
			ws(p);
			if (j->kind == 1) {
				if (p->s >= p->end || *p->s != '"' || jstring(p, &key, &klen) < 0)
					goto bad;
				ws(p);
				if (p->s >= p->end || *p->s != ':') {
					free(key);
					goto bad;
				}
				p->s++;
			}
			kid = jparse(p, depth + 1);
			if (!kid || jadd(j, key, klen, kid, j->n) < 0) {
				free(key);
				jfree(kid);
				goto bad;
			}
			ws(p);
			if (p->s < p->end && *p->s == ',') {
				p->s++;
				continue;
			}
			if (p->s < p->end && *p->s == close) {
				p->s++;
				return j;
			}
			goto bad;
		}
	}
	{
		const char *st = p->s;
		if (*p->s == '"') {
			p->s++;
			while (p->s < p->end && *p->s != '"')
				p->s += *p->s == '\\' ? 2 : 1;
			if (p->s >= p->end)
				goto bad;
			p->s++;
		} else {
			while (p->s < p->end && !strchr(",]} \n\t\r", *p->s))
				p->s++;
		}
		j->tlen = (size_t)(p->s - st);
		j->text = malloc(j->tlen + 1);
		if (!j->text || j->tlen == 0)
			goto bad;
		memcpy(j->text, st, j->tlen);
		return j;
	}
bad:
	jfree(j);
	return NULL;
}

static int jprint(const struct jnode *j, struct mc_buf *b)
{
	if (j->kind == 0)
		return buf_add(b, j->text, j->tlen);
	if (buf_addc(b, j->kind == 1 ? '{' : '[') < 0)
		return -1;
	for (size_t i = 0; i < j->n; i++) {
		if (i && buf_add(b, ", ", 2) < 0)
			return -1;
		if (j->kind == 1 && (add_jstr(b, j->keys[i], j->klen[i]) < 0 || buf_add(b, ": ", 2) < 0))
			return -1;
		if (jprint(j->kids[i], b) < 0)
			return -1;
	}
	return buf_addc(b, j->kind == 1 ? '}' : ']');
}

/* MySQL orders object keys by length, then bytes. */
static int keycmp(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return an < bn ? -1 : 1;
	return memcmp(a, b, an);
}

/* One step of a path: a key or an index. Returns 1 for a step, 0 at the end,
 * -1 on bad syntax. */
struct step {
	int is_key;
	char *key; size_t klen;
	size_t idx;
};

static int next_step(struct jp *p, struct step *st)
{
	ws(p);
	if (p->s >= p->end)
		return 0;
	if (*p->s == '.') {
		p->s++;
		st->is_key = 1;
		if (p->s < p->end && *p->s == '"')
			return jstring(p, &st->key, &st->klen) < 0 ? -1 : 1;
		{
			const char *k = p->s;
			while (p->s < p->end && *p->s != '.' && *p->s != '[')
				p->s++;
			st->klen = (size_t)(p->s - k);
			st->key = malloc(st->klen + 1);
			if (!st->key)
				return -1;
			memcpy(st->key, k, st->klen);
			st->key[st->klen] = 0;
			return 1;
		}
	}
	if (*p->s == '[') {
		size_t v = 0;
		p->s++;
		st->is_key = 0;
		if (p->s >= p->end || *p->s < '0' || *p->s > '9')
			return -1;
		while (p->s < p->end && *p->s >= '0' && *p->s <= '9') {
			if (v > 100000000)
				return -1;
			v = v * 10 + (size_t)(*p->s++ - '0');
		}
		if (p->s >= p->end || *p->s != ']')
			return -1;
		p->s++;
		st->idx = v;
		return 1;
	}
	return -1;
}

/* Apply one operation at path to the tree. op 0 replace, 1 insert, 2 remove. */
static int apply(struct jnode **root, const char *path, size_t plen, int op, struct jnode *val,
		 struct mc_err *err)
{
	struct jp p = { path, path + plen };
	struct jnode **cur = root, *parent = NULL;
	struct step st = { 0 }, last = { 0 };
	int have_last = 0, r;
	ws(&p);
	if (p.s >= p.end || *p.s != '$')
		return EBAD("JSON diff: bad path '%.*s'", (int)plen, path);
	p.s++;
	while ((r = next_step(&p, &st)) == 1) {
		if (have_last) {
			/* descend by last */
			struct jnode *c = *cur;
			size_t i;
			if (last.is_key) {
				if (c->kind != 1)
					goto notfound;
				for (i = 0; i < c->n; i++)
					if (keycmp(c->keys[i], c->klen[i], last.key, last.klen) == 0)
						break;
			} else {
				if (c->kind != 2)
					goto notfound;
				i = last.idx;
			}
			if (i >= c->n)
				goto notfound;
			parent = c;
			cur = &c->kids[i];
			free(last.key);
		}
		last = st;
		memset(&st, 0, sizeof st);
		have_last = 1;
	}
	if (r < 0) {
		free(last.key);
		return EBAD("JSON diff: bad path '%.*s'", (int)plen, path);
	}
	(void)parent;
	if (!have_last) {
		if (op != 0)
			return EBAD("JSON diff: operation %d on the whole document", op);
		jfree(*root);
		*root = val;
		return 0;
	}
	{
		struct jnode *c = *cur;
		size_t i;
		if (last.is_key) {
			if (c->kind != 1)
				goto notfound;
			for (i = 0; i < c->n; i++)
				if (keycmp(c->keys[i], c->klen[i], last.key, last.klen) == 0)
					break;
			if (op == 1 && i == c->n) {
				size_t at = 0;
				while (at < c->n && keycmp(c->keys[at], c->klen[at], last.key, last.klen) < 0)
					at++;
				if (jadd(c, last.key, last.klen, val, at) < 0)
					return mc_oom(err, "JSON");
				return 0;
			}
		} else {
			if (c->kind != 2)
				goto notfound;
			i = last.idx;
			if (op == 1) {
				if (i > c->n)
					i = c->n;
				if (jadd(c, NULL, 0, val, i) < 0)
					return mc_oom(err, "JSON");
				return 0;
			}
		}
		if (i >= c->n)
			goto notfound;
		if (op == 2) {
			jfree(c->kids[i]);
			if (c->keys)
				free(c->keys[i]);
			memmove(c->kids + i, c->kids + i + 1, (c->n - i - 1) * sizeof *c->kids);
			if (c->keys) {
				memmove(c->keys + i, c->keys + i + 1, (c->n - i - 1) * sizeof *c->keys);
				memmove(c->klen + i, c->klen + i + 1, (c->n - i - 1) * sizeof *c->klen);
			}
			c->n--;
			jfree(val);
		} else {
			jfree(c->kids[i]);
			c->kids[i] = val;
		}
		free(last.key);
		return 0;
	}
notfound:
	free(last.key);
	free(st.key);
	jfree(val);
	return EBAD("JSON diff: path '%.*s' not found in the before image", (int)plen, path);
}

int bl_json_apply_diff(const char *old, size_t oldn, const uint8_t *diff, size_t n,
		       struct mc_buf *out, struct mc_err *err)
{
	struct jp p = { old, old + oldn };
	struct jnode *root = jparse(&p, 0);
	const uint8_t *q = diff, *end = diff + n;
	int rc = 0;
	if (!root)
		return EBAD("partial JSON: before image is not JSON");
	while (q < end && rc == 0) {
		uint8_t op = *q++;
		uint64_t plen, vlen_;
		const char *path;
		struct jnode *val = NULL;
		if (op > 2) {
			rc = EBAD("JSON diff: operation %u", op);
			break;
		}
		if (q >= end || *q >= 0xfb) {
			rc = EBAD("JSON diff: bad path length");
			break;
		}
		plen = *q++;
		if (plen > (uint64_t)(end - q)) {
			rc = EBAD("JSON diff: path beyond the value");
			break;
		}
		path = (const char *)q;
		q += plen;
		if (op != 2) {
			struct mc_buf vt = { 0 };
			struct jp vp;
			if (q >= end) {
				rc = EBAD("JSON diff: missing value");
				break;
			}
			if (*q < 0xfb) {
				vlen_ = *q++;
			} else if (*q == 0xfc && end - q >= 3) {
				vlen_ = q[1] | (uint64_t)q[2] << 8;
				q += 3;
			} else if (*q == 0xfd && end - q >= 4) {
				vlen_ = q[1] | (uint64_t)q[2] << 8 | (uint64_t)q[3] << 16;
				q += 4;
			} else if (*q == 0xfe && end - q >= 9) {
				vlen_ = le(q + 1, 8);
				q += 9;
			} else {
				rc = EBAD("JSON diff: bad value length");
				break;
			}
			if (vlen_ > (uint64_t)(end - q)) {
				rc = EBAD("JSON diff: value beyond the event");
				break;
			}
			if (bl_json_text(q, vlen_, &vt, err) < 0) {
				buf_free(&vt);
				rc = -1;
				break;
			}
			q += vlen_;
			vp.s = vt.p;
			vp.end = vt.p + vt.len;
			val = jparse(&vp, 0);
			buf_free(&vt);
			if (!val) {
				rc = EBAD("JSON diff: bad value");
				break;
			}
		}
		rc = apply(&root, path, plen, op, val, err);
	}
	if (rc == 0 && jprint(root, out) < 0)
		rc = mc_oom(err, "JSON");
	jfree(root);
	return rc;
}
