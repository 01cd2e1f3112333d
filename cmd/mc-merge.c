/* mc-merge: base partition + log records into a new full partition
 * (docs/mc-merge.md, docs/merge.md). The options go into a struct
 * mergejob_opts; the engine is common/wh/mergejob.c. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/io.h"
#include "odps/client.h"
#include "odpsopt.h"
#include "odps/merge_odps.h"
#include "prog.h"
#include "progress.h"
#include "stream/ledger.h"
#include "stream/opt.h"
#include "stream/rec.h"
#include "wh/mergejob.h"
#include "wh/status.h"
#include "wh/wh.h"
#include "wh/whpart.h"

static const char usage[] =
	"Usage: mc-merge --warehouse=DIR --table=NAME --ds=YYYYMMDD [OPTION]...\n"
	"   or: mc-merge --warehouse=DIR --table=NAME --at=POINT --output=FILE\n"
	"   or: mc-merge --warehouse=DIR --all --ds=YYYYMMDD [--jobs=N] [OPTION]...\n"
	"   or: mc-merge --dest=odps://PROJECT[/SCHEMA] --state=DIR --table=NAME\n"
	"                (--ds=YYYYMMDD | --at=POINT --into=TABLE) [OPTION]...\n"
	"Build the full partition ds=YYYYMMDD of table NAME of a local warehouse:\n"
	"the latest complete partition before that day plus the change records of\n"
	"NAME_log after its position, up to the day's cut (docs/merge.md): per key\n"
	"the record with the highest position wins, a change beating a snapshot\n"
	"row at equal position; deletes and key-changing updates remove keys.\n"
	"\n"
	"  -w, --warehouse=DIR   the local warehouse\n"
	"  -t, --table=NAME      the base table (its log is NAME_log)\n"
	"      --all             every table of the warehouse (of --state with\n"
	"                        --dest), each merged as by --table; one failing\n"
	"                        does not stop the others\n"
	"  -j, --jobs=N          with --all: tables merged at once (default 2)\n"
	"  -d, --ds=YYYYMMDD     the day whose partition to build\n"
	"  -a, --at=POINT        the state at POINT instead of the day's end:\n"
	"                        FILE:OFFSET:ROW (records at or before it), or\n"
	"                        'YYYY-MM-DD hh:mm:ss' (records before the first\n"
	"                        one stamped after it; days in the ledger's offset)\n"
	"  -k, --key=COL[,COL]   the key of a table that has none\n"
	"  -m, --memory=SIZE     memory for sorting (default a quarter of RAM);\n"
	"                        more spills sorted runs to --tmpdir\n"
	"      --tmpdir=DIR      where runs go, outside the warehouse (default: the\n"
	"                        table's directory)\n"
	"  -l, --lifecycle=DAYS  drop full partitions DAYS days or more older than\n"
	"                        the new one (default 30; 0 keeps all), then the\n"
	"                        log partitions no kept partition needs\n"
	"  -o, --output=FILE     write the state as a record stream to FILE ('-':\n"
	"                        standard output) instead of a partition\n"
	"  -z, --zstd=LEVEL      compression level of the output (default 1;\n"
	"                        0 for plain --output)\n"
	"      --emit-sql        print the SQL doing the same merge, do nothing\n"
	"      --dialect=D       maxcompute (default) or sqlite\n"
	"      --skip-merged     with --ds (and --all): do nothing and exit 0 for a\n"
	"                        table whose partition ds is there complete (merged\n"
	"                        already, or the snapshot), or whose oldest full\n"
	"                        partition is after ds (a day before its snapshot,\n"
	"                        or dropped by --lifecycle); for catching up on\n"
	"                        missed days (pipelines/merge-daily.sh)\n"
	"  -v, --verbose         say what was read and written on standard error\n"
	"MaxCompute (the merge runs there as SQL; docs/maxcompute.md):\n"
	"      --dest=odps://PROJECT[/SCHEMA]  the project of the tables\n"
	"      --state=DIR       mc-tunnel-put's state directory (its ledger)\n"
	"      --into=TABLE      with --at: the table that gets the state\n"
	"      --odps-config=FILE, --endpoint=URL, --tunnel-endpoint=URL,\n"
	"      --ca-file=FILE    as mc-tunnel-put's\n"
	"      --retry-time=MINUTES  retry 5xx, 429 and lost connections this long\n"
	"                        (default 10; decimals allowed, 0: no retry),\n"
	"                        then exit 3\n"
	"      --retry-delay=SECONDS  the first wait of a retry, doubling (default 1)\n"
	"  -h, --help            show this help and exit\n"
	"  -V, --version         show the version and exit\n"
	"\n"
	"Progress, metrics, alerts (docs/mc-merge.md \"Progress\"; a failed merge is\n"
	"an alert of kind merge_failed):\n"
	REPORT_USAGE
	"\n"
	"Exit status: 0 ok (also when ds is the snapshot itself, or --skip-merged\n"
	"finds it merged or before the oldest full partition: nothing to do);\n"
	"1 bad data (corrupt file, missing marker, schema mismatch, log not yet\n"
	"past the cut), nothing written; 2 usage error; 3 the table is locked.\n"
	"With --all: 0 when every table merged, else 1 if any table failed with 1\n"
	"(or died), else 3; each failed table is named on standard error.\n"
	"Manual: docs/mc-merge.md, docs/merge.md.\n";

/* The job in flight, for the exit hook: a failure exits through
 * prog_fail(), and whatever the job has half-made (its temporary
 * partition, its spilled runs) is removed on the way out. The engine
 * removes them itself when it returns an error; the hook covers any other
 * exit. SIGTERM and SIGINT remove them in a handler (below); after a
 * SIGKILL the next run removes the table's ".tmp-*" entries under its lock,
 * and under --tmpdir those of this table whose process is gone. */
