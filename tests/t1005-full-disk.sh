#!/bin/sh
# A full disk (ENOSPC, here /dev/full) while writing: exit 1, a message that
# names the file written, nothing left behind. The sink's and the merge's
# partitions name their file the same way (the message's path comes from
# the code that writes /dev/full here).
. "$(dirname "$0")/lib.sh"
[ -w /dev/full ] || { fail "/dev/full is writable" "no /dev/full"; exit 1; }
MCGEN=$BIN/tools/mcgen
BL=$(find "$FIXTURES/binlog" -name 'mariadb-bin.000001' | head -n 1)
"$MCGEN" corpus >"$T/c.mcr"

for to in jsonl mcr csv summary; do
	extra=
	[ "$to" = csv ] && extra=--table=shop.every_type
	mc-cat --to=$to $extra "$T/c.mcr" >/dev/full 2>"$T/err"
	expect_eq "mc-cat --to=$to into a full disk exits 1" "$?" 1
	expect_grep "mc-cat --to=$to names standard output and ENOSPC" \
		'^mc-cat: standard output: .*No space left on device' "$T/err"
done

mc-binlog-tail "$BL" >/dev/full 2>"$T/err"
expect_eq "mc-binlog-tail into a full disk exits 1" "$?" 1
expect_grep "mc-binlog-tail names standard output and ENOSPC" \
	'^mc-binlog-tail: standard output: .*No space left on device' "$T/err"

"$MCGEN" sysbench 2000 >"$T/s.mcr"
"$MCGEN" changes 2000 500 >"$T/l.mcr"
expect_ok "a warehouse to merge" mc-tunnel-put --dest="$T/wh" "$T/s.mcr" "$T/l.mcr"
mc-merge --warehouse="$T/wh" --table=sbtest__sbtest1 --ds=20251122 --output=/dev/full 2>"$T/err"
expect_eq "mc-merge --output into a full disk exits 1" "$?" 1
expect_grep "mc-merge names the file written and ENOSPC" \
	"^mc-merge: '/dev/full': .*No space left on device" "$T/err"
left=$(find "$T/wh" -name '.tmp*' | wc -l)
expect_eq "mc-merge leaves no temporaries" "$left" 0
