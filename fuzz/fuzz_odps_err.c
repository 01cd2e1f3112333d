/* fuzz_odps_err: the parser of MaxCompute error bodies (JSON and XML,
 * common/odps/httperr.c) and of the tunnel discovery answer
 * (common/odps/endpoint.c) on arbitrary bytes: they must never read past
 * their input, and what they keep must be one printable line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "odps/endpoint.h"
#include "odps/httperr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		abort(); /* not terminated */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct odps_error e;
	struct mc_err err = { 0 };
	char *t = NULL;
	char *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size); /* an exact-size heap copy: ASan sees overreads */
	odps_error_parse(copy, size, &e);
	one_line(e.code, sizeof e.code);
	one_line(e.message, sizeof e.message);
	one_line(e.request_id, sizeof e.request_id);
	if (e.hold_ms < 0)
		abort();
	if (odps_tunnel_from_answer("http://h/api", copy, size, &t, &err) == 0) {
		if (!t || strncmp(t, "http://", 7) != 0 || strpbrk(t + 7, "/ \t\r\n?#@"))
			abort();
		free(t);
	}
	free(copy);
	return 0;
}
