/* validate.c: schema records checked, rows checked against them
 * (validate.h). */
#include "stream/validate.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/num.h"

/* Classes of column: what kind of value each takes. */
enum {
	C_INT,       /* MC_V_INT (MC_V_UINT too when umax > INT64_MAX), within range */
	C_YEAR,      /* MC_V_INT: 0 or 1901..2155 */
	C_F32,
	C_F64,
	C_DECIMAL,   /* MC_V_DECIMAL within prec, scale */
	C_DATE,
	C_DATETIME,  /* at most frac fraction digits */
	C_TIMESTAMP,
	C_TIME,
	C_BIT,       /* at most bits bits */
	C_JSON,
	C_STR,
	C_BIN,
	C_TEXT_OR_BIN, /* a type this build does not know: text or bytes */
};

struct vcol {
	uint8_t cls;
	uint8_t nullable;
	uint8_t uns;
	uint8_t frac;   /* DATETIME, TIMESTAMP, TIME: fraction digits allowed */
	uint16_t prec;  /* DECIMAL precision; BIT width */
	uint16_t scale; /* DECIMAL scale */
	int64_t imin;   /* C_INT: smallest value */
	uint64_t umax;  /* C_INT: largest value */
};

/* ---- MySQL type texts ---- */

struct tname {
	const char *p;
	size_t n;
};

/* The base name of a type text: up to '(' or ' '. */
static struct tname base_of(const char *t, size_t n)
{
	struct tname b = { t, 0 };
	while (b.n < n && t[b.n] != '(' && t[b.n] != ' ')
		b.n++;
	return b;
}

static int is_name(struct tname b, const char *name)
{
	return strlen(name) == b.n && strncasecmp(b.p, name, b.n) == 0;
}

static int in_names(struct tname b, const char *const *names)
{
	for (; *names; names++)
		if (is_name(b, *names))
			return 1;
	return 0;
}

static int has_word(const char *t, size_t n, const char *w)
{
	size_t k = strlen(w);
	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(t + i, w, k) == 0 && (i == 0 || t[i - 1] == ' ') &&
		    (i + k == n || t[i + k] == ' '))
			return 1;
	return 0;
}

/* The numbers in "(a)" or "(a,b)" right after the base name; -1 when
 * absent. */
static void type_args(const char *t, size_t n, struct tname b, long *a1, long *a2)
{
	const char *o = t + b.n, *c, *comma;
	uint64_t v;
	*a1 = *a2 = -1;
	if (b.n >= n || *o != '(')
		return;
	c = memchr(o, ')', n - b.n);
	if (!c)
		return;
	comma = memchr(o, ',', (size_t)(c - o));
	if (num_u64n(o + 1, (size_t)((comma ? comma : c) - o - 1), &v) == 0 && v < 100000)
		*a1 = (long)v;
	if (comma && num_u64n(comma + 1, (size_t)(c - comma - 1), &v) == 0 && v < 100000)
		*a2 = (long)v;
}

static const char *const str_types[] = { "char", "varchar", "tinytext", "text", "mediumtext",
					 "longtext", "enum", "set", "nchar", "nvarchar", NULL };
static const char *const bin_types[] = {
	"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "geometry", "point",
	"linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
	"geometrycollection", "geomcollection", "vector", NULL
};

