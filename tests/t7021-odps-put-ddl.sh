#!/bin/sh
# A TRUNCATE (or DROP / CREATE / RENAME) of a table bound for MaxCompute
# goes into its log table as a marker row (mc_op 'T', its position, the
# other columns NULL), which the merge in MaxCompute applies
# (docs/maxcompute.md "The merge in MaxCompute", docs/merge.md "DDL";
# tests/t7026-odps-merge-truncate.sh merges it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

odps_start srv || exit 1
"$BIN/tools/mcgen" sysbench 200 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 200 100 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
# the changes with a TRUNCATE in place of their tenth transaction end
mc-cat "$T/ch.mcr" | awk '/"mark":"txn_end"/ && ++n == 10 {
	sub(/"kind":"mark","mark":"txn_end"/, "\"kind\":\"ddl\"")
	sub(/"label":""/, "\"sql\":\"TRUNCATE TABLE sbtest1\",\"effect\":\"truncate\"")
	sub(/"db":"","table":""/, "\"db\":\"sbtest\",\"table\":\"sbtest1\"") } { print }' |
	mc-cat --to=mcr >"$T/tr.mcr" 2>"$T/err" || { fail "setup" "$(cat "$T/err")"; exit 1; }
mc-cat "$T/tr.mcr" >"$T/tr.jsonl"
expect_grep "the stream holds the TRUNCATE" '"kind":"ddl".*"effect":"truncate"' "$T/tr.jsonl"
put() { mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/s" \
	--name=sbtest.sbtest1=t1 --retry-time=0.2 "$@"; }
expect_ok "the snapshot goes up" put "$T/sb.mcr"
expect_ok "a TRUNCATE bound for MaxCompute goes up" put "$T/tr.mcr"
p=$(grep '"kind":"ddl"' "$T/tr.jsonl" | sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1|\2|\3/')
expect_eq "... as its marker row: 'T', its position, the other columns NULL" \
	"$(sqlite3 "$T/srv/p1.db" "SELECT mc_op, mc_image IS NULL, mc_time IS NULL, id IS NULL, mc_pos_file, mc_pos_off, mc_pos_row FROM t1_log WHERE mc_image IS NULL")" "T|1|1|1|$p"
expect_ok "the same changes without it go up" put "$T/ch.mcr"
