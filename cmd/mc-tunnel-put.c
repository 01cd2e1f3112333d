/* mc-tunnel-put: record streams into the local warehouse (docs/mc-tunnel-put.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/buf.h"
#include "stream/ckpt.h"
#include "base/err.h"
#include "base/num.h"
#include "stream/opt.h"
#include "prog.h"
#include "stream/rec.h"
#include "stream/recio.h"
#include "wh/wh.h"
#include "base/zio.h"

static const char usage[] =
	"Usage: mc-tunnel-put --dest=DIR [OPTION]... [FILE]...\n"
	"Write the rows of record streams (FILEs in turn, standard input when none\n"
	"or '-') into the local warehouse DIR: snapshot rows into the base table\n"
	"<name>, change rows into its log table <name>_log, one partition each.\n"
	"Data and the position they reach are committed together; a rerun after a\n"
	"crash skips what was committed and ends with the same files.\n"
	"\n"
	"  -d, --dest=DIR           the local warehouse directory (created if needed)\n"
	"  -p, --partition=SPEC     partition for every row, e.g. ds=20261121 or\n"
	"                           ds=20261121/hh=03; default 'auto': the day of\n"
	"                           the change's time (log), of the schema's (base)\n"
	"  -r, --route=HOW          op (default): snapshot rows to the base table,\n"
	"                           changes to the log table; base; log: all there\n"
	"  -n, --name=DB.TABLE=NAME warehouse name of a table (default DB__TABLE)\n"
	"  -c, --commit-rows=N      commit at the next transaction end or mark after\n"
	"                           N rows (default 100000); always at 4N change rows\n"
	"                           (never inside a snapshot chunk)\n"
	"      --checkpoint-out=FILE after each commit, write where the source\n"
	"                           resumes (checkpoint file: 'pos' committed,\n"
	"                           'resume' the last transaction boundary, else the\n"
	"                           lowest snapshot watermark, 'gtid', each table's\n"
	"                           committed snapshot chunks; mc-binlog-tail and\n"
	"                           mc-snapshot --checkpoint-in)\n"
	"      --utc-offset=+HH:MM  days for ds=auto and day cuts (first run only;\n"
	"                           kept in the ledger; default +00:00)\n"
	"  -z, --zstd=LEVEL         data file compression level (default 3)\n"
	"  -h, --help               show this help and exit\n"
	"  -V, --version            show the version and exit\n"
	"\n"
	"Input read from a pipe may end without a trailer at a record boundary (a\n"
	"live stream that stopped): what was read is committed, but for the rows of\n"
	"a snapshot chunk without its chunk_end. A regular file must end with its\n"
	"trailer. End of input inside a record is always an error.\n"
	"Snapshot chunks (labelled '(LO, HI]') are kept whole when they continue\n"
	"the table's committed chain, dropped when committed already; a stream\n"
	"that cannot continue it (a different snapshot) is an error.\n"
	"\n"
	"Exit status: 0 ok; 1 bad input or write error (nothing of the uncommitted\n"
	"rest is kept); 2 usage error; 3 the warehouse is locked by another writer.\n"
	"Manual: docs/mc-tunnel-put.md, docs/warehouse.md.\n";

static const char *dest;
static const char *opt_part; /* NULL: auto */
static int opt_route;        /* 0 op, 1 base, 2 log */
static uint64_t commit_rows = 100000;
static const char *ckpt_out;
static int zlevel = 3;
static int64_t utc_off;
static int utc_off_set;

struct rename {
	const char *from, *to;
};
static struct rename *renames;
static size_t nrenames;

/* One partition being written: rows since the last commit. */
struct pbuf {
	char *table; /* warehouse table name (with _log for logs) */
	char *part;
	int is_log;
	struct mc_buf data;    /* encoded records: schemas and rows */
	struct mc_buf schemas; /* encoded schema records to add to _schema.mcr */
	uint64_t nrec, rows;
	uint64_t schema_ver;   /* version of the last schema record in data */
	int has_pos, has_time;
	struct mc_pos lo, hi;
	int64_t tmin, tmax;
	int complete;          /* base: write _SUCCESS at this commit */
	int has_floor;         /* base: the lowest chunk watermark seen */
	struct mc_pos floor;
};

/* A pbuf's state when a chunk began: rows of a chunk are added at once and
 * taken back when the chunk is dropped. */
struct psave {
	size_t data_len, schemas_len;
	uint64_t nrec, rows, schema_ver;
	int has_pos, has_time;
	struct mc_pos lo, hi;
	int64_t tmin, tmax;
};

struct tab {
	char *db, *table;
	char name[256];
	char key[600];         /* its snapshot chain's key (wh_snap_key) */
	struct wh_schema schema;
	int64_t schema_time;
	int snap_in_stream;
	struct pbuf *last_base, *last_log;
	int open;              /* snapshot rows of a chunk not ended yet */
	uint64_t open_start;   /* snap_seen when the chunk began */
	struct pbuf *cp;       /* where its rows go */
	struct psave save;
};

static struct tab *tabs;
static size_t ntabs;
static struct pbuf **pbufs;
static size_t npbufs;
static uint64_t pending_rows;

static struct wh_ledger L; /* working state: what is committed plus pending */
static uint64_t skip_snap, snap_seen;
static size_t nopen;      /* tables with an open chunk: no commit meanwhile */
static int chunked_stream; /* this stream has chunk marks (or is mc-snapshot's) */
static int dirty; /* L moved since the last commit */
static int resume_done;            /* a resume position is committed */
static uint64_t resume_done_file;  /* its binlog file */
static struct mc_buf scratch;

