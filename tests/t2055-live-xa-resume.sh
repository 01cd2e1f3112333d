#!/bin/sh
# The restart story across a held XA transaction:
#   mc-binlog-tail --checkpoint-in=C ... | mc-tunnel-put --checkpoint-out=C
# with x1 prepared (XA PREPARE) and other transactions committed after it,
# the tail killed (SIGKILL), rerun, x2 prepared, the sink killed, then x1's
# XA COMMIT, x2's XA ROLLBACK and a one-phase XA, and a rerun until caught
# up. It stopped for good at x1's XA COMMIT (exit 1: its PREPARE lay before
# the checkpoint's resume); now the checkpoint's resume and gtid stay at or
# before the oldest held XA PREPARE's event group while pos goes on, and
# the log holds every row once, at the positions of an uninterrupted run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mariadb.sh"
need python3
mdb_start
S=$MDB_SERVER_ID
sql "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v INT); INSERT INTO d.t VALUES (1, 1)"
C=$T/c.ckpt
W=$T/wh
run_pipeline() { # extra tail options; the pids in $tp $pp
	rm -f "$T/fifo" && mkfifo "$T/fifo"
	mc-binlog-tail $MDB_ARGS --server-id=$((S + 1)) --heartbeat=0.2 --retry-time=0 \
		--checkpoint-in="$C" --start=mysql-bin.000001:4 "$@" >"$T/fifo" 2>>"$T/tail.err" &
	tp=$!
	mc-tunnel-put --dest="$W" --checkpoint-out="$C" --commit-rows=1 <"$T/fifo" \
		2>>"$T/put.err" &
	pp=$!
}
# the server's binlog position, as a checkpoint's "F:O"
at() { sql "SHOW MASTER STATUS" | awk '{ sub(/.*\./, "", $1); printf "%d:%d", $1, $2 }'; }
# wait until the checkpoint's pos is at or past "F:O"
wait_pos() {
	_w=0
	until python3 - "$C" "$1" <<'PY'
import sys
try:
    kv = dict(l.rstrip('\n').split(' ', 1) for l in open(sys.argv[1]) if ' ' in l)
except OSError:
    sys.exit(1)
p = [int(x) for x in kv.get('pos', '0:0:0').split(':')]
w = [int(x) for x in sys.argv[2].split(':')]
sys.exit(0 if p[:2] >= w else 1)
PY
	do
		[ $_w -ge 150 ] && return 1
		sleep 0.1
		_w=$((_w + 1))
	done
}
ck() { sed -n "s/^$1 //p" "$C"; } # a checkpoint's value
seqof() { echo "${1##*-}"; }      # the sequence number of a MariaDB GTID

run_pipeline
wait_pos "$(at)" || fail "set-up" "the first transactions not committed"
sql "XA START 'x1'; INSERT INTO d.t VALUES (10, 10); UPDATE d.t SET v = 11 WHERE id = 10;
XA END 'x1'; XA PREPARE 'x1'"
g1=$(sql "SELECT @@gtid_binlog_pos")
sql "INSERT INTO d.t VALUES (2, 2)"
sql "BEGIN; INSERT INTO d.t VALUES (3, 3); UPDATE d.t SET v = 100 WHERE id = 1; COMMIT"
p3=$(at)
expect_ok "the sink committed the transactions after x1's XA PREPARE" wait_pos "$p3"
expect_eq "... its resume stayed before x1's XA PREPARE, its pos went on" \
	"$(python3 -c 'import sys; r=[int(x) for x in sys.argv[1].split(":")]; p=[int(x) for x in sys.argv[2].split(":")]; print(r < p)' "$(ck resume)" "$(ck pos)")" True
expect_eq "... and its gtid before x1's XA PREPARE's ($g1)" \
	"$([ "$(seqof "$(ck gtid)")" -lt "$(seqof "$g1")" ] && echo before)" before
kill -KILL $tp
wait_exit $pp 50 || kill -KILL $pp 2>/dev/null
wait $tp $pp 2>/dev/null

# rerun (the tail killed): x1 read again, held; x2 prepared; the sink killed
run_pipeline
sql "XA START 'x2'; INSERT INTO d.t VALUES (20, 20); XA END 'x2'; XA PREPARE 'x2'"
sql "INSERT INTO d.t VALUES (4, 4)"
p4=$(at)
expect_ok "rerun after the tail's kill: it goes on past x2's XA PREPARE" wait_pos "$(at)"
kill -KILL $pp
wait_exit $tp 50 || kill -KILL $tp 2>/dev/null
wait $tp $pp 2>/dev/null

