/* tail_seq.c: MariaDB SEQUENCE objects. A sequence is stored as a table of
 * one row, which MariaDB logs as a Write_rows event at each cache refill
 * (NEXTVAL, SETVAL, ALTER SEQUENCE). mc-snapshot leaves sequences out (not
 * base tables): their rows are left out here too, not written as inserts
 * of a keyless table that has no snapshot. A table map is a sequence's
 * when its columns are a sequence's, by name and type; a map without
 * names (binlog_row_metadata=NO_LOG or MINIMAL) with a sequence's types,
 * of a table no schema is known for, cannot be told from a table: refused
 * (docs/mc-binlog-tail.md "Sequences"). */
#include "engine/tail_int.h"

#include <string.h>

static const char *const seq_names[8] = { "next_not_cached_value", "minimum_value",
					  "maximum_value", "start_value", "increment",
					  "cache_size", "cycle_option", "cycle_count" };

static int seq_types(const struct bl_table *t)
{
	if (t->ncols != 8 || t->npk)
		return 0;
	for (uint32_t i = 0; i < 8; i++)
		if (t->cols[i].type != (i == 6 ? BL_T_TINY : BL_T_LONGLONG))
			return 0;
	return 1;
}

int tail_sequence(struct tail *T, struct bl_table *t, const struct mc_pos *pos, uint64_t start,
		  struct mc_err *err)
{
	struct st_table *ti;
	if (!seq_types(t))
		return 0;
	if (st_table(&T->st, t, &ti, err) < 0)
		return -1;
	if (!ti->selected)
		return 0;
	if (t->has_names) {
		for (uint32_t i = 0; i < 8; i++)
			if (t->cols[i].name.n != strlen(seq_names[i]) ||
			    memcmp(t->cols[i].name.p, seq_names[i], t->cols[i].name.n) != 0)
				return 0;
		/* a table the DDL read made (CREATE TABLE ... AS SELECT * FROM a
		 * sequence) is a table; else a sequence: left out, as
		 * mc-snapshot does */
		return st_find_known(&T->st, t, pos) >= 0 ? 0 : 1;
	}
	if (st_find_known(&T->st, t, pos) >= 0)
		return 0; /* a table whose columns are known */
	mc_errf(err, MC_EXIT_DATA, "table `%.*s`.`%.*s`: its table map (no column names: "
		"binlog_row_metadata=NO_LOG or MINIMAL) has a MariaDB SEQUENCE's columns, and no "
		"schema of the table is known: a sequence (left out, as mc-snapshot does) cannot "
		"be told from a table; leave it out with --tables, or give --schema FILE "
		"(mc-snapshot's) if it is a table, or set binlog_row_metadata=FULL on the server",
		(int)t->db.n, t->db.p, (int)t->name.n, t->name.p);
	return tail_data_error(T, start, err);
}
