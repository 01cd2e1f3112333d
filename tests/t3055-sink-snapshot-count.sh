#!/bin/sh
# Snapshot rows without chunk marks (mcgen's, older writers', a stream
# through JSON lines) are counted per table in the ledger (snaprows.KEY):
# a new table's snapshot after another table's is committed whole (it was
# dropped as "already in the warehouse" when the count was one for the whole
# warehouse); a rerun of the same input, after SIGKILLs too, commits every
# row once; another stream of a table the warehouse holds is refused
# (exit 1), never skipped; a ledger of the previous version still works.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
# gen N SEED TABLE: mcgen's sysbench rows (no chunk marks) as table TABLE
gen() {
	"$MCGEN" sysbench "$1" "$2" | mc-cat - | sed "s/\"table\":\"sbtest1\"/\"table\":\"$3\"/" |
		mc-cat --from=jsonl --to=mcr
}
# stats FILE...: rows, and the sums of their first two columns (id, k)
stats() {
	mc-cat "$@" 2>/dev/null | grep '"kind":"row"' |
		sed 's/.*"after":\[\([0-9]*\),\([0-9]*\),.*/\1 \2/' |
		awk '{ n++; a += $1; b += $2 } END { printf "%d %d %d\n", n, a, b }'
}
# wstats WH TABLE: the same of the table's base in warehouse WH
wstats() { stats "$1"/sbtest__"$2"/ds=*/part-*.mcr.zst; }
led() { sed -n "s/^$2 //p" "$1/_mcsync/ledger"; }

gen 300 1 sbtest1 >"$T/a.mcr"
gen 200 7 sbtest2 >"$T/b.mcr"
sa=$(stats "$T/a.mcr")
sb=$(stats "$T/b.mcr")

# --- the reported case: a new table after another chunk-less snapshot ---
W=$T/w
expect_ok "a chunk-less snapshot of sbtest1" mc-tunnel-put --dest="$W" "$T/a.mcr"
expect_ok "then one of a new table, sbtest2" mc-tunnel-put --dest="$W" "$T/b.mcr"
if grep -q "already in the warehouse" "$T/err"; then
	fail "none of its rows is taken for committed" "$(cat "$T/err")"
else
	ok "none of its rows is taken for committed"
fi
expect_eq "sbtest2 holds all its rows (rows, sum id, sum k)" "$(wstats "$W" sbtest2)" "$sb"
expect_grep "its base marker counts them" '^rows 200$' "$W"/sbtest__sbtest2/ds=*/_SUCCESS
expect_eq "sbtest1 is untouched" "$(wstats "$W" sbtest1)" "$sa"
expect_eq "the ledger counts each table's rows" \
	"$(led "$W" snaprows.table.sbtest.sbtest1 | cut -f1) $(led "$W" snaprows.table.sbtest.sbtest2 | cut -f1)" \
	"300 200"
expect_ok "mc-merge takes the new table's base" \
	mc-merge --warehouse="$W" --table=sbtest__sbtest2 --ds=20251121

tree "$W" >"$T/t1"
expect_ok "the first input again" mc-tunnel-put --dest="$W" "$T/a.mcr"
expect_grep "is dropped as committed" "300 records already in the warehouse, skipped" "$T/err"
expect_ok "so is the second" mc-tunnel-put --dest="$W" "$T/b.mcr"
expect_grep "all of it" "200 records already in the warehouse, skipped" "$T/err"
mc-cat "$T/a.mcr" >"$T/a.jsonl"
expect_ok "and the first through JSON lines" mc-tunnel-put --dest="$W" "$T/a.jsonl"
expect_grep "all of it too" "300 records already in the warehouse, skipped" "$T/err"
tree "$W" >"$T/t2"
expect_same "and nothing changes" "$T/t1" "$T/t2"
expect_ok "the two in one run" mc-tunnel-put --dest="$W" "$T/a.mcr" "$T/b.mcr"
expect_grep "are dropped as committed" "500 records already in the warehouse, skipped" "$T/err"
expect_eq "sbtest2 still holds its rows once" "$(wstats "$W" sbtest2)" "$sb"
tree "$W" >"$T/t1"

# --- another stream of a table the warehouse holds: refused ---
# the same 300 rows, and 100 more
{ mc-cat "$T/a.mcr" | sed '$d'; mc-cat "$T/b.mcr" | grep '"kind":"row"' | head -n 100 |
	sed 's/"table":"sbtest2"/"table":"sbtest1"/'; } >"$T/l.jsonl"
echo "{\"kind\":\"trailer\",\"count\":$(($(wc -l <"$T/l.jsonl") - 1))}" >>"$T/l.jsonl"
mc-cat --from=jsonl --to=mcr "$T/l.jsonl" >"$T/longer.mcr"
gen 100 1 sbtest1 >"$T/shorter.mcr"
gen 300 9 sbtest1 >"$T/other.mcr"    # as many rows, other values
expect_code 1 "a longer stream of a complete table exits 1" mc-tunnel-put --dest="$W" "$T/longer.mcr"
expect_grep "naming the table and what to do" \
	"'.*longer.mcr': snapshot row 301 of 'sbtest.sbtest1' is past the snapshot of the table this warehouse holds complete \(300 rows without labelled chunks\).*load it into a new warehouse" "$T/err"
