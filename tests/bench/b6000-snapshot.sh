#!/bin/sh
# mc-snapshot throughput on a sysbench-prepared table (BENCH_ROWS rows,
# default 1000000) in a throwaway MariaDB, beside mydumper with the same
# --threads (BENCH_THREADS, default 4) and beside the mariadb client's
# `SELECT *` to /dev/null. Goal (issue 6): >= 1.2x mydumper's rows/s.
. "$(dirname "$0")/lib.sh"
N=${BENCH_ROWS:-1000000}
THREADS=${BENCH_THREADS:-4}
# tests/mariadb.sh expects the test library's T, BIN and fail
T=$W
fail() { echo "bench: $1: $2" >&2; }
MDB_BUFFER_POOL=${BENCH_BUFFER_POOL:-1G}
. "$TOP/tests/mariadb.sh"
mdb_start
sql "CREATE DATABASE sbtest"
sysbench oltp_read_only --db-driver=mysql --mysql-socket="$MDB_SOCK" --mysql-user=root \
	--mysql-db=sbtest --tables=1 --table-size="$N" prepare >"$W/sysbench.log" 2>&1 ||
	{ echo "bench: sysbench prepare failed: $(tail -3 "$W/sysbench.log")" >&2; exit 0; }

snap() { mc-snapshot $MDB_ARGS --databases=sbtest --threads="$THREADS"; }
dumper() {
	rm -rf "$W/dump"
	mydumper --socket="$MDB_SOCK" --user=root --database=sbtest --threads="$THREADS" \
		--rows=20000 --trx-consistency-only --outputdir="$W/dump" >/dev/null 2>&1
}
client() {
	"$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root --quick \
		-e 'SELECT * FROM sbtest.sbtest1'
}
snap >"$W/snap.mcr"
B=$(wc -c <"$W/snap.mcr")
client >/dev/null # warm the buffer pool
echo "table: sbtest.sbtest1, $N rows; mc-snapshot output $B bytes; threads $THREADS; median of $RUNS runs"
for i in $(seq "$RUNS"); do
	clock mc-snapshot snap
	clock mydumper dumper
	clock mariadb-select client
done
echo "(ratios: our time / peer's time; below 1 means faster than the peer)"
report mydumper "$N" "$B"
report mariadb-select "$N" "$B"
report mc-snapshot "$N" "$B" mydumper mariadb-select
awk -v a="$(median mydumper)" -v b="$(median mc-snapshot)" \
	'BEGIN {printf "goal >= 1.2x mydumper rows/s: %.2fx (%s)\n", a/b, a/b >= 1.2 ? "met" : "not met"}'
