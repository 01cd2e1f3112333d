#!/bin/sh
# A damaged FILE commits nothing (docs/mc-tunnel-put.md "Input"): its
# checksum is in its trailer, so mc-tunnel-put checks a regular file whole
# before it commits any of it; bytes overwritten near its end used to be
# found only after the commits of the rows before them.
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 5000 >"$T/s.mcr" || { fail "mcgen" "failed"; exit 1; }
n=$(wc -c <"$T/s.mcr")
cp "$T/s.mcr" "$T/bad.mcr"
printf '9999' | dd of="$T/bad.mcr" bs=1 seek=$((n * 3 / 4)) conv=notrunc 2>/dev/null
expect_code 1 "a damaged file is refused" mc-tunnel-put --dest="$T/w" --commit-rows=100 "$T/bad.mcr"
expect_grep "... naming it and the damage" "^mc-tunnel-put: '$T/bad.mcr': record [0-9]+: offset [0-9]+: checksum mismatch" "$T/err"
expect_eq "... and nothing of it is committed" "$(ls "$T/w/_mcsync/ledger" "$T"/w/*/*/part-* 2>/dev/null | wc -l)" 0

# after a commit of another file: the ledger stays where it was
expect_ok "a whole file goes in" mc-tunnel-put --dest="$T/w" --commit-rows=100 "$T/s.mcr"
"$MCGEN" changes 5000 3000 >"$T/c.mcr" || { fail "mcgen" "failed"; exit 1; }
n=$(wc -c <"$T/c.mcr")
cp "$T/c.mcr" "$T/badc.mcr"
printf '9999' | dd of="$T/badc.mcr" bs=1 seek=$((n * 3 / 4)) conv=notrunc 2>/dev/null
tree "$T/w" >"$T/before"
expect_code 1 "damaged changes are refused" mc-tunnel-put --dest="$T/w" --commit-rows=100 "$T/badc.mcr"
expect_grep "... saying why" "checksum mismatch" "$T/err"
tree "$T/w" >"$T/after"
expect_same "... and the warehouse is as it was" "$T/after" "$T/before"
zstd -q -c "$T/badc.mcr" >"$T/badc.mcr.zst"
expect_code 1 "a compressed damaged file too" mc-tunnel-put --dest="$T/w" --commit-rows=100 "$T/badc.mcr.zst"
tree "$T/w" >"$T/after"
expect_same "... nothing committed" "$T/after" "$T/before"
expect_code 1 "standard input redirected from the file too" \
	sh -c "mc-tunnel-put --dest='$T/w' --commit-rows=100 <'$T/badc.mcr'"
tree "$T/w" >"$T/after"
expect_same "... nothing committed" "$T/after" "$T/before"
expect_ok "the whole changes go in" mc-tunnel-put --dest="$T/w" --commit-rows=100 "$T/c.mcr"
