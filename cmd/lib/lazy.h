/* lazy.h: a shared library loaded by dlopen at first need, its functions
 * looked up by name (curl_lazy.c, cmd/tail/mariadb_lazy.c and
 * compress_lazy.c: the programs are linked without the library, so a
 * start does not pay for loading what the run may never use). */
#ifndef MC_LAZY_H
#define MC_LAZY_H

#include <stddef.h>

#include "base/err.h"

/* Open so (RTLD_NOW | RTLD_LOCAL) and look up names[0..n) into fns[]: 0
 * and *lib; or -1 with err, exit code 1, naming it as what: "cannot load
 * WHAT (NEED): dlerror" or "cannot load WHAT: SO has no NAME" (the
 * library closed again). */
int lazy_load(const char *so, const char *what, const char *need, const char *const *names,
	      void **fns, size_t n, void **lib, struct mc_err *err);

/* For a list of functions X(f) X(g) ...: a struct member of f's own type,
 * f's name, and the member set from fns[i++] (each file's list macro). */
#define LAZY_PTR(f) __typeof__(f) *f;
#define LAZY_NAME(f) #f,
#define LAZY_SET(f) lz.f = (__typeof__(lz.f))fns[i++];

#endif
