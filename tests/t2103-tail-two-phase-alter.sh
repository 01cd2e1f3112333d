#!/bin/sh
# MariaDB binlog_alter_two_phase=ON (10.8+): an ALTER TABLE is logged at
# its start (GTID flag START ALTER) and again at its COMMIT ALTER or, when
# it fails, ROLLBACK ALTER (GTID flags; the same text). mc-binlog-tail
# decodes the GTID event's flags and takes the ALTER once, at its COMMIT
# ALTER (ddl record, columns followed); a ROLLBACK ALTER changes nothing.
# (The ALTER was written at START and again at COMMIT or ROLLBACK: a failed
# ALTER ... RENAME TO gave rename records for a rename that never
# happened, and mc-merge failed on every run: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start --binlog-alter-two-phase=ON
sql "CREATE DATABASE d; CREATE TABLE d.rn (id INT PRIMARY KEY, v INT); INSERT INTO d.rn VALUES (1, 1), (2, 1)"
sql "ALTER TABLE d.rn ADD UNIQUE KEY (v), RENAME TO d.rn2" 2>/dev/null &&
	{ fail "setup" "the ALTER did not fail"; exit 1; }
sql "INSERT INTO d.rn VALUES (3, 3); ALTER TABLE d.rn ADD COLUMN z INT"
expect_eq "the server has d.rn, no d.rn2" "$(sql "SHOW TABLES IN d")" "rn"
mc-binlog-tail "$MDB_DIR"/binlog/mysql-bin.000001 2>"$T/err" | mc-cat >"$T/out.jsonl"
grep '"kind":"ddl"' "$T/out.jsonl" | grep -c '"effect":"rename_' >"$T/n"
expect_eq "no rename records for the rolled-back ALTER ... RENAME" "$(cat "$T/n")" 0
expect_eq "the committed ALTER ... ADD COLUMN z: one ddl record" \
	"$(grep '"kind":"ddl"' "$T/out.jsonl" | grep -c 'ADD COLUMN z')" 1
expect_eq "the rows stay under rn, the last with z" \
	"$(grep '"kind":"row"' "$T/out.jsonl" | grep -c '"table":"rn"')" 3
sql "INSERT INTO d.rn VALUES (4, 4, 4)"
expect_eq "... a row after the COMMIT ALTER has its 3 columns" \
	"$(mc-binlog-tail "$MDB_DIR"/binlog/mysql-bin.000001 | mc-cat | grep '"kind":"row"' | tail -1 | sed 's/.*"after":\(.*\)}$/\1/')" "[4,4,4]"