static noreturn void oom(void)
{
	struct mc_err err = { 0 };
	mc_errnof(&err, ENOMEM, "memory");
	prog_fail(&err);
}

static char *xstrndup(const char *p, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		oom();
	memcpy(s, p, n);
	s[n] = 0;
	return s;
}

static char *path_of(const char *a, const char *b, const char *c)
{
	struct mc_buf p = { 0 };
	if (buf_addf(&p, "%s/%s%s%s%c", dest, a, b ? "/" : "", b ? b : "", 0) < 0)
		oom();
	if (c) {
		p.len--;
		if (buf_addf(&p, "/%s%c", c, 0) < 0)
			oom();
	}
	return p.p;
}

static struct tab *tab_find(const struct mc_rec *r, int create, struct mc_err *err)
{
	static size_t last;
	struct tab *t;
	if (last < ntabs && strlen(tabs[last].db) == r->db.n && strlen(tabs[last].table) == r->table.n &&
	    memcmp(tabs[last].db, r->db.p, r->db.n) == 0 &&
	    memcmp(tabs[last].table, r->table.p, r->table.n) == 0)
		return &tabs[last];
	for (size_t i = 0; i < ntabs; i++)
		if (strlen(tabs[i].db) == r->db.n && strlen(tabs[i].table) == r->table.n &&
		    memcmp(tabs[i].db, r->db.p, r->db.n) == 0 &&
		    memcmp(tabs[i].table, r->table.p, r->table.n) == 0)
			return &tabs[last = i];
	if (!create)
		return NULL;
	{
		struct tab *nt = realloc(tabs, (ntabs + 1) * sizeof *nt);
		if (!nt)
			oom();
		tabs = nt;
	}
	/* pbufs point to tabs by name only, so moving tabs is safe */
	t = &tabs[ntabs];
	memset(t, 0, sizeof *t);
	t->db = xstrndup(r->db.p, r->db.n);
	t->table = xstrndup(r->table.p, r->table.n);
	for (size_t i = 0; i < nrenames; i++) {
		size_t dl = strlen(t->db);
		if (strncmp(renames[i].from, t->db, dl) == 0 && renames[i].from[dl] == '.' &&
		    strcmp(renames[i].from + dl + 1, t->table) == 0) {
			snprintf(t->name, sizeof t->name, "%s", renames[i].to);
			break;
		}
	}
	if (!t->name[0] && wh_default_name(&r->db, &r->table, t->name, sizeof t->name, err) < 0)
		return NULL;
	if (strlen(t->name) + 4 > WH_MAX_NAME)
		return mc_errf(err, MC_EXIT_DATA, "warehouse name '%s' is too long", t->name), NULL;
	wh_snap_key(t->db, strlen(t->db), t->table, strlen(t->table), t->key, sizeof t->key);
	last = ntabs++;
	return t;
}

static struct pbuf *pbuf_get(const char *table, int is_log, const char *part)
{
	struct pbuf *p;
	for (size_t i = 0; i < npbufs; i++)
		if (pbufs[i]->is_log == is_log && strcmp(pbufs[i]->part, part) == 0 &&
		    strncmp(pbufs[i]->table, table, strlen(table)) == 0 &&
		    strcmp(pbufs[i]->table + strlen(table), is_log ? "_log" : "") == 0)
			return pbufs[i];
	p = calloc(1, sizeof *p);
	if (!p)
		oom();
	{
		struct mc_buf n = { 0 };
		if (buf_addf(&n, "%s%s%c", table, is_log ? "_log" : "", 0) < 0)
			oom();
		p->table = n.p;
	}
	p->part = xstrndup(part, strlen(part));
	p->is_log = is_log;
	{
		struct pbuf **np = realloc(pbufs, (npbufs + 1) * sizeof *np);
		if (!np)
			oom();
		pbufs = np;
	}
	pbufs[npbufs++] = p;
	return p;
}

/* ---- commit ---- */

static int write_data_file(struct pbuf *p, const char *name, struct wh_file *f, struct mc_err *err)
{
	char *dir = path_of(p->table, p->part, NULL), *path = path_of(p->table, p->part, name);
	struct afile af;
	struct zout z;
	struct mc_rec h;
	struct mc_kv meta[3];
	struct stat st;
	int rc = -1;

	meta[0].k = mc_str_c("writer", 6);
	meta[0].v = mc_str_c("mc-tunnel-put", 13);
	meta[1].k = mc_str_c("table", 5);
	meta[1].v = mc_str_c(p->table, strlen(p->table));
	meta[2].k = mc_str_c("partition", 9);
	meta[2].v = mc_str_c(p->part, strlen(p->part));
	if (wh_mkdirs(dir, err) < 0 || afile_open(&af, path, err) < 0)
		goto out;
	if (zout_init(&z, af.fd, zlevel, err) < 0) {
		afile_abort(&af);
		goto out;
	}
	scratch.len = 0;
	memset(&h, 0, sizeof h);
	h.kind = MC_R_HEADER;
	h.version = MC_REC_VERSION;
	h.meta = meta;
	h.nmeta = 3;
	if (rec_encode(&scratch, &h, err) < 0 || zout_write(&z, scratch.p, scratch.len, err) < 0 ||
	    zout_write(&z, p->data.p, p->data.len, err) < 0)
		goto fail;
	scratch.len = 0;
	memset(&h, 0, sizeof h);
	h.kind = MC_R_TRAILER;
	h.count = p->nrec;
	if (rec_encode(&scratch, &h, err) < 0 || zout_write(&z, scratch.p, scratch.len, err) < 0 ||
	    zout_end(&z, err) < 0)
		goto fail;
	zout_close(&z);
	if (fstat(af.fd, &st) < 0) {
		mc_errnof(err, errno, "'%s'", path);
		afile_abort(&af);
		goto out;
	}
	if (afile_commit(&af, err) < 0)
		goto out;
	memset(f, 0, sizeof *f);
	f->name = (char *)name;
	f->rows = p->rows;
	f->bytes = (uint64_t)st.st_size;
	f->has_pos = p->has_pos;
	f->lo = p->lo;
	f->hi = p->hi;
	f->has_time = p->has_time;
	f->tmin = p->tmin;
	f->tmax = p->tmax;
	rc = 0;
	goto out;
fail:
	zout_close(&z);
	afile_abort(&af);
out:
	free(dir);
	free(path);
	return rc;
}

