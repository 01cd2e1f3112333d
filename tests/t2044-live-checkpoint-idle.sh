#!/bin/sh
# The sink's checkpoint follows the source while the selected tables are
# idle (only other tables written, then nothing at all: heartbeats), across
# binlog rotations, so that purging the old binlogs does not strand a
# resume: the rerun of the same pipeline carries on, exactly once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"

mdb_start
S=$MDB_SERVER_ID
sql "CREATE DATABASE d; CREATE TABLE d.sel (id INT PRIMARY KEY, v INT); CREATE TABLE d.other (id INT PRIMARY KEY);
INSERT INTO d.sel VALUES (1, 1)"
C=$T/c.ckpt
W=$T/wh
pipeline() { # in the background, pids in $tp $pp
	rm -f "$T/fifo" && mkfifo "$T/fifo"
	mc-binlog-tail $MDB_ARGS --server-id=$((S + 1)) --heartbeat=0.3 --tables='^d\.sel$' \
		--checkpoint-in="$C" --start=mysql-bin.000001:4 "$@" >"$T/fifo" 2>>"$T/tail.err" &
	tp=$!
	mc-tunnel-put --dest="$W" --checkpoint-out="$C" --commit-rows=1000 <"$T/fifo" 2>>"$T/put.err" &
	pp=$!
}
resume_file() { sed -n 's/^resume \([0-9]*\):.*/\1/p' "$C" 2>/dev/null; }
last_binlog() { sql "SHOW BINARY LOGS" | tail -1 | cut -f1; }

pipeline
i=0
while [ "$(resume_file)" != 1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "the first commit: resume in binlog 1" "$(resume_file)" 1
# other tables only, across two rotations
for f in 1 2; do
	for k in 1 2 3 4 5; do sql "INSERT INTO d.other VALUES ($f$k)"; done
	sql "FLUSH BINARY LOGS"
done
for k in 1 2 3; do sql "INSERT INTO d.other VALUES (9$k)"; done
i=0
while [ "$(resume_file)" != 3 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_eq "rows of other tables only: resume follows into binlog 3" "$(resume_file)" 3
# then nothing at all: a rotation, and heartbeats only
sql "FLUSH BINARY LOGS"
last=$(last_binlog)
n=$(echo "${last##*.}" | sed 's/^0*//')
# the end moves once more when the server appends its Binlog_checkpoint
# event (asynchronously, after the rotation): read it again each time
i=0
while end=$(stat -c %s "$MDB_DIR/binlog/$last") && ! grep -q "^resume $n:$end:0\$" "$C" &&
	[ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect_grep "an idle server: resume at the end of the last binlog ($n:$end)" "^resume $n:$end:0\$" "$C"
# purge what is behind, stop, rerun: no purged binlog needed
i=0
while sql "PURGE BINARY LOGS TO '$last'; SHOW BINARY LOGS" | grep -qv "^$last" && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
expect_eq "the old binlogs purged" "$(sql 'SHOW BINARY LOGS' | cut -f1)" "$last"
kill -TERM $tp
wait $tp
expect_eq "SIGTERM to the tail: exit 0" "$?" 0
wait $pp
expect_eq "the sink at the end of its input: exit 0" "$?" 0
sql "UPDATE d.sel SET v = 2 WHERE id = 1; INSERT INTO d.other VALUES (100)"
pipeline --stop-at-end
wait $tp
expect_eq "the rerun after the purge: exit 0 ($(tail -1 "$T/tail.err"))" "$?" 0
wait $pp
expect_eq "the rerun's sink: exit 0" "$?" 0
rows() {
	find "$W" -name 'part-*.mcr.zst' -path '*_log/*' | sort | xargs cat | mc-cat --to=jsonl |
		grep '"row"'
}
expect_eq "the warehouse: the two changes of d.sel, once each" "$(rows | wc -l)" 2
expect_eq "no rows of other tables" "$(rows | grep -vc '"sel"')" 0
