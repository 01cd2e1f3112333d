/* mc-cat: look at, convert and check record streams. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/b64.h"
#include "base/buf.h"
#include "base/err.h"
#include "stream/jsonl.h"
#include "base/numfmt.h"
#include "stream/opt.h"
#include "prog.h"
#include "stream/rec.h"
#include "stream/recio.h"
#include "base/zio.h"

static const char usage[] =
	"Usage: mc-cat [OPTION]... [FILE]...\n"
	"Read record streams (FILEs in turn, standard input when none or '-'),\n"
	"zstd-compressed or not, and write them in another form.\n"
	"\n"
	"  -f, --from=FORMAT   input format: auto (default: '{' starts JSON lines),\n"
	"                      mcr, jsonl\n"
	"  -t, --to=FORMAT     output: jsonl (default), mcr, csv, summary\n"
	"  -z, --zstd[=LEVEL]  compress the output with zstd (default level 3)\n"
	"      --table=DB.T    with --to=csv: the table whose rows to write\n"
	"      --with-op       with --to=csv: first columns _op and _pos\n"
	"  -c, --check         only validate the input; exit 0 if it is whole\n"
	"  -h, --help          show this help and exit\n"
	"  -V, --version       show the version and exit\n"
	"\n"
	"JSON lines are a lossless form of the stream: mcr -> jsonl -> mcr gives\n"
	"identical bytes. CSV has a header line of column names and one line per\n"
	"row (the after image, the before image for a delete); NULL is an empty\n"
	"field, binary values are base64. The summary counts records per table and\n"
	"op and shows the position range.\n"
	"\n"
	"Exit status: 0 ok; 1 bad or truncated input (the message names the file,\n"
	"record and byte offset); 2 usage error.\n"
	"Format: docs/record-format.md. Manual: docs/mc-cat.md.\n";

enum to { TO_JSONL, TO_MCR, TO_CSV, TO_SUMMARY, TO_NONE };

static enum rio_fmt opt_from = RIO_AUTO;
static enum to opt_to = TO_JSONL;
static int opt_zstd;
static const char *opt_table;
static int opt_with_op;

static struct zout out;
static struct mc_buf obuf;
static struct rio_writer wr;

/* ---- output buffer ---- */

static void out_drain(int force)
{
	struct mc_err err = { 0 };
	if (obuf.len == 0 || (!force && obuf.len < (256u << 10)))
		return;
	if (zout_write(&out, obuf.p, obuf.len, &err) < 0)
		prog_fail(&err);
	obuf.len = 0;
}

static void oom(void)
{
	struct mc_err err = { 0 };
	mc_errnof(&err, ENOMEM, "output");
	prog_fail(&err);
}

/* ---- csv ---- */

struct csv_state {
	int header_done;
	size_t ncols;
	struct mc_buf names; /* column names, NUL-separated, for change checks */
};

static struct csv_state csv;

static void csv_field(const char *p, size_t n)
{
	int quote = n == 0;
	for (size_t i = 0; i < n && !quote; i++)
		quote = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
	if (!quote) {
		if (buf_add(&obuf, p, n) < 0)
			oom();
		return;
	}
	if (buf_addc(&obuf, '"') < 0)
		oom();
	for (size_t i = 0; i < n; i++) {
		const char *q = memchr(p + i, '"', n - i);
		size_t run = q ? (size_t)(q - (p + i)) + 1 : n - i;
		if (buf_add(&obuf, p + i, run) < 0 || (q && buf_addc(&obuf, '"') < 0))
			oom();
		i += run - 1;
	}
	if (buf_addc(&obuf, '"') < 0)
		oom();
}

