/* curl_lazy.c: the programs open libcurl (and the TLS, Kerberos, LDAP...
 * libraries it brings) only when they first make an HTTP request, that is
 * only for --dest=odps://: a run into a local warehouse, a local merge and
 * the programs that never talk to MaxCompute do not pay for loading them
 * (about 500 page faults and 15 to 25 ms of every start on a VM where a
 * page fault is a trap to the hypervisor; tests/t0102). The libcurl
 * functions common/odps calls are defined here as calls through pointers
 * that dlopen fills; the programs are linked without -lcurl (Makefile), so
 * a libcurl function the code starts to use and this file does not define
 * fails the link. The unit tests and test tools link libcurl itself. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stdarg.h>
#include <stddef.h>

#include "base/err.h"
#include "lazy.h"
#include "prog.h"

/* libcurl's ABI has been .so.4 since 2006 (7.16). */
#define MC_LIBCURL_SO "libcurl.so.4"

#define LAZY_FUNCS(X)                                                                         \
	X(curl_easy_cleanup) X(curl_easy_getinfo) X(curl_easy_init) X(curl_easy_perform)      \
	X(curl_easy_reset) X(curl_easy_setopt) X(curl_easy_strerror) X(curl_multi_add_handle) \
	X(curl_multi_cleanup) X(curl_multi_info_read) X(curl_multi_init)                      \
	X(curl_multi_perform) X(curl_multi_poll) X(curl_multi_remove_handle)                 \
	X(curl_multi_setopt) X(curl_multi_wakeup) X(curl_slist_append)                       \
	X(curl_slist_free_all)

static struct {
	void *lib;
	LAZY_FUNCS(LAZY_PTR)
} lz;

/* Load the library and every function, or end the program (exit 1) with
 * a message naming the library. Once loaded, it stays. */
static void need(void)
{
	static const char *const names[] = { LAZY_FUNCS(LAZY_NAME) };
	void *fns[sizeof names / sizeof *names], *lib;
	struct mc_err err = { 0 };
	size_t i = 0;
	if (lz.lib)
		return;
	if (lazy_load(MC_LIBCURL_SO, "libcurl", "needed for --dest=odps://", names, fns,
		      sizeof names / sizeof *names, &lib, &err) < 0)
		prog_fail(&err);
	LAZY_FUNCS(LAZY_SET)
	lz.lib = lib;
}

/* The variadic ones take one argument, whose type the option's number
 * says (curl.h: CURLOPTTYPE_*; CURLMOPT_* use the same bases). */
#define PASS_ONE(call, o, ap)                                                 \
	((o) < CURLOPTTYPE_OBJECTPOINT	    ? call(va_arg(ap, long))                \
	 : (o) < CURLOPTTYPE_FUNCTIONPOINT ? call(va_arg(ap, void *))             \
	 : (o) < CURLOPTTYPE_OFF_T	    ? call(va_arg(ap, void (*)(void)))      \
	 : (o) < CURLOPTTYPE_BLOB	    ? call(va_arg(ap, curl_off_t))          \
					    : call(va_arg(ap, void *)))

CURLcode curl_easy_setopt(CURL *c, CURLoption o, ...)
{
	va_list ap;
	CURLcode r;
	need();
	va_start(ap, o);
#define EASY(v) lz.curl_easy_setopt(c, o, v)
	r = PASS_ONE(EASY, o, ap);
#undef EASY
	va_end(ap);
	return r;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption o, ...)
{
	va_list ap;
	CURLMcode r;
	need();
	va_start(ap, o);
#define MULTI(v) lz.curl_multi_setopt(m, o, v)
	r = PASS_ONE(MULTI, o, ap);
#undef MULTI
	va_end(ap);
	return r;
}

/* Every CURLINFO takes a pointer. */
CURLcode curl_easy_getinfo(CURL *c, CURLINFO i, ...)
{
	va_list ap;
	void *p;
	need();
	va_start(ap, i);
	p = va_arg(ap, void *);
	va_end(ap);
	return lz.curl_easy_getinfo(c, i, p);
}

CURL *curl_easy_init(void)
{
	need();
	return lz.curl_easy_init();
}

void curl_easy_cleanup(CURL *c)
{
	need();
	lz.curl_easy_cleanup(c);
}

CURLcode curl_easy_perform(CURL *c)
{
	need();
	return lz.curl_easy_perform(c);
}

void curl_easy_reset(CURL *c)
{
	need();
	lz.curl_easy_reset(c);
}

const char *curl_easy_strerror(CURLcode e)
{
	need();
	return lz.curl_easy_strerror(e);
}

CURLM *curl_multi_init(void)
{
	need();
	return lz.curl_multi_init();
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	need();
	return lz.curl_multi_cleanup(m);
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *c)
{
	need();
	return lz.curl_multi_add_handle(m, c);
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *c)
{
	need();
	return lz.curl_multi_remove_handle(m, c);
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	need();
	return lz.curl_multi_info_read(m, left);
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
	need();
	return lz.curl_multi_perform(m, running);
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned n, int ms, int *ret)
{
	need();
	return lz.curl_multi_poll(m, extra, n, ms, ret);
}

CURLMcode curl_multi_wakeup(CURLM *m)
{
	need();
	return lz.curl_multi_wakeup(m);
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
	need();
	return lz.curl_slist_append(l, s);
}

void curl_slist_free_all(struct curl_slist *l)
{
	need();
	lz.curl_slist_free_all(l);
}
