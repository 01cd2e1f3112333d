/* binlog_rows.c: table maps (column types, metadata, names, keys) and the
 * rows events that use them: the row images, column by column. */
#include "binlog/binlog.h"
#include "binlog/binlog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "stream/recpack.h"

/* Table maps -------------------------------------------------------- */

static int is_numeric(uint8_t t)
{
	switch (t) {
	case BL_T_TINY: case BL_T_SHORT: case BL_T_INT24: case BL_T_LONG: case BL_T_LONGLONG:
	case BL_T_DECIMAL: case BL_T_NEWDECIMAL: case BL_T_FLOAT: case BL_T_DOUBLE: case BL_T_YEAR:
		return 1;
	}
	return 0;
}

static int is_character(uint8_t t)
{
	switch (t) {
	case BL_T_STRING: case BL_T_VAR_STRING: case BL_T_VARCHAR: case BL_T_BLOB:
	case BL_T_TINY_BLOB: case BL_T_MEDIUM_BLOB: case BL_T_LONG_BLOB:
	case BL_T_GEOMETRY: /* counted by the server too (a BLOB underneath) */
	case BL_T_BLOB_COMPRESSED: case BL_T_VARCHAR_COMPRESSED:
		return 1;
	}
	return 0;
}

static int is_enum_set(uint8_t t) { return t == BL_T_ENUM || t == BL_T_SET; }

/* Read a column's metadata from the map's metadata block. */
static int col_meta(struct bl_col *c, struct cur *m, struct mc_err *err)
{
	uint8_t t = c->wire_type;
	c->type = t;
	switch (t) {
	case BL_T_FLOAT: case BL_T_DOUBLE: case BL_T_BLOB: case BL_T_TINY_BLOB:
	case BL_T_MEDIUM_BLOB: case BL_T_LONG_BLOB: case BL_T_GEOMETRY: case BL_T_JSON:
	case BL_T_TIME2: case BL_T_DATETIME2: case BL_T_TIMESTAMP2: case BL_T_VECTOR:
	case BL_T_BLOB_COMPRESSED:
		if (need(m, 1, "table map metadata", err) < 0)
			return -1;
		c->meta = *m->p++;
		c->maxlen = c->meta;
		break;
	case BL_T_VARCHAR: case BL_T_VAR_STRING: case BL_T_VARCHAR_COMPRESSED:
		if (t == BL_T_VAR_STRING) /* never has metadata in v4 maps */
			break;
		if (need(m, 2, "table map metadata", err) < 0)
			return -1;
		c->meta = le16(m->p);
		c->maxlen = c->meta;
		m->p += 2;
		break;
	case BL_T_NEWDECIMAL:
		if (need(m, 2, "table map metadata", err) < 0)
			return -1;
		c->meta = (uint16_t)(m->p[0] << 8 | m->p[1]); /* precision, scale */
		m->p += 2;
		break;
	case BL_T_BIT:
		if (need(m, 2, "table map metadata", err) < 0)
			return -1;
		c->meta = le16(m->p); /* low byte bits % 8, high byte whole bytes */
		m->p += 2;
		break;
	case BL_T_STRING: case BL_T_ENUM: case BL_T_SET: {
		uint8_t b0, b1;
		if (need(m, 2, "table map metadata", err) < 0)
			return -1;
		b0 = m->p[0];
		b1 = m->p[1];
		m->p += 2;
		c->meta = (uint16_t)(b0 << 8 | b1);
		if (b0 == 0) { /* no real type: a plain length */
			c->maxlen = b1;
			break;
		}
		if ((b0 & 0x30) != 0x30) {
			c->maxlen = (uint32_t)(b1 | (((b0 & 0x30) ^ 0x30) << 4));
			c->type = (uint8_t)(b0 | 0x30);
		} else {
			c->maxlen = b1;
			c->type = b0;
		}
		if (c->type != BL_T_STRING && c->type != BL_T_ENUM && c->type != BL_T_SET)
			return EBAD("table map: bad real type %u of a CHAR column", c->type);
		break;
	}
	case BL_T_TINY: case BL_T_SHORT: case BL_T_LONG: case BL_T_LONGLONG: case BL_T_INT24:
	case BL_T_TIMESTAMP: case BL_T_DATE: case BL_T_TIME: case BL_T_DATETIME: case BL_T_YEAR:
	case BL_T_NEWDATE: case BL_T_NULL:
		break;
	default:
		return 1; /* not known: nor is the length of its metadata */
	}
	return 0;
}

