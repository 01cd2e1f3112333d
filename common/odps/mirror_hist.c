/* mirror_hist.c: the schema histories in the state mirror (mirror.h;
 * docs/maxcompute.md "Recovering a lost state directory"): a row of kind
 * "hist.T" holds STATE/_mcsync/hist/T.mcr, its bytes in hex, in keys mcr0,
 * mcr1, ... of its body; --recover writes back the newest of each table. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/num.h"
#include "odps/gen.h"
#include "odps/mirror.h"
#include "odps/state.h"
#include "wh/schemahist.h"
#include "wh/wh.h"
#include "wh/whpart.h"

#define HEX_PIECE 65536 /* hex digits per key */

int odps_mirror_hist_body(const char *path, struct ckpt *c, struct mc_err *err)
{
	static const char hx[] = "0123456789abcdef";
	FILE *f = fopen(path, "rb");
	char key[32], *h = NULL;
	unsigned char in[HEX_PIECE / 2];
	size_t n, k = 0;
	int rc = 0;
	memset(c, 0, sizeof *c);
	if (!f)
		return mc_errnof(err, errno, "'%s'", path);
	if (!(h = malloc(HEX_PIECE + 1))) {
		fclose(f);
		return mc_oom(err, "state mirror");
	}
	while (rc == 0 && (n = fread(in, 1, sizeof in, f)) > 0) {
		for (size_t i = 0; i < n; i++) {
			h[2 * i] = hx[in[i] >> 4];
			h[2 * i + 1] = hx[in[i] & 15];
		}
		h[2 * n] = 0;
		snprintf(key, sizeof key, "mcr%zu", k++);
		rc = ckpt_set(c, key, h, err);
	}
	if (rc == 0 && ferror(f))
		rc = mc_errnof(err, EIO, "'%s'", path);
	fclose(f);
	free(h);
	if (rc < 0)
		ckpt_free(c);
	return rc;
}

