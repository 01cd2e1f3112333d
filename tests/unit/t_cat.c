/* t_cat: unit tests of the mc-cat engine (common/engine/cat.c) and of the
 * renderers it uses (common/stream/csv.c, common/stream/summary.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "../corpus.h"
#include "engine/cat.h"
#include "stream/csv.h"
#include "stream/recio.h"
#include "stream/summary.h"

#define TAP_NAME "t_cat"
#include "tap.h"

static struct mc_col cols[2];

static struct mc_rec schema(const char *db, const char *table, const char *c1, const char *c2)
{
	struct mc_rec r;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_SCHEMA;
	r.db = S(db);
	r.table = S(table);
	cols[0] = (struct mc_col){ S(c1), S("int"), S("INT"), false, 0 };
	cols[1] = (struct mc_col){ S(c2), S("blob"), S("BINARY"), true, 0 };
	r.cols = cols;
	r.ncols = 2;
	return r;
}

static struct mc_rec row(const char *db, const char *table, enum mc_op op, struct mc_val *v,
			 size_t n, uint64_t off)
{
	struct mc_rec r;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_ROW;
	r.op = op;
	r.db = S(db);
	r.table = S(table);
	r.pos.file = 1;
	r.pos.off = off;
	if (op == MC_OP_DELETE) {
		r.before = v;
		r.nbefore = n;
	} else {
		r.after = v;
		r.nafter = n;
	}
	return r;
}

static void expect_text(const struct mc_buf *b, const char *want, const char *what)
{
	int same = b->len == strlen(want) && memcmp(b->p, want, b->len) == 0;
	tap_check(same, what, "got '%.*s', want '%s'", (int)b->len, b->p, want);
}

static void test_csv(void)
{
	struct csv_out c;
	struct mc_buf b = { 0 };
	struct mc_err err = { 0 };
	struct mc_val v1[2] = { vint(1), vbytes(MC_V_BIN, "hi", 2) };
	struct mc_val v2[2] = { vtext(MC_V_STR, "a,\"b\""), vkind(MC_V_NULL) };
	struct mc_val v3[2] = { vtext(MC_V_STR, ""), vbytes(MC_V_BIN, "", 0) };
	struct mc_rec r;
	int rc = 0;

	csv_init(&c, "d.t", 0);
	r = schema("d", "t", "id", "b");
	rc |= csv_rec(&c, &b, &r, &err);
	r = schema("d", "other", "x", "y");
	rc |= csv_rec(&c, &b, &r, &err);
	r = row("d", "t", MC_OP_INSERT, v1, 2, 10);
	rc |= csv_rec(&c, &b, &r, &err);
	r = row("d", "t", MC_OP_DELETE, v2, 2, 20);
	rc |= csv_rec(&c, &b, &r, &err);
	r = row("d", "t", MC_OP_INSERT, v3, 2, 30);
	rc |= csv_rec(&c, &b, &r, &err);
	r = row("d", "tt", MC_OP_INSERT, v3, 2, 40);
	rc |= csv_rec(&c, &b, &r, &err);
	tap_check(rc == 0, "csv: records of one table", "%s", err.msg);
	expect_text(&b, "id,b\n1,aGk=\n\"a,\"\"b\"\"\",\n\"\",\"\"\n",
		    "csv: header, base64, quotes, NULL and empty values, other tables skipped");

	r = schema("d", "t", "id", "renamed");
	b.len = 0;
	rc = csv_rec(&c, &b, &r, &err);
	tap_check(rc < 0 && err.code == MC_EXIT_DATA && strstr(err.msg, "'d.t' change"),
		  "csv: a changed column list is an error", "rc %d: %s", rc, err.msg);
	tap_check(b.len == 0, "csv: ... and adds nothing", "%zu bytes", b.len);
	csv_free(&c);

	csv_init(&c, "d.t", 1);
	b.len = 0;
	r = row("d", "t", MC_OP_UPDATE, v1, 2, 7);
	rc = csv_rec(&c, &b, &r, &err);
	tap_check(rc == 0, "csv: a row before any schema", "%s", err.msg);
	expect_text(&b, "_op,_pos,@1,@2\nupdate,1:7:0,1,aGk=\n",
		    "csv: @N names without a schema, --with-op columns");
	csv_free(&c);
	buf_free(&b);
}

static void test_summary(void)
{
	struct summary s = { 0 };
	struct mc_buf b = { 0 };
	struct mc_err err = { 0 }, failure = { 0 };
	struct mc_val v[2] = { vint(1), vkind(MC_V_NULL) };
	struct mc_rec r;
	int rc = 0;

	r = (struct mc_rec){ .kind = MC_R_HEADER, .version = 1 };
	rc |= summary_rec(&s, &r, &err);
	r = schema("z", "last", "a", "b");
	rc |= summary_rec(&s, &r, &err);
	r = row("z", "last", MC_OP_INSERT, v, 2, 100);
	rc |= summary_rec(&s, &r, &err);
	r = row("a", "first", MC_OP_DELETE, v, 2, 50);
	rc |= summary_rec(&s, &r, &err);
	r = row("z", "last", MC_OP_INSERT, v, 2, 200);
	rc |= summary_rec(&s, &r, &err);
	r = (struct mc_rec){ .kind = MC_R_DDL, .sql = S("CREATE DATABASE q") };
	r.pos.file = 1;
	r.pos.off = 60;
	rc |= summary_rec(&s, &r, &err);
	r = (struct mc_rec){ .kind = MC_R_TRAILER, .count = 5 };
	rc |= summary_rec(&s, &r, &err);
	tap_check(rc == 0, "summary: records counted", "%s", err.msg);
	rc = summary_print(&s, &b, NULL, &err);
	tap_check(rc == 0, "summary: printed", "%s", err.msg);
	expect_text(&b,
		    "streams: 1, records: 5\n"
		    "check: ok, 1 trailer match\n"
		    "positions: 0:0:0 .. 1:200:0\n"
		    "table     snapshot     insert     update     delete  schema   ddl\n"
		    "a.first          0          0          0          1       0     0\n"
		    "z.last           0          2          0          0       1     0\n"
		    "marks: heartbeat 0, chunk_end 0, txn_end 0, snapshot_end 0\n"
		    "ddl without a table: 1\n",
		    "summary: tables sorted by name, counts, positions");
	b.len = 0;
	mc_errf(&failure, MC_EXIT_DATA, "record 3: truncated");
	summary_print(&s, &b, &failure, &err);
	tap_check(b.len > 0 && strstr(b.p, "check: FAILED: record 3: truncated\n") != NULL,
		  "summary: a failure is shown", "%.*s", (int)b.len, b.p);
	summary_free(&s);
	buf_free(&b);
}

/* ---- the engine on files ---- */

