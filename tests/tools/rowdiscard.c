/* rowdiscard: the server's own time for a snapshot's chunks, for the
 * benchmark of mc-snapshot (tests/bench/b6000-snapshot.sh).
 *
 *   rowdiscard SOCKET THREADS TABLE KEY COLUMNS MAX STEP
 *
 * THREADS connections (root, over the socket) take the ranges (a, a+STEP]
 * of integer KEY from 0 to MAX in turn, each in its own transaction WITH
 * CONSISTENT SNAPSHOT as mc-snapshot reads its chunks, and run
 * `SELECT COLUMNS FROM TABLE WHERE KEY > a AND KEY <= a+STEP ORDER BY KEY`
 * through the text protocol (mysql_use_result), fetching every row and
 * discarding it: what is left is the server's work and the transfer, the
 * least a client can cost. Prints the rows read to standard output. */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mysql.h>

static const char *sock, *table, *key, *cols;
static uint64_t max_key, step;
static atomic_uint_fast64_t next_lo, total_rows;
static atomic_int failed;

static void *reader(void *arg)
{
	(void)arg;
	MYSQL *m = mysql_init(NULL);
	char q[4096];
	if (!m || !mysql_real_connect(m, NULL, "root", NULL, NULL, 0, sock, 0)) {
		fprintf(stderr, "rowdiscard: connect: %s\n", m ? mysql_error(m) : "no memory");
		atomic_store(&failed, 1);
		return NULL;
	}
	for (;;) {
		uint64_t lo = atomic_fetch_add(&next_lo, step), n = 0;
		if (lo >= max_key)
			break;
		snprintf(q, sizeof q,
			 "SELECT %s FROM %s WHERE %s > %" PRIu64 " AND %s <= %" PRIu64
			 " ORDER BY %s",
			 cols, table, key, lo, key, lo + step, key);
		MYSQL_RES *res = NULL;
		if (mysql_query(m, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY") != 0 ||
		    mysql_query(m, q) != 0 || !(res = mysql_use_result(m))) {
			fprintf(stderr, "rowdiscard: %s\n", mysql_error(m));
			atomic_store(&failed, 1);
			break;
		}
		while (mysql_fetch_row(res))
			n++;
		mysql_free_result(res);
		if (mysql_errno(m) || mysql_query(m, "COMMIT") != 0) {
			fprintf(stderr, "rowdiscard: %s\n", mysql_error(m));
			atomic_store(&failed, 1);
			break;
		}
		atomic_fetch_add(&total_rows, n);
	}
	mysql_close(m);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 8) {
		fprintf(stderr, "usage: rowdiscard SOCKET THREADS TABLE KEY COLUMNS MAX STEP\n");
		return 2;
	}
	sock = argv[1];
	int nth = atoi(argv[2]);
	table = argv[3];
	key = argv[4];
	cols = argv[5];
	max_key = strtoull(argv[6], NULL, 10);
	step = strtoull(argv[7], NULL, 10);
	if (nth < 1 || nth > 64 || step == 0) {
		fprintf(stderr, "rowdiscard: bad THREADS or STEP\n");
		return 2;
	}
	mysql_library_init(0, NULL, NULL);
	pthread_t th[64];
	for (int i = 0; i < nth; i++)
		if (pthread_create(&th[i], NULL, reader, NULL) != 0) {
			fprintf(stderr, "rowdiscard: cannot start a thread\n");
			return 1;
		}
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	mysql_library_end();
	printf("%" PRIu64 "\n", (uint64_t)atomic_load(&total_rows));
	return atomic_load(&failed) ? 1 : 0;
}
