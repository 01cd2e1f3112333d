#!/bin/sh
# A column's name is not case-sensitive in MySQL/MariaDB: mc-transform's
# check of a RENAME COLUMN or CHANGE of a masked column (or one a types
# rule covers) to a name no rule covers applies whatever the case the
# statement writes it in (EMAIL, Email, AMOUNT): refused, exit 1, no
# e-mail in the clear in the output.
# (The rules were looked up case-sensitively: "RENAME COLUMN EMAIL TO
# contact" passed, exit 0, later e-mails in the clear: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d;
CREATE TABLE u (id INT PRIMARY KEY, email VARCHAR(60), amount DECIMAL(10,2));
INSERT INTO u VALUES (1,'alice@corp.com',1.50),(2,'bob@corp.com',2.25)" || { fail "setup" "sql"; exit 1; }
cat >"$T/r.yaml" <<'YAML'
select: {include: [{db: d}]}
names: {template: "${table}"}
mask: [{table: u, column: email, with: hash}]
types: [{table: u, column: amount, to: STRING}]
YAML
mdb_snap_d
n=0
try() { # SQL CLEANUP: the statement then an insert, through the rules
	n=$((n + 1))
	a=$(mdb_pos)
	sql "USE d; $1; INSERT INTO u VALUES (1$n, 'carol$n@corp.com', 3.75)" || { fail "setup" "sql: $1"; exit 1; }
	mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
		"$MDB_DIR/binlog/mysql-bin.000001" >"$T/ch$n.mcr" 2>"$T/err" ||
		{ fail "setup" "tail: $(cat "$T/err")"; exit 1; }
	expect_code 1 "$1: refused as in lower case" mc-transform --rules="$T/r.yaml" "$T/ch$n.mcr"
	if mc-cat "$T/out" 2>/dev/null | grep -q "carol$n@corp.com"; then
		fail "$1: ... no clear e-mail in the output" "$(mc-cat "$T/out" | grep "carol$n@")"
	else
		ok "$1: ... no clear e-mail in the output"
	fi
	sql "USE d; $2" || { fail "setup" "sql: $2"; exit 1; }
}
# the control: the lower-case spelling is refused today
n=$((n + 1)); a=$(mdb_pos)
sql "USE d; ALTER TABLE u RENAME COLUMN email TO contact; INSERT INTO u VALUES (10, 'dave@corp.com', 1)" || exit 1
mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
	"$MDB_DIR/binlog/mysql-bin.000001" >"$T/ch$n.mcr" 2>"$T/err" || { fail "setup" "tail"; exit 1; }
expect_code 1 "control: RENAME COLUMN email TO contact refused" mc-transform --rules="$T/r.yaml" "$T/ch$n.mcr"
sql "USE d; ALTER TABLE u RENAME COLUMN contact TO email" || exit 1
mdb_snap_d
try "ALTER TABLE u RENAME COLUMN EMAIL TO contact" "ALTER TABLE u RENAME COLUMN contact TO email"
mdb_snap_d
try "ALTER TABLE u CHANGE Email contact VARCHAR(60)" "ALTER TABLE u RENAME COLUMN contact TO email"
mdb_snap_d
# a types rule: the renamed column's later rows have the source type, the older the rule's
a=$(mdb_pos)
sql "USE d; ALTER TABLE u RENAME COLUMN AMOUNT TO amt; INSERT INTO u VALUES (30, 'x@y', 4.5)" || exit 1
mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
	"$MDB_DIR/binlog/mysql-bin.000001" >"$T/cht.mcr" 2>"$T/err" || { fail "setup" "tail"; exit 1; }
expect_code 1 "RENAME COLUMN AMOUNT TO amt of a column a types rule covers: refused" \
	mc-transform --rules="$T/r.yaml" "$T/cht.mcr"