/* Iterate columns of a class in the optional metadata. */
static int next_of(const struct bl_table *t, uint32_t *i, int (*pred)(uint8_t))
{
	while (*i < t->ncols && !pred(t->cols[*i].type))
		(*i)++;
	return *i < t->ncols;
}

static int opt_meta(struct bl_table *t, struct cur *c, struct mc_err *err)
{
	uint32_t nlabels_total = 0;
	size_t nlabels_cap = 0, npk_cap = 0; /* t->labels and t->pk start empty */
	while (c->p < c->end) {
		uint8_t type = *c->p++;
		uint64_t len;
		struct cur f;
		uint32_t i = 0;
		if (lenenc_bounded(c, &len, "table map optional metadata", err) < 0)
			return -1;
		f.p = c->p;
		f.end = c->p + len;
		c->p += len;
		switch (type) {
		case 1: /* SIGNEDNESS: bitmap over numeric columns, MSB first */
			for (uint32_t k = 0; next_of(t, &i, is_numeric); i++, k++) {
				if (k / 8 >= len)
					return EBAD("table map: signedness bitmap too short");
				t->cols[i].is_unsigned = (f.p[k / 8] >> (7 - k % 8)) & 1;
			}
			t->has_signedness = 1;
			break;
		case 2: case 10: { /* DEFAULT_CHARSET, ENUM_AND_SET_DEFAULT_CHARSET */
			int (*pred)(uint8_t) = type == 2 ? is_character : is_enum_set;
			uint64_t def, idx, coll;
			if (lenenc(&f, &def, "default charset", err) < 0)
				return -1;
			for (i = 0; next_of(t, &i, pred); i++) {
				t->cols[i].has_charset = 1;
				t->cols[i].charset = (uint16_t)def;
			}
			while (f.p < f.end) {
				uint32_t k = 0;
				if (lenenc(&f, &idx, "charset", err) < 0 ||
				    lenenc(&f, &coll, "charset", err) < 0)
					return -1;
				for (i = 0; next_of(t, &i, pred); i++, k++)
					if (k == idx) {
						t->cols[i].charset = (uint16_t)coll;
						break;
					}
			}
			break;
		}
		case 3: case 11: { /* COLUMN_CHARSET, ENUM_AND_SET_COLUMN_CHARSET */
			int (*pred)(uint8_t) = type == 3 ? is_character : is_enum_set;
			for (i = 0; next_of(t, &i, pred); i++) {
				uint64_t coll;
				if (lenenc(&f, &coll, "column charset", err) < 0)
					return -1;
				t->cols[i].has_charset = 1;
				t->cols[i].charset = (uint16_t)coll;
			}
			break;
		}
		case 4: /* COLUMN_NAME */
			for (i = 0; i < t->ncols; i++) {
				uint64_t n;
				if (lenenc_bounded(&f, &n, "column name", err) < 0)
					return -1;
				t->cols[i].name = mc_str_c((const char *)f.p, n);
				f.p += n;
			}
			t->has_names = 1;
			break;
		case 5: case 6: { /* SET_STR_VALUE, ENUM_STR_VALUE */
			uint8_t want = type == 5 ? BL_T_SET : BL_T_ENUM;
			t->has_labels = 1;
			for (i = 0; i < t->ncols && f.p < f.end; i++) {
				uint64_t cnt;
				struct mc_str *l;
				if (t->cols[i].type != want)
					continue;
				if (lenenc(&f, &cnt, "enum/set labels", err) < 0)
					return -1;
				if (cnt > (uint64_t)(f.end - f.p) || cnt > 65535)
					return EBAD("table map: %llu labels", (unsigned long long)cnt);
				if (mc_grow(&t->labels, &nlabels_cap, nlabels_total + cnt + 1,
					    sizeof *t->labels) < 0)
					return mc_oom(err, "table map");
				/* Labels are stored as offsets first, made pointers below. */
				l = t->labels;
				t->cols[i].nlabels = (uint32_t)cnt;
				t->cols[i].labels = (struct mc_str *)(uintptr_t)nlabels_total;
				for (uint64_t k = 0; k < cnt; k++) {
					uint64_t n;
					if (lenenc_bounded(&f, &n, "enum/set label", err) < 0)
						return -1;
					l[nlabels_total++] = mc_str_c((const char *)f.p, n);
					f.p += n;
				}
			}
			break;
		}
		case 8: /* SIMPLE_PRIMARY_KEY */
		case 9: /* PRIMARY_KEY_WITH_PREFIX */
			while (f.p < f.end) {
				uint64_t idx, prefix;
				if (lenenc(&f, &idx, "primary key", err) < 0)
					return -1;
				if (type == 9 && lenenc(&f, &prefix, "primary key", err) < 0)
					return -1;
				if (idx >= t->ncols)
					return EBAD("table map: primary key column %llu of %u",
						    (unsigned long long)idx, t->ncols);
				if (mc_grow(&t->pk, &npk_cap, (size_t)t->npk + 1, sizeof *t->pk) < 0)
					return mc_oom(err, "table map");
				t->pk[t->npk++] = (uint32_t)idx;
				if (t->npk > t->ncols)
					return EBAD("table map: primary key longer than the table");
			}
			break;
		case 12: /* COLUMN_VISIBILITY: bitmap over all columns, MSB first */
			for (i = 0; i < t->ncols; i++) {
				if (i / 8 >= len)
					return EBAD("table map: visibility bitmap too short");
				t->cols[i].invisible = !((f.p[i / 8] >> (7 - i % 8)) & 1);
			}
			break;
		case 13: /* VECTOR_DIMENSIONALITY */
			for (i = 0; i < t->ncols && f.p < f.end; i++) {
				uint64_t dim;
				if (t->cols[i].type != BL_T_VECTOR)
					continue;
				if (lenenc(&f, &dim, "vector dimensions", err) < 0)
					return -1;
				t->cols[i].dim = (uint32_t)dim;
			}
			break;
		default: /* GEOMETRY_TYPE, later additions */
			break;
		}
	}
	for (uint32_t i = 0; i < t->ncols; i++)
		if (t->cols[i].nlabels)
			t->cols[i].labels = t->labels + (uintptr_t)t->cols[i].labels;
	return 0;
}

