/* t_sink: the sink engine (common/sink/sink.c) driven through the
 * destination interface (common/stream/dest.h) with a destination in
 * memory: rows committed with their position, a repeated range dropped,
 * a snapshot chunk chain kept and continued, a chunk that continues
 * nothing refused; and the ledger format (common/stream/ledger.c). */
#define TAP_NAME "t_sink"
#include "tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "stream/dest.h"
#include "sink/sink.h"
#include "stream/ledger.h"
#include "stream/recio.h"
#include "wh/wh.h"

/* ---- a destination in memory ---- */

struct dest_part {
	char name[300];   /* table[_log]/part */
	int is_log;
	uint64_t rows;    /* committed */
	uint64_t pending;
	uint64_t completed; /* the commit that completed it (base), 0 */
	int complete_pending;
};

struct memdest {
	struct mc_ledger committed;
	int has_ledger;
	uint64_t seq;
	struct dest_part parts[16];
	size_t nparts;
	unsigned commits, appends;
	/* the hints of feed and feed_hold (md_feed_ops), against their
	 * contract: what was fed stays where it was last told, the same
	 * bytes, and the append's rows begin with them */
	struct mc_buf fed;      /* a copy of the bytes fed */
	const char *place;      /* where they were last told to be */
	int held;
	unsigned feeds, holds, early, bad;
	char why[200];
};

static int md_read_ledger(void *st, struct mc_ledger *l, struct mc_err *err)
{
	struct memdest *m = st;
	if (!m->has_ledger) {
		memset(l, 0, sizeof *l);
		return 0;
	}
	return ledger_copy(l, &m->committed, err) < 0 ? -1 : 1;
}

static int md_table_name(void *st, const struct mc_str *db, const struct mc_str *table,
			 const char *given, char *out, size_t outsz, struct mc_err *err)
{
	(void)st;
	(void)err;
	if (given)
		snprintf(out, outsz, "%s", given);
	else
		snprintf(out, outsz, "%.*s__%.*s", (int)db->n, db->p, (int)table->n, table->p);
	return 0;
}

static int md_clean(void *st, const struct mc_ledger *l, struct mc_err *err)
{
	struct memdest *m = st;
	(void)l;
	(void)err;
	for (size_t i = 0; i < m->nparts; i++) {
		m->parts[i].pending = 0;
		m->parts[i].complete_pending = 0;
	}
	return 0;
}

static int md_part_open(void *st, const char *table, int is_log, const char *part,
			struct dest_part **p, struct mc_err *err)
{
	struct memdest *m = st;
	char name[300];
	snprintf(name, sizeof name, "%s%s/%s", table, is_log ? "_log" : "", part);
	for (size_t i = 0; i < m->nparts; i++)
		if (strcmp(m->parts[i].name, name) == 0) {
			*p = &m->parts[i];
			return 0;
		}
	if (m->nparts == 16)
		return mc_errf(err, MC_EXIT_DATA, "too many partitions");
	*p = &m->parts[m->nparts++];
	memset(*p, 0, sizeof **p);
	snprintf((*p)->name, sizeof (*p)->name, "%s", name);
	(*p)->is_log = is_log;
	return 0;
}

static int md_part_complete(void *st, struct dest_part *p, uint64_t seq, struct mc_err *err)
{
	(void)st;
	(void)err;
	return p->completed && p->completed <= seq;
}

static int md_begin(void *st, uint64_t seq, struct mc_err *err)
{
	(void)err;
	((struct memdest *)st)->seq = seq;
	return 0;
}

static void md_bad(struct memdest *m, const char *why)
{
	if (!m->bad++)
		snprintf(m->why, sizeof m->why, "%s", why);
}

static void md_feed(void *st, struct dest_part *p, const char *recs, size_t len)
{
	struct memdest *m = st;
	(void)p;
	if (!recs || !len) {
		m->fed.len = 0;
		m->place = NULL;
		return;
	}
	if (m->held)
		md_bad(m, "a feed while held");
	if (m->place && recs != m->place)
		md_bad(m, "the records moved without a hold");
	if (len < m->fed.len || (m->fed.len && memcmp(recs, m->fed.p, m->fed.len) != 0))
		md_bad(m, "the bytes fed changed");
	m->fed.len = 0;
	if (buf_add(&m->fed, recs, len) < 0)
		md_bad(m, "out of memory");
	m->place = recs;
	m->feeds++;
	if (!m->commits && !m->appends)
		m->early++;
}

