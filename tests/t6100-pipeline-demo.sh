#!/bin/sh
# pipelines/full-and-incremental.sh, the README's main command: the demo on
# the embedded default runs; the warehouse it fills equals the source.
. "$(dirname "$0")/lib.sh"

cd "$T" || exit 1
MCSYNC_BIN=$BIN MCSYNC_DEMO_ROWS=600 MCSYNC_DEMO_CHANGES=300 \
	sh "$TOP/pipelines/full-and-incremental.sh" >"$T/out" 2>"$T/err"
rc=$?
expect_eq "the demo pipeline exits 0" "$rc" 0
expect_grep "it prints the customers table" '^shop\.customers +[0-9]+ +[0-9]+  yes$' "$T/out"
expect_grep "it prints the order_items table (composite key)" '^shop\.order_items +[0-9]+ +[0-9]+  yes$' "$T/out"
[ -f "$T/warehouse/shop__customers/_schema.mcr" ] && ok "the warehouse has the base table" ||
	fail "the warehouse has the base table" "no shop__customers/_schema.mcr"
ls -d "$T"/warehouse/shop__customers_log/ds=* >/dev/null 2>&1 && ok "... and its log table" ||
	fail "... and its log table" "no log partition"
[ ! -d "$T/mcsync-demo/tmp/mdb" ] && ok "the throwaway server's files are gone" ||
	fail "the throwaway server's files are gone" "still there"
