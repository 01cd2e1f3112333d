/* gen.h: a table's generations in MaxCompute (docs/maxcompute.md "Schema
 * changes"): when the schema history makes a column's MaxCompute type
 * change in a way ALTER TABLE does not make in place, mc-tunnel-put makes
 * the next generation of the base and log tables, T__g2 and T__g2_log
 * (then T__g3, ...), with the history's SQL columns of the new types (a
 * log table of another layout with that layout's columns, and its
 * companion marker table T__g2_log_ddl), and copies the older
 * generation's partitions into it by column name; the newest generation
 * gets the rows and the merges from then on. STATE/_mcsync/hist/T.gen holds
 * one line per generation after the first, "N F:O:R" (the generation and
 * the start of the schema version that made it), in the state mirror with
 * the schema history. */
#ifndef MC_ODPS_GEN_H
#define MC_ODPS_GEN_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* The newest generation of table (1: none made), from STATE's T.gen. */
int odps_gen_count(const char *state, const char *table, unsigned *n, struct mc_err *err);
/* The name of generation g of table (is_log: its log table), in out:
 * table itself for g 1; -1 (code 1) when it is over 128 characters. */
int odps_gen_name(char *out, size_t outsz, const char *table, unsigned g, int is_log,
		  struct mc_err *err);
/* The text of T.gen into b (empty when there is none). */
int odps_gen_text(const char *state, const char *table, struct mc_buf *b, struct mc_err *err);
/* Write T.gen from its text (a --recover), checked first. */
int odps_gen_write(const char *state, const char *table, const char *text, size_t n,
		   struct mc_err *err);
/* The name of the base table of the newest generation of
 * table (odps_gen_name), in buf; NULL with err. */
const char *odps_gen_base(const char *state, const char *table, char *buf, size_t bufsz,
			  struct mc_err *err);
/* The merge lock of table (STATE/merge.T.lock: one mc-merge of T at a
 * time, and no new generation of T while one runs), taken without
 * waiting: its descriptor; -1 with err (code 3 when held: "table 'T'
 * <held>"). */
int odps_gen_lock(const char *state, const char *table, const char *held, struct mc_err *err);
/* -1 (code 3) when the newest generation of table is no longer base (a
 * generation made since it was read). */
int odps_gen_same(const char *state, const char *table, const char *base, struct mc_err *err);
/* Whether name is one of mcsync's position columns (mc_pos_file,
 * mc_pos_off, mc_pos_row), case aside. */
int odps_is_pos_name(const char *name);

#endif
