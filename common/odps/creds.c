/* creds.c: the project, endpoints and access key of a MaxCompute
 * destination (creds.h). */
#include "odps/creds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "odps/endpoint.h"

#define CONFIG_MAX (1 << 20)

/* Free a string that may hold a secret: zero it first. */
static void free_secret(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void odps_config_free(struct odps_config *c)
{
	free(c->project_name);
	free_secret(&c->access_id);
	free_secret(&c->access_key);
	free(c->end_point);
	free(c->tunnel_endpoint);
	memset(c, 0, sizeof *c);
}

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Read the whole file behind fd into b (zeroed on error by the caller). */
static int slurp(int fd, const char *path, struct mc_buf *b, struct mc_err *err)
{
	for (;;) {
		if (buf_grow(b, 4096) < 0)
			return mc_oom(err, "the config file");
		ssize_t n = read(fd, b->p + b->len, b->cap - b->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mc_errnof(err, errno, "--odps-config: '%s': read", path);
			err->code = MC_EXIT_USAGE;
			return -1;
		}
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		if (b->len > CONFIG_MAX)
			return mc_errf(err, MC_EXIT_USAGE,
				       "--odps-config: '%s': over %d bytes: not an odpscmd config file",
				       path, CONFIG_MAX);
	}
}

static int parse(const char *path, char *p, size_t n, struct odps_config *c, struct mc_err *err)
{
	static const char *const keys[] = { "project_name", "access_id", "access_key", "end_point",
					    "tunnel_endpoint" };
	char **slots[] = { &c->project_name, &c->access_id, &c->access_key, &c->end_point,
			   &c->tunnel_endpoint };
	size_t lines[5] = { 0 };
	size_t line = 0, i = 0;

	while (i < n) {
		size_t e = i, ks, ke, vs, ve, eq;
		while (e < n && p[e] != '\n')
			e++;
		line++;
		ks = i;
		while (ks < e && is_space(p[ks]))
			ks++;
		if (ks == e || p[ks] == '#' || p[ks] == ';') {
			i = e + 1;
			continue;
		}
		for (eq = ks; eq < e && p[eq] != '='; eq++)
			;
		if (eq == e)
			return mc_errf(err, MC_EXIT_USAGE,
				       "--odps-config: '%s': line %zu: not key=value", path, line);
		ke = eq;
		while (ke > ks && is_space(p[ke - 1]))
			ke--;
		vs = eq + 1;
		while (vs < e && is_space(p[vs]))
			vs++;
		ve = e;
		while (ve > vs && is_space(p[ve - 1]))
			ve--;
		for (size_t k = 0; k < 5; k++) {
			if (ke - ks != strlen(keys[k]) || memcmp(p + ks, keys[k], ke - ks) != 0)
				continue;
			if (lines[k])
				return mc_errf(err, MC_EXIT_USAGE,
					       "--odps-config: '%s': line %zu: '%s' given twice "
					       "(also line %zu)", path, line, keys[k], lines[k]);
			lines[k] = line;
			if (ve > vs && !(*slots[k] = mc_strndup(p + vs, ve - vs)))
				return mc_oom(err, "the config file");
		}
		i = e + 1;
	}
	return 0;
}

int odps_config_read(const char *path, struct odps_config *c, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	struct stat st;
	int fd, rc = -1;

	memset(c, 0, sizeof *c);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		mc_errnof(err, errno, "--odps-config: '%s'", path);
		err->code = MC_EXIT_USAGE;
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		mc_errnof(err, errno, "--odps-config: '%s'", path);
		err->code = MC_EXIT_USAGE;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		mc_errf(err, MC_EXIT_USAGE, "--odps-config: '%s' is not a regular file", path);
		goto out;
	}
	/* It holds an access key: refuse it before reading a byte of it. */
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		mc_errf(err, MC_EXIT_USAGE,
			"--odps-config: '%s' has mode %04o: group or others may read the access "
			"key in it; chmod 600 '%s'", path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	if (slurp(fd, path, &b, err) < 0 || parse(path, b.p, b.len, c, err) < 0)
		goto out;
	rc = 0;
out:
	if (b.p)
		explicit_bzero(b.p, b.cap);
	buf_free(&b);
	close(fd);
	if (rc < 0)
		odps_config_free(c);
	return rc;
}

void odps_creds_free(struct odps_creds *c)
{
	free_secret(&c->access_id);
	free_secret(&c->access_key);
	free_secret(&c->sts_token);
	c->from[0] = '\0';
}

int odps_creds_from_env(struct odps_creds *c, struct mc_err *err)
{
	const char *id = getenv(ODPS_ENV_ID), *key = getenv(ODPS_ENV_SECRET);
	const char *tok = getenv(ODPS_ENV_TOKEN);

	memset(c, 0, sizeof *c);
	if (!id || !*id || !key || !*key)
		return mc_errf(err, MC_EXIT_USAGE,
			       "no access key: %s is %s; set %s and %s in the environment, or give "
			       "--odps-config=FILE with access_id and access_key",
			       (!id || !*id) ? ODPS_ENV_ID : ODPS_ENV_SECRET,
			       ((!id || !*id) ? id : key) ? "empty" : "not set", ODPS_ENV_ID,
			       ODPS_ENV_SECRET);
	if (!(c->access_id = mc_strdup(id)) || !(c->access_key = mc_strdup(key)) ||
	    (tok && *tok && !(c->sts_token = mc_strdup(tok)))) {
		odps_creds_free(c);
		return mc_oom(err, "the access key");
	}
	snprintf(c->from, sizeof c->from, "the environment");
	return 0;
}

void odps_target_free(struct odps_target *t)
{
	free(t->project);
	free(t->schema);
	free(t->endpoint);
	free(t->tunnel_endpoint);
	odps_creds_free(&t->creds);
	memset(t, 0, sizeof *t);
}

int odps_target_resolve(const struct odps_conn_opts *o, struct odps_target *t,
			struct mc_err *err)
{
	struct odps_config c = { 0 };
	int rc = -1;

	memset(t, 0, sizeof *t);
	if (!o->dest) {
		mc_errf(err, MC_EXIT_USAGE, "no --dest=odps://PROJECT[/SCHEMA]");
		return -1;
	}
	if (odps_dest_parse(o->dest, &t->project, &t->schema, err) < 0)
		goto out;
	if (o->odps_config && odps_config_read(o->odps_config, &c, err) < 0)
		goto out;
	if (o->endpoint) {
		if (odps_endpoint_norm("--endpoint", o->endpoint, &t->endpoint, err) < 0)
			goto out;
	} else if (c.end_point) {
		if (odps_endpoint_norm("end_point", c.end_point, &t->endpoint, err) < 0) {
			mc_errctx(err, "--odps-config: '%s': ", o->odps_config);
			goto out;
		}
	} else {
		mc_errf(err, MC_EXIT_USAGE, "no service endpoint: give --endpoint=URL (e.g. "
			"https://service.cn-hangzhou.maxcompute.aliyun.com/api), or end_point in "
			"--odps-config");
		goto out;
	}
	if (o->tunnel_endpoint) {
		if (odps_endpoint_norm("--tunnel-endpoint", o->tunnel_endpoint,
				       &t->tunnel_endpoint, err) < 0)
			goto out;
	} else if (c.tunnel_endpoint) {
		if (odps_endpoint_norm("tunnel_endpoint", c.tunnel_endpoint, &t->tunnel_endpoint,
				       err) < 0) {
			mc_errctx(err, "--odps-config: '%s': ", o->odps_config);
			goto out;
		}
	}
	if (c.access_id && c.access_key) {
		t->creds.access_id = c.access_id;
		t->creds.access_key = c.access_key;
		c.access_id = c.access_key = NULL;
		snprintf(t->creds.from, sizeof t->creds.from, "'%.290s'", o->odps_config);
	} else if (c.access_id || c.access_key) {
		mc_errf(err, MC_EXIT_USAGE, "--odps-config: '%s' has %s but no %s", o->odps_config,
			c.access_id ? "access_id" : "access_key",
			c.access_id ? "access_key" : "access_id");
		goto out;
	} else if (odps_creds_from_env(&t->creds, err) < 0) {
		goto out;
	}
	rc = 0;
out:
	odps_config_free(&c);
	if (rc < 0)
		odps_target_free(t);
	return rc;
}
