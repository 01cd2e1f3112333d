/* status.h: what a warehouse (or an upload destination's state directory)
 * holds and how far it is, for people and monitors (mc-cat --status,
 * docs/mc-cat.md "Status"), and the record of each table's last merge
 * that mc-merge leaves for it. */
#ifndef MC_WH_STATUS_H
#define MC_WH_STATUS_H

#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* The outcome of a merge of table `table` (DIR/_mcsync/merged.TABLE,
 * replaced atomically): the day or point it built, 0 or the exit status,
 * the first line of the error, when it started and ended (Unix seconds). */
struct wh_merge_rec {
	const char *what;    /* "ds=YYYYMMDD" or "at=POINT" */
	int code;            /* 0 ok, else the exit status */
	const char *message; /* the error ("" when ok) */
	int64_t started, ended;
};

int wh_merge_record(const char *dir, const char *table, const struct wh_merge_rec *r,
		    struct mc_err *err);

/* The status of DIR at time now, appended to out: a table for people, or
 * one JSON object (json). -1 with err when DIR holds no ledger or a file
 * in it is malformed. */
int wh_status(const char *dir, int64_t now, int json, struct mc_buf *out, struct mc_err *err);

#endif
