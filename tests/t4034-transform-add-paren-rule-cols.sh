#!/bin/sh
# "DDL of columns the rules cover" for the parenthesized ADD: ALTER TABLE u
# ADD (email ... DEFAULT ...) and ADD COLUMN (paid ... DEFAULT ..., w INT)
# of a column a mask or types rule names are refused (exit 1, naming the
# column) as ADD COLUMN email ... is; a nullable one without DEFAULT, and
# the other columns and indexes of the list, pass.
# (The list was skipped as if an ADD INDEX: exit 0, and the merge's older
# rows held the DEFAULT in the clear: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d; CREATE TABLE u (id INT PRIMARY KEY, v INT); INSERT INTO u VALUES (1,1),(2,2)" ||
	{ fail "setup" "sql"; exit 1; }
cat >"$T/r.yaml" <<'YAML'
select: {include: [{db: d}]}
names: {template: "${table}"}
mask: [{table: u, column: email, with: hash}]
types: [{table: u, column: paid, to: STRING}]
YAML
mdb_snap_d
n=0
try() { # CODE SQL: the statement, through the rules
	n=$((n + 1))
	a=$(mdb_pos)
	sql "USE d; $2; INSERT INTO u (id, v) VALUES (10$n, 3)" || { fail "setup" "sql: $2"; exit 1; }
	mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
		"$MDB_DIR/binlog/mysql-bin.000001" >"$T/ch$n.mcr" 2>"$T/err" ||
		{ fail "setup" "tail: $(cat "$T/err")"; exit 1; }
	expect_code "$1" "$2: exit $1" mc-transform --rules="$T/r.yaml" --schema="$T/snap.mcr" "$T/ch$n.mcr"
	cp "$T/err" "$T/err$n"
	sql "USE d; ALTER TABLE u DROP COLUMN IF EXISTS email, DROP COLUMN IF EXISTS paid, DROP COLUMN IF EXISTS w" || exit 1
	mdb_snap_d
}
try 1 "ALTER TABLE u ADD COLUMN email VARCHAR(40) NOT NULL DEFAULT 'secret@corp.com'"
try 1 "ALTER TABLE u ADD (email VARCHAR(40) NOT NULL DEFAULT 'secret@corp.com')"
try 1 "ALTER TABLE u ADD COLUMN (paid DECIMAL(10,4) DEFAULT 2.5, w INT)"
expect_grep "the refusal names the column" "column 'paid'" "$T/err3"
try 1 "ALTER TABLE u ADD (w INT DEFAULT 1, INDEX (w), \`Email\` VARCHAR(40) NOT NULL DEFAULT '')"
expect_grep "the refusal names the column" "column 'Email'" "$T/err4"
try 0 "ALTER TABLE u ADD (w INT DEFAULT 1, email VARCHAR(40), INDEX (w))"
try 0 "ALTER TABLE u ADD (w INT NOT NULL DEFAULT 2), ADD email VARCHAR(40)"
