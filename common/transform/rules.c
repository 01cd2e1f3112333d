/* rules.c: reading the rules file (rules.h) through libfyaml, and the
 * selection and destination names it describes. */
#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "transform/fixt.h"
#include "transform/rparse.h"


/* Where a node starts: a scalar's own token; a mapping's first key; a
 * sequence's first item; else the fallback. 1-based line and column. */
void tfr_node_where(struct fy_node *n, int *line, int *col)
{
	for (int depth = 0; n && depth < 64; depth++) {
		struct fy_token *t;
		void *it = NULL;
		switch (fy_node_get_type(n)) {
		case FYNT_SCALAR:
			t = fy_node_get_scalar_token(n);
			if (t && fy_token_start_mark(t)) {
				*line = fy_token_start_mark(t)->line + 1;
				*col = fy_token_start_mark(t)->column + 1;
			}
			return;
		case FYNT_MAPPING: {
			struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
			n = p ? fy_node_pair_key(p) : NULL;
			break;
		}
		case FYNT_SEQUENCE:
			n = fy_node_sequence_iterate(n, &it);
			break;
		default:
			return;
		}
	}
}

int tfr_err(struct rctx *c, struct fy_node *at, const char *fmt, ...)
{
	char msg[400];
	int line = 1, col = 1;
	va_list ap;
	if (c->failed)
		return -1;
	c->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tfr_node_where(at, &line, &col);
	return mc_errf(c->err, MC_EXIT_USAGE, "%s:%d:%d: %s", c->path, line, col, msg);
}

/* "FILE:LINE:COL" of a node as a new string; NULL with the error set. */
char *tfr_where(struct rctx *c, struct fy_node *n)
{
	int line = 1, col = 1;
	size_t sz = strlen(c->path) + 32;
	char *w = malloc(sz);
	if (!w)
		return mc_oom(c->err, "rules"), c->failed = true, NULL;
	tfr_node_where(n, &line, &col);
	snprintf(w, sz, "%s:%d:%d", c->path, line, col);
	return w;
}

void *tfr_entry(struct rctx *c, struct fy_node *item, void *arr, size_t *n, size_t *cap,
		size_t elem, const char *fmt, ...)
{
	char msg[300];
	char *e;
	va_list ap;
	if (fy_node_get_type(item) != FYNT_MAPPING) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		return tfr_err(c, item, "%s", msg), NULL;
	}
	if (mc_push(arr, n, cap, elem) < 0)
		return mc_oom(c->err, "rules"), c->failed = true, NULL;
	e = (char *)*(void **)arr + (*n - 1) * elem;
	memset(e, 0, elem);
	return e;
}

/* A scalar's text as a new string, or an error naming what. */
char *tfr_scalar_dup(struct rctx *c, struct fy_node *n, const char *what)
{
	const char *s;
	size_t len;
	char *r;
	if (!n || fy_node_get_type(n) != FYNT_SCALAR || !(s = fy_node_get_scalar(n, &len)))
		return tfr_err(c, n, "%s: expected a text", what), NULL;
	if (memchr(s, '\0', len))
		return tfr_err(c, n, "%s: a NUL byte in the text", what), NULL;
	if (!(r = mc_strndup(s, len)))
		mc_oom(c->err, "rules"), c->failed = true;
	return r;
}

bool tfr_key_is(struct fy_node *k, const char *name)
{
	size_t len;
	const char *s = fy_node_get_scalar(k, &len);
	return s && len == strlen(name) && memcmp(s, name, len) == 0;
}

int tfr_match_parse(struct rctx *c, struct fy_node *n, struct tf_match *m, const char *what)
{
	size_t len;
	char *re;
	int rc;
	if (!(m->text = tfr_scalar_dup(c, n, what)))
		return -1;
	len = strlen(m->text);
	if (len < 2 || m->text[0] != '/' || m->text[len - 1] != '/') {
		if (!len)
			return tfr_err(c, n, "%s: an empty name", what);
		return 0;
	}
	m->is_re = true;
	if (!(re = malloc(len + 4)))
		return mc_oom(c->err, "rules");
	snprintf(re, len + 4, "^(%.*s)$", (int)(len - 2), m->text + 1);
	rc = regcomp(&m->re, re, REG_EXTENDED | REG_NOSUB | (m->nocase ? REG_ICASE : 0));
	free(re);
	if (rc) {
		char e[160];
		regerror(rc, &m->re, e, sizeof e);
		m->is_re = false;
		return tfr_err(c, n, "%s: bad regular expression %s: %s", what, m->text, e);
	}
	return 0;
}

