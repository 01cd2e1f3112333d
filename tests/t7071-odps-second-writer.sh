#!/bin/sh
# mc-tunnel-put --dest=odps://: a second state directory for the same
# source table into the tables another committed rows of it into (a fresh
# --state after the old one was lost or forgotten; another source under the
# same --name) is refused before its commit (exit 1, naming the table, both
# writers and the way out): its snapshot beside the first one's doubled
# every base row, exit 0. The state mirror answers: a writer that committed
# nothing (killed before its first commit's data) does not count; another
# source table into the same table is refused unless both come through
# mc-transform's merge rules (shards). --mode=upsert
# likewise (docs/maxcompute.md "One state directory per source table").
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"
need python3
need sqlite3
odps_srv
"$BIN/tools/mcgen" sysbench 800 >"$T/sb.mcr" && "$BIN/tools/mcgen" changes 800 200 >"$T/ch.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
put() { # STATE ARGS...
	_s=$1
	shift
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$_s" --retry-time=0.2 --retry-delay=0.05 "$@"
}
rows() { $CLI sql "SELECT COUNT(*), COUNT(DISTINCT id) FROM $1" 2>"$T/sql.err" | sed 1d; }
wr() { sed -n 's/^writer //p' "$T/$1/_mcsync/odps"; }

# a first state killed before its first commit's data (after its mirror
# row): it committed nothing, so a fresh state may load the same input
killed() { # STATE RULE: killed once the server has done the request of RULE
	: >"$T/srv/faults.log"
	faults "$2"
	put "$1" "$T/sb.mcr" >/dev/null 2>&1 &
	_p=$!
	wait_for "slow" "$T/srv/faults.log" 100 && kill -9 "$_p"
	wait "$_p" 2>/dev/null
	nofaults
}
killed k "commit slow=30 skip=0"
expect_eq "a first state killed after its mirror row, before its data: nothing in the table" \
	"$(rows sbtest__sbtest1) $($CLI sql "SELECT COUNT(*) FROM mcsync_state" 2>&1 | sed 1d)" "0,0 4"
expect_ok "the first state directory (a fresh one) uploads the snapshot" put a "$T/sb.mcr"
writer=$(wr a)
expect_code 1 "a second, fresh --state with the same snapshot is refused" put b "$T/sb.mcr"
expect_grep "... naming the table, the source and the writer that committed it" \
	"MaxCompute table 'p1.sbtest__sbtest1' holds rows of sbtest.sbtest1 committed by another state directory .writer $writer, commit 1.; this --state is writer $(wr b)" "$T/err"
expect_grep "... and the way out" "give the --state of writer $writer .or --recover=$writer into an empty one., or write this source under another --name" "$T/err"
expect_eq "... the base holds each row once" "$(rows sbtest__sbtest1)" "800,800"
expect_code 1 "its changes into that table's log are refused too" put b "$T/ch.mcr"
expect_eq "... the log holds none" "$(rows sbtest__sbtest1_log)" "0,0"
expect_ok "the state that made the rows takes the changes" put a "$T/ch.mcr"
nlog=$(rows sbtest__sbtest1_log)
expect_code 1 "after a complete commit, the same" put c "$T/sb.mcr"
expect_grep "... naming the same writer" "another state directory .writer $writer, commit [0-9]" "$T/err"
expect_eq "... nothing doubled" "$(rows sbtest__sbtest1) $(rows sbtest__sbtest1_log)" "800,800 $nlog"
expect_code 1 "a second source given the same --name is refused too" \
	put c2 --name=sbtest.sbtest1=sbtest__sbtest1 "$T/sb.mcr"
expect_grep "... naming the writer" "another state directory .writer $writer, commit" "$T/err"
# another source table into one table from another state: refused (found
# by a tester: taken, the keys of one replaced or deleted the other's rows
# of the same key, exit 0), unless both come through mc-transform's merge
# rules (shards: a shard column, or keys stated unique)
mc-cat "$T/sb.mcr" | sed 's/"sbtest1"/"sbtest2"/' | mc-cat --to=mcr >"$T/sb2.mcr"
expect_ok "a source table into a new table" put d --name=sbtest.sbtest1=shared "$T/sb.mcr"
expect_code 1 "another source table into the same table, from another state, is refused" \
	put e --name=sbtest.sbtest2=shared "$T/sb2.mcr"
expect_grep "... naming both sources, the writer and the ways out" \
	"MaxCompute table 'p1.shared' holds rows of sbtest.sbtest1 written by another state directory .writer $(wr d).; this --state writes sbtest.sbtest2 into it: two source tables in one table, whose rows of one key replace or delete the other's: give this source another --name, or write both through mc-transform's merge rules" "$T/err"
expect_eq "... nothing of it written" "$(rows shared)" "800,800"
expect_code 1 "the first source table again from a third state is refused" \
	put f --name=sbtest.sbtest1=shared "$T/sb.mcr"
expect_grep "... naming its writer" "table 'p1.shared' holds rows of sbtest.sbtest1 committed by another state directory .writer $(wr d)," "$T/err"
cat >"$T/m.yaml" <<'YAML'
merge:
  - into: merged
    tables: [{db: sbtest, table: sbtest1}, {db: sbtest, table: sbtest2}]
    shard_column: src
YAML
mc-transform --rules="$T/m.yaml" "$T/sb.mcr" >"$T/m1.mcr" &&
	mc-transform --rules="$T/m.yaml" "$T/sb2.mcr" >"$T/m2.mcr" || { fail "setup" "mc-transform"; exit 1; }
expect_ok "shards through the merge rules: the first, from one state" put g "$T/m1.mcr"
expect_ok "... the second, from another state, is taken" put h "$T/m2.mcr"
expect_eq "... each once" "$(rows merged)" "1600,800"
