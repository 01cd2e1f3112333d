/* sql.c: SQL instances (sql.h). */
#define _GNU_SOURCE /* memmem */
#include "odps/sql.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "base/alloc.h"
#include "base/b64.h"
#include "odps/httperr.h"

static void sleep_s(double s)
{
	struct timespec ts;
	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0)
		;
}

/* -v: "SQL instance ID: what" */
static void say(const struct odps_sql_opts *o, const char *id, const char *what)
{
	if (o->verbose && o->say.fn)
		mc_sayf(&o->say, "SQL instance %s: %s", id, what);
}

/* One service request with the retry policy: a transport failure or a
 * retryable status is tried again within o->retry_s from the first
 * failure (unless once: then it is final, code 3). 0 with a 2xx response;
 * -1 with err naming what. */
static int call(struct odps_client *c, const struct odps_sql_opts *o, const char *what,
		const char *method, const char *res, const struct odps_kv *q, size_t nq,
		const struct odps_kv *h, size_t nh, const char *body, size_t blen, int once,
		struct odps_http_resp *r, struct mc_err *err)
{
	struct odps_retry rt;
	int started = 0;
	for (;;) {
		long hold = 0;
		double wait;
		if (odps_call(c, ODPS_SERVICE, method, res, q, nq, h, nh, body, blen, 0, r, err) < 0) {
			mc_errctx(err, "%s: ", what);
			if (err->code != MC_EXIT_TRANSIENT)
				return -1;
		} else if (r->status / 100 == 2) {
			return 0;
		} else {
			struct odps_error e;
			odps_http_fail(r, what, err);
			if (!odps_retryable_status(r->status))
				return -1;
			if (odps_error_parse(r->body.p, r->body.len, &e))
				hold = e.hold_ms;
		}
		if (once)
			return mc_errctx(err, "(not sent again: it may or may not have run) ");
		if (!started) {
			uint64_t seed = 0;
			if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
				seed = (uint64_t)time(NULL);
			odps_retry_start(&rt, o->retry_s, odps_now(), seed);
			started = 1;
		}
		if ((wait = odps_retry_next(&rt, odps_now(), hold)) < 0)
			return -1; /* err: the last failure, code 3 */
		sleep_s(wait);
	}
}

static int cdata(struct mc_buf *b, const char *q)
{
	/* "]]>" cannot be inside a CDATA section: end it after "]]" and
	 * start a new one before ">" */
	int rc = buf_adds(b, "<![CDATA[");
	const char *p = q, *x;
	while (rc == 0 && (x = strstr(p, "]]>"))) {
		rc |= buf_add(b, p, (size_t)(x - p) + 2);
		rc |= buf_adds(b, "]]><![CDATA[");
		p = x + 2;
	}
	rc |= buf_adds(b, p);
	return rc | buf_adds(b, "]]>");
}

/* The JSON string value of settings: the members are written as they
 * come, escaped for XML. */
static int xml_text(struct mc_buf *b, const char *s)
{
	int rc = 0;
	for (; *s && rc == 0; s++)
		switch (*s) {
		case '<': rc = buf_adds(b, "&lt;"); break;
		case '>': rc = buf_adds(b, "&gt;"); break;
		case '&': rc = buf_adds(b, "&amp;"); break;
		case '"': rc = buf_adds(b, "&quot;"); break;
		default: rc = buf_addc(b, *s); break;
		}
	return rc;
}

int odps_sql_xml(struct mc_buf *b, const char *query, const char *settings, const char *uuid)
{
	int rc = 0;
	size_t n = strlen(query);
	while (n && strchr(" \t\r\n", query[n - 1]))
		n--;
	rc |= buf_adds(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Instance>\n  <Job>\n"
			  "    <Priority>9</Priority>\n    <Tasks>\n      <SQL>\n"
			  "        <Name>AnonymousSQLTask</Name>\n        <Config>\n"
			  "          <Property><Name>settings</Name><Value>{");
	rc |= xml_text(b, ODPS_SQL_SETTINGS);
	if (settings && *settings) {
		rc |= buf_adds(b, ", ");
		rc |= xml_text(b, settings);
	}
	rc |= buf_addf(b, "}</Value></Property>\n          <Property><Name>uuid</Name><Value>%s"
			  "</Value></Property>\n        </Config>\n        <Query>", uuid);
	{
		struct mc_buf q = { 0 };
		rc |= buf_add(&q, query, n);
		if (!n || query[n - 1] != ';')
			rc |= buf_addc(&q, ';');
		rc |= buf_addc(&q, '\0');
		if (rc == 0)
			rc |= cdata(b, q.p);
		buf_free(&q);
	}
	rc |= buf_adds(b, "</Query>\n      </SQL>\n    </Tasks>\n"
			  "    <DAG><RunMode>Sequence</RunMode></DAG>\n  </Job>\n</Instance>\n");
	return rc ? -1 : 0;
}

