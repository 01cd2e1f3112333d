/* mariadb_lazy.c: the libmariadb functions of mc-binlog-tail's live mode,
 * called through pointers loaded by dlopen when a server connection is
 * asked for (mariadb_lazy.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <mysql.h>
#include <mariadb_rpl.h>

#include "lazy.h"
#include "mariadb_lazy.h"
#include "prog.h"

#if MARIADB_PACKAGE_VERSION_ID < 30000 || MARIADB_PACKAGE_VERSION_ID >= 40000
#error "mariadb_lazy.c opens libmariadb.so.3: the headers are of another major version"
#endif
#define MC_LIBMARIADB_SO "libmariadb.so.3"

/* every libmariadb function the live code calls */
#define LAZY_FUNCS(X)                                                                        \
	X(mariadb_connection) X(mariadb_free_rpl_event) X(mariadb_get_infov)                 \
	X(mariadb_rpl_close) X(mariadb_rpl_fetch) X(mariadb_rpl_init_ex) X(mariadb_rpl_open) \
	X(mariadb_rpl_optionsv) X(mysql_close) X(mysql_errno) X(mysql_error)                 \
	X(mysql_fetch_lengths) X(mysql_fetch_row) X(mysql_free_result)                       \
	X(mysql_get_server_info) X(mysql_get_socket) X(mysql_get_ssl_cipher) X(mysql_init)   \
	X(mysql_more_results) X(mysql_next_result) X(mysql_num_rows) X(mysql_optionsv)       \
	X(mysql_query) X(mysql_real_connect) X(mysql_real_escape_string) X(mysql_ssl_set)    \
	X(mysql_stmt_errno) X(mysql_stmt_error) X(mysql_store_result)

static struct {
	void *lib;
	LAZY_FUNCS(LAZY_PTR)
} lz;

int mariadb_lazy_open(struct mc_err *err)
{
	static const char *const names[] = { LAZY_FUNCS(LAZY_NAME) };
	void *fns[sizeof names / sizeof *names], *lib;
	size_t i = 0;
	if (lz.lib)
		return 0;
	if (lazy_load(MC_LIBMARIADB_SO, "the MariaDB client library", "needed to read a server",
		      names, fns, sizeof names / sizeof *names, &lib, err) < 0)
		return -1;
	LAZY_FUNCS(LAZY_SET)
	lz.lib = lib;
	return 0;
}

/* The functions: main opens the library before a connection is made;
 * should a call come first, it is opened here (exit 1 if it cannot be). */
static void need(void)
{
	struct mc_err err = { 0 };
	if (!lz.lib && mariadb_lazy_open(&err) < 0)
		prog_fail(&err);
}

my_bool STDCALL mariadb_connection(MYSQL *m)
{
	need();
	return lz.mariadb_connection(m);
}

void STDCALL mariadb_free_rpl_event(MARIADB_RPL_EVENT *e)
{
	need();
	lz.mariadb_free_rpl_event(e);
}

/* The values mcsync asks for take one pointer and nothing after it. */
my_bool mariadb_get_infov(MYSQL *m, enum mariadb_value value, void *arg, ...)
{
	need();
	return lz.mariadb_get_infov(m, value, arg);
}

void STDCALL mariadb_rpl_close(MARIADB_RPL *r)
{
	need();
	lz.mariadb_rpl_close(r);
}

MARIADB_RPL_EVENT *STDCALL mariadb_rpl_fetch(MARIADB_RPL *r, MARIADB_RPL_EVENT *e)
{
	need();
	return lz.mariadb_rpl_fetch(r, e);
}

MARIADB_RPL *STDCALL mariadb_rpl_init_ex(MYSQL *m, unsigned int version)
{
	need();
	return lz.mariadb_rpl_init_ex(m, version);
}

int STDCALL mariadb_rpl_open(MARIADB_RPL *r)
{
	need();
	return lz.mariadb_rpl_open(r);
}

/* Each option passed on with the arguments libmariadb reads for it; one
 * mcsync does not use is refused (1, as libmariadb refuses a bad one). */
