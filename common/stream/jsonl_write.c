/* jsonl_write.c: records to JSON lines (jsonl_encode). */
#include "stream/jsonl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/b64.h"
#include "base/numfmt.h"
#include "stream/jsonl_int.h"

static const char hex_digits[] = "0123456789abcdef";

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
		mc_oom(e->err, "a JSON line");
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
		if (r->src_table.n) {
			PUT_LIT(&e, "],\"src_table\":");
			put_text(&e, r->src_table, "src_table");
			PUT_LIT(&e, "}\n");
		} else {
			PUT_LIT(&e, "]}\n");
		}
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
		if (r->effect) {
			PUT_LIT(&e, ",\"effect\":\"");
			put(&e, rec_ddl_effect_name(r->effect), strlen(rec_ddl_effect_name(r->effect)));
			put_c(&e, '"');
		}
		if (r->src_table.n) {
			PUT_LIT(&e, ",\"src_table\":");
			put_text(&e, r->src_table, "src_table");
		}
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
		if (r->has_resume) {
			PUT_LIT(&e, ",\"resume\":");
			put_pos(&e, &r->resume);
		}
		PUT_LIT(&e, "}\n");
		break;
	case MC_R_TRAILER:
		PUT_LIT(&e, "{\"kind\":\"trailer\",\"count\":");
		put_u64(&e, r->count);
		if (r->has_crc) {
			PUT_LIT(&e, ",\"crc32c\":");
			put_u64(&e, r->crc);
		}
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
