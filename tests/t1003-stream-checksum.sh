#!/bin/sh
# The trailer carries a CRC-32C of the stream's bytes; every reader checks it:
# bytes overwritten anywhere in a stream are refused (exit 1, naming the file
# and the byte range), streams written without it are still read.
. "$(dirname "$0")/lib.sh"

MCGEN=$BIN/tools/mcgen
"$MCGEN" sysbench 1000 >"$T/s.mcr" || { fail "mcgen" "failed"; exit 1; }
n=$(wc -c <"$T/s.mcr")
expect_ok "a whole stream passes" mc-cat --check "$T/s.mcr"
mc-cat "$T/s.mcr" | tail -1 >"$T/trailer.jsonl"
expect_grep "its trailer carries the checksum" '^\{"kind":"trailer","count":1001,"crc32c":[0-9]+\}$' "$T/trailer.jsonl"

# 4 bytes overwritten inside a row's text: the records still decode
cp "$T/s.mcr" "$T/bad.mcr"
printf '9999' | dd of="$T/bad.mcr" bs=1 seek=$((n / 2)) conv=notrunc 2>/dev/null
expect_code 1 "mc-cat --check refuses 4 overwritten bytes" mc-cat --check "$T/bad.mcr"
expect_grep "... naming the file and the bytes covered" \
	"^mc-cat: '$T/bad.mcr': record 1003: offset [0-9]+: checksum mismatch: the trailer says crc32c [0-9a-f]{8}, bytes 0\.\.[0-9]+ of the stream give [0-9a-f]{8}: the stream is damaged" "$T/err"
expect_code 1 "mc-cat --to=mcr refuses it too" mc-cat --to=mcr "$T/bad.mcr"
expect_code 1 "mc-tunnel-put refuses it" mc-tunnel-put --dest="$T/w" "$T/bad.mcr"
expect_grep "... saying why" "checksum mismatch" "$T/err"
zstd -q -c "$T/bad.mcr" >"$T/bad.mcr.zst"
expect_code 1 "a compressed stream is checked on its decompressed bytes" mc-cat --check "$T/bad.mcr.zst"

# the second of two concatenated streams is covered from its own header
cat "$T/s.mcr" "$T/bad.mcr" >"$T/two.mcr"
expect_code 1 "the second of two streams is checked" mc-cat --check "$T/two.mcr"
expect_grep "... over its own bytes" "record 2006: offset [0-9]+: checksum mismatch: .* bytes $n\.\.[0-9]+ of the stream" "$T/err"

# a stream written before the checksum (trailer [5, count]) is still read
mc-cat "$T/s.mcr" | sed '$d' | mc-cat --to=mcr >"$T/old.mcr" 2>/dev/null
printf '\222\005\315\003\351' >>"$T/old.mcr"
expect_ok "a trailer without the checksum is accepted" mc-cat --check "$T/old.mcr"
mc-cat "$T/old.mcr" | tail -1 >"$T/old.jsonl"
expect_grep "... and shown without it" '^\{"kind":"trailer","count":1001\}$' "$T/old.jsonl"
expect_ok "rewriting it adds the checksum" mc-cat --to=mcr "$T/old.mcr"
expect_same "... giving the stream a new writer would write" "$T/out" "$T/s.mcr"
