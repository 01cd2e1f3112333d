/* ddl_target.c: which tables a statement changes (ddl_target) and
 * whether an ALTER's clauses change its column list (ddl_alter_cols), by
 * the text (ddl.h). */
#include <stdlib.h>
#include <string.h>

#include "binlog/ddl.h"
#include "binlog/ddl_int.h"

/* The tables of a DROP (a, b, ...) or RENAME (a TO b, ... when rename)
 * from i into t: their number; t->more when more are named than it holds
 * or the statement was cut. */
static size_t table_list(const struct toks *ts, size_t i, int rename, struct ddl_target *t)
{
	while (t->ntables < DDL_MAX_TABLES) {
		size_t k = t->ntables;
		if (!(i = ddl_table_name(ts, i, &t->db[k], &t->table[k])) ||
		    (rename && (!ddl_kw(ts, (i = ddl_skip_wait(ts, i)), "TO") ||
				!(i = ddl_table_name(ts, i + 1, &t->new_db[k], &t->new_table[k])))))
			break;
		t->ntables++;
		if (!ddl_punct(ts, i, ','))
			break;
		i++;
	}
	t->more = (t->ntables == DDL_MAX_TABLES && i && ddl_is_name(ts, i)) || ts->cut;
	return t->ntables;
}

/* Does the ALTER clause at i (top level) remove or replace rows with no
 * row events (struct ddl_target.rows)? Sets t->rows, and the other table
 * whose rows change. */
static void alter_rows(const struct toks *ts, size_t i, struct ddl_target *t)
{
	static const char *const what[] = { "DROP", "DROP PARTITION", "TRUNCATE",
					    "TRUNCATE PARTITION", "EXCHANGE", "EXCHANGE PARTITION",
					    "CONVERT", "CONVERT PARTITION", NULL };
	size_t k;
	for (k = 0; what[k]; k += 2)
		if (ddl_kw(ts, i, what[k]) && ddl_kw(ts, i + 1, "PARTITION"))
			break;
	if (what[k]) {
		t->rows = what[k + 1];
		if (k == 4) { /* EXCHANGE PARTITION p WITH TABLE x */
			for (k = i + 2; k < ts->n && !ddl_kw(ts, k, "WITH"); k++)
				;
			if (ddl_kw(ts, k + 1, "TABLE"))
				ddl_table_name(ts, k + 2, &t->other_db, &t->other_table);
		} else if (k == 6) { /* CONVERT PARTITION p TO TABLE x */
			if (ddl_kw(ts, i + 3, "TO") && ddl_kw(ts, i + 4, "TABLE"))
				ddl_table_name(ts, i + 5, &t->other_db, &t->other_table);
		}
		return;
	}
	if (ddl_kw(ts, i, "CONVERT") && ddl_kw(ts, i + 1, "TABLE")) {
		/* MariaDB's CONVERT TABLE x TO PARTITION p ...: x's rows move in */
		if ((k = ddl_table_name(ts, i + 2, &t->other_db, &t->other_table)) &&
		    ddl_kw(ts, k, "TO") && ddl_kw(ts, k + 1, "PARTITION")) {
			t->rows = "CONVERT TABLE ... TO PARTITION";
			t->absorbed = 1;
			return;
		}
		t->other_db = t->other_table = mc_str_c("", 0);
		return;
	}
	if (ddl_kw(ts, i, "REORGANIZE") && ddl_kw(ts, i + 1, "PARTITION")) {
		/* of LIST partitions: the rows of values the new lists leave out
		 * are dropped (RANGE ones must keep the range, HASH and KEY
		 * their rows) */
		for (k = i + 2; k + 1 < ts->n; k++)
			if (ddl_kw(ts, k, "VALUES") && ddl_kw(ts, k + 1, "IN")) {
				t->rows = "REORGANIZE PARTITION ... VALUES IN";
				break;
			}
		return;
	}
	if (ddl_kw(ts, i, "ENGINE")) { /* ENGINE [=] BLACKHOLE: the rows are gone */
		k = i + 1 + (size_t)ddl_punct(ts, i + 1, '=');
		if (ddl_kw(ts, k, "BLACKHOLE"))
			t->rows = "ENGINE=BLACKHOLE";
		return;
	}
	if (ddl_kw(ts, i, "DISCARD") || ddl_kw(ts, i, "IMPORT")) {
		/* [PARTITION p, ... | ALL] TABLESPACE */
		k = i + 1;
		if (ddl_kw(ts, k, "PARTITION"))
			while (k < ts->n && !ddl_kw(ts, k, "TABLESPACE") && !ddl_punct(ts, k, ';'))
				k++;
		if (ddl_kw(ts, k, "TABLESPACE"))
			t->rows = ddl_kw(ts, i, "DISCARD") ? "DISCARD TABLESPACE" : "IMPORT TABLESPACE";
	}
}

/* ON DELETE|UPDATE CASCADE|SET NULL|SET DEFAULT anywhere in ts (a
 * foreign key's action; not ON UPDATE CURRENT_TIMESTAMP). */
