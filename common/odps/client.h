/* client.h: a signed request to a MaxCompute project (docs/maxcompute.md
 * "Signing"), and tunnel endpoint discovery (the protocol's §2.2). */
#ifndef MC_ODPS_CLIENT_H
#define MC_ODPS_CLIENT_H

#include "base/err.h"
#include "odps/creds.h"
#include "odps/http.h"

struct odps_client {
	struct odps_http http;
	const struct odps_target *t;
	char *tunnel;           /* the Tunnel endpoint: given, or discovered */
	char *logview_host;     /* asked once, for -v (sql.c); NULL: not yet */
	const char *user_agent; /* "mcsync/VERSION" */
};

enum odps_api { ODPS_SERVICE, ODPS_TUNNEL };

int odps_client_init(struct odps_client *c, const struct odps_target *t,
		     const struct odps_http_opts *o, const char *user_agent, struct mc_err *err);
void odps_client_free(struct odps_client *c);

/* One request to api (the service endpoint or the Tunnel endpoint, which
 * must be known: odps_client_tunnel), resource relative to it. Adds
 * curr_project (last in the query), Date, User-Agent, x-odps-user-agent,
 * the STS token when there is one, and Authorization (signature v2 over
 * exactly what is sent). 0 with resp filled whatever the status; -1 with
 * err as odps_http_do. */
int odps_call(struct odps_client *c, enum odps_api api, const char *method, const char *resource,
	      const struct odps_kv *params, size_t nparams, const struct odps_kv *headers,
	      size_t nheaders, const void *body, size_t body_len, int chunked,
	      struct odps_http_resp *resp, struct mc_err *err);

/* odps_call set up on handle h (another connection than c's own: h made
 * with c->http's options) without performing it: odps_http_setup. The
 * caller performs it and calls odps_http_finish(h, x, ...). */
int odps_call_setup(struct odps_client *c, struct odps_http *h, enum odps_api api,
		    const char *method, const char *resource, const struct odps_kv *params,
		    size_t nparams, const struct odps_kv *headers, size_t nheaders, const void *body,
		    size_t body_len, int chunked, struct odps_http_resp *resp,
		    struct odps_http_xfer *x, struct mc_err *err);

/* The Tunnel endpoint: the one given, else asked of the service once
 * (GET /projects/P/tunnel?service) and kept. -1 with err: a transport
 * error (as odps_http_do), an error status (odps_http_fail: code 3 when
 * retryable, else 1), or an answer that is not host[:port] (code 1). */
int odps_client_tunnel(struct odps_client *c, const char **tunnel, struct mc_err *err);

#endif
