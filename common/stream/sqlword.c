/* sqlword.c: the first word of a DDL statement, and an ALTER TABLE's
 * CONVERT TO CHARACTER SET (sqlword.h). */
#include <string.h>
#include <strings.h>

#include "stream/sqlword.h"

int mc_sql_starts(struct mc_str sql, const char *word)
{
	const char *p = sql.p, *e = sql.p + sql.n;
	size_t k = strlen(word);
	for (;;) {
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			p++;
		if (e - p >= 2 && p[0] == '/' && p[1] == '*' && !(e - p >= 3 && p[2] == '!')) {
			const char *c = p + 2;
			while (e - c >= 2 && !(c[0] == '*' && c[1] == '/'))
				c++;
			p = e - c >= 2 ? c + 2 : e;
			continue;
		}
		break;
	}
	if ((size_t)(e - p) < k || strncasecmp(p, word, k) != 0)
		return 0;
	return (size_t)(e - p) == k || !((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') ||
					 (p[k] >= '0' && p[k] <= '9') || p[k] == '_');
}

/* The words of statement text: blanks and comments skipped, the text of
 * a versioned comment (slash-star-bang, slash-star-M-bang and digits)
 * read as the statement's; strings and quoted names one token each. */
struct sw {
	const char *p, *e;
	int vc;        /* inside a versioned comment */
	const char *t; /* the token (a string or name without its quotes) */
	size_t tn;
	char kind;     /* 'w' word, '`' quoted name, '\'' string, else the byte; 0 end */
};

static int sw_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int sw_wordc(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

static void sw_next(struct sw *k)
{
	const char *p = k->p, *e = k->e;
	for (;;) {
		while (p < e && sw_blank(*p))
			p++;
		if (e - p >= 3 && p[0] == '/' && p[1] == '*' &&
		    (p[2] == '!' || (e - p >= 4 && (p[2] == 'M' || p[2] == 'm') && p[3] == '!'))) {
			p += p[2] == '!' ? 3 : 4;
			while (p < e && *p >= '0' && *p <= '9')
				p++;
			k->vc = 1;
			continue;
		}
		if (e - p >= 2 && p[0] == '/' && p[1] == '*') {
			const char *c = p + 2;
			while (e - c >= 2 && !(c[0] == '*' && c[1] == '/'))
				c++;
			p = e - c >= 2 ? c + 2 : e;
			continue;
		}
		if (k->vc && e - p >= 2 && p[0] == '*' && p[1] == '/') {
			p += 2;
			k->vc = 0;
			continue;
		}
		if ((p < e && *p == '#') ||
		    (e - p >= 3 && p[0] == '-' && p[1] == '-' && sw_blank(p[2]))) {
			while (p < e && *p != '\n')
				p++;
			continue;
		}
		break;
	}
	k->t = p;
	k->tn = 0;
	k->kind = 0;
	if (p >= e) {
		k->p = p;
		return;
	}
	if (*p == '`' || *p == '\'' || *p == '"') {
		char q = *p;
		const char *j = p + 1;
		while (j < e && !(*j == q && (j + 1 >= e || j[1] != q)))
			j += (*j == q || (*j == '\\' && q != '`')) ? 2 : 1;
		if (j > e)
			j = e;
		k->kind = q == '`' ? '`' : '\'';
		k->t = p + 1;
		k->tn = (size_t)(j - p - 1);
		k->p = j < e ? j + 1 : e;
		return;
	}
	if (sw_wordc(*p)) {
		const char *j = p;
		while (j < e && sw_wordc(*j))
			j++;
		k->kind = 'w';
		k->tn = (size_t)(j - p);
		k->p = j;
		return;
	}
	k->kind = *p;
	k->tn = 1;
	k->p = p + 1;
}

static int sw_is(const struct sw *k, const char *w)
{
	return k->kind == 'w' && k->tn == strlen(w) && strncasecmp(k->t, w, k->tn) == 0;
}

/* Whether charset cs (n bytes) holds every character of any other. */
static int sw_all_chars(const char *cs, size_t n)
{
	static const char *const all[] = { "utf8mb4", "utf16", "utf16le", "utf32", NULL };
	for (size_t i = 0; all[i]; i++)
		if (n == strlen(all[i]) && strncasecmp(cs, all[i], n) == 0)
			return 1;
	return 0;
}

int mc_sql_convert_to(struct mc_str sql, char *cs, size_t cssz)
{
	struct sw k = { sql.p, sql.p + sql.n, 0, NULL, 0, 0 };
	int found = 0;
	sw_next(&k);
	while (k.kind) {
		const char *name = NULL, *coll = NULL;
		size_t nn = 0, cn = 0;
		if (!sw_is(&k, "convert")) {
			sw_next(&k);
			continue;
		}
		sw_next(&k);
		if (!sw_is(&k, "to"))
			continue; /* CONVERT(expr USING cs), a name */
		sw_next(&k);
		if (sw_is(&k, "character") || sw_is(&k, "char")) {
			sw_next(&k);
			if (sw_is(&k, "set"))
				sw_next(&k);
		} else if (sw_is(&k, "charset")) {
			sw_next(&k);
		}
		if (k.kind == '=')
			sw_next(&k);
		if ((k.kind == 'w' || k.kind == '`' || k.kind == '\'') && !sw_is(&k, "collate") &&
		    !sw_is(&k, "default")) {
			name = k.t, nn = k.tn;
			sw_next(&k);
		} else if (sw_is(&k, "default")) {
			sw_next(&k);
		}
		if (sw_is(&k, "collate")) {
			sw_next(&k);
			if (k.kind == '=')
				sw_next(&k);
			if (k.kind == 'w' || k.kind == '`' || k.kind == '\'') {
				coll = k.t, cn = k.tn;
				sw_next(&k);
			}
		}
		if (!name && coll) { /* DEFAULT COLLATE utf8mb4_bin: the collation's charset */
			size_t u = 0;
			while (u < cn && coll[u] != '_')
				u++;
			if (u < cn && sw_all_chars(coll, u))
				name = coll, nn = u;
		}
		if (name && sw_all_chars(name, nn)) {
			found = 1;
			continue;
		}
		if (cssz) {
			size_t w = name ? (nn < cssz - 1 ? nn : cssz - 1) : 0;
			for (size_t i = 0; i < w; i++)
				cs[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
			cs[w] = 0;
		}
		return 2;
	}
	return found;
}

int mc_sql_drop_database(struct mc_str sql, char *db, size_t dbsz)
{
	struct sw k = { sql.p, sql.p + sql.n, 0, NULL, 0, 0 };
	const char *name;
	size_t nn, o = 0;
	char q = 0;
	int create = 0;
	sw_next(&k);
	if (sw_is(&k, "create")) { /* MariaDB's CREATE OR REPLACE DATABASE: a DROP first */
		sw_next(&k);
		if (!sw_is(&k, "or"))
			return 0;
		sw_next(&k);
		if (!sw_is(&k, "replace"))
			return 0;
		create = 1;
	} else if (!sw_is(&k, "drop")) {
		return 0;
	}
	sw_next(&k);
	if (!sw_is(&k, "database") && !sw_is(&k, "schema"))
		return 0;
	sw_next(&k);
	if (sw_is(&k, "if")) {
		sw_next(&k);
		if (!sw_is(&k, "exists"))
			return 0;
		sw_next(&k);
	}
	/* a name: bare, `quoted` (a doubled quote one), or "quoted" as the
	 * server reads it under ANSI_QUOTES (a 'string' is no name: the
	 * server refuses it, it never reaches a binlog) */
	if (k.kind == '`' || (k.kind == '\'' && k.t > sql.p && k.t[-1] == '"'))
		q = k.t[-1];
	else if (k.kind != 'w')
		return 0;
	name = k.t, nn = k.tn;
	sw_next(&k);
	if (k.kind == ';')
		sw_next(&k);
	if ((k.kind && !create) || nn == 0)
		return 0; /* more than one statement, or another (CREATE: its options) */
	for (size_t i = 0; i < nn; i++) {
		if (o + 1 >= dbsz || !name[i])
			return 0;
		db[o++] = name[i];
		if (q && name[i] == q && i + 1 < nn && name[i + 1] == q)
			i++;
	}
	db[o] = 0;
	return 1;
}
