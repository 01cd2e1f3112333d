/* mc-snapshot: consistent, lock-free, parallel, chunked, resumable
 * snapshot of MySQL/MariaDB tables into the record stream. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "stream/ckpt.h"
#include "base/err.h"
#include "mysql/myconn.h"
#include "stream/opt.h"
#include "prog.h"
#include "stream/rec.h"
#include "stream/recio.h"
#include "mysql/snap.h"
#include "mysql/snapcheck.h"
#include "wh/wh.h"

static const char usage[] =
	"Usage: mc-snapshot [OPTION]...\n"
	"Write a consistent snapshot of MySQL/MariaDB tables to standard output as a\n"
	"record stream: schema records, snapshot rows, chunk_end and snapshot_end marks.\n"
	"\n"
	"Connection (like the mysql clients; the password comes from the defaults\n"
	"file, else the MYSQL_PWD environment variable):\n"
	"      --host=HOST          server host (default: the local socket)\n"
	"  -P, --port=PORT          TCP port\n"
	"  -S, --socket=PATH        Unix socket\n"
	"  -u, --user=USER          user name\n"
	"      --defaults-file=FILE read [client] options from FILE\n"
	"      --ssl-ca=FILE, --ssl-cert=FILE, --ssl-key=FILE\n"
	"      --ssl-mode=MODE      DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY\n"
	"Selection:\n"
	"      --databases=DB,...   only these databases\n"
	"      --tables=REGEX       only tables whose 'db.table' matches (POSIX ERE)\n"
	"      --exclude=REGEX      not tables whose 'db.table' matches\n"
	"      --where=DB.T:COND    only rows of DB.T where COND holds (repeatable)\n"
	"      --split-key=DB.T:COL[,COL]  split DB.T on these columns (a unique key;\n"
	"                           it is the table's declared key if it has none)\n"
	"Reading:\n"
	"      --threads=N          connections reading chunks (default 4)\n"
	"      --chunk-rows=N       rows per chunk (default 20000)\n"
	"      --chunk-bytes=SIZE   end a chunk early past SIZE bytes of output\n"
	"                           (default 64M; memory is about 2 x threads x SIZE)\n"
	"      --checkpoint=FILE    record finished chunks in FILE; a rerun skips them\n"
	"      --checkpoint-in=FILE resume from FILE, read only: the chunks a sink\n"
	"                           committed (mc-tunnel-put --checkpoint-out); while\n"
	"                           FILE does not exist, start from scratch\n"
	"      --consistency=MODE   snapshot: a consistent snapshot per chunk and its\n"
	"                           binlog_snapshot_position, no lock (MariaDB, default);\n"
	"                           lock: one brief FLUSH TABLES WITH READ LOCK while\n"
	"                           every connection opens its snapshot (default on MySQL)\n"
	"      --max-rate=N         at most N rows per second\n"
	"      --max-bytes-rate=SIZE  at most SIZE bytes of output per second (K, M, G)\n"
	"      --progress           rows, rate and ETA on standard error (default when\n"
	"                           it is a terminal)\n"
	"      --precheck           check the server and tables for mcsync; print one\n"
	"                           line per finding; exit 1 if any blocks\n"
	"  -h, --help               show this help and exit\n"
	"  -V, --version            show the version and exit\n"
	"\n"
	"Every row carries its chunk's watermark: the binlog position its consistent\n"
	"snapshot saw (MariaDB: binlog_snapshot_file/position, no lock).\n"
	"Exit status: 0 ok; 1 data or permanent error; 2 usage; 3 transient\n"
	"(connection lost: rerun with the same --checkpoint).\n"
	"Manual: docs/mc-snapshot.md.\n";

static struct my_opts conn;
static const char *opt_databases;
static regex_t re_tables, re_exclude;
static int have_tables, have_exclude;
static char **wheres, **splits;
static size_t nwheres, nsplits;
static uint64_t opt_threads = 4, opt_chunk = 20000, opt_rate, opt_brate;
static uint64_t opt_chunk_bytes = 64u << 20;
static const char *opt_ckpt;
static const char *opt_ckpt_in; /* read only: the sink's checkpoint */
static int opt_progress = -1, opt_precheck;
static int opt_consistency = -1; /* 0 snapshot (MariaDB), 1 lock */
static const char *const consistency_names[] = { "snapshot", "lock", NULL };
static struct mc_pos lock_wm; /* --consistency=lock: every chunk's watermark */

