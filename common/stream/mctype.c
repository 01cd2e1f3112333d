#include "stream/mctype.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/num.h"

/* Does the type's base name (up to '(' or ' ') equal name? */
static int base_is(const char *t, size_t n, const char *name)
{
	size_t k = strlen(name), i;
	if (n < k)
		return 0;
	for (i = 0; i < k; i++)
		if (tolower((unsigned char)t[i]) != name[i])
			return 0;
	return n == k || t[k] == '(' || t[k] == ' ';
}

int mctype_has_word(const char *t, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++) {
		size_t j = 0;
		while (j < k && tolower((unsigned char)t[i + j]) == w[j])
			j++;
		if (j == k && (i == 0 || t[i - 1] == ' ') && (i + k == n || t[i + k] == ' '))
			return 1;
	}
	return 0;
}

/* The numbers in "(p,s)" after the base name; -1 when absent. */
void mctype_args(const char *t, size_t n, long *p, long *s)
{
	const char *o = memchr(t, '(', n), *c, *comma;
	uint64_t v;
	*p = *s = -1;
	if (!o)
		return;
	c = memchr(o, ')', n - (size_t)(o - t));
	if (!c)
		return;
	comma = memchr(o, ',', (size_t)(c - o));
	if (num_u64n(o + 1, (size_t)((comma ? comma : c) - o - 1), &v) == 0 && v < 1000)
		*p = (long)v;
	if (comma && num_u64n(comma + 1, (size_t)(c - comma - 1), &v) == 0 && v < 1000)
		*s = (long)v;
}

const char *mctype_for(const char *t, size_t n, char *out, size_t outsz)
{
	static const struct {
		const char *mysql, *sig, *uns;
	} simple[] = {
		{ "tinyint", "TINYINT", "SMALLINT" }, { "smallint", "SMALLINT", "INT" },
		{ "mediumint", "INT", "INT" },        { "int", "INT", "BIGINT" },
		{ "integer", "INT", "BIGINT" },       { "bigint", "BIGINT", "DECIMAL(20,0)" },
		{ "float", "FLOAT", "FLOAT" },        { "double", "DOUBLE", "DOUBLE" },
		{ "real", "DOUBLE", "DOUBLE" },       { "year", "INT", "INT" },
		{ "bit", "BIGINT", "BIGINT" },        { "date", "DATE", "DATE" },
		{ "datetime", "DATETIME", "DATETIME" }, { "timestamp", "TIMESTAMP", "TIMESTAMP" },
		{ "binary", "BINARY", "BINARY" },     { "varbinary", "BINARY", "BINARY" },
		{ "tinyblob", "BINARY", "BINARY" },   { "blob", "BINARY", "BINARY" },
		{ "mediumblob", "BINARY", "BINARY" }, { "longblob", "BINARY", "BINARY" },
		{ "geometry", "BINARY", "BINARY" },   { "point", "BINARY", "BINARY" },
		{ "linestring", "BINARY", "BINARY" }, { "polygon", "BINARY", "BINARY" },
		{ "multipoint", "BINARY", "BINARY" }, { "multilinestring", "BINARY", "BINARY" },
		{ "multipolygon", "BINARY", "BINARY" }, { "geometrycollection", "BINARY", "BINARY" },
		{ "geomcollection", "BINARY", "BINARY" }, { "vector", "BINARY", "BINARY" },
	};
	int uns = mctype_has_word(t, n, "unsigned");
	long p, s;

	if (base_is(t, n, "decimal") || base_is(t, n, "numeric") || base_is(t, n, "dec") ||
	    base_is(t, n, "fixed")) {
		mctype_args(t, n, &p, &s);
		if (p < 0)
			p = 10;
		if (s < 0)
			s = 0;
		/* MaxCompute DECIMAL holds 38 digits, 18 after the point: beyond
		 * that, as many after the point as fit, then the integer digits
		 * (odps/types.c checks each value) */
		if (p > 38 || s > 18) {
			long s2 = s > 18 ? 18 : s;
			p = p - s + s2 > 38 ? 38 : p - s + s2;
			s = s2;
		}
		snprintf(out, outsz, "DECIMAL(%ld,%ld)", p, s);
		return out;
	}
	/* BIT(64) goes beyond BIGINT; DATETIME(4..6) beyond DATETIME's
	 * milliseconds */
	mctype_args(t, n, &p, &s);
	if (base_is(t, n, "bit") && p == 64) {
		snprintf(out, outsz, "DECIMAL(20,0)");
		return out;
	}
	if (base_is(t, n, "datetime") && p > 3) {
		snprintf(out, outsz, "TIMESTAMP");
		return out;
	}
	for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
		if (base_is(t, n, simple[i].mysql)) {
			snprintf(out, outsz, "%s", uns ? simple[i].uns : simple[i].sig);
			return out;
		}
	/* char, varchar, text kinds, enum, set, json, time, and the unknown */
	snprintf(out, outsz, "STRING");
	return out;
}

