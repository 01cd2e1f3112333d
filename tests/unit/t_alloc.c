/* t_alloc: the allocation helpers of common/base/alloc.h, and the large
 * byte buffers of common/base/buf.h (docs/conventions.md "Large buffers",
 * buf_grow_huge). */
#define TAP_NAME "t_alloc"
#include "tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"

static int all_zero(const int *a, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (a[i])
			return 0;
	return 1;
}

static void grow(void)
{
	int *a = NULL;
	size_t cap = 0, n = 0;
	tap_check(mc_grow(&a, &cap, 0, sizeof *a) == 0 && !a && cap == 0, "grow to 0: nothing",
		  "cap %zu", cap);
	tap_check(mc_grow(&a, &cap, 1, sizeof *a) == 0 && a && cap == 8, "grow from 0: 8",
		  "cap %zu", cap);
	tap_check(all_zero(a, 0, cap), "grow: new items zeroed", "not zero");
	for (size_t i = 0; i < cap; i++)
		a[i] = (int)i + 1;
	tap_check(mc_grow(&a, &cap, 8, sizeof *a) == 0 && cap == 8, "grow within cap: kept",
		  "cap %zu", cap);
	tap_check(mc_grow(&a, &cap, 9, sizeof *a) == 0 && cap == 16, "grow past cap: doubled",
		  "cap %zu", cap);
	tap_check(a[0] == 1 && a[7] == 8 && all_zero(a, 8, 16), "grow: old kept, new zeroed",
		  "a[0] %d a[7] %d", a[0], a[7]);
	tap_check(mc_grow(&a, &cap, 100, sizeof *a) == 0 && cap == 128, "grow far: power of 2",
		  "cap %zu", cap);
	errno = 0;
	tap_check(mc_grow(&a, &cap, SIZE_MAX / 2, sizeof *a) == -1 && errno == ENOMEM && cap == 128 &&
			  a[0] == 1,
		  "grow overflow: -1 ENOMEM, untouched", "cap %zu errno %d", cap, errno);
	free(a);

	a = NULL;
	cap = 0;
	for (int i = 0; i < 1000; i++) {
		if (mc_push(&a, &n, &cap, sizeof *a) < 0)
			break;
		a[n - 1] = i;
	}
	tap_check(n == 1000 && cap == 1024 && a[999] == 999 && a[0] == 0, "push 1000",
		  "n %zu cap %zu", n, cap);
	free(a);
}

static void resize(void)
{
	int *a = NULL;
	tap_check(mc_resize(&a, 3, sizeof *a) == 0 && a, "resize from NULL", "failed");
	a[0] = 7;
	a[2] = 9;
	tap_check(mc_resize(&a, 1000, sizeof *a) == 0 && a[0] == 7 && a[2] == 9, "resize keeps items",
		  "a[0] %d", a[0]);
	a[999] = 5;
	tap_check(mc_resize(&a, 0, sizeof *a) == 0 && a, "resize to 0: a block", "failed");
	errno = 0;
	tap_check(mc_resize(&a, SIZE_MAX / 2, sizeof *a) == -1 && errno == ENOMEM && a,
		  "resize overflow: -1 ENOMEM, untouched", "errno %d", errno);
	free(a);
}

static void strings(void)
{
	char *s = mc_strdup("abc");
	tap_check(s && strcmp(s, "abc") == 0, "strdup", "got %s", s ? s : "(null)");
	free(s);
	s = mc_strndup("abcdef", 2);
	tap_check(s && strcmp(s, "ab") == 0, "strndup", "got %s", s ? s : "(null)");
	free(s);
	s = mc_strndup(NULL, 0);
	tap_check(s && !*s, "strndup of nothing", "got %s", s ? s : "(null)");
	free(s);
}

static void oom(void)
{
	struct mc_err err = { 0 };
	tap_check(mc_oom(&err, "a thing") == -1, "oom returns -1", "not -1");
	tap_check(err.code == MC_EXIT_DATA && err.errnum == ENOMEM, "oom: exit 1, ENOMEM",
		  "code %d errnum %d", err.code, err.errnum);
	tap_check(strncmp(err.msg, "a thing: ", 9) == 0, "oom: names what", "msg '%s'", err.msg);
	tap_check(mc_oom(NULL, "x") == -1, "oom without err", "not -1");
}

/* A buffer grown byte pattern by byte pattern across the 4 MiB line keeps
 * every byte; from there on it sits on a 2 MiB boundary; consume and
 * free work on it as on any other. */
static void large(void)
{
	struct mc_buf b = { 0 };
	char chunk[4096];
	size_t n = 0, bad = (size_t)-1;
	int ok = 1;

	for (size_t k = 0; k < 3000 && ok; k++) { /* ~12 MiB */
		for (size_t i = 0; i < sizeof chunk; i++)
			chunk[i] = (char)((n + i) * 131 % 251);
		ok = buf_add(&b, chunk, sizeof chunk) == 0;
		n += sizeof chunk;
	}
	tap_check(ok && b.len == n && b.cap >= n, "large buffer: grown to 12 MiB", "len %zu cap %zu",
		  b.len, b.cap);
	for (size_t i = 0; i < b.len && bad == (size_t)-1; i++)
		if (b.p[i] != (char)(i * 131 % 251))
			bad = i;
	tap_check(bad == (size_t)-1, "large buffer: every byte kept across the copies",
		  "byte %zu differs", bad);
	tap_check(((uintptr_t)b.p & (((uintptr_t)2 << 20) - 1)) == 0,
		  "large buffer: on a 2 MiB boundary", "at %p", (void *)b.p);
	buf_consume(&b, 5 << 20);
	tap_check(b.len == n - (5 << 20) && b.p[0] == (char)((size_t)(5 << 20) * 131 % 251),
		  "large buffer: consume moves the rest to the front", "len %zu", b.len);
	buf_free(&b);
	void *p = mc_alloc_large(100);
	tap_check(p != NULL, "mc_alloc_large: a small size is a plain allocation", "NULL");
	free(p);
	p = mc_alloc_large((size_t)5 << 20);
	tap_check(p && ((uintptr_t)p & (((uintptr_t)2 << 20) - 1)) == 0,
		  "mc_alloc_large: 5 MiB on a 2 MiB boundary", "at %p", p);
	if (p)
		memset(p, 7, (size_t)5 << 20);
	free(p);
}

