/* upsert.c: Tunnel upsert sessions (upsert.h). */
#include "odps/upsert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/utf8.h"
#include "odps/endpoint.h"
#include "odps/httperr.h"

/* ---- a small JSON tree: nodes in one array, text in one buffer ---- */

#define JMAX_DEPTH 32
#define JNONE ((size_t)-1)

enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jnode {
	int type;
	size_t at;        /* offset in the input */
	size_t off, len;  /* J_STR, J_NUM: text in t; J_BOOL: len 1 = true */
	size_t koff, klen; /* a member's key in t */
	size_t child, next;
};

struct jtree {
	const char *b;
	size_t n, i;
	struct jnode *nd;
	size_t nn, cap;
	struct mc_buf t;
	struct mc_err *err;
};

static int jfail(struct jtree *j, size_t at, const char *what)
{
	return mc_errf(j->err, MC_EXIT_DATA, "the upsert session answer: offset %zu: %s", at, what);
}

static void jws(struct jtree *j)
{
	while (j->i < j->n && (j->b[j->i] == ' ' || j->b[j->i] == '\t' || j->b[j->i] == '\r' ||
			       j->b[j->i] == '\n'))
		j->i++;
}

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static long u4(struct jtree *j)
{
	long v = 0;
	if (j->n - j->i < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		int h = hexv(j->b[j->i + k]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	j->i += 4;
	return v;
}

/* A string at j->i (the quote) appended to t: *off, *len. */
static int jstr(struct jtree *j, size_t *off, size_t *len)
{
	size_t at = j->i;
	*off = j->t.len;
	j->i++;
	for (;;) {
		unsigned char c;
		if (j->i >= j->n)
			return jfail(j, at, "a string does not end");
		c = (unsigned char)j->b[j->i++];
		if (c == '"')
			break;
		if (c < 0x20)
			return jfail(j, j->i - 1, "a control character in a string");
		if (c == '\\') {
			long v, lo;
			char u8[4];
			size_t k = 0;
			if (j->i >= j->n)
				return jfail(j, at, "a string does not end");
			c = (unsigned char)j->b[j->i++];
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				if ((v = u4(j)) < 0)
					return jfail(j, j->i, "a bad \\u escape");
				if (v >= 0xd800 && v < 0xdc00) {
					if (j->n - j->i < 6 || j->b[j->i] != '\\' || j->b[j->i + 1] != 'u')
						return jfail(j, j->i, "a lone surrogate");
					j->i += 2;
					if ((lo = u4(j)) < 0xdc00 || lo > 0xdfff)
						return jfail(j, j->i, "a lone surrogate");
					v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
				} else if (v >= 0xdc00 && v < 0xe000) {
					return jfail(j, j->i, "a lone surrogate");
				}
				if (v == 0)
					return jfail(j, j->i, "a NUL in a string");
				k += mc_utf8_put(u8 + k, (uint32_t)v);
				if (buf_add(&j->t, u8, k) < 0)
					return mc_oom(j->err, "the upsert session answer");
				continue;
			default:
				return jfail(j, j->i - 1, "a bad escape");
			}
		}
		if (buf_addc(&j->t, (char)c) < 0)
			return mc_oom(j->err, "the upsert session answer");
	}
	*len = j->t.len - *off;
	if (buf_addc(&j->t, '\0') < 0) /* every text NUL-terminated in t */
		return mc_oom(j->err, "the upsert session answer");
	return 0;
}

static int jnew(struct jtree *j, int type, size_t *idx)
{
	if (mc_push(&j->nd, &j->nn, &j->cap, sizeof *j->nd) < 0)
		return mc_oom(j->err, "the upsert session answer");
	*idx = j->nn - 1;
	j->nd[*idx] = (struct jnode){ type, j->i, 0, 0, 0, 0, JNONE, JNONE };
	return 0;
}

static int jvalue(struct jtree *j, size_t *idx, int depth)
{
	size_t me, last = JNONE;
	char c;
	if (depth > JMAX_DEPTH)
		return jfail(j, j->i, "nested too deep");
	jws(j);
	if (j->i >= j->n)
		return jfail(j, j->i, "a value expected");
	c = j->b[j->i];
	if (c == '"') {
		if (jnew(j, J_STR, &me) < 0)
			return -1;
		size_t off, len;
		if (jstr(j, &off, &len) < 0)
			return -1;
		j->nd[me].off = off;
		j->nd[me].len = len;
		*idx = me;
		return 0;
	}
	if (c == '{' || c == '[') {
		int obj = c == '{';
		if (jnew(j, obj ? J_OBJ : J_ARR, &me) < 0)
			return -1;
		j->i++;
		jws(j);
		if (j->i < j->n && j->b[j->i] == (obj ? '}' : ']')) {
			j->i++;
			*idx = me;
			return 0;
		}
		for (;;) {
			size_t koff = 0, klen = 0, ch;
			jws(j);
			if (obj) {
				if (j->i >= j->n || j->b[j->i] != '"')
					return jfail(j, j->i, "a key expected");
				if (jstr(j, &koff, &klen) < 0)
					return -1;
				jws(j);
				if (j->i >= j->n || j->b[j->i] != ':')
					return jfail(j, j->i, "':' expected");
				j->i++;
			}
			if (jvalue(j, &ch, depth + 1) < 0)
				return -1;
			j->nd[ch].koff = koff;
			j->nd[ch].klen = klen;
			if (last == JNONE)
				j->nd[me].child = ch;
			else
				j->nd[last].next = ch;
			last = ch;
			jws(j);
			if (j->i < j->n && j->b[j->i] == ',') {
				j->i++;
				continue;
			}
			if (j->i < j->n && j->b[j->i] == (obj ? '}' : ']')) {
				j->i++;
				*idx = me;
				return 0;
			}
			return jfail(j, j->i, obj ? "',' or '}' expected" : "',' or ']' expected");
		}
	}
	{
		size_t a = j->i;
		while (j->i < j->n && (strchr("+-.eE", j->b[j->i]) ||
				       (j->b[j->i] >= '0' && j->b[j->i] <= '9') ||
				       (j->b[j->i] >= 'a' && j->b[j->i] <= 'z')) && j->b[j->i])
			j->i++;
		size_t l = j->i - a;
		int type;
		if (l == 4 && !memcmp(j->b + a, "null", 4))
			type = J_NULL;
		else if ((l == 4 && !memcmp(j->b + a, "true", 4)) ||
			 (l == 5 && !memcmp(j->b + a, "false", 5)))
			type = J_BOOL;
		else if (l && (j->b[a] == '-' || (j->b[a] >= '0' && j->b[a] <= '9')))
			type = J_NUM;
		else
			return jfail(j, a, "not a JSON value");
		j->i = a;
		if (jnew(j, type, &me) < 0)
			return -1;
		j->i = a + l;
		j->nd[me].off = j->t.len;
		j->nd[me].len = type == J_BOOL ? (j->b[a] == 't') : l;
		if (type == J_NUM && (buf_add(&j->t, j->b + a, l) < 0 || buf_addc(&j->t, '\0') < 0))
			return mc_oom(j->err, "the upsert session answer");
		*idx = me;
		return 0;
	}
}

static const char *jtext(const struct jtree *j, size_t idx)
{
	return j->t.p + j->nd[idx].off;
}

/* The member key of object idx, or JNONE. */
static size_t jget(const struct jtree *j, size_t idx, const char *key)
{
	for (size_t c = j->nd[idx].child; c != JNONE; c = j->nd[c].next)
		if (j->nd[c].klen == strlen(key) && !memcmp(j->t.p + j->nd[c].koff, key,
							     j->nd[c].klen))
			return c;
	return JNONE;
}

/* A non-negative integer: a number without sign, point or exponent (or
 * the same as a string). */
static int juint(const struct jtree *j, size_t idx, uint64_t max, uint64_t *v)
{
	const char *p = jtext(j, idx);
	size_t n = j->nd[idx].len;
	if ((j->nd[idx].type != J_NUM && j->nd[idx].type != J_STR) || !n || n > 19 ||
	    (n > 1 && p[0] == '0'))
		return -1;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	}
	return *v <= max ? 0 : -1;
}

