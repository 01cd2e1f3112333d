#!/bin/sh
# tests/bench/b2000-binlog.sh: mc-binlog-tail beside mariadb-binlog
# --base64-output=decode-rows (its row decoding: -vv, the reference of
# docs/mc-binlog-tail.md, and -v, its faster setting: no column type
# comments) on three classes of binlog:
# - sakila: mysql-bin.sakila.gz (decompressed; MySQL 5.5, bulk rows in
#   multi-row events, DATETIME/TIMESTAMP/DECIMAL columns);
# - sysbench-prepare: what `sysbench oltp_write_only prepare` writes
#   (BENCH_PREPARE_ROWS rows a table, 4 tables: bulk INSERTs);
# - sysbench-oltp: BENCH_BINLOG_MB (default 500) MB of
#   `sysbench oltp_write_only run` (one-row events, UPDATE/DELETE/INSERT);
# the two last written by a throwaway MariaDB (binlog_format=ROW,
# binlog_row_metadata=FULL), kept in BENCH_DIR when given.
# Wall time and CPU are medians of RUNS (sakila: 4 x RUNS) runs
# interleaved between the tools (started by posix_spawn), output to
# /dev/null; peak memory from
# one more run of each under /usr/bin/time. Prints MB/s, events/s and the
# ratios; never fails on a timing.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
case $O in /*) BIN=$O ;; *) BIN=$TOP/$O ;; esac
MB=${BENCH_BINLOG_MB:-500}
PREP=${BENCH_PREPARE_ROWS:-100000}
RUNS=${RUNS:-5}
W=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mcbench.XXXXXX")}
mkdir -p "$W"
trap 'kill $srv 2>/dev/null; wait $srv 2>/dev/null; [ -n "${BENCH_DIR:-}" ] || rm -rf "$W"' EXIT
srv=

# run NAME FILE RUNS: the three tools on FILE, interleaved
run() {
	python3 - "$1" "$2" "$3" "$BIN/mc-binlog-tail" "${BENCH_DATA:-}" <<'PY'
import os, struct, sys, time, statistics
name, path, runs, tail, data = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
size = os.path.getsize(path)
nev = 0
with open(path, 'rb') as b:
    b.seek(4)
    while True:
        h = b.read(19)
        if len(h) < 19:
            break
        b.seek(struct.unpack('<I', h[9:13])[0] - 19, 1)
        nev += 1
tools = [
    ('mariadb-binlog-vv', ['mariadb-binlog', '--base64-output=decode-rows', '-vv', path]),
    ('mariadb-binlog-v', ['mariadb-binlog', '--base64-output=decode-rows', '-v', path]),
    ('mc-binlog-tail', [tail, '--fk-cascades=pass', path]),
]
wall = {t: [] for t, _ in tools}
cpu = {t: [] for t, _ in tools}
rss = {t: 0 for t, _ in tools}
null = os.open(os.devnull, os.O_WRONLY)
for _ in range(runs):
    for t, argv in tools:
        t0 = time.perf_counter()
        # posix_spawn (vfork): a child forked from Python would first
        # copy, then at exec tear down, Python's page tables, which on a
        # VM whose page-table updates trap costs it ~13 ms of CPU, charged
        # to the tool (most of mc-binlog-tail's time on sakila)
        pid = os.posix_spawnp(argv[0], argv, os.environ,
                              file_actions=[(os.POSIX_SPAWN_DUP2, null, 1),
                                            (os.POSIX_SPAWN_DUP2, null, 2)])
        _, st, ru = os.wait4(pid, 0)
        t1 = time.perf_counter()
        if st != 0:
            print('bench: %s failed on %s (status %d)' % (t, name, st))
        wall[t].append(t1 - t0)
        cpu[t].append(ru.ru_utime + ru.ru_stime)
        rss[t] = max(rss[t], ru.ru_maxrss)
# Peak memory: one more run of each through /usr/bin/time, which forks it
# from a small process (a child forked from this one keeps Python's ~10 MB
# as its high-water mark through exec: ru_maxrss above says nothing below).
peak_how = 'wait4 of a child of Python: at least its ~10 MB'
if os.path.exists('/usr/bin/time'):
    peak_how = '/usr/bin/time, one more run'
    for t, argv in tools:
        out = os.path.join(os.path.dirname(path), '.peak')
        pid = os.fork()
        if pid == 0:
            os.dup2(null, 1)
            os.dup2(null, 2)
            try:
                os.execv('/usr/bin/time', ['/usr/bin/time', '-f', '%M', '-o', out] + argv)
            finally:
                os._exit(127)
        os.waitpid(pid, 0)
        try:
            rss[t] = int(open(out).read().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
med = {t: statistics.median(wall[t]) for t in wall}
print('%s: %.1f MB, %d events; medians of %d interleaved runs; peak memory by %s' %
      (name, size / 1e6, nev, runs, peak_how))
for t, argv in tools:
    m = max(med[t], 1e-6)
    print('  %-18s %8.4f s %8.1f MB/s %10.0f events/s  cpu %8.4f s  peak %7d KB' %
          (t, m, size / 1e6 / m, nev / m, statistics.median(cpu[t]), rss[t]))
ours = max(med['mc-binlog-tail'], 1e-6)
print('  mc-binlog-tail is %.1fx mariadb-binlog -vv, %.1fx mariadb-binlog -v (wall); cpu %.1fx, %.1fx' %
      (med['mariadb-binlog-vv'] / ours, med['mariadb-binlog-v'] / ours,
       statistics.median(cpu['mariadb-binlog-vv']) / max(statistics.median(cpu['mc-binlog-tail']), 1e-6),
       statistics.median(cpu['mariadb-binlog-v']) / max(statistics.median(cpu['mc-binlog-tail']), 1e-6)))
if data:
    with open(data, 'a') as f:
        for t, _ in tools:
            peers = '%s mariadb-binlog-vv %s mariadb-binlog-v' % (name, name) if t == 'mc-binlog-tail' else ''
            f.write('b2000-binlog\t%s %s\t%.6f\t0\t%d\t%s\n' % (name, t, med[t], size, peers))
PY
}

echo "peers: mariadb-binlog $(mariadb-binlog --version 2>/dev/null | sed -n 's/.*Ver \([^ ]*\).*/\1/p') --base64-output=decode-rows -vv (and -v); mc-binlog-tail with its defaults and --fk-cascades=pass (sakila has foreign keys ON UPDATE CASCADE) (record stream, checksums verified; files read with read(2); the MariaDB client library not loaded for files)"
gunzip -c "$TOP/tests/fixtures/binlog/mysql-binlog-connector-java/src/test/resources/mysql-bin.sakila.gz" \
	>"$W/sakila.000001"
