#!/bin/sh
# mc-cat decode and encode throughput on N rows of a sysbench-like table,
# beside `cat` and `zstd -d` of the same bytes. Goal: mcr -> mcr at >= 1 GB/s.
. "$(dirname "$0")/lib.sh"
N=${BENCH_ROWS:-1000000}
mcgen sysbench "$N" >"$W/sb.mcr"
zstd -q -3 -c "$W/sb.mcr" >"$W/sb.mcr.zst"
mc-cat "$W/sb.mcr" >"$W/sb.jsonl"
B=$(wc -c <"$W/sb.mcr")
echo "input: $N rows, $B bytes of mcr, $(wc -c <"$W/sb.mcr.zst") zstd, $(wc -c <"$W/sb.jsonl") jsonl; median of $RUNS runs"
for i in $(seq "$RUNS"); do
	clock cat cat "$W/sb.mcr"
	clock zstd-d zstd -q -d -c "$W/sb.mcr.zst"
	clock decode mc-cat --check "$W/sb.mcr"
	clock mcr-mcr mc-cat --to=mcr "$W/sb.mcr"
	clock mcr-jsonl mc-cat --to=jsonl "$W/sb.mcr"
	clock jsonl-mcr mc-cat --to=mcr "$W/sb.jsonl"
	clock zst-decode mc-cat --check "$W/sb.mcr.zst"
done
echo "(ratios: our time / peer's time; below 1 means faster than the peer)"
report cat "$N" "$B"
report zstd-d "$N" "$B"
report decode "$N" "$B" cat zstd-d
report mcr-mcr "$N" "$B" cat zstd-d
report mcr-jsonl "$N" "$B" zstd-d
report jsonl-mcr "$N" "$B" zstd-d
report zst-decode "$N" "$B" zstd-d
awk -v b="$B" -v n="$N" -v d="$(median decode)" -v e="$(median mcr-mcr)" 'BEGIN {
	if (e > d) printf "%-28s %8.3f s %12.0f rows/s %9.1f MB/s  (mcr-mcr minus decode)\n", "encode", e - d, n / (e - d), b / (e - d) / 1e6 }'
m=$(median mcr-mcr)
awk -v b="$B" -v m="$m" 'BEGIN {printf "goal mcr -> mcr >= 1000 MB/s: %.0f MB/s (%s)\n", b/m/1e6, b/m/1e6 >= 1000 ? "met" : "not met"}'
