/* mask.c: the rules file's mask section and the masks of the written
 * records (fixt.h, docs/rules.md "mask"). */
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "transform/fixt.h"
#include "transform/rparse.h"

/* ---- the section ---- */

struct tf_fixt *tfr_fixt_of(struct rctx *c, struct tf_rules *R)
{
	if (!R->fixt && !(R->fixt = calloc(1, sizeof *R->fixt)))
		mc_oom(c->err, "rules"), c->failed = true;
	return R->fixt;
}

/* A key: a text, or "${NAME}" (a --param: keep keys out of the file). */
static int parse_key(struct rctx *c, struct tf_rules *R, struct fy_node *v, struct tf_mask *m)
{
	char *s = tfr_scalar_dup(c, v, "mask.key");
	size_t n;
	if (!s)
		return -1;
	n = strlen(s);
	if (!n)
		return free(s), tfr_err(c, v, "mask.key: empty (leave it out for a plain hash)");
	if (strchr(s, '$')) {
		bool ok = n > 3 && s[0] == '$' && s[1] == '{' && s[n - 1] == '}';
		int line = 1, col = 1;
		char w[48];
		struct tf_param *p;
		for (size_t i = 2; ok && i < n - 1; i++)
			ok = isascii((unsigned char)s[i]) &&
			     (isalnum((unsigned char)s[i]) || s[i] == '_') && !(i == 2 && isdigit((unsigned char)s[i]));
		if (!ok) {
			tfr_err(c, v, "mask.key: '%s': a key is a text without '$' or one ${NAME} (a "
				"--param)", s);
			free(s);
			return -1;
		}
		if (mc_push(&R->params, &R->nparams, &R->capparams, sizeof *R->params) < 0)
			return free(s), mc_oom(c->err, "rules");
		p = &R->params[R->nparams - 1];
		memset(p, 0, sizeof *p);
		tfr_node_where(v, &line, &col);
		snprintf(w, sizeof w, ":%d:%d", line, col);
		p->name = mc_strndup(s + 2, n - 3);
		p->where = malloc(strlen(c->path) + strlen(w) + 1);
		free(s);
		if (!p->name || !p->where)
			return mc_oom(c->err, "rules");
		strcpy(p->where, c->path);
		strcat(p->where, w);
		m->key = (long)(R->nparams - 1);
		return 0;
	}
	m->keytext = s;
	return 0;
}