static int append_schemas(struct pbuf *p, struct mc_err *err)
{
	char *path;
	size_t at = 0;
	int rc = 0;
	struct mc_scratch sc = { 0 };
	if (p->schemas.len == 0)
		return 0;
	path = path_of(p->table, WH_SCHEMA, NULL);
	{
		char *dir = path_of(p->table, NULL, NULL);
		rc = wh_mkdirs(dir, err);
		free(dir);
	}
	while (rc == 0 && at < p->schemas.len) {
		struct mc_rec r;
		size_t used;
		if (rec_decode(p->schemas.p + at, p->schemas.len - at, 0, &used, &r, &sc, err) != 1) {
			rc = mc_errf(err, MC_EXIT_DATA, "internal: schema buffer");
			break;
		}
		rc = wh_schema_append(path, &r, err);
		at += used;
	}
	rec_scratch_free(&sc);
	free(path);
	return rc;
}

/* Add f to the partition's manifest (_SUCCESS of a log or a complete base,
 * else _PENDING); complete a base partition when asked. */
static int update_manifest(struct pbuf *p, const struct wh_file *f, struct mc_err *err)
{
	char *succ = path_of(p->table, p->part, WH_MARKER);
	char *pend = path_of(p->table, p->part, WH_PENDING);
	struct wh_manifest m;
	int rc, in_succ;

	rc = wh_manifest_read(succ, &m, err);
	in_succ = rc > 0;
	if (rc == 0 && !p->is_log)
		rc = wh_manifest_read(pend, &m, err);
	if (rc < 0)
		goto out;
	if (rc == 0) {
		memset(&m, 0, sizeof m);
		m.kind = p->is_log ? WH_LOG : WH_BASE;
		m.by = WH_BY_PUT;
	}
	if (f && (rc = wh_manifest_add(&m, f, err)) < 0)
		goto done;
	if (!p->is_log && p->has_floor && (!m.has_from || pos_cmp(&p->floor, &m.from) < 0)) {
		m.from = p->floor;
		m.has_from = 1;
	}
	if (!p->is_log) {
		char *dir = path_of(p->table, p->part, NULL);
		rc = wh_mkdirs(dir, err);
		free(dir);
		if (rc < 0)
			goto done;
	}
	if (!p->is_log && (p->complete || in_succ)) {
		/* from: the lowest watermark of the snapshot's chunks and rows */
		for (size_t i = 0; i < m.nfiles; i++)
			if (m.files[i].has_pos &&
			    (!m.has_from || pos_cmp(&m.files[i].lo, &m.from) < 0)) {
				m.from = m.files[i].lo;
				m.has_from = 1;
			}
		if (!m.has_from)
			m.has_from = 1; /* an empty table: 0:0:0 */
		if (!in_succ)
			m.commit = L.seq;
		if ((rc = wh_manifest_write(succ, &m, err)) < 0)
			goto done;
		if (unlink(pend) < 0 && errno != ENOENT) {
			rc = mc_errnof(err, errno, "'%s'", pend);
			goto done;
		}
		rc = afile_sync_dir(succ, err);
	} else {
		rc = wh_manifest_write(p->is_log ? succ : pend, &m, err);
	}
done:
	wh_manifest_free(&m);
out:
	free(succ);
	free(pend);
	return rc < 0 ? -1 : 0;
}

static int write_ckpt_out(struct mc_err *err)
{
	struct ckpt c = { 0 };
	char p[64];
	int rc;
	if (!ckpt_out || (!L.has_pos && !L.snap.n && !L.has_snap_low))
		return 0;
	rc = 0;
	if (L.has_pos) {
		pos_format(&L.pos, p, sizeof p);
		rc = ckpt_set(&c, "pos", p, err);
	}
	/* resume: the last transaction boundary committed; before any, the
	 * lowest watermark of the committed snapshot chunks (the binlog tail
	 * starts at or below it, docs/mc-tunnel-put.md) */
	if (rc == 0 && (L.has_resume || L.has_snap_low)) {
		pos_format(L.has_resume ? &L.resume : &L.snap_low, p, sizeof p);
		rc = ckpt_set(&c, "resume", p, err);
	}
	if (rc == 0 && L.gtid)
		rc = ckpt_set(&c, "gtid", L.gtid, err);
	/* each table's committed snapshot chain: mc-snapshot --checkpoint-in */
	for (size_t i = 0; rc == 0 && i < L.snap.n; i++)
		rc = ckpt_set(&c, L.snap.kv[i].k, L.snap.kv[i].v, err);
	if (rc == 0)
		rc = ckpt_write(ckpt_out, &c, err);
	ckpt_free(&c);
	return rc;
}

