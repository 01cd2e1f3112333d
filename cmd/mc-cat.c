/* mc-cat: look at, convert and check record streams. The work is done by
 * the engine in common/engine/cat.c. */
#include <getopt.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/io.h"
#include "engine/cat.h"
#include "prog.h"
#include "stream/opt.h"
#include "wh/status.h"

static const char usage[] =
	"Usage: mc-cat [OPTION]... [FILE]...\n"
	"   or: mc-cat --status=DIR [--json]\n"
	"Read record streams (FILEs in turn, standard input when none or '-'),\n"
	"zstd-compressed or not, and write them in another form.\n"
	"\n"
	"  -f, --from=FORMAT   input format: auto (default: '{' starts JSON lines),\n"
	"                      mcr, jsonl\n"
	"  -t, --to=FORMAT     output: jsonl (default), mcr, csv, summary\n"
	"  -z, --zstd[=LEVEL]  compress the output with zstd (default level 3)\n"
	"      --table=DB.T    with --to=csv: the table whose rows to write\n"
	"      --with-op       with --to=csv: first columns _op and _pos\n"
	"  -c, --check         only validate the input; exit 0 if it is whole,\n"
	"                      valid and its changes in position order\n"
	"  -s, --status=DIR    how far the warehouse DIR (or mc-tunnel-put's --state\n"
	"                      DIR) is: per table the snapshot, the newest full\n"
	"                      partition, the last merge; per source the committed\n"
	"                      position, the lag, the day cut; what needs a person\n"
	"      --json          with --status: one JSON object\n"
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

static void parse_options(int argc, char **argv, struct cat_opts *o, const char **status,
			  int *json)
{
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "zstd", optional_argument, NULL, 'z' },
		{ "table", required_argument, NULL, 'T' },
		{ "with-op", no_argument, NULL, 'O' },
		{ "check", no_argument, NULL, 'c' },
		{ "status", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	/* in the order of enum rio_fmt and enum cat_to */
	static const char *const from_names[] = { "auto", "mcr", "jsonl", NULL };
	static const char *const to_names[] = { "jsonl", "mcr", "csv", "summary", NULL };
	struct mc_err err = { 0 };
	int c, check = 0, choice;
	uint64_t level;

	memset(o, 0, sizeof *o);
	o->from = RIO_AUTO;
	o->to = CAT_TO_JSONL;
	o->out_fd = 1;
	while ((c = getopt_long(argc, argv, "f:t:z::cs:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (opt_choice("--from", optarg, from_names, &choice, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->from = (enum rio_fmt)choice;
			break;
		case 't':
			if (opt_choice("--to", optarg, to_names, &choice, &err) < 0)
				prog_usage_error("%s", err.msg);
			o->to = (enum cat_to)choice;
			break;
		case 'z':
			o->zstd = 3;
			if (optarg) {
				if (opt_u64("--zstd", optarg, 1, 19, &level, &err) < 0)
					prog_usage_error("%s", err.msg);
				o->zstd = (int)level;
			}
			break;
		case 'T':
			o->table = optarg;
			break;
		case 'O':
			o->with_op = 1;
			break;
		case 'c':
			check = 1;
			break;
		case 's':
			*status = optarg;
			break;
		case 'J':
			*json = 1;
			break;
		case 'h':
			prog_help(usage);
		case 'V':
			prog_version();
		default:
			prog_bad_option(argv);
		}
	}
	if (*json && !*status)
		prog_usage_error("--json goes with --status");
	if (*status && (optind < argc || check || o->table || o->with_op || o->zstd ||
			o->to != CAT_TO_JSONL || o->from != RIO_AUTO))
		prog_usage_error("--status=DIR reads the warehouse DIR: it takes no FILE and no "
				 "other option but --json");
	if (o->to == CAT_TO_CSV && !o->table)
		prog_usage_error("--to=csv needs --table=DB.TABLE");
	if (o->table && o->to != CAT_TO_CSV)
		prog_usage_error("--table goes with --to=csv");
	if (o->table && !strchr(o->table, '.'))
		prog_usage_error("--table wants DB.TABLE, got '%s'", o->table);
	if (check)
		o->to = CAT_TO_NONE;
	o->files = (const char *const *)argv + optind;
	o->nfiles = (size_t)(argc - optind);
}

int main(int argc, char **argv)
{
	struct cat_opts opts;
	struct mc_err err = { 0 };
	const char *status = NULL;
	int json = 0;

	prog_init("mc-cat");
	parse_options(argc, argv, &opts, &status, &json);
	if (status) {
		struct mc_buf b = { 0 };
		if (wh_status(status, (int64_t)time(NULL), json, &b, &err) < 0)
			prog_fail(&err);
		if (io_write_all(1, b.p, b.len) < 0) {
			mc_errnof(&err, errno, "standard output");
			prog_fail(&err);
		}
		buf_free(&b);
		prog_close_stdout();
		return 0;
	}
	if (cat_run(&opts, &err) < 0)
		prog_fail(&err);
	prog_close_stdout();
	return 0;
}
