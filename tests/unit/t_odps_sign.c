/* t_odps_sign: request signing v2 of MaxCompute (common/odps/sign.c) and
 * the URLs the requests are sent to (common/odps/endpoint.c).
 *
 * The vectors are data copied from the protocol notes
 * (maxcompute-tunnel.md): the three worked examples of §4.2 with their
 * Authorization values, and every request of Appendix C (pyodps 0.13.1's
 * loopback capture: method, endpoint, path and query as sent, headers as
 * listed there, with a fixed Date and our x-odps-user-agent, which the
 * capture leaves out). The Authorization of each Appendix C request is what
 * pyodps 0.13.1's own signer (odps/accounts.py CloudAccount.sign_request)
 * computes for exactly that request with the key of §4.2; three more cover a
 * schema path, Content-MD5 and an x-odps- query parameter the same way. The
 * made-up key is the one of §4.2. */
#define TAP_NAME "t_odps_sign"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

#include "odps/endpoint.h"
#include "odps/sign.h"

#define ID "LTAI5tExampleAccessId"
#define KEY "ExampleSecretKey0123456789abcdef"
#define DATE "Tue, 02 Jan 2024 03:04:05 GMT"
#define UA "mcsync/0.1.0"
#define UPID "20240101000000abcdef0123456789ab"
#define IID "20240102030405123gabcdefg"

struct vec {
	const char *what;
	const char *method;
	const char *endpoint; /* base URL: the resource is relative to it */
	const char *resource;
	struct odps_kv params[8];
	struct odps_kv headers[10];
	const char *url;  /* as sent (endpoint + encoded path + query) */
	const char *s2s;  /* NULL: not given by the source */
	const char *auth;
};

#define TUN_HDRS                                                                  \
	{ "Date", DATE }, { "x-odps-user-agent", UA }, { "odps-tunnel-date-transform", "v1" }, \
		{ "odps-tunnel-sdk-support-schema-evolution", "true" },                    \
		{ "x-odps-tunnel-version", "6" }

