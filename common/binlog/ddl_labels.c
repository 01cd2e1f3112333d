/* ddl_labels.c: the labels of ENUM and SET columns from the DDL followed
 * (ddl.h: ddl_cols.lab), as the statement writes them; the column's
 * charset is applied where the labels are used (schema_track.c). */
#include "binlog/ddl.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "binlog/binlog.h"
#include "binlog/ddl_int.h"

char **ddl_labs_copy(char *const *in, uint32_t n, int *oom)
{
	char **out;
	if (!in)
		return NULL;
	if (!(out = calloc(n ? n : 1, sizeof *out))) {
		*oom = 1;
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++)
		if (in[i] && !(out[i] = mc_strdup(in[i]))) {
			*oom = 1;
			while (i-- > 0)
				free(out[i]);
			free(out);
			return NULL;
		}
	return out;
}

/* The text of string token t as the server reads it (quotes and escapes
 * undone: a doubled quote; without no_bs MariaDB's backslash escapes,
 * \% and \_ keeping their backslash), appended to b. */
static int unquote(const struct tok *t, int no_bs, struct mc_buf *b)
{
	char q = t->p[0];
	for (size_t i = 1; i + 1 < t->n; i++) {
		char c = t->p[i];
		if (c == q && t->p[i + 1] == q) {
			i++;
		} else if (c == '\\' && !no_bs && i + 2 < t->n) {
			c = t->p[++i];
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case '0': c = 0; break;
			case 'Z': c = 032; break;
			case '%': case '_':
				if (buf_addc(b, '\\') < 0)
					return -1;
				break;
			}
		}
		if (buf_addc(b, c) < 0)
			return -1;
	}
	return 0;
}

char *ddl_def_labels(const struct toks *ts, size_t i, size_t b, int no_bs)
{
	struct mc_buf text = { 0 }, ty = { 0 };
	struct mc_str *v = NULL;
	size_t *at = NULL, n = 0, cap = 0, end = ddl_skip_group(ts, i + 1);
	const char *why = NULL;
	char *out = NULL;
	if (!ddl_punct(ts, i + 1, '(') || end > b)
		why = "!the statement's type is not followed";
	for (size_t k = i + 2; !why && k + 1 < end; k += 2) {
		if (ts->t[k].type != T_STR || ts->t[k].n < 2 ||
		    !(ddl_punct(ts, k + 1, ',') || k + 2 == end))
			why = "!the statement writes a label otherwise than as a quoted string "
			      "(a charset introducer, a hex or bit literal, strings side by side)";
		else if (mc_grow(&at, &cap, n + 1, sizeof *at) < 0)
			goto oom;
		else {
			at[n++] = text.len;
			if (unquote(&ts->t[k], no_bs, &text) < 0)
				goto oom;
			/* the server drops a label's trailing spaces */
			while (text.len > at[n - 1] && text.p[text.len - 1] == ' ')
				text.len--;
		}
	}
	if (!why && n == 0)
		why = "!the statement's type has no label";
	if (why) {
		out = mc_strdup(why);
		goto done;
	}
	if (!(v = malloc(n * sizeof *v)))
		goto oom;
	for (size_t k = 0; k < n; k++)
		v[k] = mc_str_c(text.p + at[k], (k + 1 < n ? at[k + 1] : text.len) - at[k]);
	if (mc_labels_type(&ty, ddl_kw(ts, i, "SET"), v, (uint32_t)n) < 0 || buf_addc(&ty, 0) < 0)
		goto oom;
	out = ty.p;
	ty.p = NULL;
	goto done;
oom:
	out = NULL;
done:
	free(v);
	free(at);
	buf_free(&text);
	buf_free(&ty);
	return out;
}
