/* mc-snapshot: consistent, lock-free, parallel, chunked, resumable
 * snapshot of MySQL/MariaDB tables into the record stream. The options go
 * into a struct snapjob_opts; the engine is common/engine/snapshot.c. */
#include <getopt.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/err.h"
#include "engine/snapshot.h"
#include "mysql/myconn.h"
#include "prog.h"
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

/* The main's own state: the options it hands to the engine and what they
 * point to. */
struct snapshot_cli {
	struct snapjob_opts o;
	regex_t tables, exclude;
	struct tf_rules rules;
	const char *rules_file;
	const char **wheres, **splits;
	size_t nwheres, nsplits, cwheres, csplits;
	int progress, precheck;
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
	O_BRATE, O_PROGRESS, O_PRECHECK, O_CONSISTENCY, O_CHUNK_BYTES, O_CKPT_IN, O_RULES,
};

static const struct option longopts[] = {
	MY_LONGOPTS, /* --host, --port, --socket, --user, --defaults-file, --ssl-* */
	{ "databases", required_argument, NULL, O_DATABASES },
	{ "tables", required_argument, NULL, O_TABLES },
	{ "exclude", required_argument, NULL, O_EXCLUDE },
	{ "where", required_argument, NULL, O_WHERE },
	{ "rules", required_argument, NULL, O_RULES },
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
		case O_PROGRESS: cli->progress = 1; break;
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

/* rows, rate and ETA on one line of standard error, rewritten in place on
 * a terminal */
static void show_progress(void *ctx, const struct snapjob_progress *p)
{
	(void)ctx;
	double now = p->seconds;
	double rate = now > 0 ? (double)p->rows / now : 0;
	char eta[32] = "?";
	if (rate > 0 && p->total > p->rows) {
		uint64_t s = (uint64_t)((double)(p->total - p->rows) / rate);
		snprintf(eta, sizeof eta, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600, s / 60 % 60,
			 s % 60);
	} else if (p->total <= p->rows) {
		snprintf(eta, sizeof eta, "0:00:00");
	}
	fprintf(stderr, "%s: %" PRIu64 " rows, %.0f rows/s, %.1f MB/s, ETA %s%s", prog_name, p->rows,
		rate, now > 0 ? (double)p->bytes / now / 1e6 : 0.0, eta,
		isatty(2) && !p->final ? "\r" : "\n");
}

int main(int argc, char **argv)
{
	struct snapshot_cli cli;
	struct mc_err e = { 0 };
	int rc;
	prog_init("mc-snapshot");
	memset(&cli, 0, sizeof cli);
	snapjob_opts_init(&cli.o);
	cli.progress = -1;
	parse_args(&cli, argc, argv);
	cli.o.warn = prog_sayer;
	if (cli.progress < 0 ? isatty(2) : cli.progress)
		cli.o.progress = show_progress;
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