static int unhex(char ch)
{
	return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* body (a mirror body) to the file's bytes */
static int body_bytes(const char *kind, const char *v, struct mc_buf *b, struct mc_buf *gen,
		      struct mc_err *err)
{
	struct ckpt c;
	const char *g;
	int rc = 0;
	if (odps_mirror_dec(v, strlen(v), kind, &c, err) < 0)
		return -1;
	b->len = gen->len = 0;
	if ((g = ckpt_get(&c, "gen")) && buf_adds(gen, g) < 0) /* odps/gen.h */
		rc = mc_oom(err, "state mirror");
	for (size_t i = 0; i < gen->len; i++) /* its lines, ','-separated there */
		if (gen->p[i] == ',')
			gen->p[i] = '\n';
	for (size_t k = 0; k < c.n - (g != NULL) && rc == 0; k++) {
		char key[32];
		const char *s;
		snprintf(key, sizeof key, "mcr%zu", k);
		if (!(s = ckpt_get(&c, key)) || strlen(s) % 2) {
			rc = mc_errf(err, MC_EXIT_DATA, "the state mirror's '%s' row is not a schema "
				     "history (key %s; the mirror is damaged)", kind, key);
			break;
		}
		for (; *s && rc == 0; s += 2) {
			int a = unhex(s[0]), z = unhex(s[1]);
			if (a < 0 || z < 0)
				rc = mc_errf(err, MC_EXIT_DATA, "the state mirror's '%s' row is not "
					     "a schema history (not hex; the mirror is damaged)", kind);
			else if (buf_addc(b, (char)(a << 4 | z)) < 0)
				rc = mc_oom(err, "state mirror");
		}
	}
	ckpt_free(&c);
	return rc;
}

/* Write bytes as dir/T.mcr (through a temporary file), read back as a
 * schema history first. */
static int write_hist(const char *state, const char *table, const struct mc_buf *b,
		      size_t *nver, struct mc_err *err)
{
	char *dir = wh_pathf("%s/" ODPS_HISTDIR, state);
	char *path = wh_pathf("%s/" ODPS_HISTDIR "/%s.mcr", state, table);
	char *tmp = wh_pathf("%s/" ODPS_HISTDIR "/%s.mcr.tmp", state, table);
	struct wh_hist h;
	FILE *f = NULL;
	int rc = -1;
	if (!dir || !path || !tmp) {
		mc_oom(err, "path");
		goto out;
	}
	if (wh_mkdirs(dir, err) < 0)
		goto out;
	if (!(f = fopen(tmp, "wb")) || (b->len && fwrite(b->p, 1, b->len, f) != b->len) ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0) {
		mc_errnof(err, errno, "'%s'", tmp);
		goto out;
	}
	fclose(f);
	f = NULL;
	if (wh_hist_read(tmp, &h, err) < 0) {
		mc_errctx(err, "the state mirror's schema history of '%s' (the mirror is damaged): ",
			  table);
		unlink(tmp);
		goto out;
	}
	*nver = h.n;
	wh_hist_free(&h);
	if (rename(tmp, path) != 0) {
		mc_errnof(err, errno, "'%s'", path);
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	if (f) {
		fclose(f);
		unlink(tmp);
	}
	free(dir);
	free(path);
	free(tmp);
	return rc;
}

int odps_mirror_hist_recover(struct odps_client *c, const struct odps_sql_opts *so,
			     const char *writer, const char *state, struct mc_buf *report,
			     struct mc_err *err)
{
	struct mc_buf q = { 0 }, out = { 0 }, bytes = { 0 }, gen = { 0 };
	char **f = NULL; /* kind, seq, attempt, body per line */
	size_t nrow = 0, cap = 0;
	int rc = -1;
	if (buf_addf(&q, "SELECT kind, seq, attempt, body FROM " ODPS_MIRROR_TABLE " WHERE kind "
			 "LIKE 'hist.%%' AND writer = '%s';", writer) < 0 || buf_addc(&q, 0) < 0) {
		mc_oom(err, "SQL");
		goto out;
	}
	if (odps_sql_run(c, so, q.p, ODPS_SQL_IDEMPOTENT, &out, err) < 0 || buf_addc(&out, 0) < 0)
		goto out;
	for (char *p = strchr(out.p, '\n'), *nl; p && *++p; p = nl) {
		if ((nl = strchr(p, '\n')))
			*nl = 0;
		if (!*p)
			continue;
		if (mc_grow(&f, &cap, (nrow + 1) * 4, sizeof *f) < 0) {
			mc_oom(err, "SQL result");
			goto out;
		}
		for (size_t i = 0; i < 4; i++) {
			char *e = i < 3 ? strchr(p, ',') : NULL;
			if (i < 3 && !e) {
				mc_errf(err, MC_EXIT_DATA, "the state mirror: a result line with fewer "
					"than 4 fields");
				goto out;
			}
			if (e)
				*e = 0;
			f[nrow * 4 + i] = p;
			p = e ? e + 1 : p + strlen(p);
		}
		nrow++;
	}
	for (size_t i = 0; i < nrow; i++) {
		uint64_t s, a, s2, a2;
		size_t best = i, nver = 0;
		const char *t = f[i * 4] + 5, *v;
		int first = 1;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(f[k * 4], f[i * 4]))
				first = 0;
		if (!first)
			continue;
		if (num_u64(f[i * 4 + 1], &s) < 0 || num_u64(f[i * 4 + 2], &a) < 0 ||
		    !wh_name_ok(t, strlen(t))) {
			mc_errf(err, MC_EXIT_DATA, "the state mirror: '%s' is not a schema history "
				"row of mcsync's", f[i * 4]);
			goto out;
		}
		for (size_t k = i + 1; k < nrow; k++)
			if (!strcmp(f[k * 4], f[i * 4]) && num_u64(f[k * 4 + 1], &s2) == 0 &&
			    num_u64(f[k * 4 + 2], &a2) == 0 && (s2 > s || (s2 == s && a2 > a))) {
				best = k;
				s = s2;
				a = a2;
			}
		v = f[best * 4 + 3];
		if (!strcmp(v, "\\N"))
			v = "";
		if (body_bytes(f[best * 4], v, &bytes, &gen, err) < 0 ||
		    write_hist(state, t, &bytes, &nver, err) < 0 ||
		    (gen.len && odps_gen_write(state, t, gen.p, gen.len, err) < 0))
			goto out;
		if (buf_addf(report, "%s/" ODPS_HISTDIR "/%s.mcr: written (%zu schema versions, "
				     "commit %" PRIu64 ")\n", state, t, nver, s) < 0) {
			mc_oom(err, "report");
			goto out;
		}
	}
	rc = 0;
out:
	free(f);
	buf_free(&q);
	buf_free(&out);
	buf_free(&bytes);
	buf_free(&gen);
	return rc;
}
