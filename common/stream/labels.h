/* labels.h: the labels of ENUM and SET type texts, read and written. */
#ifndef MC_LABELS_H
#define MC_LABELS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "stream/rec.h"

/* ENUM or SET labels read from a type text (mc_labels_parse). */
struct mc_labels {
	uint32_t n;
	struct mc_str *v; /* pointing into buf */
	char *buf;
	int is_set;
	unsigned flags; /* MC_LABELS_* */
};
enum {
	MC_LABELS_ESCAPED = 1, /* an escape was undone */
	MC_LABELS_LOSSY = 2    /* a label holds a '?' or a NUL, or an escape not known */
};

/* The labels of a type text text[0..len) "enum('a','b''c')" or "set(...)"
 * (the word in any case): the inverse of mc_labels_type (a quote doubled);
 * with escapes, information_schema's COLUMN_TYPE, which also escapes a
 * backslash, LF, CR and NUL (\\, \n, \r, \0). 0 with *out filled (free
 * with mc_labels_free); -1 when the text is neither, is cut or has no
 * label, or out of memory. The one reader of labels' type texts (the
 * snapshot's, information_schema's, mc-binlog-tail --schema's, the merge's
 * schema history's). */
int mc_labels_parse(const char *text, size_t len, int escapes, struct mc_labels *out);
void mc_labels_free(struct mc_labels *l);

/* The type text of ENUM (is_set 0) or SET labels in UTF-8, "enum('a','b''c')"
 * (a quote doubled, nothing else escaped), appended to b. 0, or -1 when
 * out of memory. */
int mc_labels_type(struct mc_buf *b, int is_set, const struct mc_str *labels, uint32_t n);


/* Whether type text b[0..bn) keeps every value of type text a[0..an) as
 * it is: both ENUM or both SET, b's labels beginning with all of a's, in
 * the same order, byte for byte (labels appended at the end by ALTER
 * TABLE: each value keeps its text, and its index or bit), a SET of at
 * most 64 members. 1 or 0 (0 too when a text has no labels or out of
 * memory). */
int mc_labels_appended(const char *a, size_t an, const char *b, size_t bn);

#endif
