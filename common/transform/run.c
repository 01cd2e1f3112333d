/* run.c: the mc-transform filter (run.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/io.h"
#include "stream/schema.h"
#include "transform/cols.h"
#include "transform/fixt.h"
#include "transform/parts.h"
#include "transform/reject.h"
#include "transform/run.h"
#include "transform/shard.h"

/* The column names of one schema version of a table (for the DML
 * conditions). */
struct tf_ver {
	uint64_t version;
	struct tf_names names;
	struct mc_str *name;
	char *blob;
	struct tf_colver cv;
};

/* What the rules say of one source table, worked out once. */
struct tf_tab {
	char *db, *table;
	size_t dbn, tn;
	int selected;
	char name[TF_MAX_NAME + 1];
	size_t *dml, ndml;        /* the DML rules matching it, in file order */
	struct tf_coltab ct;      /* the columns and types rules matching it */
	struct tf_pguard *pg;     /* its new partitions a day (parts.c) */
	struct tf_ver *vers;
	size_t nvers, capvers;
	const struct tf_merge *merge; /* a shard of this many -> one rule, or NULL */
	char *sv;                 /* then: "db.table", the shard column's value */
	char *tfield;             /* and the table field: "DEST/table" */
	bool had_schema;          /* a schema record of the shard passed */
	struct tf_fxtab fx;       /* mask, sample, limit (fixt.h) */
	struct schema_copy last;  /* its last schema record (a dropped MODIFY's old types) */
	bool last_part;           /* a statement on columns passed since it (a CONVERT TO) */
	char tabcs[64];           /* a table default charset set in this run ("": none, or
				   * one holding every character), whatever the policy */
};

struct tf {
	const struct tf_opts *o;
	const char *in_name;           /* the input being read, for messages */
	const struct rio_reader *rd;
	struct tf_tab *tabs;
	size_t ntabs, cap, last;
	struct rio_writer wr;
	struct tf_rowout ro;           /* a transformed row or schema */
	char *source_id;               /* the header's source_id, or NULL */
	char *source_epoch;            /* the header's source_epoch, or NULL */
	struct tf_rejset rej;          /* the reject file's lines at the start */
	uint64_t ndirty;               /* rows rejected as dirty data */
	char first_dirty[64];          /* the position of the first */
	struct tf_shards sh;
	size_t ren_from;               /* 1 + the tabs index of a rename_from record */
	bool snap;                     /* the stream is mc-snapshot's (its header's chains) */
	size_t snap_tabs, snap_sel;    /* then: its tables' schema records, of selected ones */
	char snap_first[200];          /* and its first table, for the message */
};

static struct tf_tab *tab_of(struct tf *t, const struct mc_str *db, const struct mc_str *tb,
			     struct mc_err *err)
{
	struct tf_tab *x;
	if (t->ntabs) {
		x = &t->tabs[t->last];
		if (x->dbn == db->n && x->tn == tb->n && memcmp(x->db, db->p, db->n) == 0 &&
		    memcmp(x->table, tb->p, tb->n) == 0)
			return x;
	}
	for (size_t i = 0; i < t->ntabs; i++) {
		x = &t->tabs[i];
		if (x->dbn == db->n && x->tn == tb->n && memcmp(x->db, db->p, db->n) == 0 &&
		    memcmp(x->table, tb->p, tb->n) == 0)
			return t->last = i, x;
	}
	if (mc_push(&t->tabs, &t->ntabs, &t->cap, sizeof *t->tabs) < 0)
		return mc_oom(err, "tables"), NULL;
	x = &t->tabs[t->ntabs - 1];
	memset(x, 0, sizeof *x);
	if (!(x->db = mc_strndup(db->p, db->n)) || !(x->table = mc_strndup(tb->p, tb->n))) {
		free(x->db);
		t->ntabs--;
		return mc_oom(err, "tables"), NULL;
	}
	x->dbn = db->n;
	x->tn = tb->n;
	t->last = t->ntabs - 1;
	x->selected = tf_selected(t->o->rules, db->p, db->n, tb->p, tb->n);
	if (x->selected &&
	    (x->merge = tf_merge_of(t->o->rules, db->p, db->n, tb->p, tb->n))) {
		size_t n = db->n + tb->n + TF_MAX_NAME + 2;
		snprintf(x->name, sizeof x->name, "%s", x->merge->into);
		if (!(x->sv = malloc(n)) || !(x->tfield = malloc(n)))
			return mc_oom(err, "tables"), NULL;
		snprintf(x->sv, n, "%.*s.%.*s", (int)db->n, db->p, (int)tb->n, tb->p);
		snprintf(x->tfield, n, "%s/%.*s", x->name, (int)tb->n, tb->p);
	} else if (x->selected && tf_dest_name(t->o->rules, db->p, db->n, tb->p, tb->n, x->name,
					       sizeof x->name, err) < 0) {
		return NULL;
	}
	/* The sink keys a table by its source database and the table field
	 * (the destination name): two tables of one database under one name
	 * would be one table to it, the second's snapshot dropped as already
	 * committed, its changes applied to the first's rows. */
	for (size_t i = 0; x->selected && i + 1 < t->ntabs; i++) {
		const struct tf_tab *o = &t->tabs[i];
		/* (the shards of one merge entry share its name; another entry's
		 * into, or another table's name, does not) */
		if (o->selected && !(o->merge && o->merge == x->merge) && o->dbn == x->dbn &&
		    memcmp(o->db, x->db, x->dbn) == 0 && strcmp(o->name, x->name) == 0)
			return mc_errf(err, MC_EXIT_DATA, "tables '%s.%s' and '%s.%s' would both be "
				       "written as '%s' (the %s of '%s' give them one destination "
				       "name): a sink could not tell them apart and would take one's "
				       "rows for the other's; give them distinct names, or send them "
				       "into one table with a merge entry", o->db, o->table, x->db,
				       x->table, x->name, o->merge || x->merge ? "names and merge rules" :
				       "names rules", t->o->rules->file), NULL;
	}
	for (size_t i = 0; x->selected && i < t->o->rules->ndml; i++)
		if (tf_sel_match(&t->o->rules->dml[i].on, db->p, db->n, tb->p, tb->n)) {
			if (!x->dml && !(x->dml = calloc(t->o->rules->ndml, sizeof *x->dml)))
				return mc_oom(err, "tables"), NULL;
			x->dml[x->ndml++] = i;
		}
	if (x->selected && tf_coltab_init(t->o->rules, &x->ct, db->p, db->n, tb->p, tb->n, err) < 0)
		return NULL;
	if (x->selected && tf_fx_init(t->o->rules, &x->fx, db->p, db->n, tb->p, tb->n, err) < 0)
		return NULL;
	return x;
}

