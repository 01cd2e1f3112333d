#!/bin/sh
# ALTERs of columns the types or mask rules cover, where the merge cannot
# give the older rows what the rules give (found by a tester), exit 0:
# - ADD COLUMN c ... DEFAULT x (or NOT NULL, or AS expr) of a masked or
#   retyped column: the older rows got the raw DEFAULT (a hashed email's
#   plain text, a date not in the rule's format);
# - MODIFY of such a column under which the server changes the older
#   rows' values (DECIMAL(10,2) to (12,4): '2.50' becomes '2.5000'): the
#   merge converts by the written type (a STRING, a hash), so the older
#   rows kept '2.50' and, on a key, a row was doubled;
# - RENAME COLUMN (or CHANGE) of a masked column to a name no mask rule
#   covers: its values were written in the clear from there on.
# Now mc-transform stops at such a statement, exit 1, one line naming the
# position, table, column, statement, why and the way out. What stays
# exact passes: a nullable ADD with no DEFAULT, a MODIFY that keeps the
# values, a rename to a name a mask rule covers too, columns no rule
# covers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d;
CREATE TABLE t (id INT PRIMARY KEY, v INT, phone VARCHAR(20), amt DECIMAL(10,2), code DECIMAL(10,2));
INSERT INTO t SELECT seq, seq, CONCAT('555-000', seq), seq + 0.5, seq + 0.5 FROM seq_1_to_4" ||
	{ fail "setup" "sql"; exit 1; }
cat >"$T/r.yaml" <<'YAML'
select: {include: [{db: d}]}
names: {template: "${table}"}
mask:
  - {table: t, column: email, with: hash, key: "k1"}
  - {table: t, column: phone, with: fake, key: "k1"}
  - {table: t, column: tel, with: fake, key: "k1"}
  - {table: t, column: amt, with: hash, key: "k1"}
types:
  - {table: t, column: ts, to: STRING, format: "yyyyMMdd"}
  - {table: t, column: code, to: STRING}
YAML
mdb_snap_d
n=0
try() { # CODE SQL [CLEANUP]: an update (the table's schema record first), the statement,
	# through the rules; then CLEANUP on the server
	n=$((n + 1))
	a=$(mdb_pos)
	sql "USE d; UPDATE t SET v = v + 1 WHERE id = 1; $2" || { fail "setup" "sql: $2"; exit 1; }
	mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
		"$MDB_DIR/binlog/mysql-bin.000001" >"$T/ch$n.mcr" 2>"$T/err" ||
		{ fail "setup" "tail: $(cat "$T/err")"; exit 1; }
	expect_code "$1" "$2" mc-transform --rules="$T/r.yaml" "$T/ch$n.mcr"
	[ -z "${3:-}" ] || sql "USE d; $3" || { fail "setup" "sql: $3"; exit 1; }
}
try 1 "ALTER TABLE t ADD COLUMN email VARCHAR(40) NOT NULL DEFAULT 'secret@corp.com'" \
	"ALTER TABLE t DROP COLUMN email"
expect_grep "... one line: position, table, column, statement, why, the way out" \
	"^mc-transform: .*position [0-9]+:[0-9]+:[0-9]+: table 'd.t': column 'email': 'ALTER TABLE t ADD COLUMN email VARCHAR\(40\) NOT NULL DEFAULT .secret@corp.com.': a mask rule covers it, and the rows before it get the statement's DEFAULT \(or expression\), which the merge takes as written, not through the rule; load a new snapshot of the table taken after it \(mc-tunnel-put --resnapshot\)" "$T/err"
expect_eq "... one line" "$(wc -l <"$T/err")" 1
try 1 "ALTER TABLE t ADD COLUMN ts DATETIME NOT NULL" "ALTER TABLE t DROP COLUMN ts"
expect_grep "... NOT NULL: its implicit default" "column 'ts': .*a types rule covers it, and the rows before it get the statement's implicit default \(NOT NULL\)" "$T/err"
try 1 "ALTER TABLE t ADD COLUMN email2 INT, ADD COLUMN email VARCHAR(40) AS (CONCAT(phone, '@x')) VIRTUAL" \
	"ALTER TABLE t DROP COLUMN email, DROP COLUMN email2"
try 0 "ALTER TABLE t ADD COLUMN email VARCHAR(40) NULL DEFAULT NULL"
try 0 "ALTER TABLE t ADD COLUMN w INT NOT NULL DEFAULT 7"
try 1 "ALTER TABLE t MODIFY code DECIMAL(12,4)" "ALTER TABLE t MODIFY code DECIMAL(10,2)"
expect_grep "... MODIFY: why" "column 'code': .*\(the column was 'decimal\(10,2\)'\), and a types rule covers it: the merge converts the older rows by the written type" "$T/err"
try 1 "ALTER TABLE t CHANGE amt amt DECIMAL(12,4)" "ALTER TABLE t MODIFY amt DECIMAL(10,2)"
try 0 "ALTER TABLE t MODIFY code DECIMAL(12,2)"
try 0 "ALTER TABLE t MODIFY v BIGINT"
try 1 "ALTER TABLE t RENAME COLUMN phone TO mobile" "ALTER TABLE t RENAME COLUMN mobile TO phone"
expect_grep "... RENAME: why" "column 'phone': .*a mask rule covers it, none its new name 'mobile': its values from here on would be written in the clear" "$T/err"
try 0 "ALTER TABLE t RENAME COLUMN phone TO tel"
try 1 "ALTER TABLE t CHANGE tel mobile VARCHAR(20)"

# a column an expression of the table's rules reads (an added column's
# value, a keep_if): the older rows' values were computed from the text
# before the statement
cat >"$T/r2.yaml" <<'YAML'
select: {include: [{db: d}]}
names: {template: "${table}"}
columns: [{table: t, add: [{name: c2, value: "concat(code, '')"}]}]
YAML
a=$(mdb_pos)
sql "USE d; UPDATE t SET v = v + 1 WHERE id = 1; ALTER TABLE t MODIFY code DECIMAL(12,4)" ||
	{ fail "setup" "sql"; exit 1; }
mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
	"$MDB_DIR/binlog/mysql-bin.000001" >"$T/chq.mcr" 2>"$T/err" || { fail "setup" "tail"; exit 1; }
expect_code 1 "MODIFY code DECIMAL(12,4), an added column's value reads code: refused" \
	mc-transform --rules="$T/r2.yaml" "$T/chq.mcr"
expect_grep "... saying so" "column 'code': .*and a columns or keep_if rule reads it: the merge converts the older rows by the written type" "$T/err"