/* MariaDB writes TIME(n), DATETIME(n) and TIMESTAMP(n) of its own 5.3
 * format (tables created with mysql56_temporal_format=OFF, or on MariaDB
 * 10.0 and older) under the old types 11, 12 and 7 with no metadata: n,
 * and so the length of a value (3 to 8 bytes), is not in the binlog, and
 * n = 0 cannot be told from n > 0. Such columns wait for n from what is
 * known of the table (bl_col.dec_ext); their rows are refused until then. */
static void old_temporal(struct bl_table *t)
{
	for (uint32_t i = 0; i < t->ncols; i++) {
		struct bl_col *c = &t->cols[i];
		if (c->type == BL_T_TIME || c->type == BL_T_DATETIME || c->type == BL_T_TIMESTAMP) {
			c->dec_ext = 1;
			t->ndec_ext++;
		}
	}
}

int bl_table_dec_unknown(const struct bl_table *t, char *msg, size_t n)
{
	if (!t->ndec_ext)
		return 0; /* the common case, tested for every row */
	for (uint32_t i = 0; i < t->ncols; i++) {
		const struct bl_col *c = &t->cols[i];
		const char *what = c->type == BL_T_TIME ? "TIME"
				   : c->type == BL_T_DATETIME ? "DATETIME" : "TIMESTAMP";
		if (!c->dec_ext || c->dec_known)
			continue;
		snprintf(msg, n,
			 "table `%.*s`.`%.*s`: column %u%s%.*s%s is MariaDB's old-format %s "
			 "(mysql56_temporal_format=OFF) whose fraction digits are in neither the "
			 "binlog, its CREATE TABLE nor --schema; give --schema FILE (mc-snapshot's "
			 "schema records), convert the table (SET GLOBAL mysql56_temporal_format=ON; "
			 "ALTER TABLE ... FORCE) or leave it out with --tables",
			 (int)(t->db.n > 24 ? 24 : t->db.n), t->db.p,
			 (int)(t->name.n > 24 ? 24 : t->name.n), t->name.p, i + 1,
			 c->name.n ? " (" : "", (int)(c->name.n > 24 ? 24 : c->name.n),
			 c->name.n ? c->name.p : "", c->name.n ? ")" : "", what);
		return 1;
	}
	return 0;
}

/* A value of column i of t refused: the table and column in front of err. */
static int col_ctx(struct mc_err *err, const struct bl_table *t, uint32_t i)
{
	char where[256];
	bl_col_where(where, sizeof where, t, i, NULL);
	return mc_errctx(err, "%s: ", where);
}

