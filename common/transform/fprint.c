/* fprint.c: the rules fingerprint (rules.h tf_rules.fp; docs/mc-transform.md
 * "The rules fingerprint"): a digest of what decides the destination
 * tables' names, columns, keys, partitions and key values, so that the
 * sink can refuse a stream of a source written through other rules than
 * the ones its tables were made with.
 *
 * What counts: the names (template, prefix, suffix, replace, case, as
 * parsed: the default template and a file that spells it out agree) and
 * the sections columns, types, merge, partitions (but its max_per_day
 * guard), mask and sample, each as a canonical form of its YAML tree
 * (scalars by their text, mappings in key order, sequences in file
 * order; comments, quoting, layout and the order of sections do not
 * count; an empty or null section counts as absent). What does not:
 * version, select, dml, ddl, full_load, dirty, limit (which tables and
 * rows pass, what a DDL does, the dirty-data budget: they change no
 * table's shape) and log_layout (the sink keeps its own guard, ledger key
 * log_layout). ${NAME} parameters count as written, not by the values
 * --param gives them (a daily ${bizdate} is the same rules).
 *
 * The rows fingerprint (tf_rules.rows_fp, header rows_fp) is the same of
 * select, dml and limit: which tables and rows pass. The sink keeps it
 * beside the tail's --tables, refusing a change unless told
 * (--tables-changed): a table added would miss the changes before, and
 * records already committed are not done again under the new rules. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "transform/rparse.h"

static int add_str(struct mc_buf *b, const char *s, size_t n)
{
	char h[32];
	snprintf(h, sizeof h, "%zu:", n);
	return buf_adds(b, h) < 0 || buf_add(b, s ? s : "", n) < 0 ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	const struct mc_buf *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The canonical form of n into b; a mapping's key skip (or NULL) left out. */
static int canon(struct mc_buf *b, struct fy_node *n, const char *skip)
{
	void *it = NULL;
	switch (n ? fy_node_get_type(n) : FYNT_SCALAR) {
	case FYNT_SCALAR: {
		size_t len = 0;
		const char *s = n ? fy_node_get_scalar(n, &len) : NULL;
		return buf_addc(b, 's') < 0 ? -1 : add_str(b, s, s ? len : 0);
	}
	case FYNT_SEQUENCE: {
		struct fy_node *e;
		if (buf_addc(b, '[') < 0)
			return -1;
		while ((e = fy_node_sequence_iterate(n, &it)))
			if (canon(b, e, NULL) < 0)
				return -1;
		return buf_addc(b, ']');
	}
	case FYNT_MAPPING: {
		struct fy_node_pair *p;
		int cnt = fy_node_mapping_item_count(n), k = 0, rc = 0;
		struct mc_buf *pairs = calloc(cnt > 0 ? (size_t)cnt : 1, sizeof *pairs);
		if (!pairs)
			return -1;
		while (rc == 0 && k < cnt && (p = fy_node_mapping_iterate(n, &it))) {
			struct fy_node *key = fy_node_pair_key(p);
			if (skip && tfr_key_is(key, skip))
				continue;
			rc = canon(&pairs[k], key, NULL) < 0 ||
			     canon(&pairs[k], fy_node_pair_value(p), NULL) < 0 ? -1 : 0;
			k++;
		}
		qsort(pairs, (size_t)k, sizeof *pairs, cmp_str);
		rc = rc < 0 || buf_addc(b, '{') < 0 ? -1 : 0;
		for (int i = 0; i < k; i++) {
			if (rc == 0 && buf_add(b, pairs[i].p, pairs[i].len) < 0)
				rc = -1;
			buf_free(&pairs[i]);
		}
		free(pairs);
		return rc < 0 ? -1 : buf_addc(b, '}');
	}
	}
	return 0;
}

static int empty(struct fy_node *v)
{
	size_t len = 0;
	if (!v)
		return 1;
	switch (fy_node_get_type(v)) {
	case FYNT_SEQUENCE:
		return fy_node_sequence_item_count(v) == 0;
	case FYNT_MAPPING:
		return fy_node_mapping_item_count(v) == 0;
	case FYNT_SCALAR:
		return fy_node_get_scalar(v, &len) == NULL ||
		       (len == 4 && memcmp(fy_node_get_scalar(v, &len), "null", 4) == 0) ||
		       (len == 1 && *fy_node_get_scalar(v, &len) == '~');
	}
	return 0;
}

/* "r1:" and 128 bits of the SHA-256 of b, in hex, into out (40 bytes):
 * enough to tell two rules files apart, short enough for a message */
static int digest(const struct mc_buf *b, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdn = 0;
	if (!EVP_Digest(b->p ? b->p : "", b->len, md, &mdn, EVP_sha256(), NULL))
		return -1;
	memcpy(out, "r1:", 3);
	for (unsigned i = 0; i < 16; i++)
		snprintf(out + 3 + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* The sections secs of root (n of them) in canonical form into b. */
static int sections(struct mc_buf *b, struct fy_node *root, const char *const *secs, size_t n)
{
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct fy_node *v = fy_node_mapping_lookup_by_string(root, secs[i], strlen(secs[i]));
		if (empty(v))
			continue;
		rc |= buf_addc(b, '\n') | buf_adds(b, secs[i]) | buf_addc(b, '=') |
		      canon(b, v, strcmp(secs[i], "partitions") == 0 ? "max_per_day" : NULL);
	}
	return rc;
}

int tfr_fprint(struct rctx *c, struct tf_rules *R, struct fy_node *root)
{
	static const char *const secs[] = { "columns", "mask", "merge", "partitions", "sample",
					    "types" };
	/* which tables and rows pass: the rows fingerprint, kept by the sink
	 * beside the tail's --tables (sink/hrules.c) */
	static const char *const rsecs[] = { "dml", "limit", "select" };
	struct mc_buf b = { 0 }, rb = { 0 };
	char num[32];
	int rc = 0;

	snprintf(num, sizeof num, "%d", (int)R->name_case);
	rc |= buf_adds(&b, "names.template=") | add_str(&b, R->name_tmpl, strlen(R->name_tmpl));
	rc |= buf_adds(&b, "\nnames.prefix=") |
	      add_str(&b, R->prefix, R->prefix ? strlen(R->prefix) : 0);
	rc |= buf_adds(&b, "\nnames.suffix=") |
	      add_str(&b, R->suffix, R->suffix ? strlen(R->suffix) : 0);
	rc |= buf_adds(&b, "\nnames.case=") | buf_adds(&b, num) | buf_adds(&b, "\nnames.replace=");
	for (size_t i = 0; i < R->nrepl; i++)
		rc |= add_str(&b, R->repl[i].from, strlen(R->repl[i].from)) |
		      add_str(&b, R->repl[i].to, strlen(R->repl[i].to));
	rc |= sections(&b, root, secs, sizeof secs / sizeof *secs);
	rc |= buf_adds(&rb, "rows") | sections(&rb, root, rsecs, sizeof rsecs / sizeof *rsecs);
	if (rc == 0)
		rc = digest(&b, R->fp) | digest(&rb, R->rows_fp);
	buf_free(&b);
	buf_free(&rb);
	if (rc < 0) {
		c->failed = true;
		return mc_oom(c->err, "the rules fingerprint");
	}
	return 0;
}