static int parse_mask_entry(struct rctx *c, struct tf_rules *R, struct tf_fixt *F,
			    struct fy_node *item)
{
	struct tf_mask *m;
	struct fy_node_pair *p;
	struct fy_node *withn = NULL, *valn = NULL, *keyn = NULL;
	void *it = NULL;
	if (fy_node_get_type(item) != FYNT_MAPPING)
		return tfr_err(c, item, "mask: an entry is a mapping (db, table, column, with, "
			       "value, key)");
	if (mc_push(&F->mask, &F->nmask, &F->capmask, sizeof *F->mask) < 0)
		return mc_oom(c->err, "rules");
	m = &F->mask[F->nmask - 1];
	memset(m, 0, sizeof *m);
	m->key = -1;
	if (!(m->at = tfr_where(c, item)))
		return -1;
	while ((p = fy_node_mapping_iterate(item, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		if (tfr_key_is(k, "db")) {
			if (tfr_match_parse(c, v, &m->on.db, "mask.db") < 0)
				return -1;
		} else if (tfr_key_is(k, "table")) {
			if (tfr_match_parse(c, v, &m->on.table, "mask.table") < 0)
				return -1;
		} else if (tfr_key_is(k, "column")) {
			m->column.nocase = true; /* `email` is `Email` to the server */
			if (tfr_match_parse(c, v, &m->column, "mask.column") < 0)
				return -1;
		} else if (tfr_key_is(k, "with")) {
			char *s = tfr_scalar_dup(c, v, "mask.with");
			if (!s)
				return -1;
			m->how = strcmp(s, "hash") == 0 ? TF_MASK_HASH : strcmp(s, "constant") == 0 ?
				 TF_MASK_CONST : strcmp(s, "fake") == 0 ? TF_MASK_FAKE : 0;
			if (!m->how)
				tfr_err(c, v, "mask.with: '%s' (want hash, constant or fake)", s);
			free(s);
			if (c->failed)
				return -1;
			withn = v;
		} else if (tfr_key_is(k, "value")) {
			if (!(m->cnst = tfr_scalar_dup(c, v, "mask.value")))
				return -1;
			valn = k;
		} else if (tfr_key_is(k, "key")) {
			if (parse_key(c, R, v, m) < 0)
				return -1;
			keyn = k;
		} else {
			return tfr_err(c, k, "mask: unknown key (want db, table, column, with, value, key)");
		}
	}
	if (!m->column.text)
		return tfr_err(c, item, "mask: an entry names its column (a name or /RE/)");
	if (!withn)
		return tfr_err(c, item, "mask: an entry says with: hash, constant or fake");
	if (m->how == TF_MASK_CONST && !valn)
		return tfr_err(c, withn, "mask: with: constant needs value: TEXT");
	if (m->how != TF_MASK_CONST && valn)
		return tfr_err(c, valn, "mask.value: only with: constant");
	if (m->how == TF_MASK_CONST && keyn)
		return tfr_err(c, keyn, "mask.key: only with: hash or fake");
	return 0;
}

int tfr_parse_mask(struct rctx *c, struct tf_rules *R, struct fy_node *v)
{
	struct tf_fixt *F = tfr_fixt_of(c, R);
	void *it = NULL;
	struct fy_node *item;
	if (!F)
		return -1;
	if (fy_node_get_type(v) != FYNT_SEQUENCE)
		return tfr_err(c, v, "mask: expected a list of {table: ..., column: ..., with: ...}");
	while ((item = fy_node_sequence_iterate(v, &it)))
		if (parse_mask_entry(c, R, F, item) < 0)
			return -1;
	return 0;
}

void tfr_fixt_free(struct tf_rules *R)
{
	struct tf_fixt *F = R->fixt;
	if (!F)
		return;
	for (size_t i = 0; i < F->nmask; i++) {
		tfr_match_free(&F->mask[i].on.db), tfr_match_free(&F->mask[i].on.table);
		tfr_match_free(&F->mask[i].column);
		free(F->mask[i].cnst), free(F->mask[i].keytext), free(F->mask[i].at);
	}
	for (size_t i = 0; i < F->nsample; i++) {
		tfr_match_free(&F->sample[i].on.db), tfr_match_free(&F->sample[i].on.table);
		free(F->sample[i].at);
	}
	for (size_t i = 0; i < F->nlimit; i++) {
		tfr_match_free(&F->limit[i].on.db), tfr_match_free(&F->limit[i].on.table);
		free(F->limit[i].at);
	}
	free(F->mask), free(F->sample), free(F->limit), free(F);
	R->fixt = NULL;
}

/* ---- applying them ---- */

int tf_fx_text(const struct tf_rules *R, struct tf_arena *ar, const struct mc_val *v,
	       const char **s, size_t *n, struct mc_err *err)
{
	struct tf_evctx x;
	struct tf_ev ev;
	int rc;
	memset(&x, 0, sizeof x);
	x.R = R;
	x.ar = ar;
	x.err = err;
	x.where = "";
	rc = tf_ev_of_val(&x, v, &ev);
	if (rc < 0)
		return -1;
	if (rc > 0) { /* a zero date: its text as it is */
		*s = v->v.s.p, *n = v->v.s.n;
		return 0;
	}
	if (ev.k == E_NULL || ev.k == E_ABSENT) {
		*s = "", *n = 0;
		return 0;
	}
	return tf_ev_text(&x, &ev, s, n);
}

/* Whether the MySQL type text t is of a text column (char, varchar, the
 * text kinds): the only ones a fake keeps valid. */
static bool text_type(const struct mc_str *t)
{
	static const char *const kinds[] = { "char", "varchar", "tinytext", "text", "mediumtext",
					     "longtext", NULL };
	size_t n = 0;
	while (n < t->n && isalpha((unsigned char)t->p[n]))
		n++;
	for (size_t i = 0; kinds[i]; i++)
		if (strlen(kinds[i]) == n && strncasecmp(t->p, kinds[i], n) == 0)
			return true;
	return false;
}

static struct tf_fxver *out_ver(struct tf_fxtab *t, uint64_t version)
{
	for (size_t i = 0; i < t->nout; i++)
		if (t->out[i].version == version)
			return &t->out[i];
	return NULL;
}

static int mask_schema(struct tf_fxtab *t, const struct mc_rec *r, struct mc_rec *out,
		       const char *db, const char *table, struct mc_err *err)
{
	struct tf_fxver *v = out_ver(t, r->schema_version);
	bool any = false;
	if (!v) {
		if (mc_push(&t->out, &t->nout, &t->capout, sizeof *t->out) < 0)
			return mc_oom(err, "masks");
		v = &t->out[t->nout - 1];
		memset(v, 0, sizeof *v);
		v->version = r->schema_version;
	}
	free(v->mask);
	v->ncols = 0;
	if (!(v->mask = calloc(r->ncols + 1, sizeof *v->mask)))
		return mc_oom(err, "masks");
	v->ncols = r->ncols;
	if (mc_grow(&t->cols, &t->capcols, r->ncols + 1, sizeof *t->cols) < 0)
		return mc_oom(err, "masks");
	for (size_t i = 0; i < r->ncols; i++) {
		const struct mc_col *col = &r->cols[i];
		t->cols[i] = *col;
		for (size_t j = 0; j < t->nmasks && !v->mask[i]; j++)
			if (tfr_match(&t->masks[j]->column, col->name.p, col->name.n))
				v->mask[i] = t->masks[j];
		if (!v->mask[i])
			continue;
		any = true;
		if (v->mask[i]->how != TF_MASK_HASH)
			for (size_t k = 0; k < r->nkey; k++)
				if (r->key[k] == i)
					return mc_errf(err, MC_EXIT_DATA, "table '%s.%s': column '%.*s' is "
						       "of the key: the mask rule at %s (with: %s) would "
						       "make keys collide: mask a key column with: hash",
						       db, table, (int)col->name.n, col->name.p,
						       v->mask[i]->at, v->mask[i]->how == TF_MASK_FAKE ?
						       "fake" : "constant");
		if (v->mask[i]->how == TF_MASK_FAKE) {
			if (!text_type(&col->mysql_type))
				return mc_errf(err, MC_EXIT_DATA, "table '%s.%s': column '%.*s' is "
					       "%.*s: the mask rule at %s (with: fake) keeps a text's "
					       "form, the column is not a text: use hash or constant",
					       db, table, (int)col->name.n, col->name.p,
					       (int)col->mysql_type.n, col->mysql_type.p, v->mask[i]->at);
			continue;
		}
		t->cols[i].mysql_type = mc_str_c("longtext", 8);
		t->cols[i].mc_type = mc_str_c("STRING", 6);
	}
	*out = *r;
	if (any)
		out->cols = t->cols;
	return 0;
}

/* The 32 bytes a mask starts from: HMAC-SHA256 of the text with the key,
 * or SHA-256 of it without one. */
static int digest(const struct tf_rules *R, const struct tf_mask *m, const char *s, size_t n,
		  unsigned char md[32], struct mc_err *err)
{
	const char *key = m->keytext;
	unsigned int len = 32;
	if (m->key >= 0)
		key = R->params[m->key].value ? R->params[m->key].value : "";
	if (key ? !HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)s, n, md, &len)
		: !EVP_Digest(s, n, md, &len, EVP_sha256(), NULL))
		return mc_errf(err, MC_EXIT_DATA, "the mask rule at %s: the hash failed", m->at);
	return 0;
}