/* ---- jobs: chunks in output order ---- */

struct job {
	struct job *next;
	size_t ti;            /* table index */
	snap_bound lo, hi;    /* NULL: open */
	int state;            /* 0 queued, 1 running, 2 done */
	int last;             /* the table's last chunk */
	int stream;           /* no split key: the main thread streams it */
	struct mc_buf out;    /* encoded rows and the chunk_end mark */
	uint64_t nrecs, rows;
	struct mc_pos wm;
};

static struct snap_table *tables;
static size_t ntables;
static int *table_skip;     /* finished in an earlier run */
static snap_bound *table_from; /* resume after this key */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct job *head, *tail;
static int planning_done;
static int failed;
static struct mc_err fail_err;
static uint64_t window;

static uint64_t done_rows, done_bytes;
static struct timespec t_start;

static double elapsed(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t_start.tv_sec) + (now.tv_nsec - t_start.tv_nsec) / 1e9;
}

static void set_failed(const struct mc_err *e)
{
	pthread_mutex_lock(&mu);
	if (!failed) {
		failed = 1;
		fail_err = *e;
	}
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void push_job(struct job *j)
{
	pthread_mutex_lock(&mu);
	if (tail)
		tail->next = j;
	else
		head = j;
	tail = j;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static struct job *new_job(size_t ti, snap_bound lo, snap_bound hi, int last)
{
	struct job *j = calloc(1, sizeof *j);
	if (!j) {
		struct mc_err e = { 0 };
		mc_errf(&e, MC_EXIT_DATA, "out of memory");
		prog_fail(&e);
	}
	j->ti = ti;
	j->lo = lo;
	j->hi = hi;
	j->last = last;
	return j;
}

/* The planner walks each table's split key, chunk_rows keys at a time. */
static void *planner(void *arg)
{
	MYSQL *m = arg;
	struct mc_err e = { 0 };
	for (size_t ti = 0; ti < ntables; ti++) {
		struct snap_table *t = &tables[ti];
		if (table_skip[ti])
			continue;
		snap_bound lo = snap_bound_dup(table_from[ti], t->nsplit);
		if (!t->nsplit) {
			struct job *j = new_job(ti, NULL, NULL, 1);
			j->stream = opt_consistency == 0;
			push_job(j);
			continue;
		}
		for (;;) {
			pthread_mutex_lock(&mu);
			int stop = failed;
			pthread_mutex_unlock(&mu);
			if (stop)
				goto out;
			snap_bound hi;
			int rc = snap_next_bound(m, t, lo, opt_chunk, &hi, &e);
			if (rc < 0) {
				set_failed(&e);
				goto out;
			}
			/* the job owns lo and hi and may be freed as soon as it
			 * is pushed: copy hi first */
			snap_bound next = rc ? snap_bound_dup(hi, t->nsplit) : NULL;
			push_job(new_job(ti, lo, hi, rc == 0));
			if (rc == 0)
				break;
			lo = next;
		}
	}
out:
	pthread_mutex_lock(&mu);
	planning_done = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	mysql_close(m);
	mysql_thread_end();
	return NULL;
}

/* ---- rate limit ---- */

static pthread_mutex_t rate_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t rate_rows, rate_bytes;

static void tick(void *ctx, uint64_t rows, uint64_t bytes)
{
	(void)ctx;
	if (!opt_rate && !opt_brate)
		return;
	pthread_mutex_lock(&rate_mu);
	rate_rows += rows;
	rate_bytes += bytes;
	double want = 0;
	if (opt_rate)
		want = (double)rate_rows / (double)opt_rate;
	if (opt_brate && (double)rate_bytes / (double)opt_brate > want)
		want = (double)rate_bytes / (double)opt_brate;
	pthread_mutex_unlock(&rate_mu);
	double now = elapsed();
	if (want > now) {
		double d = want - now;
		struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
		nanosleep(&ts, NULL);
	}
}

/* ---- workers ---- */

static void add_label(struct mc_buf *b, const struct snap_table *t, const struct job *j)
{
	buf_addc(b, '(');
	if (j->lo)
		snap_bound_format(j->lo, t->nsplit, b);
	else
		buf_adds(b, "-inf");
	buf_adds(b, ", ");
	if (j->hi)
		snap_bound_format(j->hi, t->nsplit, b);
	else
		buf_adds(b, "+inf");
	buf_addc(b, ']');
}

static int add_chunk_end(struct job *j, struct mc_err *e);

static int run_job(MYSQL *m, struct snap_reader *rd, struct job *j, struct mc_err *e)
{
	struct snap_table *t = &tables[j->ti];
	uint64_t n;
	snap_bound last;
	if (opt_consistency == 1)
		j->wm = lock_wm;
	else if (snap_begin(m, &j->wm, e) < 0)
		return -1;
	uint64_t limit = t->nsplit ? opt_chunk + opt_chunk / 2 : 0;
	if (snap_read(m, rd, t, j->lo, j->hi, limit, &j->wm, (int64_t)time(NULL), &j->out, &n,
		      &last, tick, NULL, e) < 0)
		return -1;
	if (opt_consistency != 1 && my_exec(m, "COMMIT", e) < 0)
		return -1;
	j->rows = n;
	j->nrecs = n;
	if (last) {
		/* more rows than planned (the table grew, or the last, open
		 * chunk): this chunk ends at the last row read, the rest is a
		 * new chunk right after it. */
		struct job *r = new_job(j->ti, last, j->hi, j->last);
		pthread_mutex_lock(&mu);
		r->next = j->next;
		j->next = r;
		if (tail == j)
			tail = r;
		j->hi = snap_bound_dup(last, t->nsplit);
		j->last = 0;
		pthread_mutex_unlock(&mu);
	}
	return add_chunk_end(j, e);
}

/* Append the chunk_end mark of j to its output. */
static int add_chunk_end(struct job *j, struct mc_err *e)
{
	struct snap_table *t = &tables[j->ti];
	struct mc_buf label = { 0 };
	add_label(&label, t, j);
	struct mc_rec r;
	memset(&r, 0, sizeof r);
	r.kind = MC_R_MARK;
	r.mark = MC_MARK_CHUNK_END;
	r.pos = j->wm;
	r.time = (int64_t)time(NULL);
	r.db = mc_str_c(t->db, strlen(t->db));
	r.table = mc_str_c(t->name, strlen(t->name));
	r.label = mc_str_c(label.p, label.len);
	int rc = rec_encode(&j->out, &r, e);
	buf_free(&label);
	if (rc < 0)
		return -1;
	j->nrecs++;
	return 0;
}

static void *worker(void *arg)
{
	MYSQL *m = arg;
	struct snap_reader rd = { 0 };
	struct mc_err e = { 0 };
	rd.max_bytes = (size_t)opt_chunk_bytes;
	for (;;) {
		struct job *j = NULL;
		pthread_mutex_lock(&mu);
		for (;;) {
			if (failed)
				break;
			uint64_t k = 0;
			j = head;
			while (j && (j->state != 0 || j->stream) && k < window) {
				j = j->next;
				k++;
			}
			if (j && j->state == 0 && !j->stream && k < window)
				break;
			j = NULL;
			if (planning_done && !head)
				break;
			if (planning_done) {
				int any = 0;
				for (struct job *x = head; x; x = x->next)
					any |= x->state != 2;
				if (!any)
					break;
			}
			pthread_cond_wait(&cv, &mu);
		}
		if (j)
			j->state = 1;
		pthread_mutex_unlock(&mu);
		if (!j)
			break;
		if (run_job(m, &rd, j, &e) < 0) {
			set_failed(&e);
			break;
		}
		pthread_mutex_lock(&mu);
		j->state = 2;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	snap_reader_free(&rd);
	mysql_close(m);
	mysql_thread_end();
	return NULL;
}

/* ---- checkpoint ---- */

static struct ckpt ck;

/* the same key as the sink's ledger and --checkpoint-out (common/wh.c) */
static void ckpt_key(const struct snap_table *t, char *out, size_t outsz)
{
	wh_snap_key(t->db, strlen(t->db), t->name, strlen(t->name), out, outsz);
}

static void ckpt_done(const struct snap_table *t, const struct job *j)
{
	struct mc_err e = { 0 };
	char key[1200];
	struct mc_buf v = { 0 };
	ckpt_key(t, key, sizeof key);
	if (j->last || !j->hi)
		buf_adds(&v, "done");
	else {
		buf_adds(&v, "after\t");
		snap_bound_format(j->hi, t->nsplit, &v);
	}
	buf_addc(&v, 0);
	if (ckpt_set(&ck, key, v.p, &e) < 0 || ckpt_write(opt_ckpt, &ck, &e) < 0)
		prog_fail(&e);
	buf_free(&v);
}

static size_t nfields(const char *s)
{
	size_t n = 1;
	for (; *s; s++)
		n += *s == '\t';
	return n;
}

/* ---- output ---- */

static struct rio_writer wr;

static void write_raw(const struct mc_buf *b, uint64_t nrecs)
{
	struct mc_err e = { 0 };
	if (rio_write_raw(&wr, b->p, b->len, nrecs, &e) < 0)
		prog_fail(&e);
}

static uint64_t progress_total;

static void progress(int force, uint64_t total)
{
	static double last;
	double now = elapsed();
	if (!opt_progress || (!force && now - last < 1.0))
		return;
	last = now;
	double rate = now > 0 ? (double)done_rows / now : 0;
	char eta[32] = "?";
	if (rate > 0 && total > done_rows) {
		uint64_t s = (uint64_t)((double)(total - done_rows) / rate);
		snprintf(eta, sizeof eta, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60,
			 s % 60);
	} else if (total <= done_rows) {
		snprintf(eta, sizeof eta, "0:00:00");
	}
	fprintf(stderr, "%s: %" PRIu64 " rows, %.0f rows/s, %.1f MB/s, ETA %s%s", prog_name,
		done_rows, rate, now > 0 ? (double)done_bytes / now / 1e6 : 0.0, eta,
		isatty(2) && !force ? "\r" : "\n");
}

/* A table without a split key is one chunk: rather than hold it in
 * memory, the main thread reads it on its own connection and writes its
 * rows as they come, in their place in the output order. */
static MYSQL *stream_conn;
static struct snap_reader stream_rd;
static struct mc_buf stream_buf;

static void stream_tick(void *ctx, uint64_t rows, uint64_t bytes)
{
	struct mc_err e = { 0 };
	tick(ctx, rows, bytes);
	write_raw(&stream_buf, rows);
	done_bytes += stream_buf.len;
	done_rows += rows;
	stream_buf.len = 0;
	if (wr.buf.len >= (1u << 20) && rio_flush(&wr, &e) < 0)
		prog_fail(&e);
	progress(0, progress_total);
}

static void run_stream(struct job *j)
{
	struct mc_err e = { 0 };
	struct snap_table *t = &tables[j->ti];
	uint64_t n;
	snap_bound last;
	if (!stream_conn && my_connect(&conn, &stream_conn, &e) < 0)
		prog_fail(&e);
	if (snap_begin(stream_conn, &j->wm, &e) < 0 ||
	    snap_read(stream_conn, &stream_rd, t, NULL, NULL, 0, &j->wm, (int64_t)time(NULL),
		      &stream_buf, &n, &last, stream_tick, NULL, &e) < 0 ||
	    my_exec(stream_conn, "COMMIT", &e) < 0 || add_chunk_end(j, &e) < 0)
		prog_fail(&e);
	j->rows = 0; /* counted as they were written */
}

static int fail_rc(const struct mc_err *e)
{
	prog_fail(e);
}

/* ---- options ---- */

enum {
	O_DATABASES = 256, O_TABLES, O_EXCLUDE, O_WHERE, O_SPLIT, O_THREADS, O_CHUNK, O_CKPT, O_RATE, O_BRATE,
	O_PROGRESS, O_PRECHECK, O_CONSISTENCY, O_CHUNK_BYTES, O_CKPT_IN,
};

static const struct option longopts[] = {
	MY_LONGOPTS, /* --host, --port, --socket, --user, --defaults-file, --ssl-* */
	{ "databases", required_argument, NULL, O_DATABASES },
	{ "tables", required_argument, NULL, O_TABLES },
	{ "exclude", required_argument, NULL, O_EXCLUDE },
	{ "where", required_argument, NULL, O_WHERE },
	{ "split-key", required_argument, NULL, O_SPLIT },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "chunk-rows", required_argument, NULL, O_CHUNK },
	{ "chunk-bytes", required_argument, NULL, O_CHUNK_BYTES },
	{ "checkpoint", required_argument, NULL, O_CKPT },
	{ "checkpoint-in", required_argument, NULL, O_CKPT_IN },
	{ "max-rate", required_argument, NULL, O_RATE },
	{ "max-bytes-rate", required_argument, NULL, O_BRATE },
	{ "progress", no_argument, NULL, O_PROGRESS },
	{ "precheck", no_argument, NULL, O_PRECHECK },
	{ "consistency", required_argument, NULL, O_CONSISTENCY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void add_table_opt(char ***arr, size_t *n, const char *opt, const char *arg)
{
	const char *c = strchr(arg, ':');
	if (!c || c == arg || !strchr(arg, '.') || strchr(arg, '.') > c || !c[1])
		prog_usage_error("--%s: '%s' is not DB.TABLE:VALUE", opt, arg);
	char **a = realloc(*arr, (*n + 1) * sizeof *a);
	if (!a)
		prog_usage_error("out of memory");
	*arr = a;
	a[(*n)++] = (char *)arg;
}

/* The value of a DB.T:VALUE option for table t, or NULL. */
static const char *table_opt(char **arr, size_t n, const char *db, const char *name)
{
	const char *found = NULL;
	size_t dl = strlen(db), nl = strlen(name);
	for (size_t i = 0; i < n; i++) {
		const char *a = arr[i];
		if (strncmp(a, db, dl) == 0 && a[dl] == '.' && strncmp(a + dl + 1, name, nl) == 0 &&
		    a[dl + 1 + nl] == ':')
			found = a + dl + 2 + nl;
	}
	return found;
}

static int db_selected(const char *db)
{
	if (!opt_databases)
		return 1;
	size_t n = strlen(db);
	for (const char *s = opt_databases; *s;) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == n && strncmp(s, db, n) == 0)
			return 1;
		s += len;
		if (*s)
			s++;
	}
	return 0;
}

static void compile(regex_t *re, const char *opt, const char *arg)
{
	int rc = regcomp(re, arg, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char msg[200];
		regerror(rc, re, msg, sizeof msg);
		prog_usage_error("--%s: '%s': %s", opt, arg, msg);
	}
}

static void parse_args(int argc, char **argv)
{
	struct mc_err e = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "P:S:u:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'P': case 'S': case 'u':
			c = c == 'P' ? MY_O_PORT : c == 'S' ? MY_O_SOCKET : MY_O_USER;
			/* fall through */
		case MY_O_HOST: case MY_O_PORT: case MY_O_SOCKET: case MY_O_USER:
		case MY_O_DEFAULTS: case MY_O_SSL_CA: case MY_O_SSL_CERT: case MY_O_SSL_KEY:
		case MY_O_SSL_MODE:
			/* the connection options of the mysql clients (myconn.h) */
			if (my_opt(&conn, c, optarg, &e) < 0)
				prog_usage_error("%s", e.msg);
			break;
		case O_DATABASES: opt_databases = optarg; break;
		case O_TABLES:
			compile(&re_tables, "tables", optarg);
			have_tables = 1;
			break;
		case O_EXCLUDE:
			compile(&re_exclude, "exclude", optarg);
			have_exclude = 1;
			break;
		case O_WHERE: add_table_opt(&wheres, &nwheres, "where", optarg); break;
		case O_SPLIT: add_table_opt(&splits, &nsplits, "split-key", optarg); break;
		case O_THREADS:
			if (opt_u64("threads", optarg, 1, 256, &opt_threads, &e) < 0)
				prog_usage_error("%s", e.msg);
			break;
		case O_CHUNK:
			if (opt_u64("chunk-rows", optarg, 1, 1u << 30, &opt_chunk, &e) < 0)
				prog_usage_error("%s", e.msg);
			break;
		case O_CHUNK_BYTES:
			if (opt_size("chunk-bytes", optarg, 1, (uint64_t)1 << 40, &opt_chunk_bytes, &e) < 0)
				prog_usage_error("%s", e.msg);
			break;
		case O_CKPT: opt_ckpt = optarg; break;
		case O_CKPT_IN: opt_ckpt_in = optarg; break;
		case O_RATE:
			if (opt_u64("max-rate", optarg, 1, UINT64_MAX, &opt_rate, &e) < 0)
				prog_usage_error("%s", e.msg);
			break;
		case O_BRATE:
			if (opt_size("max-bytes-rate", optarg, 1, UINT64_MAX, &opt_brate, &e) < 0)
				prog_usage_error("%s", e.msg);
			break;
		case O_PROGRESS: opt_progress = 1; break;
		case O_PRECHECK: opt_precheck = 1; break;
		case O_CONSISTENCY:
			if (opt_choice("consistency", optarg, consistency_names, &opt_consistency, &e) < 0)
				prog_usage_error("%s", e.msg);
			break;
		case 'h': prog_help(usage);
		case 'V': prog_version();
		default: prog_usage_error("unknown option");
		}
	}
	if (optind < argc)
		prog_usage_error("unexpected argument '%s'", argv[optind]);
	if (opt_ckpt && opt_ckpt_in)
		prog_usage_error("--checkpoint and --checkpoint-in exclude each other");
	if (opt_progress < 0)
		opt_progress = isatty(2);
}

