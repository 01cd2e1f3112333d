/* t_reject: the reject file read back (common/transform/reject.c): a line
 * the file holds is seen once per copy whatever its length (a dirty value
 * of several KB too), a line with another reason is the same row, another
 * position is not, and a cut last line is removed. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transform/reject.h"

#define TAP_NAME "t_reject"
#include "tap.h"

/* a reject line: position, table, column, image, value, reason, source */
static char *line(const char *pos, size_t vlen, const char *why)
{
	char *v = malloc(vlen + 1), *l;
	size_t n = vlen + strlen(pos) + strlen(why) + 64;
	memset(v, 'x', vlen);
	v[vlen] = 0;
	l = malloc(n);
	snprintf(l, n, "%s\td.t\tc\tafter\t%s\t%s\t1/1:100", pos, v, why);
	free(v);
	return l;
}

int main(void)
{
	char path[] = "/tmp/t_reject.XXXXXX";
	int fd = mkstemp(path);
	struct tf_rejset s;
	struct mc_err err = { 0 };
	size_t sizes[] = { 10, 4000, 5000, 70000 };
	if (fd < 0)
		return perror("mkstemp"), 1;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char *l = line("1:100:0", sizes[i], "not a number");
		(void)!write(fd, l, strlen(l));
		(void)!write(fd, "\n", 1);
		free(l);
	}
	(void)!write(fd, "1:200:0\td.t\tc", 13); /* a cut last line */
	tap_check(tf_reject_load(&s, fd, path, &err) == 0, "the file is read", "%s", err.msg);
	tap_check(s.cut == 13, "its cut last line is removed", "cut %llu", (unsigned long long)s.cut);
	tap_check(lseek(fd, 0, SEEK_END) > 0 && s.n == 4, "four identities", "%zu", s.n);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		char *a = line("1:100:0", sizes[i], "another reason");
		char *b = line("1:101:0", sizes[i], "not a number");
		char what[80];
		snprintf(what, sizeof what, "a value of %zu bytes: seen once", sizes[i]);
		tap_check(tf_reject_seen(&s, a, strlen(a)) == 1, what, "not seen");
		snprintf(what, sizeof what, "a value of %zu bytes: not twice", sizes[i]);
		tap_check(tf_reject_seen(&s, a, strlen(a)) == 0, what, "seen again");
		snprintf(what, sizeof what, "a value of %zu bytes: another position is new", sizes[i]);
		tap_check(tf_reject_seen(&s, b, strlen(b)) == 0, what, "seen");
		free(a);
		free(b);
	}
	tf_reject_free(&s);
	close(fd);
	unlink(path);
	return tap_done();
}
