#!/bin/sh
# mc-merge of a table of about 10 GB of zstd data files on disk (base of N
# wide rows plus N/5 changes, pad PAD random characters that compress
# little) with --memory=200M and with a big cap: peak RSS, time, rows/s,
# and whether both give the same partition (sha256 of the file). Takes
# about 20 minutes here and ~30 GB of disk under BENCH_TMP (default /tmp).
#   BENCH_LARGE_ROWS=N       base rows (default 3500000)
#   BENCH_LARGE_PAD=PAD      pad bytes per row (default 3000)
#   BENCH_LARGE_MEMORY=SIZE  the small cap (default 200M)
#   BENCH_LARGE_BIG=SIZE     the big cap (default 6G; 0: skip that merge)
# Never fails on a timing; prints "bench: ... differ" when the two
# partitions are not the same bytes.
. "$(dirname "$0")/lib.sh"
N=${BENCH_LARGE_ROWS:-3500000}
PAD=${BENCH_LARGE_PAD:-3000}
M=$((N / 5))
CAP=${BENCH_LARGE_MEMORY:-200M}
BIG=${BENCH_LARGE_BIG:-6G}
TB=sbtest__sbtest1
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", (b-a)/1e9}'; }

t0=$(now)
mcgen sysbench "$N" 1 "$PAD" | mc-tunnel-put --dest="$W/wh" --commit-rows=50000 ||
	{ echo "bench: mc-tunnel-put of the base failed"; exit 1; }
mcgen changes "$N" "$M" 2 "$PAD" | mc-tunnel-put --dest="$W/wh" --commit-rows=50000 ||
	{ echo "bench: mc-tunnel-put of the log failed"; exit 1; }
t1=$(now)
base=$(du -sb "$W/wh/$TB" | cut -f1)
log=$(du -sb "$W/wh/${TB}_log" | cut -f1)
echo "input: $N base rows + $M changes (pad $PAD bytes): base $base bytes, log $log bytes on disk (zstd); written in $(secs "$t0" "$t1") s"
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"

# merge NAME SIZE: build ds=20251122 with --memory=SIZE; time, RSS, hash
merge() {
	rm -rf "$W/wh/$TB/ds=20251122"
	_t0=$(now)
	/usr/bin/time -f '%e %U %S %M' -o "$W/$1.time" \
		mc-merge --warehouse="$W/wh" --table=$TB --ds=20251122 --tmpdir="$W" --memory="$2" -v \
		2>"$W/$1.err" || { echo "bench: mc-merge --memory=$2 failed:"; tail -3 "$W/$1.err"; return 1; }
	_t1=$(now)
	set -- "$1" "$2" $(tail -1 "$W/$1.time")
	_rows=$((N + M))
	_out=$(du -sb "$W/wh/$TB/ds=20251122" | cut -f1)
	sha256sum <"$W/wh/$TB/ds=20251122/part-000000.mcr.zst" | cut -d' ' -f1 >"$W/$1.sum"
	echo "mc-merge --memory=$2: $(secs "$_t0" "$_t1") s ($4 s user, $5 s sys), $(awk -v r="$_rows" -v e="$3" 'BEGIN{printf "%.0f", r/e}') rows/s, peak RSS $(($6 / 1024)) MB, out $_out bytes; $(grep -o '[0-9]* runs, [0-9]* passes' "$W/$1.err" | tail -1)"
}
merge small "$CAP" || exit 1
if [ "$BIG" != 0 ]; then
	merge big "$BIG" || exit 1
	if cmp -s "$W/small.sum" "$W/big.sum"; then
		echo "same partition with --memory=$CAP and --memory=$BIG (sha256 $(cut -c1-16 "$W/small.sum")...)"
	else
		echo "bench: the partitions of --memory=$CAP and --memory=$BIG differ"
	fi
fi
