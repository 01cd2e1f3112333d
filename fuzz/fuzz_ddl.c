/* fuzz_ddl.c: the DDL follower (common/ddl.c) over arbitrary statements:
 * ddl_target (as written, and under ANSI_QUOTES), ddl_alter_cols, then
 * ddl_apply as a CREATE and as an ALTER of a small table (and under both
 * sql_mode bits). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "binlog/ddl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *names[] = { "a", "b", "c" };
	static uint16_t uns[] = { 1, 0, 0 };
	static uint32_t key[] = { 0 };
	static char cs[3][DDL_CS_LEN] = { "", "latin1", "binary" };
	struct ddl_cols in;
	memset(&in, 0, sizeof in);
	in.n = 3;
	in.names = names;
	in.uns = uns;
	in.cs = cs;
	in.nkey = 1;
	in.key = key;
	struct ddl_cols out;
	struct ddl_target t;
	const char *s = (const char *)data;
	ddl_target(s, size, &t);
	ddl_target_mode(s, size, DDL_MODE_ANSI_QUOTES, &t);
	ddl_alter_cols(s, size, 0);
	ddl_alter_cols(s, size, DDL_MODE_ANSI_QUOTES | DDL_MODE_NO_BS);
	if (ddl_apply(s, size, NULL, &out) == 0)
		ddl_cols_free(&out);
	if (ddl_apply(s, size, &in, &out) == 0)
		ddl_cols_free(&out);
	if (ddl_apply_mode(s, size, &in, "", DDL_MODE_ANSI_QUOTES | DDL_MODE_NO_BS, &out) == 0)
		ddl_cols_free(&out);
	return 0;
}
