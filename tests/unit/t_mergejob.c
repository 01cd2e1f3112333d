/* t_mergejob: the merge job engine (common/wh/mergejob.c) on a tiny
 * warehouse written here with the library's writers: a base partition of
 * five rows, log partitions of three days with changes below the base's
 * position, inside the day and after its cut; the new partition's rows and
 * manifest, a rerun's identical bytes, --at into a record stream, the SQL,
 * the errors (a bad --key, a day not yet complete, a corrupt log file:
 * nothing left behind), the snapshot day, and the lifecycle. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "stream/recio.h"
#include "wh/merge_sql.h"
#include "wh/mergejob.h"
#include "wh/wh.h"
#include "wh/whpart.h"

#define TAP_NAME "t_mergejob"
#include "tap.h"

#define TB "d__t"
#define DAY (24 * 3600)
#define D21 1763683200 /* 2025-11-21 00:00 UTC */

static char W[256];
static struct mc_err err;

#define STR(s) ((struct mc_str){ (s), sizeof(s) - 1 })

static struct mc_col cols[2];
static uint32_t key0[] = { 0 };
static struct mc_rec schema;

static void init_schema(void)
{
	cols[0] = (struct mc_col){ STR("id"), STR("int"), STR("INT"), false, 0 };
	cols[1] = (struct mc_col){ STR("v"), STR("varchar(10)"), STR("STRING"), false, 0 };
	memset(&schema, 0, sizeof schema);
	schema.kind = MC_R_SCHEMA;
	schema.db = STR("d");
	schema.table = STR("t");
	schema.schema_version = 1;
	schema.pos = (struct mc_pos){ 1, 4, 0 };
	schema.time = D21;
	schema.cols = cols;
	schema.ncols = 2;
	schema.key = key0;
	schema.nkey = 1;
}

/* One change or snapshot row: op, the key before (0: none), the key and
 * value after (0: none), its position and time. */
struct row {
	enum mc_op op;
	int before, after;
	const char *v;
	struct mc_pos pos;
	int64_t time;
};

static void die(const char *what)
{
	tap_fail(what, "%s", err.msg);
	exit(tap_done());
}

/* Write rows as a partition's one data file and its marker; for a log,
 * note each change in the ledger L. */
static void write_part(const char *table, const char *part, enum wh_kind kind,
		       const struct mc_pos *from, const struct row *rows, size_t n,
		       struct mc_ledger *L)
{
	char dir[512], path[600];
	struct rio_writer w;
	struct wh_manifest m;
	struct wh_file f;
	struct stat st;
	int fd;

	snprintf(dir, sizeof dir, "%s/%s/%s", W, table, part);
	snprintf(path, sizeof path, "%s/%s/%s", W, table, WH_SCHEMA);
	if (wh_mkdirs(dir, &err) < 0 || wh_schema_append(path, &schema, &err) < 0)
		die("setup: partition directory");
	snprintf(path, sizeof path, "%s/part-000001.mcr.zst", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || rio_winit(&w, fd, 1, &err) < 0 || rio_begin(&w, NULL, 0, &err) < 0 ||
	    rio_write(&w, &schema, &err) < 0)
		die("setup: data file");
	memset(&f, 0, sizeof f);
	f.name = "part-000001.mcr.zst";
	for (size_t i = 0; i < n; i++) {
		struct mc_val a[2], b[2];
		struct mc_rec r;
		memset(&r, 0, sizeof r);
		r.kind = MC_R_ROW;
		r.op = rows[i].op;
		r.db = schema.db;
		r.table = schema.table;
		r.schema_version = 1;
		r.pos = rows[i].pos;
		r.time = rows[i].time;
		if (rows[i].before) {
			b[0].kind = MC_V_INT;
			b[0].v.i = rows[i].before;
			b[1].kind = MC_V_STR;
			b[1].v.s = STR("old");
			r.before = b;
			r.nbefore = 2;
		}
		if (rows[i].after) {
			a[0].kind = MC_V_INT;
			a[0].v.i = rows[i].after;
			a[1].kind = MC_V_STR;
			a[1].v.s = (struct mc_str){ rows[i].v, strlen(rows[i].v) };
			r.after = a;
			r.nafter = 2;
		}
		if (rio_write(&w, &r, &err) < 0)
			die("setup: row");
		if (!f.has_pos || pos_cmp(&r.pos, &f.lo) < 0)
			f.lo = r.pos;
		if (!f.has_pos || pos_cmp(&r.pos, &f.hi) > 0)
			f.hi = r.pos;
		if (!f.has_time || r.time < f.tmin)
			f.tmin = r.time;
		if (!f.has_time || r.time > f.tmax)
			f.tmax = r.time;
		f.has_pos = f.has_time = 1;
		f.rows++;
		if (L && ledger_note(L, &r.pos, &r.pos, r.time, &err) < 0)
			die("setup: ledger");
	}
	if (rio_end(&w, &err) < 0 || rio_wclose(&w, &err) < 0 || fstat(fd, &st) < 0)
		die("setup: data file end");
	close(fd);
	f.bytes = (uint64_t)st.st_size;
	if (kind == WH_BASE)
		f.has_time = 0;
	memset(&m, 0, sizeof m);
	m.kind = kind;
	m.by = WH_BY_PUT;
	if (from) {
		m.has_from = 1;
		m.from = *from;
	}
	snprintf(path, sizeof path, "%s/%s", dir, WH_MARKER);
	if (wh_manifest_add(&m, &f, &err) < 0 || wh_manifest_write(path, &m, &err) < 0)
		die("setup: marker");
	wh_manifest_free(&m);
}