static void commit(void)
{
	struct mc_err err = { 0 };
	char name[64];
	int any = 0;

	if (nopen)
		return; /* never inside a snapshot chunk: at its end */
	for (size_t i = 0; i < npbufs; i++)
		any |= pbufs[i]->rows > 0 || pbufs[i]->complete;
	if (!any && !dirty)
		return;
	L.seq++;
	snprintf(name, sizeof name, "part-%06" PRIu64 ".mcr.zst", L.seq);
	for (size_t i = 0; i < npbufs; i++) {
		struct pbuf *p = pbufs[i];
		struct wh_file f;
		if (p->rows == 0 && !p->complete)
			continue;
		if (append_schemas(p, &err) < 0)
			prog_fail(&err);
		if (p->rows > 0 && write_data_file(p, name, &f, &err) < 0)
			prog_fail(&err);
		if (update_manifest(p, p->rows > 0 ? &f : NULL, &err) < 0)
			prog_fail(&err);
	}
	if (wh_ledger_write(dest, &L, &err) < 0 || write_ckpt_out(&err) < 0)
		prog_fail(&err);
	for (size_t i = 0; i < npbufs; i++) {
		struct pbuf *p = pbufs[i];
		p->data.len = p->schemas.len = 0;
		p->nrec = p->rows = 0;
		p->schema_ver = 0;
		p->has_pos = p->has_time = 0;
		p->complete = 0;
	}
	pending_rows = 0;
	dirty = 0;
	resume_done = L.has_resume;
	resume_done_file = L.resume.file;
}

/* ---- records ---- */

static void part_for(struct tab *t, int is_log, char *out, size_t outsz)
{
	char d[16];
	if (opt_part) {
		snprintf(out, outsz, "%s", opt_part);
		return;
	}
	wh_day_format(wh_day_of(is_log ? L.hw_time : t->schema_time, L.utc_off), d);
	snprintf(out, outsz, "ds=%s", d);
}

static void add_row(struct rio_reader *rd, const struct mc_rec *r, struct tab *t, int snap)
{
	int is_log = opt_route == 2 || (opt_route == 0 && r->op != MC_OP_SNAPSHOT);
	struct pbuf *p = is_log ? t->last_log : t->last_base;
	char part[512];
	struct mc_err err = { 0 };

	part_for(t, is_log, part, sizeof part);
	if (!p || strcmp(p->part, part) != 0) {
		p = pbuf_get(t->name, is_log, part);
		if (is_log)
			t->last_log = p;
		else
			t->last_base = p;
	}
	if (snap && !t->open) {
		/* a chunk begins: what to take back if it is dropped */
		t->open = 1;
		t->cp = p;
		t->open_start = snap_seen - 1;
		t->save.data_len = p->data.len;
		t->save.schemas_len = p->schemas.len;
		t->save.nrec = p->nrec;
		t->save.rows = p->rows;
		t->save.schema_ver = p->schema_ver;
		t->save.has_pos = p->has_pos;
		t->save.has_time = p->has_time;
		t->save.lo = p->lo;
		t->save.hi = p->hi;
		t->save.tmin = p->tmin;
		t->save.tmax = p->tmax;
		nopen++;
	} else if (snap && t->cp != p) {
		mc_errf(&err, MC_EXIT_DATA, "record %llu: the partition of '%s.%s' changed inside a "
			"snapshot chunk", (unsigned long long)rd->recno, t->db, t->table);
		prog_fail(&err);
	}
	if (p->schema_ver != t->schema.rec.schema_version || p->nrec == 0) {
		if (buf_add(&p->data, t->schema.raw.p, t->schema.raw.len) < 0 ||
		    buf_add(&p->schemas, t->schema.raw.p, t->schema.raw.len) < 0)
			oom();
		p->schema_ver = t->schema.rec.schema_version;
		p->nrec++;
	}
	if (rd->fmt == RIO_MCR) {
		size_t n;
		const char *raw = rio_raw(rd, &n);
		if (buf_add(&p->data, raw, n) < 0)
			oom();
	} else if (rec_encode(&p->data, r, &err) < 0) {
		prog_fail(&err);
	}
	p->nrec++;
	p->rows++;
	if (is_log ? r->op != MC_OP_SNAPSHOT : 1) {
		if (!p->has_pos || pos_cmp(&r->pos, &p->lo) < 0)
			p->lo = r->pos;
		if (!p->has_pos || pos_cmp(&r->pos, &p->hi) > 0)
			p->hi = r->pos;
		p->has_pos = 1;
	}
	if (!p->has_time || r->time < p->tmin)
		p->tmin = r->time;
	if (!p->has_time || r->time > p->tmax)
		p->tmax = r->time;
	p->has_time = 1;
	pending_rows++;
}

/* A record that carries a change position: keep it only above what is
 * committed or accepted already. */
static int accept_change(const struct mc_rec *r)
{
	struct mc_err err = { 0 };
	if (L.has_pos && pos_cmp(&r->pos, &L.pos) <= 0)
		return 0;
	L.pos = r->pos;
	L.has_pos = 1;
	dirty = 1;
	if (wh_ledger_note(&L, &r->pos, r->time, &err) < 0)
		prog_fail(&err);
	return 1;
}

/* An accepted txn_end or heartbeat mark: a transaction boundary, where the
 * source may resume once everything up to it is committed. */
static void accept_mark(const struct mc_rec *r)
{
	struct mc_err err = { 0 };
	if (wh_ledger_mark(&L, &r->pos, r->label.p, r->label.n, &err) < 0)
		prog_fail(&err);
}

