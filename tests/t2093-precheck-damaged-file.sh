#!/bin/sh
# A saved stream damaged by one byte inside a string value (the records
# stay well formed: only the trailer's CRC-32C finds it) commits nothing
# when it is a regular file: named on the command line or standard input
# redirected from it, also when that standard input was read some way
# already; plain or zstd, one stream or concatenated. A pipe is checked as
# it goes, as before: what came before its trailer is committed
# (docs/mc-tunnel-put.md "Input", docs/record-format.md "5 trailer").
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 3000 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }
"$MCGEN" changes 3000 600 >"$T/ch.mcr" || { fail "mcgen" "failed"; exit 1; }

# flip IN OUT: OUT is IN with one digit past its middle changed, inside a
# sysbench string value ("ddddddddddd-ddddddddddd...": no integer's bytes)
flip() {
	_n=$(wc -c <"$1")
	_o=$(LC_ALL=C grep -boa -E '[0-9]{11}-[0-9]{11}' "$1" |
		awk -F: -v h=$((_n / 2)) '$1 > h { print $1 + 5; exit }')
	_b=$(dd if="$1" bs=1 skip="$_o" count=1 2>/dev/null)
	cp "$1" "$2"
	printf '%s' $(((_b + 1) % 10)) | dd of="$2" bs=1 seek="$_o" conv=notrunc 2>/dev/null
	cmp -s "$1" "$2" && fail "flip" "$2 is not damaged"
}
flip "$T/ch.mcr" "$T/bad.mcr"
flip "$T/sb.mcr" "$T/badsb.mcr"
cat "$T/ch.mcr" "$T/bad.mcr" >"$T/cat2.mcr"  # the second stream damaged
cat "$T/bad.mcr" "$T/ch.mcr" >"$T/cat1.mcr"  # the first
zstd -q -c "$T/bad.mcr" >"$T/bad.zst"
zstd -q -c "$T/cat2.mcr" >"$T/cat2.zst"
zstd -q -c "$T/ch.mcr" >"$T/z1" && cat "$T/z1" "$T/bad.zst" >"$T/cat2f.zst" # two frames
printf 'skipped' | cat - "$T/bad.mcr" >"$T/padbad"
printf 'skipped' | cat - "$T/ch.mcr" >"$T/padgood"
n1=$(wc -c <"$T/ch.mcr")

PUT="mc-tunnel-put --dest=$T/w --commit-rows=50"
expect_ok "the snapshot goes in" $PUT "$T/sb.mcr"
tree "$T/w" >"$T/before"
refused() { # DESC REGEX (after expect_code 1): the message, nothing changed
	expect_grep "$1: the message names the place" "$2" "$T/err"
	tree "$T/w" >"$T/after"
	expect_same "$1: the warehouse (ledger included) is as it was" "$T/after" "$T/before"
}
MSG="record [0-9]+: offset [0-9]+: checksum mismatch: the trailer says crc32c [0-9a-f]{8}, bytes"
expect_code 1 "a damaged file is refused" $PUT "$T/bad.mcr"
refused "file" "^mc-tunnel-put: '$T/bad.mcr': $MSG 0\.\.[0-9]+ of the stream give [0-9a-f]{8}: the stream is damaged$"
expect_code 1 "standard input from the damaged file is refused" sh -c "$PUT <'$T/bad.mcr'"
refused "stdin" "^mc-tunnel-put: '\(stdin\)': $MSG 0\.\."
expect_code 1 "a damaged zstd file is refused" $PUT "$T/bad.zst"
refused "zstd" "^mc-tunnel-put: '$T/bad.zst': $MSG 0\.\."
expect_code 1 "concatenated, the second damaged: refused whole" $PUT "$T/cat2.mcr"
refused "concatenated" "^mc-tunnel-put: '$T/cat2.mcr': $MSG $n1\.\."
expect_code 1 "concatenated, the first damaged: refused whole" sh -c "$PUT <'$T/cat1.mcr'"
refused "concatenated, first" "^mc-tunnel-put: '\(stdin\)': $MSG 0\.\."
expect_code 1 "concatenated zstd (one frame) on stdin" sh -c "$PUT <'$T/cat2.zst'"
refused "concatenated zstd" "^mc-tunnel-put: '\(stdin\)': $MSG $n1\.\."
expect_code 1 "concatenated zstd frames" $PUT "$T/cat2f.zst"
refused "zstd frames" "^mc-tunnel-put: '$T/cat2f.zst': $MSG $n1\.\."
# standard input not at the file's start (read some way by the caller):
# checked from where it stands (before, not checked first: committed rows)
expect_code 1 "standard input read some way already" \
	sh -c "{ dd of=/dev/null bs=7 count=1 2>/dev/null; exec $PUT; } <'$T/padbad'"
refused "stdin past its start" "^mc-tunnel-put: '\(stdin\)': $MSG 0\.\."
expect_code 1 "after another FILE that goes in, a damaged one: refused" \
	$PUT "$T/sb.mcr" "$T/bad.mcr"
refused "second FILE" "^mc-tunnel-put: '$T/bad.mcr': $MSG 0\.\."

# the same file undamaged goes in, from standard input past its start too
expect_ok "the undamaged stream goes in (stdin read some way)" \
	sh -c "{ dd of=/dev/null bs=7 count=1 2>/dev/null; exec $PUT; } <'$T/padgood'"
tree "$T/w" >"$T/after1"
expect_ok "... all of it: a rerun of the file" $PUT "$T/ch.mcr" "$T/z1"
tree "$T/w" >"$T/after2"
expect_same "... adds nothing" "$T/after2" "$T/after1"

# a pipe is checked as it goes: the rows before the damage are committed,
# then the trailer's check stops it (as before)
expect_code 1 "a damaged stream through a pipe" \
	sh -c "cat '$T/badsb.mcr' | mc-tunnel-put --dest='$T/wp' --commit-rows=50"
expect_grep "... is refused at its trailer" "^mc-tunnel-put: '\(stdin\)': $MSG 0\.\." "$T/err"
if [ -s "$T/wp/_mcsync/ledger" ]; then ok "... after commits of the rows before it (a pipe cannot be read twice)"
else fail "... after commits of the rows before it" "no ledger in $T/wp"; fi
expect_ok "an undamaged pipe goes in" sh -c "cat '$T/sb.mcr' | mc-tunnel-put --dest='$T/wq' --commit-rows=50"
