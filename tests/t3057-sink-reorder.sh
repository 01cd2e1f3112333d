#!/bin/sh
# Changes out of order inside one stream (two transactions swapped by hand,
# or streams spliced inside one header) are refused by mc-tunnel-put and
# mc-cat --check, never taken for repeats of what the warehouse committed
# (docs/mc-tunnel-put.md "Commits, resuming, exactly once"): exit 1 naming
# the input, the record and both positions, nothing of the input committed
# (a pipe: nothing above the reordered change, or the message says so),
# also into MaxCompute (t3058). What is a
# repeat still is: a rerun of the same stream, a stream followed by its
# overlapping rerun, a tail resumed from an older checkpoint.
. "$(dirname "$0")/lib.sh"

F=$FIXTURES/binlog/generated-here-mariadb-10.11
# binlog 1: t.alltypes, insert id 1 (1:2890), insert id 2 (1:3358), update
# id 1 (1:4960), delete id 2 (1:5420), each its own transaction
mc-binlog-tail "$F/mariadb-bin.000001" >"$T/good.mcr" || { fail "setup" "mc-binlog-tail"; exit 1; }

# the records at or below position LIM (header, trailer's count fixed)
upto() { mc-cat "$1" | upto_pos "$2" | mc-cat --to=mcr; } # FILE POS
# the positions of the change rows in a warehouse's log table, sorted
rows_of() { # DIR
	for f in "$1"/t__alltypes_log/*/part-*.mcr.zst; do
		[ -f "$f" ] && mc-cat "$f"
	done | python3 -c '
import json, sys
p = sorted(json.loads(l)["pos"] for l in sys.stdin if "\"kind\":\"row\"" in l)
print(" ".join(":".join(map(str, x)) for x in p))'
}

swap_txns "$T/good.mcr" 3358 4960 >"$T/swapped.mcr" || { fail "setup" "swap"; exit 1; }
upto "$T/good.mcr" 1:2921:0 >"$T/part0.mcr" && upto "$T/good.mcr" 1:4991:0 >"$T/part1.mcr" ||
	{ fail "setup" "upto"; exit 1; }
all="1:2890:0 1:3358:0 1:4960:0 1:5420:0"
order_msg="'.*swapped.mcr': record 11: offset [0-9]+: position 1:3358:0 is below position 1:4991:0 of record 10, earlier in this stream: input out of order"

# --- mc-cat ---
expect_code 1 "mc-cat --check refuses the swapped stream" mc-cat --check "$T/swapped.mcr"
expect_grep "naming the record and both positions" "^mc-cat: $order_msg" "$T/err"
expect_ok "mc-cat --check passes the good one" mc-cat --check "$T/good.mcr"
expect_ok "a good one followed by its rerun (another header)" \
	mc-cat --check "$T/part1.mcr" "$T/good.mcr"
cat "$T/good.mcr" "$T/good.mcr" >"$T/twice.mcr"
expect_ok "also concatenated in one file" mc-cat --check "$T/twice.mcr"
expect_ok "converting passes it (to be looked at and mended)" mc-cat --to=jsonl "$T/swapped.mcr"

# --- the reference: the good stream ---
expect_ok "the good stream loads" mc-tunnel-put --dest="$T/ref" "$T/good.mcr"
expect_eq "with its four changes" "$all" "$(rows_of "$T/ref")"

# --- a file out of order into a warehouse holding its beginning ---
expect_ok "the stream's first transaction" mc-tunnel-put --dest="$T/w1" "$T/part0.mcr"
tree "$T/w1" >"$T/w1.before"
expect_code 1 "the swapped stream is refused" mc-tunnel-put --dest="$T/w1" "$T/swapped.mcr"
expect_grep "naming the input, the record and both positions" "^mc-tunnel-put: $order_msg" "$T/err"
expect_code 1 "not a line about records dropped" grep -q "dropped" "$T/err"
tree "$T/w1" >"$T/w1.after"
expect_same "the warehouse is unchanged" "$T/w1.before" "$T/w1.after"
expect_ok "the good stream after it" mc-tunnel-put --dest="$T/w1" "$T/good.mcr"
expect_eq "brings every change" "$all" "$(rows_of "$T/w1")"

# --- the same into a new warehouse: nothing made ---
expect_code 1 "the swapped stream into a new warehouse" mc-tunnel-put --dest="$T/w2" "$T/swapped.mcr"
expect_eq "commits no change" "" "$(rows_of "$T/w2")"

# --- through a pipe: refused as it goes ---
expect_ok "the beginning, into another warehouse" mc-tunnel-put --dest="$T/w3" "$T/part0.mcr"
tree "$T/w3" >"$T/w3.before"
expect_code 1 "the swapped stream through a pipe" \
	sh -c 'cat "$1" | mc-tunnel-put --dest="$2"' sh "$T/swapped.mcr" "$T/w3"
expect_grep "is refused with the same message" "^mc-tunnel-put: '\(stdin\)': record 11: .* input out of order .*with its header\)$" "$T/err"
tree "$T/w3" >"$T/w3.after"
expect_same "and changes nothing" "$T/w3.before" "$T/w3.after"
# a pipe is committed as it goes: with a commit at every transaction, the
# change above the missing one was committed before it came
expect_code 1 "a pipe committed at every transaction" \
	sh -c 'cat "$1" | mc-tunnel-put --commit-rows=1 --dest="$2"' sh "$T/swapped.mcr" "$T/w3"
expect_grep "says the warehouse holds what is above the missing change" \
	"input out of order .*; changes of this stream above it were committed already \(up to 1:4991:0.*new warehouse$" "$T/err"
expect_eq "(the update above it)" "1:2890:0 1:4960:0" "$(rows_of "$T/w3")"

# --- repeats are still repeats ---
tree "$T/ref" | grep -v _mcsync/ >"$T/ref.before"
expect_ok "a rerun of the good stream" mc-tunnel-put --dest="$T/ref" "$T/good.mcr"
expect_grep "drops its rows as committed" "^mc-tunnel-put: 4 records already in the warehouse, skipped$" "$T/err"
tree "$T/ref" | grep -v _mcsync/ >"$T/ref.after"
expect_same "and writes no data" "$T/ref.before" "$T/ref.after"
expect_ok "a stream and its overlapping rerun, concatenated" \
	sh -c 'cat "$1" "$2" | mc-tunnel-put --dest="$3"' sh "$T/part1.mcr" "$T/good.mcr" "$T/w4"
expect_grep "the rerun's repeats dropped" "^mc-tunnel-put: 3 records already in the warehouse, skipped$" "$T/err"
expect_eq "every change once" "$all" "$(rows_of "$T/w4")"
expect_ok "the good stream twice in one file" mc-tunnel-put --dest="$T/w5" "$T/twice.mcr"
expect_eq "every change once, too" "$all" "$(rows_of "$T/w5")"

# --- a tail resumed from an older checkpoint ---
expect_ok "the first transaction, its checkpoint kept" \
	mc-tunnel-put --dest="$T/w6" --checkpoint-out="$T/old.ckpt" "$T/part0.mcr"
expect_ok "up to the update" mc-tunnel-put --dest="$T/w6" "$T/part1.mcr"
expect_ok "the tail resumed at the older checkpoint" \
	sh -c 'mc-binlog-tail --checkpoint-in="$1" "$2" >"$3"' sh "$T/old.ckpt" \
	"$F/mariadb-bin.000001" "$T/resumed.mcr"
expect_ok "overlaps what was committed, and loads" mc-tunnel-put --dest="$T/w6" "$T/resumed.mcr"
expect_grep "its repeats dropped" "^mc-tunnel-put: 2 records already in the warehouse, skipped$" "$T/err"
expect_eq "every change once" "$all" "$(rows_of "$T/w6")"
