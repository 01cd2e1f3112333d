/* sql.h: SQL through MaxCompute's instance API (the protocol's §8.2-8.3;
 * docs/maxcompute.md "SQL instances"): submit one SQL task, poll the
 * instance until it is terminated, read the task's status and its result
 * (the query's output, or the error text of a failed task).
 *
 *	struct odps_sql_opts so = { .retry_s = 600 };
 *	struct mc_buf out = { 0 };
 *	rc = odps_sql_run(client, &so, "DESC t;", ODPS_SQL_IDEMPOTENT, &out, &err);
 *
 * Every request goes through odps_call (signed) with the retry policy of
 * httperr.h: 5xx, 429, 308 and transport failures are retried within
 * retry_s from the first failure, then code 3. Polls and result reads are
 * GETs, always safe to repeat. The submission (a POST) is sent again after
 * a failure only for a statement the caller says is idempotent (a second
 * run of it leaves the same state: CREATE TABLE IF NOT EXISTS, ALTER TABLE
 * ADD IF NOT EXISTS PARTITION, INSERT OVERWRITE, DESC, SELECT); for any
 * other a failed submission is code 3 with "may or may not have run". */
#ifndef MC_ODPS_SQL_H
#define MC_ODPS_SQL_H

#include "base/buf.h"
#include "base/err.h"
#include "odps/client.h"

struct odps_sql_opts {
	double retry_s;       /* --retry-time in seconds; 0: no retry */
	double poll_max_s;    /* longest wait between two polls; 0: 2 s */
	const char *settings; /* extra SQL flags, JSON members without braces
			       * ("\"k\": \"v\", ..."), or NULL */
	int verbose;          /* say the instance id, its Logview URL (asking the
			       * service for the Logview host and a token) and
			       * what became of the instance */
	struct mc_say say;
};

enum { ODPS_SQL_ONCE = 0, ODPS_SQL_IDEMPOTENT = 1 };

/* The Logview URL of -v (docs/maxcompute.md "Logview"), as pyodps forms
 * it: the host the service names (GET /logview/host), this one when its
 * answer is empty or the request fails; the token valid this many hours
 * (pyodps' default logview_hours, 24 * 30). */
#define ODPS_LOGVIEW_DEFAULT "http://logview.aliyun.com"
#define ODPS_LOGVIEW_HOURS 720

/* The settings every instance gets: MaxCompute's 2.0 type edition (the
 * types of docs/types.md) and decimals of that edition. */
#define ODPS_SQL_SETTINGS \
	"\"odps.sql.type.system.odps2\": \"true\", \"odps.sql.decimal.odps2\": \"true\""

/* The extra setting of a statement that reads a partitioned table whole
 * (the state mirror, a merge's log), which a project with full scans
 * refused would otherwise refuse. */
#define ODPS_SQL_FULLSCAN "\"odps.sql.allow.fullscan\": \"true\""

/* Run query (one statement, after any SET lines; a ';' is added when it
 * does not end with one) as an instance of one SQL task and wait for it.
 * 0 with the task's result in *out (appended; for a query the rows as
 * text, for DDL usually empty). -1 with err: the task failed or was
 * cancelled (code 1: "SQL instance ID: task failed: TEXT", the service's
 * error text, e.g. "ODPS-0130131:Table not found - ..."); an error status
 * that retrying cannot fix (1, httperr.h's message); retries spent (3). */
int odps_sql_run(struct odps_client *c, const struct odps_sql_opts *o, const char *query,
		 int idempotent, struct mc_buf *out, struct mc_err *err);

/* The instance XML of §8.2 for query (appended to b): one SQL task named
 * AnonymousSQLTask, settings, a uuid, the query in CDATA (a "]]>" in it
 * split across two sections). For tests. */
int odps_sql_xml(struct mc_buf *b, const char *query, const char *settings, const char *uuid);

/* The text of the first element <tag ...>...</tag> of xml[0..n), entities
 * and CDATA decoded, appended to out; the element's attributes (the text
 * between the tag name and '>') in attrs (clipped). 1 found, 0 not, -1
 * out of memory. Searching starts at *at, which is moved past the
 * element. */
int odps_xml_elem(const char *xml, size_t n, size_t *at, const char *tag, struct mc_buf *out,
		  char *attrs, size_t attrsz);

#endif
