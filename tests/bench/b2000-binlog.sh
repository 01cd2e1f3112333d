#!/bin/sh
# tests/bench/binlog.sh: mc-binlog-tail beside `mariadb-binlog
# --base64-output=decode-rows -vv` on mysql-bin.sakila.gz (decompressed) and
# on a binlog of BENCH_BINLOG_MB (default 500) MB that a throwaway MariaDB
# writes under sysbench oltp_write_only. Prints MB/s, events/s, the ratio and
# peak memory; never fails on a timing.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
case $O in /*) BIN=$O ;; *) BIN=$TOP/$O ;; esac
MB=${BENCH_BINLOG_MB:-500}
W=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/mcbench.XXXXXX")}
mkdir -p "$W"
trap 'kill $srv 2>/dev/null; wait $srv 2>/dev/null; [ -n "${BENCH_DIR:-}" ] || rm -rf "$W"' EXIT
srv=

events() { # FILE: number of events (mc-binlog-tail's own framing is not used)
	python3 - "$1" <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb')
b.seek(4)
n = 0
while True:
    h = b.read(19)
    if len(h) < 19:
        break
    l = struct.unpack('<I', h[9:13])[0]
    b.seek(l - 19, 1)
    n += 1
print(n)
PY
}

run() { # NAME FILE
	size=$(wc -c <"$2")
	nev=$(events "$2")
	for tool in mariadb-binlog mc-binlog-tail; do
		if [ $tool = mariadb-binlog ]; then
			set -- "$1" "$2" mariadb-binlog --base64-output=decode-rows -vv "$2"
		else
			set -- "$1" "$2" "$BIN/mc-binlog-tail" "$2"
		fi
		/usr/bin/time -f '%e %M' -o "$W/time" "$3" "$4" ${5:+"$5"} ${6:+"$6"} >/dev/null 2>"$W/err" ||
			echo "bench: $tool failed on $1: $(head -1 "$W/err")"
		set -- "$1" "$2"
		read -r secs rss <"$W/time"
		python3 -c "
s=max($secs,0.001); print('%-16s %-15s %8.1f MB/s %10.0f events/s %7.2f s %7d KB' % ('$1', '$tool', $size/1e6/s, $nev/s, s, $rss))"
		echo "$secs" >"$W/t.$tool"
		[ -z "${BENCH_DATA:-}" ] || printf '%s\t%s\t%s\t0\t%s\t%s\n' b2000-binlog "$1 $tool" "$secs" \
			"$size" "$([ $tool = mc-binlog-tail ] && echo "$1 mariadb-binlog")" >>"$BENCH_DATA"
	done
	python3 -c "print('%-16s mc-binlog-tail is %.1fx mariadb-binlog -vv' % ('$1', max($(cat "$W/t.mariadb-binlog"),0.001)/max($(cat "$W/t.mc-binlog-tail"),0.001)))"
}

gunzip -c "$TOP/tests/fixtures/binlog/mysql-binlog-connector-java/src/test/resources/mysql-bin.sakila.gz" \
	>"$W/sakila.000001"
run sakila "$W/sakila.000001"

if ! command -v sysbench >/dev/null || ! command -v mariadbd >/dev/null; then
	echo "bench: no sysbench or mariadbd: skipping the generated binlog"
	exit 0
fi
if [ ! -f "$W/data/mb.000001" ] || [ "$(wc -c <"$W/data/mb.000001")" -lt $((MB * 1000000)) ]; then
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
	sb="sysbench oltp_write_only --db-driver=mysql --mysql-socket=$W/sock --mysql-user=root --mysql-db=sbtest --tables=4 --table-size=10000 --threads=8"
	$sb prepare >/dev/null 2>&1
	while [ "$(wc -c <"$W/data/mb.000001")" -lt $((MB * 1000000)) ]; do
		$sb --time=20 run >/dev/null 2>&1 || break
	done
	mariadb --no-defaults -S "$W/sock" -uroot -e 'FLUSH BINARY LOGS'
	kill $srv; wait $srv 2>/dev/null; srv=
fi
run "sysbench-${MB}MB" "$W/data/mb.000001"
