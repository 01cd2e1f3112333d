/* compress_lazy.c: mc-binlog-tail opens libzstd and zlib (dlopen) only
 * when it first needs one of them: a zstd-compressed binlog file, the
 * spill of a large transaction (a zstd temporary file), a MySQL
 * TRANSACTION_PAYLOAD (zstd) or a MariaDB compressed event (zlib). A run
 * over plain binlogs, the common case, does not pay for loading them at
 * every start (two libraries mapped and relocated, their RELRO pages
 * protected: about 0.3 ms of CPU here, on a VM where page faults and TLB
 * flushes trap to the hypervisor; docs/mc-binlog-tail.md "Performance").
 * The functions the program calls are defined here as calls through
 * pointers that dlopen fills; mc-binlog-tail is linked without -lzstd and
 * -lz (Makefile), so a function the code starts to use and this file does
 * not define fails the link. Freeing a null context loads nothing. */
#include <stddef.h>

#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_c_stableInBuffer, as zio.c */
#include <zlib.h>
#include <zstd.h>

#include "base/err.h"
#include "lazy.h"
#include "prog.h"

/* the ABIs: libzstd.so.1 since 1.0 (2016), libz.so.1 since 1995 */
#define MC_LIBZSTD_SO "libzstd.so.1"
#define MC_LIBZ_SO "libz.so.1"

#define ZSTD_FUNCS(X)                                                                      \
	X(ZSTD_CCtx_setParameter) X(ZSTD_CStreamOutSize) X(ZSTD_DCtx_reset)                 \
	X(ZSTD_compressStream2) X(ZSTD_createCCtx) X(ZSTD_createDCtx)                      \
	X(ZSTD_decompressStream) X(ZSTD_freeCCtx) X(ZSTD_freeDCtx) X(ZSTD_getErrorName)    \
	X(ZSTD_isError)
#define Z_FUNCS(X) X(inflate) X(inflateEnd) X(inflateInit2_) X(uncompress)

static struct {
	void *zstd, *z;
	ZSTD_FUNCS(LAZY_PTR)
	Z_FUNCS(LAZY_PTR)
} lz;

/* Load a library and its functions, or end the program (exit 1) with a
 * message naming the library. Once loaded, it stays. */
static void *load(const char *so, const char *const *names, void **fns, size_t n)
{
	struct mc_err err = { 0 };
	void *lib;
	if (lazy_load(so, so, "needed for compressed data", names, fns, n, &lib, &err) < 0)
		prog_fail(&err);
	return lib;
}

static void need_zstd(void)
{
	static const char *const names[] = { ZSTD_FUNCS(LAZY_NAME) };
	void *fns[sizeof names / sizeof *names];
	size_t i = 0;
	if (lz.zstd)
		return;
	lz.zstd = load(MC_LIBZSTD_SO, names, fns, sizeof names / sizeof *names);
	ZSTD_FUNCS(LAZY_SET)
}

static void need_z(void)
{
	static const char *const names[] = { Z_FUNCS(LAZY_NAME) };
	void *fns[sizeof names / sizeof *names];
	size_t i = 0;
	if (lz.z)
		return;
	lz.z = load(MC_LIBZ_SO, names, fns, sizeof names / sizeof *names);
	Z_FUNCS(LAZY_SET)
}

/* The program is not linked with -rdynamic: these are not exported, and a
 * library loaded later (libmariadb, which links zlib) binds its own. */

size_t ZSTD_CCtx_setParameter(ZSTD_CCtx *c, ZSTD_cParameter param, int value)
{
	need_zstd();
	return lz.ZSTD_CCtx_setParameter(c, param, value);
}

size_t ZSTD_CStreamOutSize(void)
{
	need_zstd();
	return lz.ZSTD_CStreamOutSize();
}

size_t ZSTD_DCtx_reset(ZSTD_DCtx *d, ZSTD_ResetDirective reset)
{
	need_zstd();
	return lz.ZSTD_DCtx_reset(d, reset);
}

size_t ZSTD_compressStream2(ZSTD_CCtx *c, ZSTD_outBuffer *out, ZSTD_inBuffer *in,
				 ZSTD_EndDirective end)
{
	need_zstd();
	return lz.ZSTD_compressStream2(c, out, in, end);
}

ZSTD_CCtx *ZSTD_createCCtx(void)
{
	need_zstd();
	return lz.ZSTD_createCCtx();
}

ZSTD_DCtx *ZSTD_createDCtx(void)
{
	need_zstd();
	return lz.ZSTD_createDCtx();
}

size_t ZSTD_decompressStream(ZSTD_DCtx *d, ZSTD_outBuffer *out, ZSTD_inBuffer *in)
{
	need_zstd();
	return lz.ZSTD_decompressStream(d, out, in);
}

size_t ZSTD_freeCCtx(ZSTD_CCtx *c)
{
	if (!c)
		return 0;
	need_zstd();
	return lz.ZSTD_freeCCtx(c);
}

size_t ZSTD_freeDCtx(ZSTD_DCtx *d)
{
	if (!d)
		return 0;
	need_zstd();
	return lz.ZSTD_freeDCtx(d);
}

const char *ZSTD_getErrorName(size_t code)
{
	need_zstd();
	return lz.ZSTD_getErrorName(code);
}

unsigned ZSTD_isError(size_t code)
{
	need_zstd();
	return lz.ZSTD_isError(code);
}

int inflate(z_streamp s, int flush)
{
	need_z();
	return lz.inflate(s, flush);
}

int inflateEnd(z_streamp s)
{
	need_z();
	return lz.inflateEnd(s);
}

int inflateInit2_(z_streamp s, int window_bits, const char *version, int stream_size)
{
	need_z();
	return lz.inflateInit2_(s, window_bits, version, stream_size);
}

int uncompress(Bytef *dest, uLongf *dest_len, const Bytef *src, uLong src_len)
{
	need_z();
	return lz.uncompress(dest, dest_len, src, src_len);
}
