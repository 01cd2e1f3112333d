#include "mysql/myconn.h"

#include "stream/opt.h"

#include <errmsg.h>
#include <errno.h>
#include <mysqld_error.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"

const char *const my_ssl_mode_names[] = { "DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA",
					  "VERIFY_IDENTITY", NULL };

/* A file option: the client library would pass over a file it cannot
 * read (a missing defaults file: the local default socket, a wrong
 * server), so it is a usage error here. */
static int readable(const char *opt, const char *arg, const char **out, struct mc_err *err)
{
	if (access(arg, R_OK) != 0) {
		int e = errno;
		return mc_errf(err, MC_EXIT_USAGE, "--%s: '%s': %s", opt, arg, strerror(e));
	}
	*out = arg;
	return 1;
}

int my_opt(struct my_opts *o, int c, const char *arg, struct mc_err *err)
{
	uint64_t v;
	int mode;
	if (c == 'P' || c == 'S' || c == 'u')
		c = c == 'P' ? MY_O_PORT : c == 'S' ? MY_O_SOCKET : MY_O_USER;
	switch (c) {
	case MY_O_HOST: o->host = arg; return 1;
	case MY_O_PORT:
		if (opt_u64("port", arg, 1, 65535, &v, err) < 0)
			return -1;
		o->port = (unsigned)v;
		return 1;
	case MY_O_SOCKET: o->socket = arg; return 1;
	case MY_O_USER: o->user = arg; return 1;
	case MY_O_DEFAULTS: return readable("defaults-file", arg, &o->defaults_file, err);
	case MY_O_SSL_CA: return readable("ssl-ca", arg, &o->ssl_ca, err);
	case MY_O_SSL_CERT: return readable("ssl-cert", arg, &o->ssl_cert, err);
	case MY_O_SSL_KEY: return readable("ssl-key", arg, &o->ssl_key, err);
	case MY_O_SSL_MODE:
		if (opt_choice("ssl-mode", arg, my_ssl_mode_names, &mode, err) < 0)
			return -1;
		o->ssl_mode = (enum my_ssl_mode)(mode + 1);
		return 1;
	}
	return 0;
}

int my_errno_transient(unsigned e)
{
	switch (e) {
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case CR_IPSOCK_ERROR:
	case ER_LOCK_WAIT_TIMEOUT:
	case ER_LOCK_DEADLOCK:
	case ER_SERVER_SHUTDOWN:
	case ER_CON_COUNT_ERROR:
	case ER_CONNECTION_KILLED:
	case ER_QUERY_INTERRUPTED:
		return 1;
	default:
		return 0;
	}
}

int my_fail(MYSQL *m, struct mc_err *err, const char *what)
{
	unsigned e = mysql_errno(m);
	return mc_errf(err, my_errno_transient(e) ? MC_EXIT_TRANSIENT : MC_EXIT_DATA,
		       "%s: %s (%u)", what, mysql_error(m), e);
}

int my_stmt_fail(MYSQL_STMT *st, struct mc_err *err, const char *what)
{
	unsigned e = mysql_stmt_errno(st);
	return mc_errf(err, my_errno_transient(e) ? MC_EXIT_TRANSIENT : MC_EXIT_DATA,
		       "%s: %s (%u)", what, mysql_stmt_error(st), e);
}

