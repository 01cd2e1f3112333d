#!/bin/sh
# Django-style transactions: 20 savepoints set and released (MariaDB does
# not log RELEASE), then a ROLLBACK TO a later one: the tail keeps up to 128
# savepoints a transaction, and the copy holds the server's rows
# (docs/mc-binlog-tail.md "Savepoints"). (Refused, "its SAVEPOINT is not in
# the transaction read": found by a tester.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
q="CREATE DATABASE d; USE d;
CREATE TABLE audit (id INT PRIMARY KEY, v INT) ENGINE=MyISAM;
CREATE TABLE x (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
CREATE TRIGGER x_ai AFTER INSERT ON x FOR EACH ROW INSERT INTO audit VALUES (NEW.id, NEW.v);
BEGIN;"
i=1
while [ $i -le 20 ]; do
	q="$q SAVEPOINT s_x$i; INSERT INTO x VALUES ($i, $i); RELEASE SAVEPOINT s_x$i;"
	i=$((i + 1))
done
q="$q SAVEPOINT s_x21; INSERT INTO x VALUES (21, 21); ROLLBACK TO SAVEPOINT s_x21; COMMIT;"
sql "$q"
srv=$(sql "SELECT COUNT(*), MAX(id) FROM d.x" | tr '\t' ' ')
expect_eq "the server committed rows 1 to 20" "$srv" "20 20"
expect_ok "the binlog is read" mc-binlog-tail "$MDB_DIR/binlog/mysql-bin.000001"
expect_eq "... the copy holds rows 1 to 20" \
	"$(mc-cat --to=csv --table=d.x "$T/out" 2>/dev/null | tail -n +2 | cut -d, -f1 | sort -n | awk '{ n++; m = $1 } END { print n + 0, m + 0 }')" "20 20"
