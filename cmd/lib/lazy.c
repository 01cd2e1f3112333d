/* lazy.c: see lazy.h. */
#include "lazy.h"

#include <dlfcn.h>

int lazy_load(const char *so, const char *what, const char *need, const char *const *names,
	      void **fns, size_t n, void **lib, struct mc_err *err)
{
	void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return mc_errf(err, MC_EXIT_DATA, "cannot load %s (%s): %s", what, need, dlerror());
	for (size_t i = 0; i < n; i++)
		if (!(fns[i] = dlsym(h, names[i]))) {
			dlclose(h);
			return mc_errf(err, MC_EXIT_DATA, "cannot load %s: %s has no %s", what, so,
				       names[i]);
		}
	*lib = h;
	return 0;
}
