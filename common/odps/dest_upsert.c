/* dest_upsert.c: changes into MaxCompute PK Delta Tables through Tunnel
 * upsert sessions (dest_upsert.h). The argument that a rerun ends with the
 * same table and that no key goes back in time is in docs/maxcompute.md
 * "--mode=upsert". */
#include "odps/dest_upsert.h"
#include "odps/dest_upsert_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/num.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/io.h"
#include "odps/client.h"
#include "odps/dest_odps.h"
#include "odps/endpoint.h"
#include "odps/sql.h"
#include "odps/tables.h"
#include "odps/types.h"
#include "odps/upsert.h"
#include "stream/rec.h"
#include "wh/wh.h"
#include "wh/whpart.h"

#define USER_AGENT "mcsync/" MC_VERSION
struct odps_ups ups_of(struct ud *w, const struct dest_part *p)
{
	struct odps_ups u = { 0 };
	u.c = &w->c;
	u.table = p->table;
	u.part = p->tpart[0] ? p->tpart : NULL;
	u.slotnum = 1;
	u.retry_s = w->o.retry_s;
	u.seed = (uint64_t)(uintptr_t)p;
	u.say = w->o.say;
	return u;
}

/* ---- values: converted once, kept in the arena ---- */

static int put_val(struct mc_buf *b, const struct odps_val *v)
{
	unsigned char k = (unsigned char)v->kind;
	uint32_t n32;
	int r = buf_add(b, &k, 1);
	switch (v->kind) {
	case ODPS_V_NULL: break;
	case ODPS_V_INT: case ODPS_V_DATE: case ODPS_V_MILLIS:
		r |= buf_add(b, &v->i, sizeof v->i);
		break;
	case ODPS_V_F32: r |= buf_add(b, &v->f32, sizeof v->f32); break;
	case ODPS_V_F64: r |= buf_add(b, &v->f64, sizeof v->f64); break;
	case ODPS_V_SECNANO:
		r |= buf_add(b, &v->i, sizeof v->i) | buf_add(b, &v->nanos, sizeof v->nanos);
		break;
	case ODPS_V_BYTES: case ODPS_V_DECIMAL:
		n32 = (uint32_t)v->n;
		r |= buf_add(b, &n32, sizeof n32) | buf_add(b, v->p, v->n);
		break;
	}
	return r;
}

/* The next value at *at into t (pointing into the arena). */
static void get_val(const char *a, size_t *at, struct trec_val *t)
{
	unsigned char k = (unsigned char)a[(*at)++];
	uint32_t n32;
	memset(t, 0, sizeof *t);
	switch ((enum odps_vkind)k) {
	case ODPS_V_NULL: t->null = true; break;
	case ODPS_V_INT: case ODPS_V_DATE: case ODPS_V_MILLIS:
		memcpy(&t->u.i, a + *at, sizeof t->u.i);
		*at += sizeof t->u.i;
		break;
	case ODPS_V_F32: memcpy(&t->u.f32, a + *at, sizeof t->u.f32); *at += sizeof t->u.f32; break;
	case ODPS_V_F64: memcpy(&t->u.f64, a + *at, sizeof t->u.f64); *at += sizeof t->u.f64; break;
	case ODPS_V_SECNANO:
		memcpy(&t->u.ts.sec, a + *at, sizeof(int64_t));
		*at += sizeof(int64_t);
		memcpy(&t->u.ts.nsec, a + *at, sizeof(int32_t));
		*at += sizeof(int32_t);
		break;
	case ODPS_V_BYTES: case ODPS_V_DECIMAL:
		memcpy(&n32, a + *at, sizeof n32);
		*at += sizeof n32;
		t->u.s.p = a + *at;
		t->u.s.n = n32;
		*at += n32;
		break;
	}
}


/* ---- collapsing: the last change per key ---- */

static uint64_t fnv(const char *p, size_t n)
{
	return num_fnv1a(1469598103934665603ull, p, n);
}

static int grow_slots(struct dest_part *p, struct mc_err *err)
{
	size_t n = p->nslot ? p->nslot * 2 : 1024;
	size_t *s = calloc(n, sizeof *s);
	if (!s)
		return mc_oom(err, "changes");
	for (size_t i = 0; i < p->nops; i++) {
		size_t h = (size_t)fnv(p->arena.p + p->ops[i].koff, p->ops[i].klen) & (n - 1);
		while (s[h])
			h = (h + 1) & (n - 1);
		s[h] = i + 1;
	}
	free(p->slot);
	p->slot = s;
	p->nslot = n;
	return 0;
}

