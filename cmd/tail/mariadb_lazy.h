/* mariadb_lazy.h: mc-binlog-tail opens the MariaDB client library (and
 * with it OpenSSL) only when it connects to a server: reading binlog
 * files, a run does not pay for loading them (about 1.5 ms of a 7 ms run
 * on a small binlog). mariadb_lazy.c defines the libmariadb functions the
 * live code calls (common/mysql, common/engine/tail_live.c) as calls
 * through pointers that mariadb_lazy_open fills by dlopen; the program is
 * linked without -lmariadb, so a libmariadb function the live code starts
 * to use and mariadb_lazy.c does not define fails the link. */
#ifndef MC_MARIADB_LAZY_H
#define MC_MARIADB_LAZY_H

#include "base/err.h"

/* Load the library and every function: 0, or -1 (exit 1) with a message
 * naming the library. Once loaded, it stays. */
int mariadb_lazy_open(struct mc_err *err);

#endif