/* The random bytes of a fake: SHA-256 of the digest and a counter. */
struct fstream {
	unsigned char seed[36], blk[32];
	unsigned used;
	uint32_t ctr;
};

static unsigned fs_byte(struct fstream *f)
{
	unsigned int len = 32;
	if (f->used >= 32) {
		f->seed[32] = (unsigned char)(f->ctr >> 24), f->seed[33] = (unsigned char)(f->ctr >> 16);
		f->seed[34] = (unsigned char)(f->ctr >> 8), f->seed[35] = (unsigned char)f->ctr;
		f->ctr++;
		EVP_Digest(f->seed, sizeof f->seed, f->blk, &len, EVP_sha256(), NULL);
		f->used = 0;
	}
	return f->blk[f->used++];
}

static void put_u8(char *o, size_t *k, unsigned cp, int len)
{
	if (len == 2) {
		o[(*k)++] = (char)(0xC0 | cp >> 6);
	} else if (len == 3) {
		o[(*k)++] = (char)(0xE0 | cp >> 12);
		o[(*k)++] = (char)(0x80 | (cp >> 6 & 0x3F));
	} else {
		o[(*k)++] = (char)(0xF0 | cp >> 18);
		o[(*k)++] = (char)(0x80 | (cp >> 12 & 0x3F));
		o[(*k)++] = (char)(0x80 | (cp >> 6 & 0x3F));
	}
	o[(*k)++] = (char)(0x80 | (cp & 0x3F));
}

/* A text of the same form as s: digits, ASCII letters of each case, and
 * characters of 2, 3 and 4 UTF-8 bytes replaced (by à..ö, CJK U+4E00..
 * U+9FA5, CJK extension B), everything else kept. */
