/* mc-snapshot: consistent, lock-free, parallel, chunked, resumable
 * snapshot of MySQL/MariaDB tables into the record stream. The options go
 * into a struct snapjob_opts; the engine is common/engine/snapshot.c. */
#include <getopt.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/err.h"
#include "engine/snapshot.h"
#include "mysql/myconn.h"
#include "prog.h"
#include "report.h"
#include "stream/opt.h"
#include "transform/rules.h"

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
	"      --rules=FILE         mc-transform's rules file: its select narrows the\n"
	"                           selection; its full_load skips tables or gives\n"
	"                           their WHERE\n"
	"      --split-key=DB.T:COL[,COL]  split DB.T on these columns (a unique key;\n"
	"                           it is the table's declared key if it has none)\n"
	"      --fk-cascades=WHAT   a selected table that a foreign key's cascade (ON\n"
	"                           DELETE/UPDATE CASCADE or SET NULL) changes, which\n"
	"                           the binlog does not show: refuse (default: exit 1,\n"
	"                           naming it) or pass (a warning each)\n"
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
	REPORT_USAGE
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

/* The main's own state: the options it hands to the engine and what they
 * point to. */
struct snapshot_cli {
	struct snapjob_opts o;
	regex_t tables, exclude;
	struct tf_rules rules;
	const char *rules_file;
	const char **wheres, **splits;
	size_t nwheres, nsplits, cwheres, csplits;
	int precheck;
	struct report rep;
	struct snapjob_progress p; /* the last numbers */
	char table[400];           /* p's table, copied */
	double last_ok;            /* the wall time of the last chunk written */
};

