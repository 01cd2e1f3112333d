#include "stream/rec.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "base/alloc.h"
#include "stream/mpread.h"
#include "stream/recpack.h"
#include "base/num.h"

/* ---- names ---- */

static const char *const kind_names[] = { "header", "schema", "row", "ddl", "mark", "trailer" };
static const char *const op_names[] = { "snapshot", "insert", "update", "delete" };
static const char *const effect_names[] = { "?", "alter", "create", "drop", "truncate",
					    "rename_from", "rename_to", "other" };
static const char *const mark_names[] = { "heartbeat", "chunk_end", "txn_end", "snapshot_end",
					   "binlog_start" };
static const char *const vkind_names[] = {
	"null", "absent", "int", "uint", "f32", "f64", "str", "bin", "decimal", "date",
	"datetime", "timestamp", "time", "bit", "json",
};

const char *rec_kind_name(enum mc_rkind k)
{
	return (unsigned)k < MC_R_NKINDS ? kind_names[k] : "?";
}

const char *rec_op_name(enum mc_op op)
{
	return (unsigned)op < MC_OP_N ? op_names[op] : "?";
}

const char *rec_mark_name(enum mc_mark m)
{
	return (unsigned)m < MC_MARK_N ? mark_names[m] : "?";
}

const char *rec_vkind_name(enum mc_vkind k)
{
	return (unsigned)k < MC_V_NKINDS ? vkind_names[k] : "?";
}

static int name_lookup(const char *const *names, int n, const char *s, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i;
	return -1;
}

int rec_op_from_name(const char *s, size_t n)
{
	return name_lookup(op_names, MC_OP_N, s, n);
}

int rec_mark_from_name(const char *s, size_t n)
{
	return name_lookup(mark_names, MC_MARK_N, s, n);
}

const char *rec_ddl_effect_name(enum mc_ddl_effect e)
{
	return (unsigned)e < MC_DDL_N ? effect_names[e] : "?";
}

int rec_ddl_effect_from_name(const char *s, size_t n)
{
	int e = name_lookup(effect_names, MC_DDL_N, s, n);
	return e > 0 ? e : -1;
}

/* ---- positions ---- */

int pos_cmp(const struct mc_pos *a, const struct mc_pos *b)
{
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->off != b->off)
		return a->off < b->off ? -1 : 1;
	if (a->row != b->row)
		return a->row < b->row ? -1 : 1;
	return 0;
}

struct mc_pos rec_mark_resume(const struct mc_rec *r)
{
	return r->has_resume && pos_cmp(&r->resume, &r->pos) < 0 ? r->resume : r->pos;
}

void pos_format(const struct mc_pos *p, char *out, size_t outsz)
{
	snprintf(out, outsz, "%" PRIu64 ":%" PRIu64 ":%" PRIu64, p->file, p->off, p->row);
}

int pos_parse(const char *s, struct mc_pos *p, struct mc_err *err)
{
	uint64_t v[3];
	const char *q = s;
	for (int i = 0; i < 3; i++) {
		const char *e = strchr(q, ':');
		size_t n = e ? (size_t)(e - q) : strlen(q);
		if ((i < 2 && !e) || (i == 2 && e) || num_u64n(q, n, &v[i]) < 0)
			return mc_errf(err, MC_EXIT_USAGE,
				       "bad position '%s' (want FILE:OFFSET:ROW)", s);
		q = e ? e + 1 : q + n;
	}
	p->file = v[0];
	p->off = v[1];
	p->row = v[2];
	return 0;
}

/* ---- value texts ---- */

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

static unsigned dnum(const char *s, size_t n)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (unsigned)(s[i] - '0');
	return v;
}

static int is_date(const char *s, size_t n)
{
	return n == 10 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' &&
	       digits(s + 8, 2) && dnum(s + 5, 2) <= 12 && dnum(s + 8, 2) <= 31;
}

/* hh:mm:ss[.f{1,6}] with `hl` hour digits, hours up to maxh. */
static int is_clock(const char *s, size_t n, size_t hl, unsigned maxh)
{
	if (n < hl + 6 || !digits(s, hl) || dnum(s, hl) > maxh || s[hl] != ':' ||
	    !digits(s + hl + 1, 2) || dnum(s + hl + 1, 2) > 59 || s[hl + 3] != ':' ||
	    !digits(s + hl + 4, 2) || dnum(s + hl + 4, 2) > 59)
		return 0;
	n -= hl + 6;
	s += hl + 6;
	if (n == 0)
		return 1;
	return s[0] == '.' && n >= 2 && n <= 7 && digits(s + 1, n - 1);
}

static int is_datetime(const char *s, size_t n)
{
	return n >= 19 && is_date(s, 10) && s[10] == ' ' && is_clock(s + 11, n - 11, 2, 23);
}

