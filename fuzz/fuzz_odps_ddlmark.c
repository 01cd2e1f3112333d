/* fuzz_odps_ddlmark: the reader of the DDL markers in the CSV answer of a
 * MaxCompute SELECT (common/odps/ddlmark.c: mcsync's markers, or a
 * dataworks log table's DDL rows) on arbitrary bytes: it never reads past
 * the answer, and each marker it reads is one of T, X, C, R (or '?' for a
 * dataworks RENAME row). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "odps/ddlmark.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);
	for (int dw = 0; dw < 2; dw++) {
		struct odps_ddlmark *mk = NULL;
		size_t n = 0, cap = 0;
		struct mc_err err = { 0 };
		if (odps_ddlmark_read("t", dw, text, size, &mk, &n, &cap, &err) == 0)
			for (size_t i = 0; i < n; i++)
				if (!strchr(dw ? "TXC?" : "TXCR", mk[i].op) || !mk[i].op)
					abort();
		free(mk);
	}
	free(text);
	return 0;
}
