/* upload.c: Tunnel upload sessions (upload.h). */
#include "odps/upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/utf8.h"
#include "odps/endpoint.h"
#include "odps/httperr.h"
#include "odps/upload_int.h"

/* ---- the session answer (JSON) ---- */

#define JMAX_DEPTH 32

struct jp {
	const char *b;
	size_t n, i;
	struct mc_err *err;
};

static int jfail(struct jp *j, const char *what)
{
	return mc_errf(j->err, MC_EXIT_DATA, "the upload session answer: offset %zu: %s", j->i,
		       what);
}

static void jws(struct jp *j)
{
	while (j->i < j->n && strchr(" \t\r\n", j->b[j->i]) && j->b[j->i])
		j->i++;
}

static int jlit(struct jp *j, char c)
{
	jws(j);
	if (j->i >= j->n || j->b[j->i] != c)
		return -1;
	j->i++;
	return 0;
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int u4(struct jp *j, unsigned *v)
{
	*v = 0;
	if (j->n - j->i < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		int h = hexv(j->b[j->i + k]);
		if (h < 0)
			return -1;
		*v = *v << 4 | (unsigned)h;
	}
	j->i += 4;
	return 0;
}

/* A JSON string at j (after whitespace) into out (replaced; NUL-terminated,
 * the length without it in out->len). */
static int jstr(struct jp *j, struct mc_buf *out)
{
	out->len = 0;
	if (jlit(j, '"') < 0)
		return jfail(j, "a string expected");
	for (;;) {
		unsigned char c;
		if (j->i >= j->n)
			return jfail(j, "a string does not end");
		c = (unsigned char)j->b[j->i++];
		if (c == '"')
			break;
		if (c < 0x20)
			return jfail(j, "a control character in a string");
		if (c == '\\') {
			unsigned v, lo;
			char u8[4];
			size_t k = 0;
			if (j->i >= j->n)
				return jfail(j, "a string does not end");
			c = (unsigned char)j->b[j->i++];
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				if (u4(j, &v) < 0)
					return jfail(j, "a bad \\u escape");
				if (v >= 0xd800 && v < 0xdc00) {
					if (j->n - j->i < 6 || j->b[j->i] != '\\' || j->b[j->i + 1] != 'u')
						return jfail(j, "a lone surrogate");
					j->i += 2;
					if (u4(j, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
						return jfail(j, "a lone surrogate");
					v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
				} else if (v >= 0xdc00 && v < 0xe000) {
					return jfail(j, "a lone surrogate");
				}
				if (v == 0)
					return jfail(j, "a NUL in a string");
				k += mc_utf8_put(u8 + k, (uint32_t)v);
				if (buf_add(out, u8, k) < 0)
					return mc_oom(j->err, "the session answer");
				continue;
			default:
				return jfail(j, "a bad escape");
			}
		}
		if (buf_addc(out, (char)c) < 0)
			return mc_oom(j->err, "the session answer");
	}
	if (buf_addc(out, '\0') < 0)
		return mc_oom(j->err, "the session answer");
	out->len--;
	return 0;
}

static int jskip(struct jp *j, int depth);

static int jskip_container(struct jp *j, char close, int depth, int obj)
{
	struct mc_buf tmp = { 0 };
	int rc = 0;
	j->i++;
	if (jlit(j, close) == 0)
		return 0;
	for (;;) {
		if (obj && (jstr(j, &tmp) < 0 || (jlit(j, ':') < 0 && jfail(j, "':' expected") < 0))) {
			rc = -1;
			break;
		}
		if (jskip(j, depth + 1) < 0) {
			rc = -1;
			break;
		}
		if (jlit(j, ',') == 0)
			continue;
		if (jlit(j, close) == 0)
			break;
		rc = jfail(j, "',' or the end of a list expected");
		break;
	}
	buf_free(&tmp);
	return rc;
}

/* Skip one value (any JSON value). */
static int jskip(struct jp *j, int depth)
{
	struct mc_buf tmp = { 0 };
	size_t a;
	int rc;
	if (depth > JMAX_DEPTH)
		return jfail(j, "nested too deep");
	jws(j);
	if (j->i >= j->n)
		return jfail(j, "a value expected");
	switch (j->b[j->i]) {
	case '"':
		rc = jstr(j, &tmp);
		buf_free(&tmp);
		return rc;
	case '{':
		return jskip_container(j, '}', depth, 1);
	case '[':
		return jskip_container(j, ']', depth, 0);
	default:
		break;
	}
	a = j->i;
	while (j->i < j->n && (strchr("+-.eE", j->b[j->i]) ||
			       (j->b[j->i] >= '0' && j->b[j->i] <= '9') ||
			       (j->b[j->i] >= 'a' && j->b[j->i] <= 'z')))
		j->i++;
	if (j->i == a)
		return jfail(j, "a value expected");
	if ((j->b[a] >= 'a' && j->b[a] <= 'z') &&
	    !((j->i - a == 4 && !memcmp(j->b + a, "true", 4)) ||
	      (j->i - a == 5 && !memcmp(j->b + a, "false", 5)) ||
	      (j->i - a == 4 && !memcmp(j->b + a, "null", 4))))
		return jfail(j, "not a JSON value");
	return 0;
}

/* An unsigned integer (a JSON number without sign, point or exponent, or
 * the same in a string). */
static int juint(struct jp *j, uint64_t max, uint64_t *v)
{
	int quoted;
	size_t a;
	jws(j);
	quoted = j->i < j->n && j->b[j->i] == '"';
	if (quoted)
		j->i++;
	a = j->i;
	*v = 0;
	while (j->i < j->n && j->b[j->i] >= '0' && j->b[j->i] <= '9') {
		if (*v > (max - (uint64_t)(j->b[j->i] - '0')) / 10)
			return jfail(j, "a number too large");
		*v = *v * 10 + (uint64_t)(j->b[j->i++] - '0');
	}
	if (j->i == a || (j->i - a > 1 && j->b[a] == '0'))
		return jfail(j, "an unsigned integer expected");
	if (quoted && jlit(j, '"') < 0)
		return jfail(j, "an unsigned integer expected");
	if (!quoted && j->i < j->n && strchr(".eE", j->b[j->i]))
		return jfail(j, "an unsigned integer expected");
	return 0;
}

typedef int (*jfield_fn)(struct jp *j, const char *key, void *ctx, int depth);

/* An object at j: fn for each member (it parses or skips the value). */
static int jobject(struct jp *j, jfield_fn fn, void *ctx, int depth)
{
	struct mc_buf key = { 0 };
	int rc = 0;
	if (depth > JMAX_DEPTH)
		return jfail(j, "nested too deep");
	if (jlit(j, '{') < 0)
		return jfail(j, "an object expected");
	if (jlit(j, '}') == 0)
		return 0;
	for (;;) {
		if (jstr(j, &key) < 0 || (jlit(j, ':') < 0 && jfail(j, "':' expected") < 0) ||
		    fn(j, key.p, ctx, depth + 1) < 0) {
			rc = -1;
			break;
		}
		if (jlit(j, ',') == 0)
			continue;
		if (jlit(j, '}') == 0)
			break;
		rc = jfail(j, "',' or '}' expected");
		break;
	}
	buf_free(&key);
	return rc;
}

/* An array at j: fn(j, NULL, ctx) per element. */
static int jarray(struct jp *j, jfield_fn fn, void *ctx, int depth)
{
	if (depth > JMAX_DEPTH)
		return jfail(j, "nested too deep");
	jws(j);
	if (j->i + 4 <= j->n && !memcmp(j->b + j->i, "null", 4)) {
		j->i += 4;
		return 0;
	}
	if (jlit(j, '[') < 0)
		return jfail(j, "a list expected");
	if (jlit(j, ']') == 0)
		return 0;
	for (;;) {
		if (fn(j, NULL, ctx, depth + 1) < 0)
			return -1;
		if (jlit(j, ',') == 0)
			continue;
		if (jlit(j, ']') == 0)
			return 0;
		return jfail(j, "',' or ']' expected");
	}
}

struct col_ctx {
	struct mc_buf name, type;
	int has_name, has_type;
};

static int col_field(struct jp *j, const char *key, void *ctx, int depth)
{
	struct col_ctx *c = ctx;
	if (!strcmp(key, "name")) {
		c->has_name = 1;
		return jstr(j, &c->name);
	}
	if (!strcmp(key, "type")) {
		c->has_type = 1;
		return jstr(j, &c->type);
	}
	return jskip(j, depth);
}

static int col_elem(struct jp *j, const char *key, void *ctx, int depth)
{
	struct odps_session *s = ctx;
	struct col_ctx c = { 0 };
	size_t at = j->i;
	int rc;
	(void)key;
	rc = jobject(j, col_field, &c, depth);
	if (rc == 0 && (!c.has_name || !c.has_type || !c.name.len)) {
		j->i = at;
		rc = jfail(j, "a column without a name or a type");
	}
	for (size_t i = 0; rc == 0 && i < c.name.len + c.type.len; i++) {
		unsigned char ch = (unsigned char)(i < c.name.len ? c.name.p[i]
						   : c.type.p[i - c.name.len]);
		if (ch < 0x20 || ch == 0x7f) {
			j->i = at;
			rc = jfail(j, "a column name or type holds a control character");
		}
	}
	if (rc == 0 && trec_schema_add(&s->schema, c.name.p, c.name.len, c.type.p, c.type.len,
				       j->err) < 0)
		rc = mc_errctx(j->err, "the upload session answer: offset %zu: ", at);
	buf_free(&c.name);
	buf_free(&c.type);
	return rc;
}

static int schema_field(struct jp *j, const char *key, void *ctx, int depth)
{
	if (!strcmp(key, "columns"))
		return jarray(j, col_elem, ctx, depth);
	return jskip(j, depth);
}

struct blk_ctx {
	struct odps_session *s;
	int has_id;
	uint64_t id;
};

static int blk_field(struct jp *j, const char *key, void *ctx, int depth)
{
	struct blk_ctx *b = ctx;
	if (!strcmp(key, "BlockID")) {
		b->has_id = 1;
		return juint(j, UINT32_MAX, &b->id);
	}
	return jskip(j, depth);
}

static int blk_elem(struct jp *j, const char *key, void *ctx, int depth)
{
	struct blk_ctx b = { ctx, 0, 0 };
	struct odps_session *s = ctx;
	size_t at = j->i;
	(void)key;
	if (jobject(j, blk_field, &b, depth) < 0)
		return -1;
	if (!b.has_id || b.id >= ODPS_MAX_BLOCKS || s->nblocks >= ODPS_MAX_BLOCKS) {
		j->i = at;
		return jfail(j, !b.has_id ? "a block without a BlockID"
			     : b.id >= ODPS_MAX_BLOCKS ? "a BlockID outside 0..19999"
			     : "more blocks than a session holds");
	}
	if (mc_push(&s->blocks, &s->nblocks, &s->cap, sizeof *s->blocks) < 0)
		return mc_oom(j->err, "the session answer");
	s->blocks[s->nblocks - 1] = (uint32_t)b.id;
	return 0;
}

static enum odps_sstat status_of(const char *s)
{
	static const struct { const char *n; enum odps_sstat st; } t[] = {
		{ "normal", ODPS_SS_NORMAL },     { "closed", ODPS_SS_CLOSED },
		{ "expired", ODPS_SS_EXPIRED },   { "canceled", ODPS_SS_CANCELED },
		{ "closing", ODPS_SS_BUSY },      { "committing", ODPS_SS_BUSY },
		{ "critical", ODPS_SS_CRITICAL },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (!strcasecmp(s, t[i].n))
			return t[i].st;
	return ODPS_SS_UNKNOWN;
}

struct top_ctx {
	struct odps_session *s;
	struct mc_buf str;
	int has_id;
};

static int top_field(struct jp *j, const char *key, void *ctx, int depth)
{
	struct top_ctx *t = ctx;
	struct odps_session *s = t->s;
	size_t at;
	uint64_t v;
	jws(j);
	at = j->i;
	if (!strcmp(key, "UploadID")) {
		if (jstr(j, &t->str) < 0)
			return -1;
		if (!odps_url_id_ok(t->str.p, t->str.len)) {
			j->i = at;
			return jfail(j, "an UploadID that is not 1..127 letters, digits, '-', '_', '.'");
		}
		memcpy(s->id, t->str.p, t->str.len + 1);
		t->has_id = 1;
		return 0;
	}
	if (!strcmp(key, "Status")) {
		if (jstr(j, &t->str) < 0)
			return -1;
		snprintf(s->status_text, sizeof s->status_text, "%.*s", (int)t->str.len, t->str.p);
		for (char *p = s->status_text; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
		s->status = status_of(t->str.p);
		return 0;
	}
	if (!strcmp(key, "MaxFieldSize")) {
		if (juint(j, (uint64_t)1 << 40, &v) < 0)
			return -1;
		s->max_field = (size_t)v;
		return 0;
	}
	if (!strcmp(key, "Schema"))
		return jobject(j, schema_field, s, depth);
	if (!strcmp(key, "UploadedBlockList"))
		return jarray(j, blk_elem, s, depth);
	return jskip(j, depth);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

void odps_session_free(struct odps_session *s)
{
	trec_schema_free(&s->schema);
	free(s->blocks);
	memset(s, 0, sizeof *s);
}

int odps_session_parse(const char *body, size_t n, struct odps_session *s, struct mc_err *err)
{
	struct jp j = { body ? body : "", body ? n : 0, 0, err };
	struct top_ctx t = { s, { 0 }, 0 };
	int rc;
	odps_session_free(s);
	rc = jobject(&j, top_field, &t, 0);
	buf_free(&t.str);
	if (rc < 0)
		return -1;
	jws(&j);
	if (j.i != j.n)
		return jfail(&j, "bytes after the answer");
	if (!t.has_id)
		return jfail(&j, "no UploadID");
	if (s->nblocks)
		qsort(s->blocks, s->nblocks, sizeof *s->blocks, cmp_u32);
	for (size_t i = 1; i < s->nblocks; i++)
		if (s->blocks[i] == s->blocks[i - 1])
			return mc_errf(err, MC_EXIT_DATA, "the upload session answer: block %u is "
				       "listed twice", s->blocks[i]);
	return 0;
}

/* ---- requests ---- */

static void sleep_s(double s)
{
	struct timespec ts;
	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0)
		;
}

enum { P_TABLE, P_PART, P_ID, P_BLOCK, P_MAX = 8 };

/* The resource of u's table into res (NUL-terminated). */
static int table_res(const struct odps_up *u, struct mc_buf *res, struct mc_err *err)
{
	res->len = 0;
	if (odps_table_resource(res, u->c->t->project, u->c->t->schema, u->table) < 0 ||
	    buf_addc(res, '\0') < 0)
		return mc_oom(err, "a request");
	return 0;
}

/* One request, once. 0 with resp (any status), -1 with err. */
static int call_once(const struct odps_up *u, const char *method, const struct odps_kv *ps,
		     size_t np, const struct odps_kv *hs, size_t nh, const void *body, size_t len,
		     int chunked, struct odps_http_resp *resp, struct mc_err *err)
{
	struct mc_buf res = { 0 };
	const char *tunnel;
	int rc;
	if (odps_client_tunnel(u->c, &tunnel, err) < 0 || table_res(u, &res, err) < 0) {
		buf_free(&res);
		return -1;
	}
	rc = odps_call(u->c, ODPS_TUNNEL, method, res.p, ps, np, hs, nh, body, len, chunked, resp,
		       err);
	buf_free(&res);
	return rc;
}

/* A request retried within the budget until it gets an answer that is not
 * retryable. 0 with resp (2xx or a final error status), -1 with err (code
 * 3 once the budget is spent, or what cannot be retried). */
static int call_retry(const struct odps_up *u, const char *what, const char *method,
		      const struct odps_kv *ps, size_t np, const struct odps_kv *hs, size_t nh,
		      const void *body, size_t len, int chunked, struct odps_http_resp *resp,
		      struct mc_err *err)
{
	struct odps_retry r;
	int started = 0;
	for (;;) {
		long hold = 0;
		double w;
		int rc = call_once(u, method, ps, np, hs, nh, body, len, chunked, resp, err);
		if (rc == 0 && !odps_retryable_status(resp->status))
			return 0;
		if (rc < 0 && err->code != MC_EXIT_TRANSIENT)
			return -1;
		if (rc == 0) {
			struct odps_error e;
			odps_error_parse(resp->body.p, resp->body.len, &e);
			hold = e.hold_ms;
			odps_http_fail(resp, what, err);
		} else {
			mc_errctx(err, "%s: ", what);
		}
		if (!started) {
			odps_retry_start(&r, u->retry_s, odps_now(), u->seed ^ (uint64_t)time(NULL));
			started = 1;
		}
		w = odps_retry_next(&r, odps_now(), hold);
		if (w < 0) {
			mc_errctx(err, "gave up after %.0f s of retries (--retry-time): ", u->retry_s);
			err->code = MC_EXIT_TRANSIENT;
			return -1;
		}
		mc_sayf(&u->say, "%s; retrying in %.1f s", err->msg, w);
		sleep_s(w);
	}
}

static size_t params(const struct odps_up *u, struct odps_kv *ps, const char *id)
{
	size_t n = 0;
	if (id)
		ps[n++] = (struct odps_kv){ "uploadid", id };
	if (u->part)
		ps[n++] = (struct odps_kv){ "partition", u->part };
	return n;
}

static const struct odps_kv tunnel_hs[] = {
	{ "x-odps-tunnel-version", "6" },
	{ "odps-tunnel-date-transform", "v1" },
	{ "Content-Length", "0" },
};

static int answer(const struct odps_http_resp *r, const char *what, struct odps_session *s,
		  struct mc_err *err)
{
	if (r->status / 100 != 2)
		return odps_http_fail(r, what, err);
	if (odps_session_parse(r->body.p, r->body.len, s, err) < 0)
		return mc_errctx(err, "%s: ", what);
	return 0;
}

int odps_up_create(const struct odps_up *u, int create_partition, struct odps_session *s,
		   struct mc_err *err)
{
	struct odps_kv ps[P_MAX];
	struct odps_http_resp r = { 0 };
	char what[300];
	size_t n = 0;
	int rc;
	ps[n++] = (struct odps_kv){ "uploads", NULL };
	n += params(u, ps + n, NULL);
	if (create_partition && u->part)
		ps[n++] = (struct odps_kv){ "create_partition", "true" };
	snprintf(what, sizeof what, "upload session for %s%s%s", u->table, u->part ? " " : "",
		 u->part ? u->part : "");
	rc = call_retry(u, what, "POST", ps, n, tunnel_hs, 3, NULL, 0, 0, &r, err);
	if (rc == 0)
		rc = answer(&r, what, s, err);
	odps_http_resp_free(&r);
	return rc;
}

/* Does a 4xx answer say the session does not exist? */
static int says_absent(const struct odps_http_resp *r)
{
	struct odps_error e;
	if (r->status == 404)
		return 1;
	if (r->status != 400 || !odps_error_parse(r->body.p, r->body.len, &e))
		return 0;
	return !strcmp(e.code, "NoSuchUpload") || !strcmp(e.code, "NoSuchSession") ||
	       (!strcmp(e.code, "InvalidArgument") && strstr(e.message, "upload session") &&
		strstr(e.message, "does not exist"));
}

int odps_up_status(const struct odps_up *u, const char *id, struct odps_session *s,
		   struct mc_err *err)
{
	struct odps_kv ps[P_MAX];
	struct odps_http_resp r = { 0 };
	char what[300];
	size_t n = params(u, ps, id);
	int rc;
	ps[n++] = (struct odps_kv){ "getblockid", "true" };
	snprintf(what, sizeof what, "status of upload session %s (%s%s%s)", id, u->table,
		 u->part ? " " : "", u->part ? u->part : "");
	rc = call_retry(u, what, "GET", ps, n, tunnel_hs, 3, NULL, 0, 0, &r, err);
	if (rc == 0 && r.status / 100 != 2 && says_absent(&r)) {
		odps_http_fail(&r, what, err);
		rc = 1;
	} else if (rc == 0) {
		rc = answer(&r, what, s, err);
		if (rc == 0 && strcmp(s->id, id) != 0)
			rc = mc_errf(err, MC_EXIT_DATA, "%s: the answer is of session %s", what,
				     s->id);
	}
	odps_http_resp_free(&r);
	return rc;
}

int up_is_conflict(const struct odps_http_resp *r)
{
	struct odps_error e;
	return r->status == 409 ||
	       (odps_error_parse(r->body.p, r->body.len, &e) && !strcmp(e.code, "StatusConflict"));
}

void up_put_free(struct up_put *q)
{
	buf_free(&q->res);
}

int up_put_init(const struct odps_up *u, const char *id, uint32_t blockid, enum trec_comp comp,
		struct up_put *q, struct mc_err *err)
{
	memset(q, 0, sizeof *q);
	if (blockid >= ODPS_MAX_BLOCKS)
		return mc_errf(err, MC_EXIT_DATA, "block %u of %s: a session holds blocks 0..19999 "
			       "(commit fewer rows at once, or cut bigger blocks)", blockid, u->table);
	snprintf(q->bid, sizeof q->bid, "%u", blockid);
	q->ps[q->np++] = (struct odps_kv){ "uploadid", id };
	q->ps[q->np++] = (struct odps_kv){ "blockid", q->bid };
	if (u->part)
		q->ps[q->np++] = (struct odps_kv){ "partition", u->part };
	q->hs[q->nh++] = (struct odps_kv){ "Content-Type", "application/octet-stream" };
	q->hs[q->nh++] = tunnel_hs[0];
	q->hs[q->nh++] = tunnel_hs[1];
	if (trec_comp_name(comp))
		q->hs[q->nh++] = (struct odps_kv){ "Content-Encoding", trec_comp_name(comp) };
	snprintf(q->what, sizeof q->what, "PUT block %u of upload session %s (%s%s%s)", blockid, id,
		 u->table, u->part ? " " : "", u->part ? u->part : "");
	return 0;
}

int up_put_res(const struct odps_up *u, struct up_put *q, struct mc_err *err)
{
	const char *tunnel;
	if (odps_client_tunnel(u->c, &tunnel, err) < 0)
		return -1;
	return table_res(u, &q->res, err);
}

int odps_up_put(const struct odps_up *u, const char *id, uint32_t blockid, enum trec_comp comp,
		const void *body, size_t len, struct mc_err *err)
{
	struct odps_http_resp r = { 0 };
	struct up_put q;
	int rc;
	if (up_put_init(u, id, blockid, comp, &q, err) < 0)
		return -1;
	rc = call_retry(u, q.what, "PUT", q.ps, q.np, q.hs, q.nh, body, len, 1, &r, err);
	if (rc == 0 && r.status / 100 != 2) {
		rc = up_is_conflict(&r) ? 1 : -1;
		odps_http_fail(&r, q.what, err);
	}
	odps_http_resp_free(&r);
	up_put_free(&q);
	return rc;
}

/* Does s hold exactly blocks[0..n)? */
static int same_blocks(const struct odps_session *s, const uint32_t *blocks, size_t n)
{
	if (s->nblocks != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s->blocks[i] != blocks[i])
			return 0;
	return 1;
}

int odps_up_commit(const struct odps_up *u, const char *id, const uint32_t *blocks, size_t n,
		   struct mc_err *err)
{
	struct odps_kv ps[P_MAX];
	struct odps_session s = { 0 };
	struct odps_retry rt;
	char what[300];
	size_t np = params(u, ps, id);
	int rc;

	snprintf(what, sizeof what, "commit of upload session %s (%s%s%s)", id, u->table,
		 u->part ? " " : "", u->part ? u->part : "");
	odps_retry_start(&rt, u->retry_s, odps_now(), u->seed ^ (uint64_t)time(NULL) ^ 0x5bd1e995u);
	for (;;) {
		struct odps_http_resp r = { 0 };
		double w;
		/* the status first: what the server holds decides */
		rc = odps_up_status(u, id, &s, err);
		if (rc == 1) {
			mc_errctx(err, "%s: ", what);
			rc = 1;
			goto out;
		}
		if (rc < 0)
			goto out;
		switch (s.status) {
		case ODPS_SS_CLOSED:
			rc = 0; /* committed (by us, before: the answer was lost) */
			goto out;
		case ODPS_SS_EXPIRED:
		case ODPS_SS_CANCELED:
			rc = 1;
			mc_errf(err, MC_EXIT_DATA, "%s: the session is %s", what, s.status_text);
			goto out;
		case ODPS_SS_NORMAL:
			break;
		case ODPS_SS_BUSY:
			goto again;
		default:
			rc = mc_errf(err, MC_EXIT_DATA, "%s: the session is '%s'", what,
				     s.status_text);
			goto out;
		}
		if (!same_blocks(&s, blocks, n)) {
			rc = mc_errf(err, MC_EXIT_DATA, "%s: the server holds %zu blocks, %zu were "
				     "sent (nothing committed)", what, s.nblocks, n);
			goto out;
		}
		rc = call_once(u, "POST", ps, np, tunnel_hs, 3, NULL, 0, 0, &r, err);
		if (rc == 0 && r.status / 100 == 2) {
			odps_http_resp_free(&r);
			rc = 0;
			goto out;
		}
		if (rc == 0 && !odps_retryable_status(r.status) && !up_is_conflict(&r)) {
			odps_http_fail(&r, what, err);
			odps_http_resp_free(&r);
			rc = -1;
			goto out;
		}
		if (rc == 0)
			odps_http_fail(&r, what, err);
		else if (err->code != MC_EXIT_TRANSIENT) {
			odps_http_resp_free(&r);
			goto out;
		}
		odps_http_resp_free(&r);
		/* a lost answer, a 5xx, or a conflict: ask again before any retry */
	again:
		w = odps_retry_next(&rt, odps_now(), 0);
		if (w < 0) {
			if (s.status == ODPS_SS_BUSY)
				mc_errf(err, MC_EXIT_TRANSIENT, "%s: the session is still '%s'", what,
					s.status_text);
			mc_errctx(err, "gave up after %.0f s of retries (--retry-time): ", u->retry_s);
			err->code = MC_EXIT_TRANSIENT;
			rc = -1;
			goto out;
		}
		mc_sayf(&u->say, "%s; asking the session's status in %.1f s", err->msg[0] ? err->msg
			: what, w);
		sleep_s(w);
	}
out:
	odps_session_free(&s);
	return rc;
}