static void vers_free(struct tf_tab *x)
{
	for (size_t i = 0; i < x->nvers; i++) {
		free(x->vers[i].name), free(x->vers[i].blob);
		tf_colver_free(&x->vers[i].cv);
	}
	free(x->vers);
}

static void tabs_free(struct tf *t)
{
	for (size_t i = 0; i < t->ntabs; i++) {
		free(t->tabs[i].db), free(t->tabs[i].table), free(t->tabs[i].dml);
		tf_coltab_free(&t->tabs[i].ct);
		free(t->tabs[i].sv), free(t->tabs[i].tfield);
		tf_pguard_free(t->tabs[i].pg);
		tf_fx_free(&t->tabs[i].fx);
		vers_free(&t->tabs[i]);
		schema_copy_free(&t->tabs[i].last);
	}
	free(t->tabs);
}

/* A header: its metadata kept, TF_META_NAMES added (or set) so that the
 * sink knows the table field is the destination name. */
static int header(struct tf *t, struct mc_rec *r, struct mc_err *err)
{
	struct mc_kv *m;
	struct mc_rec h = *r;
	size_t n = 0;
	const struct mc_str *sid = rec_header_get(r, MC_META_SOURCE_ID);
	const struct mc_str *ep = rec_header_get(r, MC_META_SOURCE_EPOCH);
	const struct mc_str *fp = rec_header_get(r, TF_META_FP);
	int rc;
	/* transformed twice: the rules would match destination names as source
	 * names (a second prefix) and mask masked values, under the same
	 * fingerprint, which the sink then takes for the same rules */
	if (fp)
		return mc_errf(err, MC_EXIT_DATA, "this stream went through mc-transform already "
			       "(its header has rules_fp '%.*s'): its tables have their destination "
			       "names and its values are transformed; give mc-transform the source's "
			       "stream (mc-binlog-tail's, mc-snapshot's, or a saved copy of them)",
			       (int)fp->n, fp->p);
	free(t->source_id);
	free(t->source_epoch);
	t->source_id = t->source_epoch = NULL;
	t->snap = rec_header_get(r, MC_META_CHAINS) != NULL;
	t->snap_tabs = t->snap_sel = 0;
	if ((sid && !(t->source_id = mc_strndup(sid->p, sid->n))) ||
	    (ep && !(t->source_epoch = mc_strndup(ep->p, ep->n))))
		return mc_oom(err, "the header");
	if (!(m = calloc(r->nmeta + 7, sizeof *m)))
		return mc_oom(err, "the header");
	for (size_t i = 0; i < r->nmeta; i++)
		if (!(r->meta[i].k.n == strlen(TF_META_NAMES) &&
		      memcmp(r->meta[i].k.p, TF_META_NAMES, r->meta[i].k.n) == 0) &&
		    !(r->meta[i].k.n == strlen(TF_META_MERGE) &&
		      memcmp(r->meta[i].k.p, TF_META_MERGE, r->meta[i].k.n) == 0) &&
		    !(r->meta[i].k.n == strlen(TF_META_PART_COL) &&
		      memcmp(r->meta[i].k.p, TF_META_PART_COL, r->meta[i].k.n) == 0) &&
		    !(t->o->rules->log_layout && r->meta[i].k.n == strlen(TF_META_LAYOUT) &&
		      memcmp(r->meta[i].k.p, TF_META_LAYOUT, r->meta[i].k.n) == 0) &&
		    !(r->meta[i].k.n == strlen(TF_META_FP) &&
		      memcmp(r->meta[i].k.p, TF_META_FP, r->meta[i].k.n) == 0) &&
		    !(r->meta[i].k.n == strlen(TF_META_FILE) &&
		      memcmp(r->meta[i].k.p, TF_META_FILE, r->meta[i].k.n) == 0) &&
		    !(r->meta[i].k.n == strlen(TF_META_ROWS_FP) &&
		      memcmp(r->meta[i].k.p, TF_META_ROWS_FP, r->meta[i].k.n) == 0))
			m[n++] = r->meta[i];
	m[n].k = mc_str_c(TF_META_NAMES, strlen(TF_META_NAMES));
	m[n++].v = mc_str_c("table", 5);
	if (t->o->rules->nmerge) {
		/* a shard's table field is "DEST/TABLE" (shard.h) */
		m[n].k = mc_str_c(TF_META_MERGE, strlen(TF_META_MERGE));
		m[n++].v = mc_str_c(TF_META_MERGE_V, strlen(TF_META_MERGE_V));
	}
	if (t->o->rules->nparts) {
		m[n].k = mc_str_c(TF_META_PART_COL, strlen(TF_META_PART_COL));
		m[n].v = mc_str_c(t->o->rules->part_col, strlen(t->o->rules->part_col));
		n++;
	}
	if (t->o->rules->log_layout) {
		m[n].k = mc_str_c(TF_META_LAYOUT, strlen(TF_META_LAYOUT));
		m[n].v = mc_str_c(t->o->rules->log_layout, strlen(t->o->rules->log_layout));
		n++;
	}
	m[n].k = mc_str_c(TF_META_FP, strlen(TF_META_FP));
	m[n++].v = mc_str_c(t->o->rules->fp, strlen(t->o->rules->fp));
	m[n].k = mc_str_c(TF_META_ROWS_FP, strlen(TF_META_ROWS_FP));
	m[n++].v = mc_str_c(t->o->rules->rows_fp, strlen(t->o->rules->rows_fp));
	if (t->o->rules->file && !strchr(t->o->rules->file, '\n')) {
		m[n].k = mc_str_c(TF_META_FILE, strlen(TF_META_FILE));
		m[n].v = mc_str_c(t->o->rules->file, strlen(t->o->rules->file));
		n++;
	}
	h.meta = m;
	h.nmeta = n;
	rc = rio_write(&t->wr, &h, err) < 0 ? -2 : 0;
	free(m);
	return rc;
}