static void csv_value(const struct mc_val *v)
{
	char num[64];
	size_t n;
	switch (v->kind) {
	case MC_V_NULL:
	case MC_V_ABSENT:
		return;
	case MC_V_INT:
		n = (size_t)snprintf(num, sizeof num, "%" PRId64, v->v.i);
		break;
	case MC_V_UINT:
		n = (size_t)snprintf(num, sizeof num, "%" PRIu64, v->v.u);
		break;
	case MC_V_F32:
		n = numfmt_f32(v->v.f32, num);
		break;
	case MC_V_F64:
		n = numfmt_f64(v->v.f64, num);
		break;
	case MC_V_BIT: {
		uint64_t u = 0;
		for (size_t i = 0; i < v->v.s.n; i++)
			u = u << 8 | (unsigned char)v->v.s.p[i];
		n = (size_t)snprintf(num, sizeof num, "%" PRIu64, u);
		break;
	}
	case MC_V_BIN: {
		size_t len = v->v.s.n ? b64_enc_len(v->v.s.n) : 0;
		if (len == 0) {
			/* empty, not NULL: base64 never needs quotes otherwise */
			if (buf_add(&obuf, "\"\"", 2) < 0)
				oom();
			return;
		}
		if (buf_grow(&obuf, len) < 0)
			oom();
		obuf.len += b64_encode(obuf.p + obuf.len, v->v.s.p, v->v.s.n);
		return;
	}
	default:
		csv_field(v->v.s.p, v->v.s.n);
		return;
	}
	if (buf_add(&obuf, num, n) < 0)
		oom();
}

static int table_is(const struct mc_rec *r, const char *name)
{
	size_t dl = r->db.n;
	return strlen(name) == dl + 1 + r->table.n && memcmp(name, r->db.p, dl) == 0 &&
	       name[dl] == '.' && memcmp(name + dl + 1, r->table.p, r->table.n) == 0;
}

static void csv_header(const struct mc_rec *r, size_t nvals)
{
	struct mc_buf names = { 0 };
	if (r) {
		for (size_t i = 0; i < r->ncols; i++)
			if (buf_add(&names, r->cols[i].name.p, r->cols[i].name.n) < 0 ||
			    buf_addc(&names, 0) < 0)
				oom();
	} else {
		for (size_t i = 0; i < nvals; i++)
			if (buf_addf(&names, "@%zu", i + 1) < 0 || buf_addc(&names, 0) < 0)
				oom();
	}
	if (csv.header_done) {
		if (names.len != csv.names.len || memcmp(names.p, csv.names.p, names.len) != 0) {
			struct mc_err err = { 0 };
			mc_errf(&err, MC_EXIT_DATA,
				"the columns of '%s' change within the input; CSV needs one column list",
				opt_table);
			out_drain(1);
			prog_fail(&err);
		}
		buf_free(&names);
		return;
	}
	csv.header_done = 1;
	csv.names = names;
	csv.ncols = r ? r->ncols : nvals;
	if (opt_with_op && buf_adds(&obuf, "_op,_pos,") < 0)
		oom();
	for (size_t i = 0, at = 0; i < csv.ncols; i++) {
		size_t len = strlen(names.p + at);
		if (i)
			buf_addc(&obuf, ',');
		csv_field(names.p + at, len);
		at += len + 1;
	}
	if (buf_addc(&obuf, '\n') < 0)
		oom();
}

static void csv_rec(const struct mc_rec *r)
{
	const struct mc_val *v;
	size_t n;

	if (r->kind != MC_R_SCHEMA && r->kind != MC_R_ROW)
		return;
	if (!table_is(r, opt_table))
		return;
	if (r->kind == MC_R_SCHEMA) {
		csv_header(r, 0);
		return;
	}
	if (!csv.header_done)
		csv_header(NULL, r->after ? r->nafter : r->nbefore);
	v = r->after ? r->after : r->before;
	n = r->after ? r->nafter : r->nbefore;
	if (opt_with_op) {
		char pos[64];
		pos_format(&r->pos, pos, sizeof pos);
		if (buf_addf(&obuf, "%s,%s,", rec_op_name(r->op), pos) < 0)
			oom();
	}
	for (size_t i = 0; i < n; i++) {
		if (i && buf_addc(&obuf, ',') < 0)
			oom();
		csv_value(&v[i]);
	}
	if (buf_addc(&obuf, '\n') < 0)
		oom();
	out_drain(0);
}

/* ---- summary ---- */

struct tstat {
	char *name; /* "db.table" */
	uint64_t ops[MC_OP_N], schemas, ddls;
};

static struct {
	struct tstat *t;
	size_t n, cap;
	uint64_t records, streams, trailers_ok;
	uint64_t marks[MC_MARK_N], ddl_other;
	int have_pos;
	struct mc_pos lo, hi;
} sum;