static struct mergejob *live_job;

static void abort_live_job(void)
{
	mergejob_abort(live_job);
}

/* SIGTERM/SIGINT: remove this process's temporaries (the partition being
 * made in the table's directory, the spilled runs there or under
 * --tmpdir: their names carry the pid) with async-signal-safe calls, then
 * die of the signal. A SIGKILL leaves them to the next run (docs/mc-merge.md). */
static struct wh_sweep sweep;

static void on_signal(int sig)
{
	wh_sweep_now(&sweep);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(const struct mergejob_opts *o)
{
	struct sigaction sa;
	char *tdir = wh_pathf("%s/%s", o->whdir, o->table);
	const char *dirs[2] = { tdir, o->tmpdir };
	if (!tdir)
		prog_oom("path");
	wh_sweep_init(&sweep, dirs, o->tmpdir ? 2 : 1);
	free(tdir);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* The MaxCompute options (--dest=odps://...). */
struct odps_cli {
	struct odps_conn_opts co;
	struct odps_http_opts ho;
	const char *state, *into;
	double retry_s;
	int set;            /* one of them given */
	int all;            /* --all */
	unsigned jobs;      /* --jobs */
};

/* --progress, --metrics, --on-alert (cmd/lib/report.h) */
static struct report rep;
static struct merge_watch mwatch;

static void parse(int argc, char **argv, struct mergejob_opts *o, struct odps_cli *x)
{
	static const struct option longopts[] = {
		{ "warehouse", required_argument, NULL, 'w' },
		{ "table", required_argument, NULL, 't' },
		{ "ds", required_argument, NULL, 'd' },
		{ "at", required_argument, NULL, 'a' },
		{ "key", required_argument, NULL, 'k' },
		{ "memory", required_argument, NULL, 'm' },
		{ "tmpdir", required_argument, NULL, 'T' },
		{ "lifecycle", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "zstd", required_argument, NULL, 'z' },
		{ "emit-sql", no_argument, NULL, 'S' },
		{ "dialect", required_argument, NULL, 'D' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "dest", required_argument, NULL, 1000 },
		{ "into", required_argument, NULL, 1002 },
		{ "all", no_argument, NULL, 1003 },
		{ "jobs", required_argument, NULL, 'j' },
		{ "skip-merged", no_argument, NULL, 1004 },
		ODPSOPT_LONGOPTS,
		REPORT_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	static const char *const dialects[] = { "maxcompute", "sqlite", NULL };
	struct mc_err err = { 0 };
	uint64_t u;
	int c, have_dialect = 0, have_lifecycle = 0, have_zstd = 0, have_jobs = 0;

	struct odpsopt oo = { &x->state, &x->co, &x->ho.ca_file, &x->retry_s, 1, 100000, 0 };

	while ((c = getopt_long(argc, argv, "w:t:d:a:k:m:l:o:z:j:vhV", longopts, NULL)) != -1) {
		if (odpsopt_take(&oo, c, optarg)) {
			x->set = 1;
			continue;
		}
		switch (c) {
		REPORT_OPT_CASES:
			if (report_opt(&rep, c, optarg, &err) < 0)
				prog_usage_error("%s", err.msg);
			break;
		case 'w':
			o->whdir = optarg;
			break;
		case 't':
			if (!wh_name_ok(optarg, strlen(optarg)))
				prog_usage_error("bad value for --table: '%s' (a warehouse table name)", optarg);
			o->table = optarg;
			break;
		case 'd':
			if (day_parse(optarg, &o->day) < 0)
				prog_usage_error("bad value for --ds: '%s' (want YYYYMMDD)", optarg);
			o->ds = optarg;
			o->have_day = 1;
			break;
		case 'a':
			o->at = optarg;
			o->at_is_pos = 0;
			if (pos_parse(optarg, &o->at_pos, &err) == 0)
				o->at_is_pos = 1;
			else if (datetime_parse(optarg, &o->at_time) < 0)
				prog_usage_error("bad value for --at: '%s' (want FILE:OFFSET:ROW or 'YYYY-MM-DD hh:mm:ss')", optarg);
			break;
		case 'k':
			o->key = optarg;
			break;
		case 'm':
			if (opt_size("--memory", optarg, 1u << 20, UINT64_MAX / 2, &o->memory, &err) < 0)
				prog_usage_error("%s", err.msg);
			break;
		case 'T':
			o->tmpdir = optarg;
			break;
		case 'l':
			if (opt_u64("--lifecycle", optarg, 0, 100000, &o->lifecycle, &err) < 0)
				prog_usage_error("%s", err.msg);
			have_lifecycle = 1;
			break;
		case 'o':
			o->output = optarg;
			break;
		case 'z':
			if (opt_u64("--zstd", optarg, 0, 19, &u, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->zlevel = (int)u;
			have_zstd = 1;
			break;
		case 'S':
			o->emit_sql = 1;
			break;
		case 'D':
			if (opt_choice("--dialect", optarg, dialects, &o->dialect, &err) < 0)
				prog_usage_error("%s", err.msg);
			have_dialect = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 1000: x->co.dest = optarg; break;
		case 1002: x->into = optarg; x->set = 1; break;
		case 1003: x->all = 1; break;
		case 1004: o->skip_merged = 1; break;
		case 'j':
			if (opt_u64("--jobs", optarg, 1, 64, &u, &err) < 0)
				prog_usage_error("%s", err.msg);
			x->jobs = (unsigned)u;
			have_jobs = 1;
			break;
		case 'h':
			prog_help(usage);
		case 'V':
			prog_version();
		default:
			prog_bad_option(argv);
		}
	}
	if (optind < argc)
		prog_usage_error("unexpected argument '%s'", argv[optind]);
	if (have_jobs && !x->all)
		prog_usage_error("--jobs goes with --all");
	if (o->skip_merged && (!o->ds || o->at || o->output || o->emit_sql || x->into))
		prog_usage_error("--skip-merged goes with --ds (a day's partition made): it takes "
				 "none of --at, --output, --emit-sql, --into");
	if (x->all) {
		if (o->table)
			prog_usage_error("--all and --table exclude each other");
		if (o->at || o->output || o->emit_sql || x->into)
			prog_usage_error("--all builds each table's partition of --ds: it takes none "
					 "of --at, --output, --emit-sql, --into");
		if (o->key)
			prog_usage_error("--key is one table's: give it with --table, not --all");
		if (!o->ds)
			prog_usage_error("--all needs --ds");
		if (!x->jobs)
			x->jobs = 2;
		o->table = "-"; /* each child sets its own */
	}
	if (x->co.dest) {
		if (o->whdir || o->output || o->emit_sql || have_zstd || have_dialect || o->memory ||
		    o->tmpdir)
			prog_usage_error("--dest=odps:// runs the merge in MaxCompute: it takes none of "
					 "--warehouse, --output, --emit-sql, --dialect, --zstd, --memory, "
					 "--tmpdir");
		if (strncmp(x->co.dest, "odps://", 7) != 0)
			prog_usage_error("bad value for --dest (want odps://PROJECT[/SCHEMA])");
		if (!x->state || !o->table)
			prog_usage_error("--dest needs --state and --table");
		if (o->ds && o->at)
			prog_usage_error("--ds and --at exclude each other");
		if (!o->ds && !(o->at && x->into))
			prog_usage_error("--ds is required (or --at with --into)");
		if (x->into && (o->ds || have_lifecycle))
			prog_usage_error("--into goes with --at (and not with --lifecycle)");
		if (x->into && !wh_name_ok(x->into, strlen(x->into)))
			prog_usage_error("bad value for --into: '%s' (a table name)", x->into);
		return;
	}
	if (x->set)
		prog_usage_error("--state, --into, --odps-config, --endpoint, --tunnel-endpoint, "
				 "--ca-file, --retry-time and --retry-delay go with --dest=odps://...");
	if (!o->whdir || !o->table)
		prog_usage_error("--warehouse and --table are required");
	/* options that contradict each other, or that would be ignored */
	if (o->ds && o->at)
		prog_usage_error("--ds and --at exclude each other (--ds: the day's partition; "
				 "--at: the state at a point, with --output)");
	if (have_dialect && !o->emit_sql)
		prog_usage_error("--dialect goes with --emit-sql");
	if (o->emit_sql && (o->output || have_zstd || have_lifecycle))
		prog_usage_error("--emit-sql writes no partition and no stream: it takes none of "
				 "--output, --zstd, --lifecycle");
	if (o->output && have_lifecycle)
		prog_usage_error("--lifecycle goes with a partition written, not with --output");
	if (!o->ds && !(o->at && o->output))
		prog_usage_error("--ds is required (or --at with --output)");
}

/* ---- the record of the last merge (wh/status.h, mc-cat --status) ---- */

static int64_t merge_t0;

/* Record the outcome of a day's merge (0 or err) in the warehouse, or in
 * --state with --dest; not for --at, --emit-sql, usage errors, or a table
 * locked by another mc-merge (that one records its own). */
static void merge_record(const struct mergejob_opts *o, const struct odps_cli *x,
			 const struct mc_err *failed)
{
	struct wh_merge_rec r;
	struct mc_err err = { 0 };
	char what[32];
	const char *dir = x->co.dest ? x->state : o->whdir;
	if (!o->ds || o->emit_sql || !dir ||
	    (failed && (failed->code == MC_EXIT_USAGE ||
			(!x->co.dest && failed->code == MC_EXIT_TRANSIENT))))
		return;
	{ /* a warehouse (or state) without that table holds no record of it */
		char path[4096];
		if (x->co.dest)
			snprintf(path, sizeof path, "%s/_mcsync", dir);
		else
			snprintf(path, sizeof path, "%s/%s", dir, o->table);
		if (access(path, F_OK) != 0)
			return;
	}
	snprintf(what, sizeof what, "ds=%s", o->ds);
	r.what = what;
	r.code = failed ? (failed->code ? failed->code : MC_EXIT_DATA) : 0;
	r.message = failed ? failed->msg : "";
	r.started = merge_t0;
	r.ended = (int64_t)time(NULL);
	if (wh_merge_record(dir, o->table, &r, &err) < 0)
		prog_warn("the record of this merge for mc-cat --status: %s", err.msg);
}

/* --all: what a table's child did, in memory shared with the parent
 * (ALL_*; NULL: not under --all): the parent says it with -v */
enum { ALL_MERGED = 0, ALL_SNAPSHOT = 3 }; /* and MJ_SKIP_MERGED, MJ_SKIP_BEFORE */
static int *all_did;

static const char *all_did_text(int did)
{
	switch (did) {
	case MJ_SKIP_MERGED: return "skipped: already merged (--skip-merged)";
	case MJ_SKIP_BEFORE: return "skipped: before the table's oldest full partition (--skip-merged)";
	case MJ_SKIP_DROPPED: return "skipped: the table was dropped (--skip-merged)";
	case ALL_SNAPSHOT: return "nothing to merge: the day is the snapshot's";
	default: return "merged";
	}
}

/* A local merge done: recorded, unless --skip-merged found nothing to do
 * (no merge: the record of the last one stays). */
static void merge_record_done(const struct mergejob_opts *o, const struct odps_cli *x,
			      const struct mergejob *j)
{
	struct mergejob_stats st;
	mergejob_stats(j, &st);
	if (all_did)
		*all_did = st.skipped ? st.skipped : st.nothing ? ALL_SNAPSHOT : ALL_MERGED;
	if (st.skipped == MJ_SKIP_DROPPED)
		prog_warn("%s", st.note);
	if (!st.skipped)
		merge_record(o, x, NULL);
}

static noreturn void merge_fail(const struct mergejob_opts *o, const struct odps_cli *x,
				const struct mc_err *err)
{
	merge_record(o, x, err);
	if (err->code == MC_EXIT_USAGE)
		prog_usage_error("%s", err->msg);
	prog_fail(err);
}

/* --dest=odps://...: the merge as SQL in MaxCompute (common/odps/merge_odps.c). */
static int run_odps(const struct mergejob_opts *o, const struct odps_cli *x)
{
	struct odps_target t;
	struct odps_client c;
	struct odps_sql_opts so = { 0 };
	struct odps_merge_opts mo = { 0 };
	struct mc_err err = { 0 };
	int skipped = 0, nothing = 0;
	if (odps_target_resolve(&x->co, &t, &err) < 0 ||
	    odps_client_init(&c, &t, &x->ho, "mc-merge/" MC_VERSION, &err) < 0) {
		if (err.code == MC_EXIT_USAGE)
			prog_usage_error("%s", err.msg);
		prog_fail(&err);
	}
	so.retry_s = x->retry_s;
	so.verbose = o->verbose;
	so.say = prog_sayer;
	mo.sql = &so;
	mo.state = x->state;
	mo.dest = x->co.dest;
	mo.table = o->table;
	mo.ds = o->ds;
	mo.day = o->day;
	mo.at = o->at;
	mo.at_is_pos = o->at_is_pos;
	mo.at_pos = o->at_pos;
	mo.at_time = o->at_time;
	mo.into = x->into;
	mo.key = o->key;
	mo.lifecycle = o->lifecycle;
	mo.skip_merged = o->skip_merged;
	mo.skipped = &skipped;
	mo.nothing = &nothing;
	mo.verbose = o->verbose;
	mo.say = prog_sayer;
	if (odps_merge_run(&c, &mo, &err) < 0)
		merge_fail(o, x, &err);
	if (skipped == MJ_SKIP_DROPPED) /* (err: the DROP, merge_odps.c plan_ddl) */
		prog_warn("%s: no partition of ds=%s, nothing to do (--skip-merged)", err.msg, o->ds);
	if (!skipped) /* a day skipped is no merge: the last one's record stays */
		merge_record(o, x, NULL);
	if (all_did)
		*all_did = skipped ? skipped : nothing ? ALL_SNAPSHOT : ALL_MERGED;
	odps_client_free(&c);
	odps_target_free(&t);
	prog_close_stdout();
	return 0;
}

/* ---- --all ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The tables the ledger of DIR names (DIR/_mcsync/ledger: the
 * warehouse's, or mc-tunnel-put's --state), sorted, each once. */
static char **ledger_tables(const char *dir, size_t *n)
{
	struct mc_ledger l;
	struct mc_err err = { 0 };
	char **v = NULL;
	size_t cap = 0;
	*n = 0;
	memset(&l, 0, sizeof l);
	if (wh_ledger_read(dir, &l, &err) < 0)
		prog_fail(&err);
	for (size_t i = 0; i < l.names.n; i++) {
		const char *nm = l.names.kv[i].v;
		size_t j = 0;
		if (nm[0] == '=')
			continue; /* a merge destination's mark (sink/shard.c), no table */
		while (j < *n && strcmp(v[j], nm) != 0)
			j++;
		if (j < *n)
			continue;
		if (mc_push(&v, n, &cap, sizeof *v) < 0 || !(v[*n - 1] = mc_strdup(nm)))
			prog_oom("table names");
	}
	ledger_free(&l);
	if (*n > 1)
		qsort(v, *n, sizeof *v, cmp_str);
	return v;
}

static volatile sig_atomic_t all_stop;

static void on_all_signal(int sig)
{
	all_stop = sig;
}

/* One table's merge, in a child: exits with its status. */
static noreturn void all_child(struct mergejob_opts *o, const struct odps_cli *x,
			       const char *table, int *did)
{
	static char name[160];
	struct mc_err err = { 0 };
	struct mc_buf sql = { 0 };
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	snprintf(name, sizeof name, "mc-merge: %s", table);
	prog_name = name;
	o->table = table;
	all_did = did;
	if (x->co.dest)
		exit(run_odps(o, x));
	o->say = prog_sayer;
	o->sql = &sql;
	catch_signals(o);
	merge_t0 = (int64_t)time(NULL);
	if (!(live_job = mergejob_new(o, &err)))
		merge_fail(o, x, &err);
	atexit(abort_live_job);
	if (mergejob_run(live_job, &err) < 0)
		merge_fail(o, x, &err);
	merge_record_done(o, x, live_job);
	mergejob_free(live_job);
	live_job = NULL;
	exit(0);
}

/* --all: every table of the ledger, x->jobs at a time, each in a child
 * process (its own lock, memory, temporaries and exit status, as if run
 * alone with --table). A signal stops the launching and is passed on. */
static int run_all(struct mergejob_opts *o, const struct odps_cli *x)
{
	size_t n, next = 0, running = 0, nfail = 0;
	char **tables = ledger_tables(x->co.dest ? x->state : o->whdir, &n);
	pid_t *pids = calloc(n ? n : 1, sizeof *pids);
	int *st = calloc(n ? n : 1, sizeof *st), worst = 0;
	/* what each child did, written by the child (shared) */
	int *did = mmap(NULL, (n ? n : 1) * sizeof *did, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	size_t nskip = 0;
	struct sigaction sa;
	if (!pids || !st || did == MAP_FAILED)
		prog_oom("jobs");
	if (n == 0) {
		struct mc_err err = { 0 };
		mc_errf(&err, MC_EXIT_DATA, "--all: the ledger of '%s' names no table yet",
			x->co.dest ? x->state : o->whdir);
		prog_fail(&err);
	}
	if (!x->co.dest && !o->memory) { /* the default share of RAM, split */
		long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
		if (pages > 0 && psz > 0)
			o->memory = (uint64_t)pages * (uint64_t)psz / 4 / x->jobs;
		if (o->memory < (64u << 20))
			o->memory = 64u << 20;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_all_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fflush(NULL);
	while (next < n || running) {
		if (next < n && running < x->jobs && !all_stop) {
			pid_t p = fork();
			if (p < 0) {
				struct mc_err err = { 0 };
				mc_errnof(&err, errno, "--all: fork");
				prog_fail(&err);
			}
			if (p == 0)
				all_child(o, x, tables[next], &did[next]);
			pids[next++] = p;
			running++;
			continue;
		}
		if (all_stop && next < n) {
			for (size_t i = next; i < n; i++)
				st[i] = -1; /* not started */
			next = n;
			for (size_t i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], (int)all_stop);
		}
		int ws;
		pid_t p = waitpid(-1, &ws, 0);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (size_t i = 0; i < n; i++)
			if (pids[i] == p) {
				pids[i] = 0;
				st[i] = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
				running--;
				if (st[i] == 0 && did[i] != ALL_MERGED)
					nskip++;
				if (o->verbose && st[i] == 0)
					prog_warn("--all: %s: %s", tables[i], all_did_text(did[i]));
			}
	}
	for (size_t i = 0; i < n; i++) {
		if (st[i] == 0)
			continue;
		nfail++;
		if (st[i] < 0)
			prog_warn("--all: %s: not started (stopped by a signal)", tables[i]);
		else
			prog_warn("--all: %s: failed (exit %d)", tables[i], st[i]);
		if (st[i] > 0 && rep.on_alert)
			report_alert(&rep, "merge_failed", "--all: %s: failed (exit %d)", tables[i],
				     st[i]);
		worst = st[i] == MC_EXIT_TRANSIENT && worst != MC_EXIT_DATA ? MC_EXIT_TRANSIENT
									       : MC_EXIT_DATA;
	}
	if (nfail)
		prog_warn("--all: %zu of %zu tables failed", nfail, n);
	else if (o->verbose)
		prog_warn("--all: %zu tables: %zu merged, %zu with nothing to do", n, n - nskip, nskip);
	for (size_t i = 0; i < n; i++)
		free(tables[i]);
	free(tables);
	free(pids);
	free(st);
	munmap(did, (n ? n : 1) * sizeof *did);
	if (all_stop) {
		signal((int)all_stop, SIG_DFL);
		raise((int)all_stop);
	}
	return worst;
}

int main(int argc, char **argv)
{
	struct mergejob_opts o;
	struct odps_cli x = { .retry_s = 600 };
	struct mc_err err = { 0 };
	struct mc_buf sql = { 0 };

	prog_init("mc-merge");
	report_init(&rep);
	mergejob_opts_init(&o);
	parse(argc, argv, &o, &x);
	/* before anything is opened, and once for every table of --all */
	if ((!x.co.dest && mergejob_check_tmpdir(&o, &err) < 0) ||
	    wh_paths_outside(NULL, rep.metrics, x.co.dest ? x.state : o.whdir, &err) < 0)
		prog_usage_error("%s", err.msg);
	if (x.all)
		return run_all(&o, &x);
	merge_t0 = (int64_t)time(NULL);
	if (x.co.dest)
		return run_odps(&o, &x);
	o.say = prog_sayer;
	o.sql = &sql;
	report_fail_kind = "merge_failed";
	if (!o.emit_sql) {
		catch_signals(&o);
		merge_watch_start(&mwatch, &rep, &o);
	}
	if (!(live_job = mergejob_new(&o, &err)))
		merge_fail(&o, &x, &err);
	atexit(abort_live_job);
	if (mergejob_run(live_job, &err) < 0)
		merge_fail(&o, &x, &err);
	merge_record_done(&o, &x, live_job);
	if (sql.len && io_write_all(1, sql.p, sql.len) < 0) {
		mc_errnof(&err, errno, "standard output");
		prog_fail(&err);
	}
	buf_free(&sql);
	mergejob_free(live_job);
	live_job = NULL;
	prog_close_stdout();
	report_end(&rep);
	return 0;
}