# the XA transactions end: x1 committed, x2 rolled back; one-phase x3
sql "INSERT INTO d.t VALUES (5, 5)"
sql "XA COMMIT 'x1'"
sql "XA ROLLBACK 'x2'"
sql "XA START 'x3'; INSERT INTO d.t VALUES (30, 30); XA END 'x3'; XA COMMIT 'x3' ONE PHASE"
sql "INSERT INTO d.t VALUES (6, 6)"
n=0 done=
while [ $n -lt 3 ] && [ -z "$done" ]; do
	run_pipeline --stop-at-end
	wait $tp; trc=$?
	wait $pp; prc=$?
	[ $trc -eq 0 ] && [ $prc -eq 0 ] && done=1
	n=$((n + 1))
done
expect_eq "rerun after the sink's kill, through x1's XA COMMIT: tail and sink exit 0 ($(tail -1 "$T/tail.err"))" "$done$n" 11
expect_eq "caught up: resume and pos at the server's end" "$(ck resume | cut -d: -f1-2) $(ck pos | cut -d: -f1-2)" "$(at) $(at)"
expect_eq "the checkpoint's GTID is the server's" "$(ck gtid)" "$(sql 'SELECT @@gtid_binlog_pos')"

mc-binlog-tail $MDB_ARGS --server-id=$((S + 2)) --heartbeat=0 --stop-at-end --start=mysql-bin.000001:4 |
	mc-tunnel-put --dest="$T/ref" --commit-rows=1 --checkpoint-out="$T/ref.ckpt"
expect_eq "uninterrupted run: exit 0" "$?" 0
rows() {
	find "$1" -name 'part-*.mcr.zst' -path '*_log/*' | sort | xargs cat | mc-cat --to=jsonl |
		grep '"row"' | sort
}
rows "$W" >"$T/got.jsonl"
rows "$T/ref" >"$T/want.jsonl"
expect_same "killed and rerun = uninterrupted: the same rows at the same positions" \
	"$T/got.jsonl" "$T/want.jsonl"
expect_eq "every row once: x1's two, x3's one, x2's (rolled back) none" \
	"$(grep -c '"after":\[10,1[01]\]' "$T/got.jsonl") $(grep -c '"after":\[30,30\]' "$T/got.jsonl") $(grep -c '"after":\[20,20\]' "$T/got.jsonl") $(sort -u "$T/got.jsonl" | wc -l) $(wc -l <"$T/got.jsonl")" \
	"2 1 0 10 10"
expect_eq "the same checkpoint as the uninterrupted run" "$(grep -v '^pos' "$C")" \
	"$(grep -v '^pos' "$T/ref.ckpt")"

# binlog files the same way: FILE --checkpoint-in, stopped while x1 was
# held (after the transactions after its PREPARE), and while x1 and x2 were
BL=$MDB_DIR/binlog/mysql-bin.000001
CF=$T/f.ckpt
filerun() { mc-binlog-tail --checkpoint-in="$CF" "$@" "$BL" |
	mc-tunnel-put --dest="$T/wf" --checkpoint-out="$CF" --commit-rows=1; }
expect_ok "files: the first run, up to x1's XA PREPARE and the two after (--stop-position)" \
	filerun --stop-position="${p3#*:}"
expect_eq "... the checkpoint's resume before x1's XA PREPARE, its pos past it" \
	"$(python3 -c 'import sys; r=[int(x) for x in sys.argv[1].split(":")]; p=[int(x) for x in sys.argv[2].split(":")]; print(r < p)' "$(sed -n 's/^resume //p' "$CF")" "$(sed -n 's/^pos //p' "$CF")")" True
expect_ok "files: from the checkpoint, up to x2's XA PREPARE and one after" \
	filerun --stop-position="${p4#*:}"
expect_ok "files: from the checkpoint to the end" filerun
rows "$T/wf" >"$T/gotf.jsonl"
expect_same "files from the checkpoint = uninterrupted: the same rows at the same positions" \
	"$T/gotf.jsonl" "$T/want.jsonl"
expect_code 2 "files: --checkpoint-in and --from: exit 2" \
	mc-binlog-tail --checkpoint-in="$CF" --from=mysql-bin.000001:4 "$BL"
printf 'mcsync-checkpoint 1\npos 7:4:0\nresume 7:4:0\n' >"$T/late.ckpt"
expect_code 1 "files: a checkpoint's resume after every FILE: exit 1" \
	mc-binlog-tail --checkpoint-in="$T/late.ckpt" "$BL"
expect_grep "... naming it" "no FILE is binlog number 7, where the checkpoint's resume 7:4:0 lies" "$T/err"
