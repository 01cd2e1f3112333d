/* odpsopt.h: the MaxCompute options mc-tunnel-put and mc-merge share
 * (--state, --odps-config, --endpoint, --tunnel-endpoint, --ca-file,
 * --retry-time, --retry-delay), parsed in one place into where each program keeps them. */
#ifndef MC_ODPSOPT_H
#define MC_ODPSOPT_H

#include <getopt.h>

#include "odps/creds.h"

enum { ODPSOPT_STATE = 2000, ODPSOPT_CONFIG, ODPSOPT_ENDPOINT, ODPSOPT_TUNNEL, ODPSOPT_CA,
       ODPSOPT_RETRY, ODPSOPT_DELAY };

/* The entries of a getopt_long table. */
#define ODPSOPT_LONGOPTS                                                  \
	{ "state", required_argument, NULL, ODPSOPT_STATE },              \
	{ "odps-config", required_argument, NULL, ODPSOPT_CONFIG },       \
	{ "endpoint", required_argument, NULL, ODPSOPT_ENDPOINT },        \
	{ "tunnel-endpoint", required_argument, NULL, ODPSOPT_TUNNEL },   \
	{ "ca-file", required_argument, NULL, ODPSOPT_CA },               \
	{ "retry-time", required_argument, NULL, ODPSOPT_RETRY },         \
	{ "retry-delay", required_argument, NULL, ODPSOPT_DELAY }

/* Where a program keeps them, and --retry-time's bounds. */
struct odpsopt {
	const char **state;
	struct odps_conn_opts *conn;
	const char **ca_file;
	double *retry_s;
	int retry_zero_ok;     /* --retry-time=0 allowed */
	double retry_max;      /* minutes */
	int set;               /* one of them (but --state) was given */
};

/* Option c with argument arg: 1 when it is one of them (taken; a bad
 * value is a usage error), 0 when not. */
int odpsopt_take(struct odpsopt *x, int c, const char *arg);

#endif