static void build(void)
{
	static const struct row base[] = {
		{ MC_OP_SNAPSHOT, 0, 1, "a1", { 1, 100, 0 }, D21 },
		{ MC_OP_SNAPSHOT, 0, 2, "a2", { 1, 100, 0 }, D21 },
		{ MC_OP_SNAPSHOT, 0, 3, "a3", { 1, 100, 0 }, D21 },
		{ MC_OP_SNAPSHOT, 0, 4, "a4", { 1, 100, 0 }, D21 },
		{ MC_OP_SNAPSHOT, 0, 5, "a5", { 1, 100, 0 }, D21 },
	};
	/* below the base's position: already in it */
	static const struct row log21[] = {
		{ MC_OP_UPDATE, 5, 5, "z5", { 1, 50, 0 }, D21 + 3600 },
	};
	static const struct row log22[] = {
		{ MC_OP_UPDATE, 2, 2, "b2", { 2, 10, 0 }, D21 + DAY + 60 },
		{ MC_OP_DELETE, 3, 0, NULL, { 2, 20, 0 }, D21 + DAY + 120 },
		{ MC_OP_INSERT, 0, 6, "b6", { 2, 30, 0 }, D21 + DAY + 180 },
		{ MC_OP_UPDATE, 4, 7, "b7", { 2, 40, 0 }, D21 + DAY + 240 }, /* key 4 -> 7 */
	};
	/* after the cut of 2025-11-22 */
	static const struct row log23[] = {
		{ MC_OP_UPDATE, 1, 1, "c1", { 2, 50, 0 }, D21 + 2 * DAY + 3600 },
	};
	static const struct mc_pos from = { 1, 100, 0 };
	struct mc_ledger L;
	char p[512];

	memset(&L, 0, sizeof L);
	init_schema();
	write_part(TB, "ds=20251121", WH_BASE, &from, base, 5, NULL);
	write_part(TB "_log", "ds=20251121", WH_LOG, NULL, log21, 1, &L);
	write_part(TB "_log", "ds=20251122", WH_LOG, NULL, log22, 4, &L);
	write_part(TB "_log", "ds=20251123", WH_LOG, NULL, log23, 1, &L);
	L.seq = 4;
	L.has_pos = 1;
	L.pos = log23[0].pos;
	snprintf(p, sizeof p, "%s/%s", W, WH_STATE);
	if (wh_mkdirs(p, &err) < 0 || wh_ledger_write(W, &L, &err) < 0)
		die("setup: ledger");
	ledger_free(&L);
}

/* The rows of a record stream as "id=v;" in order, and its row count. */
static int rows_of(const char *path, char *out, size_t outsz, uint64_t *n)
{
	struct rio_reader rd;
	struct mc_rec r;
	int fd = open(path, O_RDONLY), rc;
	size_t len = 0;
	*n = 0;
	out[0] = 0;
	if (fd < 0)
		return -1;
	rio_init(&rd, fd, RIO_MCR);
	while ((rc = rio_next(&rd, &r, &err)) > 0) {
		if (r.kind != MC_R_ROW)
			continue;
		(*n)++;
		if (r.op != MC_OP_SNAPSHOT || r.nafter != 2)
			len += (size_t)snprintf(out + len, outsz - len, "bad;");
		else
			len += (size_t)snprintf(out + len, outsz - len, "%lld=%.*s;",
						(long long)r.after[0].v.i, (int)r.after[1].v.s.n,
						r.after[1].v.s.p);
		if (len >= outsz)
			break;
	}
	rio_close(&rd);
	close(fd);
	return rc;
}

static int slurp(const char *path, struct mc_buf *b)
{
	char tmp[8192];
	ssize_t k;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((k = read(fd, tmp, sizeof tmp)) > 0)
		buf_add(b, tmp, (size_t)k);
	close(fd);
	return 0;
}

/* Does W/rel exist? */
static int exists(const char *rel)
{
	char p[600];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", W, rel);
	return stat(p, &st) == 0;
}