static const char *const int_types[] = { "tinyint", "smallint", "mediumint", "int", "integer",
					 "bigint", "year", NULL };
static const char *const geo_types[] = { "geometry", "point", "linestring", "polygon",
					 "multipoint", "multilinestring", "multipolygon",
					 "geometrycollection", "geomcollection", NULL };

static int base_in(const char *t, size_t n, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (base_is(t, n, names[i]))
			return 1;
	return 0;
}

int mctype_canon(const char *t, size_t n, struct mc_buf *b)
{
	size_t i = 0, start = b->len;
	int strip_width = base_in(t, n, int_types);
	int quoted = 0;

	while (i < n) {
		char ch = t[i];
		if (quoted) {
			/* ENUM/SET labels keep their case and spaces */
			if (buf_addc(b, ch) < 0)
				return -1;
			if (ch == '\'' && i + 1 < n && t[i + 1] == '\'') {
				if (buf_addc(b, t[++i]) < 0)
					return -1;
			} else if (ch == '\'') {
				quoted = 0;
			}
			i++;
			continue;
		}
		if (ch == '/' && i + 1 < n && t[i + 1] == '*') {
			/* a version comment keeps its case as information_schema
			 * and the binlog path spell it (M!100301 COMPRESSED) */
			size_t end = i + 2;
			while (end < n && !(t[end - 1] == '*' && t[end] == '/' && end > i + 2))
				end++;
			end = end < n ? end + 1 : n;
			if (buf_add(b, t + i, end - i) < 0)
				return -1;
			i = end;
			continue;
		}
		if (ch == '\'') {
			quoted = 1;
		} else if (ch == '(' && strip_width) {
			const char *c = memchr(t + i, ')', n - i);
			if (c) {
				i = (size_t)(c - t) + 1;
				continue;
			}
		} else if (ch == ' ') {
			size_t j = i;
			while (j < n && t[j] == ' ')
				j++;
			if (n - j >= 8 && (n - j == 8 || t[j + 8] == ' ') &&
			    base_is(t + j, 8, "zerofill")) {
				i = j + 8;
				continue;
			}
			if (j == n || b->len == start || b->p[b->len - 1] == ' ') {
				i = j;
				continue;
			}
			if (buf_addc(b, ' ') < 0)
				return -1;
			i = j;
			continue;
		}
		if (buf_addc(b, quoted ? ch : (char)tolower((unsigned char)ch)) < 0)
			return -1;
		i++;
	}
	while (b->len > start && b->p[b->len - 1] == ' ')
		b->len--;
	return 0;
}

int mctype_same(const char *a, size_t an, const char *b, size_t bn)
{
	struct mc_buf x = { 0 }, y = { 0 };
	int same;
	if (base_in(a, an, geo_types) && base_in(b, bn, geo_types))
		return 1;
	if (mctype_canon(a, an, &x) < 0 || mctype_canon(b, bn, &y) < 0) {
		buf_free(&x);
		buf_free(&y);
		return 0;
	}
	same = x.len == y.len && (x.len == 0 || memcmp(x.p, y.p, x.len) == 0);
	buf_free(&x);
	buf_free(&y);
	return same;
}
