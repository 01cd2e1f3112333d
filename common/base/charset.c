/* charset.c: text in a MySQL/MariaDB charset to UTF-8 (charset.h). */
#include "base/charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/utf8.h"

static const struct cs_info cs_tab[CS_COUNT] = {
	{ "binary", NULL, 1, CS_BINARY, 0 },	   { "latin1", NULL, 1, CS_CONVERT, 1 },
	{ "utf8mb3", NULL, 3, CS_PASS, 2 },	   { "utf8mb4", NULL, 4, CS_PASS, 3 },
	{ "ascii", "ASCII", 1, CS_CONVERT, 4 },	   { "ucs2", "UCS-2BE", 2, CS_CONVERT, 5 },
	{ "utf16", "UTF-16BE", 4, CS_CONVERT, 6 }, { "utf16le", "UTF-16LE", 4, CS_CONVERT, 7 },
	{ "utf32", "UTF-32BE", 4, CS_CONVERT, 8 }, { "big5", "BIG5", 2, CS_CONVERT, 9 },
	{ "dec8", NULL, 1, CS_NONE, 10 },	   { "cp850", "CP850", 1, CS_CONVERT, 11 },
	{ "hp8", NULL, 1, CS_NONE, 12 },	   { "koi8r", "KOI8-R", 1, CS_CONVERT, 13 },
	{ "latin2", "ISO-8859-2", 1, CS_CONVERT, 14 }, { "swe7", NULL, 1, CS_NONE, 15 },
	{ "ujis", "EUC-JP", 3, CS_CONVERT, 16 },   { "sjis", "CP932", 2, CS_CONVERT, 17 },
	{ "cp1251", "CP1251", 1, CS_CONVERT, 18 }, { "hebrew", "ISO-8859-8", 1, CS_CONVERT, 19 },
	{ "tis620", "TIS-620", 1, CS_CONVERT, 20 }, { "euckr", "EUC-KR", 2, CS_CONVERT, 21 },
	{ "latin7", "ISO-8859-13", 1, CS_CONVERT, 22 }, { "koi8u", "KOI8-U", 1, CS_CONVERT, 23 },
	{ "gb2312", "GB2312", 2, CS_CONVERT, 24 }, { "greek", "ISO-8859-7", 1, CS_CONVERT, 25 },
	{ "cp1250", "CP1250", 1, CS_CONVERT, 26 }, { "gbk", "GBK", 2, CS_CONVERT, 27 },
	{ "cp1257", "CP1257", 1, CS_CONVERT, 28 }, { "latin5", "ISO-8859-9", 1, CS_CONVERT, 29 },
	{ "armscii8", "ARMSCII-8", 1, CS_CONVERT, 30 }, { "cp866", "CP866", 1, CS_CONVERT, 31 },
	{ "keybcs2", NULL, 1, CS_NONE, 32 },	   { "macce", NULL, 1, CS_NONE, 33 },
	{ "macroman", "MACINTOSH", 1, CS_CONVERT, 34 }, { "cp852", "CP852", 1, CS_CONVERT, 35 },
	{ "cp1256", "CP1256", 1, CS_CONVERT, 36 }, { "geostd8", NULL, 1, CS_NONE, 37 },
	{ "cp932", "CP932", 2, CS_CONVERT, 38 },   { "eucjpms", "EUC-JP-MS", 3, CS_CONVERT, 39 },
	{ "gb18030", "GB18030", 4, CS_CONVERT, 40 },
};

/* Collation ids 0..255 to 1 + the charset's index (0: no such id), from
 * information_schema.COLLATIONS of MariaDB 10.11 and MySQL 8's additions
 * (76, 248-250, 255). */
