/* myconn.h: MySQL/MariaDB client connections (MariaDB Connector/C) with
 * the options of the mysql command-line clients, and errors classified
 * into exit codes: a lost or refused connection is transient (3), the
 * rest permanent (1). */
#ifndef MC_MYCONN_H
#define MC_MYCONN_H

#include <stdint.h>
#include <mysql.h>

#include "base/err.h"

enum my_ssl_mode {
	MY_SSL_DEFAULT = 0, /* as the client library does (TLS when asked by options) */
	MY_SSL_DISABLED,
	MY_SSL_PREFERRED,
	MY_SSL_REQUIRED,
	MY_SSL_VERIFY_CA,
	MY_SSL_VERIFY_IDENTITY,
};

/* Connection options; strings are borrowed. NULL means unset. The
 * password comes from the defaults file, else MYSQL_PWD. */
struct my_opts {
	const char *host, *socket, *user, *defaults_file;
	unsigned port;
	const char *ssl_ca, *ssl_cert, *ssl_key;
	enum my_ssl_mode ssl_mode;
};

/* Names for --ssl-mode, NULL-terminated, in enum order from DISABLED. */
extern const char *const my_ssl_mode_names[];

/* The connection options of the mysql clients as getopt_long entries
 * (the caller includes <getopt.h>): --host, --port, --socket, --user,
 * --defaults-file, --ssl-ca, --ssl-cert, --ssl-key, --ssl-mode, each with
 * its MY_O_* value, for my_opt. */
enum {
	MY_O_HOST = 0x4d00, MY_O_PORT, MY_O_SOCKET, MY_O_USER, MY_O_DEFAULTS, MY_O_SSL_CA,
	MY_O_SSL_CERT, MY_O_SSL_KEY, MY_O_SSL_MODE,
};
#define MY_LONGOPTS                                                        \
	{ "host", required_argument, NULL, MY_O_HOST },                     \
	{ "port", required_argument, NULL, MY_O_PORT },                     \
	{ "socket", required_argument, NULL, MY_O_SOCKET },                 \
	{ "user", required_argument, NULL, MY_O_USER },                     \
	{ "defaults-file", required_argument, NULL, MY_O_DEFAULTS },        \
	{ "ssl-ca", required_argument, NULL, MY_O_SSL_CA },                 \
	{ "ssl-cert", required_argument, NULL, MY_O_SSL_CERT },             \
	{ "ssl-key", required_argument, NULL, MY_O_SSL_KEY },               \
	{ "ssl-mode", required_argument, NULL, MY_O_SSL_MODE }

/* The short connection options, the same in every program that connects:
 * -P PORT, -S SOCKET, -u USER, as the mysql clients have them (-h stays
 * --help, as in every mcsync program, and there is no -p: the password
 * never goes on the command line). A program puts MY_SHORTOPTS in
 * getopt_long's optstring and MY_OPT_CASES as the case labels that hand
 * the option to my_opt:
 *
 *	getopt_long(argc, argv, MY_SHORTOPTS "f:hV", longopts, NULL)
 *	...
 *	MY_OPT_CASES:
 *		if (my_opt(&conn, c, optarg, &err) < 0)
 *			prog_usage_error("%s", err.msg);
 *		break;
 *
 * It must not use 'P', 'S' or 'u' as the value of another long option. */
#define MY_SHORTOPTS "P:S:u:"
#define MY_OPT_CASES                                                       \
	case 'P': case 'S': case 'u': case MY_O_HOST: case MY_O_PORT:       \
	case MY_O_SOCKET: case MY_O_USER: case MY_O_DEFAULTS:              \
	case MY_O_SSL_CA: case MY_O_SSL_CERT: case MY_O_SSL_KEY:           \
	case MY_O_SSL_MODE

/* Apply option c (getopt_long's return: an MY_O_* value or a short option
 * of MY_SHORTOPTS) with its argument to o: 1 when c is a connection
 * option, 0 when it is not, -1 with a usage error (code 2) in err for a
 * bad value (a --defaults-file or --ssl-ca/-cert/-key file that cannot be
 * read is one). */
int my_opt(struct my_opts *o, int c, const char *arg, struct mc_err *err);

/* Open a connection with charset utf8mb4, session time_zone '+00:00' and
 * REPEATABLE READ. *out is owned by the caller (mysql_close). A host name
 * that does not resolve (CR_UNKNOWN_HOST) is a usage error (code 2), not
 * a transient one. */
int my_connect(const struct my_opts *o, MYSQL **out, struct mc_err *err);

/* Fill err from the connection's last error, prefixed by what was done;
 * returns -1. */
int my_fail(MYSQL *m, struct mc_err *err, const char *what);
int my_stmt_fail(MYSQL_STMT *st, struct mc_err *err, const char *what);

/* Is a client/server error number transient (connection lost, lock wait,
 * deadlock, server shutting down)? An unknown host is not. */
int my_errno_transient(unsigned e);

/* Run a statement that returns no rows (or discard them). */
int my_exec(MYSQL *m, const char *sql, struct mc_err *err);

/* Run a query and store its whole result (small results only). */
int my_query(MYSQL *m, const char *sql, MYSQL_RES **res, struct mc_err *err);

/* Is the server MariaDB? */
int my_is_mariadb(MYSQL *m);

#endif
