#!/bin/sh
# binlog_row_metadata=NO_LOG (MariaDB's default) and a table without a
# charset clause (the server's default utf8mb4), a row with 'é': the FILE
# read whole, live from offset 4, and live with --schema all give the
# value (UTF-8 taken as it is; text that is not UTF-8 is refused, t2102)
# (docs/mc-binlog-tail.md "Types"). (Every non-ASCII text was refused:
# found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start --binlog-row-metadata=NO_LOG
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, s VARCHAR(10)) ENGINE=InnoDB;
INSERT INTO d.t VALUES (0, 'a')"
mdb_snap_d
P=$(mdb_pos)
sql "INSERT INTO d.t VALUES (1, 'é')"
expect_eq "the server's default charset is utf8mb4 (the column's)" \
	"$(sql "SELECT CHARACTER_SET_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='d' AND TABLE_NAME='t' AND COLUMN_NAME='s'")" utf8mb4
B=$MDB_DIR/binlog
rows() { mc-cat "$T/out" 2>/dev/null | grep '"kind":"row"' | sed 's/.*"after":\(.*\)}$/\1/' | tr '\n' ' '; }
live() { timeout -k 5 30 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 1)) --heartbeat=0 --stop-at-end "$@"; }
expect_ok "live from after the CREATE TABLE (information_schema asked): exit 0" live --start=mysql-bin.000001:$P
expect_eq "... the value exact" "$(rows)" '[1,"é"] '
expect_ok "live from the start (the CREATE DATABASE and CREATE TABLE read): exit 0" live --start=mysql-bin.000001:4
expect_eq "... the value exact" "$(rows)" '[0,"a"] [1,"é"] '
expect_ok "live from after the CREATE TABLE with --schema (mc-snapshot's): exit 0" \
	live --schema="$T/snap.mcr" --start=mysql-bin.000001:$P
expect_ok "the whole binlog FILE, its CREATE DATABASE and CREATE TABLE read: exit 0" \
	mc-binlog-tail "$B/mysql-bin.000001"
expect_eq "... the value exact" "$(rows)" '[0,"a"] [1,"é"] '
if grep -q "nor was its CREATE TABLE read" "$T/err" 2>/dev/null; then
	fail "no refusal saying the CREATE TABLE was not read" "it was read (the FILE from offset 4)"
else
	ok "no refusal saying the CREATE TABLE was not read"
fi
