/* csv.c: the rows of one table as CSV. */
#include "stream/csv.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/b64.h"
#include "base/numfmt.h"

void csv_init(struct csv_out *c, const char *table, int with_op)
{
	memset(c, 0, sizeof *c);
	c->table = table;
	c->with_op = with_op;
}

void csv_free(struct csv_out *c)
{
	buf_free(&c->names);
}

/* Append one field, quoted when it must be. 0, or -1 (ENOMEM). */
static int field(struct mc_buf *b, const char *p, size_t n)
{
	int quote = n == 0;
	for (size_t i = 0; i < n && !quote; i++)
		quote = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
	if (!quote)
		return buf_add(b, p, n);
	if (buf_addc(b, '"') < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *q = memchr(p + i, '"', n - i);
		size_t run = q ? (size_t)(q - (p + i)) + 1 : n - i;
		if (buf_add(b, p + i, run) < 0 || (q && buf_addc(b, '"') < 0))
			return -1;
		i += run - 1;
	}
	return buf_addc(b, '"');
}

static int value(struct mc_buf *b, const struct mc_val *v)
{
	char num[64];
	size_t n;
	switch (v->kind) {
	case MC_V_NULL:
	case MC_V_ABSENT:
		return 0;
	case MC_V_INT:
		n = (size_t)snprintf(num, sizeof num, "%" PRId64, v->v.i);
		break;
	case MC_V_UINT:
		n = (size_t)snprintf(num, sizeof num, "%" PRIu64, v->v.u);
		break;
	case MC_V_F32:
		n = numfmt_f32(v->v.f32, num);
		break;
	case MC_V_F64:
		n = numfmt_f64(v->v.f64, num);
		break;
	case MC_V_BIT: {
		uint64_t u = 0;
		for (size_t i = 0; i < v->v.s.n; i++)
			u = u << 8 | (unsigned char)v->v.s.p[i];
		n = (size_t)snprintf(num, sizeof num, "%" PRIu64, u);
		break;
	}
	case MC_V_BIN: {
		size_t len = v->v.s.n ? b64_enc_len(v->v.s.n) : 0;
		if (len == 0) /* empty, not NULL: base64 never needs quotes otherwise */
			return buf_add(b, "\"\"", 2);
		if (buf_grow(b, len) < 0)
			return -1;
		b->len += b64_encode(b->p + b->len, v->v.s.p, v->v.s.n);
		return 0;
	}
	default:
		return field(b, v->v.s.p, v->v.s.n);
	}
	return buf_add(b, num, n);
}

/* The header line from a schema record, or @1..@nvals without one; a
 * later schema must name the same columns. */
static int header(struct csv_out *c, struct mc_buf *b, const struct mc_rec *r, size_t nvals,
		  struct mc_err *err)
{
	struct mc_buf names = { 0 };
	size_t at = 0;

	if (r) {
		for (size_t i = 0; i < r->ncols; i++)
			if (buf_add(&names, r->cols[i].name.p, r->cols[i].name.n) < 0 ||
			    buf_addc(&names, 0) < 0)
				goto oom;
	} else {
		for (size_t i = 0; i < nvals; i++)
			if (buf_addf(&names, "@%zu", i + 1) < 0 || buf_addc(&names, 0) < 0)
				goto oom;
	}
	if (c->header_done) {
		int same = names.len == c->names.len &&
			   memcmp(names.p, c->names.p, names.len) == 0;
		buf_free(&names);
		if (!same)
			return mc_errf(err, MC_EXIT_DATA,
				       "the columns of '%s' change within the input; CSV needs one "
				       "column list", c->table);
		return 0;
	}
	c->header_done = 1;
	c->names = names;
	c->ncols = r ? r->ncols : nvals;
	if (c->with_op && buf_adds(b, "_op,_pos,") < 0)
		return mc_oom(err, "CSV output");
	for (size_t i = 0; i < c->ncols; i++) {
		size_t len = strlen(names.p + at);
		if ((i && buf_addc(b, ',') < 0) || field(b, names.p + at, len) < 0)
			return mc_oom(err, "CSV output");
		at += len + 1;
	}
	if (buf_addc(b, '\n') < 0)
		return mc_oom(err, "CSV output");
	return 0;
oom:
	buf_free(&names);
	return mc_oom(err, "CSV output");
}

static int row(struct csv_out *c, struct mc_buf *b, const struct mc_rec *r, struct mc_err *err)
{
	const struct mc_val *v = r->after ? r->after : r->before;
	size_t n = r->after ? r->nafter : r->nbefore;

	if (!c->header_done && header(c, b, NULL, n, err) < 0)
		return -1;
	if (c->with_op) {
		char pos[64];
		pos_format(&r->pos, pos, sizeof pos);
		if (buf_addf(b, "%s,%s,", rec_op_name(r->op), pos) < 0)
			return mc_oom(err, "CSV output");
	}
	for (size_t i = 0; i < n; i++)
		if ((i && buf_addc(b, ',') < 0) || value(b, &v[i]) < 0)
			return mc_oom(err, "CSV output");
	if (buf_addc(b, '\n') < 0)
		return mc_oom(err, "CSV output");
	return 0;
}

int csv_rec(struct csv_out *c, struct mc_buf *b, const struct mc_rec *r, struct mc_err *err)
{
	size_t start = b->len;
	int rc;

	if (r->kind != MC_R_SCHEMA && r->kind != MC_R_ROW)
		return 0;
	if (!rec_is_table(r, c->table))
		return 0;
	rc = r->kind == MC_R_SCHEMA ? header(c, b, r, 0, err) : row(c, b, r, err);
	if (rc < 0)
		b->len = start;
	return rc;
}
