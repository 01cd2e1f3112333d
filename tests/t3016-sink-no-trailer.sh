#!/bin/sh
# A stream that ends without its trailer (its source stopped: `mc-cat bad |
# mc-tunnel-put`, a killed tail) is committed up to its last complete
# transaction or snapshot chunk, and the sink exits 1 saying so; with
# --partial-ok it exits 0 with the same data. A complete stream is unaffected.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
TB=sbtest__sbtest1
"$MCGEN" changes 300 400 >"$T/ch.mcr" && "$MCGEN" sysbench 300 >"$T/sb.mcr" ||
	{ fail "mcgen" "failed"; exit 1; }
mc-cat --to=jsonl "$T/ch.mcr" >"$T/ch.jsonl"
# mcgen writes a txn_end after every 10 changes: cut 5 rows into the 6th
# transaction (no trailer)
k=$(grep -n '"mark":"txn_end"' "$T/ch.jsonl" | sed -n '5s/:.*//p')
P=$(sed -n "${k}p" "$T/ch.jsonl" | sed 's/.*"pos":\[\([0-9]*\),\([0-9]*\),\([0-9]*\)\].*/\1:\2:\3/')
head -n $((k + 5)) "$T/ch.jsonl" >"$T/cut.jsonl"
rows_of() { mc-cat --to=jsonl "$1"/$TB${2-_log}/ds=*/part-*.mcr.zst 2>/dev/null | grep -c '"kind":"row"'; }
pos_of() { sed -n 's/^pos //p' "$1/_mcsync/ledger"; }

expect_code 1 "a cut stream on a pipe exits 1" sh -c "cat '$T/cut.jsonl' | mc-tunnel-put --dest='$T/w1'"
expect_grep "and says so, naming the input and the committed position" \
	"^mc-tunnel-put: '\(stdin\)': input ended without a trailer \(the source stopped\?\): committed up to $P( |$)" "$T/err"
expect_eq "only whole transactions are committed" "$(rows_of "$T/w1")" 50
expect_eq "the ledger is at the last txn_end" "$(pos_of "$T/w1")" "$P"

expect_ok "--partial-ok accepts it" sh -c "cat '$T/cut.jsonl' | mc-tunnel-put --partial-ok --dest='$T/w2'"
expect_eq "with the same rows" "$(rows_of "$T/w2")" 50
expect_eq "and the same position" "$(pos_of "$T/w2")" "$P"
tree "$T/w1" | sed 's|  .*/w1/|  |' >"$T/t1"
tree "$T/w2" | sed 's|  .*/w2/|  |' >"$T/t2"
expect_same "and the same files" "$T/t1" "$T/t2"

expect_ok "the whole stream after it" mc-tunnel-put --dest="$T/w1" "$T/ch.mcr"
expect_eq "holds every change once" "$(rows_of "$T/w1")" 400

# the case of the issue: a reader that fails half-way feeds the sink
size=$(wc -c <"$T/ch.mcr")
head -c $((size * 2 / 3)) "$T/ch.mcr" >"$T/bad.mcr"
expect_code 1 "mc-cat bad | mc-tunnel-put exits 1" sh -c "mc-cat '$T/bad.mcr' 2>/dev/null | mc-tunnel-put --dest='$T/w3'"
expect_grep "(without a trailer)" "input ended without a trailer" "$T/err"
n=$(rows_of "$T/w3")
expect_eq "whole transactions only" "$((n % 10))" 0
expect_ok "(some of them)" test "$n" -gt 0

# a writer that stopped inside a record (an mcr stream cut mid-record on
# a pipe): an open end like the others, that record dropped; it was
# "truncated at offset", exit 1, even with --partial-ok
mc-cat --to=mcr "$T/cut.jsonl" >"$T/cut.mcr" 2>/dev/null
head -c $(($(wc -c <"$T/cut.mcr") - 7)) "$T/cut.mcr" >"$T/cutrec.mcr"
expect_code 1 "cut inside a record on a pipe: exit 1" sh -c "cat '$T/cutrec.mcr' | mc-tunnel-put --dest='$T/w8'"
expect_grep "... an open end, naming the record and offset" \
	"input ended without a trailer \(inside record [0-9]+, at offset [0-9]+\) \(the source stopped\?\): committed up to $P( |$)" "$T/err"
