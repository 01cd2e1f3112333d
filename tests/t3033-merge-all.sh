#!/bin/sh
# mc-merge --all: every table of a warehouse for a day, --jobs at a time;
# the same partitions as one mc-merge per table; a table that fails (here:
# one without a key, which needs --key) does not stop the others, is named,
# and the exit status says so; the options that do not go with it.
. "$(dirname "$0")/lib.sh"

H=$BIN/tools/mchist
mkdir -p "$T/h"
"$H" gen 11 6 30 "$T/h" || { fail "mchist gen" "failed"; exit 1; }
set -- $(cat "$T/h/days")
D2=$2 D3=$3
expect_ok "load 6 tables" mc-tunnel-put --dest="$T/w" --commit-rows=50 "$T/h/snap.mcr" "$T/h/log.mcr" || exit 1
cp -r "$T/w" "$T/one"

# the reference: one mc-merge per table (with its --key where it has none)
while read -r t k; do
	[ "$k" = - ] && k=
	mc-merge --warehouse="$T/one" --table="$t" --ds="$D2" $k 2>>"$T/err1" ||
		fail "reference merge of $t" "$(tail -1 "$T/err1")"
done <"$T/h/tables"
keyless=$(awk '$2 != "-" { print $1 }' "$T/h/tables")
nkeyless=$(echo "$keyless" | wc -w)

expect_code 1 "--all with tables that need --key exits 1" mc-merge --warehouse="$T/w" --all --ds="$D2" --jobs=3
for t in $keyless; do
	expect_grep "the failed table $t is named" "^mc-merge: --all: $t: failed \(exit 1\)" "$T/err"
	expect_grep "with its own message" "^mc-merge: $t: .*--key" "$T/err"
done
expect_grep "and counted" "^mc-merge: --all: $nkeyless of 6 tables failed" "$T/err"
same=0 differ=0
while read -r t k; do
	[ "$k" = - ] || continue
	if cmp -s "$T/one/$t/ds=$D2/part-000000.mcr.zst" "$T/w/$t/ds=$D2/part-000000.mcr.zst"; then
		same=$((same + 1))
	else
		differ=$((differ + 1))
	fi
done <"$T/h/tables"
if [ $differ -eq 0 ] && [ $same -eq $((6 - nkeyless)) ]; then
	ok "every other table got the same partition as mc-merge --table ($same)"
else
	fail "--all partitions" "$same same, $differ differ"
fi

# the keyless tables merged on their own; then --all for the next day is whole
while read -r t k; do
	[ "$k" = - ] && continue
	mc-merge --warehouse="$T/w" --table="$t" --ds="$D2" $k 2>>"$T/err1" || fail "merge $t" "failed"
done <"$T/h/tables"
expect_code 1 "day 3 still fails for the keyless tables" mc-merge --warehouse="$T/w" --all --ds="$D3"
expect_ok "-v --jobs=1 after a rerun of day 2 names each table merged" sh -c "
	mc-merge --warehouse='$T/w' --all --ds='$D2' --jobs=1 -v 2>&1 | grep -c ': merged\$' >'$T/n'; true"
expect_grep "6 - keyless tables said merged" "^$((6 - nkeyless))\$" "$T/n"

# a warehouse whose tables all have keys: exit 0
mkdir -p "$T/k"
expect_ok "a warehouse of one keyed table: exit 0" sh -c "
	'$BIN/tools/mcgen' sysbench 500 >'$T/sb.mcr' && '$BIN/tools/mcgen' changes 500 100 >'$T/ch.mcr' &&
	mc-tunnel-put --dest='$T/k' '$T/sb.mcr' '$T/ch.mcr' && mc-merge --warehouse='$T/k' --all --ds=20251122"
expect_ok "which made its partition" test -f "$T/k/sbtest__sbtest1/ds=20251122/_SUCCESS"

# usage
expect_code 2 "--all with --table" mc-merge --warehouse="$T/w" --all --table=x --ds="$D2"
expect_code 2 "--all without --ds" mc-merge --warehouse="$T/w" --all
expect_code 2 "--all with --at" mc-merge --warehouse="$T/w" --all --at=1:4:0 --output=-
expect_code 2 "--all with --key" mc-merge --warehouse="$T/w" --all --ds="$D2" --key=a
expect_code 2 "--jobs without --all" mc-merge --warehouse="$T/w" --table=x --ds="$D2" --jobs=2
expect_code 2 "--jobs=0" mc-merge --warehouse="$T/w" --all --ds="$D2" --jobs=0
mkdir -p "$T/empty"
expect_code 1 "a warehouse with no table" mc-merge --warehouse="$T/empty" --all --ds="$D2"
expect_grep "says so" "names no table" "$T/err"
