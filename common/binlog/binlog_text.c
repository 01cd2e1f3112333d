/* binlog_text.c: a statement's text to UTF-8 from its client charset
 * (binlog.h: bl_query_utf8), through iconv. */
#include "binlog/binlog.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "base/alloc.h"
#include "base/charset.h"
#include "binlog/binlog_int.h"

/* The iconv name of a client charset, by collation id (the table of
 * base/charset.c). NULL: not converted here. */
static const char *iconv_name(uint16_t coll)
{
	const struct cs_info *cs = cs_by_collation(coll);
	if (!cs)
		return NULL;
	if (strcmp(cs->name, "latin1") == 0)
		return "CP1252"; /* MySQL's latin1 */
	if (cs->how == CS_PASS || strcmp(cs->name, "ascii") == 0)
		return "UTF-8";
	return cs->how == CS_CONVERT ? cs->iconv : NULL;
}

/* s[0..n) from charset `from` to UTF-8, appended to out. MySQL's latin1
 * has the five bytes CP1252 leaves undefined as the C1 controls of the
 * same code. 0; -1 (err set); -2 with the offset of the first byte that
 * is not valid in *bad. */
static int convert(const char *from, const char *s, size_t n, struct mc_buf *out, size_t *bad,
		   struct mc_err *err)
{
	iconv_t cd;
	char *in = (char *)s;
	size_t left = n;
	int rc = 0;
	/* ASCII is itself in UTF-8 and in MySQL's latin1: the text as it is,
	 * without opening iconv for it (gconv's cache and tables, at every
	 * statement) */
	if ((strcmp(from, "UTF-8") == 0 || strcmp(from, "CP1252") == 0) &&
	    all_ascii((const uint8_t *)s, n))
		return buf_add(out, s, n) < 0 ? mc_oom(err, "statement text") : 0;
	cd = iconv_open("UTF-8", from);
	if (cd == (iconv_t)-1)
		return mc_errnof(err, errno, "iconv from %s", from);
	while (left) {
		char *o;
		size_t room, r;
		if (buf_grow(out, left * 4 + 16) < 0) {
			rc = mc_oom(err, "statement text");
			break;
		}
		o = out->p + out->len;
		room = out->cap - out->len;
		r = iconv(cd, &in, &left, &o, &room);
		out->len = (size_t)(o - out->p);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		if (errno == EILSEQ && strcmp(from, "CP1252") == 0 &&
		    strchr("\x81\x8d\x8f\x90\x9d", *in)) {
			unsigned char c = (unsigned char)*in;
			if (buf_addc(out, (char)0xc2) < 0 || buf_addc(out, (char)c) < 0) {
				rc = mc_oom(err, "statement text");
				break;
			}
			in++;
			left--;
			continue;
		}
		*bad = (size_t)(in - s);
		rc = -2;
		break;
	}
	iconv_close(cd);
	return rc;
}

int bl_query_utf8(const struct bl_event *ev, struct mc_buf *out, struct mc_err *err)
{
	const char *from = ev->has_charset ? iconv_name(ev->charset_client) : "UTF-8";
	size_t bad = 0;
	int mb, rc;
	out->len = 0;
	if (!from)
		from = "UTF-8"; /* a charset not known here: its text must be UTF-8 */
	rc = convert(from, ev->sql.p, ev->sql.n, out, &bad, err);
	if (rc > -2)
		return rc;
	return mc_errf(err, MC_EXIT_DATA,
		       "statement text not valid in its client charset %s (collation %u) at "
		       "byte %zu%s",
		       ev->has_charset ? bl_charset_name(ev->charset_client, &mb) : "utf8 (none given)",
		       (unsigned)ev->charset_client, bad,
		       ev->has_charset && !iconv_name(ev->charset_client)
			       ? ": that charset is not converted, only UTF-8 text passes"
			       : "");
}
