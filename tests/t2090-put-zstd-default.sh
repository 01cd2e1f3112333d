#!/bin/sh
# mc-tunnel-put --dest=DIR writes its data files at zstd level 1 unless
# --zstd says otherwise (issue 18: at level 3 the compression took about
# 70% of the local warehouse writer's CPU and bounded the wall time of
# `mc-snapshot | mc-tunnel-put --dest=DIR`). The level is seen in the
# frame header's window descriptor (zstd's parameters for a stream of
# unknown size: level 1 a 2^19 window, level 3 2^21); the files read back
# equal the input either way.
. "$(dirname "$0")/lib.sh"
"$BIN/tools/mcgen" sysbench 3000 >"$T/sb.mcr" || { fail "mcgen" "failed"; exit 1; }

# wlog FILE: the window log of the first zstd frame of FILE (no
# single-segment flag, no dictionary: the descriptor is byte 6)
wlog() {
	od -An -tu1 -j4 -N2 "$1" | awk '{ if (int($1 / 32) % 2) print "single-segment"; else print int($2 / 8) + 10 }'
}
put() { # DIR [OPTION]...
	_d=$1
	shift
	"$BIN/mc-tunnel-put" --dest="$_d" --partition=p=1 "$@" <"$T/sb.mcr"
}
expect_code 0 "put with the default level" put "$T/w1"
expect_code 0 "put with --zstd=3" put "$T/w3" --zstd=3
expect_code 0 "put with --zstd=1" put "$T/w1b" --zstd=1
f1=$(ls "$T"/w1/sbtest__sbtest1/p=1/part-*.mcr.zst)
f3=$(ls "$T"/w3/sbtest__sbtest1/p=1/part-*.mcr.zst)
f1b=$(ls "$T"/w1b/sbtest__sbtest1/p=1/part-*.mcr.zst)
expect_eq "the default writes level 1's window (2^19)" "$(wlog "$f1")" 19
expect_eq "--zstd=3 writes level 3's window (2^21)" "$(wlog "$f3")" 21
expect_eq "the default's bytes are --zstd=1's" "$(cmp "$f1" "$f1b" >/dev/null && echo same)" same
"$BIN/mc-cat" --to=jsonl "$T/sb.mcr" | grep '"kind":"row"' | sort >"$T/want"
for f in "$f1" "$f3"; do
	"$BIN/mc-cat" --to=jsonl "$f" | grep '"kind":"row"' | sort >"$T/got"
	expect_eq "$(basename "$(dirname "$(dirname "$(dirname "$f")")")"): the rows read back" \
		"$(cmp "$T/want" "$T/got" >/dev/null && wc -l <"$T/got" | tr -d ' ')" 3000
done