static const uint8_t coll_tab[256] = {
	 0, 10, 15, 11, 12,  2, 13, 14,  2, 15, 16,  5, 17, 18, 19,  2,
	20,  0, 21, 22, 23, 15, 24, 19, 25, 26, 27, 15, 28, 29, 30,  2,
	31,  3, 27,  6, 32, 33, 34, 35, 36, 23, 23, 34, 27,  4,  4,  2,
	 2,  2, 19, 19, 19, 35,  7,  7,  8, 37, 29, 29,  9,  9,  8,  1,
	31,  5, 27, 37, 32, 11, 26, 20, 13, 33, 14, 24,  3, 15, 30, 23,
	12, 36, 16,  3, 10, 22, 25, 28, 18, 21,  6, 17, 38, 38,  2, 39,
	39, 40, 40, 27,  0,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,
	 7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  0,  0,  0,
	 6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6,  6,
	 6,  6,  6,  6,  6,  6,  6,  6,  0,  0,  0,  0,  0,  0,  0,  6,
	 9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,
	 9,  9,  9,  9,  9,  9,  9,  9,  0,  0,  0,  0,  0,  0,  0,  0,
	 3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,  3,
	 3,  3,  3,  3,  3,  3,  3,  3,  0,  0,  0,  0,  0,  0,  0,  3,
	 4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,  4,
	 4,  4,  4,  4,  4,  4,  4,  4, 41, 41, 41,  0,  0,  0,  0,  4,
};

const struct cs_info *cs_by_collation(unsigned id)
{
	if (id >= 1024 && id < 1280) /* MariaDB's NOPAD twins: id + 1024 */
		id -= 1024;
	if (id < 256)
		return coll_tab[id] ? &cs_tab[coll_tab[id] - 1] : NULL;
	if (id <= 323) /* MySQL 8's utf8mb4_0900 collations */
		return &cs_tab[3];
	switch (id >> 5) { /* MariaDB's UCA 5.2 / 14 collations */
	case 576 >> 5: return &cs_tab[2];
	case 608 >> 5: return &cs_tab[3];
	case 640 >> 5: return &cs_tab[5];
	case 672 >> 5: return &cs_tab[6];
	case 736 >> 5: return &cs_tab[8];
	}
	if (id >= 2048 && id <= 2400) /* UTF-8 either way (utf8mb3 or utf8mb4) */
		return &cs_tab[3];
	return NULL;
}

const struct cs_info *cs_by_name(const char *name)
{
	if (strcmp(name, "utf8") == 0)
		return &cs_tab[2];
	for (size_t i = 0; i < CS_COUNT; i++)
		if (strcmp(cs_tab[i].name, name) == 0)
			return &cs_tab[i];
	return NULL;
}

unsigned cs_collation(const struct cs_info *cs)
{
	if (cs->index == 0)
		return 63;
	for (unsigned i = 1; i < 256; i++)
		if (coll_tab[i] == cs->index + 1)
			return i;
	return 0;
}

void cs_set_free(struct cs_set *s)
{
	for (size_t i = 0; i < CS_COUNT; i++)
		if (s->cd[i])
			iconv_close((iconv_t)s->cd[i]);
	memset(s, 0, sizeof *s);
}

/* MySQL's latin1 is Windows-1252 with the five bytes it leaves undefined
 * (0x81, 0x8d, 0x8f, 0x90, 0x9d) as the C1 controls of the same code. */
static const uint16_t cp1252[32] = {
	0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
	0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
};

static int latin1(const unsigned char *p, size_t n, struct mc_buf *out, struct mc_err *err)
{
	char *o;
	if (buf_grow(out, n * 3) < 0)
		return mc_oom(err, "text");
	o = out->p + out->len;
	for (size_t i = 0; i < n; i++) {
		uint32_t cp = p[i];
		if (cp >= 0x80 && cp < 0xa0)
			cp = cp1252[cp - 0x80];
		if (cp < 0x80) {
			*o++ = (char)cp;
		} else if (cp < 0x800) {
			*o++ = (char)(0xc0 | cp >> 6);
			*o++ = (char)(0x80 | (cp & 0x3f));
		} else {
			*o++ = (char)(0xe0 | cp >> 12);
			*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
			*o++ = (char)(0x80 | (cp & 0x3f));
		}
	}
	out->len = (size_t)(o - out->p);
	return 0;
}