static const struct vec vecs[] = {
	/* §4.2 worked example 1: block PUT to the tunnel. */
	{ "§4.2 example 1 (block PUT)", "PUT", "http://dt.cn-hangzhou.maxcompute.aliyun.com",
	  "/projects/my_proj/tables/my_table",
	  { { "uploadid", "202401020304051a2b3c0b0c0d0e0f" }, { "blockid", "0" },
	    { "partition", "ds=20240101,hh=03" }, { "curr_project", "my_proj" } },
	  { { "Content-Type", "application/octet-stream" }, { "Transfer-Encoding", "chunked" },
	    { "Content-Encoding", "deflate" }, { "Date", DATE }, { "x-odps-tunnel-version", "6" },
	    { "x-odps-user-agent", "mc-tunnel-put/0.1" } },
	  "http://dt.cn-hangzhou.maxcompute.aliyun.com/projects/my_proj/tables/my_table?uploadid=202401020304051a2b3c0b0c0d0e0f&blockid=0&partition=ds%3D20240101%2Chh%3D03&curr_project=my_proj",
	  "PUT\n\napplication/octet-stream\n" DATE "\nx-odps-tunnel-version:6\nx-odps-user-agent:mc-tunnel-put/0.1\n/projects/my_proj/tables/my_table?blockid=0&curr_project=my_proj&partition=ds=20240101,hh=03&uploadid=202401020304051a2b3c0b0c0d0e0f",
	  "ODPS " ID ":tiIKFtkycHwZqY4256JcKNuwJBw=" },
	/* §4.2 worked example 2: create session. */
	{ "§4.2 example 2 (create session)", "POST", "http://dt.cn-hangzhou.maxcompute.aliyun.com",
	  "/projects/my_proj/tables/my_table",
	  { { "uploads", NULL }, { "partition", "ds=20240101,hh=03" }, { "curr_project", "my_proj" } },
	  { { "Content-Length", "0" }, { "Date", DATE }, { "x-odps-tunnel-version", "6" },
	    { "x-odps-user-agent", "mc-tunnel-put/0.1" } },
	  "http://dt.cn-hangzhou.maxcompute.aliyun.com/projects/my_proj/tables/my_table?uploads&partition=ds%3D20240101%2Chh%3D03&curr_project=my_proj",
	  "POST\n\n\n" DATE "\nx-odps-tunnel-version:6\nx-odps-user-agent:mc-tunnel-put/0.1\n/projects/my_proj/tables/my_table?curr_project=my_proj&partition=ds=20240101,hh=03&uploads",
	  "ODPS " ID ":eGpQa14Bl9vk0ht1gKHotVSYZBo=" },
	/* §4.2 worked example 3: tunnel discovery (/api not signed). */
	{ "§4.2 example 3 (discovery)", "GET", "http://service.cn-hangzhou.maxcompute.aliyun.com/api",
	  "/projects/my_proj/tunnel", { { "service", NULL }, { "curr_project", "my_proj" } },
	  { { "Date", DATE }, { "x-odps-user-agent", "mc-tunnel-put/0.1" } },
	  "http://service.cn-hangzhou.maxcompute.aliyun.com/api/projects/my_proj/tunnel?service&curr_project=my_proj",
	  "GET\n\n\n" DATE "\nx-odps-user-agent:mc-tunnel-put/0.1\n/projects/my_proj/tunnel?curr_project=my_proj&service",
	  "ODPS " ID ":o1DTlaZNWN7LHjlt228amaUMpqs=" },
	/* Appendix C, in the order pyodps sent them. */
	{ "App. C 1: GET tunnel?service", "GET", "http://127.0.0.1:18765/api", "/projects/p1/tunnel",
	  { { "service", NULL }, { "curr_project", "p1" } }, { { "Date", DATE }, { "x-odps-user-agent", UA } },
	  "http://127.0.0.1:18765/api/projects/p1/tunnel?service&curr_project=p1",
	  "GET\n\n\n" DATE "\nx-odps-user-agent:" UA "\n/projects/p1/tunnel?curr_project=p1&service",
	  "ODPS " ID ":onf5mC5aO8/Jhh4q+F1wAmhvF08=" },
	{ "App. C 2: POST uploads", "POST", "http://127.0.0.1:18765", "/projects/p1/tables/t1",
	  { { "reload", "False" }, { "partition", "ds=20240101" }, { "uploads", "1" }, { "curr_project", "p1" } },
	  { TUN_HDRS, { "Content-Length", "0" } },
	  "http://127.0.0.1:18765/projects/p1/tables/t1?reload=False&partition=ds%3D20240101&uploads=1&curr_project=p1",
	  "POST\n\n\n" DATE "\nx-odps-tunnel-version:6\nx-odps-user-agent:" UA "\n/projects/p1/tables/t1?curr_project=p1&partition=ds=20240101&reload=False&uploads=1",
	  "ODPS " ID ":zJLelxOdjf5xr0AOuDRPpbhtQjA=" },
	{ "App. C 3: PUT blockid=0", "PUT", "http://127.0.0.1:18765", "/projects/p1/tables/t1",
	  { { "uploadid", UPID }, { "partition", "ds=20240101" }, { "blockid", "0" }, { "curr_project", "p1" } },
	  { TUN_HDRS, { "Transfer-Encoding", "chunked" }, { "Content-Type", "application/octet-stream" } },
	  "http://127.0.0.1:18765/projects/p1/tables/t1?uploadid=" UPID "&partition=ds%3D20240101&blockid=0&curr_project=p1",
	  "PUT\n\napplication/octet-stream\n" DATE "\nx-odps-tunnel-version:6\nx-odps-user-agent:" UA "\n/projects/p1/tables/t1?blockid=0&curr_project=p1&partition=ds=20240101&uploadid=" UPID,
	  "ODPS " ID ":GWrAmmmGg6N2m5owk8Y70xLkrAI=" },
	{ "App. C 4: PUT blockid=1 deflate", "PUT", "http://127.0.0.1:18765", "/projects/p1/tables/t1",
	  { { "uploadid", UPID }, { "partition", "ds=20240101" }, { "blockid", "1" }, { "curr_project", "p1" } },
	  { TUN_HDRS, { "Transfer-Encoding", "chunked" }, { "Content-Type", "application/octet-stream" },
	    { "Content-Encoding", "deflate" } },
	  "http://127.0.0.1:18765/projects/p1/tables/t1?uploadid=" UPID "&partition=ds%3D20240101&blockid=1&curr_project=p1",
	  NULL, "ODPS " ID ":yNMGSibYPv4GxRQdM5AG1QVSBuQ=" },
	{ "App. C 5: GET reload", "GET", "http://127.0.0.1:18765", "/projects/p1/tables/t1",
	  { { "reload", "True" }, { "partition", "ds=20240101" }, { "uploadid", UPID }, { "curr_project", "p1" } },
	  { TUN_HDRS, { "Content-Length", "0" } },
	  "http://127.0.0.1:18765/projects/p1/tables/t1?reload=True&partition=ds%3D20240101&uploadid=" UPID "&curr_project=p1",
	  NULL, "ODPS " ID ":3rTQhyVu1CJmHHg6bWhfeVrmWqo=" },
	{ "App. C 6: POST commit", "POST", "http://127.0.0.1:18765", "/projects/p1/tables/t1",
	  { { "uploadid", UPID }, { "partition", "ds=20240101" }, { "curr_project", "p1" } },
	  { TUN_HDRS, { "Content-Length", "0" } },
	  "http://127.0.0.1:18765/projects/p1/tables/t1?uploadid=" UPID "&partition=ds%3D20240101&curr_project=p1",
	  "POST\n\n\n" DATE "\nx-odps-tunnel-version:6\nx-odps-user-agent:" UA "\n/projects/p1/tables/t1?curr_project=p1&partition=ds=20240101&uploadid=" UPID,
	  "ODPS " ID ":z/jy125/5HaHfN45QNSxFhacFsc=" },
	{ "App. C 7: POST instances", "POST", "http://127.0.0.1:18765/api", "/projects/p1/instances",
	  { { "curr_project", "p1" } },
	  { { "Date", DATE }, { "x-odps-user-agent", UA }, { "Content-Type", "application/xml" } },
	  "http://127.0.0.1:18765/api/projects/p1/instances?curr_project=p1",
	  "POST\n\napplication/xml\n" DATE "\nx-odps-user-agent:" UA "\n/projects/p1/instances?curr_project=p1",
	  "ODPS " ID ":AizJAqPS98X2Tzd6C4ljQAr/aLM=" },
	{ "App. C 8: GET instance", "GET", "http://127.0.0.1:18765/api", "/projects/p1/instances/" IID,
	  { { "curr_project", "p1" } }, { { "Date", DATE }, { "x-odps-user-agent", UA } },
	  "http://127.0.0.1:18765/api/projects/p1/instances/" IID "?curr_project=p1", NULL,
	  "ODPS " ID ":UE1HNDN5K/zu30D3U9o7WBfGka0=" },
	{ "App. C 9: GET taskstatus", "GET", "http://127.0.0.1:18765/api", "/projects/p1/instances/" IID,
	  { { "taskstatus", NULL }, { "curr_project", "p1" } }, { { "Date", DATE }, { "x-odps-user-agent", UA } },
	  "http://127.0.0.1:18765/api/projects/p1/instances/" IID "?taskstatus&curr_project=p1",
	  "GET\n\n\n" DATE "\nx-odps-user-agent:" UA "\n/projects/p1/instances/" IID "?curr_project=p1&taskstatus",
	  "ODPS " ID ":+z16aFoMNgfMLUrvlUqIPXbS/PU=" },
	/* §2.1 three-tier path, §4.1 Content-MD5, §4.2 x-odps- query
	 * parameter and a header name in mixed case (signed by pyodps). */
	{ "schema path", "POST", "http://127.0.0.1:18765", "/projects/p1/schemas/s1/tables/t1",
	  { { "uploads", NULL }, { "curr_project", "p1" } },
	  { { "Date", DATE }, { "x-odps-user-agent", UA }, { "x-odps-tunnel-version", "6" }, { "Content-Length", "0" } },
	  "http://127.0.0.1:18765/projects/p1/schemas/s1/tables/t1?uploads&curr_project=p1", NULL,
	  "ODPS " ID ":w+UHEmkF2rt/9yOBgFlw9Opz/Zo=" },
	{ "Content-MD5", "POST", "http://127.0.0.1:18765/api", "/projects/p1/instances",
	  { { "curr_project", "p1" } },
	  { { "Date", DATE }, { "x-odps-user-agent", UA }, { "Content-Type", "application/xml" },
	    { "Content-MD5", "9e107d9d372bb6826bd81d3542a419d6" } },
	  "http://127.0.0.1:18765/api/projects/p1/instances?curr_project=p1",
	  "POST\n9e107d9d372bb6826bd81d3542a419d6\napplication/xml\n" DATE "\nx-odps-user-agent:" UA "\n/projects/p1/instances?curr_project=p1",
	  "ODPS " ID ":/0qMKyIqPALulV06IpsEBKtA3nE=" },
	{ "x-odps- query parameter", "GET", "http://127.0.0.1:18765/api", "/projects/p1/tables/t1",
	  { { "x-odps-trace", "abc" }, { "curr_project", "p1" } },
	  { { "Date", DATE }, { "X-Odps-User-Agent", UA } },
	  "http://127.0.0.1:18765/api/projects/p1/tables/t1?x-odps-trace=abc&curr_project=p1",
	  "GET\n\n\n" DATE "\nx-odps-trace:abc\nx-odps-user-agent:" UA "\n/projects/p1/tables/t1?curr_project=p1&x-odps-trace=abc",
	  "ODPS " ID ":+L7GzIc//tIhVx9HFA42fvboQo4=" },
};

