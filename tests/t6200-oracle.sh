#!/bin/sh
# The end-to-end oracle: while a writer runs inserts, updates, key-changing
# updates, deletes and re-inserts on tables of every column type, snapshot
# (1 and 4 threads, small chunks), read the binlog from the lowest chunk
# watermark, load both into a warehouse, stop the writer at P, merge at P:
# every table equals a fresh snapshot of the source taken at P, row by row
# and value by value (mc-snapshot's values are checked against SELECT in
# t6001).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
ROWS=1500
export MCSYNC_DEMO_ROWS=$ROWS
sql "$(sed "s/@ROWS@/$ROWS/g" "$TOP/pipelines/demo-data.sql")" >"$T/load.out" 2>&1 ||
	{ fail "sample data loads" "$(tail -3 "$T/load.out")"; exit 1; }

round=0
for threads in 1 4; do
	round=$((round + 1))
	R=$T/r$round
	mkdir -p "$R"
	# the writer's 400 transactions spread over about 4 s (10 ms after each),
	# so that they span the snapshot even when a loaded machine is slow to
	# start it (else the snapshot may begin after the last one: no race)
	sh "$TOP/pipelines/demo-load.sh" 400 $((round * 1000)) |
		sed 's/^COMMIT;$/COMMIT; DO SLEEP(0.01);/' >"$R/load.sql"
	sql "source $R/load.sql" >"$R/writer.out" 2>&1 &
	writer=$!
	mc-snapshot $MDB_ARGS --databases=shop --threads=$threads --chunk-rows=100 \
		--max-rate=4000 >"$R/snap.mcr" 2>"$R/snap.err"
	rc=$?
	wait $writer
	wrc=$?
	expect_eq "round $round: the snapshot ($threads threads) runs during the writes" "$rc/$wrc" 0/0
	# P: a transaction after the writer stopped (on a table outside the
	# selection, so that it changes nothing merged). Its txn_end mark is
	# above every chunk watermark, which can lie past the writer's last
	# change (MariaDB's Binlog_checkpoint events): mc-merge refuses a point
	# below the base's watermarks, as it cannot know what lies between.
	sql "CREATE DATABASE IF NOT EXISTS marks; CREATE TABLE IF NOT EXISTS marks.p (i INT PRIMARY KEY);
		REPLACE INTO marks.p VALUES ($round)"
	sql "FLUSH BINARY LOGS"
	set -- $(mc-cat --to=summary "$R/snap.mcr" | sed -n 's/^positions: \([0-9]*\):\([0-9]*\):.*/\1 \2/p')
	first=$(printf '%s/binlog/mysql-bin.%06d' "$MDB_DIR" "$1")
	mc-binlog-tail --tables='^shop\.' --from="$first:$2" "$MDB_DIR"/binlog/mysql-bin.[0-9]* \
		>"$R/changes.mcr" 2>"$T/err"
	expect_eq "round $round: the binlog from the lowest watermark decodes" "$?" 0
	expect_ok "round $round: the snapshot goes into the base" \
		mc-tunnel-put --dest="$R/wh" "$R/snap.mcr"
	expect_ok "round $round: the changes go into the log" \
		mc-tunnel-put --dest="$R/wh" "$R/changes.mcr"
	# P: the writer has stopped; the truth is a fresh snapshot at P
	mc-snapshot $MDB_ARGS --databases=shop --threads=1 >"$R/truth.mcr" 2>"$T/err"
	at=$(mc-cat --to=summary "$R/changes.mcr" | sed -n 's/^positions: .* \.\. //p')
	for t in customers order_items; do
		mc-merge --warehouse="$R/wh" --table="shop__$t" --at="$at" --output="$R/$t.mcr" 2>"$T/err"
		expect_eq "round $round: shop.$t merges at P" "$?" 0
		mc-cat --to=csv --table="shop.$t" "$R/$t.mcr" | sort >"$R/$t.got"
		mc-cat --to=csv --table="shop.$t" "$R/truth.mcr" | sort >"$R/$t.want"
		n=$(($(wc -l <"$R/$t.want") - 1))
		expect_same "round $round: shop.$t equals the source at P, all $n rows, every value" \
			"$R/$t.got" "$R/$t.want"
	done
	# the writer really raced the snapshot: some rows changed after a watermark
	changed=$(mc-cat --to=summary "$R/changes.mcr" | awk '$1 ~ /^shop\./ {n += $3 + $4 + $5} END {print n + 0}')
	[ "$changed" -gt 0 ] && ok "round $round: the log holds $changed changed rows" ||
		fail "round $round: the log holds changed rows" "none"
done
