#!/bin/sh
# mc-tunnel-put --dest: conventions, layout, truncated input, open ends,
# idempotent reruns and SIGKILL at random points.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 3000 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
mkdir -p "$T/h"
"$BIN/tools/mchist" gen 7 150 30 "$T/h" || { fail "mchist" "failed"; exit 1; }


# --- conventions ---
expect_conventions mc-tunnel-put '^mc-tunnel-put \(mcsync\) [0-9]' "" mc-tunnel-put
expect_code 2 "no --dest exits 2" mc-tunnel-put "$T/sb.mcr"
expect_code 2 "a bad --partition exits 2" mc-tunnel-put --dest="$T/x" --partition='ds=1/../x' "$T/sb.mcr"
expect_code 2 "a bad --name exits 2" mc-tunnel-put --dest="$T/x" --name=nodot=x "$T/sb.mcr"
expect_code 1 "a missing file exits 1" mc-tunnel-put --dest="$T/x" "$T/nope.mcr"

# --- layout ---
expect_ok "a snapshot goes into the base table" mc-tunnel-put --dest="$T/w1" --partition=ds=20251121 "$T/sb.mcr"
expect_grep "the base partition is marked complete" '^kind base' "$T/w1/sbtest__sbtest1/ds=20251121/_SUCCESS"
expect_grep "the marker counts the rows" '^rows 3000$' "$T/w1/sbtest__sbtest1/ds=20251121/_SUCCESS"
mc-cat --to=csv --table=sbtest.sbtest1 "$T/w1/sbtest__sbtest1/ds=20251121"/part-*.mcr.zst >"$T/a.csv" 2>"$T/err"
mc-cat --to=csv --table=sbtest.sbtest1 "$T/sb.mcr" >"$T/b.csv"
expect_same "the data files hold the rows" "$T/a.csv" "$T/b.csv"
expect_ok "the schema file is a record stream" mc-cat --check "$T/w1/sbtest__sbtest1/_schema.mcr"
expect_ok "--name and a multi-level partition" mc-tunnel-put --dest="$T/w2" \
	--name=sbtest.sbtest1=sb --partition=ds=20251121/hh=03 "$T/sb.mcr"
expect_grep "the renamed table has the partition" '^rows 3000$' "$T/w2/sb/ds=20251121/hh=03/_SUCCESS"
expect_ok "a rerun on the same input" mc-tunnel-put --dest="$T/w1" --partition=ds=20251121 "$T/sb.mcr"
tree "$T/w1" >"$T/t1"
mc-tunnel-put --dest="$T/w1" --partition=ds=20251121 "$T/sb.mcr" 2>"$T/err"
tree "$T/w1" >"$T/t2"
expect_same "a rerun of a committed input changes nothing" "$T/t1" "$T/t2"

# --- truncated input and open ends ---
size=$(wc -c <"$T/sb.mcr")
head -c $((size / 2)) "$T/sb.mcr" >"$T/half.mcr"
expect_code 1 "a file cut inside a record exits 1" mc-tunnel-put --dest="$T/w3" "$T/half.mcr"
expect_grep "truncation names the offset" "truncated at offset" "$T/err"
expect_code 1 "a cut stream on a pipe exits 1 too" sh -c "cat '$T/half.mcr' | mc-tunnel-put --dest='$T/w3'"
# a stream stopped at a record boundary: every record but the trailer
mc-cat --to=jsonl "$T/sb.mcr" | sed '$d' | mc-cat --from=jsonl --to=mcr >"$T/open.mcr" 2>/dev/null
expect_code 1 "a regular file without its trailer exits 1" mc-tunnel-put --dest="$T/w4" "$T/open.mcr"
expect_ok "a pipe that stops at a record boundary is accepted" sh -c "cat '$T/open.mcr' | mc-tunnel-put --partial-ok --dest='$T/w4'"
expect_grep "its rows are committed" '^snapshot_rows 3000$' "$T/w4/_mcsync/ledger"