run sakila "$W/sakila.000001" $((RUNS * 4))

if ! command -v sysbench >/dev/null || ! command -v mariadbd >/dev/null; then
	echo "bench: no sysbench or mariadbd: skipping the generated binlogs"
	exit 0
fi
if [ ! -f "$W/data/mb.000002" ] || [ "$(wc -c <"$W/data/mb.000002")" -lt $((MB * 1000000)) ] ||
	[ "$(cat "$W/data/prepare-rows" 2>/dev/null)" != "$PREP" ]; then
	rm -rf "$W/data"
	mkdir -p "$W/data"
	mariadb-install-db --no-defaults --datadir="$W/data" --user="$(id -un)" \
		--auth-root-authentication-method=normal --skip-test-db >"$W/install.log" 2>&1
	mariadbd --no-defaults --datadir="$W/data" --socket="$W/sock" --skip-networking \
		--user="$(id -un)" --server-id=1 --log-bin="$W/data/mb" --binlog-format=ROW \
		--binlog-row-metadata=FULL --max-binlog-size=1G --innodb-flush-log-at-trx-commit=0 \
		--sync-binlog=0 --innodb-buffer-pool-size=256M --log-error="$W/err.log" 2>>"$W/err.log" &
	srv=$!
	i=0
	while ! mariadb --no-defaults -S "$W/sock" -uroot -e 'SELECT 1' >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -gt 300 ] && { echo "bench: MariaDB did not start"; exit 0; }
		sleep 0.1
	done
	mariadb --no-defaults -S "$W/sock" -uroot -e 'CREATE DATABASE sbtest'
	sb="sysbench oltp_write_only --db-driver=mysql --mysql-socket=$W/sock --mysql-user=root --mysql-db=sbtest --tables=4 --table-size=$PREP --threads=8"
	$sb prepare >/dev/null 2>&1
	mariadb --no-defaults -S "$W/sock" -uroot -e 'FLUSH BINARY LOGS' # prepare: mb.000001
	while [ "$(wc -c <"$W/data/mb.000002")" -lt $((MB * 1000000)) ]; do
		$sb --time=20 run >/dev/null 2>&1 || break
	done
	mariadb --no-defaults -S "$W/sock" -uroot -e 'FLUSH BINARY LOGS'
	kill $srv; wait $srv 2>/dev/null; srv=
	echo "$PREP" >"$W/data/prepare-rows"
fi
run "sysbench-prepare" "$W/data/mb.000001" "$RUNS"
run "sysbench-oltp-${MB}MB" "$W/data/mb.000002" "$RUNS"
