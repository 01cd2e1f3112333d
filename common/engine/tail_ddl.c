/* tail_ddl.c: DDL statements that change rows with no row events in the
 * binlog (tail_int.h: tail_rows_ddl): refused for a selected table, or
 * passed with a warning under --rows-ddl=pass (docs/mc-binlog-tail.md
 * "DDL that changes rows"), and those that make a foreign key whose
 * cascades change it (--fk-cascades); the text of a DDL statement in an executable
 * comment that the DDL follower reads (tail_ddl_text). */
#include "engine/tail_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/charset.h"
#include "binlog/ddl.h"

/* The statement on one line (blanks for control characters), cut to fit
 * out (size bytes), "..." marking a cut. */
static void one_line(const char *s, size_t n, char *out, size_t size)
{
	size_t k = 0;
	for (; k < n && k + 1 < size; k++)
		out[k] = (unsigned char)s[k] < 0x20 || s[k] == 0x7f ? ' ' : s[k];
	out[k] = 0;
	if (k < n && size > 4)
		memcpy(out + size - 4, "...", 4);
}

/* db.table as a --tables regex alternative: ^db\.table$'s middle, the
 * regex characters of the names escaped. */
static size_t re_name(char *out, size_t size, struct mc_str db, struct mc_str tab)
{
	size_t k = 0;
	for (int part = 0; part < 2; part++) {
		struct mc_str s = part ? tab : db;
		if (part && k + 2 < size) {
			out[k++] = '\\';
			out[k++] = '.';
		}
		for (size_t i = 0; i < s.n && k + 2 < size; i++) {
			if (strchr(".[]()*+?{}|^$\\", s.p[i]))
				out[k++] = '\\';
			out[k++] = s.p[i];
		}
	}
	out[k < size ? k : size - 1] = 0;
	return k;
}

/* A CREATE or ALTER TABLE that makes the selected table one whose changes
 * the binlog does not all hold: a foreign key's cascade changes it
 * (--fk-cascades=pass: a warning), or it is system-versioned (refused). */
static int table_ddl(struct tail *T, const struct ddl_target *t, struct mc_str db, const char *s,
		     size_t n, uint64_t start, uint64_t off, struct mc_err *err)
{
	char stmt[256];
	if (!t->ntables || !(t->fk_cascade || t->versioned))
		return 0;
	if (t->db[0].n)
		db = t->db[0];
	if (!st_selected(&T->st, db, t->table[0]))
		return 0;
	one_line(s, n, stmt, sizeof stmt);
	if (t->versioned)
		mc_errf(err, MC_EXIT_DATA, "`%.*s`.`%.*s`: %s: a system-versioned table (WITH "
			"SYSTEM VERSIONING), whose history rows the binlog writes as rows of the "
			"table, is not synced (mc-snapshot refuses it too): leave it out (--tables), "
			"or drop its versioning (ALTER TABLE ... DROP SYSTEM VERSIONING)",
			(int)db.n, db.p, (int)t->table[0].n, t->table[0].p, stmt);
	else if (T->o->fk_pass) {
		mc_sayf(&T->o->warn, "warning: `%.*s`.`%.*s` at %" PRIu64 ":%" PRIu64 ": %s: a "
			"foreign key's cascade changes the table, passed (--fk-cascades=pass): those "
			"changes are not in the binlog", (int)db.n, db.p, (int)t->table[0].n,
			t->table[0].p, T->fileseq, off, stmt);
		return 0;
	} else
		mc_errf(err, MC_EXIT_DATA, "`%.*s`.`%.*s`: %s: a foreign key ON DELETE or UPDATE "
			"CASCADE or SET NULL: the changes its cascade makes to the table are not in "
			"the binlog, so its copy would keep rows the server changed or deleted; leave "
			"the table out (--tables) and snapshot it again whenever needed, or run the "
			"tail again with --fk-cascades=pass when the cascade never fires", (int)db.n,
			db.p, (int)t->table[0].n, t->table[0].p, stmt);
	return tail_data_error(T, start, err);
}

int tail_rows_ddl(struct tail *T, const struct ddl_target *t, struct mc_str db, const char *s,
		  size_t n, uint64_t start, uint64_t off, struct mc_err *err)
{
	struct mc_str dbs[2], tabs[2];
	char stmt[256], names[300], re[600], gonetab[300];
	size_t nsel = 0, nre = 0, nl = 0, rl = 0;
	if (table_ddl(T, t, db, s, n, start, off, err) < 0)
		return -1;
	if (t->kind != DDL_ALTER || !t->rows)
		return 0;
	dbs[0] = t->db[0].n ? t->db[0] : db;
	tabs[0] = t->table[0];
	dbs[1] = t->other_db.n ? t->other_db : db;
	tabs[1] = t->other_table;
	names[0] = re[0] = 0;
	for (int k = 0; k < 2; k++) {
		if (!tabs[k].n || !st_selected(&T->st, dbs[k], tabs[k]))
			continue;
		nl += (size_t)snprintf(names + nl, sizeof names - nl, "%s`%.*s`.`%.*s`",
				       nsel ? " and " : "", (int)dbs[k].n, dbs[k].p, (int)tabs[k].n,
				       tabs[k].p);
		if (nl >= sizeof names)
			nl = sizeof names - 1;
		nsel++;
		if (k == 1 && t->absorbed)
			continue; /* gone after it: no snapshot of it to load */
		if (nre && rl + 1 < sizeof re)
			re[rl++] = '|';
		rl += re_name(re + rl, sizeof re - rl, dbs[k], tabs[k]);
		nre++;
	}
	if (!nsel)
		return 0;
	one_line(s, n, stmt, sizeof stmt);
	if (T->o->rows_ddl_pass) {
		mc_sayf(&T->o->warn, "warning: %s at %" PRIu64 ":%" PRIu64 ": %s (%s) changes rows "
			"with no row events in the binlog, passed (--rows-ddl=pass): the rows it "
			"removed or brought are not in the stream; their copy is right again only "
			"from a snapshot taken after it", names, T->fileseq, off, stmt, t->rows);
		return 0;
	}
	if (!nre) /* only the table made a partition is selected */
		rl = re_name(re, sizeof re, dbs[0], tabs[0]), nre = 1;
	gonetab[0] = 0;
	if (t->absorbed)
		snprintf(gonetab, sizeof gonetab, " (`%.*s`.`%.*s`, made a partition, is gone: "
			 "--rows-ddl=pass writes its drop)", (int)dbs[1].n, dbs[1].p,
			 (int)tabs[1].n, tabs[1].p);
	mc_errf(err, MC_EXIT_DATA, "%s: %s (%s) removes or replaces rows with no row events in "
		"the binlog: their copy would keep them%s; load a new snapshot of %s taken after "
		"it (mc-snapshot --tables='^%s%s%s$' | mc-tunnel-put --dest=... --resnapshot, "
		"docs/mc-tunnel-put.md \"Re-snapshots\"), then run the tail again from here with "
		"--rows-ddl=pass", names, stmt, t->rows, gonetab, nre > 1 ? "them" : "the table",
		nre > 1 ? "(" : "", re, nre > 1 ? ")" : "");
	return tail_data_error(T, start, err);
}