/* A txn_end or heartbeat mark at the very position accepted last (the
 * end of a DDL statement's transaction is at the DDL's position): not a
 * change, but the boundary after it. 1 if it was that. */
static int mark_at_pos(const struct mc_rec *r)
{
	if (!L.has_pos || pos_cmp(&r->pos, &L.pos) != 0)
		return 0;
	if (!L.has_resume || pos_cmp(&r->pos, &L.resume) != 0) {
		accept_mark(r);
		dirty = 1;
	}
	return 1;
}

static void complete_base(struct tab *t)
{
	struct pbuf *p;
	char part[512], *succ;
	struct wh_manifest m;
	struct mc_err err = { 0 };
	int rc;
	if (wh_ledger_snap_set(&L, t->key, "done", &err) < 0)
		prog_fail(&err);
	if (opt_route == 2)
		return;
	part_for(t, 0, part, sizeof part);
	p = pbuf_get(t->name, 0, part);
	/* completed by a commit of the ledger already (a rerun): nothing to do */
	succ = path_of(p->table, p->part, WH_MARKER);
	rc = wh_manifest_read(succ, &m, &err);
	free(succ);
	if (rc < 0)
		prog_fail(&err);
	if (rc > 0) {
		uint64_t c = m.commit;
		wh_manifest_free(&m);
		if (c && c <= L.seq)
			return;
	}
	p->complete = 1;
	if (t->schema.have && p->schemas.len == 0 &&
	    buf_add(&p->schemas, t->schema.raw.p, t->schema.raw.len) < 0)
		oom();
}

/* ---- snapshot chunks ---- */

static void chunk_keep(struct tab *t, const struct mc_rec *mark)
{
	if (t->open) {
		t->open = 0;
		nopen--;
	}
	L.snapshot_rows = snap_seen;
	dirty = 1;
	if (mark && (!L.has_snap_low || pos_cmp(&mark->pos, &L.snap_low) < 0)) {
		L.snap_low = mark->pos;
		L.has_snap_low = 1;
	}
}

static void chunk_drop(struct tab *t)
{
	struct pbuf *p = t->cp;
	if (!t->open)
		return;
	pending_rows -= p->rows - t->save.rows;
	p->data.len = t->save.data_len;
	p->schemas.len = t->save.schemas_len;
	p->nrec = t->save.nrec;
	p->rows = t->save.rows;
	p->schema_ver = t->save.schema_ver;
	p->has_pos = t->save.has_pos;
	p->has_time = t->save.has_time;
	p->lo = t->save.lo;
	p->hi = t->save.hi;
	p->tmin = t->save.tmin;
	p->tmax = t->save.tmax;
	t->open = 0;
	nopen--;
}

/* A chunk without a "(LO, HI]" label (streams of other writers): dropped if
 * the table is complete or the chunk lies within the snapshot rows counted
 * as committed (the same input fed again: commits fall between chunks),
 * else kept. At the end of a stream (at_end), the rows after the last
 * chunk_end of a chunked stream are an unfinished chunk: dropped. */
static void close_chunk(struct tab *t, int at_end)
{
	const char *ch = wh_ledger_snap_get(&L, t->key);
	if (!t->open)
		return;
	if ((at_end && chunked_stream) || (ch && strcmp(ch, "done") == 0) ||
	    t->open_start < skip_snap)
		chunk_drop(t);
	else
		chunk_keep(t, NULL);
}

static void close_open_chunks(void)
{
	for (size_t i = 0; i < ntabs && nopen; i++)
		close_chunk(&tabs[i], 1);
}

/* "(LO, HI]": 1 and the two parts, 0 if the label is not that */
static int parse_label(const struct mc_str *l, struct mc_str *lo, struct mc_str *hi)
{
	const char *c;
	if (l->n < 6 || l->p[0] != '(' || l->p[l->n - 1] != ']')
		return 0;
	for (c = l->p + 1; c + 1 < l->p + l->n - 1; c++)
		if (c[0] == ',' && c[1] == ' ')
			break;
	if (c + 1 >= l->p + l->n - 1)
		return 0;
	*lo = mc_str_c(l->p + 1, (size_t)(c - (l->p + 1)));
	*hi = mc_str_c(c + 2, (size_t)(l->p + l->n - 1 - (c + 2)));
	return lo->n > 0 && hi->n > 0;
}

/* A chunk_end mark of t: keep the chunk iff it continues the table's
 * committed chain (its LO is the chain's HI, or -inf when nothing is
 * committed); drop it when it does not (committed already). */
static int chunk_end(const struct rio_reader *rd, const struct mc_rec *r, struct tab *t,
		     struct mc_err *err)
{
	struct mc_str lo, hi;
	const char *ch;
	int keep;
	chunked_stream = 1;
	if (!parse_label(&r->label, &lo, &hi)) {
		close_chunk(t, 0);
		return 0;
	}
	ch = wh_ledger_snap_get(&L, t->key);
	if (!ch) {
		keep = lo.n == 4 && memcmp(lo.p, "-inf", 4) == 0;
		if (!keep) {
			chunk_drop(t);
			return mc_errf(err, MC_EXIT_DATA,
				       "record %llu: chunk (%.*s] of '%s.%s' does not continue its "
				       "committed snapshot: nothing of the table is committed (resume "
				       "the source from this sink's --checkpoint-out)",
				       (unsigned long long)rd->recno, (int)r->label.n - 2, r->label.p + 1,
				       t->db, t->table);
		}
	} else {
		keep = strncmp(ch, "after\t", 6) == 0 && strlen(ch + 6) == lo.n &&
		       memcmp(ch + 6, lo.p, lo.n) == 0;
	}
	if (!keep) {
		chunk_drop(t);
		return 0;
	}
	chunk_keep(t, r);
	if (hi.n == 4 && memcmp(hi.p, "+inf", 4) == 0) {
		complete_base(t); /* the last chunk: the table is complete */
	} else {
		struct mc_buf v = { 0 };
		if (buf_adds(&v, "after\t") < 0 || buf_add(&v, hi.p, hi.n) < 0 || buf_addc(&v, 0) < 0)
			oom();
		if (wh_ledger_snap_set(&L, t->key, v.p, err) < 0) {
			buf_free(&v);
			return -1;
		}
		buf_free(&v);
	}
	return 0;
}

