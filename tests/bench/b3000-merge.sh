#!/bin/sh
# mc-merge throughput and peak RSS on a sysbench-like base of N rows plus
# N/5 changes (updates, key-changing updates, deletes, inserts), beside the
# DTS-style merge SQL of `mc-merge --emit-sql --dialect=sqlite` run by
# DuckDB (2 threads and 1) and sqlite3 on the same data, and `zstd -d` of
# the same files.
#   BENCH_MERGE_ROWS=N     base rows (default 1000000; the goal is stated for
#                          10000000, where one round of all peers takes
#                          about 10 minutes here, sqlite3 4 of them: use
#                          BENCH_MERGE_ROWS=10000000 BENCH_MERGE_SQLITE=0 RUNS=1)
#   BENCH_MERGE_SQLITE=0   skip sqlite3 (its load and merge take minutes)
#   BENCH_MERGE_DUCKDB=0   skip DuckDB
#   BENCH_DUCKDB_DIR=DIR   a directory where `npm install @duckdb/node-api`
#                          was run; else it is installed into the bench's
#                          temporary directory (npm registry needed)
# DuckDB and sqlite3 are timed on the merge statement only, their tables
# already loaded (from CSV and INSERTs); mc-merge reads and writes its zstd
# files. Times are medians of RUNS interleaved runs; "cpu" is the user +
# system CPU seconds of the run (all its threads; steadier than wall time on
# a shared machine, and what bounds the wall time when no CPU is idle).
. "$(dirname "$0")/lib.sh"
# cclock NAME CMD...: clock, and append CMD's CPU seconds (user + system,
# from the shell's `times` of its children) to $W/NAME.cpu.times
cclock() {
	times >"$W/cpu0"
	clock "$@"
	times >"$W/cpu1"
	cat "$W/cpu0" "$W/cpu1" | awk 'NR % 2 == 0 {gsub(/[ms]/, " "); c[NR] = $1 * 60 + $2 + $3 * 60 + $4}
		END {printf "%.3f\n", c[4] - c[2]}' >>"$W/$1.cpu.times"
}
# creport NAME [BASE...]: median CPU seconds and their ratio to each BASE's
creport() {
	_n=$1
	shift
	_line=$(printf '%-28s %8.3f s cpu' "$_n" "$(median "$_n.cpu")")
	for _b in "$@"; do
		_line="$_line$(awk -v m="$(median "$_n.cpu")" -v bm="$(median "$_b.cpu")" -v b="$_b" 'BEGIN {printf "  %.2fx %s", m/bm, b}')"
	done
	echo "$_line"
}
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
ls "$W/wh/$TB"/ds=*/part-*.mcr.zst "$W/wh/${TB}_log"/ds=*/part-*.mcr.zst >"$W/files"
B=$(zstd -q -d -c $(cat "$W/files") | wc -c)
Z=$(cat $(cat "$W/files") | wc -c)
echo "input: $N base rows + $M changes; $B bytes of records, $Z zstd; mc-tunnel-put $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)/1e9}') s; median of $RUNS runs"
rows=$((N + M))
merge() { mc-merge --warehouse="$W/wh" --table=$TB --ds=20251122 --tmpdir="$W" "$@"; }
zstd_d() { zstd -q -d -c $(cat "$W/files"); }
merge --emit-sql --dialect=sqlite >"$W/merge.sql"
peers=""

if [ "${BENCH_MERGE_SQLITE:-1}" = 1 ] && command -v sqlite3 >/dev/null; then
	{
		mchist create $TB "$W/wh/$TB/_schema.mcr"
		mchist load $TB ds=20251121 base "$W/wh/$TB"/ds=20251121/part-*.mcr.zst
		mchist load $TB log log "$W/wh/${TB}_log"/ds=*/part-*.mcr.zst
	} | sqlite3 "$W/db.sqlite"
	peers="$peers sqlite3"
fi