int cs_same(const struct cs_info *cs, const char *s, size_t n)
{
	size_t i = 0;
	if (cs->how == CS_PASS)
		return 1;
	if (cs->how != CS_CONVERT || (cs->index >= 5 && cs->index <= 8))
		return 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080ull)
			break;
	}
	while (i < n && (unsigned char)s[i] < 0x80)
		i++;
	return i == n;
}

/* s[0..n) through cd (reset first), appended to out, its shift state
 * closed. 0; -1 with err (out of memory); -2 at the byte *bad that cd
 * cannot take (exact: also where it takes a character for another one). */
static int iconv_run(iconv_t cd, const char *s, size_t n, struct mc_buf *out, size_t *bad,
		     int exact, struct mc_err *err)
{
	char *in = (char *)s, *o;
	size_t left = n, room, r;
	*bad = 0;
	iconv(cd, NULL, NULL, NULL, NULL);
	while (left) {
		if (buf_grow(out, left * 4 + 16) < 0)
			return mc_oom(err, "text");
		o = out->p + out->len;
		room = out->cap - out->len;
		r = iconv(cd, &in, &left, &o, &room);
		out->len = (size_t)(o - out->p);
		if (r != (size_t)-1 && exact && r > 0) {
			*bad = n; /* a character taken for another one */
			return -2;
		}
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		*bad = (size_t)(in - s);
		return -2;
	}
	/* a shift state to close (none of these charsets has one) */
	if (buf_grow(out, 16) < 0)
		return mc_oom(err, "text");
	o = out->p + out->len;
	room = out->cap - out->len;
	if (iconv(cd, NULL, NULL, &o, &room) == (size_t)-1) {
		*bad = n;
		return -2;
	}
	out->len = (size_t)(o - out->p);
	return 0;
}

int cs_to_utf8(struct cs_set *set, const struct cs_info *cs, const char *s, size_t n,
	       struct mc_buf *out, size_t *bad, struct mc_err *err)
{
	iconv_t cd;
	*bad = 0;
	if (cs->how == CS_NONE || cs->how == CS_BINARY)
		return -2;
	if (cs->how == CS_PASS || cs_same(cs, s, n))
		return buf_add(out, s, n) < 0 ? mc_oom(err, "text") : 0;
	if (!cs->iconv)
		return latin1((const unsigned char *)s, n, out, err);
	if (!set->cd[cs->index]) {
		cd = iconv_open("UTF-8", cs->iconv);
		if (cd == (iconv_t)-1)
			return mc_errnof(err, errno, "iconv from %s (charset %s)", cs->iconv, cs->name);
		set->cd[cs->index] = (void *)cd;
	}
	return iconv_run((iconv_t)set->cd[cs->index], s, n, out, bad, 0, err);
}

int cs_from_utf8(const struct cs_info *cs, const char *s, size_t n, struct mc_buf *out,
		 size_t *bad, struct mc_err *err)
{
	const unsigned char *u = (const unsigned char *)s;
	*bad = 0;
	if (cs->how == CS_NONE)
		return -2;
	if (cs->how == CS_PASS || cs->how == CS_BINARY) {
		if ((*bad = cs_utf8_valid(s, n, cs->how == CS_PASS ? cs->mbmax : 4)) < n)
			return -2;
		return buf_add(out, s, n) < 0 ? mc_oom(err, "text") : 0;
	}
	if (!cs->iconv) { /* latin1: the byte whose character it is (cp1252 above) */
		for (size_t i = 0; i < n;) {
			size_t l = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i);
			unsigned b = u[i] < 0x80 ? u[i] : 0x100;
			char one[4];
			for (unsigned c = 0x80; l > 1 && c < 0x100 && b == 0x100; c++)
				if (mc_utf8_put(one, c < 0xa0 ? cp1252[c - 0x80] : c) == l &&
				    memcmp(one, u + i, l) == 0)
					b = c;
			if (b == 0x100) {
				*bad = i;
				return -2;
			}
			if (buf_addc(out, (char)b) < 0)
				return mc_oom(err, "text");
			i += l;
		}
		return 0;
	}
	iconv_t cd = iconv_open(cs->iconv, "UTF-8");
	int rc;
	if (cd == (iconv_t)-1)
		return mc_errnof(err, errno, "iconv to %s (charset %s)", cs->iconv, cs->name);
	rc = iconv_run(cd, s, n, out, bad, 1, err);
	iconv_close(cd);
	return rc;
}

