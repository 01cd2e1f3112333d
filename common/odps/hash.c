/* hash.c: the bucket routing hash of upsert sessions (hash.h). All
 * arithmetic is done on unsigned integers, which wrap as Java's do; the
 * arithmetic right shift is written out for negative values. */
#include "odps/hash.h"

#include <string.h>
#include <strings.h>

static int64_t sar64(int64_t x, unsigned n)
{
	return x < 0 ? (int64_t)~(~(uint64_t)x >> n) : (int64_t)((uint64_t)x >> n);
}

static int32_t sar32(int32_t x, unsigned n)
{
	return x < 0 ? (int32_t)~(~(uint32_t)x >> n) : (int32_t)((uint32_t)x >> n);
}

int odps_hasher_parse(const char *name, size_t n, enum odps_hasher *h)
{
	if (n == 7 && !strncasecmp(name, "default", 7))
		*h = ODPS_HASH_DEFAULT;
	else if (n == 6 && !strncasecmp(name, "legacy", 6))
		*h = ODPS_HASH_LEGACY;
	else
		return -1;
	return 0;
}

const char *odps_hasher_name(enum odps_hasher h)
{
	return h == ODPS_HASH_LEGACY ? "legacy" : "default";
}

int32_t odps_hash_i64(enum odps_hasher h, int64_t v)
{
	uint64_t l = (uint64_t)v;
	if (h == ODPS_HASH_LEGACY)
		return (int32_t)(uint32_t)((uint64_t)sar64(v, 32) ^ l);
	l = ~l + (l << 18);
	l ^= (uint64_t)sar64((int64_t)l, 31);
	l *= 21u;
	l ^= (uint64_t)sar64((int64_t)l, 11);
	l += l << 6;
	l ^= (uint64_t)sar64((int64_t)l, 22);
	return (int32_t)(uint32_t)l;
}

int32_t odps_hash_bytes(enum odps_hasher h, const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t x = 0;
	if (h == ODPS_HASH_LEGACY) {
		for (size_t i = 0; i < n; i++)
			x = x * 31u + (uint32_t)(int32_t)(signed char)b[i];
		return (int32_t)x;
	}
	for (size_t i = 0; i < n; i++) {
		x += (uint32_t)(int32_t)(signed char)b[i];
		x += x << 10;
		x ^= (uint32_t)sar32((int32_t)x, 6);
	}
	x += x << 3;
	x ^= (uint32_t)sar32((int32_t)x, 11);
	x += x << 15;
	return (int32_t)x;
}

/* The Java SDK hashes BINARY as its quoted-printable text: bytes 33..60,
 * 62..123, 125, 126 as they are, every other byte as '=' and two
 * upper-case hex digits. */
static int32_t hash_binary(enum odps_hasher h, const unsigned char *p, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	uint32_t x = 0;
	unsigned char q[3];
	int32_t r;
	/* fed byte by byte through the same function: chain the state */
	if (h == ODPS_HASH_LEGACY) {
		for (size_t i = 0; i < n; i++) {
			unsigned c = p[i];
			size_t k = 0;
			if ((c >= 33 && c <= 60) || (c >= 62 && c <= 123) || c == 125 || c == 126) {
				q[k++] = (unsigned char)c;
			} else {
				q[k++] = '=';
				q[k++] = (unsigned char)hx[c >> 4];
				q[k++] = (unsigned char)hx[c & 15];
			}
			for (size_t j = 0; j < k; j++)
				x = x * 31u + (uint32_t)(int32_t)(signed char)q[j];
		}
		return (int32_t)x;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned c = p[i];
		size_t k = 0;
		if ((c >= 33 && c <= 60) || (c >= 62 && c <= 123) || c == 125 || c == 126) {
			q[k++] = (unsigned char)c;
		} else {
			q[k++] = '=';
			q[k++] = (unsigned char)hx[c >> 4];
			q[k++] = (unsigned char)hx[c & 15];
		}
		for (size_t j = 0; j < k; j++) {
			x += (uint32_t)(int32_t)(signed char)q[j];
			x += x << 10;
			x ^= (uint32_t)sar32((int32_t)x, 6);
		}
	}
	x += x << 3;
	x ^= (uint32_t)sar32((int32_t)x, 11);
	x += x << 15;
	r = (int32_t)x;
	return r;
}

