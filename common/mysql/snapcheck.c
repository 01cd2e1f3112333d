#define _GNU_SOURCE /* strcasestr */
#include "mysql/snapcheck.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mysql/myconn.h"
#include "base/num.h"

/* Why a system-versioned table is refused. */
#define VERSIONED_WHY                                                                        \
	"mc-snapshot does not snapshot it (the binlog carries its history columns "           \
	"row_start/row_end and the history rows its changes write, which a snapshot of the "  \
	"current rows would not match), and would not leave it out in silence"

/* The value of a server variable, or "" when it does not exist. */
static int var(MYSQL *m, const char *name, char *out, size_t outsz, struct mc_err *err)
{
	char q[200];
	MYSQL_RES *res;
	snprintf(q, sizeof q, "SHOW GLOBAL VARIABLES LIKE '%s'", name);
	if (my_query(m, q, &res, err) < 0)
		return -1;
	MYSQL_ROW row = mysql_fetch_row(res);
	snprintf(out, outsz, "%s", row && row[1] ? row[1] : "");
	mysql_free_result(res);
	return 0;
}

static int selected(const struct snap_table *t, size_t n, const char *db, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].db, db) == 0 && strcmp(t[i].name, name) == 0)
			return 1;
	return 0;
}

int snapcheck_xa(MYSQL *m)
{
	MYSQL_RES *res;
	struct mc_err e = { 0 };
	int k = 0;
	if (my_query(m, "XA RECOVER", &res, &e) < 0)
		return -1; /* (not allowed: not known) */
	while (mysql_fetch_row(res))
		k++;
	mysql_free_result(res);
	return k;
}

/* The foreign keys whose cascades change a selected table: InnoDB makes
 * those changes itself and the binlog has none of them. fn(ctx, text) for
 * each, text saying which and why; returns how many, or -1 (err). */
static int fk_cascades(MYSQL *m, const struct snap_table *t, size_t n,
		       void (*fn)(void *, const char *), void *ctx, struct mc_err *err)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	char text[1400];
	int count = 0;
	if (my_query(m,
		     "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, "
		     "UNIQUE_CONSTRAINT_SCHEMA, REFERENCED_TABLE_NAME, DELETE_RULE, UPDATE_RULE "
		     "FROM information_schema.REFERENTIAL_CONSTRAINTS "
		     "WHERE DELETE_RULE IN ('CASCADE','SET NULL','SET DEFAULT') "
		     "OR UPDATE_RULE IN ('CASCADE','SET NULL','SET DEFAULT') ORDER BY 1, 2, 3",
		     &res, err) < 0)
		return -1;
	while ((row = mysql_fetch_row(res))) {
		if (!row[0] || !row[1] || !row[2] || !row[5] || !row[6] || !selected(t, n, row[0], row[1]))
			continue;
		int del = strcmp(row[5], "RESTRICT") != 0 && strcmp(row[5], "NO ACTION") != 0;
		int upd = strcmp(row[6], "RESTRICT") != 0 && strcmp(row[6], "NO ACTION") != 0;
		snprintf(text, sizeof text,
			 "table '%s.%s': foreign key '%s' to '%s.%s' is%s%s%s%s: the changes the cascade "
			 "makes to '%s.%s' are not in the binlog, so its copy would keep rows the server "
			 "changed or deleted; have the application change the rows itself (ON DELETE/"
			 "UPDATE RESTRICT), or exclude the table (--exclude) and snapshot it again "
			 "whenever needed",
			 row[0], row[1], row[2], row[3] ? row[3] : "?", row[4] ? row[4] : "?",
			 del ? " ON DELETE " : "", del ? row[5] : "", upd ? " ON UPDATE " : "",
			 upd ? row[6] : "", row[0], row[1]);
		fn(ctx, text);
		count++;
	}
	mysql_free_result(res);
	return count;
}

struct fk_out {
	FILE *out;
	char first[1400]; /* the first one's text (snapcheck_fk) */
	const struct mc_say *warn;
};

static void fk_finding(void *ctx, const char *text)
{
	struct fk_out *x = ctx;
	fprintf(x->out, "error: %s\n", text);
}

int snapcheck_run(MYSQL *m, const struct snap_table *t, size_t n, FILE *out,
		  struct mc_err *err)
{
	int errors = 0, k;
	struct fk_out fx = { .out = out };
	char v[256], w[256];
#define FINDING(level, ...)                         \
	do {                                        \
		fprintf(out, "%s: ", level);        \
		fprintf(out, __VA_ARGS__);          \
		fputc('\n', out);                   \
		if (strcmp(level, "error") == 0)    \
			errors++;                   \
	} while (0)

