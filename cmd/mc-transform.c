/* mc-transform: the per-table rules of a sync (which tables, under which
 * names) applied to a record stream. The rules are read by
 * common/transform/rules.c, the stream filtered by common/transform/run.c. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "prog.h"
#include "report.h"
#include "stream/opt.h"
#include "transform/run.h"

static const char usage[] =
	"Usage: mc-transform --rules=FILE [OPTION]... [FILE]...\n"
	"Read record streams (FILEs in turn, standard input when none or '-'),\n"
	"apply the rules of FILE and write one record stream (mcr) on standard\n"
	"output: the tables the rules select, under their destination names;\n"
	"headers, positions and marks pass unchanged.\n"
	"\n"
	"  -r, --rules=FILE    the rules file (YAML or JSON; docs/mc-transform.md)\n"
	"  -c, --check         check the rules file and print the table mapping of\n"
	"                      the schema records of --schema; write no stream\n"
	"  -s, --schema=FILE   with --check: a record stream whose schema records\n"
	"                      are the sample (mc-snapshot's output, say); else\n"
	"                      the tables' schemas before the input (the last of\n"
	"                      each), for a MODIFY the ddl rules drop\n"
	"  -a, --alerts=FILE   append the DDL alerts to FILE (instead of the rules'\n"
	"                      ddl.alerts); each is also printed on stderr\n"
	"      --on-alert=CMD  run CMD (sh -c) for each DDL alert: the line on its\n"
	"                      standard input, MCSYNC_ALERT=ddl in its environment\n"
	"  -p, --param=NAME=VALUE  the value of ${NAME} in the rules (a scheduling\n"
	"                      parameter: --param bizdate=20240102); repeatable\n"
	"  -j, --reject=FILE   append the rows rejected as dirty data to FILE (one\n"
	"                      line each, a row FILE lists already not again;\n"
	"                      instead of the rules' dirty.reject)\n"
	"  -m, --max-dirty=N   reject up to N dirty rows before failing (instead of\n"
	"                      the rules' dirty.limit; default 0: the first fails)\n"
	"  -f, --from=FORMAT   input format: auto (default), mcr, jsonl\n"
	"  -z, --zstd[=LEVEL]  compress the output with zstd (default level 3)\n"
	"  -h, --help          show this help and exit\n"
	"  -V, --version       show the version and exit\n"
	"\n"
	"Exit status: 0 ok; 1 bad input, a name the rules cannot give, a row\n"
	"condition that cannot be decided, a DDL the rules refuse, or dirty data\n"
	"past the limit (the message names the file, record and position); 2\n"
	"usage error or a bad rules file (the message names its file, line and\n"
	"column).\n"
	"Manual: docs/mc-transform.md.\n";

struct options {
	const char *rules;
	const char *schema;
	const char *alerts;
	const char *reject;
	const char **params;
	size_t nparams;
	long long max_dirty; /* -1: the rules' */
	int check;
	struct tf_opts t;
	struct report rep;       /* --on-alert */
	struct report_kind ddl;
};

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "check", no_argument, NULL, 'c' },
		{ "schema", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "alerts", required_argument, NULL, 'a' },
		{ "on-alert", required_argument, NULL, REPORT_O_ON_ALERT },
		{ "param", required_argument, NULL, 'p' },
		{ "reject", required_argument, NULL, 'j' },
		{ "max-dirty", required_argument, NULL, 'm' },
		{ "zstd", optional_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const from_names[] = { "auto", "mcr", "jsonl", NULL };
	struct mc_err err = { 0 };
	int c, choice;
	uint64_t level;

	memset(o, 0, sizeof *o);
	o->t.from = RIO_AUTO;
	o->t.out_fd = 1;
	o->t.alerts_fd = -1;
	o->t.reject_fd = -1;
	o->max_dirty = -1;
	if (!(o->params = calloc((size_t)argc + 1, sizeof *o->params)))
		prog_usage_error("out of memory");
	while ((c = getopt_long(argc, argv, "r:cs:a:p:j:m:f:z::hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->rules = optarg;
			break;
		case 'c':
			o->check = 1;
			break;
		case 's':
			o->schema = optarg;
			break;
		case 'a':
			o->alerts = optarg;
			break;
		case REPORT_O_ON_ALERT:
			o->rep.on_alert = optarg;
			break;
		case 'p':
			o->params[o->nparams++] = optarg;
			break;
		case 'j':
			o->reject = optarg;
			break;
		case 'm':
			if (opt_u64("--max-dirty", optarg, 0, 1000000000000ull, &level, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->max_dirty = (long long)level;
			break;
		case 'f':
			if (opt_choice("--from", optarg, from_names, &choice, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->t.from = (enum rio_fmt)choice;
			break;
		case 'z':
			o->t.zstd = 3;
			if (optarg) {
				if (opt_u64("--zstd", optarg, 1, 19, &level, &err) < 0)
					prog_usage_error("%s", err.msg);
				o->t.zstd = (int)level;
			}
			break;
		case 'h':
			prog_help(usage);
		case 'V':
			prog_version();
		default:
			prog_bad_option(argv);
		}
	}
	if (!o->rules)
		prog_usage_error("--rules=FILE is needed");
	if (o->check && optind < argc)
		prog_usage_error("--check reads no stream: give the sample with --schema=FILE");
	o->t.files = (const char *const *)argv + optind;
	o->t.nfiles = (size_t)(argc - optind);
	if (o->check) {
		o->t.files = o->schema ? (const char *const *)&o->schema : NULL;
		o->t.nfiles = o->schema ? 1 : 0;
	} else {
		o->t.schema = o->schema;
	}
}

int main(int argc, char **argv)
{
	struct options o;
	struct tf_rules rules;
	struct mc_err err = { 0 };
	int rc;

	prog_init("mc-transform");
	parse_options(argc, argv, &o);
	if (tf_rules_load(&rules, o.rules, &err) < 0) {
		tf_rules_free(&rules);
		prog_fail(&err);
	}
	if (tf_rules_params(&rules, o.params, o.nparams, &err) < 0) {
		tf_rules_free(&rules);
		prog_fail(&err);
	}
	free(o.params);
	o.t.rules = &rules;
	o.t.alert = prog_sayer;
	if (o.rep.on_alert) {
		/* each DDL alert: on stderr and to CMD (cmd/lib/report.h) */
		o.ddl.r = &o.rep;
		o.ddl.kind = "ddl";
		o.t.alert = (struct mc_say){ report_alert_say, &o.ddl };
	}
	o.t.note = prog_sayer;
	o.t.dirty_limit = o.max_dirty >= 0 ? o.max_dirty : rules.dirty_limit;
	o.t.reject_name = o.reject ? o.reject : rules.reject;
	if (!o.check && o.t.dirty_limit > 0 && !o.t.reject_name) {
		tf_rules_free(&rules);
		prog_usage_error("a dirty limit above 0 needs a reject file (--reject=FILE or "
				 "dirty.reject): rejected rows are listed, never only dropped");
	}
	if (!o.check && o.t.reject_name &&
	    (o.t.reject_fd = open(o.t.reject_name, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		mc_errnof(&err, errno, "reject file '%s'", o.t.reject_name);
		err.code = MC_EXIT_USAGE;
		tf_rules_free(&rules);
		prog_fail(&err);
	}
	if (!o.check && (o.alerts || rules.alerts)) {
		const char *path = o.alerts ? o.alerts : rules.alerts;
		if ((o.t.alerts_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0) {
			mc_errnof(&err, errno, "alerts file '%s'", path);
			err.code = MC_EXIT_USAGE;
			tf_rules_free(&rules);
			prog_fail(&err);
		}
	}
	rc = o.check ? tf_check(&o.t, &err) : tf_run(&o.t, &err);
	if (o.t.reject_fd >= 0 && close(o.t.reject_fd) < 0 && rc == 0)
		rc = mc_errnof(&err, errno, "the reject file: write error");
	tf_rules_free(&rules);
	if (o.t.alerts_fd >= 0 && close(o.t.alerts_fd) < 0 && rc == 0)
		rc = mc_errnof(&err, errno, "the alerts file: write error");
	if (rc < 0)
		prog_fail(&err);
	prog_close_stdout();
	return 0;
}