static int decode_into(struct mc_buf *out, const char *p, const char *t)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' },
		{ "&apos;", '\'' } };
	while (p < t) {
		if (t - p >= 9 && !memcmp(p, "<![CDATA[", 9)) {
			const char *e = p + 9;
			while (e < t && !(t - e >= 3 && !memcmp(e, "]]>", 3)))
				e++;
			if (buf_add(out, p + 9, (size_t)(e - p - 9)) < 0)
				return -1;
			p = e < t ? e + 3 : t;
			continue;
		}
		if (*p == '&') {
			size_t j;
			for (j = 0; j < 5; j++) {
				size_t el = strlen(ents[j].ent);
				if ((size_t)(t - p) >= el && !memcmp(p, ents[j].ent, el))
					break;
			}
			if (j < 5) {
				if (buf_addc(out, ents[j].c) < 0)
					return -1;
				p += strlen(ents[j].ent);
				continue;
			}
			if (t - p >= 4 && p[1] == '#') { /* &#NN; &#xNN; (ASCII only) */
				const char *e = memchr(p, ';', (size_t)(t - p));
				if (e && e - p < 10) {
					unsigned long v = p[2] == 'x' ? strtoul(p + 3, NULL, 16)
								      : strtoul(p + 2, NULL, 10);
					if (v < 128) {
						if (buf_addc(out, (char)v) < 0)
							return -1;
						p = e + 1;
						continue;
					}
				}
			}
		}
		if (buf_addc(out, *p++) < 0)
			return -1;
	}
	return 0;
}

int odps_xml_elem(const char *xml, size_t n, size_t *at, const char *tag, struct mc_buf *out,
		  char *attrs, size_t attrsz)
{
	size_t tl = strlen(tag);
	const char *end = xml + n;
	for (const char *p = xml + *at; p + tl + 2 <= end; p++) {
		if (*p != '<' || memcmp(p + 1, tag, tl) != 0 ||
		    !(p[1 + tl] == '>' || p[1 + tl] == ' ' || p[1 + tl] == '/'))
			continue;
		const char *a = p + 1 + tl, *gt = memchr(a, '>', (size_t)(end - a));
		if (!gt)
			return 0;
		if (attrs && attrsz) {
			size_t k = (size_t)(gt - a) < attrsz - 1 ? (size_t)(gt - a) : attrsz - 1;
			memcpy(attrs, a, k);
			attrs[k] = '\0';
		}
		if (gt[-1] == '/') { /* <tag/> */
			*at = (size_t)(gt + 1 - xml);
			return 1;
		}
		/* the closing tag (no nesting of the same name in these
		 * documents); a CDATA section is skipped whole */
		const char *s = gt + 1, *q = s;
		while (q < end) {
			if (end - q >= 9 && !memcmp(q, "<![CDATA[", 9)) {
				const char *e = q + 9;
				while (e + 3 <= end && memcmp(e, "]]>", 3))
					e++;
				q = e + 3;
				continue;
			}
			if (*q == '<' && q[1] == '/' && (size_t)(end - q) >= tl + 3 &&
			    !memcmp(q + 2, tag, tl) && q[2 + tl] == '>')
				break;
			q++;
		}
		if (q >= end)
			return 0;
		if (decode_into(out, s, q) < 0)
			return -1;
		*at = (size_t)(q + tl + 3 - xml);
		return 1;
	}
	return 0;
}

