#!/bin/sh
# mc-merge: conventions, the first day, idempotent reruns, --at, --output,
# lifecycle, bad partitions (corrupt, truncated, no marker, schema
# mismatch), SIGKILL + rerun, bounded memory.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
TB=sbtest__sbtest1
N=20000
"$MCGEN" sysbench $N >"$T/sb.mcr" && "$MCGEN" changes $N 5000 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
mc-tunnel-put --dest="$T/w" "$T/sb.mcr" "$T/ch.mcr" 2>"$T/err" || { fail "mc-tunnel-put" "failed"; exit 1; }
W=$T/w
csv() { mc-cat --to=csv --with-op --table=sbtest.sbtest1 "$@"; }

# --- conventions ---
expect_conventions mc-merge '^mc-merge \(mcsync\) [0-9]' "" mc-merge
expect_code 2 "no --ds exits 2" mc-merge --warehouse="$W" --table=$TB
expect_code 2 "a bad --ds exits 2" mc-merge --warehouse="$W" --table=$TB --ds=20251131
expect_code 2 "a bad --memory exits 2" mc-merge --warehouse="$W" --table=$TB --ds=20251122 --memory=lots
expect_code 2 "a bad --at exits 2" mc-merge --warehouse="$W" --table=$TB --at=yesterday --output=-
expect_code 2 "--key naming no column exits 2" mc-merge --warehouse="$W" --table=$TB --ds=20251122 --key=nope
expect_code 1 "an unknown table exits 1" mc-merge --warehouse="$W" --table=nope --ds=20251122

# --- days ---
tree "$W" >"$T/t0"
expect_ok "the first day is the snapshot itself" mc-merge --warehouse="$W" --table=$TB --ds=20251121
tree "$W" >"$T/t1"
expect_same "and nothing is written for it" "$T/t0" "$T/t1"
expect_code 1 "a day the log has not passed yet exits 1" mc-merge --warehouse="$W" --table=$TB --ds=20251123
expect_grep "and says so" "has not reached the end of 20251123" "$T/err"
expect_ok "merge day 2" mc-merge --warehouse="$W" --table=$TB --ds=20251122
expect_grep "the new partition is marked" '^made_by mc-merge' "$W/$TB/ds=20251122/_SUCCESS"
cp "$W/$TB/ds=20251122/part-000000.mcr.zst" "$T/day2.zst"
expect_ok "a rerun of day 2" mc-merge --warehouse="$W" --table=$TB --ds=20251122
expect_same "gives the same file" "$T/day2.zst" "$W/$TB/ds=20251122/part-000000.mcr.zst"
csv "$T/day2.zst" >"$T/day2.csv"
expect_code 1 "--at a time past the log's last change exits 1" \
	mc-merge --warehouse="$W" --table=$TB --at='2099-01-01 00:00:00' --output="$T/late.mcr"
expect_grep "... naming the last change's time as --at writes it (not a count of seconds)" \
	"the log has not reached past 2099-01-01 00:00:00 yet \\(its last change is at 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\)$" "$T/err"
hw=$(sed -n 's/^hw_time //p' "$W/_mcsync/ledger")
lt=$(date -u -d "@$hw" '+%Y-%m-%d %H:%M:%S')
expect_code 1 "--at the second of the last change: exit 1" \
	mc-merge --warehouse="$W" --table=$TB --at="$lt" --output="$T/late.mcr"
expect_grep "... saying that more of that second may come" \
	"the log has not reached past $lt yet \\(its last change is at $lt: more changes of that second may come; --at takes the state after all of them\\)$" "$T/err"
expect_ok "--at=DATETIME --output" mc-merge --warehouse="$W" --table=$TB --at='2025-11-22 23:59:59' --output="$T/at.mcr"
csv "$T/at.mcr" >"$T/at.csv"
cut=$(sed -n 's/^cut.20251122 //p' "$W/_mcsync/ledger")
# the day is cut at the first change of the transaction open at midnight
# (the first change after the last txn_end mark before the first record
# stamped after the day; docs/merge.md "The day cut"): the input's own
mc-cat "$T/ch.mcr" | python3 -c '
import json, sys
end = 1763856000  # 2025-11-23 00:00 UTC
first = None
for line in sys.stdin:
    r = json.loads(line)
    if r.get("kind") == "mark" and r.get("mark") == "txn_end":
        first = None
    elif r.get("kind") == "row":
        if first is None:
            first = r["pos"]
        if r["time"] >= end:
            print("%d:%d:%d %d:%d:%d" % tuple(first + r["pos"]))
            break
' >"$T/cutwant"
read -r want past <"$T/cutwant"
expect_eq "the day is cut at the first change of the transaction open at midnight" "$want" "$cut"
if [ "$want" = "$past" ]; then
	expect_same "the state at 23:59:59 is the day's partition" "$T/day2.csv" "$T/at.csv"