/* ---- the session answer ---- */

static const char *const meta_names[ODPS_UPS_META] = { "__version", "__app_version",
						       "__operation", "__key_cols",
						       "__value_cols" };
static const char *const meta_types[ODPS_UPS_META] = { "BIGINT", "BIGINT", "TINYINT",
						       "ARRAY<BIGINT>", "ARRAY<BIGINT>" };

enum odps_ups_stat odps_ups_stat_of(const char *s)
{
	static const struct { const char *n; enum odps_ups_stat st; } t[] = {
		{ "normal", ODPS_UPS_NORMAL },       { "committing", ODPS_UPS_COMMITTING },
		{ "committed", ODPS_UPS_COMMITTED }, { "expired", ODPS_UPS_EXPIRED },
		{ "critical", ODPS_UPS_CRITICAL },   { "aborted", ODPS_UPS_ABORTED },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcasecmp(s, t[i].n))
			return t[i].st;
	return ODPS_UPS_UNKNOWN;
}

void odps_ups_free(struct odps_ups_session *s)
{
	trec_schema_free(&s->schema);
	free(s->keys);
	free(s->bucket_slot);
	free(s->slots);
	memset(s, 0, sizeof *s);
}

static int printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return 0;
	return 1;
}

/* host:port, a non-empty host of [A-Za-z0-9.-:] (IPv6 in brackets), a
 * port 1..65535. */