int bl_decode_table_map(struct bl_decoder *d, struct bl_event *ev, struct mc_err *err)
{
	struct cur c = { ev->body, ev->body + ev->body_len };
	struct bl_table *t;
	uint8_t post = d->fde.post[BL_TABLE_MAP];
	uint64_t ncols, mlen;
	uint8_t n;
	struct cur m;
	const uint8_t *types;

	if (need(&c, post, "table map header", err) < 0)
		return -1;
	if (post == 6)
		ev->table_id = le32(c.p);
	else if (post >= 8)
		ev->table_id = le48(c.p);
	else
		return EBAD("table map: post-header length %u", post);
	c.p += post;

	/* The same map again (every transaction repeats its maps): keep it. */
	t = bl_find_table(d, ev->table_id);
	if (t && t->raw_len == ev->body_len && memcmp(t->raw, ev->body, ev->body_len) == 0) {
		ev->table = t; /* its columns as they were (schema_track.c may change
				* them: it clears t->plan_ok then) */
		return 0;
	}
	t = calloc(1, sizeof *t);
	if (!t)
		return mc_oom(err, "table map");
	t->id = ev->table_id;
	/* Copy the body: names and labels point into it. */
	t->raw = malloc(ev->body_len ? ev->body_len : 1);
	if (!t->raw) {
		free(t);
		return mc_oom(err, "table map");
	}
	memcpy(t->raw, ev->body, ev->body_len);
	t->raw_len = ev->body_len;
	t->def_off = (size_t)(c.p - ev->body);
	c.p = (const uint8_t *)t->raw + (c.p - ev->body);
	c.end = (const uint8_t *)t->raw + ev->body_len;

	if (need(&c, 1, "database name", err) < 0)
		goto bad;
	n = *c.p++;
	if (need(&c, (size_t)n + 1, "database name", err) < 0)
		goto bad;
	t->db = mc_str_c((const char *)c.p, n);
	c.p += n + 1;
	if (need(&c, 1, "table name", err) < 0)
		goto bad;
	n = *c.p++;
	if (need(&c, (size_t)n + 1, "table name", err) < 0)
		goto bad;
	t->name = mc_str_c((const char *)c.p, n);
	c.p += n + 1;
	if (lenenc(&c, &ncols, "column count", err) < 0)
		goto bad;
	if (ncols == 0 || ncols > MC_MAX_COLUMNS) {
		EBAD("table map: %llu columns", (unsigned long long)ncols);
		goto bad;
	}
	if (need(&c, ncols, "column types", err) < 0)
		goto bad;
	types = c.p;
	c.p += ncols;
	t->ncols = (uint32_t)ncols;
	t->cols = calloc(ncols, sizeof *t->cols);
	if (!t->cols) {
		mc_oom(err, "table map");
		goto bad;
	}
	if (lenenc_bounded(&c, &mlen, "column metadata", err) < 0)
		goto bad;
	m.p = c.p;
	m.end = c.p + mlen;
	c.p += mlen;
	for (uint32_t i = 0; i < t->ncols; i++) {
		int rc;
		t->cols[i].wire_type = types[i];
		if ((rc = col_meta(&t->cols[i], &m, err)) < 0)
			goto bad;
		if (rc > 0) {
			/* Nothing after it can be read: the table's rows are refused
			 * (bl_row_next), its map kept for the tables around it. */
			snprintf(t->bad, sizeof t->bad,
				 "table `%.*s`.`%.*s`: column %u has type %u, which this decoder "
				 "does not know", (int)(t->db.n > 40 ? 40 : t->db.n), t->db.p,
				 (int)(t->name.n > 40 ? 40 : t->name.n), t->name.p, i + 1, types[i]);
			for (uint32_t j = i; j < t->ncols; j++)
				t->cols[j].type = t->cols[j].wire_type = types[j];
			break;
		}
		if (t->cols[i].type == BL_T_JSON)
			t->njson++;
	}
	if (need(&c, (ncols + 7) / 8, "null bitmap", err) < 0)
		goto bad;
	for (uint32_t i = 0; i < t->ncols; i++)
		t->cols[i].nullable = (c.p[i / 8] >> (i % 8)) & 1;
	c.p += (ncols + 7) / 8;
	if (!t->bad[0] && opt_meta(t, &c, err) < 0)
		goto bad;
	if (d->fde.mariadb && !t->bad[0])
		old_temporal(t);
	for (uint32_t i = 0; d->fde.mariadb && i < t->ncols; i++) {
		struct bl_col *col = &t->cols[i];
		int ty = col->type;
		col->guess = 0;
		if (!t->has_signedness && (ty == BL_T_TINY || ty == BL_T_SHORT || ty == BL_T_INT24 ||
					   ty == BL_T_LONG || ty == BL_T_LONGLONG))
			col->guess |= BL_GUESS_SIGN;
		if (!col->has_charset &&
		    (ty == BL_T_STRING || ty == BL_T_VARCHAR || ty == BL_T_VAR_STRING))
			col->guess |= BL_GUESS_CHARSET;
	}
	for (uint32_t i = 0; i < t->ncols; i++)
		bl_col_setup(&t->cols[i]);
	if (!t->bad[0] && bl_table_labels(d, t, err) < 0)
		goto bad;
	if (bl_put_table(d, t, err) < 0)
		goto bad;
	ev->table = t;
	return 0;
bad:
	bl_table_free(t);
	return -1;
}