static void md_feed_hold(void *st, struct dest_part *p, const char *recs)
{
	struct memdest *m = st;
	(void)p;
	if (!recs) {
		if (m->held)
			md_bad(m, "held twice");
		m->held = 1;
		m->holds++;
		return;
	}
	if (!m->held)
		md_bad(m, "a new place without a hold");
	if (m->fed.len && memcmp(recs, m->fed.p, m->fed.len) != 0)
		md_bad(m, "the bytes fed changed as they moved");
	m->held = 0;
	m->place = recs;
}

static int md_append(void *st, struct dest_part *p, const struct dest_rows *rows,
		     struct mc_err *err)
{
	struct memdest *m = st;
	struct mc_scratch sc = { 0 };
	size_t at = 0;
	uint64_t nrows = 0;
	/* the records must decode, and hold the rows said */
	while (at < rows->len) {
		struct mc_rec r;
		size_t used;
		if (rec_decode(rows->recs + at, rows->len - at, 0, &used, &r, &sc, err) != 1) {
			rec_scratch_free(&sc);
			return -1;
		}
		nrows += r.kind == MC_R_ROW;
		at += used;
	}
	rec_scratch_free(&sc);
	if (nrows != rows->rows)
		return mc_errf(err, MC_EXIT_DATA, "%llu rows decoded, %llu said",
			       (unsigned long long)nrows, (unsigned long long)rows->rows);
	p->pending += rows->rows;
	p->complete_pending |= rows->complete;
	if (m->fed.len && (rows->len < m->fed.len || memcmp(rows->recs, m->fed.p, m->fed.len)))
		md_bad(m, "the append's rows do not begin with the bytes fed");
	m->fed.len = 0;
	m->place = NULL;
	m->appends++;
	return 0;
}

static int md_commit(void *st, const struct mc_ledger *l, struct mc_err *err)
{
	struct memdest *m = st;
	ledger_free(&m->committed);
	if (ledger_copy(&m->committed, l, err) < 0)
		return -1;
	m->has_ledger = 1;
	for (size_t i = 0; i < m->nparts; i++) {
		m->parts[i].rows += m->parts[i].pending;
		m->parts[i].pending = 0;
		if (m->parts[i].complete_pending && !m->parts[i].completed)
			m->parts[i].completed = m->seq;
		m->parts[i].complete_pending = 0;
	}
	m->commits++;
	return 0;
}

static void md_close(void *st)
{
	(void)st; /* the test reads it after the sink is done */
}

static const struct dest_ops md_ops = {
	.kind = "memory",
	.read_ledger = md_read_ledger,
	.table_name = md_table_name,
	.clean = md_clean,
	.part_open = md_part_open,
	.part_complete = md_part_complete,
	.begin = md_begin,
	.append = md_append,
	.commit = md_commit,
	.close = md_close,
};

static uint64_t md_rows(const struct memdest *m, const char *name)
{
	for (size_t i = 0; i < m->nparts; i++)
		if (strcmp(m->parts[i].name, name) == 0)
			return m->parts[i].rows;
	return 0;
}

static const struct dest_part *md_part(const struct memdest *m, const char *name)
{
	for (size_t i = 0; i < m->nparts; i++)
		if (strcmp(m->parts[i].name, name) == 0)
			return &m->parts[i];
	return NULL;
}

/* ---- streams ---- */

static char tmpdir[] = "/tmp/t_sink.XXXXXX";

struct stream {
	struct rio_writer w;
	int fd;
	char path[256];
};

static struct mc_col cols[2] = {
	{ { "id", 2 }, { "int", 3 }, { "INT", 3 }, false, 0 },
	{ { "v", 1 }, { "varchar(10)", 11 }, { "STRING", 6 }, true, 0 },
};
static uint32_t keycols[1] = { 0 };

