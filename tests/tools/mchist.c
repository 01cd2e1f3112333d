/* mchist: random table histories for the merge tests, and their loading
 * into sqlite3.
 *
 *   mchist gen SEED NTABLES OPS DIR
 *       DIR/snap.mcr   a chunked snapshot (watermarks below the read views;
 *                      a keyless table's at them, as mc-snapshot's are)
 *       DIR/log.mcr    every change from before the snapshot to day 4
 *       DIR/tables     "NAME KEYOPT" per table (KEYOPT: --key=.. or -)
 *       DIR/days       the days to merge (YYYYMMDD), one a line
 *       DIR/expect/NAME.DAY.csv  the model's state at the day's cut, as
 *                      `mc-cat --to=csv --with-op` prints it, sorted
 *     Tables: (id) keyed, (a,b) keyed, (a,b) keyless (declared key);
 *     inserts, updates, key-changing updates, deletes, re-inserts, NULLs.
 *     Times jitter backwards near day ends; some events hold several rows.
 *   mchist create TABLE SCHEMAFILE     CREATE TABLEs for sqlite (merge_sql.h)
 *   mchist load TABLE PART base|log FILE...   INSERTs of warehouse files
 *   mchist createl TABLE SCHEMAFILE LAYOUT   the same, the log in LAYOUT
 *   mchist loadl LAYOUT TABLE PART FILE...    INSERTs of log files in LAYOUT
 *                      (wh/layout.h)
 *   mchist createh TABLE HISTFILE    CREATE TABLEs of a schema history's SQL
 *                      columns (wh/sqlhist.h)
 *   mchist loadh TABLE HISTFILE PART base|log FILE...   INSERTs of warehouse
 *                      files of any version into those columns, by name
 *   mchist csv PART base|log FILE...   the same rows as CSV (NULL unquoted and
 *                      empty, strings quoted), for DuckDB's COPY (the bench)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/numfmt.h"
#include "stream/schema.h"
#include "wh/layout.h"
#include "wh/merge_sql.h"
#include "wh/sqlhist.h"
#include "stream/recio.h"
#include "wh/wh.h"
#include "../corpus.h"

static struct mc_err err;

static void check(int rc)
{
	if (rc < 0) {
		fprintf(stderr, "mchist: %s\n", err.msg);
		exit(1);
	}
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static unsigned rnd(unsigned n)
{
	return (unsigned)(next() % n);
}

/* ---- model ---- */

#define NKEYS 9
#define DAY0 20778 /* 2026-11-21 */

struct row {
	int present;
	int vnull, nnull;
	char v[8];
	int64_t n;
};

struct tbl {
	char name[32];
	int kind; /* 0 (id,v,n) key id; 1 (a,b,v) key a,b; 2 same, keyless */
	struct row s[NKEYS];
	struct row s0[NKEYS]; /* initial state */
	struct mc_pos w[2];   /* chunk watermarks */
	int v_ev[2];          /* chunk read views (event index) */
};

struct op {
	int t;
	int op; /* 1 insert, 2 update, 3 delete */
	int kb, ka; /* key slot before/after (-1 none) */
	struct row before, after;
	struct mc_pos pos;
	int64_t time;
	int ev; /* event index */
};

static struct tbl *T;
static int NT;
static struct op *ops;
static size_t nops;

static const char *const bvals[] = { "x", "y", "z" };

static void key_vals(const struct tbl *t, int slot, struct mc_val *v)
{
	if (t->kind == 0) {
		v[0] = vint(slot + 1);
	} else {
		v[0] = vint(slot / 3 + 1);
		v[1] = vtext(MC_V_STR, bvals[slot % 3]);
	}
}

static void image(const struct tbl *t, int slot, const struct row *r, struct mc_val *v)
{
	key_vals(t, slot, v);
	if (t->kind == 0) {
		v[1] = r->vnull ? vkind(MC_V_NULL) : vtext(MC_V_STR, r->v);
		v[2] = r->nnull ? vkind(MC_V_NULL) : vint(r->n);
	} else {
		v[2] = r->vnull ? vkind(MC_V_NULL) : vtext(MC_V_STR, r->v);
	}
}

