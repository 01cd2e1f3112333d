/* text.c: records as text (text.h). */
#include "stream/text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static const char hx[] = "0123456789abcdef";

/* A quoted string; control characters as \xNN. */
static int text_str(struct mc_buf *b, const char *p, size_t n)
{
	int rc = buf_addc(b, '\'');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20) {
			char e[4] = { '\\', 'x', hx[c >> 4], hx[c & 15] };
			rc |= buf_add(b, e, 4);
		} else {
			rc |= buf_addc(b, (char)c);
		}
	}
	rc |= buf_addc(b, '\'');
	return rc;
}

static int text_hex(struct mc_buf *b, const char *p, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		rc |= buf_addc(b, hx[c >> 4]);
		rc |= buf_addc(b, hx[c & 15]);
	}
	return rc;
}

int text_val(struct mc_buf *b, const struct mc_val *v)
{
	char t[64];
	switch (v->kind) {
	case MC_V_NULL: return buf_adds(b, "NULL");
	case MC_V_ABSENT: return buf_adds(b, "ABSENT");
	case MC_V_INT: return buf_addf(b, "%" PRId64, v->v.i);
	case MC_V_UINT: return buf_addf(b, "%" PRIu64, v->v.u);
	case MC_V_F32:
		/* the shortest text that reads back as the same float */
		for (int p = 1; p <= 9; p++) {
			snprintf(t, sizeof t, "%.*g", p, (double)v->v.f32);
			if (strtof(t, NULL) == v->v.f32)
				break;
		}
		return buf_addf(b, "f32:%s", t);
	case MC_V_F64:
		for (int p = 1; p <= 17; p++) {
			snprintf(t, sizeof t, "%.*g", p, v->v.f64);
			if (strtod(t, NULL) == v->v.f64)
				break;
		}
		return buf_addf(b, "f64:%s", t);
	case MC_V_STR: return text_str(b, v->v.s.p, v->v.s.n);
	case MC_V_BIN:
		if (buf_adds(b, "x'") < 0 || text_hex(b, v->v.s.p, v->v.s.n) < 0)
			return -1;
		return buf_addc(b, '\'');
	case MC_V_BIT:
		if (buf_adds(b, "bit:") < 0)
			return -1;
		return text_hex(b, v->v.s.p, v->v.s.n);
	default:
		if (buf_addf(b, "%s:", rec_vkind_name(v->kind)) < 0)
			return -1;
		return text_str(b, v->v.s.p, v->v.s.n);
	}
}

static int text_pos(struct mc_buf *b, const struct mc_pos *p)
{
	char t[80];
	pos_format(p, t, sizeof t);
	return buf_adds(b, t);
}

static int text_image(struct mc_buf *b, const char *name, const struct mc_val *v, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		rc |= buf_addf(b, "  %s @%zu=", name, i + 1);
		rc |= text_val(b, &v[i]);
		rc |= buf_addc(b, '\n');
	}
	return rc;
}

int text_rec(struct mc_buf *b, const struct mc_rec *r)
{
	int rc = 0;
	switch (r->kind) {
	case MC_R_SCHEMA:
		rc |= buf_addf(b, "schema `%.*s`.`%.*s` v%" PRIu64 " ", (int)r->db.n, r->db.p,
			       (int)r->table.n, r->table.p, r->schema_version);
		rc |= text_pos(b, &r->pos);
		rc |= buf_addf(b, " flags=%u key=", r->schema_flags);
		for (size_t i = 0; i < r->nkey; i++)
			rc |= buf_addf(b, "%s%u", i ? "," : "", r->key[i] + 1);
		rc |= buf_addc(b, '\n');
		for (size_t i = 0; i < r->ncols; i++)
			rc |= buf_addf(b, "  col @%zu `%.*s` %.*s %.*s%s flags=%u\n", i + 1,
				       (int)r->cols[i].name.n, r->cols[i].name.p,
				       (int)r->cols[i].mysql_type.n, r->cols[i].mysql_type.p,
				       (int)r->cols[i].mc_type.n, r->cols[i].mc_type.p,
				       r->cols[i].nullable ? "" : " not null", r->cols[i].flags);
		break;
	case MC_R_ROW:
		rc |= buf_addf(b, "row %s `%.*s`.`%.*s` v%" PRIu64 " ", rec_op_name(r->op),
			       (int)r->db.n, r->db.p, (int)r->table.n, r->table.p, r->schema_version);
		rc |= text_pos(b, &r->pos);
		rc |= buf_addf(b, " time=%" PRId64 "\n", r->time);
		if (r->before)
			rc |= text_image(b, "before", r->before, r->nbefore);
		if (r->after)
			rc |= text_image(b, "after", r->after, r->nafter);
		break;
	case MC_R_DDL:
		rc |= buf_addf(b, "ddl `%.*s`.`%.*s` ", (int)r->db.n, r->db.p, (int)r->table.n,
			       r->table.p);
		rc |= text_pos(b, &r->pos);
		rc |= buf_addf(b, " time=%" PRId64 " ", r->time);
		rc |= text_str(b, r->sql.p, r->sql.n);
		rc |= buf_addc(b, '\n');
		break;
	case MC_R_MARK:
		rc |= buf_addf(b, "mark %s ", rec_mark_name(r->mark));
		rc |= text_pos(b, &r->pos);
		rc |= buf_addf(b, " time=%" PRId64 " label=%.*s", r->time, (int)r->label.n,
			       r->label.p);
		if (r->has_resume) {
			rc |= buf_addf(b, " resume=");
			rc |= text_pos(b, &r->resume);
		}
		rc |= buf_addf(b, "\n");
		break;
	default:
		break;
	}
	return rc;
}