static void fake(const unsigned char md[32], const char *s, size_t n, char *o)
{
	struct fstream f;
	size_t k = 0;
	memcpy(f.seed, md, 32);
	f.used = 32;
	f.ctr = 0;
	for (size_t i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];
		int len = ch < 0x80 ? 1 : (ch & 0xE0) == 0xC0 ? 2 : (ch & 0xF0) == 0xE0 ? 3 :
			  (ch & 0xF8) == 0xF0 ? 4 : 0;
		bool whole = len > 0 && i + (size_t)len <= n;
		for (int j = 1; whole && j < len; j++)
			whole = ((unsigned char)s[i + (size_t)j] & 0xC0) == 0x80;
		if (!whole) { /* not UTF-8: the byte as it is */
			o[k++] = s[i++];
			continue;
		}
		if (len == 1) {
			if (isdigit(ch))
				o[k++] = (char)('0' + fs_byte(&f) % 10);
			else if (ch >= 'a' && ch <= 'z')
				o[k++] = (char)('a' + fs_byte(&f) % 26);
			else if (ch >= 'A' && ch <= 'Z')
				o[k++] = (char)('A' + fs_byte(&f) % 26);
			else
				o[k++] = (char)ch;
		} else {
			unsigned r = fs_byte(&f) << 8 | fs_byte(&f);
			put_u8(o, &k, len == 2 ? 0xE0 + r % 23 : len == 3 ? 0x4E00 + r % 20902 :
				     0x20000 + r % 42711, len);
		}
		i += (size_t)len;
	}
}

static int mask_val(const struct tf_rules *R, struct tf_fxtab *t, const struct tf_mask *m,
		    struct mc_val *v, struct mc_err *err)
{
	const char *s;
	size_t n;
	unsigned char md[32];
	char *o;
	static const char hex[] = "0123456789abcdef";
	if (v->kind == MC_V_NULL || v->kind == MC_V_ABSENT)
		return 0;
	if (m->how == TF_MASK_CONST) {
		v->kind = MC_V_STR;
		v->v.s = mc_str_c(m->cnst, strlen(m->cnst));
		return 0;
	}
	if (tf_fx_text(R, &t->ar, v, &s, &n, err) < 0 || digest(R, m, s, n, md, err) < 0)
		return -1;
	if (!(o = tf_arena_alloc(&t->ar, m->how == TF_MASK_HASH ? 64 : n + 1)))
		return mc_oom(err, "masks");
	if (m->how == TF_MASK_HASH) {
		for (int i = 0; i < 32; i++)
			o[2 * i] = hex[md[i] >> 4], o[2 * i + 1] = hex[md[i] & 15];
		n = 64;
	} else {
		fake(md, s, n, o);
	}
	v->kind = MC_V_STR;
	v->v.s = mc_str_c(o, n);
	return 0;
}

static int mask_image(const struct tf_rules *R, struct tf_fxtab *t, const struct tf_fxver *v,
		      const struct mc_val *in, size_t n, struct mc_val **buf, size_t *cap,
		      const struct mc_val **out, struct mc_err *err)
{
	if (!in) {
		*out = NULL;
		return 0;
	}
	if (mc_grow(buf, cap, n + 1, sizeof **buf) < 0)
		return mc_oom(err, "masks");
	memcpy(*buf, in, n * sizeof *in);
	for (size_t i = 0; i < n && i < v->ncols; i++)
		if (v->mask[i] && mask_val(R, t, v->mask[i], &(*buf)[i], err) < 0)
			return -1;
	*out = *buf;
	return 0;
}

int tf_fx_mask(const struct tf_rules *R, struct tf_fxtab *t, const struct mc_rec *r,
	       struct mc_rec *out, const char *db, const char *table, struct mc_err *err)
{
	const struct tf_fxver *v;
	const struct mc_val *b, *a;
	*out = *r;
	if (!t->nmasks)
		return 0;
	if (r->kind == MC_R_SCHEMA)
		return mask_schema(t, r, out, db, table, err);
	if (r->kind != MC_R_ROW || !(v = out_ver(t, r->schema_version)))
		return 0;
	tf_arena_reset(&t->ar);
	if (mask_image(R, t, v, r->before, r->nbefore, &t->b, &t->capb, &b, err) < 0 ||
	    mask_image(R, t, v, r->after, r->nafter, &t->a, &t->capa, &a, err) < 0)
		return -1;
	out->before = (struct mc_val *)b;
	out->after = (struct mc_val *)a;
	return 0;
}