static void rand_row(struct row *r)
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = 1 + rnd(5);
	r->present = 1;
	r->vnull = rnd(4) == 0;
	r->nnull = rnd(4) == 0;
	for (size_t i = 0; i < n; i++)
		r->v[i] = al[rnd(sizeof al - 1)];
	r->v[n] = 0;
	r->n = (int64_t)rnd(2000) - 1000;
}

static int free_slot(const struct tbl *t)
{
	int s = (int)rnd(NKEYS);
	for (int i = 0; i < NKEYS; i++)
		if (!t->s[(s + i) % NKEYS].present)
			return (s + i) % NKEYS;
	return -1;
}

static int used_slot(const struct tbl *t)
{
	int s = (int)rnd(NKEYS);
	for (int i = 0; i < NKEYS; i++)
		if (t->s[(s + i) % NKEYS].present)
			return (s + i) % NKEYS;
	return -1;
}

static void apply(struct tbl *t, const struct op *o)
{
	if (o->kb >= 0)
		t->s[o->kb].present = 0;
	if (o->ka >= 0)
		t->s[o->ka] = o->after;
}

static struct op rand_op(int ti)
{
	struct tbl *t = &T[ti];
	struct op o;
	int r = (int)rnd(10);
	memset(&o, 0, sizeof o);
	o.t = ti;
	o.kb = o.ka = -1;
	int fs = free_slot(t), us = used_slot(t);
	if (us < 0 || (r < 3 && fs >= 0)) {
		o.op = 1;
		o.ka = fs;
		rand_row(&o.after);
	} else if (r < 5) {
		o.op = 3;
		o.kb = us;
		o.before = t->s[us];
	} else if (r < 7 && fs >= 0) {
		o.op = 2; /* key-changing update */
		o.kb = us;
		o.before = t->s[us];
		o.ka = fs;
		o.after = t->s[us];
		if (rnd(2))
			rand_row(&o.after);
	} else {
		o.op = 2;
		o.kb = o.ka = us;
		o.before = t->s[us];
		rand_row(&o.after);
	}
	if (o.ka < 0 && o.op == 1) { /* table full: update instead */
		o.op = 2;
		o.kb = o.ka = us;
		o.before = t->s[us];
		rand_row(&o.after);
	}
	return o;
}

/* ---- writing ---- */

static struct mc_col cols0[] = {
	{ { "id", 2 }, { "int", 3 }, { "INT", 3 }, false, 0 },
	{ { "v", 1 }, { "varchar(8)", 10 }, { "STRING", 6 }, true, 0 },
	{ { "n", 1 }, { "int", 3 }, { "INT", 3 }, true, 0 },
};
static struct mc_col cols1[] = {
	{ { "a", 1 }, { "int", 3 }, { "INT", 3 }, false, 0 },
	{ { "b", 1 }, { "varchar(4)", 10 }, { "STRING", 6 }, false, 0 },
	{ { "v", 1 }, { "varchar(8)", 10 }, { "STRING", 6 }, true, 0 },
};
static uint32_t key0[] = { 0 }, key1[] = { 0, 1 };

static void schema_rec(const struct tbl *t, struct mc_rec *r, int64_t time)
{
	memset(r, 0, sizeof *r);
	r->kind = MC_R_SCHEMA;
	r->db = S("h");
	r->table = mc_str_c(t->name + 3, strlen(t->name + 3));
	r->schema_version = 1;
	r->pos = (struct mc_pos){ 1, 4, 0 };
	r->time = time;
	r->cols = t->kind == 0 ? cols0 : cols1;
	r->ncols = 3;
	r->key = t->kind == 0 ? key0 : t->kind == 1 ? key1 : NULL;
	r->nkey = t->kind == 0 ? 1 : t->kind == 1 ? 2 : 0;
}

static int open_out(const char *dir, const char *name)
{
	char p[4096];
	int fd;
	snprintf(p, sizeof p, "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(p);
		exit(1);
	}
	return fd;
}