static int rec_table_err(const struct rio_reader *rd, const struct mc_rec *r, const char *what,
			 struct mc_err *err)
{
	return mc_errf(err, MC_EXIT_DATA, "record %llu: %s '%.*s.%.*s'",
		       (unsigned long long)rd->recno, what, (int)r->db.n, r->db.p, (int)r->table.n,
		       r->table.p);
}

static int handle(struct rio_reader *rd, const struct mc_rec *r, struct mc_err *err)
{
	struct tab *t;
	switch (r->kind) {
	case MC_R_HEADER:
		for (size_t i = 0; i < ntabs; i++)
			tabs[i].snap_in_stream = 0;
		chunked_stream = 0;
		for (size_t i = 0; i < r->nmeta; i++)
			if (r->meta[i].k.n == 7 && memcmp(r->meta[i].k.p, "program", 7) == 0 &&
			    r->meta[i].v.n == 11 && memcmp(r->meta[i].v.p, "mc-snapshot", 11) == 0)
				chunked_stream = 1;
		return 0;
	case MC_R_TRAILER:
		close_open_chunks();
		for (size_t i = 0; i < ntabs; i++) {
			const char *ch = wh_ledger_snap_get(&L, tabs[i].key);
			/* a table whose chain stops short is not complete */
			if (tabs[i].snap_in_stream && !(ch && strncmp(ch, "after\t", 6) == 0))
				complete_base(&tabs[i]);
		}
		if (snap_seen > L.snapshot_rows) {
			L.snapshot_rows = snap_seen;
			dirty = 1;
		}
		commit();
		return 0;
	case MC_R_SCHEMA:
		if (!(t = tab_find(r, 1, err)))
			return mc_errctx(err, "record %llu: ", (unsigned long long)rd->recno);
		if (t->schema.have && t->schema.rec.schema_version == r->schema_version &&
		    wh_schema_same(&t->schema.rec, r))
			return 0;
		if (wh_schema_set(&t->schema, r, err) < 0)
			return -1;
		t->schema_time = r->time;
		return 0;
	case MC_R_ROW:
		if (!(t = tab_find(r, 0, err)))
			return rec_table_err(rd, r, "row before the schema of", err);
		if (r->schema_version != t->schema.rec.schema_version)
			return mc_errf(err, MC_EXIT_DATA,
				       "record %llu: row of '%s.%s' follows schema version %llu, the "
				       "last schema has %llu", (unsigned long long)rd->recno, t->db,
				       t->table, (unsigned long long)r->schema_version,
				       (unsigned long long)t->schema.rec.schema_version);
		if ((r->after ? r->nafter : r->nbefore) != t->schema.rec.ncols ||
		    (r->before && r->nbefore != t->schema.rec.ncols))
			return mc_errf(err, MC_EXIT_DATA,
				       "record %llu: row of '%s.%s' has %zu values, the schema %zu "
				       "columns", (unsigned long long)rd->recno, t->db, t->table,
				       r->after ? r->nafter : r->nbefore, t->schema.rec.ncols);
		if (r->op == MC_OP_SNAPSHOT) {
			/* held until its chunk ends, then kept or dropped */
			t->snap_in_stream = 1;
			snap_seen++;
		} else if (!accept_change(r)) {
			return 0;
		}
		add_row(rd, r, t, r->op == MC_OP_SNAPSHOT);
		/* A stream without chunk marks (not mc-snapshot's: mcgen, older
		 * writers) is cut into pieces where commits may fall, as change
		 * rows are, and at the count of snapshot rows committed before
		 * (skip_snap) of a table without a chain (only chunk-less rows
		 * committed), so that no piece straddles it: a piece below it
		 * is dropped whole on a rerun, one above it kept whole. */
		if (r->op == MC_OP_SNAPSHOT && !chunked_stream && t->open &&
		    (pending_rows >= 4 * commit_rows ||
		     (snap_seen == skip_snap && !wh_ledger_snap_get(&L, t->key))))
			close_chunk(t, 0);
		if (pending_rows >= 4 * commit_rows)
			commit();
		return 0;
	case MC_R_DDL:
		accept_change(r);
		return 0;
	case MC_R_MARK:
		switch (r->mark) {
		case MC_MARK_HEARTBEAT:
			/* a heartbeat above what was accepted: the source moved on,
			 * the checkpoint follows (one at the same position again is
			 * dropped, so an idle source costs no commits). One at the
			 * position of what was just accepted (an idle server's
			 * heartbeat right after the last transaction) commits what
			 * is pending: commit() does nothing when nothing is. */
			if (mark_at_pos(r)) {
				commit();
				break;
			}
			if (accept_change(r)) {
				accept_mark(r);
				commit();
			}
			break;
		case MC_MARK_TXN_END:
			if (mark_at_pos(r))
				break;
			/* also at the first one in a later binlog than the committed
			 * resume position's: the checkpoint follows the binlog files
			 * when no rows come (other tables), ahead of their purge */
			if (accept_change(r) && (accept_mark(r), pending_rows >= commit_rows ||
						 !resume_done || r->pos.file > resume_done_file))
				commit();
			break;
		case MC_MARK_CHUNK_END:
			/* the chunk's watermark bounds the base's log start, even
			 * for a chunk without rows */
			if ((t = tab_find(r, 0, err)) && opt_route != 2) {
				char part[512];
				struct pbuf *p;
				part_for(t, 0, part, sizeof part);
				p = pbuf_get(t->name, 0, part);
				if (!p->has_floor || pos_cmp(&r->pos, &p->floor) < 0)
					p->floor = r->pos;
				p->has_floor = 1;
			}
			if (t && chunk_end(rd, r, t, err) < 0)
				return -1;
			if (pending_rows >= commit_rows)
				commit();
			break;
		case MC_MARK_SNAPSHOT_END:
			if ((t = tab_find(r, 0, err))) {
				const char *ch;
				if (t->open)
					close_chunk(t, 0);
				ch = wh_ledger_snap_get(&L, t->key);
				if (ch && strncmp(ch, "after\t", 6) == 0)
					return mc_errf(err, MC_EXIT_DATA,
						       "record %llu: snapshot_end of '%s.%s', whose "
						       "committed snapshot ends after %s, which this "
						       "stream does not continue (a different snapshot: "
						       "resume that one, or mc-snapshot --checkpoint-in "
						       "from this sink's --checkpoint-out)",
						       (unsigned long long)rd->recno, t->db, t->table,
						       ch + 6);
				complete_base(t);
				commit();
			}
			break;
		default:
			break;
		}
		return 0;
	default:
		return 0;
	}
}