# --- snapshot + log, checkpoint-out, SIGKILL ---
run() { mc-tunnel-put --dest="$1" --commit-rows=20 --checkpoint-out="$1.ckpt" "$T/h/snap.mcr" "$T/h/log.mcr"; }
t0=$(date +%s%N)
expect_ok "snapshot and log of 150 tables" run "$T/ref"
t1=$(date +%s%N)
expect_grep "--checkpoint-out holds the last position" "^pos [0-9]+:[0-9]+:[0-9]+$" "$T/ref.ckpt"
last=$(mc-cat "$T/h/log.mcr" | grep '"kind":"mark"' | tail -1 | sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/')
expect_grep "it is the input's last position" "^pos $last\$" "$T/ref.ckpt"
tree "$T/ref" >"$T/ref.tree"
kills=0
# kill points spread over the time an uninterrupted run takes
for d in $(awk -v ns=$((t1 - t0)) 'BEGIN { for (k = 1; k <= 15; k++) printf "%.3f\n", ns / 1e9 * k / 16 }'); do
	timeout -k 5 -s KILL "$d" mc-tunnel-put --dest="$T/k" --commit-rows=20 --checkpoint-out="$T/k.ckpt" \
		"$T/h/snap.mcr" "$T/h/log.mcr" 2>/dev/null
	[ $? -eq 137 ] && kills=$((kills + 1))
done
echo "# $kills runs killed"
while_locked run "$T/k"
expect_ok "a rerun after the kills completes" run "$T/k"
tree "$T/k" >"$T/k.tree"
expect_same "after SIGKILLs the warehouse equals an uninterrupted run's" "$T/ref.tree" "$T/k.tree"
expect_same "and so does --checkpoint-out" "$T/ref.ckpt" "$T/k.ckpt"
if [ "$kills" -ge 2 ]; then ok "several runs were killed midway ($kills)"; else fail "kills" "only $kills runs were killed"; fi

# --- snapshot chunks: committed whole, chained by their (LO, HI] labels ---
# snap NAME BOUNDS...: a snapshot of x.t (id 1..9) in chunks ending at the
# bounds given ("3 6" makes (-inf, 3], (3, 6], (6, +inf]); FROM=N starts
# after N (a resumed source)
snap() {
	python3 - "$@" <<'PY' | mc-cat --from=jsonl --to=mcr >"$T/$1.mcr"
import json, os, sys
name, bounds = sys.argv[1], [int(b) for b in sys.argv[2:]]
lo = os.environ.get('FROM')
out = [{"mcr": 1, "meta": {}},
       {"kind": "schema", "db": "x", "table": "t", "version": 1, "pos": [1, 4, 0], "time": 1795222800,
        "flags": 0, "key": [0], "columns": [
            {"name": "id", "mysql_type": "int", "mc_type": "INT", "nullable": False, "flags": 0},
            {"name": "v", "mysql_type": "varchar(8)", "mc_type": "STRING", "nullable": True, "flags": 0}]}]
cur = int(lo) if lo else None
for hi in bounds + [None]:
    for k in range(1, 10):
        if (cur is None or k > cur) and (hi is None or k <= hi):
            out.append({"kind": "row", "op": "snapshot", "db": "x", "table": "t", "version": 1,
                        "pos": [1, 100 + (hi or 99), 0], "time": 1795222800, "before": None,
                        "after": [k, name]})
    out.append({"kind": "mark", "mark": "chunk_end", "pos": [1, 100 + (hi or 99), 0], "time": 1795222800,
                "db": "x", "table": "t",
                "label": "(%s, %s]" % ("-inf" if cur is None else cur, "+inf" if hi is None else hi)})
    cur = hi
out.append({"kind": "mark", "mark": "snapshot_end", "pos": [1, 199, 0], "time": 1795222800,
            "db": "x", "table": "t", "label": ""})
out.append({"kind": "trailer", "count": len(out) - 1})
for r in out:
    print(json.dumps(r))
PY
}
# rows W: the rows of x.t in W's base, "N/UNIQUE"
rows() {
	mc-cat --to=csv --table=x.t "$1/x__t/"ds=*/part-*.mcr.zst 2>/dev/null | grep -v '^id,' >"$T/rows"
	echo "$(wc -l <"$T/rows")/$(cut -d, -f1 "$T/rows" | sort -u | wc -l)"
}
# cut NAME N: the stream without its trailer and the records after the Nth chunk_end, on a pipe
cut_after() {
	mc-cat "$T/$1.mcr" | awk -v n="$2" '/"trailer"/ { exit } { print } /"chunk_end"/ && ++c == n { exit }' |
		mc-cat --from=jsonl --to=mcr 2>/dev/null
}
snap s1 3 6
snap s2 4 8
W=$T/c1
expect_ok "a chunked snapshot" mc-tunnel-put --dest="$W" --checkpoint-out="$W.ckpt" "$T/s1.mcr"
expect_eq "its rows" "$(rows "$W")" 9/9
expect_grep "--checkpoint-out holds the table's chain" '^table\.x\.t done$' "$W.ckpt"
expect_grep "and the lowest chunk watermark as resume" '^resume 1:103:0$' "$W.ckpt"
expect_ok "the same file again" mc-tunnel-put --dest="$W" --checkpoint-out="$W.ckpt" "$T/s1.mcr"
expect_eq "no row doubled" "$(rows "$W")" 9/9
W=$T/c2
cut_after s1 1 | mc-tunnel-put --partial-ok --dest="$W" --checkpoint-out="$W.ckpt" 2>"$T/err"
expect_eq "a stream stopped after its first chunk: exit 0" "$?" 0
expect_eq "the chunk is committed" "$(rows "$W")" 3/3
expect_grep "the chain ends after its HI" "^table\.x\.t after	3\$" "$W.ckpt"
mc-cat "$T/s1.mcr" | awk '{ print } /"after":\[5,/ { exit }' |
	mc-cat --from=jsonl --to=mcr 2>/dev/null | mc-tunnel-put --partial-ok --dest="$W" --checkpoint-out="$W.ckpt" 2>"$T/err"
expect_eq "a stream stopped inside a chunk: exit 0" "$?" 0
expect_eq "the unfinished chunk is not kept" "$(rows "$W")" 3/3
cp -r "$W" "$T/c3" && cp "$W.ckpt" "$T/c3.ckpt"
expect_code 1 "a different snapshot that does not continue the chain exits 1" \
	mc-tunnel-put --dest="$W" --checkpoint-out="$W.ckpt" "$T/s2.mcr"
expect_grep "naming the table and where its committed snapshot ends" "'x\.t'.*ends after 3" "$T/err"
expect_eq "and keeping nothing of it" "$(rows "$W")" 3/3
FROM=3 snap s3 6
expect_ok "a source resumed after 3 continues the chain" \
	mc-tunnel-put --dest="$W" --checkpoint-out="$W.ckpt" "$T/s3.mcr"
expect_eq "every row once" "$(rows "$W")" 9/9
expect_ok "the first stream fed again continues it too" \
	mc-tunnel-put --dest="$T/c3" --checkpoint-out="$T/c3.ckpt" "$T/s1.mcr"
expect_eq "every row once" "$(rows "$T/c3")" 9/9
expect_code 1 "a chunk not starting at -inf into an empty warehouse exits 1" \
	mc-tunnel-put --dest="$T/c4" "$T/s3.mcr"
expect_grep "naming the chunk and the table" "chunk \(3, 6\] of 'x\.t'" "$T/err"
# chunk-less streams (mcgen): committed at their end, skipped by count when fed again
W=$T/c5
cat "$T/open.mcr" | mc-tunnel-put --partial-ok --dest="$W" 2>"$T/err"
mc-tunnel-put --dest="$W" "$T/sb.mcr" 2>"$T/err"
expect_eq "a chunk-less stream, cut then fed whole: exit 0" "$?" 0
expect_grep "every row once" '^rows 3000$' "$W/sbtest__sbtest1/"ds=*/_SUCCESS
# a killed run's output up to its last chunk_end, then the rerun's, which
# repeats a chunk (finished but not checkpointed when the run died)
{ mc-cat "$T/s1.mcr" | awk '/"trailer"/ { exit } { print } /"chunk_end"/ && ++c == 2 { exit }'
  mc-cat "$T/s3.mcr" | sed '1d;$d'; } >"$T/comb.jsonl"
echo "{\"kind\":\"trailer\",\"count\":$(($(wc -l <"$T/comb.jsonl") - 1))}" >>"$T/comb.jsonl"
mc-cat --from=jsonl --to=mcr "$T/comb.jsonl" >"$T/comb.mcr" 2>/dev/null
expect_ok "a combined stream that repeats a chunk" mc-tunnel-put --dest="$T/c6" "$T/comb.mcr"
expect_eq "keeps it once" "$(rows "$T/c6")" 9/9