/* Work out what a column allows from its MySQL type. */
static void vcol_make(struct vcol *c, const struct mc_col *col)
{
	static const struct {
		const char *name;
		int64_t min;
		uint64_t smax, umax;
	} ints[] = {
		{ "tinyint", INT8_MIN, INT8_MAX, UINT8_MAX },
		{ "smallint", INT16_MIN, INT16_MAX, UINT16_MAX },
		{ "mediumint", -8388608, 8388607, 16777215 },
		{ "int", INT32_MIN, INT32_MAX, UINT32_MAX },
		{ "integer", INT32_MIN, INT32_MAX, UINT32_MAX },
		{ "bigint", INT64_MIN, INT64_MAX, UINT64_MAX },
	};
	const char *t = col->mysql_type.p;
	size_t n = col->mysql_type.n;
	struct tname b = base_of(t, n);
	long a1, a2;

	memset(c, 0, sizeof *c);
	c->nullable = col->nullable;
	c->uns = has_word(t, n, "unsigned") || (col->flags & MC_CF_UNSIGNED);
	type_args(t, n, b, &a1, &a2);
	c->cls = C_TEXT_OR_BIN;
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
		if (is_name(b, ints[i].name)) {
			c->cls = C_INT;
			c->imin = c->uns ? 0 : ints[i].min;
			c->umax = c->uns ? ints[i].umax : ints[i].smax;
			return;
		}
	if (is_name(b, "year")) {
		c->cls = C_YEAR;
	} else if (is_name(b, "float")) {
		c->cls = C_F32;
	} else if (is_name(b, "double") || is_name(b, "real")) {
		c->cls = C_F64;
	} else if (is_name(b, "decimal") || is_name(b, "numeric") || is_name(b, "dec") ||
		   is_name(b, "fixed")) {
		c->cls = C_DECIMAL;
		c->prec = (uint16_t)(a1 < 0 ? 10 : a1);
		c->scale = (uint16_t)(a2 < 0 ? 0 : a2);
	} else if (is_name(b, "date")) {
		c->cls = C_DATE;
	} else if (is_name(b, "datetime") || is_name(b, "timestamp") || is_name(b, "time")) {
		c->cls = is_name(b, "datetime") ? C_DATETIME : is_name(b, "time") ? C_TIME : C_TIMESTAMP;
		c->frac = (uint8_t)(a1 < 0 ? 0 : a1 > 6 ? 6 : a1);
	} else if (is_name(b, "bit")) {
		c->cls = C_BIT;
		c->prec = (uint16_t)(a1 < 0 ? 1 : a1 > 64 ? 64 : a1);
	} else if (is_name(b, "json")) {
		c->cls = C_JSON;
	} else if (in_names(b, str_types)) {
		c->cls = C_STR;
	} else if (in_names(b, bin_types)) {
		c->cls = C_BIN;
	}
}

static const char *vcol_what(const struct vcol *c)
{
	switch (c->cls) {
	case C_INT: return "an integer";
	case C_YEAR: return "a year (integer)";
	case C_F32: return "a float (f32)";
	case C_F64: return "a double (f64)";
	case C_DECIMAL: return "a decimal";
	case C_DATE: return "a date";
	case C_DATETIME: return "a datetime";
	case C_TIMESTAMP: return "a timestamp";
	case C_TIME: return "a time";
	case C_BIT: return "a bit value";
	case C_JSON: return "a json value";
	case C_STR: return "text (str)";
	case C_BIN: return "bytes (bin)";
	default: return "text or bytes";
	}
}

/* ---- the schema record ---- */

/* A MaxCompute type name: "INT", "DECIMAL(p,s)", "VARCHAR(n)", ... */
static int mc_type_known(const struct mc_str *s)
{
	static const char *const plain[] = { "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT",
					     "DOUBLE", "STRING", "BINARY", "BOOLEAN", "DATE",
					     "DATETIME", "TIMESTAMP", "TIMESTAMP_NTZ", "JSON", NULL };
	struct tname b = base_of(s->p, s->n);
	long a1, a2;
	if (b.n == s->n && in_names(b, plain))
		return 1;
	type_args(s->p, s->n, b, &a1, &a2);
	if (s->n == 0 || s->p[s->n - 1] != ')' || memchr(s->p, ' ', s->n))
		return 0;
	if (is_name(b, "DECIMAL"))
		return a1 >= 1 && a1 <= 38 && a2 >= 0 && a2 <= 18 && a2 <= a1;
	if (is_name(b, "VARCHAR"))
		return a1 >= 1 && a1 <= 65535 && a2 < 0;
	if (is_name(b, "CHAR"))
		return a1 >= 1 && a1 <= 255 && a2 < 0;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	const struct mc_col *x = *(const struct mc_col *const *)a;
	const struct mc_col *y = *(const struct mc_col *const *)b;
	size_t n = x->name.n < y->name.n ? x->name.n : y->name.n;
	int c = strncasecmp(x->name.p, y->name.p, n);
	if (c)
		return c;
	return x->name.n < y->name.n ? -1 : x->name.n > y->name.n;
}

