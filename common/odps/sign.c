/* sign.c: request signing v2 of MaxCompute (sign.h). */
#include "odps/sign.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/alloc.h"
#include "base/b64.h"

/* A line of the x-odps- part: the name lower-cased (owned), the value. */
struct xline {
	char *name;
	const char *value;
};

static int cmp_xline(const void *a, const void *b)
{
	return strcmp(((const struct xline *)a)->name, ((const struct xline *)b)->name);
}

static int cmp_param(const void *a, const void *b)
{
	const struct odps_kv *x = *(const struct odps_kv *const *)a;
	const struct odps_kv *y = *(const struct odps_kv *const *)b;
	return strcmp(x->name, y->name);
}

static int has_break(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

static char *lower_dup(const char *s)
{
	char *d = mc_strdup(s);
	if (d)
		for (char *p = d; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	return d;
}

static void free_lines(struct xline *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(x[i].name);
	free(x);
}

int odps_string_to_sign(const struct odps_sreq *r, struct mc_buf *out, struct mc_err *err)
{
	const char *md5 = NULL, *ctype = NULL, *date = NULL;
	struct xline *x = NULL;
	size_t nx = 0, capx = 0;
	const struct odps_kv **ps = NULL;
	int rc = -1;

	if (!r->method || !*r->method || has_break(r->method))
		return mc_errf(err, MC_EXIT_DATA, "signing: no HTTP method");
	if (!r->resource || r->resource[0] != '/' || has_break(r->resource))
		return mc_errf(err, MC_EXIT_DATA, "signing: resource '%s' does not start with '/'",
			       r->resource ? r->resource : "");
	for (size_t i = 0; i < r->nheaders; i++) {
		const struct odps_kv *h = &r->headers[i];
		const char **slot = NULL;
		if (has_break(h->name) || has_break(h->value)) {
			mc_errf(err, MC_EXIT_DATA, "signing: header '%s' holds a line break",
				h->name);
			goto out;
		}
		if (!strcasecmp(h->name, "Content-MD5"))
			slot = &md5;
		else if (!strcasecmp(h->name, "Content-Type"))
			slot = &ctype;
		else if (!strcasecmp(h->name, "Date"))
			slot = &date;
		if (slot) {
			if (*slot) {
				mc_errf(err, MC_EXIT_DATA, "signing: header '%s' given twice",
					h->name);
				goto out;
			}
			*slot = h->value ? h->value : "";
			continue;
		}
		if (strncasecmp(h->name, "x-odps-", 7) != 0)
			continue;
		if (mc_push(&x, &nx, &capx, sizeof *x) < 0 ||
		    !(x[nx - 1].name = lower_dup(h->name))) {
			mc_oom(err, "the string to sign");
			goto out;
		}
		x[nx - 1].value = h->value ? h->value : "";
	}
	if (!date) {
		mc_errf(err, MC_EXIT_DATA, "signing: the request has no Date header");
		goto out;
	}
	if (r->nparams && mc_resize(&ps, r->nparams, sizeof *ps) < 0) {
		mc_oom(err, "the string to sign");
		goto out;
	}
	for (size_t i = 0; i < r->nparams; i++) {
		const struct odps_kv *p = &r->params[i];
		ps[i] = p;
		if (!p->name || !*p->name || has_break(p->name) || has_break(p->value)) {
			mc_errf(err, MC_EXIT_DATA, "signing: query parameter '%s' is empty or "
				"holds a line break", p->name ? p->name : "");
			goto out;
		}
		/* Query parameters named x-odps-* are signed as headers too
		 * (case-sensitive prefix, as both SDKs do). */
		if (strncmp(p->name, "x-odps-", 7) == 0) {
			if (mc_push(&x, &nx, &capx, sizeof *x) < 0 ||
			    !(x[nx - 1].name = mc_strdup(p->name))) {
				mc_oom(err, "the string to sign");
				goto out;
			}
			x[nx - 1].value = p->value ? p->value : "";
		}
	}
	if (r->nparams)
		qsort(ps, r->nparams, sizeof *ps, cmp_param);
	for (size_t i = 1; i < r->nparams; i++)
		if (!strcmp(ps[i - 1]->name, ps[i]->name)) {
			mc_errf(err, MC_EXIT_DATA, "signing: query parameter '%s' given twice",
				ps[i]->name);
			goto out;
		}
	if (nx)
		qsort(x, nx, sizeof *x, cmp_xline);
	for (size_t i = 1; i < nx; i++)
		if (!strcmp(x[i - 1].name, x[i].name)) {
			mc_errf(err, MC_EXIT_DATA, "signing: '%s' given twice (header or query)",
				x[i].name);
			goto out;
		}
	if (buf_adds(out, r->method) < 0 || buf_addc(out, '\n') < 0 ||
	    buf_adds(out, md5 ? md5 : "") < 0 || buf_addc(out, '\n') < 0 ||
	    buf_adds(out, ctype ? ctype : "") < 0 || buf_addc(out, '\n') < 0 ||
	    buf_adds(out, date) < 0 || buf_addc(out, '\n') < 0)
		goto oom;
	for (size_t i = 0; i < nx; i++)
		if (buf_adds(out, x[i].name) < 0 || buf_addc(out, ':') < 0 ||
		    buf_adds(out, x[i].value) < 0 || buf_addc(out, '\n') < 0)
			goto oom;
	if (buf_adds(out, r->resource) < 0)
		goto oom;
	for (size_t i = 0; i < r->nparams; i++) {
		if (buf_addc(out, i ? '&' : '?') < 0 || buf_adds(out, ps[i]->name) < 0)
			goto oom;
		if (ps[i]->value && *ps[i]->value &&
		    (buf_addc(out, '=') < 0 || buf_adds(out, ps[i]->value) < 0))
			goto oom;
	}
	rc = 0;
	goto out;
oom:
	mc_oom(err, "the string to sign");
out:
	free_lines(x, nx);
	free(ps);
	return rc;
}

int odps_hmac_sha1_b64(const char *key, size_t keylen, const void *msg, size_t n, char out[29],
		       struct mc_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (keylen > (size_t)0x7fffffff ||
	    !HMAC(EVP_sha1(), key, (int)keylen, msg, n, md, &mdlen) || mdlen != 20)
		return mc_errf(err, MC_EXIT_DATA, "signing: HMAC-SHA1 failed (libcrypto)");
	out[b64_encode(out, md, mdlen)] = '\0';
	return 0;
}

int odps_sign_v2(const struct odps_sreq *r, const char *access_id, const char *access_key,
		 struct mc_buf *auth, struct mc_err *err)
{
	struct mc_buf s = { 0 };
	char sig[29];
	int rc = -1;

	if (!access_id || !*access_id || !access_key || !*access_key)
		return mc_errf(err, MC_EXIT_USAGE, "signing: no access key");
	if (odps_string_to_sign(r, &s, err) < 0)
		goto out;
	if (odps_hmac_sha1_b64(access_key, strlen(access_key), s.p, s.len, sig, err) < 0)
		goto out;
	if (buf_addf(auth, "ODPS %s:%s", access_id, sig) < 0) {
		mc_oom(err, "the Authorization header");
		goto out;
	}
	rc = 0;
out:
	buf_free(&s);
	return rc;
}

int odps_http_date(time_t t, char out[32])
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char mons[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (!gmtime_r(&t, &tm) || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11 || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return -1;
	snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
		 mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return 0;
}
