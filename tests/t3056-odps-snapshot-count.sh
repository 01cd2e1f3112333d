#!/bin/sh
# mc-tunnel-put --dest=odps:// counts snapshot rows without chunk marks per
# table too (the ledger in --state, docs/mc-tunnel-put.md "Streams of other
# writers"): a new table's snapshot after another table's is uploaded whole
# (it was dropped as "already in the warehouse" when the count was one for every
# table); a rerun, after SIGKILLs too, uploads every row once; another
# stream of a table it holds is refused (exit 1), never skipped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-odps.sh"

need python3
odps_srv

MCGEN=$BIN/tools/mcgen
gen() { # N SEED TABLE: mcgen's sysbench rows (no chunk marks) as table TABLE
	"$MCGEN" sysbench "$1" "$2" | mc-cat - | sed "s/\"table\":\"sbtest1\"/\"table\":\"$3\"/" |
		mc-cat --from=jsonl --to=mcr
}
stats() { # FILE: rows, and the sums of their first two columns (id, k)
	mc-cat "$1" | grep '"kind":"row"' | sed 's/.*"after":\[\([0-9]*\),\([0-9]*\),.*/\1 \2/' |
		awk '{ n++; a += $1; b += $2 } END { printf "%d %d %d\n", n, a, b }'
}
sql() { # TABLE: the same, of the MaxCompute table
	$CLI sql "SELECT count(*), sum(id), sum(k) FROM $1" 2>"$T/sql.err" | sed 1d | tr ',' ' '
}
put() { # STATE ARGS...
	_s=$1
	shift
	mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" --state="$T/$_s" \
		--retry-time=0.2 --retry-delay=0.05 "$@"
}

gen 300 1 sbtest1 >"$T/a.mcr"
gen 200 7 sbtest2 >"$T/b.mcr"
gen 300 9 sbtest1 >"$T/other.mcr"
sa=$(stats "$T/a.mcr")
sb=$(stats "$T/b.mcr")

expect_ok "a chunk-less snapshot of sbtest1" put s1 "$T/a.mcr"
expect_ok "then one of a new table, sbtest2" put s1 "$T/b.mcr"
if grep -q "already in the warehouse" "$T/err"; then
	fail "none of its rows is taken for committed" "$(cat "$T/err")"
else
	ok "none of its rows is taken for committed"
fi
expect_eq "sbtest2 holds all its rows (rows, sum id, sum k)" "$(sql sbtest__sbtest2)" "$sb"
expect_eq "sbtest1 holds its own" "$(sql sbtest__sbtest1)" "$sa"
expect_grep "the state's ledger counts the table" '^snaprows.table.sbtest.sbtest2 200	' \
	"$T/s1/_mcsync/ledger"
expect_ok "both again" put s1 "$T/a.mcr" "$T/b.mcr"
expect_grep "are dropped as committed" "500 records already in the warehouse, skipped" "$T/err"
expect_eq "sbtest2 still holds its rows once" "$(sql sbtest__sbtest2)" "$sb"
expect_code 1 "another snapshot of sbtest1 exits 1" put s1 "$T/other.mcr"
expect_grep "naming the table and what to do" \
	"'.*other.mcr': record [0-9]+: the snapshot of 'sbtest.sbtest1' ends after 300 rows, which differ from the 300 this destination committed.*load this one into a new destination" "$T/err"
expect_eq "sbtest1 is untouched" "$(sql sbtest__sbtest1)" "$sa"

# SIGKILL at random points of the new table's upload: every row once
gen 6000 3 sbtest3 >"$T/c.mcr"
sc=$(stats "$T/c.mcr")
t0=$(date +%s%N)
put sref --commit-rows=200 --name=sbtest.sbtest3=ref3 "$T/c.mcr" 2>/dev/null
t1=$(date +%s%N)
kills=0
# kill points spread over the time an uninterrupted run takes
for d in $(awk -v ns=$((t1 - t0)) 'BEGIN { for (k = 1; k <= 10; k++) printf "%.3f\n", ns / 1e9 * k / 11 }'); do
	timeout -k 5 -s KILL "$d" mc-tunnel-put --dest=odps://p1 --odps-config="$ODPS_CONF" \
		--state="$T/s1" --retry-time=0.2 --retry-delay=0.05 --commit-rows=200 "$T/c.mcr" \
		2>/dev/null
	[ $? -eq 137 ] && kills=$((kills + 1))
done
echo "# $kills runs killed"
while_locked put s1 --commit-rows=200 "$T/c.mcr"
expect_ok "a rerun after the kills completes" put s1 --commit-rows=200 "$T/c.mcr"
expect_eq "sbtest3 holds every row once" "$(sql sbtest__sbtest3)" "$sc"
expect_eq "sbtest2 still holds its rows once" "$(sql sbtest__sbtest2)" "$sb"