/* Compressed MariaDB data: one header byte (0x80 | bytes of length), the
 * uncompressed length big-endian, then a zlib stream. */
int bl_is_rows(uint8_t t)
{
	return (t >= BL_WRITE_ROWS_V1 && t <= BL_DELETE_ROWS_V1) ||
	       (t >= BL_WRITE_ROWS && t <= BL_DELETE_ROWS) || t == BL_PARTIAL_UPDATE_ROWS ||
	       (t >= BL_MARIA_WRITE_ROWS_COMPRESSED_V1 && t <= BL_MARIA_DELETE_ROWS_COMPRESSED);
}

int bl_rows_type(uint8_t t, int *op, int *v2, int *compressed)
{
	*v2 = *compressed = 0;
	switch (t) {
	case BL_WRITE_ROWS: *v2 = 1; /* fall through */
	case BL_WRITE_ROWS_V1: *op = MC_OP_INSERT; return 1;
	case BL_UPDATE_ROWS: case BL_PARTIAL_UPDATE_ROWS: *v2 = 1; /* fall through */
	case BL_UPDATE_ROWS_V1: *op = MC_OP_UPDATE; return 1;
	case BL_DELETE_ROWS: *v2 = 1; /* fall through */
	case BL_DELETE_ROWS_V1: *op = MC_OP_DELETE; return 1;
	case BL_MARIA_WRITE_ROWS_COMPRESSED: *v2 = 1; /* fall through */
	case BL_MARIA_WRITE_ROWS_COMPRESSED_V1: *op = MC_OP_INSERT; *compressed = 1; return 1;
	case BL_MARIA_UPDATE_ROWS_COMPRESSED: *v2 = 1; /* fall through */
	case BL_MARIA_UPDATE_ROWS_COMPRESSED_V1: *op = MC_OP_UPDATE; *compressed = 1; return 1;
	case BL_MARIA_DELETE_ROWS_COMPRESSED: *v2 = 1; /* fall through */
	case BL_MARIA_DELETE_ROWS_COMPRESSED_V1: *op = MC_OP_DELETE; *compressed = 1; return 1;
	}
	return 0;
}

static unsigned popcount_bits(const uint8_t *bm, uint32_t n);