static size_t count(const struct odps_kv *kv, size_t max)
{
	size_t n = 0;
	while (n < max && kv[n].name)
		n++;
	return n;
}

static void vectors(void)
{
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		const struct vec *v = &vecs[i];
		struct odps_sreq r = { v->method, v->resource, v->params, count(v->params, 8),
				       v->headers, count(v->headers, 10) };
		struct mc_buf s = { 0 }, a = { 0 }, u = { 0 };
		struct mc_err err = { 0 };
		char what[160];

		snprintf(what, sizeof what, "%s: URL", v->what);
		odps_url(&u, v->endpoint, v->resource, r.params, r.nparams);
		buf_addc(&u, '\0');
		tap_check(!strcmp(u.p, v->url), what, "got %s", u.p);
		if (v->s2s) {
			snprintf(what, sizeof what, "%s: string to sign", v->what);
			int rc = odps_string_to_sign(&r, &s, &err);
			buf_addc(&s, '\0');
			tap_check(rc == 0 && !strcmp(s.p, v->s2s), what, "got '%s' (%s)", s.p, err.msg);
		}
		snprintf(what, sizeof what, "%s: Authorization", v->what);
		int rc = odps_sign_v2(&r, ID, KEY, &a, &err);
		buf_addc(&a, '\0');
		tap_check(rc == 0 && !strcmp(a.p, v->auth), what, "got '%s' (%s)", a.p, err.msg);
		tap_check(!strstr(a.p, KEY), "Authorization holds no secret", "%s", a.p);
		buf_free(&s);
		buf_free(&a);
		buf_free(&u);
	}
}

