#!/bin/sh
# mc-merge: a log table's _commits deleted, or emptied to its header line,
# together with a log partition, merged with exit 0 and a state without
# that partition's changes (a missing record was taken for a log table
# written before _commits existed). mc-tunnel-put now counts the record's
# lines in the ledger (commits.NAME_log S N: N lines of commits S..seq);
# with that key a record missing, header-only or short of lines is exit 1
# naming the file and the key. Without it (a warehouse from before) the
# old tolerance stays, and the key counts from the first commit after.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
. "$(dirname "$0")/lib.sh"
TB=sbtest__sbtest1
K=commits.${TB}_log
"$BIN/tools/mcgen" sysbench 200 >"$T/snap.mcr" && "$BIN/tools/mcgen" changes 200 300 >"$T/log.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
expect_ok "load" mc-tunnel-put --dest="$T/w" --commit-rows=50 "$T/snap.mcr" "$T/log.mcr"
lines=$(($(wc -l <"$T/w/${TB}_log/_commits") - 1))
first=$(sed -n 2p "$T/w/${TB}_log/_commits" | cut -d' ' -f1)
seq=$(sed -n 's/^seq //p' "$T/w/_mcsync/ledger")
expect_eq "the ledger counts the record's lines from its first commit" \
	"$(sed -n "s/^$K //p" "$T/w/_mcsync/ledger")" "$first $lines"
expect_ok "the same input again commits nothing" mc-tunnel-put --dest="$T/w" --commit-rows=50 "$T/snap.mcr" "$T/log.mcr"
expect_eq "... and the count stays" "$(sed -n "s/^$K //p" "$T/w/_mcsync/ledger")" "$first $lines"
merge() { mc-merge --warehouse="$1" --table=$TB --ds=20251122; }
for c in del hdr short legacy up; do cp -r "$T/w" "$T/$c"; done
expect_ok "an intact warehouse merges" merge "$T/w"

# deleted, with the log partition of day 20251121 (changes the day needs)
rm "$T/del/${TB}_log/_commits"
rm -rf "$T/del/${TB}_log/ds=20251121"
expect_code 1 "_commits deleted with a log partition: exit 1" merge "$T/del"
expect_grep "... naming the file, the ledger key and what to do" \
	"'$T/del/${TB}_log/_commits': missing, but the ledger's $K says it holds $lines lines \(of commits $first to $seq\): restore the file from a backup \(a rerun of the same input cannot rebuild it\)" "$T/err"
expect_code 1 "... no day written" test -e "$T/del/$TB/ds=20251122"
rm -rf "$T/del/${TB}_log/ds=20251122"
expect_code 1 "... a partition the day reads deleted too: exit 1" merge "$T/del"

# emptied to its header line
echo "mcsync-commits 1" >"$T/hdr/${TB}_log/_commits"
rm -rf "$T/hdr/${TB}_log/ds=20251121"
expect_code 1 "_commits emptied to its header: exit 1" merge "$T/hdr"
expect_grep "... naming the file, the count and the key" \
	"'$T/hdr/${TB}_log/_commits': 0 lines of commits $first to $seq, but the ledger's $K says $lines: the commits record is damaged; restore the file from a backup" "$T/err"
expect_code 1 "... no day written" test -e "$T/hdr/$TB/ds=20251122"

# a line lost, with the partition it named (its other lines are intact)
sed -i '/ ds=20251121 /d' "$T/short/${TB}_log/_commits"
rm -rf "$T/short/${TB}_log/ds=20251121"
expect_code 1 "_commits missing the lines of a deleted partition: exit 1" merge "$T/short"
expect_grep "... naming the count" "_commits': $((lines - $(grep -c ' ds=20251121 ' "$T/w/${TB}_log/_commits"))) lines of commits $first to $seq, but the ledger's $K says $lines" "$T/err"

# a warehouse from before the key: merged as before, with or without the record
sed -i "/^$K /d" "$T/legacy/_mcsync/ledger"
expect_ok "no key, the record intact: merges" merge "$T/legacy"
expect_same "... the same day" "$T/w/$TB/ds=20251122/part-000000.mcr.zst" "$T/legacy/$TB/ds=20251122/part-000000.mcr.zst"
rm -rf "$T/legacy/$TB/ds=20251122"
rm "$T/legacy/${TB}_log/_commits"
expect_ok "no key, the record deleted: merges as before" merge "$T/legacy"
expect_same "... the same day" "$T/w/$TB/ds=20251122/part-000000.mcr.zst" "$T/legacy/$TB/ds=20251122/part-000000.mcr.zst"

# an older warehouse's log continued: the key counts from its first commit on
rm -rf "$T/up"
expect_ok "the snapshot" mc-tunnel-put --dest="$T/up" "$T/snap.mcr"
mc-cat "$T/log.mcr" | head -n 150 | mc-cat --from=jsonl --to=mcr 2>/dev/null |
	mc-tunnel-put --partial-ok --dest="$T/up" --commit-rows=50 2>"$T/err"
expect_eq "the first half of the log" "$?" 0
sed -i "/^$K /d" "$T/up/_mcsync/ledger"
old=$(($(wc -l <"$T/up/${TB}_log/_commits") - 1))
s1=$(sed -n 's/^seq //p' "$T/up/_mcsync/ledger")
expect_ok "the rest, by a writer with the key" mc-tunnel-put --dest="$T/up" --commit-rows=50 "$T/snap.mcr" "$T/log.mcr"
now=$(($(wc -l <"$T/up/${TB}_log/_commits") - 1))
expect_eq "... counts the lines of its commits only" \
	"$(sed -n "s/^$K //p" "$T/up/_mcsync/ledger")" "$((s1 + 1)) $((now - old))"
cp -r "$T/up" "$T/up2"
expect_ok "... and merges" merge "$T/up"
expect_same "... the same day" "$T/w/$TB/ds=20251122/part-000000.mcr.zst" "$T/up/$TB/ds=20251122/part-000000.mcr.zst"
rm "$T/up2/${TB}_log/_commits"
expect_code 1 "... then its record deleted: exit 1" merge "$T/up2"
expect_grep "... naming the key" "missing, but the ledger's $K says it holds $((now - old)) lines" "$T/err"
