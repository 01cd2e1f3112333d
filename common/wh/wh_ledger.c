/* The ledger of the local warehouse: DIR/_mcsync/ledger, a checkpoint file
 * in the format of stream/ledger.h. */
#include "wh/wh.h"

#include <string.h>

#include "base/afile.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "stream/ckpt.h"

static int ledger_path(const char *dir, struct mc_buf *b, struct mc_err *err)
{
	if (buf_addf(b, "%s/%s%c", dir, WH_LEDGER, 0) < 0)
		return mc_oom(err, "ledger");
	return 0;
}

int wh_ledger_read(const char *dir, struct mc_ledger *l, struct mc_err *err)
{
	struct mc_buf path = { 0 };
	struct ckpt c;
	int rc;

	memset(l, 0, sizeof *l);
	if (ledger_path(dir, &path, err) < 0)
		return -1;
	rc = ckpt_read(path.p, &c, err);
	if (rc > 0) {
		rc = ledger_from_ckpt(&c, path.p, l, err);
		ckpt_free(&c);
	}
	buf_free(&path);
	return rc;
}

int wh_ledger_write(const char *dir, const struct mc_ledger *l, struct mc_err *err)
{
	struct mc_buf path = { 0 };
	struct ckpt c = { 0 };
	int rc = ledger_path(dir, &path, err);
	if (rc == 0)
		rc = ledger_to_ckpt(l, &c, err);
	if (rc == 0)
		rc = ckpt_write(path.p, &c, err);
	ckpt_free(&c);
	buf_free(&path);
	return rc;
}