/* What cannot be signed exactly is refused, never signed approximately. */
static void refusals(void)
{
	static const struct odps_kv nodate[] = { { "x-odps-user-agent", UA } };
	static const struct odps_kv date[] = { { "Date", DATE } };
	static const struct odps_kv twodates[] = { { "Date", DATE }, { "date", DATE } };
	static const struct odps_kv broken[] = { { "Date", DATE }, { "x-odps-a", "1\nPUT" } };
	static const struct odps_kv dup[] = { { "a", "1" }, { "a", "2" } };
	static const struct odps_kv xdup[] = { { "x-odps-a", "1" } };
	static const struct odps_kv xhdr[] = { { "Date", DATE }, { "X-ODPS-A", "1" } };
	struct {
		const char *what, *resource;
		const struct odps_kv *p, *h;
		size_t np, nh;
		const char *msg;
	} c[] = {
		{ "no Date", "/x", NULL, nodate, 0, 1, "no Date header" },
		{ "two Dates", "/x", NULL, twodates, 0, 2, "given twice" },
		{ "line break in a header", "/x", NULL, broken, 0, 2, "line break" },
		{ "a parameter twice", "/x", dup, date, 2, 1, "'a' given twice" },
		{ "x-odps- as header and parameter", "/x", xdup, xhdr, 1, 2, "'x-odps-a' given twice" },
		{ "relative resource", "x", NULL, date, 0, 1, "does not start with '/'" },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct odps_sreq r = { "GET", c[i].resource, c[i].p, c[i].np, c[i].h, c[i].nh };
		struct mc_buf a = { 0 };
		struct mc_err err = { 0 };
		int rc = odps_sign_v2(&r, ID, KEY, &a, &err);
		tap_check(rc < 0 && err.code == MC_EXIT_DATA && strstr(err.msg, c[i].msg) &&
				  !strstr(err.msg, KEY),
			  c[i].what, "rc %d code %d '%s'", rc, err.code, err.msg);
		buf_free(&a);
	}
}

static void dates(void)
{
	char d[32];
	tap_check(odps_http_date(1704164645, d) == 0 && !strcmp(d, DATE), "HTTP date", "got %s", d);
	tap_check(odps_http_date(0, d) == 0 && !strcmp(d, "Thu, 01 Jan 1970 00:00:00 GMT"),
		  "HTTP date at the epoch", "got %s", d);
}

/* RFC 2202 test case 2 of HMAC-SHA1: the primitive under the signature. */
static void hmac(void)
{
	char out[29];
	struct mc_err err = { 0 };
	tap_check(odps_hmac_sha1_b64("Jefe", 4, "what do ya want for nothing?", 28, out, &err) == 0 &&
			  !strcmp(out, "7/zfauXrL6LSdBbV8YTfnCWafHk="),
		  "HMAC-SHA1 (RFC 2202 case 2)", "got %s", out);
}

int main(void)
{
	vectors();
	refusals();
	dates();
	hmac();
	return tap_done();
}
