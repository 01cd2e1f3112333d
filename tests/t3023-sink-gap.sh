#!/bin/sh
# mc-tunnel-put: the warehouse holds a contiguous range of each binlog
# history. A change stream that starts (header source_start) above where
# the warehouse's log of its history ends (its last transaction boundary;
# before any change, the snapshot's lowest watermark) is refused, exit 1,
# nothing of it kept: taken, the changes in between would be missing, and
# dropped as repeats when they came later (docs/mc-tunnel-put.md "Gaps").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
B=$MDB_DIR/binlog/mysql-bin
sql "CREATE DATABASE s; CREATE TABLE s.t (id INT PRIMARY KEY, v INT);
     INSERT INTO s.t VALUES (1,1),(2,2)" || { fail "setup" "sql failed"; exit 1; }
mc-snapshot $MDB_ARGS --databases=s >"$T/snap.mcr" 2>"$T/err" || { fail "setup" "mc-snapshot: $(cat "$T/err")"; exit 1; }
W0=$(mc-cat "$T/snap.mcr" | sed -n 's/.*"mark":"chunk_end","pos":\[1,\([0-9]*\),0\].*/\1/p' | head -1)
[ -n "$W0" ] || { fail "setup" "no chunk watermark in binlog 1"; exit 1; }
sql "INSERT INTO s.t VALUES (3,3); INSERT INTO s.t VALUES (4,4); UPDATE s.t SET v=40 WHERE id=4;
     FLUSH BINARY LOGS; INSERT INTO s.t VALUES (5,5); DELETE FROM s.t WHERE id=1;
     FLUSH BINARY LOGS; INSERT INTO s.t VALUES (6,6); FLUSH BINARY LOGS"
# the transaction ends in binlog 1 after the snapshot: X1 (INSERT 3), X2 (INSERT 4)
mc-binlog-tail --format=text --from="$B.000001:$W0" "$B.000001" | sed -n 's/^mark txn_end 1:\([0-9]*\):0 .*/\1/p' >"$T/ends"
X1=$(sed -n 1p "$T/ends") X2=$(sed -n 2p "$T/ends")
mc-binlog-tail --from="$B.000001:$W0" "$B.000001" >"$T/d1.mcr" &&
	mc-binlog-tail "$B.000002" >"$T/d2.mcr" && mc-binlog-tail "$B.000003" >"$T/d3.mcr" ||
	{ fail "setup" "mc-binlog-tail failed"; exit 1; }

