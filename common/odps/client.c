/* client.c: signed requests and tunnel discovery (client.h). */
#include "odps/client.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "odps/endpoint.h"
#include "odps/httperr.h"
#include "odps/sign.h"

#define MAX_PARAMS 16
#define MAX_HEADERS 24

int odps_client_init(struct odps_client *c, const struct odps_target *t,
		     const struct odps_http_opts *o, const char *user_agent, struct mc_err *err)
{
	memset(c, 0, sizeof *c);
	c->t = t;
	c->user_agent = user_agent;
	if (t->tunnel_endpoint && !(c->tunnel = mc_strdup(t->tunnel_endpoint)))
		return mc_oom(err, "the tunnel endpoint");
	if (odps_http_init(&c->http, o, err) < 0) {
		free(c->tunnel);
		c->tunnel = NULL;
		return -1;
	}
	return 0;
}

void odps_client_free(struct odps_client *c)
{
	odps_http_free(&c->http);
	free(c->tunnel);
	c->tunnel = NULL;
	free(c->logview_host);
	c->logview_host = NULL;
}

/* Sign and send (x NULL: perform on h) or set up (x given) one request. */
static int call_on(struct odps_client *c, struct odps_http *h, enum odps_api api,
		   const char *method, const char *resource, const struct odps_kv *params,
		   size_t nparams, const struct odps_kv *headers, size_t nheaders, const void *body,
		   size_t body_len, int chunked, struct odps_http_resp *resp,
		   struct odps_http_xfer *x, struct mc_err *err)
{
	struct odps_kv ps[MAX_PARAMS], hs[MAX_HEADERS];
	struct mc_buf url = { 0 }, auth = { 0 };
	const char *base = api == ODPS_TUNNEL ? c->tunnel : c->t->endpoint;
	char date[32];
	size_t np = 0, nh = 0;
	int rc = -1;

	if (!base)
		return mc_errf(err, MC_EXIT_DATA, "no tunnel endpoint yet (discover it first)");
	if (nparams + 1 > MAX_PARAMS || nheaders + 5 > MAX_HEADERS)
		return mc_errf(err, MC_EXIT_DATA, "%s %s: too many parameters or headers", method,
			       resource);
	for (size_t i = 0; i < nparams; i++)
		ps[np++] = params[i];
	ps[np++] = (struct odps_kv){ "curr_project", c->t->project };
	if (odps_http_date(time(NULL), date) < 0)
		return mc_errf(err, MC_EXIT_DATA, "the clock cannot be read as a date");
	for (size_t i = 0; i < nheaders; i++)
		hs[nh++] = headers[i];
	hs[nh++] = (struct odps_kv){ "Date", date };
	hs[nh++] = (struct odps_kv){ "User-Agent", c->user_agent };
	hs[nh++] = (struct odps_kv){ "x-odps-user-agent", c->user_agent };
	if (c->t->creds.sts_token)
		hs[nh++] = (struct odps_kv){ "authorization-sts-token", c->t->creds.sts_token };
	struct odps_sreq sr = { method, resource, ps, np, hs, nh };
	if (odps_sign_v2(&sr, c->t->creds.access_id, c->t->creds.access_key, &auth, err) < 0 ||
	    buf_addc(&auth, '\0') < 0)
		goto out;
	hs[nh++] = (struct odps_kv){ "Authorization", auth.p };
	if (odps_url(&url, base, resource, ps, np) < 0 || buf_addc(&url, '\0') < 0) {
		mc_oom(err, "a request URL");
		goto out;
	}
	struct odps_http_req req = { method, url.p, hs, nh, body, body_len, chunked };
	rc = x ? odps_http_setup(h, &req, resp, x, err) : odps_http_do(h, &req, resp, err);
out:
	buf_free(&url);
	buf_free(&auth);
	return rc;
}

int odps_call(struct odps_client *c, enum odps_api api, const char *method, const char *resource,
	      const struct odps_kv *params, size_t nparams, const struct odps_kv *headers,
	      size_t nheaders, const void *body, size_t body_len, int chunked,
	      struct odps_http_resp *resp, struct mc_err *err)
{
	return call_on(c, &c->http, api, method, resource, params, nparams, headers, nheaders,
		       body, body_len, chunked, resp, NULL, err);
}

int odps_call_setup(struct odps_client *c, struct odps_http *h, enum odps_api api,
		    const char *method, const char *resource, const struct odps_kv *params,
		    size_t nparams, const struct odps_kv *headers, size_t nheaders, const void *body,
		    size_t body_len, int chunked, struct odps_http_resp *resp,
		    struct odps_http_xfer *x, struct mc_err *err)
{
	return call_on(c, h, api, method, resource, params, nparams, headers, nheaders, body,
		       body_len, chunked, resp, x, err);
}

int odps_client_tunnel(struct odps_client *c, const char **tunnel, struct mc_err *err)
{
	struct odps_http_resp r = { 0 };
	struct mc_buf res = { 0 };
	static const struct odps_kv q[] = { { "service", NULL } };
	int rc = -1;

	if (c->tunnel) {
		*tunnel = c->tunnel;
		return 0;
	}
	if (odps_discovery_resource(&res, c->t->project) < 0 || buf_addc(&res, '\0') < 0) {
		mc_oom(err, "a request URL");
		goto out;
	}
	if (odps_call(c, ODPS_SERVICE, "GET", res.p, q, 1, NULL, 0, NULL, 0, 0, &r, err) < 0) {
		mc_errctx(err, "tunnel endpoint discovery: ");
		goto out;
	}
	if (r.status / 100 != 2) {
		odps_http_fail(&r, "tunnel endpoint discovery", err);
		goto out;
	}
	if (odps_tunnel_from_answer(c->t->endpoint, r.body.p, r.body.len, &c->tunnel, err) < 0)
		goto out;
	*tunnel = c->tunnel;
	rc = 0;
out:
	odps_http_resp_free(&r);
	buf_free(&res);
	return rc;
}
