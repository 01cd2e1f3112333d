/* snap_text.c: text columns in a charset other than UTF-8 are read as
 * their stored bytes (CAST(c AS BINARY)) and converted to UTF-8 by
 * base/charset.c, the code the binlog path uses: both paths give the same
 * text for the same bytes and refuse the same bytes, where the server's
 * own conversion would put '?' for a character it cannot map. */
#include "mysql/snap.h"

#include <string.h>
#include <strings.h>

#include "base/alloc.h"

void snap_text_setup(struct snap_col *c)
{
	/* MariaDB's INET6, UUID, INET4: the server sends their text, as the
	 * binlog path writes them (a str, not bytes) */
	if (strcasecmp(c->data_type, "inet6") == 0 || strcasecmp(c->data_type, "uuid") == 0 ||
	    strcasecmp(c->data_type, "inet4") == 0)
		c->vk = MC_V_STR;
	const struct cs_info *cs = c->vk == MC_V_STR && c->charset ? cs_by_name(c->charset) : NULL;
	c->cs = cs && cs->how != CS_PASS && cs->how != CS_BINARY ? cs : NULL;
}

int snap_text_select(struct mc_buf *b, const struct snap_col *c)
{
	if (!c->cs)
		return snap_quote_ident(b, c->name);
	return buf_adds(b, "CAST(") < 0 || snap_quote_ident(b, c->name) < 0 ||
			       buf_adds(b, " AS BINARY)") < 0
		       ? -1
		       : 0;
}

int snap_text_value(struct snap_reader *rd, const struct snap_table *t, size_t i, uint64_t row,
		    struct mc_val *v, struct mc_err *err)
{
	const struct snap_col *c = &t->cols[i];
	struct mc_buf *o = &rd->text[i];
	size_t bad;
	int rc;
	if (cs_same(c->cs, v->v.s.p, v->v.s.n))
		return 0;
	o->len = 0;
	rc = cs_to_utf8(&rd->cs, c->cs, v->v.s.p, v->v.s.n, o, &bad, err);
	if (rc == -2) {
		cs_bad(err, c->cs, bad);
		return mc_errctx(err, "column '%s', row %llu of the chunk read: ", c->name,
				 (unsigned long long)row);
	}
	if (rc < 0)
		return -1;
	v->v.s = mc_str_c(o->p, o->len);
	return 0;
}
