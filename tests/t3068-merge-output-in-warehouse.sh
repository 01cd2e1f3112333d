#!/bin/sh
# mc-merge --at --output=FILE with FILE in the warehouse: the file was
# truncated when the merge opened it, after the ledger was read and before
# the base and the log were. Onto the ledger, the state was written over
# it with exit 0 (the warehouse lost its ledger); onto a data file of the
# base partition, the merge read it empty, failed (exit 1, "corrupt
# partition") and removed it, leaving the partition's _SUCCESS naming a
# file gone; onto a log file, the log was lost. Now any --output inside
# the warehouse directory (by its resolved path: symbolic links, "..") is
# a usage error (exit 2) before anything is opened or written.
. "$(dirname "$0")/lib.sh"
TB=sbtest__sbtest1
"$BIN/tools/mcgen" sysbench 200 >"$T/snap.mcr" && "$BIN/tools/mcgen" changes 200 300 >"$T/log.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
W=$T/w
expect_ok "load" mc-tunnel-put --dest="$W" "$T/snap.mcr" "$T/log.mcr"
expect_ok "merge day 22" mc-merge --warehouse="$W" --table=$TB --ds=20251122
at() { mc-merge --warehouse="$1" --table=$TB --at='2025-11-23 00:10:00' --output="$2"; }
expect_ok "--output outside the warehouse" at "$W" "$T/good.mcr"
tree "$W" >"$T/t0"
log=$(ls "$W/${TB}_log"/ds=20251122/part-*.mcr.zst | head -1)
ln -s "$W" "$T/wl"
mkdir "$T/sub"
for o in "$W/_mcsync/ledger" "$W/$TB/ds=20251122/part-000000.mcr.zst" "$log" "$W/state.mcr" \
	"$W/$TB" "$T/sub/../w/_mcsync/ledger" "$T/wl/_mcsync/ledger"; do
	expect_code 2 "--output='${o#"$T"/}': exit 2" at "$W" "$o"
	expect_grep "... saying it is inside the warehouse" "^mc-merge: --output='.*' is inside the warehouse '$W'" "$T/err"
done
expect_code 2 "a warehouse named by a symbolic link, --output by its real path: exit 2" \
	at "$T/wl" "$W/_mcsync/ledger"
(cd "$W/$TB" && at .. part.mcr >/dev/null 2>"$T/err")
expect_eq "--output relative to a directory in the warehouse: exit 2" "$?" 2
tree "$W" >"$T/t1"
expect_same "nothing in the warehouse changed" "$T/t0" "$T/t1"
[ ! -e "$W/state.mcr" ] && ok "no file made" || fail "no file made" "$W/state.mcr"
expect_ok "a rerun of day 22 merges as before" mc-merge --warehouse="$W" --table=$TB --ds=20251122
expect_ok "--output beside the warehouse" at "$W" "$T/w.mcr"
expect_same "... the same state" "$T/good.mcr" "$T/w.mcr"
