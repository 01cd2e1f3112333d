/* t_txn: the transaction buffer (common/binlog/txn.h) in memory and
 * spilled, its one replay path, XA holding, and the mc-binlog-tail engine
 * state (common/engine/tail_int.h) driven event by event. */
#define TAP_NAME "t_txn"
#include "tap.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binlog/binlog.h"
#include "binlog/txn.h"
#include "engine/tail_int.h"

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An event of type `type` with body b[0..n) (no checksum). */
static size_t event(uint8_t *out, uint8_t type, uint32_t when, const void *b, size_t n)
{
	memset(out, 0, 19);
	put32(out, when);
	out[4] = type;
	put32(out + 5, 1);
	put32(out + 9, (uint32_t)(19 + n));
	memcpy(out + 19, b, n);
	return 19 + n;
}

static size_t xid_event(uint8_t *out, uint64_t xid)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(xid >> (8 * i));
	return event(out, BL_XID, 1000, b, sizeof b);
}

/* A QUERY event: thread, time, db length, error, status length, db, sql. */
static size_t query_event(uint8_t *out, const char *db, const char *sql)
{
	uint8_t b[512];
	size_t dn = strlen(db), sn = strlen(sql);
	memset(b, 0, 13);
	b[8] = (uint8_t)dn;
	memcpy(b + 13, db, dn + 1);
	memcpy(b + 14 + dn, sql, sn);
	return event(out, BL_QUERY, 2000, b, 14 + dn + sn);
}

struct seen {
	int n;
	uint8_t type[8];
	uint64_t xid[8], off[8], start[8];
	int inner[8];
	char sql[8][64];
};

static int collect(void *ctx, struct bl_event *ev, const struct txn_at *at, struct mc_err *err)
{
	struct seen *s = ctx;
	(void)err;
	if (s->n >= 8)
		return mc_errf(err, MC_EXIT_DATA, "too many");
	s->type[s->n] = ev->type;
	s->xid[s->n] = ev->xid;
	s->off[s->n] = at->off;
	s->start[s->n] = at->start;
	s->inner[s->n] = at->inner;
	snprintf(s->sql[s->n], sizeof s->sql[0], "%.*s|%.*s|%u", (int)ev->db.n, ev->db.p,
		 (int)ev->sql.n, ev->sql.p, ev->when);
	s->n++;
	return 0;
}

/* Three entries (two raw events, one statement) replayed in order. */
static void t_replay(uint64_t memory, const char *what)
{
	struct bl_decoder d;
	struct bl_txn t;
	struct seen s = { 0 };
	struct mc_err err = { 0 };
	uint8_t e1[64], e2[64];
	size_t n1 = xid_event(e1, 7), n2 = xid_event(e2, 8);
	struct txn_at a1 = { 100, 73, 0 }, a2 = { 200, 181, 1 }, a3 = { 300, 250, 0 };
	int rc;
	char name[128];

	bl_init(&d);
	txn_init(&t, memory, "t_txn");
	rc = txn_add(&t, e1, n1, &a1, &err);
	rc |= txn_add_query(&t, 2000, mc_str_c("db", 2), mc_str_c("CREATE TABLE x (a int)", 22),
			    &a3, &err);
	rc |= txn_add(&t, e2, n2, &a2, &err);
	snprintf(name, sizeof name, "%s: added", what);
	tap_check(rc == 0 && !txn_empty(&t), name, "rc %d, %s", rc, err.msg);
	snprintf(name, sizeof name, "%s: spilled or not", what);
	tap_check((t.spill_fd >= 0) == (memory < 100), name, "spill_fd %d", t.spill_fd);
	rc = txn_replay(&t, &d, collect, &s, &err);
	snprintf(name, sizeof name, "%s: replayed in order, each once", what);
	tap_check(rc == 0 && s.n == 3 && s.type[0] == BL_XID && s.xid[0] == 7 &&
			  s.type[1] == BL_QUERY && s.type[2] == BL_XID && s.xid[2] == 8,
		  name, "rc %d n %d (%s)", rc, s.n, err.msg);
	snprintf(name, sizeof name, "%s: positions kept", what);
	tap_check(s.off[0] == 100 && s.start[0] == 73 && !s.inner[0] && s.off[1] == 300 &&
			  s.start[1] == 250 && s.off[2] == 200 && s.start[2] == 181 && s.inner[2],
		  name, "%llu %llu %d", (unsigned long long)s.off[2],
		  (unsigned long long)s.start[2], s.inner[2]);
	snprintf(name, sizeof name, "%s: statement replayed as a query", what);
	tap_check(strcmp(s.sql[1], "db|CREATE TABLE x (a int)|2000") == 0, name, "%s", s.sql[1]);
	snprintf(name, sizeof name, "%s: nothing held after", what);
	tap_check(txn_empty(&t) && t.spill_fd < 0, name, "len %zu", t.buf.len);
	txn_free(&t);
	bl_free(&d);
}

