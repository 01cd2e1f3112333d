#!/bin/sh
# mc-merge throughput and peak RSS on a sysbench-like base of N rows plus
# N/5 changes (updates, key-changing updates, deletes, inserts), beside
# sqlite3 running the SQL of `mc-merge --emit-sql --dialect=sqlite` on the
# same data and `zstd -d` of the same files. BENCH_MERGE_ROWS=N (default
# 1000000; the issue's goal is stated for 10M + 2M), BENCH_MERGE_SQLITE=0
# skips sqlite3 (its load takes a while). DuckDB is not measured yet.
. "$(dirname "$0")/lib.sh"
N=${BENCH_MERGE_ROWS:-1000000}
M=$((N / 5))
RUNS=${RUNS:-3}
TB=sbtest__sbtest1
mcgen sysbench "$N" >"$W/sb.mcr"
mcgen changes "$N" "$M" >"$W/ch.mcr"
t0=$(now)
mc-tunnel-put --dest="$W/wh" "$W/sb.mcr" "$W/ch.mcr" || { echo "bench: mc-tunnel-put failed"; exit 1; }
t1=$(now)
rm -f "$W/sb.mcr" "$W/ch.mcr"
files=$(ls "$W/wh/$TB"/ds=*/part-*.mcr.zst "$W/wh/${TB}_log"/ds=*/part-*.mcr.zst)
B=$(cat $files | zstd -q -d -c | wc -c)
Z=$(cat $files | wc -c)
echo "input: $N base rows + $M changes; $B bytes of records, $Z zstd; mc-tunnel-put $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)/1e9}') s; median of $RUNS runs"
rows=$((N + M))
merge() { mc-merge --warehouse="$W/wh" --table=$TB --ds=20251122 --tmpdir="$W" "$@"; }
cat_zstd() { cat $files | zstd -q -d -c; }
if [ "${BENCH_MERGE_SQLITE:-1}" = 1 ] && command -v sqlite3 >/dev/null; then
	{
		mchist create $TB "$W/wh/$TB/_schema.mcr"
		mchist load $TB ds=20251121 base "$W/wh/$TB"/ds=20251121/part-*.mcr.zst
		mchist load $TB log log "$W/wh/${TB}_log"/ds=*/part-*.mcr.zst
	} | sqlite3 "$W/db.sqlite"
	merge --emit-sql --dialect=sqlite >"$W/merge.sql"
	sq=1
else
	sq=0
fi
for i in $(seq "$RUNS"); do
	clock zstd-d cat_zstd
	clock mc-merge merge
	clock mc-merge-64M merge --memory=64M
	[ $sq = 1 ] && clock sqlite3 sqlite3 "$W/db.sqlite" ".read $W/merge.sql"
done
rss() { /usr/bin/time -f %M -o "$W/rss" "$@" >/dev/null 2>&1; tail -1 "$W/rss"; }
r1=$(rss mc-merge --warehouse="$W/wh" --table=$TB --ds=20251122 --tmpdir="$W")
r2=$(rss mc-merge --warehouse="$W/wh" --table=$TB --ds=20251122 --tmpdir="$W" --memory=64M)
[ $sq = 1 ] && r3=$(rss sqlite3 "$W/db.sqlite" ".read $W/merge.sql")
echo "(rows/s count base rows + changes; ratios: our time / peer's time, below 1 is faster)"
report zstd-d "$rows" "$B"
if [ $sq = 1 ]; then
	report mc-merge "$rows" "$B" zstd-d sqlite3
	report mc-merge-64M "$rows" "$B" zstd-d sqlite3
	report sqlite3 "$rows" "$B"
else
	report mc-merge "$rows" "$B" zstd-d
	report mc-merge-64M "$rows" "$B" zstd-d
fi
echo "(user CPU seconds matter more than wall clock on a busy machine; see tests/bench/lib.sh)"
echo "peak RSS: mc-merge ${r1} KB, mc-merge --memory=64M ${r2} KB${r3:+, sqlite3 $r3 KB}"