int tfr_sel_list(struct rctx *c, struct fy_node *key, struct fy_node *seq, struct tf_sel **arr, size_t *na,
		    size_t *cap, const char *what)
{
	void *it = NULL;
	struct fy_node *item;
	if (fy_node_get_type(seq) != FYNT_SEQUENCE)
		return tfr_err(c, seq, "%s: expected a list of {db: ..., table: ...}", what);
	while ((item = fy_node_sequence_iterate(seq, &it))) {
		struct tf_sel *s;
		struct fy_node_pair *p;
		void *it2 = NULL;
		if (!(s = tfr_entry(c, item, arr, na, cap, sizeof **arr,
				    "%s: an entry is a mapping with db and/or table", what)))
			return -1;
		while ((p = fy_node_mapping_iterate(item, &it2))) {
			struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
			if (tfr_key_is(k, "db")) {
				if (tfr_match_parse(c, v, &s->db, "db") < 0)
					return -1;
			} else if (tfr_key_is(k, "table")) {
				if (tfr_match_parse(c, v, &s->table, "table") < 0)
					return -1;
			} else {
				return tfr_err(c, k, "%s: unknown key (want db, table)", what);
			}
		}
		if (!s->db.text && !s->table.text) /* an empty {} has no place: its list's */
			return tfr_err(c, fy_node_mapping_item_count(item) ? item : key,
				    "%s: an entry names a db or a table", what);
	}
	return 0;
}

