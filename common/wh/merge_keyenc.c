/* merge_keyenc.c: the sortable encoding of a row's key columns
 * (merge.h merge_key_encode): equal keys give equal bytes, and byte order
 * is the order of the values of each kind. */
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "wh/merge.h"

static int put_be64(struct mc_buf *b, uint8_t tag, uint64_t u)
{
	char x[9];
	x[0] = (char)tag;
	for (int i = 0; i < 8; i++)
		x[1 + i] = (char)(u >> (56 - 8 * i));
	return buf_add(b, x, 9);
}

int merge_key_encode(struct mc_buf *b, const struct mc_val *vals, size_t nvals,
		     const uint32_t *key, size_t nkey, struct mc_err *err)
{
	for (size_t i = 0; i < nkey; i++) {
		const struct mc_val *v;
		int rc = 0;
		if (key[i] >= nvals)
			return mc_errf(err, MC_EXIT_DATA, "key column %u beyond the image", key[i] + 1);
		v = &vals[key[i]];
		switch (v->kind) {
		case MC_V_NULL:
			rc = buf_addc(b, 0);
			break;
		case MC_V_ABSENT:
			return mc_errf(err, MC_EXIT_DATA,
				       "key column %u is absent from the image (MINIMAL row image?)",
				       key[i] + 1);
		case MC_V_INT:
			rc = put_be64(b, 0x10, (uint64_t)v->v.i ^ (1ull << 63));
			break;
		case MC_V_UINT:
			rc = put_be64(b, 0x11, v->v.u);
			break;
		case MC_V_F32: {
			uint32_t u;
			memcpy(&u, &v->v.f32, 4);
			u = (u & 0x80000000u) ? ~u : u | 0x80000000u;
			rc = put_be64(b, 0x20, u);
			break;
		}
		case MC_V_F64: {
			uint64_t u;
			memcpy(&u, &v->v.f64, 8);
			u = (u >> 63) ? ~u : u | (1ull << 63);
			rc = put_be64(b, 0x21, u);
			break;
		}
		default: {
			/* text and bytes: escaped, so that order is byte order */
			const char *p = v->v.s.p;
			rc = buf_addc(b, (char)(0x30 + v->kind));
			for (size_t j = 0; j < v->v.s.n && rc == 0; j++) {
				rc = buf_addc(b, p[j]);
				if (p[j] == 0 && rc == 0)
					rc = buf_addc(b, (char)0xff);
			}
			if (rc == 0)
				rc = buf_add(b, "\0\0", 2);
			break;
		}
		}
		if (rc < 0)
			return mc_oom(err, "key");
	}
	return 0;
}
