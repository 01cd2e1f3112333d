#!/bin/sh
# The oracle across sources, histories and table-replacing DDL, under a
# write load (pipelines/demo-load.sh), into ONE warehouse:
# 1. two source servers (server A: shop, server B: shop2, other server_ids)
#    snapshotted during writes and tailed from their lowest watermarks:
#    every table of both equals its source at P (docs/mc-tunnel-put.md
#    "Sources");
# 2. RESET MASTER on B: the old history tailed up to the reset, more
#    writes, the new history put with --new-history: B's tables equal the
#    source at a time after the last write (docs/merge.md "Sources");
# 3. TRUNCATE of a table of A amid the writes (in the writer's session, so
#    that changes lie on both sides of it): both tables of A equal the
#    source; then a RENAME swap (gh-ost style) amid writes: mc-merge of
#    that table exits 1 naming the statement, the other table still equals
#    the source (docs/merge.md "DDL");
# 4. the swap's remedy: a re-snapshot of that table taken during writes and
#    loaded with --resnapshot while a live tail's mc-tunnel-put holds the
#    warehouse: both tables equal the source (docs/mc-tunnel-put.md
#    "Re-snapshots").
# Two servers: tests/mariadb.sh's mdb_start called twice, with MDB_DIR,
# MDB_SOCK and MDB_ARGS set for the second (a later --server-id wins).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

ROWS=1200
export MCSYNC_DEMO_ROWS=$ROWS
W=$T/wh

# --- two servers: A (tests/mariadb.sh's own) and B (a second data dir) ---
mdb_start
A_DIR=$MDB_DIR A_SOCK=$MDB_SOCK A_ARGS=$MDB_ARGS A_PID=$MDB_PID
stop_a() { MDB_PID=$A_PID mdb_stop; }
at_exit stop_a
MDB_DIR=$T/mdb2 MDB_SOCK=$T/mdb2/sock MDB_PID=
MDB_ARGS="--socket=$MDB_SOCK --user=root"
mdb_start --server-id=$(( ($$ % 100000) + 200000 ))
B_DIR=$MDB_DIR B_SOCK=$MDB_SOCK B_ARGS=$MDB_ARGS
use() { # a|b: the server that sql, $MDB_DIR and $MDB_ARGS name
	case $1 in
	a) MDB_DIR=$A_DIR MDB_SOCK=$A_SOCK MDB_ARGS=$A_ARGS DB=shop ;;
	b) MDB_DIR=$B_DIR MDB_SOCK=$B_SOCK MDB_ARGS=$B_ARGS DB=shop2 ;;
	esac
}
ids=$(use a; sql "SELECT @@server_id"; use b; sql "SELECT @@server_id")
set -- $ids
[ "$1" != "$2" ] && ok "two servers, server_id $1 and $2" ||
	{ fail "two servers with different server_ids" "$ids"; exit 1; }

