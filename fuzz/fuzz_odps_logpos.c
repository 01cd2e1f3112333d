/* fuzz_odps_logpos: the reader of a log row's position in the CSV answer
 * of a MaxCompute SELECT (common/odps/logpos.c: mcsync's three columns or
 * a layout's id) on arbitrary bytes: it never reads past the line, and a
 * position it reads of an id comes back as the same id. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "odps/logpos.h"
#include "wh/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	for (int l = 0; l <= WH_LAYOUT_DATAWORKS; l++) {
		struct mc_pos p;
		struct mc_err err = { 0 };
		int64_t id;
		if (odps_logpos_parse(l, line, &p) < 0 || l == WH_LAYOUT_MCSYNC)
			continue;
		if (wh_layout_id(&p, &id, &err) < 0 || id != strtoll(line, NULL, 10))
			abort();
	}
	free(line);
	return 0;
}