static int put_file(const char *path, struct mc_err *err)
{
	struct rio_reader rd;
	struct mc_rec r;
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	int fd = 0, rc;
	struct stat st;

	if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return mc_errnof(err, errno, "'%s'", path);
	rio_init(&rd, fd, RIO_AUTO);
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
		rio_allow_open_end(&rd);
	while ((rc = rio_next(&rd, &r, err)) > 0)
		if (handle(&rd, &r, err) < 0) {
			rc = -1;
			break;
		}
	if (rc == 0)
		close_open_chunks(); /* an open end: a chunk not ended is not kept */
	rio_close(&rd);
	if (fd > 0)
		close(fd);
	if (rc < 0)
		return mc_errctx(err, "'%s': ", name);
	return 0;
}

/* ---- start: clean what a killed run left behind ---- */

static int clean_dir(const char *dir, struct mc_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0, changed = 0;
	struct wh_manifest m[2];
	const char *mnames[2] = { WH_MARKER, WH_PENDING };
	int have[2] = { 0, 0 };

	if (!d)
		return errno == ENOENT ? 0 : mc_errnof(err, errno, "'%s'", dir);
	for (int i = 0; i < 2; i++) {
		struct mc_buf p = { 0 };
		buf_addf(&p, "%s/%s%c", dir, mnames[i], 0);
		if (!p.p)
			oom();
		have[i] = wh_manifest_read(p.p, &m[i], err);
		buf_free(&p);
		if (have[i] < 0) {
			closedir(d);
			if (i)
				wh_manifest_free(&m[0]);
			return -1;
		}
	}
	while (rc == 0 && (e = readdir(d))) {
		struct mc_buf p = { 0 };
		uint64_t seq;
		const char *n = e->d_name;
		if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])))
			continue;
		if (buf_addf(&p, "%s/%s%c", dir, n, 0) < 0)
			oom();
		if (strchr(n, '=') && wh_part_ok(n)) {
			rc = clean_dir(p.p, err);
		} else if (strstr(n, ".tmp.")) {
			if (unlink(p.p) < 0 && errno != ENOENT)
				rc = mc_errnof(err, errno, "'%s'", p.p);
			changed = 1;
		} else if (strncmp(n, "part-", 5) == 0 && strlen(n) > 13 &&
			   strcmp(n + strlen(n) - 8, ".mcr.zst") == 0 &&
			   num_u64n(n + 5, strlen(n) - 13, &seq) == 0 && seq > L.seq) {
			/* a data file of a commit that did not happen */
			if (unlink(p.p) < 0 && errno != ENOENT)
				rc = mc_errnof(err, errno, "'%s'", p.p);
			for (int i = 0; i < 2; i++)
				if (have[i] > 0 && wh_manifest_remove(&m[i], n))
					have[i] = 2;
			changed = 1;
		}
		buf_free(&p);
	}
	closedir(d);
	for (int i = 0; i < 2 && rc == 0; i++) {
		struct mc_buf p = { 0 };
		buf_addf(&p, "%s/%s%c", dir, mnames[i], 0);
		if (i == 1 && have[0] > 0 && have[1] > 0) {
			/* completed, but _PENDING not yet removed */
			if (unlink(p.p) < 0 && errno != ENOENT)
				rc = mc_errnof(err, errno, "'%s'", p.p);
			changed = 1;
		} else if (have[i] == 2) {
			rc = wh_manifest_write(p.p, &m[i], err);
		}
		buf_free(&p);
	}
	for (int i = 0; i < 2; i++)
		if (have[i] > 0)
			wh_manifest_free(&m[i]);
	if (rc == 0 && changed)
		rc = afile_sync_dir(dir, err);
	return rc;
}