load() { # N FIRST: the writer's SQL for the current server's database
	sh "$TOP/pipelines/demo-load.sh" "$1" "$2" | sed "s/^USE shop;/USE $DB;/"
}
# mark: a transaction on a table outside the selection after the writers
# stopped: its txn_end lies above every chunk watermark (see t6200)
mark() { sql "CREATE DATABASE IF NOT EXISTS marks; CREATE TABLE IF NOT EXISTS marks.p (i INT PRIMARY KEY);
	REPLACE INTO marks.p VALUES (1); FLUSH BINARY LOGS"; }
binlogs_from() { # FILE: the current server's binlogs from FILE (a base name) on
	for f in "$MDB_DIR"/binlog/mysql-bin.[0-9]*; do
		[ "$(basename "$f")" \< "$1" ] || echo "$f"
	done
}
next_binlog() { sql "SHOW MASTER STATUS" | cut -f1; }
end_of() { mc-cat --to=summary "$1" | sed -n 's/^positions: .* \.\. //p'; }
# same LABEL AT TABLE...: each table of the current server merged at AT
# (a position or a time) equals a fresh snapshot of the source
same() {
	_l=$1 _at=$2
	shift 2
	mc-snapshot $MDB_ARGS --databases=$DB --threads=1 >"$T/truth.mcr" 2>"$T/err" ||
		{ fail "$_l: the truth snapshot" "exit $?"; return; }
	for _t in "$@"; do
		mc-merge --warehouse="$W" --table="${DB}__$_t" --at="$_at" --output="$T/m.mcr" 2>"$T/err"
		expect_eq "$_l: $DB.$_t merges at $_at" "$?" 0
		mc-cat --to=csv --table="$DB.$_t" "$T/m.mcr" | sort >"$T/got"
		mc-cat --to=csv --table="$DB.$_t" "$T/truth.mcr" | sort >"$T/want"
		expect_same "$_l: $DB.$_t equals the source, all $(($(wc -l <"$T/want") - 1)) rows, every value" \
			"$T/got" "$T/want"
	done
}

# --- 1. two sources, snapshots during writes, one warehouse ---
for s in a b; do
	use $s
	sed "s/@ROWS@/$ROWS/g; s/^CREATE DATABASE shop;/CREATE DATABASE $DB;/; s/^USE shop;/USE $DB;/" \
		"$TOP/pipelines/demo-data.sql" >"$T/data-$s.sql"
	sql "source $T/data-$s.sql" >"$T/load.out" 2>&1 ||
		{ fail "sample data loads into $s" "$(tail -3 "$T/load.out")"; exit 1; }
	# 3 ms after each commit: the writes last past the snapshots' first
	# watermarks even when the snapshots start late on a loaded machine
	load 400 1000 | sed 's/^COMMIT;$/COMMIT; DO SLEEP(0.003);/' >"$T/w1-$s.sql"
done
use a; sql "source $T/w1-a.sql" >"$T/w1-a.out" 2>&1 & wa=$!
use b; sql "source $T/w1-b.sql" >"$T/w1-b.out" 2>&1 & wb=$!
for s in a b; do
	use $s
	mc-snapshot $MDB_ARGS --databases=$DB --threads=2 --chunk-rows=100 --max-rate=4000 \
		>"$T/snap-$s.mcr" 2>"$T/snap-$s.err" &
	eval "snap_$s=\$!"
done
wait $snap_a; ra=$?; wait $snap_b; rb=$?; wait $wa; rwa=$?; wait $wb; rwb=$?
expect_eq "both snapshots run during both servers' writes" "$ra/$rb/$rwa/$rwb" 0/0/0/0
for s in a b; do
	use $s
	mark
	eval "next_$s=\$(next_binlog)"
	set -- $(mc-cat --to=summary "$T/snap-$s.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
	first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
	mc-binlog-tail --tables="^$DB\." --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* \
		>"$T/c1-$s.mcr" 2>"$T/err"
	expect_eq "server $s: the binlog from the lowest watermark decodes" "$?" 0
	expect_ok "server $s: the snapshot goes in" mc-tunnel-put --dest="$W" "$T/snap-$s.mcr"
	expect_ok "server $s: its changes go in" mc-tunnel-put --dest="$W" "$T/c1-$s.mcr"
done
# the writers really raced the snapshots: rows changed after a watermark
for s in a b; do
	changed=$(mc-cat --to=summary "$T/c1-$s.mcr" | awk '$1 ~ /^shop/ {n += $3 + $4 + $5} END {print n + 0}')
	[ "$changed" -gt 0 ] && ok "server $s: the log holds $changed changed rows" ||
		fail "server $s: the log holds changed rows" "none"
done
expect_grep "the ledger keeps a second source" "^src\.1\.source_id " "$W/_mcsync/ledger"
for s in a b; do
	use $s
	same "1. two sources, server $s" "$(end_of "$T/c1-$s.mcr")" customers order_items
done

# --- 2. RESET MASTER on B amid the writes ---
use b
load 300 3000 >"$T/w2.sql"
sql "source $T/w2.sql" >"$T/w2.out" 2>&1 || fail "writes before the reset" "$(tail -3 "$T/w2.out")"
binlogs_from "$next_b" >"$T/files"
mc-binlog-tail --tables="^$DB\." $(cat "$T/files") >"$T/c2-old.mcr" 2>"$T/err"
expect_eq "2. the old history up to the reset decodes" "$?" 0
expect_ok "2. and goes in" mc-tunnel-put --dest="$W" "$T/c2-old.mcr"
sleep 1.1 # the new first binlog is created in a later second
sql "RESET MASTER"
load 300 4000 >"$T/w3.sql"
sql "source $T/w3.sql" >"$T/w3.out" 2>&1 || fail "writes after the reset" "$(tail -3 "$T/w3.out")"
at=$(date -u '+%Y-%m-%d %H:%M:%S')
sleep 1.1
mark
mc-binlog-tail --tables="^$DB\." "$MDB_DIR"/binlog/mysql-bin.[0-9]* >"$T/c2-new.mcr" 2>"$T/err"
expect_eq "2. the new history decodes" "$?" 0
expect_code 1 "2. the new history without --new-history is refused" \
	mc-tunnel-put --dest="$W" "$T/c2-new.mcr"
expect_ok "2. with --new-history it goes in" mc-tunnel-put --new-history --dest="$W" "$T/c2-new.mcr"
same "2. after RESET MASTER" "$at" customers order_items

# --- 3. TRUNCATE amid the writes on A, then a RENAME swap amid writes ---
use a
{ load 250 5000; echo "TRUNCATE TABLE order_items;"; load 250 5250 | sed 1,2d; } >"$T/w4.sql"
sql "source $T/w4.sql" >"$T/w4.out" 2>&1 || fail "writes around a TRUNCATE" "$(tail -3 "$T/w4.out")"
mark
binlogs_from "$next_a" >"$T/files"
next_a=$(next_binlog)
mc-binlog-tail --tables="^$DB\." $(cat "$T/files") >"$T/c3.mcr" 2>"$T/err"
expect_eq "3. the TRUNCATE's binlog decodes" "$?" 0
mc-cat --to=jsonl "$T/c3.mcr" >"$T/c3.jsonl"
expect_grep "3. the stream marks the TRUNCATE" '"sql":"TRUNCATE TABLE order_items","effect":"truncate"' "$T/c3.jsonl"
expect_ok "3. and goes in" mc-tunnel-put --dest="$W" "$T/c3.mcr"
n=$(sql "SELECT COUNT(*) FROM $DB.order_items")
[ "$n" -gt 0 ] && ok "3. rows came after the TRUNCATE ($n)" || fail "3. rows came after the TRUNCATE" "$n"
same "3. after TRUNCATE" "$(end_of "$T/c3.mcr")" customers order_items

swap="RENAME TABLE shop.customers TO shop._customers_del, shop._customers_gho TO shop.customers"
{ load 200 6000; echo "CREATE TABLE _customers_gho LIKE customers;"
  echo "INSERT INTO _customers_gho SELECT * FROM customers; $swap;"; load 200 6200 | sed 1,2d; } >"$T/w5.sql"
sql "source $T/w5.sql" >"$T/w5.out" 2>&1
expect_eq "3. a RENAME swap amid the writes runs" "$?" 0
mark
mc-binlog-tail --tables="^$DB\.(customers|order_items)$" $(binlogs_from "$next_a") >"$T/c4.mcr" 2>"$T/err"
expect_eq "3. the swap's binlog decodes" "$?" 0
# a narrower --tables than the streams before (the swap's helper tables
# left out): taken on purpose (docs/mc-tunnel-put.md "Tables a tail reads")
expect_code 1 "3. a narrower --tables is refused" mc-tunnel-put --dest="$W" "$T/c4.mcr"
expect_ok "3. and goes in with --tables-changed" mc-tunnel-put --dest="$W" --tables-changed "$T/c4.mcr"
at=$(end_of "$T/c4.mcr")
expect_code 1 "3. a RENAME swap is refused by mc-merge" \
	mc-merge --warehouse="$W" --table=shop__customers --at="$at" --output="$T/sw.mcr"
expect_grep "3. naming the statement" "'$swap' at position [0-9]+:[0-9]+:[0-9]+ .*RENAME swap" "$T/err"
same "3. beside the swap" "$at" order_items

# --- 4. a re-snapshot of the swapped table while the live tail runs ---
# The remedy the swap's refusal names: the tail goes on (live, into the
# warehouse, holding it) while the writes go on and a new snapshot of
# customers is taken and loaded with --resnapshot beside it; then both
# tables equal the source (docs/mc-tunnel-put.md "Re-snapshots").
use a
next_a=$(next_binlog)
mkfifo "$T/live"
mc-tunnel-put --dest="$W" --partial-ok <"$T/live" >"$T/live-put.out" 2>"$T/live-put.err" &
live_put=$!
mc-binlog-tail $MDB_ARGS --tables="^$DB\.(customers|order_items)$" --start="$next_a:4" \
	--heartbeat=1 --server-id=4200077 >"$T/live" 2>"$T/live-tail.err" &
live_tail=$!
stop_live() { kill "$live_tail" 2>/dev/null; wait "$live_tail" 2>/dev/null; wait "$live_put" 2>/dev/null; }
at_exit stop_live
load 300 7000 >"$T/w6.sql"
sql "source $T/w6.sql" >"$T/w6.out" 2>&1 & w6=$!
mc-snapshot $MDB_ARGS --databases=$DB --tables="^$DB\.customers$" --chunk-rows=100 --max-rate=4000 \
	>"$T/resnap.mcr" 2>"$T/err"
expect_eq "4. the re-snapshot runs during the writes" "$?" 0
expect_ok "4. it goes in while the tail's writer holds the warehouse" \
	mc-tunnel-put --dest="$W" --resnapshot "$T/resnap.mcr"
wait $w6
expect_eq "4. the writes end" "$?" 0
mark
file_no=$(next_binlog | sed 's/.*\.0*//')
i=0
while [ $i -lt 300 ]; do
	r=$(sed -n 's/^resume \([0-9]*\):.*/\1/p' "$W/_mcsync/ledger")
	[ -n "$r" ] && [ "$r" -ge "$file_no" ] && break
	sleep 0.1
	i=$((i + 1))
done
expect_eq "4. the live tail reaches the end" "$([ "$r" -ge "$file_no" ] && echo yes)" yes
kill "$live_tail"
wait "$live_tail" 2>/dev/null
wait "$live_put"
expect_eq "4. the tail's writer ends well" "$?" 0
at=$(sed -n 's/^resume //p' "$W/_mcsync/ledger")
same "4. after a re-snapshot under the live tail" "$at" customers order_items
