#define _GNU_SOURCE /* mremap */
#include "base/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Buffers from this size on are placed on 2 MiB boundaries and get the
 * kernel's transparent huge pages (where it is set to "madvise", as
 * Debian's is): a commit's rows, a Tunnel block, a data file's bytes are
 * tens of MB written once, and faulting them in 4 KiB at a time cost a
 * third of a load's time (docs/conventions.md "Large buffers"). Such a
 * buffer grows by a new allocation and a copy: a huge page moved by
 * realloc's mremap to an address off the boundary would be split again. */
#define HUGE_MIN ((size_t)4 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

/* n bytes on a 2 MiB boundary with the huge-page advice, or NULL. */
static void *huge_alloc(size_t n)
{
	void *p;
	if (posix_memalign(&p, HUGE_PAGE, n) != 0)
		return NULL;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1), MADV_HUGEPAGE); /* advice */
#endif
	return p;
}

void *mc_alloc_large(size_t n)
{
	return n < HUGE_MIN ? malloc(n) : huge_alloc(n);
}

void buf_remappable(struct mc_buf *b)
{
	if (!b->remap)
		b->remap = 1;
}

/* A remappable buffer (buf_remappable) of cap bytes, a multiple of 2 MiB:
 * its own mapping on a 2 MiB boundary with the huge-page advice. Growing
 * it moves its pages (mremap) to a new range on such a boundary, so that
 * its huge pages move whole: nothing is copied and no page is cleared
 * again, where a new allocation and a copy touched twice the bytes (a
 * commit of 44 MB touched about 106 MB, and clearing fresh pages is the
 * largest single cost of a load on a VM). Where mremap is missing, or
 * fails, it grows by a copy as any buffer. */
static int map_grow(struct mc_buf *b, size_t cap)
{
#if defined(MREMAP_MAYMOVE) && defined(MREMAP_FIXED)
	size_t res = cap + HUGE_PAGE;
	char *r, *a;
	void *p;

	r = mmap(NULL, res, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return -1;
	a = (char *)(((uintptr_t)r + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
	if (b->remap == 2) {
		p = mremap(b->p, b->cap, cap, MREMAP_MAYMOVE | MREMAP_FIXED, a);
	} else {
		p = mmap(a, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (p != MAP_FAILED) {
#ifdef MADV_HUGEPAGE
			(void)madvise(p, cap, MADV_HUGEPAGE); /* advice */
#endif
			if (b->len)
				memcpy(p, b->p, b->len);
			free(b->p);
		}
	}
	if (p == MAP_FAILED) {
		munmap(r, res);
		return -1;
	}
	/* the reservation's ends around [a, a + cap) */
	if (a > r)
		munmap(r, (size_t)(a - r));
	if (r + res > a + cap)
		munmap(a + cap, (size_t)(r + res - (a + cap)));
	b->p = p;
	b->cap = cap;
	b->remap = 2;
	return 0;
#else
	(void)b;
	(void)cap;
	errno = ENOSYS;
	return -1;
#endif
}

/* b's memory given back: a remappable buffer's own mapping (it stays
 * remappable), else the allocator's. */
static void release(struct mc_buf *b)
{
	if (b->remap == 2) {
		munmap(b->p, b->cap);
		b->remap = 1;
	} else {
		free(b->p);
	}
}

/* b's bytes moved into p of cap bytes (a new allocation), the old freed. */
static void move_to(struct mc_buf *b, char *p, size_t cap)
{
	if (b->len)
		memcpy(p, b->p, b->len);
	release(b);
	b->p = p;
	b->cap = cap;
}

int buf_grow(struct mc_buf *b, size_t more)
{
	size_t need, cap;
	char *p;

	if (more > SIZE_MAX - b->len) {
		errno = ENOMEM;
		return -1;
	}
	need = b->len + more;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap >= HUGE_MIN && cap <= SIZE_MAX / 2 && b->remap &&
	    map_grow(b, (cap + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1)) == 0)
		return 0;
	if (cap >= HUGE_MIN) {
		if (!(p = huge_alloc(cap)))
			return -1;
		move_to(b, p, cap);
		return 0;
	}
	if (!(p = realloc(b->p, cap)))
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

int buf_grow_huge(struct mc_buf *b, size_t more)
{
	size_t need, cap;
	void *p;
	if (more > SIZE_MAX - b->len - HUGE_PAGE) {
		errno = ENOMEM;
		return -1;
	}
	need = b->len + more;
	if (need <= b->cap)
		return 0;
	if (need >= HUGE_MIN)
		return buf_grow(b, more);
	cap = (need + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	if (!(p = huge_alloc(cap)))
		return -1;
	move_to(b, p, cap);
	return 0;
}

int buf_addf(struct mc_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n + 1) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void buf_consume(struct mc_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

void buf_free(struct mc_buf *b)
{
	release(b);
	b->p = NULL;
	b->len = b->cap = 0;
}
