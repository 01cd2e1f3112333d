/* myschema.h: a table's column names, UNSIGNED flags, charsets and primary
 * key from the server's information_schema, for binlog table maps that
 * carry no names (binlog_row_metadata=MINIMAL or NO_LOG).
 *
 * information_schema describes the table as it is now, not as it was when
 * the table map was written. The server's columns are checked against the
 * map: their count and, per column, the type, the byte length of CHAR/
 * VARCHAR/BINARY/VARBINARY, the length class of BLOB/TEXT, DECIMAL
 * precision and scale, fractional seconds, nullability and (when the map
 * says) signedness. A difference means the table changed since; the
 * lookup is refused. A change these do not see (a column renamed, or two
 * columns of one type swapped) is not detected. */
#ifndef MC_MYSCHEMA_H
#define MC_MYSCHEMA_H

#include <stddef.h>

#include "binlog/binlog.h"
#include "binlog/ddl.h"
#include "base/err.h"
#include "mysql/myconn.h"

/* The labels of an ENUM or SET column in UTF-8; n == 0 for other
 * columns. */
struct mys_labels {
	uint32_t n;
	struct mc_str *v; /* pointing into buf */
	char *buf;
	int lossy;   /* information_schema may have lost a label: one shows '?' (its
		      * way of showing what utf8mb3 cannot), or holds a NUL */
	int escaped; /* COLUMN_TYPE escaped a label (\\, \n, \r, \0) */
	char *bad;   /* why the labels cannot be known (malloc'ed; NULL: they can):
		      * "ENUM label 1 (bytes E9) is not valid in ..." */
	char *name;  /* with bad, mys_lookup's: the column's name */
};

/* Look up t's table on m: 1 with *out filled (free with ddl_cols_free;
 * cs: the charset name of text columns, "binary" for binary ones, "" for
 * the rest; key: the PRIMARY KEY, nkey 0 when none) and, when labels is
 * not NULL, labels[0..t->ncols) (free with mys_labels_free), exact
 * (mys_labels_exact; labels[i].bad, with its column's name, when they
 * cannot be known: the caller refuses the table); 0 when the
 * server's table is missing or does not match the map (why says how, one
 * line); -1 on a query error (err; a lost connection is
 * MC_EXIT_TRANSIENT). */
int mys_lookup(MYSQL *m, const struct bl_table *t, struct ddl_cols *out,
	       struct mys_labels *labels, char *why, size_t whysz, struct mc_err *err);

/* Is a column UNSIGNED, by its information_schema DATA_TYPE and
 * COLUMN_TYPE: only numeric types are (an ENUM label 'unsigned' is not). */
int mys_is_unsigned(const char *data_type, const char *column_type);

/* The type text the binlog has for a column whose information_schema
 * DATA_TYPE is dt, where it differs from COLUMN_TYPE's: FLOAT(M,D) and
 * DOUBLE(M,D) without their display digits (the values are the same
 * float32/float64), every spatial type as geometry (the values are the
 * same; a table map need not say which). NULL: COLUMN_TYPE's. */
const char *mys_binlog_type(const char *dt, int is_unsigned);

/* mylabels.c ----------------------------------------------------------- */

void mys_labels_free(struct mys_labels *l, uint32_t n);

/* Parse the labels of a COLUMN_TYPE "enum('a','b''c')" or "set(...)", as
 * MariaDB escapes them (a quote doubled; \\, \n, \r and \0 for a
 * backslash, LF, CR and NUL): 0 with *out filled (lossy, escaped), -1
 * when coltype is neither or out of memory. */
int mys_parse_labels(const char *coltype, struct mys_labels *out);

/* The labels l of ENUM (is_set 0) or SET column col of db.table, parsed
 * from its COLUMN_TYPE, exactly as the server holds them, in UTF-8: when
 * l->lossy, every label's bytes are read from the server (MariaDB: a
 * variable declared TYPE OF the column, set to each index, each bit of a
 * SET; no write, no privilege beyond SELECT) and converted from the
 * column's charset cs (information_schema's CHARACTER_SET_NAME; NULL: not
 * said) by cs_label_utf8, the binlog's check. 0 with l's labels replaced
 * (or kept: not lossy); -1 with err set (out of memory; a lost connection,
 * MC_EXIT_TRANSIENT); -2 with l->bad set when a label cannot be known (its
 * bytes no text of the charset, a NUL) or the labels cannot be read (not
 * MariaDB, the server's error). The callers word the refusal (mc-snapshot,
 * the live tail's lookup): the same labels, the same refusal. */
int mys_labels_exact(MYSQL *m, const char *db, const char *table, const char *col, int is_set,
		     const char *cs, struct mys_labels *l, struct mc_err *err);

/* What l->bad says when the labels could not be read: its opening. */
#define MYS_LABELS_UNREAD "information_schema shows a label as '?' or with a NUL (its way " \
	"of showing a character outside utf8mb3, or bytes that are no character of the " \
	"column's charset), and the labels could not be read exactly"

#endif
