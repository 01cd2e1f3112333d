#!/bin/sh
# RENAME COLUMN (or CHANGE) of a column a types rule covers, or one an
# expression of the table's columns or keep_if rules reads, to a name no
# such rule names. It passed mc-transform, and failed later, loudly but
# far from the cause: the merge refused the older rows ("'longtext' to
# 'decimal(10,2)' is not a widening") or the rule stopped at the next row
# ("has no column 'pay'"). Now mc-transform stops at the statement, exit 1,
# one line naming it, the column, the rule and the way out, as it does for
# a masked column (t4028). A rename within what the rules name, a CHANGE
# that keeps the name, and columns no rule names pass. The columns a
# keep_if reads were not among those an ALTER's MODIFY was checked for
# (t4028 covered the added columns' expressions only): now they are.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d;
CREATE TABLE t (id INT PRIMARY KEY, v INT, code DECIMAL(10,2), pay DECIMAL(10,2), w INT);
INSERT INTO t SELECT seq, seq, seq + 0.5, seq + 0.25, seq FROM seq_1_to_4" || { fail "setup" "sql"; exit 1; }
cat >"$T/r.yaml" <<'YAML'
select: {include: [{db: d}]}
names: {template: "${table}"}
types:
  - {table: t, column: code, to: STRING}
  - {table: t, column: ccode, to: STRING}
columns: [{table: t, add: [{name: c2, value: "concat(pay, '')"}]}]
dml: [{table: t, keep_if: "v > 0"}]
YAML
mdb_snap_d
n=0
try() { # CODE SQL [CLEANUP]: an update, the statement, through the rules
	n=$((n + 1))
	a=$(mdb_pos)
	sql "USE d; UPDATE t SET w = w + 1 WHERE id = 1; $2" || { fail "setup" "sql: $2"; exit 1; }
	mc-binlog-tail --schema="$T/snap.mcr" --from="$MDB_DIR/binlog/mysql-bin.000001:$a" \
		"$MDB_DIR/binlog/mysql-bin.000001" >"$T/ch$n.mcr" 2>"$T/err" ||
		{ fail "setup" "tail: $(cat "$T/err")"; exit 1; }
	expect_code "$1" "$2" mc-transform --rules="$T/r.yaml" "$T/ch$n.mcr"
	[ -z "${3:-}" ] || sql "USE d; $3" || { fail "setup" "sql: $3"; exit 1; }
}
try 1 "ALTER TABLE t RENAME COLUMN code TO code2" "ALTER TABLE t RENAME COLUMN code2 TO code"
expect_grep "... one line: position, table, column, statement, why, the way out" \
	"^mc-transform: .*position [0-9]+:[0-9]+:[0-9]+: table 'd.t': column 'code': 'ALTER TABLE t RENAME COLUMN code TO code2': a types rule covers it, none its new name 'code2': its values from here on would have the column's own type, the older rows the rule's; load a new snapshot of the table taken after it \(mc-tunnel-put --resnapshot\)" "$T/err"
expect_eq "... one line" "$(wc -l <"$T/err")" 1
try 1 "ALTER TABLE t CHANGE pay pay2 DECIMAL(10,2)" "ALTER TABLE t CHANGE pay2 pay DECIMAL(10,2)"
expect_grep "... an expression reads it" "column 'pay': .*a columns or keep_if rule reads it, none its new name 'pay2': the rule would read a column the table no longer has" "$T/err"
try 1 "ALTER TABLE t RENAME COLUMN v TO v2" "ALTER TABLE t RENAME COLUMN v2 TO v"
expect_grep "... keep_if reads it" "column 'v': .*a columns or keep_if rule reads it, none its new name 'v2'" "$T/err"
try 1 "ALTER TABLE t MODIFY v DECIMAL(10,2)" "ALTER TABLE t MODIFY v INT"
expect_grep "... a MODIFY of a column keep_if reads (it was not covered)" "column 'v': .*\(the column was 'int'\), and a columns or keep_if rule reads it" "$T/err"
try 0 "ALTER TABLE t MODIFY v BIGINT" "ALTER TABLE t MODIFY v INT"
try 0 "ALTER TABLE t CHANGE pay pay DECIMAL(10,2) NULL"
try 0 "ALTER TABLE t RENAME COLUMN w TO w2" "ALTER TABLE t RENAME COLUMN w2 TO w"
# a column's name is not case-sensitive (a second tester): another case of
# a name an expression reads is refused, a rename to another case passes
try 1 "ALTER TABLE t RENAME COLUMN V TO v2" "ALTER TABLE t RENAME COLUMN v2 TO v"
try 0 "ALTER TABLE t RENAME COLUMN pay TO Pay" "ALTER TABLE t RENAME COLUMN Pay TO pay"
try 0 "ALTER TABLE t RENAME COLUMN code TO ccode"

# what it was: the rename passed, the merge refused the older rows
cat >"$T/r2.yaml" <<'YAML'
select: {include: [{db: d}]}
names: {template: "${table}"}
types: [{table: t, column: ccode, to: STRING}]
YAML
mdb_snap_d
sql "USE d; UPDATE t SET w = w + 1 WHERE id = 2; ALTER TABLE t RENAME COLUMN ccode TO code;
UPDATE t SET w = w + 1 WHERE id = 3; FLUSH BINARY LOGS" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch.mcr"
expect_ok "the snapshot through the rules" sh -c "mc-transform --rules='$T/r2.yaml' '$T/snap.mcr' >'$T/s.t.mcr'"
expect_code 1 "the changes through the rules: the rename is refused" \
	sh -c "mc-transform --rules='$T/r2.yaml' '$T/ch.mcr' >'$T/c.t.mcr'"
expect_grep "... naming it" "column 'ccode': 'ALTER TABLE t RENAME COLUMN ccode TO code': a types rule covers it, none its new name 'code'" "$T/err"
