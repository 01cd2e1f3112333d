#include "stream/mpread.h"

const char *mp_type_name(unsigned char b)
{
	if (b <= 0x7f || (b >= 0xcc && b <= 0xd3) || b >= 0xe0)
		return "integer";
	if (b <= 0x8f || b == 0xde || b == 0xdf)
		return "map";
	if (b <= 0x9f || b == 0xdc || b == 0xdd)
		return "array";
	if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb))
		return "str";
	switch (b) {
	case 0xc0: return "nil";
	case 0xc1: return "invalid byte 0xc1";
	case 0xc2: case 0xc3: return "bool";
	case 0xc4: case 0xc5: case 0xc6: return "bin";
	case 0xca: return "float32";
	case 0xcb: return "float64";
	default: return "ext";
	}
}

int mp_bad_type(struct mp_cur *c, const char *want, const char *what)
{
	return mc_errf(c->err, MC_EXIT_DATA, "offset %llu: field '%s': expected %s, got %s",
		       mp_aoff(c), what, want, mp_type_name(*c->p));
}

