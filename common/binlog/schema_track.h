/* schema_track.h: the schemas of the tables a binlog changes, as schema
 * records. A table map becomes a schema record when it differs from the
 * table's last one; its column names (and UNSIGNED, charsets, key) come
 * from the map, else from what is known of the table at that position:
 * schema records given up front (mc-binlog-tail --schema), the DDL
 * statements of the binlog followed since (ddl.h), or a lookup the caller
 * adds (st_add_known). */
#ifndef MC_SCHEMA_TRACK_H
#define MC_SCHEMA_TRACK_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/charset.h"
#include "base/err.h"
#include "binlog/binlog.h"
#include "binlog/ddl.h"
#include "stream/rec.h"

/* A column list known from a position on. */
struct st_known {
	char *db, *table;
	struct mc_pos pos;
	struct ddl_cols cols; /* n == 0: the column list is not known from here on */
	uint32_t key_flags;   /* MC_SF_KEY_UNIQUE | MC_SF_KEY_DECLARED */
	int gone;             /* (n == 0) dropped, or renamed away: no table of that name */
};

/* A table seen in a table map. */
struct st_table {
	char *key; /* "db.table" */
	size_t keylen;
	struct mc_buf sig; /* the schema last written, as a signature */
	struct mc_buf def; /* the table map's definition bytes last seen */
	long known;        /* the known entry used last (-1: none) */
	uint64_t version;  /* schema version: 0 until the first schema record */
	int selected;      /* passes the filter */
	void *user;        /* the caller's (never freed here) */
	/* The column list of the last schema record made from a table map
	 * with names (at seed_pos): where no list is known (no CREATE read,
	 * no --schema), an ALTER of the table is followed from it, so that
	 * what the ALTER says of its columns (a generated column added) is
	 * known after it. seed.n == 0: none. */
	struct ddl_cols seed;
	struct mc_pos seed_pos;
};

/* Default charsets of databases (CREATE/ALTER DATABASE). */
struct st_dbcs {
	char *db;
	char cs[DDL_CS_LEN];
};

struct schema_track {
	const regex_t *re;      /* only tables whose `db.table` matches (NULL: all) */
	int names_from_binlog;  /* never names from what is known: @1, @2... */
	struct st_known *known; /* in the order learnt */
	size_t nknown, cknown;
	struct st_dbcs *dbcs;
	size_t ndbcs, cdbcs;
	struct st_table *tabs;
	size_t ntabs, ctabs;
	/* the schema record being built */
	struct mc_buf colbuf;
	struct mc_col cols[MC_MAX_COLUMNS];
	uint32_t key[MC_MAX_COLUMNS];
};

void st_init(struct schema_track *s);
void st_free(struct schema_track *s);

/* Learn the schema records of the record stream at path (names, UNSIGNED,
 * key, at their positions). -1 with a usage error (code 2) naming path. */
int st_load(struct schema_track *s, const char *path, struct mc_err *err);

/* The known entry in force for the table map t at pos (its column count
 * must match), or -1. */
long st_find_known(const struct schema_track *s, const struct bl_table *t,
		   const struct mc_pos *pos);

/* Learn that db.table has the column list *cols (taken over, zeroed) from
 * pos on; cols NULL: that its columns are not known from there. */
int st_add_known(struct schema_track *s, struct mc_str db, struct mc_str table,
		 const struct mc_pos *pos, struct ddl_cols *cols, struct mc_err *err);

/* Follow a DDL statement at pos (defdb: its default database; mode: the
 * sql_mode it was written under, DDL_MODE_*; t: what ddl_target says of
 * it): the column lists of the tables it creates, alters, renames or
 * drops, and the charsets of databases. A statement that cannot be
 * followed makes a table's names unknown, not wrong; so does a table made
 * of a partition (ALTER TABLE ... CONVERT PARTITION ... TO TABLE). 0, k + 1
 * when the names of table k of t were known and the statement could not
 * be followed from them (the caller says so), or -1 with err. */
int st_ddl(struct schema_track *s, struct mc_str defdb, struct mc_str sql, int mode,
	   const struct ddl_target *t, const struct mc_pos *pos, struct mc_err *err);

/* The table of map t (found by name; remembered in t->user). */
int st_table(struct schema_track *s, struct bl_table *t, struct st_table **out,
	     struct mc_err *err);

/* Is db.tab a name that no table seen (its maps) or known (DDL followed,
 * --schema) bears, but one does in another case of ASCII letters? */
int st_case_clash(const struct schema_track *s, struct mc_str db, struct mc_str tab);
/* Does db.table pass the filter? */
int st_selected(const struct schema_track *s, struct mc_str db, struct mc_str table);

/* The fraction digits of map t's MariaDB old-format TIME/DATETIME/
 * TIMESTAMP columns (bl_col.dec_ext) from what is known at pos (the DDL
 * followed, --schema): set where known (meta, dec_known), cleared where
 * not. Returns how many such columns stay unknown. */
int st_temporal(const struct schema_track *s, struct bl_table *t, const struct mc_pos *pos);

/* The labels of map t's ENUM and SET columns when the map carries none
 * (binlog_row_metadata=MINIMAL) from what is known at pos (--schema, the
 * DDL followed): each label taken into the column's charset (the map's,
 * else the DDL's) and back to UTF-8 by cs_label_utf8, the check of FULL
 * maps, so that they are the labels the server holds, or not taken. The
 * labels are t's (t->labels). 0 with every such column's labels set (or
 * none to set: t->has_labels, no ENUM/SET); 1 when a column's labels are
 * not known exactly (that column left without; why: "table `d`.`t`:
 * column 2 (e): WHAT", the first such column); -1 when out of memory. A
 * map seen again under the same knowledge keeps what it was given. */
int st_labels(const struct schema_track *s, struct bl_table *t, struct cs_set *css,
	      const struct mc_pos *pos, char *why, size_t whysz, struct mc_err *err);

/* The schema record of map t (of table ti) at pos: 1 with *r filled (valid
 * until the next call) when it differs from the table's last one, else 0;
 * -1 when out of memory. Fills in UNSIGNED and charsets the map lacks from
 * what is known. */
/* What st_schema fills in of map t at pos (UNSIGNED, charsets), alone:
 * for rows decoded and not written (an incomplete transaction). */
void st_fill(const struct schema_track *s, struct bl_table *t, const struct mc_pos *pos);
int st_schema(struct schema_track *s, struct bl_table *t, struct st_table *ti,
	      const struct mc_pos *pos, uint32_t when, struct mc_rec *r, struct mc_err *err);

#endif