/* Keep the column names of a schema record (a version seen again
 * replaces the one kept). */
static int keep_names(struct tf_tab *x, const struct mc_rec *r, struct tf_ver **out,
		      struct mc_err *err)
{
	struct tf_ver *v = NULL;
	size_t total = 0, off = 0;
	for (size_t i = 0; i < x->nvers; i++)
		if (x->vers[i].version == r->schema_version)
			v = &x->vers[i];
	if (!v) {
		if (mc_push(&x->vers, &x->nvers, &x->capvers, sizeof *x->vers) < 0)
			return mc_oom(err, "schemas");
		v = &x->vers[x->nvers - 1];
		memset(v, 0, sizeof *v);
	}
	free(v->name);
	free(v->blob);
	tf_colver_free(&v->cv);
	memset(v, 0, sizeof *v);
	*out = v;
	v->version = r->schema_version;
	for (size_t i = 0; i < r->ncols; i++)
		total += r->cols[i].name.n;
	if (!(v->name = calloc(r->ncols + 1, sizeof *v->name)) || !(v->blob = malloc(total + 1)))
		return mc_oom(err, "schemas");
	for (size_t i = 0; i < r->ncols; i++) {
		memcpy(v->blob + off, r->cols[i].name.p, r->cols[i].name.n);
		v->name[i] = mc_str_c(v->blob + off, r->cols[i].name.n);
		off += r->cols[i].name.n;
	}
	v->names.name = v->name;
	v->names.n = r->ncols;
	return 0;
}

/* Whether the DML rules of the row's table keep it: 1, 0, or -1 with err.
 * An update that keep_if drops (no entry drops updates by op) while the
 * rules would keep the delete of its old row is the row leaving the
 * condition: the warehouse may hold the old row, so it becomes that delete
 * (r changed), never dropped, which would leave the old row there stale
 * (docs/mc-transform.md "DML rules"). */
static int dml_keep(struct tf *t, struct tf_tab *x, struct mc_rec *r, struct mc_err *err)
{
	const struct tf_names *names = NULL;
	const struct tf_dml *d;
	struct mc_rec old;
	char pos[64];
	int k = 1, kept = 1;
	for (size_t i = 0; i < x->nvers; i++)
		if (x->vers[i].version == r->schema_version)
			names = &x->vers[i].names;
	if (!names) /* the reader checks every row against its schema: not reached */
		return mc_errf(err, MC_EXIT_DATA, "a row of schema version %llu before its schema",
			       (unsigned long long)r->schema_version);
	for (size_t i = 0; i < x->ndml && kept; i++) {
		d = &t->o->rules->dml[x->dml[i]];
		if ((k = tf_dml_keep(d, r, names, err)) < 0)
			goto fail;
		kept = k;
	}
	if (kept || r->op != MC_OP_UPDATE)
		return kept;
	for (size_t i = 0; i < x->ndml; i++)
		if (t->o->rules->dml[x->dml[i]].drop & (1u << MC_OP_UPDATE))
			return 0; /* updates dropped by op: as the rules say */
	old = *r;
	old.op = MC_OP_DELETE;
	old.after = NULL;
	old.nafter = 0;
	for (size_t i = 0; i < x->ndml; i++) {
		d = &t->o->rules->dml[x->dml[i]];
		if ((k = tf_dml_keep(d, &old, names, err)) < 0)
			goto fail;
		if (!k)
			return 0; /* the old row was not kept either */
	}
	*r = old;
	return 1;
fail:
	pos_format(&r->pos, pos, sizeof pos);
	return mc_errctx(err, "position %s: ", pos);
}

/* The DDL policy of a ddl record: 1 it passes, 0 it is dropped, -1 with
 * err (policy error, or an alerts file that cannot be written). */