static int parse_select(struct rctx *c, struct tf_rules *R, struct fy_node *m)
{
	void *it = NULL;
	struct fy_node_pair *p;
	if (fy_node_get_type(m) != FYNT_MAPPING)
		return tfr_err(c, m, "select: expected a mapping with include and/or exclude");
	while ((p = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		if (tfr_key_is(k, "include")) {
			if (tfr_sel_list(c, k, v, &R->inc, &R->ninc, &R->capinc, "select.include") < 0)
				return -1;
		} else if (tfr_key_is(k, "exclude")) {
			if (tfr_sel_list(c, k, v, &R->exc, &R->nexc, &R->capexc, "select.exclude") < 0)
				return -1;
		} else {
			return tfr_err(c, k, "select: unknown key (want include, exclude)");
		}
	}
	return 0;
}

/* A template: text and ${db}, ${table}; "$$" is one '$'. */
static int tmpl_check(struct rctx *c, struct fy_node *n, const char *t)
{
	for (const char *s = t; *s; s++) {
		if (*s != '$')
			continue;
		if (s[1] == '$') {
			s++;
			continue;
		}
		if (strncmp(s, "${db}", 5) == 0)
			s += 4;
		else if (strncmp(s, "${table}", 8) == 0)
			s += 7;
		else
			return tfr_err(c, n, "names.template: '%.20s': a '$' starts ${db} or ${table} "
				    "(or $$ for a '$')", s);
	}
	return 0;
}

static int parse_names(struct rctx *c, struct tf_rules *R, struct fy_node *m)
{
	void *it = NULL;
	struct fy_node_pair *p;
	if (fy_node_get_type(m) != FYNT_MAPPING)
		return tfr_err(c, m, "names: expected a mapping");
	while ((p = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		if (tfr_key_is(k, "template")) {
			free(R->name_tmpl);
			if (!(R->name_tmpl = tfr_scalar_dup(c, v, "names.template")) ||
			    tmpl_check(c, v, R->name_tmpl) < 0)
				return -1;
			if (!R->name_tmpl[0])
				return tfr_err(c, v, "names.template: empty");
		} else if (tfr_key_is(k, "prefix")) {
			if (!(R->prefix = tfr_scalar_dup(c, v, "names.prefix")))
				return -1;
		} else if (tfr_key_is(k, "suffix")) {
			if (!(R->suffix = tfr_scalar_dup(c, v, "names.suffix")))
				return -1;
		} else if (tfr_key_is(k, "case")) {
			char *s = tfr_scalar_dup(c, v, "names.case");
			if (!s)
				return -1;
			if (strcmp(s, "keep") == 0)
				R->name_case = TF_CASE_KEEP;
			else if (strcmp(s, "lower") == 0)
				R->name_case = TF_CASE_LOWER;
			else if (strcmp(s, "upper") == 0)
				R->name_case = TF_CASE_UPPER;
			else
				tfr_err(c, v, "names.case: '%s' (want keep, lower or upper)", s);
			free(s);
			if (c->failed)
				return -1;
		} else if (tfr_key_is(k, "replace")) {
			void *i2 = NULL;
			struct fy_node *e;
			if (fy_node_get_type(v) != FYNT_SEQUENCE)
				return tfr_err(c, v, "names.replace: expected a list of {from: ..., to: ...}");
			while ((e = fy_node_sequence_iterate(v, &i2))) {
				struct fy_node *f = fy_node_get_type(e) == FYNT_MAPPING ?
							    fy_node_mapping_lookup_by_string(e, "from", 4) : NULL;
				struct fy_node *t = fy_node_get_type(e) == FYNT_MAPPING ?
							    fy_node_mapping_lookup_by_string(e, "to", 2) : NULL;
				struct tf_repl *r;
				if (!f || !t || fy_node_mapping_item_count(e) != 2)
					return tfr_err(c, e, "names.replace: an entry is {from: TEXT, to: TEXT}");
				if (mc_push(&R->repl, &R->nrepl, &R->caprepl, sizeof *R->repl) < 0)
					return mc_oom(c->err, "rules");
				r = &R->repl[R->nrepl - 1];
				r->from = r->to = NULL;
				if (!(r->from = tfr_scalar_dup(c, f, "names.replace.from")) ||
				    !(r->to = tfr_scalar_dup(c, t, "names.replace.to")))
					return -1;
				if (!r->from[0])
					return tfr_err(c, f, "names.replace.from: empty");
			}
		} else {
			return tfr_err(c, k, "names: unknown key (want template, prefix, suffix, "
				    "replace, case)");
		}
	}
	return 0;
}

/* libfyaml's own diagnostics: the first error line, "FILE:L:C: error:
 * MSG", kept (the source lines and caret that follow are not). */
struct diagcap {
	char line[400];
	bool got;
};

const char *const tf_log_layouts[] = { "mcsync", "dts", "dts-new", "dataworks", "dataworks-json",
				       NULL };

/* log_layout: NAME, the whole sync's (the warehouse keeps one layout). */
static int parse_log_layout(struct rctx *c, struct tf_rules *R, struct fy_node *v)
{
	int line = 1, col = 1;
	size_t n = strlen(c->path) + 48;
	char *s;
	if (fy_node_get_type(v) != FYNT_SCALAR)
		return tfr_err(c, v, "log_layout: one layout for the whole sync (mcsync, dts, "
			       "dts-new, dataworks or dataworks-json), not a list or a mapping: the "
			       "warehouse keeps one (ledger key log_layout)");
	if (!(s = tfr_scalar_dup(c, v, "log_layout")))
		return -1;
	for (size_t i = 0; tf_log_layouts[i]; i++)
		if (strcmp(s, tf_log_layouts[i]) == 0) {
			R->log_layout = s;
			if (!(R->log_layout_at = malloc(n)))
				return mc_oom(c->err, "rules"), c->failed = true, -1;
			tfr_node_where(v, &line, &col);
			snprintf(R->log_layout_at, n, "%s:%d:%d", c->path, line, col);
			return 0;
		}
	tfr_err(c, v, "log_layout: '%s' (want mcsync, dts, dts-new, dataworks or dataworks-json)",
		s);
	free(s);
	return -1;
}

static void diag_out(struct fy_diag *d, void *user, const char *buf, size_t len)
{
	struct diagcap *dc = user;
	(void)d;
	if (dc->got)
		return;
	if (len >= sizeof dc->line)
		len = sizeof dc->line - 1;
	memcpy(dc->line, buf, len);
	dc->line[len] = '\0';
	dc->line[strcspn(dc->line, "\n")] = '\0';
	dc->got = strstr(dc->line, ": error: ") != NULL;
}

/* "FILE:L:C: error: MSG" -> line, column, message. */
static bool diag_parse(char *s, int *line, int *col, const char **msg)
{
	char *e = strstr(s, ": error: "), *c2, *c1;
	long l, c;
	if (!e)
		return false;
	*e = '\0';
	*msg = e + 9;
	if (!(c2 = strrchr(s, ':')))
		return false;
	*c2 = '\0';
	if (!(c1 = strrchr(s, ':')))
		return false;
	l = strtol(c1 + 1, NULL, 10);
	c = strtol(c2 + 1, NULL, 10);
	if (l <= 0 || c <= 0 || l > 1 << 30 || c > 1 << 30)
		return false;
	*line = (int)l;
	*col = (int)c;
	return true;
}

int tf_rules_load(struct tf_rules *R, const char *path, struct mc_err *err)
{
	struct rctx c = { path, err, false };
	struct fy_diag_cfg dc;
	struct fy_diag *diag;
	struct diagcap cap = { .got = false };
	struct fy_parse_cfg pc;
	struct fy_document *doc;
	struct fy_node *root;
	struct fy_node_pair *p;
	void *it = NULL;
	FILE *f;

	memset(R, 0, sizeof *R);
	if (!(R->file = mc_strdup(path)))
		return mc_oom(err, "rules");
	if (!(f = fopen(path, "r")))
{
		mc_errnof(err, errno, "rules file '%s'", path);
		err->code = MC_EXIT_USAGE;
		return -1;
	}
	fclose(f);
	fy_diag_cfg_default(&dc);
	dc.fp = NULL;
	dc.output_fn = diag_out;
	dc.user = &cap;
	dc.colorize = false;
	dc.level = FYET_ERROR;
	if (!(diag = fy_diag_create(&dc)))
		return mc_oom(err, "rules parser");
	memset(&pc, 0, sizeof pc);
	pc.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2;
	pc.diag = diag;
	doc = fy_document_build_from_file(&pc, path);
	if (!doc) {
		int line, col;
		const char *msg;
		if (cap.got && diag_parse(cap.line, &line, &col, &msg))
			mc_errf(err, MC_EXIT_USAGE, "%s:%d:%d: %s", path, line, col, msg);
		else
			mc_errf(err, MC_EXIT_USAGE, "%s:1:1: not a YAML document", path);
		fy_diag_destroy(diag);
		return -1;
	}
	root = fy_document_root(doc);
	if (!root || fy_node_get_type(root) != FYNT_MAPPING) {
		tfr_err(&c, root, "the rules file is a mapping (version, select, names)");
		goto out;
	}
	while ((p = fy_node_mapping_iterate(root, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		if (tfr_key_is(k, "version")) {
			char *s = tfr_scalar_dup(&c, v, "version");
			if (s && strcmp(s, "1") != 0)
				tfr_err(&c, v, "version: '%s' (this mc-transform reads version 1)", s);
			free(s);
		} else if (tfr_key_is(k, "select")) {
			parse_select(&c, R, v);
		} else if (tfr_key_is(k, "names")) {
			parse_names(&c, R, v);
		} else if (tfr_key_is(k, "dml")) {
			tfr_parse_dml(&c, R, v);
		} else if (tfr_key_is(k, "ddl")) {
			tfr_parse_ddl(&c, R, v);
		} else if (tfr_key_is(k, "full_load")) {
			tfr_parse_fload(&c, R, v);
		} else if (tfr_key_is(k, "columns")) {
			tfr_parse_columns(&c, R, v);
		} else if (tfr_key_is(k, "types")) {
			tfr_parse_types(&c, R, v);
		} else if (tfr_key_is(k, "dirty")) {
			tfr_parse_dirty(&c, R, v);
		} else if (tfr_key_is(k, "merge")) {
			tfr_parse_merge(&c, R, v);
		} else if (tfr_key_is(k, "partitions")) {
			tfr_parse_parts(&c, R, v);
		} else if (tfr_key_is(k, "mask")) {
			tfr_parse_mask(&c, R, v);
		} else if (tfr_key_is(k, "sample")) {
			tfr_parse_sample(&c, R, v);
		} else if (tfr_key_is(k, "limit")) {
			tfr_parse_limit(&c, R, v);
		} else if (tfr_key_is(k, "log_layout")) {
			parse_log_layout(&c, R, v);
		} else {
			/* (the text is asserted as it is by tests/t4011; log_layout is
			 * in docs/rules.md) */
			tfr_err(&c, k, "unknown key (want version, select, names) or a rule section (dml, ddl, "
				"columns, types, dirty, full_load, merge, partitions, mask, sample, limit)");
		}
		if (c.failed || err->code)
			goto out;
	}
	if (!R->name_tmpl && !(R->name_tmpl = mc_strdup("${db}_${table}")))
		mc_oom(err, "rules");
	if (!c.failed && !err->code)
		tfr_parts_done(&c, R);
	if (!c.failed && !err->code)
		tfr_fprint(&c, R, root);
out:
	fy_document_destroy(doc);
	fy_diag_destroy(diag);
	return c.failed || err->code ? -1 : 0;
}

void tfr_match_free(struct tf_match *m)
{
	if (m->is_re)
		regfree(&m->re);
	free(m->text);
}

void tf_rules_free(struct tf_rules *R)
{
	for (size_t i = 0; i < R->ninc; i++)
		tfr_match_free(&R->inc[i].db), tfr_match_free(&R->inc[i].table);
	for (size_t i = 0; i < R->nexc; i++)
		tfr_match_free(&R->exc[i].db), tfr_match_free(&R->exc[i].table);
	for (size_t i = 0; i < R->nrepl; i++)
		free(R->repl[i].from), free(R->repl[i].to);
	tfr_dml_free(R);
	tfr_ddl_free(R);
	tfr_fload_free(R);
	tfr_cols_free(R);
	tfr_merge_free(R);
	tfr_parts_free(R);
	tfr_fixt_free(R);
	free(R->inc);
	free(R->exc);
	free(R->repl);
	free(R->name_tmpl);
	free(R->prefix);
	free(R->suffix);
	free(R->file);
	free(R->log_layout);
	free(R->log_layout_at);
	memset(R, 0, sizeof *R);
}

bool tfr_match(const struct tf_match *m, const char *s, size_t n)
{
	char buf[512];
	if (!m->text)
		return true;
	if (!m->is_re)
		return strlen(m->text) == n && (m->nocase ? strncasecmp(m->text, s, n) :
						memcmp(m->text, s, n)) == 0;
	if (n >= sizeof buf || memchr(s, '\0', n))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return regexec(&m->re, buf, 0, NULL, 0) == 0;
}

bool tf_sel_match(const struct tf_sel *s, const char *db, size_t dbn, const char *table,
		  size_t tn)
{
	return tfr_match(&s->db, db, dbn) && tfr_match(&s->table, table, tn);
}

static bool sel_any(const struct tf_sel *a, size_t na, const char *db, size_t dbn,
		    const char *t, size_t tn)
{
	for (size_t i = 0; i < na; i++)
		if (tfr_match(&a[i].db, db, dbn) && tfr_match(&a[i].table, t, tn))
			return true;
	return false;
}

bool tf_db_selectable(const struct tf_rules *R, const char *db, size_t n)
{
	bool any = !R->ninc;
	for (size_t i = 0; i < R->ninc && !any; i++)
		any = tfr_match(&R->inc[i].db, db, n);
	for (size_t i = 0; i < R->nexc && any; i++)
		if (!R->exc[i].table.text && tfr_match(&R->exc[i].db, db, n))
			any = false;
	return any;
}

bool tf_selected(const struct tf_rules *R, const char *db, size_t dbn, const char *table,
		 size_t tn)
{
	if (R->ninc && !sel_any(R->inc, R->ninc, db, dbn, table, tn))
		return false;
	return !sel_any(R->exc, R->nexc, db, dbn, table, tn);
}

/* Append n bytes to out at *len; false when it would not fit. */
static bool put(char *out, size_t outsz, size_t *len, const char *s, size_t n)
{
	if (*len + n >= outsz)
		return false;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
	return true;
}

int tf_dest_name(const struct tf_rules *R, const char *db, size_t dbn, const char *table,
		 size_t tn, char *out, size_t outsz, struct mc_err *err)
{
	char a[512], b[512];
	size_t len = 0;
	bool ok = true;
	a[0] = '\0';
	if (R->prefix)
		ok = put(a, sizeof a, &len, R->prefix, strlen(R->prefix));
	for (const char *s = R->name_tmpl; *s && ok; s++) {
		if (s[0] == '$' && s[1] == '$')
			ok = put(a, sizeof a, &len, s++, 1);
		else if (strncmp(s, "${db}", 5) == 0)
			ok = put(a, sizeof a, &len, db, dbn), s += 4;
		else if (strncmp(s, "${table}", 8) == 0)
			ok = put(a, sizeof a, &len, table, tn), s += 7;
		else
			ok = put(a, sizeof a, &len, s, 1);
	}
	if (ok && R->suffix)
		ok = put(a, sizeof a, &len, R->suffix, strlen(R->suffix));
	for (size_t i = 0; i < R->nrepl && ok; i++) {
		const char *from = R->repl[i].from, *to = R->repl[i].to, *s = a, *hit;
		size_t fl = strlen(from), bl = 0;
		b[0] = '\0';
		while (ok && (hit = strstr(s, from))) {
			ok = put(b, sizeof b, &bl, s, (size_t)(hit - s)) &&
			     put(b, sizeof b, &bl, to, strlen(to));
			s = hit + fl;
		}
		ok = ok && put(b, sizeof b, &bl, s, strlen(s));
		if (ok) {
			memcpy(a, b, bl + 1);
			len = bl;
		}
	}
	if (!ok || len > TF_MAX_NAME || len >= outsz)
		return mc_errf(err, MC_EXIT_DATA, "table '%.*s.%.*s': its destination name is over %d "
			       "bytes: shorten it with the names rules of '%s'", (int)dbn, db, (int)tn,
			       table, TF_MAX_NAME, R->file);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)a[i];
		if (R->name_case == TF_CASE_LOWER)
			a[i] = (char)tolower(ch);
		else if (R->name_case == TF_CASE_UPPER)
			a[i] = (char)toupper(ch);
		if (!(isascii(ch) && (isalnum(ch) || ch == '_')))
			return mc_errf(err, MC_EXIT_DATA, "table '%.*s.%.*s': its destination name "
				       "'%s' holds '%c', not of [A-Za-z0-9_]: give it a name with the "
				       "names rules of '%s'", (int)dbn, db, (int)tn, table, a,
				       isprint(ch) ? ch : '?', R->file);
	}
	if (!len)
		return mc_errf(err, MC_EXIT_DATA, "table '%.*s.%.*s': its destination name is empty",
			       (int)dbn, db, (int)tn, table);
	memcpy(out, a, len + 1);
	return 0;
}

/* Which rules cover column name of db.table: 1 a types rule, 2 a mask
 * rule, 3 both, 0 none (a types rule by its column, whatever its
 * source_type). */
int tf_rules_cover(const struct tf_rules *R, const char *db, const char *table, const char *name,
		   size_t n)
{
	int c = 0;
	for (size_t i = 0; i < R->ntypes && !(c & 1); i++)
		if (tf_sel_match(&R->types[i].on, db, strlen(db), table, strlen(table)) &&
		    tfr_match(&R->types[i].column, name, n))
			c |= 1;
	for (size_t i = 0; R->fixt && i < R->fixt->nmask && !(c & 2); i++)
		if (tf_sel_match(&R->fixt->mask[i].on, db, strlen(db), table, strlen(table)) &&
		    tfr_match(&R->fixt->mask[i].column, name, n))
			c |= 2;
	/* 4: an expression reads it: a keep_if of the table, or an added
	 * column's value of the table (the names of any rule's expressions) */
	for (size_t i = 0; i < R->ndml && !(c & 4); i++)
		if (tf_sel_match(&R->dml[i].on, db, strlen(db), table, strlen(table)) &&
		    tf_dml_reads(&R->dml[i], name, n))
			c |= 4;
	for (size_t k = 0; k < R->nrefs && !(c & 4); k++) {
		int on = 0;
		if (strlen(R->refs[k]) != n || strncasecmp(R->refs[k], name, n) != 0)
			continue;
		for (size_t i = 0; i < R->nadd && !on; i++)
			on = tf_sel_match(&R->add[i].on, db, strlen(db), table, strlen(table));
		c |= on ? 4 : 0;
	}
	return c;
}