static struct rio_writer corpus_w;
static int corpus_failed;

static void write_cb(const struct mc_rec *r, void *ctx)
{
	struct mc_err err = { 0 };
	(void)ctx;
	if (rio_write(&corpus_w, r, &err) < 0)
		corpus_failed = 1;
}

static int slurp(const char *path, struct mc_buf *b)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(b, chunk, n);
	fclose(f);
	return 0;
}

static int run_to(const char *in, enum cat_to to, const char *out, struct mc_err *err)
{
	const char *files[1] = { in };
	struct cat_opts o = { .from = RIO_AUTO, .to = to, .files = files, .nfiles = 1 };
	FILE *f = fopen(out, "wb");
	int rc;
	if (!f)
		return mc_errf(err, 1, "cannot create %s", out);
	o.out_fd = fileno(f);
	rc = cat_run(&o, err);
	fclose(f);
	return rc;
}

static void test_engine(void)
{
	char dir[] = "/tmp/t_cat.XXXXXX", mcr[64], jsonl[64], back[64], cut[64], sum[64];
	struct mc_buf a = { 0 }, b = { 0 };
	struct mc_err err = { 0 };
	FILE *f;
	int fd, rc;

	if (!mkdtemp(dir)) {
		tap_fail("engine: a temp dir", "mkdtemp failed");
		return;
	}
	snprintf(mcr, sizeof mcr, "%s/c.mcr", dir);
	snprintf(jsonl, sizeof jsonl, "%s/c.jsonl", dir);
	snprintf(back, sizeof back, "%s/back.mcr", dir);
	snprintf(cut, sizeof cut, "%s/cut.mcr", dir);
	snprintf(sum, sizeof sum, "%s/sum.txt", dir);
	fd = open(mcr, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || rio_winit(&corpus_w, fd, 0, &err) < 0) {
		tap_fail("engine: the corpus file", "%s", err.msg);
		return;
	}
	corpus_emit(write_cb, NULL);
	rc = rio_wclose(&corpus_w, &err);
	close(fd);
	tap_check(rc == 0 && !corpus_failed, "engine: the corpus is written", "%s", err.msg);

	rc = run_to(mcr, CAT_TO_JSONL, jsonl, &err);
	tap_check(rc == 0, "engine: mcr -> jsonl", "%s", err.msg);
	rc = run_to(jsonl, CAT_TO_MCR, back, &err);
	tap_check(rc == 0, "engine: jsonl -> mcr", "%s", err.msg);
	slurp(mcr, &a);
	slurp(back, &b);
	tap_check(a.len > 0 && a.len == b.len && memcmp(a.p, b.p, a.len) == 0,
		  "engine: mcr -> jsonl -> mcr gives the same bytes", "%zu and %zu bytes", a.len,
		  b.len);

	f = fopen(cut, "wb");
	if (f) {
		fwrite(a.p, 1, a.len - 3, f);
		fclose(f);
	}
	rc = run_to(cut, CAT_TO_SUMMARY, sum, &err);
	tap_check(rc < 0 && err.code == MC_EXIT_DATA && strstr(err.msg, "truncated at offset"),
		  "engine: a cut stream is an error naming the offset", "rc %d: %s", rc, err.msg);
	tap_check(strncmp(err.msg, "'", 1) == 0 && strstr(err.msg, "cut.mcr': record "),
		  "engine: ... and the file and record", "%s", err.msg);
	b.len = 0;
	slurp(sum, &b);
	buf_addc(&b, 0);
	tap_check(strstr(b.p, "check: FAILED: ") != NULL, "engine: ... and the summary says so",
		  "%s", b.p);

	/* the stream cut at every offset: an error naming that offset (the
	 * engine mc-cat --check runs; tests/t1000 checks some through it) */
	{
		size_t bad = 0, first = 0;
		char want[64], first_msg[sizeof err.msg] = "";
		for (size_t i = 0; i < a.len; i++) {
			const char *m;
			f = fopen(cut, "wb");
			if (!f || fwrite(a.p, 1, i, f) != i || fclose(f) != 0) {
				tap_fail("engine: a cut file", "offset %zu", i);
				break;
			}
			err = (struct mc_err){ 0 };
			rc = run_to(cut, CAT_TO_NONE, sum, &err);
			snprintf(want, sizeof want, "truncated at offset %zu", i);
			m = strstr(err.msg, want);
			if (rc < 0 && err.code == MC_EXIT_DATA &&
			    (i == 0 ? strstr(err.msg, "empty input") != NULL
				    : m && (m[strlen(want)] < '0' || m[strlen(want)] > '9')))
				continue;
			if (!bad++) {
				first = i;
				snprintf(first_msg, sizeof first_msg, "%s", err.msg);
			}
		}
		tap_check(bad == 0, "engine: a stream cut at any offset is an error naming it",
			  "%zu of %zu offsets wrong, the first %zu: %s", bad, a.len, first, first_msg);
	}

	err = (struct mc_err){ 0 };
	snprintf(cut, sizeof cut, "%s/none.mcr", dir);
	rc = run_to(cut, CAT_TO_NONE, sum, &err);
	tap_check(rc < 0 && strstr(err.msg, "none.mcr'") && strstr(err.msg, "No such file"),
		  "engine: a missing file is named", "rc %d: %s", rc, err.msg);

	unlink(mcr);
	unlink(jsonl);
	unlink(back);
	snprintf(cut, sizeof cut, "%s/cut.mcr", dir);
	unlink(cut);
	unlink(sum);
	rmdir(dir);
	buf_free(&a);
	buf_free(&b);
}

int main(void)
{
	test_csv();
	test_summary();
	test_engine();
	return tap_done();
}