static int is_time(const char *s, size_t n)
{
	if (n && s[0] == '-') {
		s++;
		n--;
	}
	/* two or three hour digits: find the first ':' */
	if (n > 2 && s[2] == ':')
		return is_clock(s, n, 2, 838);
	return n > 3 && s[3] == ':' && s[0] != '0' && is_clock(s, n, 3, 838);
}

static int is_decimal(const char *s, size_t n)
{
	const char *dot;
	if (n > 0 && s[0] == '-') {
		s++;
		n--;
	}
	if (n == 0 || n > 80)
		return 0;
	dot = memchr(s, '.', n);
	if (!dot)
		return digits(s, n);
	return digits(s, (size_t)(dot - s)) && digits(dot + 1, n - (size_t)(dot - s) - 1);
}

int rec_val_validate(const struct mc_val *v, struct mc_err *err)
{
	const char *s = v->v.s.p;
	size_t n = v->v.s.n;
	int ok = 1;

	switch (v->kind) {
	case MC_V_NULL: case MC_V_INT: case MC_V_STR: case MC_V_BIN:
		return 0;
	case MC_V_UINT:
		ok = v->v.u > INT64_MAX;
		break;
	case MC_V_ABSENT:
		ok = n == 0;
		break;
	case MC_V_F32:
		ok = isfinite(v->v.f32);
		break;
	case MC_V_F64:
		ok = isfinite(v->v.f64);
		break;
	case MC_V_DECIMAL: ok = is_decimal(s, n); break;
	case MC_V_DATE: ok = is_date(s, n); break;
	case MC_V_DATETIME: case MC_V_TIMESTAMP: ok = is_datetime(s, n); break;
	case MC_V_TIME: ok = is_time(s, n); break;
	case MC_V_BIT: ok = n >= 1 && n <= 8; break;
	case MC_V_JSON: ok = n >= 1; break;
	default:
		return mc_errf(err, MC_EXIT_DATA, "unknown value kind %d", v->kind);
	}
	if (ok)
		return 0;
	if (v->kind == MC_V_F32 || v->kind == MC_V_F64)
		return mc_errf(err, MC_EXIT_DATA, "%s value is not finite", rec_vkind_name(v->kind));
	if (v->kind == MC_V_UINT)
		return mc_errf(err, MC_EXIT_DATA, "uint value %" PRIu64 " should be int", v->v.u);
	return mc_errf(err, MC_EXIT_DATA, "malformed %s value '%.*s'", rec_vkind_name(v->kind),
		       (int)(n > 64 ? 64 : n), s);
}

static int vals_validate(const struct mc_val *v, size_t n, const char *what, struct mc_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (rec_val_validate(&v[i], err) < 0)
			return mc_errctx(err, "%s value %zu: ", what, i + 1);
	return 0;
}

/* Check a record's structure, and its values too when `values`. */
/* A mark's field 'resume' (if any): on a heartbeat or txn_end mark, at or
 * below its pos; else the error, after the place (at: "offset N: " or
 * ""). */
static int resume_check(const struct mc_rec *r, const char *at, struct mc_err *err)
{
	if (!r->has_resume)
		return 0;
	if (r->mark != MC_MARK_HEARTBEAT && r->mark != MC_MARK_TXN_END)
		return mc_errf(err, MC_EXIT_DATA, "%sfield 'resume': a %s mark has none "
			       "(heartbeat and txn_end only)", at, rec_mark_name(r->mark));
	if (pos_cmp(&r->resume, &r->pos) > 0)
		return mc_errf(err, MC_EXIT_DATA, "%sfield 'resume': above the mark's pos", at);
	return 0;
}