int bl_decode_rows(struct bl_decoder *d, struct bl_event *ev, int op, int v2, int compressed,
		       struct mc_err *err)
{
	struct cur c = { ev->body, ev->body + ev->body_len };
	uint8_t post = d->fde.post[ev->type];
	uint64_t ncols;
	size_t bm;
	if (post == 0)
		post = v2 ? 10 : 8;
	if (post != 6 && post != 8 && post != 10)
		return EBAD("rows event: post-header length %u", post);
	if (need(&c, post, "rows header", err) < 0)
		return -1;
	ev->table_id = post == 6 ? le32(c.p) : le48(c.p);
	ev->rows_flags = le16(c.p + (post == 6 ? 4 : 6));
	c.p += post;
	if (post == 10) {
		uint16_t extra = le16(c.p - 2);
		if (extra < 2 || need(&c, extra - 2u, "rows extra data", err) < 0)
			return EBAD("rows event: bad extra data length %u", extra);
		c.p += extra - 2;
	}
	ev->rows_op = op;
	ev->partial = ev->type == BL_PARTIAL_UPDATE_ROWS;
	ev->table = bl_find_table(d, ev->table_id);
	if (lenenc(&c, &ncols, "rows column count", err) < 0)
		return -1;
	if (ncols == 0 || ncols > MC_MAX_COLUMNS)
		return EBAD("rows event: %llu columns", (unsigned long long)ncols);
	ev->rows_ncols = (uint32_t)ncols;
	bm = (size_t)((ncols + 7) / 8);
	if (need(&c, bm, "rows column bitmap", err) < 0)
		return -1;
	ev->present_before = ev->present_after = c.p;
	c.p += bm;
	if (op == MC_OP_UPDATE) {
		if (need(&c, bm, "rows column bitmap", err) < 0)
			return -1;
		ev->present_after = c.p;
		c.p += bm;
	}
	ev->np_before = popcount_bits(ev->present_before, (uint32_t)ncols);
	ev->np_after = popcount_bits(ev->present_after, (uint32_t)ncols);
	if (compressed) {
		if (bl_maria_uncompress(d, c.p, (size_t)(c.end - c.p), err) < 0)
			return -1;
		ev->rows = (const uint8_t *)d->zbuf.p;
		ev->rows_end = ev->rows + d->zbuf.len;
	} else {
		ev->rows = c.p;
		ev->rows_end = c.end;
	}
	ev->rows_cur = ev->rows;
	if (!ev->table) {
		if (ev->rows == ev->rows_end)
			return 0; /* an empty end-of-statement marker */
		return EBAD("rows event for table id %llu with no table map",
			    (unsigned long long)ev->table_id);
	}
	if (ev->table->ncols != ncols)
		return EBAD("rows event has %llu columns, the table map of `%.*s`.`%.*s` %u",
			    (unsigned long long)ncols, (int)ev->table->db.n, ev->table->db.p,
			    (int)ev->table->name.n, ev->table->name.p, ev->table->ncols);
	return 0;
}
/* Rows -------------------------------------------------------------- */

static unsigned popcount_bits(const uint8_t *bm, uint32_t n)
{
	/* bits set in a nibble (no popcount instruction assumed) */
	static const uint8_t nb[16] = { 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4 };
	unsigned k = 0, b;
	uint32_t i = 0;
	for (; i + 8 <= n; i += 8) {
		b = bm[i / 8];
		k += nb[b & 15] + nb[b >> 4];
	}
	if (i < n) {
		b = bm[i / 8] & ((1u << (n - i)) - 1);
		k += nb[b & 15] + nb[b >> 4];
	}
	return k;
}

static int image(struct bl_decoder *d, struct bl_event *ev, const uint8_t *present,
		 struct mc_val *vals, const uint8_t *partial_bits, const struct mc_val *old,
		 struct mc_err *err)
{
	const struct bl_table *t = ev->table;
	struct cur c = { ev->rows_cur, ev->rows_end };
	unsigned np = popcount_bits(present, t->ncols);
	const uint8_t *nulls;
	unsigned k = 0, jk = 0;
	if (need(&c, (np + 7) / 8, "row null bitmap", err) < 0)
		return -1;
	nulls = c.p;
	c.p += (np + 7) / 8;
	for (uint32_t i = 0; i < t->ncols; i++) {
		const struct bl_col *col = &t->cols[i];
		int is_partial = 0;
		if (col->type == BL_T_JSON) {
			is_partial = partial_bits && ((partial_bits[jk / 8] >> (jk % 8)) & 1);
			jk++;
		}
		if (!((present[i / 8] >> (i % 8)) & 1)) {
			vals[i].kind = MC_V_ABSENT;
			vals[i].v.s = mc_str_c(NULL, 0);
			continue;
		}
		if ((nulls[k / 8] >> (k % 8)) & 1) {
			vals[i].kind = MC_V_NULL;
			k++;
			continue;
		}
		k++;
		size_t used;
		if (is_partial) {
			/* A JSON diff: length (meta bytes), then diffs, applied to the
			 * before image's document. */
			struct mc_buf out = { 0 };
			uint32_t len = 0;
			unsigned lb = col->meta ? col->meta : 4;
			char *txt;
			if (need(&c, lb, "partial JSON length", err) < 0)
				return -1;
			for (unsigned b = 0; b < lb; b++)
				len |= (uint32_t)c.p[b] << (8 * b);
			c.p += lb;
			if (need(&c, len, "partial JSON", err) < 0)
				return -1;
			if (!old || old[i].kind != MC_V_JSON) {
				if (d->partial_json_absent) {
					vals[i].kind = MC_V_ABSENT;
					vals[i].v.s = mc_str_c(NULL, 0);
					c.p += len;
					continue;
				}
				return EBAD("column %u: partial JSON update of a column that is not "
					    "in the before image (binlog_row_image=MINIMAL or NOBLOB): the new "
					    "document cannot be computed", i + 1);
			}
			if (bl_json_apply_diff(old[i].v.s.p, old[i].v.s.n, c.p, len, &out, err) < 0) {
				buf_free(&out);
				return mc_errctx(err, "column %u: ", i + 1);
			}
			txt = bl_arena_alloc(&d->arena, out.len + 1);
			if (!txt) {
				buf_free(&out);
				return mc_oom(err, "row");
			}
			memcpy(txt, out.p, out.len);
			vals[i].kind = MC_V_JSON;
			vals[i].v.s = mc_str_c(txt, out.len);
			buf_free(&out);
			c.p += len;
			continue;
		}
		if (bl_value(d, col, c.p, (size_t)(c.end - c.p), &used, &vals[i], err) < 0)
			return col_ctx(err, t, i);
		c.p += used;
	}
	ev->rows_cur = c.p;
	return 0;
}