if [ "${BENCH_MERGE_DUCKDB:-1}" = 1 ] && command -v node >/dev/null; then
	D=${BENCH_DUCKDB_DIR:-$W/duckdb}
	if [ ! -d "$D/node_modules/@duckdb/node-api" ]; then
		mkdir -p "$D"
		npm install --prefix "$D" --no-audit --no-fund --silent @duckdb/node-api >"$W/npm.log" 2>&1 ||
			{ echo "bench: npm install @duckdb/node-api failed, DuckDB skipped:"; tail -3 "$W/npm.log"; }
	fi
	if [ -d "$D/node_modules/@duckdb/node-api" ]; then
		cp "$TOP/tests/bench/duckdb.mjs" "$D/mcbench-duckdb.mjs"
		duck() { node "$D/mcbench-duckdb.mjs" "$W/duck.db" "$@"; }
		mchist create $TB "$W/wh/$TB/_schema.mcr" >"$W/duckload.sql"
		mchist csv ds=20251121 base "$W/wh/$TB"/ds=20251121/part-*.mcr.zst >"$W/base.csv"
		mchist csv log log "$W/wh/${TB}_log"/ds=*/part-*.mcr.zst >"$W/log.csv"
		for t in "$TB:base" "${TB}_log:log"; do
			echo "COPY \"${t%:*}\" FROM '$W/${t#*:}.csv' (FORMAT csv, HEADER false, ALLOW_QUOTED_NULLS false);"
		done >>"$W/duckload.sql"
		duck 2 "$W/duckload.sql" && peers="$peers duckdb-2t duckdb-1t"
		rm -f "$W/base.csv" "$W/log.csv"
	fi
fi

for i in $(seq "$RUNS"); do
	cclock zstd-d zstd_d
	cclock mc-merge merge
	cclock mc-merge-64M merge --memory=64M
	for p in $peers; do
		case $p in
		sqlite3) cclock sqlite3 sqlite3 "$W/db.sqlite" ".read $W/merge.sql" ;;
		duckdb-2t) cclock duckdb-2t duck 2 "$W/merge.sql" ;;
		duckdb-1t) cclock duckdb-1t duck 1 "$W/merge.sql" ;;
		esac
	done
done
rss() { /usr/bin/time -f %M -o "$W/rss" "$@" >/dev/null 2>&1; tail -1 "$W/rss"; }
rsss="mc-merge $(rss mc-merge --warehouse="$W/wh" --table=$TB --ds=20251122 --tmpdir="$W") KB"
rsss="$rsss, mc-merge --memory=64M $(rss mc-merge --warehouse="$W/wh" --table=$TB --ds=20251122 --tmpdir="$W" --memory=64M) KB"
for p in $peers; do
	case $p in
	sqlite3) rsss="$rsss, sqlite3 $(rss sqlite3 "$W/db.sqlite" ".read $W/merge.sql") KB" ;;
	duckdb-2t) rsss="$rsss, duckdb-2t $(rss node "$D/mcbench-duckdb.mjs" "$W/duck.db" 2 "$W/merge.sql") KB" ;;
	duckdb-1t) rsss="$rsss, duckdb-1t $(rss node "$D/mcbench-duckdb.mjs" "$W/duck.db" 1 "$W/merge.sql") KB" ;;
	esac
done
# the same result: rows of the new partition
case " $peers " in *" duckdb-2t "*)
	echo "rows out: mc-merge $(awk '$1 == "rows" {print $2}' "$W/wh/$TB/ds=20251122/_SUCCESS"), DuckDB $(duck 1 "sql:SELECT count(*) FROM \"$TB\" WHERE ds = '20251122';")" ;;
esac
echo "(rows/s count base rows + changes; ratios: our time / peer's time, below 1 is faster)"
report zstd-d "$rows" "$B"
report mc-merge "$rows" "$B" zstd-d $peers
report mc-merge-64M "$rows" "$B" zstd-d $peers
for p in $peers; do report "$p" "$rows" "$B"; done
creport zstd-d
creport mc-merge zstd-d $peers
creport mc-merge-64M zstd-d $peers
for p in $peers; do creport "$p"; done
echo "(user CPU seconds matter more than wall clock on a busy machine; see tests/bench/lib.sh)"
echo "peak RSS: $rsss"