static int addr_ok(const char *s, size_t n)
{
	const char *c = NULL;
	size_t h, pn;
	for (size_t i = n; i > 0; i--)
		if (s[i - 1] == ':') {
			c = s + i - 1;
			break;
		}
	unsigned long port = 0;
	if (!c || n >= 128)
		return 0;
	h = (size_t)(c - s);
	pn = n - h - 1;
	if (!h || !pn || pn > 5)
		return 0;
	for (size_t i = 0; i < h; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || strchr(".-:[]", s[i])))
			return 0;
	for (size_t i = h + 1; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		port = port * 10 + (unsigned long)(s[i] - '0');
	}
	return port >= 1 && port <= 65535;
}

static int hashable(const struct trec_type *t)
{
	switch ((enum trec_kind)t->kind) {
	case TREC_ARRAY: case TREC_MAP: case TREC_STRUCT: case TREC_JSON:
	case TREC_INTERVAL_YEAR_MONTH:
		return 0;
	default:
		return 1;
	}
}

static int parse_tree(struct jtree *j, size_t root, struct odps_ups_session *s)
{
	static const char *const need[] = { "id", "schema", "hash_key", "hasher", "slots",
					    "status" };
	size_t x, cols, c;
	uint64_t nb = 0;

	if (j->nd[root].type != J_OBJ)
		return jfail(j, 0, "an object expected");
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (jget(j, root, need[i]) == JNONE) {
			char m[80];
			snprintf(m, sizeof m, "no '%s' (an incomplete session)", need[i]);
			return jfail(j, 0, m);
		}
	x = jget(j, root, "id");
	if (j->nd[x].type != J_STR || !odps_url_id_ok(jtext(j, x), j->nd[x].len))
		return jfail(j, j->nd[x].at, "an id that is not 1..127 letters, digits, '-', '_', '.'");
	memcpy(s->id, jtext(j, x), j->nd[x].len + 1);
	x = jget(j, root, "status");
	if (j->nd[x].type != J_STR || (s->status = odps_ups_stat_of(jtext(j, x))) == ODPS_UPS_UNKNOWN)
		return jfail(j, j->nd[x].at, "a status that is not normal, committing, committed, "
			     "expired, critical or aborted");
	snprintf(s->status_text, sizeof s->status_text, "%s", jtext(j, x));
	x = jget(j, root, "hasher");
	if (j->nd[x].type != J_STR)
		return jfail(j, j->nd[x].at, "a hasher that is not a string");
	if (!j->nd[x].len)
		s->hasher = ODPS_HASH_DEFAULT;
	else if (odps_hasher_parse(jtext(j, x), j->nd[x].len, &s->hasher) < 0)
		return jfail(j, j->nd[x].at, "a hasher that is not 'default' or 'legacy'");
	x = jget(j, root, "enable_partial_update");
	if (x != JNONE && j->nd[x].type == J_BOOL)
		s->partial = j->nd[x].len == 1;

	/* the data columns */
	x = jget(j, root, "schema");
	if (j->nd[x].type != J_OBJ || (cols = jget(j, x, "columns")) == JNONE ||
	    j->nd[cols].type != J_ARR)
		return jfail(j, j->nd[x].at, "a schema without a list of columns");
	for (c = j->nd[cols].child; c != JNONE; c = j->nd[c].next) {
		size_t nm = j->nd[c].type == J_OBJ ? jget(j, c, "name") : JNONE;
		size_t ty = j->nd[c].type == J_OBJ ? jget(j, c, "type") : JNONE;
		if (nm == JNONE || ty == JNONE || j->nd[nm].type != J_STR || j->nd[ty].type != J_STR ||
		    !j->nd[nm].len)
			return jfail(j, j->nd[c].at, "a column without a name or a type");
		if (!printable(jtext(j, nm), j->nd[nm].len) || !printable(jtext(j, ty), j->nd[ty].len))
			return jfail(j, j->nd[c].at, "a column name or type holds a control character");
		for (size_t k = 0; k < ODPS_UPS_META; k++)
			if (!strcasecmp(jtext(j, nm), meta_names[k]))
				return jfail(j, j->nd[c].at, "a data column named like a hidden column");
		for (size_t k = 0; k < s->schema.ncols; k++)
			if (s->schema.cols[k].name.n == j->nd[nm].len &&
			    !strncasecmp(s->schema.cols[k].name.p, jtext(j, nm), j->nd[nm].len))
				return jfail(j, j->nd[c].at, "two columns with one name");
		if (trec_schema_add(&s->schema, jtext(j, nm), j->nd[nm].len, jtext(j, ty),
				    j->nd[ty].len, j->err) < 0)
			return mc_errctx(j->err, "the upsert session answer: offset %zu: ", j->nd[c].at);
	}
	s->ndata = s->schema.ncols;
	if (!s->ndata)
		return jfail(j, j->nd[cols].at, "a schema without columns");

	/* hash_key: column names */
	x = jget(j, root, "hash_key");
	if (j->nd[x].type != J_ARR || j->nd[x].child == JNONE)
		return jfail(j, j->nd[x].at, "a hash_key that is not a list of column names");
	for (c = j->nd[x].child; c != JNONE; c = j->nd[c].next) {
		size_t k;
		if (j->nd[c].type != J_STR)
			return jfail(j, j->nd[c].at, "a hash_key entry that is not a name");
		for (k = 0; k < s->ndata; k++)
			if (s->schema.cols[k].name.n == j->nd[c].len &&
			    !strncasecmp(s->schema.cols[k].name.p, jtext(j, c), j->nd[c].len))
				break;
		if (k == s->ndata)
			return jfail(j, j->nd[c].at, "a hash_key column that is not in the schema");
		if (!hashable(&s->schema.cols[k].type))
			return jfail(j, j->nd[c].at, "a hash_key column of a type without a hash function");
		for (size_t q = 0; q < s->nkeys; q++)
			if (s->keys[q] == k)
				return jfail(j, j->nd[c].at, "a hash_key column listed twice");
		size_t cap = s->nkeys;
		if (mc_push(&s->keys, &s->nkeys, &cap, sizeof *s->keys) < 0)
			return mc_oom(j->err, "the upsert session answer");
		s->keys[s->nkeys - 1] = k;
	}

	/* slots and buckets */
	x = jget(j, root, "slots");
	if (j->nd[x].type != J_ARR || j->nd[x].child == JNONE)
		return jfail(j, j->nd[x].at, "slots that are not a list of slots");
	for (c = j->nd[x].child; c != JNONE; c = j->nd[c].next) {
		size_t id = j->nd[c].type == J_OBJ ? jget(j, c, "slot_id") : JNONE;
		size_t wa = j->nd[c].type == J_OBJ ? jget(j, c, "worker_addr") : JNONE;
		size_t bs = j->nd[c].type == J_OBJ ? jget(j, c, "buckets") : JNONE;
		size_t cap = s->nslots;
		struct odps_ups_slot *sl;
		if (id == JNONE || (j->nd[id].type != J_STR && j->nd[id].type != J_NUM) ||
		    !j->nd[id].len || j->nd[id].len >= sizeof sl->id ||
		    !odps_url_id_ok(jtext(j, id), j->nd[id].len))
			return jfail(j, j->nd[c].at, "a slot without a usable slot_id");
		if (wa == JNONE || j->nd[wa].type != J_STR || !addr_ok(jtext(j, wa), j->nd[wa].len))
			return jfail(j, j->nd[c].at, "a slot whose worker_addr is not host:port");
		if (bs == JNONE || j->nd[bs].type != J_ARR)
			return jfail(j, j->nd[c].at, "a slot without a list of buckets");
		if (s->nslots >= ODPS_UPS_MAX_BUCKETS)
			return jfail(j, j->nd[c].at, "more slots than buckets");
		if (mc_push(&s->slots, &s->nslots, &cap, sizeof *s->slots) < 0)
			return mc_oom(j->err, "the upsert session answer");
		sl = &s->slots[s->nslots - 1];
		memcpy(sl->id, jtext(j, id), j->nd[id].len + 1);
		memcpy(sl->addr, jtext(j, wa), j->nd[wa].len + 1);
		for (size_t b = j->nd[bs].child; b != JNONE; b = j->nd[b].next) {
			uint64_t v;
			if (j->nd[b].type != J_NUM || juint(j, b, ODPS_UPS_MAX_BUCKETS - 1, &v) < 0)
				return jfail(j, j->nd[b].at, "a bucket that is not 0..4095");
			nb++;
		}
	}
	if (!nb || nb > ODPS_UPS_MAX_BUCKETS)
		return jfail(j, j->nd[x].at, "no buckets");
	s->nbuckets = (uint32_t)nb;
	if (!(s->bucket_slot = malloc(nb * sizeof *s->bucket_slot)))
		return mc_oom(j->err, "the upsert session answer");
	for (size_t b = 0; b < nb; b++)
		s->bucket_slot[b] = UINT32_MAX;
	size_t si = 0;
	for (c = j->nd[x].child; c != JNONE; c = j->nd[c].next, si++) {
		size_t bs = jget(j, c, "buckets");
		for (size_t b = j->nd[bs].child; b != JNONE; b = j->nd[b].next) {
			uint64_t v;
			juint(j, b, ODPS_UPS_MAX_BUCKETS - 1, &v);
			if (v >= nb)
				return jfail(j, j->nd[b].at, "buckets that are not 0..N-1 (N: the buckets "
					     "listed)");
			if (s->bucket_slot[v] != UINT32_MAX)
				return jfail(j, j->nd[b].at, "a bucket listed twice");
			s->bucket_slot[v] = (uint32_t)si;
		}
	}

	/* the hidden columns after the data columns */
	for (size_t k = 0; k < ODPS_UPS_META; k++)
		if (trec_schema_add(&s->schema, meta_names[k], strlen(meta_names[k]), meta_types[k],
				    strlen(meta_types[k]), j->err) < 0)
			return -1;
	return 0;
}

