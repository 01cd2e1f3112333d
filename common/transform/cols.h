/* cols.h: added columns and type overrides applied to a table's schema
 * records and rows (cols.c; inside common/transform: run.c uses it). */
#ifndef MC_TRANSFORM_COLS_H
#define MC_TRANSFORM_COLS_H

#include "transform/vexpr.h"

/* What the columns and types rules say of one source table. */
struct tf_coltab {
	const struct tf_addcol **adds; /* in file order */
	bool *by_time;                 /* per added column: its value is a function of
					* the event time only (kept while it stays) */
	size_t nadds;
	size_t *types;                 /* the type rules matching it, in file order */
	size_t ntypes;
};

/* One schema version of such a table. */
struct tf_colver {
	size_t ncols;
	const struct tf_typerule **conv; /* per source column: its override, or NULL */
	int *refidx;                     /* per R->refs: the column's index, or -1 */
	bool *key;                       /* per source column: of the schema's key */
	bool any;                        /* an override or an added column */
};

/* A row's output: its images (scratch), its texts, and when dirty the
 * column, image and reason. */
struct tf_rowout {
	struct mc_val *b, *a;
	size_t capb, capa;
	struct mc_col *cols;
	size_t capcols;
	struct tf_arena ar;
	const char *col, *image, *where;
	size_t coln;
	char reason[240];
	char shown[160]; /* the dirty value, escaped */
	struct tf_memo *memo; /* per added column of tf_coltab.by_time: its last value */
	size_t capmemo;
};

/* The value of an added column at one event time. */
struct tf_memo {
	const struct tf_addcol *a; /* NULL: none */
	int64_t time;
	struct mc_val v;           /* texts in buf */
	char *buf;
	size_t cap;
};

int tf_coltab_init(const struct tf_rules *R, struct tf_coltab *t, const char *db, size_t dbn,
		   const char *table, size_t tn, struct mc_err *err);
void tf_coltab_free(struct tf_coltab *t);

/* Work out the version of schema record r. 0, or -1 with err. */
int tf_colver_init(const struct tf_rules *R, const struct tf_coltab *t, const struct mc_rec *r,
		   struct tf_colver *v, struct mc_err *err);
void tf_colver_free(struct tf_colver *v);

/* The schema record r with the overrides and added columns into out
 * (columns in o->cols): 0, or -1 with err (an added column's name taken). */
int tf_cols_schema(const struct tf_coltab *t, const struct tf_colver *v, const struct mc_rec *r,
		   struct tf_rowout *o, struct mc_rec *out, struct mc_err *err);

/* The row r with the overrides and added columns into out (images in o):
 * 0, 1 dirty (o->col, o->image, o->reason, o->shown), -1 with err. */
int tf_cols_row(const struct tf_rules *R, const struct tf_coltab *t, const struct tf_colver *v,
		const struct mc_rec *r, struct mc_str source_id, struct tf_rowout *o,
		struct mc_rec *out, struct mc_err *err);
void tf_rowout_free(struct tf_rowout *o);

#endif
