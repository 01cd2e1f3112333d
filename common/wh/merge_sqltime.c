/* merge_sqltime.c: the dataworks-json layout's DATE, DATETIME and
 * TIMESTAMP columns read back from their JSON text in MaxCompute
 * (docs/maxcompute.md "Tables", dataworks-json). The text is the record's
 * (a DATE 'yyyy-mm-dd'; a DATETIME(n) or TIMESTAMP(n) 'yyyy-mm-dd
 * hh:mi:ss' and, when n > 0, '.' and exactly n digits; a TIMESTAMP's the
 * UTC instant), read under the session time zone Etc/GMT (merge_sql.c)
 * with documented forms only:
 *   DATE       TO_DATE(text): 'yyyy-mm-dd' without a format is a DATE;
 *   DATETIME   CAST(text AS DATETIME) of 'yyyy-mm-dd hh:mi:ss', then
 *              DATEADD(.., milliseconds, 'ff3');
 *   TIMESTAMP  CAST(text AS TIMESTAMP) of 'yyyy-mm-dd hh:mi:ss', then
 *              DATEADD(.., microseconds, 'ff6');
 * the seconds and the digits cut with SUBSTR, the digits through
 * CAST(.. AS BIGINT) times the power of ten their count (LENGTH of the
 * text) asks: the merge in MaxCompute knows the column's MaxCompute type,
 * not always its MySQL type. A text of no length listed falls to
 * CAST(text AS ..) of the whole, which MaxCompute refuses unless it is
 * 'yyyy-mm-dd hh:mi:ss'. The values whose reading MaxCompute does not
 * promise (before 1900-01-01), and any other text, are refused at the
 * upload (odps/dest_odps_jtime.c). */
#include "wh/merge_sql.h"

#include <string.h>

#include "base/alloc.h"

static int is(const struct mc_str *t, const char *name)
{
	return t->n == strlen(name) && strncmp(t->p, name, t->n) == 0;
}

/* The MySQL type's base name is name (then nothing, '(' or ' '). */
static int base_is(const struct mc_str *my, const char *name)
{
	size_t n = strlen(name);
	return my->n >= n && strncmp(my->p, name, n) == 0 &&
	       (my->n == n || my->p[n] == '(' || my->p[n] == ' ');
}

int merge_sqltime_col(const struct mc_col *c)
{
	const struct mc_str *t = &c->mc_type;
	return is(t, "DATE") || is(t, "DATETIME") || (t->n >= 9 && !strncmp(t->p, "TIMESTAMP", 9));
}

int merge_sqltime_read(struct mc_buf *b, const struct mc_col *c, const char *g, const char **why)
{
	static const char *const scale[] = { "", " * 10", " * 100", " * 1000", " * 10000",
					     " * 100000" };
	const struct mc_str *t = &c->mc_type, *my = &c->mysql_type;
	int date = base_is(my, "date"), dt = base_is(my, "datetime") || base_is(my, "timestamp");
	int isdt = is(t, "DATETIME"), unit = isdt ? 3 : 6, rc;
	const char *ty = isdt ? "DATETIME" : "TIMESTAMP";

	/* the MySQL type when known (the upload; a merge with a schema
	 * history), else the MaxCompute type's default source */
	if (is(t, "DATE") && (date || !my->n))
		return b ? buf_addf(b, "TO_DATE(%s)", g) : 0;
	if ((my->n && !dt) || !(isdt || is(t, "TIMESTAMP"))) {
		*why = "MaxCompute documents no exact reading of its JSON text as this type (a DATE "
		       "as DATE, a DATETIME or TIMESTAMP as DATETIME or TIMESTAMP only)";
		return -1;
	}
	if (!b)
		return 0;
	rc = buf_addf(b, "CASE LENGTH(%s)", g);
	for (int k = 1; k <= unit; k++)
		rc |= buf_addf(b, " WHEN %d THEN DATEADD(CAST(SUBSTR(%s, 1, 19) AS %s), "
				  "CAST(SUBSTR(%s, 21, %d) AS BIGINT)%s, 'ff%d')",
			       20 + k, g, ty, g, k, scale[unit - k], unit);
	return rc | buf_addf(b, " ELSE CAST(%s AS %s) END", g, ty);
}
