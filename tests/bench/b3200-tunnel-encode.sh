#!/bin/sh
# Encoding a record stream into MaxCompute Tunnel blocks (protobuf records,
# CRC-32C per record and per block, compression; common/odps/tunnel_rec.c)
# on BENCH_ROWS (1M) sysbench-like rows, beside `zstd -1` and `gzip -1` of
# the same mcr bytes, interleaved in the same run. Our time includes
# reading and checking the mcr stream. Goals: the zstd option within 1.5x
# of `zstd -1`, the deflate option within 1.2x of `gzip -1`.
. "$(dirname "$0")/lib.sh"
N=${BENCH_ROWS:-1000000}
mcgen sysbench "$N" >"$W/sb.mcr"
B=$(wc -c <"$W/sb.mcr")
for c in raw deflate zstd; do
	mctunnel encode --compress=$c "$W/sb.mcr" >"$W/sb.$c" 2>"$W/sb.$c.log" ||
		{ echo "bench: mctunnel encode --compress=$c failed: $(cat "$W/sb.$c.log")"; exit 1; }
done
# the blocks decompress to the record stream the raw option writes
zstd -q -d -c "$W/sb.zstd" | cmp -s - "$W/sb.raw" || echo "bench: the zstd blocks do not decompress to the raw ones"
echo "input: $N rows, $B bytes of mcr; Tunnel record stream $(wc -c <"$W/sb.raw") bytes," \
	"deflate $(wc -c <"$W/sb.deflate"), zstd $(wc -c <"$W/sb.zstd");" \
	"gzip -1 $(gzip -1 -c "$W/sb.mcr" | wc -c), zstd -1 $(zstd -q -1 -c "$W/sb.mcr" | wc -c); median of $RUNS runs"
for i in $(seq "$RUNS"); do
	clock zstd-1 zstd -q -1 -c "$W/sb.mcr"
	clock tunnel-zstd mctunnel encode --compress=zstd "$W/sb.mcr"
	clock gzip-1 gzip -1 -c "$W/sb.mcr"
	clock tunnel-deflate mctunnel encode --compress=deflate "$W/sb.mcr"
	clock tunnel-raw mctunnel encode --compress=raw "$W/sb.mcr"
	clock mcr-check mc-cat --check "$W/sb.mcr"
done 2>/dev/null
echo "(ratios: our time / peer's time; below 1 means faster than the peer)"
report zstd-1 "$N" "$B"
report gzip-1 "$N" "$B"
report mcr-check "$N" "$B"
report tunnel-raw "$N" "$B" mcr-check
report tunnel-zstd "$N" "$B" zstd-1
report tunnel-deflate "$N" "$B" gzip-1
awk -v a="$(median tunnel-zstd)" -v b="$(median zstd-1)" 'BEGIN {
	printf "goal zstd option within 1.5x of zstd -1: %.2fx (%s)\n", a / b, a / b <= 1.5 ? "met" : "not met" }'
awk -v a="$(median tunnel-deflate)" -v b="$(median gzip-1)" 'BEGIN {
	printf "goal deflate option within 1.2x of gzip -1: %.2fx (%s)\n", a / b, a / b <= 1.2 ? "met" : "not met" }'
