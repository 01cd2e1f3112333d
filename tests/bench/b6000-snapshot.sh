#!/bin/sh
# mc-snapshot throughput on a sysbench-prepared table (BENCH_ROWS rows,
# default 1000000) in a throwaway MariaDB (buffer pool warm), beside
# mydumper at each of its chunkings (its default, --rows=20000,
# --rows=500000; the best of them is the peer) and the mariadb client's
# `SELECT *` to /dev/null, at equal threads (each of BENCH_THREADS,
# default "2 4"). Two modes: both writing files on the same disk
# (mc-snapshot > FILE; mydumper --outputdir), and ours through a pipe into
# `mc-tunnel-put --dest=DIR` (what users run), beside mydumper's files.
# Wall medians of RUNS interleaved runs, the client's CPU (user+sys of
# the dumping processes) and the server's (mariadbd's user+sys over the
# run), and the server's own time two ways: THREADS parallel COUNT(*)
# over primary-key ranges that read every row's columns and send none
# (server-scan), and a client that reads the same chunks as mc-snapshot
# (20000-row key ranges, a consistent snapshot each, the text protocol)
# and discards every row (server-chunks: tests/tools/rowdiscard.c; the
# least any client costs: the server's work and the transfer). The server
# is the bound of a run when its wall is near server-chunks' (and its CPU
# near threads x wall). Goal (issue 18): >= 1.2x the best mydumper's
# rows/s, or, where the server is the bound, wall within 5% of the
# server's time for the same chunks and client CPU <= 0.5x mydumper's.
. "$(dirname "$0")/lib.sh"
N=${BENCH_ROWS:-1000000}
THREADS_LIST=${BENCH_THREADS:-2 4}
# tests/mariadb.sh expects the test library's T, BIN and fail
T=$W
fail() { echo "bench: $1: $2" >&2; }
_at_exit=
at_exit() { _at_exit="$1; $_at_exit"; } # the server stopped at exit
trap 'eval "$_at_exit"; rm -rf "$W"' EXIT
MDB_BUFFER_POOL=${BENCH_BUFFER_POOL:-1G}
. "$TOP/tests/mariadb.sh"
mdb_start
sql "CREATE DATABASE sbtest"
sysbench oltp_read_only --db-driver=mysql --mysql-socket="$MDB_SOCK" --mysql-user=root \
	--mysql-db=sbtest --tables=1 --table-size="$N" prepare >"$W/sysbench.log" 2>&1 ||
	{ echo "bench: sysbench prepare failed: $(tail -3 "$W/sysbench.log")" >&2; exit 0; }

# cpu NAME CMD...: clock CMD, and append the CPU seconds of its children
# (user + sys) to $W/NAME.cpu
cpu() {
	_n=$1
	shift
	_c0=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
	_s0=$(awk '{print $14+$15}' /proc/"$MDB_PID"/stat)
	clock "$_n" "$@"
	_c1=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
	_s1=$(awk '{print $14+$15}' /proc/"$MDB_PID"/stat)
	echo "$_c0 $_c1 $(getconf CLK_TCK)" | awk '{printf "%.3f\n", ($2-$1)/$3}' >>"$W/$_n.cpu"
	echo "$_s0 $_s1 $(getconf CLK_TCK)" | awk '{printf "%.3f\n", ($2-$1)/$3}' >>"$W/$_n.scpu"
}
cpu_median() { # NAME [EXT]: the median of NAME's client CPU (EXT scpu: the server's)
	sort -n "$W/$1.${2:-cpu}" | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}

