/* buf.h: growable byte buffers. The caller owns the struct; buf_free
 * releases the memory. A zeroed struct mc_buf is an empty buffer. */
#ifndef MC_BUF_H
#define MC_BUF_H

#include <stddef.h>
#include <string.h>

struct mc_buf {
	char *p;
	size_t len, cap;
	unsigned char remap; /* buf_remappable: 1; 2 once p is a mapping of its own */
};

/* Make room for at least `more` bytes after len. 0, or -1 (ENOMEM). */
int buf_grow(struct mc_buf *b, size_t more);

/* buf_grow to a multiple of 2 MiB on a 2 MiB boundary with the huge-page
 * advice, below 4 MiB too: for a buffer that is reused and grows past a
 * few hundred KB (a transaction's events), where faulting in its 4 KiB
 * pages one at a time costs ~12 us each on a VM whose page faults trap to
 * the hypervisor, and one huge page costs less than 1 ms. */
int buf_grow_huge(struct mc_buf *b, size_t more);

/* Let b grow by moving its pages instead of copying them, from 4 MiB on:
 * for a buffer that grows to tens of MB in one go and is reused (a
 * commit's rows). Such a buffer is released by buf_free only, never by
 * free(b->p): its memory is then a mapping of its own. */
void buf_remappable(struct mc_buf *b);

/* n bytes for free(): from 4 MiB on, on a 2 MiB boundary with the
 * kernel's advice to back it with huge pages (buf_grow's large buffers).
 * NULL when out of memory. */
void *mc_alloc_large(size_t n);

/* Append n bytes. 0, or -1 (ENOMEM). */
static inline int buf_add(struct mc_buf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n && buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

static inline int buf_addc(struct mc_buf *b, char c)
{
	if (b->cap == b->len && buf_grow(b, 1) < 0)
		return -1;
	b->p[b->len++] = c;
	return 0;
}

static inline int buf_adds(struct mc_buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* Append formatted text. 0, or -1 (ENOMEM). */
int buf_addf(struct mc_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Drop the first n bytes, moving the rest to the front. */
void buf_consume(struct mc_buf *b, size_t n);

void buf_free(struct mc_buf *b);

#endif
