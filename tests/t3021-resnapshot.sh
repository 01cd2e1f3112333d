#!/bin/sh
# A re-snapshot of a table the warehouse holds (mc-tunnel-put --resnapshot,
# docs/mc-tunnel-put.md "Re-snapshots"): written as a new generation of the
# table while the writer of the changes holds the warehouse; mc-merge takes
# it from its watermarks on (docs/merge.md "Re-snapshots"), across the DDL
# that made it necessary, and the older chain before them. Reruns and
# repeats are exact; what it cannot take is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
sql "CREATE DATABASE s; CREATE DATABASE seq;
     CREATE TABLE s.a (id INT PRIMARY KEY, v INT);
     CREATE TABLE s.b (id INT PRIMARY KEY, v INT);
     INSERT INTO s.a SELECT seq, seq FROM seq.seq_1_to_50;
     INSERT INTO s.b SELECT seq, seq FROM seq.seq_1_to_5" || { fail "setup" "sql failed"; exit 1; }
snap() { # FILE TABLES: a snapshot
	mc-snapshot $MDB_ARGS --databases=s --tables="$2" --chunk-rows=10 >"$T/$1" 2>"$T/err" ||
		{ fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
}
truth() { sql "SELECT * FROM s.$1 ORDER BY id" | tr '\t' ','; }
snap snap1.mcr '^s\.'
sql "DELETE FROM s.a WHERE id <= 5; UPDATE s.a SET v = 0 WHERE id = 30;
     INSERT INTO s.b VALUES (6,6)" || { fail "setup" "sql failed"; exit 1; }
before_ddl_a=$(truth a)
sql "ALTER TABLE s.a ADD COLUMN w INT NOT NULL DEFAULT 7;
     UPDATE s.a SET w = id WHERE id > 40" || { fail "setup" "sql failed"; exit 1; }
snap snap2.mcr '^s\.a$' # the re-snapshot, after the DDL
sql "UPDATE s.a SET v = -1 WHERE id IN (10, 45); DELETE FROM s.a WHERE id = 50;
     INSERT INTO s.a VALUES (60, 60, 60); INSERT INTO s.b VALUES (7,7)" ||
	{ fail "setup" "sql failed"; exit 1; }
mid_a=$(truth a)
snap snap3.mcr '^s\.a$' # a second one
sql "UPDATE s.a SET w = 0 WHERE id = 44; INSERT INTO s.a VALUES (61, 61, 61);
     FLUSH BINARY LOGS" || { fail "setup" "sql failed"; exit 1; }
set -- $(mc-cat --to=summary "$T/snap1.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
mc-binlog-tail --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/changes.mcr" 2>"$T/err" ||
	{ fail "setup" "mc-binlog-tail: $(cat "$T/err")"; exit 1; }
at=$(mc-cat --to=summary "$T/changes.mcr" | sed -n 's/^positions: .* \.\. //p')
# the point just before the DDL: the record before it
before_ddl=$(mc-cat --to=jsonl "$T/changes.mcr" | grep '"pos":' |
	awk '/"kind":"ddl"/ { print l; exit } { l = $0 }' |
	sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/')
[ -n "$before_ddl" ] || { fail "setup" "no DDL record in the changes"; exit 1; }

merged() { # WAREHOUSE TABLE POINT: the merged rows, as csv, sorted
	mc-merge --warehouse="$1" --table="s__$2" --at="$3" --output="$T/m.mcr" 2>"$T/merr" && : || cat "$T/merr" >&2 &&
		mc-cat --to=csv --table="s.$2" "$T/m.mcr" | grep -v '^id,' | sort -n
}

W=$T/w
expect_ok "the first snapshot loads" mc-tunnel-put --dest="$W" "$T/snap1.mcr"
expect_code 1 "without the re-snapshot, the merge across the DDL is refused" \
	mc-merge --warehouse="$W" --table=s__a --at="$at" --output="$T/x.mcr"
expect_code 1 "the writer of the changes refuses a new snapshot of a complete table" \
	mc-tunnel-put --dest="$W" "$T/snap2.mcr"
expect_grep "... and names --resnapshot" "mc-tunnel-put --resnapshot" "$T/err"

# the changes' writer holds the warehouse while the re-snapshot is written
mkfifo "$T/fifo"
mc-tunnel-put --dest="$W" <"$T/fifo" >"$T/main.out" 2>"$T/main.err" &
main=$!
exec 3>"$T/fifo"
# (watched in /proc/locks: taking the lock to test it could make the
# writer find it held)
i=0
while [ $i -lt 300 ]; do
	[ -e "$W/_mcsync/put.lock" ] &&
		grep -q ":$(stat -c %i "$W/_mcsync/put.lock") " /proc/locks && break
	sleep 0.1
	i=$((i + 1))
done
expect_code 1 "the changes' writer holds the warehouse" flock -n "$W/_mcsync/put.lock" true
expect_ok "a re-snapshot loads while the changes' writer holds the warehouse" \
	mc-tunnel-put --dest="$W" --resnapshot "$T/snap2.mcr"
cat "$T/changes.mcr" >&3
exec 3>&-
wait "$main"
expect_eq "the changes' writer ends well" "$?" 0
expect_ok "the re-snapshot again: a repeat" mc-tunnel-put --dest="$W" --resnapshot "$T/snap2.mcr"
expect_grep "... said as such" "records already in the warehouse, skipped" "$T/err"
expect_eq "one generation" "$(ls "$W/_resnap/s__a" | grep -c '^gen=')" 1

expect_eq "after the DDL the merge takes the re-snapshot: equals the source" \
	"$(merged "$W" a "$at")" "$(truth a)"
expect_eq "... the other table from its own base" "$(merged "$W" b "$at")" "$(truth b)"
expect_eq "before the re-snapshot's watermarks the older chain: the state before the DDL" \
	"$(merged "$W" a "$before_ddl")" "$before_ddl_a"

expect_ok "a second re-snapshot loads" mc-tunnel-put --dest="$W" --resnapshot "$T/snap3.mcr"
expect_eq "two generations" "$(ls "$W/_resnap/s__a" | grep -c '^gen=')" 2
expect_eq "the newest generation serves the end: equals the source" \
	"$(merged "$W" a "$at")" "$(truth a)"
mid=$(mc-cat --to=summary "$T/snap3.mcr" | sed -n 's/^positions: \([0-9:]*\) .*/\1/p')
expect_eq "the first one the point before the second's watermarks" \
	"$(merged "$W" a "$mid")" "$mid_a"

# killed and rerun: a re-snapshot cut short commits whole chunks, the rerun
# finishes it; the result is the same
W2=$T/w2
mc-tunnel-put --dest="$W2" "$T/snap1.mcr" "$T/changes.mcr" 2>"$T/err" ||
	fail "setup" "w2: $(cat "$T/err")"
size=$(wc -c <"$T/snap2.mcr")
head -c $((size * 2 / 3)) "$T/snap2.mcr" | mc-tunnel-put --dest="$W2" --resnapshot 2>"$T/err"
expect_eq "a re-snapshot cut short: exit 1" "$?" 1
expect_grep "... saying so" "truncated|input ended without a trailer" "$T/err"
expect_eq "... and is not a complete generation" "$(ls "$W2/_resnap/s__a"/gen=*/_SUCCESS 2>/dev/null | wc -l)" 0
expect_ok "the rerun finishes it" mc-tunnel-put --dest="$W2" --resnapshot "$T/snap2.mcr"
expect_eq "... the merge equals the source" "$(merged "$W2" a "$at")" "$(truth a)"

# what a re-snapshot cannot be
expect_code 1 "changes into --resnapshot are refused" \
	mc-tunnel-put --dest="$W2" --resnapshot "$T/changes.mcr"
expect_grep "... naming the record" "record [0-9]+: .*a --resnapshot input carries snapshot rows and chunk marks only" "$T/err"
expect_code 1 "the first snapshot again as a re-snapshot: not newer" \
	mc-tunnel-put --dest="$W2" --resnapshot "$T/snap1.mcr"
expect_grep "... saying so" "is not newer than the one the warehouse holds" "$T/err"
expect_code 2 "a re-snapshot into an empty warehouse" \
	mc-tunnel-put --dest="$T/w3" --resnapshot "$T/snap2.mcr"
expect_grep "... saying what to do" "load the first snapshot without --resnapshot" "$T/err"
expect_code 2 "--resnapshot with --new-history" \
	mc-tunnel-put --dest="$W2" --resnapshot --new-history "$T/snap2.mcr"
