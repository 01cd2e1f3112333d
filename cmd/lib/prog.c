#include "prog.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/io.h"

const char *prog_name = "mcsync";

void prog_init(const char *name)
{
	prog_name = name;
	opterr = 0; /* getopt's own messages would echo a value: prog_bad_option */
	signal(SIGPIPE, SIG_IGN);
	/* a file past `ulimit -f` fails its write with EFBIG (exit 1, the
	 * file named) instead of killing the program: a death by a signal
	 * reads as "killed, restart me" to a supervisor */
	signal(SIGXFSZ, SIG_IGN);
}

void prog_warn(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void prog_say(void *ctx, const char *line)
{
	(void)ctx;
	prog_warn("%s", line);
}

const struct mc_say prog_sayer = { prog_say, NULL };

static noreturn void die_of_sigpipe(void)
{
	signal(SIGPIPE, SIG_DFL);
	raise(SIGPIPE);
	_exit(141);
}

void (*prog_fail_hook)(const struct mc_err *err);

noreturn void prog_fail(const struct mc_err *err)
{
	if (err->errnum == EPIPE)
		die_of_sigpipe();
	if (prog_fail_hook)
		prog_fail_hook(err); /* report.c: the last metrics, an alert */
	prog_warn("%s", err->msg);
	exit(err->code ? err->code : MC_EXIT_DATA);
}

noreturn void prog_oom(const char *what)
{
	struct mc_err err = { 0 };
	mc_errnof(&err, ENOMEM, "%s", what);
	prog_fail(&err);
}

noreturn void prog_usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog_name);
	exit(MC_EXIT_USAGE);
}

noreturn void prog_bad_option(char *const *argv)
{
	/* getopt_long has advanced optind past the option, except inside a
	 * cluster of short options (-ab), where it is still on it */
	const char *a = optind > 0 ? argv[optind - 1] : NULL;
	if (optopt > 0 && optopt < 256 && argv[optind] && argv[optind][0] == '-' &&
	    argv[optind][1] != '-' && strchr(argv[optind] + 1, optopt))
		a = argv[optind];
	if (a && a[0] == '-' && a[1] == '-') {
		/* a long option: its name only, never what follows '=' (a
		 * password given by mistake, say) */
		int n = (int)strcspn(a, "=");
		if (optopt == 0)
			fprintf(stderr, "%s: unrecognized or ambiguous option '%.*s'\n", prog_name, n, a);
		else if (a[n] == '=')
			fprintf(stderr, "%s: option '%.*s' doesn't allow an argument\n", prog_name, n, a);
		else
			fprintf(stderr, "%s: option '%.*s' requires an argument\n", prog_name, n, a);
	} else if (optopt > 0 && optopt < 256 && optopt != '?') {
		if (!argv[optind] && a && a[strlen(a) - 1] == optopt)
			fprintf(stderr, "%s: invalid option or missing argument -- '%c'\n", prog_name,
				optopt);
		else
			fprintf(stderr, "%s: invalid option -- '%c'\n", prog_name, optopt);
	} else {
		fprintf(stderr, "%s: invalid option\n", prog_name);
	}
	fprintf(stderr, "Try '%s --help' for more information.\n", prog_name);
	exit(MC_EXIT_USAGE);
}

noreturn void prog_help(const char *text)
{
	struct mc_err err = { 0 };
	if (io_write_all(1, text, strlen(text)) < 0) {
		mc_errnof(&err, errno, "writing help");
		prog_fail(&err);
	}
	exit(0);
}

noreturn void prog_version(void)
{
	printf("%s (mcsync) %s\n", prog_name, MC_VERSION);
	prog_close_stdout();
	exit(0);
}

void prog_close_stdout(void)
{
	struct mc_err err = { 0 };
	if (fflush(stdout) != 0 || ferror(stdout)) {
		mc_errnof(&err, errno, "standard output");
		prog_fail(&err);
	}
	if (close(1) < 0 && errno != EBADF) {
		mc_errnof(&err, errno, "standard output");
		prog_fail(&err);
	}
}