int odps_ups_parse(const char *body, size_t n, struct odps_ups_session *s, struct mc_err *err)
{
	struct jtree j = { body ? body : "", body ? n : 0, 0, NULL, 0, 0, { 0 }, err };
	size_t root;
	int rc;
	odps_ups_free(s);
	rc = jvalue(&j, &root, 0);
	if (rc == 0) {
		jws(&j);
		if (j.i != j.n)
			rc = jfail(&j, j.i, "bytes after the answer");
	}
	if (rc == 0)
		rc = parse_tree(&j, root, s);
	free(j.nd);
	buf_free(&j.t);
	if (rc < 0)
		odps_ups_free(s);
	return rc;
}

/* ---- routing and records ---- */

int odps_ups_bucket(const struct odps_ups_session *s, const struct trec_val *v, uint32_t *bucket,
		    struct mc_err *err)
{
	int32_t h[64];
	if (s->nkeys > 64)
		return mc_errf(err, MC_EXIT_DATA, "a key of %zu columns (at most 64)", s->nkeys);
	for (size_t k = 0; k < s->nkeys; k++) {
		const struct trec_col *c = &s->schema.cols[s->keys[k]];
		if (v[s->keys[k]].null)
			return mc_errf(err, MC_EXIT_DATA, "key column '%.*s' is NULL: a PK Delta Table "
				       "takes no NULL keys", (int)c->name.n, c->name.p);
		if (odps_hash_val(s->hasher, &c->type, &v[s->keys[k]], &h[k], err) < 0)
			return mc_errctx(err, "key column '%.*s': ", (int)c->name.n, c->name.p);
	}
	*bucket = odps_hash_bucket(h, s->nkeys, s->nbuckets);
	return 0;
}

