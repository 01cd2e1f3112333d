/* endpoint.h: where a MaxCompute request goes (docs/maxcompute.md
 * "Endpoints"): the service endpoint (--endpoint, with its path prefix such
 * as "/api"), the Tunnel endpoint (--tunnel-endpoint, or discovered from the
 * service endpoint: the protocol's §2.2), the project and schema of
 * --dest=odps://PROJECT[/SCHEMA], and the URL of a request. */
#ifndef MC_ODPS_ENDPOINT_H
#define MC_ODPS_ENDPOINT_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "odps/sign.h"

/* Check an endpoint URL given by opt (the option or config key, for the
 * message): "http://" or "https://", a host, optionally a port and a path;
 * no user, query or fragment. *out: a copy without trailing '/'. -1 with
 * err (code 2) naming opt. */
int odps_endpoint_norm(const char *opt, const char *url, char **out, struct mc_err *err);

/* Parse --dest=odps://PROJECT[/SCHEMA] into copies (*schema NULL when not
 * given). Names are letters, digits and '_' (MaxCompute's own rule, which
 * keeps them out of URL and signing quirks). -1 with err (code 2). */
int odps_dest_parse(const char *dest, char **project, char **schema, struct mc_err *err);

/* Append the resource of a table: "/projects/P/tables/T", or
 * "/projects/P/schemas/S/tables/T" when schema is not NULL (not encoded:
 * the form that is signed). 0 or -1 (ENOMEM). */
int odps_table_resource(struct mc_buf *out, const char *project, const char *schema,
			const char *table);

/* Append the URL of a request: base (an endpoint from odps_endpoint_norm),
 * the resource with every byte but unreserved ones and '/' percent-encoded,
 * and the query in the order given, names and values percent-encoded
 * (a NULL value: the bare name). 0 or -1 (ENOMEM). */
int odps_url(struct mc_buf *out, const char *base, const char *resource,
	     const struct odps_kv *params, size_t nparams);

/* The Tunnel endpoint from the answer of tunnel discovery (§2.2): the body
 * is a host or host:port (whitespace around it dropped), and the endpoint is
 * the service endpoint's scheme, "://" and that, with no path. -1 with err
 * (code 1) when the body is not a host[:port]. */
int odps_tunnel_from_answer(const char *service, const char *body, size_t n, char **out,
			    struct mc_err *err);

/* The resource and query of tunnel discovery: "/projects/P/tunnel" with
 * "service" (and "quotaName=Q" when quota is not NULL). The caller adds
 * curr_project like every request. */
int odps_discovery_resource(struct mc_buf *out, const char *project);

/* 1 when s[0..n) (an id from an answer: an upload session's) may go
 * into a request's URL as it is: 1 to 127 of [0-9A-Za-z._-]. */
int odps_url_id_ok(const char *s, size_t n);

#endif