static int ddl_policy(struct tf *t, const struct tf_tab *x, const struct mc_rec *r,
		      struct mc_err *err)
{
	const struct tf_rules *R = t->o->rules;
	int type;
	enum tf_ddl_pol p = tf_ddl_policy(R, r, &type);
	char pos[64], line[1024], ts[32];
	size_t n, sqln = r->sql.n > 600 ? 600 : r->sql.n;
	time_t tt = (time_t)r->time;
	struct tm tm;
	if (p == TF_DDL_NORMAL)
		return 1;
	pos_format(&r->pos, pos, sizeof pos);
	if (p == TF_DDL_IGNORE) {
		/* a MODIFY whose values the server changes in place: dropped, the
		 * warehouse would keep the old ones (docs/mc-transform.md) */
		/* (and a CONVERT TO CHARACTER SET, alter_other) */
		char col[256], why[600], cn[300] = "";
		int rule = type;
		const struct mc_rec *old = x && x->last.have ? &x->last.rec : NULL;
		int k = x ? tf_ddl_keeps_values(r, old, x->last_part ? NULL : old, x->tabcs, &rule,
						col, sizeof col, why, sizeof why) : 1;
		if (k == 1)
			return 0;
		if (col[0])
			snprintf(cn, sizeof cn, "column '%s': ", col);
		return mc_errf(err, MC_EXIT_DATA, "position %s: table '%.*s.%.*s': %s"
			       "'%.*s' %s the values the rows hold, and the rules drop it "
			       "(ddl.%s: ignore at %s): %s; the warehouse would keep the old values. "
			       "%sKeep the statement (ddl.%s: normal or alert%s), or load a "
			       "new snapshot of the table taken after it (mc-tunnel-put "
			       "--resnapshot), the table left out of this run's select", pos,
			       (int)r->db.n, r->db.p, (int)r->table.n, r->table.p, cn,
			       (int)(sqln > 200 ? 200 : sqln), r->sql.p, k == 2 || k == 3 ?
			       "may change" : "changes", tf_ddl_type_name(rule),
			       R->ddl_where[rule] ? R->ddl_where[rule] : R->file, why, k == 2 ?
			       "Give the tables' schemas before the input with --schema=FILE (the "
			       "snapshot, or the stream before this one); or: " : "",
			       tf_ddl_type_name(rule), k == 3 ? ": the merge then stops at it" : "");
	}
	if (p == TF_DDL_ERROR)
		return mc_errf(err, MC_EXIT_DATA, "position %s: DDL %s of '%.*s.%.*s' refused by "
			       "the rules (ddl.%s: error at %s): %.*s", pos, tf_ddl_type_name(type),
			       (int)r->db.n, r->db.p, (int)r->table.n, r->table.p,
			       tf_ddl_type_name(type), R->ddl_where[type] ? R->ddl_where[type] : R->file,
			       (int)sqln, r->sql.p);
	if (!gmtime_r(&tt, &tm) || !strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(ts, sizeof ts, "@%lld", (long long)r->time);
	snprintf(line, sizeof line, "alert: %s DDL %s of '%.*s.%.*s' at position %s ('%s' "
		 "record %llu): %.*s", ts, tf_ddl_type_name(type), (int)r->db.n, r->db.p,
		 (int)r->table.n, r->table.p, pos, t->in_name,
		 (unsigned long long)(t->rd ? t->rd->recno : 0), (int)sqln, r->sql.p);
	n = strlen(line);
	for (size_t i = 0; i < n; i++) /* one line, whatever the statement holds */
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	if (t->o->alert.fn)
		t->o->alert.fn(t->o->alert.ctx, line);
	if (t->o->alerts_fd >= 0) {
		line[n] = '\n';
		if (io_write_all(t->o->alerts_fd, line, n + 1) < 0)
			return mc_errnof(err, errno, "the alerts file: write error");
	}
	return 1;
}

/* An ALTER that passes, of a column the types or mask rules cover, where
 * the merge would not give the older rows what the rules give
 * (tf_ddl_rules_keep): exit 1. */
static int rules_ddl(struct tf *t, const struct tf_tab *x, const struct mc_rec *r, int dropped,
		     struct mc_err *err)
{
	char col[256], why[900], pos[64];
	size_t sqln = r->sql.n > 200 ? 200 : r->sql.n;
	if (tf_ddl_rules_keep(t->o->rules, r, x->last.have ? &x->last.rec : NULL, x->db, x->table,
			      dropped, col, sizeof col, why, sizeof why) == 1)
		return 0;
	pos_format(&r->pos, pos, sizeof pos);
	return mc_errf(err, MC_EXIT_DATA, "position %s: table '%s.%s': column '%s': '%.*s'%s: %s; "
		       "load a new snapshot of the table taken after it (mc-tunnel-put "
		       "--resnapshot), the statement passed with the table left out of select "
		       "(docs/mc-transform.md \"DDL of columns the rules cover\")", pos, x->db,
		       x->table, col, (int)sqln, r->sql.p, dropped ? " (dropped by the ddl "
		       "policy, but the rows after it have the column's new name and type)" : "",
		       why);
}

static int pos_ctx(const struct mc_rec *r, struct mc_err *err)
{
	char pos[64];
	pos_format(&r->pos, pos, sizeof pos);
	return mc_errctx(err, "position %s: ", pos);
}

/* Write a record of table x (NULL: of none), masked by its mask rules:
 * 0, -1 with err, -2 on a write error. */
static int emit(struct tf *t, struct tf_tab *x, struct mc_rec *r, struct mc_err *err)
{
	struct mc_rec m;
	if (x && x->fx.nmasks && (r->kind == MC_R_SCHEMA || r->kind == MC_R_ROW)) {
		if (tf_fx_mask(t->o->rules, &x->fx, r, &m, x->db, x->table, err) < 0)
			return pos_ctx(r, err);
		r = &m;
	}
	return rio_write(&t->wr, r, err) < 0 ? -2 : 0;
}

/* A record of table x as it goes out: a shard of a many -> one rule gets
 * the shard column and its table field "DEST/TABLE", its schema checked
 * against the destination's (after the columns and types rules: the
 * destination holds the transformed rows); any other selected table its
 * destination name. 0, -1 with err, -2 on a write error. */
static int to_dest(struct tf *t, struct tf_tab *x, struct mc_rec *r, struct mc_err *err)
{
	if (x->merge) {
		if (r->kind == MC_R_SCHEMA) {
			if (tf_shard_schema(&t->sh, x->merge, x->sv, x->had_schema, r, err) < 0)
				return -1;
			x->had_schema = true;
		}
		if (r->kind == MC_R_ROW && tf_shard_row(&t->sh, x->merge, x->sv, r, err) < 0)
			return -1;
		r->table = mc_str_c(x->tfield, strlen(x->tfield));
	} else if (x->selected) {
		/* a schema record names the source table too, when the name
		 * differs: the sink tells two source tables under one name
		 * apart across runs by it (docs/record-format.md "1 schema");
		 * so does a DDL record (with its effect), whose replacing
		 * marker the sink checks as it checks the schema ("3 ddl") */
		if ((r->kind == MC_R_SCHEMA || (r->kind == MC_R_DDL && r->effect)) &&
		    strcmp(x->name, x->table) != 0)
			r->src_table = mc_str_c(x->table, strlen(x->table));
		r->table = mc_str_c(x->name, strlen(x->name));
	}
	return emit(t, x, r, err);
}

static int dirty_row(struct tf *t, struct tf_tab *x, const struct mc_rec *r, struct mc_err *err);

/* A row of a table with columns or types rules: written transformed, or
 * rejected as dirty data (0), or -1 with err, -2 on a write error. A row
 * image that does not convert is not in the destination (a snapshot
 * through the rules has no such row), as keep_if's rows are not: an
 * update from a dirty image is the insert of its new one, an update to
 * a dirty image the delete of its old one (the new one rejected), a
 * delete of a dirty image nothing (its row was rejected when it came). */
static int cols_row(struct tf *t, struct tf_tab *x, struct mc_rec *r, struct mc_err *err)
{
	const struct tf_colver *cv = NULL;
	struct mc_rec out, half;
	struct mc_str sid = { t->source_id, t->source_id ? strlen(t->source_id) : 0 };
	int rc;
	for (size_t i = 0; i < x->nvers; i++)
		if (x->vers[i].version == r->schema_version)
			cv = &x->vers[i].cv;
	if (!cv) /* the reader checks every row against its schema: not reached */
		return mc_errf(err, MC_EXIT_DATA, "a row of schema version %llu before its schema",
			       (unsigned long long)r->schema_version);
	if (!cv->any)
		return to_dest(t, x, r, err);
	rc = tf_cols_row(t->o->rules, &x->ct, cv, r, sid, &t->ro, &out, err);
	if (rc < 0)
		return pos_ctx(r, err);
	if (rc == 0) {
		if (tf_part_guard(t->o->rules, &x->pg, &x->ct, &out, x->db, x->table, x->name, err) < 0)
			return pos_ctx(r, err);
		return to_dest(t, x, &out, err);
	}
	if (r->op == MC_OP_DELETE && r->before)
		return 0;
	if (r->op != MC_OP_UPDATE)
		return dirty_row(t, x, r, err);
	half = *r;
	if (strcmp(t->ro.image, "before") == 0) {
		half.op = MC_OP_INSERT;
		half.before = NULL;
		half.nbefore = 0;
	} else {
		if (dirty_row(t, x, r, err) < 0)
			return -1;
		half.op = MC_OP_DELETE;
		half.after = NULL;
		half.nafter = 0;
	}
	return cols_row(t, x, &half, err);
}

/* Row r's image t->ro tells of is dirty: listed in the reject file and
 * counted: 0, or -1 past the dirty limit. */
static int dirty_row(struct tf *t, struct tf_tab *x, const struct mc_rec *r, struct mc_err *err)
{
	char pos[64], line[4096], colname[200];
	const struct tf_rowout *o = &t->ro;
	pos_format(&r->pos, pos, sizeof pos);
	if (o->col) {
		snprintf(colname, sizeof colname, "%s (added)", o->col);
	} else {
		const struct tf_ver *v = NULL;
		for (size_t i = 0; i < x->nvers; i++)
			if (x->vers[i].version == r->schema_version)
				v = &x->vers[i];
		snprintf(colname, sizeof colname, "%.*s", v && o->coln < v->names.n ?
			 (int)v->names.name[o->coln].n : 1, v && o->coln < v->names.n ?
			 v->names.name[o->coln].p : "?");
	}
	if (!t->ndirty++)
		snprintf(t->first_dirty, sizeof t->first_dirty, "%s", pos);
	/* the source last: a reader of the first six fields reads them as
	 * before; the line's identity is every field but the reason
	 * (reject.h), so a rerun lists no row twice */
	snprintf(line, sizeof line - 1, "%s\t%s.%s\t%s\t%s\t%s\t%s (the rule at %s)\t%s%s%s", pos,
		 x->db, x->table, colname, o->image, o->shown, o->reason, o->where,
		 t->source_id ? t->source_id : "-", t->source_id ? "/" : "",
		 !t->source_id ? "" : t->source_epoch ? t->source_epoch : "-");
	if (t->o->reject_fd >= 0 && !tf_reject_seen(&t->rej, line, strlen(line))) {
		size_t n = strlen(line);
		line[n] = '\n';
		if (tf_reject_write(t->o->reject_fd, line, n + 1) < 0)
			return mc_errnof(err, errno, "the reject file: write error");
	}
	if (t->ndirty > (uint64_t)t->o->dirty_limit) {
		char lim[160];
		if (t->o->dirty_limit)
			snprintf(lim, sizeof lim, "the %llu%s dirty row is over the limit of %lld (the "
				 "first at position %s)", (unsigned long long)t->ndirty,
				 t->ndirty % 10 == 1 && t->ndirty % 100 != 11 ? "st" :
				 t->ndirty % 10 == 2 && t->ndirty % 100 != 12 ? "nd" :
				 t->ndirty % 10 == 3 && t->ndirty % 100 != 13 ? "rd" : "th",
				 t->o->dirty_limit, t->first_dirty);
		else
			snprintf(lim, sizeof lim, "the dirty limit is 0");
		return mc_errf(err, MC_EXIT_DATA, "position %s: dirty value: '%s.%s' column '%s' (%s "
			       "image): %s: %s (the rule at %s); %s", pos, x->db, x->table, colname,
			       o->image, o->shown, o->reason, o->where, lim);
	}
	return 0;
}

/* A column of the last schema record named by a statement that passes:
 * its type is not known until the next schema record (its name emptied). */
static void forget(void *ctx, const char *name, size_t n)
{
	struct schema_copy *s = ctx;
	for (size_t i = 0; s->have && i < s->rec.ncols; i++)
		if (s->rec.cols[i].name.n == n && !strncasecmp(s->rec.cols[i].name.p, name, n))
			s->rec.cols[i].name.n = 0;
}

/* A RENAME TABLE (its rename_from record, then the rename_to record of x)
 * of a table a mask or types rule names to a name the rule does not: the
 * new table's rows would go out in the clear (or untyped); whatever the
 * policy, and whether the old table is selected: refused, exit 1. */
static int rename_rules(struct tf *t, const struct tf_tab *x, const struct mc_rec *r,
			struct mc_err *err)
{
	const struct tf_tab *from;
	char why[700], pos[64];
	if (r->effect == MC_DDL_RENAME_FROM) {
		t->ren_from = 1 + (size_t)(x - t->tabs);
		return 0;
	}
	if (r->effect != MC_DDL_RENAME_TO || !t->ren_from || t->ren_from > t->ntabs)
		return 0;
	from = &t->tabs[t->ren_from - 1];
	t->ren_from = 0;
	if (!x->selected || tf_rename_keeps(t->o->rules, from->db, from->table, x->db, x->table,
					   why, sizeof why))
		return 0;
	pos_format(&r->pos, pos, sizeof pos);
	return mc_errf(err, MC_EXIT_DATA, "position %s: the rename of table '%s.%s' to '%s.%s' "
		       "(%.*s): %s; name both in the rule (table: /^(%s|%s)$/), or leave the new "
		       "name out of select", pos, from->db, from->table, x->db, x->table,
		       (int)(r->sql.n > 200 ? 200 : r->sql.n), r->sql.p, why, from->table,
		       x->table);
}

/* One record: -1 with err on a rules error (err's code set), -2 when the
 * write failed. */
static int one(struct tf *t, struct mc_rec *r, struct mc_err *err)
{
	struct tf_tab *x = NULL;
	switch (r->kind) {
	case MC_R_HEADER:
		return header(t, r, err);
	case MC_R_TRAILER:
		/* a snapshot has every table of the sync: a select none of its
		 * tables matched is a mistake (a database's name in another
		 * case, a typo), not an empty sync */
		if (t->snap && t->snap_tabs && !t->snap_sel)
			return mc_errf(err, MC_EXIT_DATA, "the rules' select (%s) matched none of "
				       "the snapshot's tables (%zu: %s%s): nothing of it would be "
				       "synced; correct select (database and table names are "
				       "matched exactly, in their case)", t->o->rules->file,
				       t->snap_tabs, t->snap_first, t->snap_tabs > 1 ? ", ..." : "");
		r->count = t->wr.count;
		break;
	case MC_R_SCHEMA:
	case MC_R_ROW:
	case MC_R_DDL:
	case MC_R_MARK:
		if (!r->table.n) {
			char db[256];
			int k;
			/* a statement on a database no table of which the rules can
			 * select (DROP DATABASE scratch): dropped, as its tables' are */
			if (r->kind == MC_R_DDL && tf_ddl_database(r, db, sizeof db) &&
			    !tf_db_selectable(t->o->rules, db, strlen(db)))
				return 0;
			k = r->kind == MC_R_DDL ? ddl_policy(t, NULL, r, err) : 1;
			if (k <= 0)
				return k;
			break;
		}
		if (!(x = tab_of(t, &r->db, &r->table, err)))
			return -1;
		if (r->kind == MC_R_DDL && rename_rules(t, x, r, err) < 0)
			return -1;
		if (r->kind == MC_R_SCHEMA && t->snap) {
			if (!t->snap_tabs++)
				snprintf(t->snap_first, sizeof t->snap_first, "%s.%s", x->db, x->table);
			t->snap_sel += x->selected != 0;
		}
		/* a mark of a table left out passes as it is (its position
		 * still counts; the sink knows no such table) */
		if (!x->selected && r->kind != MC_R_MARK)
			return 0;
		if (x->selected && r->kind == MC_R_SCHEMA) {
			char why[600];
			/* in a snapshot (the table as the sync starts from it; a
			 * change stream's table may get the column later) */
			if (t->snap &&
			    !tf_rules_cols_named(t->o->rules, x->db, x->table, r, why, sizeof why))
				return mc_errf(err, MC_EXIT_DATA, "table '%s.%s': %s", x->db,
					       x->table, why);
			if (schema_copy_set(&x->last, r, err) < 0)
				return -1;
			x->last_part = false;
		}
		if (x->selected && r->kind == MC_R_DDL) {
			int k = ddl_policy(t, x, r, err);
			char cs[64];
			if (k < 0)
				return k;
			/* the table's default charset, for a later MODIFY that names
			 * none (dropped or kept, the server's table has it) */
			if (r->effect == MC_DDL_CREATE || r->effect == MC_DDL_DROP ||
			    r->effect == MC_DDL_RENAME_FROM || r->effect == MC_DDL_RENAME_TO)
				x->tabcs[0] = 0;
			if (tf_ddl_default_charset(r, cs, sizeof cs))
				snprintf(x->tabcs, sizeof x->tabcs, "%s", cs);
			/* checked whatever the policy: a dropped RENAME or MODIFY
			 * still gives the rows after it their new name and type */
			if (r->effect == MC_DDL_ALTER && rules_ddl(t, x, r, k == 0, err) < 0)
				return -1;
			/* a table made anew, or its columns changed by a statement that
			 * passes: the last schema record says no more what they are
			 * (the next one will) */
			if (r->effect == MC_DDL_CREATE || r->effect == MC_DDL_DROP ||
			    r->effect == MC_DDL_RENAME_FROM || r->effect == MC_DDL_RENAME_TO ||
			    (k > 0 && tf_ddl_on_columns(r) && tf_ddl_columns(r, forget, &x->last) < 0))
				schema_copy_free(&x->last);
			if (k > 0 && tf_ddl_on_columns(r))
				x->last_part = true;
			if (k == 0)
				return 0;
			if (x->merge)
				return tf_shard_ddl(x->merge, x->sv, r, err);
		}
		if (tf_fx_rows(&x->fx)) { /* sample, limit: on the source rows, first */
			int k = 1;
			if (r->kind == MC_R_SCHEMA && tf_fx_schema(&x->fx, r, x->db, x->table, err) < 0)
				return pos_ctx(r, err);
			if (r->kind == MC_R_MARK)
				tf_fx_mark(&x->fx, r);
			if (r->kind == MC_R_ROW &&
			    (k = tf_fx_row(t->o->rules, &x->fx, r, x->db, x->table, err)) <= 0)
				return k < 0 ? pos_ctx(r, err) : 0;
		}
		if ((x->ndml || x->ct.nadds || x->ct.ntypes) && r->kind == MC_R_SCHEMA) {
			struct tf_ver *v = NULL;
			if (keep_names(x, r, &v, err) < 0 ||
			    tf_colver_init(t->o->rules, &x->ct, r, &v->cv, err) < 0)
				return -1;
			if (v->cv.any) {
				struct mc_rec out;
				if (tf_cols_schema(&x->ct, &v->cv, r, &t->ro, &out, err) < 0)
					return pos_ctx(r, err);
				return to_dest(t, x, &out, err);
			}
		}
		if (x->ndml && r->kind == MC_R_ROW) {
			int k = dml_keep(t, x, r, err);
			if (k <= 0)
				return k;
		}
		if ((x->ct.nadds || x->ct.ntypes) && r->kind == MC_R_ROW)
			return cols_row(t, x, r, err);
		return to_dest(t, x, r, err);
	default:
		break;
	}
	return emit(t, x, r, err);
}

static int run_file(struct tf *t, const char *path, struct mc_err *err)
{
	struct rio_reader rd;
	struct mc_rec r;
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	int fd = 0, rc, in_failed = 0;
	if (strcmp(path, "-") != 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return mc_errnof(err, errno, "'%s'", path);
	rio_init(&rd, fd, t->o->from);
	t->in_name = name;
	t->rd = &rd;
	for (;;) {
		if ((rc = rio_next(&rd, &r, err)) <= 0) {
			in_failed = rc < 0;
			break;
		}
		if ((rc = one(t, &r, err)) < 0)
			break;
	}
	/* a message of rio_next names the record (and offset) already */
	if (rc == -1 && err->errnum != EPIPE && in_failed)
		mc_errctx(err, "'%s': ", name);
	else if (rc == -1 && err->errnum != EPIPE)
		mc_errctx(err, "'%s': record %llu: ", name, (unsigned long long)rd.recno);
	rio_close(&rd);
	t->rd = NULL;
	if (fd > 0)
		close(fd);
	return rc < 0 ? rc : 0;
}

/* The schema records of o->schema: each selected table's last one kept
 * as its schema before the inputs. */
static int read_schemas(struct tf *t, struct mc_err *err)
{
	struct rio_reader rd;
	struct mc_rec r;
	struct tf_tab *x;
	int fd = open(t->o->schema, O_RDONLY | O_CLOEXEC), rc;
	if (fd < 0) {
		mc_errnof(err, errno, "--schema: '%s'", t->o->schema);
		err->code = MC_EXIT_USAGE;
		return -1;
	}
	rio_init(&rd, fd, t->o->from);
	while ((rc = rio_next(&rd, &r, err)) > 0) {
		if (r.kind != MC_R_SCHEMA)
			continue;
		if (!(x = tab_of(t, &r.db, &r.table, err)) ||
		    (x->selected && schema_copy_set(&x->last, &r, err) < 0)) {
			mc_errctx(err, "--schema: '%s': record %llu: ", t->o->schema,
				  (unsigned long long)rd.recno);
			rc = -2;
			break;
		}
		x->last_part = false;
	}
	if (rc == -1) /* rio_next's message names the record */
		mc_errctx(err, "--schema: '%s': ", t->o->schema);
	rio_close(&rd);
	close(fd);
	return rc < 0 ? -1 : 0;
}

int tf_run(const struct tf_opts *o, struct mc_err *err)
{
	static const char *const stdin_only[] = { "-" };
	const char *const *files = o->nfiles ? o->files : stdin_only;
	size_t nfiles = o->nfiles ? o->nfiles : 1;
	struct tf t;
	int rc = 0;

	for (size_t i = 0; i < o->rules->nparams; i++)
		if (!o->rules->params[i].value)
			return mc_errf(err, MC_EXIT_USAGE, "%s: ${%s}: no such parameter: give it with "
				       "--param %s=VALUE", o->rules->params[i].where,
				       o->rules->params[i].name, o->rules->params[i].name);
	memset(&t, 0, sizeof t);
	t.o = o;
	if (o->reject_fd >= 0 && tf_reject_load(&t.rej, o->reject_fd, o->reject_name, err) < 0)
		return -1;
	if (t.rej.cut && o->note.fn)
		mc_sayf(&o->note, "reject file '%s': its last line was cut (%llu bytes, no newline: "
			"a run killed while writing it): removed; its row is listed whole when met",
			o->reject_name, (unsigned long long)t.rej.cut);
	if (tf_shards_init(&t.sh, o->rules, err) < 0)
		return tf_reject_free(&t.rej), -1;
	if (o->schema && read_schemas(&t, err) < 0)
		return tabs_free(&t), tf_shards_free(&t.sh), tf_reject_free(&t.rej), -1;
	if (rio_winit(&t.wr, o->out_fd, o->zstd, err) < 0)
		return tabs_free(&t), tf_shards_free(&t.sh), tf_reject_free(&t.rej), -1;
	for (size_t i = 0; i < nfiles && rc == 0; i++)
		rc = run_file(&t, files[i], err);
	if (rc == -2) {
		rio_wabort(&t.wr);
	} else {
		struct mc_err werr = { 0 };
		/* after bad input: what was written goes out, without a trailer */
		if (rio_wclose(&t.wr, rc < 0 ? &werr : err) < 0 && rc == 0)
			rc = -1;
	}
	if (rc == 0 && t.ndirty && o->note.fn) {
		char was[96] = "";
		if (t.rej.listed)
			snprintf(was, sizeof was, " (%llu of them listed by an earlier run, not again)",
				 (unsigned long long)t.rej.listed);
		mc_sayf(&o->note, "%llu row%s rejected as dirty data (limit %lld), the first at "
			"position %s%s%s%s", (unsigned long long)t.ndirty, t.ndirty == 1 ? "" : "s",
			o->dirty_limit, t.first_dirty, o->reject_name ? ": listed in " : "",
			o->reject_name ? o->reject_name : "", was);
	}
	tabs_free(&t);
	tf_rowout_free(&t.ro);
	free(t.source_id);
	free(t.source_epoch);
	tf_reject_free(&t.rej);
	tf_shards_free(&t.sh);
	return rc < 0 ? -1 : 0;
}

int tf_check(const struct tf_opts *o, struct mc_err *err)
{
	struct tf t;
	struct mc_buf out = { 0 };
	int rc = 0;

	memset(&t, 0, sizeof t);
	t.o = o;
	for (size_t i = 0; i < o->nfiles && rc == 0; i++) {
		struct rio_reader rd;
		struct mc_rec r;
		int fd = strcmp(o->files[i], "-") == 0 ? 0 : open(o->files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return tabs_free(&t), mc_errnof(err, errno, "'%s'", o->files[i]);
		rio_init(&rd, fd, o->from);
		while ((rc = rio_next(&rd, &r, err)) > 0)
			if (r.kind == MC_R_SCHEMA && !tab_of(&t, &r.db, &r.table, err)) {
				rc = -1;
				mc_errctx(err, "'%s': record %llu: ", o->files[i],
					  (unsigned long long)rd.recno);
				rc = -2;
				break;
			}
		if (rc == -1) /* rio_next's message names the record */
			mc_errctx(err, "'%s': ", o->files[i]);
		rio_close(&rd);
		if (fd > 0)
			close(fd);
	}
	if (rc < 0)
		return tabs_free(&t), -1;
	for (size_t i = 0; i < t.ntabs && rc == 0; i++) {
		struct tf_tab *x = &t.tabs[i];
		if (x->merge)
			rc = buf_addf(&out, "%s.%s -> %s (merged)\n", x->db, x->table, x->name);
		else if (x->selected)
			rc = buf_addf(&out, "%s.%s -> %s\n", x->db, x->table, x->name);
		else
			rc = buf_addf(&out, "%s.%s (not selected)\n", x->db, x->table);
	}
	if (rc < 0)
		rc = mc_oom(err, "the mapping");
	else if (io_write_all(o->out_fd, out.p, out.len) < 0)
		rc = mc_errnof(err, errno, "standard output: write error");
	buf_free(&out);
	tabs_free(&t);
	return rc;
}
