#!/bin/sh
# MariaDB's compressed binlog events (log_bin_compress=ON: Write/Update/
# Delete_compressed_rows, Query_compressed) read live: a row event of more
# than 16 MB (a 17 MB LONGBLOB value; MariaDB does not compress random
# bytes, but the event is still a compressed-rows event) stops the live tail
# in Connector/C (CR_ERR_BINLOG_UNCOMPRESS), which mcsync cannot get past
# live: exit 1 saying what failed, where (binlog and offset) and the way
# on (read the binlog files, which decode it). (The message was "reading
# the binlog stream: HY000 (5017)", no text, no offset: found by a
# tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start --max-allowed-packet=256M
big() { # ID MB
	"$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root --max-allowed-packet=1G d -e "
	SET SESSION group_concat_max_len = 200000000;
	SET @x = (SELECT GROUP_CONCAT(RANDOM_BYTES(1024) SEPARATOR '') FROM seq_1_to_$(($2 * 1024)));
	INSERT INTO z VALUES ($1, @x)"
}
sql "CREATE DATABASE d; CREATE TABLE d.z (id INT PRIMARY KEY, b LONGBLOB)"
big 1 17 # not compressed: the control
sql "SET GLOBAL log_bin_compress = ON; FLUSH BINARY LOGS"
big 2 1
big 3 17
sql "INSERT INTO d.z VALUES (4, 'after')"
mc-binlog-tail "$MDB_DIR"/binlog/mysql-bin.00000[12] >"$T/files.mcr" 2>"$T/ferr"
expect_eq "the binlog FILEs: exit 0, rows 1 2 3 4" "$?:$(mc-cat --to=csv --table=d.z "$T/files.mcr" | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "0:1 2 3 4 "
expect_code 1 "live, a compressed rows event of 17 MB: exit 1" timeout -k 5 120 mc-binlog-tail \
	$MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 --stop-at-end --start=mysql-bin.000001:4
expect_grep "... what failed, where, and the way on (the files)" \
	"reading the binlog stream at mysql-bin.000002:[0-9]+: the client library \\(Connector/C\\) cannot uncompress the compressed event there .*read the binlog files instead" "$T/err"
expect_eq "... the transactions before it written" \
	"$(mc-cat --to=csv --table=d.z "$T/out" 2>/dev/null | tail -n +2 | cut -d, -f1 | tr '\n' ' ')" "1 2 "
