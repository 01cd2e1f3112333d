/* snap_labels.c: ENUM and SET labels exactly. information_schema's
 * COLUMN_TYPE passes the labels through utf8mb3, showing what it cannot
 * hold as '?' (a character outside the BMP; bytes that are no character
 * of the column's charset, which MariaDB's ALTER TABLE ... CONVERT TO
 * CHARACTER SET leaves in a label), and escapes a backslash, LF, CR and
 * NUL (\\, \n, \r, \0). When a label shows a '?' or a NUL, every label is
 * read from the server and converted from the column's charset
 * (mys_labels_exact, myschema.h: the code of the live tail's lookup, its
 * check the binlog's): the type text the binlog path writes, or the same
 * refusal, never a '?' in silence. A label with an escape gets the type
 * text of the binlog path too (its quote doubled, nothing else escaped). */
#include "mysql/snap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "binlog/binlog.h"
#include "mysql/myschema.h"

int snap_labels_exact(MYSQL *m, const char *db, const char *table, struct snap_col *c,
		      struct mc_err *err)
{
	int is_set = strcmp(c->data_type, "set") == 0, rc;
	struct mys_labels l;
	struct mc_buf ty = { 0 };
	if ((!is_set && strcmp(c->data_type, "enum") != 0) ||
	    mys_parse_labels(c->mysql_type, &l) < 0)
		return 0;
	if (!l.lossy && !l.escaped) {
		mys_labels_free(&l, 1);
		return 0;
	}
	rc = mys_labels_exact(m, db, table, c->name, is_set, c->charset, &l, err);
	if (rc == -2)
		mc_errf(err, MC_EXIT_DATA,
			"table '%s.%s': column '%s': %s: its text cannot be known (an ALTER TABLE "
			"... CONVERT TO CHARACTER SET keeps the bytes of ENUM and SET labels in "
			"another charset as they were, under the new one; information_schema shows "
			"them as '?'); redefine the column's labels on the server (ALTER TABLE ... "
			"MODIFY), or leave the table out",
			db, table, c->name, l.bad);
	else if (rc == 0 && (mc_labels_type(&ty, is_set, l.v, l.n) < 0 || buf_addc(&ty, 0) < 0))
		rc = mc_oom(err, "a column's labels");
	if (rc == 0) {
		free(c->mysql_type);
		c->mysql_type = ty.p;
		ty.p = NULL;
	}
	buf_free(&ty);
	mys_labels_free(&l, 1);
	return rc < 0 ? -1 : 0;
}
