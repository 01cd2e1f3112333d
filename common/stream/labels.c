/* labels.c: the labels of ENUM and SET type texts (labels.h). */
#include "stream/labels.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int add_quoted(struct mc_buf *b, struct mc_str s)
{
	if (buf_addc(b, '\'') < 0)
		return -1;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] == '\'' && buf_addc(b, '\'') < 0)
			return -1;
		if (buf_addc(b, s.p[i]) < 0)
			return -1;
	}
	return buf_addc(b, '\'');
}

int mc_labels_type(struct mc_buf *b, int is_set, const struct mc_str *labels, uint32_t n)
{
	int rc = buf_adds(b, is_set ? "set(" : "enum(");
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		if (i)
			rc = buf_addc(b, ',');
		if (rc == 0)
			rc = add_quoted(b, labels[i]);
	}
	return rc ? rc : buf_addc(b, ')');
}

int mc_labels_parse(const char *text, size_t len, int escapes, struct mc_labels *out)
{
	const char *p = text, *end = text + len;
	size_t k = 0;
	uint32_t n = 0;
	memset(out, 0, sizeof *out);
	if (len >= 5 && strncasecmp(p, "enum(", 5) == 0)
		p += 5;
	else if (len >= 4 && strncasecmp(p, "set(", 4) == 0)
		p += 4, out->is_set = 1;
	else
		return -1;
	if (!(out->buf = malloc(len + 1)) || !(out->v = malloc((len / 2 + 1) * sizeof *out->v)))
		goto bad;
	while (p < end && *p == '\'') {
		size_t start = k;
		for (p++;; p++) {
			char ch;
			if (p >= end)
				goto bad;
			ch = *p;
			if (ch == '\'' && p + 1 < end && p[1] == '\'') {
				p++;
			} else if (ch == '\'') {
				p++;
				break;
			} else if (ch == '\\' && escapes) {
				/* MariaDB's append_unescaped: \\, \n, \r, \0; another
				 * escape is not known here (MC_LABELS_LOSSY) */
				if (p + 1 >= end)
					goto bad;
				ch = p[1] == '0' ? 0 : p[1] == 'n' ? '\n' : p[1] == 'r' ? '\r' : p[1];
				out->flags |= MC_LABELS_ESCAPED | (strchr("0nr\\", p[1]) ? 0 : MC_LABELS_LOSSY);
				p++;
			}
			out->flags |= ch == '?' || ch == 0 ? MC_LABELS_LOSSY : 0;
			out->buf[k++] = ch;
		}
		out->v[n++] = mc_str_c(out->buf + start, k - start);
		if (p < end && *p == ',')
			p++;
	}
	if (p + 1 != end || *p != ')' || n == 0)
		goto bad;
	out->n = n;
	return 0;
bad:
	mc_labels_free(out);
	return -1;
}

void mc_labels_free(struct mc_labels *l)
{
	free(l->v);
	free(l->buf);
	memset(l, 0, sizeof *l);
}

int mc_labels_appended(const char *a, size_t an, const char *b, size_t bn)
{
	struct mc_labels x, y;
	int ok = 0;
	if (mc_labels_parse(a, an, 0, &x) < 0)
		return 0;
	if (mc_labels_parse(b, bn, 0, &y) == 0) {
		ok = x.is_set == y.is_set && y.n >= x.n && (!y.is_set || y.n <= 64);
		for (uint32_t i = 0; ok && i < x.n; i++)
			ok = x.v[i].n == y.v[i].n && memcmp(x.v[i].p, y.v[i].p, x.v[i].n) == 0;
		mc_labels_free(&y);
	}
	mc_labels_free(&x);
	return ok;
}