/* Entries named ".tmp-*" in a table directory. */
static int tmp_left(const char *table)
{
	char p[512];
	DIR *d;
	struct dirent *e;
	int n = 0;
	snprintf(p, sizeof p, "%s/%s", W, table);
	if (!(d = opendir(p)))
		return -1;
	while ((e = readdir(d)))
		n += strncmp(e->d_name, ".tmp", 4) == 0;
	closedir(d);
	return n;
}

static struct mergejob_opts opts(const char *ds)
{
	struct mergejob_opts o;
	mergejob_opts_init(&o);
	o.whdir = W;
	o.table = TB;
	o.lifecycle = 0;
	o.memory = 64u << 20;
	if (ds) {
		o.ds = ds;
		o.have_day = 1;
		if (day_parse(ds, &o.day) < 0)
			die("setup: day");
	}
	return o;
}

/* Run a job over o; the error (if any) in err. */
static int run(const struct mergejob_opts *o, struct mergejob_stats *st)
{
	struct mergejob *j = mergejob_new(o, &err);
	int rc;
	if (!j)
		die("mergejob_new");
	memset(&err, 0, sizeof err);
	rc = mergejob_run(j, &err);
	if (st)
		mergejob_stats(j, st);
	mergejob_free(j);
	return rc;
}

static void test_merge_day(struct mc_buf *first)
{
	struct mergejob_opts o = opts("20251122");
	struct mergejob_stats st;
	struct wh_manifest m;
	char got[512], path[600];
	uint64_t n;
	int rc = run(&o, &st);

	tap_check(rc == 0, "merge of ds=20251122 succeeds", "%s", err.msg);
	tap_check(st.log_files == 1 && st.log_rows == 4, "only the day's log file and changes apply",
		  "%llu files, %llu changes", (unsigned long long)st.log_files,
		  (unsigned long long)st.log_rows);
	snprintf(path, sizeof path, "%s/%s/ds=20251122/%s", W, TB, WH_WHOLE_PART_FILE);
	rc = rows_of(path, got, sizeof got, &n);
	tap_check(rc == 0 && strcmp(got, "1=a1;2=b2;5=a5;6=b6;7=b7;") == 0,
		  "the partition holds the day's state in key order", "rc %d, rows %s", rc, got);
	tap_check(n == 5 && st.rows == 5, "five rows written", "%llu, stats %llu",
		  (unsigned long long)n, (unsigned long long)st.rows);
	snprintf(path, sizeof path, "%s/%s", W, TB);
	rc = wh_part_manifest(path, "ds=20251122", &m, &err);
	tap_check(rc == 1 && m.kind == WH_BASE && m.by == WH_BY_MERGE && m.sorted &&
			  m.nfiles == 1 && strcmp(m.files[0].name, WH_WHOLE_PART_FILE) == 0 &&
			  m.files[0].rows == 5,
		  "its marker: a sorted full partition by mc-merge, one file of five rows",
		  "rc %d, %zu files", rc, m.nfiles);
	tap_check(rc == 1 && m.has_from && m.has_upto && m.from.file == 2 && m.from.off == 50 &&
			  m.upto.off == 50,
		  "its marker: from and upto are the day's cut (2:50:0)", "from %llu:%llu",
		  (unsigned long long)m.from.file, (unsigned long long)m.from.off);
	wh_manifest_free(&m);
	tap_check(tmp_left(TB) == 0, "no temporary entry is left", "%d", tmp_left(TB));
	tap_check(exists(TB "/ds=20251121/_SUCCESS"), "lifecycle 0 keeps the base", "gone");
	snprintf(path, sizeof path, "%s/%s/ds=20251122/%s", W, TB, WH_WHOLE_PART_FILE);
	slurp(path, first);
}

static void test_rerun(const struct mc_buf *first)
{
	struct mergejob_opts o = opts("20251122");
	struct mc_buf again = { 0 };
	char path[600];
	int rc = run(&o, NULL);
	snprintf(path, sizeof path, "%s/%s/ds=20251122/%s", W, TB, WH_WHOLE_PART_FILE);
	slurp(path, &again);
	tap_check(rc == 0 && first->len > 0 && again.len == first->len &&
			  memcmp(again.p, first->p, first->len) == 0,
		  "a rerun writes the same bytes", "rc %d, %zu vs %zu bytes", rc, again.len,
		  first->len);
	buf_free(&again);
}