static void st_begin(struct stream *s, const char *name)
{
	struct mc_err err = { 0 };
	snprintf(s->path, sizeof s->path, "%s/%s.mcr", tmpdir, name);
	s->fd = open(s->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (s->fd < 0 || rio_winit(&s->w, s->fd, 0, &err) < 0 || rio_begin(&s->w, NULL, 0, &err) < 0)
		tap_fail("stream", "%s", err.msg);
}

static void st_put(struct stream *s, const struct mc_rec *r)
{
	struct mc_err err = { 0 };
	if (rio_write(&s->w, r, &err) < 0)
		tap_fail("stream write", "%s", err.msg);
}

static void st_end(struct stream *s)
{
	struct mc_err err = { 0 };
	if (rio_end(&s->w, &err) < 0 || rio_wclose(&s->w, &err) < 0)
		tap_fail("stream end", "%s", err.msg);
	close(s->fd);
}

static struct mc_pos P(uint64_t file, uint64_t off)
{
	struct mc_pos p = { file, off, 0 };
	return p;
}

static void schema(struct stream *s, const char *table)
{
	struct mc_rec r = { 0 };
	r.kind = MC_R_SCHEMA;
	r.db = mc_str_c("db", 2);
	r.table = mc_str_c(table, strlen(table));
	r.time = 1763683200; /* 2025-11-21 */
	r.schema_version = 1;
	r.ncols = 2;
	r.cols = cols;
	r.nkey = 1;
	r.key = keycols;
	st_put(s, &r);
}

static void row(struct stream *s, const char *table, enum mc_op op, struct mc_pos pos, int64_t id)
{
	struct mc_rec r = { 0 };
	struct mc_val v[2];
	v[0].kind = MC_V_INT;
	v[0].v.i = id;
	v[1].kind = MC_V_STR;
	v[1].v.s = mc_str_c("x", 1);
	r.kind = MC_R_ROW;
	r.db = mc_str_c("db", 2);
	r.table = mc_str_c(table, strlen(table));
	r.pos = pos;
	r.time = 1763683200 + (int64_t)pos.off;
	r.schema_version = 1;
	r.op = op;
	if (op == MC_OP_DELETE) {
		r.before = v;
		r.nbefore = 2;
	} else {
		r.after = v;
		r.nafter = 2;
	}
	st_put(s, &r);
}

static void mark(struct stream *s, enum mc_mark m, const char *table, struct mc_pos pos,
		 const char *label)
{
	struct mc_rec r = { 0 };
	r.kind = MC_R_MARK;
	r.mark = m;
	r.pos = pos;
	r.time = 1763683200 + (int64_t)pos.off;
	if (table) {
		r.db = mc_str_c("db", 2);
		r.table = mc_str_c(table, strlen(table));
	}
	r.label = mc_str_c(label, strlen(label));
	st_put(s, &r);
}

/* Run the sink over one stream into m: 0, or -1 with err. */
static int run(struct memdest *m, const char *path, uint64_t commit_rows, struct mc_err *err)
{
	struct dest d = { &md_ops, m };
	struct sink_opts o;
	const char *files[1] = { path };
	sink_opts_init(&o);
	o.commit_rows = commit_rows;
	o.part = "ds=1";
	return sink_run(&o, &d, files, 1, err);
}

/* ---- tests ---- */

/* A regular file is fed to the destination as it is read, not at its
 * marks (it has none here: one snapshot chunk): its records stay where
 * they were told to be, the same bytes, and move only inside a hold. */
static void test_feed_whole(void)
{
	struct memdest m = { 0 };
	struct stream s;
	struct mc_err err = { 0 };
	struct dest_ops ops = md_ops; /* the same, taking the feed's hints */
	struct dest d = { &ops, &m };
	struct sink_opts o;
	const char *files[1];

	ops.feed = md_feed;
	ops.feed_hold = md_feed_hold;

	st_begin(&s, "whole");
	schema(&s, "t");
	for (int64_t i = 1; i <= 100000; i++)
		row(&s, "t", MC_OP_SNAPSHOT, P(1, 4), i);
	st_end(&s);
	files[0] = s.path;
	sink_opts_init(&o);
	o.commit_rows = 1000000;
	o.part = "ds=1";
	tap_check(sink_run(&o, &d, files, 1, &err) == 0, "feed: a run", "%s", err.msg);
	tap_check(md_rows(&m, "db__t/ds=1") == 100000, "feed: every row committed", "%llu",
		  (unsigned long long)md_rows(&m, "db__t/ds=1"));
	tap_check(m.early >= 8, "feed: fed as it was read, no mark waited for", "%u feeds", m.early);
	tap_check(m.holds >= 2, "feed: the buffer grew under the feed, held each time", "%u holds",
		  m.holds);
	tap_check(!m.bad, "feed: the contract kept", "%s (%u)", m.why, m.bad);
	buf_free(&m.fed);
	ledger_free(&m.committed);
}

static void test_changes(void)
{
	struct memdest m = { 0 };
	struct stream s;
	struct mc_err err = { 0 };
	char p[64];
	unsigned commits;

	st_begin(&s, "changes");
	schema(&s, "t");
	row(&s, "t", MC_OP_INSERT, P(1, 100), 1);
	row(&s, "t", MC_OP_INSERT, P(1, 200), 2);
	mark(&s, MC_MARK_TXN_END, NULL, P(1, 250), "0-1-7");
	row(&s, "t", MC_OP_DELETE, P(1, 300), 1);
	mark(&s, MC_MARK_TXN_END, NULL, P(1, 350), "0-1-8");
	st_end(&s);

	tap_check(run(&m, s.path, 1000, &err) == 0, "changes: a run", "%s", err.msg);
	tap_check(md_rows(&m, "db__t_log/ds=1") == 3, "changes: rows committed to the log",
		  "%llu", (unsigned long long)md_rows(&m, "db__t_log/ds=1"));
	tap_check(md_rows(&m, "db__t/ds=1") == 0, "changes: nothing in the base", "%llu",
		  (unsigned long long)md_rows(&m, "db__t/ds=1"));
	pos_format(&m.committed.pos, p, sizeof p);
	tap_check(m.committed.has_pos && strcmp(p, "1:350:0") == 0,
		  "changes: pos committed (the last mark's)", "%s", p);
	pos_format(&m.committed.resume, p, sizeof p);
	tap_check(m.committed.has_resume && strcmp(p, "1:350:0") == 0,
		  "changes: resume at the last txn_end", "%s", p);
	tap_check(m.committed.gtid && strcmp(m.committed.gtid, "0-1-8") == 0,
		  "changes: the GTID of its domain", "%s", m.committed.gtid ? m.committed.gtid : "-");

	/* the same stream again: every record is at or below pos */
	commits = m.commits;
	tap_check(run(&m, s.path, 1000, &err) == 0, "repeat: a rerun", "%s", err.msg);
	tap_check(md_rows(&m, "db__t_log/ds=1") == 3, "repeat: the repeated range is dropped",
		  "%llu rows", (unsigned long long)md_rows(&m, "db__t_log/ds=1"));
	tap_check(m.commits == commits, "repeat: no commit", "%u commits, were %u", m.commits,
		  commits);

	/* a source resumed before pos, going on past it */
	st_begin(&s, "more");
	schema(&s, "t");
	row(&s, "t", MC_OP_DELETE, P(1, 300), 1);
	mark(&s, MC_MARK_TXN_END, NULL, P(1, 350), "0-1-8");
	row(&s, "t", MC_OP_INSERT, P(2, 40), 3);
	mark(&s, MC_MARK_TXN_END, NULL, P(2, 50), "0-1-9");
	st_end(&s);
	tap_check(run(&m, s.path, 1000, &err) == 0, "overlap: a run", "%s", err.msg);
	tap_check(md_rows(&m, "db__t_log/ds=1") == 4, "overlap: only the row above pos is added",
		  "%llu rows", (unsigned long long)md_rows(&m, "db__t_log/ds=1"));
	pos_format(&m.committed.pos, p, sizeof p);
	tap_check(strcmp(p, "2:50:0") == 0, "overlap: pos moves to the last mark", "%s", p);
	ledger_free(&m.committed);
}

static void test_chunks(void)
{
	struct memdest m = { 0 };
	struct stream s;
	struct mc_err err = { 0 };
	const char *ch, *hi;
	size_t hin;
	const struct dest_part *bp;

	/* a snapshot that stops after its first chunk */
	st_begin(&s, "snap1");
	schema(&s, "s");
	row(&s, "s", MC_OP_SNAPSHOT, P(5, 10), 1);
	row(&s, "s", MC_OP_SNAPSHOT, P(5, 10), 2);
	mark(&s, MC_MARK_CHUNK_END, "s", P(5, 10), "(-inf, 2]");
	row(&s, "s", MC_OP_SNAPSHOT, P(5, 20), 3);
	st_end(&s);
	tap_check(run(&m, s.path, 1, &err) == 0, "chunks: a first run", "%s", err.msg);
	tap_check(md_rows(&m, "db__s/ds=1") == 2, "chunks: the ended chunk is committed",
		  "%llu rows", (unsigned long long)md_rows(&m, "db__s/ds=1"));
	ch = ledger_chain_get(&m.committed, "table.db.s");
	tap_check(ledger_chain_parse(ch, &hi, &hin) == LEDGER_CHAIN_AT && hin == 1 && *hi == '2',
		  "chunks: the chain ends after 2", "%s", ch ? ch : "(none)");
	bp = md_part(&m, "db__s/ds=1");
	tap_check(bp && !bp->completed, "chunks: the base is not complete", "completed");

	/* the source resumed early: the first chunk again, then the rest */
	st_begin(&s, "snap2");
	schema(&s, "s");
	row(&s, "s", MC_OP_SNAPSHOT, P(5, 10), 1);
	row(&s, "s", MC_OP_SNAPSHOT, P(5, 10), 2);
	mark(&s, MC_MARK_CHUNK_END, "s", P(5, 10), "(-inf, 2]");
	row(&s, "s", MC_OP_SNAPSHOT, P(5, 20), 3);
	row(&s, "s", MC_OP_SNAPSHOT, P(5, 20), 4);
	mark(&s, MC_MARK_CHUNK_END, "s", P(5, 20), "(2, +inf]");
	st_end(&s);
	tap_check(run(&m, s.path, 1, &err) == 0, "chunks: the resumed run", "%s", err.msg);
	tap_check(md_rows(&m, "db__s/ds=1") == 4,
		  "chunks: the repeated chunk is dropped, the next kept", "%llu rows",
		  (unsigned long long)md_rows(&m, "db__s/ds=1"));
	ch = ledger_chain_get(&m.committed, "table.db.s");
	tap_check(ch && strcmp(ch, LEDGER_CHAIN_DONE) == 0, "chunks: the chain is done", "%s",
		  ch ? ch : "(none)");
	bp = md_part(&m, "db__s/ds=1");
	tap_check(bp && bp->completed, "chunks: the base is complete", "not completed");
	{
		char p[64];
		pos_format(&m.committed.snap_low, p, sizeof p);
		tap_check(m.committed.has_snap_low && strcmp(p, "5:10:0") == 0,
			  "chunks: the lowest watermark is kept", "%s", p);
	}
	ledger_free(&m.committed);

	/* a chunk that continues nothing committed */
	memset(&m, 0, sizeof m);
	st_begin(&s, "snap3");
	schema(&s, "s");
	row(&s, "s", MC_OP_SNAPSHOT, P(5, 20), 3);
	mark(&s, MC_MARK_CHUNK_END, "s", P(5, 20), "(2, +inf]");
	st_end(&s);
	tap_check(run(&m, s.path, 1, &err) < 0 && err.code == MC_EXIT_DATA &&
			  strstr(err.msg, "does not continue"),
		  "chunks: a chunk after nothing is an error", "%s", err.msg);
	tap_check(md_rows(&m, "db__s/ds=1") == 0 && m.commits == 0,
		  "chunks: and nothing of it is committed", "%u commits", m.commits);
	ledger_free(&m.committed);
}

static void test_format(void)
{
	struct mc_ledger l = { 0 }, r;
	struct ckpt c = { 0 };
	struct mc_err err = { 0 };
	struct mc_pos p1 = { 3, 400, 1 };
	struct mc_buf b = { 0 };
	char key[600], name[WH_PART_FILE_MAX];
	uint64_t seq;
	const char *hi;
	size_t hin;

	ledger_table_key("shop", 4, "Orders", 6, key, sizeof key);
	tap_check(strcmp(key, "hex.73686f70.4f7264657273") == 0, "format: a hex table key", "%s",
		  key);
	ledger_table_key("shop", 4, "orders", 6, key, sizeof key);
	tap_check(strcmp(key, "table.shop.orders") == 0 && ledger_is_table_key(key),
		  "format: a plain table key", "%s", key);
	tap_check(ledger_chain_format(&b, "7\t'x'", 5, &err) == 0 &&
			  strcmp(b.p, "after\t7\t'x'") == 0,
		  "format: a chain value", "%s", b.p ? b.p : "");
	tap_check(ledger_chain_parse(b.p, &hi, &hin) == LEDGER_CHAIN_AT && hin == 5 &&
			  memcmp(hi, "7\t'x'", 5) == 0,
		  "format: parsed back", "%.*s", (int)hin, hi);
	tap_check(ledger_chain_parse("later", &hi, &hin) == LEDGER_CHAIN_BAD,
		  "format: a bad chain value", "accepted");
	buf_free(&b);

	l.seq = 12;
	l.has_pos = 1;
	l.pos = p1;
	ledger_mark(&l, &p1, "0-1-5", 5, &err);
	ledger_note(&l, &p1, &p1, 1763683200, &err);
	ledger_note(&l, &p1, &p1, 1763683200 + 2 * 86400, &err);
	ledger_chain_set(&l, key, LEDGER_CHAIN_DONE, &err);
	tap_check(ledger_to_ckpt(&l, &c, &err) == 0, "format: to checkpoint lines", "%s", err.msg);
	tap_check(ledger_from_ckpt(&c, "test", &r, &err) == 1 && r.seq == 12 && r.has_pos &&
			  pos_cmp(&r.pos, &p1) == 0 && r.ncuts == 2 && r.gtid &&
			  strcmp(r.gtid, "0-1-5") == 0 &&
			  strcmp(ledger_chain_get(&r, key), "done") == 0,
		  "format: the ledger read back", "%s", err.msg);
	ckpt_free(&c);
	tap_check(ledger_checkpoint(&r, &c, &err) == 0 && ckpt_get(&c, LEDGER_K_RESUME) &&
			  !ckpt_get(&c, LEDGER_K_SEQ) && ckpt_get(&c, key),
		  "format: the position checkpoint has resume and chains, no seq", "%zu keys", c.n);
	ckpt_free(&c);
	ledger_free(&r);
	ledger_free(&l);

	wh_part_file_name(42, name);
	tap_check(strcmp(name, "part-000042.mcr.zst") == 0, "format: a data file name", "%s", name);
	tap_check(wh_part_file_seq(name, &seq) == 1 && seq == 42, "format: its seq",
		  "%llu", (unsigned long long)seq);
	tap_check(wh_part_file_seq("part-.mcr.zst", &seq) == 0 &&
			  wh_part_file_seq("part-0001.mcr", &seq) == 0,
		  "format: not data file names", "accepted");
}

static void test_dest_open(void)
{
	struct dest d;
	struct dest_opts o = { 3, "t_sink", 0, NULL };
	struct mc_err err = { 0 };
	char dir[300];
	tap_check(dest_open("odps://project", &o, &d, &err) < 0 && err.code == MC_EXIT_USAGE,
		  "dest: odps:// without its options (--state) is a usage error", "code %d: %s", err.code,
		  err.msg);
	snprintf(dir, sizeof dir, "%s/wh", tmpdir);
	tap_check(dest_open(dir, &o, &d, &err) == 0 && d.ops &&
			  strcmp(d.ops->kind, "warehouse") == 0,
		  "dest: a directory is the local warehouse", "%s", err.msg);
	if (d.ops) {
		struct dest d2;
		tap_check(dest_open(dir, &o, &d2, &err) < 0 && err.code == MC_EXIT_TRANSIENT,
			  "dest: a second writer is refused (locked, code 3)", "code %d", err.code);
		dest_close(&d);
	}
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		tap_fail("setup", "mkdtemp");
		return tap_done();
	}
	test_changes();
	test_feed_whole();
	test_chunks();
	test_format();
	test_dest_open();
	{
		char cmd[400];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			tap_fail("cleanup", "%s", cmd);
	}
	return tap_done();
}