static int slot_cmp_key(const struct tbl *t, int a, int b)
{
	/* natural key order: ints numerically, strings bytewise */
	(void)t;
	return a - b; /* slots are numbered in key order */
}

static void write_expect(const char *dir, const struct tbl *t, int64_t day, const struct row *st,
			 const struct mc_pos *pos)
{
	char p[4096], d[16];
	FILE *f;
	day_format(day, d);
	snprintf(p, sizeof p, "%s/expect/%s.%s.csv", dir, t->name, d);
	f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(1);
	}
	for (int s = 0; s < NKEYS; s++) {
		const struct row *r = &st[s];
		(void)slot_cmp_key;
		if (!r->present)
			continue;
		fprintf(f, "snapshot,%" PRIu64 ":%" PRIu64 ":%" PRIu64 ",", pos[s].file, pos[s].off,
			pos[s].row);
		if (t->kind == 0)
			fprintf(f, "%d,", s + 1);
		else
			fprintf(f, "%d,%s,", s / 3 + 1, bvals[s % 3]);
		fprintf(f, "%s", r->vnull ? "" : r->v);
		if (t->kind == 0) {
			if (r->nnull)
				fprintf(f, ",\n");
			else
				fprintf(f, ",%" PRId64 "\n", r->n);
		} else {
			fprintf(f, "\n");
		}
	}
	fclose(f);
}