int odps_ups_enc_init(struct odps_ups_enc *u, const struct odps_ups_session *s,
		      enum trec_comp comp, struct mc_err *err)
{
	struct trec_enc_opts o = { 0 };
	memset(u, 0, sizeof *u);
	o.comp = comp;
	u->ndata = s->ndata;
	if (!(u->v = calloc(s->ndata + ODPS_UPS_META, sizeof *u->v)))
		return mc_oom(err, "an upsert record");
	if (trec_enc_init(&u->e, &s->schema, &o, err) < 0) {
		free(u->v);
		u->v = NULL;
		return -1;
	}
	return 0;
}

int odps_ups_enc_add(struct odps_ups_enc *u, const struct trec_val *v, char op,
		     struct mc_err *err)
{
	struct trec_val *m = u->v + u->ndata;
	if (op != ODPS_UPS_OP_UPSERT && op != ODPS_UPS_OP_DELETE)
		return mc_errf(err, MC_EXIT_DATA, "an upsert operation that is not 'U' or 'D'");
	memcpy(u->v, v, u->ndata * sizeof *v);
	memset(m, 0, ODPS_UPS_META * sizeof *m);
	m[0].null = m[1].null = m[3].null = true; /* __version, __app_version, __key_cols */
	m[2].u.i = op;                            /* __operation */
	m[4].u.list.v = NULL;                     /* __value_cols = [] */
	m[4].u.list.n = 0;
	return trec_enc_add(&u->e, u->v, u->ndata + ODPS_UPS_META, err);
}

void odps_ups_enc_free(struct odps_ups_enc *u)
{
	trec_enc_free(&u->e);
	free(u->v);
	memset(u, 0, sizeof *u);
}

/* ---- requests ---- */

static void sleep_s(double s)
{
	struct timespec ts;
	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0)
		;
}

#define P_MAX 8
#define H_MAX 6

static const struct odps_kv tunnel_hs[] = {
	{ "x-odps-tunnel-version", "6" },
	{ "odps-tunnel-date-transform", "v1" },
	{ "odps-tunnel-sdk-support-schema-evolution", "true" },
};

