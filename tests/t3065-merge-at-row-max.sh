#!/bin/sh
# mc-merge --at=FILE:OFFSET:ROW with ROW 18446744073709551615 (2^64-1, the
# highest row there is: every row at FILE:OFFSET) took the range of the log
# as unbounded and wrote the state after every change committed, with exit
# 0, whatever the point (--at=2:98004:18446744073709551615 gave the last
# state, not the one at 2:98004). Now the range ends at the next offset:
# the state is that of every record at or before the point, as for any
# other ROW.
. "$(dirname "$0")/lib.sh"
TB=sbtest__sbtest1
MAX=18446744073709551615
"$BIN/tools/mcgen" sysbench 200 >"$T/snap.mcr" && "$BIN/tools/mcgen" changes 200 300 >"$T/log.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
expect_ok "load" mc-tunnel-put --dest="$T/w" "$T/snap.mcr" "$T/log.mcr"
at() { mc-merge --warehouse="$T/w" --table=$TB --at="$1" --output="$2"; }
# a change in the middle of the log, and the end of what is committed
mid=$(mc-cat --to=jsonl "$T/log.mcr" | grep '"kind":"row"' |
	sed -n 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/p' | sed -n '150p')
last=$(sed -n 's/^pos //p' "$T/w/_mcsync/ledger")
expect_eq "setup: the ledger's resume is its pos" "$(sed -n 's/^resume //p' "$T/w/_mcsync/ledger")" "$last"
echo "# mid $mid, last $last"
expect_ok "--at=$mid" at "$mid" "$T/mid.mcr"
expect_ok "--at=$last" at "$last" "$T/last.mcr"
if cmp -s "$T/mid.mcr" "$T/last.mcr"; then fail "setup" "the two states are the same"; fi
expect_ok "--at=${mid%:*}:$MAX: exit 0" at "${mid%:*}:$MAX" "$T/midmax.mcr"
expect_same "... the state at ${mid%:*} (its one row), not the last one" "$T/mid.mcr" "$T/midmax.mcr"
expect_ok "--at=${last%:*}:$MAX (the offset of the end committed)" at "${last%:*}:$MAX" "$T/lastmax.mcr"
expect_same "... the last state" "$T/last.mcr" "$T/lastmax.mcr"
f=${last%%:*} o=${last#*:}
o=${o%%:*}
expect_code 1 "--at=$f:$((o + 1)):$MAX, past what is committed: exit 1" at "$f:$((o + 1)):$MAX" "$T/past.mcr"
expect_grep "... saying so" "is beyond what the warehouse has committed \\($last\\)" "$T/err"
