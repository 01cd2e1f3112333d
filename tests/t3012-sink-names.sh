#!/bin/sh
# mc-tunnel-put remembers a table's --name in the warehouse's ledger: a
# later run without it writes the same table, and a different --name for a
# table the warehouse holds under another name is refused (exit 2).
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 200 >"$T/sb.mcr" && "$MCGEN" changes 200 100 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
L=$T/w/_mcsync/ledger

expect_ok "the snapshot with --name" mc-tunnel-put --dest="$T/w" --name=sbtest.sbtest1=sb "$T/sb.mcr"
expect_grep "the ledger records the name" '^name\.sbtest\.sbtest1 sb$' "$L"
expect_ok "the changes without --name" mc-tunnel-put --dest="$T/w" "$T/ch.mcr"
expect_code 1 "go to no table of the default name" test -e "$T/w/sbtest__sbtest1_log"
expect_ok "but to the named table's log" test -d "$T/w/sb_log"
expect_ok "the merge of the named table" mc-merge --warehouse="$T/w" --table=sb --ds=20251122
mc-merge --warehouse="$T/w" --table=sb --at='2025-11-22 23:59:59' --output=- |
	mc-cat --to=csv --table=sbtest.sbtest1 >"$T/merged.csv" 2>>"$T/err"
mc-tunnel-put --dest="$T/ref" "$T/sb.mcr" "$T/ch.mcr" 2>>"$T/err"
mc-merge --warehouse="$T/ref" --table=sbtest__sbtest1 --at='2025-11-22 23:59:59' --output=- |
	mc-cat --to=csv --table=sbtest.sbtest1 >"$T/ref.csv" 2>>"$T/err"
expect_same "holds the changes (as one run with the default name)" "$T/ref.csv" "$T/merged.csv"

cp -r "$T/w" "$T/w0"
expect_code 2 "another --name for the table exits 2" \
	mc-tunnel-put --dest="$T/w" --name=sbtest.sbtest1=other "$T/ch.mcr"
expect_grep "naming the table and the recorded name" "sbtest\.sbtest1.* as 'sb'" "$T/err"
expect_grep "and what to do" "give --name=sbtest\.sbtest1=sb or no --name" "$T/err"
expect_code 1 "and writes nothing" test -e "$T/w/other_log"
tree "$T/w" >"$T/t1"; tree "$T/w0" >"$T/t0"
expect_same "the warehouse is unchanged" "$T/t0" "$T/t1"
expect_ok "the same --name again is fine" mc-tunnel-put --dest="$T/w" --name=sbtest.sbtest1=sb "$T/ch.mcr"

# a table loaded under its default name keeps it
expect_ok "a warehouse loaded without --name" mc-tunnel-put --dest="$T/d" "$T/sb.mcr"
expect_grep "records the default name" '^name\.sbtest\.sbtest1 sbtest__sbtest1$' "$T/d/_mcsync/ledger"
expect_code 2 "refuses a --name later" mc-tunnel-put --dest="$T/d" --name=sbtest.sbtest1=x "$T/ch.mcr"
expect_grep "saying the name it holds" "as 'sbtest__sbtest1'" "$T/err"