static struct tstat *tstat_get(const struct mc_rec *r)
{
	/* Consecutive records usually name the same table: check the last hit. */
	static size_t last;
	if (last < sum.n && table_is(r, sum.t[last].name))
		return &sum.t[last];
	for (size_t i = 0; i < sum.n; i++)
		if (table_is(r, sum.t[i].name))
			return &sum.t[last = i];
	if (sum.n == sum.cap) {
		size_t cap = sum.cap ? sum.cap * 2 : 16;
		struct tstat *t = realloc(sum.t, cap * sizeof *t);
		if (!t)
			oom();
		sum.t = t;
		sum.cap = cap;
	}
	memset(&sum.t[sum.n], 0, sizeof sum.t[0]);
	sum.t[sum.n].name = malloc(r->db.n + r->table.n + 2);
	if (!sum.t[sum.n].name)
		oom();
	memcpy(sum.t[sum.n].name, r->db.p, r->db.n);
	sum.t[sum.n].name[r->db.n] = '.';
	memcpy(sum.t[sum.n].name + r->db.n + 1, r->table.p, r->table.n);
	sum.t[sum.n].name[r->db.n + 1 + r->table.n] = 0;
	return &sum.t[last = sum.n++];
}

static void sum_rec(const struct mc_rec *r)
{
	sum.records++;
	switch (r->kind) {
	case MC_R_HEADER:
		sum.streams++;
		sum.records--;
		return;
	case MC_R_TRAILER:
		sum.trailers_ok++;
		sum.records--;
		return;
	case MC_R_SCHEMA:
		tstat_get(r)->schemas++;
		break;
	case MC_R_ROW:
		tstat_get(r)->ops[r->op]++;
		break;
	case MC_R_DDL:
		if (r->table.n)
			tstat_get(r)->ddls++;
		else
			sum.ddl_other++;
		break;
	case MC_R_MARK:
		sum.marks[r->mark]++;
		break;
	default:
		break;
	}
	if (!sum.have_pos || pos_cmp(&r->pos, &sum.lo) < 0)
		sum.lo = r->pos;
	if (!sum.have_pos || pos_cmp(&r->pos, &sum.hi) > 0)
		sum.hi = r->pos;
	sum.have_pos = 1;
}

static int tstat_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tstat *)a)->name, ((const struct tstat *)b)->name);
}

static void sum_print(const struct mc_err *failure)
{
	char lo[64], hi[64];
	int w = 5;
	qsort(sum.t, sum.n, sizeof *sum.t, tstat_cmp);
	for (size_t i = 0; i < sum.n; i++)
		if ((int)strlen(sum.t[i].name) > w)
			w = (int)strlen(sum.t[i].name);
	buf_addf(&obuf, "streams: %" PRIu64 ", records: %" PRIu64 "\n", sum.streams, sum.records);
	if (failure)
		buf_addf(&obuf, "check: FAILED: %s\n", failure->msg);
	else
		buf_addf(&obuf, "check: ok, %" PRIu64 " trailer%s match\n", sum.trailers_ok,
			 sum.trailers_ok == 1 ? "" : "s");
	if (sum.have_pos) {
		pos_format(&sum.lo, lo, sizeof lo);
		pos_format(&sum.hi, hi, sizeof hi);
		buf_addf(&obuf, "positions: %s .. %s\n", lo, hi);
	} else {
		buf_addf(&obuf, "positions: none\n");
	}
	buf_addf(&obuf, "%-*s %10s %10s %10s %10s %7s %5s\n", w, "table", "snapshot", "insert",
		 "update", "delete", "schema", "ddl");
	for (size_t i = 0; i < sum.n; i++) {
		struct tstat *t = &sum.t[i];
		buf_addf(&obuf, "%-*s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
			 " %7" PRIu64 " %5" PRIu64 "\n", w, t->name, t->ops[0], t->ops[1],
			 t->ops[2], t->ops[3], t->schemas, t->ddls);
	}
	buf_addf(&obuf, "marks: heartbeat %" PRIu64 ", chunk_end %" PRIu64 ", txn_end %" PRIu64
		 ", snapshot_end %" PRIu64 "\n", sum.marks[0], sum.marks[1], sum.marks[2],
		 sum.marks[3]);
	if (sum.ddl_other)
		buf_addf(&obuf, "ddl without a table: %" PRIu64 "\n", sum.ddl_other);
	for (size_t i = 0; i < sum.n; i++)
		free(sum.t[i].name);
	free(sum.t);
}

/* ---- main loop ---- */