static int clean_warehouse(struct mc_err *err)
{
	DIR *d = opendir(dest);
	struct dirent *e;
	int rc = 0;
	if (!d)
		return mc_errnof(err, errno, "'%s'", dest);
	{
		/* the ledger's own temporary files */
		char *st = path_of(WH_STATE, NULL, NULL);
		DIR *sd = opendir(st);
		struct dirent *se;
		while (sd && (se = readdir(sd)))
			if (strstr(se->d_name, ".tmp.")) {
				char *p = path_of(WH_STATE, se->d_name, NULL);
				unlink(p);
				free(p);
			}
		if (sd)
			closedir(sd);
		free(st);
	}
	while (rc == 0 && (e = readdir(d))) {
		if (!wh_name_ok(e->d_name, strlen(e->d_name)))
			continue;
		char *p = path_of(e->d_name, NULL, NULL);
		struct stat st;
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rc = clean_dir(p, err);
		free(p);
	}
	closedir(d);
	return rc;
}

static int parse_utc_offset(const char *s, int64_t *off)
{
	uint64_t h, m;
	if (strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
	    num_u64n(s + 1, 2, &h) < 0 || num_u64n(s + 4, 2, &m) < 0 || h > 14 || m > 59)
		return -1;
	*off = (int64_t)(h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dest", required_argument, NULL, 'd' },
		{ "partition", required_argument, NULL, 'p' },
		{ "route", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "commit-rows", required_argument, NULL, 'c' },
		{ "checkpoint-out", required_argument, NULL, 'C' },
		{ "utc-offset", required_argument, NULL, 'U' },
		{ "zstd", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const routes[] = { "op", "base", "log", NULL };
	struct mc_err err = { 0 };
	int c, lockfd, rc;
	uint64_t u;
	char *state, *lock;

	prog_init("mc-tunnel-put");
	while ((c = getopt_long(argc, argv, "d:p:r:n:c:z:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dest = optarg;
			break;
		case 'p':
			if (strcmp(optarg, "auto") == 0)
				opt_part = NULL;
			else if (!wh_part_ok(optarg))
				prog_usage_error("bad value for --partition: '%s' (want KEY=VALUE[/KEY=VALUE]..., e.g. ds=20261121)", optarg);
			else
				opt_part = optarg;
			break;
		case 'r':
			if (opt_choice("--route", optarg, routes, &opt_route, &err) < 0)
				prog_usage_error("%s", err.msg);
			break;
		case 'n': {
			char *eq = strrchr(optarg, '=');
			struct rename *nr;
			if (!eq || !memchr(optarg, '.', (size_t)(eq - optarg)) ||
			    !wh_name_ok(eq + 1, strlen(eq + 1)) || strlen(eq + 1) + 4 > WH_MAX_NAME)
				prog_usage_error("bad value for --name: '%s' (want DB.TABLE=NAME, NAME of [A-Za-z0-9_])", optarg);
			nr = realloc(renames, (nrenames + 1) * sizeof *nr);
			if (!nr)
				oom();
			renames = nr;
			*eq = 0;
			renames[nrenames].from = optarg;
			renames[nrenames++].to = eq + 1;
			break;
		}
		case 'c':
			if (opt_u64("--commit-rows", optarg, 1, UINT64_MAX / 8, &commit_rows, &err) < 0)
				prog_usage_error("%s", err.msg);
			break;
		case 'C':
			ckpt_out = optarg;
			break;
		case 'U':
			if (parse_utc_offset(optarg, &utc_off) < 0)
				prog_usage_error("bad value for --utc-offset: '%s' (want +HH:MM or -HH:MM)", optarg);
			utc_off_set = 1;
			break;
		case 'z':
			if (opt_u64("--zstd", optarg, 1, 19, &u, &err) < 0)
				prog_usage_error("%s", err.msg);
			zlevel = (int)u;
			break;
		case 'h':
			prog_help(usage);
		case 'V':
			prog_version();
		default:
			prog_usage_error("bad option");
		}
	}
	if (!dest)
		prog_usage_error("--dest=DIR is required (MaxCompute Tunnel is not there yet)");

	state = path_of(WH_STATE, NULL, NULL);
	lock = path_of(WH_STATE, "put.lock", NULL);
	if (wh_mkdirs(state, &err) < 0 || wh_lock(lock, &lockfd, &err) < 0)
		prog_fail(&err);
	rc = wh_ledger_read(dest, &L, &err);
	if (rc < 0)
		prog_fail(&err);
	resume_done = L.has_resume;
	resume_done_file = L.resume.file;
	if (rc == 0) {
		L.utc_off = utc_off;
	} else if (utc_off_set && utc_off != L.utc_off) {
		mc_errf(&err, MC_EXIT_USAGE,
			"--utc-offset differs from the warehouse's (%+" PRId64 " s); it cannot change",
			L.utc_off);
		prog_fail(&err);
	}
	skip_snap = L.snapshot_rows;
	if (clean_warehouse(&err) < 0)
		prog_fail(&err);
	/* a run killed between the ledger and --checkpoint-out: write it again
	 * from the ledger (a rerun that commits nothing would not) */
	if (rc > 0 && write_ckpt_out(&err) < 0)
		prog_fail(&err);

	if (optind == argc) {
		if (put_file("-", &err) < 0)
			prog_fail(&err);
	} else {
		for (int i = optind; i < argc; i++)
			if (put_file(argv[i], &err) < 0)
				prog_fail(&err);
	}
	commit();
	free(state);
	free(lock);
	close(lockfd);
	prog_close_stdout();
	return 0;
}
