/* mc-tunnel-put: record streams into a destination (docs/mc-tunnel-put.md).
 * The engine is common/sink/sink.c; the destination interface common/stream/dest.h. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/err.h"
#include "base/num.h"
#include "prog.h"
#include "odps/client.h"
#include "progress.h"
#include "odps/dest_odps.h"
#include "odps/mirror.h"
#include "odpsopt.h"
#include "stream/dest.h"
#include "sink/sink.h"
#include "stream/opt.h"
#include "wh/layout.h"
#include "wh/wh.h"

static const char usage[] =
	"Usage: mc-tunnel-put --dest=DIR [OPTION]... [FILE]...\n"
	"  or:  mc-tunnel-put --dest=odps://PROJECT[/SCHEMA] --state=DIR [OPTION]... [FILE]...\n"
	"Write the rows of record streams (FILEs in turn, standard input when none\n"
	"or '-') into the local warehouse DIR, or into a MaxCompute project through\n"
	"the Tunnel: snapshot rows into the base table <name>, change rows into its\n"
	"log table <name>_log, one partition each. Data and the position they reach\n"
	"are committed together; a rerun after a crash skips what was committed and\n"
	"ends with the same data (every row once).\n"
	"\n"
	"  -d, --dest=DIR|odps://PROJECT[/SCHEMA]\n"
	"                           the local warehouse directory (created if needed),\n"
	"                           or a MaxCompute project (and schema)\n"
	"  -p, --partition=SPEC     partition for every row, e.g. ds=20261121 or\n"
	"                           ds=20261121/hh=03; default 'auto': the day of\n"
	"                           the change's time (log), of the schema's (base)\n"
	"  -r, --route=HOW          op (default): snapshot rows to the base table,\n"
	"                           changes to the log table; base; log: all there\n"
	"  -n, --name=DB.TABLE=NAME warehouse name of a table (default DB__TABLE;\n"
	"                           remembered by the warehouse: another exits 2)\n"
	"  -c, --commit-rows=N      commit at the next transaction end or mark after\n"
	"                           N rows (default 100000); always at 4N change rows\n"
	"                           (never inside a snapshot chunk)\n"
	"      --commit-bytes=SIZE  the same after SIZE bytes of rows (K, M, G;\n"
	"                           default 64M; 0: by rows only)\n"
	"      --checkpoint-out=FILE after each commit, write where the source\n"
	"                           resumes (checkpoint file: 'pos' committed,\n"
	"                           'resume' the last transaction boundary, else the\n"
	"                           lowest snapshot watermark, 'gtid', each table's\n"
	"                           committed snapshot chunks; mc-binlog-tail and\n"
	"                           mc-snapshot --checkpoint-in)\n"
	"      --utc-offset=+HH:MM  days for ds=auto and day cuts (first run only;\n"
	"                           kept in the ledger; default +00:00)\n"
	"      --log-layout=L       the log tables' columns in SQL and MaxCompute:\n"
	"                           mcsync (default), dts, dts-new, dataworks or\n"
	"                           dataworks-json\n"
	"                           (first run only; kept in the ledger: another\n"
	"                           exits 2; the local files keep mcsync records)\n"
	"  -z, --zstd=LEVEL         data file compression level (default 1)\n"
	"      --partial-ok         an input that ends without its trailer is not\n"
	"                           an error (a source stopped on purpose)\n"
	"      --new-history        a stream of a new binlog history of a known\n"
	"                           server (after RESET MASTER) starts that history\n"
	"                           (without it such a stream is refused)\n"
	"      --tables-changed     a stream of mc-binlog-tail with other --tables than\n"
	"                           the source's earlier streams is taken (after a\n"
	"                           snapshot of the tables it adds; without it such\n"
	"                           a stream is refused)\n"
	"      --resnapshot         the input is a new snapshot (mc-snapshot) of\n"
	"                           tables the warehouse holds: written as a new\n"
	"                           generation of each, beside the writer of the\n"
	"                           changes (which may run meanwhile); mc-merge\n"
	"                           takes it from its watermarks on\n"
	"MaxCompute (--dest=odps://...; docs/maxcompute.md):\n"
	"      --state=DIR          local directory of the ledger and the journal of\n"
	"                           upload sessions (required; one writer at a time)\n"
	"      --odps-config=FILE   odpscmd config file (access_id, access_key,\n"
	"                           end_point, tunnel_endpoint; mode 600); else the key\n"
	"                           from ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET\n"
	"      --endpoint=URL       service endpoint, e.g.\n"
	"                           https://service.cn-hangzhou.maxcompute.aliyun.com/api\n"
	"      --tunnel-endpoint=URL Tunnel endpoint (default: asked of the service)\n"
	"      --ca-file=FILE       CA bundle to verify the servers with\n"
	"      --compress=NAME      block compression: deflate (default), zstd or none\n"
	"      --block-size=BYTES   cut upload blocks at this many uncompressed bytes\n"
	"                           (K/M/G suffixes; default 64M)\n"
	"      --threads=N          connections the blocks of a commit go up on at once\n"
	"                           (odps://; default 1, at most 64)\n"
	"      --retry-time=MINUTES retry 5xx, 429, timeouts and dropped connections\n"
	"                           this long (decimal; default 15), then exit 3\n"
	"      --retry-delay=SECONDS the first wait of a retry; each next one doubles\n"
	"                           (with jitter, up to 64 s; default 1)\n"
	"      --table-lifecycle=DAYS  LIFECYCLE of the tables mc-tunnel-put creates\n"
	"                           (default: none, MaxCompute keeps every partition)\n"
	"      --existing-tables=check|proceed  an existing table whose columns differ\n"
	"                           from mcsync's: exit 1 naming the column (check, the\n"
	"                           default), or use it when it has every column mcsync\n"
	"                           writes, of its type (others stay NULL; proceed)\n"
	"      --mode=batch|upsert  batch (default): base and log tables, upload\n"
	"                           sessions; upsert: the changes applied to PK Delta\n"
	"                           Tables <name> (PRIMARY KEY, transactional) through\n"
	"                           upsert sessions, a commit every --commit-interval\n"
	"                           or --commit-rows; changes only (docs/maxcompute.md)\n"
	"      --commit-interval=SECONDS  commit at the next transaction end this long\n"
	"                           after the last commit began (decimal; default 5\n"
	"                           with --mode=upsert, else none)\n"
	"      --buckets=N          write.bucket.num of the PK tables created\n"
	"                           (--mode=upsert; 1..4096, default 16)\n"
	"      --recover[=WRITER]   rebuild a lost --state=DIR (empty or missing) from\n"
	"                           the project's state mirror and exit; then run the\n"
	"                           same input again (docs/maxcompute.md)\n"
	"  -h, --help               show this help and exit\n"
	"  -V, --version            show the version and exit\n"
	"\n"
	"Input read from a pipe may end without a trailer at a record boundary (its\n"
	"source stopped): it is committed up to its last transaction end or snapshot\n"
	"chunk end, then mc-tunnel-put exits 1 ('input ended without a trailer'),\n"
	"or goes on with --partial-ok. A regular file must end with its trailer.\n"
	"End of input inside a record is always an error.\n"
	"Snapshot chunks (labelled '(LO, HI]') are kept whole when they continue\n"
	"the table's committed chain, dropped when committed already; a stream\n"
	"that cannot continue it (a different snapshot) is an error.\n"
	"Progress, metrics, alerts (docs/mc-tunnel-put.md \"Progress\"):\n"
	REPORT_USAGE REPORT_USAGE_MAX_LAG
	"\n"
	"Exit status: 0 ok; 1 bad input, an input without its trailer, a write\n"
	"error, or a refusal of MaxCompute that retrying cannot fix (nothing of the\n"
	"uncommitted rest is kept); 2 usage error; 3 the destination is locked by\n"
	"another writer, or MaxCompute still failed after --retry-time (run again).\n"
	"Manual: docs/mc-tunnel-put.md, docs/warehouse.md.\n";

struct options {
	const char *dest;
	struct sink_opts sink;
	struct dest_opts dest_o;
	struct dest_odps_opts odps;
	struct sink_rename *renames;
	size_t nrenames, cap;
	int recover;
	const char *recover_writer;
	struct report rep;
	struct sink_watch watch;
};

static int parse_utc_offset(const char *s, int64_t *off)
{
	uint64_t h, m;
	if (strlen(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' ||
	    num_u64n(s + 1, 2, &h) < 0 || num_u64n(s + 4, 2, &m) < 0 || h > 14 || m > 59)
		return -1;
	*off = (int64_t)(h * 3600 + m * 60) * (s[0] == '-' ? -1 : 1);
	return 0;
}

/* --name=DB.TABLE=NAME */
static void add_rename(struct options *o, char *arg)
{
	char *eq = strrchr(arg, '=');
	if (!eq || !memchr(arg, '.', (size_t)(eq - arg)) || !wh_name_ok(eq + 1, strlen(eq + 1)) ||
	    strlen(eq + 1) + 4 > WH_MAX_NAME)
		prog_usage_error("bad value for --name: '%s' (want DB.TABLE=NAME, NAME of [A-Za-z0-9_])", arg);
	if (mc_push(&o->renames, &o->nrenames, &o->cap, sizeof *o->renames) < 0)
		prog_oom("options");
	*eq = 0;
	o->renames[o->nrenames - 1].from = arg;
	o->renames[o->nrenames - 1].to = eq + 1;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "dest", required_argument, NULL, 'd' },
		{ "partition", required_argument, NULL, 'p' },
		{ "route", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "commit-rows", required_argument, NULL, 'c' },
		{ "commit-bytes", required_argument, NULL, 15 },
		{ "checkpoint-out", required_argument, NULL, 'C' },
		{ "utc-offset", required_argument, NULL, 'U' },
		{ "zstd", required_argument, NULL, 'z' },
		{ "partial-ok", no_argument, NULL, 'P' },
		{ "new-history", no_argument, NULL, 'H' },
		{ "tables-changed", no_argument, NULL, 16 },
		{ "resnapshot", no_argument, NULL, 'R' },
		ODPSOPT_LONGOPTS,
		{ "compress", required_argument, NULL, 6 },
		{ "block-size", required_argument, NULL, 7 },
		{ "threads", required_argument, NULL, 8 },
		{ "recover", optional_argument, NULL, 9 },
		{ "table-lifecycle", required_argument, NULL, 10 },
		{ "existing-tables", required_argument, NULL, 11 },
		{ "mode", required_argument, NULL, 12 },
		{ "commit-interval", required_argument, NULL, 13 },
		{ "buckets", required_argument, NULL, 14 },
		{ "log-layout", required_argument, NULL, 'L' },
		REPORT_LONGOPTS, REPORT_LONGOPT_MAX_LAG,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const routes[] = { "op", "base", "log", NULL };
	static const char *const comps[] = { "deflate", "zstd", "none", NULL };
	struct mc_err err = { 0 };
	int c, route, comp, layout, odps_opt = 0, interval = 0;
	uint64_t u;

	memset(o, 0, sizeof *o);
	sink_opts_init(&o->sink);
	report_init(&o->rep);
	o->dest_o.zlevel = 1;
	o->dest_o.writer = "mc-tunnel-put";
	o->odps.comp = TREC_DEFLATE;
	o->odps.threads = 1;
	struct odpsopt oo = { &o->odps.state, &o->odps.conn, &o->odps.ca_file, &o->odps.retry_s,
			      0, 10080, 0 };
	while ((c = getopt_long(argc, argv, "d:p:r:n:c:z:hV", longopts, NULL)) != -1) {
		if (odpsopt_take(&oo, c, optarg)) {
			odps_opt |= oo.set;
			continue;
		}
		switch (c) {
		REPORT_OPT_CASES:
			if (report_opt(&o->rep, c, optarg, &err) < 0)
				prog_usage_error("%s", err.msg);
			break;
		case 'd':
			o->dest = optarg;
			break;
		case 'p':
			if (strcmp(optarg, "auto") == 0)
				o->sink.part = NULL;
			else if (!wh_part_ok(optarg))
				prog_usage_error("bad value for --partition: '%s' (want KEY=VALUE[/KEY=VALUE]..., e.g. ds=20261121)", optarg);
			else
				o->sink.part = optarg;
			break;
		case 'r':
			if (opt_choice("--route", optarg, routes, &route, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->sink.route = (enum sink_route)route;
			break;
		case 'n':
			add_rename(o, optarg);
			break;
		case 'c':
			if (opt_u64("--commit-rows", optarg, 1, UINT64_MAX / 8, &o->sink.commit_rows,
				    &err) < 0)
				prog_usage_error("%s", err.msg);
			break;
		case 15:
			if (num_size(optarg, &o->sink.commit_bytes) < 0 ||
			    o->sink.commit_bytes > UINT64_MAX / 8)
				prog_usage_error("bad value for --commit-bytes: '%s' (want a size, "
						 "e.g. 64M; 0: by rows only)", optarg);
			break;
		case 'C':
			o->sink.ckpt_out = o->odps.ckpt_out = optarg;
			break;
		case 'U':
			if (parse_utc_offset(optarg, &o->sink.utc_off) < 0)
				prog_usage_error("bad value for --utc-offset: '%s' (want +HH:MM or -HH:MM)", optarg);
			o->sink.utc_off_set = 1;
			break;
		case 'z':
			if (opt_u64("--zstd", optarg, 1, 19, &u, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->dest_o.zlevel = (int)u;
			break;
		case 'P':
			o->sink.partial_ok = 1;
			break;
		case 'H':
			o->sink.new_history = 1;
			break;
		case 16:
			o->sink.tables_changed = 1;
			break;
		case 'R':
			o->sink.resnap = o->dest_o.resnap = 1;
			break;
		case 6:
			if (opt_choice("--compress", optarg, comps, &comp, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->odps.comp = comp == 0 ? TREC_DEFLATE : comp == 1 ? TREC_ZSTD : TREC_RAW;
			odps_opt = 1;
			break;
		case 7:
			if (opt_size("--block-size", optarg, 1, (uint64_t)1 << 36, &u, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->odps.block_size = (size_t)u;
			odps_opt = 1;
			break;
		case 8:
			if (opt_u64("--threads", optarg, 1, 64, &u, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->odps.threads = (int)u;
			odps_opt = 1;
			break;
		case 10:
			if (opt_u64("--table-lifecycle", optarg, 1, 37231, &u, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->odps.lifecycle = (uint32_t)u;
			odps_opt = 1;
			break;
		case 11: {
			static const char *const ex[] = { "check", "proceed", NULL };
			int e;
			if (opt_choice("--existing-tables", optarg, ex, &e, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->odps.proceed = e;
			odps_opt = 1;
			break;
		}
		case 12: {
			static const char *const modes[] = { "batch", "upsert", NULL };
			int m;
			if (opt_choice("--mode", optarg, modes, &m, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->odps.upsert = o->sink.upsert = m;
			odps_opt = 1;
			break;
		}
		case 13: {
			char *end;
			double v = strtod(optarg, &end);
			if (end == optarg || *end || !(v >= 0 && v <= 86400))
				prog_usage_error("bad value for --commit-interval: '%s' (want seconds, "
						 "0..86400, e.g. 5 or 0.5)", optarg);
			o->sink.commit_interval = v;
			interval = 1;
			break;
		}
		case 14:
			if (opt_u64("--buckets", optarg, 1, 4096, &u, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->odps.buckets = (uint32_t)u;
			odps_opt = 1;
			break;
		case 9:
			o->recover = 1;
			o->recover_writer = optarg;
			if (optarg && (!*optarg || strspn(optarg, "0123456789abcdef") != strlen(optarg)))
				prog_usage_error("bad value for --recover: '%s' (want the writer, hex "
						 "digits)", optarg);
			break;
		case 'L':
			if (opt_choice("--log-layout", optarg, wh_layout_names, &layout, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->sink.log_layout = wh_layout_names[layout];
			break;
		case 'h':
			prog_help(usage);
		case 'V':
			prog_version();
		default:
			prog_bad_option(argv);
		}
	}
	if (!o->dest)
		prog_usage_error("--dest=DIR or --dest=odps://PROJECT is required");
	if (strncmp(o->dest, "odps://", 7) != 0 && odps_opt)
		prog_usage_error("--odps-config, --endpoint, --tunnel-endpoint, --ca-file, "
				 "--compress, --block-size, --threads, --retry-time, --retry-delay, "
				 "--table-lifecycle, --existing-tables, --mode and "
				 "--buckets are for "
				 "--dest=odps://...");
	if (o->recover && (strncmp(o->dest, "odps://", 7) != 0 || !o->odps.state))
		prog_usage_error("--recover rebuilds the --state=DIR of a --dest=odps://...: give both");
	if (o->recover && optind < argc)
		prog_usage_error("--recover reads no input: run the input again after it");
	if (o->odps.upsert) {
		if (o->sink.route != SINK_ROUTE_OP || o->sink.resnap || o->recover ||
		    o->odps.lifecycle || o->odps.proceed || o->odps.threads > 1)
			prog_usage_error("--mode=upsert goes with neither --route, --resnapshot, "
					 "--recover, --table-lifecycle, --existing-tables=proceed "
					 "nor --threads (docs/maxcompute.md \"--mode=upsert\")");
		if (!interval)
			o->sink.commit_interval = 5;
	} else if (o->odps.buckets) {
		prog_usage_error("--buckets is for --mode=upsert");
	}
	o->odps.say = prog_sayer;
	o->dest_o.odps = &o->odps;
	if (o->sink.resnap && (o->sink.new_history || o->sink.part ||
			       o->sink.route != SINK_ROUTE_OP || o->sink.log_layout))
		prog_usage_error("--resnapshot goes with neither --new-history, --partition, "
				 "--route nor --log-layout (a re-snapshot's generations are "
				 "partitions of their own)");
	{ /* (files it writes: not over what it writes into) */
		struct mc_err e = { 0 };
		if (wh_paths_outside(o->sink.ckpt_out, o->rep.metrics,
				     strncmp(o->dest, "odps://", 7) ? o->dest : o->odps.state, &e) < 0)
			prog_fail(&e);
	}
	o->sink.say = prog_sayer;
	o->sink.renames = o->renames;
	o->sink.nrenames = o->nrenames;
}

/* --recover: the state directory rebuilt from the state mirror. */
static int recover(struct options *o)
{
	struct odps_target t;
	struct odps_client c;
	struct odps_http_opts ho = { 0 };
	struct odps_recover_opts ro = { 0 };
	struct mc_buf report = { 0 };
	struct mc_err err = { 0 };
	int rc;
	o->odps.conn.dest = o->dest;
	ho.ca_file = o->odps.ca_file;
	if (odps_target_resolve(&o->odps.conn, &t, &err) < 0 ||
	    odps_client_init(&c, &t, &ho, "mcsync/" MC_VERSION, &err) < 0) {
		if (err.code == MC_EXIT_USAGE)
			prog_usage_error("%s", err.msg);
		prog_fail(&err);
	}
	ro.state = o->odps.state;
	ro.dest = o->dest;
	ro.writer = o->recover_writer;
	ro.sql.retry_s = o->odps.retry_s > 0 ? o->odps.retry_s : 15 * 60;
	ro.sql.say = prog_sayer;
	rc = odps_recover(&c, &ro, &report, &err);
	if (report.len)
		fwrite(report.p, 1, report.len, stdout);
	buf_free(&report);
	odps_client_free(&c);
	odps_target_free(&t);
	if (rc < 0)
		prog_fail(&err);
	prog_close_stdout();
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;
	struct dest d;
	struct mc_err err = { 0 };
	int rc;

	prog_init("mc-tunnel-put");
	parse_options(argc, argv, &o);
	if (o.recover)
		return recover(&o);
	sink_watch_start(&o.watch, &o.rep, &o.sink);
	if (dest_open(o.dest, &o.dest_o, &d, &err) < 0)
		prog_fail(&err);
	rc = sink_run(&o.sink, &d, (const char *const *)argv + optind, (size_t)(argc - optind),
		      &err);
	dest_close(&d);
	if (rc < 0)
		prog_fail(&err);
	free(o.renames);
	prog_close_stdout();
	report_end(&o.rep);
	return 0;
}