logrows() { # DIR: the ids of the log rows of s.t, sorted
	for f in "$1"/s__t_log/*/part-*.mcr.zst; do [ -f "$f" ] && mc-cat --to=jsonl "$f"; done |
		sed -n 's/.*"kind":"row","op":"\([a-z]*\)".*"after":\[\([0-9]*\),.*/\1\2/p; s/.*"kind":"row","op":"delete".*"before":\[\([0-9]*\),.*/delete\1/p' |
		sort | tr '\n' ' '
}
ALL="delete1 insert3 insert4 insert5 insert6 update4 "
pos_of() { sed -n "s/^$2 //p" "$1/_mcsync/ledger"; }

# --- three change files of consecutive binlogs, the middle one missing ---
W=$T/w1
expect_code 1 "snap d1 d3 (d2 missing): exit 1" mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/d1.mcr" "$T/d3.mcr"
expect_grep "naming the file, the record and both positions" \
	"^mc-tunnel-put: '.*d3.mcr': record 1: starts at 3:4:0 \(source_start\), but the warehouse holds server_id [0-9]+'s changes \(source_epoch 1:[0-9]+\) only up to 2:4:0 \(ledger resume\): a gap; feed the changes from 2:4:0 first" "$T/err"
expect_eq "snap and d1 are committed, nothing of d3" "$(logrows "$W")" "insert3 insert4 update4 "
expect_eq "the ledger ends where d1 ended: the start of binlog 2" "$(pos_of "$W" pos)" "2:4:0"
expect_code 1 "d3 again alone: still exit 1" mc-tunnel-put --dest="$W" "$T/d3.mcr"
expect_ok "d2 then d3" mc-tunnel-put --dest="$W" "$T/d2.mcr" "$T/d3.mcr"
expect_eq "every change once" "$(logrows "$W")" "$ALL"
expect_ok "all of them again" mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/d1.mcr" "$T/d2.mcr" "$T/d3.mcr"
expect_eq "repeats dropped" "$(logrows "$W")" "$ALL"

# --- one binlog cut by positions, the middle piece missing ---
mc-binlog-tail --from="$B.000001:$W0" --stop-position="$X1" "$B.000001" >"$T/c1.mcr"
mc-binlog-tail --from="$B.000001:$X1" --stop-position="$X2" "$B.000001" >"$T/c2.mcr"
mc-binlog-tail --from="$B.000001:$X2" "$B.000001" "$B.000002" "$B.000003" >"$T/c3.mcr"
W=$T/w2
expect_code 1 "snap c1 c3 (c2 missing): exit 1" mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/c1.mcr" "$T/c3.mcr"
expect_grep "c3 starts at 1:$X2:0, the warehouse holds up to 1:$X1:0" \
	"'.*c3.mcr': record 1: starts at 1:$X2:0 \(source_start\), but .* only up to 1:$X1:0 \(ledger resume\): a gap" "$T/err"
expect_ok "c2 then c3" mc-tunnel-put --dest="$W" "$T/c2.mcr" "$T/c3.mcr"
expect_eq "every change once" "$(logrows "$W")" "$ALL"

# --- a tail started above the snapshot's lowest watermark ---
mc-binlog-tail --from="$B.000001:$X1" "$B.000001" "$B.000002" "$B.000003" >"$T/late.mcr"
W=$T/w3
expect_code 1 "a tail from above the snapshot's watermark: exit 1" mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/late.mcr"
expect_grep "naming the snapshot's watermark" \
	"'.*late.mcr': record 1: starts at 1:$X1:0 \(source_start\), but .* only up to 1:$W0:0 \(ledger snapshot_low\): a gap" "$T/err"
expect_eq "the snapshot is committed, no change" "$(logrows "$W")" ""
expect_ok "the tail from the watermark" mc-tunnel-put --dest="$W" "$T/d1.mcr" "$T/d2.mcr" "$T/d3.mcr"
expect_eq "every change once" "$(logrows "$W")" "$ALL"
# live: --start above the watermark, instead of the sink's checkpoint
W=$T/w4
expect_ok "the snapshot, with --checkpoint-out" mc-tunnel-put --dest="$W" --checkpoint-out="$T/w4.ckpt" "$T/snap.mcr"
timeout -k 5 60 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 7)) --stop-at-end \
	--start="mysql-bin.000001:$X1" 2>"$T/tail.err" |
	mc-tunnel-put --dest="$W" --checkpoint-out="$T/w4.ckpt" >"$T/out" 2>"$T/err"
expect_eq "live from --start above the watermark: exit 1" "$?" 1
expect_grep "a gap, naming the watermark" "record 1: starts at 1:$X1:0 \(source_start\), but .* only up to 1:$W0:0 \(ledger snapshot_low\)" "$T/err"
timeout -k 5 60 mc-binlog-tail $MDB_ARGS --server-id=$((MDB_SERVER_ID + 8)) --stop-at-end \
	--checkpoint-in="$T/w4.ckpt" 2>"$T/tail.err" |
	mc-tunnel-put --dest="$W" --checkpoint-out="$T/w4.ckpt" >"$T/out" 2>"$T/err"
expect_eq "live from the sink's checkpoint: exit 0" "$?" 0
expect_eq "every change once" "$(logrows "$W")" "$ALL"

# --- what is not limited ---
W=$T/w5
expect_ok "the first stream of a warehouse without a snapshot" mc-tunnel-put --dest="$W" "$T/d3.mcr"
# a stream without source_start (an older writer) is taken as before
mc-cat --to=jsonl "$T/late.mcr" | sed '1s/,"source_start":"[0-9:]*"//; $s/,"crc32c":[0-9]*//' |
	mc-cat --to=mcr >"$T/old.mcr"
W=$T/w6
expect_ok "a stream without source_start: as before" mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/old.mcr"
expect_eq "its changes are taken" "$(logrows "$W")" "delete1 insert4 insert5 insert6 update4 "
