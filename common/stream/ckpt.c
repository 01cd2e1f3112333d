#include "stream/ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/afile.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/io.h"

#define CKPT_MAGIC "mcsync-checkpoint 1"
#define CKPT_MAX (1u << 20)

static int key_ok(const char *k, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_' ||
		      k[i] == '.' || k[i] == '-'))
			return 0;
	return 1;
}

/* Append a new key (with `find`, replace the value of an existing one). */
static int put(struct ckpt *c, const char *k, size_t kn, const char *v, size_t vn, int find)
{
	for (size_t i = 0; find && i < c->n; i++) {
		if (strlen(c->kv[i].k) == kn && memcmp(c->kv[i].k, k, kn) == 0) {
			char *nv = mc_strndup(v, vn);
			if (!nv)
				return -1;
			free(c->kv[i].v);
			c->kv[i].v = nv;
			return 0;
		}
	}
	if (mc_grow(&c->kv, &c->cap, c->n + 1, sizeof *c->kv) < 0)
		return -1;
	c->kv[c->n].k = mc_strndup(k, kn);
	c->kv[c->n].v = mc_strndup(v, vn);
	if (!c->kv[c->n].k || !c->kv[c->n].v) {
		free(c->kv[c->n].k);
		free(c->kv[c->n].v);
		return -1;
	}
	c->n++;
	return 0;
}

int ckpt_read(const char *path, struct ckpt *c, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	int fd, line = 1;
	ssize_t r;
	const char *p, *end;

	memset(c, 0, sizeof *c);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return mc_errnof(err, errno, "'%s'", path);
	}
	do {
		if (buf_grow(&b, 4096) < 0) {
			close(fd);
			return mc_errnof(err, ENOMEM, "'%s'", path);
		}
		r = io_read(fd, b.p + b.len, b.cap - b.len);
		if (r > 0)
			b.len += (size_t)r;
	} while (r > 0 && b.len <= CKPT_MAX);
	close(fd);
	if (r < 0) {
		buf_free(&b);
		return mc_errnof(err, errno, "'%s'", path);
	}
	if (b.len > CKPT_MAX) {
		buf_free(&b);
		return mc_errf(err, MC_EXIT_DATA, "'%s': larger than %u bytes", path, CKPT_MAX);
	}
	p = b.p;
	end = b.p + b.len;
	if (b.len < sizeof CKPT_MAGIC || memcmp(p, CKPT_MAGIC "\n", sizeof CKPT_MAGIC) != 0) {
		buf_free(&b);
		return mc_errf(err, MC_EXIT_DATA, "'%s': line 1: not a mcsync checkpoint file", path);
	}
	p += sizeof CKPT_MAGIC;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		line++;
		if (!nl) {
			buf_free(&b);
			ckpt_free(c);
			return mc_errf(err, MC_EXIT_DATA, "'%s': line %d: no newline at the end", path, line);
		}
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (!sp || !key_ok(p, (size_t)(sp - p))) {
			buf_free(&b);
			ckpt_free(c);
			return mc_errf(err, MC_EXIT_DATA, "'%s': line %d: expected 'key value'", path, line);
		}
		if (put(c, p, (size_t)(sp - p), sp + 1, (size_t)(nl - sp - 1), 1) < 0) {
			buf_free(&b);
			ckpt_free(c);
			return mc_errnof(err, ENOMEM, "'%s'", path);
		}
		p = nl + 1;
	}
	buf_free(&b);
	return 1;
}

const char *ckpt_get(const struct ckpt *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->kv[i].k, key) == 0)
			return c->kv[i].v;
	return NULL;
}

int ckpt_set(struct ckpt *c, const char *key, const char *val, struct mc_err *err)
{
	if (!key_ok(key, strlen(key)) || strchr(val, '\n'))
		return mc_errf(err, MC_EXIT_DATA, "checkpoint: bad key '%s' or value", key);
	if (put(c, key, strlen(key), val, strlen(val), 1) < 0)
		return mc_oom(err, "checkpoint");
	return 0;
}

void ckpt_del(struct ckpt *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->kv[i].k, key) == 0) {
			free(c->kv[i].k);
			free(c->kv[i].v);
			memmove(&c->kv[i], &c->kv[i + 1], (c->n - i - 1) * sizeof *c->kv);
			c->n--;
			return;
		}
}

int ckpt_append(struct ckpt *c, const char *key, const char *val, struct mc_err *err)
{
	if (!key_ok(key, strlen(key)) || strchr(val, '\n'))
		return mc_errf(err, MC_EXIT_DATA, "checkpoint: bad key '%s' or value", key);
	if (put(c, key, strlen(key), val, strlen(val), 0) < 0)
		return mc_oom(err, "checkpoint");
	return 0;
}

int ckpt_write(const char *path, const struct ckpt *c, struct mc_err *err)
{
	struct mc_buf b = { 0 };
	int rc;
	if (buf_adds(&b, CKPT_MAGIC "\n") < 0)
		return mc_errnof(err, ENOMEM, "'%s'", path);
	for (size_t i = 0; i < c->n; i++)
		if (buf_addf(&b, "%s %s\n", c->kv[i].k, c->kv[i].v) < 0) {
			buf_free(&b);
			return mc_errnof(err, ENOMEM, "'%s'", path);
		}
	rc = afile_write(path, b.p, b.len, err);
	buf_free(&b);
	return rc;
}

void ckpt_free(struct ckpt *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->kv[i].k);
		free(c->kv[i].v);
	}
	free(c->kv);
	memset(c, 0, sizeof *c);
}