int schema_check(const struct mc_rec *r, struct mc_err *err)
{
	const struct mc_col **by_name;
	int rc = 0;

	for (size_t i = 0; i < r->ncols; i++) {
		const struct mc_col *c = &r->cols[i];
		if (c->name.n == 0)
			return mc_errf(err, MC_EXIT_DATA, "schema of '%.*s.%.*s': column %zu has no name",
				       (int)r->db.n, r->db.p, (int)r->table.n, r->table.p, i + 1);
		if (c->mysql_type.n == 0)
			return mc_errf(err, MC_EXIT_DATA,
				       "schema of '%.*s.%.*s': column '%.*s' has no mysql_type",
				       (int)r->db.n, r->db.p, (int)r->table.n, r->table.p,
				       (int)c->name.n, c->name.p);
		if (!mc_type_known(&c->mc_type))
			return mc_errf(err, MC_EXIT_DATA,
				       "schema of '%.*s.%.*s': column '%.*s': unknown mc_type '%.*s'",
				       (int)r->db.n, r->db.p, (int)r->table.n, r->table.p,
				       (int)c->name.n, c->name.p, (int)(c->mc_type.n > 64 ? 64 : c->mc_type.n),
				       c->mc_type.p);
	}
	for (size_t i = 0; i < r->nkey; i++) {
		if (r->key[i] >= r->ncols)
			return mc_errf(err, MC_EXIT_DATA,
				       "schema of '%.*s.%.*s': key column %u does not exist (%zu columns)",
				       (int)r->db.n, r->db.p, (int)r->table.n, r->table.p,
				       r->key[i] + 1, r->ncols);
		for (size_t j = 0; j < i; j++)
			if (r->key[j] == r->key[i])
				return mc_errf(err, MC_EXIT_DATA,
					       "schema of '%.*s.%.*s': column '%.*s' is in the key twice",
					       (int)r->db.n, r->db.p, (int)r->table.n, r->table.p,
					       (int)r->cols[r->key[i]].name.n, r->cols[r->key[i]].name.p);
	}
	if (r->ncols < 2)
		return 0;
	/* duplicate names (MySQL column names ignore case): sort, compare neighbours */
	by_name = malloc(r->ncols * sizeof *by_name);
	if (!by_name)
		return mc_oom(err, "a schema");
	for (size_t i = 0; i < r->ncols; i++)
		by_name[i] = &r->cols[i];
	qsort(by_name, r->ncols, sizeof *by_name, name_cmp);
	for (size_t i = 1; i < r->ncols && rc == 0; i++)
		if (name_cmp(&by_name[i - 1], &by_name[i]) == 0)
			rc = mc_errf(err, MC_EXIT_DATA,
				     "schema of '%.*s.%.*s': two columns named '%.*s'",
				     (int)r->db.n, r->db.p, (int)r->table.n, r->table.p,
				     (int)by_name[i]->name.n, by_name[i]->name.p);
	free(by_name);
	return rc;
}

/* ---- keeping schemas ---- */

static uint64_t hash_of(const char *db, size_t dbn, const char *t, size_t tn, uint64_t ver)
{
	uint64_t h = num_fnv1a(1469598103934665603ull ^ ver, db, dbn);
	h = num_fnv1a(num_fnv1a(h, "\xff", 1), t, tn);
	return h ^ (h >> 29);
}

static int same_key(const struct vschema *s, const struct mc_rec *r)
{
	return s->version == r->schema_version && s->dbn == r->db.n && s->tablen == r->table.n &&
	       memcmp(s->table, r->table.p, r->table.n) == 0 && memcmp(s->db, r->db.p, r->db.n) == 0;
}

/* The slot of r's table and version: where it is, or the empty slot
 * where it goes. */
static size_t slot_of(const struct vtrack *t, const struct mc_rec *r)
{
	size_t mask = t->nslots - 1;
	size_t i = (size_t)hash_of(r->db.p, r->db.n, r->table.p, r->table.n, r->schema_version) & mask;
	while (t->slots[i] && !same_key(&t->v[t->slots[i] - 1], r))
		i = (i + 1) & mask;
	return i;
}

static int rehash(struct vtrack *t, struct mc_err *err)
{
	size_t n = t->nslots ? t->nslots * 2 : 64;
	size_t *s = calloc(n, sizeof *s);
	if (!s)
		return mc_oom(err, "schemas");
	free(t->slots);
	t->slots = s;
	t->nslots = n;
	for (size_t k = 0; k < t->n; k++) {
		const struct vschema *v = &t->v[k];
		size_t i = (size_t)hash_of(v->db, v->dbn, v->table, v->tablen, v->version) & (n - 1);
		while (s[i])
			i = (i + 1) & (n - 1);
		s[i] = k + 1;
	}
	return 0;
}

static void vschema_free(struct vschema *s)
{
	free(s->db);
	free(s->table);
	free(s->cols);
	free(s->names);
	free(s->name_at);
}