static int validate(const struct mc_rec *r, int values, struct mc_err *err)
{
	switch (r->kind) {
	case MC_R_HEADER:
		if (r->version != MC_REC_VERSION)
			return mc_errf(err, MC_EXIT_DATA, "unsupported format version %" PRIu64,
				       r->version);
		if (r->nmeta > MC_MAX_META)
			return mc_errf(err, MC_EXIT_DATA, "too many header entries (%zu)", r->nmeta);
		return 0;
	case MC_R_SCHEMA:
		if (r->ncols > MC_MAX_COLUMNS || r->nkey > r->ncols)
			return mc_errf(err, MC_EXIT_DATA, "schema: %zu columns, %zu key columns",
				       r->ncols, r->nkey);
		if (r->schema_flags & ~(uint32_t)MC_SF_ALL)
			return mc_errf(err, MC_EXIT_DATA, "schema: unknown flags 0x%x", r->schema_flags);
		for (size_t i = 0; i < r->nkey; i++)
			if (r->key[i] >= r->ncols)
				return mc_errf(err, MC_EXIT_DATA,
					       "schema: key column %u out of range", r->key[i]);
		for (size_t i = 0; i < r->ncols; i++)
			if (r->cols[i].flags & ~(uint32_t)MC_CF_ALL)
				return mc_errf(err, MC_EXIT_DATA, "schema: column %zu: unknown flags 0x%x",
					       i + 1, r->cols[i].flags);
		return 0;
	case MC_R_ROW: {
		int wb = r->op == MC_OP_UPDATE || r->op == MC_OP_DELETE;
		int wa = r->op != MC_OP_DELETE;
		if ((unsigned)r->op >= MC_OP_N)
			return mc_errf(err, MC_EXIT_DATA, "row: unknown op %d", (int)r->op);
		if (wb != (r->before != NULL) || wa != (r->after != NULL))
			return mc_errf(err, MC_EXIT_DATA, "row: op %s takes %s before image and %s after image",
				       rec_op_name(r->op), wb ? "a" : "no", wa ? "an" : "no");
		if (r->nbefore > MC_MAX_COLUMNS || r->nafter > MC_MAX_COLUMNS)
			return mc_errf(err, MC_EXIT_DATA, "row: too many values");
		if (values && (vals_validate(r->before, r->nbefore, "before", err) < 0 ||
			       vals_validate(r->after, r->nafter, "after", err) < 0))
			return -1;
		return 0;
	}
	case MC_R_DDL:
		if ((unsigned)r->effect >= MC_DDL_N)
			return mc_errf(err, MC_EXIT_DATA, "ddl: unknown effect %d", (int)r->effect);
		return 0;
	case MC_R_MARK:
		if ((unsigned)r->mark >= MC_MARK_N)
			return mc_errf(err, MC_EXIT_DATA, "mark: unknown mark kind %d", (int)r->mark);
		return resume_check(r, "mark: ", err);
	case MC_R_TRAILER:
		return 0;
	default:
		return mc_errf(err, MC_EXIT_DATA, "unknown record kind %d", (int)r->kind);
	}
}

int rec_validate(const struct mc_rec *r, struct mc_err *err)
{
	return validate(r, 1, err);
}

/* Only floats and text kinds can be malformed once decoded or built. */
static inline int val_check(const struct mc_val *v, struct mc_err *err)
{
	if (v->kind < MC_V_F32 || v->kind == MC_V_STR || v->kind == MC_V_BIN)
		return v->kind == MC_V_UINT || v->kind == MC_V_ABSENT ? rec_val_validate(v, err) : 0;
	return rec_val_validate(v, err);
}

/* ---- decoding ---- */

void rec_scratch_free(struct mc_scratch *s)
{
	free(s->vals);
	free(s->cols);
	free(s->key);
	free(s->meta);
	memset(s, 0, sizeof *s);
}

/* Grow a scratch array to hold n elements of size sz (n is bounded by the
 * caller, so this never allocates from an unchecked length). */
static inline int scratch(void *arr, size_t *have, size_t n, size_t sz, struct mc_err *err)
{
	if (n <= *have)
		return 0;
	return mc_grow(arr, have, n, sz) < 0 ? mc_oom(err, "decoding a record") : 0;
}

static int dec_pos_as(struct mp_cur *c, struct mc_pos *p, const char *what)
{
	uint32_t n;
	unsigned long long at = mp_aoff(c);
	if (mp_array(c, &n, 3, what) < 0)
		return -1;
	if (n != 3)
		return mc_errf(c->err, MC_EXIT_DATA, "offset %llu: field '%s': expected 3 numbers, "
			       "got %u", at, what, n);
	if (mp_uint(c, &p->file, what) < 0 || mp_uint(c, &p->off, what) < 0 ||
	    mp_uint(c, &p->row, what) < 0)
		return -1;
	return 0;
}

static int dec_pos(struct mp_cur *c, struct mc_pos *p)
{
	return dec_pos_as(c, p, "pos");
}

/* An image: nil (absent) or an array of values. */
static int dec_image(struct mp_cur *c, const char *what, struct mc_val **out, size_t *nout,
		     struct mc_val *vals)
{
	uint32_t n;
	int r = mp_nil(c);
	if (r < 0)
		return -1;
	if (r) {
		*out = NULL;
		*nout = 0;
		return 0;
	}
	if (mp_array(c, &n, MC_MAX_COLUMNS, what) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		unsigned long long at = mp_aoff(c);
		if (mp_value(c, &vals[i]) < 0)
			return -1;
		if (val_check(&vals[i], c->err) < 0)
			return mc_errctx(c->err, "offset %llu: %s value %u: ", at, what, i + 1);
	}
	*out = vals;
	*nout = n;
	return 0;
}

static const char *const schema_fields[] = { "kind", "db", "table", "version", "pos", "time",
					     "flags", "columns", "key", "src_table" };
