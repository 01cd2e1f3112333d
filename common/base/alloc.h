/* alloc.h: the one way the library grows an array and copies a string.
 * Every function returns 0 (or the new pointer), or -1 (NULL) with errno
 * ENOMEM and the old memory untouched; callers turn that into an mc_err
 * with mc_oom(). Nothing here exits: programs die through cmd/lib/prog.h. */
#ifndef MC_ALLOC_H
#define MC_ALLOC_H

#include <stddef.h>

#include "base/err.h"

/* Make the array *arr (items of size elem, room for *cap of them) hold at
 * least need items, doubling from 8. The new items are zeroed. */
int mc_grow(void *arr, size_t *cap, size_t need, size_t elem);

/* Grow by one: make room for item *n and count it; *n + 1 items after. */
static inline int mc_push(void *arr, size_t *n, size_t *cap, size_t elem)
{
	if (mc_grow(arr, cap, *n + 1, elem) < 0)
		return -1;
	(*n)++;
	return 0;
}

/* Make the array *arr hold exactly n items of size elem, keeping the
 * first ones (as reallocarray); the new items are NOT zeroed. For arrays
 * whose size the caller computes (e.g. against a memory budget) or whose
 * new items must not be touched yet. n == 0 keeps a 1-byte block. */
int mc_resize(void *arr, size_t n, size_t elem);

/* Copies of a string / of n bytes (NUL-terminated), or NULL. */
char *mc_strdup(const char *s);
char *mc_strndup(const char *p, size_t n);

/* Fill err with the out-of-memory error naming what was being built;
 * returns -1. */
int mc_oom(struct mc_err *err, const char *what);

#endif
