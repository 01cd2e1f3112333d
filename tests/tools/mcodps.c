/* mcodps: drive common/odps's SQL instances and table migration from a
 * shell test (tests/t7030-odps-sql.sh).
 *
 *   mcodps [OPTS] sql QUERY          run QUERY, print its result
 *   mcodps [OPTS] ensure FILE        for each schema record of the stream
 *                                    FILE: odps_tables_ensure of its base
 *                                    table (or --log: its log table)
 *   mcodps mctype MYSQL_TYPE         the default MaxCompute type
 * OPTS: --dest=D --endpoint=U --odps-config=F --retry-time=SECONDS -v
 *       --name=T (the table's name; default DB__TABLE) --log
 *       --part=SPEC --lifecycle=DAYS
 * Errors: the message on stderr ("mcodps: ..."), exit with its code. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "odps/client.h"
#include "odps/sql.h"
#include "odps/tables.h"
#include "stream/mctype.h"
#include "stream/recio.h"

static int fail(const struct mc_err *e)
{
	fprintf(stderr, "mcodps: %s\n", e->msg);
	return e->code ? e->code : 1;
}

static void say(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "mcodps: %s\n", line);
}

int main(int argc, char **argv)
{
	struct odps_conn_opts co = { 0 };
	struct odps_sql_opts so = { 0 };
	struct odps_tables_opts to = { 0 };
	const char *name = NULL, *part = NULL;
	int is_log = 0, i = 1;
	struct mc_err err = { 0 };

	so.retry_s = 5;
	so.poll_max_s = 0.2;
	so.say.fn = say;
	for (; i < argc && !strncmp(argv[i], "-", 1); i++) {
		const char *a = argv[i], *v = strchr(a, '=');
		v = v ? v + 1 : "";
		if (!strncmp(a, "--dest=", 7)) co.dest = v;
		else if (!strncmp(a, "--endpoint=", 11)) co.endpoint = v;
		else if (!strncmp(a, "--odps-config=", 14)) co.odps_config = v;
		else if (!strncmp(a, "--retry-time=", 13)) so.retry_s = strtod(v, NULL);
		else if (!strcmp(a, "-v")) so.verbose = 1;
		else if (!strncmp(a, "--name=", 7)) name = v;
		else if (!strcmp(a, "--log")) is_log = 1;
		else if (!strncmp(a, "--part=", 7)) part = v;
		else if (!strncmp(a, "--lifecycle=", 12)) to.lifecycle = (uint32_t)strtoul(v, NULL, 10);
		else {
			fprintf(stderr, "mcodps: unknown option %s\n", a);
			return 2;
		}
	}
	if (argc - i == 2 && !strcmp(argv[i], "mctype")) {
		char out[64];
		printf("%s\n", mctype_for(argv[i + 1], strlen(argv[i + 1]), out, sizeof out));
		return 0;
	}
	if (argc - i != 2 || (strcmp(argv[i], "sql") && strcmp(argv[i], "ensure"))) {
		fprintf(stderr, "usage: mcodps [OPTS] sql QUERY | ensure FILE | mctype T\n");
		return 2;
	}
	struct odps_target t;
	struct odps_client c;
	if (odps_target_resolve(&co, &t, &err) < 0)
		return fail(&err);
	if (odps_client_init(&c, &t, NULL, "mcsync/test", &err) < 0)
		return fail(&err);
	int rc = 0;
	if (!strcmp(argv[i], "sql")) {
		struct mc_buf out = { 0 };
		rc = odps_sql_run(&c, &so, argv[i + 1], ODPS_SQL_IDEMPOTENT, &out, &err);
		if (rc == 0)
			fwrite(out.p ? out.p : "", 1, out.len, stdout);
		buf_free(&out);
	} else {
		struct rio_reader rd;
		struct mc_rec r;
		int fd = open(argv[i + 1], O_RDONLY);
		if (fd < 0) {
			perror(argv[i + 1]);
			return 1;
		}
		to.sql = &so;
		rio_init(&rd, fd, RIO_AUTO);
		while (rc == 0 && (rc = rio_next(&rd, &r, &err)) > 0) {
			char nm[600];
			if (r.kind != MC_R_SCHEMA) {
				rc = 0;
				continue;
			}
			if (name)
				snprintf(nm, sizeof nm, "%s%s", name, is_log ? "_log" : "");
			else
				snprintf(nm, sizeof nm, "%.*s__%.*s%s", (int)r.db.n, r.db.p, (int)r.table.n,
					 r.table.p, is_log ? "_log" : "");
			rc = odps_tables_ensure(&c, &to, &r, nm, is_log, part, &err);
			if (rc == 0)
				printf("ensured %s\n", nm);
		}
		rio_close(&rd);
		close(fd);
	}
	odps_client_free(&c);
	odps_target_free(&t);
	return rc < 0 ? fail(&err) : 0;
}
