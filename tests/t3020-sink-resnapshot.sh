#!/bin/sh
# A second snapshot of a table the warehouse holds complete (docs/mc-tunnel-put.md
# "Snapshot chunks"): the same snapshot fed again is a repeat (dropped, exit
# 0); a NEW snapshot of the table (its chunk watermarks above the committed
# ones) cannot replace the base in place: exit 1 naming the table and
# mc-tunnel-put --resnapshot (t3021), never
# dropped in silence. The warehouse is left as it was.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE s; CREATE DATABASE seq;
     CREATE TABLE s.a (id INT PRIMARY KEY, v INT);
     CREATE TABLE s.b (id INT PRIMARY KEY, v INT);
     INSERT INTO s.a SELECT seq, seq FROM seq.seq_1_to_50;
     INSERT INTO s.b SELECT seq, seq FROM seq.seq_1_to_5" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=s --chunk-rows=10 >"$T/snap1.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
sql "DELETE FROM s.a WHERE id <= 20; UPDATE s.a SET v = 0 WHERE id = 30;
     INSERT INTO s.b VALUES (6,6); FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap1.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
# the second snapshot, of one table, after the deletes
mc-snapshot $MDB_ARGS --databases=s --tables="^s\.a$" --chunk-rows=10 >"$T/snap2.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }

W=$T/w
expect_ok "the first snapshot loads" mc-tunnel-put --dest="$W" "$T/snap1.mcr"
expect_ok "the changes load" mc-tunnel-put --dest="$W" "$T/changes.mcr"
expect_ok "the first snapshot again: a repeat" mc-tunnel-put --dest="$W" "$T/snap1.mcr"
expect_grep "... said as such" "records already in the warehouse, skipped" "$T/err"
tree "$W" >"$T/before.ls"
cp "$W/_mcsync/ledger" "$T/before.ledger"
expect_code 1 "a new snapshot of a complete table is refused" \
	mc-tunnel-put --dest="$W" "$T/snap2.mcr"
expect_grep "naming the file, the record, the table and the remedy" \
	"^mc-tunnel-put: '.*snap2\.mcr': record [0-9]+: chunk \(.*\] of 's\.a' at watermark [0-9]+:[0-9]+:[0-9]+ is of a new snapshot of the table: this warehouse holds a complete snapshot of it \(watermark [0-9]+:[0-9]+:[0-9]+\).*mc-tunnel-put --resnapshot" "$T/err"
tree "$W" >"$T/after.ls"
expect_eq "nothing of it is written" "$(cmp -s "$T/before.ls" "$T/after.ls" && cmp -s "$T/before.ledger" "$W/_mcsync/ledger" && echo same)" same
expect_ok "the first snapshot still repeats" mc-tunnel-put --dest="$W" "$T/snap1.mcr"

at=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')
merged() { # TABLE: the merged rows, as csv, sorted
	mc-merge --warehouse="$W" --table="s__$1" --at="$at" --output="$T/$1.mcr" 2>"$T/err" &&
		mc-cat --to=csv --table="s.$1" "$T/$1.mcr" | grep -v '^id,' | sort -n
}
truth() { sql "SELECT id, v FROM s.$1 ORDER BY id" | tr '\t' ','; }
expect_eq "the merge of the held snapshot and the log equals the source" "$(truth a)" "$(merged a | cut -d, -f1,2)"
expect_eq "... for the other table too" "$(truth b)" "$(merged b | cut -d, -f1,2)"

# the new snapshot goes into a new warehouse too (or as a new generation: t3021)
expect_ok "into a new warehouse it loads" mc-tunnel-put --dest="$T/w2" "$T/snap2.mcr"