static void t_bad_event(void)
{
	struct bl_decoder d;
	struct bl_txn t;
	struct seen s = { 0 };
	struct mc_err err = { 0 };
	uint8_t e1[64], e2[64];
	size_t n1 = xid_event(e1, 1), n2 = xid_event(e2, 2);
	struct txn_at a1 = { 50, 4, 0 }, a2 = { 90, 77, 0 };
	int rc;
	bl_init(&d);
	txn_init(&t, 1 << 20, "t_txn");
	put32(e2 + 9, (uint32_t)n2 + 5); /* its length says more than it has */
	txn_add(&t, e1, n1, &a1, &err);
	txn_add(&t, e2, n2, &a2, &err);
	rc = txn_replay(&t, &d, collect, &s, &err);
	tap_check(rc < 0 && t.bad_start == 77 && s.n == 1, "a bad event stops the replay at it",
		  "rc %d bad_start %llu n %d", rc, (unsigned long long)t.bad_start, s.n);
	tap_check(txn_empty(&t), "a failed replay holds nothing", "len %zu", t.buf.len);
	txn_free(&t);
	bl_free(&d);
}

static void t_xa(void)
{
	struct bl_txn t;
	struct txn_xa x = { 0 };
	struct mc_err err = { 0 };
	uint8_t e[64];
	size_t n = xid_event(e, 3);
	struct txn_at a = { 10, 4, 0 };
	txn_init(&t, 1 << 20, "t_txn");
	txn_add(&t, e, n, &a, &err);
	tap_check(txn_xa_hold(&x, "X'aa',X'',1", &t, &err) == 0 && txn_empty(&t) && x.n == 1,
		  "XA: held, the open transaction left empty", "n %zu", x.n);
	tap_check(!txn_xa_take(&x, "X'bb',X'',1", &t) && txn_empty(&t), "XA: another id: none",
		  "n %zu", x.n);
	tap_check(txn_xa_take(&x, "x'AA',X'',1", &t) && !txn_empty(&t) && x.n == 0,
		  "XA: taken back by its id (any case)", "n %zu", x.n);
	txn_xa_hold(&x, "X'cc',X'',1", &t, &err);
	txn_xa_drop(&x, "X'cc',X'',1");
	tap_check(x.n == 0, "XA: rolled back", "n %zu", x.n);
	txn_xa_free(&x);
	txn_free(&t);
}

/* Events held by reference (a mapped file): replayed from where they are,
 * counted against the memory (a large one spills: copied), copied by
 * txn_unref and by an XA hold, so that their place can then change. */