int STDCALL mariadb_rpl_optionsv(MARIADB_RPL *r, enum mariadb_rpl_option opt, ...)
{
	va_list ap;
	int rc = 1;
	need();
	va_start(ap, opt);
	switch (opt) {
	case MARIADB_RPL_FILENAME: {
		char *name = va_arg(ap, char *);
		size_t len = va_arg(ap, size_t);
		rc = lz.mariadb_rpl_optionsv(r, opt, name, len);
		break;
	}
	case MARIADB_RPL_START:
		rc = lz.mariadb_rpl_optionsv(r, opt, va_arg(ap, unsigned long));
		break;
	case MARIADB_RPL_SERVER_ID:
	case MARIADB_RPL_FLAGS:
		rc = lz.mariadb_rpl_optionsv(r, opt, va_arg(ap, unsigned int));
		break;
	default:
		break;
	}
	va_end(ap);
	return rc;
}

void STDCALL mysql_close(MYSQL *m)
{
	need();
	lz.mysql_close(m);
}

unsigned int STDCALL mysql_errno(MYSQL *m)
{
	need();
	return lz.mysql_errno(m);
}

const char *STDCALL mysql_error(MYSQL *m)
{
	need();
	return lz.mysql_error(m);
}

unsigned long *STDCALL mysql_fetch_lengths(MYSQL_RES *res)
{
	need();
	return lz.mysql_fetch_lengths(res);
}

MYSQL_ROW STDCALL mysql_fetch_row(MYSQL_RES *res)
{
	need();
	return lz.mysql_fetch_row(res);
}

void STDCALL mysql_free_result(MYSQL_RES *res)
{
	need();
	lz.mysql_free_result(res);
}

char *STDCALL mysql_get_server_info(MYSQL *m)
{
	need();
	return lz.mysql_get_server_info(m);
}

my_socket STDCALL mysql_get_socket(MYSQL *m)
{
	need();
	return lz.mysql_get_socket(m);
}

const char *STDCALL mysql_get_ssl_cipher(MYSQL *m)
{
	need();
	return lz.mysql_get_ssl_cipher(m);
}

MYSQL *STDCALL mysql_init(MYSQL *m)
{
	need();
	return lz.mysql_init(m);
}

my_bool STDCALL mysql_more_results(MYSQL *m)
{
	need();
	return lz.mysql_more_results(m);
}

int STDCALL mysql_next_result(MYSQL *m)
{
	need();
	return lz.mysql_next_result(m);
}

my_ulonglong STDCALL mysql_num_rows(MYSQL_RES *res)
{
	need();
	return lz.mysql_num_rows(res);
}

/* The options mcsync sets take one pointer (a string, or an int's or a
 * my_bool's address). */
int mysql_optionsv(MYSQL *m, enum mysql_option opt, ...)
{
	va_list ap;
	const void *arg;
	need();
	va_start(ap, opt);
	arg = va_arg(ap, const void *);
	va_end(ap);
	return lz.mysql_optionsv(m, opt, arg);
}

int STDCALL mysql_query(MYSQL *m, const char *q)
{
	need();
	return lz.mysql_query(m, q);
}

MYSQL *STDCALL mysql_real_connect(MYSQL *m, const char *host, const char *user,
				  const char *passwd, const char *db, unsigned int port,
				  const char *unix_socket, unsigned long clientflag)
{
	need();
	return lz.mysql_real_connect(m, host, user, passwd, db, port, unix_socket, clientflag);
}

unsigned long STDCALL mysql_real_escape_string(MYSQL *m, char *to, const char *from,
					       unsigned long length)
{
	need();
	return lz.mysql_real_escape_string(m, to, from, length);
}

int STDCALL mysql_ssl_set(MYSQL *m, const char *key, const char *cert, const char *ca,
			  const char *capath, const char *cipher)
{
	need();
	return lz.mysql_ssl_set(m, key, cert, ca, capath, cipher);
}

unsigned int STDCALL mysql_stmt_errno(MYSQL_STMT *st)
{
	need();
	return lz.mysql_stmt_errno(st);
}

const char *STDCALL mysql_stmt_error(MYSQL_STMT *st)
{
	need();
	return lz.mysql_stmt_error(st);
}

MYSQL_RES *STDCALL mysql_store_result(MYSQL *m)
{
	need();
	return lz.mysql_store_result(m);
}
