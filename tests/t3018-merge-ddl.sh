#!/bin/sh
# Table-replacing DDL (docs/merge.md "DDL"): TRUNCATE, DROP + CREATE and a
# RENAME swap after the snapshot go through tail -> sink -> merge. The
# merged table equals the source after TRUNCATE and DROP + CREATE; a swap
# (gh-ost, pt-online-schema-change) and a DROP with no CREATE are refused,
# exit 1, naming the statement.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE d;
     CREATE TABLE d.tr (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.dc (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.sw (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.gone (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.rn (id INT PRIMARY KEY, v INT);
     CREATE TABLE d.nop (id INT PRIMARY KEY, v INT);
     INSERT INTO d.rn VALUES (1,1); INSERT INTO d.nop VALUES (1,1),(2,2);
     INSERT INTO d.tr VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.dc VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.sw VALUES (1,1),(2,2),(3,3);
     INSERT INTO d.gone VALUES (1,1),(2,2)" || { fail "setup" "sql failed"; exit 1; }
mdb_snap_d
sql "INSERT INTO d.tr VALUES (4,4); TRUNCATE TABLE d.tr; INSERT INTO d.tr VALUES (5,5),(1,10);
     INSERT INTO d.dc VALUES (4,4); DROP TABLE d.dc;
     CREATE TABLE d.dc (id INT PRIMARY KEY, v INT); INSERT INTO d.dc VALUES (7,7);
     CREATE TABLE d._sw_gho (id INT PRIMARY KEY, v INT); INSERT INTO d._sw_gho VALUES (9,9);
     RENAME TABLE d.sw TO d._sw_del, d._sw_gho TO d.sw;
     DROP TABLE d.gone; RENAME TABLE d.rn TO d.rn2; INSERT INTO d.rn2 VALUES (2,2);
     RENAME TABLE d.nop TO d.nop_t, d.nop_t TO d.nop; INSERT INTO d.nop VALUES (3,3);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }

mc-cat --to=jsonl "$T/changes.mcr" >"$T/changes.jsonl"
expect_grep "the tail marks a TRUNCATE" '"table":"tr",.*"sql":"TRUNCATE TABLE d.tr","effect":"truncate"' "$T/changes.jsonl"
expect_grep "a DROP" '"table":"dc",.*"effect":"drop"' "$T/changes.jsonl"
expect_grep "a CREATE" '"table":"dc",.*"effect":"create"' "$T/changes.jsonl"
expect_grep "a rename onto a name" '"table":"sw",.*"effect":"rename_to"' "$T/changes.jsonl"
expect_grep "a rename away" '"table":"sw",.*"effect":"rename_from"' "$T/changes.jsonl"

expect_ok "the snapshot loads" mc-tunnel-put --dest="$T/w" "$T/snap.mcr"
expect_ok "the changes load" mc-tunnel-put --dest="$T/w" "$T/changes.mcr"
at=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')

merged() { # TABLE: the merged rows, as csv, sorted
	mc-merge --warehouse="$T/w" --table="d__$1" --at="$at" --output="$T/$1.mcr" 2>"$T/err" &&
		mc-cat --to=csv --table="d.$1" "$T/$1.mcr" | grep -v '^id,' | sort
}
truth() { sql "SELECT id, v FROM d.$1 ORDER BY id" | tr '\t' ','; }

expect_eq "after TRUNCATE the merge equals the source" "$(truth tr)" "$(merged tr | cut -d, -f1,2)"
expect_eq "after DROP + CREATE the merge equals the source" "$(truth dc)" "$(merged dc | cut -d, -f1,2)"
expect_code 1 "a RENAME swap is refused" \
	mc-merge --warehouse="$T/w" --table=d__sw --at="$at" --output="$T/sw.mcr"
expect_grep "naming the statement and the remedy" "'RENAME TABLE d.sw TO d._sw_del, d._sw_gho TO d.sw' at position [0-9]+:[0-9]+:[0-9]+ .*RENAME swap.*load a new snapshot" "$T/err"
# a rename that gives the table back its name in the same statement (a TO
# t, t TO a) changes nothing: no swap (it was refused as one)
expect_eq "a TO t, t TO a: records of effect other" \
	"$(grep '"sql":"RENAME TABLE d.nop ' "$T/changes.jsonl" | sed 's/.*"table":"\([^"]*\)".*"effect":"\([a-z_]*\)".*/\1 \2/' | tr '\n' ' ')" \
	"nop other nop_t other nop_t other nop other "
expect_eq "... its merge equals the source" "$(truth nop)" "$(merged nop | cut -d, -f1,2)"
expect_code 1 "a DROP with no CREATE is refused" \
	mc-merge --warehouse="$T/w" --table=d__gone --at="$at" --output="$T/gone.mcr"
expect_grep "naming the statement and its position" "'DROP TABLE .?d.?\..?gone.?.*' at position [0-9]+:[0-9]+:[0-9]+ .*the table is gone" "$T/err"
# a table renamed onto a new name after the snapshot: the new name has
# changes only, no snapshot; its merge says so and what to do
expect_code 1 "the new name of a renamed table has no snapshot" \
	mc-merge --warehouse="$T/w" --table=d__rn2 --at="$at" --output="$T/rn2.mcr"
expect_grep "naming the table and the remedy" "table 'd__rn2': no snapshot of it in the warehouse .*only changes .*renamed onto this name.*load one \(mc-snapshot" "$T/err"
# the remedy the message gives: a snapshot of the new name, then the merge
sql "INSERT INTO d.rn2 VALUES (3,3)"
mc-snapshot $MDB_ARGS --tables='^d\.rn2$' >"$T/rn2snap.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot of d.rn2: $(cat "$T/err")"; exit 1; }
expect_ok "the new name's snapshot loads" mc-tunnel-put --dest="$T/w" "$T/rn2snap.mcr"
sql "INSERT INTO d.rn2 VALUES (4,4); FLUSH BINARY LOGS"
set -- $(echo "$at" | tr ':' ' ')
mc-binlog-tail --from="$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1"):$2" \
	"$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes2.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
expect_ok "the changes after it load" mc-tunnel-put --dest="$T/w" "$T/changes2.mcr"
rn2at=$(mc-cat --to=summary "$T/changes2.mcr" | sed -n 's/^positions: .* \.\. //p')
mc-merge --warehouse="$T/w" --table=d__rn2 --at="$rn2at" --output="$T/rn2.mcr" 2>"$T/err"
expect_eq "then its merge equals the source" "$(truth rn2)" \
	"$(mc-cat --to=csv --table=d.rn2 "$T/rn2.mcr" | grep -v '^id,' | sort | cut -d, -f1,2)"
expect_code 1 "its old name is gone" \
	mc-merge --warehouse="$T/w" --table=d__rn --at="$at" --output="$T/rn.mcr"
expect_grep "naming the rename" "'RENAME TABLE .?d.?\..?rn.? TO .*' at position [0-9]+:[0-9]+:[0-9]+ .*the table is gone" "$T/err"
# a stream of an older tail (no effect): refused when it replaces a held table
mc-cat --to=jsonl "$T/changes.mcr" | sed 's/,"effect":"[a-z_]*"//' | mc-cat --from=jsonl >"$T/old.mcr"
expect_ok "the snapshot again" mc-tunnel-put --dest="$T/w2" "$T/snap.mcr"
expect_code 1 "an unmarked TRUNCATE of a held table is refused" \
	mc-tunnel-put --dest="$T/w2" "$T/old.mcr"
expect_grep "naming the record and the statement" "record [0-9]+: position [0-9:]+: 'TRUNCATE TABLE d.tr' replaces a table" "$T/err"