static int call_once(const struct odps_ups *u, const char *method, const struct odps_kv *ps,
		     size_t np, const struct odps_kv *hs, size_t nh, const void *body, size_t len,
		     struct odps_http_resp *resp, struct mc_err *err)
{
	struct mc_buf res = { 0 };
	const char *tunnel;
	int rc = -1;
	if (odps_client_tunnel(u->c, &tunnel, err) < 0)
		goto out;
	if (odps_table_resource(&res, u->c->t->project, u->c->t->schema, u->table) < 0 ||
	    buf_adds(&res, "/upserts") < 0 || buf_addc(&res, '\0') < 0) {
		mc_oom(err, "a request");
		goto out;
	}
	rc = odps_call(u->c, ODPS_TUNNEL, method, res.p, ps, np, hs, nh, body, len, 0, resp, err);
out:
	buf_free(&res);
	return rc;
}

/* The headers of a request: the tunnel set, Content-Length: 0 when there
 * is no body, the routed-server header when addr is given. */
static size_t headers(struct odps_kv *hs, const char *addr, int empty)
{
	size_t n = 0;
	for (size_t i = 0; i < 3; i++)
		hs[n++] = tunnel_hs[i];
	if (empty)
		hs[n++] = (struct odps_kv){ "Content-Length", "0" };
	if (addr)
		hs[n++] = (struct odps_kv){ "odps-tunnel-routed-server", addr };
	return n;
}

static size_t params(const struct odps_ups *u, struct odps_kv *ps, const char *id)
{
	size_t n = 0;
	if (id)
		ps[n++] = (struct odps_kv){ "upsertid", id };
	if (u->part)
		ps[n++] = (struct odps_kv){ "partition", u->part };
	return n;
}

/* Wait before another try, or -1 (err says why) when the budget is spent. */
static int backoff(const struct odps_ups *u, struct odps_retry *r, int *started,
		   const struct odps_http_resp *resp, struct mc_err *err)
{
	long hold = 0;
	double w;
	if (resp && resp->status) {
		struct odps_error e;
		odps_error_parse(resp->body.p, resp->body.len, &e);
		hold = e.hold_ms;
	}
	if (!*started) {
		odps_retry_start(r, u->retry_s, odps_now(), u->seed ^ (uint64_t)time(NULL));
		*started = 1;
	}
	w = odps_retry_next(r, odps_now(), hold);
	if (w < 0) {
		mc_errctx(err, "gave up after %.0f s of retries (--retry-time): ", u->retry_s);
		err->code = MC_EXIT_TRANSIENT;
		return -1;
	}
	mc_sayf(&u->say, "%s; retrying in %.1f s", err->msg, w);
	sleep_s(w);
	return 0;
}

/* A request retried on what retrying can fix; 0 with resp (2xx or an
 * error that is final), -1 with err. */
static int call_retry(const struct odps_ups *u, const char *what, const char *method,
		      const struct odps_kv *ps, size_t np, const struct odps_kv *hs, size_t nh,
		      struct odps_http_resp *resp, struct mc_err *err)
{
	struct odps_retry r;
	int started = 0;
	for (;;) {
		int rc = call_once(u, method, ps, np, hs, nh, NULL, 0, resp, err);
		if (rc == 0 && !odps_retryable_status(resp->status))
			return 0;
		if (rc < 0 && err->code != MC_EXIT_TRANSIENT)
			return -1;
		if (rc == 0)
			odps_http_fail(resp, what, err);
		else
			mc_errctx(err, "%s: ", what);
		if (backoff(u, &r, &started, rc == 0 ? resp : NULL, err) < 0)
			return -1;
	}
}

static int says_absent(const struct odps_http_resp *r)
{
	struct odps_error e;
	if (r->status == 404)
		return 1;
	return odps_error_parse(r->body.p, r->body.len, &e) &&
	       !strcmp(e.code, "UpsertSessionNotFound");
}

static void what_of(const struct odps_ups *u, char *w, size_t n, const char *verb, const char *id)
{
	snprintf(w, n, "%s upsert session%s%s (%s%s%s)", verb, id ? " " : "", id ? id : "",
		 u->table, u->part ? " " : "", u->part ? u->part : "");
}

static int answer(const struct odps_http_resp *r, const char *what, struct odps_ups_session *s,
		  struct mc_err *err)
{
	if (r->status / 100 != 2)
		return odps_http_fail(r, what, err);
	if (odps_ups_parse(r->body.p, r->body.len, s, err) < 0)
		return mc_errctx(err, "%s: ", what);
	return 0;
}