elif cmp -s "$T/day2.csv" "$T/at.csv"; then
	fail "the state at 23:59:59" "is the day's partition, with part of the transaction open at midnight"
else
	ok "the state at 23:59:59 holds part of the transaction open at midnight, the day's partition none"
fi
f=${cut%%:*} r=${cut#*:}; o=${r%%:*}
expect_ok "--at=POSITION" mc-merge --warehouse="$W" --table=$TB --at="$f:$((o - 1)):0" --output="$T/atp.mcr"
csv "$T/atp.mcr" >"$T/atp.csv"
expect_same "the state just below the cut is the day's partition" "$T/day2.csv" "$T/atp.csv"
expect_sigpipe "--output=- dies quietly of SIGPIPE" mc-merge --warehouse="$W" --table=$TB --at="$cut" --output=-
expect_ok "--emit-sql" mc-merge --warehouse="$W" --table=$TB --ds=20251122 --emit-sql
expect_grep "MaxCompute INSERT OVERWRITE of the partition" "^INSERT OVERWRITE TABLE \`$TB\` PARTITION \(ds = '20251122'\)" "$T/out"
expect_grep "the DTS recipe: row_number over the key by position" "ROW_NUMBER\(\) OVER \(PARTITION BY \`id\`" "$T/out"
expect_ok "--emit-sql --dialect=sqlite" mc-merge --warehouse="$W" --table=$TB --ds=20251122 --emit-sql --dialect=sqlite
expect_grep "sqlite deletes then inserts" "^DELETE FROM \"$TB\" WHERE ds = '20251122';" "$T/out"

# --- SIGKILL, then rerun ---
cp -r "$W" "$T/k"
rm -rf "$T/k/$TB/ds=20251122"
kills=0
for d in 0.01 0.03 0.05 0.08 0.1 0.15 0.2; do
	timeout -k 5 -s KILL "$d" mc-merge --warehouse="$T/k" --table=$TB --ds=20251122 --memory=4M 2>/dev/null
	[ $? -eq 137 ] && kills=$((kills + 1))
done
echo "# $kills runs killed"
while_locked mc-merge --warehouse="$T/k" --table=$TB --ds=20251122
expect_ok "a rerun after SIGKILLs" mc-merge --warehouse="$T/k" --table=$TB --ds=20251122
expect_same "gives the same partition" "$T/day2.zst" "$T/k/$TB/ds=20251122/part-000000.mcr.zst"
tree "$W" >"$T/tw"
tree "$T/k" >"$T/tk"
expect_same "and leaves no temporary files" "$T/tw" "$T/tk"

# --- lifecycle ---
cp -r "$W" "$T/l"
expect_ok "--lifecycle=1" mc-merge --warehouse="$T/l" --table=$TB --ds=20251122 --lifecycle=1
if [ -d "$T/l/$TB/ds=20251121" ]; then fail "lifecycle" "ds=20251121 is still there"; else ok "--lifecycle=1 drops the older partition"; fi
# ds=20251122 of the log holds the rows stamped on the 22nd of the
# transaction open at midnight, above the kept base's cut: kept then
if [ -d "$T/l/${TB}_log/ds=20251121" ] ||
	{ [ "$want" = "$past" ] && [ -d "$T/l/${TB}_log/ds=20251122" ]; }; then
	fail "lifecycle" "log partitions below the kept base are still there"
else
	ok "--lifecycle=1 drops the log partitions below the kept base"
fi
if [ "$want" != "$past" ] && [ ! -d "$T/l/${TB}_log/ds=20251122" ]; then
	fail "lifecycle" "the log partition with the transaction open at midnight is gone"
fi
if [ -d "$T/l/${TB}_log/ds=20251123" ]; then ok "and keeps the log the kept base needs"; else fail "lifecycle" "ds=20251123 of the log is gone"; fi
tree "$T/l" >"$T/tl0"
expect_code 1 "the day whose base --lifecycle dropped cannot be merged again" \
	mc-merge --warehouse="$T/l" --table=$TB --ds=20251122 --lifecycle=1
expect_grep "saying it is merged and kept" "'ds=20251122' is merged already and no full partition before it is left \(dropped by --lifecycle\).*kept as it is" "$T/err"
expect_code 1 "nor an older day" mc-merge --warehouse="$T/l" --table=$TB --ds=20251121
expect_grep "naming the oldest partition" "no full partition before 20251121: its oldest is 'ds=20251122' \(older ones dropped by --lifecycle" "$T/err"
tree "$T/l" >"$T/tl1"
expect_same "and change nothing" "$T/tl0" "$T/tl1"
mc-merge --warehouse="$W" --table=$TB --at='2025-11-23 00:10:00' --output="$T/at0.mcr" 2>"$T/err"
expect_ok "--at after the kept base still works" mc-merge --warehouse="$T/l" --table=$TB --at='2025-11-23 00:10:00' --output="$T/at1.mcr"
expect_same "with the same result" "$T/at0.mcr" "$T/at1.mcr"
rm -rf "$T/l" && cp -r "$W" "$T/l"
expect_ok "--lifecycle=30" mc-merge --warehouse="$T/l" --table=$TB --ds=20251122 --lifecycle=30
ls "$T/l/${TB}_log" >"$T/lp1"
ls "$W/${TB}_log" >"$T/lp0"
expect_same "keeps the log the snapshot needs" "$T/lp0" "$T/lp1"

# --- bad partitions: exit 1, nothing written ---
bad() { # DESC SETUP-CMD GREP
	rm -rf "$T/b" && cp -r "$W" "$T/b" && rm -rf "$T/b/$TB/ds=20251122"
	sh -c "$2"
	expect_code 1 "$1 exits 1" mc-merge --warehouse="$T/b" --table=$TB --ds=20251122
	expect_grep "$1 is named" "$3" "$T/err"
	if [ -e "$T/b/$TB/ds=20251122" ] || ls -a "$T/b/$TB" | grep -q '^\.tmp'; then
		fail "$1: nothing written" "a partition or temporary directory is left"
	else
		ok "$1: nothing written"
	fi
}
base=$T/b/$TB/ds=20251121/part-000001.mcr.zst
bad "a corrupt base file" "printf 'XXXXXXXX' | dd of='$base' bs=1 seek=300 conv=notrunc 2>/dev/null" "part-000001.mcr.zst"
bad "a truncated base file" "head -c 1000 '$base' >'$T/x' && cat '$T/x' >'$base'" "corrupt partition|truncated"
bad "a missing marker" "rm '$T/b/$TB/ds=20251121/_SUCCESS'" "no _SUCCESS marker"
bad "a schema mismatch between base and log" \
	"mc-cat '$T/b/${TB}_log/_schema.mcr' | sed 's/\"name\":\"pad\"/\"name\":\"pad2\"/' | mc-cat --to=mcr >'$T/s' && cp '$T/s' '$T/b/${TB}_log/_schema.mcr'" \
	"schema mismatch"
bad "a log file that is not what its marker says" \
	"f=\$(ls '$T/b/${TB}_log'/ds=20251122/part-*.mcr.zst | head -1); cp '$base' \"\$f\"" "corrupt partition|schema differs|differ"

# --- bounded memory: a table several times larger than --memory ---
# The bound on the peak RSS comes from a baseline measured here, on this
# machine and allocator: the peak RSS of the same merge of a 20,000-row
# table at the smallest cap, --memory=1M (what a merge costs besides its
# sorting memory: the program and its libraries, the zstd windows of what it
# reads and writes, the compression thread, 1 MB of runs), plus the cap,
# 8 MB, plus a margin of 1 MB for the allocator's slack. (A fixed 20,000 KB
# failed now and then at 20,100-20,550 KB: a baseline of 13,400-14,200 KB
# plus 3,600-6,900 KB, while the baseline of a tiny input is only 1-2 MB:
# the zstd windows grow with the input up to their size.)
mc-tunnel-put --dest="$T/rssbase" "$T/sb.mcr" "$T/ch.mcr" 2>"$T/err"
/usr/bin/time -f %M -o "$T/rss0" mc-merge --warehouse="$T/rssbase" --table=$TB --ds=20251122 --memory=1M 2>"$T/v0"
expect_eq "the baseline merge (--memory=1M) succeeds" "$?" 0
rm -rf "$T/rssbase"
r0=$(tail -1 "$T/rss0")
cap=$((r0 + 8192 + 1024))
echo "# peak RSS baseline: --memory=1M on $N rows: $r0 KB; bound for --memory=8M: $cap KB"
"$MCGEN" sysbench 150000 >"$T/big.mcr" && "$MCGEN" changes 150000 30000 >"$T/bigch.mcr"
# (a base of 4 files; in big and big2 its first file renamed to come last,
# so that its rows are not in key order: found at the last file, the merge
# starts again, sorting the base)
mc-tunnel-put --dest="$T/big" --commit-rows=10000 "$T/big.mcr" "$T/bigch.mcr" 2>"$T/err"
bd=$T/big/$TB/ds=20251121
if [ "$(ls "$bd"/part-* | wc -l)" -ge 3 ]; then ok "the base has several files"; else fail "the base has several files" "$(ls "$bd")"; fi
cp -r "$T/big" "$T/big3"
mv "$bd/part-000001.mcr.zst" "$bd/part-000099.mcr.zst"
sed 's/^file\.part-000001\./file.part-000099./' "$bd/_SUCCESS" >"$T/m" && cat "$T/m" >"$bd/_SUCCESS"
cp -r "$T/big" "$T/big2"
/usr/bin/time -f %M -o "$T/rss1" mc-merge --warehouse="$T/big" --table=$TB --ds=20251122 -v 2>"$T/v1"
/usr/bin/time -f %M -o "$T/rss2" mc-merge --warehouse="$T/big2" --table=$TB --ds=20251122 -v --memory=8M 2>"$T/v2"
/usr/bin/time -f %M -o "$T/rss3" mc-merge --warehouse="$T/big3" --table=$TB --ds=20251122 -v --memory=8M 2>"$T/v3"
expect_grep "a base out of key order is found out" "part-000099.mcr.zst': record [0-9]*: the base partition is not in key order.*: sorting it" "$T/v1"
expect_same "--memory=8M gives the same partition as an unbounded merge" \
	"$T/big/$TB/ds=20251122/part-000000.mcr.zst" "$T/big2/$TB/ds=20251122/part-000000.mcr.zst"
expect_same "a base in key order, streamed, gives the same partition" \
	"$T/big/$TB/ds=20251122/part-000000.mcr.zst" "$T/big3/$TB/ds=20251122/part-000000.mcr.zst"
expect_grep "it spilled runs and merged them in passes" "[1-9][0-9]* runs, [1-9][0-9]* passes" "$T/v2"
if grep -q "not in key order" "$T/v3"; then fail "a base in key order is streamed" "$(cat "$T/v3")"; else ok "a base in key order is streamed"; fi
r3=$(tail -1 "$T/rss3")
echo "# peak RSS: base in key order, streamed, --memory=8M: $r3 KB"
r1=$(tail -1 "$T/rss1") r2=$(tail -1 "$T/rss2")
echo "# peak RSS: unbounded $r1 KB, --memory=8M $r2 KB"
case $O in *asan*|*ubsan*|*tsan*) r2=0 ;; esac # sanitizers have their own memory
if [ "$r2" -lt "$cap" ] && [ "$r2" -lt "$r1" ]; then ok "peak RSS stays near the cap ($r2 KB < $cap KB = baseline $r0 + 8 MB + 1 MB; unbounded $r1 KB)"; else fail "peak RSS" "$r2 KB with --memory=8M, bound $cap KB = baseline $r0 + 8 MB + 1 MB (unbounded $r1 KB)"; fi