static const char *const row_fields[] = { "kind", "op", "db", "table", "version", "pos",
					  "time", "before", "after" };
static const char *const ddl_fields[] = { "kind", "db", "table", "pos", "time", "sql", "effect",
					  "src_table" };
static const char *const mark_fields[] = { "kind", "mark", "pos", "time", "db", "table", "label",
					   "resume" };
static const char *const trailer_fields[] = { "kind", "count", "crc32c" };

static const struct {
	const char *const *names;
	uint32_t n;
} fields[] = {
	[MC_R_SCHEMA] = { schema_fields, 9 },
	[MC_R_ROW] = { row_fields, 9 },
	[MC_R_DDL] = { ddl_fields, 6 },
	[MC_R_MARK] = { mark_fields, 7 },
	[MC_R_TRAILER] = { trailer_fields, 2 },
};

static int dec_header(struct mp_cur *c, uint32_t n, struct mc_rec *r, struct mc_scratch *s)
{
	uint32_t m;
	unsigned long long at;
	if (n != 3)
		return mc_errf(c->err, MC_EXIT_DATA, "offset %llu: header: expected 3 fields, got %u",
			       (unsigned long long)c->off0, n);
	r->kind = MC_R_HEADER;
	at = mp_aoff(c);
	if (mp_uint(c, &r->version, "version") < 0)
		return -1;
	if (r->version != MC_REC_VERSION)
		return mc_errf(c->err, MC_EXIT_DATA, "offset %llu: unsupported format version %" PRIu64
			       " (this build reads version %d)", at, r->version, MC_REC_VERSION);
	if (mp_map(c, &m, MC_MAX_META, "meta") < 0)
		return -1;
	if (scratch(&s->meta, &s->nmeta, m, sizeof *s->meta, c->err) < 0)
		return -1;
	for (uint32_t i = 0; i < m; i++)
		if (mp_str(c, &s->meta[i].k, "meta") < 0 || mp_str(c, &s->meta[i].v, "meta") < 0)
			return -1;
	r->nmeta = m;
	r->meta = s->meta;
	return 0;
}

static int dec_schema(struct mp_cur *c, struct mc_rec *r, struct mc_scratch *s)
{
	uint32_t n, k;
	uint64_t u;
	if (mp_str(c, &r->db, "db") < 0 || mp_str(c, &r->table, "table") < 0 ||
	    mp_uint(c, &r->schema_version, "version") < 0 || dec_pos(c, &r->pos) < 0 ||
	    mp_int(c, &r->time, "time") < 0 || mp_uint(c, &u, "flags") < 0)
		return -1;
	if (u & ~(uint64_t)MC_SF_ALL)
		return mc_errf(c->err, MC_EXIT_DATA, "offset %llu: field 'flags': unknown flags 0x%" PRIx64,
			       mp_aoff(c), u);
	r->schema_flags = (uint32_t)u;
	if (mp_array(c, &n, MC_MAX_COLUMNS, "columns") < 0)
		return -1;
	if (scratch(&s->cols, &s->ncols, n, sizeof *s->cols, c->err) < 0)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		struct mc_col *col = &s->cols[i];
		uint32_t f;
		int b = 0;
		unsigned long long at = mp_aoff(c);
		if (mp_array(c, &f, 5, "column") < 0)
			return -1;
		if (f != 5)
			return mc_errf(c->err, MC_EXIT_DATA,
				       "offset %llu: column %u: expected 5 fields, got %u", at, i + 1, f);
		if (mp_str(c, &col->name, "column name") < 0 ||
		    mp_str(c, &col->mysql_type, "column mysql_type") < 0 ||
		    mp_str(c, &col->mc_type, "column mc_type") < 0 ||
		    mp_bool(c, &b, "column nullable") < 0 || mp_uint(c, &u, "column flags") < 0)
			return -1;
		if (u & ~(uint64_t)MC_CF_ALL)
			return mc_errf(c->err, MC_EXIT_DATA,
				       "offset %llu: column %u: unknown flags 0x%" PRIx64, at, i + 1, u);
		col->nullable = b;
		col->flags = (uint32_t)u;
	}
	r->ncols = n;
	r->cols = s->cols;
	if (mp_array(c, &k, n, "key") < 0)
		return -1;
	if (scratch(&s->key, &s->nkey, k, sizeof *s->key, c->err) < 0)
		return -1;
	for (uint32_t i = 0; i < k; i++) {
		unsigned long long at = mp_aoff(c);
		if (mp_uint(c, &u, "key") < 0)
			return -1;
		if (u >= n)
			return mc_errf(c->err, MC_EXIT_DATA,
				       "offset %llu: field 'key': column index %" PRIu64 " out of range",
				       at, u);
		s->key[i] = (uint32_t)u;
	}
	r->nkey = k;
	r->key = s->key;
	return 0;
}