static void gen(uint64_t seed, int nt, int opsper, const char *dir)
{
	struct rio_writer w;
	struct mc_rec r;
	struct mc_val v[3], b[3];
	int64_t t0 = (int64_t)DAY0 * 86400 + 3600, now;
	int64_t span = 3 * 86400 + 7200; /* to day 4, 02:00 */
	struct mc_pos pos = { 1, 4, 0 };
	size_t total = (size_t)nt * (size_t)opsper, nev = 0;
	char p[4096];
	FILE *tf;

	rng = seed * 2654435761u + 1;
	NT = nt;
	T = calloc((size_t)nt, sizeof *T);
	ops = calloc(total + 1, sizeof *ops);
	snprintf(p, sizeof p, "%s/expect", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/tables", dir);
	tf = fopen(p, "w");
	if (!tf) {
		perror(p);
		exit(1);
	}
	for (int i = 0; i < nt; i++) {
		T[i].kind = (int)rnd(3);
		snprintf(T[i].name, sizeof T[i].name, "h__t%05d", i);
		fprintf(tf, "%s %s\n", T[i].name, T[i].kind == 2 ? "--key=a,b" : "-");
		for (int s = 0; s < NKEYS; s++)
			if (rnd(2))
				rand_row(&T[i].s[s]);
		memcpy(T[i].s0, T[i].s, sizeof T[i].s);
	}
	fclose(tf);
	snprintf(p, sizeof p, "%s/days", dir);
	tf = fopen(p, "w");
	if (!tf) {
		perror(p);
		exit(1);
	}
	for (int64_t d = DAY0; d <= DAY0 + 2; d++) {
		char ds[16];
		day_format(d, ds);
		fprintf(tf, "%s\n", ds);
	}
	fclose(tf);

	/* the changes: events of 1..3 rows, times rising with jitter */
	now = t0;
	while (nops < total) {
		int rows = rnd(5) == 0 ? 2 + (int)rnd(2) : 1;
		pos.off += 50 + rnd(400);
		if (rnd(200) == 0) {
			pos.file++;
			pos.off = 4 + rnd(100);
		}
		now += (int64_t)rnd((unsigned)(27 * span / (10 * (int64_t)total)) + 1);
		if (rnd(10) == 0)
			now -= 1 + rnd(3);
		for (int k = 0; k < rows && nops < total; k++) {
			int ti = (int)rnd((unsigned)nt);
			struct op o = rand_op(ti);
			o.pos = pos;
			o.pos.row = (uint64_t)k;
			o.time = now;
			o.ev = (int)nev;
			apply(&T[ti], &o);
			ops[nops++] = o;
		}
		nev++;
	}
	/* snapshot chunks: watermarks and read views in the first events */
	for (int i = 0; i < nt; i++)
		for (int c = 0; c < 2; c++) {
			size_t a = rnd((unsigned)(nops / 20 + 1)), z = a + rnd((unsigned)(nops / 20 + 1));
			if (z >= nops)
				z = nops - 1;
			T[i].w[c] = ops[a].pos;
			T[i].v_ev[c] = (int)z;
			/* a keyless table's watermark is its read view's position,
			 * as mc-snapshot's is (docs/mc-snapshot.md "Watermarks"):
			 * the check of a key declared with --key tells a change
			 * the snapshot saw from a second row by it (docs/mc-merge.md) */
			if (T[i].kind == 2) {
				while (z + 1 < nops && ops[z + 1].ev == ops[z].ev)
					z++;
				T[i].w[c] = ops[z].pos;
			}
		}

	/* the snapshot stream */
	check(rio_winit(&w, open_out(dir, "snap.mcr"), 0, &err));
	check(rio_begin(&w, NULL, 0, &err));
	for (int i = 0; i < nt; i++) {
		struct tbl *t = &T[i];
		schema_rec(t, &r, t0);
		check(rio_write(&w, &r, &err));
		for (int c = 0; c < 2; c++) {
			/* state at the read view, keys of chunk c */
			memcpy(t->s, t->s0, sizeof t->s);
			for (size_t k = 0; k < nops; k++) {
				if (ops[k].ev > ops[t->v_ev[c]].ev)
					break;
				if (ops[k].t == i)
					apply(t, &ops[k]);
			}
			for (int s = c * 5; s < (c ? NKEYS : 5); s++) {
				if (!t->s[s].present)
					continue;
				memset(&r, 0, sizeof r);
				r.kind = MC_R_ROW;
				r.op = MC_OP_SNAPSHOT;
				r.db = S("h");
				r.table = mc_str_c(t->name + 3, strlen(t->name + 3));
				r.schema_version = 1;
				r.pos = t->w[c];
				r.time = t0;
				image(t, s, &t->s[s], v);
				r.after = v;
				r.nafter = 3;
				check(rio_write(&w, &r, &err));
			}
			memset(&r, 0, sizeof r);
			r.kind = MC_R_MARK;
			r.mark = MC_MARK_CHUNK_END;
			r.pos = t->w[c];
			r.time = t0;
			r.db = S("h");
			r.table = mc_str_c(t->name + 3, strlen(t->name + 3));
			r.label = S(c ? "c1" : "c0");
			check(rio_write(&w, &r, &err));
		}
		memset(&r, 0, sizeof r);
		r.kind = MC_R_MARK;
		r.mark = MC_MARK_SNAPSHOT_END;
		r.pos = t->w[1];
		r.time = t0;
		r.db = S("h");
		r.table = mc_str_c(t->name + 3, strlen(t->name + 3));
		r.label = S("");
		check(rio_write(&w, &r, &err));
	}
	check(rio_end(&w, &err));
	check(rio_wclose(&w, &err));

	/* the log stream */
	check(rio_winit(&w, open_out(dir, "log.mcr"), 0, &err));
	check(rio_begin(&w, NULL, 0, &err));
	for (int i = 0; i < nt; i++) {
		schema_rec(&T[i], &r, t0);
		check(rio_write(&w, &r, &err));
	}
	for (size_t k = 0; k < nops; k++) {
		const struct op *o = &ops[k];
		const struct tbl *t = &T[o->t];
		memset(&r, 0, sizeof r);
		r.kind = MC_R_ROW;
		r.op = (enum mc_op)o->op;
		r.db = S("h");
		r.table = mc_str_c(t->name + 3, strlen(t->name + 3));
		r.schema_version = 1;
		r.pos = o->pos;
		r.time = o->time;
		if (o->kb >= 0) {
			image(t, o->kb, &o->before, b);
			r.before = b;
			r.nbefore = 3;
		}
		if (o->op != 3) {
			image(t, o->ka, &o->after, v);
			r.after = v;
			r.nafter = 3;
		}
		check(rio_write(&w, &r, &err));
		if (k + 1 == nops || ops[k + 1].ev != o->ev) {
			memset(&r, 0, sizeof r);
			r.kind = MC_R_MARK;
			r.mark = rnd(8) ? MC_MARK_TXN_END : MC_MARK_HEARTBEAT;
			r.pos = o->pos;
			r.pos.off += 31;
			r.pos.row = 0;
			r.time = o->time;
			r.db = r.table = r.label = S("");
			check(rio_write(&w, &r, &err));
		}
	}
	check(rio_end(&w, &err));
	check(rio_wclose(&w, &err));

	/* expected states at the cuts of days 2 and 3: the first record
	 * stamped after the day, in position order (marks count too; a mark
	 * carries its event's time) */
	for (int64_t day = DAY0 + 1; day <= DAY0 + 2; day++) {
		int64_t end = (day + 1) * 86400;
		size_t cut = nops;
		for (size_t k = 0; k < nops; k++)
			if (ops[k].time >= end) {
				cut = k;
				break;
			}
		/* a txn_end/heartbeat mark carries the last row's time, at a
		 * higher position within the event: rows of the event before
		 * it are already below the cut when their time is */
		for (int i = 0; i < nt; i++) {
			struct row st[NKEYS];
			struct mc_pos ps[NKEYS];
			struct tbl *t = &T[i];
			memcpy(st, t->s0, sizeof st);
			for (int s = 0; s < NKEYS; s++)
				ps[s] = t->w[s < 5 ? 0 : 1];
			/* rows of the initial state keep their chunk's watermark
			 * unless a change at or above it touched them */
			memcpy(t->s, t->s0, sizeof t->s);
			for (size_t k = 0; k < cut; k++) {
				const struct op *o = &ops[k];
				if (o->t != i)
					continue;
				if (o->kb >= 0)
					st[o->kb].present = 0;
				if (o->ka >= 0) {
					st[o->ka] = o->after;
					ps[o->ka] = o->pos;
				}
			}
			/* a row unchanged since the snapshot carries its watermark;
			 * one changed before the watermark too (the snapshot row
			 * wins over older changes) */
			for (int s = 0; s < NKEYS; s++) {
				struct mc_pos wm = t->w[s < 5 ? 0 : 1];
				if (pos_cmp(&ps[s], &wm) < 0)
					ps[s] = wm;
			}
			write_expect(dir, t, day, st, ps);
		}
	}
}

/* ---- sqlite loading ---- */

/* A value as SQL (NULL, 'it''s') or as CSV (empty, "a ""b"""): numbers bare,
 * text quoted with `quote`, the quote doubled inside. */
static int as_csv;

static void put_val(const struct mc_val *v, char quote, const char *null)
{
	char t[64];
	switch (v->kind) {
	case MC_V_NULL:
		fputs(null, stdout);
		break;
	case MC_V_INT:
		printf("%" PRId64, v->v.i);
		break;
	case MC_V_UINT: /* above BIGINT: text (sqlite would make it REAL) */
		printf(as_csv ? "%" PRIu64 : "'%" PRIu64 "'", v->v.u);
		break;
	case MC_V_F32:
		fwrite(t, 1, numfmt_f32(v->v.f32, t), stdout);
		break;
	case MC_V_F64:
		fwrite(t, 1, numfmt_f64(v->v.f64, t), stdout);
		break;
	case MC_V_BIT: {
		uint64_t u = 0;
		for (size_t i = 0; i < v->v.s.n; i++)
			u = u << 8 | (unsigned char)v->v.s.p[i];
		printf(u > INT64_MAX && !as_csv ? "'%" PRIu64 "'" : "%" PRIu64, u);
		break;
	}
	case MC_V_BIN:
		if (!as_csv) { /* a blob */
			fputs("X'", stdout);
			for (size_t i = 0; i < v->v.s.n; i++)
				printf("%02X", (unsigned char)v->v.s.p[i]);
			putchar('\'');
			break;
		}
		/* fall through */
	default:
		putchar(quote);
		for (size_t i = 0; i < v->v.s.n; i++) {
			if (v->v.s.p[i] == quote)
				putchar(quote);
			putchar(v->v.s.p[i]);
		}
		putchar(quote);
	}
}

static void sql_val(const struct mc_val *v)
{
	put_val(v, '\'', "NULL");
}

static void csv_val(const struct mc_val *v)
{
	put_val(v, '"', "");
}

static void sql_row(const char *table, int log, const char *op, const char *img,
		    const struct mc_rec *r, const struct mc_val *v, size_t n, const char *ds)
{
	if (as_csv) {
		if (log)
			printf("%s,%s,%" PRId64 ",", op, img, r->time);
		for (size_t i = 0; i < n; i++) {
			csv_val(&v[i]);
			putchar(',');
		}
		printf("%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%s\n", r->pos.file, r->pos.off,
		       r->pos.row, ds);
		return;
	}
	printf("INSERT INTO \"%s%s\" VALUES (", table, log ? "_log" : "");
	if (log)
		printf("'%s', '%s', %" PRId64 ", ", op, img, r->time);
	for (size_t i = 0; i < n; i++) {
		sql_val(&v[i]);
		fputs(", ", stdout);
	}
	printf("%" PRIu64 ", %" PRIu64 ", %" PRIu64 ", '%s');\n", r->pos.file, r->pos.off,
	       r->pos.row, ds);
}

static void load(const char *table, const char *part, int log, char **files, int n)
{
	const char *ds = strncmp(part, "ds=", 3) == 0 ? part + 3 : part;
	if (!as_csv)
		puts("BEGIN;");
	for (int i = 0; i < n; i++) {
		struct rio_reader rd;
		struct mc_rec r;
		int fd = open(files[i], O_RDONLY), rc;
		if (fd < 0) {
			perror(files[i]);
			exit(1);
		}
		rio_init(&rd, fd, RIO_MCR);
		while ((rc = rio_next(&rd, &r, &err)) > 0) {
			if (r.kind != MC_R_ROW)
				continue;
			if (!log) {
				sql_row(table, 0, "", "", &r, r.after, r.nafter, ds);
				continue;
			}
			static const char *const opn[] = { "S", "I", "U", "D" };
			if (r.before)
				sql_row(table, 1, opn[r.op], "B", &r, r.before, r.nbefore, ds);
			if (r.after)
				sql_row(table, 1, opn[r.op], "A", &r, r.after, r.nafter, ds);
		}
		check(rc);
		rio_close(&rd);
		close(fd);
	}
	if (!as_csv)
		puts("COMMIT;");
}

/* A log table in a layout: one INSERT per row of wh_layout_rows; a row
 * without an image (a DDL's) names its columns, the table's are NULL. */
static enum wh_layout lrow_layout;
static int lrow(void *ctx, const struct wh_lrow *w, struct mc_err *e)
{
	const char **tp = ctx;
	(void)e;
	printf("INSERT INTO \"%s_log\" ", tp[0]);
	if (!w->img) {
		const struct wh_lcol *c;
		size_t n = wh_layout_head(lrow_layout, &c);
		putchar('(');
		for (size_t i = 0; i < n && i < w->nhead; i++)
			printf("%s, ", c[i].name);
		n = wh_layout_tail(lrow_layout, &c);
		for (size_t i = 0; i < n && i < w->ntail; i++)
			printf("%s, ", c[i].name);
		fputs("ds) ", stdout);
	}
	fputs("VALUES (", stdout);
	for (size_t i = 0; i < w->nhead; i++) {
		sql_val(&w->head[i]);
		fputs(", ", stdout);
	}
	for (size_t i = 0; i < w->nimg; i++) {
		sql_val(&w->img[i]);
		fputs(", ", stdout);
	}
	for (size_t i = 0; i < w->ntail; i++) {
		sql_val(&w->tail[i]);
		fputs(", ", stdout);
	}
	printf("'%s');\n", tp[1]);
	return 0;
}

static void load_layout(const char *layout, const char *table, const char *part, char **files,
			int n)
{
	enum wh_layout l;
	const char *tp[2] = { table, strncmp(part, "ds=", 3) == 0 ? part + 3 : part };
	struct schema_copy sc = { 0 };
	struct mc_buf scratch = { 0 };
	check(wh_layout_parse(layout, &l, &err));
	lrow_layout = l;
	puts("BEGIN;");
	for (int i = 0; i < n; i++) {
		struct rio_reader rd;
		struct mc_rec r;
		int fd = open(files[i], O_RDONLY), rc;
		if (fd < 0) {
			perror(files[i]);
			exit(1);
		}
		rio_init(&rd, fd, RIO_MCR);
		while ((rc = rio_next(&rd, &r, &err)) > 0) {
			if (r.kind == MC_R_SCHEMA) /* the JSON form's column names */
				check(schema_copy_set(&sc, &r, &err));
			check(wh_layout_rows_schema(l, &r, sc.have ? &sc.rec : NULL, "mchist",
						    &scratch, lrow, tp, &err));
		}
		check(rc);
		rio_close(&rd);
		close(fd);
	}
	puts("COMMIT;");
	schema_copy_free(&sc);
	buf_free(&scratch);
}

/* ---- a schema history's SQL columns ---- */

static void hist_open(const char *path, struct wh_hist *h, struct wh_sqlhist *x)
{
	if (wh_hist_read(path, h, &err) <= 0 || h->n == 0) {
		fprintf(stderr, "mchist: %s: %s\n", path, err.msg[0] ? err.msg : "no history");
		exit(1);
	}
	check(wh_sqlhist_build(h, x, &err));
}

static void create_hist(const char *table, const char *path)
{
	struct wh_hist h = { 0 };
	struct wh_sqlhist x;
	struct mc_buf b = { 0 };
	hist_open(path, &h, &x);
	struct mc_rec r = h.v[h.n - 1].s.rec;
	struct mc_col *c = calloc(x.nphys + 1, sizeof *c);
	for (size_t p = 0; p < x.nphys; p++)
		c[p] = *x.pcol[p];
	r.cols = c;
	r.ncols = x.nphys;
	r.nkey = 0;
	check(merge_sql_create(&b, &r, table, MERGE_SQL_SQLITE, &err));
	fwrite(b.p, 1, b.len, stdout);
	buf_free(&b);
	free(c);
	wh_sqlhist_free(&x);
	wh_hist_free(&h);
}

static void hist_row(const char *table, const struct wh_sqlhist *x, long v, int log,
		     const char *op, const char *img, const struct mc_rec *r,
		     const struct mc_val *vals, size_t n, const char *ds)
{
	printf("INSERT INTO \"%s%s\" (%s", table, log ? "_log" : "", log ? "_op, _image, _time, " : "");
	for (size_t i = 0; i < n; i++)
		printf("\"%.*s\", ", (int)x->pcol[x->phys[v][i]]->name.n,
		       x->pcol[x->phys[v][i]]->name.p);
	printf("_pos_file, _pos_off, _pos_row, ds) VALUES (");
	if (log)
		printf("'%s', '%s', %" PRId64 ", ", op, img, r->time);
	for (size_t i = 0; i < n; i++) {
		if (vals[i].kind == MC_V_F32)
			printf("%.17g", (double)vals[i].v.f32);
		else if (vals[i].kind == MC_V_F64)
			printf("%.17g", vals[i].v.f64);
		else
			sql_val(&vals[i]);
		fputs(", ", stdout);
	}
	printf("%" PRIu64 ", %" PRIu64 ", %" PRIu64 ", '%s');\n", r->pos.file, r->pos.off,
	       r->pos.row, ds);
}

static void load_hist(const char *table, const char *path, const char *part, int log,
		      char **files, int n)
{
	struct wh_hist h = { 0 };
	struct wh_sqlhist x;
	const char *ds = strncmp(part, "ds=", 3) == 0 ? part + 3 : part;
	hist_open(path, &h, &x);
	puts("BEGIN;");
	for (int i = 0; i < n; i++) {
		struct rio_reader rd;
		struct mc_rec r;
		struct schema_copy sc = { 0 };
		int fd = open(files[i], O_RDONLY), rc;
		if (fd < 0) {
			perror(files[i]);
			exit(1);
		}
		rio_init(&rd, fd, RIO_MCR);
		while ((rc = rio_next(&rd, &r, &err)) > 0) {
			static const char *const opn[] = { "S", "I", "U", "D" };
			long v;
			if (r.kind == MC_R_SCHEMA) {
				schema_copy_free(&sc);
				check(schema_copy_set(&sc, &r, &err));
			}
			if (r.kind != MC_R_ROW)
				continue;
			v = sc.have ? wh_hist_match(&h, &sc.rec, &r.pos) : -1;
			if (v < 0) {
				fprintf(stderr, "mchist: %s: a row of no version of the history\n", files[i]);
				exit(1);
			}
			if (!log) {
				hist_row(table, &x, v, 0, "", "", &r, r.after, r.nafter, ds);
				continue;
			}
			if (r.before)
				hist_row(table, &x, v, 1, opn[r.op], "B", &r, r.before, r.nbefore, ds);
			if (r.after)
				hist_row(table, &x, v, 1, opn[r.op], "A", &r, r.after, r.nafter, ds);
		}
		check(rc);
		schema_copy_free(&sc);
		rio_close(&rd);
		close(fd);
	}
	puts("COMMIT;");
	wh_sqlhist_free(&x);
	wh_hist_free(&h);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "createh") == 0) {
		create_hist(argv[2], argv[3]);
		return 0;
	}
	if (argc >= 7 && strcmp(argv[1], "loadh") == 0) {
		load_hist(argv[2], argv[3], argv[4], strcmp(argv[5], "log") == 0, argv + 6, argc - 6);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "createl") == 0) {
		struct schema_copy s = { 0 };
		struct mc_buf b = { 0 };
		enum wh_layout l;
		check(wh_layout_parse(argv[4], &l, &err));
		if (wh_schema_read(argv[3], &s, &err) <= 0) {
			fprintf(stderr, "mchist: %s\n", err.msg);
			return 1;
		}
		check(merge_sql_create_layout(&b, &s.rec, argv[2], MERGE_SQL_SQLITE, (int)l, &err));
		fwrite(b.p, 1, b.len, stdout);
		buf_free(&b);
		schema_copy_free(&s);
		return 0;
	}
	if (argc >= 6 && strcmp(argv[1], "loadl") == 0) {
		load_layout(argv[2], argv[3], argv[4], argv + 5, argc - 5);
		return 0;
	}
	if (argc == 6 && strcmp(argv[1], "gen") == 0) {
		gen(strtoull(argv[2], NULL, 10), atoi(argv[3]), atoi(argv[4]), argv[5]);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "create") == 0) {
		struct schema_copy s = { 0 };
		struct mc_buf b = { 0 };
		if (wh_schema_read(argv[3], &s, &err) <= 0) {
			fprintf(stderr, "mchist: %s\n", err.msg);
			return 1;
		}
		check(merge_sql_create(&b, &s.rec, argv[2], MERGE_SQL_SQLITE, &err));
		fwrite(b.p, 1, b.len, stdout);
		buf_free(&b);
		schema_copy_free(&s);
		return 0;
	}
	if (argc >= 5 && strcmp(argv[1], "load") == 0) {
		load(argv[2], argv[3], strcmp(argv[4], "log") == 0, argv + 5, argc - 5);
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "csv") == 0) {
		as_csv = 1;
		load("", argv[2], strcmp(argv[3], "log") == 0, argv + 4, argc - 4);
		return 0;
	}
	fprintf(stderr, "usage: mchist gen SEED NTABLES OPS DIR | create TABLE SCHEMA | "
			"load TABLE PART base|log FILE... | csv PART base|log FILE...\n");
	return 2;
}
