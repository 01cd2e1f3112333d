#!/bin/sh
# ALTER TABLE ... ADD PARTITION changes no column. The code that follows
# DDL in the binlog (common/binlog/ddl.c) took PARTITION for the name of a
# column added: a tail of binlog files whose table maps carry no names
# (MINIMAL) went on with a schema record of a new version whose columns
# were named @1, @2, ... and whose primary key was lost, exit 0, no
# warning; the warehouse then held a second schema version of the table
# without its names. Now the schema stays the one its CREATE TABLE gave,
# in files and live, and the partitioning's other statements (DROP,
# TRUNCATE, REORGANIZE PARTITION) change nothing either.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start --binlog-row-metadata=MINIMAL
p0=$(sql "SHOW MASTER STATUS" | awk '{print $1 ":" $2}')
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, a INT, b INT)
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10));
INSERT INTO d.t VALUES (1, 10, 20);
ALTER TABLE d.t ADD PARTITION (PARTITION p1 VALUES LESS THAN (20));
INSERT INTO d.t VALUES (12, 30, 40);
ALTER TABLE d.t TRUNCATE PARTITION p0;
ALTER TABLE d.t REORGANIZE PARTITION p1 INTO (PARTITION p1a VALUES LESS THAN (15), PARTITION p1b VALUES LESS THAN (20));
INSERT INTO d.t VALUES (13, 50, 60);" || { fail "setup" "sql failed"; exit 1; }
f=${p0%%:*}

check() { # WHAT: the text stream in $T/out.txt, $T/err
	expect_eq "$1: no warning" "$(cat "$T/err")" ""
	expect_eq "$1: one schema record (no new version for the partitions)" \
		"$(grep -c '^schema `d`.`t`' "$T/out.txt")" 1
	expect_grep "$1: ... with its names and key" '^schema `d`.`t` v1 .* key=1$' "$T/out.txt"
	expect_grep "$1: ... column b" '^  col @3 `b` int INT' "$T/out.txt"
	expect_eq "$1: the three rows in version 1" "$(grep -c '^row insert `d`.`t` v1 ' "$T/out.txt")" 3
}
expect_ok "files: read" sh -c "mc-binlog-tail --format=text --from='$MDB_DIR/binlog/$p0' \
	'$MDB_DIR/binlog/$f' >'$T/out.txt' 2>'$T/err'"
check files
expect_ok "live: read" sh -c "timeout -k 5 30 mc-binlog-tail $MDB_ARGS \
	--server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 --stop-at-end --format=text \
	--tables='^d[.]' --start='$p0' >'$T/out.txt' 2>'$T/err'"
check live