/* The change of the key at arena[koff..+klen) and the row at
 * arena[voff..+vlen): a new entry, or the key's replaced. */
static int add_op(struct dest_part *p, char op, int snap, size_t koff, size_t klen,
		  size_t voff, size_t vlen, struct mc_err *err)
{
	size_t h;
	if ((p->nops + 1) * 2 > p->nslot && grow_slots(p, err) < 0)
		return -1;
	h = (size_t)fnv(p->arena.p + koff, klen) & (p->nslot - 1);
	while (p->slot[h]) {
		struct uop *o = &p->ops[p->slot[h] - 1];
		if (o->klen == klen && !memcmp(p->arena.p + o->koff, p->arena.p + koff, klen)) {
			/* the sink sends a table's changes of a commit after its
			 * snapshot rows (sink/upsert.c), whatever order the
			 * partitions are appended in */
			if (snap && o->snap)
				return mc_errf(err, MC_EXIT_DATA, "two snapshot rows of one key in "
					       "the PK table %s: the key is not unique (the source's "
					       "primary key, or --key)", p->table);
			if (snap)
				return 0;
			o->op = op;
			o->snap = 0;
			o->voff = voff;
			o->vlen = vlen;
			return 0;
		}
		h = (h + 1) & (p->nslot - 1);
	}
	if (mc_grow(&p->ops, &p->opcap, p->nops + 1, sizeof *p->ops) < 0)
		return mc_oom(err, "changes");
	p->ops[p->nops] = (struct uop){ op, (char)snap, koff, klen, voff, vlen };
	p->slot[h] = ++p->nops;
	return 0;
}

static void part_reset(struct dest_part *p)
{
	p->arena.len = 0;
	p->nops = 0;
	if (p->slot)
		memset(p->slot, 0, p->nslot * sizeof *p->slot);
	for (size_t i = 0; i < p->nbodies; i++)
		buf_free(&p->bodies[i].b);
	p->nbodies = 0;
	odps_ups_free(&p->sess);
}

/* ---- a change's images into the arena ---- */

/* Image v of r: its row (every column) and its key into the arena. */
static int add_image(struct ud *w, struct dest_part *p, const struct mc_rec *r,
		     const struct mc_val *v, size_t nv, size_t *koff, size_t *klen, size_t *voff,
		     size_t *vlen, struct mc_err *err)
{
	const struct mc_rec *s = &p->srec;
	struct mc_val absent = { .kind = MC_V_ABSENT };
	if (mc_grow(&w->ov, &w->valcap, s->ncols + 1, sizeof *w->ov) < 0)
		return mc_oom(err, "columns");
	for (size_t i = 0; i < s->ncols; i++)
		if (odps_val_conv(&p->maps[i], i < nv ? &v[i] : &absent, &r->pos, &w->ov[i], err) < 0)
			return -1;
	*voff = p->arena.len;
	for (size_t i = 0; i < s->ncols; i++)
		if (put_val(&p->arena, &w->ov[i]) < 0)
			return mc_oom(err, "changes");
	*vlen = p->arena.len - *voff;
	*koff = p->arena.len;
	for (size_t k = 0; k < s->nkey; k++) {
		const struct odps_val *kv = &w->ov[s->key[k]];
		if (kv->kind == ODPS_V_NULL) {
			char pos[64];
			pos_format(&r->pos, pos, sizeof pos);
			return mc_errf(err, MC_EXIT_DATA, "position %s: key column '%.*s' of %.*s.%.*s "
				       "is NULL: a PK Delta Table takes no NULL keys", pos,
				       (int)s->cols[s->key[k]].name.n, s->cols[s->key[k]].name.p,
				       (int)r->db.n, r->db.p, (int)r->table.n, r->table.p);
		}
		if (put_val(&p->arena, kv) < 0)
			return mc_oom(err, "changes");
	}
	*klen = p->arena.len - *koff;
	return 0;
}

/* A schema record of p's table: the first is the table's; a later one must
 * have the same columns (names, types, nullability: a column made NOT
 * NULL had its NULLs made 0 by the server) and key. */