static int fk_cascade(const struct toks *ts)
{
	/* an engine without foreign keys (MyISAM, Aria, ...) ignores them */
	for (size_t k = 0; k + 1 < ts->n; k++)
		if (ddl_kw(ts, k, "ENGINE")) {
			size_t e = k + 1 + (size_t)ddl_punct(ts, k + 1, '=');
			if (e < ts->n && !ddl_kw(ts, e, "InnoDB"))
				return 0;
		}
	for (size_t k = 0; k + 2 < ts->n; k++)
		if (ddl_kw(ts, k, "ON") && (ddl_kw(ts, k + 1, "DELETE") || ddl_kw(ts, k + 1, "UPDATE")) &&
		    (ddl_kw(ts, k + 2, "CASCADE") ||
		     (ddl_kw(ts, k + 2, "SET") && k + 3 < ts->n &&
		      (ddl_kw(ts, k + 3, "NULL") || ddl_kw(ts, k + 3, "DEFAULT")))))
			return 1;
	return 0;
}

int ddl_target(const char *sql, size_t n, struct ddl_target *t)
{
	return ddl_target_mode(sql, n, 0, t);
}

int ddl_target_mode(const char *sql, size_t n, int mode, struct ddl_target *t)
{
	struct toks ts = { 0 };
	size_t i = 0;
	int seq = 0;
	memset(t, 0, sizeof *t);
	ts.cut_ok = 1; /* (a statement too long: its start names the tables) */
	if (ddl_lex(sql, n, mode, &ts) < 0)
		goto none;
	t->cut = ts.cut;
	if (ddl_kw(&ts, 0, "CREATE")) {
		i = 1;
		int repl = 0;
		if (ddl_kw(&ts, i, "OR") && ddl_kw(&ts, i + 1, "REPLACE"))
			i += 2, repl = 1;
		if (ddl_kw(&ts, i, "TEMPORARY"))
			i++;
		if (!ddl_kw(&ts, i, "TABLE") && !ddl_kw(&ts, i, "SEQUENCE"))
			goto none;
		seq = ddl_kw(&ts, i, "SEQUENCE");
		t->if_not_exists = ddl_skip_if(&ts, i + 1, 1) != i + 1;
		i = ddl_skip_if(&ts, i + 1, 1);
		if (!ddl_table_name(&ts, i, &t->db[0], &t->table[0]))
			goto none;
		t->ntables = 1;
		t->kind = seq ? DDL_SEQUENCE : DDL_CREATE;
		t->replace = repl;
	} else if (ddl_kw(&ts, 0, "ALTER")) {
		int depth = 0, ign = 0;
		i = 1;
		while (ddl_kw(&ts, i, "ONLINE") || ddl_kw(&ts, i, "IGNORE"))
			ign |= ddl_kw(&ts, i++, "IGNORE");
		if (ddl_kw(&ts, i, "SEQUENCE")) {
			if (!ddl_table_name(&ts, ddl_skip_if(&ts, i + 1, 0), &t->db[0], &t->table[0]))
				goto none;
			t->ntables = 1;
			t->kind = DDL_SEQUENCE;
			goto out;
		}
		if (!ddl_kw(&ts, i, "TABLE"))
			goto none;
		i = ddl_skip_if(&ts, i + 1, 0);
		if (!(i = ddl_table_name(&ts, i, &t->db[0], &t->table[0])))
			goto none;
		t->ntables = 1;
		t->kind = DDL_ALTER;
		/* RENAME [TO|AS] name at the top level (not RENAME COLUMN/INDEX/KEY);
		 * CONVERT PARTITION p TO TABLE name */
		for (; i < ts.n; i++) {
			if (ddl_punct(&ts, i, '('))
				depth++;
			else if (ddl_punct(&ts, i, ')'))
				depth--;
			else if (depth == 0 && ddl_kw(&ts, i, "RENAME") && !ddl_kw(&ts, i + 1, "COLUMN") &&
				 !ddl_kw(&ts, i + 1, "INDEX") && !ddl_kw(&ts, i + 1, "KEY")) {
				size_t k = i + 1;
				if (ddl_kw(&ts, k, "TO") || ddl_kw(&ts, k, "AS"))
					k++;
				if (ddl_table_name(&ts, k, &t->new_db[0], &t->new_table[0]))
					t->renamed = 1;
			} else if (depth == 0 && ddl_kw(&ts, i, "CONVERT") && ddl_kw(&ts, i + 1, "PARTITION") &&
				   ddl_kw(&ts, i + 3, "TO") && ddl_kw(&ts, i + 4, "TABLE") && !t->renamed &&
				   ddl_table_name(&ts, i + 5, &t->new_db[0], &t->new_table[0])) {
				t->converted = 1;
			}
			if (depth == 0 && !t->rows)
				alter_rows(&ts, i, t);
			/* ALTER IGNORE ... ADD UNIQUE or PRIMARY KEY: the server
			 * drops the rows whose key repeats */
			if (depth == 0 && !t->rows && ign &&
			    (ddl_kw(&ts, i, "UNIQUE") || (ddl_kw(&ts, i, "PRIMARY") &&
							  ddl_kw(&ts, i + 1, "KEY"))))
				t->rows = "ALTER IGNORE ... UNIQUE";
		}
		/* any other ALTER IGNORE that copies the table drops the rows a
		 * unique key then repeats (a collation or charset changed) or
		 * no partition takes (PARTITION BY LIST), where it would fail */
		if (ign && !t->rows)
			t->rows = "ALTER IGNORE";
	} else if (ddl_kw(&ts, 0, "DROP")) {
		i = 1;
		if (ddl_kw(&ts, i, "TEMPORARY"))
			i++;
		if (!ddl_kw(&ts, i, "TABLE") && !ddl_kw(&ts, i, "SEQUENCE"))
			goto none;
		seq = ddl_kw(&ts, i, "SEQUENCE");
		if (!table_list(&ts, ddl_skip_if(&ts, i + 1, 0), 0, t))
			goto none;
		t->kind = seq ? DDL_SEQUENCE : DDL_DROP;
	} else if (ddl_kw(&ts, 0, "RENAME") && (ddl_kw(&ts, 1, "TABLE") || ddl_kw(&ts, 1, "TABLES"))) {
		/* RENAME TABLE[S] [IF EXISTS] a [WAIT n|NOWAIT] TO b, ... */
		if (!table_list(&ts, ddl_skip_if(&ts, 2, 0), 1, t))
			goto none;
		t->kind = DDL_RENAME;
	} else if (ddl_kw(&ts, 0, "TRUNCATE")) {
		i = ddl_kw(&ts, 1, "TABLE") ? 2 : 1;
		if (!ddl_table_name(&ts, i, &t->db[0], &t->table[0]))
			goto none;
		t->ntables = 1;
		t->kind = DDL_TRUNCATE;
	}
out:
	if (t->kind == DDL_CREATE || t->kind == DDL_ALTER) {
		t->fk_cascade = fk_cascade(&ts);
		for (size_t k = 0; k + 2 < ts.n && !t->versioned; k++)
			t->versioned = (ddl_kw(&ts, k, "WITH") || ddl_kw(&ts, k, "ADD")) &&
				       ddl_kw(&ts, k + 1, "SYSTEM") && ddl_kw(&ts, k + 2, "VERSIONING");
	}
	free(ts.t);
	return t->kind;
none:
	free(ts.t);
	memset(t, 0, sizeof *t);
	return DDL_NONE;
}


