#!/bin/sh
# mc-transform's destination names reach the warehouse with no --name
# (docs/mc-transform.md "How the name reaches the sink"): mc-tunnel-put
# names a table by its table field when the stream's header says
# `dest_names: table`, records the name, and later streams through the same
# rules go to the same table; the merge of the named table equals the
# merge of the untransformed streams.
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 300 >"$T/sb.mcr" && "$MCGEN" changes 300 200 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
cat >"$T/rules.yaml" <<'YAML'
version: 1
names:
  template: "${db}_${table}"
  prefix: "ods_"
YAML
for f in sb ch; do
	mc-transform --rules="$T/rules.yaml" "$T/$f.mcr" >"$T/$f.t.mcr" 2>"$T/err" ||
		{ fail "setup" "mc-transform: $(cat "$T/err")"; exit 1; }
done
expect_ok "the transformed snapshot goes in without --name" mc-tunnel-put --dest="$T/w" "$T/sb.t.mcr"
expect_ok "... as the table mc-transform named" test -d "$T/w/ods_sbtest_sbtest1"
expect_code 1 "... not under the default name" test -e "$T/w/sbtest__ods_sbtest_sbtest1"
expect_grep "... recorded in the ledger" '^name\.sbtest\.ods_sbtest_sbtest1 ods_sbtest_sbtest1$' "$T/w/_mcsync/ledger"
expect_ok "the transformed changes follow it" mc-tunnel-put --dest="$T/w" "$T/ch.t.mcr"
expect_ok "... into its log" test -d "$T/w/ods_sbtest_sbtest1_log"
mc-tunnel-put --dest="$T/ref" "$T/sb.mcr" "$T/ch.mcr" 2>"$T/err" || fail "setup" "ref"
at='2025-11-22 23:59:59'
mc-merge --warehouse="$T/w" --table=ods_sbtest_sbtest1 --at="$at" --output=- 2>"$T/err" |
	mc-cat --to=csv --table=sbtest.ods_sbtest_sbtest1 >"$T/got.csv"
mc-merge --warehouse="$T/ref" --table=sbtest__sbtest1 --at="$at" --output=- 2>>"$T/err" |
	mc-cat --to=csv --table=sbtest.sbtest1 >"$T/want.csv"
expect_ok "the merge has rows" test "$(wc -l <"$T/want.csv")" -gt 100
expect_same "the merge of the named table equals the untransformed one" "$T/got.csv" "$T/want.csv"
expect_code 2 "a --name that differs from the recorded one is still refused" \
	mc-tunnel-put --dest="$T/w" --name=sbtest.ods_sbtest_sbtest1=other "$T/ch.t.mcr"
