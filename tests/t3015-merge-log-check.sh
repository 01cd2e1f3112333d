#!/bin/sh
# mc-merge checks the log partitions of its range against the commits that
# wrote them (the log table's _commits record, docs/merge.md): a partition
# deleted by hand, or without its _SUCCESS, or a file missing from its
# marker, is an error naming it, not a wrong day marked complete.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
TB=sbtest__sbtest1
"$MCGEN" sysbench 500 >"$T/sb.mcr" && "$MCGEN" changes 500 600 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
expect_ok "load with several commits" \
	mc-tunnel-put --dest="$T/w" --commit-rows=50 "$T/sb.mcr" "$T/ch.mcr"
expect_grep "the log table records its commits" '^[0-9]+ ds=20251121 [0-9]+ [0-9]+:[0-9]+:[0-9]+ [0-9]+:[0-9]+:[0-9]+$' \
	"$T/w/${TB}_log/_commits"
for c in gone nomark nofile old; do cp -r "$T/w" "$T/$c"; done
merge() { mc-merge --warehouse="$1" --table=$TB --ds=20251122; }

expect_ok "an intact warehouse merges" merge "$T/w"
rm -rf "$T/gone/${TB}_log/ds=20251121"
expect_code 1 "a log partition deleted by hand exits 1" merge "$T/gone"
expect_grep "naming it and the commit that wrote it" "${TB}_log/ds=20251121': missing, or without its _SUCCESS, but commit [0-9]+ wrote [0-9]+ rows there" "$T/err"
expect_code 1 "and writes no day" test -e "$T/gone/$TB/ds=20251122"
rm "$T/nomark/${TB}_log/ds=20251122/_SUCCESS"
expect_code 1 "a log partition without its _SUCCESS exits 1" merge "$T/nomark"
expect_grep "naming it" "${TB}_log/ds=20251122': missing, or without its _SUCCESS" "$T/err"
m=$T/nofile/${TB}_log/ds=20251122/_SUCCESS
f=$(sed -n 's/^file\.\(part-[0-9]*\.mcr\.zst\) .*/\1/p' "$m" | head -1)
rows=$(sed -n "s/^file\.$f \([0-9]*\) .*/\1/p" "$m")
sed -i "/^file\.$f /d" "$m"
total=$(sed -n 's/^file\.[^ ]* \([0-9]*\) .*/\1/p' "$m" | awk '{s += $1} END {print s + 0}')
sed -i "s/^rows .*/rows $total/; s/^files .*/files $(grep -c '^file\.' "$m")/" "$m"
rm "$T/nofile/${TB}_log/ds=20251122/$f"
expect_code 1 "a log file dropped from its marker exits 1" merge "$T/nofile"
expect_grep "naming the file" "ds=20251122/$f': not in its partition's marker, but commit [0-9]+ wrote $rows rows" "$T/err"

# a warehouse written before the record (and so before the ledger counted
# it: no commits. key): merged as before
rm "$T/old/${TB}_log/_commits"
sed -i '/^commits\./d' "$T/old/_mcsync/ledger"
expect_ok "a log table without the record merges" merge "$T/old"
expect_same "the same day" "$T/w/$TB/ds=20251122/part-000000.mcr.zst" "$T/old/$TB/ds=20251122/part-000000.mcr.zst"