static int dec_row(struct mp_cur *c, struct mc_rec *r, struct mc_scratch *s)
{
	uint64_t op;
	unsigned long long at = mp_aoff(c);
	int wb, wa;
	const unsigned char *h = c->p;

	if (s->rh_len && (size_t)(c->end - h) >= s->rh_len && memcmp(h, s->rh, s->rh_len) == 0) {
		/* the bytes the last row record decoded to these fields */
		r->op = (enum mc_op)s->rh_op;
		r->db = mc_str_c((const char *)h + s->rh_db, s->rh_dbn);
		r->table = mc_str_c((const char *)h + s->rh_table, s->rh_tablen);
		r->schema_version = s->rh_version;
		r->pos.file = s->rh_file;
		r->pos.off = s->rh_off;
		c->p += s->rh_len;
	} else {
		uint32_t np;
		unsigned long long pat;
		s->rh_len = 0;
		if (mp_uint(c, &op, "op") < 0)
			return -1;
		if (op >= MC_OP_N)
			return mc_errf(c->err, MC_EXIT_DATA,
				       "offset %llu: field 'op': unknown op %" PRIu64, at, op);
		r->op = (enum mc_op)op;
		if (mp_str(c, &r->db, "db") < 0 || mp_str(c, &r->table, "table") < 0 ||
		    mp_uint(c, &r->schema_version, "version") < 0)
			return -1;
		/* the position as dec_pos reads it, its row apart */
		pat = mp_aoff(c);
		if (mp_array(c, &np, 3, "pos") < 0)
			return -1;
		if (np != 3)
			return mc_errf(c->err, MC_EXIT_DATA, "offset %llu: field 'pos': expected 3 "
				       "numbers, got %u", pat, np);
		if (mp_uint(c, &r->pos.file, "pos") < 0 || mp_uint(c, &r->pos.off, "pos") < 0)
			return -1;
		if ((size_t)(c->p - h) <= sizeof s->rh) {
			s->rh_len = (uint32_t)(c->p - h);
			memcpy(s->rh, h, s->rh_len);
			s->rh_op = (uint8_t)op;
			s->rh_db = (uint32_t)((const unsigned char *)r->db.p - h);
			s->rh_dbn = (uint32_t)r->db.n;
			s->rh_table = (uint32_t)((const unsigned char *)r->table.p - h);
			s->rh_tablen = (uint32_t)r->table.n;
			s->rh_version = r->schema_version;
			s->rh_file = r->pos.file;
			s->rh_off = r->pos.off;
		}
	}
	if (mp_uint(c, &r->pos.row, "pos") < 0 || mp_int(c, &r->time, "time") < 0)
		return -1;
	if (scratch(&s->vals, &s->nvals, 2 * MC_MAX_COLUMNS, sizeof *s->vals, c->err) < 0)
		return -1;
	at = mp_aoff(c);
	if (dec_image(c, "before", &r->before, &r->nbefore, s->vals) < 0)
		return -1;
	wb = r->op == MC_OP_UPDATE || r->op == MC_OP_DELETE;
	if (wb != (r->before != NULL))
		return mc_errf(c->err, MC_EXIT_DATA, "offset %llu: field 'before': op %s %s a before image",
			       at, rec_op_name(r->op), wb ? "needs" : "must not have");
	at = mp_aoff(c);
	if (dec_image(c, "after", &r->after, &r->nafter, s->vals + MC_MAX_COLUMNS) < 0)
		return -1;
	wa = r->op != MC_OP_DELETE;
	if (wa != (r->after != NULL))
		return mc_errf(c->err, MC_EXIT_DATA, "offset %llu: field 'after': op %s %s an after image",
			       at, rec_op_name(r->op), wa ? "needs" : "must not have");
	return 0;
}

/* The optional src_table field of schema and DDL records: 0, -1 (the
 * cursor's error, as the other fields'), or -2 with err set (empty). */
static int dec_src_table(struct mp_cur *c, struct mc_rec *r, struct mc_err *err)
{
	unsigned long long at = mp_aoff(c);
	if (mp_str(c, &r->src_table, "src_table") < 0)
		return -1;
	if (!r->src_table.n) {
		mc_errf(err, MC_EXIT_DATA, "offset %llu: field 'src_table': empty", at);
		return -2;
	}
	return 0;
}

int rec_decode(const char *p, size_t n, uint64_t off0, size_t *used, struct mc_rec *r,
	       struct mc_scratch *s, struct mc_err *err)
{
	struct mp_cur c;
	uint32_t nf;
	uint64_t kind;
	struct mc_str magic;
	unsigned long long at, start = (unsigned long long)off0;
	int rc;