size_t cs_utf8_valid(const char *s, size_t n, unsigned max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (!(k = utf8_seq(p + i, n - i)) || k > max)
			return i;
		i += k;
	}
	return n;
}

int cs_label_utf8(struct cs_set *set, const struct cs_info *cs, const char *s, size_t n,
		  struct mc_buf *out, char *why, size_t whysz, struct mc_err *err)
{
	char hex[3 * 8 + 4] = "", what[128];
	const char *z;
	size_t at = 0, h = 0;
	int rc = 0;
	out->len = 0;
	s = s ? s : "";
	if (cs && cs->how != CS_PASS && cs->how != CS_BINARY) {
		if ((rc = cs_to_utf8(set, cs, s, n, out, &at, err)) == -1)
			return -1;
	} else if ((at = cs_utf8_valid(s, n, cs && cs->how == CS_PASS ? cs->mbmax : 4)) < n) {
		rc = -2;
	} else if (buf_add(out, s, n) < 0) {
		return mc_oom(err, "a column's labels");
	}
	if (rc == 0 && out->len && (z = memchr(out->p, 0, out->len)))
		at = (size_t)(z - out->p);
	else if (rc == 0)
		return 0;
	if (rc == 0)
		snprintf(what, sizeof what, "holds a NUL at byte %zu of its text, which the type "
			 "text cannot carry", at);
	else if (!cs)
		snprintf(what, sizeof what, "is not UTF-8 (the column's charset not known) at byte "
			 "%zu", at);
	else if (cs->how == CS_NONE)
		snprintf(what, sizeof what, "is in charset %s, which mcsync does not convert to UTF-8",
			 cs->name);
	else if (cs->how == CS_BINARY)
		snprintf(what, sizeof what, "is not UTF-8 (the column's charset is binary) at byte "
			 "%zu", at);
	else
		snprintf(what, sizeof what, "is not valid in the column's charset %s at byte %zu",
			 cs->name, at);
	for (size_t j = 0; j < n && j < 8; j++)
		h += (size_t)snprintf(hex + h, sizeof hex - h, "%s%02X", j ? " " : "",
				      (unsigned char)s[j]);
	if (n > 8)
		snprintf(hex + h, sizeof hex - h, "...");
	snprintf(why, whysz, "(bytes %s) %s", hex, what);
	out->len = 0;
	return -2;
}

int cs_bad(struct mc_err *err, const struct cs_info *cs, size_t bad)
{
	if (cs->how == CS_NONE)
		return mc_errf(err, MC_EXIT_DATA,
			       "text in charset %s, which mcsync does not convert to UTF-8: "
			       "convert the column (ALTER TABLE ... CONVERT TO CHARACTER SET "
			       "utf8mb4) or leave the table out",
			       cs->name);
	return mc_errf(err, MC_EXIT_DATA, "text not valid in its charset %s at byte %zu", cs->name,
		       bad);
}

size_t cs_ascii_lower(char *dst, const char *src, size_t n)
{
	size_t up = 0;
	for (size_t i = 0; i < n; i++) {
		int u = src[i] >= 'A' && src[i] <= 'Z';
		dst[i] = u ? (char)(src[i] + ('a' - 'A')) : src[i];
		up += (size_t)u;
	}
	return up;
}
