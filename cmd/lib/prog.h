/* prog.h: glue shared by the programs in cmd/ (not part of libmc: these
 * functions print and exit, which common/ never does). */
#ifndef MC_PROG_H
#define MC_PROG_H

#include <stdnoreturn.h>

#include "base/err.h"

extern const char *prog_name;

/* Set the program name for messages; ignore SIGPIPE (writes then fail with
 * EPIPE, handled by prog_fail). */
void prog_init(const char *name);

/* Print "prog: message" on stderr. */
void prog_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An mc_say for the engines: each line goes to prog_warn. */
void prog_say(void *ctx, const char *line);
extern const struct mc_say prog_sayer;

/* Print err and exit with its code. A failed write to a closed pipe is not
 * an error: restore SIGPIPE and die of it, as a filter should. */
noreturn void prog_fail(const struct mc_err *err);
/* Called by prog_fail before the message (report.c sets it); NULL: none. */
extern void (*prog_fail_hook)(const struct mc_err *err);

/* Print a usage error, "Try 'prog --help'", exit 2. */
noreturn void prog_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* getopt_long (silenced by prog_init: opterr = 0) met a bad option in
 * argv: say which, by its name only (never the value after '=' of an
 * unknown option: it may be a password), add "Try 'prog --help'", exit 2.
 * Every program's `default:` case. */
noreturn void prog_bad_option(char *const *argv);

/* Print "prog (mcsync) VERSION" on stdout and exit 0. */
noreturn void prog_version(void);

/* Flush and close stdout, checking for errors (a full disk is an error);
 * exits like prog_fail on failure. */
void prog_close_stdout(void);

/* Out of memory while building `what`: "prog: what: Cannot allocate
 * memory", exit 1 (never a usage error). */
noreturn void prog_oom(const char *what);

/* Write a whole help text to stdout and exit 0. */
noreturn void prog_help(const char *text);

#endif