/* Does clause [a, b) of an ALTER TABLE add, drop, rename or move a
 * column (ddl_alter_cols)? The same reading as alter_spec's. */
static int clause_cols(const struct toks *ts, size_t a, size_t b)
{
	size_t i = a + 1;
	if (ddl_kw(ts, a, "CHANGE") || (ddl_kw(ts, a, "RENAME") && ddl_kw(ts, i, "COLUMN")))
		return 1;
	if (ddl_kw(ts, a, "MODIFY"))
		return (b > a && ddl_kw(ts, b - 1, "FIRST")) || (b >= a + 2 && ddl_kw(ts, b - 2, "AFTER"));
	if (ddl_kw(ts, a, "ADD")) {
		if (ddl_kw(ts, i, "COLUMN"))
			return 1;
		return !ddl_kw(ts, i, "PARTITION") && !ddl_is_constraint_word(ts, i) &&
		       !(ddl_kw(ts, i, "VECTOR") && (ddl_kw(ts, i + 1, "INDEX") || ddl_kw(ts, i + 1, "KEY")));
	}
	if (ddl_kw(ts, a, "DROP")) {
		if (ddl_kw(ts, i, "COLUMN"))
			return 1;
		return !ddl_kw(ts, i, "PRIMARY") && !ddl_kw(ts, i, "PARTITION") && !ddl_is_constraint_word(ts, i);
	}
	return 0;
}

int ddl_alter_cols(const char *sql, size_t n, int mode)
{
	struct toks ts = { 0 };
	struct mc_str db, tab;
	size_t i = 1, st, end;
	int depth = 0, rc = -1;
	if (ddl_lex(sql, n, mode, &ts) < 0)
		goto done;
	while (ddl_kw(&ts, i, "ONLINE") || ddl_kw(&ts, i, "IGNORE"))
		i++;
	if (!ddl_kw(&ts, 0, "ALTER") || !ddl_kw(&ts, i, "TABLE"))
		goto done;
	if (!(i = ddl_table_name(&ts, ddl_skip_if(&ts, i + 1, 0), &db, &tab)))
		goto done;
	rc = 0;
	end = ddl_partitioning(&ts, i); /* (PARTITION BY ends the last clause) */
	for (i = st = ddl_skip_wait(&ts, i); i <= end && !rc; i++) {
		if (i == end || (depth == 0 && ddl_punct(&ts, i, ','))) {
			rc = i > st && clause_cols(&ts, st, i);
			st = i + 1;
		} else if (ddl_punct(&ts, i, '(')) {
			depth++;
		} else if (ddl_punct(&ts, i, ')')) {
			depth--;
		}
	}
done:
	free(ts.t);
	return rc;
}
