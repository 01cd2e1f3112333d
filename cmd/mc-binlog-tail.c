/* mc-binlog-tail: MySQL/MariaDB binary log files, or a server's binlog as a
 * replica, to the record stream (docs/mc-binlog-tail.md). The options go
 * into a struct tail_opts; the engine is common/engine/tail.c. */
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/num.h"
#include "engine/tail.h"
#include "mysql/blrepl.h"
#include "mysql/myconn.h"
#include "prog.h"
#include "progress.h"
#include "stream/opt.h"
#include "tail/mariadb_lazy.h"

static const char usage[] =
		"Usage: mc-binlog-tail [OPTION]... FILE...\n"
		"  or:  mc-binlog-tail --start=FILE:POS|--start-gtid=SET|--checkpoint-in=FILE\n"
		"          --socket=PATH|--host=HOST|--defaults-file=FILE [OPTION]...\n"
		"Decode MySQL/MariaDB binary log FILEs (in order of their sequence number;\n"
		"zstd-compressed ones too; - is standard input) and write schema, row, ddl\n"
		"and mark records to standard output.\n"
		"\n"
		"  -f, --from=FILE:POS        start at byte POS of FILE (an event boundary)\n"
		"      --stop-position=N      stop before the first event at or after offset N\n"
		"                             of the last file\n"
		"      --stop-datetime=T      stop before the first event at or after T\n"
		"                             ('YYYY-MM-DD hh:mm:ss', UTC)\n"
		"      --index=FILE           also read the binlogs FILE lists (a binlog\n"
		"                             index: one name a line, relative to its folder)\n"
		"  -s, --schema=FILE          column names (and key, and the fraction digits\n"
		"                             of MariaDB's old-format temporals) for table\n"
		"                             maps without them: the schema records of FILE,\n"
		"                             a record stream; the one in force at each\n"
		"                             position\n"
		"  -t, --tables=REGEX         only tables whose `db.table` matches REGEX\n"
		"                             (POSIX extended, unanchored)\n"
		"      --format=FMT           mcr (default): the record stream;\n"
		"                             text: one line per record and value, for people\n"
		"      --txn-memory=SIZE      buffer a transaction in memory up to SIZE\n"
		"                             (default 256M), then in a zstd temporary file\n"
		"      --no-checksum          do not verify event checksums\n"
		"      --partial-json=WHAT    a partial JSON update whose column is not in the\n"
		"                             before image (binlog_row_image=MINIMAL): error\n"
		"                             (default) or absent (emit the column as absent)\n"
		"      --rows-ddl=WHAT        an ALTER TABLE of a selected table that removes\n"
		"                             or replaces rows with no row events (DROP,\n"
		"                             TRUNCATE, EXCHANGE or CONVERT PARTITION, CONVERT\n"
		"                             TABLE ... TO PARTITION, DISCARD or IMPORT\n"
		"                             TABLESPACE): refuse (default: exit 1, naming\n"
		"                             it), or pass (its ddl record and a warning;\n"
		"                             after loading a new snapshot of the table)\n"
		"      --fk-cascades=WHAT     a CREATE or ALTER TABLE of a selected table with\n"
		"                             a foreign key ON DELETE/UPDATE CASCADE or SET\n"
		"                             NULL, whose changes the binlog does not show:\n"
		"                             refuse (default: exit 1) or pass (a warning)\n"
		"      --lower-case-table-names=N  the server's lower_case_table_names: 1 or\n"
		"                             2, table names of DDL statements are matched\n"
		"                             to the tables' without case (written in lower\n"
		"                             case); 0 as written. Live: read from the\n"
		"                             server; FILEs: a DDL naming a table only in\n"
		"                             another case than its rows is an error\n"
		"  -h, --help                 show this help and exit\n"
		"  -V, --version              show the version and exit\n"
		"\n"
		"\n"
		"Live, as a replica of a server (instead of FILEs):\n"
		"      --start=FILE:POS       start at byte POS of the server's binlog FILE\n"
		"      --start-gtid=SET       start after the transactions of a GTID set:\n"
		"                             MariaDB D-S-N[,D-S-N]... (leaves out the ones\n"
		"                             of a domain the set is ahead in), or MySQL\n"
		"                             UUID:N-M[:N-M][,UUID:...] as @@gtid_executed\n"
		"                             prints it (leaves out the ones it holds; no\n"
		"                             tagged GTIDs; not tested against MySQL)\n"
		"      --checkpoint-in=FILE   resume from the checkpoint mc-tunnel-put\n"
		"                             --checkpoint-out writes (its 'resume'\n"
		"                             position; its 'gtid' set when that binlog was\n"
		"                             purged); without FILE yet, --start or\n"
		"                             --start-gtid is where the first run starts;\n"
		"                             with FILEs and no server: read them from its\n"
		"                             'resume' (not with --from)\n"
		"      --socket=PATH, -S PATH connect through this Unix socket\n"
		"      --host=HOST            connect to HOST (--port=N, default 3306)\n"
		"      --port=N, -P N         TCP port\n"
		"      --user=NAME, -u NAME   user\n"
		"      --defaults-file=FILE   read the [client] group of FILE (host, port,\n"
		"                             socket, user, password, ssl-*) like the mysql\n"
		"                             clients; without it the password comes from\n"
		"                             MYSQL_PWD\n"
		"      --ssl-ca=FILE, --ssl-cert=FILE, --ssl-key=FILE\n"
		"                             TLS certificate authority, client certificate\n"
		"                             and key\n"
		"      --ssl-mode=MODE        DISABLED, PREFERRED, REQUIRED, VERIFY_CA or\n"
		"                             VERIFY_IDENTITY (as mc-snapshot)\n"
		"      --server-id=N          replica server id, unique among the server's\n"
		"                             replicas (default 4200001)\n"
		"      --heartbeat=SECONDS    ask the server for a heartbeat after SECONDS\n"
		"                             without events (default 30, 0: none) and write\n"
		"                             it as a heartbeat mark between transactions\n"
		"      --retry-time=MINUTES   on a lost connection, reconnect with backoff\n"
		"                             from the last complete transaction for up to\n"
		"                             MINUTES (default 720, 0: exit 3 at once;\n"
		"                             fractions too: 0.05 is 3 s)\n"
		"      --stop-at-end          stop at the end of the server's last binlog\n"
		"                             instead of waiting for more\n"
		"      --column-names=FROM    names of columns in table maps without them\n"
		"                             (binlog_row_metadata MINIMAL or NO_LOG):\n"
		"                             binlog: @1, @2...; schema (default for\n"
		"                             FILEs): --schema and DDL in the binlog;\n"
		"                             server (default live): those, else\n"
		"                             information_schema when it matches the map\n"
		"Progress, metrics, alerts (docs/mc-binlog-tail.md \"Progress\"):\n"
		REPORT_USAGE REPORT_USAGE_MAX_LAG
		"\n"
		"Exit status: 0 ok, 1 bad or truncated input, 2 usage, 3 connection lost.\n";