expect_code 1 "a shorter one exits 1" mc-tunnel-put --dest="$W" "$T/shorter.mcr"
expect_grep "naming both counts" \
	"'.*shorter.mcr': record [0-9]+: the snapshot of 'sbtest.sbtest1' ends after 100 rows, below the 300 this warehouse committed" "$T/err"
expect_code 1 "one of as many other rows exits 1" mc-tunnel-put --dest="$W" "$T/other.mcr"
expect_grep "saying they differ" "ends after 300 rows, which differ from the 300" "$T/err"
expect_code 1 "a new table, then another snapshot of a held one: exit 1" \
	mc-tunnel-put --dest="$W" "$T/other.mcr" "$T/b.mcr"
tree "$W" >"$T/t3"
expect_same "nothing of them is committed" "$T/t1" "$T/t3"

# mc-snapshot's labelled chunks of a table completed without them, and the
# other way round: refused too
lab() { # FILE: its rows as one labelled chunk of mc-snapshot's
	{ echo '{"mcr":1,"meta":{"program":"mc-snapshot"}}'; mc-cat "$1" | sed '1d;$d'
	echo '{"kind":"mark","mark":"chunk_end","pos":[1,4,0],"time":1763683200,"db":"sbtest","table":"sbtest1","label":"(-inf, +inf]"}'
	echo '{"kind":"mark","mark":"snapshot_end","pos":[1,4,0],"time":1763683200,"db":"sbtest","table":"sbtest1","label":""}'
	} >"$T/lab.jsonl"
	echo "{\"kind\":\"trailer\",\"count\":$(($(wc -l <"$T/lab.jsonl") - 1))}" >>"$T/lab.jsonl"
	mc-cat --from=jsonl --to=mcr "$T/lab.jsonl"
}
lab "$T/other.mcr" >"$T/lab.mcr"
expect_code 1 "a labelled snapshot of a table completed without labels exits 1" \
	mc-tunnel-put --dest="$W" "$T/lab.mcr"
expect_grep "naming the chunk and the count" \
	"chunk \(-inf, \+inf\] of 'sbtest.sbtest1' at watermark 1:4:0 is of a new snapshot of the table: this warehouse holds a complete snapshot of it \(300 rows without labelled chunks\)" "$T/err"
expect_ok "a labelled snapshot into another warehouse" mc-tunnel-put --dest="$T/wl" "$T/lab.mcr"
expect_code 1 "then one without labels exits 1" mc-tunnel-put --dest="$T/wl" "$T/a.mcr"
expect_grep "naming the table" "snapshot row 1 of 'sbtest.sbtest1' is past the snapshot of the table this warehouse holds complete \(of labelled chunks\)" "$T/err"
expect_ok "the labelled one again is a repeat" mc-tunnel-put --dest="$T/wl" "$T/lab.mcr"
tree "$W" >"$T/t3"
expect_same "nothing of them is committed" "$T/t1" "$T/t3"

# another writer's chunk marks without "(LO, HI]" labels: the rows after
# the last one, before the trailer, are kept too (they were dropped, the
# table marked complete without them)
mc-cat "$T/b.mcr" | sed 's/"sbtest2"/"sbtest5"/' | awk '/"kind":"trailer"/ { next } { print }
	/"kind":"row"/ && ++n == 120 { print "{\"kind\":\"mark\",\"mark\":\"chunk_end\",\"pos\":[1,4,0],\"time\":1763683200,\"db\":\"sbtest\",\"table\":\"sbtest5\",\"label\":\"c0\"}" }' >"$T/c0.jsonl"
echo "{\"kind\":\"trailer\",\"count\":$(($(wc -l <"$T/c0.jsonl") - 1))}" >>"$T/c0.jsonl"
expect_ok "a stream with a chunk mark labelled c0" mc-tunnel-put --dest="$T/w0" "$T/c0.jsonl"
expect_eq "keeps the rows after it" "$(wstats "$T/w0" sbtest5)" "$sb"
expect_grep "its base marker counts them" '^rows 200$' "$T/w0"/sbtest__sbtest5/ds=*/_SUCCESS
expect_ok "fed again" mc-tunnel-put --dest="$T/w0" "$T/c0.jsonl"
expect_grep "it is a repeat" "200 records already in the warehouse, skipped" "$T/err"

# a partly committed table, then another stream of it: refused at the
# count, then the first input finishes it
gen 20000 1 sbtest3 >"$T/c.mcr"
gen 20000 5 sbtest3 >"$T/c2.mcr"
sc=$(stats "$T/c.mcr")
mc-cat "$T/c.mcr" | head -n 7000 | mc-cat --from=jsonl --to=mcr |
	mc-tunnel-put --partial-ok --dest="$W" --commit-rows=500 2>"$T/err"
