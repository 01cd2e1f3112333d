/* utf8.h: one code point (below 0x110000, not a surrogate) as UTF-8, and
 * the one check of a UTF-8 sequence (the JSON-lines reader and writer, the
 * log layouts' JSON text, the charsets' check of labels). */
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

/* Length of the well-formed UTF-8 sequence starting at s[0] (a byte >=
 * 0x80) within n bytes, or 0 when it is not one (Unicode table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static inline size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];

	if (c < 0xc2)
		return 0;
	if (c < 0xe0)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c < 0xf5) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

#endif
