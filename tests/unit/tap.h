/* tap.h: the one result printer of the C unit tests. Each check prints
 * one line, "ok - NAME: what" or "FAIL - NAME: what: why" (tests/run.sh
 * counts them); tap_done() is the exit status: 1 if any check failed.
 * Include it once per test program, after defining TAP_NAME:
 *
 *	#define TAP_NAME "t_rec"
 *	#include "tap.h"
 *	...
 *	tap_check(got == want, "rows", "got %d, want %d", got, want);
 *	return tap_done();
 */
#ifndef MC_TAP_H
#define MC_TAP_H

#include <stdarg.h>
#include <stdio.h>

#ifndef TAP_NAME
#error "define TAP_NAME before including tap.h"
#endif

static unsigned tap_failures;

/* One check: ok when cond holds; otherwise FAIL with the formatted why. */
static void tap_check(int cond, const char *what, const char *whyfmt, ...)
	__attribute__((format(printf, 3, 4), unused));
static void tap_check(int cond, const char *what, const char *whyfmt, ...)
{
	va_list ap;
	if (cond) {
		printf("ok - %s: %s\n", TAP_NAME, what);
		return;
	}
	tap_failures++;
	printf("FAIL - %s: %s: ", TAP_NAME, what);
	va_start(ap, whyfmt);
	vprintf(whyfmt, ap);
	va_end(ap);
	putchar('\n');
}

/* A failure with no matching ok line (a setup step that went wrong). */
static void tap_fail(const char *what, const char *whyfmt, ...)
	__attribute__((format(printf, 2, 3), unused));
static void tap_fail(const char *what, const char *whyfmt, ...)
{
	va_list ap;
	tap_failures++;
	printf("FAIL - %s: %s: ", TAP_NAME, what);
	va_start(ap, whyfmt);
	vprintf(whyfmt, ap);
	va_end(ap);
	putchar('\n');
}

static int tap_done(void) __attribute__((unused));
static int tap_done(void)
{
	fflush(stdout);
	return tap_failures ? 1 : 0;
}

#endif