	mp_init(&c, p, n, err);
	c.off0 = off0;
	memset(r, 0, sizeof *r);
	if (mp_array(&c, &nf, 10, "record") < 0)
		goto fail;
	if (nf == 0)
		return mc_errf(err, MC_EXIT_DATA, "offset %llu: empty record", start);
	at = mp_aoff(&c);
	if (c.p == c.end) {
		c.truncated = 1;
		c.need = mp_off(&c) + 1;
		goto fail;
	}
	if ((*c.p >= 0xa0 && *c.p <= 0xbf) || (*c.p >= 0xd9 && *c.p <= 0xdb)) {
		if (mp_str(&c, &magic, "kind") < 0)
			goto fail;
		if (magic.n != 3 || memcmp(magic.p, "mcr", 3) != 0)
			return mc_errf(err, MC_EXIT_DATA, "offset %llu: not a record stream header", at);
		if (dec_header(&c, nf, r, s) < 0)
			goto fail;
		goto done;
	}
	if (mp_uint(&c, &kind, "kind") < 0)
		goto fail;
	if (kind == MC_R_HEADER || kind >= MC_R_NKINDS)
		return mc_errf(err, MC_EXIT_DATA, "offset %llu: unknown record kind %" PRIu64, at, kind);
	r->kind = (enum mc_rkind)kind;
	if (nf < fields[kind].n) {
		return mc_errf(err, MC_EXIT_DATA, "offset %llu: %s record: missing field '%s'",
			       start, kind_names[kind], fields[kind].names[nf]);
	}
	if (nf > fields[kind].n &&
	    !((kind == MC_R_TRAILER || kind == MC_R_DDL || kind == MC_R_MARK ||
	       kind == MC_R_SCHEMA) &&
	      nf == fields[kind].n + 1) &&
	    !(kind == MC_R_DDL && nf == fields[kind].n + 2))
		return mc_errf(err, MC_EXIT_DATA, "offset %llu: %s record: %u fields, expected %u%s",
			       start, kind_names[kind], nf, fields[kind].n,
			       kind == MC_R_TRAILER ? " or 3" : kind == MC_R_DDL ? ", 7 or 8" :
			       kind == MC_R_MARK ? " or 8" : kind == MC_R_SCHEMA ? " or 10" : "");
	switch (r->kind) {
	case MC_R_SCHEMA:
		rc = dec_schema(&c, r, s);
		r->src_table.p = NULL;
		r->src_table.n = 0;
		if (rc == 0 && nf == 10 && (rc = dec_src_table(&c, r, err)) == -2)
			return -1;
		break;
	case MC_R_ROW:
		rc = dec_row(&c, r, s);
		break;
	case MC_R_DDL:
		rc = mp_str(&c, &r->db, "db") < 0 || mp_str(&c, &r->table, "table") < 0 ||
		     dec_pos(&c, &r->pos) < 0 || mp_int(&c, &r->time, "time") < 0 ||
		     mp_str(&c, &r->sql, "sql") < 0 ? -1 : 0;
		r->effect = MC_DDL_UNKNOWN;
		r->src_table.p = NULL;
		r->src_table.n = 0;
		if (rc == 0 && nf >= 7) {
			uint64_t e;
			at = mp_aoff(&c);
			if (mp_uint(&c, &e, "effect") < 0) {
				rc = -1;
				break;
			}
			if (e == MC_DDL_UNKNOWN || e >= MC_DDL_N)
				return mc_errf(err, MC_EXIT_DATA,
					       "offset %llu: field 'effect': unknown effect %" PRIu64,
					       at, e);
			r->effect = (enum mc_ddl_effect)e;
		}
		if (rc == 0 && nf == 8 && (rc = dec_src_table(&c, r, err)) == -2)
			return -1;
		break;
	case MC_R_MARK: {
		uint64_t m;
		at = mp_aoff(&c);
		if (mp_uint(&c, &m, "mark") < 0) {
			rc = -1;
			break;
		}
		if (m >= MC_MARK_N)
			return mc_errf(err, MC_EXIT_DATA,
				       "offset %llu: field 'mark': unknown mark kind %" PRIu64, at, m);
		r->mark = (enum mc_mark)m;
		rc = dec_pos(&c, &r->pos) < 0 || mp_int(&c, &r->time, "time") < 0 ||
		     mp_str(&c, &r->db, "db") < 0 || mp_str(&c, &r->table, "table") < 0 ||
		     mp_str(&c, &r->label, "label") < 0 ? -1 : 0;
		if (rc == 0 && nf == 8) {
			at = mp_aoff(&c);
			if (dec_pos_as(&c, &r->resume, "resume") < 0) {
				rc = -1;
				break;
			}
			r->has_resume = 1;
			char where[40];
			snprintf(where, sizeof where, "offset %llu: ", at);
			if (resume_check(r, where, err) < 0)
				return -1;
		}
		break;
	}
	default: {
		uint64_t crc;
		rc = mp_uint(&c, &r->count, "count");
		if (rc < 0 || nf < 3)
			break;
		at = mp_aoff(&c);
		rc = mp_uint(&c, &crc, "crc32c");
		if (rc == 0 && crc > UINT32_MAX)
			return mc_errf(err, MC_EXIT_DATA,
				       "offset %llu: field 'crc32c': %" PRIu64 " is over 32 bits", at, crc);
		r->has_crc = 1;
		r->crc = (uint32_t)crc;
		break;
	}
	}
	if (rc < 0)
		goto fail;
done:
	*used = mp_off(&c);
	return 1;
fail:
	if (c.truncated) {
		*used = c.need;
		return 0;
	}
	return -1;
}