static int row_next(struct bl_decoder *d, struct bl_event *ev, struct mc_val *before,
		    struct mc_val *after, struct mc_err *err)
{
	if (ev->rows_op == MC_OP_INSERT)
		return image(d, ev, ev->present_after, after, NULL, NULL, err);
	if (image(d, ev, ev->present_before, before, NULL, NULL, err) < 0)
		return -1;
	if (ev->rows_op == MC_OP_DELETE)
		return 0;
	if (ev->partial) {
		struct cur c = { ev->rows_cur, ev->rows_end };
		uint64_t opts;
		const uint8_t *bits = NULL;
		if (lenenc(&c, &opts, "partial update options", err) < 0)
			return -1;
		if (opts & 1) {
			size_t nb = (ev->table->njson + 7) / 8;
			if (need(&c, nb, "partial JSON bitmap", err) < 0)
				return -1;
			bits = c.p;
			c.p += nb;
		}
		ev->rows_cur = c.p;
		return image(d, ev, ev->present_after, after, bits, before, err);
	}
	return image(d, ev, ev->present_after, after, NULL, NULL, err);
}

/* Whether a row follows (1), none (0), or the event's rows are refused
 * (-1): bl_row_next's and bl_row_pack's start. */
static int row_begin(struct bl_decoder *d, struct bl_event *ev, struct mc_err *err)
{
	char msg[512];
	if (!ev->rows_op || ev->rows_cur >= ev->rows_end)
		return 0;
	if (!ev->table)
		return EBAD("rows event with no table map");
	if (ev->table->bad[0]) {
		ev->rows_cur = ev->rows_end;
		return EBAD("%s", ev->table->bad);
	}
	if (bl_table_dec_unknown(ev->table, msg, sizeof msg)) {
		ev->rows_cur = ev->rows_end;
		return EBAD("%s", msg);
	}
	bl_arena_reset(&d->arena);
	return 1;
}

/* The end of one row of ev (rc: how reading it went; was: where it began):
 * 1, or -1 with no more rows from the event. */
static int row_end(struct bl_event *ev, int rc, const uint8_t *was, struct mc_err *err)
{
	if (rc < 0) {
		ev->rows_cur = ev->rows_end; /* no more rows from a bad event */
		return -1;
	}
	if (ev->rows_cur == was) {
		ev->rows_cur = ev->rows_end;
		return EBAD("rows event: a row image with no columns");
	}
	return 1;
}

int bl_row_next(struct bl_decoder *d, struct bl_event *ev, struct mc_val *before,
		struct mc_val *after, struct mc_err *err)
{
	const uint8_t *was = ev->rows_cur;
	int rc = row_begin(d, ev, err);
	if (rc <= 0)
		return rc;
	return row_end(ev, row_next(d, ev, before, after, err), was, err);
}


/* Packed rows ------------------------------------------------------- */

/* image(), each value packed at k as rec_encode packs it: straight from
 * the row image for the columns with a plan, through bl_value else. */