int odps_ups_create(const struct odps_ups *u, struct odps_ups_session *s, struct mc_err *err)
{
	struct odps_kv ps[P_MAX], hs[H_MAX];
	struct odps_http_resp r = { 0 };
	char what[300], slots[16], life[16];
	size_t n = 0;
	int rc;
	snprintf(slots, sizeof slots, "%u", u->slotnum ? u->slotnum : 1);
	ps[n++] = (struct odps_kv){ "slotnum", slots };
	if (u->lifecycle_h >= 1 && u->lifecycle_h <= 24) {
		snprintf(life, sizeof life, "%u", u->lifecycle_h);
		ps[n++] = (struct odps_kv){ "lifecycle", life };
	}
	n += params(u, ps + n, NULL);
	what_of(u, what, sizeof what, "create", NULL);
	rc = call_retry(u, what, "POST", ps, n, hs, headers(hs, NULL, 1), &r, err);
	if (rc == 0)
		rc = answer(&r, what, s, err);
	odps_http_resp_free(&r);
	return rc;
}

int odps_ups_get(const struct odps_ups *u, const char *id, struct odps_ups_session *s,
		 struct mc_err *err)
{
	struct odps_kv ps[P_MAX], hs[H_MAX];
	struct odps_http_resp r = { 0 };
	char what[300];
	size_t n = params(u, ps, id);
	int rc;
	what_of(u, what, sizeof what, "status of", id);
	rc = call_retry(u, what, "GET", ps, n, hs, headers(hs, NULL, 1), &r, err);
	if (rc == 0 && r.status / 100 != 2 && says_absent(&r)) {
		odps_http_fail(&r, what, err);
		rc = 1;
	} else if (rc == 0) {
		rc = answer(&r, what, s, err);
		if (rc == 0 && strcmp(s->id, id) != 0)
			rc = mc_errf(err, MC_EXIT_DATA, "%s: the answer is of session %s", what, s->id);
	}
	odps_http_resp_free(&r);
	return rc;
}

/* After a reload: the same buckets, or refuse. */
static int reload(const struct odps_ups *u, struct odps_ups_session *s, struct mc_err *err)
{
	struct odps_ups_session t = { 0 };
	char id[128];
	int rc;
	memcpy(id, s->id, sizeof id);
	rc = odps_ups_get(u, id, &t, err);
	if (rc != 0) {
		odps_ups_free(&t);
		return rc;
	}
	if (t.nbuckets != s->nbuckets || t.ndata != s->ndata || t.hasher != s->hasher) {
		rc = mc_errf(err, MC_EXIT_DATA, "upsert session %s (%s): the session slot map is "
			     "changed (%u buckets, now %u)", id, u->table, s->nbuckets, t.nbuckets);
		odps_ups_free(&t);
		return rc;
	}
	odps_ups_free(s);
	*s = t;
	return 0;
}

int odps_ups_put(const struct odps_ups *u, struct odps_ups_session *s, uint32_t b,
		 enum trec_comp comp, const void *body, size_t len, uint64_t records,
		 struct mc_err *err)
{
	struct odps_retry rt;
	char what[300], bid[16], cnt[24];
	int started = 0, rc;
	if (b >= s->nbuckets)
		return mc_errf(err, MC_EXIT_DATA, "bucket %u of %u", b, s->nbuckets);
	snprintf(bid, sizeof bid, "%u", b);
	snprintf(cnt, sizeof cnt, "%llu", (unsigned long long)records);
	what_of(u, what, sizeof what, "PUT to", s->id);
	for (;;) {
		struct odps_kv ps[P_MAX], hs[H_MAX + 1];
		struct odps_http_resp r = { 0 };
		struct odps_ups_slot *sl = &s->slots[s->bucket_slot[b]];
		size_t n = params(u, ps, s->id), nh = headers(hs, sl->addr, 0);
		char moved[128];
		ps[n++] = (struct odps_kv){ "bucketid", bid };
		ps[n++] = (struct odps_kv){ "slotid", sl->id };
		ps[n++] = (struct odps_kv){ "record_count", cnt };
		if (trec_comp_name(comp))
			hs[nh++] = (struct odps_kv){ "Content-Encoding", trec_comp_name(comp) };
		rc = call_once(u, "PUT", ps, n, hs, nh, body, len, &r, err);
		if (rc == 0 && r.status == 200) {
			odps_http_resp_free(&r);
			return 0;
		}
		if (rc == 0 && r.status == 308) {
			/* the slot moved: to the worker the answer names, or reload */
			if (odps_http_header(&r, "odps-tunnel-routed-server", moved, sizeof moved) &&
			    addr_ok(moved, strlen(moved))) {
				memcpy(sl->addr, moved, strlen(moved) + 1);
				mc_sayf(&u->say, "%s: bucket %u: slot %s moved to %s", what, b, sl->id,
					moved);
				odps_http_resp_free(&r);
				continue;
			}
			odps_http_resp_free(&r);
			rc = reload(u, s, err);
			if (rc != 0)
				return rc;
			continue;
		}
		if (rc == 0 && (says_absent(&r) || r.status == 409 ||
				(r.status / 100 == 4 && r.status != 429))) {
			int gone = says_absent(&r) || r.status == 409;
			struct mc_err e2 = { 0 };
			odps_http_fail(&r, what, err);
			odps_http_resp_free(&r);
			if (!gone) { /* is the session still writable? */
				struct odps_ups_session t = { 0 };
				int g = odps_ups_get(u, s->id, &t, &e2);
				gone = g == 1 || (g == 0 && t.status != ODPS_UPS_NORMAL);
				odps_ups_free(&t);
			}
			return gone ? 1 : -1;
		}
		if (rc < 0 && err->code != MC_EXIT_TRANSIENT) {
			odps_http_resp_free(&r);
			return -1;
		}
		if (rc == 0)
			odps_http_fail(&r, what, err);
		else
			mc_errctx(err, "%s: ", what);
		if (backoff(u, &rt, &started, rc == 0 ? &r : NULL, err) < 0) {
			odps_http_resp_free(&r);
			return -1;
		}
		if (rc == 0 && (r.status == 502 || r.status == 504)) {
			odps_http_resp_free(&r);
			if ((rc = reload(u, s, err)) != 0)
				return rc;
			continue;
		}
		odps_http_resp_free(&r);
	}
}

