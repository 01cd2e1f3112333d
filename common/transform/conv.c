/* conv.c: times (formats, Unix times), the arena of a row's texts, and the
 * checked conversion of a value to a destination type (vexpr.h,
 * docs/mc-transform.md "Types"). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/numfmt.h"
#include "transform/vexpr.h"

/* ---- the arena ---- */

void *tf_arena_alloc(struct tf_arena *a, size_t n)
{
	size_t want;
	if (a->nblk && a->used + n <= a->cap[a->nblk - 1]) {
		void *p = a->blk[a->nblk - 1] + a->used;
		a->used += n;
		return p;
	}
	if (a->nblk == a->capblk) {
		size_t c = a->capblk ? a->capblk * 2 : 8;
		char **b = realloc(a->blk, c * sizeof *b);
		size_t *cp;
		if (!b)
			return NULL;
		a->blk = b;
		if (!(cp = realloc(a->cap, c * sizeof *cp)))
			return NULL;
		a->cap = cp;
		a->capblk = c;
	}
	want = n > 65536 ? n : 65536;
	if (!(a->blk[a->nblk] = malloc(want)))
		return NULL;
	a->cap[a->nblk++] = want;
	a->used = n;
	return a->blk[a->nblk - 1];
}

void tf_arena_reset(struct tf_arena *a)
{
	while (a->nblk > 1)
		free(a->blk[--a->nblk]);
	a->used = 0;
}

void tf_arena_free(struct tf_arena *a)
{
	while (a->nblk)
		free(a->blk[--a->nblk]);
	free(a->blk);
	free(a->cap);
	memset(a, 0, sizeof *a);
}

/* ---- times ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int64_t tf_time_to_unix(const struct tf_time *t)
{
	return days_from_civil(t->y, t->mo, t->d) * 86400 + t->h * 3600 + t->mi * 60 + t->s;
}

bool tf_time_from_unix(int64_t sec, int us, struct tf_time *t)
{
	int64_t z, era, y;
	unsigned doe, yoe, doy, mp;
	int64_t days, rem;
	/* 0001-01-01 .. 9999-12-31 23:59:59 */
	if (sec < -62135596800LL || sec > 253402300799LL)
		return false;
	days = sec / 86400;
	rem = sec % 86400;
	if (rem < 0)
		rem += 86400, days--;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	memset(t, 0, sizeof *t);
	t->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	t->mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	t->y = (int)(y + (t->mo <= 2));
	t->h = (int)(rem / 3600);
	t->mi = (int)(rem / 60 % 60);
	t->s = (int)(rem % 60);
	t->us = us;
	return true;
}