static int take_schema(struct dest_part *p, const char *raw, size_t n, const struct mc_rec *r,
		       struct mc_err *err)
{
	size_t used;
	if (p->schema.len) {
		const struct mc_rec *s = &p->srec;
		int same = s->ncols == r->ncols && s->nkey == r->nkey &&
			   !memcmp(s->key, r->key, r->nkey * sizeof *r->key);
		for (size_t i = 0; same && i < r->ncols; i++)
			same = s->cols[i].name.n == r->cols[i].name.n &&
			       s->cols[i].nullable == r->cols[i].nullable &&
			       !memcmp(s->cols[i].name.p, r->cols[i].name.p, r->cols[i].name.n) &&
			       s->cols[i].mysql_type.n == r->cols[i].mysql_type.n &&
			       !memcmp(s->cols[i].mysql_type.p, r->cols[i].mysql_type.p,
				       r->cols[i].mysql_type.n);
		if (same)
			return 0;
		char pos[64];
		pos_format(&r->pos, pos, sizeof pos);
		return mc_errf(err, MC_EXIT_DATA, "position %s: the schema of %.*s.%.*s changed "
			       "(version %llu): --mode=upsert does not alter the PK table %s yet: "
			       "load the table again into a new one, from a snapshot taken after "
			       "the change (a new --state and another --name: this --state, and "
			       "the state mirror, hold %s as this source's)", pos, (int)r->db.n,
			       r->db.p, (int)r->table.n, r->table.p,
			       (unsigned long long)r->schema_version, p->table, p->table);
	}
	if (r->nkey == 0 || (r->schema_flags & MC_SF_KEY_DECLARED))
		return mc_errf(err, MC_EXIT_DATA, "%.*s.%.*s has %s: a PK Delta Table needs a key "
			       "that the binlog's changes carry too (give the table a primary key, "
			       "or a unique key of NOT NULL columns)", (int)r->db.n, r->db.p,
			       (int)r->table.n, r->table.p, r->nkey ? "only a key declared by "
			       "mc-snapshot --split-key, which mc-binlog-tail's changes do not "
			       "carry" : "no key");
	if (buf_add(&p->schema, raw, n) < 0)
		return mc_oom(err, "schema");
	if (rec_decode(p->schema.p, p->schema.len, 0, &used, &p->srec, &p->sc, err) != 1)
		return mc_errf(err, MC_EXIT_DATA, "internal: schema record");
	if (mc_grow(&p->maps, &p->nmaps, p->srec.ncols + 1, sizeof *p->maps) < 0)
		return mc_oom(err, "columns");
	for (size_t i = 0; i < p->srec.ncols; i++)
		if (odps_col_name_ok(&p->srec, &p->srec.cols[i], 0, err) < 0 ||
		    odps_col_map(&p->srec.cols[i], p->srec.db, p->srec.table, NULL, &p->maps[i],
				 err) < 0)
			return -1;
	return 0;
}

