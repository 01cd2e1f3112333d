/* schemahist.h: a table's schema history (docs/warehouse.md "Schema
 * history") and the conversion of a row from one version to a later one
 * (docs/merge.md "Schema changes").
 *
 * The file <wh>/<table>/_schemahist.mcr is a record stream of the table's
 * schema records and the ALTER TABLE ddl records of it, in position order.
 * Each schema record is a version; the ddl records between the version
 * before it and it are the statements that made it (none: a version whose
 * statement the warehouse does not hold, dropped by the rules' ignore
 * policy, or loaded before the history existed). A version is in force
 * from its start: the last of its statements' positions, else its schema
 * record's; the first version from the beginning. Every function returns
 * 0 (or a count or flag as said) or -1 with err set. */
#ifndef MC_SCHEMAHIST_H
#define MC_SCHEMAHIST_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/rec.h"
#include "stream/schema.h"

#define WH_SCHEMAHIST "_schemahist.mcr"

struct wh_hddl {
	struct mc_pos pos;
	int64_t time;            /* its event time, seconds UTC */
	char *sql;
	size_t n;
};

struct wh_hver {
	struct schema_copy s;
	struct mc_pos start;   /* in force from here (the first: from 0:0:0) */
	struct wh_hddl *ddl;   /* the statements that made it, in order */
	size_t nddl;
};

struct wh_hist {
	struct wh_hver *v;
	size_t n, cap;
	struct wh_hddl *pend;  /* statements after the last version (no row
				* under their schema yet) */
	size_t npend, cpend;
	int ranked;            /* the file's positions carry the binlog
				* history's rank (header "ranked": a file
				* written first since, wh_hist_add); 0: an
				* older writer's, every record's rank 0 */
};

/* Read the history at path: 1, 0 when there is no file (h empty). */
int wh_hist_read(const char *path, struct wh_hist *h, struct mc_err *err);
void wh_hist_free(struct wh_hist *h);
/* Build h from records in position order (schema and ddl records; others
 * are skipped): what wh_hist_read does with the file's. */
int wh_hist_push(struct wh_hist *h, const struct mc_rec *r, struct mc_err *err);

/* Add the records of recs[0..len) (encoded: schema and ddl records, any
 * order) to the history at path: each at its position, a schema record
 * equal to the version in force there with no statement between dropped,
 * a record already there dropped. rank: the rank of the binlog history
 * they are of among their source's (dest_rows hist_rank; 0: the first),
 * kept in their positions' file numbers from bit WH_HIST_RANK_SHIFT up,
 * so that a later history's records (RESET MASTER: positions from binlog
 * 1 again) come after an earlier one's, ranked as a merge ranks the log's
 * positions (mj_gpos). The file is replaced atomically. */
#define WH_HIST_RANK_SHIFT 40
int wh_hist_add(const char *path, const char *recs, size_t len, size_t rank, struct mc_err *err);
/* A position of the history (or a merge's, ranked the same way) as
 * "F:O:R", and " of binlog history N" after it when its rank is not 0
 * (at least 96 bytes). */
void wh_hist_pos_format(const struct mc_pos *p, char *out, size_t outsz);

/* The version in force at p (start <= p): its index, -1 when h is empty. */
long wh_hist_at(const struct wh_hist *h, const struct mc_pos *p);
/* The last version with start <= p whose schema is r's (schema_same);
 * -1 when none. */
long wh_hist_match(const struct wh_hist *h, const struct mc_rec *r, const struct mc_pos *p);

/* ---- the statement's clauses that change columns (schemaconv.c) ---- */

enum { WH_ALT_ADD = 1, WH_ALT_DROP, WH_ALT_RENAME, WH_ALT_MODIFY, WH_ALT_ADD_PK,
       WH_ALT_DROP_PK };

/* The default an added column takes for the rows it did not see. */
enum { WH_DEF_NONE = 0, WH_DEF_NULL, WH_DEF_LIT, WH_DEF_STR, WH_DEF_EXPR, WH_DEF_GENERATED,
       WH_DEF_LONG /* a string literal longer than lit holds */,
       WH_DEF_LATER /* another clause of the statement changes the column */ };

struct wh_alt {
	int op;
	char name[256], to[256]; /* column; RENAME/CHANGE: the new name */
	int def;                 /* ADD: WH_DEF_* */
	char lit[256];           /* its literal (WH_DEF_LIT: number or keyword;
				  * WH_DEF_STR: the string, unescaped) */
	size_t litn;
	int not_null;
	int nulls;               /* not an ADD: what a kept column's NULL became
				  * when made NOT NULL (an ENUM's: '', its error
				  * value, not its first label) */
	int autoinc;             /* ADD: AUTO_INCREMENT (the server numbers the rows) */
	int bslash;              /* ADD: its DEFAULT string holds a backslash */
	int fscale;              /* ADD: FLOAT(M,D) or DOUBLE(M,D), which round to D
				  * digits (the schema record says float) */
	char cs[32];             /* CHARACTER SET, CHARSET or COLLATE's charset
				  * given (ADD, MODIFY, CHANGE), or "" (CONVERT TO
				  * CHARACTER SET: schemafscale.c) */
};

#define WH_ALT_MAX 64
struct wh_alter {
	size_t n;
	struct wh_alt a[WH_ALT_MAX];
};

/* The column clauses of an ALTER TABLE statement (CREATE TABLE and
 * others: none). -1 (code 1) when the statement cannot be read, or has
 * more than WH_ALT_MAX column clauses. */
