/* numfmt.h: text forms of numbers that read back exactly. */
#ifndef MC_NUMFMT_H
#define MC_NUMFMT_H

#include <stddef.h>

/* Shortest "%.Ng" text of d (N 15..17; 1..17 for a subnormal) that strtod
 * reads back to d; out must hold 32 bytes. Returns the length. */
size_t numfmt_f64(double d, char *out);

/* The same for a float (N 6..9; 1..9 for a subnormal; strtof). */
size_t numfmt_f32(float f, char *out);

#endif