static int pack_image(struct bl_decoder *d, struct bl_event *ev, const uint8_t *present,
		      unsigned np, struct rp *k, const char *what, struct mc_err *err)
{
	const struct bl_table *t = ev->table;
	struct cur c = { ev->rows_cur, ev->rows_end };
	const uint8_t *nulls;
	unsigned kn = 0;
	if (need(&c, (np + 7) / 8, "row null bitmap", err) < 0)
		return -1;
	nulls = c.p;
	c.p += (np + 7) / 8;
	rp_array(k, t->ncols);
	for (uint32_t i = 0; i < t->ncols; i++) {
		const struct bl_col *col = &t->cols[i];
		size_t left = (size_t)(c.end - c.p), used;
		unsigned n = col->plan_n;
		struct mc_val v;
		if (np != t->ncols && !((present[i / 8] >> (i % 8)) & 1)) {
			rp_ext_hdr(k, 0, MC_EXT_ABSENT);
			continue;
		}
		if ((nulls[kn / 8] >> (kn % 8)) & 1) {
			kn++;
			rp_nil(k);
			continue;
		}
		kn++;
		switch (col->plan) {
		case BL_PLAN_SINT:
			if (left < n)
				break; /* bl_value says what is wrong */
			{
				uint64_t raw = le_bytes(c.p, n);
				if (n < 8 && (raw >> (8 * n - 1)) & 1)
					raw |= ~(uint64_t)0 << (8 * n);
				rp_int64(k, (int64_t)raw);
			}
			c.p += n;
			continue;
		case BL_PLAN_UINT:
			if (left < n)
				break;
			rp_uint64(k, le_bytes(c.p, n));
			c.p += n;
			continue;
		case BL_PLAN_STR: case BL_PLAN_BIN: case BL_PLAN_ASCII: {
			uint32_t len;
			if (left < n)
				break;
			len = (uint32_t)le_bytes(c.p, n);
			if (left - n < len)
				break;
			if (col->plan == BL_PLAN_ASCII && !all_ascii(c.p + n, len))
				break; /* converted by bl_value */
			if (col->plan != BL_PLAN_BIN)
				rp_str(k, (const char *)c.p + n, len);
			else
				rp_bin(k, (const char *)c.p + n, len);
			c.p += n + (size_t)len;
			continue;
		}
		case BL_PLAN_TEXT: {
			char txt[BL_PLAN_TEXT_MAX];
			int8_t ext;
			size_t len;
			if (left < n || !(len = bl_plan_text(d, col, c.p, txt, &ext)))
				break; /* bl_value says what is wrong */
			rp_ext_hdr(k, len, ext);
			rp_put(k, txt, len);
			c.p += n;
			continue;
		}
		}
		if (bl_value(d, col, c.p, left, &used, &v, err) < 0)
			return col_ctx(err, t, i);
		/* as rec_encode_decoded checks them */
		if (!rec_val_decoder_checked(v.kind) && v.kind != MC_V_INT && v.kind != MC_V_STR &&
		    v.kind != MC_V_BIN && rec_val_validate(&v, err) < 0)
			return mc_errctx(err, "%s value %u: ", what, i + 1);
		rp_val(k, &v);
		c.p += used;
	}
	ev->rows_cur = c.p;
	return 0;
}

int bl_row_pack(struct bl_decoder *d, struct bl_event *ev, struct rp *k, struct mc_err *err)
{
	const uint8_t *was = ev->rows_cur;
	struct bl_table *t = ev->table;
	int rc;
	if (t && was < ev->rows_end && t->plan_ok && t->plan_room && bl_pack_row_fast(d, ev, k))
		return 1;
	rc = row_begin(d, ev, err);
	if (rc <= 0)
		return rc;
	t = ev->table;
	if (ev->partial) {
		ev->rows_cur = ev->rows_end;
		return mc_errf(err, MC_EXIT_DATA, "partial JSON updates are not packed in place");
	}
	if (!t->plan_ok) {
		for (uint32_t i = 0; i < t->ncols; i++)
			bl_col_plan(&t->cols[i]);
		t->plan_room = bl_plan_room(t);
		t->plan_ok = 1;
	}
	if (ev->rows_op == MC_OP_INSERT) {
		rp_nil(k);
		rc = pack_image(d, ev, ev->present_after, ev->np_after, k, "after", err);
	} else {
		rc = pack_image(d, ev, ev->present_before, ev->np_before, k, "before", err);
		if (rc == 0 && ev->rows_op == MC_OP_DELETE)
			rp_nil(k);
		else if (rc == 0)
			rc = pack_image(d, ev, ev->present_after, ev->np_after, k, "after", err);
	}
	return row_end(ev, rc, was, err);
}
