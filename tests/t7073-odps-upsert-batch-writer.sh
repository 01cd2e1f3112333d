#!/bin/sh
# One MaxCompute table, two state directories of different modes: the batch
# upload of a source table's changes into the log of a PK table that a
# --mode=upsert state committed rows of that source into is refused before
# its commit (exit 1, naming the table and the upsert writer): it wrote the
# log beside the PK table, exit 0. The other way round the service refuses
# the upsert session (a batch table is not a PK Delta Table). docs/maxcompute.md
# "One state directory per source table".
. "$(dirname "$0")/lib.sh"
need python3 curl
. "$TOP/tests/t7051-odps-upsert.lib"
"$BIN/tools/mcgen" changes 300 400 >"$T/ch.mcr" && "$BIN/tools/mcgen" sysbench 300 >"$T/sb.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
mc-cat "$T/ch.mcr" >"$T/ch.jsonl"
bput() {
	_s=$1
	shift
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$_s" --retry-time=0.2 "$@"
}
expect_ok "--mode=upsert writes a PK table" put a --name=sbtest.sbtest1=t1 --commit-rows=100 "$T/ch.mcr"
wa=$(sed -n 's/^writer //p' "$T/a/_mcsync/upsert-owner")
expect_code 1 "the batch upload of the same source's changes into its log is refused" \
	bput b --name=sbtest.sbtest1=t1 "$T/ch.mcr"
expect_grep "... naming the table and the upsert writer" \
	"MaxCompute table 'p1.t1' holds rows of sbtest.sbtest1 upserted by another state directory .writer $wa, --mode=upsert, commit [0-9]*.; this --state is writer $(sed -n 's/^writer //p' "$T/b/_mcsync/odps")" "$T/err"
expect_grep "... and the way out" "give the --state of writer $wa with --mode=upsert, or write this source under another --name" "$T/err"
expect_eq "... no log rows" "$($CLI sql "SELECT COUNT(*) FROM t1_log" 2>&1 | sed 1d)" "0"
final t1 "$T/ch.jsonl" "... the PK table as the upsert state left it"
expect_ok "another source's changes into that name (a shard) are taken" \
	bput c --name=sbtest.sbtest1=t2 "$T/ch.mcr"
expect_ok "the batch snapshot into its own table" bput d "$T/sb.mcr"
expect_code 1 "--mode=upsert into the batch table: the service refuses the session" put e "$T/ch.mcr"
expect_grep "... naming it" "sbtest__sbtest1 is not a PK Delta Table" "$T/err"