expect_ok "... --partial-ok takes it" sh -c "cat '$T/cutrec.mcr' | mc-tunnel-put --partial-ok --dest='$T/w9'"
expect_eq "... the same rows" "$(rows_of "$T/w9")" 50
expect_code 1 "... a regular file cut so: truncated, exit 1" mc-tunnel-put --partial-ok --dest="$T/w10" "$T/cutrec.mcr"
expect_grep "... saying so" "truncated at offset" "$T/err"

# a writer killed by a signal: the sink cannot tell why its input ended
expect_code 1 "a pipe whose writer was killed exits 1" \
	sh -c "sh -c 'cat \"$T/cut.jsonl\"; kill -KILL \$\$' | mc-tunnel-put --dest='$T/w4'"
expect_eq "the same rows" "$(rows_of "$T/w4")" 50

# a chunked snapshot cut inside its third chunk: the two whole ones
mc-cat --to=jsonl "$T/sb.mcr" | sed '$d' | awk '
	{ print }
	/"kind":"row"/ { n++ }
	/"kind":"row"/ && n == 100 { print "{\"kind\":\"mark\",\"mark\":\"chunk_end\",\"pos\":[1,4,0],\"time\":1763683200,\"db\":\"sbtest\",\"table\":\"sbtest1\",\"label\":\"(-inf, 100]\"}" }
	/"kind":"row"/ && n == 200 { print "{\"kind\":\"mark\",\"mark\":\"chunk_end\",\"pos\":[1,4,0],\"time\":1763683200,\"db\":\"sbtest\",\"table\":\"sbtest1\",\"label\":\"(100, 200]\"}" }
	/"kind":"row"/ && n == 250 { exit }' >"$T/snapcut.jsonl"
expect_code 1 "a snapshot cut inside a chunk exits 1" sh -c "cat '$T/snapcut.jsonl' | mc-tunnel-put --dest='$T/w5'"
expect_grep "(without a trailer)" "input ended without a trailer" "$T/err"
expect_eq "its whole chunks are committed" "$(rows_of "$T/w5" "")" 200
expect_grep "the chain ends at the last chunk" "^table\.sbtest\.sbtest1 after	200$" "$T/w5/_mcsync/ledger"

# readers that are not the sink refuse it too
expect_code 1 "mc-cat --check refuses a stream without trailer" sh -c "cat '$T/cut.jsonl' | mc-cat --check"
expect_grep "(no trailer)" "no trailer" "$T/err"

# a complete stream on a pipe is unaffected
expect_ok "a complete stream on a pipe" sh -c "cat '$T/ch.mcr' | mc-tunnel-put --dest='$T/w6'"
expect_eq "says nothing" "$(cat "$T/err")" ""
expect_eq "all of it" "$(rows_of "$T/w6")" 400
expect_ok "--partial-ok with a complete stream" sh -c "cat '$T/ch.mcr' | mc-tunnel-put --partial-ok --dest='$T/w7'"
expect_eq "the same" "$(rows_of "$T/w7")" 400

# a chunk that continues nothing committed (a snapshot resumed from a
# checkpoint of another warehouse, or of this one before it was made
# anew): refused, saying to start the table's snapshot from the beginning
awk 'NR == 1 || /"kind":"schema"/ || /"label":"\(100, 200\]"/ || (/"kind":"row"/ && ++n > 100 && n <= 200)' \
	"$T/snapcut.jsonl" >"$T/mid.jsonl"
expect_code 1 "a chunk after none committed: refused" sh -c "cat '$T/mid.jsonl' | mc-tunnel-put --dest='$T/w11'"
expect_grep "... saying what to do" \
	"chunk \(100, 200\] of 'sbtest.sbtest1' does not continue its committed snapshot: nothing of the table is committed \(the source resumed from a checkpoint of another warehouse, or of this one before it was made anew\? start its snapshot of the table from the beginning" "$T/err"