/* ---- DECIMAL: a 256-bit magnitude in 32-bit limbs, least significant first ---- */

#define DLIMBS 8
#define DMAX_DIGITS 76 /* < 2^255 */

static void d_muladd(uint32_t *a, uint32_t m, uint32_t add)
{
	uint64_t carry = add;
	for (int i = 0; i < DLIMBS; i++) {
		uint64_t t = (uint64_t)a[i] * m + carry;
		a[i] = (uint32_t)t;
		carry = t >> 32;
	}
}

/* a /= 10; the remainder */
static unsigned d_div10(uint32_t *a)
{
	uint64_t rem = 0;
	for (int i = DLIMBS - 1; i >= 0; i--) {
		uint64_t t = rem << 32 | a[i];
		a[i] = (uint32_t)(t / 10);
		rem = t % 10;
	}
	return (unsigned)rem;
}

static int d_iszero(const uint32_t *a)
{
	for (int i = 0; i < DLIMBS; i++)
		if (a[i])
			return 0;
	return 1;
}

static int hash_decimal(enum odps_hasher h, const struct trec_type *t, struct mc_str s,
			int32_t *out, struct mc_err *err)
{
	unsigned prec = t->prec ? t->prec : 54, scale = t->prec ? t->scale : 18;
	uint32_t n[DLIMBS] = { 0 };
	size_t i = 0, ndig = 0;
	long vs = 0, ex = 0;
	int neg = 0, point = 0, any = 0;
	uint64_t lo, hi;

	if (i < s.n && (s.p[i] == '-' || s.p[i] == '+'))
		neg = s.p[i++] == '-';
	for (; i < s.n; i++) {
		char c = s.p[i];
		if (c == '.' && !point) {
			point = 1;
			continue;
		}
		if (c < '0' || c > '9')
			break;
		any = 1;
		if (point)
			vs++;
		if (!ndig && c == '0')
			continue; /* leading zeros */
		if (++ndig > DMAX_DIGITS)
			return mc_errf(err, MC_EXIT_DATA, "DECIMAL '%.*s': over %d digits",
				       (int)(s.n > 80 ? 80 : s.n), s.p, DMAX_DIGITS);
		d_muladd(n, 10, (uint32_t)(c - '0'));
	}
	if (any && i < s.n && (s.p[i] == 'e' || s.p[i] == 'E')) {
		int eneg = 0, edig = 0;
		i++;
		if (i < s.n && (s.p[i] == '-' || s.p[i] == '+'))
			eneg = s.p[i++] == '-';
		for (; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++, edig++)
			if (ex < 100000)
				ex = ex * 10 + (s.p[i] - '0');
		if (!edig)
			any = 0;
		if (eneg)
			ex = -ex;
	}
	if (!any || i != s.n)
		return mc_errf(err, MC_EXIT_DATA, "DECIMAL '%.*s': not decimal text",
			       (int)(s.n > 80 ? 80 : s.n), s.p);
	vs -= ex;
	if (vs > (long)scale) {
		unsigned first = 0;
		for (long k = vs - (long)scale; k > 0; k--) {
			first = d_div10(n);
			if (d_iszero(n) && k > 1) {
				first = 0; /* every further digit dropped is 0 */
				break;
			}
		}
		if (first >= 5)
			d_muladd(n, 1, 1);
	} else {
		for (long k = (long)scale - vs; k > 0; k--) {
			if (n[DLIMBS - 1] >> 24 && !d_iszero(n))
				return mc_errf(err, MC_EXIT_DATA, "DECIMAL '%.*s': too large",
					       (int)(s.n > 80 ? 80 : s.n), s.p);
			d_muladd(n, 10, 0);
		}
	}
	if (neg) { /* two's complement over the 256 bits */
		uint64_t carry = 1;
		for (int k = 0; k < DLIMBS; k++) {
			uint64_t v = (uint64_t)(uint32_t)~n[k] + carry;
			n[k] = (uint32_t)v;
			carry = v >> 32;
		}
	}
	lo = (uint64_t)n[1] << 32 | n[0];
	hi = (uint64_t)n[3] << 32 | n[2];
	if (prec <= 18) {
		*out = odps_hash_i64(h, (int64_t)lo);
	} else {
		uint32_t a = (uint32_t)odps_hash_i64(h, (int64_t)lo);
		uint32_t b = (uint32_t)odps_hash_i64(h, (int64_t)hi);
		*out = (int32_t)(a + b);
	}
	return 0;
}

