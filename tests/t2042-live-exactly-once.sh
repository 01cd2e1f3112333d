#!/bin/sh
# Exactly once through a live pipeline:
#   mc-binlog-tail --checkpoint-in=C ... | mc-tunnel-put --dest=W --checkpoint-out=C
# under a concurrent writer (inserts, updates, key-changing updates,
# deletes, transactions bigger than 4 x --commit-rows so that the sink
# commits inside them, rotations), the tail or the sink killed (SIGKILL) at
# random moments and the same command rerun, then rerun until caught up
# (--stop-at-end): the warehouse's log holds exactly the rows of an
# uninterrupted run, at the same positions, none lost or doubled.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
S=$MDB_SERVER_ID
sql "CREATE DATABASE d;
CREATE TABLE d.a (id INT PRIMARY KEY, v VARCHAR(40), x DECIMAL(12,2), t DATETIME(6));
CREATE TABLE d.b (g INT, k INT, v VARCHAR(10), PRIMARY KEY (g, k))"
sql "SELECT @@gtid_binlog_pos" >/dev/null

# the writer's statements, spread over a few seconds
awk 'BEGIN {
	for (i = 1; i <= 360; i++) {
		printf "INSERT INTO d.a VALUES (%d, \"v%d\", %d.25, NOW(6));\n", i, i, i
		if (i % 3 == 0) printf "UPDATE d.a SET v = CONCAT(v, \"u\") WHERE id = %d;\n", i - 1
		if (i % 7 == 0) printf "UPDATE d.a SET id = id + 100000 WHERE id = %d;\n", i - 5
		if (i % 5 == 0) printf "DELETE FROM d.a WHERE id = %d;\n", i - 3
		if (i % 15 == 0) {
			printf "BEGIN; INSERT INTO d.b VALUES "
			for (k = 1; k <= 150; k++) printf "%s(%d, %d, \"x\")", (k > 1 ? ", " : ""), i, k
			printf "; UPDATE d.a SET x = x + 1 WHERE id > %d; COMMIT;\n", i - 10
		}
		if (i % 45 == 0) printf "UPDATE d.b SET v = \"y\" WHERE g = %d;\n", i - 15
		if (i % 120 == 0) printf "FLUSH BINARY LOGS;\n"
		printf "DO SLEEP(0.012);\n"
	}
}' >"$T/writer.sql"

C=$T/c.ckpt
W=$T/wh
run_pipeline() { # extra tail options; the pids in $tp $pp
	rm -f "$T/fifo" && mkfifo "$T/fifo"
	mc-binlog-tail $MDB_ARGS --server-id=$((S + 1)) --heartbeat=0.2 --retry-time=0 \
		--checkpoint-in="$C" --start=mysql-bin.000001:4 "$@" >"$T/fifo" 2>>"$T/tail.err" &
	tp=$!
	mc-tunnel-put --dest="$W" --checkpoint-out="$C" --commit-rows=5 <"$T/fifo" \
		2>>"$T/put.err" &
	pp=$!
}
rnd() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }

"$MDB_CLIENT" --no-defaults --socket="$MDB_SOCK" --user=root d <"$T/writer.sql" >/dev/null 2>"$T/writer.err" &
wp=$!
kills=0 tailk=0 putk=0
while kill -0 $wp 2>/dev/null || [ $kills -lt 6 ]; do
	run_pipeline
	r=$(rnd)
	sleep "0.$((r % 7 + 2))"
	if [ $((kills % 2)) -eq 0 ]; then victim=$tp other=$pp tailk=$((tailk + 1))
	else victim=$pp other=$tp putk=$((putk + 1)); fi
	kill -KILL $victim 2>/dev/null
	kills=$((kills + 1))
	# the other ends by itself (end of input, or a broken pipe at its
	# next heartbeat); if not, it is killed too
	wait_exit $other 30 || kill -KILL $other 2>/dev/null
	wait $tp $pp 2>/dev/null
done
wait $wp
expect_eq "writer: exit 0 ($(head -1 "$T/writer.err"))" "$?" 0
expect_ok "killed the tail and the sink at random moments ($kills kills: $tailk tail, $putk sink)" \
	test $tailk -ge 3 -a $putk -ge 3
# rerun until caught up
n=0 done=
while [ $n -lt 10 ] && [ -z "$done" ]; do
	run_pipeline --stop-at-end
	wait $tp; trc=$?
	wait $pp; prc=$?
	[ $trc -eq 0 ] && [ $prc -eq 0 ] && done=1
	n=$((n + 1))
done
expect_eq "caught up (--stop-at-end): tail and sink exit 0 (after $n runs)" "$done" 1
# once more: nothing new
run_pipeline --stop-at-end
wait $tp; wait $pp
expect_eq "a rerun when caught up: exit 0" "$?" 0
expect_grep "the checkpoint has a resume position" '^resume [0-9]+:[0-9]+:[0-9]+$' "$C"
expect_grep "the checkpoint has the GTID" "^gtid 0-$S-[0-9]+$" "$C"
expect_eq "the checkpoint's GTID is the server's" "$(sed -n 's/^gtid //p' "$C")" \
	"$(sql 'SELECT @@gtid_binlog_pos')"
expect_grep "the ledger keeps them too" '^resume ' "$W/_mcsync/ledger"

# the uninterrupted run
mc-binlog-tail $MDB_ARGS --server-id=$((S + 2)) --heartbeat=0 --stop-at-end --start=mysql-bin.000001:4 |
	mc-tunnel-put --dest="$T/ref" --commit-rows=5 --checkpoint-out="$T/ref.ckpt"
expect_eq "uninterrupted run: exit 0" "$?" 0
rows() {
	find "$1" -name 'part-*.mcr.zst' -path '*_log/*' | sort | xargs cat | mc-cat --to=jsonl |
		grep '^\["row"\|"row"' | sort
}
rows "$W" >"$T/got.jsonl"
rows "$T/ref" >"$T/want.jsonl"
expect_eq "rows of the log: the writer's ($(wc -l <"$T/want.jsonl"))" \
	"$(wc -l <"$T/want.jsonl")" "$(mc-binlog-tail "$MDB_DIR"/binlog/mysql-bin.0* | mc-cat --to=jsonl | grep -c '"row"')"
expect_same "killed and rerun = uninterrupted: same rows at the same positions" "$T/got.jsonl" "$T/want.jsonl"
expect_eq "no row doubled" "$(sort -u "$T/got.jsonl" | wc -l)" "$(wc -l <"$T/got.jsonl")"
expect_eq "the same GTID as the uninterrupted run" "$(grep '^gtid' "$C")" \
	"$(grep '^gtid' "$T/ref.ckpt")"