bool tf_time_valid(const struct tf_time *t)
{
	static const int dim[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (t->y % 4 == 0 && t->y % 100 != 0) || t->y % 400 == 0;
	if (t->y < 1 || t->y > 9999 || t->mo < 1 || t->mo > 12 || t->d < 1 || t->d > dim[t->mo - 1])
		return false;
	if (t->mo == 2 && t->d == 29 && !leap)
		return false;
	return t->h >= 0 && t->h <= 23 && t->mi >= 0 && t->mi <= 59 && t->s >= 0 && t->s <= 59 &&
	       t->us >= 0 && t->us <= 999999;
}

/* The tokens of a format: the width of the letter run at f (0: not one). */
static int tok(const char *f, int *which)
{
	static const char *const t[] = { "yyyy", "MM", "dd", "HH", "mm", "ss", "SSSSSS", "SSS" };
	for (int i = 0; i < 8; i++)
		if (strncmp(f, t[i], strlen(t[i])) == 0 && f[strlen(t[i])] != f[0]) {
			*which = i;
			return (int)strlen(t[i]);
		}
	return 0;
}

const char *tf_fmt_check(const char *f, bool need_date)
{
	int w, which, seen = 0;
	if (!*f)
		return "empty";
	while (*f) {
		if (*f == '\'') {
			for (f++; *f && !(f[0] == '\'' && f[1] != '\''); f += f[0] == '\'' ? 2 : 1)
				;
			if (!*f)
				return "a quote without its closing quote";
			f++;
		} else if (isalpha((unsigned char)*f)) {
			if (!(w = tok(f, &which)))
				return "a letter that is no field (yyyy MM dd HH mm ss SSS SSSSSS; "
				       "'quote' letters)";
			seen |= 1 << which;
			f += w;
		} else {
			f++;
		}
	}
	if (need_date && (seen & 7) != 7)
		return "a time read by it needs yyyy, MM and dd";
	return NULL;
}

bool tf_fmt_parse(const char *f, const char *s, size_t n, struct tf_time *t)
{
	size_t i = 0;
	int which, w;
	bool hastime = false;
	memset(t, 0, sizeof *t);
	while (*f) {
		if (*f == '\'') {
			for (f++; !(f[0] == '\'' && f[1] != '\''); f++) {
				if (f[0] == '\'')
					f++;
				if (i >= n || s[i++] != *f)
					return false;
			}
			f++;
		} else if (isalpha((unsigned char)*f) && (w = tok(f, &which))) {
			int v = 0;
			for (int k = 0; k < w; k++, i++) {
				if (i >= n || !isdigit((unsigned char)s[i]))
					return false;
				v = v * 10 + (s[i] - '0');
			}
			switch (which) {
			case 0: t->y = v; break;
			case 1: t->mo = v; break;
			case 2: t->d = v; break;
			case 3: t->h = v, hastime = true; break;
			case 4: t->mi = v, hastime = true; break;
			case 5: t->s = v, hastime = true; break;
			case 6: t->us = v, hastime = true; break;
			default: t->us = v * 1000, hastime = true; break;
			}
			f += w;
		} else {
			if (i >= n || s[i++] != *f)
				return false;
			f++;
		}
	}
	t->date_only = !hastime;
	return i == n && tf_time_valid(t);
}

char *tf_fmt_format(struct tf_arena *a, const char *f, const struct tf_time *t, size_t *len)
{
	char *p = tf_arena_alloc(a, strlen(f) * 2 + 8), *o = p;
	int which, w;
	if (!p)
		return NULL;
	while (*f) {
		if (*f == '\'') {
			for (f++; !(f[0] == '\'' && f[1] != '\''); f++) {
				if (f[0] == '\'')
					f++;
				*o++ = *f;
			}
			f++;
		} else if (isalpha((unsigned char)*f) && (w = tok(f, &which))) {
			static const int wid[8] = { 4, 2, 2, 2, 2, 2, 6, 3 };
			int v = which == 0 ? t->y : which == 1 ? t->mo : which == 2 ? t->d :
				which == 3 ? t->h : which == 4 ? t->mi : which == 5 ? t->s :
				which == 6 ? t->us : t->us / 1000;
			for (int k = wid[which] - 1; k >= 0; k--, v /= 10)
				o[k] = (char)('0' + (v < 0 ? 0 : v % 10));
			o += wid[which];
			f += w;
		} else {
			*o++ = *f++;
		}
	}
	*o = '\0';
	*len = (size_t)(o - p);
	return p;
}

/* "YYYY-MM-DD[ hh:mm:ss[.f]]" with frac fraction digits (3 or 6, 0:
 * none) into the arena: the formats of the record's DATE and DATETIME,
 * made without reading a format. */
static char *dt_text(struct tf_arena *a, const struct tf_time *t, bool date, int frac, size_t *len)
{
	char *p = tf_arena_alloc(a, 32);
	int v[7] = { t->y, t->mo, t->d, t->h, t->mi, t->s, frac == 3 ? t->us / 1000 : t->us };
	static const int w[7] = { 4, 2, 2, 2, 2, 2, 0 };
	static const char sep[7] = { 0, '-', '-', ' ', ':', ':', '.' };
	size_t o = 0;
	if (!p)
		return NULL;
	for (int k = 0; k < (date ? 3 : frac ? 7 : 6); k++) {
		int wd = k == 6 ? frac : w[k], x = v[k];
		if (k)
			p[o++] = sep[k];
		for (int j = wd - 1; j >= 0; j--, x /= 10)
			p[o + (size_t)j] = (char)('0' + (x < 0 ? 0 : x % 10));
		o += (size_t)wd;
	}
	p[o] = '\0';
	*len = o;
	return p;
}

/* ---- conversions ---- */

static int dirty(struct tf_evctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int dirty(struct tf_evctx *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->reason, sizeof x->reason, fmt, ap);
	va_end(ap);
	return 1;
}

static int oom(struct tf_evctx *x)
{
	return mc_oom(x->err, "a value");
}

int tf_ev_text(struct tf_evctx *x, const struct tf_ev *v, const char **s, size_t *n)
{
	char *p;
	switch (v->k) {
	case E_TEXT:
	case E_DEC:
		*s = v->s, *n = v->n;
		return 0;
	case E_INT:
		if (!(p = tf_arena_alloc(x->ar, 24)))
			return oom(x);
		*n = (size_t)snprintf(p, 24, "%lld", (long long)v->i);
		*s = p;
		return 0;
	case E_F64:
		if (!(p = tf_arena_alloc(x->ar, 32)))
			return oom(x);
		*n = v->f32 ? numfmt_f32((float)v->f, p) : numfmt_f64(v->f, p);
		*s = p;
		return 0;
	case E_TIME:
		if (!(*s = dt_text(x->ar, &v->t, v->t.date_only, v->t.us == 0 ? 0 :
				   v->t.us % 1000 == 0 ? 3 : 6, n)))
			return oom(x);
		return 0;
	default:
		*s = "", *n = 0;
		return 0;
	}
}

/* "YYYY-MM-DD[ hh:mm:ss[.f]]" of a DATE/DATETIME/TIMESTAMP value. */
static bool time_of_text(const char *s, size_t n, bool date, struct tf_time *t)
{
	int f[6] = { 0 };
	static const int w[6] = { 4, 2, 2, 2, 2, 2 };
	static const char sep[6] = { 0, '-', '-', ' ', ':', ':' };
	size_t i = 0;
	memset(t, 0, sizeof *t);
	for (int k = 0; k < (date ? 3 : 6); k++) {
		if (k && (i >= n || s[i++] != sep[k]))
			return false;
		for (int j = 0; j < w[k]; j++, i++) {
			if (i >= n || !isdigit((unsigned char)s[i]))
				return false;
			f[k] = f[k] * 10 + (s[i] - '0');
		}
	}
	if (!date && i < n && s[i] == '.') {
		int d = 0;
		for (i++; i < n && isdigit((unsigned char)s[i]) && d < 6; i++, d++)
			t->us = t->us * 10 + (s[i] - '0');
		for (; d < 6; d++)
			t->us *= 10;
	}
	t->y = f[0], t->mo = f[1], t->d = f[2], t->h = f[3], t->mi = f[4], t->s = f[5];
	t->date_only = date;
	return i == n;
}

int tf_ev_of_val(struct tf_evctx *x, const struct mc_val *v, struct tf_ev *o)
{
	char *p;
	memset(o, 0, sizeof *o);
	switch (v->kind) {
	case MC_V_NULL: o->k = E_NULL; return 0;
	case MC_V_ABSENT: o->k = E_ABSENT; return 0;
	case MC_V_INT: o->k = E_INT; o->i = v->v.i; return 0;
	case MC_V_UINT:
		if (!(p = tf_arena_alloc(x->ar, 24)))
			return oom(x);
		o->k = E_DEC;
		o->n = (size_t)snprintf(p, 24, "%llu", (unsigned long long)v->v.u);
		o->s = p;
		return 0;
	case MC_V_F32: o->k = E_F64; o->f = v->v.f32; o->f32 = true; return 0;
	case MC_V_F64: o->k = E_F64; o->f = v->v.f64; return 0;
	case MC_V_DECIMAL: o->k = E_DEC; o->s = v->v.s.p; o->n = v->v.s.n; return 0;
	case MC_V_DATE:
	case MC_V_DATETIME:
	case MC_V_TIMESTAMP:
		o->k = E_TIME;
		if (!time_of_text(v->v.s.p, v->v.s.n, v->kind == MC_V_DATE, &o->t))
			return dirty(x, "'%.*s' is not a time", (int)(v->v.s.n > 40 ? 40 : v->v.s.n),
				     v->v.s.p);
		return 0;
	case MC_V_BIT: {
		uint64_t u = 0;
		for (size_t i = 0; i < v->v.s.n && i < 8; i++)
			u = u << 8 | (unsigned char)v->v.s.p[i];
		if (u <= INT64_MAX) {
			o->k = E_INT;
			o->i = (int64_t)u;
			return 0;
		}
		if (!(p = tf_arena_alloc(x->ar, 24)))
			return oom(x);
		o->k = E_DEC;
		o->n = (size_t)snprintf(p, 24, "%llu", (unsigned long long)u);
		o->s = p;
		return 0;
	}
	default: /* STR, BIN, TIME, JSON */
		o->k = E_TEXT;
		o->bin = v->kind == MC_V_BIN;
		o->s = v->v.s.p;
		o->n = v->v.s.n;
		return 0;
	}
}


static bool utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 :
			   (c & 0xf8) == 0xf0 ? 3 : 9;
		if (k == 9 || (k == 1 && c < 0xc2) || i + k >= n + (k ? 0 : 1))
			return false;
		for (size_t j = 1; j <= k; j++)
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

/* Whether s[0..n) is -?D+(.D+)?; its integer and fraction digits. */
static bool dec_text(const char *s, size_t n, size_t *ip, size_t *id, size_t *fp, size_t *fd)
{
	size_t i = n && s[0] == '-';
	*ip = i;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	*id = i - *ip;
	*fp = *fd = 0;
	if (i < n && s[i] == '.') {
		*fp = ++i;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		*fd = i - *fp;
		if (!*fd)
			return false;
	}
	return *id && i == n;
}

static const char *tname(const struct tf_target *t)
{
	return t->mc;
}

/* A value's short form for messages. */
static void shown(const struct tf_ev *v, char *out, size_t n)
{
	switch (v->k) {
	case E_TEXT:
	case E_DEC:
		snprintf(out, n, "%s '%.*s'", v->k == E_DEC ? "the number" : v->bin ? "the bytes" :
			 "the text", (int)(v->n > 60 ? 60 : v->n), v->s);
		break;
	case E_INT: snprintf(out, n, "the number %lld", (long long)v->i); break;
	case E_F64: snprintf(out, n, "the number %.17g", v->f); break;
	case E_TIME:
		snprintf(out, n, "the time %04d-%02d-%02d %02d:%02d:%02d", v->t.y, v->t.mo, v->t.d,
			 v->t.h, v->t.mi, v->t.s);
		break;
	default: snprintf(out, n, "a condition"); break;
	}
}

/* The value shown in a reason, made only when one is given. */
#define SV (shown(v, sv, 120), sv)

static int to_int(struct tf_evctx *x, const struct tf_ev *v, const struct tf_target *t,
		  struct mc_val *o, char *sv)
{
	static const int64_t lim[] = { 0, 0, 127, 32767, 2147483647, INT64_MAX };
	int64_t max = lim[t->t], i;
	if (v->k == E_INT) {
		i = v->i;
	} else if (v->k == E_TIME && t->unix_mul) {
		if (!tf_time_valid(&v->t))
			return dirty(x, "%s is no real time", SV);
		i = tf_time_to_unix(&v->t) * t->unix_mul + (t->unix_mul == 1000 ? v->t.us / 1000 : 0);
		if (t->unix_mul == 1 ? v->t.us != 0 : v->t.us % 1000 != 0)
			return dirty(x, "%s has digits below the %s", SV, t->unix_mul == 1 ?
				     "second" : "millisecond");
	} else if ((v->k == E_TEXT && !v->bin) || v->k == E_DEC) {
		size_t ip, id, fp, fd;
		if (!dec_text(v->s, v->n, &ip, &id, &fp, &fd))
			return dirty(x, "%s is not an integer", SV);
		for (size_t k = fp; k < fp + fd; k++)
			if (v->s[k] != '0')
				return dirty(x, "%s has a fraction", SV);
		while (id > 1 && v->s[ip] == '0')
			ip++, id--;
		if (id > 19 || (id == 19 && memcmp(v->s + ip, "9223372036854775807", 19) > 0 &&
				 !(v->s[0] == '-' && memcmp(v->s + ip, "9223372036854775808", 19) == 0)))
			return dirty(x, "%s is outside %s", SV, tname(t));
		i = (int64_t)strtoull(v->s + ip, NULL, 10);
		if (v->s[0] == '-')
			i = -i;
	} else if (v->k == E_F64) {
		if (v->f != floor(v->f) || v->f < -9.2e18 || v->f > 9.2e18)
			return dirty(x, "%s is not an integer of %s", SV, tname(t));
		i = (int64_t)v->f;
	} else {
		return dirty(x, "%s is no integer%s", SV, v->k == E_TIME ? " (unix: seconds or "
			     "millis makes a time one)" : "");
	}
	if (i > max || i < -max - 1)
		return dirty(x, "%s is outside %s", SV, tname(t));
	o->kind = MC_V_INT;
	o->v.i = i;
	return 0;
}

static int to_double(struct tf_evctx *x, const struct tf_ev *v, struct mc_val *o, char *sv)
{
	if (v->k == E_F64) {
		o->kind = MC_V_F64, o->v.f64 = v->f;
		return 0;
	}
	if (v->k == E_INT) {
		if (v->i > (1LL << 53) || v->i < -(1LL << 53))
			return dirty(x, "%s has more digits than a DOUBLE holds exactly", SV);
		o->kind = MC_V_F64, o->v.f64 = (double)v->i;
		return 0;
	}
	if ((v->k == E_TEXT && !v->bin) || v->k == E_DEC) {
		size_t ip, id, fp, fd, sig = 0;
		bool lead = true;
		char buf[64];
		if (!dec_text(v->s, v->n, &ip, &id, &fp, &fd) || v->n >= sizeof buf)
			return dirty(x, "%s is not a number (-?D+(.D+)?)", SV);
		for (size_t k = ip; k < v->n; k++) {
			if (v->s[k] == '.')
				continue;
			if (v->s[k] != '0')
				lead = false;
			sig += !lead;
		}
		if (sig > 15)
			return dirty(x, "%s has more than 15 significant digits: not exact as a DOUBLE", SV);
		memcpy(buf, v->s, v->n);
		buf[v->n] = '\0';
		o->kind = MC_V_F64, o->v.f64 = strtod(buf, NULL);
		return 0;
	}
	return dirty(x, "%s is no number", SV);
}

static int to_decimal(struct tf_evctx *x, const struct tf_ev *v, const struct tf_target *t,
		      struct mc_val *o, char *sv)
{
	const char *s;
	size_t n, ip, id, fp, fd, len = 0;
	char tmp[32], *p;
	bool zero = true;
	if (v->k == E_INT) {
		n = (size_t)snprintf(tmp, sizeof tmp, "%lld", (long long)v->i);
		s = tmp;
	} else if (v->k == E_F64) {
		n = numfmt_f64(v->f, tmp);
		s = tmp;
	} else if ((v->k == E_TEXT && !v->bin) || v->k == E_DEC) {
		s = v->s, n = v->n;
	} else {
		return dirty(x, "%s is no number", SV);
	}
	if (!dec_text(s, n, &ip, &id, &fp, &fd))
		return dirty(x, "%s is not a number (-?D+(.D+)?)", SV);
	while (id > 1 && s[ip] == '0')
		ip++, id--;
	for (size_t k = fp + (size_t)t->scale; k < fp + fd; k++)
		if (s[k] != '0')
			return dirty(x, "%s has more than %d digits after the point (%s)", SV, t->scale,
				     tname(t));
	if (id > (size_t)(t->prec - t->scale) && !(id == 1 && s[ip] == '0'))
		return dirty(x, "%s has more than %d digits before the point (%s)", SV,
			     t->prec - t->scale, tname(t));
	if (!(p = tf_arena_alloc(x->ar, id + (size_t)t->scale + 3)))
		return mc_oom(x->err, "a value");
	for (size_t k = ip; k < ip + id; k++)
		zero &= s[k] == '0';
	for (size_t k = 0; k < fd && k < (size_t)t->scale; k++)
		zero &= s[fp + k] == '0';
	if (s[0] == '-' && !zero)
		p[len++] = '-';
	memcpy(p + len, s + ip, id), len += id;
	if (t->scale) {
		p[len++] = '.';
		for (size_t k = 0; k < (size_t)t->scale; k++)
			p[len++] = k < fd ? s[fp + k] : '0';
	}
	o->kind = MC_V_DECIMAL;
	o->v.s = mc_str_c(p, len);
	return 0;
}

static int to_time(struct tf_evctx *x, const struct tf_ev *v, const struct tf_target *t,
		   struct mc_val *o, char *sv)
{
	struct tf_time tm;
	const char *f;
	char *p;
	size_t n;
	bool date = t->t == TF_T_DATE;
	if (t->unix_mul && (v->k == E_INT || (v->k == E_TEXT && !v->bin))) {
		int64_t u = 0;
		if (v->k == E_INT) {
			u = v->i;
		} else {
			if (!v->n || v->n > 18)
				return dirty(x, "%s is not a Unix time (digits)", SV);
			for (size_t k = 0; k < v->n; k++) {
				if (!isdigit((unsigned char)v->s[k]))
					return dirty(x, "%s is not a Unix time (digits)", SV);
				u = u * 10 + (v->s[k] - '0');
			}
		}
		if (!tf_time_from_unix(t->unix_mul == 1 ? u : u / 1000 - (u % 1000 < 0),
				       t->unix_mul == 1 ? 0 : (int)((u % 1000 + 1000) % 1000) * 1000, &tm))
			return dirty(x, "%s is a Unix time outside the years 1..9999", SV);
	} else if (v->k == E_TIME) {
		tm = v->t;
	} else if (v->k == E_TEXT && !v->bin) {
		f = t->format ? t->format : date ? "yyyy-MM-dd" : "yyyy-MM-dd HH:mm:ss";
		if (!tf_fmt_parse(f, v->s, v->n, &tm))
			return dirty(x, "%s is not a time of the form %s", SV, f);
	} else {
		return dirty(x, "%s is no time%s", SV, v->k == E_INT ? " (unix: seconds or millis "
			     "reads a number as one)" : "");
	}
	if (!tf_time_valid(&tm))
		return dirty(x, "%s is no real %s (a zero or invalid part)", SV, date ? "date" : "time");
	if (date && (tm.h || tm.mi || tm.s || tm.us))
		return dirty(x, "%s has a time of day: not a DATE", SV);
	if (!date && tm.us % 1000)
		return dirty(x, "%s has digits below the millisecond: not a DATETIME", SV);
	tm.date_only = date;
	if (!(p = dt_text(x->ar, &tm, date, date ? 0 : 3, &n)))
		return mc_oom(x->err, "a value");
	o->kind = date ? MC_V_DATE : MC_V_DATETIME;
	o->v.s = mc_str_c(p, n);
	return 0;
}

int tf_convert(struct tf_evctx *x, const struct tf_ev *v, const struct tf_target *t,
	       struct mc_val *o)
{
	char sv[120];
	memset(o, 0, sizeof *o);
	if (v->k == E_NULL || v->k == E_ABSENT) {
		o->kind = v->k == E_NULL ? MC_V_NULL : MC_V_ABSENT;
		return 0;
	}
	sv[0] = '\0';
	if (v->k == E_BOOL)
		return dirty(x, "a condition is no value (if(cond, a, b) makes one)");
	switch (t->t) {
	case TF_T_TINYINT:
	case TF_T_SMALLINT:
	case TF_T_INT:
	case TF_T_BIGINT:
		return to_int(x, v, t, o, sv);
	case TF_T_DOUBLE:
		return to_double(x, v, o, sv);
	case TF_T_DECIMAL:
		return to_decimal(x, v, t, o, sv);
	case TF_T_DATE:
	case TF_T_DATETIME:
		return to_time(x, v, t, o, sv);
	default: { /* STRING */
		const char *s;
		size_t n;
		if (v->k == E_TIME && t->format) {
			if (!(s = tf_fmt_format(x->ar, t->format, &v->t, &n)))
				return mc_oom(x->err, "a value");
		} else if (tf_ev_text(x, v, &s, &n) < 0) {
			return -1;
		}
		if (v->k == E_TEXT && v->bin && !utf8_ok((const unsigned char *)s, n))
			return dirty(x, "%s is not UTF-8 text", SV);
		o->kind = MC_V_STR;
		o->v.s = mc_str_c(s, n);
		return 0;
	}
	}
}

/* A key column's conversion must keep keys apart: two source keys that
 * convert to one value would be one row downstream (the merge keeps the
 * later; the first is lost, exit 0). The conversions that can meet are a
 * text read as a number ('1', '01', '1.0', '-0' are one number) and a
 * time written by a format that drops some of its fields; a key value of
 * these is taken only in its one exact form: a text in the number's own
 * digits (no leading zero, no trailing fraction zero, no -0), a time whose
 * formatted text reads back as the same time. Else dirty. */
int tf_convert_key(struct tf_evctx *x, const struct tf_ev *v, const struct tf_target *t,
		   const struct mc_val *o)
{
	char sv[120];
	sv[0] = '\0';
	if (t->t >= TF_T_TINYINT && t->t <= TF_T_DECIMAL && v->k == E_TEXT && !v->bin) {
		size_t ip, id, fp, fd;
		bool nonzero = false;
		if (!dec_text(v->s, v->n, &ip, &id, &fp, &fd))
			return 0; /* not reached: the conversion took it as a number */
		for (size_t k = ip; k < v->n; k++)
			nonzero |= v->s[k] >= '1' && v->s[k] <= '9';
		if ((id > 1 && v->s[ip] == '0') || (fd && v->s[fp + fd - 1] == '0') ||
		    (v->s[0] == '-' && !nonzero))
			return dirty(x, "%s is of a key column, and not in the number's own digits "
				     "(no leading zero, no trailing fraction zero, no -0): another text "
				     "of the same number would be the same key", SV);
		return 0;
	}
	if (t->t == TF_T_STRING && t->format && v->k == E_TIME) {
		struct tf_time back;
		memset(&back, 0, sizeof back);
		if (!tf_fmt_parse(t->format, o->v.s.p, o->v.s.n, &back) || back.y != v->t.y ||
		    back.mo != v->t.mo || back.d != v->t.d || back.h != v->t.h ||
		    back.mi != v->t.mi || back.s != v->t.s || back.us != v->t.us)
			return dirty(x, "%s is of a key column, and the format %s does not write all of "
				     "it (as '%.*s'): other times would be the same key", SV, t->format,
				     (int)(o->v.s.n > 40 ? 40 : o->v.s.n), o->v.s.p);
	}
	return 0;
}
