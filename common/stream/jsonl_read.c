/* jsonl_read.c: JSON lines to records (jsonl_decode), strict. */
#include "stream/jsonl.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/b64.h"
#include "stream/jsonl_lex.h"

/* Make room for element idx of a scratch array (idx < the caller's bound,
 * so growth is bounded too). */
static inline int grow(struct jdec *d, void *arr, size_t *have, size_t idx, size_t sz)
{
	if (idx < *have)
		return 0;
	return mc_grow(arr, have, idx + 1, sz) < 0 ? mc_oom(d->err, "reading a JSON line") : 0;
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
			return jl_err(d, at, "expected 3 numbers [file, offset, row], got more");
		if (get_u64(d, &v[k++]) < 0)
			return -1;
	}
	if (r < 0)
		return -1;
	if (k != 3)
		return jl_err(d, at, "expected 3 numbers [file, offset, row], got %zu", k);
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
		return jl_err(d, at, "odd number of hex digits");
	for (size_t k = 0; k < s->n; k += 2) {
		int h = num_hexval((unsigned char)p[k]), l = num_hexval((unsigned char)p[k + 1]);
		if (h < 0 || l < 0 || (p[k] >= 'A' && p[k] <= 'F') ||
		    (p[k + 1] >= 'A' && p[k + 1] <= 'F'))
			return jl_err(d, at, "malformed hex (two lowercase digits per byte)");
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
			return jl_err(d, at, "malformed base64 (length %zu is not a multiple of 4)",
				    s->n);
		return jl_err(d, at, "malformed base64 at character %zu", bad + 1);
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
		return jl_err(d, at, "empty value object");
	d->tl = mark;
	if (str_is(key, "strb")) {
		kind = MC_V_STR;
	} else {
		for (int k = 0; k < MC_V_NKINDS; k++)
			if (vobj_names[k] && str_is(key, vobj_names[k]))
				kind = k;
	}
	if (kind < 0)
		return jl_err(d, keyat, "unknown value type '%s'", jl_clip(cb, sizeof cb, key));
	v->kind = (uint8_t)kind;
	vat = (ws(d), d->i);
	if (kind == MC_V_ABSENT) {
		bool b = false;
		if (get_bool(d, &b) < 0)
			return -1;
		if (!b)
			return jl_err(d, vat, "\"absent\" must be true");
		v->v.s.p = d->t + d->tl;
		v->v.s.n = 0;
	} else if (kind == MC_V_F32) {
		struct jnum nm;
		if (get_num(d, &nm, "number") < 0)
			return -1;
		v->v.f32 = strtof(num_text(d, &nm), NULL);
		if (!isfinite(v->v.f32))
			return jl_err(d, vat, "f32 value out of range");
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
		return jl_err(d, d->i, "expected '}' (a value object has one key), got %s", jl_got(d));
	d->i++;
	if (rec_val_validate(v, d->err) < 0) {
		if (kind == MC_V_BIT)
			return jl_err(d, at, "malformed bit value (%zu bytes, want 1 to 8)", v->v.s.n);
		return jl_err(d, at, "malformed %s value '%s'", rec_vkind_name(kind),
			    jl_clip(cb, sizeof cb, v->v.s));
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
		return jl_want(d, "a value");
	default:
		break;
	}
	if (get_num(d, &nm, "a value") < 0)
		return -1;
	if (nm.is_int) {
		if (nm.overflow || (nm.neg && nm.mag > (uint64_t)INT64_MAX + 1))
			return jl_err(d, at, "integer out of range");
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
		return jl_err(d, at, "f64 value out of range");
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
		return jl_want(d, "null or array");
	d->elem_name = "value";
	arr_begin(d);
	while ((r = arr_next(d, &first)) > 0) {
		if (k == MC_MAX_COLUMNS)
			return jl_err(d, d->i, "too many values (the limit is %d)", MC_MAX_COLUMNS);
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
		uint64_t u = 0;
		d->tl = mark;
		for (int j = 0; j < K_COL_N; j++)
			if (str_is(key, col_keys[j]))
				k = j;
		if (k < 0)
			return jl_err(d, keyat, "unknown key '%s'", jl_clip(cb, sizeof cb, key));
		if (seen & 1u << k)
			return jl_err(d, keyat, "duplicate key '%s'", col_keys[k]);
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
				return jl_err(d, at, "unknown column flags 0x%" PRIx64, u);
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
			return jl_err(d, d->i - 1, "missing key '%s'", col_keys[j]);
	return 0;
}

/* Top-level keys, in the union of all record kinds. */
enum {
	K_MCR, K_META, K_KIND, K_DB, K_TABLE, K_VERSION, K_POS, K_TIME, K_FLAGS, K_COLUMNS,
	K_KEY, K_OP, K_BEFORE, K_AFTER, K_SQL, K_MARK, K_LABEL, K_COUNT, K_CRC, K_EFFECT, K_RESUME,
	K_SRC, K_N
};
static const char *const top_keys[K_N] = {
	"mcr", "meta", "kind", "db", "table", "version", "pos", "time", "flags", "columns",
	"key", "op", "before", "after", "sql", "mark", "label", "count", "crc32c", "effect",
	"resume", "src_table",
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
	if (kind == MC_R_TRAILER)
		m |= 1u << K_CRC; /* optional: not in streams written before it */
	if (kind == MC_R_DDL)
		m |= 1u << K_EFFECT | 1u << K_SRC; /* optional, as K_CRC */
	if (kind == MC_R_MARK)
		m |= 1u << K_RESUME; /* optional, as K_CRC */
	if (kind == MC_R_SCHEMA)
		m |= 1u << K_SRC; /* optional, as K_CRC */
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
			return jl_err(d, keyat, "too many entries (the limit is %d)", MC_MAX_META);
		if (grow(d, &sc->meta, &sc->nmeta, k, sizeof *sc->meta) < 0)
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
			return jl_err(d, d->i, "too many columns (the limit is %d)", MC_MAX_COLUMNS);
		if (grow(d, &sc->cols, &sc->ncols, k, sizeof *sc->cols) < 0)
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
		uint64_t u = 0;
		size_t at;
		if (k == MC_MAX_COLUMNS)
			return jl_err(d, d->i, "too many key columns (the limit is %d)", MC_MAX_COLUMNS);
		if (grow(d, &sc->key, &sc->nkey, k, sizeof *sc->key) < 0)
			return -1;
		d->elem = k + 1;
		at = (ws(d), d->i);
		if (get_u64(d, &u) < 0)
			return -1;
		if (u >= MC_MAX_COLUMNS)
			return jl_err(d, at, "column index %" PRIu64 " out of range", u);
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
		return jl_err(d, at, "unknown %s '%s'", what, jl_clip(cb, sizeof cb, s));
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
	if (sc->nvals >= 2 * MC_MAX_COLUMNS)
		return 0;
	if (mc_grow(&sc->vals, &sc->nvals, 2 * MC_MAX_COLUMNS, sizeof *sc->vals) < 0)
		return mc_oom(d->err, "reading a JSON line");
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
	uint64_t u = 0;

	if (obj_begin(d) < 0)
		return -1;
	while ((mark = d->tl, rc = obj_next(d, &first, &key, &keyat)) > 0) {
		int k = -1;
		d->tl = mark;
		for (int j = 0; j < K_N; j++)
			if (str_is(key, top_keys[j]))
				k = j;
		if (k < 0)
			return jl_err(d, keyat, "unknown key '%s'", jl_clip(cb, sizeof cb, key));
		if (seen & 1u << k)
			return jl_err(d, keyat, "duplicate key '%s'", top_keys[k]);
		if (kind >= 0 && !(allowed & 1u << k))
			return jl_err(d, keyat, "unknown key '%s' in a %s record", top_keys[k],
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
				return jl_err(d, at[k], "unsupported format version %" PRIu64
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
		case K_RESUME:
			rc = get_pos(d, &r->resume);
			r->has_resume = 1;
			break;
		case K_TIME: rc = get_i64(d, &r->time); break;
		case K_FLAGS:
			if (get_u64(d, &u) < 0)
				return -1;
			if (u & ~(uint64_t)MC_SF_ALL)
				return jl_err(d, at[k], "unknown flags 0x%" PRIx64, u);
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
		case K_SRC:
			if ((rc = get_str(d, &r->src_table)) == 0 && !r->src_table.n)
				return jl_err(d, at[k], "empty src_table");
			break;
		case K_MARK:
			if (get_name(d, "mark", rec_mark_from_name, &v) < 0)
				return -1;
			r->mark = (enum mc_mark)v;
			break;
		case K_EFFECT:
			if (get_name(d, "effect", rec_ddl_effect_from_name, &v) < 0)
				return -1;
			r->effect = (enum mc_ddl_effect)v;
			break;
		case K_CRC:
			if (get_u64(d, &u) < 0)
				return -1;
			if (u > UINT32_MAX)
				return jl_err(d, at[k], "crc32c %" PRIu64 " is over 32 bits", u);
			r->has_crc = 1;
			r->crc = (uint32_t)u;
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
					return jl_err(d, kat[j], "unknown key '%s' in a %s record",
						    top_keys[j], kind_names[kind]);
		}
	}
	if (rc < 0)
		return -1;
	end = d->i - 1;
	if (kind < 0)
		return jl_err(d, end, "missing key 'kind'");
	r->kind = (enum mc_rkind)kind;
	for (int j = 0; kind_keys[kind][j] >= 0; j++)
		if (!(seen & 1u << kind_keys[kind][j]))
			return jl_err(d, end, "%s record: missing key '%s'", kind_names[kind],
				    top_keys[(int)kind_keys[kind][j]]);
	if (peek(d) != -1)
		return jl_err(d, d->i, "trailing characters after the record");
	if (kind == MC_R_DDL && (seen & 1u << K_SRC) && !(seen & 1u << K_EFFECT))
		return jl_err(d, at[K_SRC], "ddl record: src_table without effect");
	if (kind == MC_R_SCHEMA) {
		for (size_t j = 0; j < r->nkey; j++)
			if (r->key[j] >= r->ncols) {
				d->key = "key";
				return jl_err(d, at[K_KEY], "column index %u out of range (%zu columns)",
					    r->key[j], r->ncols);
			}
	}
	if (kind == MC_R_ROW) {
		int wb = r->op == MC_OP_UPDATE || r->op == MC_OP_DELETE;
		int wa = r->op != MC_OP_DELETE;
		if (wb != (r->before != NULL)) {
			d->key = "before";
			return jl_err(d, at[K_BEFORE], "op %s %s a before image", rec_op_name(r->op),
				    wb ? "needs" : "must not have");
		}
		if (wa != (r->after != NULL)) {
			d->key = "after";
			return jl_err(d, at[K_AFTER], "op %s %s an after image", rec_op_name(r->op),
				    wa ? "needs" : "must not have");
		}
	}
	if (rec_validate(r, d->err) < 0)
		return jl_ctx(d, 0);
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
		return mc_oom(err, "a JSON line");
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

