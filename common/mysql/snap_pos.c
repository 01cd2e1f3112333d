/* snap_pos.c: the snapshot's key bounds (as text, for checkpoints and
 * labels) and its binlog positions (a read view's watermark, the binlog's
 * end). The rest of the snapshot reader is in snap.c. */
#include "mysql/snap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mysql/myconn.h"
#include "base/alloc.h"
#include "base/num.h"

/* ---- bounds ---- */

void snap_bound_free(snap_bound b, size_t n)
{
	if (!b)
		return;
	for (size_t i = 0; i < n; i++)
		free(b[i]);
	free(b);
}

snap_bound snap_bound_dup(const snap_bound b, size_t n)
{
	if (!b)
		return NULL;
	char **d = calloc(n, sizeof *d);
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(d[i] = b[i] ? mc_strdup(b[i]) : NULL)) {
			snap_bound_free(d, n);
			return NULL;
		}
	return d;
}

int snap_bound_format(const snap_bound b, size_t n, struct mc_buf *out)
{
	for (size_t i = 0; i < n; i++)
		if ((i && buf_addc(out, '\t') < 0) || buf_adds(out, b[i]) < 0)
			return -1;
	return 0;
}

snap_bound snap_bound_parse(const char *s, size_t n)
{
	size_t k = 1;
	for (size_t i = 0; i < n; i++)
		k += s[i] == '\t';
	char **b = calloc(k + 1, sizeof *b);
	if (!b)
		return NULL;
	size_t at = 0;
	for (size_t i = 0; i < k; i++) {
		const char *e = memchr(s + at, '\t', n - at);
		size_t len = e ? (size_t)(e - (s + at)) : n - at;
		b[i] = malloc(len + 1);
		if (!b[i]) {
			snap_bound_free(b, k);
			return NULL;
		}
		memcpy(b[i], s + at, len);
		b[i][len] = 0;
		at += len + 1;
	}
	return b;
}

/* ---- watermark ---- */

static int file_seq(const char *file, uint64_t *seq, struct mc_err *err);

int snap_begin(MYSQL *m, struct mc_pos *wm, struct mc_err *err)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	char file[512] = "";
	uint64_t off = 0;
	int have_off = 0;
	if (my_exec(m, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", err) < 0)
		return -1;
	if (my_query(m, "SHOW STATUS LIKE 'binlog_snapshot_%'", &res, err) < 0)
		return -1;
	while ((row = mysql_fetch_row(res))) {
		if (strcasecmp(row[0], "binlog_snapshot_file") == 0 && row[1])
			snprintf(file, sizeof file, "%s", row[1]);
		else if (strcasecmp(row[0], "binlog_snapshot_position") == 0 && row[1])
			have_off = num_u64(row[1], &off) == 0;
	}
	mysql_free_result(res);
	if (!file[0] || !have_off)
		return mc_errf(err, MC_EXIT_DATA,
			       "no binlog snapshot position (binlog_snapshot_file is empty): "
			       "is the binary log on (log_bin)?");
	uint64_t seq;
	if (file_seq(file, &seq, err) < 0)
		return -1;
	wm->file = seq;
	wm->off = off;
	wm->row = 0;
	return 0;
}

static int file_seq(const char *file, uint64_t *seq, struct mc_err *err)
{
	const char *dot = strrchr(file, '.');
	if (!dot || num_u64(dot + 1, seq) < 0)
		return mc_errf(err, MC_EXIT_DATA, "binlog file name '%s' has no sequence number",
			       file);
	return 0;
}

int snap_master_pos(MYSQL *m, struct mc_pos *pos, struct mc_err *err)
{
	MYSQL_RES *res = NULL;
	if (mysql_query(m, "SHOW MASTER STATUS") != 0) {
		if (my_query(m, "SHOW BINARY LOG STATUS", &res, err) < 0)
			return -1;
	} else if (!(res = mysql_store_result(m))) {
		return my_fail(m, err, "SHOW MASTER STATUS");
	}
	MYSQL_ROW row = mysql_fetch_row(res);
	if (!row || !row[0] || !row[1]) {
		mysql_free_result(res);
		return mc_errf(err, MC_EXIT_DATA,
			       "SHOW MASTER STATUS is empty: is the binary log on (log_bin)?");
	}
	uint64_t seq, off;
	int rc = file_seq(row[0], &seq, err);
	if (rc == 0 && num_u64(row[1], &off) < 0)
		rc = mc_errf(err, MC_EXIT_DATA, "SHOW MASTER STATUS: bad position '%s'", row[1]);
	mysql_free_result(res);
	if (rc < 0)
		return -1;
	pos->file = seq;
	pos->off = off;
	pos->row = 0;
	return 0;
}