static int vschema_fill(struct vschema *s, const struct mc_rec *r, struct mc_err *err)
{
	size_t total = 0;
	memset(s, 0, sizeof *s);
	s->dbn = r->db.n;
	s->tablen = r->table.n;
	s->version = r->schema_version;
	s->ncols = r->ncols;
	for (size_t i = 0; i < r->ncols; i++)
		total += r->cols[i].name.n + r->cols[i].mysql_type.n + 2;
	if (!(s->db = mc_strndup(r->db.p, r->db.n)) ||
	    !(s->table = mc_strndup(r->table.p, r->table.n)) ||
	    !(s->cols = calloc(r->ncols ? r->ncols : 1, sizeof *s->cols)) ||
	    !(s->names = malloc(total + 1)) ||
	    !(s->name_at = calloc(r->ncols ? r->ncols : 1, sizeof *s->name_at))) {
		vschema_free(s);
		return mc_oom(err, "schemas");
	}
	total = 0;
	for (size_t i = 0; i < r->ncols; i++) {
		const struct mc_col *c = &r->cols[i];
		vcol_make(&s->cols[i], c);
		s->name_at[i] = total;
		memcpy(s->names + total, c->name.p, c->name.n);
		total += c->name.n;
		s->names[total++] = 0;
		memcpy(s->names + total, c->mysql_type.p, c->mysql_type.n);
		total += c->mysql_type.n;
		s->names[total++] = 0;
	}
	return 0;
}

int vtrack_schema(struct vtrack *t, const struct mc_rec *r, struct mc_err *err)
{
	struct vschema s;
	size_t i;

	if (schema_check(r, err) < 0 || vschema_fill(&s, r, err) < 0)
		return -1;
	if ((t->n + 1) * 2 > t->nslots && rehash(t, err) < 0) {
		vschema_free(&s);
		return -1;
	}
	i = slot_of(t, r);
	if (t->slots[i]) {
		vschema_free(&t->v[t->slots[i] - 1]);
		t->v[t->slots[i] - 1] = s;
		return 0;
	}
	if (mc_grow(&t->v, &t->cap, t->n + 1, sizeof *t->v) < 0) {
		vschema_free(&s);
		return mc_oom(err, "schemas");
	}
	t->v[t->n++] = s;
	t->slots[i] = t->n;
	return 0;
}

/* ---- rows ---- */

/* The digits after the '.' of a time text (0 when none). */
static size_t frac_digits(const struct mc_str *s)
{
	const char *dot = memchr(s->p, '.', s->n);
	return dot ? s->n - (size_t)(dot - s->p) - 1 : 0;
}

/* Why value v does not fit column c, or NULL when it does. */
static const char *misfit(const struct vcol *c, const struct mc_val *v, int absent_ok)
{
	switch (v->kind) {
	case MC_V_NULL:
		return c->nullable ? NULL : "NULL in a NOT NULL column";
	case MC_V_ABSENT:
		return absent_ok ? NULL : "an absent value in a snapshot row";
	default:
		break;
	}
	switch (c->cls) {
	case C_INT:
		if (v->kind == MC_V_INT) {
			if (v->v.i < c->imin || (v->v.i > 0 && (uint64_t)v->v.i > c->umax))
				return "integer out of the column's range";
			return NULL;
		}
		if (v->kind == MC_V_UINT)
			return v->v.u > c->umax ? "integer out of the column's range" : NULL;
		return "";
	case C_YEAR:
		if (v->kind != MC_V_INT)
			return "";
		return v->v.i == 0 || (v->v.i >= 1901 && v->v.i <= 2155) ? NULL
			: "year out of range (0, 1901..2155)";
	case C_F32:
		return v->kind == MC_V_F32 ? NULL : "";
	case C_F64:
		return v->kind == MC_V_F64 ? NULL : "";
	case C_DECIMAL: {
		const char *p = v->v.s.p, *dot;
		size_t n = v->v.s.n, ip, fp;
		if (v->kind != MC_V_DECIMAL)
			return "";
		if (n && *p == '-') {
			p++;
			n--;
			if (c->uns)
				for (size_t i = 0; i < n; i++)
					if (p[i] >= '1' && p[i] <= '9')
						return "a negative value in an unsigned column";
		}
		dot = memchr(p, '.', n);
		ip = dot ? (size_t)(dot - p) : n;
		fp = dot ? n - ip - 1 : 0;
		if (fp > c->scale)
			return "more fraction digits than the column's scale";
		while (ip > 1 && *p == '0') {
			p++;
			ip--;
		}
		if (ip > (size_t)(c->prec - c->scale) && !(ip == 1 && *p == '0'))
			return "more integer digits than the column's precision allows";
		return NULL;
	}
	case C_DATE:
		return v->kind == MC_V_DATE ? NULL : "";
	case C_DATETIME: case C_TIMESTAMP: case C_TIME:
		if (v->kind != (c->cls == C_DATETIME ? MC_V_DATETIME
				: c->cls == C_TIME ? MC_V_TIME : MC_V_TIMESTAMP))
			return "";
		return frac_digits(&v->v.s) > c->frac ? "more fraction digits than the column's" : NULL;
	case C_BIT: {
		const unsigned char *b = (const unsigned char *)v->v.s.p;
		size_t n = v->v.s.n, bits;
		if (v->kind != MC_V_BIT)
			return "";
		while (n > 0 && *b == 0) {
			b++;
			n--;
		}
		if (n == 0)
			return NULL;
		bits = (n - 1) * 8;
		for (unsigned x = *b; x; x >>= 1)
			bits++;
		return bits > c->prec ? "more bits than the column's width" : NULL;
	}
	case C_JSON:
		return v->kind == MC_V_JSON ? NULL : "";
	case C_STR:
		return v->kind == MC_V_STR ? NULL : "";
	case C_BIN:
		return v->kind == MC_V_BIN ? NULL : "";
	default:
		return v->kind == MC_V_STR || v->kind == MC_V_BIN ? NULL : "";
	}
}

