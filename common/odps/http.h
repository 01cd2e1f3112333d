/* http.h: the HTTP client of the MaxCompute destination, over libcurl
 * (docs/maxcompute.md "Endpoints"). One easy handle per connection, kept
 * for every request so that the connection stays open (keep-alive); TLS
 * peer and host verification always on (ca_file: another CA bundle);
 * libcurl honours the standard proxy variables (http_proxy, https_proxy,
 * HTTPS_PROXY, ALL_PROXY, NO_PROXY); connect and total timeouts.
 *
 * Nothing here logs a request: the Authorization and STS token headers
 * go to the server only (libcurl's verbose mode is never turned on). */
#ifndef MC_ODPS_HTTP_H
#define MC_ODPS_HTTP_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"
#include "odps/sign.h"

struct odps_http_opts {
	const char *ca_file;     /* NULL: the system's CA bundle */
	long connect_timeout_ms; /* 0: 10 s */
	long timeout_ms;         /* whole request; 0: 300 s */
	size_t max_body;         /* largest response body kept; 0: 64 MiB */
};

struct odps_http {
	void *curl; /* CURL * */
	struct odps_http_opts o;
	char errbuf[256];
};

struct odps_http_req {
	const char *method; /* GET, PUT, POST, DELETE, HEAD */
	const char *url;
	const struct odps_kv *headers; /* sent as given; no Content-Type given: none sent */
	size_t nheaders;
	const void *body; /* PUT, POST: the body (NULL with body_len 0: empty) */
	size_t body_len;
	int chunked; /* send the body with Transfer-Encoding: chunked */
};

struct odps_http_resp {
	long status;
	struct mc_buf headers; /* the final response's header lines, "Name: value\r\n" */
	struct mc_buf body;
};

/* A request set up on a handle and not yet performed (odps_http_setup),
 * for a caller that drives several handles at once through libcurl's
 * multi interface (upload.h's parallel PUTs). The body is read from
 * req->body, which must live until odps_http_finish. */
struct odps_http_xfer {
	struct odps_http_resp *resp;
	const char *body;
	size_t body_len, sent;
	size_t max_body;
	int too_big;
	void *headers;   /* struct curl_slist * */
	char method[8];
	char *url;       /* for messages */
};

/* A handle. -1 with err when libcurl cannot make one or ca_file cannot
 * be read (code 2). */
int odps_http_init(struct odps_http *h, const struct odps_http_opts *o, struct mc_err *err);
void odps_http_free(struct odps_http *h);

/* Send req on h and read the whole response into resp (emptied first).
 * 0 when a response came, whatever its status. -1 with err when none did:
 * code 3 (transient: refused, reset, timed out, nothing received), 2
 * (unknown host, bad URL, unreadable CA file) or 1 (the server's
 * certificate is not trusted, a response over max_body); the message
 * names the method and URL and libcurl's reason. */
int odps_http_do(struct odps_http *h, const struct odps_http_req *req, struct odps_http_resp *resp,
		 struct mc_err *err);
void odps_http_resp_free(struct odps_http_resp *r);

/* odps_http_do in two halves: set up req on h's easy handle (resp
 * emptied; x holds what the transfer needs), and after the caller has
 * performed it (curl_easy_perform, or a multi handle) with result cc (a
 * CURLcode), what odps_http_do returns. finish frees what setup made,
 * whatever cc; setup failing (-1, out of memory) leaves nothing to free. */
int odps_http_setup(struct odps_http *h, const struct odps_http_req *req,
		    struct odps_http_resp *resp, struct odps_http_xfer *x, struct mc_err *err);
int odps_http_finish(struct odps_http *h, struct odps_http_xfer *x, int cc, struct mc_err *err);

/* The value of header name (case-insensitive) in r, trimmed, into out
 * (NUL-terminated, cut to outsz - 1). 1 if present, else 0. */
int odps_http_header(const struct odps_http_resp *r, const char *name, char *out, size_t outsz);

#endif