int odps_hash_val(enum odps_hasher h, const struct trec_type *t, const struct trec_val *v,
		  int32_t *out, struct mc_err *err)
{
	if (v->null)
		return mc_errf(err, MC_EXIT_DATA, "a NULL key value cannot be hashed");
	switch ((enum trec_kind)t->kind) {
	case TREC_BIGINT:
	case TREC_INT:
	case TREC_SMALLINT:
	case TREC_TINYINT:
	case TREC_DATETIME:
		*out = odps_hash_i64(h, v->u.i);
		return 0;
	case TREC_BOOLEAN:
		*out = v->u.i ? 0x172BA9C7 : -0x3A59CB12;
		return 0;
	case TREC_FLOAT: {
		uint32_t b;
		float f = v->u.f32;
		if (f != f)
			b = 0x7fc00000u;
		else
			memcpy(&b, &f, 4);
		*out = odps_hash_i64(h, (int64_t)(int32_t)b);
		return 0;
	}
	case TREC_DOUBLE: {
		uint64_t b;
		double d = v->u.f64;
		if (d != d)
			b = 0x7ff8000000000000u;
		else
			memcpy(&b, &d, 8);
		*out = odps_hash_i64(h, (int64_t)b);
		return 0;
	}
	case TREC_STRING:
	case TREC_CHAR:
	case TREC_VARCHAR:
		*out = odps_hash_bytes(h, v->u.s.p, v->u.s.n);
		return 0;
	case TREC_BINARY:
		*out = hash_binary(h, (const unsigned char *)v->u.s.p, v->u.s.n);
		return 0;
	case TREC_DATE:
		*out = odps_hash_i64(h, (int64_t)((uint64_t)v->u.i * 86400u));
		return 0;
	case TREC_TIMESTAMP:
	case TREC_TIMESTAMP_NTZ:
	case TREC_INTERVAL_DAY_TIME:
		*out = odps_hash_i64(h, (int64_t)(((uint64_t)v->u.ts.sec << 30) |
						  (uint64_t)(uint32_t)v->u.ts.nsec));
		return 0;
	case TREC_DECIMAL:
		return hash_decimal(h, t, v->u.s, out, err);
	default:
		return mc_errf(err, MC_EXIT_DATA, "a %s key column: no hash function for its type "
			       "(upsert keys are integers, text, dates and times, DECIMAL, BOOLEAN)",
			       trec_kind_name((enum trec_kind)t->kind));
	}
}

uint32_t odps_hash_bucket(const int32_t *h, size_t k, uint32_t nbuckets)
{
	uint32_t s = 0;
	int32_t c;
	for (size_t i = 0; i < k; i++)
		s += (uint32_t)h[i];
	c = (int32_t)s ^ sar32((int32_t)s, 8);
	return (uint32_t)c % (nbuckets ? nbuckets : 1);
}