static int image_check(const struct vschema *s, const struct mc_val *vals, size_t n,
		       const char *what, int absent_ok, struct mc_err *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = misfit(&s->cols[i], &vals[i], absent_ok);
		const char *name;
		if (!why)
			continue;
		name = s->names + s->name_at[i];
		if (*why)
			return mc_errf(err, MC_EXIT_DATA,
				       "%s value %zu (column '%s' %s): %s", what, i + 1, name,
				       name + strlen(name) + 1, why);
		return mc_errf(err, MC_EXIT_DATA, "%s value %zu (column '%s' %s): expected %s, got %s",
			       what, i + 1, name, name + strlen(name) + 1, vcol_what(&s->cols[i]),
			       rec_vkind_name(vals[i].kind));
	}
	return 0;
}

int row_check(const struct vschema *s, const struct mc_rec *r, struct mc_err *err)
{
	int absent_ok = r->op != MC_OP_SNAPSHOT;
	if ((r->before && r->nbefore != s->ncols) || (r->after && r->nafter != s->ncols))
		return mc_errf(err, MC_EXIT_DATA, "%s image has %zu values, the schema %zu columns",
			       r->before && r->nbefore != s->ncols ? "before" : "after",
			       r->before && r->nbefore != s->ncols ? r->nbefore : r->nafter, s->ncols);
	if (r->before && image_check(s, r->before, r->nbefore, "before", absent_ok, err) < 0)
		return -1;
	if (r->after && image_check(s, r->after, r->nafter, "after", absent_ok, err) < 0)
		return -1;
	return 0;
}

int vtrack_row(struct vtrack *t, const struct mc_rec *r, struct mc_err *err)
{
	const struct vschema *s = NULL;
	if (t->last && same_key(&t->v[t->last - 1], r)) {
		s = &t->v[t->last - 1];
	} else if (t->nslots) {
		size_t i = slot_of(t, r);
		if (t->slots[i]) {
			t->last = t->slots[i];
			s = &t->v[t->last - 1];
		}
	}
	if (!s)
		return mc_errf(err, MC_EXIT_DATA,
			       "row of '%.*s.%.*s' follows schema version %" PRIu64
			       ", and no schema record before it has that version",
			       (int)r->db.n, r->db.p, (int)r->table.n, r->table.p, r->schema_version);
	if (row_check(s, r, err) < 0)
		return mc_errctx(err, "row of '%.*s.%.*s' (schema version %" PRIu64 "): ",
				 (int)r->db.n, r->db.p, (int)r->table.n, r->table.p, r->schema_version);
	return 0;
}

void vtrack_free(struct vtrack *t)
{
	for (size_t i = 0; i < t->n; i++)
		vschema_free(&t->v[i]);
	free(t->v);
	free(t->slots);
	memset(t, 0, sizeof *t);
}
