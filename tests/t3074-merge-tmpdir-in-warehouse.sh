#!/bin/sh
# mc-merge --tmpdir=DIR inside the warehouse: a table's merge removes
# every `.tmp-*` entry of its own directory when it starts (what a killed
# run left), so another table's merge spilling its sorted runs there
# (--tmpdir=W/OTHER, or with --all --jobs=2 beside it) lost them: the
# spilling merge failed on a run gone ("run-000000.zst: No such file or
# directory", exit 1), and the other table's, finding the directory being
# written into, failed too ("rmdir: Directory not empty", exit 1); under a
# partition's directory, a rerun or a --lifecycle of that table takes the
# runs with the partition. Now a --tmpdir inside the warehouse directory
# (by its resolved path: symbolic links and ".." followed, a directory not
# there yet by its nearest existing one) is a usage error, exit 2, before
# anything is opened (no lock taken, nothing written), once for --all.
. "$(dirname "$0")/lib.sh"
A=sbtest__sbtest1 B=sbtest__sbtest2
"$BIN/tools/mcgen" sysbench 2000 >"$T/snap.mcr" && "$BIN/tools/mcgen" changes 2000 20000 >"$T/log.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
# a second table (sbtest2) of a second server
for f in snap log; do
	mc-cat --to=jsonl "$T/$f.mcr" | sed '1s/"meta":{/"meta":{"source_id":"11",/' |
		mc-cat --to=mcr >"$T/${f}1.mcr" &&
	mc-cat --to=jsonl "$T/$f.mcr" |
		sed 's/"table":"sbtest1"/"table":"sbtest2"/; 1s/"meta":{/"meta":{"source_id":"22",/' |
		mc-cat --to=mcr >"$T/${f}2.mcr" || { fail "setup" "$f"; exit 1; }
done
W=$T/w
expect_ok "load sbtest1" mc-tunnel-put --dest="$W" "$T/snap1.mcr" "$T/log1.mcr"
expect_ok "load sbtest2" mc-tunnel-put --dest="$W" "$T/snap2.mcr" "$T/log2.mcr"
ln -s "$W/$B" "$T/bl"
mkdir "$T/sub"
tree "$W" >"$T/t0"
for t in "$W/$B" "$W/$B/ds=20251121" "$W/${B}_log" "$W/$A" "$W" "$W/_mcsync" "$W/$B/new/dir" \
	"$T/bl" "$T/sub/../w/$B"; do
	expect_code 2 "--tmpdir='${t#"$T"/}': exit 2" \
		mc-merge --warehouse="$W" --table=$A --ds=20251122 --memory=1M --tmpdir="$t"
	expect_grep "... saying it is inside the warehouse" \
		"^mc-merge: --tmpdir='.*' is inside the warehouse '$W' .as '.*'.: a table's merge removes the temporaries in its directory" "$T/err"
done
expect_code 2 "--all --jobs=2 with --tmpdir in a table's directory: exit 2" \
	mc-merge --warehouse="$W" --all --jobs=2 --ds=20251122 --memory=1M --tmpdir="$W/$B"
expect_eq "... said once, not per table" "$(grep -c 'is inside the warehouse' "$T/err")" 1
(cd "$W/$B" && mc-merge --warehouse=.. --table=$A --ds=20251122 --tmpdir=. >/dev/null 2>"$T/err")
expect_eq "--tmpdir relative to a table's directory: exit 2" "$?" 2
tree "$W" >"$T/t1"
expect_same "nothing in the warehouse changed (no partition written)" "$T/t0" "$T/t1"
expect_eq "... no table locked" "$(ls "$W/_mcsync" | grep -c '^merge-')" 0
mkdir "$T/td"
expect_ok "--all --jobs=2 with --tmpdir outside the warehouse" \
	mc-merge -v --warehouse="$W" --all --jobs=2 --ds=20251122 --memory=1M --tmpdir="$T/td"
expect_grep "... spilling runs there" "[1-9][0-9]* runs" "$T/err"
expect_eq "... leaving nothing in it" "$(ls -A "$T/td")" ""
for t in $A $B; do
	expect_grep "... day 22 of $t" "^rows " "$W/$t/ds=20251122/_SUCCESS"
done