enum {
	O_FROM = 'f', O_SCHEMA = 's', O_TABLES = 't',
	O_STOP_POS = 256, O_STOP_TIME, O_FORMAT, O_NO_CHECKSUM, O_PARTIAL_JSON, O_INDEX,
	O_TXN_MEMORY, O_START, O_SERVER_ID, O_STOP_AT_END, O_HEARTBEAT, O_RETRY, O_NAMES,
	O_CKPT_IN, O_START_GTID, O_ROWS_DDL, O_LCTN, O_FK,
};

static const struct option longopts[] = {
	{ "from", required_argument, NULL, O_FROM },
	{ "stop-position", required_argument, NULL, O_STOP_POS },
	{ "stop-datetime", required_argument, NULL, O_STOP_TIME },
	{ "tables", required_argument, NULL, O_TABLES },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "no-checksum", no_argument, NULL, O_NO_CHECKSUM },
	{ "partial-json", required_argument, NULL, O_PARTIAL_JSON },
	{ "rows-ddl", required_argument, NULL, O_ROWS_DDL },
	{ "fk-cascades", required_argument, NULL, O_FK },
	{ "lower-case-table-names", required_argument, NULL, O_LCTN },
	{ "index", required_argument, NULL, O_INDEX },
	{ "schema", required_argument, NULL, O_SCHEMA },
	{ "txn-memory", required_argument, NULL, O_TXN_MEMORY },
	{ "start", required_argument, NULL, O_START },
	MY_LONGOPTS, /* --host, --port, --socket, --user, --defaults-file, --ssl-* */
	{ "server-id", required_argument, NULL, O_SERVER_ID },
	{ "stop-at-end", no_argument, NULL, O_STOP_AT_END },
	{ "heartbeat", required_argument, NULL, O_HEARTBEAT },
	{ "retry-time", required_argument, NULL, O_RETRY },
	{ "column-names", required_argument, NULL, O_NAMES },
	{ "checkpoint-in", required_argument, NULL, O_CKPT_IN },
	{ "start-gtid", required_argument, NULL, O_START_GTID },
	REPORT_LONGOPTS, REPORT_LONGOPT_MAX_LAG,
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char *const names_from[] = { "binlog", "schema", "server", NULL };