expect_eq "a cut stream of sbtest3: exit 0" "$?" 0
n1=$(led "$W" snaprows.table.sbtest.sbtest3 | cut -f1)
[ "${n1:-0}" -gt 0 ] && [ "$n1" -lt 20000 ] && ok "part of it is committed ($n1 rows)" ||
	fail "part of it is committed" "snaprows '$n1'"
tree "$W" >"$T/t4"
expect_code 1 "another stream of the table exits 1" mc-tunnel-put --dest="$W" "$T/c2.mcr"
expect_grep "at the count committed" \
	"record [0-9]+: the first $n1 snapshot rows of 'sbtest.sbtest3' differ from the $n1 this warehouse committed of the table from another input \(ledger key snaprows.table.sbtest.sbtest3\).*feed the input fed before" "$T/err"
tree "$W" >"$T/t5"
expect_same "nothing of it is committed" "$T/t4" "$T/t5"
expect_ok "the first input again" mc-tunnel-put --dest="$W" --commit-rows=700 "$T/c.mcr"
expect_eq "every row once" "$(wstats "$W" sbtest3)" "$sc"

# --- SIGKILL at random points: every row once ---
gen 20000 3 sbtest4 >"$T/d.mcr"
sd=$(stats "$T/d.mcr")
run() { mc-tunnel-put --dest="$1" --commit-rows=100 "$T/c.mcr" "$T/d.mcr"; }
expect_ok "reference: the first table alone" mc-tunnel-put --dest="$T/ref" "$T/a.mcr"
expect_ok "reference: then two new tables" run "$T/ref"
expect_ok "killed: the first table alone" mc-tunnel-put --dest="$T/k" "$T/a.mcr"
t0=$(date +%s%N)
run "$T/ref2" 2>/dev/null
t1=$(date +%s%N)
rm -rf "$T/ref2"
kills=0
for d in $(awk -v ns=$((t1 - t0)) 'BEGIN { for (k = 1; k <= 12; k++) printf "%.3f\n", ns / 1e9 * k / 13 }'); do
	timeout -k 5 -s KILL "$d" mc-tunnel-put --dest="$T/k" --commit-rows=100 "$T/c.mcr" "$T/d.mcr" 2>/dev/null
	[ $? -eq 137 ] && kills=$((kills + 1))
done
echo "# $kills runs killed"
while_locked run "$T/k"
expect_ok "a rerun after the kills completes" run "$T/k"
expect_eq "sbtest3 holds every row once" "$(wstats "$T/k" sbtest3)" "$sc"
expect_eq "sbtest4 holds every row once" "$(wstats "$T/k" sbtest4)" "$sd"
expect_eq "sbtest1 is untouched" "$(wstats "$T/k" sbtest1)" "$sa"
tree "$T/ref" >"$T/ref.tree"
tree "$T/k" >"$T/k.tree"
expect_same "after SIGKILLs the warehouse equals an uninterrupted run's" "$T/ref.tree" "$T/k.tree"

# --- a ledger of the previous version (one count of every table's rows,
# no snaprows keys): a rerun of its input, and a new table ---
# old LEDGER: what the previous version wrote (the same keys but these)
old() {
	grep -v -e '^snaprows\.' -e '^snapshot_rows_legacy ' "$1/_mcsync/ledger" >"$1/_mcsync/l.old" &&
		mv "$1/_mcsync/l.old" "$1/_mcsync/ledger"
}
OW=$T/o
mc-cat "$T/c.mcr" | head -n 7000 | mc-cat --from=jsonl --to=mcr |
	mc-tunnel-put --partial-ok --dest="$OW" --commit-rows=500 2>"$T/err"
expect_eq "an old warehouse: a cut stream of sbtest3, exit 0" "$?" 0
old "$OW"
expect_eq "its ledger has one count, of every table" \
	"$(grep -c '^snaprows\.' "$OW/_mcsync/ledger") $(led "$OW" snapshot_rows)" "0 $n1"
expect_ok "the old cut input in full" mc-tunnel-put --dest="$OW" --commit-rows=700 "$T/c.mcr"
expect_eq "finishes it, every row once" "$(wstats "$OW" sbtest3)" "$sc"
expect_grep "and gives it a count of its own" '^snaprows.table.sbtest.sbtest3 20000	' "$OW/_mcsync/ledger"
expect_eq "the old count is kept for the others" "$(led "$OW" snapshot_rows_legacy)" "$n1"
expect_ok "the same input again" mc-tunnel-put --dest="$OW" "$T/c.mcr"
expect_grep "is dropped as committed" "20000 records already in the warehouse, skipped" "$T/err"
expect_ok "a new table into the old warehouse" mc-tunnel-put --dest="$OW" "$T/a.mcr"
expect_eq "gets all its rows" "$(wstats "$OW" sbtest1)" "$sa"
expect_eq "sbtest3 is untouched" "$(wstats "$OW" sbtest3)" "$sc"