static void t_refs(void)
{
	struct bl_decoder d;
	struct bl_txn t;
	struct txn_xa x = { 0 };
	struct seen s = { 0 };
	struct mc_err err = { 0 };
	uint8_t e1[64], e2[64];
	size_t n1 = xid_event(e1, 41), n2 = xid_event(e2, 42);
	struct txn_at a1 = { 100, 73, 0 }, a2 = { 200, 181, 0 };
	int rc;

	bl_init(&d);
	txn_init(&t, 1 << 20, "t_txn");
	rc = txn_add_ref(&t, e1, n1, &a1, &err) | txn_add(&t, e2, n2, &a2, &err);
	tap_check(rc == 0 && t.refs == 1 && t.ref_bytes == n1 &&
			  t.buf.len == 2 * 21 + sizeof(const uint8_t *) + n2,
		  "refs: one held by reference (its bytes not copied)", "refs %zu len %zu",
		  t.refs, t.buf.len);
	e1[19] = 43; /* replayed from where it is */
	rc = txn_replay(&t, &d, collect, &s, &err);
	tap_check(rc == 0 && s.n == 2 && s.xid[0] == 43 && s.xid[1] == 42 && s.off[0] == 100 &&
			  s.start[1] == 181,
		  "refs: replayed in order from their place", "rc %d n %d xid %llu", rc, s.n,
		  (unsigned long long)s.xid[0]);
	tap_check(txn_empty(&t) && t.refs == 0 && t.ref_bytes == 0, "refs: none held after",
		  "refs %zu", t.refs);

	/* over the memory: spilled, the referenced bytes copied into the file */
	txn_free(&t);
	txn_init(&t, n1 + 10, "t_txn");
	e1[19] = 41;
	rc = txn_add_ref(&t, e1, n1, &a1, &err) | txn_add_ref(&t, e2, n2, &a2, &err);
	tap_check(rc == 0 && t.spill_fd >= 0 && t.refs == 0, "refs: over the memory, spilled",
		  "rc %d spill_fd %d", rc, t.spill_fd);
	e1[19] = 99; /* what was copied is replayed */
	s.n = 0;
	rc = txn_replay(&t, &d, collect, &s, &err);
	tap_check(rc == 0 && s.n == 2 && s.xid[0] == 41 && s.xid[1] == 42,
		  "refs: spilled with their bytes", "rc %d n %d xid %llu", rc, s.n,
		  (unsigned long long)s.xid[0]);

	/* txn_unref, and an XA hold, copy them */
	txn_free(&t);
	txn_init(&t, 1 << 20, "t_txn");
	e1[19] = 41;
	rc = txn_add_ref(&t, e1, n1, &a1, &err) | txn_unref(&t, &err);
	e1[19] = 99;
	s.n = 0;
	rc |= txn_replay(&t, &d, collect, &s, &err);
	tap_check(rc == 0 && s.n == 1 && s.xid[0] == 41, "refs: txn_unref copies them",
		  "rc %d xid %llu", rc, (unsigned long long)s.xid[0]);
	e1[19] = 41;
	rc = txn_add_ref(&t, e1, n1, &a1, &err) | txn_xa_hold(&x, "X'01',X'',1", &t, &err);
	e1[19] = 99;
	rc |= !txn_xa_take(&x, "X'01',X'',1", &t);
	s.n = 0;
	rc |= txn_replay(&t, &d, collect, &s, &err);
	tap_check(rc == 0 && s.n == 1 && s.xid[0] == 41, "refs: an XA hold copies them",
		  "rc %d xid %llu", rc, (unsigned long long)s.xid[0]);

	/* the bytes moved together (a read buffer moved or grown): the
	 * references follow them, the bytes copied in between stay */
	{
		uint8_t *from = malloc(2 * 64), *to = malloc(3 * 64);
		struct txn_at a3 = { 300, 290, 0 };
		uint8_t e3[64];
		size_t n3 = xid_event(e3, 44);
		memcpy(from, e1, n1);
		memcpy(from + 64, e2, n2);
		from[19] = 51;
		from[64 + 19] = 52;
		rc = txn_add_ref(&t, from, n1, &a1, &err) | txn_add(&t, e3, n3, &a3, &err) |
		     txn_add_ref(&t, from + 64, n2, &a2, &err);
		memcpy(to + 64, from, 2 * 64);
		memset(from, 0, 2 * 64);
		txn_moved(&t, (uintptr_t)(to + 64) - (uintptr_t)from);
		free(from);
		s.n = 0;
		rc |= t.first_ref != to + 64;
		rc |= txn_replay(&t, &d, collect, &s, &err);
		tap_check(rc == 0 && s.n == 3 && s.xid[0] == 51 && s.xid[1] == 44 && s.xid[2] == 52 &&
				  t.first_ref == NULL,
			  "refs: txn_moved: they follow their bytes", "rc %d n %d xid %llu %llu", rc,
			  s.n, (unsigned long long)s.xid[0], (unsigned long long)s.xid[2]);
		free(to);
	}
	txn_xa_free(&x);
	txn_free(&t);
	bl_free(&d);
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The engine: BEGIN, a DDL statement inside (written at the commit), XID;
 * then a DDL statement on its own (its own transaction). */
static void t_engine(const char *dir)
{
	struct tail_opts o;
	struct tail *T = calloc(1, sizeof *T);
	struct mc_err err = { 0 };
	char path[512], out[2048];
	uint8_t e[600];
	size_t n;
	uint64_t off = 4;
	int rc = 0, fd;
	ssize_t got;
	const char *want =
		"ddl `shop`.`t` 7:" /* at the XID's end, row 0 */;

	tail_opts_init(&o);
	o.text = 1;
	o.txn_memory = 0; /* spill at once */
	snprintf(path, sizeof path, "%s/out.txt", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (!T || fd < 0 || tail_init(T, &o, &err) < 0) {
		tap_fail("engine: set up", "%s", err.msg);
		free(T);
		return;
	}
	T->out_fd = fd;
	T->fname = "t.000007";
	T->fileseq = 7;
	rc |= tail_begin(T, &err);
	n = query_event(e, "shop", "BEGIN");
	rc |= tail_event(T, e, n, off, off + n, 0, &err);
	off += n;
	n = query_event(e, "shop", "CREATE TABLE t (a int) SELECT 1");
	rc |= tail_event(T, e, n, off, off + n, 0, &err);
	off += n;
	tap_check(rc == 0 && T->in_txn && !txn_empty(&T->txn), "engine: DDL in a transaction held",
		  "rc %d in_txn %d (%s)", rc, T->in_txn, err.msg);
	n = xid_event(e, 9);
	rc |= tail_event(T, e, n, off, off + n, 0, &err);
	off += n;
	tap_check(rc == 0 && !T->in_txn && txn_empty(&T->txn), "engine: committed at the XID",
		  "rc %d (%s)", rc, err.msg);
	n = query_event(e, "shop", "DROP TABLE other.u");
	rc |= tail_event(T, e, n, off, off + n, 0, &err);
	off += n;
	rc |= tail_end(T, &err);
	tail_free(T);
	free(T);
	got = pread(fd, out, sizeof out - 1, 0);
	close(fd);
	out[got > 0 ? got : 0] = 0;
	tap_check(rc == 0 && strncmp(out, want, strlen(want)) == 0,
		  "engine: the DDL written at its commit", "got '%s'", out);
	tap_check(strstr(out, "\nmark txn_end 7:") != NULL && strstr(out, "ddl `other`.`u` 7:"),
		  "engine: marks and the DDL of another database", "got '%s'", out);
	unlink(path);
	tap_check(count_files(dir) == 0, "engine: no temporary file left", "%d files",
		  count_files(dir));
}

int main(void)
{
	char dir[] = "/tmp/t_txn.XXXXXX";
	if (!mkdtemp(dir)) {
		tap_fail("mkdtemp", "%s", dir);
		return tap_done();
	}
	setenv("TMPDIR", dir, 1);
	t_replay(1 << 20, "in memory");
	t_replay(0, "spilled");
	tap_check(count_files(dir) == 0, "spill file removed", "%d files", count_files(dir));
	t_bad_event();
	t_xa();
	t_refs();
	tap_check(count_files(dir) == 0, "refs: spill file removed", "%d files", count_files(dir));
	t_engine(dir);
	rmdir(dir);
	return tap_done();
}