/* buf_grow_huge: below 4 MiB too, a multiple of 2 MiB on its boundary,
 * the bytes kept; then buf_grow (realloc) past it, and beyond 4 MiB. */
static void huge(void)
{
	struct mc_buf b = { 0 };
	size_t bad = (size_t)-1;
	for (size_t i = 0; i < 1000; i++)
		buf_addc(&b, (char)(i % 251));
	tap_check(buf_grow_huge(&b, 300 << 10) == 0 && b.cap == (size_t)2 << 20 &&
			  ((uintptr_t)b.p & (((uintptr_t)2 << 20) - 1)) == 0,
		  "buf_grow_huge: 2 MiB on a 2 MiB boundary", "cap %zu at %p", b.cap, (void *)b.p);
	tap_check(buf_grow_huge(&b, 1 << 20) == 0 && b.cap == (size_t)2 << 20,
		  "buf_grow_huge: within the capacity, kept", "cap %zu", b.cap);
	for (size_t i = 1000; i < ((size_t)3 << 20); i++)
		buf_addc(&b, (char)(i % 251));
	for (size_t i = 0; i < b.len && bad == (size_t)-1; i++)
		if (b.p[i] != (char)(i % 251))
			bad = i;
	tap_check(b.len == (size_t)3 << 20 && bad == (size_t)-1,
		  "buf_grow_huge: every byte kept when it grows on", "len %zu, byte %zu differs",
		  b.len, bad);
	tap_check(buf_grow_huge(&b, (size_t)6 << 20) == 0 && b.cap >= ((size_t)9 << 20) &&
			  b.p[5] == 5,
		  "buf_grow_huge: past 4 MiB as buf_grow", "cap %zu", b.cap);
	buf_free(&b);
}

/* buf_remappable: below 4 MiB an allocation as any; from there on its own
 * mapping on a 2 MiB boundary that grows by moving its pages (the bytes
 * kept, the huge pages not cleared again); consume, reuse after len = 0,
 * free and a second life after buf_free work as on any buffer. */
static void remappable(void)
{
	struct mc_buf b = { 0 };
	char chunk[4096];
	size_t n = 0, bad = (size_t)-1;
	int ok = 1, moved = 0;
	char *was = NULL;

	buf_remappable(&b);
	for (size_t k = 0; k < 12000 && ok; k++) { /* ~47 MiB: 4, 8, 16, 32, 64 */
		for (size_t i = 0; i < sizeof chunk; i++)
			chunk[i] = (char)((n + i) * 131 % 251);
		ok = buf_add(&b, chunk, sizeof chunk) == 0;
		n += sizeof chunk;
		if (b.remap == 2 && b.p != was) {
			moved++;
			was = b.p;
			ok &= ((uintptr_t)b.p & (((uintptr_t)2 << 20) - 1)) == 0 &&
			      (b.cap & (((size_t)2 << 20) - 1)) == 0;
		}
	}
	tap_check(ok && b.len == n && b.remap == 2 && moved >= 4,
		  "remappable buffer: grown to 47 MiB, on 2 MiB boundaries, moved each time",
		  "ok %d len %zu remap %d moved %d", ok, b.len, b.remap, moved);
	for (size_t i = 0; i < b.len && bad == (size_t)-1; i++)
		if (b.p[i] != (char)(i * 131 % 251))
			bad = i;
	tap_check(bad == (size_t)-1, "remappable buffer: every byte kept across the moves",
		  "byte %zu differs", bad);
	buf_consume(&b, 5 << 20);
	tap_check(b.len == n - (5 << 20) && b.p[0] == (char)((size_t)(5 << 20) * 131 % 251),
		  "remappable buffer: consume moves the rest to the front", "len %zu", b.len);
	b.len = 0;
	tap_check(buf_add(&b, "again", 5) == 0 && b.remap == 2 && !memcmp(b.p, "again", 5),
		  "remappable buffer: reused after a commit", "remap %d", b.remap);
	buf_free(&b);
	tap_check(b.p == NULL && b.cap == 0 && b.remap == 1,
		  "remappable buffer: freed, and stays remappable", "remap %d", b.remap);
	for (size_t i = 0; i < 100 && ok; i++)
		ok = buf_add(&b, chunk, sizeof chunk) == 0;
	tap_check(ok && b.remap == 1 && b.len == 409600, "remappable buffer: small again, an allocation",
		  "remap %d len %zu", b.remap, b.len);
	ok = buf_grow(&b, (size_t)9 << 20) == 0;
	tap_check(ok && b.remap == 2 && b.cap >= ((size_t)9 << 20) + 409600 && b.p[409599] == chunk[4095],
		  "remappable buffer: its second mapping keeps the bytes", "remap %d cap %zu", b.remap, b.cap);
	buf_free(&b);
}

int main(void)
{
	grow();
	large();
	huge();
	remappable();
	resize();
	strings();
	oom();
	return tap_done();
}