/* ---- encoding ---- */

int rp_more(struct rp *k, const char *p, size_t n)
{
	struct mc_buf *b = k->b;
	b->len = (size_t)(k->w - b->p);
	if (k->failed || buf_grow(b, n) < 0) {
		k->failed = 1;
		return -1;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	k->w = b->p + b->len;
	k->end = b->p + b->cap;
	return 0;
}

/* Room for a record: every item takes at most 9 bytes of header plus its
 * payload; values' payloads are not counted (sink_more). */
static size_t rec_bound(const struct mc_rec *r)
{
	size_t total = 128 + r->db.n + r->table.n + r->sql.n + r->label.n;
	for (size_t i = 0; i < r->nmeta; i++)
		total += 10 + r->meta[i].k.n + r->meta[i].v.n;
	for (size_t i = 0; i < r->ncols; i++)
		total += 32 + r->cols[i].name.n + r->cols[i].mysql_type.n + r->cols[i].mc_type.n;
	total += 10 * r->nkey;
	if (r->kind == MC_R_ROW) /* the headers of values; their payloads grow it */
		total += 10 * (r->nbefore + r->nafter);
	return total;
}

static inline __attribute__((always_inline)) void pack_strn(struct rp *pk, struct mc_str s)
{
	rp_str(pk, s.p, s.n);
}

static inline __attribute__((always_inline)) void pack_pos(struct rp *pk, const struct mc_pos *p)
{
	mcpk_array(pk, 3);
	mcpk_uint64(pk, p->file);
	mcpk_uint64(pk, p->off);
	mcpk_uint64(pk, p->row);
}

static inline __attribute__((always_inline)) void pack_row_head(struct rp *k, const struct mc_rec *r)
{
	mcpk_array(k, 9);
	mcpk_uint8(k, MC_R_ROW);
	mcpk_uint8(k, (uint8_t)r->op);
	pack_strn(k, r->db);
	pack_strn(k, r->table);
	mcpk_uint64(k, r->schema_version);
	pack_pos(k, &r->pos);
	mcpk_int64(k, r->time);
}

void rp_row_head(struct rp *k, const struct mc_rec *r)
{
	pack_row_head(k, r);
}

void rp_row_shared(struct rp *k, const struct mc_rec *r)
{
	mcpk_array(k, 9);
	mcpk_uint8(k, MC_R_ROW);
	mcpk_uint8(k, (uint8_t)r->op);
	pack_strn(k, r->db);
	pack_strn(k, r->table);
	mcpk_uint64(k, r->schema_version);
	mcpk_array(k, 3);
	mcpk_uint64(k, r->pos.file);
	mcpk_uint64(k, r->pos.off);
}

static inline __attribute__((always_inline)) int pack_vals(struct rp *pk, const struct mc_val *v, size_t n, const char *what,
		     int decoded, struct mc_err *err)
{
	if (!v) {
		mcpk_nil(pk);
		return 0;
	}
	mcpk_array(pk, n);
	for (size_t i = 0; i < n; i++, v++) {
		if (!(decoded && rec_val_decoder_checked(v->kind)) && val_check(v, err) < 0)
			return mc_errctx(err, "%s value %zu: ", what, i + 1);
		rp_val(pk, v);
	}
	return 0;
}

static inline __attribute__((always_inline)) int encode(struct mc_buf *b, const struct mc_rec *r,
							int decoded, struct mc_err *err)
{
	struct rp k;

	if (validate(r, 0, err) < 0)
		return -1;
	if (rp_open(&k, b, rec_bound(r)) < 0)
		return mc_oom(err, "a record");
	switch (r->kind) {
	case MC_R_HEADER:
		mcpk_array(&k, 3);
		mcpk_str(&k, 3);
		mcpk_str_body(&k, "mcr", 3);
		mcpk_uint64(&k, r->version);
		mcpk_map(&k, r->nmeta);
		for (size_t i = 0; i < r->nmeta; i++) {
			pack_strn(&k, r->meta[i].k);
			pack_strn(&k, r->meta[i].v);
		}
		break;
	case MC_R_SCHEMA:
		mcpk_array(&k, r->src_table.n ? 10 : 9);
		mcpk_uint8(&k, MC_R_SCHEMA);
		pack_strn(&k, r->db);
		pack_strn(&k, r->table);
		mcpk_uint64(&k, r->schema_version);
		pack_pos(&k, &r->pos);
		mcpk_int64(&k, r->time);
		mcpk_uint32(&k, r->schema_flags);
		mcpk_array(&k, r->ncols);
		for (size_t i = 0; i < r->ncols; i++) {
			const struct mc_col *col = &r->cols[i];
			mcpk_array(&k, 5);
			pack_strn(&k, col->name);
			pack_strn(&k, col->mysql_type);
			pack_strn(&k, col->mc_type);
			if (col->nullable)
				mcpk_true(&k);
			else
				mcpk_false(&k);
			mcpk_uint32(&k, col->flags);
		}
		mcpk_array(&k, r->nkey);
		for (size_t i = 0; i < r->nkey; i++)
			mcpk_uint32(&k, r->key[i]);
		if (r->src_table.n)
			pack_strn(&k, r->src_table);
		break;
	case MC_R_ROW:
		pack_row_head(&k, r);
		if (pack_vals(&k, r->before, r->nbefore, "before", decoded, err) < 0 ||
		    pack_vals(&k, r->after, r->nafter, "after", decoded, err) < 0) {
			rp_abort(&k);
			return -1;
		}
		break;
	case MC_R_DDL:
		if ((unsigned)r->effect >= MC_DDL_N)
			return mc_errf(err, MC_EXIT_DATA, "ddl: unknown effect %d", (int)r->effect);
		if (r->src_table.n && !r->effect)
			return mc_errf(err, MC_EXIT_DATA, "ddl: src_table without effect");
		mcpk_array(&k, r->src_table.n ? 8 : r->effect ? 7 : 6);
		mcpk_uint8(&k, MC_R_DDL);
		pack_strn(&k, r->db);
		pack_strn(&k, r->table);
		pack_pos(&k, &r->pos);
		mcpk_int64(&k, r->time);
		pack_strn(&k, r->sql);
		if (r->effect)
			mcpk_uint8(&k, (uint8_t)r->effect);
		if (r->src_table.n)
			pack_strn(&k, r->src_table);
		break;
	case MC_R_MARK:
		mcpk_array(&k, r->has_resume ? 8 : 7);
		mcpk_uint8(&k, MC_R_MARK);
		mcpk_uint8(&k, (uint8_t)r->mark);
		pack_pos(&k, &r->pos);
		mcpk_int64(&k, r->time);
		pack_strn(&k, r->db);
		pack_strn(&k, r->table);
		pack_strn(&k, r->label);
		if (r->has_resume)
			pack_pos(&k, &r->resume);
		break;
	case MC_R_TRAILER:
		mcpk_array(&k, r->has_crc ? 3 : 2);
		mcpk_uint8(&k, MC_R_TRAILER);
		mcpk_uint64(&k, r->count);
		if (r->has_crc)
			mcpk_uint32(&k, r->crc);
		break;
	default:
		return mc_errf(err, MC_EXIT_DATA, "unknown record kind %d", (int)r->kind);
	}
	if (rp_close(&k) < 0)
		return mc_oom(err, "a record");
	return 0;
}

int rec_encode(struct mc_buf *b, const struct mc_rec *r, struct mc_err *err)
{
	return encode(b, r, 0, err);
}

int rec_encode_decoded(struct mc_buf *b, const struct mc_rec *r, struct mc_err *err)
{
	return encode(b, r, 1, err);
}

/* ---- header metadata ---- */

const struct mc_str *rec_header_get(const struct mc_rec *r, const char *key)
{
	size_t kn = strlen(key);
	if (r->kind != MC_R_HEADER)
		return NULL;
	for (size_t i = 0; i < r->nmeta; i++)
		if (r->meta[i].k.n == kn && memcmp(r->meta[i].k.p, key, kn) == 0)
			return &r->meta[i].v;
	return NULL;
}

int rec_epoch_parse(const char *s, size_t n, uint64_t *file, int64_t *time)
{
	const char *c = memchr(s, ':', n);
	uint64_t f = 0, t = 0;
	if (!c || c == s || c + 1 == s + n || (size_t)(c - s) > 19 || (size_t)(s + n - c - 1) > 18)
		return -1;
	for (const char *p = s; p < c; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		f = f * 10 + (uint64_t)(*p - '0');
	}
	for (const char *p = c + 1; p < s + n; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		t = t * 10 + (uint64_t)(*p - '0');
	}
	*file = f;
	*time = (int64_t)t;
	return 0;
}