	fprintf(out, "server: %s\n", mysql_get_server_info(m));
	if (var(m, "log_bin", v, sizeof v, err) < 0)
		return -1;
	if (strcasecmp(v, "ON") != 0 && strcmp(v, "1") != 0)
		FINDING("error", "log_bin is %s: the binary log is off; start the server with --log-bin",
			v[0] ? v : "unset");
	else
		FINDING("ok", "log_bin is ON");
	if (var(m, "binlog_format", v, sizeof v, err) < 0)
		return -1;
	if (strcasecmp(v, "ROW") != 0)
		FINDING("error", "binlog_format is %s: set binlog_format=ROW", v);
	else
		FINDING("ok", "binlog_format is ROW");
	if (var(m, "binlog_row_image", v, sizeof v, err) < 0)
		return -1;
	if (v[0] && strcasecmp(v, "FULL") != 0)
		FINDING("error", "binlog_row_image is %s: set binlog_row_image=FULL", v);
	else
		FINDING("ok", "binlog_row_image is FULL");
	if (var(m, "binlog_row_metadata", v, sizeof v, err) < 0)
		return -1;
	if (v[0] && strcasecmp(v, "FULL") != 0)
		FINDING("warning",
			"binlog_row_metadata is %s: with FULL the binlog names columns itself; "
			"else mc-binlog-tail needs the snapshot's schema records",
			v);

	/* retention */
	uint64_t secs = 0, days = 0;
	int have_secs = 0;
	if (var(m, "binlog_expire_logs_seconds", v, sizeof v, err) < 0)
		return -1;
	if (v[0] && num_u64(v, &secs) == 0)
		have_secs = 1;
	if (var(m, "expire_logs_days", v, sizeof v, err) < 0)
		return -1;
	if (v[0]) {
		/* MariaDB prints a fraction (e.g. 0.000000) */
		char *dot = strchr(v, '.');
		if (dot)
			*dot = 0;
		if (num_u64(v, &days) < 0)
			days = 0;
	}
	uint64_t keep = have_secs && secs ? secs : days * 86400;
	if (keep == 0)
		FINDING("ok", "binlogs are never purged automatically (watch the disk)");
	else if (keep < 86400)
		FINDING("warning",
			"binlogs are purged after %llu s: less than a day between snapshot, tail "
			"and a restart; raise binlog_expire_logs_seconds",
			(unsigned long long)keep);
	else
		FINDING("ok", "binlogs are kept %llu s", (unsigned long long)keep);

	/* grants */
	MYSQL_RES *res;
	if (my_query(m, "SHOW GRANTS", &res, err) < 0)
		return -1;
	int all = 0, sel = 0, repl_slave = 0, repl_client = 0, reload = 0;
	MYSQL_ROW row;
	while ((row = mysql_fetch_row(res))) {
		const char *g = row[0];
		const char *on = strstr(g, " ON ");
		int global = on && strncmp(on, " ON *.*", 7) == 0;
		if (!global)
			continue;
		if (strcasestr(g, "ALL PRIVILEGES"))
			all = 1;
		if (strcasestr(g, "SELECT"))
			sel = 1;
		if (strcasestr(g, "RELOAD"))
			reload = 1;
		if (strcasestr(g, "REPLICATION SLAVE"))
			repl_slave = 1;
		if (strcasestr(g, "REPLICATION CLIENT") || strcasestr(g, "BINLOG MONITOR"))
			repl_client = 1;
	}
	mysql_free_result(res);
	if (!all && !repl_slave)
		FINDING("error", "the user lacks REPLICATION SLAVE (needed by mc-binlog-tail)");
	if (!all && !repl_client)
		FINDING("error", "the user lacks REPLICATION CLIENT / BINLOG MONITOR (binlog positions)");
	if (all || (repl_slave && repl_client))
		FINDING("ok", "replication grants");
	if (!my_is_mariadb(m)) {
		if (!all && !reload)
			FINDING("error", "the user lacks RELOAD: on MySQL mc-snapshot takes a brief "
					 "FLUSH TABLES WITH READ LOCK (--consistency=lock)");
		else
			FINDING("ok", "RELOAD for the brief lock of --consistency=lock (MySQL)");
	}

