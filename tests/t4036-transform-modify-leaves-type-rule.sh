#!/bin/sh
# A MODIFY or CHANGE that moves a column out of its types rule (a
# source_type rule: types: [{source_type: /tinyint.*/, to: STRING}], MODIFY
# c INT) is refused by mc-transform, exit 1, naming the column and the
# rule: the older rows would hold the rule's type, the newer the source's.
# One that keeps the column in the rule, or of a column no rule covers,
# passes; MariaDB's "int(11)" is the statement's "INT".
# (It passed, and every merge of the table failed from then on, far from
# the cause: found by a tester)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
mdb_start
sql "CREATE DATABASE d; USE d; CREATE TABLE t (id INT PRIMARY KEY, c TINYINT, k INT);
INSERT INTO t VALUES (1,1,1),(2,2,2)" || { fail "setup" "sql"; exit 1; }
cat >"$T/r.yaml" <<'YAML'
select: {include: [{db: d}]}
names: {template: "${table}"}
types: [{source_type: /tinyint.*/, to: STRING}]
YAML
mdb_snap_d
sql "USE d; UPDATE t SET k = k + 1; ALTER TABLE t MODIFY c INT; INSERT INTO t VALUES (3,3,3); FLUSH BINARY LOGS" ||
	{ fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch.mcr"
mc-transform --rules="$T/r.yaml" "$T/snap.mcr" >"$T/s.t.mcr" || { fail "setup" "transform"; exit 1; }
expect_code 1 "MODIFY c INT of a TINYINT a source_type rule covers: refused" \
	mc-transform --rules="$T/r.yaml" --schema="$T/snap.mcr" "$T/ch.mcr"
expect_grep "the refusal names the column and the rule" \
	"column 'c'.*moves the column from the types rule at .*r.yaml:3:[0-9]* to no types rule" "$T/err"
# a MODIFY that stays in the rule, or of a column no rule covers: passes
sql "USE d; ALTER TABLE t MODIFY c TINYINT" || exit 1
mdb_snap_d
sql "USE d; ALTER TABLE t MODIFY c TINYINT NOT NULL; ALTER TABLE t MODIFY k BIGINT; INSERT INTO t VALUES (4,4,4); FLUSH BINARY LOGS" ||
	{ fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch2.mcr"
expect_ok "MODIFY c TINYINT NOT NULL, MODIFY k BIGINT: passed" \
	mc-transform --rules="$T/r.yaml" --schema="$T/snap.mcr" "$T/ch2.mcr"
# a rule by the exact type MariaDB writes: MODIFY c INT keeps it
printf 'select: {include: [{db: d}]}\nnames: {template: "${table}"}\ntypes: [{source_type: "int(11)", to: STRING}]\n' >"$T/r3.yaml"
sql "USE d; ALTER TABLE t MODIFY c INT" || exit 1
mdb_snap_d
sql "USE d; ALTER TABLE t MODIFY c INT NOT NULL; FLUSH BINARY LOGS" || { fail "setup" "sql"; exit 1; }
mdb_changes "$T/snap.mcr" "$T/ch3.mcr"
expect_ok "MODIFY c INT NOT NULL under source_type: int(11): passed" \
	mc-transform --rules="$T/r3.yaml" --schema="$T/snap.mcr" "$T/ch3.mcr"