static void add_table_opt(const char ***arr, size_t *n, size_t *cap, const char *opt,
			  const char *arg)
{
	if (!snapjob_table_arg_ok(arg))
		prog_usage_error("--%s: '%s' is not DB.TABLE:VALUE", opt, arg);
	if (mc_push(arr, n, cap, sizeof **arr) < 0)
		prog_oom("the options");
	(*arr)[*n - 1] = arg;
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

enum {
	O_DATABASES = 256, O_TABLES, O_EXCLUDE, O_WHERE, O_SPLIT, O_THREADS, O_CHUNK, O_CKPT, O_RATE,
	O_BRATE, O_PRECHECK, O_CONSISTENCY, O_CHUNK_BYTES, O_CKPT_IN, O_RULES, O_FK,
};

static const struct option longopts[] = {
	MY_LONGOPTS, /* --host, --port, --socket, --user, --defaults-file, --ssl-* */
	{ "databases", required_argument, NULL, O_DATABASES },
	{ "tables", required_argument, NULL, O_TABLES },
	{ "exclude", required_argument, NULL, O_EXCLUDE },
	{ "where", required_argument, NULL, O_WHERE },
	{ "rules", required_argument, NULL, O_RULES },
	{ "split-key", required_argument, NULL, O_SPLIT },
	{ "fk-cascades", required_argument, NULL, O_FK },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "chunk-rows", required_argument, NULL, O_CHUNK },
	{ "chunk-bytes", required_argument, NULL, O_CHUNK_BYTES },
	{ "checkpoint", required_argument, NULL, O_CKPT },
	{ "checkpoint-in", required_argument, NULL, O_CKPT_IN },
	{ "max-rate", required_argument, NULL, O_RATE },
	{ "max-bytes-rate", required_argument, NULL, O_BRATE },
	REPORT_LONGOPTS,
	{ "precheck", no_argument, NULL, O_PRECHECK },
	{ "consistency", required_argument, NULL, O_CONSISTENCY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void parse_args(struct snapshot_cli *cli, int argc, char **argv)
{
	struct snapjob_opts *o = &cli->o;
	struct mc_err e = { 0 };
	int c, rc = 0;
	while ((c = getopt_long(argc, argv, MY_SHORTOPTS "hV", longopts, NULL)) != -1) {
		switch (c) {
		MY_OPT_CASES: /* the connection options of the mysql clients (myconn.h) */
			rc = my_opt(&o->conn, c, optarg, &e);
			break;
		case O_DATABASES: o->databases = optarg; break;
		case O_TABLES:
			compile(&cli->tables, "tables", optarg);
			o->tables = &cli->tables;
			o->tables_text = optarg;
			break;
		case O_EXCLUDE:
			compile(&cli->exclude, "exclude", optarg);
			o->exclude = &cli->exclude;
			o->exclude_text = optarg;
			break;
		case O_WHERE:
			add_table_opt(&cli->wheres, &cli->nwheres, &cli->cwheres, "where", optarg);
			break;
		case O_RULES: cli->rules_file = optarg; break;
		case O_SPLIT:
			add_table_opt(&cli->splits, &cli->nsplits, &cli->csplits, "split-key", optarg);
			break;
		case O_FK:
			if (strcmp(optarg, "refuse") != 0 && strcmp(optarg, "pass") != 0)
				prog_usage_error("bad --fk-cascades '%s' (want refuse or pass)", optarg);
			o->fk_pass = optarg[0] == 'p';
			break;
		case O_THREADS: rc = opt_u64("threads", optarg, 1, 256, &o->threads, &e); break;
		case O_CHUNK: rc = opt_u64("chunk-rows", optarg, 1, 1u << 30, &o->chunk_rows, &e); break;
		case O_CHUNK_BYTES:
			rc = opt_size("chunk-bytes", optarg, 1, (uint64_t)1 << 40, &o->chunk_bytes, &e);
			break;
		case O_CKPT: o->checkpoint = optarg; break;
		case O_CKPT_IN: o->checkpoint_in = optarg; break;
		case O_RATE: rc = opt_u64("max-rate", optarg, 1, UINT64_MAX, &o->max_rate, &e); break;
		case O_BRATE:
			rc = opt_size("max-bytes-rate", optarg, 1, UINT64_MAX, &o->max_bytes_rate, &e);
			break;
		REPORT_OPT_CASES: rc = report_opt(&cli->rep, c, optarg, &e); break;
		case O_PRECHECK: cli->precheck = 1; break;
		case O_CONSISTENCY:
			rc = opt_choice("consistency", optarg, snapjob_consistency_names, &o->consistency,
					&e);
			break;
		case 'h': prog_help(usage);
		case 'V': prog_version();
		default: prog_bad_option(argv);
		}
		if (rc < 0)
			prog_usage_error("%s", e.msg);
	}
	if (optind < argc)
		prog_usage_error("unexpected argument '%s'", argv[optind]);
	if (o->checkpoint && o->checkpoint_in)
		prog_usage_error("--checkpoint and --checkpoint-in exclude each other");
	if (cli->rules_file) {
		if (tf_rules_load(&cli->rules, cli->rules_file, &e) < 0)
			prog_fail(&e); /* exit 2: FILE:LINE:COL */
		o->rules = &cli->rules;
	}
	o->wheres = cli->wheres;
	o->nwheres = cli->nwheres;
	o->splits = cli->splits;
	o->nsplits = cli->nsplits;
}

/* The engine's numbers, kept for the line and the metrics. */
static void on_progress(void *ctx, const struct snapjob_progress *p)
{
	struct snapshot_cli *cli = ctx;
	if (p->rows > cli->p.rows || p->final)
		cli->last_ok = (double)time(NULL);
	cli->p = *p;
	if (p->table)
		snprintf(cli->table, sizeof cli->table, "%s.%s", p->db, p->table);
	cli->p.db = cli->p.table = NULL;
	if (!p->final)
		report_tick(&cli->rep);
}

/* s rounded up to a whole second */
static double secs_up(double s)
{
	double w;
	if (!(s >= 0 && s < 1e15))
		return s;
	w = (double)(uint64_t)s;
	return w < s ? w + 1 : w;
}

/* One table and the whole: rows of the best known total, %, rate, ETA
 * (docs/mc-snapshot.md "Progress"). */
static void emit(struct report *r, void *ctx, struct mc_buf *line, int m, int final)
{
	struct snapshot_cli *cli = ctx;
	const struct snapjob_progress *p = &cli->p;
	double secs = report_elapsed(r);
	double rate = secs > 0 ? (double)p->rows / secs : 0;
	char a[32], b[32], c[32], d[32], eta[32];
	if (line && final) {
		report_fmt_bytes(a, sizeof a, (double)p->bytes);
		report_fmt_dur(b, sizeof b, secs);
		report_fmt_bytes(c, sizeof c, secs > 0 ? (double)p->bytes / secs : 0);
		buf_addf(line, "done: %llu rows, %.0f rows/s, %s (%s/s) in %zu tables, %s elapsed, "
			 "ETA 0:00:00", (unsigned long long)p->rows, rate, a, c, p->ntables, b);
	} else if (line) {
		uint64_t total = p->total > p->rows ? p->total : p->rows + 1;
		double pct = 100.0 * (double)p->rows / (double)total;
		if (cli->table[0])
			buf_addf(line, "table %s (%zu/%zu) %llu of ~%llu rows; ", cli->table,
				 p->tables_done + (p->tables_done < p->ntables), p->ntables,
				 (unsigned long long)p->table_rows,
				 (unsigned long long)p->table_total);
		report_fmt_bytes(a, sizeof a, secs > 0 ? (double)p->bytes / secs : 0);
		report_fmt_dur(b, sizeof b, secs);
		if (p->total_open || rate <= 0)
			snprintf(eta, sizeof eta, "?");
		else /* rounded up: 0:00:00 only once the rows are all written */
			report_fmt_dur(eta, sizeof eta, secs_up((double)(total - p->rows) / rate));
		report_fmt_count(c, sizeof c, rate);
		report_fmt_bytes(d, sizeof d, (double)p->bytes);
		buf_addf(line, "all %llu of ~%llu rows (%.0f%%), %s, %s rows/s, %s/s, %s elapsed, "
			 "ETA %s", (unsigned long long)p->rows, (unsigned long long)total,
			 pct > 99 ? 99 : pct, d, c, a, b, eta);
	}
	if (m) {
		report_metric(r, "rows_total", "counter", "Snapshot rows written.", (double)p->rows);
		report_metric(r, "bytes_total", "counter", "Bytes of the stream written.",
			      (double)p->bytes);
		report_metric(r, "snapshot_rows_estimated", "gauge",
			      "The rows of the selected tables as best known now.",
			      (double)(final ? p->rows : p->total));
		report_metric(r, "snapshot_tables", "gauge", "Tables selected.", (double)p->ntables);
		report_metric(r, "snapshot_tables_done", "gauge", "Tables written whole.",
			      (double)p->tables_done);
		report_metrics_common(r, cli->last_ok);
	}
}

int main(int argc, char **argv)
{
	struct snapshot_cli cli;
	struct mc_err e = { 0 };
	int rc;
	prog_init("mc-snapshot");
	memset(&cli, 0, sizeof cli);
	snapjob_opts_init(&cli.o);
	report_init(&cli.rep);
	parse_args(&cli, argc, argv);
	cli.o.warn = prog_sayer;
	if (!cli.precheck) {
		cli.o.progress = on_progress;
		cli.o.progress_ctx = &cli;
		report_start(&cli.rep, emit, &cli);
	}
	if (mysql_library_init(0, NULL, NULL) != 0) {
		mc_errf(&e, MC_EXIT_DATA, "cannot initialise the MySQL client library");
		prog_fail(&e);
	}
	if (cli.precheck)
		rc = snapjob_precheck(&cli.o, stdout, &e);
	else
		rc = snapjob_run(&cli.o, 1, &e);
	if (rc < 0)
		prog_fail(&e);
	prog_close_stdout();
	if (!cli.precheck)
		report_end(&cli.rep);
	free(cli.wheres);
	free(cli.splits);
	if (cli.o.tables)
		regfree(&cli.tables);
	if (cli.o.exclude)
		regfree(&cli.exclude);
	if (cli.o.rules)
		tf_rules_free(&cli.rules);
	mysql_library_end();
	return rc > 0 ? MC_EXIT_DATA : 0;
}