static void emit(const struct rio_reader *rd, const struct mc_rec *r)
{
	struct mc_err err; /* set by whatever fails */
	switch (opt_to) {
	case TO_MCR:
		if (rio_write(&wr, r, &err) < 0)
			prog_fail(&err);
		break;
	case TO_JSONL:
		if (jsonl_encode(&obuf, r, &err) < 0) {
			out_drain(1);
			mc_errctx(&err, "record %llu: ", (unsigned long long)rd->recno);
			prog_fail(&err);
		}
		out_drain(0);
		break;
	case TO_CSV:
		csv_rec(r);
		break;
	case TO_SUMMARY:
		sum_rec(r);
		break;
	case TO_NONE:
		break;
	}
}

/* Read one input; returns 0, or -1 after filling err. */
static int cat_file(const char *path, struct mc_err *err)
{
	struct rio_reader rd;
	struct mc_rec r;
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	int fd = 0, rc;

	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			mc_errnof(err, errno, "'%s'", path);
			return -1;
		}
	}
	rio_init(&rd, fd, opt_from);
	while ((rc = rio_next(&rd, &r, err)) > 0)
		emit(&rd, &r);
	rio_close(&rd);
	if (fd > 0)
		close(fd);
	if (rc < 0) {
		if (err->errnum != EPIPE)
			mc_errctx(err, "'%s': ", name);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "zstd", optional_argument, NULL, 'z' },
		{ "table", required_argument, NULL, 'T' },
		{ "with-op", no_argument, NULL, 'O' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const from_names[] = { "auto", "mcr", "jsonl", NULL };
	static const char *const to_names[] = { "jsonl", "mcr", "csv", "summary", NULL };
	struct mc_err err = { 0 };
	int c, check = 0, failed = 0, choice;
	uint64_t level;

	prog_init("mc-cat");
	while ((c = getopt_long(argc, argv, "f:t:z::chV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (opt_choice("--from", optarg, from_names, &choice, &err) < 0)
				prog_usage_error("%s", err.msg);
			opt_from = (enum rio_fmt)choice;
			break;
		case 't':
			if (opt_choice("--to", optarg, to_names, &choice, &err) < 0)
				prog_usage_error("%s", err.msg);
			opt_to = (enum to)choice;
			break;
		case 'z':
			opt_zstd = 3;
			if (optarg) {
				if (opt_u64("--zstd", optarg, 1, 19, &level, &err) < 0)
					prog_usage_error("%s", err.msg);
				opt_zstd = (int)level;
			}
			break;
		case 'T':
			opt_table = optarg;
			break;
		case 'O':
			opt_with_op = 1;
			break;
		case 'c':
			check = 1;
			break;
		case 'h':
			prog_help(usage);
		case 'V':
			prog_version();
		default:
			prog_usage_error("bad option");
		}
	}
	if (opt_to == TO_CSV && !opt_table)
		prog_usage_error("--to=csv needs --table=DB.TABLE");
	if (opt_table && opt_to != TO_CSV)
		prog_usage_error("--table goes with --to=csv");
	if (opt_table && !strchr(opt_table, '.'))
		prog_usage_error("--table wants DB.TABLE, got '%s'", opt_table);
	if (check)
		opt_to = TO_NONE;

	/* mcr output goes through the record writer, the rest through out. */
	if (opt_to == TO_MCR ? rio_winit(&wr, 1, opt_zstd, &err) < 0
			     : zout_init(&out, 1, opt_zstd, &err) < 0)
		prog_fail(&err);

	if (optind == argc) {
		failed = cat_file("-", &err) < 0;
	} else {
		for (int i = optind; i < argc && !failed; i++)
			failed = cat_file(argv[i], &err) < 0;
	}
	if (failed && err.errnum == EPIPE)
		prog_fail(&err);
	if (opt_to == TO_SUMMARY)
		sum_print(failed ? &err : NULL);
	{
		struct mc_err werr = { 0 };
		if (opt_to == TO_MCR) {
			if (rio_wclose(&wr, &werr) < 0)
				prog_fail(&werr);
		} else {
			out_drain(1);
			if (zout_end(&out, &werr) < 0)
				prog_fail(&werr);
			zout_close(&out);
		}
	}
	buf_free(&obuf);
	buf_free(&csv.names);
	if (failed)
		prog_fail(&err);
	prog_close_stdout();
	return 0;
}