/* The long name of option c, for messages. */
static const char *opt_name(int c)
{
	if (c == 'u')
		return "user";
	if (c == 'P')
		return "port";
	if (c == 'S')
		return "socket";
	for (size_t i = 0; longopts[i].name; i++)
		if (longopts[i].val == c)
			return longopts[i].name;
	return "?";
}

/* 'YYYY-MM-DD[ hh:mm:ss]', UTC. */
static int parse_datetime(const char *s, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return -1;
	if (s[n]) {
		int m = 0;
		if (sscanf(s + n, " %2d:%2d:%2d%n", &h, &mi, &se, &m) != 3 || s[n + m])
			return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = (int64_t)timegm(&tm);
	return 0;
}

/* A non-negative number of seconds (or minutes) below max. */
static int parse_seconds(const char *s, double scale, double max, double *out)
{
	char *e;
	errno = 0;
	*out = strtod(s, &e) * scale;
	return errno || e == s || *e || !(*out >= 0 && *out < max) ? -1 : 0;
}

/* The live options: a connection and where to start. */
static void check_live(struct tail_opts *o, int conn, int nfiles)
{
	if (!o->start_at && !o->ckpt_in && !o->start_gtid)
		prog_usage_error("%s", "a server connection needs --start=FILE:POS, "
				 "--start-gtid=SET or --checkpoint-in=FILE");
	if (o->start_at && o->start_gtid)
		prog_usage_error("%s", "--start and --start-gtid: give one");
	if (o->start_gtid && blr_gtid_is_mysql(o->start_gtid)) {
		struct blr_gtset gs = { 0 };
		struct mc_err e = { 0 };
		int bad = blr_gtset_parse(o->start_gtid, &gs, &e) < 0;
		blr_gtset_free(&gs);
		if (bad)
			prog_usage_error("--start-gtid: %s", e.msg);
	} else if (o->start_gtid && !blr_gtid_ok(o->start_gtid)) {
		prog_usage_error("bad --start-gtid '%s' (want a MariaDB GTID set "
				 "D-S-N[,D-S-N]... or a MySQL one UUID:N-M[,UUID:N-M]...)",
				 o->start_gtid);
	}
	if (!conn)
		prog_usage_error("%s", "--start, --start-gtid and --checkpoint-in need "
				 "--socket, --host or --defaults-file");
	if (nfiles || o->index_file || o->from_file)
		prog_usage_error("%s", "--start, --start-gtid and --checkpoint-in read from the server: "
				 "no FILE, --from or --index");
	o->live = 1;
	tail_catch_stop(); /* a stop before anything slow is a clean one */
}

int main(int argc, char **argv)
{
	struct tail_opts o;
	struct my_opts conn = { 0 };
	struct mc_err err = { 0 };
	regex_t re;
	const char **schema = NULL;
	const char *from = NULL;
	char *from_file = NULL;
	size_t nschema = 0, cschema = 0;
	uint64_t sid;
	double sec;
	int c, live_conn = 0, i, rc, files_ckpt;
	const char *live_only = NULL; /* an option of the live tail, given */
	struct report rep;
	struct tail_watch watch;

	prog_init("mc-binlog-tail");
	report_init(&rep);
	tail_opts_init(&o);
	o.prog = prog_name;
	o.warn = prog_sayer;
	while ((c = getopt_long(argc, argv, MY_SHORTOPTS "f:s:t:hV", longopts, NULL)) != -1) {
		switch (c) {
		case O_FROM: from = optarg; break;
		case O_STOP_POS:
			if (num_u64(optarg, &o.stop_pos) < 0)
				prog_usage_error("bad --stop-position '%s'", optarg);
			o.have_stop_pos = 1;
			break;
		case O_STOP_TIME:
			if (parse_datetime(optarg, &o.stop_time) < 0)
				prog_usage_error("bad --stop-datetime '%s' (want 'YYYY-MM-DD hh:mm:ss')",
						 optarg);
			o.have_stop_time = 1;
			break;
		case O_TABLES:
			if (o.tables)
				regfree(&re);
			if (regcomp(&re, optarg, REG_EXTENDED | REG_NOSUB) != 0)
				prog_usage_error("bad --tables regular expression '%s'", optarg);
			o.tables = &re;
			o.tables_text = optarg;
			break;
		case O_FORMAT:
			if (strcmp(optarg, "text") == 0 || strcmp(optarg, "mcr") == 0)
				o.text = optarg[0] == 't';
			else
				prog_usage_error("bad --format '%s' (want mcr or text)", optarg);
			break;
		case O_NO_CHECKSUM: o.no_checksum = 1; break;
		case O_INDEX: o.index_file = optarg; break;
		case O_SCHEMA:
			if (mc_push(&schema, &nschema, &cschema, sizeof *schema) < 0)
				prog_oom("--schema");
			schema[nschema - 1] = optarg;
			break;
		case O_TXN_MEMORY:
			if (num_size(optarg, &o.txn_memory) < 0)
				prog_usage_error("bad --txn-memory '%s'", optarg);
			break;
		case O_PARTIAL_JSON:
			if (strcmp(optarg, "absent") == 0 || strcmp(optarg, "error") == 0)
				o.partial_json_absent = optarg[0] == 'a';
			else
				prog_usage_error("bad --partial-json '%s' (want error or absent)", optarg);
			break;
		case O_LCTN:
			if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '2')
				prog_usage_error("bad --lower-case-table-names '%s' (want 0, 1 or 2)",
						 optarg);
			o.lctn = optarg[0] - '0';
			break;
		case O_FK:
			if (strcmp(optarg, "pass") == 0 || strcmp(optarg, "refuse") == 0)
				o.fk_pass = optarg[0] == 'p';
			else
				prog_usage_error("bad --fk-cascades '%s' (want refuse or pass)", optarg);
			break;
		case O_ROWS_DDL:
			if (strcmp(optarg, "pass") == 0 || strcmp(optarg, "refuse") == 0)
				o.rows_ddl_pass = optarg[0] == 'p';
			else
				prog_usage_error("bad --rows-ddl '%s' (want refuse or pass)", optarg);
			break;
		REPORT_OPT_CASES:
			if (report_opt(&rep, c, optarg, &err) < 0)
				prog_usage_error("%s", err.msg);
			break;
		case O_START: o.start_at = optarg; break;
		case O_CKPT_IN: o.ckpt_in = optarg; break;
		case O_START_GTID: o.start_gtid = optarg; break;
		MY_OPT_CASES:
			/* the connection options of the mysql clients (myconn.h) */
			if (my_opt(&conn, c, optarg, &err) < 0)
				prog_usage_error("%s", err.msg);
			live_only = opt_name(c);
			if (c == MY_O_HOST || c == MY_O_PORT || c == MY_O_SOCKET || c == MY_O_DEFAULTS ||
			    c == 'P' || c == 'S')
				live_conn = 1;
			break;
		case O_SERVER_ID:
			if (num_u64(optarg, &sid) < 0 || sid == 0 || sid > UINT32_MAX)
				prog_usage_error("bad --server-id '%s' (want 1 to 4294967295)", optarg);
			o.server_id = (uint32_t)sid;
			live_only = opt_name(c);
			break;
		case O_STOP_AT_END:
			o.stop_at_end = 1;
			live_only = opt_name(c);
			break;
		case O_NAMES:
			if (opt_choice("column-names", optarg, names_from, &i, &err) < 0)
				prog_usage_error("%s", err.msg);
			o.column_names = TAIL_NAMES_BINLOG + i;
			break;
		case O_RETRY:
			if (parse_seconds(optarg, 60, 1e9, &o.retry_sec) < 0)
				prog_usage_error("bad --retry-time '%s' (want minutes, 0 for none)", optarg);
			live_only = opt_name(c);
			break;
		case O_HEARTBEAT:
			if (parse_seconds(optarg, 1, 4294967.5, &sec) < 0 || sec > 4294967)
				prog_usage_error("bad --heartbeat '%s' (want seconds, 0 for none)", optarg);
			o.heartbeat_ms = (unsigned)(sec * 1000);
			live_only = opt_name(c);
			break;
		case 'h': prog_help(usage);
		case 'V': prog_version();
		default: prog_bad_option(argv);
		}
	}
	if (from) {
		const char *colon = strrchr(from, ':');
		if (!colon || colon == from || num_u64(colon + 1, &o.from_pos) < 0 || o.from_pos < 4)
			prog_usage_error("bad --from '%s' (want FILE:POS)", from);
		if (!(from_file = mc_strndup(from, (size_t)(colon - from))))
			prog_oom("--from");
		o.from_file = from_file;
	}
	o.schema_files = schema;
	o.nschema = nschema;
	o.files = argv + optind;
	o.nfiles = (size_t)(argc - optind);
	o.conn = &conn;
	/* FILEs from a checkpoint's resume: --checkpoint-in without a server */
	files_ckpt = o.ckpt_in && !live_conn && !o.start_at && !o.start_gtid &&
		     (optind < argc || o.index_file);
	if (files_ckpt && from)
		prog_usage_error("%s", "--checkpoint-in and --from: give one");
	if (!files_ckpt && (o.start_at || live_conn || o.ckpt_in || o.start_gtid))
		check_live(&o, live_conn, argc - optind);
	else if (o.column_names == TAIL_NAMES_SERVER)
		prog_usage_error("%s", "--column-names=server needs a server (--start)");
	else if (live_only)
		/* reading FILEs: an option of the live tail would be ignored */
		prog_usage_error("--%s is for reading a server (--start, --start-gtid or "
				 "--checkpoint-in, with --socket, --host or --defaults-file), "
				 "not FILEs", live_only);
	if (o.live && mariadb_lazy_open(&err) < 0)
		prog_fail(&err);
	tail_watch_start(&watch, &rep, &o);
	rc = tail_run(&o, &err);
	if (rc == TAIL_EUSAGE)
		prog_usage_error("%s", err.msg);
	if (rc < 0)
		prog_fail(&err);
	prog_close_stdout();
	report_end(&rep);
	if (o.tables)
		regfree(&re);
	free(schema);
	free(from_file);
	return 0;
}
