#!/bin/sh
# mc-binlog-tail: the FILEs must follow each other (a missing binlog is a
# gap in the changes: exit 1 naming both files, before anything is
# written), and a stream says what range of the binlog it covers: the
# header's source_start, and a heartbeat mark at its end where the input
# ended for good past its last transaction (the next binlog's start after
# a closing ROTATE, the event a stop option stopped before).
# docs/mc-binlog-tail.md "The range a stream covers".
. "$(dirname "$0")/lib.sh"

G=$FIXTURES/binlog/generated-here-mariadb-10.11
B=mariadb-bin

# --- a missing binlog between two FILEs ---
expect_code 1 "000003 and 000005 (000004 missing): exit 1" mc-binlog-tail "$G/$B.000003" "$G/$B.000005"
expect_grep "naming both files and the missing number" \
	"^mc-binlog-tail: '.*$B.000003' \(binlog number 3\) and '.*$B.000005' \(number 5\) do not follow each other: binlog number 4 is missing" "$T/err"
expect_eq "nothing written" "$(wc -c <"$T/out")" 0
expect_code 1 "given in another order, the same" mc-binlog-tail "$G/$B.000005" "$G/$B.000001" "$G/$B.000002"
expect_grep "binlog numbers 3 and more" "binlog number 3 and more is missing" "$T/err"
printf '%s\n' "$G/$B.000003" "$G/$B.000005" >"$T/index"
expect_code 1 "an --index list with a gap: exit 1" mc-binlog-tail --index="$T/index"
expect_grep "names both" "'.*$B.000003' \(binlog number 3\) and '.*$B.000005'" "$T/err"
printf '%s\n' "$G/$B.000003" "$T/gone.000004" >"$T/index"
expect_code 1 "an --index list naming a file that is not there: exit 1" mc-binlog-tail --index="$T/index"
expect_grep "naming it" "'.*gone.000004': No such file" "$T/err"
expect_eq "nothing written" "$(wc -c <"$T/out")" 0
expect_ok "--from skips the files before it: no gap" mc-binlog-tail --from="$B.000003:4" "$G/$B.000001" "$G/$B.000003" "$G/$B.000004"
expect_ok "consecutive files: exit 0" mc-binlog-tail "$G/$B.000001" "$G/$B.000002" "$G/$B.000003"
# 000004 has no ROTATE (the server died): number + 1 follows it
expect_ok "a file without ROTATE, then the next number" mc-binlog-tail "$G/$B.000004" "$G/$B.000005"
# a ROTATE names the file that follows: 000005's names 000006
ln -s "$G/$B.000005" "$T/x.000001"
ln -s "$G/$B.000004" "$T/x.000002"
expect_code 1 "a file whose ROTATE names another successor: exit 1" mc-binlog-tail "$T/x.000001" "$T/x.000002"
expect_grep "naming the file, its ROTATE and the next FILE" \
	"'.*x.000001': offset 1349: its ROTATE event names binlog number 6 as the next, but the next FILE is '.*x.000002' \(number 2\)" "$T/err"

# --- the range: source_start and the end mark ---
mc-binlog-tail "$G/$B.000003" | mc-cat --to=jsonl >"$T/r3.jsonl"
expect_grep "header: source_start at the file's start" '^\{"mcr":1,.*"source_epoch":"3:[0-9]+","source_start":"3:4"\}' "$T/r3.jsonl"
expect_eq "the end: a heartbeat at the next binlog's start (000003 closed by its ROTATE)" \
	"$(tail -2 "$T/r3.jsonl" | head -1 | sed 's/"time":[0-9]*/T/')" \
	'{"kind":"mark","mark":"heartbeat","pos":[4,4,0],T,"db":"","table":"","label":""}'
expect_eq "its time is the last transaction's (it moves no day)" \
	"$(grep -o '"time":[0-9]*' "$T/r3.jsonl" | tail -2 | sort -u | wc -l)" 1
mc-binlog-tail "$G/$B.000004" | mc-cat --to=jsonl >"$T/r4.jsonl"
expect_eq "000004 (no ROTATE): no end mark, its last transaction ends it" \
	"$(tail -2 "$T/r4.jsonl" | head -1 | grep -o '"mark":"[a-z_]*"')" '"mark":"txn_end"'
mc-binlog-tail --from="$B.000001:5617" "$G/$B.000001" "$G/$B.000002" | mc-cat --to=jsonl >"$T/r12.jsonl"
expect_grep "--from: source_start there" '"source_start":"1:5617"' "$T/r12.jsonl"
expect_grep "a file without changes: its range still ends at the next one" \
	'^\{"kind":"mark","mark":"heartbeat","pos":\[3,4,0\]' "$T/r12.jsonl"
# a stop option ends the range at the event it stopped before
mc-binlog-tail --format=text "$G/$B.000004" | grep '^mark txn_end' >"$T/marks"
p1=$(sed -n '1s/^mark txn_end 4:\([0-9]*\):0 .*/\1/p' "$T/marks")
# 000002 holds no transaction: FDE, GTID list, binlog checkpoint (to 389), ROTATE
mc-binlog-tail --stop-position=389 "$G/$B.000002" | mc-cat --to=jsonl >"$T/cut.jsonl"
expect_grep "--stop-position: a heartbeat at the event it stopped before" \
	'^\{"kind":"mark","mark":"heartbeat","pos":\[2,389,0\]' "$T/cut.jsonl"
mc-binlog-tail --stop-position=$p1 "$G/$B.000004" | mc-cat --to=jsonl >"$T/cut2.jsonl"
expect_eq "--stop-position at a transaction's end: that txn_end ends it, no heartbeat" \
	"$(grep -c heartbeat "$T/cut2.jsonl")" 0
# the input just ends in a binlog (the server's current one, its end may
# still grow) later than its last record's: the range ends at that
# binlog's start
ln -s "$G/$B.000003" "$T/y.000003"
head -c 389 "$G/$B.000004" >"$T/y.000004"
mc-binlog-tail "$T/y.000003" "$T/y.000004" | mc-cat --to=jsonl >"$T/y.jsonl"
expect_eq "into the current binlog: a heartbeat at its start" \
	"$(tail -2 "$T/y.jsonl" | head -1 | grep -o '"mark":"heartbeat","pos":\[[0-9,]*\]')" \
	'"mark":"heartbeat","pos":[4,4,0]'
