#include "base/alloc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int mc_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	void **pp = arr;
	size_t nc;
	char *p;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap : 8;
	while (nc < need)
		nc = nc > SIZE_MAX / 2 ? need : nc * 2;
	if (elem && nc > SIZE_MAX / elem) {
		errno = ENOMEM;
		return -1;
	}
	if (!(p = realloc(*pp, nc * elem))) {
		errno = ENOMEM;
		return -1;
	}
	memset(p + *cap * elem, 0, (nc - *cap) * elem);
	*pp = p;
	*cap = nc;
	return 0;
}

int mc_resize(void *arr, size_t n, size_t elem)
{
	void **pp = arr;
	size_t bytes;
	void *p;

	if (elem && n > SIZE_MAX / elem) {
		errno = ENOMEM;
		return -1;
	}
	bytes = n * elem;
	if (!(p = realloc(*pp, bytes ? bytes : 1))) {
		errno = ENOMEM;
		return -1;
	}
	*pp = p;
	return 0;
}

char *mc_strndup(const char *p, size_t n)
{
	char *s;
	if (n == SIZE_MAX || !(s = malloc(n + 1))) {
		errno = ENOMEM;
		return NULL;
	}
	if (n)
		memcpy(s, p, n);
	s[n] = 0;
	return s;
}

char *mc_strdup(const char *s)
{
	return mc_strndup(s, strlen(s));
}

int mc_oom(struct mc_err *err, const char *what)
{
	return mc_errnof(err, ENOMEM, "%s", what);
}