int odps_ups_commit(const struct odps_ups *u, struct odps_ups_session *s, bool sent_before,
		    struct mc_err *err)
{
	struct odps_retry rt;
	char what[300];
	double t0 = odps_now(), wait = 1, limit = u->commit_s > 0 ? u->commit_s : 120;
	int started = 0, posted = sent_before;
	what_of(u, what, sizeof what, "commit of", s->id);
	for (;;) {
		struct odps_kv ps[P_MAX], hs[H_MAX];
		struct odps_http_resp r = { 0 };
		struct odps_ups_session t = { 0 };
		size_t n = params(u, ps, s->id);
		int rc = call_once(u, "POST", ps, n, hs,
				   headers(hs, s->slots[s->bucket_slot[0]].addr, 1), NULL, 0, &r, err);
		if (rc == 0 && r.status / 100 == 2) {
			rc = answer(&r, what, &t, err);
			odps_http_resp_free(&r);
			if (rc < 0) {
				odps_ups_free(&t);
				return -1;
			}
			posted = 1;
			switch (t.status) {
			case ODPS_UPS_COMMITTED:
				odps_ups_free(&t);
				s->status = ODPS_UPS_COMMITTED;
				return 0;
			case ODPS_UPS_NORMAL:
			case ODPS_UPS_COMMITTING:
				break;
			default:
				mc_errf(err, MC_EXIT_DATA, "%s: the session is %s (nothing of it "
					"committed)", what, t.status_text);
				s->status = t.status;
				odps_ups_free(&t);
				return 1;
			}
			odps_ups_free(&t);
			if (odps_now() - t0 + wait > limit)
				return mc_errf(err, MC_EXIT_TRANSIENT, "%s: still committing after %.0f s",
					       what, odps_now() - t0);
			sleep_s(wait);
			wait = wait < 16 ? wait * 2 : 16;
			continue;
		}
		if (rc == 0 && says_absent(&r)) {
			odps_http_fail(&r, what, err);
			odps_http_resp_free(&r);
			if (posted) {
				s->status = ODPS_UPS_COMMITTED; /* the server forgets committed sessions */
				return 0;
			}
			return 1;
		}
		if (rc == 0 && !odps_retryable_status(r.status)) {
			odps_http_fail(&r, what, err);
			odps_http_resp_free(&r);
			return -1;
		}
		if (rc < 0 && err->code != MC_EXIT_TRANSIENT) {
			odps_http_resp_free(&r);
			return -1;
		}
		/* a lost answer or a 5xx: the POST may have been applied */
		posted = 1;
		if (rc == 0)
			odps_http_fail(&r, what, err);
		else
			mc_errctx(err, "%s: ", what);
		rc = backoff(u, &rt, &started, rc == 0 ? &r : NULL, err);
		odps_http_resp_free(&r);
		if (rc < 0)
			return -1;
	}
}

int odps_ups_abort(const struct odps_ups *u, const struct odps_ups_session *s,
		   struct mc_err *err)
{
	struct odps_kv ps[P_MAX], hs[H_MAX];
	struct odps_http_resp r = { 0 };
	char what[300];
	size_t n = params(u, ps, s->id);
	int rc;
	what_of(u, what, sizeof what, "abort of", s->id);
	rc = call_retry(u, what, "DELETE", ps, n, hs,
			headers(hs, s->slots[s->bucket_slot[0]].addr, 1), &r, err);
	if (rc == 0 && r.status / 100 != 2 && !says_absent(&r))
		rc = odps_http_fail(&r, what, err);
	odps_http_resp_free(&r);
	return rc;
}
