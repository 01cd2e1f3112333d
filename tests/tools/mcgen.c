/* mcgen: write record streams for tests and benchmarks.
 *
 *   mcgen corpus            every record kind and value kind, one stream
 *   mcgen sysbench N [SEED [PAD]]
 *                           header, schema and N snapshot rows of a
 *                           sysbench-like sbtest table (id, k, c, pad)
 *   mcgen changes N M [SEED [PAD]]
 *                           M changes to that table of N rows: updates,
 *                           key-changing updates, deletes and inserts from
 *                           2025-11-21 12:00 to 2025-11-23 00:30 (UTC), a
 *                           txn_end mark after every 10
 * PAD > 59 makes pad PAD bytes of random letters, digits, '+' and '/' (wide
 * rows that compress little, for the large merge benchmark); without it pad
 * is sysbench's 59 digits and dashes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream/recio.h"
#include "../corpus.h"

static struct rio_writer w;
static struct mc_err err;

static void check(int rc)
{
	if (rc < 0) {
		fprintf(stderr, "mcgen: %s\n", err.msg);
		exit(1);
	}
}

static void emit_w(const struct mc_rec *r, void *ctx)
{
	(void)ctx;
	check(rio_write(&w, r, &err));
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* sysbench's c/pad: groups of 11 digits joined by '-'. */
static void digits(char *p, int groups)
{
	for (int g = 0; g < groups; g++) {
		for (int i = 0; i < 11; i++)
			*p++ = (char)('0' + next() % 10);
		if (g + 1 < groups)
			*p++ = '-';
	}
	*p = 0;
}

/* pad: sysbench's, or n random characters of 64 (8 from one number) */
static size_t padlen = 59;

static void pad_fill(char *p)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (padlen <= 59) {
		digits(p, 5);
		return;
	}
	for (size_t i = 0; i < padlen; i += 8) {
		uint64_t x = next();
		for (size_t j = 0; j < 8 && i + j < padlen; j++, x >>= 6)
			p[i + j] = abc[x & 63];
	}
	p[padlen] = 0;
}

/* The header and the schema record of sysbench's sbtest1 (id, k, c, pad);
 * leaves r holding the schema's db and table. */
static void sbtest_begin(struct mc_rec *r, const struct mc_kv *meta)
{
	static struct mc_col cols[4];
	static uint32_t key[] = { 0 };
	cols[0] = (struct mc_col){ S("id"), S("int"), S("INT"), false, 0 };
	cols[1] = (struct mc_col){ S("k"), S("int"), S("INT"), false, 0 };
	cols[2] = (struct mc_col){ S("c"), S("char(120)"), S("STRING"), false, 0 };
	cols[3] = (struct mc_col){ S("pad"), S("char(60)"), S("STRING"), false, 0 };
	check(rio_begin(&w, meta, 1, &err));
	memset(r, 0, sizeof *r);
	r->kind = MC_R_SCHEMA;
	r->db = S("sbtest");
	r->table = S("sbtest1");
	r->schema_version = 1;
	r->pos = (struct mc_pos){ 1, 4, 0 };
	r->time = 1763683200;
	r->cols = cols;
	r->ncols = 4;
	r->key = key;
	r->nkey = 1;
	check(rio_write(&w, r, &err));
}

static void sysbench(uint64_t n)
{
	struct mc_kv meta[] = { { S("writer"), S("mcgen sysbench") } };
	char c[128], *pad = malloc((padlen > 59 ? padlen : 59) + 1);
	struct mc_val v[4];
	struct mc_rec r;

	sbtest_begin(&r, meta);
	r.kind = MC_R_ROW;
	r.op = MC_OP_SNAPSHOT;
	r.after = v;
	r.nafter = 4;
	for (uint64_t i = 1; i <= n; i++) {
		digits(c, 10);
		if (!pad)
			exit(1);
		pad_fill(pad);
		v[0] = vint((int64_t)i);
		v[1] = vint((int64_t)(next() % n + 1));
		v[2] = vbytes(MC_V_STR, c, 119);
		v[3] = vbytes(MC_V_STR, pad, padlen > 59 ? padlen : 59);
		check(rio_write(&w, &r, &err));
	}
	check(rio_end(&w, &err));
	free(pad);
}