# --- bounded memory at 10x: wide rows, a table ten times the cap on disk ---
"$MCGEN" sysbench 30000 1 3000 >"$T/wide.mcr" && "$MCGEN" changes 30000 6000 2 3000 >"$T/widech.mcr"
rm -rf "$T/big" "$T/big2" "$T/big3" "$T/big.mcr" "$T/bigch.mcr"
mc-tunnel-put --dest="$T/wide" "$T/wide.mcr" "$T/widech.mcr" 2>"$T/err"
rm -f "$T/wide.mcr" "$T/widech.mcr"
cp -r "$T/wide" "$T/wide2"
disk=$(cat "$T/wide/$TB"/ds=*/part-* "$T/wide/${TB}_log"/ds=*/part-* | wc -c)
if [ "$disk" -ge $((10 * 8 * 1048576)) ]; then ok "the wide table is ten times --memory=8M on disk ($disk bytes)"; else fail "wide table" "only $disk bytes on disk"; fi
/usr/bin/time -f %M -o "$T/rss1" mc-merge --warehouse="$T/wide" --table=$TB --ds=20251122 -v 2>"$T/v1"
/usr/bin/time -f %M -o "$T/rss2" mc-merge --warehouse="$T/wide2" --table=$TB --ds=20251122 -v --memory=8M 2>"$T/v2"
expect_same "--memory=8M on the wide table gives the same partition as an unbounded merge" \
	"$T/wide/$TB/ds=20251122/part-000000.mcr.zst" "$T/wide2/$TB/ds=20251122/part-000000.mcr.zst"
expect_grep "it spilled runs" "[1-9][0-9]* runs" "$T/v2"
r1=$(tail -1 "$T/rss1") r2=$(tail -1 "$T/rss2")
echo "# wide table, peak RSS: unbounded $r1 KB, --memory=8M $r2 KB"
case $O in *asan*|*ubsan*|*tsan*) r2=0 ;; esac
if [ "$r2" -lt "$cap" ] && [ "$r2" -lt "$r1" ]; then ok "peak RSS stays near the cap on the wide table ($r2 KB < $cap KB; unbounded $r1 KB)"; else fail "peak RSS, wide table" "$r2 KB with --memory=8M, bound $cap KB = baseline $r0 + 8 MB + 1 MB (unbounded $r1 KB)"; fi
rm -rf "$T/wide" "$T/wide2"
