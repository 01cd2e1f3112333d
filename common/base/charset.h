/* charset.h: text in a MySQL/MariaDB charset to UTF-8, one code for every
 * path (the binlog's values and ENUM/SET labels, the snapshot's text read
 * as the stored bytes), so that both give the same UTF-8 for the same
 * bytes and refuse the same bytes. */
#ifndef MC_CHARSET_H
#define MC_CHARSET_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* How a charset's bytes become UTF-8. */
enum {
	CS_PASS = 1, /* utf8mb3, utf8mb4: UTF-8 already, kept as they are */
	CS_BINARY,   /* binary: bytes, not text */
	CS_CONVERT,  /* converted (latin1 as MySQL's cp1252; the others by iconv) */
	CS_NONE      /* a charset with no converter here: its text is refused */
};

struct cs_info {
	const char *name;  /* the server's name: "latin1", "gbk", ... */
	const char *iconv; /* the iconv name (NULL: latin1's own table, or none) */
	uint8_t mbmax;     /* bytes of its longest character */
	uint8_t how;       /* CS_PASS, CS_BINARY, CS_CONVERT, CS_NONE */
	uint8_t index;     /* its place in the table (cs_set's slot) */
};

#define CS_COUNT 41

/* The charset of a collation id (MySQL's and MariaDB's ids), or of a name
 * ("utf8" is utf8mb3); NULL when not known. */
const struct cs_info *cs_by_collation(unsigned id);
const struct cs_info *cs_by_name(const char *name);
/* src[0..n) into dst with ASCII A-Z in lower case, as MySQL folds names
 * under lower_case_table_names: how many were upper case. */
size_t cs_ascii_lower(char *dst, const char *src, size_t n);
/* A collation id of the charset (its first in the server's table). */
unsigned cs_collation(const struct cs_info *cs);

/* The converters one reader uses, opened on first use (one per charset). */
struct cs_set {
	void *cd[CS_COUNT];
};

void cs_set_free(struct cs_set *s);

/* 1 when s[0..n) is the same bytes in UTF-8 (UTF-8 charsets; ASCII bytes
 * only, in a charset that has ASCII as its first 128 characters). */
int cs_same(const struct cs_info *cs, const char *s, size_t n);

/* s[0..n) in charset cs to UTF-8, appended to out (text of ASCII bytes
 * only is copied as it is). 0; -1 with err set (out of memory, iconv);
 * -2 when byte *bad is not a character of cs, or cs has no converter (then
 * *bad is 0 and cs->how is CS_NONE). */
int cs_to_utf8(struct cs_set *set, const struct cs_info *cs, const char *s, size_t n,
	       struct mc_buf *out, size_t *bad, struct mc_err *err);

/* The UTF-8 text s[0..n) as bytes of charset cs, appended to out: the
 * reverse of cs_to_utf8, for text a statement gave that the server keeps
 * in cs (ENUM/SET labels of a DDL). 0; -1 with err set (out of memory,
 * iconv); -2 when the character at byte *bad has no form in cs (or cs has
 * no converter). */
int cs_from_utf8(const struct cs_info *cs, const char *s, size_t n, struct mc_buf *out,
		 size_t *bad, struct mc_err *err);

/* The length of the longest start of s[0..n) that is UTF-8 of characters
 * of at most max bytes (3: utf8mb3, 4: utf8mb4; no overlong form, no
 * surrogate, nothing above U+10FFFF): n when all of it is. */
size_t cs_utf8_valid(const char *s, size_t n, unsigned max);

/* An ENUM or SET label's bytes s[0..n) in its column's charset cs (NULL:
 * not said) as UTF-8 in out (replaced): converted, or checked where the
 * charset's text is UTF-8 already (utf8mb3, utf8mb4, binary, a charset not
 * said). The one check of every path that reads labels (the binlog's table
 * map, mc-snapshot, the live tail's information_schema lookup). 0; -1 with
 * err set (out of memory); -2 when the bytes are no text of the charset or
 * the text holds a NUL (which a type text cannot carry), with why: "(bytes
 * E9) is not valid in the column's charset utf8mb4 at byte 0". */
int cs_label_utf8(struct cs_set *set, const struct cs_info *cs, const char *s, size_t n,
		  struct mc_buf *out, char *why, size_t whysz, struct mc_err *err);

/* The message of a -2 of cs_to_utf8: "text not valid in its charset gbk
 * at byte 3" or "charset dec8 is not converted to UTF-8 ...". */
int cs_bad(struct mc_err *err, const struct cs_info *cs, size_t bad);

#endif
