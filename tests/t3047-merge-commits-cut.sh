#!/bin/sh
# mc-merge: a log table's _commits whose last line is cut (no newline)
# while the ledger says its commit happened was read as a crash's leftover
# and passed over, so with that commit's log partition gone too the merge
# wrote the state without its changes, exit 0. Now exit 1 naming the file
# and the line; a cut line of a commit above the ledger's (a crash before
# the ledger was written) is still passed over.
. "$(dirname "$0")/lib.sh"
"$BIN/tools/mcgen" sysbench 200 >"$T/snap.mcr"
"$BIN/tools/mcgen" changes 200 300 >"$T/log.mcr"
expect_ok "load" mc-tunnel-put --dest="$T/wh" "$T/snap.mcr" "$T/log.mcr"
L=$T/wh/sbtest__sbtest1_log
at=$(mc-cat --to=summary "$T/log.mcr" | sed -n 's/^positions: .* \.\. //p')
expect_ok "the merge at the end" mc-merge --warehouse="$T/wh" --table=sbtest__sbtest1 --at="$at" --output="$T/good.mcr"
cp "$L/_commits" "$T/commits"
# a crash's leftover: a cut line of a commit the ledger has not
printf '999 ds=2025' >>"$L/_commits"
expect_ok "a cut line above the ledger's seq: passed over" \
	mc-merge --warehouse="$T/wh" --table=sbtest__sbtest1 --at="$at" --output="$T/again.mcr"
expect_same "... the same state" "$T/good.mcr" "$T/again.mcr"
# the last line of a committed commit cut short
last=$(tail -n 1 "$T/commits")
{ head -n -1 "$T/commits"; printf '%s' "${last% *}"; } >"$L/_commits"
seq=${last%% *}
expect_code 1 "the last committed line cut short: exit 1" \
	mc-merge --warehouse="$T/wh" --table=sbtest__sbtest1 --at="$at" --output="$T/bad.mcr"
expect_grep "... naming the file, the line and the commit" \
	"'$L/_commits': line $(wc -l <"$T/commits"): cut short \(no newline\), but its commit $seq is in the ledger" "$T/err"
# ... and with that commit's files gone as well: no state without them
part=$(echo "$last" | cut -d' ' -f2)
rm -rf "$L/$part"
expect_code 1 "... and its log partition deleted: still exit 1, no state written" \
	mc-merge --warehouse="$T/wh" --table=sbtest__sbtest1 --at="$at" --output="$T/bad2.mcr"
