#!/bin/sh
# mc-tunnel-put --dest: a run killed between the open and the first write of
# a log table's _commits leaves the file empty. The rerun's append took the
# file's existence for "has its header" and wrote its line without the
# header: exit 0, a warehouse other than an uninterrupted run's (t3001 saw
# it once under load), and mc-merge then refused the table ("not a commits
# record"). mc-merge also refused the empty file itself, before any rerun.
# Now an empty file gets the header at the next append, and reads as a
# record without lines.
. "$(dirname "$0")/lib.sh"
"$BIN/tools/mcgen" sysbench 200 >"$T/snap.mcr"
"$BIN/tools/mcgen" changes 200 300 >"$T/log.mcr"
# a second table, its snapshot only
mc-cat "$T/snap.mcr" | sed 's/"table":"sbtest1"/"table":"other"/g' |
	mc-cat --from=jsonl --to=mcr >"$T/other.mcr" 2>/dev/null
at=$(mc-cat --to=summary "$T/log.mcr" | sed -n 's/^positions: .* \.\. //p')
run() { mc-tunnel-put --dest="$1" --commit-rows=50 "$T/snap.mcr" "$T/log.mcr" 2>"$T/err"; }

expect_ok "an uninterrupted run" run "$T/ref"
tree "$T/ref" >"$T/ref.tree"

# the state a kill leaves: the snapshot's commit made, the first commit of
# the log table stopped after its open of _commits (its other files are
# t3001's matter: the rerun removes them)
W=$T/k
expect_ok "the snapshot alone" mc-tunnel-put --dest="$W" --commit-rows=50 "$T/snap.mcr"
if [ -e "$W/sbtest__sbtest1_log" ]; then fail "setup" "the log table exists already"; fi
mkdir "$W/sbtest__sbtest1_log" && : >"$W/sbtest__sbtest1_log/_commits"
expect_ok "the rerun after the kill" run "$W"
expect_eq "the commits record starts with its header" \
	"$(head -n 1 "$W/sbtest__sbtest1_log/_commits")" "mcsync-commits 1"
tree "$W" >"$T/k.tree"
expect_same "the warehouse equals an uninterrupted run's" "$T/ref.tree" "$T/k.tree"
expect_ok "mc-merge reads it" mc-merge --warehouse="$W" --table=sbtest__sbtest1 --at="$at" --output="$T/k.mcr"
mc-merge --warehouse="$T/ref" --table=sbtest__sbtest1 --at="$at" --output="$T/ref.mcr" 2>/dev/null
expect_same "... the same state as from the uninterrupted run" "$T/ref.mcr" "$T/k.mcr"
# emptied once its lines are committed: still damage, the ledger counts them
: >"$W/sbtest__sbtest1_log/_commits"
expect_code 1 "a committed record emptied: exit 1" \
	mc-merge --warehouse="$W" --table=sbtest__sbtest1 --at="$at" --output="$T/k2.mcr"
expect_grep "... the ledger's count says so" "_commits': 0 lines of commits .* but the ledger's commits\.sbtest__sbtest1_log says [1-9]" "$T/err"

# before a rerun: a table whose first log commit was killed so, another
# table's log committed past it
W=$T/m
expect_ok "two snapshots, then the log of one table" \
	sh -c "mc-tunnel-put --dest='$W' '$T/snap.mcr' '$T/other.mcr' && mc-tunnel-put --dest='$W' '$T/log.mcr'"
mkdir "$W/sbtest__other_log" && : >"$W/sbtest__other_log/_commits"
expect_ok "mc-merge of the table with the empty commits record" \
	mc-merge --warehouse="$W" --table=sbtest__other --at="$at" --output="$T/m1.mcr"
printf 'mcsync-commits 1\n' >"$W/sbtest__other_log/_commits"
mc-merge --warehouse="$W" --table=sbtest__other --at="$at" --output="$T/m2.mcr" 2>/dev/null
expect_same "... the state of a record with its header and no line" "$T/m1.mcr" "$T/m2.mcr"
expect_eq "... the table's rows" "$(mc-cat --to=csv --table=sbtest.other "$T/m1.mcr" | grep -vc '^id,')" 200
# a header cut short reads the same; other text is still refused
printf 'mcsync-com' >"$W/sbtest__other_log/_commits"
expect_ok "a header cut short: no lines" \
	mc-merge --warehouse="$W" --table=sbtest__other --at="$at" --output="$T/m3.mcr"
printf 'mcsync-xyz\n' >"$W/sbtest__other_log/_commits"
expect_code 1 "not a commits record: exit 1" \
	mc-merge --warehouse="$W" --table=sbtest__other --at="$at" --output="$T/m4.mcr"
expect_grep "... naming the file" "sbtest__other_log/_commits': not a commits record" "$T/err"
