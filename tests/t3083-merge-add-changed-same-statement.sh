#!/bin/sh
# An ALTER that adds a column and changes it again in another clause of
# the same statement (ALTER COLUMN c SET or DROP DEFAULT, MODIFY c or
# CHANGE c ...): the server fills the older rows once, with the last
# definition's default. The merge gave them the ADD clause's (NULL for
# 'ADD c INT, ALTER c SET DEFAULT 4' where the server holds 4; 5 for 'ADD
# c INT DEFAULT 5, MODIFY c INT DEFAULT 6'), exit 0 (found by a tester).
# Now the merge stops there, exit 1, saying why. The same change in a
# statement of its own leaves the older rows the ADD's default, as the
# server does: that merges.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
cases="ADD COLUMN c INT, ALTER COLUMN c SET DEFAULT 4
ADD c INT NOT NULL, ALTER c SET DEFAULT 4
ADD c INT DEFAULT 5, ALTER COLUMN c DROP DEFAULT
ADD c INT DEFAULT 5, MODIFY c INT DEFAULT 6
ADD c INT NOT NULL DEFAULT 5, CHANGE c c INT NULL
ADD (b INT, c INT DEFAULT 3), ALTER COLUMN c SET DEFAULT 4"
i=0
echo "$cases" | while read -r st; do
	i=$((i + 1))
	echo "CREATE TABLE d.a$i (id INT PRIMARY KEY, x INT); INSERT INTO d.a$i VALUES (1, 1), (2, 2);"
done >"$T/create.sql"
sql "CREATE DATABASE d; $(cat "$T/create.sql")
CREATE TABLE d.ok (id INT PRIMARY KEY, x INT); INSERT INTO d.ok VALUES (1, 1)" ||
	{ fail "setup" "sql"; exit 1; }
mdb_snap_d
i=0
echo "$cases" | while read -r st; do
	i=$((i + 1))
	echo "ALTER TABLE d.a$i $st; INSERT INTO d.a$i SET id = 3, x = 3, c = 7;"
done >"$T/alter.sql"
sql "$(cat "$T/alter.sql")
ALTER TABLE d.ok ADD c INT DEFAULT 5; ALTER TABLE d.ok ALTER c SET DEFAULT 6;
INSERT INTO d.ok (id, x) VALUES (2, 2); FLUSH BINARY LOGS" || { fail "setup" "sql"; exit 1; }
mdb_load_d
i=0
echo "$cases" | {
	while read -r st; do
		i=$((i + 1))
		expect_code 1 "'$st': the merge stops" \
			mc-merge --warehouse="$T/w" --table=d__a$i --at="$at" --output="$T/m.mcr"
		expect_grep "... saying why" "column [34]: added at [0-9:]+: another clause of the statement changes it again \(ALTER COLUMN ... SET or DROP DEFAULT, MODIFY or CHANGE\): the older rows got the last definition's default, which mcsync does not follow" "$T/err"
	done
}
expect_eq "the server gave a1's older rows 4" "$(sql "SELECT GROUP_CONCAT(c ORDER BY id) FROM d.a1")" "4,4,7"
expect_ok "a SET DEFAULT in a statement of its own: merged" \
	mc-merge --warehouse="$T/w" --table=d__ok --at="$at" --output="$T/m.mcr"
expect_eq "... the older row has the ADD's 5, as on the server" \
	"$(mc-cat --to=csv --table=d.ok "$T/m.mcr" | sed 1d | sort | tr '\n' ' ')" \
	"$(sql "SELECT CONCAT_WS(',', id, x, c) FROM d.ok ORDER BY id" | tr '\n' ' ')"
