#!/bin/sh
# A keyless table snapshotted with --split-key (a key declared by the
# user), reached only by the resumed run of a snapshot killed while it
# read another table, and the tail from the sink's checkpoint: the table's
# schema history then holds the tail's schema (no key: the tail does not
# carry a declared key) before the snapshot's (the declared key), which
# the merge took for a change of the table's key with no statement, and
# refused every merge of the table ("the change at P is before the change
# of the table's key at Q", Q below P: found by a tester). A declared key
# beside none is not a change of the server's key: the merge equals the
# source.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
need mkfifo
mdb_start
S=$MDB_SERVER_ID
sql "CREATE DATABASE d; USE d; CREATE TABLE nk (x INT NOT NULL, y VARCHAR(20));
INSERT INTO nk SELECT seq, 'y' FROM seq_1_to_3000;
CREATE TABLE a (id INT PRIMARY KEY, v INT); INSERT INTO a SELECT seq, 0 FROM seq_1_to_3000"
C=$T/c.ckpt W=$T/wh
snap() { exec mc-snapshot $MDB_ARGS --databases=d --threads=1 --chunk-rows=100 --max-rate=1000 \
	--split-key=d.nk:x --checkpoint-in="$C" 2>>"$T/snap.err"; }
put() { exec mc-tunnel-put --dest="$W" --checkpoint-out="$C" 2>>"$T/put.err"; }
rm -f "$T/fifo"; mkfifo "$T/fifo"
snap >"$T/fifo" & sp=$!
put <"$T/fifo" & pp=$!
sleep 1
sql "USE d; UPDATE nk SET y='w1' WHERE x=5; UPDATE nk SET x=x+100000 WHERE x=6; DELETE FROM nk WHERE x=7; INSERT INTO nk VALUES (9001,'i1'); UPDATE nk SET y='w1' WHERE x=2900"
sleep 0.5
kill -KILL $sp; wait $sp 2>/dev/null; wait $pp
expect_eq "killed while it read d.a, before d.nk" "$(grep -c "^table.d.nk" "$C")" 0
sql "USE d; UPDATE nk SET y='w2' WHERE x=15; UPDATE nk SET x=x+100000 WHERE x=16; DELETE FROM nk WHERE x=17; INSERT INTO nk VALUES (9002,'i2'); UPDATE nk SET y='w2' WHERE x=2901"
snap | put; expect_eq "the snapshot's rerun" "$?" 0
sql "USE d; UPDATE nk SET y='w3' WHERE x=25; UPDATE nk SET x=x+100000 WHERE x=26; DELETE FROM nk WHERE x=27; INSERT INTO nk VALUES (9003,'i3'); UPDATE nk SET y='w3' WHERE x=2902"
mc-binlog-tail $MDB_ARGS --server-id=$((S + 1)) --checkpoint-in="$C" --stop-at-end 2>"$T/tail.err" | put
expect_eq "the tail ($(cat "$T/tail.err"))" "$?" 0
at=$(sed -n 's/^pos \([0-9:]*\)$/\1/p' "$C")
mc-merge --warehouse="$W" --table=d__nk --key=x --at="$at" --output="$T/nk.mcr" 2>"$T/merr"
expect_eq "merge ($(cat "$T/merr"))" "$?" 0
mc-cat --to=csv --table=d.nk "$T/nk.mcr" | sort >"$T/got"
mc-snapshot $MDB_ARGS --databases=d --split-key=d.nk:x 2>/dev/null | mc-cat --to=csv --table=d.nk | sort >"$T/want"
expect_same "merged = source" "$T/got" "$T/want"
