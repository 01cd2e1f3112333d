/* http.c: the HTTP client over libcurl (http.h). */
#include "odps/http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/alloc.h"

#define xfer odps_http_xfer

int odps_http_init(struct odps_http *h, const struct odps_http_opts *o, struct mc_err *err)
{
	memset(h, 0, sizeof *h);
	if (o)
		h->o = *o;
	if (!h->o.connect_timeout_ms)
		h->o.connect_timeout_ms = 10000;
	if (!h->o.timeout_ms)
		h->o.timeout_ms = 300000;
	if (!h->o.max_body)
		h->o.max_body = (size_t)64 << 20;
	if (h->o.ca_file && access(h->o.ca_file, R_OK) != 0) {
		mc_errnof(err, errno, "--ca-file: '%s'", h->o.ca_file);
		err->code = MC_EXIT_USAGE;
		return -1;
	}
	/* curl_global_init is done once by libcurl on the first easy handle
	 * (7.84+ makes it thread-safe). */
	if (!(h->curl = curl_easy_init()))
		return mc_errf(err, MC_EXIT_DATA, "libcurl: cannot make a handle");
	return 0;
}

void odps_http_free(struct odps_http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
}

void odps_http_resp_free(struct odps_http_resp *r)
{
	buf_free(&r->headers);
	buf_free(&r->body);
	r->status = 0;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = sz * n;
	if (x->resp->body.len + len > x->max_body) {
		x->too_big = 1;
		return 0;
	}
	if (buf_add(&x->resp->body, p, len) < 0)
		return 0;
	return len;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = sz * n;
	/* A new status line (after 100 Continue, or a redirect): keep only
	 * the headers of the final response. */
	if (len >= 5 && !memcmp(p, "HTTP/", 5))
		x->resp->headers.len = 0;
	if (buf_add(&x->resp->headers, p, len) < 0)
		return 0;
	return len;
}

static size_t on_read(char *p, size_t sz, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = sz * n, left = x->body_len - x->sent;
	if (len > left)
		len = left;
	if (len)
		memcpy(p, x->body + x->sent, len);
	x->sent += len;
	return len;
}

/* libcurl sends a body again (a reused connection the server had closed,
 * a redirect): from its start. */
static int on_seek(void *ud, curl_off_t off, int origin)
{
	struct xfer *x = ud;
	if (origin != SEEK_SET || off < 0 || (size_t)off > x->body_len)
		return CURL_SEEKFUNC_CANTSEEK;
	x->sent = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

/* What a failed transfer means for the caller. */
static int curl_exit(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_SSL_CACERT_BADFILE:
		return MC_EXIT_USAGE;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_AGAIN:
		return MC_EXIT_TRANSIENT;
	default:
		return MC_EXIT_DATA;
	}
}

static int add_header(struct curl_slist **l, const char *name, const char *value)
{
	char line[8192];
	int n = snprintf(line, sizeof line, "%s: %s", name, value ? value : "");
	if (n < 0 || (size_t)n >= sizeof line)
		return -1;
	if (!value || !*value) /* "Name;" sends an empty header in libcurl */
		snprintf(line, sizeof line, "%s;", name);
	struct curl_slist *t = curl_slist_append(*l, line);
	explicit_bzero(line, sizeof line);
	if (!t)
		return -1;
	*l = t;
	return 0;
}

int odps_http_setup(struct odps_http *h, const struct odps_http_req *req,
		    struct odps_http_resp *resp, struct xfer *x, struct mc_err *err)
{
	CURL *c = h->curl;
	struct curl_slist *hl = NULL;
	int has_ctype = 0;

	memset(x, 0, sizeof *x);
	x->resp = resp;
	x->body = req->body;
	x->body_len = req->body_len;
	x->max_body = h->o.max_body;
	snprintf(x->method, sizeof x->method, "%s", req->method);
	resp->status = 0;
	resp->headers.len = resp->body.len = 0;
	curl_easy_reset(c); /* options only: the open connection is kept */
	for (size_t i = 0; i < req->nheaders; i++) {
		if (!strcasecmp(req->headers[i].name, "Content-Type"))
			has_ctype = 1;
		if (add_header(&hl, req->headers[i].name, req->headers[i].value) < 0)
			goto oom;
	}
	/* Nothing libcurl would add on its own may reach the server
	 * unsigned: no default Content-Type on POST, no Expect. */
	if ((!has_ctype && !(hl = curl_slist_append(hl, "Content-Type:"))) ||
	    !(hl = curl_slist_append(hl, "Expect:")))
		goto oom;
	if (req->chunked && !(hl = curl_slist_append(hl, "Transfer-Encoding: chunked")))
		goto oom;
	if (!(x->url = mc_strdup(req->url)))
		goto oom;
	x->headers = hl;

	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->o.connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->o.timeout_ms);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->o.ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, h->o.ca_file);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, x);
	curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
	curl_easy_setopt(c, CURLOPT_SEEKDATA, x);
	if (!strcmp(req->method, "GET")) {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(req->method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(req->method, "PUT")) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		if (!req->chunked)
			curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
	} else if (!strcmp(req->method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		if (!req->chunked)
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	}
	h->errbuf[0] = '\0';
	return 0;
oom:
	curl_slist_free_all(hl);
	memset(x, 0, sizeof *x);
	return mc_oom(err, "an HTTP request");
}

int odps_http_finish(struct odps_http *h, struct xfer *x, int cc, struct mc_err *err)
{
	int rc = -1;
	if (x->too_big) {
		mc_errf(err, MC_EXIT_DATA, "%s %s: response body over %zu bytes", x->method, x->url,
			h->o.max_body);
	} else if (cc != CURLE_OK) {
		mc_errf(err, curl_exit((CURLcode)cc), "%s %s: %s (curl error %d)", x->method, x->url,
			h->errbuf[0] ? h->errbuf : curl_easy_strerror((CURLcode)cc), cc);
	} else {
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &x->resp->status);
		rc = 0;
	}
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(x->headers);
	free(x->url);
	x->headers = NULL;
	x->url = NULL;
	return rc;
}

int odps_http_do(struct odps_http *h, const struct odps_http_req *req, struct odps_http_resp *resp,
		 struct mc_err *err)
{
	struct xfer x;
	if (odps_http_setup(h, req, resp, &x, err) < 0)
		return -1;
	return odps_http_finish(h, &x, (int)curl_easy_perform(h->curl), err);
}

int odps_http_header(const struct odps_http_resp *r, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name), i = 0;
	const char *p = r->headers.p;

	while (i < r->headers.len) {
		size_t e = i;
		while (e < r->headers.len && p[e] != '\n')
			e++;
		if (e - i > nl && p[i + nl] == ':' && !strncasecmp(p + i, name, nl)) {
			size_t a = i + nl + 1, b = e;
			while (a < b && (p[a] == ' ' || p[a] == '\t'))
				a++;
			while (b > a && (p[b - 1] == '\r' || p[b - 1] == ' ' || p[b - 1] == '\t'))
				b--;
			if (outsz) {
				size_t k = b - a < outsz - 1 ? b - a : outsz - 1;
				memcpy(out, p + a, k);
				out[k] = '\0';
			}
			return 1;
		}
		i = e + 1;
	}
	return 0;
}
