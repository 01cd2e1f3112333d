/* err.h: error values returned by common/. common/ never prints to stdout
 * nor exits: a function that fails fills a struct mc_err and returns -1;
 * cmd/ turns it into a message and an exit code. */
#ifndef MC_ERR_H
#define MC_ERR_H

#include <stdarg.h>

/* Exit codes, the same in every program (docs/exit-codes.md). */
enum {
	MC_EXIT_OK = 0,
	MC_EXIT_DATA = 1,      /* bad data or permanent error */
	MC_EXIT_USAGE = 2,     /* usage or configuration */
	MC_EXIT_TRANSIENT = 3, /* connection lost, timeout: a runner may retry */
};

struct mc_err {
	int code;       /* one of MC_EXIT_*; 0 when no error was set */
	int errnum;     /* errno of a failed system call, else 0 (EPIPE matters) */
	char msg[1024]; /* one line, no program prefix, no newline; one that did
			 * not fit ends in "..." */
};

/* Set err (if not NULL) to code and a formatted message; returns -1 so
 * callers can write `return mc_errf(err, ...)`. */
int mc_errf(struct mc_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int mc_verrf(struct mc_err *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Like mc_errf but appends ": strerror(errnum)". */
int mc_errnof(struct mc_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the message already in err with a formatted context, e.g. a file
 * name: "'x.mcr': " + old message. Returns -1. */
int mc_errctx(struct mc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Where an engine's warnings and verbose lines go: fn(ctx, line), one line
 * without a newline; the program prints it on stderr after its name
 * (prog_say). A zeroed struct says nothing. */
struct mc_say {
	void (*fn)(void *ctx, const char *line);
	void *ctx;
};

/* Format one line and hand it to s (if s->fn is set). */
void mc_sayf(const struct mc_say *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
