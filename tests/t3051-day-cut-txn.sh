#!/bin/sh
# A transaction that spans midnight is not split between two days
# (docs/merge.md "The day cut"): its statements are stamped when they run,
# so its first rows may be stamped before midnight and the rest after.
# The day cut used to fall at the first row stamped after midnight, inside
# the transaction: the day's partitions held half of it (a transfer
# between two tables whose debit was in the day and whose credit was not),
# a state the source never had. The cut is now at the start of that
# transaction: the whole transaction is of the next day.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE d; CREATE DATABASE marks; CREATE TABLE marks.p (i INT PRIMARY KEY);
     CREATE TABLE d.a (id INT PRIMARY KEY, bal INT); CREATE TABLE d.b (id INT PRIMARY KEY, bal INT);
     INSERT INTO d.a VALUES (1,100),(2,100); INSERT INTO d.b VALUES (1,100)" ||
	{ fail "setup" "sql failed"; exit 1; }
mdb_snap_d
now=$(date +%s)
mid2=$((now - now % 86400 + 86400)) # the start of the next day (UTC)
d2=$(date -u -d "@$mid2" +%Y%m%d) d3=$(date -u -d "@$((mid2 + 86400))" +%Y%m%d)
state() { sql "SELECT 'a', id, bal FROM d.a UNION ALL SELECT 'b', id, bal FROM d.b ORDER BY 1, 2" >"$T/want.$1"; }
# day 2: a change at noon; a transfer begun at 23:59:59, committed at 00:00:01
sql "SET timestamp = $((mid2 + 43200)); UPDATE d.a SET bal = 90 WHERE id = 2" && state 2 &&
	sql "BEGIN; SET timestamp = $((mid2 + 86399)); UPDATE d.a SET bal = bal - 30 WHERE id = 1;
	     INSERT INTO d.a VALUES (3, 1);
	     SET timestamp = $((mid2 + 86401)); UPDATE d.b SET bal = bal + 30 WHERE id = 1;
	     INSERT INTO d.b VALUES (2, 1); COMMIT" &&
	sql "SET timestamp = $((mid2 + 86400 + 600)); DELETE FROM d.a WHERE id = 2" && state 3 &&
	sql "SET timestamp = $((mid2 + 2 * 86400 + 60)); REPLACE INTO marks.p VALUES (1); FLUSH BINARY LOGS" ||
	{ fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
expect_ok "the snapshot and the changes load" mc-tunnel-put --dest="$T/w" "$T/snap.mcr" "$T/changes.mcr"

got() { # DAY: both tables' partitions of DAY as the server prints them
	for t in a b; do
		mc-cat --to=csv --table=d.$t "$T/w/d__$t/ds=$1/part-000000.mcr.zst" | sed 1d |
			sed "s/^/$t,/; s/,/	/g"
	done
}
for D in 2 3; do
	eval ds=\$d$D
	for t in a b; do
		expect_ok "day $D: mc-merge d__$t --ds=$ds" mc-merge --warehouse="$T/w" --table=d__$t --ds=$ds
	done
	got $ds >"$T/got.$D"
	expect_same "day $D: the partitions equal the server at the end of the day" "$T/got.$D" "$T/want.$D"
done
# the transaction's rows are all past the cut of day 2, and the cut is
# its first row (stamped in day 2)
cut=$(sed -n "s/^cut\.$d2 //p" "$T/w/_mcsync/ledger")
txn1=$(mc-cat "$T/changes.mcr" | grep '"op":"update"' | sed -n 2p | sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/')
expect_eq "the cut of day 2 is the transaction's first row" "$cut" "$txn1"

# the cut does not depend on how the input was cut into commits: one
# commit per row gives the same
expect_ok "the same input, one commit a row" mc-tunnel-put --dest="$T/w1" --commit-rows=1 \
	"$T/snap.mcr" "$T/changes.mcr"
expect_eq "gives the same cut of day 2" "$(sed -n "s/^cut\.$d2 //p" "$T/w1/_mcsync/ledger")" "$cut"
# an input without transaction marks (no txn_end, no heartbeat): each
# change is its own transaction, the cut at the first row stamped after
# the day
mc-cat "$T/changes.mcr" | grep -v '"mark":"txn_end"' | grep -v '"mark":"heartbeat"' |
	grep -v '"kind":"trailer"' >"$T/nomarks.jsonl"
echo "{\"kind\":\"trailer\",\"count\":$(($(wc -l <"$T/nomarks.jsonl") - 1))}" >>"$T/nomarks.jsonl"
expect_ok "an input without marks loads" mc-tunnel-put --dest="$T/w2" "$T/snap.mcr" "$T/nomarks.jsonl"
past=$(mc-cat "$T/changes.mcr" | grep '"kind":"row"' | grep -n "\"time\":$((mid2 + 86401))," | sed -n 1p |
	sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/')
expect_eq "its cut of day 2 is the first row stamped after the day" \
	"$(sed -n "s/^cut\.$d2 //p" "$T/w2/_mcsync/ledger")" "$past"