static int ud_append(void *st, struct dest_part *p, const struct dest_rows *rows,
		     struct mc_err *err)
{
	struct ud *w = st;
	size_t at = 0;
	while (at < rows->len) {
		struct mc_rec r;
		size_t used, k1, kn1, v1, vn1, k2, kn2, v2, vn2;
		if (rec_decode(rows->recs + at, rows->len - at, 0, &used, &r, &w->sc, err) != 1)
			return mc_errf(err, MC_EXIT_DATA, "internal: the rows of %s do not decode",
				       p->table);
		if (r.kind == MC_R_SCHEMA && take_schema(p, rows->recs + at, used, &r, err) < 0)
			return -1;
		at += used;
		if (r.kind != MC_R_ROW)
			continue;
		if (!p->schema.len)
			return mc_errf(err, MC_EXIT_DATA, "internal: rows of %s before their schema",
				       p->table);
		if (r.op == MC_OP_DELETE || (r.op == MC_OP_UPDATE && r.before)) {
			if (!r.before)
				return mc_errf(err, MC_EXIT_DATA, "internal: a delete without its image");
			if (add_image(w, p, &r, r.before, r.nbefore, &k1, &kn1, &v1, &vn1, err) < 0)
				return -1;
		}
		if (r.op == MC_OP_DELETE) {
			if (add_op(p, ODPS_UPS_OP_DELETE, 0, k1, kn1, v1, vn1, err) < 0)
				return -1;
			continue;
		}
		if (!r.after)
			return mc_errf(err, MC_EXIT_DATA, "internal: a %s without its after image",
				       rec_op_name(r.op));
		if (add_image(w, p, &r, r.after, r.nafter, &k2, &kn2, &v2, &vn2, err) < 0)
			return -1;
		/* an update that moves the key: the old key goes */
		if (r.op == MC_OP_UPDATE && r.before &&
		    (kn1 != kn2 || memcmp(p->arena.p + k1, p->arena.p + k2, kn1)) &&
		    add_op(p, ODPS_UPS_OP_DELETE, 0, k1, kn1, v1, vn1, err) < 0)
			return -1;
		if (add_op(p, ODPS_UPS_OP_UPSERT, r.op == MC_OP_SNAPSHOT, k2, kn2, v2, vn2, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- the table ---- */

/* CREATE TABLE IF NOT EXISTS of the PK table (spec §7), and its partition. */
static int ensure_table(struct ud *w, struct dest_part *p, struct mc_err *err)
{
	const struct mc_rec *s = &p->srec;
	struct odps_sql_opts so = { 0 };
	struct mc_buf q = { 0 }, out = { 0 };
	int r, rc = -1;
	so.retry_s = w->o.retry_s;
	so.settings = ODPS_SQL_SETTINGS;
	so.say = w->o.say;
	/* a table this state owns (committed rows into): there, or exit 1
	 * (dropped by hand: made anew, it would miss them) */
	for (size_t i = 0; i < w->own.n; i++)
		if (!strncmp(w->own.kv[i].k, "own.", 4) && !strcmp(w->own.kv[i].v, p->table)) {
			struct odps_desc d = { 0 };
			rc = odps_tables_desc(&w->c, &so, p->table, &d, err);
			odps_desc_free(&d);
			if (rc < 0)
				return odps_tables_gone(&w->c, p->table, err);
			rc = -1;
			break;
		}
	r = buf_adds(&q, "CREATE TABLE IF NOT EXISTS ");
	r |= odps_ident(&q, p->table, strlen(p->table));
	r |= buf_adds(&q, " (");
	for (size_t i = 0; i < s->ncols; i++) {
		int key = 0;
		for (size_t k = 0; k < s->nkey; k++)
			key |= s->key[k] == i;
		r |= odps_ident(&q, s->cols[i].name.p, s->cols[i].name.n);
		r |= buf_addf(&q, " %s%s, ", p->maps[i].text, key ? " NOT NULL" : "");
	}
	r |= buf_adds(&q, "PRIMARY KEY (");
	for (size_t k = 0; k < s->nkey; k++) {
		r |= k ? buf_adds(&q, ", ") : 0;
		r |= odps_ident(&q, s->cols[s->key[k]].name.p, s->cols[s->key[k]].name.n);
	}
	r |= buf_adds(&q, "))");
	if (p->part[0]) {
		r |= buf_adds(&q, " PARTITIONED BY (");
		for (const char *c = p->part; *c;) {
			const char *eq = strchr(c, '='), *sl = strchr(c, '/');
			if (!eq)
				break;
			r |= c != p->part ? buf_adds(&q, ", ") : 0;
			r |= odps_ident(&q, c, (size_t)(eq - c)) | buf_adds(&q, " STRING");
			c = sl ? sl + 1 : eq + strlen(eq);
		}
		r |= buf_adds(&q, ")");
	}
	r |= buf_addf(&q, " TBLPROPERTIES ('transactional'='true', 'write.bucket.num'='%u');",
		      w->o.buckets ? w->o.buckets : 16);
	r |= buf_addc(&q, '\0');
	if (r) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (odps_sql_run(&w->c, &so, q.p, ODPS_SQL_IDEMPOTENT, &out, err) < 0)
		goto out;
	if (p->part[0] && odps_add_partition(&w->c, &so, p->table, p->part, err) < 0)
		goto out;
	p->ensured = 1;
	rc = 0;
out:
	buf_free(&q);
	buf_free(&out);
	return rc;
}

/* The session's table against the source: the same columns (by name, of
 * the types mcsync writes) and the same key (hash_key). */
static int plan(struct dest_part *p, struct mc_err *err)
{
	const struct odps_ups_session *ss = &p->sess;
	const struct mc_rec *s = &p->srec;
	struct mc_buf a = { 0 }, b = { 0 };
	int same, rc = 0;
	free(p->plan);
	if (!(p->plan = calloc(ss->ndata + 1, sizeof *p->plan)))
		return mc_oom(err, "columns");
	for (size_t j = 0; j < ss->ndata && rc == 0; j++) {
		const struct trec_col *c = &ss->schema.cols[j];
		size_t i;
		for (i = 0; i < s->ncols; i++)
			if (s->cols[i].name.n == c->name.n &&
			    !strncasecmp(s->cols[i].name.p, c->name.p, c->name.n))
				break;
		if (i == s->ncols)
			rc = mc_errf(err, MC_EXIT_DATA, "MaxCompute table %s has a column '%.*s' that "
				     "%.*s.%.*s does not (its schema differs: alter or recreate it)",
				     p->table, (int)c->name.n, c->name.p, (int)s->db.n, s->db.p,
				     (int)s->table.n, s->table.p);
		else if (odps_trec_kind(p->maps[i].type) != c->type.kind ||
			 (c->type.kind == TREC_DECIMAL && c->type.prec &&
			  (c->type.prec != p->maps[i].prec || c->type.scale != p->maps[i].scale)))
			rc = mc_errf(err, MC_EXIT_DATA, "column '%.*s' of MaxCompute table %s is not "
				     "%s, which mcsync writes there (%s): alter or recreate the table",
				     (int)c->name.n, c->name.p, p->table, p->maps[i].text,
				     p->maps[i].where);
		p->plan[j] = i;
	}
	if (rc == 0 && ss->ndata != s->ncols)
		rc = mc_errf(err, MC_EXIT_DATA, "MaxCompute table %s has %zu columns, %.*s.%.*s %zu "
			     "(its schema differs: alter or recreate it)", p->table, ss->ndata,
			     (int)s->db.n, s->db.p, (int)s->table.n, s->table.p, s->ncols);
	/* the key: the same columns (the order of hash_key does not matter) */
	same = rc == 0 && ss->nkeys == s->nkey;
	for (size_t k = 0; same && k < s->nkey; k++) {
		int found = 0;
		for (size_t h = 0; h < ss->nkeys; h++)
			found |= p->plan[ss->keys[h]] == s->key[k];
		same = found;
	}
	if (rc == 0 && !same) {
		for (size_t h = 0; h < ss->nkeys; h++)
			buf_addf(&a, "%s%.*s", h ? ", " : "", (int)ss->schema.cols[ss->keys[h]].name.n,
				 ss->schema.cols[ss->keys[h]].name.p);
		for (size_t k = 0; k < s->nkey; k++)
			buf_addf(&b, "%s%.*s", k ? ", " : "", (int)s->cols[s->key[k]].name.n,
				 s->cols[s->key[k]].name.p);
		rc = mc_errf(err, MC_EXIT_DATA, "MaxCompute table %s is keyed on (%.*s), %.*s.%.*s "
			     "on (%.*s): its rows would not be the source's (recreate the table "
			     "with the source's key, or give --name another)", p->table,
			     (int)a.len, a.p ? a.p : "", (int)s->db.n, s->db.p, (int)s->table.n,
			     s->table.p, (int)b.len, b.p ? b.p : "");
	}
	buf_free(&a);
	buf_free(&b);
	return rc;
}

/* Every change of p into one body per bucket of p's session. */
static int encode(struct ud *w, struct dest_part *p, struct mc_err *err)
{
	const struct odps_ups_session *ss = &p->sess;
	struct odps_ups_enc *enc = calloc(ss->nbuckets, sizeof *enc);
	const struct mc_rec *s = &p->srec;
	int rc = 0;
	if (!enc)
		return mc_oom(err, "buckets");
	if (mc_grow(&w->ov, &w->valcap, s->ncols + ss->ndata + 1, sizeof *w->ov) < 0 ||
	    !(w->tv = realloc(w->tv, w->valcap * sizeof *w->tv))) {
		free(enc);
		return mc_oom(err, "columns");
	}
	struct trec_val *src = w->tv, *row = w->tv + s->ncols;
	for (size_t i = 0; i < p->nops && rc == 0; i++) {
		const struct uop *o = &p->ops[i];
		size_t at = o->voff;
		uint32_t b;
		for (size_t c = 0; c < s->ncols; c++)
			get_val(p->arena.p, &at, &src[c]);
		for (size_t j = 0; j < ss->ndata; j++)
			row[j] = src[p->plan[j]];
		if (odps_ups_bucket(ss, row, &b, err) < 0) {
			rc = mc_errctx(err, "table %s: ", p->table);
			break;
		}
		if (!enc[b].v && odps_ups_enc_init(&enc[b], ss, ups_comp(w), err) < 0) {
			rc = -1;
			break;
		}
		if (odps_ups_enc_add(&enc[b], row, o->op, err) < 0)
			rc = mc_errctx(err, "table %s: ", p->table);
	}
	for (uint32_t b = 0; b < ss->nbuckets; b++) {
		if (!enc[b].v)
			continue;
		if (rc == 0) {
			if (mc_grow(&p->bodies, &p->bcap, p->nbodies + 1, sizeof *p->bodies) < 0) {
				rc = mc_oom(err, "bodies");
			} else {
				struct bodies *x = &p->bodies[p->nbodies];
				memset(x, 0, sizeof *x);
				x->bucket = b;
				x->records = trec_enc_records(&enc[b].e);
				if (trec_enc_finish(&enc[b].e, &x->b, NULL, err) < 0)
					rc = -1;
				else
					p->nbodies++;
			}
		}
		odps_ups_enc_free(&enc[b]);
	}
	free(enc);
	return rc;
}

/* PUT every body of p into its session: 0, 1 when the session ended
 * under us, -1. */
static int put_all(struct ud *w, struct dest_part *p, struct mc_err *err)
{
	struct odps_ups u = ups_of(w, p);
	for (size_t i = 0; i < p->nbodies; i++) {
		const struct bodies *x = &p->bodies[i];
		int rc = odps_ups_put(&u, &p->sess, x->bucket, ups_comp(w), x->b.p, x->b.len,
				      x->records, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- commit ---- */

static int new_session(struct ud *w, struct dest_part *p, struct mc_err *err)
{
	struct odps_ups u = ups_of(w, p);
	odps_ups_free(&p->sess);
	if (odps_ups_create(&u, &p->sess, err) < 0)
		return -1;
	return 0;
}

static int ud_commit(void *st, const struct mc_ledger *l, struct mc_err *err)
{
	struct ud *w = st;
	int any = 0;
	char *nd = NULL;
	for (size_t i = 0; i < w->nparts; i++)
		any |= w->parts[i]->nops > 0;
	if (!any)
		return ups_ckpt_decide(w, l, NULL, err);
	if (ups_own_check(w, l, err) < 0) /* another state's table (dest_upsert_own.c) */
		return -1;
	/* 1. a session per table, journalled before anything goes in */
	for (size_t i = 0; i < w->nparts; i++) {
		struct dest_part *p = w->parts[i];
		if (!p->nops)
			continue;
		if (!p->ensured && ensure_table(w, p, err) < 0)
			return -1;
		if (new_session(w, p, err) < 0 || plan(p, err) < 0 || encode(w, p, err) < 0)
			return -1;
	}
	if (ups_journal_write(w, "put", err) < 0)
		return -1;
	/* 2. every bucket PUT */
	for (size_t i = 0; i < w->nparts; i++) {
		struct dest_part *p = w->parts[i];
		for (int tries = 0; p->nops; tries++) {
			int rc = put_all(w, p, err);
			if (rc <= 0) {
				if (rc < 0)
					return -1;
				break;
			}
			if (tries + 1 >= UPS_TRIES)
				return mc_errf(err, MC_EXIT_TRANSIENT, "%s (%d sessions in a row)",
					       err->msg, UPS_TRIES);
			mc_sayf(&w->o.say, "%s; the changes again in a new session", err->msg);
			uint32_t nb = p->sess.nbuckets;
			if (new_session(w, p, err) < 0 || plan(p, err) < 0)
				return -1;
			if (p->sess.nbuckets != nb)
				return mc_errf(err, MC_EXIT_DATA, "upsert session of %s: the bucket "
					       "count changed (%u, now %u): run again", p->table, nb,
					       p->sess.nbuckets);
			if (ups_journal_write(w, "put", err) < 0)
				return -1;
		}
	}
	/* 3. the bodies and the next ledger, then the journal says commit */
	if (!(nd = wh_pathf("%s/%s", w->o.state, UPS_NEXT)))
		return mc_oom(err, "state");
	if (ups_own_claim(w, err) < 0 || ups_bodies_write(w, err) < 0 ||
	    wh_ledger_write(nd, l, err) < 0 ||
	    ups_ckpt_decide(w, l, "commit", err) < 0) {
		free(nd);
		return -1;
	}
	free(nd);
	/* 4. each session: still writable (a status check), then committed */
	for (size_t i = 0; i < w->nparts; i++) {
		struct dest_part *p = w->parts[i];
		struct odps_ups u = ups_of(w, p);
		struct odps_ups_session g = { 0 };
		if (!p->nops)
			continue;
		for (int tries = 0;; tries++) {
			int rc = odps_ups_get(&u, p->sess.id, &g, err);
			odps_ups_free(&g);
			if (rc < 0)
				return -1;
			rc = rc == 0 ? odps_ups_commit(&u, &p->sess, false, err) : 1;
			if (rc < 0)
				return -1;
			if (rc == 0)
				break;
			/* ended before its commit: never committed; the same bodies in
			 * a new session, journalled before it is committed */
			if (tries + 1 >= UPS_TRIES) {
				err->code = MC_EXIT_TRANSIENT;
				return -1;
			}
			mc_sayf(&w->o.say, "%s; the changes again in a new session", err->msg);
			uint32_t nb = p->sess.nbuckets;
			if (new_session(w, p, err) < 0)
				return -1;
			if (p->sess.nbuckets != nb)
				return mc_errf(err, MC_EXIT_DATA, "upsert session of %s: the bucket "
					       "count changed (%u, now %u): run again", p->table, nb,
					       p->sess.nbuckets);
			if (put_all(w, p, err) != 0 || ups_own_claim(w, err) < 0 ||
			    ups_journal_write(w, "commit", err) < 0)
				return -1;
		}
	}
	/* 5. the ledger */
	if (ups_ledger_move(w, err) < 0 || ups_own_settle(w, w->seq, err) < 0)
		return -1;
	ups_next_remove(w);
	for (size_t i = 0; i < w->nparts; i++)
		part_reset(w->parts[i]);
	return 0;
}

/* ---- the other operations ---- */

static int ud_clean(void *st, const struct mc_ledger *l, struct mc_err *err)
{
	(void)st;
	(void)l;
	(void)err;
	return 0; /* read_ledger resolved the commit in doubt */
}

static int ud_begin(void *st, uint64_t seq, struct mc_err *err)
{
	struct ud *w = st;
	(void)err;
	w->seq = seq;
	for (size_t i = 0; i < w->nparts; i++)
		part_reset(w->parts[i]);
	return 0;
}

static int ud_table_name(void *st, const struct mc_str *db, const struct mc_str *table,
			 const char *given, char *out, size_t outsz, struct mc_err *err)
{
	(void)st;
	return odps_table_name(db, table, given, 128, out, outsz, err);
}

static int ud_part_open(void *st, const char *table, int is_log, const char *part,
			struct dest_part **pp, struct mc_err *err)
{
	struct ud *w = st;
	struct dest_part *p;
	for (size_t i = 0; i < w->nparts; i++) {
		p = w->parts[i];
		/* a table's snapshot rows and changes go into one PK table */
		if (!strcmp(p->part, part) && !strcmp(p->table, table)) {
			*pp = p;
			return 0;
		}
	}
	if (mc_grow(&w->parts, &w->cap, w->nparts + 1, sizeof *w->parts) < 0 ||
	    !(p = calloc(1, sizeof *p)))
		return mc_oom(err, "partition");
	w->parts[w->nparts++] = p;
	p->is_log = is_log;
	if (!(p->table = mc_strdup(table)) || !(p->part = mc_strdup(part)) ||
	    !(p->tpart = mc_strdup(part)))
		return mc_oom(err, "partition");
	for (char *c = p->tpart; *c; c++)
		if (*c == '/')
			*c = ',';
	*pp = p;
	return 0;
}

static int ud_part_complete(void *st, struct dest_part *p, uint64_t seq, struct mc_err *err)
{
	(void)st;
	(void)p;
	(void)seq;
	(void)err;
	return 0;
}

static void ud_close(void *st)
{
	struct ud *w = st;
	if (!w)
		return;
	for (size_t i = 0; i < w->nparts; i++) {
		struct dest_part *p = w->parts[i];
		part_reset(p);
		free(p->bodies);
		free(p->ops);
		free(p->slot);
		buf_free(&p->arena);
		buf_free(&p->schema);
		rec_scratch_free(&p->sc);
		free(p->maps);
		free(p->plan);
		free(p->table);
		free(p->part);
		free(p->tpart);
		free(p);
	}
	free(w->parts);
	ckpt_free(&w->own);
	ckpt_free(&w->own_new);
	if (w->client_ok)
		odps_client_free(&w->c);
	odps_target_free(&w->t);
	rec_scratch_free(&w->sc);
	free(w->ov);
	free(w->tv);
	free(w->dest);
	if (w->lockfd >= 0)
		close(w->lockfd);
	free(w);
}

static const struct dest_ops ud_ops = {
	.kind = "MaxCompute upsert",
	.read_ledger = ups_read_ledger,
	.read_main = NULL,
	.table_name = ud_table_name,
	.clean = ud_clean,
	.part_open = ud_part_open,
	.part_complete = ud_part_complete,
	.begin = ud_begin,
	.append = ud_append,
	.commit = ud_commit,
	.close = ud_close,
};

int dest_upsert_dispatch(const char *dest, const struct dest_opts *o, struct dest *d,
			 struct mc_err *err)
{
	struct ud *w;
	struct odps_http_opts ho = { 0 };
	char *sdir = NULL, *lock = NULL, *lp = NULL, have[600];
	int rc;
	if (!o->odps || !o->odps->state)
		return 1;
	if ((rc = ups_mark_read(o->odps->state, have, sizeof have, err)) < 0)
		return -1;
	if (!o->odps->upsert) {
		if (rc)
			return mc_errf(err, MC_EXIT_USAGE, "--state=%s is of --mode=upsert: give "
				       "--mode=upsert, or another --state", o->odps->state);
		return 1;
	}
	if (rc && strcmp(have, dest) != 0)
		return mc_errf(err, MC_EXIT_USAGE, "--state=%s holds the state of --dest=%s, not of %s",
			       o->odps->state, have, dest);
	if (o->resnap)
		return mc_errf(err, MC_EXIT_USAGE, "--resnapshot: not with --mode=upsert");
	if (!(w = calloc(1, sizeof *w)))
		return mc_oom(err, "destination");
	w->lockfd = -1;
	w->o = *o->odps;
	w->o.conn.dest = dest;
	if (w->o.retry_s <= 0)
		w->o.retry_s = 15 * 60;
	if (!(w->dest = mc_strdup(dest))) {
		free(w);
		return mc_oom(err, "destination");
	}
	if (odps_target_resolve(&w->o.conn, &w->t, err) < 0)
		goto fail;
	ho.ca_file = w->o.ca_file;
	if (odps_client_init(&w->c, &w->t, &ho, USER_AGENT, err) < 0)
		goto fail;
	w->client_ok = 1;
	if (!(sdir = wh_pathf("%s/%s/%s", w->o.state, UPS_NEXT, WH_STATE)) ||
	    !(lock = wh_pathf("%s/%s", w->o.state, WH_LOCK)) ||
	    !(lp = wh_pathf("%s/%s", w->o.state, WH_LEDGER))) {
		mc_oom(err, "state");
		goto fail;
	}
	if (wh_mkdirs(sdir, err) < 0 || wh_lock(lock, &w->lockfd, err) < 0 ||
	    ups_own_open(w, err) < 0)
		goto fail;
	if (!rc) {
		char *mp = wh_pathf("%s/%s", w->o.state, UPS_MARK);
		struct mc_buf m = { 0 };
		if (access(lp, F_OK) == 0) {
			free(mp);
			mc_errf(err, MC_EXIT_USAGE, "--state=%s is of the batch upload (not "
				"--mode=upsert): give another --state", w->o.state);
			goto fail;
		}
		if (!mp || buf_addf(&m, "mcsync-upsert %s\n", dest) < 0) {
			free(mp);
			buf_free(&m);
			mc_oom(err, "state");
			goto fail;
		}
		rc = afile_write(mp, m.p, m.len, err);
		free(mp);
		buf_free(&m);
		if (rc < 0)
			goto fail;
	}
	free(sdir);
	free(lock);
	free(lp);
	d->ops = &ud_ops;
	d->st = w;
	return 0;
fail:
	free(sdir);
	free(lock);
	free(lp);
	ud_close(w);
	return -1;
}