snap_file() { # the last run's file removed first, as mydumper's directory is
	rm -f "$W/out/snap.mcr"
	mc-snapshot $MDB_ARGS --databases=sbtest --threads="$TH" >"$W/out/snap.mcr"
}
snap_pipe() {
	rm -rf "$W/wh"
	mc-snapshot $MDB_ARGS --databases=sbtest --threads="$TH" | mc-tunnel-put --dest="$W/wh" >/dev/null
}
dumper() { # ROWS (0: mydumper's default chunking)
	rm -rf "$W/dump"
	mydumper --socket="$MDB_SOCK" --user=root --database=sbtest --threads="$TH" \
		$([ "$1" = 0 ] || echo "--rows=$1") --trx-consistency-only --outputdir="$W/dump" \
		>/dev/null 2>&1
}
dumper_c() { # ROWS: mydumper's compressed output (-c), the same job as our
	# piped mode's compressed warehouse files
	rm -rf "$W/dump"
	mydumper --socket="$MDB_SOCK" --user=root --database=sbtest --threads="$TH" \
		--rows="$1" --trx-consistency-only --compress --outputdir="$W/dump" >/dev/null 2>&1
}
scan() { # the server alone: TH parallel scans of PK ranges, no rows sent
	_i=0
	_pids=
	while [ $_i -lt "$TH" ]; do
		"$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root -N -e "SELECT COUNT(*)
			FROM sbtest.sbtest1 FORCE INDEX (PRIMARY) WHERE id > $((N * _i / TH)) AND
			id <= $((N * (_i + 1) / TH)) AND c <> '' AND pad <> '' AND k <> -1" >/dev/null &
		_pids="$_pids $!"
		_i=$((_i + 1))
	done
	wait $_pids # these only: the server is a child of this shell too
}
chunks() { # the same chunks as mc-snapshot's, every row read and discarded
	rowdiscard "$MDB_SOCK" "$TH" sbtest.sbtest1 id id,k,c,pad "$N" 20000
}
client() {
	"$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root --quick \
		-e 'SELECT * FROM sbtest.sbtest1'
}
mkdir -p "$W/out"
client >/dev/null # warm the buffer pool
TH=2
snap_file
B=$(wc -c <"$W/out/snap.mcr")
echo "table: sbtest.sbtest1, $N rows; mc-snapshot output $B bytes; medians of $RUNS interleaved runs"
echo "peers: $(mydumper --version 2>&1 | head -1), --trx-consistency-only, chunking: default, --rows=20000, --rows=500000 (the best is the peer); mariadb --quick -e 'SELECT *'"
echo "peer of the piped mode (compressed warehouse files): mydumper --compress (its only compressor here), --rows=20000 and --rows=500000, the best of them"
echo "mc-snapshot: default settings (--chunk-rows=20000), text protocol (no FLOAT/DOUBLE column in sbtest1)"
for TH in $THREADS_LIST; do
	for i in $(seq "$RUNS"); do
		cpu "mc-snapshot-t$TH" snap_file
		cpu "mc-snapshot-pipe-t$TH" snap_pipe
		for r in 0 20000 500000; do
			cpu "mydumper-r$r-t$TH" dumper $r
		done
		for r in 20000 500000; do
			cpu "mydumper-c-r$r-t$TH" dumper_c $r
		done
		cpu "mariadb-select-t$TH" client
		cpu "server-scan-t$TH" scan
		cpu "server-chunks-t$TH" chunks
	done
	best=
	for r in 0 20000 500000; do
		if [ -z "$best" ] || awk -v a="$(median "mydumper-r$r-t$TH")" \
			-v b="$(median "$best")" 'BEGIN {exit !(a < b)}'; then
			best="mydumper-r$r-t$TH"
		fi
	done
	bestc=
	for r in 20000 500000; do
		if [ -z "$bestc" ] || awk -v a="$(median "mydumper-c-r$r-t$TH")" \
			-v b="$(median "$bestc")" 'BEGIN {exit !(a < b)}'; then
			bestc="mydumper-c-r$r-t$TH"
		fi
	done
	echo "threads $TH: (ratios: our time / peer's time; below 1 means faster than the peer)"
	for r in 0 20000 500000; do
		report "mydumper-r$r-t$TH" "$N" "$B"
	done
	report "mariadb-select-t$TH" "$N" "$B"
	report "server-scan-t$TH" "$N" "$B"
	report "server-chunks-t$TH" "$N" "$B"
	report "mc-snapshot-t$TH" "$N" "$B" "$best" "mariadb-select-t$TH"
	report "mc-snapshot-pipe-t$TH" "$N" "$B" "$best"
	for r in 20000 500000; do
		report "mydumper-c-r$r-t$TH" "$N" "$B"
	done
	report "mc-snapshot-pipe-t$TH" "$N" "$B" "$bestc"
	for n in "$best" "$bestc" "mc-snapshot-t$TH" "mc-snapshot-pipe-t$TH" "mariadb-select-t$TH" \
		"server-scan-t$TH" "server-chunks-t$TH"; do
		awk -v n="$n" -v c="$(cpu_median "$n")" -v s="$(cpu_median "$n" scpu)" \
			-v w="$(median "$n")" -v th="$TH" -v rows="$N" 'BEGIN {
			printf "  %-26s wall %6.3f s  client CPU %6.3f s  server CPU %6.3f s (%.2f us/row, busy %.0f%% of %d threads x wall)\n",
				n, w, c, s, s / rows * 1e6, 100 * s / (w * th), th }'
	done
	for m in "mc-snapshot-t$TH" "mc-snapshot-pipe-t$TH"; do
		awk -v a="$(median "$best")" -v b="$(median "$m")" -v m="$m" -v p="$best" \
			-v sc="$(median "server-chunks-t$TH")" -v c="$(cpu_median "$m")" \
			-v pc="$(cpu_median "$best")" 'BEGIN {
			printf "goal >= 1.2x %s rows/s: %s %.2fx (%s); or server-bound: wall %.2fx the server'"'"'s time for the same chunks (goal <= 1.05), client CPU %.2fx %s (goal <= 0.5): %s\n",
				p, m, a/b, a/b >= 1.2 ? "met" : "not met", b/sc, c/pc, p,
				b/sc <= 1.05 && c/pc <= 0.5 ? "met" : "not met" }'
	done
	awk -v a="$(median "$bestc")" -v b="$(median "mc-snapshot-pipe-t$TH")" -v p="$bestc" \
		-v c="$(cpu_median "mc-snapshot-pipe-t$TH")" -v pc="$(cpu_median "$bestc")" 'BEGIN {
		printf "the same job (compressed output): mc-snapshot-pipe-t'"$TH"' %.2fx %s rows/s (goal >= 1.2x: %s), client CPU %.2fx\n",
			a/b, p, a/b >= 1.2 ? "met" : "not met", c/pc }'
done
