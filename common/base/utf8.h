/* utf8.h: one code point (below 0x110000, not a surrogate) as UTF-8. */
#ifndef MC_UTF8_H
#define MC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Write v into o (room for 4 bytes); returns the bytes written. */
static inline size_t mc_utf8_put(char *o, uint32_t v)
{
	if (v < 0x80) {
		o[0] = (char)v;
		return 1;
	}
	if (v < 0x800) {
		o[0] = (char)(0xc0 | v >> 6);
		o[1] = (char)(0x80 | (v & 0x3f));
		return 2;
	}
	if (v < 0x10000) {
		o[0] = (char)(0xe0 | v >> 12);
		o[1] = (char)(0x80 | ((v >> 6) & 0x3f));
		o[2] = (char)(0x80 | (v & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | v >> 18);
	o[1] = (char)(0x80 | ((v >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((v >> 6) & 0x3f));
	o[3] = (char)(0x80 | (v & 0x3f));
	return 4;
}

#endif