struct mc_str tail_ddl_text(struct tail *T, const char *p, size_t n)
{
	size_t from, w = ddl_stmt_start(p, n, T->d.fde.version, T->d.fde.mariadb, &from);
	if (w == from)
		return mc_str_c(p, n);
	while (n > w && strchr(" \t\r\n;", p[n - 1]))
		n--;
	if (n >= w + 2 && p[n - 2] == '*' && p[n - 1] == '/')
		n -= 2;
	return mc_str_c(p + w, n - w);
}

/* The table names of a DDL statement against the server's
 * lower_case_table_names (T->lctn): 1 or 2, written in lower case as the
 * server keeps them and names them in its table maps (TRUNCATE TABLE
 * d.TR of the table d.tr); 0, as written; not known (FILEs without
 * --lower-case-table-names), a statement naming a table only in another
 * case than a table seen is an error, exit 1: which table it means
 * depends on the setting. 0 or -1 (err set). */
int tail_ddl_case(struct tail *T, struct ddl_target *t, struct mc_str *defdb, uint64_t start,
		  struct mc_err *err)
{
	struct mc_str *nm[4 * DDL_MAX_TABLES + 3];
	size_t nn = 0, total = 0, at = 0;
	if (T->lctn == 0)
		return 0;
	if (T->lctn < 0) {
		for (size_t i = 0; i < t->ntables; i++) {
			struct mc_str db = t->db[i].n ? t->db[i] : *defdb;
			if (!st_case_clash(&T->st, db, t->table[i]))
				continue;
			mc_errf(err, MC_EXIT_DATA, "`%.*s`.`%.*s`: this statement names a table whose "
				"rows come under another case of its name: give the server's "
				"lower_case_table_names (SHOW VARIABLES LIKE "
				"'lower_case_table_names') as --lower-case-table-names=N",
				(int)db.n, db.p, (int)t->table[i].n, t->table[i].p);
			return tail_data_error(T, start, err);
		}
		return 0;
	}
	nm[nn++] = defdb;
	nm[nn++] = &t->other_db;
	nm[nn++] = &t->other_table;
	for (size_t i = 0; i < t->ntables; i++) {
		nm[nn++] = &t->db[i];
		nm[nn++] = &t->table[i];
		nm[nn++] = &t->new_db[i];
		nm[nn++] = &t->new_table[i];
	}
	for (size_t i = 0; i < nn; i++)
		total += nm[i]->n;
	T->lcbuf.len = 0;
	if (buf_grow(&T->lcbuf, total + 1) < 0)
		return mc_oom(err, "a statement's names");
	for (size_t i = 0; i < nn; i++) {
		char *o = T->lcbuf.p + at;
		cs_ascii_lower(o, nm[i]->p, nm[i]->n);
		nm[i]->p = o;
		at += nm[i]->n;
	}
	T->lcbuf.len = at;
	return 0;
}

static int same_name(struct mc_str da, struct mc_str ta, struct mc_str db, struct mc_str tb)
{
	return da.n == db.n && ta.n == tb.n && !memcmp(da.p, db.p, da.n) && !memcmp(ta.p, tb.p, ta.n);
}

void tail_rename_noop(const struct ddl_target *t, struct mc_str db, unsigned char *noop)
{
	size_t obj[DDL_MAX_TABLES], last[DDL_MAX_TABLES], n = t->ntables;
	memset(noop, 0, DDL_MAX_TABLES);
	if (t->kind != DDL_RENAME || t->more)
		return;
	/* step k moves the table that an earlier step j named to[j] ==
	 * from[k] (the latest such), else the table first named from[k] */
	for (size_t k = 0; k < n; k++) {
		obj[k] = k;
		for (size_t j = k; j-- > 0;)
			if (same_name(t->new_db[j].n ? t->new_db[j] : db, t->new_table[j],
				      t->db[k].n ? t->db[k] : db, t->table[k])) {
				obj[k] = obj[j];
				break;
			}
		last[obj[k]] = k;
	}
	for (size_t k = 0; k < n; k++) {
		size_t o = obj[k], l = last[o];
		noop[k] = same_name(t->new_db[l].n ? t->new_db[l] : db, t->new_table[l],
				    t->db[o].n ? t->db[o] : db, t->table[o]);
	}
}