int my_connect(const struct my_opts *o, MYSQL **out, struct mc_err *err)
{
	MYSQL *m = mysql_init(NULL);
	const char *pwd = NULL;
	*out = NULL;
	if (!m)
		return mc_oom(err, "mysql_init");
	mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (o->defaults_file) {
		mysql_optionsv(m, MYSQL_READ_DEFAULT_FILE, o->defaults_file);
		mysql_optionsv(m, MYSQL_READ_DEFAULT_GROUP, "client");
	} else {
		pwd = getenv("MYSQL_PWD");
	}
	if (o->ssl_mode != MY_SSL_DISABLED) {
		if (o->ssl_ca)
			mysql_optionsv(m, MYSQL_OPT_SSL_CA, o->ssl_ca);
		if (o->ssl_cert)
			mysql_optionsv(m, MYSQL_OPT_SSL_CERT, o->ssl_cert);
		if (o->ssl_key)
			mysql_optionsv(m, MYSQL_OPT_SSL_KEY, o->ssl_key);
		if (o->ssl_mode >= MY_SSL_REQUIRED) {
			my_bool on = 1;
			/* mysql_ssl_set turns TLS on even without files */
			mysql_ssl_set(m, o->ssl_key, o->ssl_cert, o->ssl_ca, NULL, NULL);
			mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);
		}
		my_bool verify = o->ssl_mode >= MY_SSL_VERIFY_CA;
		mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
	}
	unsigned timeout = 30;
	mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	if (!mysql_real_connect(m, o->host, o->user, pwd, NULL, o->port, o->socket, 0)) {
		const char *where = o->socket ? o->socket : o->host ? o->host : "localhost";
		my_fail(m, err, "connecting");
		if (mysql_errno(m) == CR_UNKNOWN_HOST)
			err->code = MC_EXIT_USAGE; /* a name that does not resolve: fix the command */
		mc_errctx(err, "'%s': ", where);
		mysql_close(m);
		return -1;
	}
	/* Connector/C 3.x falls back to a plain TCP connection when the
	 * server has no TLS unless the certificate is verified: REQUIRED is
	 * checked here (the password went out hashed with the server's salt).
	 * A Unix socket is local and never uses TLS: not an error. */
	unsigned pvio = MARIADB_CONNECTION_UNIXSOCKET;
	if (o->ssl_mode >= MY_SSL_REQUIRED &&
	    mariadb_get_infov(m, MARIADB_CONNECTION_PVIO_TYPE, &pvio) == 0 &&
	    pvio != MARIADB_CONNECTION_UNIXSOCKET && !mysql_get_ssl_cipher(m)) {
		const char *where = o->socket ? o->socket : o->host ? o->host : "localhost";
		mc_errf(err, MC_EXIT_DATA,
			"connecting: '%s': --ssl-mode=%s but the server did not start TLS", where,
			my_ssl_mode_names[o->ssl_mode - 1]);
		mysql_close(m);
		return -1;
	}
	/* the charset again, as SET NAMES does: a server started with
	 * --skip-character-set-client-handshake ignores the one the handshake
	 * asked for and would send text in character_set_server ('?' for
	 * what latin1 cannot hold) */
	if (my_exec(m,
		    "SET SESSION time_zone='+00:00', SESSION sql_mode='', "
		    "SESSION net_write_timeout=600, SESSION net_read_timeout=600, "
		    "SESSION character_set_client='utf8mb4', "
		    "SESSION character_set_connection='utf8mb4', "
		    "SESSION character_set_results='utf8mb4'",
		    err) < 0 ||
	    my_exec(m, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", err) < 0) {
		mysql_close(m);
		return -1;
	}
	*out = m;
	return 0;
}

int my_exec(MYSQL *m, const char *sql, struct mc_err *err)
{
	if (mysql_query(m, sql) != 0)
		return my_fail(m, err, sql);
	MYSQL_RES *r = mysql_store_result(m);
	if (r)
		mysql_free_result(r);
	else if (mysql_errno(m))
		return my_fail(m, err, sql);
	return 0;
}

int my_query(MYSQL *m, const char *sql, MYSQL_RES **res, struct mc_err *err)
{
	*res = NULL;
	if (mysql_query(m, sql) != 0)
		return my_fail(m, err, sql);
	*res = mysql_store_result(m);
	if (!*res)
		return mysql_errno(m) ? my_fail(m, err, sql)
				      : mc_errf(err, MC_EXIT_DATA, "%s: no result", sql);
	return 0;
}

int my_is_mariadb(MYSQL *m)
{
	const char *v = mysql_get_server_info(m);
	return v && strstr(v, "MariaDB") != NULL;
}
