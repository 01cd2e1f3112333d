#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A message cut at the end of err->msg ends in "..." so that the reader
 * knows there was more (n: what vsnprintf wanted to write). */
static void mark_cut(struct mc_err *err, int n)
{
	if (n >= (int)sizeof err->msg)
		memcpy(err->msg + sizeof err->msg - 4, "...", 4);
}

int mc_verrf(struct mc_err *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		err->errnum = 0;
		mark_cut(err, vsnprintf(err->msg, sizeof err->msg, fmt, ap));
	}
	return -1;
}

int mc_errf(struct mc_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mc_verrf(err, code, fmt, ap);
	va_end(ap);
	return -1;
}

int mc_errnof(struct mc_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;
	if (!err)
		return -1;
	va_start(ap, fmt);
	mc_verrf(err, MC_EXIT_DATA, fmt, ap);
	va_end(ap);
	err->errnum = errnum;
	n = strlen(err->msg);
	if (n + 1 < sizeof err->msg)
		mark_cut(err, (int)n + snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(errnum)));
	return -1;
}

int mc_errctx(struct mc_err *err, const char *fmt, ...)
{
	char old[sizeof err->msg];
	va_list ap;
	int n;
	if (!err)
		return -1;
	memcpy(old, err->msg, sizeof old);
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof err->msg) {
		size_t room = sizeof err->msg - (size_t)n, len = strnlen(old, sizeof old - 1);
		if (len >= room)
			len = room - 1;
		memcpy(err->msg + n, old, len);
		err->msg[(size_t)n + len] = 0;
		if (len < strnlen(old, sizeof old))
			mark_cut(err, (int)sizeof err->msg);
	} else {
		mark_cut(err, n);
	}
	return -1;
}

void mc_sayf(const struct mc_say *s, const char *fmt, ...)
{
	char line[4096], *big = NULL;
	va_list ap;
	int n;
	if (!s || !s->fn)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof line && (big = malloc((size_t)n + 1))) {
		va_start(ap, fmt);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	s->fn(s->ctx, big ? big : line);
	free(big);
}
