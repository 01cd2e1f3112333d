/* ckpt.h: checkpoint files: small text files of "key value" lines, the
 * first line "mcsync-checkpoint 1", replaced atomically (afile.h). Keys are
 * [a-z0-9_.-]+, values any bytes but newline. Order is kept. */
#ifndef MC_CKPT_H
#define MC_CKPT_H

#include <stddef.h>

#include "base/err.h"

struct ckpt_kv {
	char *k, *v;
};

struct ckpt {
	size_t n, cap;
	struct ckpt_kv *kv; /* owned */
};

/* Read path into c (zeroed first). Returns 1 if read, 0 if the file does
 * not exist (c empty), -1 on error or malformed content ("'path': line N:
 * ..."). */
int ckpt_read(const char *path, struct ckpt *c, struct mc_err *err);
/* The value of key, or NULL. */
const char *ckpt_get(const struct ckpt *c, const char *key);
/* Set key to val (copies both). 0, or -1 on ENOMEM or a bad key/value. */
int ckpt_set(struct ckpt *c, const char *key, const char *val, struct mc_err *err);
/* Append key, which the caller knows is not in c yet (no search: for
 * building a large checkpoint). */
int ckpt_append(struct ckpt *c, const char *key, const char *val, struct mc_err *err);
/* Remove key (nothing when it is not there). */
void ckpt_del(struct ckpt *c, const char *key);
/* Replace path with c, atomically and durably. */
int ckpt_write(const char *path, const struct ckpt *c, struct mc_err *err);
void ckpt_free(struct ckpt *c);

#endif