	for (size_t i = 0; i < n; i++) {
		const struct snap_table *x = &t[i];
		struct mc_buf q = { 0 };
		if (!sel && !all) {
			/* SELECT may be granted per database or table: try it */
			buf_adds(&q, "SELECT 1 FROM ");
			buf_adds(&q, x->qname);
			buf_adds(&q, " LIMIT 0");
			buf_addc(&q, 0);
			if (mysql_query(m, q.p) != 0)
				FINDING("error", "table '%s.%s': cannot SELECT: %s", x->db, x->name,
					mysql_error(m));
			else {
				MYSQL_RES *r = mysql_store_result(m);
				if (r)
					mysql_free_result(r);
			}
			buf_free(&q);
		}
		if (x->nkey == 0)
			FINDING("error",
				"table '%s.%s' has no primary key nor unique key of NOT NULL columns: "
				"declare one with --split-key=%s.%s:COLUMNS",
				x->db, x->name, x->db, x->name);
		else if (x->key_flags & MC_SF_KEY_DECLARED)
			FINDING("ok", "table '%s.%s': declared key", x->db, x->name);
		if (x->split_named)
			FINDING("ok", "table '%s.%s': --split-key (%s) is not unique: split on (%s), "
				      "completed with the table's key",
				x->db, x->name, snap_split_names(x, x->split_named, v, sizeof v),
				snap_split_names(x, x->nsplit, w, sizeof w));
		else if (x->nsplit && !x->split_unique)
			FINDING("warning",
				"table '%s.%s': declared key (%s) is not a unique key of the table: "
				"nothing checks that its values are unique; a chunk holds every row "
				"of a value it reaches",
				x->db, x->name, snap_split_names(x, x->nsplit, v, sizeof v));
		else if (x->nsplit == 0)
			FINDING("warning",
				"table '%s.%s': its key cannot split it (column type): read as one chunk",
				x->db, x->name);
		if (x->versioned)
			FINDING("error", "table '%s.%s' is system-versioned (WITH SYSTEM VERSIONING): "
					 "%s; --exclude it, or ALTER TABLE %s DROP SYSTEM VERSIONING",
				x->db, x->name, VERSIONED_WHY, x->qname);
		if (x->has_invisible)
			FINDING("warning",
				"table '%s.%s' has invisible columns: they are written like the others",
				x->db, x->name);
	}
	/* foreign keys whose cascades change a selected table */
	if ((k = fk_cascades(m, t, n, fk_finding, &fx, err)) < 0)
		return -1;
	errors += k;
	if ((k = snapcheck_xa(m)) > 0)
		FINDING("warning", XA_WHY, k, k == 1 ? "" : "s");
	fprintf(out, "%d error%s\n", errors, errors == 1 ? "" : "s");
	return errors;
}

int snapcheck_versioned(const struct snap_table *t, size_t n, struct mc_err *err)
{
	size_t count = 0, first = 0;
	for (size_t i = n; i-- > 0;)
		if (t[i].versioned) {
			count++;
			first = i;
		}
	if (count == 0)
		return 0;
	return mc_errf(err, MC_EXIT_DATA,
		       "table '%s.%s' is system-versioned (WITH SYSTEM VERSIONING): %s; --exclude "
		       "it, or ALTER TABLE %s DROP SYSTEM VERSIONING (%zu such table%s selected: "
		       "mc-snapshot --precheck lists them)",
		       t[first].db, t[first].name, VERSIONED_WHY, t[first].qname, count,
		       count == 1 ? "" : "s");
}

int snapcheck_binlog_format(MYSQL *m, const char *where, struct mc_err *err)
{
	MYSQL_RES *res;
	if (my_query(m, "SELECT @@GLOBAL.binlog_format, @@SESSION.binlog_format", &res, err) < 0)
		return -1;
	MYSQL_ROW row = mysql_fetch_row(res);
	char g[64], sess[64];
	snprintf(g, sizeof g, "%s", row && row[0] ? row[0] : "");
	snprintf(sess, sizeof sess, "%s", row && row[1] ? row[1] : "");
	mysql_free_result(res);
	const char *bad = strcasecmp(g, "ROW") != 0 ? g : strcasecmp(sess, "ROW") != 0 ? sess : NULL;
	if (!bad)
		return 0;
	return mc_errf(err, MC_EXIT_DATA,
		       "server '%s': binlog_format is %s (%s): the binlog would hold statements, "
		       "not the rows mcsync follows, and the changes after the snapshot would be "
		       "lost; set binlog_format=ROW (SET GLOBAL binlog_format=ROW, and in the "
		       "server's configuration), then snapshot",
		       where, bad[0] ? bad : "unset", bad == g ? "global" : "session");
}

static void fk_first(void *ctx, const char *text)
{
	struct fk_out *x = ctx;
	if (!x->first[0])
		snprintf(x->first, sizeof x->first, "%s", text);
	if (x->warn)
		mc_sayf(x->warn, "warning: %s; passed (--fk-cascades=pass)", text);
}

int snapcheck_fk(MYSQL *m, const struct snap_table *t, size_t n, const struct mc_say *pass,
		 struct mc_err *err)
{
	struct fk_out x = { .warn = pass };
	int k = fk_cascades(m, t, n, fk_first, &x, err);
	if (k <= 0 || pass)
		return k < 0 ? -1 : 0;
	return mc_errf(err, MC_EXIT_DATA, "%s; or --fk-cascades=pass, to take the table as it is "
		       "when the cascade never fires (%d such key%s of a selected table: mc-snapshot "
		       "--precheck lists them)", x.first, k, k == 1 ? "" : "s");
}