static void test_at_output(void)
{
	struct mergejob_opts o = opts(NULL);
	char out[600], got[512];
	uint64_t n;
	int rc;
	/* beside the warehouse: an --output inside it is refused (exit 2) */
	snprintf(out, sizeof out, "%s.at.mcr", W);
	o.at = "2:30:0";
	o.at_is_pos = 1;
	o.at_pos = (struct mc_pos){ 2, 30, 0 };
	o.output = out;
	rc = run(&o, NULL);
	tap_check(rc == 0, "--at=POS --output succeeds", "%s", err.msg);
	rc = rows_of(out, got, sizeof got, &n);
	tap_check(rc == 0 && strcmp(got, "1=a1;2=b2;4=a4;5=a5;6=b6;") == 0,
		  "the stream holds the state at the position", "rc %d, rows %s", rc, got);
	unlink(out);
}

static void test_sql(void)
{
	struct mergejob_opts o = opts("20251122");
	struct mc_buf sql = { 0 };
	int rc;
	o.emit_sql = 1;
	o.dialect = MERGE_SQL_SQLITE;
	o.sql = &sql;
	rc = run(&o, NULL);
	buf_add(&sql, "", 1);
	tap_check(rc == 0 && strstr(sql.p, "ROW_NUMBER() OVER (PARTITION BY") &&
			  strstr(sql.p, "ds=20251121"),
		  "--emit-sql gives the merge over the base ds=20251121", "rc %d: %s", rc,
		  rc == 0 ? sql.p : err.msg);
	buf_free(&sql);
}

static void test_errors(void)
{
	struct mergejob_opts o = opts("20251122");
	struct mergejob_stats st;
	char mk[600];
	struct wh_manifest m, orig;
	int rc;

	o.key = "nope";
	rc = run(&o, NULL);
	tap_check(rc < 0 && err.code == MC_EXIT_USAGE &&
			  strcmp(err.msg, "--key: table 'd__t' has no column 'nope'") == 0,
		  "--key naming no column is a usage error", "rc %d, code %d: %s", rc, err.code,
		  err.msg);

	o = opts("20251123");
	rc = run(&o, NULL);
	tap_check(rc < 0 && err.code == MC_EXIT_DATA &&
			  strstr(err.msg, "the log has not reached the end of 20251123 yet"),
		  "a day the log has not passed is refused", "rc %d: %s", rc, err.msg);
	tap_check(!exists(TB "/ds=20251123"), "nothing written for it", "a partition");

	o = opts("20251121");
	rc = run(&o, &st);
	tap_check(rc == 0 && st.nothing, "the snapshot day: nothing to merge", "rc %d: %s", rc,
		  err.msg);

	/* a log file that is not what its marker says */
	snprintf(mk, sizeof mk, "%s/%s_log/ds=20251122/%s", W, TB, WH_MARKER);
	if (wh_manifest_read(mk, &orig, &err) != 1 || wh_manifest_read(mk, &m, &err) != 1)
		die("setup: log marker");
	m.files[0].rows++;
	if (wh_manifest_write(mk, &m, &err) < 0)
		die("setup: log marker");
	o = opts("20251122");
	o.memory = 1u << 20; /* spill */
	rc = run(&o, NULL);
	tap_check(rc < 0 && err.code == MC_EXIT_DATA && strstr(err.msg, "corrupt partition") &&
			  strstr(err.msg, "part-000001.mcr.zst"),
		  "a corrupt log file is named", "rc %d: %s", rc, err.msg);
	tap_check(tmp_left(TB) == 0, "a failed run leaves no temporary entry", "%d", tmp_left(TB));
	tap_check(exists(TB "/ds=20251122/_SUCCESS"),
		  "a failed run keeps the partition it would replace", "gone");
	if (wh_manifest_write(mk, &orig, &err) < 0)
		die("setup: log marker");
	wh_manifest_free(&m);
	wh_manifest_free(&orig);
}

static void test_lifecycle(void)
{
	struct mergejob_opts o = opts("20251122");
	int rc;
	o.lifecycle = 1;
	rc = run(&o, NULL);
	tap_check(rc == 0, "merge with lifecycle 1 succeeds", "%s", err.msg);
	tap_check(!exists(TB "/ds=20251121") && exists(TB "/ds=20251122/_SUCCESS"),
		  "the base a day older is dropped, the new partition kept", "wrong partitions");
	tap_check(!exists(TB "_log/ds=20251121") && !exists(TB "_log/ds=20251122") &&
			  exists(TB "_log/ds=20251123/_SUCCESS"),
		  "the log no kept partition needs is dropped, the rest kept", "wrong log partitions");
}

int main(void)
{
	const char *td = getenv("TMPDIR");
	struct mc_buf first = { 0 };
	snprintf(W, sizeof W, "%s/t_mergejob.XXXXXX", td && *td ? td : "/tmp");
	if (!mkdtemp(W)) {
		tap_fail("mkdtemp", "%s", W);
		return tap_done();
	}
	build();
	test_merge_day(&first);
	test_rerun(&first);
	test_at_output();
	test_sql();
	test_errors();
	test_lifecycle();
	buf_free(&first);
	wh_rmtree(W, &err);
	return tap_done();
}