static void changes(uint64_t n, uint64_t m)
{
	struct mc_kv meta[] = { { S("writer"), S("mcgen changes") } };
	char c[128], *pad = malloc((padlen > 59 ? padlen : 59) + 1);
	struct mc_val a[4], b[4];
	struct mc_rec r;
	int64_t t0 = 1763726400, span = 131400; /* 2025-11-21 12:00 .. 11-23 00:30 */
	uint64_t next_id = n + 1;

	sbtest_begin(&r, meta);
	for (uint64_t i = 0; i < m; i++) {
		unsigned op = (unsigned)(next() % 10);
		uint64_t id = next() % n + 1;
		memset(&r, 0, sizeof r);
		r.kind = MC_R_ROW;
		r.db = S("sbtest");
		r.table = S("sbtest1");
		r.schema_version = 1;
		r.pos = (struct mc_pos){ 2, 4 + i * 100, 0 };
		r.time = t0 + (int64_t)(i * (uint64_t)span / (m ? m : 1));
		digits(c, 10);
		if (!pad)
			exit(1);
		pad_fill(pad);
		b[0] = vint((int64_t)id);
		b[1] = vint((int64_t)(next() % n + 1));
		b[2] = vbytes(MC_V_STR, c, 119);
		b[3] = vbytes(MC_V_STR, pad, padlen > 59 ? padlen : 59);
		a[0] = op == 9 ? vint((int64_t)next_id++) : vint((int64_t)id);
		a[1] = vint((int64_t)(next() % n + 1));
		a[2] = b[2];
		a[3] = b[3];
		if (op < 6) {
			r.op = MC_OP_UPDATE;
			r.before = b;
			r.nbefore = 4;
			r.after = a;
			r.nafter = 4;
		} else if (op < 8) {
			r.op = MC_OP_DELETE;
			r.before = b;
			r.nbefore = 4;
		} else if (op == 8) {
			r.op = MC_OP_INSERT;
			a[0] = vint((int64_t)next_id++);
			r.after = a;
			r.nafter = 4;
		} else {
			r.op = MC_OP_UPDATE; /* the key changes */
			r.before = b;
			r.nbefore = 4;
			r.after = a;
			r.nafter = 4;
		}
		check(rio_write(&w, &r, &err));
		if (i % 10 == 9 || i + 1 == m) {
			memset(&r, 0, sizeof r);
			r.kind = MC_R_MARK;
			r.mark = MC_MARK_TXN_END;
			r.pos = (struct mc_pos){ 2, 4 + i * 100 + 50, 0 };
			r.time = t0 + (int64_t)(i * (uint64_t)span / (m ? m : 1));
			r.db = r.table = r.label = S("");
			check(rio_write(&w, &r, &err));
		}
	}
	check(rio_end(&w, &err));
	free(pad);
}

int main(int argc, char **argv)
{
	check(rio_winit(&w, 1, 0, &err));
	if (argc >= 2 && strcmp(argv[1], "corpus") == 0) {
		corpus_emit(emit_w, NULL);
	} else if (argc >= 3 && strcmp(argv[1], "sysbench") == 0) {
		if (argc >= 4)
			rng = strtoull(argv[3], NULL, 10) | 1;
		if (argc >= 5)
			padlen = strtoull(argv[4], NULL, 10);
		sysbench(strtoull(argv[2], NULL, 10));
	} else if (argc >= 4 && strcmp(argv[1], "changes") == 0) {
		if (argc >= 5)
			rng = strtoull(argv[4], NULL, 10) | 1;
		if (argc >= 6)
			padlen = strtoull(argv[5], NULL, 10);
		changes(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
	} else {
		fprintf(stderr, "usage: mcgen corpus | mcgen sysbench N [SEED [PAD]] | mcgen changes N M [SEED [PAD]]\n");
		return 2;
	}
	check(rio_wclose(&w, &err));
	return 0;
}