static void connect_or_die(MYSQL **m)
{
	struct mc_err e = { 0 };
	if (my_connect(&conn, m, &e) < 0)
		prog_fail(&e);
}

/* Select and load the tables. */
static void load_tables(MYSQL *m)
{
	struct mc_err e = { 0 };
	struct mc_buf names = { 0 };
	uint64_t *est = NULL;
	size_t n = 0;
	if (snap_list_tables(m, &names, &est, &n, &e) < 0)
		prog_fail(&e);
	tables = calloc(n ? n : 1, sizeof *tables);
	if (!tables)
		prog_usage_error("out of memory");
	const char *p = names.p;
	for (size_t i = 0; i < n; i++) {
		const char *db = p, *name = p + strlen(p) + 1;
		p = name + strlen(name) + 1;
		char full[1024];
		snprintf(full, sizeof full, "%s.%s", db, name);
		if (!db_selected(db) || (have_tables && regexec(&re_tables, full, 0, NULL, 0) != 0) ||
		    (have_exclude && regexec(&re_exclude, full, 0, NULL, 0) == 0))
			continue;
		struct snap_table *t = &tables[ntables];
		if (snap_table_load(m, db, name, table_opt(splits, nsplits, db, name),
				    table_opt(wheres, nwheres, db, name), t, &e) < 0)
			prog_fail(&e);
		t->est_rows = est[i];
		ntables++;
	}
	free(est);
	buf_free(&names);
	if (ntables == 0)
		prog_warn("no table matches the selection");
}