int wh_alter_parse(const char *sql, size_t n, struct wh_alter *a, struct mc_err *err);
/* Whether the statement has a clause that adds, drops, renames or
 * modifies a column (one that cannot be read: 0); -1 out of memory
 * (schemafscale.c). */
int wh_alter_has_cols(const char *sql, size_t n);

/* Whether the statement gives a column it holds the type FLOAT(M,D),
 * DOUBLE(M,D) or REAL(M,D) (MODIFY, CHANGE): the server rounds the values
 * to D digits when it copies the table, keeps them when it alters it in
 * place, and the schema records say float or double either way. 1 with
 * the column's name (as it was) in col, 0 when not, -1: out of memory. A
 * statement that cannot be read is 1 ("?") when it names FLOAT, DOUBLE or
 * REAL at all. */
int wh_alter_fscale(const char *sql, size_t n, char *col, size_t colsz);

/* The refusal of such a statement of table at pos (wh_alter_fscale), or
 * of a CONVERT TO CHARACTER SET (mc_sql_convert_to: the server converts
 * every text column's values, and the schema records say the same types
 * after it) of a charset that does not hold every character, or of
 * utf8mb4 where the table has an ENUM or SET column (in before or after,
 * the schemas before and after the statement when known; both NULL: not
 * known), whose values the server makes '' when their labels were in
 * another charset: -1 (code MC_EXIT_DATA) naming the table, the column
 * (by its place in before, when given), the statement, pos and where it
 * was read; 0 when the statement is not one. */
int wh_fscale_refuse(const char *table, const struct mc_pos *pos, const char *sql, size_t n,
		     const struct mc_rec *before, const struct mc_rec *after, const char *where,
		     struct mc_err *err);
/* Every statement of h (read from path) in [from, upto), those that made
 * no version too, by wh_fscale_refuse: the schema records say float or
 * double before and after such a statement, so no step converts the rows
 * across it. Also refused there: a statement of columns after the last
 * version (no row after it yet: the columns after it are not known). The
 * checks of the statements a merge's range holds that no step sees. */
int wh_hist_fscale(const struct wh_hist *h, const char *table, const char *path,
		   const struct mc_pos *from, const struct mc_pos *upto, int upto_inf,
		   struct mc_err *err);

/* ---- conversion of a row between versions ---- */

enum { WH_CV_SAME = 0, WH_CV_DEC, WH_CV_FRAC, WH_CV_F64, WH_CV_FIT, WH_CV_ERR,
       WH_CV_CS /* text converted into another charset: '?' for what it cannot hold */ };

/* One step: version k to k + 1. */
struct cs_info;
struct wh_step {
	size_t n;              /* columns of k + 1 */
	int *src;              /* per column: its column in k, or -1: added */
	int *cv;               /* WH_CV_* */
	int *arg;              /* WH_CV_DEC: the new scale; WH_CV_FRAC: digits */
	struct mc_val *def;    /* added: the value (strings in defbuf); kept
				* and made NOT NULL: what a NULL becomes */
	struct mc_buf defbuf;
	char **why;            /* per column: why it cannot be converted (or NULL) */
	const struct cs_info **cs; /* WH_CV_CS: the charset */
	char *refuse;          /* the step cannot convert any row: why (NULL: it can) */
	int key_changed;       /* the key is another from k + 1 on */
};

/* Plan step k -> k + 1 of h into s (freed with wh_step_free). A step that
 * cannot be exact is planned anyway with its reasons (refuse, why):
 * the error comes when a row needs it. */
/* The value the column c an ALTER added (x) gives the rows before it:
 * its kind and text in v (strings at an offset into b, as
 * (const char *)offset); -1 with why when it cannot be known exactly
 * (schematype.c). */
int wh_def_value(const struct wh_alt *x, const struct mc_col *c, struct mc_val *v,
		 struct mc_buf *b, char *why, size_t whysz);
/* A text column a statement converted into charset cs (its name) whose
 * type conversion is *cv: *cv WH_CV_CS and *out the charset when the
 * server's text of the older rows is computed ('?' for the characters
 * the charset cannot hold: a statement in the binlog ran so, a strict
 * sql_mode refuses it); 0 and nothing changed when the text stays
 * (utf8mb4, not a text column); -1 with why (schematype.c). */
int wh_cs_plan(const char *cs, const struct mc_col *c, int *cv, const struct cs_info **out,
	       char *why, size_t whysz);
/* The text of v in charset cs as the server converts it: 1 and the text
 * appended to b when a character was replaced by '?', 0 when v stays,
 * -1 with err. */
int wh_cs_text(const struct cs_info *cs, const struct mc_val *v, struct mc_buf *b,
	       struct mc_err *err);
int wh_step_plan(const struct wh_hist *h, size_t k, struct wh_step *s, struct mc_err *err);
void wh_step_free(struct wh_step *s);

/* Convert an image (n values of version k) by step s into out (s->n
 * values; strings point into in, s->defbuf or scratch). -1 with err
 * naming the column and why. */
int wh_step_image(const struct wh_step *s, const struct mc_val *in, size_t n,
		  struct mc_val *out, struct mc_buf *scratch, struct mc_err *err);

/* The type conversion of one column (mysql types and flags of both):
 * WH_CV_*, with *arg, and the reason in why when it is WH_CV_ERR. */
int wh_type_conv(const struct mc_col *from, const struct mc_col *to, int *arg, char *why,
		 size_t whysz);

#endif
