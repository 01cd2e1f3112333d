/* httperr.c: error bodies and the retry policy (httperr.h). */
#include "odps/httperr.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Copy s[0..n) into out as one printable line. */
static void put_line(char *out, size_t outsz, const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < outsz; i++) {
		unsigned char c = (unsigned char)s[i];
		out[k++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[k] = '\0';
}

/* JSON: a string at body[*i] ('"' there) unescaped into out (clipped);
 * \uXXXX becomes '?'. 0, or -1 when it does not end. */
static int json_str(const char *b, size_t n, size_t *i, char *out, size_t outsz)
{
	size_t k = 0;
	(*i)++;
	while (*i < n) {
		char c = b[(*i)++];
		if (c == '"') {
			if (outsz)
				out[k] = '\0';
			return 0;
		}
		if (c == '\\') {
			if (*i >= n)
				return -1;
			c = b[(*i)++];
			switch (c) {
			case 'n': case 'r': case 't': case 'b': case 'f': c = ' '; break;
			case 'u':
				if (n - *i < 4)
					return -1;
				*i += 4;
				c = '?';
				break;
			default: break;
			}
		}
		if (outsz && k + 1 < outsz)
			out[k++] = ((unsigned char)c < 0x20) ? ' ' : c;
	}
	return -1;
}

/* Skip one JSON value at b[*i] (after whitespace). 0 or -1. */
static int json_skip(const char *b, size_t n, size_t *i, int depth)
{
	char tmp[1];
	if (depth > 32 || *i >= n)
		return -1;
	if (b[*i] == '"')
		return json_str(b, n, i, tmp, 0);
	if (b[*i] == '{' || b[*i] == '[') {
		char close = b[*i] == '{' ? '}' : ']';
		(*i)++;
		while (*i < n) {
			while (*i < n && strchr(" \t\r\n,:", b[*i]))
				(*i)++;
			if (*i < n && b[*i] == close) {
				(*i)++;
				return 0;
			}
			if (json_skip(b, n, i, depth + 1) < 0)
				return -1;
		}
		return -1;
	}
	while (*i < n && !strchr(" \t\r\n,:}]", b[*i]))
		(*i)++;
	return 0;
}

static void ws(const char *b, size_t n, size_t *i)
{
	while (*i < n && strchr(" \t\r\n", b[*i]))
		(*i)++;
}

static int parse_json(const char *b, size_t n, size_t i, struct odps_error *e)
{
	int found = 0;
	i++; /* '{' */
	for (;;) {
		char key[32], val[512];
		ws(b, n, &i);
		if (i >= n || b[i] != '"')
			return found;
		if (json_str(b, n, &i, key, sizeof key) < 0)
			return found;
		ws(b, n, &i);
		if (i >= n || b[i] != ':')
			return found;
		i++;
		ws(b, n, &i);
		if (i >= n)
			return found;
		if (b[i] == '"') {
			if (json_str(b, n, &i, val, sizeof val) < 0)
				return found;
		} else {
			size_t a = i;
			if (json_skip(b, n, &i, 0) < 0)
				return found;
			put_line(val, sizeof val, b + a, i - a < 64 ? i - a : 64);
		}
		if (!strcmp(key, "Code")) {
			put_line(e->code, sizeof e->code, val, strlen(val));
			found = 1;
		} else if (!strcmp(key, "Message")) {
			put_line(e->message, sizeof e->message, val, strlen(val));
			found = 1;
		} else if (!strcmp(key, "RequestId")) {
			put_line(e->request_id, sizeof e->request_id, val, strlen(val));
		} else if (!strcmp(key, "HoldClientMillis")) {
			long v = 0;
			for (const char *p = val; *p >= '0' && *p <= '9' && v < 100000000; p++)
				v = v * 10 + (*p - '0');
			e->hold_ms = v;
		}
		ws(b, n, &i);
		if (i < n && b[i] == ',')
			i++;
		else
			return found;
	}
}

/* XML: the text of the first <tag>...</tag>, entities decoded, a CDATA
 * section taken as is. 1 if found. */
static int xml_text(const char *b, size_t n, const char *tag, char *out, size_t outsz)
{
	char open[40], close[40];
	size_t ol = (size_t)snprintf(open, sizeof open, "<%s>", tag);
	size_t cl = (size_t)snprintf(close, sizeof close, "</%s>", tag);
	const char *s = NULL, *end = b + n;
	for (const char *p = b; p + ol <= end; p++)
		if (!memcmp(p, open, ol)) {
			s = p + ol;
			break;
		}
	if (!s)
		return 0;
	const char *t = NULL;
	for (const char *p = s; p + cl <= end; p++)
		if (!memcmp(p, close, cl)) {
			t = p;
			break;
		}
	if (!t)
		return 0;
	size_t k = 0;
	for (const char *p = s; p < t && k + 1 < outsz;) {
		static const struct { const char *ent; char c; } ents[] = {
			{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' } };
		if (t - p >= 9 && !memcmp(p, "<![CDATA[", 9)) {
			p += 9;
			while (p < t && !(t - p >= 3 && !memcmp(p, "]]>", 3)) && k + 1 < outsz) {
				unsigned char c = (unsigned char)*p++;
				out[k++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
			}
			p = (t - p >= 3) ? p + 3 : t;
			continue;
		}
		size_t j;
		for (j = 0; j < 5; j++) {
			size_t el = strlen(ents[j].ent);
			if ((size_t)(t - p) >= el && !memcmp(p, ents[j].ent, el)) {
				out[k++] = ents[j].c;
				p += el;
				break;
			}
		}
		if (j < 5)
			continue;
		unsigned char c = (unsigned char)*p++;
		out[k++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[k] = '\0';
	return 1;
}

int odps_error_parse(const char *body, size_t n, struct odps_error *e)
{
	size_t i = 0;
	memset(e, 0, sizeof *e);
	if (!body)
		return 0;
	ws(body, n, &i);
	if (i < n && body[i] == '{')
		return parse_json(body, n, i, e);
	if (i < n && body[i] == '<') {
		int c = xml_text(body, n, "Code", e->code, sizeof e->code);
		int m = xml_text(body, n, "Message", e->message, sizeof e->message);
		xml_text(body, n, "RequestId", e->request_id, sizeof e->request_id);
		return c || m;
	}
	return 0;
}

int odps_retryable_status(long st)
{
	return st >= 500 || st == 429 || st == 308;
}

int odps_http_fail(const struct odps_http_resp *r, const char *what, struct mc_err *err)
{
	struct odps_error e;
	char rid[96] = "";
	int code = odps_retryable_status(r->status) ? MC_EXIT_TRANSIENT : MC_EXIT_DATA;

	if (!odps_error_parse(r->body.p, r->body.len, &e)) {
		/* Not an error document: show the start of the body. */
		put_line(e.message, sizeof e.message, r->body.p ? r->body.p : "",
			 r->body.len < 200 ? r->body.len : 200);
	}
	if (!e.request_id[0] && odps_http_header(r, "x-odps-request-id", rid, sizeof rid))
		put_line(e.request_id, sizeof e.request_id, rid, strlen(rid));
	return mc_errf(err, code, "%s: HTTP %ld%s%s%s%s%s%s%s", what, r->status,
		       e.code[0] ? " " : "", e.code, e.message[0] ? ": " : "", e.message,
		       e.request_id[0] ? " (request id " : "", e.request_id,
		       e.request_id[0] ? ")" : "");
}

void odps_retry_start(struct odps_retry *r, double budget_s, double now, uint64_t seed)
{
	memset(r, 0, sizeof *r);
	r->budget_s = budget_s;
	r->start = now;
	r->base_s = odps_retry_first();
	r->cap_s = 64;
	r->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
}

static double rand01(struct odps_retry *r)
{
	/* xorshift64*: enough for jitter. */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return (double)((r->rng * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

double odps_retry_next(struct odps_retry *r, double now, long hold_ms)
{
	double left = r->start + r->budget_s - now, d = r->base_s, hold;
	if (left <= 0)
		return -1;
	for (unsigned i = 0; i < r->tries && d < r->cap_s; i++)
		d *= 2;
	if (d > r->cap_s)
		d = r->cap_s;
	d = d / 2 + rand01(r) * (d / 2);
	hold = (hold_ms > 10000 ? 10000 : hold_ms) / 1000.0;
	if (d < hold)
		d = hold;
	if (d > left)
		d = left;
	r->tries++;
	return d;
}

double odps_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