static void cleanup(void);

int main(int argc, char **argv)
{
	struct mc_err e = { 0 };
	MYSQL *m;
	prog_init("mc-snapshot");
	parse_args(argc, argv);
	if (mysql_library_init(0, NULL, NULL) != 0)
		prog_usage_error("cannot initialise the MySQL client library");
	connect_or_die(&m);
	if (opt_precheck) {
		load_tables(m);
		int rc = snapcheck_run(m, tables, ntables, stdout, &e);
		mysql_close(m);
		if (rc < 0)
			prog_fail(&e);
		prog_close_stdout();
		cleanup();
		return rc > 0 ? MC_EXIT_DATA : 0;
	}
	if (opt_consistency < 0)
		opt_consistency = my_is_mariadb(m) ? 0 : 1;
	if (opt_consistency == 0 && !my_is_mariadb(m)) {
		mc_errf(&e, MC_EXIT_USAGE,
			"server %s is not MariaDB: --consistency=snapshot needs MariaDB's "
			"binlog_snapshot_position; use --consistency=lock",
			mysql_get_server_info(m));
		prog_fail(&e);
	}
	clock_gettime(CLOCK_MONOTONIC, &t_start);

	MYSQL **wconn = calloc(opt_threads, sizeof *wconn);
	if (!wconn)
		prog_usage_error("out of memory");
	for (uint64_t i = 0; i < opt_threads; i++)
		connect_or_die(&wconn[i]);
	/* the schema's position: a consistent snapshot no later than any chunk's */
	struct mc_pos wm0;
	if (opt_consistency == 1) {
		/* commits stop while every connection opens its read view:
		 * all of them are consistent with the one binlog position */
		if (my_exec(m, "FLUSH TABLES WITH READ LOCK", &e) < 0)
			prog_fail(&e);
		for (uint64_t i = 0; i < opt_threads; i++)
			if (my_exec(wconn[i], "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
				    &e) < 0)
				prog_fail(&e);
		if (my_exec(m, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", &e) < 0 ||
		    snap_master_pos(m, &wm0, &e) < 0 || my_exec(m, "UNLOCK TABLES", &e) < 0)
			prog_fail(&e);
		lock_wm = wm0;
	} else if (snap_begin(m, &wm0, &e) < 0) {
		prog_fail(&e);
	}
	load_tables(m);
	if (my_exec(m, "COMMIT", &e) < 0)
		prog_fail(&e);

	table_skip = calloc(ntables + 1, sizeof *table_skip);
	table_from = calloc(ntables + 1, sizeof *table_from);
	if (!table_skip || !table_from)
		prog_usage_error("out of memory");
	if (opt_ckpt || opt_ckpt_in) {
		const char *ckpath = opt_ckpt ? opt_ckpt : opt_ckpt_in;
		if (ckpt_read(ckpath, &ck, &e) < 0)
			prog_fail(&e);
		for (size_t i = 0; i < ntables; i++) {
			char key[1200];
			ckpt_key(&tables[i], key, sizeof key);
			const char *v = ckpt_get(&ck, key);
			if (!v)
				continue;
			if (strcmp(v, "done") == 0)
				table_skip[i] = 1;
			else if (strncmp(v, "after\t", 6) == 0 && tables[i].nsplit &&
				 nfields(v + 6) == tables[i].nsplit)
				table_from[i] = snap_bound_parse(v + 6, strlen(v + 6));
			else {
				mc_errf(&e, MC_EXIT_DATA, "'%s': bad value for '%s' (want 'done' or "
					"'after', a tab, the %zu literals of the split key)", ckpath, key,
					tables[i].nsplit);
				prog_fail(&e);
			}
		}
	}

	if (rio_winit(&wr, 1, 0, &e) < 0)
		prog_fail(&e);
	char host[256];
	snprintf(host, sizeof host, "%s", conn.socket ? conn.socket : conn.host ? conn.host : "localhost");
	struct mc_kv meta[3] = {
		{ mc_str_c("program", 7), mc_str_c("mc-snapshot", 11) },
		{ mc_str_c("source", 6), mc_str_c(host, strlen(host)) },
		{ mc_str_c("server", 6), mc_str_c(mysql_get_server_info(m), strlen(mysql_get_server_info(m))) },
	};
	if (rio_begin(&wr, meta, 3, &e) < 0)
		prog_fail(&e);
	uint64_t total = 0;
	for (size_t i = 0; i < ntables; i++) {
		struct snap_table *t = &tables[i];
		struct mc_col *cols = calloc(t->ncols ? t->ncols : 1, sizeof *cols);
		struct mc_rec r;
		if (!cols)
			prog_usage_error("out of memory");
		snap_schema_rec(t, cols, &r);
		r.pos = wm0;
		r.time = (int64_t)time(NULL);
		if (rio_write(&wr, &r, &e) < 0)
			prog_fail(&e);
		free(cols);
		if (!table_skip[i])
			total += t->est_rows;
		if (!t->nsplit && !table_skip[i])
			prog_warn("table '%s.%s' has no usable split key: read as one chunk", t->db,
				  t->name);
	}
	if (rio_flush(&wr, &e) < 0)
		prog_fail(&e);

	window = opt_threads * 2;
	progress_total = total;
	pthread_t pt, *wt = calloc(opt_threads, sizeof *wt);
	if (!wt)
		prog_usage_error("out of memory");
	if (pthread_create(&pt, NULL, planner, m) != 0)
		prog_usage_error("cannot start a thread");
	for (uint64_t i = 0; i < opt_threads; i++)
		if (pthread_create(&wt[i], NULL, worker, wconn[i]) != 0)
			prog_usage_error("cannot start a thread");

	struct mc_pos tmax[1];
	memset(tmax, 0, sizeof tmax);
	struct stat st;
	int out_is_file = fstat(1, &st) == 0 && S_ISREG(st.st_mode);
	for (;;) {
		pthread_mutex_lock(&mu);
		while (!failed && !(head && head->state == 2) && !(planning_done && !head) &&
		       !(head && head->stream && head->state == 0))
			pthread_cond_wait(&cv, &mu);
		if (!failed && head && head->stream && head->state == 0) {
			struct job *sj = head;
			sj->state = 1;
			pthread_mutex_unlock(&mu);
			run_stream(sj);
			pthread_mutex_lock(&mu);
			sj->state = 2;
			pthread_cond_broadcast(&cv);
			pthread_mutex_unlock(&mu);
			continue;
		}
		if (failed) {
			pthread_mutex_unlock(&mu);
			fail_rc(&fail_err);
		}
		struct job *j = head;
		if (!j) {
			pthread_mutex_unlock(&mu);
			break;
		}
		head = j->next;
		if (!head)
			tail = NULL;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);

		struct snap_table *t = &tables[j->ti];
		write_raw(&j->out, j->nrecs);
		if (pos_cmp(&j->wm, tmax) > 0)
			*tmax = j->wm;
		if (j->last) {
			struct mc_rec r;
			memset(&r, 0, sizeof r);
			r.kind = MC_R_MARK;
			r.mark = MC_MARK_SNAPSHOT_END;
			r.pos = *tmax;
			r.time = (int64_t)time(NULL);
			r.db = mc_str_c(t->db, strlen(t->db));
			r.table = mc_str_c(t->name, strlen(t->name));
			r.label = mc_str_c("", 0);
			if (rio_write(&wr, &r, &e) < 0)
				prog_fail(&e);
			memset(tmax, 0, sizeof tmax);
		}
		if (rio_flush(&wr, &e) < 0)
			prog_fail(&e);
		done_rows += j->rows;
		done_bytes += j->out.len;
		if (opt_ckpt) {
			if (out_is_file && fsync(1) < 0) {
				mc_errnof(&e, errno, "standard output");
				prog_fail(&e);
			}
			ckpt_done(t, j);
		}
		progress(0, total);
		buf_free(&j->out);
		snap_bound_free(j->lo, t->nsplit);
		snap_bound_free(j->hi, t->nsplit);
		free(j);
	}
	pthread_join(pt, NULL);
	for (uint64_t i = 0; i < opt_threads; i++)
		pthread_join(wt[i], NULL);
	if (failed)
		prog_fail(&fail_err);
	if (rio_end(&wr, &e) < 0 || rio_wclose(&wr, &e) < 0)
		prog_fail(&e);
	progress(1, total);
	prog_close_stdout();
	free(wt);
	free(wconn);
	if (stream_conn)
		mysql_close(stream_conn);
	snap_reader_free(&stream_rd);
	buf_free(&stream_buf);
	cleanup();
	return 0;
}

static void cleanup(void)
{
	for (size_t i = 0; i < ntables; i++) {
		if (table_from)
			snap_bound_free(table_from[i], tables[i].nsplit);
		snap_table_free(&tables[i]);
	}
	free(tables);
	free(table_skip);
	free(table_from);
	free(wheres);
	free(splits);
	ckpt_free(&ck);
	if (have_tables)
		regfree(&re_tables);
	if (have_exclude)
		regfree(&re_exclude);
	mysql_library_end();
}