/* The text of the first <tag> at or after *at into out (a small string). */
static int elem_str(const struct odps_http_resp *r, size_t *at, const char *tag, char *out,
		    size_t outsz, char *attrs, size_t attrsz)
{
	struct mc_buf b = { 0 };
	int rc = odps_xml_elem(r->body.p ? r->body.p : "", r->body.len, at, tag, &b, attrs, attrsz);
	if (rc == 1) {
		size_t k = b.len < outsz - 1 ? b.len : outsz - 1;
		memcpy(out, b.p, k);
		out[k] = '\0';
		/* trim */
		while (k && strchr(" \t\r\n", out[k - 1]))
			out[--k] = '\0';
	}
	buf_free(&b);
	return rc;
}

static int random_uuid(char out[40])
{
	unsigned char u[16];
	if (getrandom(u, sizeof u, 0) != (ssize_t)sizeof u)
		return -1;
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	snprintf(out, 40,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
	return 0;
}

/* The instance id: the last path segment of the Location header. */
static int instance_id(const struct odps_http_resp *r, char *id, size_t idsz, struct mc_err *err)
{
	char loc[1024];
	if (!odps_http_header(r, "Location", loc, sizeof loc))
		return mc_errf(err, MC_EXIT_DATA,
			       "SQL instance: the service answered HTTP %ld without a Location "
			       "header (no instance id)", r->status);
	char *q = strchr(loc, '?');
	if (q)
		*q = '\0';
	size_t n = strlen(loc);
	while (n && loc[n - 1] == '/')
		loc[--n] = '\0';
	char *s = strrchr(loc, '/');
	s = s ? s + 1 : loc;
	if (!*s || strlen(s) >= idsz || strspn(s, "abcdefghijklmnopqrstuvwxyz"
					       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != strlen(s))
		return mc_errf(err, MC_EXIT_DATA,
			       "SQL instance: the Location header does not end in an instance id");
	memcpy(id, s, strlen(s) + 1);
	return 0;
}

/* The instance's own <Status> in a ?taskstatus answer (§8.3: <Instance>
 * <Status>...</Status><Tasks>...</Tasks>), wherever its <Tasks> stands:
 * the tasks' statuses inside <Tasks> are not it. 1 found, 0 not, -1 out
 * of memory. */
static int inst_status(const struct odps_http_resp *r, char *out, size_t outsz)
{
	const char *b = r->body.p ? r->body.p : "";
	size_t n = r->body.len, a = 0;
	const char *t = memmem(b, n, "<Tasks", 6), *e;
	struct odps_http_resp cut = { 0 };
	int rc;
	if (!t)
		return elem_str(r, &a, "Status", out, outsz, NULL, 0);
	e = memmem(t, n - (size_t)(t - b), "</Tasks>", 8);
	if (buf_add(&cut.body, b, (size_t)(t - b)) < 0 ||
	    (e && buf_add(&cut.body, e + 8, n - (size_t)(e + 8 - b)) < 0)) {
		buf_free(&cut.body);
		return -1;
	}
	rc = elem_str(&cut, &a, "Status", out, outsz, NULL, 0);
	buf_free(&cut.body);
	return rc;
}

/* GET the instance resource with one query parameter (NULL: none). */
static int get_inst(struct odps_client *c, const struct odps_sql_opts *o, const char *res,
		    const char *param, const char *what, struct odps_http_resp *r,
		    struct mc_err *err)
{
	struct odps_kv q[1] = { { param, NULL } };
	return call(c, o, what, "GET", res, q, param ? 1 : 0, NULL, 0, NULL, 0, 0, r, err);
}

/* s[0..n) is printable ASCII without spaces (no NUL either) */
static int printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* The Logview host: asked of the service once per client (GET /logview/host,
 * signed), the SDKs' default when the answer is empty or the request
 * fails (pyodps and the Java SDK do the same). NULL: out of memory. */
static const char *logview_host(struct odps_client *c)
{
	struct odps_http_resp r = { 0 };
	struct mc_err e = { 0 };
	const char *h = ODPS_LOGVIEW_DEFAULT;
	size_t n = 0;

	if (c->logview_host)
		return c->logview_host;
	if (odps_call(c, ODPS_SERVICE, "GET", "/logview/host", NULL, 0, NULL, 0, NULL, 0, 0, &r,
		      &e) == 0 &&
	    r.status / 100 == 2 && r.body.p) {
		const char *p = r.body.p;
		n = r.body.len;
		while (n && strchr(" \t\r\n", p[0]))
			p++, n--;
		while (n && strchr(" \t\r\n", p[n - 1]))
			n--;
		/* a host is printable ASCII without spaces; anything else: the default */
		if (n && !printable(p, n))
			n = 0;
		if (n)
			h = p;
	}
	if (n) {
		c->logview_host = malloc(n + 1);
		if (c->logview_host) {
			memcpy(c->logview_host, h, n);
			c->logview_host[n] = '\0';
		}
	} else {
		c->logview_host = strdup(h);
	}
	odps_http_resp_free(&r);
	return c->logview_host;
}

/* -v: "SQL instance ID: Logview URL", the URL as the SDKs form it
 * (docs/maxcompute.md "Logview"): HOST/logview/?h=ENDPOINT&p=PROJECT&i=ID
 * &token=TOKEN, the token a bearer token the service signs for reading
 * this one instance (POST /projects/P/authorization?sign_bearer_token,
 * signed like every request). Nothing here stops the statement: a token
 * request that fails is said instead of the URL. */
static void say_logview(struct odps_client *c, const struct odps_sql_opts *o, const char *id)
{
	static const struct odps_kv q[] = { { "sign_bearer_token", NULL } };
	static const struct odps_kv h[] = { { "Content-Type", "application/json" } };
	struct mc_buf res = { 0 }, body = { 0 }, tok = { 0 }, line = { 0 };
	struct odps_http_resp r = { 0 };
	struct mc_err e = { 0 };
	const char *host, *why = NULL;
	char whybuf[sizeof(struct mc_err) + 32];
	size_t at = 0;

	if (!o->verbose || !o->say.fn)
		return;
	if (!(host = logview_host(c)) ||
	    buf_addf(&res, "/projects/%s/authorization", c->t->project) < 0 ||
	    buf_addc(&res, '\0') < 0 ||
	    buf_addf(&body,
		     "{\"expires_in_hours\": %d, \"policy\": {\"Statement\": [{\"Action\": "
		     "[\"odps:Read\"], \"Effect\": \"Allow\", \"Resource\": "
		     "\"acs:odps:*:projects/%s/instances/%s\"}], \"Version\": \"1\"}}",
		     ODPS_LOGVIEW_HOURS, c->t->project, id) < 0) {
		why = "out of memory";
		goto out;
	}
	if (odps_call(c, ODPS_SERVICE, "POST", res.p, q, 1, h, 1, body.p, body.len, 0, &r, &e) <
	    0) {
		snprintf(whybuf, sizeof whybuf, "the token request: %s", e.msg);
		why = whybuf;
		goto out;
	}
	if (r.status / 100 != 2) {
		odps_http_fail(&r, "the token request", &e);
		why = e.msg;
		goto out;
	}
	if (odps_xml_elem(r.body.p ? r.body.p : "", r.body.len, &at, "Result", &tok, NULL, 0) != 1 ||
	    !tok.len || buf_addc(&tok, '\0') < 0 || !printable(tok.p, tok.len - 1)) {
		why = "the token answer has no <Authorization><Result> with a token of printable "
		      "characters";
		goto out;
	}
	if (buf_addf(&line, "Logview %s/logview/?h=%s&p=%s&i=%s&token=%s", host, c->t->endpoint,
		     c->t->project, id, tok.p) < 0 ||
	    buf_addc(&line, '\0') < 0) {
		why = "out of memory";
		goto out;
	}
	say(o, id, line.p);
out:
	if (why) {
		char msg[sizeof(struct mc_err) + 64];
		snprintf(msg, sizeof msg, "no Logview URL (%s)", why);
		say(o, id, msg);
	}
	odps_http_resp_free(&r);
	buf_free(&res);
	buf_free(&body);
	buf_free(&tok);
	buf_free(&line);
}

int odps_sql_run(struct odps_client *c, const struct odps_sql_opts *o, const char *query,
		 int idempotent, struct mc_buf *out, struct mc_err *err)
{
	struct mc_buf xml = { 0 }, res = { 0 }, txt = { 0 };
	struct odps_http_resp r = { 0 };
	char uuid[40], id[160], what[200], st[64], attrs[128];
	double wait = 0.005, pmax = o->poll_max_s > 0 ? o->poll_max_s : 2;
	size_t at;
	int rc = -1;
	static const struct odps_kv ctype[] = { { "Content-Type", "application/xml" } };

	if (random_uuid(uuid) < 0)
		return mc_errnof(err, errno, "SQL instance: random uuid");
	if (odps_sql_xml(&xml, query, o->settings, uuid) < 0 ||
	    buf_addf(&res, "/projects/%s/instances", c->t->project) < 0 || buf_addc(&res, '\0') < 0) {
		mc_oom(err, "an SQL instance");
		goto out;
	}
	if (call(c, o, "SQL instance: submit", "POST", res.p, NULL, 0, ctype, 1, xml.p, xml.len,
		 !idempotent, &r, err) < 0 ||
	    instance_id(&r, id, sizeof id, err) < 0)
		goto out;
	res.len = 0;
	if (buf_addf(&res, "/projects/%s/instances/%s", c->t->project, id) < 0 ||
	    buf_addc(&res, '\0') < 0) {
		mc_oom(err, "an SQL instance");
		goto out;
	}
	say(o, id, "submitted");
	say_logview(c, o, id);
	snprintf(what, sizeof what, "SQL instance %s", id);
	for (;;) { /* until Terminated: the instance's status and its task's in one answer */
		int f;
		if (get_inst(c, o, res.p, "taskstatus", what, &r, err) < 0)
			goto out;
		f = inst_status(&r, st, sizeof st);
		if (f < 0) {
			mc_oom(err, "an SQL instance");
			goto out;
		}
		if (f != 1) {
			mc_errf(err, MC_EXIT_DATA, "%s: the status answer has no <Status>", what);
			goto out;
		}
		if (!strcasecmp(st, "Terminated"))
			break;
		sleep_s(wait);
		wait = wait * 2 > pmax ? pmax : wait * 2;
	}
	at = 0;
	st[0] = '\0';
	{
		/* the task's <Status>, inside <Task> */
		struct mc_buf task = { 0 };
		int f = odps_xml_elem(r.body.p ? r.body.p : "", r.body.len, &at, "Task", &task, NULL, 0);
		if (f == 1) {
			size_t a2 = 0;
			struct odps_http_resp tr = { 0 };
			tr.body = task;
			f = elem_str(&tr, &a2, "Status", st, sizeof st, NULL, 0);
		}
		buf_free(&task);
		if (f != 1) {
			mc_errf(err, MC_EXIT_DATA, "%s: the task status answer has no <Task><Status>",
				what);
			goto out;
		}
	}
	if (get_inst(c, o, res.p, "result", what, &r, err) < 0)
		goto out;
	at = 0;
	attrs[0] = '\0';
	if (odps_xml_elem(r.body.p ? r.body.p : "", r.body.len, &at, "Result", &txt, attrs,
			  sizeof attrs) < 0) {
		mc_oom(err, "an SQL result");
		goto out;
	}
	if (strstr(attrs, "Transform=\"Base64\"")) {
		size_t nout = 0, errat = 0;
		char *dec = malloc(b64_dec_max(txt.len) + 1);
		if (!dec) {
			mc_oom(err, "an SQL result");
			goto out;
		}
		if (b64_decode(dec, txt.p ? txt.p : "", txt.len, &nout, &errat) < 0) {
			free(dec);
			mc_errf(err, MC_EXIT_DATA, "%s: the result is not base64 (offset %zu)", what,
				errat);
			goto out;
		}
		txt.len = 0;
		if (buf_add(&txt, dec, nout) < 0) {
			free(dec);
			mc_oom(err, "an SQL result");
			goto out;
		}
		free(dec);
	}
	if (strcasecmp(st, "Success") != 0) {
		/* one line: the service's error text */
		size_t n = txt.len;
		char line[400];
		size_t k = 0;
		for (size_t i = 0; i < n && k + 1 < sizeof line; i++) {
			unsigned char ch = (unsigned char)txt.p[i];
			line[k++] = ch < 0x20 ? ' ' : (char)ch;
		}
		while (k && line[k - 1] == ' ')
			k--;
		line[k] = '\0';
		say(o, id, st);
		mc_errf(err, MC_EXIT_DATA, "%s: task %s: %s", what, st, k ? line : "(no error text)");
		goto out;
	}
	say(o, id, "Success");
	if (txt.len && buf_add(out, txt.p, txt.len) < 0) {
		mc_oom(err, "an SQL result");
		goto out;
	}
	rc = 0;
out:
	odps_http_resp_free(&r);
	buf_free(&xml);
	buf_free(&res);
	buf_free(&txt);
	return rc;
}
